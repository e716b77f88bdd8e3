// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's kept-alive HTTP/1.1 connections: idle sockets of one manager, by origin.
#include "engine/httpconnectionpool.h"

#include "units.h"

#include <QAbstractSocket>
#include <QUrl>

#include <algorithm>
#include <atomic>

namespace Parafetch {

namespace {

constexpr QLatin1String HttpsScheme("https");

} // namespace

HttpConnectionPool::HttpConnectionPool(QObject *parent)
    : QObject(parent)
{ }

HttpConnectionPool::~HttpConnectionPool()
{
    clear();
}

QAbstractSocket *HttpConnectionPool::take(const QString &origin)
{
    for (auto it = m_idle.end(); it != m_idle.begin();) {
        --it;
        if (it->origin != origin)
            continue;
        QAbstractSocket *socket = it->socket;
        it = m_idle.erase(it);
        socket->disconnect(this);
        // A server that closed, or sent anything while idle, has ended this connection.
        if (socket->state() != QAbstractSocket::ConnectedState || socket->bytesAvailable() > 0) {
            drop(socket);
            continue;
        }
        return socket;
    }
    return nullptr;
}

void HttpConnectionPool::put(const QString &origin, QAbstractSocket *socket)
{
    socket->setParent(this);
    const auto forget = [this, socket] {
        const auto it = std::find_if(m_idle.begin(), m_idle.end(),
                                     [socket](const Idle &idle) { return idle.socket == socket; });
        if (it != m_idle.end()) {
            m_idle.erase(it);
            drop(socket);
        }
    };
    connect(socket, &QAbstractSocket::readyRead, this, forget);
    connect(socket, &QAbstractSocket::disconnected, this, forget);
    connect(socket, &QAbstractSocket::errorOccurred, this, forget);
    m_idle.push_back({ origin, socket });
    while (m_idle.size() > std::size_t(MaxIdle)) {
        QAbstractSocket *oldest = m_idle.front().socket;
        m_idle.pop_front();
        drop(oldest);
    }
}

quint64 HttpConnectionPool::nextConnectionId()
{
    static std::atomic<quint64> connections { 0 };
    return connections.fetch_add(1, std::memory_order_relaxed) + 1;
}

QString HttpConnectionPool::originOf(const QUrl &url)
{
    const bool https = url.scheme() == HttpsScheme;
    return url.scheme() + QLatin1String("://") + url.host(QUrl::FullyEncoded) + QLatin1Char(':')
        + QString::number(url.port(https ? Http::DefaultTlsPort : Http::DefaultPort));
}

void HttpConnectionPool::clear()
{
    for (const Idle &idle : std::exchange(m_idle, {}))
        drop(idle.socket);
}

void HttpConnectionPool::drop(QAbstractSocket *socket)
{
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater(); // often inside one of its own signals
}

} // namespace Parafetch
