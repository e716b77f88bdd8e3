// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's QNetworkAccessManager: every GET and HEAD answered by HttpReply; no cookies kept.
#pragma once

#include <QHash>
#include <QNetworkAccessManager>
#include <QSet>

#include <memory>

namespace Parafetch {

class HostResolver;
class HttpConnectionPool;
class HttpReply;

// GET and HEAD requests are answered by HttpReply, which checks what Qt 6.4 lets pass (framing,
// status, Content-Length, the end of a compressed stream): on sockets of its own for HTTP/1.1,
// plain or over TLS, and through Qt's own reply for h2 and for requests through a proxy. No
// cookie is kept: a cookie one URL's server sets must not travel with the next, unrelated URL.
class NetworkManager final : public QNetworkAccessManager
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NetworkManager)
public:
    explicit NetworkManager(QObject *parent = nullptr);
    ~NetworkManager() override;

    // A GET or HEAD, as get() and head() make it, typed as what it is. The manager's own
    // finished(), encrypted() and sslErrors() are not emitted for it: connect to the reply.
    HttpReply *fetch(Operation operation, const QNetworkRequest &request);

    // Closes every idle connection, ours and Qt's.
    void clearConnections();

    // The run's name lookups (shared by the engine's managers): with one, a direct request's
    // host is looked up before its connection, as a phase of its own; without, Qt looks it up
    // while connecting.
    void setHostResolver(std::shared_ptr<HostResolver> resolver)
    {
        m_resolver = std::move(resolver);
    }

    // For HttpReply: Qt's own reply for a request, and origins that chose h2 in their TLS
    // handshake (their later requests go to Qt at once).
    QNetworkReply *createQtReply(Operation operation, const QNetworkRequest &request);
    void noteHttp2(const QString &origin) { m_http2Origins.insert(origin); }
    // Qt 6.4 multiplexes every h2 request of one manager to one origin on one connection and
    // does not name it; it does tell the request for which it opens one
    // (socketStartedConnecting). That request takes a new number here, and the origin's other
    // h2 requests the latest number (as reusing it).
    quint64 openQtConnection(const QString &origin);
    quint64 qtConnection(const QString &origin); // 0 = none opened yet

protected:
    QNetworkReply *createRequest(Operation operation, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override;

private:
    bool goesDirect(const QUrl &url);

    HttpConnectionPool *const m_pool;
    std::shared_ptr<HostResolver> m_resolver;
    QSet<QString> m_http2Origins;
    QHash<QString, quint64> m_qtConnections; // by origin: the latest Qt opened
};

} // namespace Parafetch
