// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch --what-if: a real run against the loopback server, exported, then replayed; and the
// input it refuses.
#include "exitcodes.h"
#include "formats/jsonformat.h"
#include "server/loopbackserver.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int HangGuardMs = 120'000; // only reached when something is broken
constexpr int Urls = 8;
constexpr int RunWorkers = 4;
constexpr int DelayMs = 100;

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// The prediction for `workers` in `order` ("listed", "longest-first"), or an empty object.
QJsonObject predictionFor(const QJsonObject &report, int workers, const QString &order)
{
    for (const QJsonValue &value : report.value(QLatin1String("predictions")).toArray()) {
        const QJsonObject prediction = value.toObject();
        if (prediction.value(QLatin1String("workers")).toInt() == workers
            && prediction.value(QLatin1String("order")).toString() == order)
            return prediction;
    }
    return {};
}

} // namespace

class TestWhatIfCommand : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void replaysARealRun();
    void aSweepOfTheSameListCalibrates();
    void badInputExitsTwoNamingIt_data();
    void badInputExitsTwoNamingIt();

private:
    bool parafetch(const QStringList &arguments, ProgramRun *run)
    {
        return runProgram(QStringLiteral(PARAFETCH_EXECUTABLE), arguments, run, HangGuardMs);
    }
    QStringList urls() const
    {
        QStringList list;
        for (int i = 0; i < Urls; ++i)
            list.append(
                m_server->url(QStringLiteral("/delay/%1?i=%2").arg(DelayMs).arg(i)).toString());
        return list;
    }

    std::unique_ptr<LoopbackServer> m_server;
    QTemporaryDir m_directory;
    QString m_runPath;
};

void TestWhatIfCommand::initTestCase()
{
    QVERIFY(m_directory.isValid());
    QVERIFY(startLoopbackServer(m_server));
    m_runPath = m_directory.filePath(QStringLiteral("run.json"));
    ProgramRun run;
    QVERIFY(parafetch(QStringList { QStringLiteral("--headless"), QStringLiteral("-q"),
                                    QStringLiteral("-j"), QString::number(RunWorkers),
                                    QStringLiteral("--export"), m_runPath }
                          + urls(),
                      &run));
    QVERIFY2(run.exitCode == AllSucceeded, qPrintable(run.describe()));
}

void TestWhatIfCommand::cleanupTestCase()
{
    m_server.reset();
}

void TestWhatIfCommand::replaysARealRun()
{
    const QString reportPath = m_directory.filePath(QStringLiteral("what-if.json"));
    ProgramRun run;
    QVERIFY(parafetch({ QStringLiteral("--what-if"), m_runPath, QStringLiteral("-j"),
                        QStringLiteral("1,4,64"), QStringLiteral("--export"), reportPath },
                      &run));
    QVERIFY2(run.exitCode == AllSucceeded, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QLatin1String("longest first")), qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("%1 URLs replayed").arg(Urls)),
             qPrintable(run.describe()));

    const QJsonObject report = readJson(reportPath);
    QCOMPARE(report.value(QLatin1String("format")).toString(), QStringLiteral("parafetch-what-if"));
    QCOMPARE(report.value(QLatin1String("replayed")).toInt(), Urls);
    QCOMPARE(report.value(QLatin1String("predictions")).toArray().size(), 3 * 2);
    // Every URL waited DelayMs at the server: lower bounds only, the machine is shared.
    const double serialMs = report.value(QLatin1String("serialMs")).toDouble();
    QVERIFY2(serialMs >= Urls * DelayMs, qPrintable(QString::number(serialMs)));

    // One worker: the replay is the serial time, whatever the server did.
    const QJsonObject one = predictionFor(report, 1, QStringLiteral("listed"));
    QCOMPARE(one.value(QLatin1String("wallMs")).toDouble(), serialMs);

    // The run's own N: at least ceil(8/4) delays, as the measured wall.
    const QJsonObject atRun = predictionFor(report, RunWorkers, QStringLiteral("listed"));
    QVERIFY2(atRun.value(QLatin1String("wallMs")).toDouble() >= 2 * DelayMs,
             qPrintable(run.describe()));
    const QJsonArray calibration = report.value(QLatin1String("calibration")).toArray();
    QCOMPARE(calibration.size(), 1);
    const QJsonObject own = calibration.at(0).toObject();
    QCOMPARE(own.value(QLatin1String("source")).toString(), QStringLiteral("run"));
    QCOMPARE(own.value(QLatin1String("workers")).toInt(), RunWorkers);
    QVERIFY(own.value(QLatin1String("measuredWallMs")).toDouble() >= 2 * DelayMs);
    QCOMPARE(own.value(QLatin1String("replayWallMs")).toDouble(),
             atRun.value(QLatin1String("wallMs")).toDouble());

    // More workers than URLs: the wall is the slowest URL's time, which is the straggler's.
    const QJsonObject wide = predictionFor(report, 64, QStringLiteral("longest-first"));
    const QJsonObject straggler = wide.value(QLatin1String("straggler")).toObject();
    QCOMPARE(straggler.value(QLatin1String("durationMs")).toDouble(),
             wide.value(QLatin1String("wallMs")).toDouble());
    QCOMPARE(straggler.value(QLatin1String("share")).toDouble(), 1.0);
    QVERIFY(straggler.value(QLatin1String("url")).toString().contains(QLatin1String("/delay/")));
    QVERIFY(wide.value(QLatin1String("wallMs")).toDouble() >= DelayMs);
    QVERIFY(wide.value(QLatin1String("speedup")).toDouble() > 1);
}

void TestWhatIfCommand::aSweepOfTheSameListCalibrates()
{
    const QString sweepPath = m_directory.filePath(QStringLiteral("sweep.csv"));
    ProgramRun sweep;
    QVERIFY(parafetch(QStringList { QStringLiteral("--sweep"), QStringLiteral("2,8"),
                                    QStringLiteral("--export"), sweepPath }
                          + urls(),
                      &sweep));
    QVERIFY2(sweep.exitCode == AllSucceeded, qPrintable(sweep.describe()));

    const QString reportPath = m_directory.filePath(QStringLiteral("calibrated.json"));
    ProgramRun run;
    QVERIFY(parafetch({ QStringLiteral("--what-if"), m_runPath, sweepPath, QStringLiteral("-j"),
                        QStringLiteral("2,8"), QStringLiteral("--export"), reportPath },
                      &run));
    QVERIFY2(run.exitCode == AllSucceeded, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QLatin1String("sweep")), qPrintable(run.describe()));
    const QJsonArray calibration =
        readJson(reportPath).value(QLatin1String("calibration")).toArray();
    QCOMPARE(calibration.size(), 3); // the run's own N, and the sweep's two levels
    for (const QJsonValue &value : calibration) {
        const QJsonObject point = value.toObject();
        const int workers = point.value(QLatin1String("workers")).toInt();
        const double floorMs = double((Urls + workers - 1) / workers * DelayMs);
        QVERIFY2(point.value(QLatin1String("measuredWallMs")).toDouble() >= floorMs,
                 qPrintable(run.describe()));
        QVERIFY2(point.value(QLatin1String("replayWallMs")).toDouble() >= floorMs,
                 qPrintable(run.describe()));
    }
}

void TestWhatIfCommand::badInputExitsTwoNamingIt_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("contents"); // null: not written
    // fileName empty: the run of initTestCase
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("named"); // in standard error

    const QByteArray emptyRun = JsonFormat::toJson({}, RunSummary {}, RunInfo {});
    QTest::newRow("a CSV is not a JSON export")
        << QStringLiteral("run.csv") << QByteArray("line,url,state\r\n1,http://a/,succeeded\r\n")
        << QStringList() << QStringLiteral("run.csv is not a Parafetch JSON export");
    QTest::newRow("HAR is not our JSON export")
        << QStringLiteral("run.har") << QByteArray(R"({"log": {"entries": []}})") << QStringList()
        << QStringLiteral("is HAR");
    QTest::newRow("an empty run has nothing to replay")
        << QStringLiteral("empty.json") << emptyRun << QStringList()
        << QStringLiteral("nothing to replay");
    QTest::newRow("-j 0") << QString() << QByteArray()
                          << QStringList { QStringLiteral("-j"), QStringLiteral("0") }
                          << QStringLiteral("-j with --what-if: ");
    QTest::newRow("-j 4,x") << QString() << QByteArray()
                            << QStringList { QStringLiteral("-j"), QStringLiteral("4,x") }
                            << QStringLiteral("'x' is not one");
    QTest::newRow("--export as CSV")
        << QString() << QByteArray()
        << QStringList { QStringLiteral("--export"), QStringLiteral("out.csv") }
        << QStringLiteral("out.csv'");
    QTest::newRow("with --sweep") << QString() << QByteArray()
                                  << QStringList { QStringLiteral("--sweep"),
                                                   QStringLiteral("1,2") }
                                  << QStringLiteral("fetches nothing");
    QTest::newRow("a sweep table that is not one")
        << QString() << QByteArray() << QStringList { QStringLiteral("run.json") }
        << QStringLiteral("not a sweep table");
    QTest::newRow("a missing file") << QStringLiteral("gone.json") << QByteArray() << QStringList()
                                    << QStringLiteral("gone.json");
}

void TestWhatIfCommand::badInputExitsTwoNamingIt()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, contents);
    QFETCH(QStringList, extra);
    QFETCH(QString, named);

    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    QString runPath = m_runPath;
    if (!fileName.isEmpty()) {
        runPath = directory.filePath(fileName);
        if (!contents.isNull())
            QVERIFY(writeFile(runPath, contents));
    }
    // Names in `extra` are files of the run's folder: "run.json" as a sweep table is the run.
    for (QString &argument : extra) {
        if (argument.endsWith(QLatin1String(".json")) || argument.endsWith(QLatin1String(".csv")))
            argument =
                (argument == QLatin1String("run.json") ? m_runPath : directory.filePath(argument));
    }
    ProgramRun run;
    QVERIFY(parafetch(QStringList { QStringLiteral("--what-if"), runPath } + extra, &run));
    QVERIFY2(run.exitCode == BadInput, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(named), qPrintable(run.describe()));
}

QTEST_GUILESS_MAIN(TestWhatIfCommand)
#include "tst_whatifcommand.moc"
