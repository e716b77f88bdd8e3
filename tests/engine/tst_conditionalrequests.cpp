// SPDX-License-Identifier: GPL-3.0-or-later
// --if-changed in the engine (PreviousRun, FetchTask): which request carries If-None-Match and
// If-Modified-Since, and what a 304 makes of a job; told by a scripted server.
#include "engine/fetchengine.h"
#include "formats/previousrun.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "scriptedserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

const QByteArray Etag = "\"v1-abc\"";
const QByteArray LastModified = "Mon, 07 Dec 2026 10:00:00 GMT";
constexpr int NotModified = 304;

QByteArray notModified()
{
    return "HTTP/1.1 304 Not Modified\r\nETag: " + Etag + "\r\n\r\n";
}

QByteArray ok(const QByteArray &body)
{
    return "HTTP/1.1 200 OK\r\nETag: \"v2\"\r\nLast-Modified: Tue, 08 Dec 2026 10:00:00 GMT\r\n"
           "Content-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray redirectTo(const QByteArray &path)
{
    return "HTTP/1.1 302 Found\r\nLocation: " + path + "\r\nContent-Length: 0\r\n\r\n";
}

PreviousResult previous(const QUrl &validated)
{
    PreviousResult result;
    result.etag = Etag;
    result.lastModified = LastModified;
    result.validatedUrl = redactedUrl(validated);
    result.sha256 = Sha256Digest(QByteArray(Sha256Digest::Size, '\x5a'));
    result.size = 1234;
    return result;
}

} // namespace

class TestConditionalRequests : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void notModifiedLeavesTheJobUnchanged();
    void onlyTheUrlTheValidatorsCameFromIsAskedConditionally_data();
    void onlyTheUrlTheValidatorsCameFromIsAskedConditionally();
    void aNotModifiedNobodyAskedForIsAnError();
    void aSavedFileThatIsGoneIsFetchedInFull();
    void previousRunTakesOnlySuccessesWithValidators();

private:
    // Runs url alone with these earlier results (and options); the finished job.
    Job run(const QUrl &url, const PreviousResults &results, FetchOptions options = testOptions(1));

    std::unique_ptr<ScriptedServer> m_server;
};

void TestConditionalRequests::init()
{
    m_server = std::make_unique<ScriptedServer>();
    QVERIFY2(m_server->listen(), qPrintable(m_server->errorString()));
}

Job TestConditionalRequests::run(const QUrl &url, const PreviousResults &results,
                                 FetchOptions options)
{
    JobQueueModel model;
    model.addEntries(entriesFor({ url }));
    FetchEngine engine(&model);
    options.previousResults = std::make_shared<const PreviousResults>(results);
    engine.setOptions(options);
    if (!runToEnd(engine))
        return {};
    return model.jobAt(0);
}

void TestConditionalRequests::notModifiedLeavesTheJobUnchanged()
{
    const QUrl url = m_server->url("/a");
    m_server->script("/a", { ScriptedServer::send(notModified()) });
    const PreviousResult earlier = previous(url);
    const Job job = run(url, { { redactedUrl(url), earlier } });

    const QList<ScriptedServer::Request> requests = m_server->requestsFor("/a");
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().header("If-None-Match"), Etag);
    QCOMPARE(requests.first().header("If-Modified-Since"), LastModified);
    QCOMPARE(job.state, JobState::Unchanged);
    QVERIFY(job.isSuccess());
    QCOMPARE(job.httpStatus, NotModified);
    QCOMPARE(job.errorKind, ErrorKind::None);
    QCOMPARE(job.bytesReceived, 0);
    // The body is the earlier one: its hash, size and validators describe it.
    QCOMPARE(job.bytesTotal, earlier.size);
    QCOMPARE(job.sha256, earlier.sha256);
    QCOMPARE(job.etag(), Etag);
    QCOMPARE(job.lastModified(), LastModified);
    const RunSummary summary = RunSummary::compute({ job });
    QCOMPARE(summary.succeeded, 1);
    QCOMPARE(summary.unchanged, 1);
    QCOMPARE(summary.failed, 0);
}

void TestConditionalRequests::onlyTheUrlTheValidatorsCameFromIsAskedConditionally_data()
{
    QTest::addColumn<QByteArray>("validatedPath"); // where the earlier run's redirects ended
    QTest::addColumn<JobState>("state");

    // /a redirects to /b now; the validators are sent to /b only if they came from /b.
    QTest::newRow("validators from where the redirect ends: asked there, 304 unchanged")
        << QByteArray("/b") << JobState::Unchanged;
    QTest::newRow("validators from another URL: asked nowhere, fetched in full")
        << QByteArray("/c") << JobState::Succeeded;
}

void TestConditionalRequests::onlyTheUrlTheValidatorsCameFromIsAskedConditionally()
{
    QFETCH(QByteArray, validatedPath);
    QFETCH(JobState, state);
    const QUrl url = m_server->url("/a");
    m_server->script("/a", { ScriptedServer::send(redirectTo("/b")) });
    m_server->script(
        "/b", { ScriptedServer::send(state == JobState::Unchanged ? notModified() : ok("new")) });
    const Job job = run(url, { { redactedUrl(url), previous(m_server->url(validatedPath)) } });

    QCOMPARE(job.state, state);
    QCOMPARE(m_server->requestsFor("/a").size(), 1);
    QVERIFY(!m_server->requestsFor("/a").first().hasHeader("If-None-Match"));
    QVERIFY(!m_server->requestsFor("/a").first().hasHeader("If-Modified-Since"));
    QCOMPARE(m_server->requestsFor("/b").size(), 1);
    const bool asked = state == JobState::Unchanged;
    QCOMPARE(m_server->requestsFor("/b").first().hasHeader("If-None-Match"), asked);
    QCOMPARE(m_server->requestsFor("/b").first().hasHeader("If-Modified-Since"), asked);
    if (!asked) {
        // A body fetched in full records its own validators for the next run.
        QCOMPARE(job.etag(), QByteArray("\"v2\""));
        QCOMPARE(job.lastModified(), QByteArray("Tue, 08 Dec 2026 10:00:00 GMT"));
    }
}

void TestConditionalRequests::aNotModifiedNobodyAskedForIsAnError()
{
    const QUrl url = m_server->url("/a");
    m_server->script("/a", { ScriptedServer::send(notModified()) });
    // An earlier result for another URL: this one is asked for plainly.
    const Job job =
        run(url, { { redactedUrl(m_server->url("/other")), previous(m_server->url("/other")) } });
    QVERIFY(!m_server->requestsFor("/a").first().hasHeader("If-None-Match"));
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.errorKind, ErrorKind::HttpStatus);
}

void TestConditionalRequests::aSavedFileThatIsGoneIsFetchedInFull()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QUrl url = m_server->url("/a");
    m_server->script("/a", { ScriptedServer::send(ok("fresh body")) });
    PreviousResult earlier = previous(url);
    earlier.savedPath = QDir(dir.path()).filePath(QStringLiteral("a")); // never written
    FetchOptions options = testOptions(1);
    options.outputDirectory = dir.path();
    const Job job = run(url, { { redactedUrl(url), earlier } }, options);

    // A 304 would have left the URL with no file: it is not asked for conditionally.
    QVERIFY(!m_server->requestsFor("/a").first().hasHeader("If-None-Match"));
    QCOMPARE(job.state, JobState::Succeeded);
    QFile saved(QDir(dir.path()).filePath(QStringLiteral("a")));
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(saved.readAll(), QByteArray("fresh body"));
}

void TestConditionalRequests::previousRunTakesOnlySuccessesWithValidators()
{
    const auto job = [](const char *url, JobState state, const QByteArray &etag) {
        Job result;
        result.url = QUrl(QString::fromLatin1(url));
        result.state = state;
        result.setEtag(etag);
        return result;
    };
    const PreviousRun::Loaded loaded = PreviousRun::fromJobs({
        job("http://127.0.0.1/ok", JobState::Succeeded, Etag),
        job("http://127.0.0.1/same", JobState::Unchanged, Etag),
        job("http://127.0.0.1/failed", JobState::Failed, Etag),
        job("http://127.0.0.1/bare", JobState::Succeeded, {}),
    });
    QCOMPARE(loaded.byUrl.size(), 2);
    QVERIFY(loaded.byUrl.contains(QStringLiteral("http://127.0.0.1/ok")));
    QVERIFY(loaded.byUrl.contains(QStringLiteral("http://127.0.0.1/same")));
    QCOMPARE(loaded.withoutValidators, 1);
    QVERIFY(
        PreviousRun::noteFor(loaded, QStringLiteral("run.json")).contains(QLatin1String("1 URL")));
}

QTEST_GUILESS_MAIN(TestConditionalRequests)
#include "tst_conditionalrequests.moc"
