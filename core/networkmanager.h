// The engine's QNetworkAccessManager: HTTP/1.1 on our own sockets, cookies never kept.
#pragma once

#include <QNetworkAccessManager>

namespace Parafetch {

class HttpConnectionPool;

// Plain-HTTP GET and HEAD requests that go direct are answered by Http1Reply, which checks the
// framing Qt 6.4 lets pass and decodes content itself; everything else (https, where Qt
// negotiates h2; requests through a proxy) by Qt. Either way no cookie is kept: a cookie one
// URL's server sets must not travel with the next, unrelated URL.
class NetworkManager final : public QNetworkAccessManager
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NetworkManager)
public:
    explicit NetworkManager(QObject *parent = nullptr);
    ~NetworkManager() override;

    // Closes every idle connection, ours and Qt's.
    void clearConnections();

protected:
    QNetworkReply *createRequest(Operation operation, const QNetworkRequest &request,
                                 QIODevice *outgoingData) override;

private:
    bool goesDirect(const QUrl &url);

    HttpConnectionPool *const m_pool;
};

} // namespace Parafetch
