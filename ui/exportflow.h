// SPDX-License-Identifier: GPL-3.0-or-later
// Files in and out of the window: importing a URL list, exporting the results, and opening a
// saved run, which asks first before results not exported are replaced.
#pragma once

#include "formats/runfile.h"

#include <QObject>
#include <QString>

class QWidget;

namespace Parafetch {

class FetchEngine;
class InputPanel;
class JobQueueModel;
class RunTimeline;

class ExportFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportFlow)
public:
    // window parents the dialogs and the message boxes; the caller keeps the others alive.
    ExportFlow(JobQueueModel *model, FetchEngine *engine, InputPanel *input, QWidget *window);

    // See MainWindow::importFile(), exportTo() and openRun().
    bool importFile(const QString &path);
    bool exportTo(const QString &path, QString *error);
    bool openRun(const QString &path);

    void importDialog();
    void exportDialog();
    void openRunDialog();

    // Where the file dialogs open: the folder of the last import, export or saved run.
    QString lastDirectory() const { return m_lastDirectory; }
    void setLastDirectory(const QString &folder) { m_lastDirectory = folder; }
    // The run's timeline, which a JSON export carries (null: none).
    void setTimeline(const RunTimeline *timeline) { m_timeline = timeline; }

Q_SIGNALS:
    // The queue now holds a saved run in place of the list; it ran with `concurrency` workers
    // and a per-host cap of `perHost` (0: the file does not say; none), and recorded this
    // timeline (empty: none).
    void runOpened(int concurrency, int perHost, const QList<TimelinePoint> &timeline);
    // A passing message for the status bar.
    void message(const QString &text);

private:
    bool mayDropResults(); // asks before results not exported are replaced

    JobQueueModel *const m_model;
    FetchEngine *const m_engine;
    InputPanel *const m_input;
    QWidget *const m_window;
    QString m_lastDirectory;
    bool m_unexportedResults = false; // results fetched here since the last export
    const RunTimeline *m_timeline = nullptr;
};

} // namespace Parafetch
