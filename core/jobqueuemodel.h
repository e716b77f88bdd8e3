// SPDX-License-Identifier: GPL-3.0-or-later
// The queue itself: one row per job, in the order the jobs were added.
#pragma once

#include "formatting.h" // formatBytes and the like, for the views of this model
#include "job.h"
#include "runsummary.h"

#include <QAbstractTableModel>
#include <QList>

namespace Parafetch {

struct UrlEntry;

// Rows stay in insertion order (views sort through a proxy), and ids grow with the rows, so a
// job is found by id with a binary search however many rows there are.
class JobQueueModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobQueueModel)
public:
    enum Column {
        UrlColumn,
        StatusColumn,
        HttpCodeColumn,
        SizeColumn,
        ProgressColumn,
        SpeedColumn,
        TimeColumn,
        ErrorColumn,
        // Optional, hidden until a person shows them (the table header's context menu); after
        // Error so that the columns before keep their numbers.
        ProtocolColumn,
        ConnectionColumn,
        SavedAsColumn, // the saved file's name; its tool tip the whole path
        // The last attempt's request, as the details pane lists it.
        ServerAddressColumn,
        DnsColumn,
        ConnectColumn, // TLS included
        TlsColumn,
        TtfbColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = Qt::UserRole, // numbers for numeric columns: what a sort proxy compares
        JobStateRole, // JobState as int
        JobIdRole,
    };
    Q_ENUM(Role)

    explicit JobQueueModel(QObject *parent = nullptr);
    ~JobQueueModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool removeRows(int row, int count, const QModelIndex &parent = {}) override;

    // Appends one queued job per entry; returns how many were added.
    int addEntries(const QList<UrlEntry> &entries);
    // Appends jobs of an earlier run (the run journal's restore): finished ones keep their
    // result, marked Job::restored with the duration that run measured (Job::resultDurationNs()
    // of the job given), the others are queued afresh (with the .part they may continue,
    // Job::resumeFrom). Each gets a new id, and no times: those were measured on the earlier
    // run's clock. Returns how many were added.
    int addRestored(const QList<Job> &jobs);
    // A saved run shown as it was: finished jobs keep their results and times (on the saved
    // run's clock), the others come back queued.
    int addSaved(const QList<Job> &jobs);
    void clear();
    // Puts removed jobs back where they were, unchanged (results, times, ids): the undo of a
    // removal. Rows keep id order, so each goes before the first row with a larger id. Jobs
    // whose id is still in the queue are skipped. Returns how many were put back.
    int reinsert(QList<Job> jobs);

    const QList<Job> &jobs() const { return m_jobs; }
    const Job &jobAt(int row) const { return m_jobs.at(row); }
    int rowForId(quint64 id) const; // -1 if gone
    int nextQueuedRow(int fromRow) const; // -1 if none
    int count(JobState state) const { return m_summary.count(state); }
    // Always equal to RunSummary::compute(jobs()). Kept up to date as jobs change, so a window
    // can show it often whatever the row count; without live figures (below) computed here.
    RunSummary summary() const;
    // The summary's counts and bytes without its figures of time: O(1), live figures or not.
    RunSummary counts() const { return m_summary.counts(); }
    // Where nothing was in flight for at least minNs (RunSummaryTracker::idleGapsNs).
    std::vector<std::pair<qint64, qint64>> idleGapsNs(qint64 minNs) const;
    // Whether summary() and idleGapsNs() are kept up to date as jobs change (the default), at
    // about 60 bytes a job, or computed from the jobs when asked, at no cost until then: for a
    // holder that asks once at the end of a long list (the headless runner).
    void setLiveFigures(bool live);

    // Engine-side updates. Live progress is only recorded here; flushProgress() announces it,
    // once per refresh, for the dirty rows and live columns only (ARCHITECTURE rule 5).
    void setQueuedAt(int row, qint64 queuedAtNs);
    void markRunning(quint64 id, qint64 startedAtNs, int worker);
    void setProgress(quint64 id, qint64 received, qint64 total, qint64 nowNs, int attempt = 0,
                     LivePhase phase = LivePhase::Unknown);
    void flushProgress();
    void finishJob(const Job &job); // a task's final record (matched by id)
    void finishJobs(const QList<Job> &jobs); // the same for many, announced as one range
    void markCancelled(quint64 id, qint64 nowNs); // a job that never started
    int cancelQueued(qint64 nowNs); // all queued rows; returns how many
    // Puts finished rows back into the queue (retry); emits jobsRequeued with the first row.
    int requeue(const QList<int> &rows);

Q_SIGNALS:
    void jobsRequeued(int firstRow);

private:
    QVariant displayValue(const Job &job, int column) const;
    QVariant rawValue(const Job &job, int column) const;
    void markDirty(int row);
    void emitRowChanged(int row);
    void cancelUnstarted(int row, qint64 nowNs); // a job that never started: cancelled now

    QList<Job> m_jobs;
    RunSummaryTracker m_summary;
    quint64 m_nextId = 1;
    int m_dirtyFirst = -1;
    int m_dirtyLast = -1;
};

// The state as the table shows it ("Done", "Failed", ...), translated.
QString stateDisplayName(JobState state);

} // namespace Parafetch
