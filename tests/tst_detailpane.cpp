// The detail pane: every phase, the worker lane, thread, attempts and protocol, secrets masked.
#include "detailpane.h"
#include "job.h"

#include <QApplication>
#include <QTest>

using namespace Parafetch;

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
    job.queuedAtNs = 0;
    job.startedAtNs = 1500 * NsPerUs;
    job.attemptStartedAtNs = job.startedAtNs + 700'000 * NsPerUs;
    job.connectUs = 12'000;
    job.tlsUs = 8'000;
    job.sendUs = 300;
    job.waitUs = 45'000;
    job.receiveUs = 2'500;
    job.finishedAtNs = job.attemptStartedAtNs + (12'000 + 300 + 45'000 + 2'500) * NsPerUs;
    job.responseHeaders = { { "Set-Cookie", "session=cookiemonster" },
                            { "Content-Type", "text/plain" } };
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
    void secretsAreMasked();
};

void TestDetailPane::showsEveryPhase_data()
{
    QTest::addColumn<QString>("line");
    QTest::newRow("queued") << QStringLiteral("Queued|1.5 ms");
    QTest::newRow("earlier attempts") << QStringLiteral("Earlier attempts and backoff|700.0 ms");
    QTest::newRow("connect") << QStringLiteral("Connect|12.0 ms");
    QTest::newRow("tls") << QStringLiteral("of which TLS|8.0 ms");
    QTest::newRow("send") << QStringLiteral("Send|0.3 ms");
    QTest::newRow("wait") << QStringLiteral("Wait (TTFB)|45.0 ms");
    QTest::newRow("receive") << QStringLiteral("Receive|2.5 ms");
    QTest::newRow("duration") << QStringLiteral("Duration|759.8 ms");
    QTest::newRow("lane") << QStringLiteral("Worker lane|6");
    QTest::newRow("thread") << QStringLiteral("Thread|2");
    QTest::newRow("attempts") << QStringLiteral("Attempts|3");
    QTest::newRow("protocol") << QStringLiteral("Protocol|HTTP/2");
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
    job.connectUs = job.tlsUs = -1; // a reused connection
    job.thread = -1;
    job.protocol.clear();
    const QString text = shown(job);
    for (const char *name : { "Connect", "of which TLS", "Thread", "Protocol" })
        QVERIFY2(text.contains(QLatin1String(name) + QStringLiteral("|–")),
                 qPrintable(QLatin1String(name) + u' ' + text));
    QVERIFY2(!text.contains(QStringLiteral("Earlier attempts")), qPrintable(text));
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

QTEST_MAIN(TestDetailPane)
#include "tst_detailpane.moc"
