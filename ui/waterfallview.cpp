// The waterfall view: layout of jobs into rows, the time axis, painting, zoom and hit tests.
#include "waterfallview.h"

#include "jobqueuemodel.h"
#include "redact.h"
#include "units.h"

#include <QAbstractProxyModel>
#include <QHash>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLocale>
#include <QPainter>
#include <QPolygonF>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace Parafetch {

namespace {

constexpr qint64 NsPerUs = 1000;
constexpr double NsPerMsF = 1e6;
constexpr int RowPadding = 6;
constexpr int BarInset = 3; // between a row's edge and its bar
constexpr int QueuedThickness = 2; // half-height of the thin "waiting in the queue" line
constexpr int AxisPadding = 8;
constexpr int LegendSwatch = 12;
constexpr int LegendSpacing = 16;
constexpr int EndMarginPx = 64; // room right of the last bar for its duration label
constexpr int MinTickSpacingPx = 72;
constexpr int MinGutterWidth = 120;
constexpr int MaxGutterWidth = 280;
constexpr int GutterShare = 4; // the gutter takes at most a quarter of the width
constexpr int MarkerWidth = 4; // failed/cancelled marker at the gutter's left edge
constexpr int AngleDeltaPerStep = 120;
constexpr double MaxContentPx = double(1 << 30);
constexpr int NotStartedLane = std::numeric_limits<int>::max();
// Results restored from an earlier run: done, but not on this run's clock; just before "not
// started".
constexpr int RestoredLane = NotStartedLane - 1;
constexpr qint64 Unknown = std::numeric_limits<qint64>::max(); // sorts unknown starts last
constexpr int TakenOut = -2; // in m_itemOfSource while an item is moved or hidden

// Okabe–Ito colours: told apart with the common colour-vision deficiencies, and mid-bright
// enough to read on light and dark palettes alike.
const QColor FailedColour(0xD5, 0x5E, 0x00); // vermillion

QString urlCount(int count)
{
    return count == 1 ? WaterfallView::tr("1 URL") : WaterfallView::tr("%1 URLs").arg(count);
}

QString msText(qint64 ns)
{
    return formatMilliseconds(ns, 3);
}

QString laneLabel(int lane)
{
    if (lane == NotStartedLane)
        return WaterfallView::tr("Not started");
    if (lane == RestoredLane)
        return WaterfallView::tr("Done before the restore");
    return WaterfallView::tr("Lane %1").arg(lane);
}

// The host as a group header shows it: the port only when there is one in the URL.
QString hostLabel(const QUrl &url)
{
    const QString host = url.host();
    if (host.isEmpty())
        return WaterfallView::tr("(no host)");
    return url.port() >= 0 ? QStringLiteral("%1:%2").arg(host).arg(url.port()) : host;
}

qint64 endOf(const Job &job, qint64 nowNs)
{
    if (job.isFinished())
        return job.finishedAtNs;
    if (job.state == JobState::Running)
        return std::max({ nowNs, job.updatedAtNs, job.attemptStartedAtNs, job.startedAtNs });
    return -1;
}

// What the end of a bar that no measured phase covers stands for: a running job's current phase
// as the engine last reported it, else what its bytes tell.
WaterfallView::Phase tailPhase(const Job &job)
{
    using Phase = WaterfallView::Phase;
    if (job.state == JobState::Running) {
        switch (job.livePhase) {
        case LivePhase::Connecting:
            return Phase::Connect;
        case LivePhase::Sending:
            return Phase::Send;
        case LivePhase::Waiting:
            return Phase::Wait;
        case LivePhase::Receiving:
            return Phase::Receive;
        case LivePhase::BackingOff:
            return Phase::Backoff;
        case LivePhase::Unknown:
            break;
        }
    }
    return job.bytesReceived > 0 && job.receiveUs < 0 ? Phase::Receive : Phase::Other;
}

// An axis label: seconds once the values are large and the step coarse enough, else ms with as
// many decimals as the step needs.
QString axisLabel(qint64 ns, qint64 stepNs)
{
    constexpr qint64 NsPerSecond = 1'000'000'000;
    constexpr qint64 TenthSecond = NsPerSecond / 10;
    const QLocale locale;
    if (ns >= NsPerSecond && stepNs >= TenthSecond)
        return WaterfallView::tr("%1 s").arg(
            locale.toString(double(ns) / double(NsPerSecond), 'f', stepNs >= NsPerSecond ? 0 : 1));
    int decimals = 0;
    for (qint64 unit = qint64(NsPerMsF); stepNs < unit && decimals < 3; unit /= 10)
        ++decimals;
    return formatMilliseconds(ns, decimals);
}

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
        // Batches of live changes (DESIGN rule 5): the layout follows at the refresh pace.
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
    // Rows the source itself inserts or removes reach the filter first; their source rows are
    // not laid out yet (or are about to go), and the source's own signal rebuilds everything.
    const bool incremental = m_grouping != Grouping::Host && !m_dirty && m_filter
        && m_filtered.size() + std::size_t(last - first + 1) <= m_placed.size();
    for (int row = first; incremental && row <= last; ++row) {
        const int source = m_filter->mapToSource(m_filter->index(row, 0)).row();
        if (source < 0 || std::size_t(source) >= m_placed.size()) {
            markDirty();
            return;
        }
        m_filtered.push_back({ source, shown });
    }
    if (!incremental) {
        markDirty();
        return;
    }
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
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
    if (grouping == m_grouping)
        return;
    m_grouping = grouping;
    m_dirty = true;
    relayout();
    if (m_selected != 0)
        ensureRowVisible(rowOfJob(m_selected));
}

void WaterfallView::markDirty()
{
    m_dirty = true;
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void WaterfallView::markRowsChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    // Live changes leave the set of rows alone: only these rows need a second look, and most
    // of them keep their place (see applyChanges()).
    m_changedFirst = m_changedFirst < 0 ? topLeft.row() : std::min(m_changedFirst, topLeft.row());
    m_changedLast = std::max(m_changedLast, bottomRight.row());
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void WaterfallView::refresh()
{
    // A hidden view does no work; showEvent catches up.
    if (!isVisible())
        return;
    relayout();
    viewport()->update();
    // Running bars grow with the clock even when no model change arrives.
    if (m_hasRunning)
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

bool WaterfallView::layoutPending() const
{
    return m_dirty || m_changedFirst >= 0 || !m_filtered.empty();
}

void WaterfallView::ensureLayout() const
{
    if (!layoutPending())
        return;
    if (m_dirty) {
        rebuildLayout();
    } else {
        if (!m_filtered.empty())
            applyFiltered();
        if (m_changedFirst >= 0 && !m_dirty)
            applyChanges();
    }
    updateGaps();
}

void WaterfallView::updateGaps() const
{
    m_gaps.clear();
    m_gapWidth = 0;
    if (!m_model || m_origin == Unknown)
        return;
    for (const auto &[start, end] : m_model->idleGapsNs(MinIdleGapNs)) {
        if (end > m_originNs)
            m_gaps.push_back({ std::max(start, m_originNs), end });
    }
    // Measured here, once per layout, not by every time-to-x mapping of every bar.
    int widest = 0;
    for (const IdleGap &gap : m_gaps)
        widest = std::max(widest,
                          fontMetrics().horizontalAdvance(idleGapLabel(gap.endNs - gap.startNs)));
    m_gapWidth = m_gaps.empty() ? 0 : widest + AxisPadding;
}

qint64 WaterfallView::gapsNs() const
{
    qint64 total = 0;
    for (const IdleGap &gap : m_gaps)
        total += gap.endNs - gap.startNs;
    return total;
}

qint64 WaterfallView::axisSpanNs() const
{
    return std::max<qint64>(endNs() - m_originNs - gapsNs(), 0);
}

QList<WaterfallView::IdleGap> WaterfallView::idleGaps() const
{
    ensureLayout();
    return QList<IdleGap>(m_gaps.begin(), m_gaps.end());
}

QString WaterfallView::idleGapLabel(qint64 ns)
{
    return tr("idle %1 s").arg(QLocale().toString(double(ns) / NsPerMsF / 1000.0, 'f', 0));
}

int WaterfallView::idleGapWidth() const
{
    return m_gapWidth;
}

qreal WaterfallView::offsetOf(qint64 ns) const
{
    qreal px = 0;
    qint64 at = m_originNs;
    const int gapWidth = idleGapWidth();
    for (const IdleGap &gap : m_gaps) {
        if (ns <= gap.startNs)
            break;
        px += double(gap.startNs - at) * m_scale;
        if (ns < gap.endNs)
            return px + gapWidth * double(ns - gap.startNs) / double(gap.endNs - gap.startNs);
        px += gapWidth;
        at = gap.endNs;
    }
    return px + double(ns - at) * m_scale;
}

qint64 WaterfallView::timeAtOffset(qreal offset) const
{
    qreal px = 0;
    qint64 at = m_originNs;
    const int gapWidth = idleGapWidth();
    for (const IdleGap &gap : m_gaps) {
        const qreal gapLeft = px + double(gap.startNs - at) * m_scale;
        if (offset < gapLeft)
            break;
        if (offset < gapLeft + gapWidth)
            return gap.startNs
                + qint64(std::llround(double(gap.endNs - gap.startNs) * (offset - gapLeft)
                                      / gapWidth));
        px = gapLeft + gapWidth;
        at = gap.endNs;
    }
    return at + qint64(std::llround((offset - px) / m_scale));
}

qint64 WaterfallView::nextTick(qint64 ns, qint64 stepNs) const
{
    for (const IdleGap &gap : m_gaps) {
        if (ns > gap.startNs && ns < gap.endNs)
            return m_originNs + (gap.endNs - m_originNs + stepNs - 1) / stepNs * stepNs;
    }
    return ns;
}

WaterfallView::Placement WaterfallView::placementOf(const Job &job, int group) const
{
    Placement placed;
    placed.group = group;
    const bool started = job.startedAtNs >= 0;
    placed.startNs = started ? job.startedAtNs : Unknown;
    if (started) {
        placed.originNs =
            job.queuedAtNs >= 0 ? std::min(job.queuedAtNs, job.startedAtNs) : job.startedAtNs;
        if (job.isFinished())
            placed.endNs = job.finishedAtNs;
        placed.running = job.state == JobState::Running;
    }
    // Lanes sort by number (restored results, then "not started", last); hosts by the rank of
    // their group.
    if (m_grouping == Grouping::Host)
        placed.major = group;
    else if (started && job.worker >= 0)
        placed.major = job.worker;
    else
        placed.major = job.restored && job.isFinished() ? RestoredLane : NotStartedLane;
    return placed;
}

WaterfallView::ItemKey WaterfallView::keyOf(int source) const
{
    const Placement &placed = m_placed[std::size_t(source)];
    const int major =
        m_grouping == Grouping::Host ? m_groupRank[std::size_t(placed.group)] : placed.major;
    return ItemKey { major, placed.startNs, source };
}

void WaterfallView::rebuildLayout() const
{
    m_dirty = false;
    m_changedFirst = m_changedLast = -1;
    m_filtered.clear();
    m_rows.clear();
    m_items.clear();
    m_keys.clear();
    m_groups.clear();
    m_groupRank.clear();
    m_runningCount = 0;
    m_hasRunning = false;
    m_origin = Unknown;
    m_originNs = 0;
    m_lastEndNs = 0;
    const int sourceRows = m_model ? m_model->rowCount() : 0;
    m_rowOfSource.assign(std::size_t(sourceRows), -1);
    m_itemOfSource.assign(std::size_t(sourceRows), -1);
    m_placed.assign(std::size_t(sourceRows), Placement {});
    if (sourceRows == 0)
        return;

    // The proxy only filters: when it shows as many rows as the model has, it shows them all,
    // and 100,000 index mappings are not needed to find that out.
    std::vector<int> shown;
    if (m_filter && m_filter->sourceModel() == m_model.data()
        && m_filter->rowCount() != sourceRows) {
        const int rows = m_filter->rowCount();
        shown.reserve(std::size_t(rows));
        for (int row = 0; row < rows; ++row) {
            const int source = m_filter->mapToSource(m_filter->index(row, 0)).row();
            if (source >= 0 && source < sourceRows)
                shown.push_back(source);
        }
    } else {
        shown.resize(std::size_t(sourceRows));
        for (int row = 0; row < sourceRows; ++row)
            shown[std::size_t(row)] = row;
    }

    // Group of each job: an index into the hosts seen, or (lanes) none until the rows are built.
    const bool byHost = m_grouping == Grouping::Host;
    QHash<QString, int> hostIndex;
    for (int source : shown) {
        const Job &job = m_model->jobAt(source);
        int group = -1;
        if (byHost) {
            const QString host = hostLabel(job.url);
            auto it = hostIndex.find(host);
            if (it == hostIndex.end()) {
                it = hostIndex.insert(host, int(m_groups.size()));
                m_groups.append(Group { host, -1, 0 });
            }
            group = it.value();
        }
        const Placement placed = placementOf(job, group);
        m_placed[std::size_t(source)] = placed;
        m_itemOfSource[std::size_t(source)] = 0; // shown; the real index comes with the rows
        takeIntoAccount(placed);
        if (byHost && placed.startNs != Unknown) {
            Group &g = m_groups[group];
            g.firstStartNs =
                g.firstStartNs < 0 ? placed.startNs : std::min(g.firstStartNs, placed.startNs);
        }
    }
    m_originNs = m_origin == Unknown ? 0 : m_origin;

    // Hosts: in order of their first start, then by name.
    if (byHost) {
        std::vector<int> order(std::size_t(m_groups.size()));
        for (std::size_t g = 0; g < order.size(); ++g)
            order[g] = int(g);
        std::sort(order.begin(), order.end(), [this](int a, int b) {
            const qint64 startA =
                m_groups.at(a).firstStartNs < 0 ? Unknown : m_groups.at(a).firstStartNs;
            const qint64 startB =
                m_groups.at(b).firstStartNs < 0 ? Unknown : m_groups.at(b).firstStartNs;
            return startA != startB ? startA < startB : m_groups.at(a).label < m_groups.at(b).label;
        });
        m_groupRank.assign(order.size(), 0);
        for (std::size_t rank = 0; rank < order.size(); ++rank)
            m_groupRank[std::size_t(order[rank])] = int(rank);
    }

    // Items: by group, then start, then list order; the keys sit side by side, so the sort
    // does not chase job records.
    m_keys.reserve(shown.size());
    for (int source : shown)
        m_keys.push_back(keyOf(source));
    std::sort(m_keys.begin(), m_keys.end());
    buildRows();
}

void WaterfallView::takeIntoAccount(const Placement &placed) const
{
    m_origin = std::min(m_origin, placed.originNs);
    m_lastEndNs = std::max(m_lastEndNs, placed.endNs);
    m_runningCount += placed.running ? 1 : 0;
    m_hasRunning = m_runningCount > 0;
}

void WaterfallView::applyChanges() const
{
    const int first = m_changedFirst;
    const int last = std::min(m_changedLast, int(m_placed.size()) - 1);
    m_changedFirst = m_changedLast = -1;
    if (!m_model || m_model->rowCount() != int(m_placed.size())) {
        rebuildLayout(); // rows came or went without a signal seen yet: start over
        return;
    }
    // Only jobs whose place changed (they started, or moved lane) are taken out and merged
    // back; the figures that span the run are kept up to date as the jobs change.
    const bool byHost = m_grouping == Grouping::Host;
    std::vector<int> moved;
    bool recomputeSpan = false;
    for (int source = std::max(first, 0); source <= last; ++source) {
        if (m_itemOfSource[std::size_t(source)] < 0)
            continue; // filtered out
        Placement &placed = m_placed[std::size_t(source)];
        const Placement now = placementOf(m_model->jobAt(source), placed.group);
        if (now.major != placed.major || now.startNs != placed.startNs) {
            if (byHost) {
                // A group's first start decides where the group goes: when it changes, so may
                // the groups' order, and that is a full rebuild (rare: about once per host).
                const qint64 groupStart = m_groups.at(now.group).firstStartNs;
                const bool firstStartMoves =
                    (now.startNs != Unknown && (groupStart < 0 || now.startNs < groupStart))
                    || (placed.startNs != Unknown && placed.startNs == groupStart);
                if (firstStartMoves) {
                    rebuildLayout();
                    return;
                }
            }
            moved.push_back(source);
        }
        // An earlier origin or a later end only extends the span; the other way round (a
        // retry resets a job) the span is measured again.
        recomputeSpan = recomputeSpan
            || (now.originNs > placed.originNs && placed.originNs == m_origin)
            || (now.endNs < placed.endNs && placed.endNs == m_lastEndNs);
        m_runningCount -= placed.running ? 1 : 0;
        placed = now;
        takeIntoAccount(now);
    }
    if (recomputeSpan)
        measureSpan();
    m_originNs = m_origin == Unknown ? 0 : m_origin;
    if (moved.empty())
        return;
    for (int source : moved)
        m_itemOfSource[std::size_t(source)] = TakenOut;
    mergeKeys(moved);
}

void WaterfallView::applyFiltered() const
{
    // The last word on each row counts (a row may be hidden and shown again meanwhile).
    std::stable_sort(m_filtered.begin(), m_filtered.end(),
                     [](const Filtered &a, const Filtered &b) { return a.source < b.source; });
    std::vector<int> shown, hidden;
    for (std::size_t i = 0; i < m_filtered.size(); ++i) {
        const Filtered &change = m_filtered[i];
        if (i + 1 < m_filtered.size() && m_filtered[i + 1].source == change.source)
            continue;
        const bool wasShown = m_itemOfSource[std::size_t(change.source)] >= 0;
        if (change.shown && !wasShown)
            shown.push_back(change.source);
        else if (!change.shown && wasShown)
            hidden.push_back(change.source);
    }
    m_filtered.clear();
    if (shown.empty() && hidden.empty())
        return;
    for (int source : hidden)
        m_itemOfSource[std::size_t(source)] = TakenOut;
    for (int source : shown)
        m_placed[std::size_t(source)] = placementOf(m_model->jobAt(source), -1);
    mergeKeys(shown);
    for (int source : hidden)
        m_itemOfSource[std::size_t(source)] = m_rowOfSource[std::size_t(source)] = -1;
    measureSpan(); // of the rows shown now
}

void WaterfallView::measureSpan() const
{
    m_origin = Unknown;
    m_lastEndNs = 0;
    m_runningCount = 0;
    for (const ItemKey &key : m_keys)
        takeIntoAccount(m_placed[std::size_t(key.source)]);
    m_originNs = m_origin == Unknown ? 0 : m_origin;
}

void WaterfallView::mergeKeys(const std::vector<int> &added) const
{
    const auto kept = std::remove_if(m_keys.begin(), m_keys.end(), [this](const ItemKey &key) {
        return m_itemOfSource[std::size_t(key.source)] == TakenOut;
    });
    m_keys.erase(kept, m_keys.end());
    std::vector<ItemKey> addedKeys;
    addedKeys.reserve(added.size());
    for (int source : added)
        addedKeys.push_back(keyOf(source));
    std::sort(addedKeys.begin(), addedKeys.end());
    const std::size_t middle = m_keys.size();
    m_keys.insert(m_keys.end(), addedKeys.cbegin(), addedKeys.cend());
    std::inplace_merge(m_keys.begin(), m_keys.begin() + std::ptrdiff_t(middle), m_keys.end());
    buildRows();
}

void WaterfallView::buildRows() const
{
    // Lanes get their groups here, in the order of the items; hosts keep theirs (and their
    // order), counted again.
    const bool byHost = m_grouping == Grouping::Host;
    if (!byHost)
        m_groups.clear();
    for (Group &group : m_groups)
        group.jobs = 0;
    std::vector<int> groupOfRank;
    if (byHost) {
        groupOfRank.resize(m_groupRank.size());
        for (std::size_t g = 0; g < m_groupRank.size(); ++g)
            groupOfRank[std::size_t(m_groupRank[g])] = int(g);
    }
    const bool packed = m_grouping == Grouping::LanePacked;
    m_rows.clear();
    m_items.clear();
    m_items.reserve(m_keys.size());
    m_rows.reserve(m_keys.size() + (packed ? 0 : std::size_t(m_groups.size())));
    int currentMajor = -1; // no lane number nor host rank
    int group = -1;
    for (const ItemKey &key : m_keys) {
        const int item = int(m_items.size());
        m_items.push_back(key.source);
        m_itemOfSource[std::size_t(key.source)] = item;
        if (key.major != currentMajor) {
            currentMajor = key.major;
            if (byHost) {
                group = groupOfRank[std::size_t(key.major)];
            } else {
                group = int(m_groups.size());
                m_groups.append(Group { laneLabel(key.major), -1, 0 });
            }
            m_rows.push_back(Row { item, 0, group, !packed }); // a header, or the lane's line
        }
        Group &g = m_groups[group];
        ++g.jobs;
        if (!byHost && key.startNs != Unknown && g.firstStartNs < 0)
            g.firstStartNs = key.startNs; // items are in start order within a group
        if (!packed)
            m_rows.push_back(Row { item, 0, group, false });
        Row &row = m_rows.back();
        ++row.count;
        m_rowOfSource[std::size_t(key.source)] = int(m_rows.size()) - 1;
    }
}

qint64 WaterfallView::endNs() const
{
    qint64 end = m_lastEndNs;
    if (m_hasRunning)
        end = std::max(end, nowNs());
    return std::max(end, m_originNs);
}

int WaterfallView::rowHeight() const
{
    return fontMetrics().height() + RowPadding;
}

int WaterfallView::axisHeight() const
{
    return fontMetrics().height() + AxisPadding;
}

int WaterfallView::legendHeight() const
{
    int height = 0;
    legendLayout(viewport()->width(), &height);
    return height;
}

QList<WaterfallView::LegendItem> WaterfallView::legendLayout(int width, int *height) const
{
    QList<LegendItem> items;
    for (int phase = 0; phase < PhaseCount; ++phase) {
        LegendItem item;
        item.text = phaseName(Phase(phase));
        item.colour = phaseColour(Phase(phase));
        item.hatched = Phase(phase) == Phase::Tls;
        items.append(item);
    }
    items.append(LegendItem { tr("failed"), FailedColour, Qt::SolidLine, false, {}, {} });
    items.append(LegendItem {
        tr("cancelled"), palette().color(QPalette::Text), Qt::DashLine, false, {}, {} });
    // Flow left to right, wrapping; positions relative to the legend's top left corner, which
    // paintLegend() and legendHeight() place at the bottom of the viewport.
    const QFontMetrics metrics = fontMetrics();
    const int lineHeight = metrics.height() + AxisPadding / 2;
    int x = AxisPadding;
    int y = AxisPadding / 2;
    for (LegendItem &item : items) {
        const int itemWidth = LegendSwatch + AxisPadding / 2 + metrics.horizontalAdvance(item.text);
        if (x > AxisPadding && x + itemWidth > width) {
            x = AxisPadding;
            y += lineHeight;
        }
        item.swatch = QRect(x, y + (lineHeight - LegendSwatch) / 2, LegendSwatch, LegendSwatch);
        item.textAt = QPoint(x + LegendSwatch + AxisPadding / 2,
                             y + (lineHeight - metrics.height()) / 2 + metrics.ascent());
        x += itemWidth + LegendSpacing;
    }
    if (height)
        *height = y + lineHeight + AxisPadding / 2;
    return items;
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

double WaterfallView::fitScale() const
{
    const qint64 span = std::max<qint64>(axisSpanNs(), 1);
    const int gapsWidth = int(m_gaps.size()) * idleGapWidth();
    return std::max(1.0, double(barAreaWidth() - EndMarginPx - gapsWidth)) / double(span);
}

void WaterfallView::updateScrollBars()
{
    if (m_fitting)
        m_scale = fitScale();
    const int visibleWidth = barAreaWidth();
    const double contentWidth = offsetOf(endNs()) + EndMarginPx;
    QScrollBar *horizontal = horizontalScrollBar();
    horizontal->setRange(0, std::max(0, int(std::ceil(contentWidth)) - visibleWidth));
    horizontal->setPageStep(visibleWidth);
    horizontal->setSingleStep(std::max(1, visibleWidth / 10));
    const int visibleHeight = rowsAreaHeight();
    QScrollBar *vertical = verticalScrollBar();
    // Whole rows: scrolled to the end, the top row is not cut in half (the bottom has room).
    const int hiddenHeight = std::max(0, int(m_rows.size()) * rowHeight() - visibleHeight);
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
    return barLeft() + offsetOf(ns) - horizontalScrollBar()->value();
}

qint64 WaterfallView::timeAtX(qreal x) const
{
    return timeAtOffset(x - barLeft() + horizontalScrollBar()->value());
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
    m_fitting = true;
    relayout();
    horizontalScrollBar()->setValue(0);
    viewport()->update();
    emit zoomChanged();
}

void WaterfallView::setPixelsPerMs(double pixelsPerMs)
{
    m_scale = std::clamp(pixelsPerMs, MinPixelsPerMs, MaxPixelsPerMs) / NsPerMs;
    m_fitting = false;
    relayout();
    viewport()->update();
    emit zoomChanged();
}

void WaterfallView::zoomBy(double factor, qreal anchorX)
{
    relayout();
    const qreal anchor = std::max<qreal>(anchorX, barLeft());
    const qint64 anchorNs = timeAtX(anchor);
    const double span = double(std::max<qint64>(axisSpanNs(), 1));
    const double maxScale = std::min(MaxPixelsPerMs / NsPerMs, MaxContentPx / span);
    m_scale = std::clamp(m_scale * factor, MinPixelsPerMs / NsPerMs,
                         std::max(maxScale, MinPixelsPerMs / NsPerMs));
    m_fitting = false;
    updateScrollBars();
    horizontalScrollBar()->setValue(int(std::lround(barLeft() + offsetOf(anchorNs) - anchor)));
    viewport()->update();
    emit zoomChanged();
}

int WaterfallView::rowOfJob(quint64 id) const
{
    ensureLayout();
    if (!m_model || id == 0)
        return -1;
    const int source = m_model->rowForId(id);
    return source >= 0 && std::size_t(source) < m_rowOfSource.size()
        ? m_rowOfSource[std::size_t(source)]
        : -1;
}

QRect WaterfallView::rowRect(int row) const
{
    return QRect(0, rowTop(row), viewport()->width(), rowHeight());
}

bool WaterfallView::isHeaderRow(int row) const
{
    ensureLayout();
    return row >= 0 && std::size_t(row) < m_rows.size() && m_rows[std::size_t(row)].header;
}

QList<quint64> WaterfallView::jobsInRow(int row) const
{
    ensureLayout();
    QList<quint64> ids;
    if (row < 0 || std::size_t(row) >= m_rows.size() || m_rows[std::size_t(row)].header)
        return ids;
    const Row &r = m_rows[std::size_t(row)];
    for (int item = r.first; item < r.first + r.count; ++item)
        ids.append(m_model->jobAt(m_items[std::size_t(item)]).id);
    return ids;
}

QStringList WaterfallView::groupLabels() const
{
    ensureLayout();
    QStringList labels;
    for (const Row &row : m_rows) {
        if (row.header || m_grouping == Grouping::LanePacked)
            labels.append(m_groups.at(row.group).label);
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

quint64 WaterfallView::jobAt(const QPoint &position) const
{
    ensureLayout();
    const int top = axisHeight();
    if (!m_model || position.y() < top || position.y() >= top + rowsAreaHeight())
        return 0;
    const int row = (position.y() - top + verticalScrollBar()->value()) / rowHeight();
    if (row < 0 || std::size_t(row) >= m_rows.size() || m_rows[std::size_t(row)].header)
        return 0;
    const Row &r = m_rows[std::size_t(row)];
    if (m_grouping != Grouping::LanePacked)
        return m_model->jobAt(m_items[std::size_t(r.first)]).id; // anywhere on its row
    // A packed lane: the bar under the pointer, its queue wait excluded (those overlap).
    if (position.x() < gutterWidth())
        return 0;
    const qint64 now = nowNs();
    constexpr int Slack = 2;
    for (int item = r.first; item < r.first + r.count; ++item) {
        const Job &job = m_model->jobAt(m_items[std::size_t(item)]);
        const qint64 end = endOf(job, now);
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
    QList<Segment> segments;
    const qint64 end = endOf(job, nowNs);
    if (job.startedAtNs < 0 || end < job.startedAtNs)
        return segments;
    if (job.queuedAtNs >= 0 && job.queuedAtNs < job.startedAtNs)
        segments.append({ Phase::Queued, job.queuedAtNs, job.startedAtNs });
    const qint64 attemptStart = std::clamp(job.attemptStartedAtNs, job.startedAtNs, end);
    if (attemptStart > job.startedAtNs)
        segments.append({ Phase::Backoff, job.startedAtNs, attemptStart });

    const qint64 tls = job.tlsUs > 0 && job.connectUs > 0 ? std::min(job.tlsUs, job.connectUs) : 0;
    const std::array<std::pair<Phase, qint64>, 5> phases = { {
        { Phase::Connect, job.connectUs >= 0 ? job.connectUs - tls : -1 },
        { Phase::Tls, tls > 0 ? tls : -1 },
        { Phase::Send, job.sendUs },
        { Phase::Wait, job.waitUs },
        { Phase::Receive, job.receiveUs },
    } };
    qint64 known = 0;
    for (const auto &phase : phases)
        known += std::max<qint64>(phase.second, 0) * NsPerUs;
    // A finished attempt's phases end at its finish (redirect hops, if any, come first); a
    // running one's start at the attempt's start and the rest is still going on.
    qint64 at = attemptStart;
    if (job.isFinished() && attemptStart + known < end) {
        at = end - known;
        segments.append({ Phase::Other, attemptStart, at });
    }
    for (const auto &phase : phases) {
        if (phase.second <= 0 || at >= end)
            continue;
        const qint64 phaseEnd = std::min(end, at + phase.second * NsPerUs);
        segments.append({ phase.first, at, phaseEnd });
        at = phaseEnd;
    }
    if (at < end)
        segments.append({ tailPhase(job), at, end });
    return segments;
}

QColor WaterfallView::phaseColour(Phase phase)
{
    switch (phase) {
    case Phase::Queued:
        return QColor(0xA8, 0xA8, 0xA8);
    case Phase::Backoff:
        return QColor(0xCC, 0x79, 0xA7); // reddish purple
    case Phase::Other:
        return QColor(0x8A, 0x8F, 0x98);
    case Phase::Connect:
        return QColor(0xE6, 0x9F, 0x00); // orange
    case Phase::Tls:
        return QColor(0xB0, 0x78, 0x00); // a darker orange, hatched: part of connect
    case Phase::Send:
        return QColor(0xF0, 0xE4, 0x42); // yellow
    case Phase::Wait:
        return QColor(0x56, 0xB4, 0xE9); // sky blue
    case Phase::Receive:
        return QColor(0x00, 0x9E, 0x73); // bluish green
    }
    return {};
}

QString WaterfallView::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Queued:
        return tr("queued");
    case Phase::Backoff:
        return tr("retries and backoff");
    case Phase::Other:
        return tr("redirects, other");
    case Phase::Connect:
        return tr("connect");
    case Phase::Tls:
        return tr("TLS");
    case Phase::Send:
        return tr("send");
    case Phase::Wait:
        return tr("wait (TTFB)");
    case Phase::Receive:
        return tr("receive");
    }
    return {};
}

QString WaterfallView::toolTipFor(quint64 id) const
{
    ensureLayout();
    const Job *found = jobForId(id);
    if (!found)
        return {};
    const Job &job = *found;
    QStringList lines;
    lines << redactedUrl(job.url);
    QString status = stateDisplayName(job.state);
    if (job.httpStatus > 0)
        status += tr(" · HTTP %1").arg(job.httpStatus);
    status += QStringLiteral(" · ") + formatBytes(job.bytesReceived);
    status += QStringLiteral(" · ")
        + (job.attempts == 1 ? tr("1 attempt") : tr("%1 attempts").arg(job.attempts));
    lines << status;
    if (job.worker >= 0)
        lines << tr("Lane %1 · thread %2").arg(job.worker).arg(job.thread);
    if (job.startedAtNs < 0) {
        if (job.restored && job.isFinished()) {
            lines << (job.restoredDurationNs >= 0
                          ? tr("Done before the restore, in %1 (not timed here)")
                                .arg(msText(job.restoredDurationNs))
                          : tr("Done before the restore (not timed)"));
        } else {
            lines << tr("Not started");
        }
        if (!job.errorString.isEmpty())
            lines << tr("Error: %1").arg(job.errorString);
        return lines.join(QLatin1Char('\n'));
    }
    QString start = tr("Starts at +%1").arg(msText(job.startedAtNs - m_originNs));
    if (job.queuedNs() >= 0)
        start += tr(" · queued %1").arg(msText(job.queuedNs()));
    lines << start;
    if (job.attemptStartedAtNs > job.startedAtNs)
        lines << tr("Earlier attempts and backoff: %1")
                     .arg(msText(job.attemptStartedAtNs - job.startedAtNs));
    const auto phase = [&lines](const QString &name, qint64 us) {
        if (us >= 0)
            lines << tr("%1: %2").arg(name, msText(us * NsPerUs));
    };
    if (job.connectUs >= 0) {
        lines << (job.tlsUs >= 0
                      ? tr("Connect: %1 (TLS %2)")
                            .arg(msText(job.connectUs * NsPerUs), msText(job.tlsUs * NsPerUs))
                      : tr("Connect: %1").arg(msText(job.connectUs * NsPerUs)));
    } else if (job.waitUs >= 0) {
        lines << tr("Connect: reused connection");
    }
    phase(tr("Send"), job.sendUs);
    phase(tr("Wait (TTFB)"), job.waitUs);
    phase(tr("Receive"), job.receiveUs);
    if (job.durationNs() >= 0)
        lines << tr("Total: %1").arg(msText(job.durationNs()));
    else if (job.state == JobState::Running)
        lines << tr("Running for %1").arg(msText(endOf(job, nowNs()) - job.startedAtNs));
    if (!job.errorString.isEmpty())
        lines << tr("Error: %1").arg(job.errorString);
    return lines.join(QLatin1Char('\n'));
}

qint64 WaterfallView::tickStepNs() const
{
    const int minSpacing =
        std::max(MinTickSpacingPx,
                 fontMetrics().horizontalAdvance(QStringLiteral("0000.000 ms")) + AxisPadding);
    const double rawNs = double(minSpacing) / m_scale;
    qint64 magnitude = 1;
    while (true) {
        for (qint64 factor : { 1, 2, 5 }) {
            if (double(magnitude * factor) >= rawNs)
                return magnitude * factor;
        }
        if (magnitude > std::numeric_limits<qint64>::max() / 100)
            return magnitude;
        magnitude *= 10;
    }
}

QString WaterfallView::rowLabel(const Row &row, const Job &job) const
{
    if (m_grouping == Grouping::LanePacked)
        return tr("%1 (%2)").arg(m_groups.at(row.group).label, urlCount(row.count));
    const QUrl url = job.url.adjusted(QUrl::RemoveUserInfo);
    if (m_grouping == Grouping::Host) {
        const QString path =
            url.toString(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::FullyDecoded);
        return path.isEmpty() ? QStringLiteral("/") : path;
    }
    QString text = redactedUrl(job.url);
    const qsizetype scheme = text.indexOf(QLatin1String("://"));
    return scheme >= 0 ? text.mid(scheme + 3) : text;
}

void WaterfallView::paintEvent(QPaintEvent *)
{
    if (layoutPending())
        relayout();
    QPainter painter(viewport());
    const QPalette &colours = palette();
    painter.fillRect(viewport()->rect(), colours.color(QPalette::Base));
    const qint64 now = nowNs();
    const int top = axisHeight();
    const int height = rowsAreaHeight();
    const qint64 step = tickStepNs();

    m_paintedRows = 0;
    m_firstPaintedRow = -1;
    if (m_rows.empty()) {
        painter.setPen(colours.color(QPalette::PlaceholderText));
        painter.drawText(QRect(0, top, viewport()->width(), height),
                         Qt::AlignCenter | Qt::TextWordWrap,
                         tr("No URLs yet: each one gets a bar here once it starts."));
    } else {
        painter.save();
        painter.setClipRect(0, top, viewport()->width(), height);
        // Vertical grid lines behind the bars.
        QColor grid = colours.color(QPalette::Mid);
        grid.setAlpha(90);
        painter.setPen(grid);
        const qint64 firstTick =
            m_originNs + std::max<qint64>(0, (timeAtX(barLeft()) - m_originNs) / step) * step;
        if (m_origin != Unknown) {
            for (qint64 t = nextTick(firstTick, step); xForTime(t) <= viewport()->width();
                 t = nextTick(t + step, step))
                painter.drawLine(QPointF(xForTime(t), top), QPointF(xForTime(t), top + height));
        }
        const int scroll = verticalScrollBar()->value();
        const int first = scroll / rowHeight();
        const int last = std::min(int(m_rows.size()) - 1, (scroll + height) / rowHeight());
        for (int row = first; row <= last; ++row)
            paintRow(painter, row, now);
        m_firstPaintedRow = first;
        m_paintedRows = std::max(0, last - first + 1);
        painter.restore();
    }
    paintGaps(painter);
    painter.setPen(colours.color(QPalette::Mid));
    painter.drawLine(gutterWidth(), top, gutterWidth(), top + height);
    paintAxis(painter, step);
    paintLegend(painter);
}

void WaterfallView::paintAxis(QPainter &painter, qint64 stepNs) const
{
    const QPalette &colours = palette();
    const QRect axis(0, 0, viewport()->width(), axisHeight());
    painter.fillRect(axis, colours.color(QPalette::Window));
    painter.setPen(colours.color(QPalette::Mid));
    painter.drawLine(axis.bottomLeft(), axis.bottomRight());
    painter.setPen(colours.color(QPalette::WindowText));
    painter.drawText(axis.adjusted(AxisPadding, 0, -(viewport()->width() - gutterWidth()), 0),
                     Qt::AlignVCenter | Qt::AlignLeft, tr("Since the first enqueue"));
    if (m_rows.empty() || m_origin == Unknown)
        return; // nothing has started: no time to show
    painter.save();
    painter.setClipRect(
        QRect(gutterWidth() + 1, 0, viewport()->width() - gutterWidth(), axis.height()));
    const QFontMetrics metrics = fontMetrics();
    const int gapWidth = idleGapWidth();
    for (const IdleGap &gap : m_gaps) {
        const qreal x = xForTime(gap.startNs);
        painter.drawText(QRectF(x, 0, gapWidth, axis.height()), Qt::AlignCenter,
                         idleGapLabel(gap.endNs - gap.startNs));
    }
    const qint64 firstTick =
        m_originNs + std::max<qint64>(0, (timeAtX(barLeft()) - m_originNs) / stepNs) * stepNs;
    for (qint64 t = nextTick(firstTick, stepNs); xForTime(t) <= viewport()->width();
         t = nextTick(t + stepNs, stepNs)) {
        const qreal x = xForTime(t);
        const QString label = axisLabel(t - m_originNs, stepNs);
        const int width = metrics.horizontalAdvance(label);
        // The first label starts at its tick rather than being cut in half by the gutter.
        const qreal left = std::max<qreal>(x - width / 2.0, gutterWidth() + 2);
        painter.drawText(QPointF(left, (axis.height() - metrics.height()) / 2.0 + metrics.ascent()),
                         label);
        painter.drawLine(QPointF(x, axis.bottom() - AxisPadding / 2), QPointF(x, axis.bottom()));
    }
    painter.restore();
}

// Each idle stretch: a band across the rows, edged by zig-zag lines, the axis' break.
void WaterfallView::paintGaps(QPainter &painter) const
{
    if (m_gaps.empty() || m_rows.empty())
        return;
    const QPalette &colours = palette();
    const int top = axisHeight();
    const int bottom = top + rowsAreaHeight();
    const int width = idleGapWidth();
    constexpr int Zig = 4;
    painter.save();
    painter.setClipRect(QRect(gutterWidth() + 1, 0, viewport()->width() - gutterWidth(), bottom));
    for (const IdleGap &gap : m_gaps) {
        const qreal left = xForTime(gap.startNs);
        painter.fillRect(QRectF(left, top, width, bottom - top), colours.color(QPalette::Window));
        painter.setPen(QPen(colours.color(QPalette::Mid), 1));
        for (const qreal edge : { left, left + width }) {
            QPolygonF zigzag;
            for (int y = top, i = 0; y <= bottom + Zig; y += Zig, ++i)
                zigzag << QPointF(edge + (i % 2 == 0 ? -Zig / 2.0 : Zig / 2.0), y);
            painter.drawPolyline(zigzag);
        }
    }
    painter.restore();
}

void WaterfallView::paintLegend(QPainter &painter) const
{
    const QPalette &colours = palette();
    const int height = legendHeight();
    const int top = viewport()->height() - height;
    painter.fillRect(QRect(0, top, viewport()->width(), height), colours.color(QPalette::Window));
    painter.setPen(colours.color(QPalette::Mid));
    painter.drawLine(0, top, viewport()->width(), top);
    for (const LegendItem &item : legendLayout(viewport()->width())) {
        const QRect swatch = item.swatch.translated(0, top);
        if (item.outline == Qt::NoPen) {
            painter.fillRect(swatch, item.colour);
            if (item.hatched)
                painter.fillRect(swatch, QBrush(colours.color(QPalette::Base), Qt::BDiagPattern));
        } else {
            painter.setPen(QPen(item.colour, 2, item.outline));
            painter.setBrush(Qt::NoBrush);
            painter.drawRect(swatch.adjusted(1, 1, -1, -1));
        }
        painter.setPen(colours.color(QPalette::WindowText));
        painter.drawText(item.textAt + QPoint(0, top), item.text);
    }
}

void WaterfallView::paintRow(QPainter &painter, int rowIndex, qint64 now) const
{
    const QPalette &colours = palette();
    const Row &row = m_rows[std::size_t(rowIndex)];
    const QRect rect = rowRect(rowIndex);
    const QFontMetrics metrics = fontMetrics();
    if (row.header) {
        painter.fillRect(rect, colours.color(QPalette::AlternateBase).darker(105));
        QFont bold = painter.font();
        bold.setBold(true);
        painter.save();
        painter.setFont(bold);
        painter.setPen(colours.color(QPalette::Text));
        const Group &group = m_groups.at(row.group);
        painter.drawText(rect.adjusted(AxisPadding, 0, -AxisPadding, 0),
                         Qt::AlignVCenter | Qt::AlignLeft,
                         tr("%1 · %2").arg(group.label, urlCount(group.jobs)));
        painter.restore();
        return;
    }

    const Job &firstJob = m_model->jobAt(m_items[std::size_t(row.first)]);
    const bool selected =
        m_selected != 0 && (m_grouping == Grouping::LanePacked ? false : firstJob.id == m_selected);
    if (selected) {
        QColor highlight = colours.color(QPalette::Highlight);
        highlight.setAlpha(hasFocus() ? 70 : 45);
        painter.fillRect(rect, highlight);
    } else if (rowIndex % 2 == 1) {
        painter.fillRect(rect, colours.color(QPalette::AlternateBase));
    }

    // The gutter: what the row is, and a marker when it failed or was cancelled.
    const QRect gutter(0, rect.top(), gutterWidth(), rect.height());
    if (m_grouping != Grouping::LanePacked
        && (firstJob.state == JobState::Failed || firstJob.state == JobState::Cancelled)) {
        painter.fillRect(QRect(gutter.left(), gutter.top() + 1, MarkerWidth, gutter.height() - 2),
                         firstJob.state == JobState::Failed ? FailedColour
                                                            : colours.color(QPalette::Mid));
    }
    painter.setPen(colours.color(QPalette::Text));
    const QRect labelRect = gutter.adjusted(MarkerWidth + AxisPadding / 2, 0, -AxisPadding / 2, 0);
    painter.drawText(
        labelRect, Qt::AlignVCenter | Qt::AlignLeft,
        metrics.elidedText(rowLabel(row, firstJob), Qt::ElideMiddle, labelRect.width()));

    painter.save();
    painter.setClipRect(
        QRect(gutterWidth() + 1, rect.top(), viewport()->width() - gutterWidth(), rect.height()),
        Qt::IntersectClip);
    const bool packed = m_grouping == Grouping::LanePacked;
    qreal paintedRight = -1;
    for (int item = row.first; item < row.first + row.count; ++item)
        paintBar(painter, m_model->jobAt(m_items[std::size_t(item)]), rect, now,
                 packed ? &paintedRight : nullptr);
    painter.restore();
}

void WaterfallView::paintBar(QPainter &painter, const Job &job, const QRect &rowRect, qint64 now,
                             qreal *packedRight) const
{
    const qint64 end = endOf(job, now);
    if (job.startedAtNs < 0 && !packedRight) {
        // Not started (queued), or a result restored from a journal: no time on this run's axis
        // to draw, and no made-up one; a restored result says how long the earlier run took.
        const bool timedEarlier = job.restored && job.isFinished() && job.restoredDurationNs >= 0;
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(QRectF(barLeft(), rowRect.top(),
                                timedEarlier ? 2 * EndMarginPx : EndMarginPx, rowRect.height()),
                         Qt::AlignVCenter | Qt::AlignLeft,
                         timedEarlier ? msText(job.restoredDurationNs) : unknownValue());
        return;
    }
    if (job.startedAtNs < 0 || end < job.startedAtNs)
        return;
    const qreal left = gutterWidth();
    const qreal right = viewport()->width();
    const qreal barEnd = xForTime(end);
    const qreal queuedStart = job.queuedAtNs >= 0 && !packedRight
        ? std::min(job.queuedAtNs, job.startedAtNs)
        : job.startedAtNs;
    if (barEnd < left || xForTime(queuedStart) > right)
        return; // off to one side
    // On a lane's line the bars follow one another: one that ends in the pixel column already
    // painted cannot be seen, and fitted runs have thousands of those.
    if (packedRight) {
        if (barEnd < *packedRight)
            return;
        *packedRight = std::max(barEnd, xForTime(job.startedAtNs) + 1);
    }
    const QList<Segment> segments = segmentsOf(job, now);
    const QRectF bar(0, rowRect.top() + BarInset, 0, rowRect.height() - 2 * BarInset);
    const QPalette &colours = palette();
    qreal attemptLeft = -1;
    for (const Segment &segment : segments) {
        const qreal x1 = xForTime(segment.startNs);
        // Every stretch is at least a pixel wide: a 0.2 ms connect still shows.
        const qreal x2 = std::max(xForTime(segment.endNs), x1 + 1);
        if (x2 < left || x1 > right)
            continue;
        if (segment.phase == Phase::Queued) {
            if (packedRight)
                continue; // on a lane's line the waits in the queue would all overlap
            const qreal middle = bar.center().y();
            painter.fillRect(QRectF(x1, middle - QueuedThickness / 2.0, x2 - x1, QueuedThickness),
                             phaseColour(Phase::Queued));
            continue;
        }
        if (attemptLeft < 0)
            attemptLeft = x1;
        const QRectF area(x1, bar.top(), x2 - x1, bar.height());
        painter.fillRect(area, phaseColour(segment.phase));
        if (segment.phase == Phase::Tls)
            painter.fillRect(area, QBrush(colours.color(QPalette::Base), Qt::BDiagPattern));
    }
    if (attemptLeft < 0)
        return;
    constexpr qreal MinSeparatedWidth = 3;
    if (packedRight
        && barEnd - attemptLeft >= MinSeparatedWidth) // where one URL ends and the next begins
        painter.fillRect(QRectF(attemptLeft, bar.top(), 1, bar.height()),
                         colours.color(QPalette::Base));
    const QRectF outline(attemptLeft, bar.top(), std::max(barEnd, attemptLeft + 1) - attemptLeft,
                         bar.height());
    painter.setBrush(Qt::NoBrush);
    if (job.state == JobState::Failed) {
        painter.setPen(QPen(FailedColour, 2));
        painter.drawRect(outline.adjusted(1, 1, -1, -1));
    } else if (job.state == JobState::Cancelled) {
        painter.setPen(QPen(colours.color(QPalette::Text), 1.5, Qt::DashLine));
        painter.drawRect(outline.adjusted(0.5, 0.5, -0.5, -0.5));
    }
    if (job.id == m_selected) {
        painter.setPen(QPen(colours.color(QPalette::Highlight), 2));
        painter.drawRect(outline.adjusted(-2, -2, 2, 2));
    }
    if (!packedRight) {
        painter.setPen(colours.color(QPalette::Text));
        const QString text =
            axisLabel(end - job.startedAtNs,
                      end - job.startedAtNs >= qint64(NsPerMsF) ? qint64(NsPerMsF) : 1);
        painter.drawText(
            QRectF(barEnd + AxisPadding / 2.0, rowRect.top(), EndMarginPx * 2, rowRect.height()),
            Qt::AlignVCenter | Qt::AlignLeft, text);
    }
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
    if (job && job->startedAtNs >= 0 && m_grouping != Grouping::LanePacked) {
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
    if (m_items.empty() || !m_model)
        return;
    int item = -1;
    const int source = m_selected ? m_model->rowForId(m_selected) : -1;
    if (source >= 0 && std::size_t(source) < m_itemOfSource.size())
        item = m_itemOfSource[std::size_t(source)];
    const int next = item < 0 ? (step > 0 ? 0 : int(m_items.size()) - 1)
                              : std::clamp(item + step, 0, int(m_items.size()) - 1);
    const quint64 id = m_model->jobAt(m_items[std::size_t(next)]).id;
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
