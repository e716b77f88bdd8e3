// SPDX-License-Identifier: GPL-3.0-or-later
// The protocol choice against real servers: auto, --http1.1 and --http2, over TLS and cleartext,
// and the connection each row records, matched against the server's own account.
#include "fetchoptions.h"
#include "http2servers.h"
#include "job.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int Files = 6;
constexpr qint64 FileBytes = 20'000;
constexpr int ServerLogGuardMs = 10'000; // nginx logs a request just after answering it

enum class Server { NghttpdTls, NghttpdCleartext, NginxWithH2, NginxWithoutH2 };

QString writeFiles(const QString &root)
{
    for (int i = 0; i < Files; ++i) {
        QFile file(QDir(root).filePath(QStringLiteral("f%1.bin").arg(i)));
        if (!file.open(QIODevice::WriteOnly)
            || file.write(QByteArray(FileBytes, char('a' + i))) != FileBytes)
            return file.errorString();
    }
    return {};
}

// Whether the rows' connection numbers and the server's connections name the same partition
// of the requests: same number <=> same server connection. Empty if so, else the first
// disagreement.
QString samePartition(const QList<Job> &jobs, const QHash<QString, QString> &serverConnectionOf)
{
    QHash<quint64, QString> serverOfId;
    QHash<QString, quint64> idOfServer;
    for (const Job &job : jobs) {
        const QString path = job.url.path();
        if (!serverConnectionOf.contains(path))
            return QStringLiteral("the server did not log %1").arg(path);
        const QString server = serverConnectionOf.value(path);
        if (serverOfId.contains(job.connectionId) && serverOfId.value(job.connectionId) != server)
            return QStringLiteral("connection %1 is two server connections").arg(job.connectionId);
        if (idOfServer.contains(server) && idOfServer.value(server) != job.connectionId)
            return QStringLiteral("server connection %1 has two numbers").arg(server);
        serverOfId.insert(job.connectionId, server);
        idOfServer.insert(server, job.connectionId);
    }
    return {};
}

} // namespace

Q_DECLARE_METATYPE(Server)
Q_DECLARE_METATYPE(Parafetch::FetchOptions::HttpVersion)

class TestHttp2 : public QObject
{
    Q_OBJECT

private slots:
    void protocolAndConnection_data();
    void protocolAndConnection();
};

void TestHttp2::protocolAndConnection_data()
{
    QTest::addColumn<Server>("server");
    QTest::addColumn<FetchOptions::HttpVersion>("version");
    QTest::addColumn<int>("lanes");
    QTest::addColumn<QByteArray>("protocol"); // as Job::protocol
    QTest::addColumn<QString>("serverSaw"); // nginx's $server_protocol; nghttpd speaks only h2

    using V = FetchOptions::HttpVersion;
    QTest::newRow("auto over TLS, h2 offered: h2") //
        << Server::NghttpdTls << V::Auto << 1 << QByteArray("h2") << QString();
    QTest::newRow("auto over TLS, h2 offered, 6 lanes: h2, lanes multiplexed")
        << Server::NghttpdTls << V::Auto << 6 << QByteArray("h2") << QString();
    QTest::newRow("auto over TLS, nginx with h2: h2")
        << Server::NginxWithH2 << V::Auto << 3 << QByteArray("h2") << QStringLiteral("HTTP/2.0");
    QTest::newRow("auto over TLS, nginx without h2: HTTP/1.1")
        << Server::NginxWithoutH2 << V::Auto << 3 << QByteArray("http/1.1")
        << QStringLiteral("HTTP/1.1");
    QTest::newRow("--http1.1 over TLS, h2 offered: HTTP/1.1, one lane keeps one connection")
        << Server::NginxWithH2 << V::Http1_1 << 1 << QByteArray("http/1.1")
        << QStringLiteral("HTTP/1.1");
    QTest::newRow("--http1.1 over TLS, h2 offered, 3 lanes: HTTP/1.1")
        << Server::NginxWithH2 << V::Http1_1 << 3 << QByteArray("http/1.1")
        << QStringLiteral("HTTP/1.1");
    QTest::newRow("--http2 over TLS, h2 offered: h2")
        << Server::NginxWithH2 << V::Http2 << 3 << QByteArray("h2") << QStringLiteral("HTTP/2.0");
    QTest::newRow("--http2 over TLS, h2 not offered: falls back to HTTP/1.1")
        << Server::NginxWithoutH2 << V::Http2 << 3 << QByteArray("http/1.1")
        << QStringLiteral("HTTP/1.1");
    QTest::newRow("--http2 cleartext: h2 with prior knowledge")
        << Server::NghttpdCleartext << V::Http2 << 1 << QByteArray("h2") << QString();
    QTest::newRow("--http2 cleartext, 6 lanes: h2 with prior knowledge")
        << Server::NghttpdCleartext << V::Http2 << 6 << QByteArray("h2") << QString();
}

void TestHttp2::protocolAndConnection()
{
    QFETCH(Server, server);
    QFETCH(FetchOptions::HttpVersion, version);
    QFETCH(int, lanes);
    QFETCH(QByteArray, protocol);
    QFETCH(QString, serverSaw);

    const bool nghttpd = server == Server::NghttpdTls || server == Server::NghttpdCleartext;
    if (nghttpd && NghttpdServer::program().isEmpty())
        QSKIP(NghttpdServer::missingMessage());
    if (!nghttpd && NginxServer::program().isEmpty())
        QSKIP(NginxServer::missingMessage());
    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QString written = writeFiles(root.path());
    QVERIFY2(written.isEmpty(), qPrintable(written));

    std::unique_ptr<ServerProcess> process;
    NghttpdServer *h2only = nullptr;
    NginxServer *nginx = nullptr;
    QString problem;
    if (nghttpd) {
        h2only = new NghttpdServer;
        process.reset(h2only);
        problem = h2only->start(root.path(),
                                server == Server::NghttpdTls ? NghttpdServer::Transport::Tls
                                                             : NghttpdServer::Transport::Cleartext);
    } else {
        nginx = new NginxServer;
        process.reset(nginx);
        problem = nginx->start(root.path(),
                               server == Server::NginxWithH2 ? NginxServer::Http2::Offered
                                                             : NginxServer::Http2::NotOffered);
    }
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    QList<QUrl> urls;
    for (int i = 0; i < Files; ++i)
        urls.append(process->url(QStringLiteral("/f%1.bin").arg(i)));
    FetchOptions options = testOptions(lanes);
    options.caFile = tlsFile(QStringLiteral("ca.pem"));
    options.httpVersion = version;
    QList<Job> jobs;
    QVERIFY(fetchToEnd(urls, options, &jobs));

    QSet<quint64> ids;
    QHash<quint64, int> newConnections; // connection -> requests that did not reuse it
    for (const Job &job : jobs) {
        QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
        QCOMPARE(job.bytesReceived, FileBytes);
        QCOMPARE(job.protocol, protocol);
        QVERIFY2(job.connectionId > 0, qPrintable(job.url.toString()));
        ids.insert(job.connectionId);
        newConnections[job.connectionId] += job.connectionReused ? 0 : 1;
    }
    // Every connection was new for exactly one request: the first on it.
    for (auto it = newConnections.cbegin(); it != newConnections.cend(); ++it)
        QVERIFY2(
            it.value() == 1,
            qPrintable(
                QStringLiteral("connection %1 opened %2 times").arg(it.key()).arg(it.value())));
    // One lane fetches one URL after the other: one connection, kept alive or multiplexed.
    if (lanes == 1)
        QCOMPARE(ids.size(), 1);
    // h2 multiplexes a manager's lanes on one connection: fewer connections than requests.
    if (protocol == "h2")
        QVERIFY2(ids.size() < Files, qPrintable(QString::number(ids.size())));

    QHash<QString, QString> serverConnectionOf;
    if (h2only) {
        serverConnectionOf = h2only->sessionOfPath();
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(nginx->requests().size(), Files, ServerLogGuardMs);
        for (const NginxServer::Request &request : nginx->requests()) {
            QCOMPARE(request.protocol, serverSaw);
            serverConnectionOf.insert(request.path, request.connection);
        }
    }
    const QString disagreement = samePartition(jobs, serverConnectionOf);
    QVERIFY2(disagreement.isEmpty(), qPrintable(disagreement));
}

QTEST_GUILESS_MAIN(TestHttp2)
#include "tst_http2.moc"
