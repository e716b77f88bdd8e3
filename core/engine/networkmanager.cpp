// SPDX-License-Identifier: GPL-3.0-or-later
// Which requests our HTTP/1.1 client answers, and a cookie jar that keeps nothing.
#include "engine/networkmanager.h"

#include "engine/hostresolver.h"
#include "engine/httpreply.h"

#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkProxyFactory>

namespace Parafetch {

namespace {

// Qt's jar keeps every Set-Cookie and sends it with later requests to the same host.
class NoCookieJar final : public QNetworkCookieJar
{
public:
    using QNetworkCookieJar::QNetworkCookieJar;
    QList<QNetworkCookie> cookiesForUrl(const QUrl &) const override { return {}; }
    bool setCookiesFromUrl(const QList<QNetworkCookie> &, const QUrl &) override { return false; }
};

} // namespace

NetworkManager::NetworkManager(QObject *parent)
    : QNetworkAccessManager(parent)
    , m_pool(new HttpConnectionPool(this))
{
    setCookieJar(new NoCookieJar(this));
}

NetworkManager::~NetworkManager() = default;

void NetworkManager::clearConnections()
{
    m_pool->clear();
    clearConnectionCache();
    m_qtConnections.clear(); // Qt opens new ones
}

quint64 NetworkManager::openQtConnection(const QString &origin)
{
    const quint64 id = HttpConnectionPool::nextConnectionId();
    m_qtConnections.insert(origin, id);
    return id;
}

quint64 NetworkManager::qtConnection(const QString &origin)
{
    return m_qtConnections.value(origin);
}

bool NetworkManager::goesDirect(const QUrl &url)
{
    if (QNetworkProxyFactory *factory = proxyFactory()) {
        const QList<QNetworkProxy> proxies = factory->queryProxy(QNetworkProxyQuery(url));
        return proxies.isEmpty() || proxies.constFirst().type() == QNetworkProxy::NoProxy;
    }
    return proxy().type() == QNetworkProxy::NoProxy;
}

HttpReply *NetworkManager::fetch(Operation operation, const QNetworkRequest &request)
{
    Q_ASSERT(operation == GetOperation || operation == HeadOperation);
    // Made here, not through get() or head(): those also connect three of the manager's slots
    // to the reply by signature (about 16,000 instructions per request, a fifth of a worker's
    // share at N = 128), for the manager's own finished(), encrypted() and sslErrors(), which
    // nothing here listens to; the task connects to the reply itself.
    return static_cast<HttpReply *>(createRequest(operation, request, nullptr));
}

QNetworkReply *NetworkManager::createRequest(Operation operation, const QNetworkRequest &request,
                                             QIODevice *outgoingData)
{
    const QUrl url = request.url();
    const QString scheme = url.scheme();
    if ((operation != GetOperation && operation != HeadOperation) || outgoingData
        || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        return QNetworkAccessManager::createRequest(operation, request, outgoingData);
    const bool direct = goesDirect(url);
    const bool qtsRoute = request.attribute(QNetworkRequest::Http2DirectAttribute).toBool()
        || !direct
        || (scheme == QLatin1String("https")
            && request.attribute(QNetworkRequest::Http2AllowedAttribute, true).toBool()
            && m_http2Origins.contains(HttpConnectionPool::originOf(url)));
    return new HttpReply(this, m_pool, m_resolver, operation, request,
                         qtsRoute ? HttpReply::Route::Qt : HttpReply::Route::OwnSocket, direct);
}

QNetworkReply *NetworkManager::createQtReply(Operation operation, const QNetworkRequest &request)
{
    return QNetworkAccessManager::createRequest(operation, request, nullptr);
}

} // namespace Parafetch
