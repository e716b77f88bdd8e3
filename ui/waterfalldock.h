// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's dock: the view with its grouping and zoom controls in a small tool bar of its
// own, and the toggle action the View menu shows.
#pragma once

#include <QDockWidget>

class QComboBox;
class QSettings;

namespace Parafetch {

class FetchEngine;
class JobQueueModel;
class JobTableProxyModel;
class WaterfallView;

class WaterfallDock final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WaterfallDock)
public:
    // The view shows model's rows that proxy lets through, on engine's clock; the caller keeps
    // all three alive.
    WaterfallDock(JobQueueModel *model, JobTableProxyModel *proxy, FetchEngine *engine,
                  QWidget *parent = nullptr);

    WaterfallView *view() const { return m_view; }

    // The grouping and the zoom (or that it fits the run) under the window's settings keys.
    void readSettings(const QSettings &settings);
    void writeSettings(QSettings &settings) const;

private:
    WaterfallView *m_view = nullptr;
    QComboBox *m_grouping = nullptr;
};

} // namespace Parafetch
