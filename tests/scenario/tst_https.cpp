// SPDX-License-Identifier: GPL-3.0-or-later
// https end to end: trusted and refused certificates, the CA file, HTTP/1.1 and h2 over TLS.
#include "engine/fetchengine.h"
#include "engine/tlsconfig.h"
#include "exitcodes.h"
#include "http2servers.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "sha256.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QHostInfo>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// Only guards against a hung child or server; never a measure of speed.
constexpr int HangGuardMs = 120'000;
constexpr qint64 BodyBytes = 300'000;
constexpr int Http2Files = 3;
constexpr int ConfiguringThreads = 8;
constexpr int RequestsPerThread = 200;
const char NoNghttpd[] = "nghttpd is not installed (Debian package nghttp2-server, see "
                         "scripts/setup.sh): HTTP/2 over TLS is not tested";

QUrl withHost(QUrl url, const QString &host)
{
    url.setHost(host);
    return url;
}

// Fetches the URLs with the engine, as the window and the headless command do.
struct EngineRun
{
    explicit EngineRun(const QList<QUrl> &urls, const FetchOptions &options)
        : engine(&model)
    {
        model.addEntries(entriesFor(urls));
        engine.setOptions(options);
        finished = runToEnd(engine);
    }

    JobQueueModel model;
    FetchEngine engine;
    bool finished = false;
};

using Http2Server = NghttpdServer; // an HTTP/2-only server over TLS

// Files of BodyBytes each under `root`, named body-0.bin...; their SHA-256s in order.
QList<QByteArray> writeBodies(const QString &root, int count)
{
    QList<QByteArray> hashes;
    for (int i = 0; i < count; ++i) {
        const QByteArray body = LoopbackServer::resumableBytes(i * BodyBytes, BodyBytes);
        QFile file(QDir(root).filePath(QStringLiteral("body-%1.bin").arg(i)));
        if (!file.open(QIODevice::WriteOnly) || file.write(body) != BodyBytes)
            return {};
        Sha256 hash;
        hash.addData(body);
        hashes.append(hash.result());
    }
    return hashes;
}

} // namespace

class TestHttps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void certificate_data();
    void certificate();
    void unusableCaFileTrustsNothingMore();
    void trustingACaMidSessionTakesEffect();
    void http2OverTls();
    void http2OriginIsRemembered();
    void http2MissingFileIs404();
    void http2WithoutContentLength();

    void checkCaFile_data();
    void checkCaFile();
    void failureMessage_data();
    void failureMessage();
    void configureTlsKeepsTheSystemAuthorities();
    void configureTlsFromManyThreads();

    void headlessCaFile_data();
    void headlessCaFile();
};

void TestHttps::initTestCase()
{
    if (!QSslSocket::supportsSsl())
        QFAIL("this Qt has no TLS backend");
    QVERIFY2(!tlsFile(QStringLiteral("ca.pem")).isEmpty(), "tests/data/tls is missing");
}

void TestHttps::certificate_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("caFile");
    QTest::addColumn<QString>("host");
    QTest::addColumn<JobState>("state");
    QTest::addColumn<QString>("message");

    const QString ca = QStringLiteral("ca.pem");
    const QString server = QStringLiteral("server.pem");
    const QString local = QStringLiteral("127.0.0.1");
    QTest::newRow("signed by the trusted test CA: succeeds over HTTP/1.1")
        << server << ca << local << JobState::Succeeded << QString();
    QTest::newRow("the same by the name localhost: succeeds")
        << server << ca << QStringLiteral("localhost") << JobState::Succeeded << QString();
    QTest::newRow("self-signed, trusted by nothing: fails and says so")
        << QStringLiteral("selfsigned.pem") << QString() << local << JobState::Failed
        << QStringLiteral("TLS: the certificate of 127.0.0.1 is self-signed and not trusted");
    QTest::newRow("self-signed, itself given as the CA file: succeeds")
        << QStringLiteral("selfsigned.pem") << QStringLiteral("selfsigned.pem") << local
        << JobState::Succeeded << QString();
    QTest::newRow("signed by the test CA, no CA file: fails naming the authority")
        << server << QString() << local << JobState::Failed
        << QStringLiteral("TLS: the certificate of 127.0.0.1 is signed by an authority that is "
                          "not trusted (Parafetch Test CA;");
    QTest::newRow("expired, CA trusted: fails with the date it expired")
        << QStringLiteral("expired.pem") << ca << local << JobState::Failed
        << QStringLiteral("TLS: the certificate of 127.0.0.1 has expired (on 2021-01-01)");
    QTest::newRow("made for another host, CA trusted: fails naming both hosts")
        << QStringLiteral("wronghost.pem") << ca << local << JobState::Failed
        << QStringLiteral("TLS: the certificate of 127.0.0.1 is not valid for host 127.0.0.1 "
                          "(it is for wrong-host.invalid)");
    QTest::newRow("made for another host, by the name localhost: names localhost")
        << QStringLiteral("wronghost.pem") << ca << QStringLiteral("localhost") << JobState::Failed
        << QStringLiteral("is not valid for host localhost");
}

void TestHttps::certificate()
{
    QFETCH(QString, certificate);
    QFETCH(QString, caFile);
    QFETCH(QString, host);
    QFETCH(JobState, state);
    QFETCH(QString, message);

    // The certificates name "localhost" but no ::1, so the rows by that name need a server on
    // whichever loopback address the name gives first: ::1 on stock Debian, 127.0.0.1 elsewhere.
    QHostAddress address(QHostAddress::LocalHost);
    if (host == QLatin1String("localhost")) {
        const QList<QHostAddress> addresses = QHostInfo::fromName(host).addresses();
        const auto loopback = std::find_if(addresses.cbegin(), addresses.cend(),
                                           [](const QHostAddress &a) { return a.isLoopback(); });
        if (loopback == addresses.cend())
            QSKIP("the name localhost gives no loopback address here");
        address = *loopback;
    }
    LoopbackServer server;
    QVERIFY2(server.setTlsFiles(tlsFile(certificate), tlsFile(QStringLiteral("server.key"))),
             qPrintable(server.errorString()));
    QVERIFY2(server.listen(0, 1, address), qPrintable(server.errorString()));
    FetchOptions options = testOptions();
    options.retries = 2; // a refused certificate must not be retried
    if (!caFile.isEmpty())
        options.caFile = tlsFile(caFile);
    const QUrl url = withHost(server.url(QStringLiteral("/bytes/%1").arg(BodyBytes)), host);
    EngineRun run({ url }, options);
    QVERIFY(run.finished);

    const Job &job = run.model.jobAt(0);
    QCOMPARE(job.state, state);
    QCOMPARE(job.attempts, 1);
    if (state == JobState::Succeeded) {
        QCOMPARE(job.errorKind, ErrorKind::None);
        QCOMPARE(job.protocol, QByteArray("http/1.1"));
        QCOMPARE(job.bytesReceived, BodyBytes);
        QCOMPARE(job.sha256, LoopbackServer::expectedSha256(BodyBytes));
        QCOMPARE(server.requestCount(), qint64(1));
    } else {
        QCOMPARE(job.errorKind, ErrorKind::Tls);
        QVERIFY2(job.errorString().contains(message), qPrintable(job.errorString()));
        QCOMPARE(job.httpStatus, 0);
        QVERIFY(job.protocol.isEmpty());
        // The errors were not ignored: not a byte of the request reached the server.
        QCOMPARE(server.requestCount(), qint64(0));
    }
}

void TestHttps::unusableCaFileTrustsNothingMore()
{
    LoopbackServer server;
    QVERIFY(server.setTlsFiles(tlsFile(QStringLiteral("server.pem")),
                               tlsFile(QStringLiteral("server.key"))));
    QVERIFY(server.listen());
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString garbage = directory.filePath(QStringLiteral("garbage.pem"));
    QFile file(garbage);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    file.close();

    // The command line and the settings refuse such a file; should the engine still get one,
    // the engine warns once and the site stays untrusted.
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("CA file adds nothing: no PEM")));
    FetchOptions options = testOptions();
    options.caFile = garbage;
    EngineRun run({ server.url(QStringLiteral("/bytes/10")) }, options);
    QVERIFY(run.finished);
    const Job &job = run.model.jobAt(0);
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.errorKind, ErrorKind::Tls);
    QVERIFY2(job.errorString().contains(QLatin1String("not trusted")),
             qPrintable(job.errorString()));
}

void TestHttps::trustingACaMidSessionTakesEffect()
{
    // The window keeps one engine: a CA file chosen in Settings after a failure must apply to
    // the retry, although Qt would keep using the first connection's TLS settings.
    LoopbackServer server;
    QVERIFY(server.setTlsFiles(tlsFile(QStringLiteral("server.pem")),
                               tlsFile(QStringLiteral("server.key"))));
    QVERIFY(server.listen());
    JobQueueModel model;
    model.addEntries(entriesFor({ server.url(QStringLiteral("/bytes/10")) }));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(1));
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).errorKind, ErrorKind::Tls);

    FetchOptions trusting = testOptions(1);
    trusting.caFile = tlsFile(QStringLiteral("ca.pem"));
    engine.setOptions(trusting);
    model.requeue({ 0 });
    QVERIFY(runToEnd(engine));
    QVERIFY2(model.jobAt(0).state == JobState::Succeeded, qPrintable(model.jobAt(0).errorString()));
}

void TestHttps::http2OverTls()
{
    if (Http2Server::program().isEmpty())
        QSKIP(NoNghttpd);
    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QList<QByteArray> hashes = writeBodies(root.path(), Http2Files);
    QCOMPARE(hashes.size(), Http2Files);
    Http2Server server;
    const QString problem = server.start(root.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QList<QUrl> urls;
    for (int i = 0; i < Http2Files; ++i)
        urls.append(server.url(QStringLiteral("/body-%1.bin").arg(i)));

    FetchOptions options = testOptions(2);
    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    EngineRun run(urls, options);
    QVERIFY(run.finished);
    for (int row = 0; row < Http2Files; ++row) {
        const Job &job = run.model.jobAt(row);
        QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
        QCOMPARE(job.protocol, QByteArray("h2"));
        QCOMPARE(job.httpStatus, 200);
        QCOMPARE(job.bytesReceived, BodyBytes);
        QCOMPARE(job.sha256, hashes.at(row));
    }
}

void TestHttps::http2OriginIsRemembered()
{
    // Our TLS socket learns in the handshake that the server picked h2 and hands the request to
    // Qt; the manager remembers the origin, so the next URL there goes to Qt at once, on Qt's h2
    // connection: no new connection at all.
    if (Http2Server::program().isEmpty())
        QSKIP(NoNghttpd);
    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QList<QByteArray> hashes = writeBodies(root.path(), 2);
    QCOMPARE(hashes.size(), 2);
    Http2Server server;
    const QString problem = server.start(root.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const QString first = QStringLiteral("/body-0.bin");
    const QString second = QStringLiteral("/body-1.bin");

    FetchOptions options = testOptions(1); // one lane: the second URL starts after the first
    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    EngineRun run({ server.url(first), server.url(second) }, options);
    QVERIFY(run.finished);
    for (int row = 0; row < 2; ++row) {
        const Job &job = run.model.jobAt(row);
        QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
        QCOMPARE(job.protocol, QByteArray("h2"));
        QCOMPARE(job.bytesReceived, BodyBytes);
        QCOMPARE(job.sha256, hashes.at(row));
    }
    const QHash<QString, QString> sessions = server.sessionOfPath();
    QVERIFY2(sessions.contains(first) && sessions.contains(second),
             qPrintable(sessions.keys().join(QLatin1Char(' '))));
    QCOMPARE(sessions.value(second), sessions.value(first));
    // Had it not been remembered, a socket of ours would have connected again to find h2.
    QCOMPARE(run.model.jobAt(1).connectUs, qint64(-1));
}

void TestHttps::http2MissingFileIs404()
{
    if (Http2Server::program().isEmpty())
        QSKIP(NoNghttpd);
    QTemporaryDir root;
    QVERIFY(root.isValid());
    QTemporaryDir output;
    QVERIFY(output.isValid());
    Http2Server server;
    const QString problem = server.start(root.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    FetchOptions options = testOptions(1);
    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    options.retries = 2; // a 404 is an answer, not a failure to retry
    options.outputDirectory = output.path();
    EngineRun run({ server.url(QStringLiteral("/missing.bin")) }, options);
    QVERIFY(run.finished);
    const Job &job = run.model.jobAt(0);
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.errorKind, ErrorKind::HttpStatus);
    QCOMPARE(job.httpStatus, 404);
    QCOMPARE(job.protocol, QByteArray("h2"));
    QCOMPARE(job.attempts, 1);
    QVERIFY(job.savedPath().isEmpty());
    QCOMPARE(QDir(output.path()).entryList(QDir::Files | QDir::Hidden), QStringList());
}

void TestHttps::http2WithoutContentLength()
{
    // nghttpd cannot be made to send a wrong content-length (its length and its body both come
    // from one cached file size), but it can leave the field out: the body then ends with the
    // stream, and is whole.
    if (Http2Server::program().isEmpty())
        QSKIP(NoNghttpd);
    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QList<QByteArray> hashes = writeBodies(root.path(), 1);
    QCOMPARE(hashes.size(), 1);
    Http2Server server;
    const QString problem = server.start(root.path(), Http2Server::Transport::Tls,
                                         { QStringLiteral("--no-content-length") });
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    FetchOptions options = testOptions(1);
    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    EngineRun run({ server.url(QStringLiteral("/body-0.bin")) }, options);
    QVERIFY(run.finished);
    const Job &job = run.model.jobAt(0);
    QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
    QCOMPARE(job.protocol, QByteArray("h2"));
    for (const auto &[name, value] : job.responseHeaders())
        QVERIFY2(name.compare("content-length", Qt::CaseInsensitive) != 0, value.constData());
    QCOMPARE(job.bytesReceived, BodyBytes);
    QCOMPARE(job.sha256, hashes.at(0));
}

void TestHttps::checkCaFile_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content"); // written to `file` in a temporary folder, if set
    QTest::addColumn<QString>("error"); // "%1" stands for the file's path; empty = accepted

    const QByteArray ca = [] {
        QFile file(tlsFile(QStringLiteral("ca.pem")));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    QTest::newRow("the test CA is accepted") << "ca.pem" << ca << QString();
    QTest::newRow("two certificates in one file are accepted") << "two.pem" << ca + ca << QString();
    QTest::newRow("text around the certificate is fine") << "notes.pem"
                                                         << "Parafetch test CA:\n" + ca + "end\n"
                                                         << QString();
    QTest::newRow("a file that is not there cannot be read")
        << "missing.pem" << QByteArray() << QStringLiteral("cannot read %1: ");
    QTest::newRow("an empty file has no certificate")
        << "empty.pem" << QByteArrayLiteral("") << QStringLiteral("no PEM certificate in %1");
    QTest::newRow("garbage has no certificate")
        << "garbage.pem" << QByteArrayLiteral("\x01\x02 not a certificate \xff")
        << QStringLiteral("no PEM certificate in %1");
    QTest::newRow("a private key is not a certificate")
        << "key.pem"
        << QByteArrayLiteral("-----BEGIN EC PRIVATE KEY-----\nAAAA\n"
                             "-----END EC PRIVATE KEY-----\n")
        << QStringLiteral("no PEM certificate in %1");
    QTest::newRow("a folder cannot be read")
        << "." << QByteArray() << QStringLiteral("cannot read %1: ");
}

void TestHttps::checkCaFile()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, error);

    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = QDir::cleanPath(directory.filePath(file));
    if (!content.isNull()) {
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(content);
    }
    QString message = QStringLiteral("untouched");
    const bool ok = Parafetch::checkCaFile(path, &message);
    QCOMPARE(ok, error.isEmpty());
    if (ok)
        QCOMPARE(message, QStringLiteral("untouched"));
    else
        QVERIFY2(message.startsWith(error.arg(path)), qPrintable(message));
    QCOMPARE(Parafetch::checkCaFile(path, nullptr), ok); // no error wanted: no crash
}

void TestHttps::failureMessage_data()
{
    QTest::addColumn<QList<QSslError>>("errors");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("message");

    const QSslCertificate selfSigned =
        QSslCertificate::fromPath(tlsFile(QStringLiteral("selfsigned.pem"))).value(0);
    const QSslCertificate expired =
        QSslCertificate::fromPath(tlsFile(QStringLiteral("expired.pem"))).value(0);
    const QSslCertificate wrongHost =
        QSslCertificate::fromPath(tlsFile(QStringLiteral("wronghost.pem"))).value(0);
    const QString host = QStringLiteral("example.test");

    QTest::newRow("self-signed")
        << QList<QSslError> { QSslError(QSslError::SelfSignedCertificate, selfSigned) } << host
        << "TLS: the certificate of example.test is self-signed and not trusted (a trusted CA "
           "file can accept it)";
    QTest::newRow("expired, with the date")
        << QList<QSslError> { QSslError(QSslError::CertificateExpired, expired) } << host
        << "TLS: the certificate of example.test has expired (on 2021-01-01)";
    QTest::newRow("another host, with the names it has")
        << QList<QSslError> { QSslError(QSslError::HostNameMismatch, wrongHost) } << host
        << "TLS: the certificate of example.test is not valid for host example.test (it is for "
           "wrong-host.invalid)";
    QTest::newRow("both problems, each named once")
        << QList<QSslError> { QSslError(QSslError::CertificateExpired, expired),
                              QSslError(QSslError::HostNameMismatch, wrongHost),
                              QSslError(QSslError::CertificateExpired, expired) }
        << host
        << "TLS: the certificate of example.test has expired (on 2021-01-01), and it is not "
           "valid for host example.test (it is for wrong-host.invalid)";
    QTest::newRow("unknown issuer, named")
        << QList<QSslError> { QSslError(QSslError::UnableToGetLocalIssuerCertificate, expired) }
        << host
        << "TLS: the certificate of example.test is signed by an authority that is not trusted "
           "(Parafetch Test CA; a trusted CA file can accept it)";
    QTest::newRow("no certificate errors: the handshake's own reason")
        << QList<QSslError>() << host
        << "TLS: the handshake with example.test failed: SSL handshake failed";
}

void TestHttps::failureMessage()
{
    QFETCH(QList<QSslError>, errors);
    QFETCH(QString, host);
    QFETCH(QString, message);
    QCOMPARE(tlsFailureMessage(errors, host, QStringLiteral("SSL handshake failed")), message);
}

void TestHttps::configureTlsKeepsTheSystemAuthorities()
{
    const QSslCertificate ca =
        QSslCertificate::fromPath(tlsFile(QStringLiteral("ca.pem"))).value(0);
    FetchOptions options;
    QNetworkRequest untouched(QUrl(QStringLiteral("https://127.0.0.1/")));
    const QList<QSslCertificate> before = untouched.sslConfiguration().caCertificates();
    configureTls(untouched, options);
    QCOMPARE(untouched.sslConfiguration().caCertificates(), before);

    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1/")));
    configureTls(request, options);
    const QList<QSslCertificate> trusted = request.sslConfiguration().caCertificates();
    QVERIFY(trusted.contains(ca));
    // Every https site that worked without the file still works with it.
    const QList<QSslCertificate> system = QSslConfiguration::systemCaCertificates();
    QCOMPARE(trusted.size(), system.size() + 1);
    for (const QSslCertificate &certificate : system)
        QVERIFY(trusted.contains(certificate));
}

void TestHttps::configureTlsFromManyThreads()
{
    FetchOptions options;
    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    const qsizetype expected = QSslConfiguration::systemCaCertificates().size() + 1;
    std::atomic<int> wrong { 0 };
    QList<QThread *> threads;
    for (int i = 0; i < ConfiguringThreads; ++i) {
        threads.append(QThread::create([&] {
            for (int n = 0; n < RequestsPerThread; ++n) {
                QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1/")));
                configureTls(request, options);
                if (request.sslConfiguration().caCertificates().size() != expected)
                    ++wrong;
            }
        }));
    }
    for (QThread *thread : threads)
        thread->start();
    for (QThread *thread : threads)
        QVERIFY(thread->wait(HangGuardMs));
    qDeleteAll(threads);
    QCOMPARE(wrong.load(), 0);
}

void TestHttps::headlessCaFile_data()
{
    QTest::addColumn<QString>("caFile"); // a file in tests/data/tls, or a path that is not there
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outputPart"); // in stdout or stderr

    QTest::newRow("--ca-file with the test CA: the https URL succeeds")
        << "ca.pem" << AllSucceeded << QStringLiteral("status=200 size=1000");
    QTest::newRow("no --ca-file: the URL fails with the TLS reason")
        << QString() << SomeFailed
        << QStringLiteral("TLS: the certificate of 127.0.0.1 is signed by an authority that is "
                          "not trusted (Parafetch Test CA");
    QTest::newRow("--ca-file that is not there: a usage error naming the file")
        << "/nonexistent/ca.pem" << BadInput
        << QStringLiteral("--ca-file: cannot read /nonexistent/ca.pem");
    QTest::newRow("--ca-file that holds no certificate: a usage error")
        << "server.key" << BadInput << QStringLiteral("no PEM certificate in");
}

void TestHttps::headlessCaFile()
{
    QFETCH(QString, caFile);
    QFETCH(int, exitCode);
    QFETCH(QString, outputPart);

    LoopbackServer server;
    QVERIFY(server.setTlsFiles(tlsFile(QStringLiteral("server.pem")),
                               tlsFile(QStringLiteral("server.key"))));
    QVERIFY(server.listen());
    QStringList arguments { QStringLiteral("--headless"), QStringLiteral("--retries"),
                            QStringLiteral("0"),
                            server.url(QStringLiteral("/bytes/1000")).toString() };
    if (!caFile.isEmpty()) {
        arguments << QStringLiteral("--ca-file")
                  << (caFile.startsWith(QLatin1Char('/')) ? caFile : tlsFile(caFile));
    }
    QProcess process;
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE), arguments);
    QVERIFY2(process.waitForStarted(HangGuardMs), qPrintable(process.errorString()));
    QVERIFY(process.waitForFinished(HangGuardMs));
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    const QString err = QString::fromUtf8(process.readAllStandardError());
    const QString describe = QStringLiteral("stdout:\n%1\nstderr:\n%2").arg(out, err);
    QVERIFY2(process.exitCode() == exitCode, qPrintable(describe));
    QVERIFY2(out.contains(outputPart) || err.contains(outputPart), qPrintable(describe));
    if (exitCode != BadInput)
        QCOMPARE(server.requestCount(), qint64(exitCode == AllSucceeded ? 1 : 0));
}

QTEST_GUILESS_MAIN(TestHttps)

#include "tst_https.moc"
