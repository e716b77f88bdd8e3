// SPDX-License-Identifier: GPL-3.0-or-later
// One client of the loopback server: reads request heads, answers them in order, keeps alive.
#pragma once

#include "server/loopbackendpoints.h"

#include <QDeadlineTimer>
#include <QObject>

class QSslConfiguration;
class QSslSocket;
class QTcpSocket;
class QTimer;

namespace Parafetch::LoopbackDetail {

// Where a connection reports the requests it serves. Called in the connection's thread: one
// observer shared by several threads must be thread-safe.
class RequestObserver
{
    Q_DISABLE_COPY_MOVE(RequestObserver)

public:
    RequestObserver() = default;
    virtual ~RequestObserver() = default;

    // A request head was parsed; it is in flight until requestEnded().
    virtual void requestBegan(const RecordedRequest &request) = 0;
    // Its answer is wholly queued for sending, or its client left.
    virtual void requestEnded() = 0;
};

// One accepted client, in its worker's thread: reads request heads, answers them in order.
class Connection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Connection)

public:
    // `tls` null: plain TCP. The observer, the endpoint state and the TLS configuration outlive
    // the connection.
    Connection(RequestObserver *observer, EndpointState *endpoints, const QSslConfiguration *tls,
               QObject *parent);
    ~Connection() override;

    bool open(qintptr descriptor);

Q_SIGNALS:
    // The client left or the connection ended; nothing more happens here. Emitted from inside
    // the connection's own handlers: the owner may only deleteLater() it.
    void gone();

private:
    enum class Phase : quint8 { Idle, Delaying, Sending, Lingering, Resetting, Gone };

    void onReadyRead();
    void onBytesWritten();
    void onTimer();
    void onGone();

    void processInput();
    void skipRequestBody();
    void compactInput();
    void handleHead(const QByteArray &head);
    void writeBody(qint64 size);
    qint64 pendingBytes() const;
    void reject(int status, QByteArrayView detail);
    void startResponse(ResponsePlan plan);
    void sendHead();
    void pump();
    void finishResponse();
    void lingerClose();
    void startReset();
    void resetConnection();
    qint64 undeliveredBytes() const;
    void endInFlight();

    RequestObserver *const m_observer;
    EndpointState *const m_endpoints;
    const QSslConfiguration *const m_tls;
    QTcpSocket *const m_socket;
    QSslSocket *const m_tlsSocket; // m_socket itself over TLS, else null
    QTimer *const m_timer; // the delay, the drip, the linger or the reset poll: one at a time

    Phase m_phase = Phase::Idle;
    QByteArray m_input;
    qsizetype m_inputPos = 0; // parsed up to here
    qint64 m_bodyToSkip = 0; // request body bytes still to read and ignore

    ResponsePlan m_plan;
    bool m_headOnly = false; // a HEAD request
    bool m_clientClose = false; // the client asked to close after this response
    bool m_counted = false; // between requestBegan() and requestEnded()
    qint64 m_bodyLeft = 0;
    qint64 m_bodyOffset = 0;
    QDeadlineTimer m_resetDeadline;
};

} // namespace Parafetch::LoopbackDetail
