// SPDX-License-Identifier: GPL-3.0-or-later
// What-if: replaying measured per-URL times at other settings, on lists with known answers.
#include "run/sweeprunner.h"
#include "run/whatif.h"
#include "testsupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr int LargeRunUrls = 100'000;

Job timed(const QString &host, int line, qint64 durationMs, JobState state = JobState::Succeeded)
{
    Job job;
    job.url = QUrl(QStringLiteral("http://%1/%2").arg(host).arg(line));
    job.sourceLine = line;
    job.state = state;
    job.startedAtNs = 0;
    job.finishedAtNs = durationMs * NsPerMs;
    return job;
}

QList<Job> uniform(int count, qint64 durationMs, const QString &host = QStringLiteral("a.test"))
{
    QList<Job> jobs;
    for (int i = 0; i < count; ++i)
        jobs.append(timed(host, i + 1, durationMs));
    return jobs;
}

// 99 URLs of 10 ms, then one of 1 s at the end of the list.
QList<Job> straggledLast()
{
    QList<Job> jobs = uniform(99, 10);
    jobs.append(timed(QStringLiteral("slow.test"), 100, 1000));
    return jobs;
}

// Ten URLs of host a, then ten of host b, 10 ms each: grouped, as lists often are.
QList<Job> twoHostsGrouped()
{
    QList<Job> jobs = uniform(10, 10, QStringLiteral("a.test"));
    for (int i = 0; i < 10; ++i)
        jobs.append(timed(QStringLiteral("b.test"), 11 + i, 10));
    return jobs;
}

QList<Job> twoHostsInterleaved()
{
    QList<Job> jobs;
    for (int i = 0; i < 20; ++i)
        jobs.append(timed(i % 2 ? QStringLiteral("b.test") : QStringLiteral("a.test"), i + 1, 10));
    return jobs;
}

// 18 URLs of 10 ms, hosts a, b, c, a, b, c, …
QList<Job> threeHostsInterleaved()
{
    QList<Job> jobs;
    for (int i = 0; i < 18; ++i)
        jobs.append(timed(QStringLiteral("%1.test").arg(QChar(u'a' + i % 3)), i + 1, 10));
    return jobs;
}

} // namespace

class TestWhatIf : public QObject
{
    Q_OBJECT

private slots:
    void predictsTheWall_data();
    void predictsTheWall();
    void theStragglerIsTheUrlThatEndsLast();
    void failedAndCancelledJobsHeldALane();
    void restoredAndUnfinishedJobsAreLeftOutAndCounted();
    void anEmptyRunPredictsNothing();
    void calibrationFactorsAreInterpolated_data();
    void calibrationFactorsAreInterpolated();
    void calibrationComparesTheReplayWithAMeasuredWall();
    void measuredWallsOfTheSameListCalibrate_data();
    void measuredWallsOfTheSameListCalibrate();
    void workerListsParse_data();
    void workerListsParse();
    void sweepTablesReadBack();
    void badSweepTablesAreNamed_data();
    void badSweepTablesAreNamed();
    void aHundredThousandUrls();
};

void TestWhatIf::predictsTheWall_data()
{
    QTest::addColumn<QList<Job>>("jobs");
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("perHost");
    QTest::addColumn<WhatIfOrder>("order");
    QTest::addColumn<qint64>("wallMs");

    const QList<Job> hundred = uniform(100, 50);
    for (const int workers : { 1, 4, 16, 100, 128 }) {
        const qint64 rounds = (100 + workers - 1) / workers;
        QTest::addRow("100 x 50 ms at N = %d: ceil(100/N) x 50 ms = %lld ms", workers, rounds * 50)
            << hundred << workers << 0 << WhatIfOrder::Listed << rounds * 50;
        QTest::addRow("100 x 50 ms at N = %d, longest first: the same", workers)
            << hundred << workers << 0 << WhatIfOrder::LongestFirst << rounds * 50;
    }
    QTest::newRow("one straggler of 1 s at N = 100: its time is the wall")
        << straggledLast() << 100 << 0 << WhatIfOrder::Listed << qint64(1000);
    QTest::newRow("one straggler last in the list at N = 10: it starts after 9 rounds")
        << straggledLast() << 10 << 0 << WhatIfOrder::Listed << qint64(90 + 1000);
    QTest::newRow("one straggler at N = 10, longest first: it starts at once")
        << straggledLast() << 10 << 0 << WhatIfOrder::LongestFirst << qint64(1000);
    QTest::newRow("one straggler at N = 1: serial, whatever the order")
        << straggledLast() << 1 << 0 << WhatIfOrder::LongestFirst << qint64(99 * 10 + 1000);
    QTest::newRow("two hosts interleaved, no cap, N = 8: ceil(20/8) rounds")
        << twoHostsInterleaved() << 8 << 0 << WhatIfOrder::Listed << qint64(30);
    QTest::newRow("two hosts interleaved, cap 1, N = 8: each host serial")
        << twoHostsInterleaved() << 8 << 1 << WhatIfOrder::Listed << qint64(100);
    QTest::newRow("two hosts grouped, cap 1, N = 8: the lanes skip to the other host")
        << twoHostsGrouped() << 8 << 1 << WhatIfOrder::Listed << qint64(100);
    QTest::newRow("two hosts grouped, cap 2, N = 8: two at a time per host")
        << twoHostsGrouped() << 8 << 2 << WhatIfOrder::Listed << qint64(50);
    QTest::newRow("three hosts interleaved, cap 1, N = 2: the lanes limit first")
        << threeHostsInterleaved() << 2 << 1 << WhatIfOrder::Listed << qint64(90);
    QTest::newRow("one host, cap 1, N = 16: serial")
        << uniform(10, 10) << 16 << 1 << WhatIfOrder::Listed << qint64(100);
    QTest::newRow("one host, a cap of 2 x N or more binds nothing")
        << uniform(10, 10) << 2 << 4 << WhatIfOrder::Listed << qint64(50);
}

void TestWhatIf::predictsTheWall()
{
    QFETCH(QList<Job>, jobs);
    QFETCH(int, workers);
    QFETCH(int, perHost);
    QFETCH(WhatIfOrder, order);
    QFETCH(qint64, wallMs);

    const WhatIf whatIf(jobs);
    const WhatIfPrediction prediction = whatIf.predict({ workers, perHost, order });
    QCOMPARE(prediction.wallNs, wallMs * NsPerMs);
    QCOMPARE(prediction.serialNs, whatIf.serialNs());
    QCOMPARE(prediction.speedup(), double(whatIf.serialNs()) / double(wallMs * NsPerMs));
}

void TestWhatIf::theStragglerIsTheUrlThatEndsLast()
{
    const QList<Job> jobs = straggledLast();
    const WhatIf whatIf(jobs);
    const WhatIfPrediction wide = whatIf.predict({ 100, 0, WhatIfOrder::Listed });
    QCOMPARE(jobs.at(whatIf.jobIndex(wide.straggler)).sourceLine, 100);
    QCOMPARE(wide.stragglerNs, 1000 * NsPerMs);
    QCOMPARE(wide.stragglerShare(), 1.0);

    const WhatIfPrediction listed = whatIf.predict({ 10, 0, WhatIfOrder::Listed });
    const WhatIfPrediction longestFirst = whatIf.predict({ 10, 0, WhatIfOrder::LongestFirst });
    QVERIFY(longestFirst.wallNs < listed.wallNs);
    QCOMPARE(listed.stragglerShare(), 1000.0 / 1090.0);
    QCOMPARE(jobs.at(whatIf.jobIndex(longestFirst.straggler)).sourceLine, 100);

    // Uniform times at N = 1: the last URL of the list ends last.
    const WhatIf serial(uniform(5, 10));
    QCOMPARE(serial.jobIndex(serial.predict({ 1, 0, WhatIfOrder::Listed }).straggler), 4);
}

void TestWhatIf::failedAndCancelledJobsHeldALane()
{
    QList<Job> jobs = uniform(2, 10);
    Job failed = timed(QStringLiteral("a.test"), 3, 30, JobState::Failed);
    failed.errorKind = ErrorKind::TimedOut;
    failed.attempts = 3;
    jobs.append(failed);
    Job cancelled = timed(QStringLiteral("a.test"), 4, 5, JobState::Cancelled);
    cancelled.errorKind = ErrorKind::Cancelled;
    jobs.append(cancelled);

    const WhatIf whatIf(jobs);
    QCOMPARE(whatIf.replayedCount(), 4);
    QCOMPARE(whatIf.serialNs(), 55 * NsPerMs);
    QCOMPARE(whatIf.predict({ 1, 0, WhatIfOrder::Listed }).wallNs, 55 * NsPerMs);
    QCOMPARE(whatIf.predict({ 4, 0, WhatIfOrder::Listed }).wallNs, 30 * NsPerMs);
}

void TestWhatIf::restoredAndUnfinishedJobsAreLeftOutAndCounted()
{
    QList<Job> jobs = uniform(3, 10);
    Job restored;
    restored.url = QUrl(QStringLiteral("http://a.test/restored"));
    restored.state = JobState::Succeeded;
    restored.restored = true;
    restored.setRestoredDurationNs(500 * NsPerMs);
    jobs.append(restored);
    Job queued;
    queued.url = QUrl(QStringLiteral("http://a.test/queued"));
    jobs.append(queued);
    Job running = timed(QStringLiteral("a.test"), 6, 0, JobState::Running);
    running.finishedAtNs = -1;
    jobs.append(running);
    Job cancelledBeforeStart;
    cancelledBeforeStart.url = QUrl(QStringLiteral("http://a.test/never"));
    cancelledBeforeStart.state = JobState::Cancelled;
    jobs.append(cancelledBeforeStart);

    const WhatIf whatIf(jobs);
    QCOMPARE(whatIf.replayedCount(), 3);
    QCOMPARE(whatIf.restoredCount(), 1);
    QCOMPARE(whatIf.untimedCount(), 3);
    QCOMPARE(whatIf.serialNs(), 30 * NsPerMs);
    QCOMPARE(whatIf.predict({ 1, 0, WhatIfOrder::LongestFirst }).wallNs, 30 * NsPerMs);
}

void TestWhatIf::anEmptyRunPredictsNothing()
{
    const WhatIf whatIf({});
    QCOMPARE(whatIf.replayedCount(), 0);
    const WhatIfPrediction prediction = whatIf.predict({ 4, 1, WhatIfOrder::Listed });
    QCOMPARE(prediction.wallNs, 0);
    QCOMPARE(prediction.straggler, -1);
    QCOMPARE(prediction.speedup(), 0.0);
    QCOMPARE(prediction.stragglerShare(), 0.0);
    QVERIFY(!whatIf.calibrationAt(4, 0, 100 * NsPerMs).isValid());
}

void TestWhatIf::calibrationFactorsAreInterpolated_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<double>("factor");

    // Measured 1.0 x the replay at N = 4 and 2.0 x at N = 16.
    QTest::newRow("below the first level: the first level's factor") << 1 << 1.0;
    QTest::newRow("at a level: its own factor") << 16 << 2.0;
    QTest::newRow("half way in log2 between 4 and 16") << 8 << 1.5;
    QTest::newRow("beyond the last level: the last level's factor") << 128 << 2.0;
}

void TestWhatIf::calibrationFactorsAreInterpolated()
{
    QFETCH(int, workers);
    QFETCH(double, factor);

    WhatIfCalibration atFour;
    atFour.workers = 4;
    atFour.measuredWallNs = atFour.replayWallNs = 100 * NsPerMs;
    WhatIfCalibration atSixteen;
    atSixteen.workers = 16;
    atSixteen.measuredWallNs = 60 * NsPerMs;
    atSixteen.replayWallNs = 30 * NsPerMs;
    WhatIfCalibration unknown; // nothing measured: ignored
    unknown.workers = 8;
    QCOMPARE(WhatIf::factorFor({ atSixteen, unknown, atFour }, workers), factor);
    QCOMPARE(WhatIf::factorFor({}, workers), 1.0);
}

void TestWhatIf::calibrationComparesTheReplayWithAMeasuredWall()
{
    const WhatIf whatIf(uniform(100, 50));
    const WhatIfCalibration calibration = whatIf.calibrationAt(16, 0, 420 * NsPerMs);
    QCOMPARE(calibration.replayWallNs, 7 * 50 * NsPerMs);
    QCOMPARE(calibration.factor(), 420.0 / 350.0);
    QCOMPARE(calibration.error(), (350.0 - 420.0) / 420.0);
}

void TestWhatIf::measuredWallsOfTheSameListCalibrate_data()
{
    QTest::addColumn<int>("runWorkers");
    QTest::addColumn<qint64>("runWallMs");
    QTest::addColumn<QList<int>>("calibratedAt"); // in order: the run's, then the sweep's
    QTest::addColumn<qint64>("calibratedWallAtFourMs");

    // 100 URLs of 50 ms: the replay takes 1.25 s at N = 4 and 0.35 s at N = 16. The sweep
    // measured 0.42 s at N = 16 for this list (1.2 × the replay) and 0.3 s at N = 8 for a sample
    // of 50.
    QTest::newRow("the run's wall at its N, then the sweep's level of the same list")
        << 4 << qint64(1400) << QList<int> { 4, 16 } << qint64(1400);
    QTest::newRow("a run still going on: its wall is not known, the sweep's level calibrates")
        << 4 << qint64(-1) << QList<int> { 16 } << qint64(1500);
    QTest::newRow("a run whose N is not known: the sweep's level calibrates")
        << 0 << qint64(1400) << QList<int> { 16 } << qint64(1500);
}

void TestWhatIf::measuredWallsOfTheSameListCalibrate()
{
    QFETCH(int, runWorkers);
    QFETCH(qint64, runWallMs);
    QFETCH(QList<int>, calibratedAt);
    QFETCH(qint64, calibratedWallAtFourMs);

    const WhatIf whatIf(uniform(100, 50));
    WhatIfMeasurements measured;
    measured.listSize = 100;
    measured.workers = runWorkers;
    measured.wallNs = runWallMs > 0 ? runWallMs * NsPerMs : -1;
    SweepPoint sameList;
    sameList.concurrency = 16;
    sameList.urls = 100;
    sameList.wallNs = 420 * NsPerMs;
    SweepPoint sample;
    sample.concurrency = 8;
    sample.urls = 50;
    sample.wallNs = 300 * NsPerMs;
    measured.sweep = { sample, sameList };

    QList<SweepPoint> otherLists;
    const QList<WhatIfCalibration> calibrations = whatIf.calibrate(measured, &otherLists);
    QList<int> at;
    for (const WhatIfCalibration &calibration : calibrations) {
        at.append(calibration.workers);
        QCOMPARE(calibration.fromSweep, calibration.workers == 16);
        QCOMPARE(calibration.replayWallNs,
                 whatIf.predict({ calibration.workers, 0, WhatIfOrder::Listed }).wallNs);
    }
    QCOMPARE(at, calibratedAt);
    QCOMPARE(otherLists.size(), 1);
    QCOMPARE(otherLists.constFirst().urls, 50);

    // Where a wall was measured, the calibrated wall is that wall; elsewhere the nearest factor.
    const WhatIfPrediction atFour = whatIf.predict({ 4, 0, WhatIfOrder::Listed });
    QCOMPARE(atFour.wallNs, 1250 * NsPerMs);
    QCOMPARE(WhatIf::calibratedWallNs(calibrations, atFour), calibratedWallAtFourMs * NsPerMs);
    QCOMPARE(WhatIf::calibratedWallNs(calibrations, whatIf.predict({ 16, 0, WhatIfOrder::Listed })),
             420 * NsPerMs);
}

void TestWhatIf::workerListsParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("workers"); // empty: refused
    QTest::addColumn<QString>("named"); // in the error

    QTest::newRow("1,4,16,64") << QStringLiteral("1,4,16,64") << QList<int> { 1, 4, 16, 64 }
                               << QString();
    QTest::newRow("unsorted with repeats and spaces: sorted and unique")
        << QStringLiteral("16, 4,16") << QList<int> { 4, 16 } << QString();
    QTest::newRow("0 is no worker count")
        << QStringLiteral("0") << QList<int>() << QStringLiteral("'0'");
    QTest::newRow("4,x names x") << QStringLiteral("4,x") << QList<int>() << QStringLiteral("'x'");
    QTest::newRow("513 is past the engine's range")
        << QStringLiteral("1,513") << QList<int>() << QStringLiteral("'513'");
    QTest::newRow("an empty item")
        << QStringLiteral("1,,2") << QList<int>() << QStringLiteral("''");
}

void TestWhatIf::workerListsParse()
{
    QFETCH(QString, text);
    QFETCH(QList<int>, workers);
    QFETCH(QString, named);

    QList<int> parsed;
    QString error;
    QCOMPARE(WhatIf::parseWorkerList(text, &parsed, &error), !workers.isEmpty());
    if (workers.isEmpty()) {
        // It names the item, and not the place it was typed (the command line, a dialog).
        QVERIFY2(error.contains(named), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("-j")), qPrintable(error));
    } else {
        QCOMPARE(parsed, workers);
    }
}

void TestWhatIf::sweepTablesReadBack()
{
    QList<SweepPoint> points;
    for (const int level : { 1, 4, 16 }) {
        SweepPoint point;
        point.concurrency = level;
        point.urls = 100;
        point.succeeded = 99;
        point.failed = 1;
        point.wallNs = 5000 * NsPerMs / level + 123'000;
        point.serialNs = 5000 * NsPerMs;
        point.p50Ns = 50 * NsPerMs;
        point.p95Ns = -1;
        points.append(point);
    }
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("sweep.csv"));
    QString error;
    QVERIFY2(SweepRunner::writeCsv(path, points, &error), qPrintable(error));
    QList<SweepPoint> read;
    QVERIFY2(SweepRunner::readCsv(path, &read, &error), qPrintable(error));
    QCOMPARE(read.size(), points.size());
    for (int i = 0; i < points.size(); ++i) {
        QCOMPARE(read.at(i).concurrency, points.at(i).concurrency);
        QCOMPARE(read.at(i).urls, points.at(i).urls);
        QCOMPARE(read.at(i).failed, points.at(i).failed);
        QCOMPARE(read.at(i).wallNs, points.at(i).wallNs);
        QCOMPARE(read.at(i).serialNs, points.at(i).serialNs);
        QCOMPARE(read.at(i).p95Ns, -1);
    }
}

void TestWhatIf::badSweepTablesAreNamed_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QString>("named");

    QTest::newRow("a run export is no sweep table")
        << QByteArray("line,url,fileName,state\r\n1,http://a.test/,,succeeded\r\n")
        << QStringLiteral("not a sweep table");
    QTest::newRow("an empty file") << QByteArray() << QStringLiteral("empty");
    QTest::newRow("a worker count of 0 names its row")
        << QByteArray("concurrency,urls,wallMs\r\n4,10,12.000\r\n0,10,1.000\r\n")
        << QStringLiteral("row 3: concurrency");
    QTest::newRow("a wall that is no number names its row")
        << QByteArray("concurrency,urls,wallMs\r\n4,10,soon\r\n")
        << QStringLiteral("row 2: a time");
}

void TestWhatIf::badSweepTablesAreNamed()
{
    QFETCH(QByteArray, csv);
    QFETCH(QString, named);

    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("sweep.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(csv), csv.size());
    file.close();
    QList<SweepPoint> points;
    QString error;
    QVERIFY(!SweepRunner::readCsv(path, &points, &error));
    QVERIFY2(error.contains(named), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("sweep.csv")), qPrintable(error));
}

// 100,000 URLs over 64 hosts, 1 ms each, at a handful of settings: known answers, and a
// benchmark (`tst_whatif aHundredThousandUrls -iterations 5`).
void TestWhatIf::aHundredThousandUrls()
{
    constexpr int Hosts = 64;
    QList<Job> jobs;
    jobs.reserve(LargeRunUrls);
    for (int i = 0; i < LargeRunUrls; ++i)
        jobs.append(timed(QStringLiteral("h%1.test").arg(i % Hosts), i + 1, 1));
    const WhatIf whatIf(jobs);
    QList<WhatIfPrediction> predictions;
    QBENCHMARK
    {
        predictions.clear();
        for (const int workers : { 1, 16, 128, 512 }) {
            predictions.append(whatIf.predict({ workers, 0, WhatIfOrder::Listed }));
            predictions.append(whatIf.predict({ workers, 0, WhatIfOrder::LongestFirst }));
            predictions.append(whatIf.predict({ workers, 1, WhatIfOrder::Listed }));
        }
    }
    for (const WhatIfPrediction &prediction : std::as_const(predictions)) {
        const int workers = prediction.setting.workers;
        // With one per host at most 64 run at once.
        const int lanes = prediction.setting.perHost == 1 ? std::min(workers, Hosts) : workers;
        QCOMPARE(prediction.wallNs, qint64((LargeRunUrls + lanes - 1) / lanes) * NsPerMs);
    }
}

QTEST_GUILESS_MAIN(TestWhatIf)
#include "tst_whatif.moc"
