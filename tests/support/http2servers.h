// SPDX-License-Identifier: GPL-3.0-or-later
// Real HTTP/2 servers for the tests, started on 127.0.0.1 from Debian packages: nghttpd and nginx.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <functional>

namespace Parafetch::TestSupport {

// A child server on a port of 127.0.0.1 that was just free. Neither nghttpd nor nginx can report
// a port it chose, so the port is chosen here, and another is tried if it was taken meanwhile.
class ServerProcess
{
public:
    ServerProcess() = default;
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;
    virtual ~ServerProcess();

    QUrl url(const QString &path) const;
    quint16 port() const { return m_port; }

protected:
    // Empty on success, else what went wrong; arguments(port) gives the command line per try.
    QString startProcess(const QString &program,
                         const std::function<QStringList(quint16)> &arguments,
                         const QString &scheme);
    QByteArray output(); // what the child printed so far (stdout and stderr)

    QProcess m_process;

private:
    QByteArray m_output;
    QString m_scheme;
    quint16 m_port = 0;
};

// nghttpd (Debian package nghttp2-server): an HTTP/2-only server of a folder's files, over TLS
// with the test certificate (tests/data/tls), or cleartext h2 with prior knowledge (--no-tls).
// It runs verbose: its log says on which connection (session) each request came.
class NghttpdServer final : public ServerProcess
{
public:
    enum class Transport { Tls, Cleartext };

    static QString program(); // empty when not installed
    static const char *missingMessage();

    QString start(const QString &documentRoot, Transport transport = Transport::Tls,
                  const QStringList &options = {});
    // The session (connection) each request path arrived on, e.g. "/a.bin" -> "1".
    QHash<QString, QString> sessionOfPath();
};

// nginx (Debian package nginx): a folder's files over TLS with the test certificate, offering h2
// in ALPN or not. Its access log holds a line per request: path, protocol as the server saw it
// ("HTTP/1.1", "HTTP/2.0"), its connection serial number and the status answered.
class NginxServer final : public ServerProcess
{
public:
    enum class Http2 { Offered, NotOffered };

    static QString program();
    static const char *missingMessage();

    QString start(const QString &documentRoot, Http2 http2);
    struct Request
    {
        QString path;
        QString protocol;
        QString connection;
        int status = 0; // the status nginx answered with
    };
    // The requests logged so far, in order. nginx logs a request once it has answered it, so a
    // caller that needs every one waits (QTRY_COMPARE on the count).
    QList<Request> requests() const;

private:
    QTemporaryDir m_dir;
};

} // namespace Parafetch::TestSupport
