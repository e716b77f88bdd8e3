// SPDX-License-Identifier: GPL-3.0-or-later
// nghttpd and nginx as child processes of a test, on 127.0.0.1.
#include "http2servers.h"

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

namespace Parafetch::TestSupport {

namespace {

// Only guards against a hung child; never a measure of speed.
constexpr int StartGuardMs = 10'000;
constexpr int ConnectProbeMs = 100;
constexpr int PortAttempts = 5;

QString findServer(const QString &name)
{
    return QStandardPaths::findExecutable(
        name, { QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin") });
}

} // namespace

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(StartGuardMs);
    }
}

QString ServerProcess::startProcess(const QString &program,
                                    const std::function<QStringList(quint16)> &arguments,
                                    const QString &scheme)
{
    m_scheme = scheme;
    QString problem;
    for (int attempt = 0; attempt < PortAttempts; ++attempt) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost))
            return probe.errorString();
        m_port = probe.serverPort();
        probe.close();
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(program, arguments(m_port));
        if (!m_process.waitForStarted(StartGuardMs))
            return m_process.errorString();
        const bool up = QTest::qWaitFor(
            [this] {
                if (m_process.state() == QProcess::NotRunning)
                    return true;
                QTcpSocket socket;
                socket.connectToHost(QHostAddress::LocalHost, m_port);
                return socket.waitForConnected(ConnectProbeMs);
            },
            StartGuardMs);
        if (up && m_process.state() == QProcess::Running)
            return {};
        m_process.kill();
        m_process.waitForFinished(StartGuardMs);
        problem = QString::fromLocal8Bit(m_process.readAll());
    }
    return QStringLiteral("%1 did not start: %2").arg(QFileInfo(program).fileName(), problem);
}

QByteArray ServerProcess::output()
{
    // A server prints a request before it answers it, so once the answer is here the line is in
    // the pipe: drain it without waiting.
    while (m_process.waitForReadyRead(0)) { }
    m_output += m_process.readAll();
    return m_output;
}

QUrl ServerProcess::url(const QString &path) const
{
    QUrl url;
    url.setScheme(m_scheme);
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    url.setPath(path);
    return url;
}

QString NghttpdServer::program()
{
    return findServer(QStringLiteral("nghttpd"));
}

const char *NghttpdServer::missingMessage()
{
    return "nghttpd is not installed (Debian package nghttp2-server, see scripts/setup.sh): "
           "HTTP/2 is not tested against it";
}

QString NghttpdServer::start(const QString &documentRoot, Transport transport,
                             const QStringList &options)
{
    const bool tls = transport == Transport::Tls;
    return startProcess(
        program(),
        [&](quint16 port) {
            QStringList arguments = options;
            arguments << QStringLiteral("--verbose") << QStringLiteral("--address=127.0.0.1")
                      << QStringLiteral("--htdocs=") + documentRoot;
            if (!tls)
                arguments << QStringLiteral("--no-tls");
            arguments << QString::number(port);
            if (tls)
                arguments << tlsFile(QStringLiteral("server.key"))
                          << tlsFile(QStringLiteral("server.pem"));
            return arguments;
        },
        tls ? QStringLiteral("https") : QStringLiteral("http"));
}

QHash<QString, QString> NghttpdServer::sessionOfPath()
{
    static const QRegularExpression pathLine(
        QStringLiteral(R"(^\[id=(\d+)\].* recv \(stream_id=\d+\) :path: (\S+)$)"),
        QRegularExpression::MultilineOption);
    QHash<QString, QString> sessions;
    for (const QRegularExpressionMatch &match : pathLine.globalMatch(QString::fromLatin1(output())))
        sessions.insert(match.captured(2), match.captured(1));
    return sessions;
}

QString NginxServer::program()
{
    return findServer(QStringLiteral("nginx"));
}

const char *NginxServer::missingMessage()
{
    return "nginx is not installed (Debian package nginx): HTTP/1.1 over TLS is not tested "
           "against it";
}

QString NginxServer::start(const QString &documentRoot, Http2 http2)
{
    if (!m_dir.isValid())
        return m_dir.errorString();
    const QDir dir(m_dir.path());
    const QString accessLog = dir.filePath(QStringLiteral("access.log"));
    return startProcess(
        program(),
        [&](quint16 port) {
            // One process (master_process off): it runs as we do, reads what we can, and is
            // the process we stop. Every path it writes is in our folder.
            const QString config =
                QStringLiteral(R"(
pid %1/nginx.pid;
error_log %1/error.log warn;
events { worker_connections 256; }
http {
    log_format proto '$request_uri $server_protocol $connection $status';
    access_log %2 proto;
    client_body_temp_path %1/tmp;
    proxy_temp_path %1/tmp;
    fastcgi_temp_path %1/tmp;
    uwsgi_temp_path %1/tmp;
    scgi_temp_path %1/tmp;
    server {
        listen 127.0.0.1:%3 ssl%4;
        ssl_certificate %5;
        ssl_certificate_key %6;
        root %7;
    }
}
)")
                    .arg(m_dir.path(), accessLog, QString::number(port),
                         http2 == Http2::Offered ? QStringLiteral(" http2") : QString(),
                         tlsFile(QStringLiteral("server.pem")),
                         tlsFile(QStringLiteral("server.key")), documentRoot);
            QFile file(dir.filePath(QStringLiteral("nginx.conf")));
            if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                file.write(config.toUtf8());
            return QStringList {
                QStringLiteral("-p"), m_dir.path(),
                QStringLiteral("-e"), dir.filePath(QStringLiteral("error.log")),
                QStringLiteral("-c"), file.fileName(),
                QStringLiteral("-g"), QStringLiteral("daemon off; master_process off;")
            };
        },
        QStringLiteral("https"));
}

QList<NginxServer::Request> NginxServer::requests() const
{
    QFile file(QDir(m_dir.path()).filePath(QStringLiteral("access.log")));
    QList<Request> requests;
    if (!file.open(QIODevice::ReadOnly))
        return requests;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QList<QByteArray> fields = line.trimmed().split(' ');
        if (fields.size() == 4)
            requests.append({ QString::fromUtf8(fields.at(0)), QString::fromUtf8(fields.at(1)),
                              QString::fromUtf8(fields.at(2)), fields.at(3).toInt() });
    }
    return requests;
}

} // namespace Parafetch::TestSupport
