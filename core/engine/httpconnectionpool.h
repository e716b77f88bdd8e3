// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's kept-alive HTTP/1.1 connections: idle sockets of one manager, by origin.
#pragma once

#include <QObject>
#include <QString>

#include <deque>

class QAbstractSocket;
class QUrl;

namespace Parafetch {

// Idle keep-alive connections of one manager, by origin. Lives in the manager's thread.
class HttpConnectionPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnectionPool)
public:
    explicit HttpConnectionPool(QObject *parent = nullptr);
    ~HttpConnectionPool() override;

    // An idle connection to origin, or nullptr; the caller owns what it gets.
    QAbstractSocket *take(const QString &origin);
    // The request's origin as the pool keys it: scheme, host and port.
    static QString originOf(const QUrl &url);
    // A connection whose response ended cleanly, for the next request to the same origin.
    void put(const QString &origin, QAbstractSocket *socket);
    void clear();
    // A new connection's number: one counter for the process, so that a number names one
    // connection whichever manager (engine thread) opened it. Thread-safe.
    static quint64 nextConnectionId();

    // Idle connections kept per manager; past it the oldest is closed. A manager serves six
    // lanes, so six per origin covers its steady state with room for a second origin.
    static constexpr int MaxIdle = 12;

private:
    void drop(QAbstractSocket *socket);

    struct Idle
    {
        QString origin;
        QAbstractSocket *socket;
    };
    std::deque<Idle> m_idle; // oldest first
};

} // namespace Parafetch
