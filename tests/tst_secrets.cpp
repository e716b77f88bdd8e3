// Secrets: URL credentials and secret headers reach the server, and nowhere else.
#include "fetchengine.h"
#include "jobqueuemodel.h"
#include "loopbackserver.h"
#include "redact.h"
#include "resultexporter.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// Distinctive, so that finding one anywhere can only mean it leaked.
const QString User = QStringLiteral("pf-user-7f3a");
const QString Password = QStringLiteral("pf-pass-9b1c");
const QString WrongPassword = QStringLiteral("pf-wrong-42d0");
const QByteArray BearerToken = "pf-bearer-5e6f";
const QByteArray CookieValue = "pf-cookie-a1b2";
const QByteArray ProxyToken = "pf-proxy-c3d4";
const QByteArray ApiKey = "pf-apikey-e5f6";
const QByteArray ServerCookie = "pf-set-cookie-0a9b";

QByteArray basicCredentials(const QString &user, const QString &password)
{
    return "Basic " + (user + QLatin1Char(':') + password).toUtf8().toBase64();
}

// Everything a person or a file can get from a job: the table's every column and role, the
// job's own text fields, and both export formats. The URL as requested is the one field that
// holds credentials on purpose, and only the model and exporters may read it.
QByteArray everythingShown(const JobQueueModel &model)
{
    QByteArray shown;
    for (int row = 0; row < model.rowCount(); ++row) {
        for (int column = 0; column < model.columnCount(); ++column) {
            for (int role :
                 { int(Qt::DisplayRole), int(Qt::ToolTipRole), int(JobQueueModel::RawValueRole) })
                shown += model.data(model.index(row, column), role).toString().toUtf8() + '\n';
        }
        const Job &job = model.jobAt(row);
        shown += job.errorString.toUtf8() + '\n' + job.finalUrl.toString().toUtf8() + '\n'
            + job.savedPath.toUtf8() + '\n' + job.fileName.toUtf8() + '\n';
        for (const auto &[name, value] : job.responseHeaders)
            shown += name + ": " + value + '\n';
    }
    shown += ResultExporter::toJson(model.jobs(), model.summary(), RunInfo {});
    shown += ResultExporter::toCsv(model.jobs());
    return shown;
}

// The secret in every spelling it could leak in: plain, percent-encoded, base64.
QList<QByteArray> spellings(const QByteArray &secret)
{
    return { secret, secret.toPercentEncoding(), secret.toBase64() };
}

} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void urlCredentials_data();
    void urlCredentials();
    void secretRequestHeadersAreSentButNeverShown();
    void secretRequestHeadersStayWithTheirOrigin_data();
    void secretRequestHeadersStayWithTheirOrigin();
    void setCookieIsMasked();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestSecrets::initTestCase()
{
    qRegisterMetaType<Parafetch::Job>();
}

void TestSecrets::init()
{
    m_server = std::make_unique<LoopbackServer>();
    QVERIFY2(m_server->listen(0, 2), qPrintable(m_server->errorString()));
}

void TestSecrets::urlCredentials_data()
{
    QTest::addColumn<QString>("target"); // a server path, "refused", or "invalid"
    QTest::addColumn<QString>("password");
    QTest::addColumn<JobState>("state");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QByteArray>("authorizationSeen"); // on the last request; empty = none
    QTest::addColumn<bool>("redirected");

    const QString authPath = QStringLiteral("/basic-auth/%1/%2").arg(User, Password);
    QTest::newRow("the right credentials answer the 401 challenge: succeeds")
        << authPath << Password << JobState::Succeeded << QString()
        << basicCredentials(User, Password) << false;
    QTest::newRow("a wrong password: fails with the 401, neither name nor password shown")
        << authPath << WrongPassword << JobState::Failed << "HTTP 401 Unauthorized"
        << basicCredentials(User, WrongPassword) << false;
    QTest::newRow("after a redirect the final URL carries no credentials")
        << "/redirect/1" << Password << JobState::Succeeded << QString() << QByteArray() << true;
    QTest::newRow("a 404 for a URL with credentials")
        << "/status/404" << Password << JobState::Failed << "HTTP 404 Not Found" << QByteArray()
        << false;
    QTest::newRow("a refused connection for a URL with credentials")
        << "refused" << Password << JobState::Failed << "connection refused" << QByteArray()
        << false;
    QTest::newRow("an unknown host for a URL with credentials")
        << "invalid" << Password << JobState::Failed << "host not found: parafetch-secrets.invalid"
        << QByteArray() << false;
}

void TestSecrets::urlCredentials()
{
    QFETCH(QString, target);
    QFETCH(QString, password);
    QFETCH(JobState, state);
    QFETCH(QString, message);
    QFETCH(QByteArray, authorizationSeen);
    QFETCH(bool, redirected);

    QUrl url;
    if (target == QLatin1String("refused"))
        url = refusedUrl();
    else if (target == QLatin1String("invalid"))
        url = QUrl(QStringLiteral("http://parafetch-secrets.invalid/x"));
    else
        url = m_server->url(target);
    url.setUserName(User);
    url.setPassword(password);

    JobQueueModel model;
    model.addEntries(entriesFor({ url }));
    FetchEngine engine(&model);
    engine.setOptions(testOptions());
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, state);
    QCOMPARE(job.errorString, message);
    if (!authorizationSeen.isEmpty()) {
        const QList<RecordedRequest> recorded = m_server->recordedRequests();
        QVERIFY(!recorded.isEmpty());
        QCOMPARE(recorded.constLast().header("authorization"), authorizationSeen);
    }
    if (redirected) {
        QVERIFY(!job.finalUrl.isEmpty());
        QCOMPARE(job.finalUrl.path(), QStringLiteral("/redirect/0"));
    }
    QVERIFY2(job.finalUrl.userInfo().isEmpty(), qPrintable(job.finalUrl.toString()));

    QByteArray shown = everythingShown(model);
    // The endpoint's path names the expected credentials on purpose; that is not a leak.
    if (target.startsWith(QLatin1String("/basic-auth/")))
        shown.replace(target.toUtf8(), "/basic-auth/PATH");
    QVERIFY(shown.contains(RedactedMark.data()));
    for (const QString &secret : { User, password }) {
        for (const QByteArray &spelling : spellings(secret.toUtf8()))
            QVERIFY2(!shown.contains(spelling), spelling.constData());
    }
    QVERIFY(!shown.contains(basicCredentials(User, password)));
}

void TestSecrets::secretRequestHeadersAreSentButNeverShown()
{
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/headers")),
                                  m_server->url(QStringLiteral("/status/403")) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.headers = { { "Authorization", "Bearer " + BearerToken },
                        { "Cookie", "sid=" + CookieValue },
                        { "Proxy-Authorization", "Basic " + ProxyToken },
                        { "X-Api-Key", ApiKey } };
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(1).errorString, QStringLiteral("HTTP 403 Forbidden"));

    const QList<RecordedRequest> recorded = m_server->recordedRequests();
    QCOMPARE(recorded.size(), 2);
    for (const RecordedRequest &request : recorded) {
        QCOMPARE(request.header("authorization"), "Bearer " + BearerToken);
        QCOMPARE(request.header("cookie"), "sid=" + CookieValue);
        QCOMPARE(request.header("proxy-authorization"), "Basic " + ProxyToken);
        QCOMPARE(request.header("x-api-key"), ApiKey);
    }

    const QByteArray shown = everythingShown(model);
    for (const QByteArray &secret : { BearerToken, CookieValue, ProxyToken, ApiKey }) {
        for (const QByteArray &spelling : spellings(secret))
            QVERIFY2(!shown.contains(spelling), spelling.constData());
    }
}

void TestSecrets::secretRequestHeadersStayWithTheirOrigin_data()
{
    QTest::addColumn<bool>("elsewhere"); // the redirect leads to another origin
    QTest::newRow("a redirect on the same origin keeps them") << false;
    QTest::newRow("a redirect to another origin drops them, and only them") << true;
}

void TestSecrets::secretRequestHeadersStayWithTheirOrigin()
{
    QFETCH(bool, elsewhere);
    // Another port is another origin (RFC 6454).
    LoopbackServer other;
    QVERIFY2(other.listen(0, 1), qPrintable(other.errorString()));
    const LoopbackServer &target = elsewhere ? other : *m_server;
    const QUrl next = target.url(QStringLiteral("/headers"));
    const QUrl first =
        m_server->url(QStringLiteral("/redirect-to?url=%1")
                          .arg(QString::fromLatin1(next.toEncoded().toPercentEncoding())));

    JobQueueModel model;
    model.addEntries(entriesFor({ first }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions();
    options.headers = { { "Authorization", "Bearer " + BearerToken },
                        { "Cookie", "sid=" + CookieValue },
                        { "X-Api-Key", ApiKey },
                        { "Proxy-Authorization", "Basic " + ProxyToken },
                        { "X-Trace", "not-a-secret" } };
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(0).finalUrl, next);

    const QList<RecordedRequest> asked = m_server->recordedRequests();
    QVERIFY(!asked.isEmpty());
    QCOMPARE(asked.constFirst().header("authorization"), "Bearer " + BearerToken);
    const RecordedRequest redirected = target.recordedRequests().constLast();
    QCOMPARE(redirected.target, QByteArray("/headers"));
    QCOMPARE(redirected.header("x-trace"), QByteArray("not-a-secret"));
    // For the proxy, which the redirect does not change.
    QCOMPARE(redirected.header("proxy-authorization"), "Basic " + ProxyToken);
    QCOMPARE(redirected.header("authorization").isEmpty(), elsewhere);
    QCOMPARE(redirected.header("cookie").isEmpty(), elsewhere);
    QCOMPARE(redirected.header("x-api-key").isEmpty(), elsewhere);
}

void TestSecrets::setCookieIsMasked()
{
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(
        QStringLiteral("/set-cookie/%1").arg(QString::fromLatin1(ServerCookie))) }));
    FetchEngine engine(&model);
    engine.setOptions(testOptions());
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    const auto setCookie =
        std::find_if(job.responseHeaders.cbegin(), job.responseHeaders.cend(),
                     [](const QPair<QByteArray, QByteArray> &field) {
                         return field.first.compare("set-cookie", Qt::CaseInsensitive) == 0;
                     });
    QVERIFY(setCookie != job.responseHeaders.cend());
    QCOMPARE(setCookie->second, QByteArray(RedactedMark.data()));
    // The path holds the value so the server can send it back; the rest must not.
    QByteArray shown = everythingShown(model);
    shown.replace("/set-cookie/" + ServerCookie, "/set-cookie/VALUE");
    QVERIFY2(!shown.contains(ServerCookie), shown.constData());
}

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
