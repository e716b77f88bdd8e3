// SPDX-License-Identifier: GPL-3.0-or-later
// Sharding a list by a stable URL hash, and merging shard exports back into one run.
#include "formats/jsonformat.h"
#include "run/shard.h"
#include "testsupport.h"

#include <QSet>
#include <QTest>

#include <cmath>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr int PartitionUrls = 10'000;
// Allowed distance of a shard's size from n / N, in standard deviations of the binomial
// count: the hash is fixed, so this never flakes; it catches a badly spread hash.
constexpr double BalanceSigmas = 5;

QUrl listUrl(int i)
{
    return QUrl(
        QStringLiteral("https://host%1.example.com/path/%2?item=%3").arg(i % 37).arg(i).arg(i * 7));
}

Job job(const QString &url, int line, qint64 startMs, qint64 finishMs,
        JobState state = JobState::Succeeded)
{
    Job result;
    result.url = QUrl(url);
    result.sourceLine = line;
    result.state = state;
    result.httpStatus = state == JobState::Succeeded ? 200 : 404;
    result.errorKind = state == JobState::Succeeded ? ErrorKind::None : ErrorKind::HttpStatus;
    result.queuedAtNs = 0;
    result.startedAtNs = startMs * NsPerMs;
    result.finishedAtNs = finishMs * NsPerMs;
    return result;
}

// A run as an import would give it: startedAt is the wall-clock time of its first start.
ImportedRun run(const QDateTime &epoch, const QList<Job> &jobs, int concurrency = 4)
{
    ImportedRun result;
    result.jobs = jobs;
    result.summary = RunSummary::compute(jobs);
    result.info.concurrency = concurrency;
    result.info.startedAt = epoch.addMSecs(result.summary.firstStartNs / NsPerMs);
    return result;
}

const QDateTime &baseTime()
{
    static const QDateTime time =
        QDateTime::fromString(QStringLiteral("2026-01-02T10:00:00.000Z"), Qt::ISODateWithMs);
    return time;
}

} // namespace

class TestShard : public QObject
{
    Q_OBJECT

private slots:
    void specParsing_data();
    void specParsing();
    void hashIsSha256OfTheUrlWithoutCredentials_data();
    void hashIsSha256OfTheUrlWithoutCredentials();
    void everyUrlIsInExactlyOneBalancedShard_data();
    void everyUrlIsInExactlyOneBalancedShard();
    void mergePutsShardsOnOneClock_data();
    void mergePutsShardsOnOneClock();
    void mergeKeepsListOrderAndReportsOverlap();
    void mergeRefusesARunWithoutStartTime();
    void mergedExportReadsBackWithTheSameSummary();
};

void TestShard::specParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("index");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("errorMentions");

    QTest::newRow("1/1 is the whole list") << "1/1" << true << 1 << 1 << QString();
    QTest::newRow("2/8 is the second of eight") << "2/8" << true << 2 << 8 << QString();
    QTest::newRow("8/8 is the last of eight") << "8/8" << true << 8 << 8 << QString();
    QTest::newRow("spaces around the slash are fine") << " 3 / 4 " << true << 3 << 4 << QString();
    QTest::newRow("0/4: shards count from 1") << "0/4" << false << 0 << 0 << "numbered from 1";
    QTest::newRow("5/4: K beyond N") << "5/4" << false << 0 << 0 << "5/4";
    QTest::newRow("1/0: no shards") << "1/0" << false << 0 << 0 << "number of shards";
    QTest::newRow("a word is refused") << "two/8" << false << 0 << 0 << "K/N";
    QTest::newRow("a missing N is refused") << "2" << false << 0 << 0 << "K/N";
    QTest::newRow("a negative K is refused") << "-1/4" << false << 0 << 0 << "K/N";
    QTest::newRow("too many shards") << "1/70000" << false << 0 << 0 << "65536";
}

void TestShard::specParsing()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(int, index);
    QFETCH(int, count);
    QFETCH(QString, errorMentions);

    ShardSpec spec;
    QString error;
    QCOMPARE(ShardSpec::parse(text, &spec, &error), valid);
    if (valid) {
        QCOMPARE(spec.index, index);
        QCOMPARE(spec.count, count);
    } else {
        QVERIFY2(error.contains(errorMentions), qPrintable(error));
        QVERIFY2(error.contains(text.trimmed()), qPrintable(error)); // names what was given
    }
}

void TestShard::hashIsSha256OfTheUrlWithoutCredentials_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<quint64>("expected");

    // printf %s URL | sha256sum | cut -c1-16: what a shell script can reproduce.
    QTest::newRow("a plain URL") << QUrl(QStringLiteral("https://example.com/a"))
                                 << Q_UINT64_C(0x2dce0a4c50441bfc);
    QTest::newRow("credentials do not move a URL")
        << QUrl(QStringLiteral("https://user:secret@example.com/a"))
        << Q_UINT64_C(0x2dce0a4c50441bfc);
    QTest::newRow("the fully encoded form is hashed")
        << QUrl(QStringLiteral("http://example.com/a b?q=1")) << Q_UINT64_C(0xf18fb551c6b373b5);
}

void TestShard::hashIsSha256OfTheUrlWithoutCredentials()
{
    QFETCH(QUrl, url);
    QFETCH(quint64, expected);

    QCOMPARE(stableUrlHash(url), expected);
    QCOMPARE(shardOf(url, 7), int(expected % 7));
}

void TestShard::everyUrlIsInExactlyOneBalancedShard_data()
{
    QTest::addColumn<int>("count");

    for (int count : { 1, 2, 3, 8, 64 })
        QTest::newRow(qPrintable(QStringLiteral("%1 shards of 10,000 URLs").arg(count))) << count;
}

void TestShard::everyUrlIsInExactlyOneBalancedShard()
{
    QFETCH(int, count);

    QList<int> sizes(count, 0);
    for (int i = 0; i < PartitionUrls; ++i) {
        const QUrl url = listUrl(i);
        int owners = 0;
        for (int k = 1; k <= count; ++k) {
            const ShardSpec spec { k, count };
            if (spec.contains(url)) {
                ++owners;
                ++sizes[k - 1];
            }
        }
        QVERIFY2(owners == 1, qPrintable(url.toString()));
    }
    const double p = 1.0 / count;
    const double expected = PartitionUrls * p;
    const double tolerance = BalanceSigmas * std::sqrt(PartitionUrls * p * (1 - p)) + 1;
    for (int k = 0; k < count; ++k) {
        QVERIFY2(std::abs(sizes.at(k) - expected) <= tolerance,
                 qPrintable(QStringLiteral("shard %1 has %2 URLs, expected %3 ± %4")
                                .arg(k + 1)
                                .arg(sizes.at(k))
                                .arg(expected)
                                .arg(tolerance)));
    }
}

void TestShard::mergePutsShardsOnOneClock_data()
{
    QTest::addColumn<qint64>("secondEpochOffsetMs"); // the second machine's engine started later
    QTest::addColumn<qint64>("expectedWallMs");

    // Shard 1: jobs 100..400 ms on its clock; shard 2: 50..250 ms on its own clock.
    QTest::newRow("side by side, same epoch: wall from 50 to 400") << qint64(0) << qint64(350);
    QTest::newRow("second machine 100 ms later: its job lies inside 100..400, wall 300")
        << qint64(100) << qint64(300);
    QTest::newRow("second machine 100 ms earlier: wall from -50 to 400")
        << qint64(-100) << qint64(450);
    // Wall time is time when something ran: the idle time between the shards is not.
    QTest::newRow("second machine 1 s later: 300 then 200, the gap left out")
        << qint64(1000) << qint64(500);
    QTest::newRow("second machine 1 s earlier: 200 then 300, the gap left out")
        << qint64(-1000) << qint64(500);
}

void TestShard::mergePutsShardsOnOneClock()
{
    QFETCH(qint64, secondEpochOffsetMs);
    QFETCH(qint64, expectedWallMs);

    const ImportedRun first = run(baseTime(),
                                  { job(QStringLiteral("http://a/1"), 1, 100, 300),
                                    job(QStringLiteral("http://a/3"), 3, 200, 400) });
    const ImportedRun second =
        run(baseTime().addMSecs(secondEpochOffsetMs),
            { job(QStringLiteral("http://a/2"), 2, 50, 250, JobState::Failed) }, 8);

    MergedRun merged;
    QString error;
    QVERIFY2(ShardMerger::merge({ first, second }, {}, &merged, &error), qPrintable(error));

    QCOMPARE(merged.jobs.size(), 3);
    QCOMPARE(merged.summary.total, 3);
    QCOMPARE(merged.summary.succeeded, 2);
    QCOMPARE(merged.summary.failed, 1);
    QCOMPARE(merged.summary.wallNs, expectedWallMs * NsPerMs);
    QCOMPARE(merged.summary.serialNs, (200 + 200 + 200) * NsPerMs); // the sum, not a max
    QCOMPARE(merged.info.concurrency, 12); // the shards ran side by side
    // startedAt is the wall-clock time of the earliest start of all.
    const QDateTime earliest = baseTime().addMSecs(std::min<qint64>(100, 50 + secondEpochOffsetMs));
    QCOMPARE(merged.info.startedAt.toMSecsSinceEpoch(), earliest.toMSecsSinceEpoch());
    QVERIFY(merged.duplicates.isEmpty());
}

void TestShard::mergeKeepsListOrderAndReportsOverlap()
{
    const ImportedRun first = run(baseTime(),
                                  { job(QStringLiteral("http://a/1"), 1, 0, 10),
                                    job(QStringLiteral("http://a/4"), 4, 0, 10) });
    const ImportedRun second = run(baseTime(),
                                   { job(QStringLiteral("http://a/2"), 2, 0, 10),
                                     job(QStringLiteral("http://a/4"), 4, 0, 99, JobState::Failed),
                                     job(QStringLiteral("http://a/3"), 3, 0, 10) });

    MergedRun merged;
    QString error;
    QVERIFY2(ShardMerger::merge({ first, second }, {}, &merged, &error), qPrintable(error));

    QStringList urls;
    for (const Job &kept : std::as_const(merged.jobs))
        urls.append(kept.url.toString());
    QCOMPARE(urls,
             (QStringList { QStringLiteral("http://a/1"), QStringLiteral("http://a/2"),
                            QStringLiteral("http://a/3"), QStringLiteral("http://a/4") }));
    QCOMPARE(merged.duplicates, QStringList { QStringLiteral("http://a/4") });
    QCOMPARE(merged.jobs.at(3).state, JobState::Succeeded); // the first export's result is kept
    QCOMPARE(merged.summary.total, 4);
    QCOMPARE(merged.summary.serialNs, 40 * NsPerMs);
}

void TestShard::mergeRefusesARunWithoutStartTime()
{
    ImportedRun csv = run(baseTime(), { job(QStringLiteral("http://a/2"), 2, 0, 10) });
    csv.info = RunInfo(); // what a CSV import gives
    const ImportedRun json = run(baseTime(), { job(QStringLiteral("http://a/1"), 1, 0, 10) });

    MergedRun merged;
    merged.info.concurrency = -7;
    QString error;
    QVERIFY(!ShardMerger::merge(
        { json, csv }, { QStringLiteral("a.json"), QStringLiteral("b.csv") }, &merged, &error));
    QVERIFY2(error.contains(QLatin1String("b.csv")), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("startedAt")), qPrintable(error));
    QCOMPARE(merged.info.concurrency, -7); // untouched

    // An empty shard has no start to place, and is no obstacle.
    ImportedRun empty;
    QVERIFY2(ShardMerger::merge({ json, empty }, {}, &merged, &error), qPrintable(error));
    QCOMPARE(merged.jobs.size(), 1);
}

void TestShard::mergedExportReadsBackWithTheSameSummary()
{
    const ImportedRun first = run(baseTime(), { job(QStringLiteral("http://a/1"), 1, 100, 300) });
    const ImportedRun second =
        run(baseTime().addMSecs(500), { job(QStringLiteral("http://a/2"), 2, 20, 120) });
    MergedRun merged;
    QString error;
    QVERIFY2(ShardMerger::merge({ first, second }, {}, &merged, &error), qPrintable(error));

    ImportedRun back;
    QVERIFY2(JsonFormat::fromJson(JsonFormat::toJson(merged.jobs, merged.summary, merged.info),
                                  &back, &error),
             qPrintable(error));
    QCOMPARE(TestSupport::differingFields(back.summary, merged.summary), QStringList());
    // 100 .. 300 and 520 .. 620 on the common clock: the idle time between is not wall time.
    QCOMPARE(back.summary.wallNs, 300 * NsPerMs);
    QCOMPARE(back.info.startedAt.toMSecsSinceEpoch(), baseTime().addMSecs(100).toMSecsSinceEpoch());

    // Merging a merged run with nothing else changes nothing.
    MergedRun again;
    QVERIFY2(ShardMerger::merge({ back }, {}, &again, &error), qPrintable(error));
    QCOMPARE(again.summary.wallNs, merged.summary.wallNs);
    QCOMPARE(again.info.startedAt, back.info.startedAt);
}

QTEST_GUILESS_MAIN(TestShard)
#include "tst_shard.moc"
