// SPDX-License-Identifier: GPL-3.0-or-later
// Secrets: URL credentials, secret query values and secret headers reach the server, and
// nowhere else.
#include "engine/fetchengine.h"
#include "formats/csvformat.h"
#include "formats/harformat.h"
#include "formats/jsonformat.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "run/runjournal.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QTemporaryDir>
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
const QByteArray QueryToken = "pf-qtoken-1a2b";
const QByteArray QueryKey = "pf-qkey-3c4d";
const QByteArray QuerySignature = "pf-qsig-5e6f";
const QByteArray FinalSignature = "pf-final-7a8b";

// Every name SecretQueryParameters holds, written out here so that one dropped from the table
// fails its row.
constexpr const char *SecretParameterNames[] = {
    "access_token",
    "api_key",
    "apikey",
    "token",
    "sig",
    "signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "password",
    "passwd",
    "secret",
    "client_secret",
    "auth",
    "key",
    "refresh_token",
    "id_token",
    "auth_token",
    "private_token",
    "X-Goog-Signature",
    "X-Goog-Credential",
};

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
        shown += job.errorString().toUtf8() + '\n' + job.finalUrl().toString().toUtf8() + '\n'
            + job.savedPath().toUtf8() + '\n' + job.fileName().toUtf8() + '\n';
        for (const auto &[name, value] : job.responseHeaders())
            shown += name + ": " + value + '\n';
    }
    shown += JsonFormat::toJson(model.jobs(), model.summary(), RunInfo {});
    shown += CsvFormat::toCsv(model.jobs());
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
    void init();

    void urlCredentials_data();
    void urlCredentials();
    void secretRequestHeadersAreSentButNeverShown();
    void secretRequestHeadersStayWithTheirOrigin_data();
    void secretRequestHeadersStayWithTheirOrigin();
    void setCookieIsMasked();
    void secretQueryParameters_data();
    void secretQueryParameters();
    void urlHeaders_data();
    void urlHeaders();
    void secretQueryValuesAreSentButNeverShown_data();
    void secretQueryValuesAreSentButNeverShown();
    void journaledUrlWithASecretQueryValueIsNotRestored();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestSecrets::init()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
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
    QCOMPARE(job.errorString(), message);
    if (!authorizationSeen.isEmpty()) {
        const QList<RecordedRequest> recorded = m_server->recordedRequests();
        QVERIFY(!recorded.isEmpty());
        QCOMPARE(recorded.constLast().header("authorization"), authorizationSeen);
    }
    if (redirected) {
        QVERIFY(!job.finalUrl().isEmpty());
        QCOMPARE(job.finalUrl().path(), QStringLiteral("/redirect/0"));
    }
    QVERIFY2(job.finalUrl().userInfo().isEmpty(), qPrintable(job.finalUrl().toString()));

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
    QCOMPARE(model.jobAt(1).errorString(), QStringLiteral("HTTP 403 Forbidden"));

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
    QCOMPARE(model.jobAt(0).finalUrl(), next);

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
        std::find_if(job.responseHeaders().cbegin(), job.responseHeaders().cend(),
                     [](const QPair<QByteArray, QByteArray> &field) {
                         return field.first.compare("set-cookie", Qt::CaseInsensitive) == 0;
                     });
    QVERIFY(setCookie != job.responseHeaders().cend());
    QCOMPARE(setCookie->second, QByteArray(RedactedMark.data()));
    // The path holds the value so the server can send it back; the rest must not.
    QByteArray shown = everythingShown(model);
    shown.replace("/set-cookie/" + ServerCookie, "/set-cookie/VALUE");
    QVERIFY2(!shown.contains(ServerCookie), shown.constData());
}

void TestSecrets::secretQueryParameters_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<bool>("lostSecret"); // the shown URL cannot be fetched again as it was

    const QString base = QStringLiteral("http://127.0.0.1:1/p");
    for (const char *name : SecretParameterNames) {
        QTest::addRow("%s is masked, its name and the other parameters kept", name)
            << base + QStringLiteral("?%1=pf-secret&page=2").arg(QLatin1String(name))
            << base + QStringLiteral("?%1=***&page=2").arg(QLatin1String(name)) << true;
    }
    QTest::newRow("the name in another case: ACCESS_TOKEN")
        << base + QStringLiteral("?ACCESS_TOKEN=pf-secret")
        << base + QStringLiteral("?ACCESS_TOKEN=***") << true;
    QTest::newRow("the name in lower case: x-amz-signature")
        << base + QStringLiteral("?x-amz-signature=pf-secret")
        << base + QStringLiteral("?x-amz-signature=***") << true;
    QTest::newRow("a percent-encoded name: access%5Ftoken, which QUrl decodes")
        << base + QStringLiteral("?access%5Ftoken=pf-secret")
        << base + QStringLiteral("?access_token=***") << true;
    QTest::newRow("a repeated name: each value")
        << base + QStringLiteral("?sig=pf-one&page=2&sig=pf-two")
        << base + QStringLiteral("?sig=***&page=2&sig=***") << true;
    QTest::newRow("an encoded & in the value goes with it")
        << base + QStringLiteral("?token=pf-a%26b&page=2")
        << base + QStringLiteral("?token=***&page=2") << true;
    QTest::newRow("an encoded value") << base + QStringLiteral("?key=pf%2Fsecret%3D%3D")
                                      << base + QStringLiteral("?key=***") << true;
    QTest::newRow("user info and a token together")
        << QStringLiteral("http://pf-user:pf-pass@127.0.0.1:1/p?token=pf-secret&page=2")
        << QStringLiteral("http://***@127.0.0.1:1/p?token=***&page=2") << true;
    QTest::newRow("OAuth's fragment is masked too, though it never reaches the server")
        << base + QStringLiteral("#access_token=pf-secret&token_type=bearer")
        << base + QStringLiteral("#access_token=***&token_type=bearer") << false;

    QTest::newRow("page=2 is shown")
        << base + QStringLiteral("?page=2") << base + QStringLiteral("?page=2") << false;
    QTest::newRow("q=tokenizer is shown") << base + QStringLiteral("?q=tokenizer&page=2")
                                          << base + QStringLiteral("?q=tokenizer&page=2") << false;
    QTest::newRow("q=token is shown: a secret's name as a value")
        << base + QStringLiteral("?q=token") << base + QStringLiteral("?q=token") << false;
    QTest::newRow("tokens=5 is shown: whole names only")
        << base + QStringLiteral("?tokens=5&monkey=x")
        << base + QStringLiteral("?tokens=5&monkey=x") << false;
    QTest::newRow("a secret name without a value is left as it is")
        << base + QStringLiteral("?token&key=&page=2")
        << base + QStringLiteral("?token&key=&page=2") << false;
    QTest::newRow("a token in the path is not a query parameter")
        << QStringLiteral("http://127.0.0.1:1/token=pf-path")
        << QStringLiteral("http://127.0.0.1:1/token=pf-path") << false;
}

void TestSecrets::secretQueryParameters()
{
    QFETCH(QString, url);
    QFETCH(QString, shown);
    QFETCH(bool, lostSecret);

    const QUrl parsed(url, QUrl::StrictMode);
    QVERIFY2(parsed.isValid(), qPrintable(parsed.errorString()));
    QCOMPARE(redactedUrl(parsed), shown);
    // Shown twice is shown the same; what was masked is known to be lost.
    QCOMPARE(redactedUrl(QUrl(shown)), shown);
    QCOMPARE(hasMaskedSecrets(QUrl(shown)), lostSecret);
    QVERIFY(!hasMaskedSecrets(parsed));
}

void TestSecrets::urlHeaders_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("shown");

    QTest::newRow("a Location to a presigned URL")
        << QByteArray("Location")
        << QByteArray(
               "https://bucket.example/o?X-Amz-Credential=pf-cred&X-Amz-Signature=pf-sig&x=1")
        << QByteArray("https://bucket.example/o?X-Amz-Credential=***&X-Amz-Signature=***&x=1");
    QTest::newRow("a relative location, in lower case")
        << QByteArray("location") << QByteArray("/next?token=pf-secret&page=2")
        << QByteArray("/next?token=***&page=2");
    QTest::newRow("a Location with user info")
        << QByteArray("Location") << QByteArray("http://pf-user:pf-pass@127.0.0.1:1/")
        << QByteArray("http://***@127.0.0.1:1/");
    QTest::newRow("a Content-Location with a key")
        << QByteArray("Content-Location") << QByteArray("/doc?key=pf-secret")
        << QByteArray("/doc?key=***");
    QTest::newRow("a harmless Location is kept byte for byte")
        << QByteArray("Location") << QByteArray("/search?q=tokenizer&page=2")
        << QByteArray("/search?q=tokenizer&page=2");
    QTest::newRow("another header is not read as a URL")
        << QByteArray("X-Note") << QByteArray("/next?token=pf-visible")
        << QByteArray("/next?token=pf-visible");
}

void TestSecrets::urlHeaders()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, shown);
    QCOMPARE(redactedHeaderValue(name, value), shown);
}

void TestSecrets::secretQueryValuesAreSentButNeverShown_data()
{
    QTest::addColumn<QString>("output");
    for (const char *output : { "table", "CSV", "JSON", "HAR", "run journal" })
        QTest::addRow("%s", output) << QString::fromLatin1(output);
}

void TestSecrets::secretQueryValuesAreSentButNeverShown()
{
    QFETCH(QString, output);

    const QString direct = QStringLiteral("/headers?access_token=%1&page=2&q=tokenizer")
                               .arg(QString::fromLatin1(QueryToken));
    const QString notFound =
        QStringLiteral("/status/404?api_key=%1&page=2").arg(QString::fromLatin1(QueryKey));
    QUrl refused = refusedUrl();
    refused.setQuery(
        QStringLiteral("X-Amz-Signature=%1&page=2").arg(QString::fromLatin1(QuerySignature)));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString journalPath = dir.filePath(QStringLiteral("journal.jsonl"));
    JobQueueModel model;
    RunJournal journal(journalPath);
    if (output == QLatin1String("run journal"))
        journal.attach(&model);
    model.addEntries(entriesFor({ m_server->url(direct), m_server->url(notFound), refused }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions();
    options.retries = 0;
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(1).errorString(), QStringLiteral("HTTP 404 Not Found"));
    QCOMPARE(model.jobAt(2).state, JobState::Failed);

    // The request itself is unchanged: the server got the real values.
    QStringList targets;
    for (const RecordedRequest &request : m_server->recordedRequests())
        targets.append(QString::fromLatin1(request.target));
    QVERIFY2(targets.contains(direct), qPrintable(targets.join(QLatin1Char('\n'))));
    QVERIFY2(targets.contains(notFound), qPrintable(targets.join(QLatin1Char('\n'))));

    // A redirect that ended on a presigned URL, as the engine records it: the final URL as
    // requested, and a Location. (The loopback server can only redirect to a URL that the
    // first one carries, and that one would be shown.)
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/redirect/1")) }));
    Job redirected = model.jobAt(3);
    const QUrl final = m_server->url(
        QStringLiteral("/next?X-Amz-Signature=%1&page=2").arg(QString::fromLatin1(FinalSignature)));
    redirected.state = JobState::Succeeded;
    redirected.httpStatus = 200;
    redirected.attempts = 1;
    redirected.setFinalUrl(final);
    redirected.editDetails().responseHeaders.append({ "Location", final.toEncoded() });
    model.finishJob(redirected);

    QByteArray shown;
    if (output == QLatin1String("table")) {
        for (int row = 0; row < model.rowCount(); ++row) {
            for (int column = 0; column < model.columnCount(); ++column) {
                for (int role : { int(Qt::DisplayRole), int(Qt::ToolTipRole),
                                  int(JobQueueModel::RawValueRole) })
                    shown += model.data(model.index(row, column), role).toString().toUtf8() + '\n';
            }
        }
        QCOMPARE(model.index(0, JobQueueModel::UrlColumn).data().toString(),
                 m_server->url(QStringLiteral("/headers?access_token=***&page=2&q=tokenizer"))
                     .toString(QUrl::FullyEncoded));
    } else if (output == QLatin1String("CSV")) {
        shown = CsvFormat::toCsv(model.jobs());
    } else if (output == QLatin1String("JSON")) {
        shown = JsonFormat::toJson(model.jobs(), model.summary(), RunInfo {});
    } else if (output == QLatin1String("HAR")) {
        shown = HarFormat::toHar(model.jobs(), model.summary(), RunInfo {});
        // queryString: the name kept, the value masked; harmless pairs as they are.
        QVERIFY2(shown.contains(R"({"name": "access_token", "value": "***"})"), shown.constData());
        QVERIFY2(shown.contains(R"({"name": "q", "value": "tokenizer"})"), shown.constData());
    } else {
        QVERIFY(journal.sync());
        QFile file(journalPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        shown = file.readAll();
    }

    for (const QByteArray &secret : { QueryToken, QueryKey, QuerySignature, FinalSignature }) {
        for (const QByteArray &spelling : spellings(secret))
            QVERIFY2(!shown.contains(spelling), spelling + '\n' + shown);
    }
    for (const QByteArray &masked :
         { QByteArray("access_token=***&page=2&q=tokenizer"), QByteArray("api_key=***&page=2"),
           QByteArray("X-Amz-Signature=***&page=2") }) {
        QVERIFY2(shown.contains(masked), masked + '\n' + shown);
    }
    if (output != QLatin1String("table")) { // the table has no final URL column
        const QByteArray finalShown =
            m_server->url(QStringLiteral("/next?X-Amz-Signature=***&page=2")).toEncoded();
        QVERIFY2(shown.contains(finalShown), finalShown + '\n' + shown);
    }
}

void TestSecrets::journaledUrlWithASecretQueryValueIsNotRestored()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("journal.jsonl"));
    const QUrl secret = m_server->url(
        QStringLiteral("/bytes/1?token=%1&page=2").arg(QString::fromLatin1(QueryToken)));
    const QUrl harmless = m_server->url(QStringLiteral("/bytes/2?q=tokenizer&page=2"));
    {
        JobQueueModel model;
        RunJournal journal(path);
        journal.attach(&model);
        model.addEntries(entriesFor({ secret, harmless }));
        QVERIFY(journal.sync());
    } // no clean exit: a crash, as far as the next start can tell

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray content = file.readAll();
    QVERIFY2(!content.contains(QueryToken), content.constData());

    QList<JournaledJob> jobs;
    bool cleanExit = true;
    QString error;
    QVERIFY2(RunJournal::replay(path, &jobs, &cleanExit, &error), qPrintable(error));
    QCOMPARE(jobs.size(), 2);
    const QList<Job> restored = RunJournal::restorableJobs(jobs);
    // Fetched again it would send "***" as the token.
    QCOMPARE(restored.at(0).state, JobState::Cancelled);
    QVERIFY2(restored.at(0).errorString().contains(QLatin1String("secret query values")),
             qPrintable(restored.at(0).errorString()));
    QCOMPARE(restored.at(1).state, JobState::Queued);
    QCOMPARE(restored.at(1).url, harmless);
}

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
