// SPDX-License-Identifier: GPL-3.0-or-later
// One loopback server client: request heads, keep-alive and pipelining, streamed writes, endings.
#include "server/loopbackconnection.h"

#include "server/loopbackbodies.h"
#include "units.h"

#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <utility>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

namespace Parafetch::LoopbackDetail {

namespace {

// The most the socket's write buffer may hold before we wait for bytesWritten.
constexpr qint64 WriteHighWaterBytes = 4 * ChunkBytes;
// Bounds what Qt buffers from a client while we are busy answering its previous request.
constexpr qint64 SocketReadBufferBytes = 256 * Units::BytesPerKiB;
constexpr qsizetype MaxHeadBytes = 64 * Units::BytesPerKiB;
// Keeps already-parsed input from being moved on every pipelined request.
constexpr qsizetype InputCompactBytes = 64 * Units::BytesPerKiB;
constexpr qsizetype HeadReserveBytes = 256; // a typical response head, so it is built in place
// After a "close" answer we stop sending and read until the client hangs up (a close with unread
// input would send RST and could destroy our answer in flight), but not forever.
constexpr int LingerMs = 2000;
// Before a reset we wait (polling, up to LingerMs) until the client has acknowledged every byte:
// an RST discards whatever the kernel has not delivered yet.
constexpr int DeliveryPollMs = 1;

constexpr QByteArrayView HeadTerminator("\r\n\r\n");
constexpr QByteArrayView LineTerminator("\r\n");

} // namespace

Connection::Connection(RequestObserver *observer, EndpointState *endpoints,
                       const QSslConfiguration *tls, QObject *parent)
    : QObject(parent)
    , m_observer(observer)
    , m_endpoints(endpoints)
    , m_tls(tls)
    , m_socket(tls ? new QSslSocket(this) : new QTcpSocket(this))
    , m_tlsSocket(qobject_cast<QSslSocket *>(m_socket))
    , m_timer(new QTimer(this))
{
    m_timer->setTimerType(Qt::PreciseTimer); // drip intervals are a few milliseconds
    connect(m_socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &Connection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &Connection::onGone);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        // A client that refuses our certificate ends the handshake with an alert.
        if (error == QAbstractSocket::SslHandshakeFailedError) {
            m_socket->abort();
            onGone();
        } else if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            onGone();
        }
    });
    if (m_tlsSocket) {
        // bytesWritten() comes when TLS takes our bytes in, this one when the kernel does.
        connect(m_tlsSocket, &QSslSocket::encryptedBytesWritten, this, &Connection::onBytesWritten);
    }
    connect(m_timer, &QTimer::timeout, this, &Connection::onTimer);
}

Connection::~Connection()
{
    // Deleted directly at shutdown: our own handlers must not run while we are half gone.
    m_socket->disconnect(this);
    m_timer->stop();
    endInFlight();
    m_socket->abort();
}

bool Connection::open(qintptr descriptor)
{
    if (!m_socket->setSocketDescriptor(descriptor))
        return false;
    // Heads and small bodies go out in one write, but drips and chunk tails must not wait for
    // Nagle's algorithm and the client's delayed ACK.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(SocketReadBufferBytes);
    if (m_tlsSocket) {
        m_tlsSocket->setSslConfiguration(*m_tls);
        m_tlsSocket->startServerEncryption();
    }
    return true;
}

// Bytes handed to the socket and not yet to the kernel; over TLS, encrypted or not yet.
qint64 Connection::pendingBytes() const
{
    return m_socket->bytesToWrite() + (m_tlsSocket ? m_tlsSocket->encryptedBytesToWrite() : 0);
}

void Connection::onReadyRead()
{
    switch (m_phase) {
    case Phase::Idle:
        processInput();
        break;
    case Phase::Delaying:
    case Phase::Sending:
        skipRequestBody(); // keeps an upload moving; the next head waits in the socket
        break;
    case Phase::Lingering:
    case Phase::Resetting:
        m_socket->skip(m_socket->bytesAvailable());
        break;
    case Phase::Gone:
        break;
    }
}

void Connection::onBytesWritten()
{
    if (m_phase == Phase::Sending)
        pump();
}

void Connection::onTimer()
{
    switch (m_phase) {
    case Phase::Delaying:
        sendHead();
        break;
    case Phase::Sending: // drip
        if (m_bodyLeft > 0)
            writeBody(1);
        if (m_bodyLeft == 0)
            m_timer->stop(); // pump() finishes once the last byte is out
        break;
    case Phase::Lingering:
        m_socket->abort();
        onGone();
        break;
    case Phase::Resetting:
        if (undeliveredBytes() == 0 || m_resetDeadline.hasExpired())
            resetConnection();
        break;
    case Phase::Idle:
    case Phase::Gone:
        m_timer->stop();
        break;
    }
}

void Connection::onGone()
{
    if (m_phase == Phase::Gone)
        return;
    m_phase = Phase::Gone;
    m_timer->stop();
    endInFlight();
    Q_EMIT gone();
}

void Connection::endInFlight()
{
    if (m_counted) {
        m_counted = false;
        m_observer->requestEnded();
    }
}

void Connection::skipRequestBody()
{
    if (m_bodyToSkip == 0)
        return;
    const qint64 buffered = std::min<qint64>(m_bodyToSkip, m_input.size() - m_inputPos);
    m_inputPos += buffered;
    m_bodyToSkip -= buffered;
    compactInput();
    if (m_bodyToSkip > 0)
        m_bodyToSkip -= m_socket->skip(std::min(m_bodyToSkip, m_socket->bytesAvailable()));
}

void Connection::compactInput()
{
    if (m_inputPos >= m_input.size()) {
        m_input.clear();
        m_inputPos = 0;
    } else if (m_inputPos > InputCompactBytes) {
        m_input.remove(0, m_inputPos);
        m_inputPos = 0;
    }
}

void Connection::processInput()
{
    while (m_phase == Phase::Idle) {
        skipRequestBody();
        if (m_bodyToSkip > 0)
            return;
        if (m_socket->bytesAvailable() > 0)
            m_input.append(m_socket->readAll());
        skipRequestBody();
        if (m_bodyToSkip > 0)
            return;
        // RFC 9112 §2.2: ignore empty lines before a request line.
        while (m_input.size() - m_inputPos >= LineTerminator.size()
               && QByteArrayView(m_input).sliced(m_inputPos).startsWith(LineTerminator)) {
            m_inputPos += LineTerminator.size();
        }
        const qsizetype end = m_input.indexOf(HeadTerminator, m_inputPos);
        if (end < 0) {
            if (m_input.size() - m_inputPos > MaxHeadBytes)
                reject(431, "the request head is over 64 KiB");
            else
                compactInput();
            return;
        }
        if (end - m_inputPos > MaxHeadBytes) {
            reject(431, "the request head is over 64 KiB");
            return;
        }
        const QByteArray head = m_input.mid(m_inputPos, end - m_inputPos);
        m_inputPos = end + HeadTerminator.size();
        compactInput();
        handleHead(head);
    }
}

void Connection::reject(int status, QByteArrayView detail)
{
    m_clientClose = true;
    m_headOnly = false;
    ResponsePlan plan = errorPlan(status, detail);
    plan.end = EndAction::Close;
    startResponse(std::move(plan));
}

void Connection::handleHead(const QByteArray &head)
{
    // Split on CRLF only: a stray CR or LF stays inside its line and fails the checks below.
    QList<QByteArray> lines;
    for (qsizetype from = 0;;) {
        const qsizetype end = head.indexOf(LineTerminator, from);
        lines.append(head.mid(from, end < 0 ? -1 : end - from));
        if (end < 0)
            break;
        from = end + LineTerminator.size();
    }

    const QByteArray &requestLine = lines.constFirst();
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts.at(0)) || parts.at(1).isEmpty()
        || !isFieldValue(parts.at(1))) {
        reject(400, "malformed request line");
        return;
    }
    const QByteArray &version = parts.at(2);
    static constexpr QByteArrayView httpPrefix("HTTP/");
    // HTTP/d.d: the major digit, the dot, the minor digit.
    static constexpr qsizetype versionSize = 8;
    static constexpr qsizetype majorAt = 5;
    static constexpr qsizetype dotAt = 6;
    static constexpr qsizetype minorAt = 7;
    if (version.size() != versionSize || !version.startsWith(httpPrefix)
        || !isDigit(version.at(majorAt)) || version.at(dotAt) != '.'
        || !isDigit(version.at(minorAt))) {
        reject(400, "malformed HTTP version");
        return;
    }
    if (version.at(majorAt) != '1') {
        reject(505, "only HTTP/1.x is spoken here");
        return;
    }
    const bool http10 = version.at(minorAt) == '0';

    RecordedRequest request;
    request.method = parts.at(0);
    request.target = parts.at(1);
    request.receivedAtNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        const qsizetype colon = line.indexOf(':');
        // No obs-fold (a line starting with a blank), no blank before the colon.
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon))) {
            reject(400, "malformed header line");
            return;
        }
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (!isFieldValue(value)) {
            reject(400, "control character in a header value");
            return;
        }
        request.headers.emplaceBack(line.left(colon), value);
    }

    m_observer->requestBegan(request);
    m_counted = true;

    const QByteArray connection = request.header("connection");
    m_clientClose =
        hasToken(connection, "close") || (http10 && !hasToken(connection, "keep-alive"));
    m_headOnly = request.method == "HEAD";

    qint64 contentLength = 0;
    bool lengthSeen = false;
    for (const auto &field : std::as_const(request.headers)) {
        if (QByteArrayView(field.first).compare("content-length", Qt::CaseInsensitive) == 0) {
            qint64 length = 0;
            if (!parseCount(field.second, &length) || (lengthSeen && length != contentLength)) {
                reject(400, "bad Content-Length");
                return;
            }
            contentLength = length;
            lengthSeen = true;
        }
    }
    if (!request.header("transfer-encoding").isEmpty()) {
        // Without it we cannot find where the body ends, so the connection cannot continue.
        ResponsePlan plan = errorPlan(501, "request bodies with Transfer-Encoding");
        plan.end = EndAction::Close;
        m_clientClose = true;
        startResponse(std::move(plan));
        return;
    }
    m_bodyToSkip = contentLength;
    startResponse(route(request, m_endpoints));
}

void Connection::startResponse(ResponsePlan plan)
{
    m_plan = std::move(plan);
    if (m_plan.delayMs > 0) {
        m_phase = Phase::Delaying;
        m_timer->setSingleShot(true);
        m_timer->start(m_plan.delayMs);
        return;
    }
    sendHead();
}

void Connection::sendHead()
{
    m_phase = Phase::Sending;
    m_timer->stop();

    const bool announceClose = m_clientClose || m_plan.end == EndAction::Close;
    QByteArray out;
    out.reserve(HeadReserveBytes);
    out += "HTTP/1.1 " + QByteArray::number(m_plan.status) + ' ' + reasonPhrase(m_plan.status)
        + "\r\nContent-Type: " + m_plan.contentType + "\r\n";
    if (m_plan.sendContentLength)
        out += "Content-Length: " + QByteArray::number(m_plan.contentLength()) + "\r\n";
    for (const auto &field : std::as_const(m_plan.headers))
        out += field.first + ": " + field.second + "\r\n";
    out += announceClose ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";

    m_bodyOffset = 0;
    m_bodyLeft = 0;
    if (!m_headOnly) {
        switch (m_plan.bodyKind) {
        case BodyKind::Fixed:
            out += m_plan.body;
            break;
        case BodyKind::Pattern:
            m_bodyLeft = m_plan.bodyLength;
            if (m_bodyLeft <= ChunkBytes) { // one write for the head and a small body
                out.append(patternAt(0), m_bodyLeft);
                m_bodyLeft = 0;
            }
            break;
        case BodyKind::Resumable:
            m_bodyLeft = m_plan.bodyLength;
            if (m_bodyLeft <= ChunkBytes) {
                out += resumableBytes(m_plan.bodyStart, m_bodyLeft);
                m_bodyLeft = 0;
            }
            break;
        case BodyKind::Drip:
            m_bodyLeft = m_plan.bodyLength;
            if (m_bodyLeft > 0) {
                m_timer->setSingleShot(false);
                m_timer->start(m_plan.dripIntervalMs);
            }
            break;
        }
    }
    m_socket->write(out);
    pump();
}

void Connection::pump()
{
    if (m_plan.bodyKind == BodyKind::Pattern || m_plan.bodyKind == BodyKind::Resumable) {
        while (m_bodyLeft > 0 && pendingBytes() < WriteHighWaterBytes
               && m_socket->state() == QAbstractSocket::ConnectedState) {
            writeBody(std::min(ChunkBytes, m_bodyLeft));
        }
    }
    // The request stops counting as in flight once its last byte is queued: the client cannot
    // have the answer before then, and it may send its next request on another connection (to
    // another of our threads) as soon as it has it, so ending the count later could show one
    // request more in flight than any client ever had. The connection itself is free for the
    // next request only once that byte has been handed to the kernel.
    if (m_bodyLeft == 0)
        endInFlight();
    if (m_bodyLeft == 0 && pendingBytes() == 0
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        finishResponse();
    }
}

void Connection::writeBody(qint64 size)
{
    if (m_plan.bodyKind == BodyKind::Resumable)
        m_socket->write(resumableBytes(m_plan.bodyStart + m_bodyOffset, size));
    else
        m_socket->write(patternAt(m_bodyOffset), size);
    m_bodyOffset += size;
    m_bodyLeft -= size;
}

void Connection::finishResponse()
{
    m_phase = Phase::Idle;
    m_timer->stop();
    endInFlight();
    const EndAction end = m_plan.end;
    m_plan = {}; // drops the body of a big fixed answer
    switch (end) {
    case EndAction::KeepAlive:
        if (m_clientClose)
            lingerClose();
        else
            processInput(); // a pipelined request may be waiting
        break;
    case EndAction::Close:
    case EndAction::CloseQuietly:
        lingerClose();
        break;
    case EndAction::Reset:
        startReset();
        break;
    case EndAction::Hold:
        break; // until the client gives up or goes away
    }
}

void Connection::lingerClose()
{
    m_phase = Phase::Lingering;
#ifdef Q_OS_UNIX
    // A half close: our FIN goes out behind the answer while we still read (and drop) what the
    // client sends, so the kernel has no unread input to answer with RST.
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_socket->skip(m_socket->bytesAvailable());
    m_timer->setSingleShot(true);
    m_timer->start(LingerMs);
#else
    m_socket->disconnectFromHost();
#endif
}

void Connection::startReset()
{
    m_phase = Phase::Resetting;
    m_socket->skip(m_socket->bytesAvailable());
    if (undeliveredBytes() == 0) {
        resetConnection();
        return;
    }
    m_resetDeadline.setRemainingTime(LingerMs);
    m_timer->setSingleShot(false);
    m_timer->start(DeliveryPollMs);
}

// Bytes the kernel still holds for this connection: not sent, or sent and not acknowledged.
qint64 Connection::undeliveredBytes() const
{
#ifdef Q_OS_LINUX
    int pending = 0;
    if (::ioctl(int(m_socket->socketDescriptor()), SIOCOUTQ, &pending) == 0)
        return pending;
#endif
    return 0; // elsewhere the reset may cut off the tail of the n bytes
}

void Connection::resetConnection()
{
#ifdef Q_OS_UNIX
    // Linger with a zero timeout makes close() send RST instead of FIN.
    const linger abortive { 1, 0 };
    ::setsockopt(int(m_socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &abortive,
                 sizeof abortive);
#endif
    m_socket->abort();
    onGone();
}

} // namespace Parafetch::LoopbackDetail
