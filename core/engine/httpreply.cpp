// SPDX-License-Identifier: GPL-3.0-or-later
// GET and HEAD for the engine: HTTP/1.1 on sockets of our own (keep-alive per origin, strict
// framing), or Qt's reply underneath; content decoding that requires the end of every stream.
#include "engine/httpreply.h"

#include "engine/hostresolver.h"
#include "engine/networkmanager.h"
#include "job.h"
#include "units.h"

#include <QCoreApplication>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>

#include <algorithm>
#include <chrono>

namespace Parafetch {

namespace {

constexpr int NoContentStatus = 204;
constexpr int NotModifiedStatus = 304;
constexpr QLatin1String HttpsScheme("https");
constexpr int MinRedirectStatus = 300;
constexpr int MaxRedirectStatus = 399;
constexpr int SuccessMin = 200;
constexpr int SuccessMax = 299;
constexpr int PartialContentStatus = 206;
// What a socket holds before TCP pushes back on the server, when the reply's own buffer is
// bounded (ARCHITECTURE rule 4): reading stops while the reply holds its limit.
constexpr qint64 SocketReadBufferBytes = 512 * Units::BytesPerKiB;
constexpr char ConnectionIdProperty[] = "parafetchConnectionId";

bool isValidHeaderText(QByteArrayView text)
{
    return !text.contains('\r') && !text.contains('\n') && !text.contains('\0');
}

FramingFault framingFaultOf(HttpResponseParser::Fault fault)
{
    switch (fault) {
    case HttpResponseParser::Fault::Truncated:
        return FramingFault::Truncated;
    case HttpResponseParser::Fault::Protocol:
        return FramingFault::Protocol;
    case HttpResponseParser::Fault::None:
    case HttpResponseParser::Fault::NoResponse:
        break;
    }
    return FramingFault::None; // no response at all: the connection's failure, not the bytes'
}

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

HttpReply::HttpReply(NetworkManager *manager, HttpConnectionPool *pool,
                     std::shared_ptr<HostResolver> resolver,
                     QNetworkAccessManager::Operation operation, const QNetworkRequest &request,
                     Route route, bool direct)
    : QNetworkReply(manager)
    , m_manager(manager)
    , m_pool(pool)
    , m_resolver(std::move(resolver))
    , m_operation(operation)
    , m_origin(HttpConnectionPool::originOf(request.url()))
    , m_route(route)
    , m_direct(direct)
{
    setOperation(operation);
    setRequest(request);
    setUrl(request.url());
    QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    m_parser.reset(operation == QNetworkAccessManager::HeadOperation);
    // Qt's replies start once the caller has connected to them; so do ours.
    QMetaObject::invokeMethod(this, &HttpReply::start, Qt::QueuedConnection);
}

HttpReply::~HttpReply()
{
    if (m_resolver)
        m_resolver->cancel(this);
    releaseSocket(false);
    releaseQtReply(true);
}

QByteArray HttpReply::requestHead(QNetworkAccessManager::Operation operation,
                                  const QNetworkRequest &request, QString *error)
{
    constexpr qsizetype TypicalHeadBytes = 256;
    const QUrl url = request.url();
    // Dot segments are resolved here, as Qt does (RFC 3986 section 5.2.4): servers differ in
    // whether they do.
    const QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority
                                            | QUrl::RemoveFragment | QUrl::NormalizePathSegments);
    const QList<QByteArray> names = request.rawHeaderList();
    const auto given = [&names](QByteArrayView name) {
        return std::any_of(names.cbegin(), names.cend(), [name](const QByteArray &have) {
            return QByteArrayView(have).compare(name, Qt::CaseInsensitive) == 0;
        });
    };
    // Appended piece by piece into one buffer: this runs for every request, and a chain of
    // QByteArray operator+ made a temporary and a copy per piece.
    QByteArray head;
    head.reserve(TypicalHeadBytes);
    head.append(operation == QNetworkAccessManager::HeadOperation ? "HEAD " : "GET ");
    if (!target.startsWith('/'))
        head.append('/');
    head.append(target).append(" HTTP/1.1\r\n");
    if (!given("Host"))
        head.append("Host: ")
            .append(url.authority(QUrl::RemoveUserInfo | QUrl::FullyEncoded).toLatin1())
            .append("\r\n");
    for (const QByteArray &name : names) {
        const QByteArray value = request.rawHeader(name);
        if (name.isEmpty() || !isValidHeaderText(name) || name.contains(':')
            || !isValidHeaderText(value)) {
            if (error)
                *error = tr("refused to send a header with a line break or NUL in it (%1)")
                             .arg(QString::fromLatin1(name.left(40).toPercentEncoding()));
            return {};
        }
        head.append(name).append(": ").append(value).append("\r\n");
    }
    if (!given("Accept-Encoding"))
        head.append("Accept-Encoding: ").append(ContentDecoder::acceptedEncodings()).append("\r\n");
    if (!given("Authorization") && !url.userName().isEmpty()) {
        // Credentials in the URL are for this origin: sent with the first request (as curl
        // does), not after a 401 round trip.
        const QByteArray credentials = url.userName(QUrl::FullyDecoded).toUtf8() + ':'
            + url.password(QUrl::FullyDecoded).toUtf8();
        head.append("Authorization: Basic ").append(credentials.toBase64()).append("\r\n");
    }
    head.append("\r\n");
    return head;
}

void HttpReply::startNow()
{
    if (m_route == Route::OwnSocket)
        start();
}

void HttpReply::start()
{
    if (isDone() || m_started)
        return;
    m_started = true;
    if (m_route == Route::Qt) {
        resolve(&HttpReply::startQtReply);
        return;
    }
    QString error;
    m_head = requestHead(m_operation, request(), &error);
    if (m_head.isEmpty()) {
        fail(ProtocolInvalidOperationError, error);
        return;
    }
    if (QAbstractSocket *socket = m_pool->take(m_origin)) {
        m_reused = true;
        attach(socket);
        sendRequest();
    } else {
        resolve(&HttpReply::connectSocket);
    }
}

void HttpReply::resolve(void (HttpReply::*then)())
{
    const QString host = request().url().host();
    QHostAddress literal;
    if (!m_resolver || !m_direct || literal.setAddress(host)) {
        m_addresses.clear();
        (this->*then)();
        return;
    }
    restartIdleTimer(); // a lookup that hangs times out as a silent server does
    if (then == &HttpReply::connectSocket) {
        // A connection is on its way from here: the lookup is its first part.
        m_state = State::Resolving;
        emit socketStartedConnecting();
        if (isDone())
            return;
    }
    m_phaseClock.start();
    m_resolver->resolve(host, this, [this, then](const HostResolver::Answer &answer) {
        if (isDone())
            return;
        setAttribute(ReplyAttribute::DnsUs, m_phaseClock.nsecsElapsed() / Units::NsPerUs);
        if (answer.addresses.isEmpty()) {
            fail(HostNotFoundError, answer.errorString);
            return;
        }
        m_addresses = answer.addresses;
        m_nextAddress = 0;
        (this->*then)();
    });
}

void HttpReply::connectSocket()
{
    m_reused = false;
    m_tcpConnected = false;
    const QUrl url = request().url();
    const bool https = url.scheme() == HttpsScheme;
    QSslSocket *tls = https ? new QSslSocket(this) : nullptr;
    QAbstractSocket *socket = tls ? tls : new QTcpSocket(this);
    socket->setProperty(ConnectionIdProperty, m_pool->nextConnectionId());
    attach(socket);
    m_state = State::Connecting;
    restartIdleTimer();
    emit socketStartedConnecting();
    if (tls) {
        QSslConfiguration configuration = request().sslConfiguration();
        // Offered as Qt offers them; a server that picks h2 is handed to Qt (startQtReply).
        const bool http2 =
            request().attribute(QNetworkRequest::Http2AllowedAttribute, true).toBool();
        configuration.setAllowedNextProtocols(
            http2 ? QList<QByteArray> { QSslConfiguration::ALPNProtocolHTTP2,
                                        QSslConfiguration::NextProtocolHttp1_1 }
                  : QList<QByteArray> { QSslConfiguration::NextProtocolHttp1_1 });
        tls->setSslConfiguration(configuration);
        connect(tls, &QSslSocket::encrypted, this, &HttpReply::onEncrypted);
        // Never ignored: the handshake fails, and the task words the errors for the user.
        connect(tls, &QSslSocket::sslErrors, this, &HttpReply::sslErrors);
    }
    connect(socket, &QAbstractSocket::connected, this, &HttpReply::onConnected);
    const quint16 port = quint16(url.port(tls ? Http::DefaultTlsPort : Http::DefaultPort));
    if (m_nextAddress < m_addresses.size()) {
        // The run's lookup made: this address, then the next if it cannot be reached.
        const QHostAddress address = m_addresses.at(m_nextAddress++);
        if (tls) // the certificate is checked against the name, and SNI carries it
            tls->connectToHostEncrypted(address.toString(), port, url.host());
        else
            socket->connectToHost(address, port);
    } else if (tls) {
        tls->connectToHostEncrypted(url.host(), port);
    } else {
        socket->connectToHost(url.host(), port);
    }
}

void HttpReply::onEncrypted()
{
    auto *tls = qobject_cast<QSslSocket *>(m_socket.data());
    if (!tls || isDone())
        return;
    setAttribute(QNetworkRequest::ConnectionEncryptedAttribute, true);
    if (m_tcpConnected)
        setAttribute(ReplyAttribute::TlsUs, m_phaseClock.nsecsElapsed() / Units::NsPerUs);
    if (tls->sslConfiguration().nextNegotiatedProtocol() == QSslConfiguration::ALPNProtocolHTTP2) {
        // HTTP/2 is Qt's to speak. The manager remembers the origin, so later requests go to
        // Qt at once; this one is sent again there (nothing was sent here).
        m_manager->noteHttp2(m_origin);
        releaseSocket(false);
        startQtReply();
        return;
    }
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    emit encrypted();
    if (!isDone())
        sendRequest();
}

void HttpReply::attach(QAbstractSocket *socket)
{
    m_socket = socket;
    socket->setParent(this);
    if (m_readBufferSize > 0)
        socket->setReadBufferSize(std::max(m_readBufferSize, SocketReadBufferBytes));
    connect(socket, &QAbstractSocket::readyRead, this, &HttpReply::onReadyRead);
    connect(socket, &QAbstractSocket::bytesWritten, this, &HttpReply::onBytesWritten);
    connect(socket, &QAbstractSocket::errorOccurred, this, &HttpReply::onSocketError);
    connect(socket, &QAbstractSocket::disconnected, this, &HttpReply::onSocketError);
    setAttribute(ReplyAttribute::ConnectionReused, m_reused);
    setAttribute(ReplyAttribute::ConnectionId, socket->property(ConnectionIdProperty));
    if (m_reused)
        setAttribute(ReplyAttribute::ServerAddress, serverAddressText(socket->peerAddress()));
}

void HttpReply::onConnected()
{
    if (isDone() || !m_socket)
        return;
    m_tcpConnected = true;
    setAttribute(ReplyAttribute::ServerAddress, serverAddressText(m_socket->peerAddress()));
    if (m_resolver && m_nextAddress > 0)
        m_resolver->noteReachable(request().url().host(), m_addresses.at(m_nextAddress - 1));
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (qobject_cast<QSslSocket *>(m_socket.data())) {
        m_phaseClock.start(); // the handshake has begun; onEncrypted() sends
        return;
    }
    sendRequest();
}

void HttpReply::sendRequest()
{
    m_state = State::Sending;
    m_headBytesToWrite = m_head.size();
    m_socket->write(m_head);
    restartIdleTimer();
    // Written now: a buffered QAbstractSocket would wait for its write notifier, one more turn
    // of the event loop after every ready socket has been served. A failed write is reported
    // from in here (errorOccurred), which is why nothing follows it.
    m_socket->flush();
}

void HttpReply::onBytesWritten(qint64 bytes)
{
    if (m_state != State::Sending)
        return;
    m_headBytesToWrite -= bytes;
    if (m_headBytesToWrite <= 0) {
        m_state = State::Receiving;
        restartIdleTimer();
        emit requestSent();
    }
}

void HttpReply::onReadyRead()
{
    m_resumeQueued = false;
    if (isDone() || !m_socket)
        return;
    if (bufferFull()) {
        m_paused = true; // resumed when the reader has taken some
        return;
    }
    m_paused = false;
    if (m_state == State::Sending) { // the answer came before Qt told us the request went out
        m_state = State::Receiving;
        emit requestSent();
        if (isDone())
            return;
    }
    const qint64 available = m_socket->bytesAvailable();
    if (available > 0) {
        QByteArray chunk = m_socket->read(available);
        if (m_inOffset >= m_in.size()) {
            m_in = std::move(chunk);
            m_inOffset = 0;
        } else {
            m_in.remove(0, m_inOffset);
            m_inOffset = 0;
            m_in.append(chunk);
        }
        restartIdleTimer();
    }
    process();
}

void HttpReply::process()
{
    bool announce = false;
    while (!isDone()) {
        const QByteArrayView input(m_in.constData() + m_inOffset, m_in.size() - m_inOffset);
        qsizetype used = 0;
        QByteArrayView body;
        const HttpResponseParser::Step step = m_parser.feed(input, &used, &body);
        const bool wholeInput = m_inOffset == 0 && used == m_in.size();
        m_inOffset += used;
        switch (step) {
        case HttpResponseParser::Step::NeedMore:
            if (used > 0)
                continue;
            break;
        case HttpResponseParser::Step::Interim:
            continue;
        case HttpResponseParser::Step::Head:
            if (!takeHead(m_parser.head(), m_parser.framing(), m_parser.contentLength()))
                return;
            continue;
        case HttpResponseParser::Step::Body:
            if (!deliver(body, wholeInput))
                return;
            announce = true;
            continue;
        case HttpResponseParser::Step::Complete:
            complete();
            return;
        case HttpResponseParser::Step::Error:
            fail(m_parser.fault() == HttpResponseParser::Fault::Protocol ? ProtocolFailure
                                                                         : RemoteHostClosedError,
                 m_parser.errorString(), framingFaultOf(m_parser.fault()));
            return;
        }
        break;
    }
    if (m_inOffset >= m_in.size()) {
        m_in.clear();
        m_inOffset = 0;
    }
    if (announce)
        emit readyRead();
    if (isDone() || !m_socket)
        return;
    // The server closed: once everything it sent is read, the framing decides.
    if (m_socket->state() != QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0
        && !m_paused)
        onSocketError();
}

bool HttpReply::takeHead(const ResponseHead &head, HttpResponseParser::Framing framing,
                         qint64 length)
{
    m_headTaken = true;
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, head.status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, head.reason);
    setAttribute(QNetworkRequest::Http2WasUsedAttribute, false);
    setAttribute(ReplyAttribute::HttpVersion,
                 head.versionMinor == 0 ? QByteArrayLiteral("http/1.0")
                                        : QByteArrayLiteral("http/1.1"));
    // Fields with one name become one, joined as RFC 9110 section 5.3 allows (Set-Cookie,
    // which cannot be joined with commas, by line as Qt does).
    QList<QByteArray> order;
    QHash<QByteArray, QByteArray> joined;
    for (const HeaderField &field : head.fields) {
        const QByteArray key = field.first.toLower();
        auto it = joined.find(key);
        if (it == joined.end()) {
            order.append(field.first);
            joined.insert(key, field.second);
        } else {
            *it += (key == "set-cookie" ? "\n" : ", ") + field.second;
        }
    }
    for (const QByteArray &name : std::as_const(order))
        setRawHeader(name, joined.value(name.toLower()));

    const int status = head.status;
    if (status >= MinRedirectStatus && status <= MaxRedirectStatus && head.has("location"))
        setAttribute(QNetworkRequest::RedirectionTargetAttribute,
                     QUrl::fromEncoded(head.value("location"), QUrl::StrictMode));
    if (status == PartialContentStatus && !request().hasRawHeader("Range")) {
        fail(ProtocolFailure,
             tr("the server answered 206 Partial Content to a request without Range"),
             FramingFault::Protocol);
        return false;
    }
    // Only a success's body is ever kept; a redirect's or an error's is read past undecoded.
    const bool bodyExpected = framing != HttpResponseParser::Framing::None;
    if (status >= SuccessMin && status <= SuccessMax && bodyExpected
        && head.has("content-encoding")) {
        if (!m_decoder.setEncoding(head.value("content-encoding"),
                                   request().decompressedSafetyCheckThreshold())) {
            fail(ProtocolFailure, m_decoder.errorString(), FramingFault::Protocol);
            return false;
        }
        m_decode = m_decoder.isActive();
    }
    setAttribute(ReplyAttribute::BodyLength,
                 m_decode           ? qint64(-1)
                     : bodyExpected ? length
                                    : qint64(0));
    emit metaDataChanged();
    return !isDone();
}

bool HttpReply::deliver(QByteArrayView body, bool wholeInput)
{
    if (!m_decode) {
        append(wholeInput ? m_in : body.toByteArray());
        return true;
    }
    const bool ok = m_decoder.decode(body, [this](QByteArrayView decoded) {
        append(decoded.toByteArray());
        return true;
    });
    if (!ok) {
        fail(ProtocolFailure, m_decoder.errorString(),
             m_decoder.fault() == ContentDecoder::Fault::CutShort ? FramingFault::Truncated
                                                                  : FramingFault::Protocol);
        return false;
    }
    return true;
}

void HttpReply::append(QByteArray bytes)
{
    m_buffered += bytes.size();
    m_body.push_back(std::move(bytes));
}

void HttpReply::complete()
{
    if (m_decode && !m_decoder.finish()) {
        fail(ProtocolFailure, m_decoder.errorString(),
             m_decoder.fault() == ContentDecoder::Fault::CutShort ? FramingFault::Truncated
                                                                  : FramingFault::Protocol);
        return;
    }
    // Bytes past the end of the response belong to no request of ours: such a connection is
    // closed, not reused.
    const bool reuse = m_parser.keepAlive() && m_inOffset >= m_in.size() && m_socket
        && m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0;
    releaseSocket(reuse);
    releaseQtReply(false);
    m_state = State::Done;
    m_idleTimer.stop();
    setFinished(true);
    if (m_buffered > 0)
        emit readyRead();
    emit finished();
}

void HttpReply::fail(NetworkError code, const QString &message, FramingFault fault)
{
    if (isDone())
        return;
    releaseSocket(false);
    releaseQtReply(true);
    m_state = State::Done;
    m_idleTimer.stop();
    setAttribute(ReplyAttribute::FramingFault, int(fault));
    setError(code, message);
    setFinished(true);
    emit errorOccurred(code);
    emit finished();
}

void HttpReply::onSocketError()
{
    if (isDone() || !m_socket)
        return;
    const QAbstractSocket::SocketError error = m_socket->error();
    if (m_state == State::Connecting && !m_tcpConnected && m_nextAddress < m_addresses.size()) {
        // This address could not be reached (refused, unreachable, timed out): the next one.
        releaseSocket(false);
        connectSocket();
        return;
    }
    const bool closed = error == QAbstractSocket::RemoteHostClosedError
        || m_socket->state() != QAbstractSocket::ConnectedState;
    const bool nothingBack = !m_parser.sawBytes() && m_state != State::Connecting;
    if (nothingBack && m_reused && !m_retriedStale
        && (closed || error == QAbstractSocket::NetworkError)) {
        // A kept-alive connection the server had already given up: once, on a new one. GET and
        // HEAD are safe to send again.
        m_retriedStale = true;
        releaseSocket(false);
        m_parser.reset(m_operation == QNetworkAccessManager::HeadOperation);
        resolve(&HttpReply::connectSocket);
        return;
    }
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        fail(ConnectionRefusedError, m_socket->errorString());
        return;
    case QAbstractSocket::HostNotFoundError:
        fail(HostNotFoundError, m_socket->errorString());
        return;
    case QAbstractSocket::SocketTimeoutError:
        fail(TimeoutError, m_socket->errorString());
        return;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        fail(SslHandshakeFailedError, m_socket->errorString());
        return;
    default:
        break;
    }
    if (!closed && error != QAbstractSocket::UnknownSocketError) {
        fail(m_state == State::Connecting ? UnknownNetworkError : RemoteHostClosedError,
             m_socket->errorString());
        return;
    }
    if (!closed)
        return;
    // Whatever is still buffered is read first; the framing then says whether that was all.
    if (m_socket->bytesAvailable() > 0 || m_paused) {
        // onReadyRead() (now, or when the reader has made room) comes back here once it is read.
        if (!m_paused)
            onReadyRead();
        return;
    }
    if (m_parser.finish() == HttpResponseParser::Step::Complete) {
        complete();
        return;
    }
    fail(RemoteHostClosedError, m_parser.errorString(), framingFaultOf(m_parser.fault()));
}

void HttpReply::abort()
{
    if (isDone())
        return;
    m_body.clear();
    m_bodyOffset = 0;
    m_buffered = 0;
    QNetworkReply::close(); // unread data is dropped, as Qt's replies drop it
    fail(OperationCanceledError, tr("Operation canceled"));
}

void HttpReply::releaseSocket(bool reuse)
{
    QAbstractSocket *socket = m_socket;
    m_socket = nullptr;
    if (!socket)
        return;
    socket->disconnect(this);
    if (reuse) {
        m_pool->put(m_origin, socket);
    } else {
        socket->abort();
        socket->deleteLater(); // often inside one of its own signals
    }
}

qint64 HttpReply::bytesAvailable() const
{
    return m_buffered + QNetworkReply::bytesAvailable();
}

void HttpReply::setReadBufferSize(qint64 size)
{
    QNetworkReply::setReadBufferSize(size);
    m_readBufferSize = size;
    if (m_socket && size > 0)
        m_socket->setReadBufferSize(std::max(size, SocketReadBufferBytes));
}

QByteArray HttpReply::readChunk(qint64 maxSize)
{
    if (m_body.empty() || maxSize <= 0)
        return {};
    QByteArray &front = m_body.front();
    QByteArray chunk;
    if (m_bodyOffset == 0 && front.size() <= maxSize) {
        chunk = std::move(front);
        m_body.pop_front();
    } else {
        const qsizetype take = qsizetype(std::min<qint64>(maxSize, front.size() - m_bodyOffset));
        chunk = front.sliced(m_bodyOffset, take);
        m_bodyOffset += take;
        if (m_bodyOffset >= front.size()) {
            m_body.pop_front();
            m_bodyOffset = 0;
        }
    }
    m_buffered -= chunk.size();
    resumeReading();
    return chunk;
}

qint64 HttpReply::readData(char *data, qint64 maxSize)
{
    qint64 copied = 0;
    while (copied < maxSize && !m_body.empty()) {
        const QByteArray &front = m_body.front();
        const qint64 take = std::min<qint64>(maxSize - copied, front.size() - m_bodyOffset);
        std::copy_n(front.constData() + m_bodyOffset, take, data + copied);
        copied += take;
        m_bodyOffset += qsizetype(take);
        if (m_bodyOffset >= front.size()) {
            m_body.pop_front();
            m_bodyOffset = 0;
        }
    }
    m_buffered -= copied;
    resumeReading();
    return copied == 0 && isDone() ? -1 : copied;
}

qint64 HttpReply::skipData(qint64 maxSize)
{
    qint64 skipped = 0;
    while (skipped < maxSize && !m_body.empty()) {
        const qint64 left = m_body.front().size() - m_bodyOffset;
        const qint64 take = std::min(maxSize - skipped, left);
        skipped += take;
        if (take == left) {
            m_body.pop_front();
            m_bodyOffset = 0;
        } else {
            m_bodyOffset += qsizetype(take);
        }
    }
    m_buffered -= skipped;
    resumeReading();
    return skipped;
}

void HttpReply::resumeReading()
{
    if (!m_paused || m_resumeQueued || bufferFull())
        return;
    m_resumeQueued = true;
    // Not from inside the reader's read(): readyRead would reach it again before it returns.
    if (m_route == Route::Qt)
        QMetaObject::invokeMethod(this, &HttpReply::onQtReadyRead, Qt::QueuedConnection);
    else
        QMetaObject::invokeMethod(this, &HttpReply::onReadyRead, Qt::QueuedConnection);
}

void HttpReply::restartIdleTimer()
{
    const int timeoutMs = request().transferTimeout();
    if (timeoutMs <= 0)
        return;
    m_lastActivityMs = steadyMs();
    if (!m_idleTimer.isActive())
        m_idleTimer.start(timeoutMs, Qt::CoarseTimer, this);
}

void HttpReply::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_idleTimer.timerId()) {
        QNetworkReply::timerEvent(event);
        return;
    }
    // Restarted lazily: the timer runs once per timeout, not once per chunk.
    const int timeoutMs = request().transferTimeout();
    const qint64 idleMs = steadyMs() - m_lastActivityMs;
    m_idleTimer.stop();
    if (isDone())
        return;
    if (idleMs < timeoutMs && !m_paused) {
        m_idleTimer.start(int(timeoutMs - idleMs), Qt::CoarseTimer, this);
        return;
    }
    if (m_paused) { // the reader is slow, not the server
        m_lastActivityMs = steadyMs();
        m_idleTimer.start(timeoutMs, Qt::CoarseTimer, this);
        return;
    }
    // As Qt's own transfer timeout reports itself (the fetch task tells it apart).
    fail(OperationCanceledError, tr("Operation canceled"));
}

} // namespace Parafetch

namespace Parafetch {

void HttpReply::startQtReply()
{
    m_route = Route::Qt;
    QNetworkRequest inner = request();
    // Asked for explicitly, Qt leaves the coding to us (it decodes only what it asked for
    // itself), and our decoder requires the end of every stream.
    if (!inner.hasRawHeader("Accept-Encoding"))
        inner.setRawHeader("Accept-Encoding", ContentDecoder::acceptedEncodings());
    // The idle limit is ours on this route too: Qt's would also count the time its full buffer
    // waits for a reader that a bandwidth cap or the hashing thread holds back, where ours
    // knows the reader is slow, not the server.
    inner.setTransferTimeout(0);
    m_qtReply = m_manager->createQtReply(m_operation, inner);
    m_qtReply->setReadBufferSize(m_readBufferSize);
    m_state = State::Receiving;
    restartIdleTimer();
    m_qtConnectionId = 0;
    // A socket of ours that learnt h2 in its handshake is gone: its number is not this one's.
    setAttribute(ReplyAttribute::ConnectionId, QVariant());
    setAttribute(ReplyAttribute::ConnectionReused, QVariant());
    // Qt looks the name up again (its cache answers) and tries the addresses in turn, as we
    // do: it reaches the one our connections reached, which noteReachable() keeps first.
    if (!m_addresses.isEmpty() && !attribute(ReplyAttribute::ServerAddress).isValid())
        setAttribute(ReplyAttribute::ServerAddress, serverAddressText(m_addresses.constFirst()));
    connect(m_qtReply, &QNetworkReply::socketStartedConnecting, this, [this] {
        // Numbered now, not with the answer: the origin's other requests, queued on this
        // connection, may be answered first.
        m_qtConnectionId = m_manager->openQtConnection(m_origin);
        emit socketStartedConnecting();
    });
    connect(m_qtReply, &QNetworkReply::encrypted, this, &HttpReply::encrypted);
    connect(m_qtReply, &QNetworkReply::requestSent, this, &HttpReply::requestSent);
    connect(m_qtReply, &QNetworkReply::sslErrors, this, &HttpReply::sslErrors);
    connect(m_qtReply, &QNetworkReply::metaDataChanged, this, &HttpReply::onQtMetaData);
    connect(m_qtReply, &QNetworkReply::readyRead, this, &HttpReply::onQtReadyRead);
    connect(m_qtReply, &QNetworkReply::finished, this, &HttpReply::onQtFinished);
    if (m_qtReply->isFinished())
        QMetaObject::invokeMethod(this, &HttpReply::onQtFinished, Qt::QueuedConnection);
}

void HttpReply::onQtMetaData()
{
    QNetworkReply &reply = *m_qtReply;
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (isDone() || m_headTaken || status == 0)
        return;
    restartIdleTimer();
    const bool http2 = reply.attribute(QNetworkRequest::Http2WasUsedAttribute).toBool();
    ResponseHead head;
    head.status = status;
    head.reason = reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    for (const auto &[name, value] : reply.rawHeaderPairs())
        head.fields.append({ name, value });
    setAttribute(QNetworkRequest::ConnectionEncryptedAttribute,
                 reply.attribute(QNetworkRequest::ConnectionEncryptedAttribute));
    if (status < 100 || status > 599) {
        fail(ProtocolFailure, tr("invalid status %1").arg(status), FramingFault::Protocol);
        return;
    }
    // Qt 6.4 keeps the status but drops every field of an HTTP/1 head over its limits (100
    // fields, 100 KiB each, 256 KiB in all), then waits for a body it cannot delimit. A real
    // HTTP/1.x server sends at least Date (RFC 9110 section 6.6.1); h2 carries the status apart.
    if (!http2 && head.fields.isEmpty()) {
        fail(ProtocolFailure,
             tr("the response head is too large for Qt (at most 256 KiB in all, 100 KiB per "
                "field, 100 fields)"),
             FramingFault::Protocol);
        return;
    }
    qint64 length = -1;
    QString error;
    if (!HttpResponseParser::contentLengthOf(head, &length, &error)) {
        fail(ProtocolFailure, error, FramingFault::Protocol);
        return;
    }
    const bool noBody = m_operation == QNetworkAccessManager::HeadOperation
        || status == NoContentStatus || status == NotModifiedStatus;
    const HttpResponseParser::Framing framing = noBody ? HttpResponseParser::Framing::None
        : length >= 0                                  ? HttpResponseParser::Framing::Length
                                                       : HttpResponseParser::Framing::UntilClose;
    if (!takeHead(head, framing, length))
        return;
    setAttribute(QNetworkRequest::Http2WasUsedAttribute, http2);
    setAttribute(ReplyAttribute::HttpVersion,
                 http2 ? QByteArrayLiteral("h2") : QByteArrayLiteral("http/1.1"));
    noteQtConnection(http2);
    m_expectedBytes = framing == HttpResponseParser::Framing::Length ? length : -1;
}

void HttpReply::noteQtConnection(bool http2)
{
    // Qt's HTTP/1 connections (through a proxy) are six per origin, and which one a request
    // took is not told: no number rather than a wrong one.
    if (!http2)
        return;
    quint64 id = m_qtConnectionId;
    bool reused = id == 0;
    if (reused)
        id = m_manager->qtConnection(m_origin);
    if (id == 0) { // never seen opened (Qt did not say): a number of its own rather than none
        id = m_manager->openQtConnection(m_origin);
        reused = false;
    }
    setAttribute(ReplyAttribute::ConnectionId, id);
    setAttribute(ReplyAttribute::ConnectionReused, reused);
}

void HttpReply::onQtReadyRead()
{
    m_resumeQueued = false;
    if (isDone() || !m_qtReply)
        return;
    if (!m_headTaken)
        onQtMetaData();
    if (isDone())
        return;
    bool announce = false;
    for (qint64 available; (available = m_qtReply->bytesAvailable()) > 0;) {
        if (bufferFull() && !m_qtReply->isFinished()) {
            m_paused = true; // resumed when the reader has taken some
            break;
        }
        const QByteArray chunk = m_qtReply->read(available);
        if (chunk.isEmpty())
            break;
        restartIdleTimer();
        m_receivedBytes += chunk.size();
        if (m_expectedBytes >= 0 && m_receivedBytes > m_expectedBytes) {
            fail(ProtocolFailure,
                 tr("the body is longer than its Content-Length (%1 bytes)").arg(m_expectedBytes),
                 FramingFault::Protocol);
            return;
        }
        if (!deliver(chunk, false))
            return;
        announce = true;
    }
    if (!bufferFull())
        m_paused = false;
    if (announce)
        emit readyRead();
}

void HttpReply::onQtFinished()
{
    if (isDone() || !m_qtReply)
        return;
    m_paused = false;
    onQtReadyRead();
    if (isDone())
        return;
    QNetworkReply &reply = *m_qtReply;
    if (reply.error() != NoError) {
        // Qt's own verdict (refused, closed, TLS, its transfer timeout...), passed on as is.
        const NetworkError code = reply.error();
        const QString message = reply.errorString();
        for (const QNetworkRequest::Attribute key :
             { QNetworkRequest::HttpStatusCodeAttribute, QNetworkRequest::HttpReasonPhraseAttribute,
               QNetworkRequest::RedirectionTargetAttribute }) {
            if (!attribute(key).isValid())
                setAttribute(key, reply.attribute(key));
        }
        fail(code, message);
        return;
    }
    if (!m_headTaken)
        onQtMetaData();
    if (isDone())
        return;
    if (m_expectedBytes >= 0 && m_receivedBytes < m_expectedBytes) {
        fail(RemoteHostClosedError,
             tr("connection closed after %1 of %2 body bytes")
                 .arg(m_receivedBytes)
                 .arg(m_expectedBytes),
             FramingFault::Truncated);
        return;
    }
    complete();
}

void HttpReply::releaseQtReply(bool abort)
{
    QNetworkReply *reply = std::exchange(m_qtReply, nullptr);
    if (!reply)
        return;
    reply->disconnect(this);
    if (abort && reply->isRunning())
        reply->abort();
    reply->deleteLater(); // often inside one of its own signals
}

} // namespace Parafetch
