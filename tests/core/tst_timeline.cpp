// SPDX-License-Identifier: GPL-3.0-or-later
// RunTimeline on scripted samples (clock given, no waiting): fixed intervals, interpolation,
// idle time, falls in the totals, the last partial point, and the CSV.
#include "run/timeline.h"

#include "formats/jsonformat.h"
#include "runsummary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;

Q_DECLARE_METATYPE(QList<Parafetch::RunTimeline::Sample>)
Q_DECLARE_METATYPE(QList<Parafetch::TimelinePoint>)

namespace {

constexpr qint64 Ms = 1'000'000; // ns
constexpr qint64 Interval = 250 * Ms;

using Samples = QList<RunTimeline::Sample>;
using Points = QList<TimelinePoint>;

TimelinePoint point(qint64 endMs, qint64 bytes, int finished, int active)
{
    return { endMs * Ms, bytes, finished, active };
}

RunTimeline::Sample at(qint64 clockMs, qint64 bytes, int finished, int running)
{
    return { clockMs * Ms, bytes, finished, running };
}

QByteArray describe(const Points &points)
{
    QByteArray text;
    for (const TimelinePoint &p : points) {
        text += QByteArray::number(p.endNs / Ms) + "ms:" + QByteArray::number(p.bytes) + "B/"
            + QByteArray::number(p.urlsFinished) + "u/" + QByteArray::number(p.activeWorkers)
            + "w ";
    }
    return text;
}

} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT

private slots:
    void pointsAtFixedIntervals_data();
    void pointsAtFixedIntervals();
    void bytesAddUpToTheLastTotal_data();
    void bytesAddUpToTheLastTotal();
    void finishOnAnIntervalEndExtendsTheLastPoint();
    void startFromLeavesEarlierTotalsOut();
    void startFromRecordedPointsContinuesAfterThem();
    void fromSummaryLeavesRestoredResultsOut();
    void csvHasAHeaderAndOneRowPerPoint();
    void writeCsvNamesAPathItCannotWrite();
    void jsonExportCarriesTheTimelineAndReadsItBack();
    void jsonImportRejectsAMalformedTimeline_data();
    void jsonImportRejectsAMalformedTimeline();
};

void TestTimeline::pointsAtFixedIntervals_data()
{
    QTest::addColumn<Samples>("samples");
    QTest::addColumn<Points>("expected");

    QTest::newRow("samples on the interval ends give one point each")
        << Samples { at(250, 100, 1, 4), at(500, 300, 2, 4), at(750, 600, 4, 3) }
        << Points { point(250, 100, 1, 4), point(500, 200, 1, 4), point(750, 300, 2, 3) };
    QTest::newRow("samples at 10 Hz give a point every 250 ms, the totals interpolated")
        << Samples { at(100, 100, 0, 2), at(200, 200, 0, 2), at(300, 300, 0, 2), at(400, 400, 0, 2),
                     at(500, 500, 2, 1) }
        << Points { point(250, 250, 0, 2), point(500, 250, 2, 1) };
    QTest::newRow("a late sample spreads what came over every interval it passed")
        << Samples { at(1000, 4000, 8, 16) }
        << Points { point(250, 1000, 2, 16), point(500, 1000, 2, 16), point(750, 1000, 2, 16),
                    point(1000, 1000, 2, 16) };
    QTest::newRow("a paused run's clock stands still: no points, then on from where it was")
        << Samples { at(250, 100, 1, 2), at(300, 150, 2, 0), at(300, 150, 2, 0), at(300, 150, 2, 0),
                     at(500, 350, 3, 2) }
        << Points { point(250, 100, 1, 2), point(500, 250, 2, 2) };
    QTest::newRow("an attempt that starts over drops bytes: the fall is not counted back")
        << Samples { at(250, 1000, 0, 1), at(500, 200, 0, 1), at(750, 1200, 1, 0) }
        << Points { point(250, 1000, 0, 1), point(500, 0, 0, 1), point(750, 1000, 1, 0) };
    QTest::newRow("Retry Failed: finished URLs that are queued again count again when done")
        << Samples { at(250, 100, 4, 0), at(250, 100, 1, 3), at(500, 200, 4, 0) }
        << Points { point(250, 100, 4, 0), point(500, 100, 3, 0) };
    QTest::newRow("a wall time that shrinks (rows removed) does not move the clock back")
        << Samples { at(500, 200, 2, 1), at(300, 200, 2, 1), at(550, 300, 3, 1) }
        << Points { point(250, 100, 1, 1), point(500, 100, 1, 1), point(750, 100, 1, 1) };
}

void TestTimeline::pointsAtFixedIntervals()
{
    QFETCH(Samples, samples);
    QFETCH(Points, expected);
    RunTimeline timeline(Interval);
    for (const RunTimeline::Sample &sample : samples)
        timeline.sample(sample);
    QCOMPARE(describe(timeline.points()), describe(expected));
}

void TestTimeline::bytesAddUpToTheLastTotal_data()
{
    QTest::addColumn<qint64>("stepMs");
    QTest::addColumn<qint64>("bytesPerStep");
    QTest::addColumn<int>("steps");

    QTest::newRow("4 Hz, 1 MB a step") << qint64(250) << qint64(1'000'000) << 41;
    QTest::newRow("uneven 97 ms steps, odd byte counts") << qint64(97) << qint64(7'777) << 103;
    QTest::newRow("steps of 1.3 s, each past several interval ends")
        << qint64(1300) << qint64(123'456'789) << 9;
    QTest::newRow("one step shorter than an interval") << qint64(40) << qint64(5) << 1;
}

void TestTimeline::bytesAddUpToTheLastTotal()
{
    QFETCH(qint64, stepMs);
    QFETCH(qint64, bytesPerStep);
    QFETCH(int, steps);
    RunTimeline timeline(Interval);
    qint64 bytes = 0;
    int finished = 0;
    for (int step = 1; step < steps; ++step) {
        bytes += bytesPerStep + step % 3; // not a straight line
        finished += step % 2;
        timeline.sample(at(step * stepMs, bytes, finished, 8));
    }
    bytes += bytesPerStep;
    ++finished;
    timeline.finish(at(steps * stepMs, bytes, finished, 0));

    const Points &points = timeline.points();
    QVERIFY(!points.isEmpty());
    qint64 sumBytes = 0;
    int sumFinished = 0;
    for (qsizetype i = 0; i < points.size(); ++i) {
        QVERIFY2(points[i].bytes >= 0, describe(points).constData());
        sumBytes += points[i].bytes;
        sumFinished += points[i].urlsFinished;
        if (i + 1 < points.size()) // every point but the last ends on the grid
            QCOMPARE(points[i].endNs, (i + 1) * Interval);
    }
    QCOMPARE(sumBytes, bytes);
    QCOMPARE(timeline.bytes(), bytes);
    QCOMPARE(sumFinished, finished);
    QCOMPARE(points.last().endNs, steps * stepMs * Ms); // the last ends with the run
    QCOMPARE(points.last().activeWorkers, 0);
}

void TestTimeline::finishOnAnIntervalEndExtendsTheLastPoint()
{
    RunTimeline timeline(Interval);
    timeline.sample(at(250, 100, 1, 1));
    timeline.sample(at(500, 200, 1, 1));
    // The last bytes were counted after the clock's last step: no point of no length.
    timeline.finish(at(500, 230, 2, 0));
    QCOMPARE(describe(timeline.points()),
             describe(Points { point(250, 100, 1, 1), point(500, 130, 1, 0) }));

    RunTimeline instant(Interval);
    instant.finish(at(0, 10, 1, 0));
    QCOMPARE(describe(instant.points()), describe(Points { point(0, 10, 1, 0) }));

    RunTimeline empty(Interval);
    empty.finish(at(0, 0, 0, 0));
    QVERIFY(empty.points().isEmpty());
}

void TestTimeline::startFromLeavesEarlierTotalsOut()
{
    RunTimeline timeline(Interval);
    timeline.sample(at(250, 100, 1, 1));
    // A run opened from a file: 2 s of wall time and its bytes arrive at once.
    timeline.startFrom(at(2000, 50'000, 20, 0));
    QVERIFY(timeline.points().isEmpty());
    timeline.finish(at(2250, 51'000, 21, 0)); // Retry Failed on it
    QCOMPARE(describe(timeline.points()), describe(Points { point(250, 1000, 1, 0) }));
}

// A saved run's recorded timeline is drawn as it was, and a Retry Failed on it continues it.
void TestTimeline::startFromRecordedPointsContinuesAfterThem()
{
    RunTimeline timeline(Interval);
    const Points recorded { point(250, 30'000, 10, 4), point(500, 20'000, 10, 0) };
    timeline.startFrom(at(2000, 50'000, 20, 0), recorded);
    QCOMPARE(describe(timeline.points()), describe(recorded));
    QCOMPARE(timeline.bytes(), 50'000);
    timeline.finish(at(2250, 51'000, 21, 0));
    QCOMPARE(describe(timeline.points()),
             describe(Points { point(250, 30'000, 10, 4), point(500, 20'000, 10, 0),
                               point(750, 1000, 1, 0) }));
    QCOMPARE(timeline.bytes(), 51'000);
}

void TestTimeline::fromSummaryLeavesRestoredResultsOut()
{
    RunSummary summary;
    summary.bytes = 5000;
    summary.restoredBytes = 3000;
    summary.succeeded = 4;
    summary.failed = 1;
    summary.restoredDone = 2;
    summary.running = 7;
    const RunTimeline::Sample sample = RunTimeline::fromSummary(summary, 42);
    QCOMPARE(sample.clockNs, qint64(42));
    QCOMPARE(sample.bytes, qint64(2000));
    QCOMPARE(sample.finished, 3);
    QCOMPARE(sample.running, 7);
}

void TestTimeline::csvHasAHeaderAndOneRowPerPoint()
{
    const Points points { point(250, 1000, 2, 16), { 312'500'000, 7, 0, 0 } };
    QCOMPARE(RunTimeline::toCsv(points),
             QByteArray("tMs,bytes,urlsFinished,activeWorkers\r\n"
                        "250.000,1000,2,16\r\n"
                        "312.500,7,0,0\r\n"));
    QCOMPARE(RunTimeline::toCsv({}), QByteArray("tMs,bytes,urlsFinished,activeWorkers\r\n"));
}

void TestTimeline::writeCsvNamesAPathItCannotWrite()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString good = dir.filePath(QStringLiteral("timeline.csv"));
    QString error;
    QVERIFY2(RunTimeline::writeCsv(good, { point(250, 1, 1, 1) }, &error), qPrintable(error));
    QFile file(good);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), RunTimeline::toCsv({ point(250, 1, 1, 1) }));

    const QString bad = dir.filePath(QStringLiteral("missing/timeline.csv"));
    QVERIFY(!RunTimeline::writeCsv(bad, {}, &error));
    QVERIFY2(error.contains(bad), qPrintable(error));
}

void TestTimeline::jsonExportCarriesTheTimelineAndReadsItBack()
{
    Job job;
    job.url = QUrl(QStringLiteral("http://127.0.0.1/a"));
    job.state = JobState::Succeeded;
    job.bytesReceived = 1007;
    RunInfo info;
    info.timeline = { point(250, 1000, 0, 16), { 312'345'000, 7, 1, 0 } };
    const QByteArray json = JsonFormat::toJson({ job }, RunSummary::compute({ job }), info);
    const QJsonObject root = QJsonDocument::fromJson(json).object();
    const QJsonArray timeline = root.value(QLatin1String("timeline")).toArray();
    QCOMPARE(timeline.size(), 2);
    QCOMPARE(timeline.at(1).toObject().value(QLatin1String("tMs")).toDouble(), 312.345);
    QCOMPARE(timeline.at(0).toObject().value(QLatin1String("activeWorkers")).toInt(), 16);
    QVERIFY2(json.contains("\n    {\"tMs\": 250.000, \"bytes\": 1000, \"urlsFinished\": 0, "
                           "\"activeWorkers\": 16}"),
             json.constData()); // one point per line

    ImportedRun run;
    QString error;
    QVERIFY2(JsonFormat::fromJson(json, &run, &error), qPrintable(error));
    QCOMPARE(run.info.timeline, info.timeline);

    // A run without one writes none, and reads back without one.
    const QByteArray plain = JsonFormat::toJson({ job }, RunSummary::compute({ job }), RunInfo());
    QVERIFY(!QJsonDocument::fromJson(plain).object().contains(QLatin1String("timeline")));
    QVERIFY2(JsonFormat::fromJson(plain, &run, &error), qPrintable(error));
    QVERIFY(run.info.timeline.isEmpty());
}

void TestTimeline::jsonImportRejectsAMalformedTimeline_data()
{
    QTest::addColumn<QJsonValue>("timeline");
    QTest::addColumn<QString>("expectedError");

    const auto pointObject = [](double tMs, const QJsonValue &bytes) {
        return QJsonObject { { QStringLiteral("tMs"), tMs },
                             { QStringLiteral("bytes"), bytes },
                             { QStringLiteral("urlsFinished"), 1 },
                             { QStringLiteral("activeWorkers"), 2 } };
    };
    QTest::newRow("a timeline that is an object")
        << QJsonValue(QJsonObject()) << QStringLiteral("timeline is not an array");
    QTest::newRow("a point that is a number") << QJsonValue(QJsonArray { pointObject(250, 1), 3 })
                                              << QStringLiteral("timeline[1]: not an object");
    QTest::newRow("a point before the one it follows")
        << QJsonValue(QJsonArray { pointObject(500, 1), pointObject(250, 1) })
        << QStringLiteral("timeline[1]: tMs");
    QTest::newRow("negative bytes") << QJsonValue(QJsonArray { pointObject(250, -5) })
                                    << QStringLiteral("timeline[0]: bytes is not a whole number");
    QTest::newRow("bytes as text")
        << QJsonValue(QJsonArray { pointObject(250, QStringLiteral("5")) })
        << QStringLiteral("timeline[0]: bytes is not a whole number");
}

void TestTimeline::jsonImportRejectsAMalformedTimeline()
{
    QFETCH(QJsonValue, timeline);
    QFETCH(QString, expectedError);
    QJsonObject root =
        QJsonDocument::fromJson(JsonFormat::toJson({}, RunSummary(), RunInfo())).object();
    root.insert(QStringLiteral("timeline"), timeline);
    ImportedRun run;
    QString error;
    QVERIFY(!JsonFormat::fromJson(QJsonDocument(root).toJson(), &run, &error));
    QVERIFY2(error.startsWith(expectedError), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestTimeline)
#include "tst_timeline.moc"
