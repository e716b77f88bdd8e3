// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's layout: which job goes on which row, in which group, kept up to date.
#include "waterfalllayout.h"

#include <QHash>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int NotStartedLane = std::numeric_limits<int>::max();
// Results restored from an earlier run: done, but not on this run's clock; just before "not
// started".
constexpr int RestoredLane = NotStartedLane - 1;

} // namespace

QString WaterfallLayout::laneLabel(int lane)
{
    if (lane == NotStartedLane)
        return tr("Not started");
    if (lane == RestoredLane)
        return tr("Done before the restore");
    return tr("Lane %1").arg(lane);
}

QString WaterfallLayout::connectionLabel(int connection, bool http2)
{
    if (connection == NotStartedLane)
        return tr("No connection yet");
    if (connection == RestoredLane)
        return tr("Done before the restore");
    return http2 ? tr("Connection #%1 (HTTP/2)").arg(connection)
                 : tr("Connection #%1").arg(connection);
}

QString WaterfallLayout::hostLabel(const QUrl &url)
{
    const QString host = url.host();
    if (host.isEmpty())
        return tr("(no host)");
    return url.port() >= 0 ? QStringLiteral("%1:%2").arg(host).arg(url.port()) : host;
}

void WaterfallLayout::setGrouping(Grouping grouping)
{
    if (grouping == m_grouping)
        return;
    m_grouping = grouping;
    m_dirty = true;
}

void WaterfallLayout::noteChanged(int first, int last)
{
    m_changedFirst = m_changedFirst < 0 ? first : std::min(m_changedFirst, first);
    m_changedLast = std::max(m_changedLast, last);
}

bool WaterfallLayout::takesFiltered(int count) const
{
    // Hosts rank their groups by first start, which a shown or hidden row can change: those lay
    // everything out again. So does a flood of changes, cheaper to take in all at once.
    return m_grouping != Grouping::Host && !m_dirty
        && m_filtered.size() + std::size_t(count) <= m_placed.size();
}

void WaterfallLayout::noteFiltered(int source, bool shown)
{
    // Rows the source itself inserts or removes reach the filter first; their source rows are
    // not laid out yet (or are about to go), and the source's own change rebuilds everything.
    if (source < 0 || std::size_t(source) >= m_placed.size()) {
        m_dirty = true;
        return;
    }
    m_filtered.push_back({ source, shown });
}

bool WaterfallLayout::update(const Source &source)
{
    if (!isPending())
        return false;
    if (m_dirty) {
        rebuild(source);
    } else {
        if (!m_filtered.empty())
            applyFiltered(source);
        if (m_changedFirst >= 0 && !m_dirty)
            applyChanges(source);
    }
    return true;
}

int WaterfallLayout::rowOfSource(int source) const
{
    return source >= 0 && std::size_t(source) < m_rowOfSource.size()
        ? m_rowOfSource[std::size_t(source)]
        : -1;
}

int WaterfallLayout::itemOfSource(int source) const
{
    return source >= 0 && std::size_t(source) < m_itemOfSource.size()
        ? m_itemOfSource[std::size_t(source)]
        : -1;
}

WaterfallLayout::Placement WaterfallLayout::placementOf(const Job &job, int group) const
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
    placed.http2 = job.protocol == "h2";
    // Lanes and connections sort by number (restored results, then "not started" or "no
    // connection yet", last); hosts by the rank of their group.
    const bool byConnection = m_grouping == Grouping::Connection;
    if (m_grouping == Grouping::Host)
        placed.major = group;
    else if (byConnection ? job.connectionId > 0 : started && job.worker >= 0)
        placed.major = byConnection
            ? int(std::min<quint64>(job.connectionId, quint64(RestoredLane - 1)))
            : job.worker;
    else
        placed.major = job.restored && job.isFinished() ? RestoredLane : NotStartedLane;
    return placed;
}

WaterfallLayout::ItemKey WaterfallLayout::keyOf(int source) const
{
    const Placement &placed = m_placed[std::size_t(source)];
    const int major =
        m_grouping == Grouping::Host ? m_groupRank[std::size_t(placed.group)] : placed.major;
    return ItemKey { major, placed.startNs, source };
}

void WaterfallLayout::rebuild(const Source &source)
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
    m_origin = Unknown;
    m_lastEndNs = 0;
    const int sourceRows = std::max(source.count, 0);
    m_rowOfSource.assign(std::size_t(sourceRows), -1);
    m_itemOfSource.assign(std::size_t(sourceRows), -1);
    m_placed.assign(std::size_t(sourceRows), Placement {});
    if (sourceRows == 0)
        return;

    std::vector<int> shown;
    if (source.shownRows) {
        shown = source.shownRows();
        shown.erase(std::remove_if(shown.begin(), shown.end(),
                                   [sourceRows](int row) { return row < 0 || row >= sourceRows; }),
                    shown.end());
    } else {
        shown.resize(std::size_t(sourceRows));
        for (int row = 0; row < sourceRows; ++row)
            shown[std::size_t(row)] = row;
    }

    // Group of each job: an index into the hosts seen, or (lanes) none until the rows are built.
    const bool byHost = m_grouping == Grouping::Host;
    QHash<QString, int> hostIndex;
    for (int row : shown) {
        const Job &job = source.jobAt(row);
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
        m_placed[std::size_t(row)] = placed;
        m_itemOfSource[std::size_t(row)] = 0; // shown; the real index comes with the rows
        takeIntoAccount(placed);
        if (byHost && placed.startNs != Unknown) {
            Group &g = m_groups[group];
            g.firstStartNs =
                g.firstStartNs < 0 ? placed.startNs : std::min(g.firstStartNs, placed.startNs);
        }
    }

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
    for (int row : shown)
        m_keys.push_back(keyOf(row));
    std::sort(m_keys.begin(), m_keys.end());
    buildRows();
}

void WaterfallLayout::takeIntoAccount(const Placement &placed)
{
    m_origin = std::min(m_origin, placed.originNs);
    m_lastEndNs = std::max(m_lastEndNs, placed.endNs);
    m_runningCount += placed.running ? 1 : 0;
}

void WaterfallLayout::applyChanges(const Source &source)
{
    const int first = m_changedFirst;
    const int last = std::min(m_changedLast, int(m_placed.size()) - 1);
    m_changedFirst = m_changedLast = -1;
    if (source.count != int(m_placed.size())) {
        rebuild(source); // rows came or went without a signal seen yet: start over
        return;
    }
    // Only jobs whose place changed (they started, or moved lane) are taken out and merged
    // back; the figures that span the run are kept up to date as the jobs change.
    const bool byHost = m_grouping == Grouping::Host;
    std::vector<int> moved;
    bool recomputeSpan = false;
    for (int row = std::max(first, 0); row <= last; ++row) {
        if (m_itemOfSource[std::size_t(row)] < 0)
            continue; // filtered out
        Placement &placed = m_placed[std::size_t(row)];
        const Placement now = placementOf(source.jobAt(row), placed.group);
        if (now.major != placed.major || now.startNs != placed.startNs) {
            if (byHost) {
                // A group's first start decides where the group goes: when it changes, so may
                // the groups' order, and that is a full rebuild (rare: about once per host).
                const qint64 groupStart = m_groups.at(now.group).firstStartNs;
                const bool firstStartMoves =
                    (now.startNs != Unknown && (groupStart < 0 || now.startNs < groupStart))
                    || (placed.startNs != Unknown && placed.startNs == groupStart);
                if (firstStartMoves) {
                    rebuild(source);
                    return;
                }
            }
            moved.push_back(row);
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
    if (moved.empty())
        return;
    for (int row : moved)
        m_itemOfSource[std::size_t(row)] = TakenOut;
    mergeKeys(moved);
}

void WaterfallLayout::applyFiltered(const Source &source)
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
    for (int row : hidden)
        m_itemOfSource[std::size_t(row)] = TakenOut;
    for (int row : shown)
        m_placed[std::size_t(row)] = placementOf(source.jobAt(row), -1);
    mergeKeys(shown);
    for (int row : hidden)
        m_itemOfSource[std::size_t(row)] = m_rowOfSource[std::size_t(row)] = -1;
    measureSpan(); // of the rows shown now
}

void WaterfallLayout::measureSpan()
{
    m_origin = Unknown;
    m_lastEndNs = 0;
    m_runningCount = 0;
    for (const ItemKey &key : m_keys)
        takeIntoAccount(m_placed[std::size_t(key.source)]);
}

void WaterfallLayout::mergeKeys(const std::vector<int> &added)
{
    const auto kept = std::remove_if(m_keys.begin(), m_keys.end(), [this](const ItemKey &key) {
        return m_itemOfSource[std::size_t(key.source)] == TakenOut;
    });
    m_keys.erase(kept, m_keys.end());
    std::vector<ItemKey> addedKeys;
    addedKeys.reserve(added.size());
    for (int row : added)
        addedKeys.push_back(keyOf(row));
    std::sort(addedKeys.begin(), addedKeys.end());
    const std::size_t middle = m_keys.size();
    m_keys.insert(m_keys.end(), addedKeys.cbegin(), addedKeys.cend());
    std::inplace_merge(m_keys.begin(), m_keys.begin() + std::ptrdiff_t(middle), m_keys.end());
    buildRows();
}

void WaterfallLayout::buildRows()
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
                m_groups.append(Group { m_grouping == Grouping::Connection ? connectionLabel(
                                            key.major, m_placed[std::size_t(key.source)].http2)
                                                                           : laneLabel(key.major),
                                        -1, 0 });
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

} // namespace Parafetch
