// SPDX-License-Identifier: GPL-3.0-or-later
// The numbers of a whole run: counts, wall against serial time, speedup, throughput, percentiles.
#pragma once

#include "job.h"

#include <QList>
#include <QMetaType>

#include <array>
#include <utility>
#include <vector>

namespace Parafetch {

// Definitions (the product's promise; the UI's tooltips and the docs repeat them):
// - duration of a job = Job::durationNs() (finish - first start);
// - busy interval of a job = [first start, finish] once finished, [first start, last progress
//   update] while running (a paused or requeued job is queued again and has none);
// - wall = the measure of the union of the busy intervals: the time in which at least one URL
//   was in flight. Idle time (between a run and a Retry Failed, or while paused) is not wall time;
// - serial estimate = sum of the durations of the finished jobs;
// - speedup = serial / wall (0 while wall is 0), i.e. the mean number of jobs in flight while
//   any was;
// - throughput: bytes/s and requests/s (requests = finished jobs) over wall;
// - p50/p90/p99 of the durations of finished jobs, and p50/p90 of TTFB (Job::waitUs, all jobs
//   where it is known), by the nearest-rank method (see nearestRankPercentile()).
// A result restored from an earlier run (Job::restored) counts in total, the states, the error
// kinds and bytes, and in restoredDone and restoredBytes, but in no figure of time or rate
// above: those describe the work timed in this process, so throughput is over the bytes and
// finished jobs that were not restored.
// Unknown values are -1, like in Job.
// How a run's per-URL times spread: counts in buckets on a 1-2-5 scale (100 µs, 200 µs, 500 µs,
// 1 ms, 2 ms, ... 1000 s), from the bucket holding the smallest value to the one holding the
// largest, with the nearest-rank percentiles marked. Bucket i counts the values in
// [boundsUs[i], boundsUs[i + 1]); the first bucket starts at 0 when the smallest value lies
// below the first bound. The counts add up to the values given.
struct LatencyHistogram
{
    std::vector<qint64> boundsUs; // counts.size() + 1 of them, or none
    std::vector<int> counts;
    qint64 p50Us = -1, p90Us = -1, p95Us = -1, p99Us = -1;

    bool isEmpty() const { return counts.empty(); }
    int total() const;
    // From values sorted in ascending order, each unitNs nanoseconds (1 for ns, 1000 for µs):
    // a binary search per bound.
    static LatencyHistogram ofSorted(const std::vector<qint64> &sorted, qint64 unitNs);
};

struct RunSummary
{
    int total = 0, queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0;
    // Of the succeeded, those a conditional request found unchanged (JobState::Unchanged).
    int unchanged = 0;
    // Finished jobs per ErrorKind (None for successes).
    std::array<int, ErrorKindCount> byErrorKind {};
    qint64 bytes = 0; // body bytes received, all jobs
    // Of the finished jobs and their bytes, the results restored from an earlier run.
    int restoredDone = 0;
    qint64 restoredBytes = 0;
    qint64 firstStartNs = -1, lastFinishNs = -1;
    qint64 wallNs = 0, serialNs = 0;
    double speedup = 0, bytesPerSecond = 0, requestsPerSecond = 0; // requests = finished jobs
    qint64 p50Ns = -1, p90Ns = -1, p99Ns = -1;
    qint64 ttfbP50Us = -1, ttfbP90Us = -1;
    // Of the same durations (finished jobs timed here) and TTFBs as the percentiles.
    LatencyHistogram durationHistogram, ttfbHistogram;

    int finished() const;
    static RunSummary compute(const QList<Job> &jobs);
};

// What one job contributes to a run's summary, taken from its record once so that every way of
// summing up (compute(), the builder, the tracker) counts by the same definitions.
struct JobFigures
{
    static constexpr qint64 None = -1; // the job adds no value of this kind

    JobState state = JobState::Queued;
    int errorKind = -1; // finished jobs: the ErrorKind counted (None for successes)
    qint64 bytes = 0;
    qint64 startNs = None; // for the first start
    qint64 finishNs = None; // for the last finish
    qint64 busyEndNs = None; // the end of the busy interval [startNs, busyEndNs] (wall time)
    qint64 durationNs = None;
    qint64 ttfbUs = None;
    bool restored = false; // a finished result of an earlier run: counted, never timed

    static JobFigures of(const Job &job);
};

// The same numbers, accumulated job by job (for streaming). Keeps one duration and one TTFB per
// job so that percentiles stay exact rather than binned.
class RunSummaryBuilder
{
public:
    void add(const Job &job);
    RunSummary result() const;

private:
    RunSummary m_counts; // everything except the fields result() derives
    // Sorted in place by result(), which changes their order only: a million jobs' figures
    // are not copied again to be sorted.
    mutable std::vector<qint64> m_durationsNs;
    mutable std::vector<qint64> m_ttfbsUs;
    mutable std::vector<std::pair<qint64, qint64>> m_busyNs; // busy intervals, for the wall time
};

// The same numbers again, kept up to date while jobs are added, change and go (the queue model
// holds one): a change costs O(1) on average and result() at most a linear merge and one sweep
// over the busy intervals (for 100,000 rows well under a millisecond, at the summary's 4 Hz),
// with no pass over the job records. Always equal to RunSummary::compute() of the jobs it was told
// about.
class RunSummaryTracker
{
public:
    void add(const Job &job) { replace({}, JobFigures::of(job), false, true); }
    void remove(const Job &job) { replace(JobFigures::of(job), {}, true, false); }
    // A job's record changed from before to after (figures taken with JobFigures::of).
    void change(const JobFigures &before, const JobFigures &after)
    {
        replace(before, after, true, true);
    }
    void clear();
    int count(JobState state) const;
    RunSummary result() const;
    // result() without the figures of time (wall, first start and last finish, rates,
    // percentiles): counts and sums only, O(1) whether or not times are kept.
    RunSummary counts() const;
    // Whether the figures of time (wall, percentiles, idle gaps) are kept up to date too (the
    // default). Without them the tracker keeps only counts and sums, O(1) memory instead of
    // about 60 bytes a job, and result() has no figures of time: for a holder that asks for
    // them seldom and computes them then (a headless run of a million URLs asks once, at the
    // end). Changing it starts over empty.
    void setKeepsTimes(bool keep);
    bool keepsTimes() const { return m_keepsTimes; }
    // idleGapsNs() of the busy intervals that the wall time measures.
    std::vector<std::pair<qint64, qint64>> idleGapsNs(qint64 minNs) const;

private:
    // A multiset of values that stays sorted: insertions and removals wait in side lists and
    // are merged in one linear pass when the values are next read (or the lists grow long).
    template<typename Value> class SortedValues
    {
    public:
        void insert(const Value &value);
        void erase(const Value &value);
        void clear();
        const std::vector<Value> &sorted() const;

    private:
        void mergeIfLong();
        void mergePending() const;
        mutable std::vector<Value> m_sorted, m_added, m_removed;
    };
    using Interval = std::pair<qint64, qint64>; // [start, end] in ns
    // Exact sums past qint64: the summary saturates at the end, like the builder's running sum.
    __extension__ typedef __int128 WideSum;

    void replace(const JobFigures &from, const JobFigures &to, bool hadBefore, bool hasAfter);
    static void move(SortedValues<qint64> &values, qint64 before, qint64 after);
    qint64 wallNs() const;

    std::array<int, std::size_t(JobStateCount)> m_states {}; // by JobState
    std::array<int, ErrorKindCount> m_byErrorKind {};
    int m_total = 0, m_restoredDone = 0;
    WideSum m_bytes = 0, m_restoredBytes = 0, m_serialNs = 0;
    SortedValues<qint64> m_startsNs, m_finishesNs, m_durationsNs, m_ttfbsUs;
    SortedValues<Interval> m_busyNs; // sorted by start: one sweep measures their union
    bool m_keepsTimes = true;
};

// The measure of the union of the intervals [first, second] (ignoring empty and reversed ones),
// sorted by start: one sweep.
qint64 unionLengthNs(const std::vector<std::pair<qint64, qint64>> &sortedIntervals);

// The stretches of at least minNs between the busy intervals (sorted by start) in which no URL
// was in flight: the idle time that wall time leaves out, in time order; one sweep.
std::vector<std::pair<qint64, qint64>>
idleGapsNs(const std::vector<std::pair<qint64, qint64>> &sortedIntervals, qint64 minNs);

// The nearest-rank percentile: the value at rank ceil(percent / 100 * n) (1-based) of the sorted
// values, so it is always one of the values and never an interpolation; -1 for no values.
// Sorts its own copy (partially).
qint64 nearestRankPercentile(QList<qint64> values, double percent);
// The 1-based rank that percentile picks of n values (n > 0).
qsizetype nearestRank(qsizetype n, double percent);

} // namespace Parafetch

Q_DECLARE_METATYPE(Parafetch::RunSummary)
