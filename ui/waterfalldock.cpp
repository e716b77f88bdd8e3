// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's dock, its tool bar and the settings it keeps.
#include "waterfalldock.h"

#include "engine/fetchengine.h"
#include "jobtableproxymodel.h"
#include "waterfallview.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QSettings>
#include <QToolBar>
#include <QVBoxLayout>

namespace Parafetch {

namespace {

const char *const GroupingKey = "window/waterfallGrouping";
const char *const ZoomKey = "window/waterfallZoom";
constexpr double FittedZoom = -1; // the zoom as kept when it fits the run

} // namespace

// The waterfall sits below the table (a bottom dock, so it gets the window's whole width).
WaterfallDock::WaterfallDock(JobQueueModel *model, JobTableProxyModel *proxy, FetchEngine *engine,
                             QWidget *parent)
    : QDockWidget(tr("Waterfall"), parent)
{
    setObjectName(QStringLiteral("waterfallDock"));
    auto *container = new QWidget(this);
    auto *layout = new QVBoxLayout(container);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto *bar = new QToolBar(tr("Waterfall"), container);
    bar->setObjectName(QStringLiteral("waterfallToolBar"));
    bar->setIconSize(QSize(16, 16));
    m_view = new WaterfallView(container);
    m_view->setModel(model, proxy);
    m_view->setClock([engine] { return engine->nowNs(); });

    auto *groupLabel = new QLabel(tr("&Group:"), bar);
    m_grouping = new QComboBox(bar);
    m_grouping->setObjectName(QStringLiteral("waterfallGrouping"));
    m_grouping->setAccessibleName(tr("Group the waterfall"));
    m_grouping->addItem(tr("By lane"), int(WaterfallView::Grouping::Lane));
    m_grouping->addItem(tr("By lane, one line each"), int(WaterfallView::Grouping::LanePacked));
    m_grouping->addItem(tr("By host"), int(WaterfallView::Grouping::Host));
    m_grouping->addItem(tr("By connection"), int(WaterfallView::Grouping::Connection));
    m_grouping->setToolTip(
        tr("Lanes are the workers: each fetches one URL at a time, a request in flight. Over "
           "HTTP/1.1 a lane keeps its own connection; over HTTP/2 the lanes that share a "
           "network manager multiplex on one connection (group by connection to see it)"));
    groupLabel->setBuddy(m_grouping);
    bar->addWidget(groupLabel);
    bar->addWidget(m_grouping);
    connect(m_grouping, &QComboBox::currentIndexChanged, this, [this] {
        m_view->setGrouping(WaterfallView::Grouping(m_grouping->currentData().toInt()));
    });
    bar->addSeparator();
    // Their keys work while the waterfall (or its tool bar) has the focus, and so they are in
    // Help → Keyboard Shortcuts.
    container->setAccessibleName(tr("Waterfall"));
    const auto zoomAction = [this, bar,
                             container](const char *name, const QString &text, const QString &icon,
                                        const QList<QKeySequence> &keys, const QString &toolTip,
                                        void (WaterfallView::*slot)()) {
        QAction *zoom = bar->addAction(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)), text);
        zoom->setObjectName(QLatin1String(name));
        zoom->setToolTip(toolTip);
        zoom->setShortcuts(keys);
        zoom->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        container->addAction(zoom);
        connect(zoom, &QAction::triggered, m_view, slot);
    };
    zoomAction("waterfallZoomIn", tr("Zoom In"), QStringLiteral("zoom-in"),
               { QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal) },
               tr("Zoom in on the time axis (+, or Ctrl+wheel over the bars)"),
               &WaterfallView::zoomIn);
    zoomAction("waterfallZoomOut", tr("Zoom Out"), QStringLiteral("zoom-out"),
               { QKeySequence(Qt::Key_Minus) }, tr("Zoom out on the time axis (-)"),
               &WaterfallView::zoomOut);
    zoomAction("waterfallFit", tr("Fit"), QStringLiteral("zoom-fit"), { QKeySequence(Qt::Key_0) },
               tr("Fit the whole run into the width, and keep it fitted as it grows (0)"),
               &WaterfallView::zoomToFit);
    layout->addWidget(bar);
    layout->addWidget(m_view, 1);

    setWidget(container);
    QAction *toggle = toggleViewAction();
    toggle->setObjectName(QStringLiteral("showWaterfall"));
    toggle->setText(tr("&Waterfall"));
    toggle->setIcon(QIcon(QStringLiteral(":/icons/waterfall.svg")));
    // W for waterfall; Ctrl+W alone is the platforms' Close, so Shift is added.
    const QKeySequence toggleKeys(Qt::CTRL | Qt::SHIFT | Qt::Key_W);
    toggle->setShortcut(toggleKeys);
    toggle->setToolTip(
        tr("Show or hide the waterfall (%1)").arg(toggleKeys.toString(QKeySequence::NativeText)));
}

void WaterfallDock::readSettings(const QSettings &settings)
{
    const int grouping =
        m_grouping->findData(settings.value(QLatin1String(GroupingKey), -1).toInt());
    if (grouping >= 0)
        m_grouping->setCurrentIndex(grouping);
    // No value, or none above 0: fitted, the way a new window starts.
    const double zoom = settings.value(QLatin1String(ZoomKey), FittedZoom).toDouble();
    if (zoom > 0)
        m_view->setPixelsPerMs(zoom);
}

void WaterfallDock::writeSettings(QSettings &settings) const
{
    settings.setValue(QLatin1String(GroupingKey), m_grouping->currentData());
    settings.setValue(QLatin1String(ZoomKey),
                      m_view->isFitting() ? FittedZoom : m_view->pixelsPerMs());
}

} // namespace Parafetch
