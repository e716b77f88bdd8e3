// SPDX-License-Identifier: GPL-3.0-or-later
// EtaEstimator against hand-computed answers: scripted snapshots of a run (times given, no clock),
// and the snapshot taken from a queue (the text of an estimate is tst_formatting's).
#include "run/eta.h"

#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 NsPerSecond = 1'000'000'000;
constexpr int Workers = 16;

QString statusName(EtaEstimate::Status status)
{
    switch (status) {
    case EtaEstimate::Status::Unknown:
        return QStringLiteral("unknown");
    case EtaEstimate::Status::Estimating:
        return QStringLiteral("estimating");
    case EtaEstimate::Status::Paused:
        return QStringLiteral("paused");
    case EtaEstimate::Status::Known:
        return QStringLiteral("known");
    }
    return {};
}

QList<qint64> durations(int count, qint64 ns)
{
    return QList<qint64>(count, ns);
}

EtaSnapshot snapshot(int queued, const QList<EtaInFlight> &inFlight, const QList<qint64> &recent,
                     int workers = Workers)
{
    EtaSnapshot s;
    s.queued = queued;
    s.workers = workers;
    s.inFlight = inFlight;
    s.recentDurationsNs = recent;
    for (const EtaInFlight &url : inFlight) {
        if (url.receivedBytes > 0 && url.elapsedNs > 0)
            s.bytesPerSecond += double(url.receivedBytes) * NsPerSecond / double(url.elapsedNs);
    }
    return s;
}

Job finishedJob(qint64 finishedAtNs, qint64 durationNs)
{
    Job job;
    job.state = JobState::Succeeded;
    job.startedAtNs = finishedAtNs - durationNs;
    job.finishedAtNs = finishedAtNs;
    return job;
}

} // namespace

Q_DECLARE_METATYPE(EtaSnapshot)

class TestEta : public QObject
{
    Q_OBJECT

private slots:
    void estimate_data();
    void estimate();
    void snapshotOfAQueue();
};

void TestEta::estimate_data()
{
    QTest::addColumn<EtaSnapshot>("input");
    QTest::addColumn<QString>("status");
    QTest::addColumn<qint64>("atLeastNs"); // Known only: the answer lies in [atLeastNs, atMostNs]
    QTest::addColumn<qint64>("atMostNs");
    QTest::addColumn<bool>("lowerBound");

    const QString known = QStringLiteral("known");
    const QString unknown = QStringLiteral("unknown");
    const QString estimating = QStringLiteral("estimating");
    const QList<qint64> fast = durations(EtaEstimator::RecentDurationCount, 50 * NsPerMs);

    // 30 KB at 1.3 KB/s, 1 KB in (0.79 s): 29 KB / 1.3 KB/s = 22.8 s, however fast the others
    // were. The rate of finished URLs said about 1 s here.
    const qint64 dripElapsedNs = 1024 * NsPerSecond / 1300;
    QTest::newRow("a slow drip in flight after fast URLs: its own bytes left at its rate")
        << snapshot(0, { { 1024, 30 * 1024, dripElapsedNs } }, fast) << known << 22 * NsPerSecond
        << 23 * NsPerSecond << false;
    // 800 kB at 100 kB/s, 2 s in: 6 s to go, whatever 8 workers spread it over.
    QTest::newRow("an 8 s URL 2 s in, many fast ones finished: at least its 6 s")
        << snapshot(0, { { 200'000, 800'000, 2 * NsPerSecond } }, fast, 8) << known
        << 6 * NsPerSecond << 6 * NsPerSecond + NsPerMs << false;
    // 16 in flight halfway (25 ms each), 1000 queued × 50 ms, over 16: 50.4 s / 16 = 3.15 s.
    QTest::newRow("1000 queued 50 ms URLs on 16 workers: about 3 s")
        << snapshot(1000, QList<EtaInFlight>(Workers, { 500, 1000, 25 * NsPerMs }), fast) << known
        << 3150 * NsPerMs << 3150 * NsPerMs + 1 << false;
    QTest::newRow("nothing finished, sizes unknown: unknown")
        << snapshot(5, { { 0, -1, NsPerSecond }, { 4096, -1, NsPerSecond } }, {}) << unknown
        << qint64(-1) << qint64(-1) << false;
    QTest::newRow("nothing finished, nothing started: unknown")
        << snapshot(10, {}, {}) << unknown << qint64(-1) << qint64(-1) << false;
    QTest::newRow("an unsized URL and too few finished for a median: estimating")
        << snapshot(0, { { 0, -1, NsPerSecond } }, durations(1, NsPerSecond)) << estimating
        << qint64(-1) << qint64(-1) << false;
    QTest::newRow("a sized URL without bytes, nothing finished and no rate: unknown")
        << snapshot(0, { { 0, 5000, NsPerSecond } }, {}) << unknown << qint64(-1) << qint64(-1)
        << false;
    // 1000 of 3000 bytes in 1 s: 2 s more.
    QTest::newRow("nothing finished, the one URL left is sized and moving: known")
        << snapshot(0, { { 1000, 3000, NsPerSecond } }, {}) << known << 2 * NsPerSecond
        << 2 * NsPerSecond << false;
    QTest::newRow("nothing finished yet, URLs queued: estimating")
        << snapshot(5, { { 1000, 3000, NsPerSecond } }, {}) << estimating << qint64(-1)
        << qint64(-1) << false;
    QTest::newRow("too few finished for a median: estimating")
        << snapshot(5, {}, durations(EtaEstimator::MinDurationSamples - 1, NsPerSecond))
        << estimating << qint64(-1) << qint64(-1) << false;
    QTest::newRow("everything finished: nothing left")
        << snapshot(0, {}, fast) << known << qint64(0) << qint64(0) << false;
    // Seen in the real window: a body whose every byte is in, still waiting for its end, read
    // "about 0 s". Work in flight is never nothing left.
    QTest::newRow("a URL with all its bytes in but not finished: more than nothing")
        << snapshot(0, { { 1000, 1000, 500 * NsPerMs } }, fast) << known << qint64(1) << NsPerSecond
        << false;
    // One worker at 100 ms per URL, 80 queued: 8 s.
    QTest::newRow("steady: queued × the median duration")
        << snapshot(80, {}, durations(20, 100 * NsPerMs), 1) << known << 8 * NsPerSecond
        << 8 * NsPerSecond << false;
    QTest::newRow("the median, not the mean: one outlier does not move it")
        << snapshot(80, {}, { 100 * NsPerMs, 100 * NsPerMs, 100 * NsPerMs, 60 * NsPerSecond }, 1)
        << known << 8 * NsPerSecond << 8 * NsPerSecond << false;
    // 4 × 0.5 s in flight + 10 × 1 s queued = 12 s of work over 4 workers.
    QTest::newRow("the work left spread over the workers")
        << snapshot(10, QList<EtaInFlight>(4, { 500, 1000, 500 * NsPerMs }),
                    durations(10, NsPerSecond), 4)
        << known << 3 * NsPerSecond << 3 * NsPerSecond << false;
    // More queued URLs than before at the same pace: the time grows with them.
    QTest::newRow("URLs added: the work left grows")
        << snapshot(170, {}, durations(20, 100 * NsPerMs), 1) << known << 17 * NsPerSecond
        << 17 * NsPerSecond << false;
    // A: 1000 of 2000 in 1 s (1000 B/s); B: headers only, 3000 to come at half of all 1000 B/s.
    QTest::newRow("a sized URL without bytes yet gets its share of the aggregate rate")
        << snapshot(0, { { 1000, 2000, NsPerSecond }, { 0, 3000, 100 * NsPerMs } }, {}, 2) << known
        << 6 * NsPerSecond << 6 * NsPerSecond << false;
    // Median 1 s, 0.4 s in: at least 0.6 s more; its size could make it longer.
    QTest::newRow("an unsized URL with a history: a lower bound from the median")
        << snapshot(0, { { 0, -1, 400 * NsPerMs } }, durations(10, NsPerSecond)) << known
        << 600 * NsPerMs << 600 * NsPerMs << true;
    QTest::newRow("an unsized URL past the median counts nothing less than 0")
        << snapshot(0, { { 0, -1, 5 * NsPerSecond }, { 100, 1100, 100 * NsPerMs } },
                    durations(10, NsPerSecond))
        << known << NsPerSecond << NsPerSecond << true;
    QTest::newRow("only unsized URLs past the median: at least nothing tells nothing")
        << snapshot(0, { { 0, -1, 5 * NsPerSecond } }, durations(10, NsPerSecond)) << unknown
        << qint64(-1) << qint64(-1) << false;
    QTest::newRow("a fraction of a nanosecond rounds up")
        << snapshot(2, {}, durations(3, 1), 3) << known << qint64(1) << qint64(1) << false;
    EtaSnapshot paused = snapshot(1000, {}, fast);
    paused.paused = true;
    QTest::newRow("paused") << paused << QStringLiteral("paused") << qint64(-1) << qint64(-1)
                            << false;
}

void TestEta::estimate()
{
    QFETCH(EtaSnapshot, input);
    QFETCH(QString, status);
    QFETCH(qint64, atLeastNs);
    QFETCH(qint64, atMostNs);
    QFETCH(bool, lowerBound);
    const EtaEstimate eta = EtaEstimator::estimate(input);
    QCOMPARE(statusName(eta.status), status);
    if (eta.status != EtaEstimate::Status::Known) {
        QCOMPARE(eta.remainingNs, qint64(-1));
        return;
    }
    QVERIFY2(eta.remainingNs >= atLeastNs && eta.remainingNs <= atMostNs,
             qPrintable(QStringLiteral("%1 ns").arg(eta.remainingNs)));
    QCOMPARE(eta.lowerBound, lowerBound);
}

void TestEta::snapshotOfAQueue()
{
    const qint64 now = 100 * NsPerSecond;
    QList<Job> jobs;
    // The most recent finishes sit first in the list: recency is by finish time, not by row.
    for (int i = 0; i < EtaEstimator::RecentDurationCount; ++i)
        jobs.append(finishedJob((60 + i) * NsPerSecond, 100 * NsPerMs));
    for (int i = 0; i < 10; ++i)
        jobs.append(finishedJob((10 + i) * NsPerSecond, 5 * NsPerSecond)); // an earlier slow host
    Job retried; // 2000 of 8000 bytes in the 2 s of its second attempt
    retried.state = JobState::Running;
    retried.startedAtNs = now - 5 * NsPerSecond;
    retried.attemptStartedAtNs = now - 2 * NsPerSecond;
    retried.bytesReceived = 2000;
    retried.bytesTotal = 8000;
    jobs.append(retried);
    Job waiting; // no headers yet
    waiting.state = JobState::Running;
    waiting.startedAtNs = now - NsPerSecond;
    waiting.attemptStartedAtNs = now - NsPerSecond;
    jobs.append(waiting);
    for (int i = 0; i < 5; ++i)
        jobs.append(Job {});
    Job neverStarted;
    neverStarted.state = JobState::Cancelled;
    neverStarted.finishedAtNs = now;
    jobs.append(neverStarted);

    const EtaSnapshot s = etaSnapshot(jobs, now, 4, true);
    QCOMPARE(s.queued, 5);
    QCOMPARE(s.workers, 4);
    QVERIFY(s.paused);
    QCOMPARE(s.recentDurationsNs, durations(EtaEstimator::RecentDurationCount, 100 * NsPerMs));
    QCOMPARE(s.inFlight.size(), 2);
    QCOMPARE(s.inFlight.at(0).elapsedNs, 2 * NsPerSecond);
    QCOMPARE(s.inFlight.at(0).receivedBytes, qint64(2000));
    QCOMPARE(s.inFlight.at(0).totalBytes, qint64(8000));
    QCOMPARE(s.inFlight.at(1).elapsedNs, NsPerSecond);
    QCOMPARE(s.inFlight.at(1).totalBytes, qint64(-1));
    QCOMPARE(s.bytesPerSecond, 1000.0);
}

QTEST_APPLESS_MAIN(TestEta)
#include "tst_eta.moc"
