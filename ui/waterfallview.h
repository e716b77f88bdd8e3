// The waterfall: one bar per URL on a shared time axis, coloured by phase, grouped by lane or host.
#pragma once

#include "job.h"

#include <QAbstractScrollArea>
#include <QList>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <limits>
#include <tuple>
#include <vector>

class QAbstractProxyModel;

namespace Parafetch {

class JobQueueModel;

// Reads the jobs straight from the JobQueueModel (rows are O(1) there, and every time a bar
// needs is in the Job), and takes the *set* of rows from the table's filter proxy when one is
// given: a text or status filter then applies to both views. The proxy's sort order is not
// used, since a waterfall's order is time within a group.
//
// Only the visible rows are painted. The layout (which job goes on which row) is rebuilt lazily,
// at most every RefreshIntervalMs and only while the view is shown; bars are computed from the
// job records of the visible rows at paint time.
class WaterfallView final : public QAbstractScrollArea
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WaterfallView)
public:
    enum class Grouping {
        Lane, // a header per lane, one row per URL, ordered by start
        LanePacked, // one row per lane, its URLs side by side
        Host, // a header per host, one row per URL, ordered by start
    };
    Q_ENUM(Grouping)

    // What a stretch of a bar stands for, in the order of a job's life.
    enum class Phase {
        Queued, // enqueued -> first attempt started
        Backoff, // earlier attempts and the waits between them
        Other, // redirect hops, or what Qt could not attribute (and a running job's unknown part)
        Connect, // new connection, TLS excluded
        Tls, // TLS handshake (part of connect)
        Send,
        Wait, // time to first byte
        Receive,
    };
    Q_ENUM(Phase)
    static constexpr int PhaseCount = int(Phase::Receive) + 1;

    struct Segment
    {
        Phase phase = Phase::Other;
        qint64 startNs = 0;
        qint64 endNs = 0;
    };

    static constexpr int RefreshIntervalMs = 100; // at most ~10 repaints a second while running
    static constexpr double ZoomStep = 1.25;
    static constexpr double MinPixelsPerMs = 1e-4; // an hour in 360 pixels
    static constexpr double MaxPixelsPerMs = 1000.; // a microsecond per pixel
    // Stretches of at least this long in which no URL was in flight (RunSummary's notion of idle
    // time, which wall time leaves out) take a fixed narrow width on the axis, marked as a break.
    static constexpr qint64 MinIdleGapNs = 1'000'000'000;

    struct IdleGap
    {
        qint64 startNs = 0;
        qint64 endNs = 0;
    };

    explicit WaterfallView(QWidget *parent = nullptr);
    ~WaterfallView() override;

    // The model must outlive the view (or be reset to null first); filter, when given, is a
    // proxy whose source is model.
    void setModel(JobQueueModel *model, QAbstractProxyModel *filter = nullptr);
    // "Now" on the engine's clock, for running jobs' bars; without one they end at their last
    // progress sample.
    void setClock(std::function<qint64()> nowNs);

    void setGrouping(Grouping grouping);
    Grouping grouping() const { return m_grouping; }

    // Highlights the job's bar and scrolls to it (0 = none); emits nothing.
    void setSelectedJob(quint64 id);
    quint64 selectedJob() const { return m_selected; }

    double pixelsPerMs() const { return m_scale * NsPerMs; }
    // A zoom level as pixelsPerMs() gave it (kept between sessions), within the zoom limits;
    // stops fitting.
    void setPixelsPerMs(double pixelsPerMs);
    bool isFitting() const { return m_fitting; }
    void zoomIn();
    void zoomOut();
    void zoomToFit(); // and keep fitting as the run grows, until the next zoom
    // Zooms by factor, keeping the time at viewport x where it is.
    void zoomBy(double factor, qreal anchorX);

    // Applies pending model changes at once (the refresh timer does it otherwise).
    void relayout();

    // Geometry, in viewport coordinates, after relayout().
    qint64 originNs() const { return m_originNs; } // time 0 of the axis: the first enqueue
    qreal xForTime(qint64 ns) const;
    qint64 timeAtX(qreal x) const;
    int layoutRowCount() const { return int(m_rows.size()); }
    int rowOfJob(quint64 id) const; // -1 when not shown
    QRect rowRect(int row) const;
    bool isHeaderRow(int row) const;
    QList<quint64> jobsInRow(int row) const; // empty for a header
    QStringList groupLabels() const; // in the order shown
    quint64 jobAt(const QPoint &position) const; // 0 = none
    QString toolTipFor(quint64 id) const;
    // The idle stretches collapsed on the axis, in time order, and the width each takes.
    QList<IdleGap> idleGaps() const;
    int idleGapWidth() const;
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
    static constexpr double NsPerMs = 1e6;

    struct Row
    {
        int first = 0; // into m_items
        int count = 0;
        int group = 0;
        bool header = false;
    };
    struct Group
    {
        QString label;
        qint64 firstStartNs = -1;
        int jobs = 0;
    };
    struct LegendItem
    {
        QString text;
        QColor colour;
        Qt::PenStyle outline = Qt::NoPen; // failed/cancelled are outlines, not fills
        bool hatched = false;
        QRect swatch;
        QPoint textAt;
    };

    // Where a job stands in the layout, as last laid out (per source row).
    struct Placement
    {
        qint64 startNs = std::numeric_limits<qint64>::max(); // unknown starts sort last
        qint64 originNs = std::numeric_limits<qint64>::max(); // its enqueue or start, if started
        qint64 endNs = 0; // its finish, if finished
        int major = 0; // lanes: the lane number; hosts: the group
        int group = -1; // hosts only: index into m_groups
        bool running = false;
    };
    // An item's place in display order: group (lane number or host rank), start, list order.
    struct ItemKey
    {
        int major = 0;
        qint64 startNs = 0;
        int source = 0;
        bool operator<(const ItemKey &other) const
        {
            return std::tie(major, startNs, source)
                < std::tie(other.major, other.startNs, other.source);
        }
    };

    void markDirty();
    void markRowsChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void refresh();
    bool layoutPending() const;
    void ensureLayout() const;
    void rebuildLayout() const;
    // A row the filter showed or hid, by source row.
    struct Filtered
    {
        int source = 0;
        bool shown = false;
    };

    void noteFiltered(int first, int last, bool shown); // filter rows first..last
    void applyChanges() const; // of the rows in m_changedFirst..m_changedLast
    void applyFiltered() const; // m_filtered
    // Takes the items marked TakenOut out of m_keys, merges those of added in, builds the rows.
    void mergeKeys(const std::vector<int> &added) const;
    void measureSpan() const; // origin, last end and running count of the items shown
    void buildRows() const; // m_rows, m_items, the lanes' groups from m_keys
    Placement placementOf(const Job &job, int group) const;
    ItemKey keyOf(int source) const;
    void takeIntoAccount(const Placement &placed) const; // into the run's span and running count
    void updateScrollBars();
    void ensureRowVisible(int row);
    void selectNeighbour(int step);
    qint64 nowNs() const;
    qint64 endNs() const;
    void updateGaps() const;
    qint64 gapsNs() const; // their total length
    qint64 axisSpanNs() const; // origin .. end, gaps left out
    qreal offsetOf(qint64 ns) const; // pixels from the axis' start, gaps at their fixed width
    qint64 timeAtOffset(qreal px) const; // the inverse
    qint64 nextTick(qint64 ns, qint64 stepNs) const; // ns, or the first tick after the gap it is in
    void paintGaps(QPainter &painter) const;
    double fitScale() const;
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
    QString rowLabel(const Row &row, const Job &job) const;
    void paintAxis(QPainter &painter, qint64 stepNs) const;
    void paintRow(QPainter &painter, int row, qint64 now) const;
    // packedRight: on a lane's line, how far the bars before this one were painted.
    void paintBar(QPainter &painter, const Job &job, const QRect &rowRect, qint64 now,
                  qreal *packedRight) const;
    void paintLegend(QPainter &painter) const;
    qint64 tickStepNs() const;

    static constexpr int BarPadding = 6;

    QPointer<JobQueueModel> m_model;
    QPointer<QAbstractProxyModel> m_filter;
    QList<QMetaObject::Connection> m_connections;
    std::function<qint64()> m_clock;
    QTimer m_refreshTimer;
    Grouping m_grouping = Grouping::Lane;
    quint64 m_selected = 0;
    double m_scale = 1e-6; // pixels per nanosecond
    bool m_fitting = true;

    // The layout, rebuilt from the model when dirty, and brought up to date for changed rows
    // otherwise: a live run changes a few hundred rows per refresh, not 100,000.
    mutable bool m_dirty = true;
    mutable int m_changedFirst = -1; // source rows announced by dataChanged since the last layout
    mutable int m_changedLast = -1;
    mutable std::vector<Filtered> m_filtered; // since the last layout, in order
    mutable std::vector<Placement> m_placed; // per source row
    mutable std::vector<ItemKey> m_keys; // per item, in display order
    mutable std::vector<int> m_groupRank; // hosts: group -> its place in the order shown
    mutable int m_runningCount = 0;
    mutable qint64 m_origin = std::numeric_limits<qint64>::max(); // unknown until a job starts
    mutable std::vector<Row> m_rows;
    mutable std::vector<int> m_items; // source rows, in display order
    mutable std::vector<int> m_rowOfSource; // source row -> layout row, -1 = not shown
    mutable std::vector<int> m_itemOfSource; // source row -> index into m_items, -1 = not shown
    mutable QList<Group> m_groups;
    mutable qint64 m_originNs = 0;
    mutable qint64 m_lastEndNs = 0; // latest finish among the shown jobs
    mutable std::vector<IdleGap> m_gaps; // after the origin, in time order
    mutable int m_gapWidth = 0; // of each gap's marker, measured when the gaps change
    mutable bool m_hasRunning = false;
    mutable int m_paintedRows = 0;
    mutable int m_firstPaintedRow = -1;
};

} // namespace Parafetch
