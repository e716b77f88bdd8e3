// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall: one bar per URL on a shared time axis, coloured by phase, grouped by lane or host.
#pragma once

#include "job.h"
#include "phases.h"
#include "timescale.h"
#include "units.h"
#include "waterfalllayout.h"

#include <QAbstractScrollArea>
#include <QList>
#include <QPointer>
#include <QTimer>

#include <functional>

class QAbstractProxyModel;

namespace Parafetch {

class JobQueueModel;

// Reads the jobs straight from the JobQueueModel (rows are O(1) there, and every time a bar
// needs is in the Job), and takes the *set* of rows from the table's filter proxy when one is
// given: a text or status filter then applies to both views. The proxy's sort order is not
// used, since a waterfall's order is time within a group.
//
// Only the visible rows are painted. The layout (which job goes on which row, WaterfallLayout) is
// brought up to date lazily, at most every RefreshIntervalMs and only while the view is shown, and
// before a click, a key or a tool tip is answered; the time axis is a TimeScale; bars are computed
// from the job records of the visible rows at paint time (phaseSpans()).
class WaterfallView final : public QAbstractScrollArea
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WaterfallView)
public:
    using Grouping = WaterfallLayout::Grouping;
    // What a stretch of a bar stands for (core/phases.h).
    using Phase = Parafetch::Phase;
    static constexpr int PhaseCount = Parafetch::PhaseCount;
    using Segment = PhaseSpan;

    static constexpr int RefreshIntervalMs = 100; // at most ~10 repaints a second while running
    static constexpr double ZoomStep = 1.25;
    static constexpr double MinPixelsPerMs = TimeScale::MinPixelsPerMs;
    static constexpr double MaxPixelsPerMs = TimeScale::MaxPixelsPerMs;
    // Stretches of at least this long in which no URL was in flight (RunSummary's notion of idle
    // time, which wall time leaves out) take a fixed narrow width on the axis, marked as a break.
    static constexpr qint64 MinIdleGapNs = Units::NsPerSecond;

    using IdleGap = TimeScale::Gap;

    explicit WaterfallView(QWidget *parent = nullptr);
    ~WaterfallView() override;

    // The model must outlive the view (or be reset to null first); filter, when given, is a
    // proxy whose source is model.
    void setModel(JobQueueModel *model, QAbstractProxyModel *filter = nullptr);
    // "Now" on the engine's clock, for running jobs' bars; without one they end at their last
    // progress sample.
    void setClock(std::function<qint64()> nowNs);

    void setGrouping(Grouping grouping);
    Grouping grouping() const { return m_layout.grouping(); }

    // Highlights the job's bar and scrolls to it (0 = none); emits nothing.
    void setSelectedJob(quint64 id);
    quint64 selectedJob() const { return m_selected; }

    double pixelsPerMs() const { return m_time.pixelsPerMs(); }
    // A zoom level as pixelsPerMs() gave it (kept between sessions), within the zoom limits;
    // stops fitting.
    void setPixelsPerMs(double pixelsPerMs);
    bool isFitting() const { return m_time.isFitting(); }
    void zoomIn();
    void zoomOut();
    void zoomToFit(); // and keep fitting as the run grows, until the next zoom
    // Zooms by factor, keeping the time at viewport x where it is.
    void zoomBy(double factor, qreal anchorX);

    // Applies pending model changes at once (the refresh timer does it otherwise).
    void relayout();

    // Geometry, in viewport coordinates, as of the last relayout() (or refresh or paint): the
    // queries read the layout, they do not bring it up to date.
    qint64 originNs() const { return m_time.originNs(); } // time 0 of the axis: the first enqueue
    qreal xForTime(qint64 ns) const;
    qint64 timeAtX(qreal x) const;
    int layoutRowCount() const { return int(m_layout.rows().size()); }
    int rowOfJob(quint64 id) const; // -1 when not shown
    QRect rowRect(int row) const;
    bool isHeaderRow(int row) const;
    QList<quint64> jobsInRow(int row) const; // empty for a header
    QStringList groupLabels() const; // in the order shown
    quint64 jobAt(const QPoint &position) const; // 0 = none
    QString toolTipFor(quint64 id) const;
    // The idle stretches collapsed on the axis, in time order, and the width each takes.
    QList<IdleGap> idleGaps() const;
    int idleGapWidth() const { return m_time.gapWidth(); }
    static QString idleGapLabel(qint64 ns); // "idle 58 s"
    // Rows painted by the last paint, for tests: only the visible ones are.
    int paintedRowCount() const { return m_paintedRows; }
    int firstPaintedRow() const { return m_firstPaintedRow; }

    // The stretches of a job's bar, in time order; empty for a job that never started.
    static QList<Segment> segmentsOf(const Job &job, qint64 nowNs);
    static QColor phaseColour(Phase phase);
    static QString phaseName(Phase phase);

    QSize sizeHint() const override;

Q_SIGNALS:
    void jobClicked(quint64 id); // a click or arrow key chose this job
    void zoomChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    struct LegendItem
    {
        QString text;
        QColor colour;
        Qt::PenStyle outline = Qt::NoPen; // failed/cancelled are outlines, not fills
        bool hatched = false;
        QRect swatch;
        QPoint textAt;
    };

    void markDirty();
    void markRowsChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void noteFiltered(int first, int last, bool shown); // filter rows first..last
    void scheduleRefresh();
    void refresh();
    void ensureLayout(); // applies pending model changes to the layout and the time axis
    void updateGaps();
    void updateScrollBars();
    void ensureRowVisible(int row);
    void selectNeighbour(int step);
    qint64 nowNs() const;
    qint64 endNs() const;
    int rowHeight() const;
    int axisHeight() const;
    int legendHeight() const;
    QList<LegendItem> legendLayout(int width, int *height = nullptr) const;
    int gutterWidth() const;
    int barLeft() const { return gutterWidth() + BarPadding; }
    int barAreaWidth() const;
    int rowsAreaHeight() const;
    int rowTop(int row) const;
    const Job *jobForId(quint64 id) const;
    const Job &itemJob(int item) const; // the job at a place in display order
    QString rowLabel(const WaterfallLayout::Row &row, const Job &job) const;
    void paintAxis(QPainter &painter, qint64 stepNs) const;
    void paintGaps(QPainter &painter) const;
    void paintRow(QPainter &painter, int row, qint64 now) const;
    // packedRight: on a lane's line, how far the bars before this one were painted.
    void paintBar(QPainter &painter, const Job &job, const QRect &rowRect, qint64 now,
                  qreal *packedRight) const;
    void paintLegend(QPainter &painter) const;
    qint64 tickStepNs() const;

    static constexpr int BarPadding = 6;
    static constexpr int AxisPadding = 8;
    static constexpr int EndMarginPx = 64; // room right of the last bar for its duration label

    QPointer<JobQueueModel> m_model;
    QPointer<QAbstractProxyModel> m_filter;
    QList<QMetaObject::Connection> m_connections;
    std::function<qint64()> m_clock;
    QTimer m_refreshTimer;
    quint64 m_selected = 0;
    // Rebuilt from the model when invalidated, and brought up to date for changed rows
    // otherwise, by ensureLayout().
    WaterfallLayout m_layout;
    TimeScale m_time;
    int m_paintedRows = 0;
    int m_firstPaintedRow = -1;
};

} // namespace Parafetch
