// SPDX-License-Identifier: GPL-3.0-or-later
// The detail pane: every phase, the worker lane, thread, attempts and protocol, secrets masked.
#include "detailpane.h"
#include "engine/fetchengine.h"
#include "job.h"
#include "jobqueuemodel.h"
#include "scriptedserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QApplication>
#include <QClipboard>
#include <QTest>
#include <QToolButton>

using namespace Parafetch;
using namespace Parafetch::TestSupport;
using S = ScriptedServer;

namespace {

constexpr qint64 NsPerUs = 1000;

Job measured()
{
    Job job;
    job.id = 5;
    job.url = QUrl(QStringLiteral("https://alice:wonderland42@example.com/file"));
    job.state = JobState::Succeeded;
    job.httpStatus = 200;
    job.attempts = 3;
    job.worker = 6;
    job.thread = 2;
    job.protocol = "h2";
    job.connectionId = 5; // opened for this request (it has a connect phase)
    job.queuedAtNs = 0;
    job.startedAtNs = 1500 * NsPerUs;
    job.attemptStartedAtNs = job.startedAtNs + 700'000 * NsPerUs;
    job.dnsUs = 3'400;
    job.setServerAddress(QStringLiteral("2001:db8::443"));
    job.connectUs = 12'000;
    job.tlsUs = 8'000;
    job.sendUs = 300;
    job.waitUs = 45'000;
    job.receiveUs = 2'500;
    job.finishedAtNs = job.attemptStartedAtNs + (3'400 + 12'000 + 300 + 45'000 + 2'500) * NsPerUs;
    job.editDetails().responseHeaders = { { "Set-Cookie", "session=cookiemonster" },
                                          { "Content-Type", "text/plain" } };
    job.setRequestHeaders({ { "User-Agent", "Parafetch" }, { "Authorization", "Bearer sesame" } });
    const qint64 firstEnd = job.startedAtNs + 100'000 * NsPerUs;
    job.editDetails().attemptLog = {
        { 503,
          ErrorKind::HttpStatus,
          QStringLiteral("HTTP 503 Service Unavailable"),
          job.startedAtNs,
          firstEnd,
          "http/1.1",
          {} },
        { 0,
          ErrorKind::ConnectionRefused,
          QStringLiteral("connection refused"),
          firstEnd + 300'000 * NsPerUs,
          firstEnd + 300'500 * NsPerUs,
          {},
          {} },
        { 200,
          ErrorKind::None,
          {},
          job.attemptStartedAtNs,
          job.finishedAtNs,
          "h2",
          { { 301, QUrl(QStringLiteral("https://example.com/moved")) },
            { 302, QUrl(QStringLiteral("https://cdn.example.com/file?token=opensesame")) } } },
    };
    return job;
}

// The pane's text, one "name value" pair per line, as a person reads it.
QString shown(const Job &job)
{
    DetailPane pane;
    pane.showJob(job);
    return pane.toPlainText().replace(u'\t', u'|').replace(u'\n', u'|');
}

} // namespace

class TestDetailPane : public QObject
{
    Q_OBJECT

private slots:
    void showsEveryPhase_data();
    void showsEveryPhase();
    void unknownValuesShowAsDash();
    void restoredResultShowsTheDurationItsRunMeasured();
    void secretsAreMasked();
    void showsEachAttempt_data();
    void showsEachAttempt();
    void runningRowCountsItsAttempt_data();
    void runningRowCountsItsAttempt();
    void copyAsCurlPutsTheMaskedRequestOnTheClipboard();
    void recordsWhatTheEngineSawOnTheWire();
};

void TestDetailPane::showsEveryPhase_data()
{
    QTest::addColumn<QString>("line");
    QTest::newRow("queued") << QStringLiteral("Queued|1.5 ms");
    QTest::newRow("earlier attempts") << QStringLiteral("Earlier attempts and backoff|700.0 ms");
    QTest::newRow("dns") << QStringLiteral("DNS|3.4 ms");
    QTest::newRow("connect") << QStringLiteral("Connect|12.0 ms");
    QTest::newRow("tls") << QStringLiteral("of which TLS|8.0 ms");
    QTest::newRow("send") << QStringLiteral("Send|0.3 ms");
    QTest::newRow("wait") << QStringLiteral("Wait (TTFB)|45.0 ms");
    QTest::newRow("receive") << QStringLiteral("Receive|2.5 ms");
    QTest::newRow("duration") << QStringLiteral("Duration|763.2 ms");
    QTest::newRow("lane") << QStringLiteral("Worker lane|6");
    QTest::newRow("thread") << QStringLiteral("Thread|2");
    QTest::newRow("attempts") << QStringLiteral("Attempts|3");
    QTest::newRow("protocol") << QStringLiteral("Protocol|HTTP/2");
    QTest::newRow("connection") << QStringLiteral("Connection|#5");
    QTest::newRow("server address") << QStringLiteral("Server address|2001:db8::443");
}

void TestDetailPane::showsEveryPhase()
{
    QFETCH(QString, line);
    QLocale::setDefault(QLocale::c());
    const QString text = shown(measured());
    QVERIFY2(text.contains(line), qPrintable(text));
}

void TestDetailPane::unknownValuesShowAsDash()
{
    QLocale::setDefault(QLocale::c());
    Job job = measured();
    job.attempts = 1; // no earlier attempts to show
    job.connectUs = job.tlsUs = job.dnsUs = -1; // a reused connection
    job.thread = -1;
    job.protocol.clear();
    job.connectionId = 0;
    job.serverAddressId = 0;
    const QString text = shown(job);
    for (const char *name :
         { "DNS", "Connect", "of which TLS", "Thread", "Protocol", "Connection", "Server address" })
        QVERIFY2(text.contains(QLatin1String(name) + QStringLiteral("|–")),
                 qPrintable(QLatin1String(name) + u' ' + text));
    QVERIFY2(!text.contains(QStringLiteral("Earlier attempts")), qPrintable(text));
}

void TestDetailPane::restoredResultShowsTheDurationItsRunMeasured()
{
    QLocale::setDefault(QLocale::c());
    JobQueueModel model;
    QCOMPARE(model.addRestored({ measured() }), 1); // as a restore after a crash puts it back
    QVERIFY2(shown(model.jobAt(0)).contains(QStringLiteral("Duration|763.2 ms")),
             qPrintable(shown(model.jobAt(0))));
    Job adopted = model.jobAt(0);
    adopted.setRestoredDurationNs(-1); // adopted from the disk: nobody measured it
    QVERIFY2(shown(adopted).contains(QStringLiteral("Duration|–")), qPrintable(shown(adopted)));
}

void TestDetailPane::secretsAreMasked()
{
    const QString text = shown(measured());
    QVERIFY2(!text.contains(QStringLiteral("wonderland42"))
                 && !text.contains(QStringLiteral("alice")),
             qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("cookiemonster")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("https://***@example.com/file")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Set-Cookie|***")), qPrintable(text));
}

void TestDetailPane::showsEachAttempt_data()
{
    QTest::addColumn<QString>("line");
    QTest::newRow("first attempt: status, error and timing") << QStringLiteral(
        "#1|HTTP 503 · HTTP 503 Service Unavailable · 100.0 ms, from +0.0 ms · HTTP/1.1");
    QTest::newRow("second attempt: no answer")
        << QStringLiteral("#2|connection refused · 0.5 ms, from +400.0 ms");
    QTest::newRow("last attempt") << QStringLiteral(
        "#3|HTTP 200 · 63.2 ms, from +700.0 ms · HTTP/2");
    QTest::newRow("redirect chain starts at the URL asked for")
        << QStringLiteral("Redirects|from|https://***@example.com/file|");
    QTest::newRow("first hop") << QStringLiteral("301 to|https://example.com/moved");
    QTest::newRow("second hop, secret masked")
        << QStringLiteral("302 to|https://cdn.example.com/file?token=***");
    QTest::newRow("request headers")
        << QStringLiteral("Request headers|User-Agent|Parafetch|Authorization|***");
}

void TestDetailPane::showsEachAttempt()
{
    QFETCH(QString, line);
    QLocale::setDefault(QLocale::c());
    const QString text = shown(measured());
    QVERIFY2(text.contains(line), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("sesame")), qPrintable(text));
}

void TestDetailPane::runningRowCountsItsAttempt_data()
{
    QTest::addColumn<int>("attempts");
    QTest::addColumn<QString>("expected");
    QTest::newRow("before the engine reported the attempt")
        << 0 << QStringLiteral("Attempts|1 (running)|");
    QTest::newRow("in its second attempt") << 2 << QStringLiteral("Attempts|2 (running)|");
}

void TestDetailPane::runningRowCountsItsAttempt()
{
    QFETCH(int, attempts);
    QFETCH(QString, expected);
    Job job;
    job.id = 1;
    job.url = QUrl(QStringLiteral("http://example.com/"));
    job.state = JobState::Running;
    job.attempts = attempts;
    job.startedAtNs = 1000;
    const QString text = shown(job);
    QVERIFY2(text.contains(expected), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("Attempts|0")), qPrintable(text));
}

void TestDetailPane::copyAsCurlPutsTheMaskedRequestOnTheClipboard()
{
    DetailPane pane;
    QVERIFY(!pane.copyAsCurlButton()->isEnabled()); // nothing to copy yet
    Job job = measured();
    job.editDetails().requestHeaders.append(qMakePair(QByteArray("X-Note"), QByteArray("it's")));
    pane.showJob(job);
    QGuiApplication::clipboard()->clear();
    QVERIFY(pane.copyAsCurlButton()->isEnabled());
    pane.copyAsCurlButton()->click();
    QCOMPARE(QGuiApplication::clipboard()->text(),
             QStringLiteral("curl --location -H 'User-Agent: Parafetch' -H 'Authorization: ***' "
                            "-H 'X-Note: it'\\''s' 'https://***@example.com/file'"));
}

// What the pane shows comes from what was spoken: HTTP/1.0 as HTTP/1.0, the redirect the
// server sent, the headers the engine sent (masked).
void TestDetailPane::recordsWhatTheEngineSawOnTheWire()
{
    ScriptedServer server;
    QVERIFY(server.listen());
    server.script("/start",
                  { S::send("HTTP/1.1 302 Found\r\nLocation: /old\r\nContent-Length: 0\r\n\r\n") });
    server.script("/old", { S::send("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") });
    JobQueueModel model;
    QUrl url = server.url("/start");
    url.setUserInfo(QStringLiteral("alice:wonderland42"));
    model.addEntries(entriesFor({ url }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.headers = { { "X-Api-Key", "opensesame" } };
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    const Job job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    QLocale::setDefault(QLocale::c());
    const QString text = shown(job);
    QVERIFY2(text.contains(QStringLiteral("Protocol|HTTP/1.0")), qPrintable(text));
    // An address in the URL: nothing looked up, the address connected to.
    QVERIFY2(text.contains(QStringLiteral("DNS|–")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Server address|127.0.0.1")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("#1|HTTP 200 · ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("302 to|%1").arg(server.url("/old").toString())),
             qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("X-Api-Key|***")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("opensesame"))
                 && !text.contains(QStringLiteral("wonderland42")),
             qPrintable(text));
}

QTEST_MAIN(TestDetailPane)
#include "tst_detailpane.moc"
