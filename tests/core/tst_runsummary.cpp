// SPDX-License-Identifier: GPL-3.0-or-later
// RunSummary arithmetic against hand-computed answers (USERS.md item 12: statistics computed
// wrongly).
#include "jobqueuemodel.h"
#include "runsummary.h"
#include "testsupport.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Parafetch;
using Parafetch::TestSupport::differingFields;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 NsPerSecond = 1'000'000'000;
constexpr quint32 RandomSeed = 20240501; // fixed, so a failure reproduces

using Values = QList<qint64>;
using Intervals = QList<QPair<qint64, qint64>>; // (start, finish) in ns

Job finishedJob(qint64 startNs, qint64 finishNs, JobState state = JobState::Succeeded,
                ErrorKind kind = ErrorKind::None)
{
    Job job;
    job.state = state;
    job.errorKind = kind;
    job.queuedAtNs = 0;
    job.startedAtNs = startNs;
    job.finishedAtNs = finishNs;
    return job;
}

QList<Job> jobsWithDurations(const Values &durations)
{
    QList<Job> jobs;
    for (qint64 duration : durations)
        jobs.append(finishedJob(0, duration));
    return jobs;
}

// A job in any state, with times, TTFB and size drawn at random (and the same again for the
// same generator state). Times are whole milliseconds, so equal values happen.
Job randomJob(QRandomGenerator &random)
{
    constexpr quint32 MaxStartMs = 10'000;
    constexpr quint32 MaxDurationMs = 3'000;
    constexpr int MaxWaitUs = 500'000;
    Job job;
    job.state = JobState(random.bounded(int(JobState::Cancelled) + 1));
    job.errorKind = job.state == JobState::Failed
        ? ErrorKind(1 + random.bounded(ErrorKindCount - 1))
        : ErrorKind::None;
    if (job.state != JobState::Queued) {
        job.startedAtNs = qint64(random.bounded(MaxStartMs)) * NsPerMs;
        job.waitUs = random.bounded(2) ? random.bounded(MaxWaitUs) : -1;
    }
    if (job.isFinished())
        job.finishedAtNs = job.startedAtNs + qint64(random.bounded(MaxDurationMs)) * NsPerMs;
    else if (job.state == JobState::Running && random.bounded(4) != 0)
        job.updatedAtNs = job.startedAtNs + qint64(random.bounded(MaxDurationMs)) * NsPerMs;
    job.bytesReceived = random.bounded(1 << 20);
    // Now and then a result restored from an earlier run (its times then belong to that run).
    job.restored = job.isFinished() && random.bounded(5) == 0;
    return job;
}

Values oneTo(int n)
{
    Values values;
    for (int i = 1; i <= n; ++i)
        values.append(i);
    // Shuffled with a fixed seed: the percentile must not depend on the input order.
    QRandomGenerator random(RandomSeed);
    std::shuffle(values.begin(), values.end(), random);
    return values;
}

} // namespace

class TestRunSummary : public QObject
{
    Q_OBJECT

private slots:
    void idleGaps_data();
    void idleGaps();
    void percentiles_data();
    void percentiles();
    void histogram_data();
    void histogram();
    void percentileOddPercents();
    void percentileMeetsItsDefinition();
    void wallSerialSpeedup_data();
    void wallSerialSpeedup();
    void wallCountsOnlyTimeInFlight_data();
    void wallCountsOnlyTimeInFlight();
    void trackerFollowsOneJobThroughItsLife();
    void throughputOverWall();
    void countsByStateAndErrorKind();
    void unfinishedJobsCountButDoNotMeasure();
    void cancelledBeforeStarting();
    void restoredResultsCountAsDoneButAreNotTimed();
    void ttfbIgnoresUnknown();
    void emptyRun();
    void totalsSaturateInsteadOfOverflowing();
    void builderMatchesComputeAtEveryStep();
    void trackerMatchesComputeThroughAddsChangesAndRemovals_data();
    void trackerMatchesComputeThroughAddsChangesAndRemovals();
    void trackerSumsPastTheSaturationPointExactly();
};

void TestRunSummary::percentiles_data()
{
    QTest::addColumn<Values>("values");
    QTest::addColumn<qint64>("p50");
    QTest::addColumn<qint64>("p90");
    QTest::addColumn<qint64>("p99");

    QTest::newRow("no values: every percentile unknown (-1), never 0")
        << Values {} << -1LL << -1LL << -1LL;
    QTest::newRow("one value is every percentile") << Values { 7 } << 7LL << 7LL << 7LL;
    QTest::newRow("two values: p50 the lower (rank 1), p90 and p99 the upper (rank 2)")
        << Values { 30, 10 } << 10LL << 30LL << 30LL;
    QTest::newRow("three small values: p99 is the largest, not 0")
        << Values { 2, 3, 1 } << 2LL << 3LL << 3LL;
    QTest::newRow("ten values 1..10: ranks 5, 9, 10") << oneTo(10) << 5LL << 9LL << 10LL;
    QTest::newRow("hundred values 1..100: ranks 50, 90, 99") << oneTo(100) << 50LL << 90LL << 99LL;
    QTest::newRow("thousand values 1..1000: ranks 500, 900, 990")
        << oneTo(1000) << 500LL << 900LL << 990LL;
    QTest::newRow("all equal") << Values(5, 42) << 42LL << 42LL << 42LL;
    QTest::newRow("one slow outlier in 100 lies above p99 (rank 99 of 100)") << [] {
        Values v(99, 10);
        v.append(5000);
        return v;
    }() << 10LL << 10LL << 10LL;
    QTest::newRow("two slow outliers in 100 reach p99") << [] {
        Values v(98, 10);
        v.append({ 5000, 6000 });
        return v;
    }() << 10LL << 10LL << 5000LL;
}

void TestRunSummary::percentiles()
{
    QFETCH(Values, values);
    QFETCH(qint64, p50);
    QFETCH(qint64, p90);
    QFETCH(qint64, p99);

    QCOMPARE(nearestRankPercentile(values, 50), p50);
    QCOMPARE(nearestRankPercentile(values, 90), p90);
    QCOMPARE(nearestRankPercentile(values, 99), p99);

    // The same through the summary, as durations of finished jobs...
    const RunSummary summary = RunSummary::compute(jobsWithDurations(values));
    QCOMPARE(summary.p50Ns, p50);
    QCOMPARE(summary.p90Ns, p90);
    QCOMPARE(summary.p99Ns, p99);

    // ...and as TTFB.
    QList<Job> jobs;
    for (qint64 value : values) {
        Job job;
        job.waitUs = qint32(value);
        jobs.append(job);
    }
    const RunSummary ttfb = RunSummary::compute(jobs);
    QCOMPARE(ttfb.ttfbP50Us, p50);
    QCOMPARE(ttfb.ttfbP90Us, p90);
}

void TestRunSummary::histogram_data()
{
    QTest::addColumn<Values>("durationsMs");
    QTest::addColumn<Values>("boundsUs");
    QTest::addColumn<Values>("counts");
    QTest::addColumn<Values>("percentilesUs"); // p50, p90, p95, p99

    QTest::newRow("no URL finished: no buckets")
        << Values {} << Values {} << Values {} << Values { -1, -1, -1, -1 };
    QTest::newRow("one URL of 3 ms: one bucket, 2 to 5 ms")
        << Values { 3 } << Values { 2000, 5000 } << Values { 1 }
        << Values { 3000, 3000, 3000, 3000 };
    QTest::newRow("a bound belongs to the bucket above it")
        << Values { 1, 2, 5, 10 } << Values { 1000, 2000, 5000, 10000, 20000 }
        << Values { 1, 1, 1, 1 } << Values { 2000, 10000, 10000, 10000 };
    QTest::newRow("1 to 100 ms: 1-2-5 buckets, p95 and p99 marked")
        << oneTo(100) << Values { 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000 }
        << Values { 1, 3, 5, 10, 30, 50, 1 } << Values { 50000, 90000, 95000, 99000 };
    QTest::newRow("under 100 µs: the first bucket starts at 0")
        << Values { 0, 0, 1 } << Values { 0, 100, 200, 500, 1000, 2000 } << Values { 2, 0, 0, 0, 1 }
        << Values { 0, 1000, 1000, 1000 };
    QTest::newRow("past 1000 s: the last bucket reaches the largest value")
        << Values { 500'000, 2'000'000 } << Values { 500'000'000, 1'000'000'000, 2'000'000'001 }
        << Values { 1, 1 } << Values { 500'000'000, 2'000'000'000, 2'000'000'000, 2'000'000'000 };
}

// Buckets from the smallest to the largest per-URL time, counts adding up to the finished URLs,
// and the same nearest-rank percentiles as the summary's.
void TestRunSummary::histogram()
{
    QFETCH(Values, durationsMs);
    QFETCH(Values, boundsUs);
    QFETCH(Values, counts);
    QFETCH(Values, percentilesUs);

    Values durationsNs;
    for (qint64 ms : durationsMs)
        durationsNs.append(ms * 1'000'000);
    const RunSummary summary = RunSummary::compute(jobsWithDurations(durationsNs));
    const LatencyHistogram &histogram = summary.durationHistogram;
    QCOMPARE(Values(histogram.boundsUs.begin(), histogram.boundsUs.end()), boundsUs);
    QCOMPARE(Values(histogram.counts.begin(), histogram.counts.end()), counts);
    QCOMPARE(histogram.total(), summary.finished());
    QCOMPARE((Values { histogram.p50Us, histogram.p90Us, histogram.p95Us, histogram.p99Us }),
             percentilesUs);
    if (!durationsMs.isEmpty()) {
        QCOMPARE(histogram.p50Us * 1000, summary.p50Ns);
        QCOMPARE(histogram.p99Us * 1000, summary.p99Ns);
    }
}

void TestRunSummary::percentileOddPercents()
{
    const Values values = oneTo(10);
    QCOMPARE(nearestRankPercentile(values, 0), 1);
    QCOMPARE(nearestRankPercentile(values, -5), 1);
    QCOMPARE(nearestRankPercentile(values, 100), 10);
    QCOMPARE(nearestRankPercentile(values, 250), 10);
    QCOMPARE(nearestRankPercentile(values, std::numeric_limits<double>::quiet_NaN()), 1);
    QCOMPARE(nearestRankPercentile(values, 10), 1); // ceil(1.0) = 1
    QCOMPARE(nearestRankPercentile(values, 10.5), 2); // ceil(1.05) = 2
    // Where percent / 100 * n is a hair above the whole number in floating point.
    QCOMPARE(nearestRankPercentile(oneTo(100), 55), 55);
    QCOMPARE(nearestRankPercentile(oneTo(100), 7), 7);
    QCOMPARE(nearestRankPercentile(oneTo(50), 14), 7);
}

// Random samples against the definition itself: the p-th percentile v is a sample value, at
// least p% of the samples are <= v, and fewer than p% are < v. Also the mean (what an average
// line would show) lies between the smallest and the largest sample, and p50 <= p90 <= p99.
void TestRunSummary::percentileMeetsItsDefinition()
{
    constexpr int Rounds = 200;
    constexpr int MaxCount = 300;
    constexpr quint32 MaxValue = 1000; // small, so that ties are common
    const QList<double> percents = { 1, 25, 50, 75, 90, 95, 99, 99.9 };
    QRandomGenerator random(RandomSeed);
    for (int round = 0; round < Rounds; ++round) {
        const int n = 1 + random.bounded(MaxCount);
        Values values;
        for (int i = 0; i < n; ++i)
            values.append(random.bounded(MaxValue));
        for (double percent : percents) {
            const qint64 v = nearestRankPercentile(values, percent);
            QVERIFY(values.contains(v));
            const auto atMost =
                std::count_if(values.cbegin(), values.cend(), [v](qint64 x) { return x <= v; });
            const auto below =
                std::count_if(values.cbegin(), values.cend(), [v](qint64 x) { return x < v; });
            QVERIFY2(atMost * 100.0 >= percent * n, qPrintable(QString::number(percent)));
            QVERIFY2(below * 100.0 < percent * n, qPrintable(QString::number(percent)));
        }
        const RunSummary summary = RunSummary::compute(jobsWithDurations(values));
        const double mean = double(summary.serialNs) / n;
        const auto [min, max] = std::minmax_element(values.cbegin(), values.cend());
        QVERIFY(mean >= double(*min) && mean <= double(*max));
        QVERIFY(summary.p50Ns <= summary.p90Ns && summary.p90Ns <= summary.p99Ns);
        QVERIFY(summary.p99Ns <= *max);
    }
}

void TestRunSummary::wallSerialSpeedup_data()
{
    QTest::addColumn<Intervals>("intervals");
    QTest::addColumn<qint64>("wall");
    QTest::addColumn<qint64>("serial");
    QTest::addColumn<double>("speedup");

    const qint64 s = NsPerSecond;
    QTest::newRow("4 jobs of 1 s, 2 at a time: wall 2 s, serial 4 s, speedup 2")
        << Intervals { { 0, s }, { 0, s }, { s, 2 * s }, { s, 2 * s } } << 2 * s << 4 * s << 2.0;
    QTest::newRow("3 jobs back to back: speedup 1")
        << Intervals { { 0, s }, { s, 2 * s }, { 2 * s, 3 * s } } << 3 * s << 3 * s << 1.0;
    QTest::newRow("nested: a 10 s job around two 1 s jobs: speedup 1.2")
        << Intervals { { 0, 10 * s }, { 2 * s, 3 * s }, { 5 * s, 6 * s } } << 10 * s << 12 * s
        << 1.2;
    QTest::newRow("a gap between jobs is not wall time: speedup 1")
        << Intervals { { 0, s }, { 3 * s, 4 * s } } << 2 * s << 2 * s << 1.0;
    QTest::newRow("first start is not the first job's: order does not matter")
        << Intervals { { 5 * s, 6 * s }, { 2 * s, 4 * s } } << 3 * s << 3 * s << 1.0;
    QTest::newRow("two bursts of 2 at a time a minute apart: wall is the bursts' sum")
        << Intervals { { 0, 2 * s }, { 0, 2 * s }, { 62 * s, 65 * s }, { 63 * s, 65 * s } } << 5 * s
        << 9 * s << 1.8;
    QTest::newRow("overlapping chain: each starts before the last ends")
        << Intervals { { 0, 2 * s }, { s, 3 * s }, { 2 * s + s / 2, 5 * s } } << 5 * s
        << (2 * s + 2 * s + 2 * s + s / 2) << 1.3;
    QTest::newRow("one ends as the next starts, then a gap, then two identical")
        << Intervals { { 0, s }, { s, 2 * s }, { 10 * s, 12 * s }, { 10 * s, 12 * s } } << 4 * s
        << 6 * s << 1.5;
    QTest::newRow("a later job nested in an earlier long one, listed first")
        << Intervals { { 3 * s, 4 * s }, { 0, 10 * s } } << 10 * s << 11 * s << 1.1;
    QTest::newRow("instantaneous job: wall 0, speedup 0 (no division by zero)")
        << Intervals { { s, s } } << 0LL << 0LL << 0.0;
    QTest::newRow("no job: wall 0, speedup 0") << Intervals {} << 0LL << 0LL << 0.0;
    QTest::newRow("times far from zero (monotonic clock of a long-running machine)")
        << Intervals { { 1'000'000 * s, 1'000'000 * s + 3 * NsPerMs },
                       { 1'000'000 * s + NsPerMs, 1'000'000 * s + 4 * NsPerMs } }
        << 4 * NsPerMs << 6 * NsPerMs << 1.5;
}

void TestRunSummary::wallSerialSpeedup()
{
    QFETCH(Intervals, intervals);
    QFETCH(qint64, wall);
    QFETCH(qint64, serial);
    QFETCH(double, speedup);

    QList<Job> jobs;
    for (const auto &[start, finish] : intervals)
        jobs.append(finishedJob(start, finish));
    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.wallNs, wall);
    QCOMPARE(summary.serialNs, serial);
    QCOMPARE(summary.speedup, speedup);
    if (!intervals.isEmpty()) {
        const auto first = std::min_element(intervals.cbegin(), intervals.cend());
        QCOMPARE(summary.firstStartNs, first->first);
        const auto last =
            std::max_element(intervals.cbegin(), intervals.cend(),
                             [](const auto &a, const auto &b) { return a.second < b.second; });
        QCOMPARE(summary.lastFinishNs, last->second);
    } else {
        QCOMPARE(summary.firstStartNs, -1);
        QCOMPARE(summary.lastFinishNs, -1);
    }
}

void TestRunSummary::wallCountsOnlyTimeInFlight_data()
{
    QTest::addColumn<QList<Job>>("jobs");
    QTest::addColumn<qint64>("wall");
    QTest::addColumn<qint64>("serial");

    const qint64 s = NsPerSecond;
    const auto running = [](qint64 startNs, qint64 updatedNs) {
        Job job;
        job.state = JobState::Running;
        job.startedAtNs = startNs;
        job.updatedAtNs = updatedNs;
        return job;
    };
    Job cancelledUnstarted = finishedJob(-1, 30 * s, JobState::Cancelled, ErrorKind::Cancelled);
    Job requeued; // Retry Failed made the failed job a fresh queued one: no times left

    // A run of 10 s (one failure), a minute's wait, then Retry Failed ran it again for 2 s.
    QTest::newRow("a retry after an idle minute: 10 s + 2 s, not 72 s")
        << QList<Job> { finishedJob(0, 10 * s), finishedJob(0, 8 * s), finishedJob(s, 9 * s),
                        finishedJob(70 * s, 72 * s) }
        << 12 * s << 28 * s;
    QTest::newRow("while retrying: the requeued job waits, adding nothing")
        << QList<Job> { finishedJob(0, 10 * s), finishedJob(0, 8 * s), requeued } << 10 * s
        << 18 * s;
    // Pause: the jobs in flight finish (up to 6 s), the others stay queued; resume at 18 s.
    QTest::newRow("12 s of pause are not wall time")
        << QList<Job> { finishedJob(0, 5 * s), finishedJob(0, 6 * s), finishedJob(18 * s, 23 * s),
                        finishedJob(18 * s, 22 * s) }
        << 11 * s << 20 * s;
    QTest::newRow("a paused run: what finished, and the queued rest, adds nothing")
        << QList<Job> { finishedJob(0, 5 * s), finishedJob(0, 6 * s), Job(), Job() } << 6 * s
        << 11 * s;
    QTest::newRow("cancelled while running: in flight until it was cancelled")
        << QList<Job> { finishedJob(0, 2 * s),
                        finishedJob(5 * s, 8 * s, JobState::Cancelled, ErrorKind::Cancelled) }
        << 5 * s << 5 * s;
    QTest::newRow("cancelled before it started: no interval, however late it was cancelled")
        << QList<Job> { finishedJob(0, 2 * s), cancelledUnstarted } << 2 * s << 2 * s;
    QTest::newRow("running jobs count up to their last progress update")
        << QList<Job> { finishedJob(0, 2 * s), running(s, 4 * s), running(10 * s, 11 * s) } << 5 * s
        << 2 * s;
    QTest::newRow("a running job not yet updated adds nothing")
        << QList<Job> { finishedJob(0, 2 * s), running(5 * s, -1) } << 2 * s << 2 * s;
}

void TestRunSummary::wallCountsOnlyTimeInFlight()
{
    QFETCH(QList<Job>, jobs);
    QFETCH(qint64, wall);
    QFETCH(qint64, serial);

    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.wallNs, wall);
    QCOMPARE(summary.serialNs, serial);
    QCOMPARE(summary.speedup, double(serial) / double(wall));

    RunSummaryTracker tracker;
    for (const Job &job : std::as_const(jobs))
        tracker.add(job);
    QCOMPARE(tracker.result().wallNs, wall);
    QVERIFY(differingFields(tracker.result(), summary).isEmpty());
}

void TestRunSummary::trackerFollowsOneJobThroughItsLife()
{
    // The changes a queue model makes to one row, beside a finished job from 0 to 1 s; the
    // wall follows the row's interval as it grows, shrinks to its finish, and goes on retry.
    const qint64 s = NsPerSecond;
    RunSummaryTracker tracker;
    tracker.add(finishedJob(0, s));
    Job job;
    tracker.add(job);
    const auto step = [&](Job next, qint64 expectedWall) {
        const JobFigures before = JobFigures::of(job);
        job = next;
        tracker.change(before, JobFigures::of(job));
        QCOMPARE(tracker.result().wallNs, expectedWall);
        QCOMPARE(tracker.result().wallNs, RunSummary::compute({ finishedJob(0, s), job }).wallNs);
    };
    Job next = job;
    next.state = JobState::Running;
    next.startedAtNs = next.updatedAtNs = 5 * s; // started: nothing in flight measured yet
    step(next, s);
    next.updatedAtNs = 7 * s; // a progress update
    step(next, 3 * s);
    next.updatedAtNs = 8 * s;
    step(next, 4 * s);
    next.state = JobState::Failed; // it had finished just before the last update was taken
    next.errorKind = ErrorKind::TimedOut;
    next.finishedAtNs = 7 * s + s / 2;
    step(next, 3 * s + s / 2);
    step(Job(), s); // Retry Failed: queued afresh
    next = finishedJob(60 * s, 62 * s);
    step(next, 3 * s);
    tracker.remove(job);
    QCOMPARE(tracker.result().wallNs, s);
}

void TestRunSummary::throughputOverWall()
{
    constexpr qint64 MiB = 1 << 20;
    QList<Job> jobs;
    for (int i = 0; i < 4; ++i) {
        Job job = finishedJob((i / 2) * NsPerSecond, (i / 2 + 1) * NsPerSecond);
        job.bytesReceived = MiB;
        jobs.append(job);
    }
    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.bytes, 4 * MiB);
    QCOMPARE(summary.wallNs, 2 * NsPerSecond);
    QCOMPARE(summary.bytesPerSecond, 2.0 * MiB);
    QCOMPARE(summary.requestsPerSecond, 2.0);
}

void TestRunSummary::countsByStateAndErrorKind()
{
    const qint64 s = NsPerSecond;
    QList<Job> jobs;
    jobs.append(Job()); // queued
    jobs.append(Job());
    Job running;
    running.state = JobState::Running;
    running.startedAtNs = 0;
    jobs.append(running);
    jobs.append(finishedJob(0, s));
    jobs.append(finishedJob(0, s));
    // A success with a stale kind still counts as a success, under None.
    jobs.append(finishedJob(0, s, JobState::Succeeded, ErrorKind::TimedOut));
    jobs.append(finishedJob(0, s, JobState::Failed, ErrorKind::HttpStatus));
    jobs.append(finishedJob(0, s, JobState::Failed, ErrorKind::HttpStatus));
    jobs.append(finishedJob(0, s, JobState::Failed, ErrorKind::TimedOut));
    jobs.append(finishedJob(0, s, JobState::Cancelled, ErrorKind::Cancelled));

    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.total, 10);
    QCOMPARE(summary.queued, 2);
    QCOMPARE(summary.running, 1);
    QCOMPARE(summary.succeeded, 3);
    QCOMPARE(summary.failed, 3);
    QCOMPARE(summary.cancelled, 1);
    QCOMPARE(summary.finished(), 7);

    std::array<int, ErrorKindCount> expected {};
    expected[std::size_t(ErrorKind::None)] = 3;
    expected[std::size_t(ErrorKind::HttpStatus)] = 2;
    expected[std::size_t(ErrorKind::TimedOut)] = 1;
    expected[std::size_t(ErrorKind::Cancelled)] = 1;
    for (int kind = 0; kind < ErrorKindCount; ++kind) {
        QVERIFY2(summary.byErrorKind[std::size_t(kind)] == expected[std::size_t(kind)],
                 qPrintable(errorKindName(ErrorKind(kind))));
    }
    int sum = 0;
    for (int count : summary.byErrorKind)
        sum += count;
    QCOMPARE(sum, summary.finished());
}

void TestRunSummary::unfinishedJobsCountButDoNotMeasure()
{
    const qint64 s = NsPerSecond;
    Job queued;
    queued.bytesReceived = 0;
    Job running;
    running.state = JobState::Running;
    running.startedAtNs = 0; // started first, so the wall starts with it
    running.updatedAtNs = 3 * s; // in flight until its last progress update at least
    running.bytesReceived = 500;
    running.waitUs = 700;
    QList<Job> jobs = { queued, running, finishedJob(s, 2 * s), finishedJob(s, 4 * s) };
    jobs[2].bytesReceived = 100;

    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.total, 4);
    QCOMPARE(summary.queued, 1);
    QCOMPARE(summary.running, 1);
    QCOMPARE(summary.succeeded, 2);
    QCOMPARE(summary.bytes, 600); // bytes of all jobs, finished or not
    QCOMPARE(summary.firstStartNs, 0); // the running job has started
    QCOMPARE(summary.lastFinishNs, 4 * s); // but not finished
    QCOMPARE(summary.wallNs, 4 * s);
    QCOMPARE(summary.serialNs, 4 * s); // 1 s + 3 s: only finished jobs
    QCOMPARE(summary.p50Ns, 1 * s); // ranks over the two finished jobs only
    QCOMPARE(summary.p99Ns, 3 * s);
    QCOMPARE(summary.requestsPerSecond, 0.5); // 2 finished in 4 s
    QCOMPARE(summary.ttfbP50Us, 700); // a running job's TTFB is already a measurement
}

void TestRunSummary::cancelledBeforeStarting()
{
    Job cancelled;
    cancelled.state = JobState::Cancelled;
    cancelled.errorKind = ErrorKind::Cancelled;
    cancelled.finishedAtNs = NsPerSecond; // finished, yet never started: no duration
    const RunSummary summary = RunSummary::compute({ cancelled, finishedJob(0, 2 * NsPerSecond) });
    QCOMPARE(summary.cancelled, 1);
    QCOMPARE(summary.byErrorKind[std::size_t(ErrorKind::Cancelled)], 1);
    QCOMPARE(summary.serialNs, 2 * NsPerSecond);
    QCOMPARE(summary.wallNs, 2 * NsPerSecond);
    QCOMPARE(summary.p50Ns, 2 * NsPerSecond); // only the measured job
    QCOMPARE(summary.p99Ns, 2 * NsPerSecond);
}

void TestRunSummary::restoredResultsCountAsDoneButAreNotTimed()
{
    // After a crash and Restore: three URLs the earlier run had finished (1 MiB each, 5 s each
    // on its clock), and two fetched here, 1 MiB each, both in flight from 0 to 1 s.
    constexpr qint64 MiB = 1 << 20;
    const qint64 s = NsPerSecond;
    QList<Job> earlier;
    for (int i = 0; i < 3; ++i) {
        Job job = finishedJob(100 * s, 105 * s);
        job.bytesReceived = MiB;
        job.waitUs = 900;
        earlier.append(job);
    }
    earlier[2].state = JobState::Failed;
    earlier[2].errorKind = ErrorKind::HttpStatus;
    QList<Job> timed = { finishedJob(0, s), finishedJob(0, s) };
    for (Job &job : timed) {
        job.bytesReceived = MiB;
        job.waitUs = 2000;
    }
    JobQueueModel model;
    QCOMPARE(model.addRestored(earlier), 3);
    QCOMPARE(model.addSaved(timed), 2);
    QVERIFY(model.jobAt(0).restored);
    QCOMPARE(model.jobAt(0).restoredDurationNs(), 5 * s); // what that run measured
    QVERIFY(!model.jobAt(3).restored);

    const RunSummary summary = model.summary();
    QVERIFY(differingFields(summary, RunSummary::compute(model.jobs())).isEmpty());
    // Counted as done...
    QCOMPARE(summary.total, 5);
    QCOMPARE(summary.finished(), 5);
    QCOMPARE(summary.succeeded, 4);
    QCOMPARE(summary.failed, 1);
    QCOMPARE(summary.byErrorKind[std::size_t(ErrorKind::HttpStatus)], 1);
    QCOMPARE(summary.bytes, 5 * MiB);
    QCOMPARE(summary.restoredDone, 3);
    QCOMPARE(summary.restoredBytes, 3 * MiB);
    // ...but every figure of time and rate is the work timed here.
    QCOMPARE(summary.wallNs, s);
    QCOMPARE(summary.serialNs, 2 * s);
    QCOMPARE(summary.speedup, 2.0);
    QCOMPARE(summary.bytesPerSecond, 2.0 * MiB);
    QCOMPARE(summary.requestsPerSecond, 2.0);
    QCOMPARE(summary.p50Ns, s);
    QCOMPARE(summary.p99Ns, s);
    QCOMPARE(summary.ttfbP50Us, 2000);
    QCOMPARE(summary.ttfbP90Us, 2000);

    // A restored record that still carries the earlier run's instants is not timed either.
    Job stale = finishedJob(100 * s, 105 * s);
    stale.restored = true;
    stale.waitUs = 900;
    const RunSummary withStale = RunSummary::compute({ stale, timed.at(0) });
    QCOMPARE(withStale.restoredDone, 1);
    QCOMPARE(withStale.wallNs, s);
    QCOMPARE(withStale.serialNs, s);
    QCOMPARE(withStale.firstStartNs, 0);
    QCOMPARE(withStale.lastFinishNs, s);
    QCOMPARE(withStale.requestsPerSecond, 1.0);
    QCOMPARE(withStale.ttfbP90Us, 2000);

    // Put back into the queue (Retry), a restored row is an ordinary job again.
    QCOMPARE(model.requeue({ 2 }), 1);
    QVERIFY(!model.jobAt(2).restored);
    QCOMPARE(model.summary().restoredDone, 2);
}

void TestRunSummary::ttfbIgnoresUnknown()
{
    QList<Job> jobs;
    for (qint32 wait : { -1, 300, -1, 100, 200 }) {
        Job job = finishedJob(0, NsPerSecond);
        job.waitUs = wait;
        jobs.append(job);
    }
    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.ttfbP50Us, 200); // of {100, 200, 300}: rank ceil(1.5) = 2
    QCOMPARE(summary.ttfbP90Us, 300); // rank ceil(2.7) = 3
}

void TestRunSummary::totalsSaturateInsteadOfOverflowing()
{
    // Imported files may hold any numbers; two huge jobs must not wrap around to negative.
    constexpr qint64 Max = std::numeric_limits<qint64>::max();
    QList<Job> jobs(2);
    for (Job &job : jobs) {
        job.state = JobState::Succeeded;
        job.bytesReceived = Max;
        job.startedAtNs = 0;
        job.finishedAtNs = Max;
    }
    const RunSummary summary = RunSummary::compute(jobs);
    QCOMPARE(summary.bytes, Max);
    QCOMPARE(summary.serialNs, Max);
}

void TestRunSummary::emptyRun()
{
    const RunSummary summary = RunSummary::compute({});
    QVERIFY2(differingFields(summary, RunSummary()).isEmpty(),
             qPrintable(differingFields(summary, RunSummary()).join(u',')));
    QCOMPARE(summary.finished(), 0);
}

void TestRunSummary::builderMatchesComputeAtEveryStep()
{
    constexpr int Count = 300;
    QRandomGenerator random(RandomSeed);
    QList<Job> jobs;
    for (int i = 0; i < Count; ++i)
        jobs.append(randomJob(random));

    RunSummaryBuilder builder;
    for (int i = 0; i < jobs.size(); ++i) {
        builder.add(jobs.at(i));
        const RunSummary expected = RunSummary::compute(jobs.first(i + 1));
        const QStringList differing = differingFields(builder.result(), expected);
        QVERIFY2(
            differing.isEmpty(),
            qPrintable(QStringLiteral("after %1 jobs: %2").arg(i + 1).arg(differing.join(u','))));
    }
}

void TestRunSummary::trackerMatchesComputeThroughAddsChangesAndRemovals_data()
{
    QTest::addColumn<int>("steps");
    QTest::addColumn<int>("checkEvery"); // compute() after every this many steps

    QTest::newRow("a few hundred changes, checked after each") << 600 << 1;
    // More pending changes than the tracker keeps unmerged, so merges happen between reads.
    QTest::newRow("twenty thousand changes, checked now and then") << 20'000 << 997;
}

void TestRunSummary::trackerMatchesComputeThroughAddsChangesAndRemovals()
{
    QFETCH(int, steps);
    QFETCH(int, checkEvery);

    QRandomGenerator random(RandomSeed);
    QList<Job> jobs;
    RunSummaryTracker tracker;
    for (int step = 1; step <= steps; ++step) {
        // Mostly adds and changes, so the list grows; removals from anywhere in it.
        const quint32 action = jobs.isEmpty() ? 0 : random.bounded(10);
        if (action < 4) {
            jobs.append(randomJob(random));
            tracker.add(jobs.last());
        } else if (action < 9) {
            const qsizetype at = random.bounded(int(jobs.size()));
            const JobFigures before = JobFigures::of(jobs.at(at));
            jobs[at] = randomJob(random);
            tracker.change(before, JobFigures::of(jobs.at(at)));
        } else {
            const qsizetype at = random.bounded(int(jobs.size()));
            tracker.remove(jobs.at(at));
            jobs.removeAt(at);
        }
        if (step % checkEvery != 0 && step != steps)
            continue;
        const QStringList differing = differingFields(tracker.result(), RunSummary::compute(jobs));
        QVERIFY2(
            differing.isEmpty(),
            qPrintable(QStringLiteral("after %1 steps: %2").arg(step).arg(differing.join(u','))));
        for (const JobState state : { JobState::Queued, JobState::Running, JobState::Succeeded,
                                      JobState::Failed, JobState::Cancelled }) {
            QCOMPARE(tracker.count(state),
                     int(std::count_if(jobs.cbegin(), jobs.cend(),
                                       [state](const Job &job) { return job.state == state; })));
        }
    }
    QVERIFY(tracker.result().p99Ns > 0);

    tracker.clear();
    QVERIFY(differingFields(tracker.result(), RunSummary()).isEmpty());
}

void TestRunSummary::trackerSumsPastTheSaturationPointExactly()
{
    // Two huge jobs saturate the totals; taking one away again must leave exactly the other's
    // figures, as compute() of what is left says, not "saturated minus one".
    constexpr qint64 Max = std::numeric_limits<qint64>::max();
    Job huge;
    huge.state = JobState::Succeeded;
    huge.bytesReceived = Max - 1;
    huge.startedAtNs = 0;
    huge.finishedAtNs = Max - 1;
    Job small = finishedJob(0, NsPerSecond);
    small.bytesReceived = 10;

    RunSummaryTracker tracker;
    tracker.add(huge);
    tracker.add(huge);
    tracker.add(small);
    QCOMPARE(tracker.result().bytes, Max);
    QCOMPARE(tracker.result().serialNs, Max);
    tracker.remove(huge);
    const RunSummary expected = RunSummary::compute({ huge, small });
    QCOMPARE(expected.bytes, Max); // (Max - 1) + 10 saturates too
    QVERIFY(differingFields(tracker.result(), expected).isEmpty());
    tracker.remove(huge);
    QCOMPARE(tracker.result().bytes, qint64(10));
    QCOMPARE(tracker.result().serialNs, NsPerSecond);
}

void TestRunSummary::idleGaps_data()
{
    QTest::addColumn<QList<qint64>>("intervals"); // start, end, start, end, ... sorted by start
    QTest::addColumn<QList<qint64>>("expected"); // gaps of at least 100, the same way
    QTest::newRow("no jobs, no gaps") << QList<qint64> {} << QList<qint64> {};
    QTest::newRow("overlapping runs leave no gap")
        << QList<qint64> { 0, 50, 40, 90 } << QList<qint64> {};
    QTest::newRow("two runs 1000 apart")
        << QList<qint64> { 0, 50, 20, 60, 1060, 1100 } << QList<qint64> { 60, 1060 };
    QTest::newRow("a gap shorter than the minimum stays")
        << QList<qint64> { 0, 50, 149, 200 } << QList<qint64> {};
    QTest::newRow("a long job covers what starts and ends inside it")
        << QList<qint64> { 0, 5000, 100, 200, 5500, 5600 } << QList<qint64> { 5000, 5500 };
    QTest::newRow("a job that just started ends the gap")
        << QList<qint64> { 0, 50, 700, 700 } << QList<qint64> { 50, 700 };
}

void TestRunSummary::idleGaps()
{
    QFETCH(QList<qint64>, intervals);
    QFETCH(QList<qint64>, expected);
    std::vector<std::pair<qint64, qint64>> sorted;
    for (qsizetype i = 0; i + 1 < intervals.size(); i += 2)
        sorted.emplace_back(intervals.at(i), intervals.at(i + 1));
    QList<qint64> gaps;
    for (const auto &[start, end] : idleGapsNs(sorted, 100))
        gaps << start << end;
    QCOMPARE(gaps, expected);
}

QTEST_GUILESS_MAIN(TestRunSummary)
#include "tst_runsummary.moc"
