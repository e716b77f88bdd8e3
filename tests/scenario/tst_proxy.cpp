// SPDX-License-Identifier: GPL-3.0-or-later
// Explicit proxies (--proxy, Settings → Proxy) against real ones the test starts: tinyproxy for
// http://, microsocks for socks5:// and socks5h://, each proving on its side that requests went
// through it, and the password never shown.
#include "engine/fetchengine.h"
#include "engine/hostresolver.h"
#include "exitcodes.h"
#include "formats/csvformat.h"
#include "formats/jsonformat.h"
#include "formats/runfile.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QFile>
#include <QHostAddress>
#include <QHostInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// Distinctive, so that finding one anywhere can only mean it leaked.
const QString User = QStringLiteral("pf-proxyuser-3e1d");
const QString Password = QStringLiteral("pf-proxypass-8c2a");
const QString WrongPassword = QStringLiteral("pf-wrongpass-5b7f");

// Only reached when something is broken.
constexpr int ProxyStartTimeoutMs = 20'000;
constexpr int ProcessTimeoutMs = 120'000;
constexpr int ProbeTimeoutMs = 1'000;

// The secret in every spelling it could leak in: plain, percent-encoded, base64 (of the pair, as
// Basic credentials carry it).
QList<QByteArray> spellings(const QString &secret)
{
    return { secret.toUtf8(), QUrl::toPercentEncoding(secret),
             (User + QLatin1Char(':') + secret).toUtf8().toBase64() };
}

// A port that was free a moment ago on 127.0.0.1, for a proxy that cannot be told to take one.
quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// A proxy from Debian, run by the test as a child process and stopped by it.
class ProxyServer final
{
    Q_DISABLE_COPY_MOVE(ProxyServer)
public:
    enum class Kind { Tinyproxy, Microsocks };

    ProxyServer() = default;
    ~ProxyServer()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(ProcessTimeoutMs)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    static QString packageName(Kind kind)
    {
        return kind == Kind::Tinyproxy ? QStringLiteral("tinyproxy") : QStringLiteral("microsocks");
    }

    // Starts it on 127.0.0.1, asking for user and password unless user is empty.
    bool start(Kind kind, const QString &user, const QString &password, QString *error)
    {
        m_kind = kind;
        const QString program = QStandardPaths::findExecutable(packageName(kind));
        if (program.isEmpty() || !m_dir.isValid() || (m_port = freePort()) == 0) {
            *error = QStringLiteral("cannot start %1").arg(packageName(kind));
            return false;
        }
        m_logPath = m_dir.filePath(QStringLiteral("proxy.log"));
        QStringList arguments;
        if (kind == Kind::Tinyproxy) {
            QFile config(m_dir.filePath(QStringLiteral("tinyproxy.conf")));
            if (!config.open(QIODevice::WriteOnly)) {
                *error = config.errorString();
                return false;
            }
            QByteArray text = "Port " + QByteArray::number(m_port)
                + "\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 60\nLogLevel Info\nLogFile \""
                + m_logPath.toUtf8() + "\"\n";
            if (!user.isEmpty())
                text += "BasicAuth " + user.toUtf8() + ' ' + password.toUtf8() + '\n';
            config.write(text);
            config.close();
            arguments = { QStringLiteral("-d"), QStringLiteral("-c"), config.fileName() };
        } else {
            // microsocks writes a line per connection to standard error:
            // "client[5] 127.0.0.1: connected to HOST:PORT".
            arguments = { QStringLiteral("-i"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                          QString::number(m_port) };
            if (!user.isEmpty())
                arguments += { QStringLiteral("-u"), user, QStringLiteral("-P"), password };
            m_process.setStandardErrorFile(m_logPath);
        }
        m_process.setStandardOutputFile(QProcess::nullDevice());
        m_process.start(program, arguments);
        if (!m_process.waitForStarted(ProxyStartTimeoutMs)) {
            *error = m_process.errorString();
            return false;
        }
        return true;
    }

    // Whether it takes connections yet (tinyproxy says so in its log; microsocks is probed).
    bool isAccepting() const
    {
        if (m_process.state() != QProcess::Running)
            return false;
        if (m_kind == Kind::Tinyproxy)
            return log().contains("Accepting connections");
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, m_port);
        return probe.waitForConnected(ProbeTimeoutMs);
    }

    QByteArray log() const
    {
        QFile file(m_logPath);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    // The proxy URL a client is given: scheme://[user:password@]127.0.0.1:port
    QString url(const QString &scheme, const QString &user = {}, const QString &password = {}) const
    {
        QUrl url;
        url.setScheme(scheme);
        url.setHost(QStringLiteral("127.0.0.1"));
        url.setPort(m_port);
        url.setUserName(user);
        url.setPassword(password);
        return url.toString();
    }

private:
    Kind m_kind = Kind::Tinyproxy;
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_logPath;
    quint16 m_port = 0;
};

// Starts `proxy` in a test function, skipping the test when the package is missing.
#define START_PROXY(proxy, kind, user, password)                                                   \
    do {                                                                                           \
        if (QStandardPaths::findExecutable(ProxyServer::packageName(kind)).isEmpty())              \
            QSKIP(qPrintable(ProxyServer::packageName(kind)                                        \
                             + QStringLiteral(" is not installed (Debian package %1; "             \
                                              "scripts/setup.sh installs it)")                     \
                                   .arg(ProxyServer::packageName(kind))));                         \
        QString startError;                                                                        \
        QVERIFY2((proxy).start(kind, user, password, &startError), qPrintable(startError));        \
        QTRY_VERIFY_WITH_TIMEOUT((proxy).isAccepting(), ProxyStartTimeoutMs);                      \
    } while (false)

// Every place a job's text can reach a person or a file: its error, final URL, the exports.
QByteArray everythingShown(const JobQueueModel &model)
{
    QByteArray shown;
    for (int row = 0; row < model.rowCount(); ++row) {
        for (int column = 0; column < model.columnCount(); ++column)
            shown += model.data(model.index(row, column)).toString().toUtf8() + '\n';
        const Job &job = model.jobAt(row);
        shown += job.errorString().toUtf8() + '\n' + job.finalUrl().toString().toUtf8() + '\n';
    }
    shown += JsonFormat::toJson(model.jobs(), model.summary(), RunInfo {});
    shown += CsvFormat::toCsv(model.jobs());
    return shown;
}

struct ExecutableResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("exit code %1\n--- stdout:\n%2\n--- stderr:\n%3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

// Runs parafetch with these arguments, without the system's proxy settings in its environment.
bool runParafetch(const QStringList &args, const QString &directory, ExecutableResult *result)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name :
         { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" })
        environment.remove(QLatin1String(name));
    environment.insert(QStringLiteral("no_proxy"), QStringLiteral("*"));
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(directory);
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE), args);
    process.closeWriteChannel();
    if (!process.waitForFinished(ProcessTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        return false;
    }
    result->exitCode = process.exitCode();
    result->out = process.readAllStandardOutput();
    result->err = process.readAllStandardError();
    return process.exitStatus() == QProcess::NormalExit;
}

} // namespace

Q_DECLARE_METATYPE(ProxyServer::Kind)

class TestProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void requestsGoThroughTheProxy_data();
    void requestsGoThroughTheProxy();
    void aWrongPasswordFailsWithoutShowingIt_data();
    void aWrongPasswordFailsWithoutShowingIt();
    void socks5ResolvesHereSocks5hOnTheProxy_data();
    void socks5ResolvesHereSocks5hOnTheProxy();
    void commandLineFetchesThroughTheProxyAndNeverPrintsThePassword();
    void badProxyOptionsExit2_data();
    void badProxyOptionsExit2();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestProxy::init()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestProxy::requestsGoThroughTheProxy_data()
{
    QTest::addColumn<ProxyServer::Kind>("kind");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<bool>("credentials");

    using Kind = ProxyServer::Kind;
    QTest::newRow("http:// through tinyproxy: its log names every URL")
        << Kind::Tinyproxy << QStringLiteral("http") << false;
    QTest::newRow("http:// with user and password through tinyproxy asking for them")
        << Kind::Tinyproxy << QStringLiteral("http") << true;
    QTest::newRow("socks5:// through microsocks: every connection the server saw came from it")
        << Kind::Microsocks << QStringLiteral("socks5") << false;
    QTest::newRow("socks5h:// through microsocks")
        << Kind::Microsocks << QStringLiteral("socks5h") << false;
    QTest::newRow("socks5h:// with user and password through microsocks asking for them")
        << Kind::Microsocks << QStringLiteral("socks5h") << true;
}

void TestProxy::requestsGoThroughTheProxy()
{
    QFETCH(ProxyServer::Kind, kind);
    QFETCH(QString, scheme);
    QFETCH(bool, credentials);

    ProxyServer proxy;
    START_PROXY(proxy, kind, credentials ? User : QString(), credentials ? Password : QString());

    const QStringList paths { QStringLiteral("/bytes/10"), QStringLiteral("/bytes/11"),
                              QStringLiteral("/bytes/12"), QStringLiteral("/bytes/13") };
    QList<QUrl> urls;
    for (const QString &path : paths)
        urls.append(m_server->url(path));
    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(2);
    options.proxy = credentials ? proxy.url(scheme, User, Password) : proxy.url(scheme);
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    for (int row = 0; row < model.rowCount(); ++row) {
        const Job &job = model.jobAt(row);
        QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
    }
    QCOMPARE(m_server->requestCount(), qint64(paths.size()));
    const QByteArray log = proxy.log();
    if (kind == ProxyServer::Kind::Tinyproxy) {
        for (const QString &path : paths) {
            const QByteArray line = "GET " + m_server->url(path).toEncoded() + " HTTP/1.1";
            QVERIFY2(log.contains(line), log.constData());
        }
        // tinyproxy marks what it forwards.
        const QList<RecordedRequest> recorded = m_server->recordedRequests();
        QCOMPARE(recorded.size(), paths.size());
        for (const RecordedRequest &request : recorded)
            QVERIFY2(request.header("via").contains("tinyproxy"), request.target.constData());
    } else {
        const QByteArray line = "connected to 127.0.0.1:" + QByteArray::number(m_server->port());
        QVERIFY2(log.count(line) >= 1, log.constData());
        QCOMPARE(qint64(log.count(line)), m_server->connectionCount());
    }
    const QByteArray shown = everythingShown(model);
    for (const QByteArray &spelling : spellings(Password))
        QVERIFY2(!shown.contains(spelling), shown.constData());
}

void TestProxy::aWrongPasswordFailsWithoutShowingIt_data()
{
    QTest::addColumn<ProxyServer::Kind>("kind");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("password"); // the client's; the proxy wants Password
    QTest::addColumn<QString>("message"); // what the job's error says

    using Kind = ProxyServer::Kind;
    // tinyproxy answers wrong credentials with 401 and WWW-Authenticate, not 407.
    QTest::newRow("tinyproxy refuses a wrong password with its 401")
        << Kind::Tinyproxy << QStringLiteral("http") << WrongPassword
        << QStringLiteral("HTTP 401 Unauthorized");
    QTest::newRow("tinyproxy wants a password and gets none: 407")
        << Kind::Tinyproxy << QStringLiteral("http") << QString()
        << QStringLiteral("HTTP 407 Proxy Authentication Required");
    QTest::newRow("microsocks refuses a wrong password")
        << Kind::Microsocks << QStringLiteral("socks5h") << WrongPassword
        << QStringLiteral("Proxy requires authentication");
    QTest::newRow("microsocks wants a password and gets none")
        << Kind::Microsocks << QStringLiteral("socks5h") << QString()
        << QStringLiteral("Proxy requires authentication");
}

void TestProxy::aWrongPasswordFailsWithoutShowingIt()
{
    QFETCH(ProxyServer::Kind, kind);
    QFETCH(QString, scheme);
    QFETCH(QString, password);
    QFETCH(QString, message);

    ProxyServer proxy;
    START_PROXY(proxy, kind, User, Password);

    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/10")) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.retries = 0;
    options.proxy = password.isEmpty() ? proxy.url(scheme) : proxy.url(scheme, User, password);
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.errorString(), message);
    QCOMPARE(m_server->requestCount(), qint64(0)); // the proxy let nothing through
    const QByteArray shown = everythingShown(model);
    for (const QString &secret : { Password, WrongPassword }) {
        for (const QByteArray &spelling : spellings(secret))
            QVERIFY2(!shown.contains(spelling), shown.constData());
    }
}

void TestProxy::socks5ResolvesHereSocks5hOnTheProxy_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<bool>("proxyGetsTheName");

    QTest::newRow("socks5:// gives the proxy the address we looked up")
        << QStringLiteral("socks5") << false;
    QTest::newRow("socks5h:// gives the proxy the name") << QStringLiteral("socks5h") << true;
}

void TestProxy::socks5ResolvesHereSocks5hOnTheProxy()
{
    QFETCH(QString, scheme);
    QFETCH(bool, proxyGetsTheName);

    ProxyServer proxy;
    START_PROXY(proxy, ProxyServer::Kind::Microsocks, QString(), QString());

    // localhost: a name that is the loopback address wherever the test runs, 127.0.0.1 or ::1
    // first (Debian's own /etc/hosts gives ::1 first). The server listens on the one the name
    // gives first, so that the proxy's connection succeeds and is logged either way; what is
    // checked is what the proxy was asked for.
    const QList<QHostAddress> addresses =
        QHostInfo::fromName(QStringLiteral("localhost")).addresses();
    QVERIFY(!addresses.isEmpty());
    LoopbackServer server;
    QVERIFY2(server.listen(0, 1, addresses.constFirst()), qPrintable(server.errorString()));
    QUrl url = server.url(QStringLiteral("/bytes/10"));
    url.setHost(QStringLiteral("localhost"));
    JobQueueModel model;
    model.addEntries(entriesFor({ url }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.retries = 0;
    options.proxy = proxy.url(scheme);
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const QByteArray log = proxy.log();
    const QByteArray port = ':' + QByteArray::number(server.port());
    QVERIFY2(log.contains("connected to "), log.constData());
    QCOMPARE(log.contains("connected to localhost" + port), proxyGetsTheName);
    // Through a proxy the run looks nothing up itself (socks5:// leaves that to Qt): no DNS
    // phase, and no address of ours.
    QCOMPARE(engine.hostResolver().lookupCount(), 0);
    QCOMPARE(model.jobAt(0).dnsUs, -1);
    if (!proxyGetsTheName)
        QVERIFY2(log.contains("connected to 127.0.0.1" + port)
                     || log.contains("connected to ::1" + port),
                 log.constData());
}

void TestProxy::commandLineFetchesThroughTheProxyAndNeverPrintsThePassword()
{
    ProxyServer proxy;
    START_PROXY(proxy, ProxyServer::Kind::Tinyproxy, User, Password);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    for (const QString &password : { Password, WrongPassword }) {
        const bool right = password == Password;
        const QString path = right ? QStringLiteral("/bytes/20") : QStringLiteral("/bytes/21");
        const QString exportPath =
            dir.filePath(right ? QStringLiteral("right.har") : QStringLiteral("wrong.har"));
        ExecutableResult result;
        QVERIFY(runParafetch(
            { QStringLiteral("--headless"), QStringLiteral("--retries"), QStringLiteral("0"),
              QStringLiteral("--proxy"), proxy.url(QStringLiteral("http"), User, password),
              QStringLiteral("--export"), exportPath, m_server->url(path).toString() },
            dir.path(), &result));
        QVERIFY2(result.exitCode == (right ? AllSucceeded : SomeFailed),
                 qPrintable(result.describe()));
        QCOMPARE(proxy.log().contains("GET " + m_server->url(path).toEncoded()), true);
        QFile exported(exportPath);
        QVERIFY(exported.open(QIODevice::ReadOnly));
        const QByteArray shown = result.out + result.err + exported.readAll();
        for (const QString &secret : { Password, WrongPassword }) {
            for (const QByteArray &spelling : spellings(secret))
                QVERIFY2(!shown.contains(spelling), shown.constData());
        }
    }
    QCOMPARE(m_server->requestCount(), qint64(1)); // the wrong password got nowhere
}

void TestProxy::badProxyOptionsExit2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("mentions"); // in standard error

    const QString url = QStringLiteral("http://127.0.0.1:9/x");
    const QString withPassword =
        QStringLiteral("%2://%1:%3@127.0.0.1:3128").arg(User, QStringLiteral("%1"), Password);
    QTest::newRow("an unknown scheme exits 2 naming the option and the scheme")
        << QStringList { QStringLiteral("--proxy"), withPassword.arg(QStringLiteral("ftp")), url }
        << QStringList { QStringLiteral("--proxy"), QStringLiteral("\"ftp\"") };
    QTest::newRow("https:// exits 2: Qt cannot speak TLS to a proxy")
        << QStringList { QStringLiteral("--proxy"), withPassword.arg(QStringLiteral("https")), url }
        << QStringList { QStringLiteral("--proxy"), QStringLiteral("https://"),
                         QStringLiteral("TLS") };
    QTest::newRow("no scheme exits 2 naming the option")
        << QStringList { QStringLiteral("--proxy"), QStringLiteral("127.0.0.1:3128"), url }
        << QStringList { QStringLiteral("--proxy"), QStringLiteral("SCHEME://HOST:PORT") };
    QTest::newRow("a path exits 2 with the password masked")
        << QStringList { QStringLiteral("--proxy"),
                         withPassword.arg(QStringLiteral("http")) + QStringLiteral("/x"), url }
        << QStringList { QStringLiteral("--proxy"), QStringLiteral("no path"),
                         QStringLiteral("***@127.0.0.1:3128/x") };
    QTest::newRow("--proxy with --no-proxy exits 2")
        << QStringList { QStringLiteral("--proxy"), withPassword.arg(QStringLiteral("socks5h")),
                         QStringLiteral("--no-proxy"), url }
        << QStringList { QStringLiteral("--proxy"), QStringLiteral("--no-proxy") };
}

void TestProxy::badProxyOptionsExit2()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, mentions);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ExecutableResult result;
    QVERIFY(runParafetch(QStringList { QStringLiteral("--headless") } + args, dir.path(), &result));
    QVERIFY2(result.exitCode == BadInput, qPrintable(result.describe()));
    QVERIFY2(result.out.isEmpty(), qPrintable(result.describe()));
    const QString err = QString::fromUtf8(result.err);
    for (const QString &mention : mentions)
        QVERIFY2(err.contains(mention),
                 qPrintable(mention + QLatin1Char('\n') + result.describe()));
    for (const QByteArray &spelling : spellings(Password))
        QVERIFY2(!result.err.contains(spelling), qPrintable(result.describe()));
}

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
