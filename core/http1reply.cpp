// HTTP/1.1 requests on sockets of our own: keep-alive per origin, strict response framing,
// content decoding that requires the end of every stream.
#include "http1reply.h"

#include <QCoreApplication>
#include <QTcpSocket>
#include <QTimerEvent>

#include <algorithm>
#include <chrono>

namespace Parafetch {

namespace {

constexpr int DefaultHttpPort = 80;
constexpr int MinRedirectStatus = 300;
constexpr int MaxRedirectStatus = 399;
constexpr int SuccessMin = 200;
constexpr int SuccessMax = 299;
constexpr int PartialContentStatus = 206;
// What a socket holds before TCP pushes back on the server, when the reply's own buffer is
// bounded (DESIGN rule 4): reading stops while the reply holds its limit.
constexpr qint64 SocketReadBufferBytes = 512 * 1024;
constexpr char ConnectionIdProperty[] = "parafetchConnectionId";

bool isValidHeaderText(QByteArrayView text)
{
    return !text.contains('\r') && !text.contains('\n') && !text.contains('\0');
}

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

HttpConnectionPool::HttpConnectionPool(QObject *parent)
    : QObject(parent)
{
}

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

Http1Reply::Http1Reply(HttpConnectionPool *pool, QNetworkAccessManager::Operation operation,
                       const QNetworkRequest &request, QObject *parent)
    : QNetworkReply(parent)
    , m_pool(pool)
    , m_operation(operation)
    , m_origin(request.url().scheme() + QLatin1String("://")
               + request.url().authority(QUrl::RemoveUserInfo | QUrl::FullyEncoded))
{
    setOperation(operation);
    setRequest(request);
    setUrl(request.url());
    QIODevice::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    m_parser.reset(operation == QNetworkAccessManager::HeadOperation);
    // Qt's replies start once the caller has connected to them; so do ours.
    QMetaObject::invokeMethod(this, &Http1Reply::start, Qt::QueuedConnection);
}

Http1Reply::~Http1Reply()
{
    releaseSocket(false);
}

QByteArray Http1Reply::requestHead(QNetworkAccessManager::Operation operation,
                                   const QNetworkRequest &request, QString *error)
{
    const QUrl url = request.url();
    // Dot segments are resolved here, as Qt does (RFC 3986 section 5.2.4): servers differ in
    // whether they do.
    QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment
                                      | QUrl::NormalizePathSegments);
    if (!target.startsWith('/'))
        target.prepend('/');
    QByteArray head = (operation == QNetworkAccessManager::HeadOperation ? "HEAD " : "GET ")
        + target + " HTTP/1.1\r\n";
    const QList<QByteArray> names = request.rawHeaderList();
    const auto given = [&names](QByteArrayView name) {
        return std::any_of(names.cbegin(), names.cend(), [name](const QByteArray &have) {
            return QByteArrayView(have).compare(name, Qt::CaseInsensitive) == 0;
        });
    };
    if (!given("Host"))
        head += "Host: " + url.authority(QUrl::RemoveUserInfo | QUrl::FullyEncoded).toLatin1() + "\r\n";
    for (const QByteArray &name : names) {
        const QByteArray value = request.rawHeader(name);
        if (name.isEmpty() || !isValidHeaderText(name) || name.contains(':') || !isValidHeaderText(value)) {
            if (error)
                *error = tr("refused to send a header with a line break or NUL in it (%1)")
                             .arg(QString::fromLatin1(name.left(40).toPercentEncoding()));
            return {};
        }
        head += name + ": " + value + "\r\n";
    }
    if (!given("Accept-Encoding"))
        head += "Accept-Encoding: " + ContentDecoder::acceptedEncodings() + "\r\n";
    if (!given("Authorization") && !url.userName().isEmpty()) {
        // Credentials in the URL are for this origin: sent with the first request (as curl
        // does), not after a 401 round trip.
        const QByteArray credentials = url.userName(QUrl::FullyDecoded).toUtf8() + ':'
            + url.password(QUrl::FullyDecoded).toUtf8();
        head += "Authorization: Basic " + credentials.toBase64() + "\r\n";
    }
    head += "\r\n";
    return head;
}

void Http1Reply::start()
{
    if (isDone())
        return;
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
        connectSocket();
    }
}

void Http1Reply::connectSocket()
{
    m_reused = false;
    auto *socket = new QTcpSocket(this);
    socket->setProperty(ConnectionIdProperty, m_pool->nextConnectionId());
    attach(socket);
    connect(socket, &QAbstractSocket::connected, this, &Http1Reply::onConnected);
    m_state = State::Connecting;
    restartIdleTimer();
    emit socketStartedConnecting();
    const QUrl url = request().url();
    socket->connectToHost(url.host(), quint16(url.port(DefaultHttpPort)));
}

void Http1Reply::attach(QAbstractSocket *socket)
{
    m_socket = socket;
    socket->setParent(this);
    if (m_readBufferSize > 0)
        socket->setReadBufferSize(std::max(m_readBufferSize, SocketReadBufferBytes));
    connect(socket, &QAbstractSocket::readyRead, this, &Http1Reply::onReadyRead);
    connect(socket, &QAbstractSocket::bytesWritten, this, &Http1Reply::onBytesWritten);
    connect(socket, &QAbstractSocket::errorOccurred, this, &Http1Reply::onSocketError);
    connect(socket, &QAbstractSocket::disconnected, this, &Http1Reply::onSocketError);
    setAttribute(ReplyAttribute::ConnectionReused, m_reused);
    setAttribute(ReplyAttribute::ConnectionId, socket->property(ConnectionIdProperty));
}

void Http1Reply::onConnected()
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    sendRequest();
}

void Http1Reply::sendRequest()
{
    m_state = State::Sending;
    m_headBytesToWrite = m_head.size();
    m_socket->write(m_head);
    restartIdleTimer();
}

void Http1Reply::onBytesWritten(qint64 bytes)
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

void Http1Reply::onReadyRead()
{
    m_resumeQueued = false;
    if (isDone() || !m_socket)
        return;
    if (m_readBufferSize > 0 && m_buffered >= m_readBufferSize) {
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

void Http1Reply::process()
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
            if (!takeHead())
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
                 m_parser.errorString(),
                 m_parser.fault() == HttpResponseParser::Fault::Protocol ? FramingFault::Protocol
                                                                         : FramingFault::Truncated);
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

bool Http1Reply::takeHead()
{
    const ResponseHead &head = m_parser.head();
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, head.status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, head.reason);
    setAttribute(QNetworkRequest::Http2WasUsedAttribute, false);
    setAttribute(ReplyAttribute::HttpVersion,
                 head.versionMinor == 0 ? QByteArrayLiteral("http/1.0") : QByteArrayLiteral("http/1.1"));
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
    const bool bodyExpected = m_parser.framing() != HttpResponseParser::Framing::None;
    if (status >= SuccessMin && status <= SuccessMax && bodyExpected && head.has("content-encoding")) {
        if (!m_decoder.setEncoding(head.value("content-encoding"),
                                   request().decompressedSafetyCheckThreshold())) {
            fail(ProtocolFailure, m_decoder.errorString(), FramingFault::Protocol);
            return false;
        }
        m_decode = m_decoder.isActive();
    }
    setAttribute(ReplyAttribute::BodyLength,
                 m_decode ? qint64(-1)
                          : m_parser.framing() == HttpResponseParser::Framing::None ? qint64(0)
                                                                                   : m_parser.contentLength());
    emit metaDataChanged();
    return !isDone();
}

bool Http1Reply::deliver(QByteArrayView body, bool wholeInput)
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

void Http1Reply::append(QByteArray bytes)
{
    m_buffered += bytes.size();
    m_body.push_back(std::move(bytes));
}

void Http1Reply::complete()
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
    m_state = State::Done;
    m_idleTimer.stop();
    setFinished(true);
    if (m_buffered > 0)
        emit readyRead();
    emit finished();
}

void Http1Reply::fail(NetworkError code, const QString &message, FramingFault fault)
{
    if (isDone())
        return;
    releaseSocket(false);
    m_state = State::Done;
    m_idleTimer.stop();
    setAttribute(ReplyAttribute::FramingFault, int(fault));
    setError(code, message);
    setFinished(true);
    emit errorOccurred(code);
    emit finished();
}

void Http1Reply::onSocketError()
{
    if (isDone() || !m_socket)
        return;
    const QAbstractSocket::SocketError error = m_socket->error();
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
        connectSocket();
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
    fail(RemoteHostClosedError, m_parser.errorString(),
         m_parser.fault() == HttpResponseParser::Fault::Truncated ? FramingFault::Truncated
         : m_parser.fault() == HttpResponseParser::Fault::Protocol ? FramingFault::Protocol
                                                                   : FramingFault::None);
}

void Http1Reply::abort()
{
    if (isDone())
        return;
    releaseSocket(false);
    m_state = State::Done;
    m_idleTimer.stop();
    m_body.clear();
    m_bodyOffset = 0;
    m_buffered = 0;
    QIODevice::close();
    setError(OperationCanceledError, tr("Operation canceled"));
    setFinished(true);
    emit errorOccurred(OperationCanceledError);
    emit finished();
}

void Http1Reply::releaseSocket(bool reuse)
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

qint64 Http1Reply::bytesAvailable() const
{
    return m_buffered + QNetworkReply::bytesAvailable();
}

void Http1Reply::setReadBufferSize(qint64 size)
{
    QNetworkReply::setReadBufferSize(size);
    m_readBufferSize = size;
    if (m_socket && size > 0)
        m_socket->setReadBufferSize(std::max(size, SocketReadBufferBytes));
}

QByteArray Http1Reply::readChunk(qint64 maxSize)
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

qint64 Http1Reply::readData(char *data, qint64 maxSize)
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

qint64 Http1Reply::skipData(qint64 maxSize)
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

void Http1Reply::resumeReading()
{
    if (!m_paused || m_resumeQueued || (m_readBufferSize > 0 && m_buffered >= m_readBufferSize))
        return;
    m_resumeQueued = true;
    // Not from inside the reader's read(): readyRead would reach it again before it returns.
    QMetaObject::invokeMethod(this, &Http1Reply::onReadyRead, Qt::QueuedConnection);
}

void Http1Reply::restartIdleTimer()
{
    const int timeoutMs = request().transferTimeout();
    if (timeoutMs <= 0)
        return;
    m_lastActivityMs = steadyMs();
    if (!m_idleTimer.isActive())
        m_idleTimer.start(timeoutMs, Qt::CoarseTimer, this);
}

void Http1Reply::timerEvent(QTimerEvent *event)
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
