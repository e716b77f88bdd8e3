// SPDX-License-Identifier: GPL-3.0-or-later
// Load: 20,000 URLs at 256 workers with 10% faults; every URL ends once, the counts add up.
#include "engine/fetchengine.h"
#include "formats/runfile.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QElapsedTimer>
#include <QHash>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <array>
#include <numeric>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int UrlCount = 20'000;
constexpr int Workers = 256;
constexpr int FaultPercent = 10;
constexpr quint32 Seed = 20'240'501; // the same list on every run
constexpr int ServerThreads = 8;
constexpr int MaxBodyBytes = 4096;
constexpr int FaultBodyBytes = 100; // /reset and /truncate send this much, announce twice
constexpr int Retries = 1;
constexpr int TinyBackoffMs = 1;

// What each URL is, so that its final state can be predicted exactly.
enum class Kind { Bytes, ServerError, Reset, Truncate, NotFound, Refused };
constexpr int KindCount = int(Kind::Refused) + 1;
constexpr Kind Faults[] = { Kind::ServerError, Kind::Reset, Kind::Truncate, Kind::NotFound,
                            Kind::Refused };

struct Expected
{
    JobState state;
    ErrorKind error;
    int attempts;
};

Expected expectedFor(Kind kind)
{
    switch (kind) {
    case Kind::Bytes:
        return { JobState::Succeeded, ErrorKind::None, 1 };
    case Kind::ServerError:
        return { JobState::Failed, ErrorKind::HttpStatus, 1 + Retries };
    case Kind::Reset:
    case Kind::Truncate:
        return { JobState::Failed, ErrorKind::Truncated, 1 + Retries };
    case Kind::NotFound:
        return { JobState::Failed, ErrorKind::HttpStatus, 1 }; // a 404 is not retried
    case Kind::Refused:
        return { JobState::Failed, ErrorKind::ConnectionRefused, 1 + Retries };
    }
    return {};
}

} // namespace

class TestLoad : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyUrlEndsOnceAndTheCountsAddUp();
};

void TestLoad::everyUrlEndsOnceAndTheCountsAddUp()
{
    LoopbackServer server;
    QVERIFY2(server.listen(0, ServerThreads), qPrintable(server.errorString()));
    const QUrl refused = refusedUrl();
    QVERIFY(refused.isValid());

    QRandomGenerator random(Seed);
    QList<QUrl> urls;
    QList<Kind> kinds;
    urls.reserve(UrlCount);
    kinds.reserve(UrlCount);
    for (int i = 0; i < UrlCount; ++i) {
        const Kind kind = int(random.bounded(100)) < FaultPercent
            ? Faults[random.bounded(int(std::size(Faults)))]
            : Kind::Bytes;
        QString path;
        switch (kind) {
        case Kind::Bytes:
            path = QStringLiteral("/bytes/%1").arg(random.bounded(MaxBodyBytes + 1));
            break;
        case Kind::ServerError:
            path = QStringLiteral("/status/500");
            break;
        case Kind::Reset:
            path = QStringLiteral("/reset/%1").arg(FaultBodyBytes);
            break;
        case Kind::Truncate:
            path = QStringLiteral("/truncate/%1").arg(FaultBodyBytes);
            break;
        case Kind::NotFound:
            path = QStringLiteral("/status/404");
            break;
        case Kind::Refused:
            break;
        }
        // A query makes every URL distinct, as in a real list.
        QUrl url = kind == Kind::Refused ? refused : server.url(path);
        url.setQuery(QStringLiteral("i=%1").arg(i));
        urls.append(url);
        kinds.append(kind);
    }

    JobQueueModel model;
    QCOMPARE(model.addEntries(entriesFor(urls)), UrlCount);
    FetchEngine engine(&model);
    FetchOptions options = testOptions(Workers);
    options.retries = Retries;
    options.retryBaseDelayMs = TinyBackoffMs;
    engine.setOptions(options);

    QHash<quint64, int> finishedPerId;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString midRunJson = dir.filePath(QStringLiteral("mid-run.json"));
    const QString midRunCsv = dir.filePath(QStringLiteral("mid-run.csv"));
    bool exported = false;
    QString exportError;
    int unfinishedAtExport = 0;
    connect(&engine, &FetchEngine::jobFinished, this, [&](const Job &job) {
        ++finishedPerId[job.id];
        if (exported || finishedPerId.size() < UrlCount / 2)
            return;
        // Half-way: the model holds queued, running and finished rows at once.
        exported = true;
        const RunSummary summary = model.summary();
        unfinishedAtExport = summary.queued + summary.running;
        RunInfo info;
        info.concurrency = Workers;
        if (!RunFile::write(midRunJson, ExportFormat::Json, model.jobs(), summary, info,
                            &exportError)
            || !RunFile::write(midRunCsv, ExportFormat::Csv, model.jobs(), summary, info,
                               &exportError))
            exported = false;
    });

    QElapsedTimer clock;
    clock.start();
    QVERIFY(runToEnd(engine));
    qInfo("%d URLs at %d workers: %lld ms, %lld requests on %lld connections", UrlCount, Workers,
          clock.elapsed(), server.requestCount(), server.connectionCount());
    const qint64 requestsAtEnd = server.requestCount();

    // Exactly one final report per URL, and no row left behind.
    QCOMPARE(finishedPerId.size(), UrlCount);
    QVERIFY(std::all_of(finishedPerId.cbegin(), finishedPerId.cend(),
                        [](int count) { return count == 1; }));
    QCOMPARE(model.count(JobState::Queued), 0);
    QCOMPARE(model.count(JobState::Running), 0);

    // Every URL ends as its kind predicts.
    std::array<int, KindCount> perKind {};
    for (int row = 0; row < UrlCount; ++row) {
        const Job &job = model.jobAt(row);
        const Expected expected = expectedFor(kinds.at(row));
        ++perKind[std::size_t(kinds.at(row))];
        if (job.state != expected.state || job.errorKind != expected.error
            || job.attempts != expected.attempts) {
            QFAIL(qPrintable(
                QStringLiteral("row %1 (%2): %3/%4 after %5 attempts: %6")
                    .arg(row)
                    .arg(job.url.toString(), stateName(job.state), errorKindName(job.errorKind))
                    .arg(job.attempts)
                    .arg(job.errorString())));
        }
    }
    // Every attempt reached the server (a refused one cannot). Qt 6.4 may add a few: it resends
    // a GET whose answer was cut off, so this is a floor.
    const qint64 attemptsOnServer = perKind[std::size_t(Kind::Bytes)]
        + perKind[std::size_t(Kind::NotFound)]
        + qint64(1 + Retries)
            * (perKind[std::size_t(Kind::ServerError)] + perKind[std::size_t(Kind::Reset)]
               + perKind[std::size_t(Kind::Truncate)]);
    qInfo("%lld attempts reached the server as %lld requests", attemptsOnServer, requestsAtEnd);
    QVERIFY2(requestsAtEnd >= attemptsOnServer,
             qPrintable(QStringLiteral("%1 requests for %2 attempts")
                            .arg(requestsAtEnd)
                            .arg(attemptsOnServer)));

    // The seed gives every kind of fault, and about the share asked for.
    for (Kind fault : Faults)
        QVERIFY(perKind[std::size_t(fault)] > 0);
    const int faults = UrlCount - perKind[std::size_t(Kind::Bytes)];
    QVERIFY(faults > UrlCount * FaultPercent / 100 / 2
            && faults < UrlCount * FaultPercent / 100 * 2);

    // The summary's counts add up.
    const RunSummary summary = model.summary();
    QCOMPARE(summary.total, UrlCount);
    QCOMPARE(summary.succeeded + summary.failed + summary.cancelled, summary.total);
    QCOMPARE(summary.succeeded, perKind[std::size_t(Kind::Bytes)]);
    QCOMPARE(summary.cancelled, 0);
    QCOMPARE(summary.byErrorKind[std::size_t(ErrorKind::None)], summary.succeeded);
    const int errors =
        std::accumulate(summary.byErrorKind.cbegin() + 1, summary.byErrorKind.cend(), 0);
    QCOMPARE(errors, summary.failed + summary.cancelled);

    // The export written mid-run reads back, with every row.
    QVERIFY2(exported, qPrintable(exportError));
    QVERIFY(unfinishedAtExport > 0);
    for (const QString &path : { midRunJson, midRunCsv }) {
        ImportedRun run;
        QString error;
        QVERIFY2(RunFile::read(path, &run, &error), qPrintable(error));
        QCOMPARE(run.jobs.size(), qsizetype(UrlCount));
        QCOMPARE(run.summary.queued + run.summary.running, unfinishedAtExport);
    }
}

QTEST_GUILESS_MAIN(TestLoad)
#include "tst_load.moc"
