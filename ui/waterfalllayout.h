// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's layout: which job goes on which row, in which group, kept up to date.
#pragma once

#include "job.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

#include <functional>
#include <limits>
#include <tuple>
#include <vector>

namespace Parafetch {

// Jobs are read by source row (the model's row); the layout keeps, per source row, where the job
// stands, and from that the rows in display order. Changes are noted as they are announced
// (invalidate, noteChanged, noteFiltered) and applied together by update(): a live run changes a
// few hundred rows per refresh, not 100,000, and most of them keep their place.
class WaterfallLayout
{
    // The labels belong with the view's other texts.
    Q_DECLARE_TR_FUNCTIONS(WaterfallView)
public:
    enum class Grouping {
        Lane, // a header per lane, one row per URL, ordered by start
        LanePacked, // one row per lane, its URLs side by side
        Host, // a header per host, one row per URL, ordered by start
        // A header per connection, one row per URL, ordered by start: under h2 many lanes'
        // URLs share one. A URL has its connection once it is answered; until then (and
        // without an answer) it is in a group of its own, last.
        Connection,
    };

    struct Row
    {
        int first = 0; // into items()
        int count = 0;
        int group = 0; // into groups()
        bool header = false;
    };
    struct Group
    {
        QString label;
        qint64 firstStartNs = -1;
        int jobs = 0;
    };

    // What the layout reads: how many source rows there are and the job of each. shownRows, when
    // set, gives the source rows a filter shows (in any order); it is asked only when everything
    // is laid out again, and unset means all rows are shown.
    struct Source
    {
        int count = 0;
        std::function<const Job &(int source)> jobAt;
        std::function<std::vector<int>()> shownRows;
    };

    Grouping grouping() const { return m_grouping; }
    void setGrouping(Grouping grouping); // lays everything out again at the next update()

    // Rows came, went or moved, or the filter changed wholesale: everything is laid out again.
    void invalidate() { m_dirty = true; }
    // The jobs of source rows first..last changed (the set of rows did not).
    void noteChanged(int first, int last);
    // Whether count more rows the filter shows or hides can be taken in one by one; when not,
    // the caller invalidates.
    bool takesFiltered(int count) const;
    // The filter showed or hid this source row (an unknown row invalidates).
    void noteFiltered(int source, bool shown);
    bool isInvalidated() const { return m_dirty; }
    bool isPending() const { return m_dirty || m_changedFirst >= 0 || !m_filtered.empty(); }
    // Applies what is pending: everything again when invalidated, else the filtered and changed
    // rows. Returns whether anything was pending.
    bool update(const Source &source);

    const std::vector<Row> &rows() const { return m_rows; }
    const std::vector<int> &items() const { return m_items; } // source rows, in display order
    const QList<Group> &groups() const { return m_groups; }
    int rowOfSource(int source) const; // -1 = not shown
    int itemOfSource(int source) const; // -1 = not shown
    // The span of the jobs shown: the first enqueue (or start) and the latest finish.
    bool hasStarted() const { return m_origin != Unknown; }
    qint64 originNs() const { return hasStarted() ? m_origin : 0; }
    qint64 lastEndNs() const { return m_lastEndNs; }
    bool hasRunning() const { return m_runningCount > 0; }

    // The group a URL goes in when grouped by host: the port only when the URL has one.
    static QString hostLabel(const QUrl &url);
    static QString laneLabel(int lane);
    static QString connectionLabel(int connection, bool http2);

private:
    static constexpr qint64 Unknown = std::numeric_limits<qint64>::max(); // sorts last
    static constexpr int TakenOut = -2; // in m_itemOfSource while an item is moved or hidden

    // Where a job stands in the layout, as last laid out (per source row).
    struct Placement
    {
        qint64 startNs = Unknown; // unknown starts sort last
        qint64 originNs = Unknown; // its enqueue or start, if started
        qint64 endNs = 0; // its finish, if finished
        int major = 0; // lanes: the lane number; hosts: the group; connections: the number
        int group = -1; // hosts only: index into m_groups
        bool running = false;
        bool http2 = false; // connections: for the group's label
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
    // A row the filter showed or hid, by source row.
    struct Filtered
    {
        int source = 0;
        bool shown = false;
    };

    void rebuild(const Source &source);
    void applyChanges(const Source &source); // of the rows in m_changedFirst..m_changedLast
    void applyFiltered(const Source &source); // m_filtered
    // Takes the items marked TakenOut out of m_keys, merges those of added in, builds the rows.
    void mergeKeys(const std::vector<int> &added);
    void measureSpan(); // origin, last end and running count of the items shown
    void buildRows(); // m_rows, m_items, the lanes' groups from m_keys
    Placement placementOf(const Job &job, int group) const;
    ItemKey keyOf(int source) const;
    void takeIntoAccount(const Placement &placed); // into the run's span and running count

    Grouping m_grouping = Grouping::Lane;
    bool m_dirty = true;
    int m_changedFirst = -1; // source rows announced as changed since the last update
    int m_changedLast = -1;
    std::vector<Filtered> m_filtered; // since the last update, in order
    std::vector<Placement> m_placed; // per source row
    std::vector<ItemKey> m_keys; // per item, in display order
    std::vector<int> m_groupRank; // hosts: group -> its place in the order shown
    int m_runningCount = 0;
    qint64 m_origin = Unknown; // unknown until a job starts
    qint64 m_lastEndNs = 0; // latest finish among the shown jobs
    std::vector<Row> m_rows;
    std::vector<int> m_items; // source rows, in display order
    std::vector<int> m_rowOfSource; // source row -> layout row, -1 = not shown
    std::vector<int> m_itemOfSource; // source row -> index into m_items, -1 = not shown
    QList<Group> m_groups;
};

} // namespace Parafetch
