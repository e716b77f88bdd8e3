// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall widget: model wiring, geometry, zoom, hit tests, input (painted in waterfallpaint).
#include "waterfallview.h"

#include "formatting.h"
#include "jobqueuemodel.h"

#include <QAbstractProxyModel>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace Parafetch {

namespace {

constexpr int RowPadding = 6;
constexpr int MinGutterWidth = 120;
constexpr int MaxGutterWidth = 280;
constexpr int GutterShare = 4; // the gutter takes at most a quarter of the width
constexpr int AngleDeltaPerStep = 120;

} // namespace

WaterfallView::WaterfallView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setObjectName(QStringLiteral("waterfallView"));
    setAccessibleName(tr("Waterfall"));
    setAccessibleDescription(tr("One bar per URL on a shared time axis, coloured by phase"));
    setFocusPolicy(Qt::StrongFocus);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setAutoFillBackground(false);
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(RefreshIntervalMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &WaterfallView::refresh);
}

WaterfallView::~WaterfallView() = default;

QSize WaterfallView::sizeHint() const
{
    constexpr QSize Hint(640, 280);
    return Hint;
}

void WaterfallView::setModel(JobQueueModel *model, QAbstractProxyModel *filter)
{
    for (const QMetaObject::Connection &connection : std::as_const(m_connections))
        disconnect(connection);
    m_connections.clear();
    m_model = model;
    m_filter = filter;
    const auto watch = [this](QAbstractItemModel *source) {
        m_connections
            << connect(source, &QAbstractItemModel::rowsInserted, this, &WaterfallView::markDirty)
            << connect(source, &QAbstractItemModel::rowsRemoved, this, &WaterfallView::markDirty)
            << connect(source, &QAbstractItemModel::rowsMoved, this, &WaterfallView::markDirty)
            << connect(source, &QAbstractItemModel::modelReset, this, &WaterfallView::markDirty)
            << connect(source, &QAbstractItemModel::layoutChanged, this, &WaterfallView::markDirty);
    };
    if (model) {
        watch(model);
        // Batches of live changes (ARCHITECTURE rule 5): the layout follows at the refresh pace.
        m_connections << connect(model, &QAbstractItemModel::dataChanged, this,
                                 &WaterfallView::markRowsChanged)
                      << connect(model, &QObject::destroyed, this, &WaterfallView::markDirty);
    }
    if (filter) {
        // A filter applied again during a run shows and hides rows here and there: those are
        // taken in row by row (lanes), the rest of its changes lay everything out again.
        m_connections
            << connect(filter, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                       [this](const QModelIndex &, int first, int last) {
                           noteFiltered(first, last, false);
                       })
            << connect(filter, &QAbstractItemModel::rowsInserted, this,
                       [this](const QModelIndex &, int first, int last) {
                           noteFiltered(first, last, true);
                       })
            << connect(filter, &QAbstractItemModel::rowsMoved, this, &WaterfallView::markDirty)
            << connect(filter, &QAbstractItemModel::modelReset, this, &WaterfallView::markDirty)
            << connect(filter, &QAbstractItemModel::layoutChanged, this, &WaterfallView::markDirty);
    }
    markDirty();
}

void WaterfallView::noteFiltered(int first, int last, bool shown)
{
    if (!m_filter || !m_layout.takesFiltered(last - first + 1)) {
        markDirty();
        return;
    }
    for (int row = first; row <= last && !m_layout.isInvalidated(); ++row)
        m_layout.noteFiltered(m_filter->mapToSource(m_filter->index(row, 0)).row(), shown);
    scheduleRefresh();
}

void WaterfallView::setClock(std::function<qint64()> nowNs)
{
    m_clock = std::move(nowNs);
}

qint64 WaterfallView::nowNs() const
{
    return m_clock ? m_clock() : -1;
}

void WaterfallView::setGrouping(Grouping grouping)
{
    if (grouping == m_layout.grouping())
        return;
    m_layout.setGrouping(grouping);
    relayout();
    if (m_selected != 0)
        ensureRowVisible(rowOfJob(m_selected));
}

void WaterfallView::scheduleRefresh()
{
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void WaterfallView::markDirty()
{
    m_layout.invalidate();
    scheduleRefresh();
}

void WaterfallView::markRowsChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    // Live changes leave the set of rows alone: only these rows need a second look, and most
    // of them keep their place (WaterfallLayout::update()).
    m_layout.noteChanged(topLeft.row(), bottomRight.row());
    scheduleRefresh();
}

void WaterfallView::refresh()
{
    // A hidden view does no work; showEvent catches up.
    if (!isVisible())
        return;
    relayout();
    viewport()->update();
    // Running bars grow with the clock even when no model change arrives.
    if (m_layout.hasRunning())
        m_refreshTimer.start();
}

void WaterfallView::relayout()
{
    ensureLayout();
    updateScrollBars();
}

void WaterfallView::showEvent(QShowEvent *event)
{
    QAbstractScrollArea::showEvent(event);
    refresh();
    ensureRowVisible(rowOfJob(m_selected));
}

void WaterfallView::ensureLayout()
{
    if (!m_layout.isPending())
        return;
    WaterfallLayout::Source source;
    if (m_model) {
        const JobQueueModel *model = m_model.data();
        source.count = model->rowCount();
        source.jobAt = [model](int row) -> const Job & { return model->jobAt(row); };
        // The proxy only filters: when it shows as many rows as the model has, it shows them
        // all, and 100,000 index mappings are not needed to find that out.
        if (m_filter && m_filter->sourceModel() == model && m_filter->rowCount() != source.count) {
            source.shownRows = [filter = m_filter.data()] {
                std::vector<int> shown(std::size_t(filter->rowCount()));
                for (int row = 0; row < int(shown.size()); ++row)
                    shown[std::size_t(row)] = filter->mapToSource(filter->index(row, 0)).row();
                return shown;
            };
        }
    }
    m_layout.update(source);
    m_time.setRange(m_layout.originNs(), endNs());
    updateGaps();
}

void WaterfallView::updateGaps()
{
    std::vector<IdleGap> gaps;
    const qint64 origin = m_layout.originNs();
    if (m_model && m_layout.hasStarted()) {
        for (const auto &[start, end] : m_model->idleGapsNs(MinIdleGapNs)) {
            if (end > origin)
                gaps.push_back({ std::max(start, origin), end });
        }
    }
    // Measured here, once per layout, not by every time-to-x mapping of every bar.
    int widest = 0;
    for (const IdleGap &gap : gaps)
        widest = std::max(widest,
                          fontMetrics().horizontalAdvance(idleGapLabel(gap.endNs - gap.startNs)));
    const int width = gaps.empty() ? 0 : widest + AxisPadding;
    m_time.setGaps(std::move(gaps), width);
}

QList<WaterfallView::IdleGap> WaterfallView::idleGaps() const
{
    return QList<IdleGap>(m_time.gaps().begin(), m_time.gaps().end());
}

qint64 WaterfallView::endNs() const
{
    qint64 end = m_layout.lastEndNs();
    if (m_layout.hasRunning())
        end = std::max(end, nowNs());
    return std::max(end, m_layout.originNs());
}

int WaterfallView::rowHeight() const
{
    return fontMetrics().height() + RowPadding;
}

int WaterfallView::axisHeight() const
{
    return fontMetrics().height() + AxisPadding;
}

int WaterfallView::gutterWidth() const
{
    return std::clamp(viewport()->width() / GutterShare,
                      std::min(MinGutterWidth, viewport()->width() / 2), MaxGutterWidth);
}

int WaterfallView::barAreaWidth() const
{
    return std::max(1, viewport()->width() - barLeft());
}

int WaterfallView::rowsAreaHeight() const
{
    return std::max(0, viewport()->height() - axisHeight() - legendHeight());
}

int WaterfallView::rowTop(int row) const
{
    return axisHeight() + row * rowHeight() - verticalScrollBar()->value();
}

void WaterfallView::updateScrollBars()
{
    m_time.setRange(m_layout.originNs(), endNs());
    m_time.fitTo(barAreaWidth() - EndMarginPx);
    const int visibleWidth = barAreaWidth();
    const double contentWidth = m_time.width() + EndMarginPx;
    QScrollBar *horizontal = horizontalScrollBar();
    horizontal->setRange(0, std::max(0, int(std::ceil(contentWidth)) - visibleWidth));
    horizontal->setPageStep(visibleWidth);
    horizontal->setSingleStep(std::max(1, visibleWidth / 10));
    const int visibleHeight = rowsAreaHeight();
    QScrollBar *vertical = verticalScrollBar();
    // Whole rows: scrolled to the end, the top row is not cut in half (the bottom has room).
    const int hiddenHeight = std::max(0, layoutRowCount() * rowHeight() - visibleHeight);
    vertical->setRange(0, (hiddenHeight + rowHeight() - 1) / rowHeight() * rowHeight());
    vertical->setPageStep(visibleHeight);
    vertical->setSingleStep(rowHeight());
}

void WaterfallView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    relayout();
}

void WaterfallView::scrollContentsBy(int, int)
{
    viewport()->update();
}

qreal WaterfallView::xForTime(qint64 ns) const
{
    return barLeft() + m_time.offsetOf(ns) - horizontalScrollBar()->value();
}

qint64 WaterfallView::timeAtX(qreal x) const
{
    return m_time.timeAt(x - barLeft() + horizontalScrollBar()->value());
}

void WaterfallView::zoomIn()
{
    zoomBy(ZoomStep, barLeft() + barAreaWidth() / 2.0);
}

void WaterfallView::zoomOut()
{
    zoomBy(1.0 / ZoomStep, barLeft() + barAreaWidth() / 2.0);
}

void WaterfallView::zoomToFit()
{
    m_time.startFitting();
    relayout();
    horizontalScrollBar()->setValue(0);
    viewport()->update();
    emit zoomChanged();
}

void WaterfallView::setPixelsPerMs(double pixelsPerMs)
{
    m_time.setPixelsPerMs(pixelsPerMs);
    relayout();
    viewport()->update();
    emit zoomChanged();
}

void WaterfallView::zoomBy(double factor, qreal anchorX)
{
    relayout();
    const qreal anchor = std::max<qreal>(anchorX, barLeft());
    const qreal offset = m_time.zoomBy(factor, anchor - barLeft() + horizontalScrollBar()->value());
    updateScrollBars();
    horizontalScrollBar()->setValue(int(std::lround(barLeft() + offset - anchor)));
    viewport()->update();
    emit zoomChanged();
}

int WaterfallView::rowOfJob(quint64 id) const
{
    if (!m_model || id == 0)
        return -1;
    return m_layout.rowOfSource(m_model->rowForId(id));
}

QRect WaterfallView::rowRect(int row) const
{
    return QRect(0, rowTop(row), viewport()->width(), rowHeight());
}

bool WaterfallView::isHeaderRow(int row) const
{
    return row >= 0 && row < layoutRowCount() && m_layout.rows()[std::size_t(row)].header;
}

QList<quint64> WaterfallView::jobsInRow(int row) const
{
    QList<quint64> ids;
    if (isHeaderRow(row) || row < 0 || row >= layoutRowCount())
        return ids;
    const WaterfallLayout::Row &r = m_layout.rows()[std::size_t(row)];
    for (int item = r.first; item < r.first + r.count; ++item)
        ids.append(itemJob(item).id);
    return ids;
}

QStringList WaterfallView::groupLabels() const
{
    QStringList labels;
    for (const WaterfallLayout::Row &row : m_layout.rows()) {
        if (row.header || grouping() == Grouping::LanePacked)
            labels.append(m_layout.groups().at(row.group).label);
    }
    return labels;
}

const Job *WaterfallView::jobForId(quint64 id) const
{
    if (!m_model || id == 0)
        return nullptr;
    const int row = m_model->rowForId(id);
    return row >= 0 ? &m_model->jobAt(row) : nullptr;
}

const Job &WaterfallView::itemJob(int item) const
{
    return m_model->jobAt(m_layout.items()[std::size_t(item)]);
}

quint64 WaterfallView::jobAt(const QPoint &position) const
{
    const int top = axisHeight();
    if (!m_model || position.y() < top || position.y() >= top + rowsAreaHeight())
        return 0;
    const int row = (position.y() - top + verticalScrollBar()->value()) / rowHeight();
    if (row < 0 || row >= layoutRowCount() || m_layout.rows()[std::size_t(row)].header)
        return 0;
    const WaterfallLayout::Row &r = m_layout.rows()[std::size_t(row)];
    if (grouping() != Grouping::LanePacked)
        return itemJob(r.first).id; // anywhere on its row
    // A packed lane: the bar under the pointer, its queue wait excluded (those overlap).
    if (position.x() < gutterWidth())
        return 0;
    const qint64 now = nowNs();
    constexpr int Slack = 2;
    for (int item = r.first; item < r.first + r.count; ++item) {
        const Job &job = itemJob(item);
        const qint64 end = barEndNs(job, now);
        if (job.startedAtNs < 0 || end < 0)
            continue;
        if (position.x() >= xForTime(job.startedAtNs) - Slack
            && position.x() <= xForTime(end) + Slack)
            return job.id;
    }
    return 0;
}

QList<WaterfallView::Segment> WaterfallView::segmentsOf(const Job &job, qint64 nowNs)
{
    return phaseSpans(job, nowNs);
}

void WaterfallView::ensureRowVisible(int row)
{
    if (row < 0)
        return;
    // A row out of sight comes to a third of the way down, with whole rows above it.
    constexpr int Share = 3;
    const int height = rowHeight();
    QScrollBar *vertical = verticalScrollBar();
    const int top = row * height;
    if (top < vertical->value() || top + height > vertical->value() + rowsAreaHeight())
        vertical->setValue(std::max(0, row - rowsAreaHeight() / Share / height) * height);
    // Horizontally, bring the bar's start into view when it is off screen.
    const Job *job = jobForId(m_selected);
    if (job && job->startedAtNs >= 0 && grouping() != Grouping::LanePacked) {
        const qreal x = xForTime(job->startedAtNs);
        if (x < barLeft() || x > viewport()->width() - EndMarginPx) {
            QScrollBar *horizontal = horizontalScrollBar();
            horizontal->setValue(horizontal->value() + int(x - barLeft()) - barAreaWidth() / 4);
        }
    }
}

void WaterfallView::setSelectedJob(quint64 id)
{
    if (id == m_selected)
        return;
    m_selected = id;
    if (!isVisible())
        return; // a hidden view lays nothing out; showEvent scrolls to the selection
    relayout();
    ensureRowVisible(rowOfJob(id));
    viewport()->update();
}

void WaterfallView::selectNeighbour(int step)
{
    ensureLayout();
    const int items = int(m_layout.items().size());
    if (items == 0 || !m_model)
        return;
    const int item = m_layout.itemOfSource(m_selected ? m_model->rowForId(m_selected) : -1);
    const int next = item < 0 ? (step > 0 ? 0 : items - 1) : std::clamp(item + step, 0, items - 1);
    const quint64 id = itemJob(next).id;
    if (id == m_selected)
        return;
    setSelectedJob(id);
    emit jobClicked(id);
}

void WaterfallView::mousePressEvent(QMouseEvent *event)
{
    setFocus(Qt::MouseFocusReason);
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    ensureLayout(); // a click answers what the jobs are now
    const quint64 id = jobAt(event->position().toPoint());
    if (id == 0)
        return;
    setSelectedJob(id);
    emit jobClicked(id);
}

void WaterfallView::mouseReleaseEvent(QMouseEvent *event)
{
    event->accept(); // the press did the work
}

void WaterfallView::wheelEvent(QWheelEvent *event)
{
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QAbstractScrollArea::wheelEvent(event);
        return;
    }
    const double steps = double(event->angleDelta().y()) / AngleDeltaPerStep;
    if (steps != 0)
        zoomBy(std::pow(ZoomStep, steps), event->position().x());
    event->accept();
}

void WaterfallView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
        zoomToFit();
        break;
    case Qt::Key_Up:
        selectNeighbour(-1);
        break;
    case Qt::Key_Down:
        selectNeighbour(1);
        break;
    default:
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    event->accept();
}

bool WaterfallView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        ensureLayout();
        const quint64 id = jobAt(help->pos());
        if (id == 0) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), toolTipFor(id), viewport(),
                               rowRect(rowOfJob(id)));
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

} // namespace Parafetch
