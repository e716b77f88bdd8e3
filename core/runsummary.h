// The numbers of a whole run: counts, wall against serial time, speedup, throughput, percentiles.
#pragma once

#include "job.h"

#include <QList>
#include <QMetaType>

#include <array>

namespace Parafetch {

// Definitions (the product's promise; the UI's tooltips and the docs repeat them):
// - duration of a job = Job::durationNs() (finish - first start);
// - wall = last finish - first start, over the jobs that have started;
// - serial estimate = sum of the durations of the finished jobs;
// - speedup = serial / wall (0 while wall is 0), i.e. the mean number of jobs in flight;
// - throughput: bytes/s and requests/s (requests = finished jobs) over wall;
// - p50/p90/p99 of the durations of finished jobs, and p50/p90 of TTFB (Job::waitUs, all jobs
//   where it is known), by the nearest-rank method (see nearestRankPercentile()).
// Unknown values are -1, like in Job.
struct RunSummary
{
    int total = 0, queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0;
    // Finished jobs per ErrorKind (None for successes).
    std::array<int, ErrorKindCount> byErrorKind {};
    qint64 bytes = 0; // body bytes received, all jobs
    qint64 firstStartNs = -1, lastFinishNs = -1;
    qint64 wallNs = 0, serialNs = 0;
    double speedup = 0, bytesPerSecond = 0, requestsPerSecond = 0; // requests = finished jobs
    qint64 p50Ns = -1, p90Ns = -1, p99Ns = -1;
    qint64 ttfbP50Us = -1, ttfbP90Us = -1;

    int finished() const;
    static RunSummary compute(const QList<Job> &jobs);
};

// The same numbers, accumulated job by job (for streaming and for the model). Keeps one duration
// and one TTFB per job so that percentiles stay exact rather than binned.
class RunSummaryBuilder
{
public:
    void add(const Job &job);
    RunSummary result() const;

private:
    RunSummary m_counts; // everything except the fields result() derives
    QList<qint64> m_durationsNs;
    QList<qint64> m_ttfbsUs;
};

// The nearest-rank percentile: the value at rank ceil(percent / 100 * n) (1-based) of the sorted
// values, so it is always one of the values and never an interpolation; -1 for no values.
// Sorts its own copy (partially).
qint64 nearestRankPercentile(QList<qint64> values, double percent);

} // namespace Parafetch

Q_DECLARE_METATYPE(Parafetch::RunSummary)
