// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's QNetworkReply: HTTP/1.1 on our own sockets, or Qt's h2 underneath, checked alike.
#pragma once

#include "engine/contentdecoder.h"
#include "engine/httpconnectionpool.h"
#include "engine/httpresponseparser.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

#include <deque>
#include <memory>

class QAbstractSocket;
class QSslError;

namespace Parafetch {

class HostResolver;
class NetworkManager;

// Attributes our replies add to Qt's, read by the fetch task.
namespace ReplyAttribute {
// Why a reply failed where the bytes broke HTTP: a FramingFault (int).
inline constexpr auto FramingFault = QNetworkRequest::Attribute(QNetworkRequest::User + 1);
// "http/1.0" or "http/1.1": the version the server answered with.
inline constexpr auto HttpVersion = QNetworkRequest::Attribute(QNetworkRequest::User + 2);
// Whether the request went out on a connection that carried an earlier one (bool): a kept-alive
// HTTP/1.1 socket, or an h2 session that was already open.
inline constexpr auto ConnectionReused = QNetworkRequest::Attribute(QNetworkRequest::User + 3);
// The connection's number, unique within the process, from 1 (qulonglong): our own sockets and
// Qt's h2 sessions (NetworkManager::openQtConnection) draw from the same counter. Unset on
// Qt's HTTP/1 route (a proxy), whose connections Qt does not name.
inline constexpr auto ConnectionId = QNetworkRequest::Attribute(QNetworkRequest::User + 4);
// The body's length as its framing gives it, in the bytes the reader gets (qint64): -1 when it
// is chunked, runs until the connection closes, or is decoded. Content-Length alone says less:
// a 204's, a HEAD's, or one beside Transfer-Encoding does not describe the body.
inline constexpr auto BodyLength = QNetworkRequest::Attribute(QNetworkRequest::User + 5);
// The name lookup that a new connection waited for, in microseconds (qint64): the run's
// HostResolver answer, 0-ish when the run had it already. Unset when no lookup was made: an
// address in the URL, a kept-alive connection, a proxy (which looks the name up itself).
inline constexpr auto DnsUs = QNetworkRequest::Attribute(QNetworkRequest::User + 6);
// The TLS handshake of a new connection of ours, in microseconds (qint64): TCP connected to
// encrypted. Unset where Qt made the connection (h2 after the first, a proxy).
inline constexpr auto TlsUs = QNetworkRequest::Attribute(QNetworkRequest::User + 7);
// The address the request's connection reached (QString, as QHostAddress writes it): the
// socket's peer, or on Qt's direct route the address the run's lookup put first. Unset through
// a proxy.
inline constexpr auto ServerAddress = QNetworkRequest::Attribute(QNetworkRequest::User + 8);
} // namespace ReplyAttribute

enum class FramingFault : int {
    None,
    Truncated, // the connection ended before the body did
    Protocol, // the response broke HTTP/1.1, or its content coding
};

// Answers a GET or HEAD. On its own route it speaks HTTP/1.1 on a socket of ours (TCP, or TLS
// offering h2 and http/1.1): framing checked by HttpResponseParser (RFC 9112), 1xx skipped,
// content decoded by ContentDecoder to the end of every stream. On Qt's route (a server that
// chose h2, a proxy) Qt's reply does the transport underneath, asked for the raw content coding
// so that the same decoder, and the same Content-Length and status checks, apply.
class HttpReply final : public QNetworkReply
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpReply)
public:
    enum class Route { OwnSocket, Qt };

    // resolver (may be null: Qt looks names up) answers host names on the direct routes; a
    // request through a proxy leaves the name to the proxy (direct = false).
    HttpReply(NetworkManager *manager, HttpConnectionPool *pool,
              std::shared_ptr<HostResolver> resolver, QNetworkAccessManager::Operation operation,
              const QNetworkRequest &request, Route route, bool direct);
    ~HttpReply() override;

    void abort() override;
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    void setReadBufferSize(qint64 size) override;

    // Starts the request now instead of from the event loop, for a caller that has connected
    // to the reply's signals: on a kept-alive connection the request is on the wire before this
    // returns, not after every other socket that is ready has been served. Signals (finished
    // too, on an error) may come from within this call. Does nothing on Qt's route or after
    // the start.
    void startNow();

    // Up to maxSize of the body, without a copy when a whole received chunk fits.
    QByteArray readChunk(qint64 maxSize);

    // The request's head as written, for tests and the fuzzer's seeds.
    static QByteArray requestHead(QNetworkAccessManager::Operation operation,
                                  const QNetworkRequest &request, QString *error);

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 skipData(qint64 maxSize) override;
    void timerEvent(QTimerEvent *event) override;

private:
    enum class State { Starting, Resolving, Connecting, Sending, Receiving, Done };

    void start();
    // Looks the host up (the run's resolver), then then(); then() at once where nothing is to
    // be looked up.
    void resolve(void (HttpReply::*then)());
    void connectSocket();
    void attach(QAbstractSocket *socket);
    void sendRequest();
    void onConnected();
    void onEncrypted();
    void onBytesWritten(qint64 bytes);
    void onReadyRead();
    void onSocketError();
    void process();
    bool takeHead(const ResponseHead &head, HttpResponseParser::Framing framing, qint64 length);
    bool deliver(QByteArrayView body, bool wholeInput);
    void append(QByteArray bytes);
    void complete();
    void fail(NetworkError code, const QString &message, FramingFault fault = FramingFault::None);
    void releaseSocket(bool reuse);
    void restartIdleTimer();
    void resumeReading();
    bool bufferFull() const { return m_readBufferSize > 0 && m_buffered >= m_readBufferSize; }
    bool isDone() const { return m_state == State::Done; }
    // Qt's route.
    void startQtReply();
    void onQtMetaData();
    void onQtReadyRead();
    void onQtFinished();
    void releaseQtReply(bool abort);
    void noteQtConnection(bool http2);

    NetworkManager *const m_manager;
    HttpConnectionPool *const m_pool;
    const std::shared_ptr<HostResolver> m_resolver;
    const QNetworkAccessManager::Operation m_operation;
    const QString m_origin;
    Route m_route;
    QPointer<QAbstractSocket> m_socket;
    QNetworkReply *m_qtReply = nullptr;
    State m_state = State::Starting;
    HttpResponseParser m_parser;
    ContentDecoder m_decoder;
    QByteArray m_head; // the request head to write
    QByteArray m_in; // received and not yet parsed, from m_inOffset
    qsizetype m_inOffset = 0;
    std::deque<QByteArray> m_body; // decoded body, not yet read; the front from m_bodyOffset
    qsizetype m_bodyOffset = 0;
    qint64 m_buffered = 0;
    qint64 m_readBufferSize = 0;
    qint64 m_headBytesToWrite = 0;
    qint64 m_expectedBytes = -1; // Qt's route: what Content-Length promised, when it binds
    qint64 m_receivedBytes = 0; // Qt's route: body bytes as sent (before decoding)
    QBasicTimer m_idleTimer; // the request's transfer timeout, checked lazily
    qint64 m_lastActivityMs = 0;
    QList<QHostAddress> m_addresses; // the host's, from the resolver: tried in turn
    qsizetype m_nextAddress = 0;
    QElapsedTimer m_phaseClock; // the lookup's, then the TLS handshake's
    const bool m_direct;
    bool m_tcpConnected = false; // the current socket's TCP connection is up
    bool m_started = false; // start() ran: the queued call, or startNow() before it
    bool m_reused = false; // the request went out on a kept-alive connection
    bool m_retriedStale = false; // sent again once after a kept-alive connection died unused
    bool m_decode = false;
    bool m_paused = false; // not reading: the body buffer is full
    bool m_resumeQueued = false;
    bool m_headTaken = false;
    quint64 m_qtConnectionId = 0; // Qt's route: the connection Qt opened for this request
};

} // namespace Parafetch
