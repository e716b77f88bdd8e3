// The loopback HTTP/1.1 server: worker threads, connections, request parsing and the endpoints.
#include "server/loopbackserver.h"

#include "sha256.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHash>
#include <QHostAddress>
#include <QMutex>
#include <QMutexLocker>
#include <QSemaphore>
#include <QSet>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <utility>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

namespace Parafetch {

namespace {

constexpr int PatternPeriod = 26;
// One write of a streamed body, and the most the socket's write buffer may hold before we wait
// for bytesWritten: a 1 GiB body never sits in memory.
constexpr qint64 ChunkBytes = 256 * 1024;
constexpr qint64 WriteHighWaterBytes = 4 * ChunkBytes;
// Bounds what Qt buffers from a client while we are busy answering its previous request.
constexpr qint64 SocketReadBufferBytes = 256 * 1024;
constexpr qsizetype MaxHeadBytes = 64 * 1024;
// Keeps already-parsed input from being moved on every pipelined request.
constexpr qsizetype InputCompactBytes = 64 * 1024;
constexpr qsizetype HeadReserveBytes = 256; // a typical response head, so it is built in place
// After a "close" answer we stop sending and read until the client hangs up (a close with unread
// input would send RST and could destroy our answer in flight), but not forever.
constexpr int LingerMs = 2000;
// Before a reset we wait (polling, up to LingerMs) until the client has acknowledged every byte:
// an RST discards whatever the kernel has not delivered yet.
constexpr int DeliveryPollMs = 1;
// Benchmarks open dozens of connections at once; Qt's default backlog is 50.
constexpr int ListenBacklog = 512;
constexpr int MinStatus = 200;
constexpr int MaxStatus = 599;
constexpr qint64 MaxDelayMs = 24 * 60 * 60 * 1000; // a day: QTimer takes an int
constexpr qsizetype MaxNumberDigits = 18; // always fits in qint64, even doubled
constexpr int MinErrorStatus = 400; // /flaky answers with an error, never a success or redirect
constexpr int MinRedirectStatus = 300;
constexpr int MaxRedirectStatus = 399;
constexpr qint64 BytesPerKiB = 1024;
constexpr qint64 BytesPerMiB = 1024 * 1024;

constexpr QByteArrayView HeadTerminator("\r\n\r\n");
constexpr QByteArrayView LineTerminator("\r\n");
constexpr QByteArrayView TextType("text/plain; charset=utf-8");
constexpr QByteArrayView BinaryType("application/octet-stream");

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// ChunkBytes of the pattern, readable from any of the PatternPeriod phases.
const QByteArray &patternBuffer()
{
    static const QByteArray buffer = [] {
        QByteArray bytes(ChunkBytes + PatternPeriod, Qt::Uninitialized);
        for (qsizetype i = 0; i < bytes.size(); ++i)
            bytes[i] = char('a' + i % PatternPeriod);
        return bytes;
    }();
    return buffer;
}

// The pattern as it continues at body offset `offset`; valid for ChunkBytes bytes.
const char *patternAt(qint64 offset)
{
    return patternBuffer().constData() + offset % PatternPeriod;
}

struct StatusName
{
    int status;
    const char *reason;
};

// RFC 9110 reason phrases (and 418, which clients like to test with).
constexpr StatusName statusNames[] = {
    { 200, "OK" },
    { 201, "Created" },
    { 202, "Accepted" },
    { 203, "Non-Authoritative Information" },
    { 204, "No Content" },
    { 205, "Reset Content" },
    { 206, "Partial Content" },
    { 300, "Multiple Choices" },
    { 301, "Moved Permanently" },
    { 302, "Found" },
    { 303, "See Other" },
    { 304, "Not Modified" },
    { 305, "Use Proxy" },
    { 307, "Temporary Redirect" },
    { 308, "Permanent Redirect" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 402, "Payment Required" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" },
    { 407, "Proxy Authentication Required" },
    { 408, "Request Timeout" },
    { 409, "Conflict" },
    { 410, "Gone" },
    { 411, "Length Required" },
    { 412, "Precondition Failed" },
    { 413, "Content Too Large" },
    { 414, "URI Too Long" },
    { 415, "Unsupported Media Type" },
    { 416, "Range Not Satisfiable" },
    { 417, "Expectation Failed" },
    { 418, "I'm a teapot" },
    { 421, "Misdirected Request" },
    { 422, "Unprocessable Content" },
    { 425, "Too Early" },
    { 426, "Upgrade Required" },
    { 428, "Precondition Required" },
    { 429, "Too Many Requests" },
    { 431, "Request Header Fields Too Large" },
    { 451, "Unavailable For Legal Reasons" },
    { 500, "Internal Server Error" },
    { 501, "Not Implemented" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" },
    { 507, "Insufficient Storage" },
    { 511, "Network Authentication Required" },
};

QByteArray reasonPhrase(int status)
{
    for (const StatusName &name : statusNames) {
        if (name.status == status)
            return name.reason;
    }
    return "Unknown";
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Digits only: no sign, no blanks, nothing that could overflow.
bool parseCount(QByteArrayView text, qint64 *value)
{
    if (text.isEmpty() || text.size() > MaxNumberDigits)
        return false;
    qint64 result = 0;
    for (char c : text) {
        if (!isDigit(c))
            return false;
        result = result * 10 + (c - '0');
    }
    *value = result;
    return true;
}

bool isTokenChar(char c)
{
    static constexpr QByteArrayView punctuation("!#$%&'*+-.^_`|~");
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || punctuation.contains(c);
}

bool isToken(QByteArrayView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool isControl(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

// Header values may hold tabs and any visible byte, never CR, LF or other controls.
bool isFieldValue(QByteArrayView text)
{
    return std::none_of(text.begin(), text.end(), [](char c) { return c != '\t' && isControl(c); });
}

bool hasToken(const QByteArray &list, QByteArrayView token)
{
    const QList<QByteArray> items = list.split(',');
    return std::any_of(items.begin(), items.end(), [token](const QByteArray &item) {
        return QByteArrayView(item.trimmed()).compare(token, Qt::CaseInsensitive) == 0;
    });
}

QByteArray quotedFileName(const QByteArray &name)
{
    QByteArray quoted;
    quoted.reserve(name.size() + 2);
    quoted += '"';
    for (char c : name) {
        if (isControl(c))
            continue; // a CR or LF would end the header
        if (c == '\\' || c == '"')
            quoted += '\\';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

constexpr qint64 ResumableWordBytes = 8;

// splitmix64's output function: every bit of x moves about half of the result's bits.
quint64 splitMix64(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Bytes offset .. offset + size of the /resumable body into `out`.
void fillResumable(char *out, qint64 offset, qint64 size)
{
    for (qint64 done = 0; done < size;) {
        const qint64 position = offset + done;
        const quint64 word = splitMix64(quint64(position / ResumableWordBytes));
        for (qint64 byte = position % ResumableWordBytes; byte < ResumableWordBytes && done < size;
             ++byte, ++done) {
            out[done] = char((word >> (8 * byte)) & 0xFFU);
        }
    }
}

// RFC 9110 etagc: visible bytes but '"', and obs-text.
bool isEntityTagText(QByteArrayView text)
{
    return !text.isEmpty() && std::none_of(text.begin(), text.end(), [](char c) {
        return c == '"' || c == ' ' || isControl(c);
    });
}

const QByteArray &indexText()
{
    static const QByteArray text = QByteArrayLiteral(
        "Parafetch loopback server. Endpoints (GET and HEAD):\n"
        "/                         this list\n"
        "/bytes/<n>                n bytes of the pattern 'a' + i % 26\n"
        "/delay/<ms>               an empty body after ms milliseconds\n"
        "/delay/<ms>/bytes/<n>     n bytes after ms milliseconds\n"
        "/status/<code>            that status (200..599); ?retry-after=S adds Retry-After\n"
        "/redirect/<k>             302 to /redirect/<k-1>; /redirect/0 answers \"ok\"\n"
        "/redirect-loop            302 to itself\n"
        "/redirect-to?url=U        302 (or ?status=3xx) to U, which may be anywhere\n"
        "/drip/<n>/<ms>            n bytes, one every ms milliseconds\n"
        "/reset/<n>                announces 2n bytes, sends n, then resets the connection\n"
        "/truncate/<n>             announces 2n bytes, sends n, then closes the connection\n"
        "/flaky/<key>/<failures>   503 for the first <failures> requests of <key>, then 200\n"
        "                          ?status=C&retry-after=S: that status and Retry-After instead\n"
        "/headers                  the request headers, one per line\n"
        "/attachment/<name>        a Content-Disposition attachment named <name>\n"
        "/big-headers/<kb>         <kb> KiB of filler response headers, 8 KiB per field\n"
        "/gzip-bomb/<mb>           a gzip body of about <mb> KiB that inflates to <mb> MiB\n"
        "/chunked-close/<n>        a chunked body of n bytes, then closes before the last chunk\n"
        "/basic-auth/<user>/<pass> 401 with a Basic challenge until those credentials come\n"
        "/set-cookie/<value>       a response that sets the cookie session=<value>\n"
        "/resumable/<n>            n bytes with an ETag, Range and If-Range; ?etag=X sets the\n"
        "                          ETag, ?changing=1 changes it per request, ?cut=K&tag=T closes\n"
        "                          the first request with tag T after K body bytes, ?stall=K\n"
        "                          stops sending there and holds the connection open\n");
    return text;
}

// Writes bits as DEFLATE packs them (RFC 1951 section 3.1.1): from the least significant bit
// of each byte up.
class BitWriter
{
public:
    void putBits(quint32 value, int count)
    {
        for (int i = 0; i < count; ++i)
            putBit((value >> i) & 1U);
    }
    // Huffman codes go most significant bit first.
    void putCode(quint32 code, int length)
    {
        for (int i = length - 1; i >= 0; --i)
            putBit((code >> i) & 1U);
    }
    void putZeroBits(qint64 count)
    {
        m_bitCount += count;
        m_bytes.resize((m_bitCount + 7) / 8, '\0');
    }
    QByteArray take() { return std::move(m_bytes); }

private:
    void putBit(quint32 bit)
    {
        if (m_bitCount % 8 == 0)
            m_bytes.append('\0');
        if (bit) {
            char &byte = m_bytes[m_bitCount / 8];
            byte = char(quint8(byte) | (1U << (m_bitCount % 8)));
        }
        ++m_bitCount;
    }

    QByteArray m_bytes;
    qint64 m_bitCount = 0;
};

// CRC-32 (the gzip one, reflected polynomial 0xEDB88320) of `size` zero bytes, in O(log size):
// appending zero bytes multiplies the CRC register by x^(8 * size) modulo the polynomial, which
// is how zlib's crc32_combine works too. Hashing 4 GiB byte by byte would stall the server.
quint32 crc32OfZeros(qint64 size)
{
    constexpr quint32 Polynomial = 0xEDB88320U;
    constexpr quint32 One = 0x80000000U; // x^0 in the reflected representation
    const auto multiply = [](quint32 a, quint32 b) {
        quint32 product = 0;
        for (quint32 mask = One; mask != 0; mask >>= 1) {
            if (a & mask)
                product ^= b;
            b = (b & 1U) ? (b >> 1) ^ Polynomial : b >> 1;
        }
        return product;
    };
    quint32 power = One >> 8; // x^8: one zero byte
    quint32 factor = One;
    for (quint64 n = quint64(size); n != 0; n >>= 1) {
        if (n & 1U)
            factor = multiply(factor, power);
        power = multiply(power, power);
    }
    constexpr quint32 Initial = 0xFFFFFFFFU; // the register starts and ends inverted
    return multiply(factor, Initial) ^ Initial;
}

void appendLittleEndian32(QByteArray *bytes, quint32 value)
{
    for (int shift = 0; shift < 32; shift += 8)
        bytes->append(char((value >> shift) & 0xFFU));
}

} // namespace

namespace LoopbackDetail {
class WorkerThread;
}

QByteArray RecordedRequest::header(QByteArrayView name) const
{
    for (const auto &field : headers) {
        if (QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) == 0)
            return field.second;
    }
    return {};
}

// What every thread of one server shares: counters, the request log, the hit counts of /flaky
// keys and /resumable tags, the TLS setup.
struct LoopbackServerPrivate
{
    void beginRequest()
    {
        requestCount.fetch_add(1, std::memory_order_relaxed);
        const int now = inFlight.fetch_add(1) + 1;
        int peak = maxInFlight.load();
        while (now > peak && !maxInFlight.compare_exchange_weak(peak, now)) { }
    }
    void endRequest() { inFlight.fetch_sub(1); }

    void record(const RecordedRequest &request)
    {
        const QMutexLocker locker(&mutex);
        recorded.append(request);
        if (recorded.size() > LoopbackServer::RecordedRequestLimit)
            recorded.removeFirst();
    }

    // How many earlier requests named this key; counts this one.
    int hit(const QByteArray &key)
    {
        const QMutexLocker locker(&mutex);
        return hits[key]++;
    }

    std::atomic<int> inFlight { 0 };
    std::atomic<int> maxInFlight { 0 };
    std::atomic<qint64> requestCount { 0 };
    std::atomic<qint64> connectionCount { 0 };
    std::atomic<quint16> port { 0 };
    std::atomic<quint64> entityTagSerial { 0 }; // for /resumable?changing=1

    mutable QMutex mutex; // guards recorded, hits, errorString and address
    QList<RecordedRequest> recorded;
    QHash<QByteArray, int> hits; // keys: "flaky/<key>", "resumable/<tag>"
    QString errorString;
    QHostAddress address { QHostAddress::LocalHost }; // what listen() bound

    // Set by the owner only while no thread runs, read by the workers: no lock needed.
    std::optional<QSslConfiguration> tls;

    QList<LoopbackDetail::WorkerThread *> threads; // only touched by the owner's thread
};

namespace LoopbackDetail {

enum class BodyKind : quint8 {
    Fixed, // `body`
    Pattern, // `bodyLength` bytes of the pattern, streamed
    Drip, // `bodyLength` bytes of the pattern, one per `dripIntervalMs`
    Resumable, // `bodyLength` bytes of resumableBytes() from `bodyStart`, streamed
};

enum class EndAction : quint8 {
    KeepAlive,
    Close, // announced with "Connection: close", e.g. after a malformed request
    CloseQuietly, // the connection just ends, as if the server died (truncate)
    Hold, // nothing more is sent and the connection stays open: a server that stalls
    Reset, // RST where the platform allows it
};

struct ResponsePlan
{
    int status = 200;
    QByteArray contentType = TextType.toByteArray();
    HeaderList headers;
    BodyKind bodyKind = BodyKind::Fixed;
    QByteArray body;
    qint64 bodyLength = 0; // for Pattern, Drip and Resumable
    qint64 bodyStart = 0; // for Resumable: the offset of the first byte sent
    qint64 announcedLength = -1; // Content-Length when it differs from what is sent
    bool sendContentLength = true;
    int delayMs = 0;
    int dripIntervalMs = 0;
    EndAction end = EndAction::KeepAlive;

    qint64 contentLength() const
    {
        if (announcedLength >= 0)
            return announcedLength;
        return bodyKind == BodyKind::Fixed ? body.size() : bodyLength;
    }
};

ResponsePlan textPlan(int status, const QByteArray &text)
{
    ResponsePlan plan;
    plan.status = status;
    plan.body = text;
    return plan;
}

ResponsePlan errorPlan(int status, QByteArrayView detail)
{
    return textPlan(status,
                    QByteArray::number(status) + ' ' + reasonPhrase(status) + ": "
                        + detail.toByteArray() + '\n');
}

ResponsePlan patternPlan(qint64 size)
{
    ResponsePlan plan;
    plan.contentType = BinaryType.toByteArray();
    plan.bodyKind = BodyKind::Pattern;
    plan.bodyLength = size;
    return plan;
}

class Worker;

// One accepted client, in its worker's thread: reads request heads, answers them in order.
class Connection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Connection)

public:
    Connection(LoopbackServerPrivate *server, Worker *worker);
    ~Connection() override;

    bool open(qintptr descriptor);

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
    ResponsePlan route(const RecordedRequest &request);
    ResponsePlan resumable(const RecordedRequest &request, qint64 size, QByteArrayView query);
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

    LoopbackServerPrivate *const m_server;
    Worker *const m_worker;
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
    bool m_counted = false; // counted in LoopbackServerPrivate::inFlight
    qint64 m_bodyLeft = 0;
    qint64 m_bodyOffset = 0;
    QDeadlineTimer m_resetDeadline;
};

// The connections of one worker thread; lives (and dies) in that thread.
class Worker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Worker)

public:
    explicit Worker(LoopbackServerPrivate *server)
        : m_server(server)
    { }
    ~Worker() override { shutdown(); }

    void adopt(qintptr descriptor);
    void release(Connection *connection)
    {
        m_connections.remove(connection);
        connection->deleteLater(); // we may be inside one of its socket's signals
    }
    bool startListening(const QHostAddress &address, quint16 port, const QList<Worker *> &targets,
                        QString *error, quint16 *boundPort);
    void stopListening()
    {
        delete m_acceptor;
        m_acceptor = nullptr;
    }
    void shutdown()
    {
        stopListening();
        const QSet<Connection *> connections = std::exchange(m_connections, {});
        qDeleteAll(connections);
    }

private:
    LoopbackServerPrivate *const m_server;
    QTcpServer *m_acceptor = nullptr;
    QSet<Connection *> m_connections;
};

// Accepts in the first worker thread and deals the descriptors out round-robin.
class Acceptor final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Acceptor)

public:
    Acceptor(const QList<Worker *> &targets, QObject *parent)
        : QTcpServer(parent)
        , m_targets(targets)
    { }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        Worker *target = m_targets.at(m_next);
        m_next = (m_next + 1) % m_targets.size();
        if (target->thread() == QThread::currentThread()) {
            target->adopt(descriptor);
            return;
        }
        // Queued events run in order, so LoopbackServer::close() (which stops this acceptor
        // before it shuts the workers down) never loses a descriptor in flight.
        QMetaObject::invokeMethod(
            target, [target, descriptor] { target->adopt(descriptor); }, Qt::QueuedConnection);
    }

private:
    const QList<Worker *> m_targets;
    qsizetype m_next = 0;
};

void closeDescriptor(qintptr descriptor)
{
#ifdef Q_OS_UNIX
    ::close(int(descriptor));
#else
    Q_UNUSED(descriptor); // the platform reclaims it at exit; never seen in practice
#endif
}

void Worker::adopt(qintptr descriptor)
{
    auto *connection = new Connection(m_server, this);
    if (!connection->open(descriptor)) {
        delete connection;
        closeDescriptor(descriptor);
        return;
    }
    m_connections.insert(connection);
    m_server->connectionCount.fetch_add(1, std::memory_order_relaxed);
}

bool Worker::startListening(const QHostAddress &address, quint16 port,
                            const QList<Worker *> &targets, QString *error, quint16 *boundPort)
{
    auto *acceptor = new Acceptor(targets, this);
    acceptor->setListenBacklogSize(ListenBacklog);
    if (!acceptor->listen(address, port)) {
        *error = acceptor->errorString();
        delete acceptor;
        return false;
    }
    *boundPort = acceptor->serverPort();
    m_acceptor = acceptor;
    return true;
}

Connection::Connection(LoopbackServerPrivate *server, Worker *worker)
    : QObject(worker)
    , m_server(server)
    , m_worker(worker)
    , m_socket(server->tls ? new QSslSocket(this) : new QTcpSocket(this))
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
        m_tlsSocket->setSslConfiguration(*m_server->tls);
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
    m_worker->release(this);
}

void Connection::endInFlight()
{
    if (m_counted) {
        m_counted = false;
        m_server->endRequest();
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

    m_server->beginRequest();
    m_counted = true;
    m_server->record(request);

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

    if (request.method != "GET" && !m_headOnly) {
        ResponsePlan plan = errorPlan(405, "only GET and HEAD");
        plan.headers.emplaceBack("Allow", "GET, HEAD");
        startResponse(std::move(plan));
        return;
    }
    startResponse(route(request));
}

ResponsePlan Connection::route(const RecordedRequest &request)
{
    QByteArrayView target = request.target;
    // Absolute form, as sent to proxies: keep the path and query.
    static constexpr QByteArrayView schemeSeparator("://");
    if (const qsizetype scheme = target.indexOf(schemeSeparator);
        scheme > 0 && !target.startsWith('/')) {
        const qsizetype pathStart = target.indexOf('/', scheme + schemeSeparator.size());
        target = pathStart < 0 ? QByteArrayView("/") : target.sliced(pathStart);
    }
    if (!target.startsWith('/'))
        return errorPlan(400, "the target must be a path");

    const qsizetype queryStart = target.indexOf('?');
    const QByteArrayView path = queryStart < 0 ? target : target.first(queryStart);
    const QByteArrayView query = queryStart < 0 ? QByteArrayView() : target.sliced(queryStart + 1);
    const QList<QByteArray> segments = path.sliced(1).toByteArray().split('/');
    const QByteArray &name = segments.at(0);
    const qsizetype count = segments.size();

    qint64 first = 0;
    qint64 second = 0;
    auto number = [&segments](qsizetype i, qint64 *value) {
        return parseCount(segments.at(i), value);
    };
    auto notFound = [&path] { return errorPlan(404, "no such endpoint: " + path.toByteArray()); };

    if (count == 1 && name.isEmpty())
        return textPlan(200, indexText());

    if (name == "bytes" && count == 2 && number(1, &first))
        return patternPlan(first);

    if (name == "delay" && (count == 2 || (count == 4 && segments.at(2) == "bytes"))
        && number(1, &first) && (count == 2 || number(3, &second))) {
        if (first > MaxDelayMs)
            return errorPlan(400, "delay over a day");
        ResponsePlan plan = count == 2 ? textPlan(200, {}) : patternPlan(second);
        plan.delayMs = int(first);
        return plan;
    }

    if (name == "status" && count == 2 && number(1, &first)) {
        if (first < MinStatus || first > MaxStatus)
            return errorPlan(400, "status must be 200..599");
        const int status = int(first);
        ResponsePlan plan =
            textPlan(status, QByteArray::number(status) + ' ' + reasonPhrase(status) + '\n');
        // RFC 9110: these never carry content.
        if (status == 204 || status == 304) {
            plan.body.clear();
            plan.sendContentLength = false;
        }
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            static constexpr QByteArrayView retryAfterKey("retry-after=");
            if (!parameter.startsWith(retryAfterKey))
                continue;
            const QByteArray value =
                QByteArray::fromPercentEncoding(parameter.mid(retryAfterKey.size())).trimmed();
            if (value.isEmpty() || !isFieldValue(value))
                return errorPlan(400, "bad retry-after");
            plan.headers.emplaceBack("Retry-After", value);
        }
        return plan;
    }

    if (name == "redirect" && count == 2 && number(1, &first)) {
        if (first == 0)
            return textPlan(200, "ok");
        const QByteArray location = "/redirect/" + QByteArray::number(first - 1);
        ResponsePlan plan = textPlan(302, "redirecting to " + location + '\n');
        plan.headers.emplaceBack("Location", location);
        return plan;
    }

    if (name == "redirect-to" && count == 1) {
        static constexpr QByteArrayView urlKey("url=");
        static constexpr QByteArrayView statusKey("status=");
        QByteArray location;
        int status = 302;
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            qint64 code = 0;
            if (parameter.startsWith(urlKey)) {
                location = QByteArray::fromPercentEncoding(parameter.mid(urlKey.size()));
            } else if (parameter.startsWith(statusKey)) {
                if (!parseCount(QByteArrayView(parameter).sliced(statusKey.size()), &code)
                    || code < MinRedirectStatus || code > MaxRedirectStatus)
                    return errorPlan(400, "redirect status must be 300..399");
                status = int(code);
            }
        }
        if (location.isEmpty() || !isFieldValue(location))
            return errorPlan(400, "redirect-to needs ?url=");
        ResponsePlan plan = textPlan(status, "redirecting to " + location + '\n');
        plan.headers.emplaceBack("Location", location);
        return plan;
    }

    if (name == "redirect-loop" && count == 1) {
        ResponsePlan plan = textPlan(302, "redirecting to /redirect-loop\n");
        plan.headers.emplaceBack("Location", "/redirect-loop");
        return plan;
    }

    if (name == "drip" && count == 3 && number(1, &first) && number(2, &second)) {
        if (second > MaxDelayMs)
            return errorPlan(400, "interval over a day");
        ResponsePlan plan = patternPlan(first);
        plan.bodyKind = BodyKind::Drip;
        plan.dripIntervalMs = int(second);
        return plan;
    }

    if ((name == "reset" || name == "truncate") && count == 2 && number(1, &first)) {
        ResponsePlan plan = patternPlan(first);
        // At least one byte is missing, even for n = 0, so the client always has a short body.
        plan.announcedLength = std::max<qint64>(2 * first, 1);
        plan.end = name == "reset" ? EndAction::Reset : EndAction::CloseQuietly;
        return plan;
    }

    if (name == "flaky" && count == 3 && !segments.at(1).isEmpty() && number(2, &second)) {
        int status = 503;
        QByteArray retryAfter = "0";
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            static constexpr QByteArrayView statusKey("status=");
            static constexpr QByteArrayView retryAfterKey("retry-after=");
            qint64 code = 0;
            if (parameter.startsWith(statusKey)) {
                if (!parseCount(QByteArrayView(parameter).sliced(statusKey.size()), &code)
                    || code < MinErrorStatus || code > MaxStatus)
                    return errorPlan(400, "flaky status must be 400..599");
                status = int(code);
            } else if (parameter.startsWith(retryAfterKey)) {
                retryAfter =
                    QByteArray::fromPercentEncoding(parameter.mid(retryAfterKey.size())).trimmed();
                if (retryAfter.isEmpty() || !isFieldValue(retryAfter))
                    return errorPlan(400, "bad retry-after");
            }
        }
        if (m_server->hit("flaky/" + segments.at(1)) < second) {
            ResponsePlan plan = errorPlan(status, "flaky, try again");
            plan.headers.emplaceBack("Retry-After", retryAfter);
            return plan;
        }
        return textPlan(200, "ok");
    }

    if (name == "headers" && count == 1) {
        QByteArray text;
        for (const auto &field : request.headers)
            text += field.first + ": " + field.second + '\n';
        return textPlan(200, text);
    }

    static constexpr QByteArrayView attachmentPrefix("/attachment/");
    if (name == "attachment" && path.size() > attachmentPrefix.size()) {
        const QByteArray fileName =
            QByteArray::fromPercentEncoding(path.sliced(attachmentPrefix.size()).toByteArray());
        ResponsePlan plan = textPlan(200, "attachment");
        plan.contentType = BinaryType.toByteArray();
        plan.headers.emplaceBack("Content-Disposition",
                                 "attachment; filename=" + quotedFileName(fileName));
        return plan;
    }

    if (name == "big-headers" && count == 2 && number(1, &first)) {
        if (first > LoopbackServer::MaxBigHeadersKiB)
            return errorPlan(400,
                             "at most " + QByteArray::number(LoopbackServer::MaxBigHeadersKiB)
                                 + " KiB of headers");
        ResponsePlan plan = textPlan(200, "ok");
        qint64 left = first * BytesPerKiB;
        for (int i = 0; left > 0; ++i) {
            // Name, ": " and CRLF count towards the field's size, as they do on the wire.
            static constexpr qint64 SeparatorAndLineEndBytes = 4;
            const QByteArray fieldName = "X-Filler-" + QByteArray::number(i);
            const qint64 framing = fieldName.size() + SeparatorAndLineEndBytes;
            const qint64 fieldBytes = std::min<qint64>(LoopbackServer::BigHeaderFieldBytes, left);
            plan.headers.emplaceBack(fieldName,
                                     QByteArray(std::max<qint64>(fieldBytes - framing, 1), 'x'));
            left -= fieldBytes;
        }
        return plan;
    }

    if (name == "gzip-bomb" && count == 2 && number(1, &first)) {
        if (first > LoopbackServer::MaxGzipBombMiB)
            return errorPlan(
                400, "at most " + QByteArray::number(LoopbackServer::MaxGzipBombMiB) + " MiB");
        ResponsePlan plan = textPlan(200, LoopbackServer::gzipBomb(first * BytesPerMiB));
        plan.contentType = BinaryType.toByteArray();
        plan.headers.emplaceBack("Content-Encoding", "gzip");
        return plan;
    }

    if (name == "chunked-close" && count == 2 && number(1, &first)) {
        if (first > ChunkBytes)
            return errorPlan(400, "at most " + QByteArray::number(ChunkBytes) + " bytes");
        ResponsePlan plan = textPlan(200, {});
        plan.contentType = BinaryType.toByteArray();
        plan.sendContentLength = false;
        plan.headers.emplaceBack("Transfer-Encoding", "chunked");
        // The closing "0" chunk never comes: only the framing tells the client the body is cut.
        if (first > 0) {
            plan.body = QByteArray::number(first, 16) + LineTerminator.toByteArray();
            plan.body.append(patternAt(0), first);
            plan.body += LineTerminator.toByteArray();
        }
        plan.end = EndAction::CloseQuietly;
        return plan;
    }

    if (name == "basic-auth" && count == 3) {
        const QByteArray credentials = QByteArray::fromPercentEncoding(segments.at(1)) + ':'
            + QByteArray::fromPercentEncoding(segments.at(2));
        const QByteArray authorization = request.header("authorization");
        const qsizetype space = authorization.indexOf(' ');
        const QByteArrayView scheme =
            QByteArrayView(authorization).first(std::max<qsizetype>(space, 0));
        const bool basic = scheme.compare("Basic", Qt::CaseInsensitive) == 0;
        if (basic && QByteArray::fromBase64(authorization.mid(space + 1).trimmed()) == credentials)
            return textPlan(200, "authenticated\n");
        ResponsePlan plan = errorPlan(401, "credentials required");
        plan.headers.emplaceBack("WWW-Authenticate", "Basic realm=\"parafetch\"");
        return plan;
    }

    if (name == "resumable" && count == 2 && number(1, &first))
        return resumable(request, first, query);

    if (name == "set-cookie" && count == 2 && !segments.at(1).isEmpty()) {
        const QByteArray value = QByteArray::fromPercentEncoding(segments.at(1));
        if (!isFieldValue(value) || value.contains(';'))
            return errorPlan(400, "bad cookie value");
        ResponsePlan plan = textPlan(200, "cookie set\n");
        plan.headers.emplaceBack("Set-Cookie", "session=" + value + "; Path=/; HttpOnly");
        return plan;
    }

    return notFound();
}

ResponsePlan Connection::resumable(const RecordedRequest &request, qint64 size,
                                   QByteArrayView query)
{
    QByteArray entityTag = "resumable-" + QByteArray::number(size);
    QByteArray tag;
    qint64 cut = -1;
    qint64 stall = -1;
    bool changing = false;
    for (const QByteArray &parameter : query.toByteArray().split('&')) {
        const qsizetype equals = parameter.indexOf('=');
        const QByteArray key = parameter.left(equals);
        const QByteArray value =
            equals < 0 ? QByteArray() : QByteArray::fromPercentEncoding(parameter.mid(equals + 1));
        if (key == "etag") {
            if (!isEntityTagText(value))
                return errorPlan(400, "bad etag");
            entityTag = value;
        } else if (key == "changing") {
            changing = value == "1";
        } else if (key == "cut") {
            if (!parseCount(value, &cut))
                return errorPlan(400, "bad cut");
        } else if (key == "stall") {
            if (!parseCount(value, &stall))
                return errorPlan(400, "bad stall");
        } else if (key == "tag") {
            tag = value;
        }
    }
    if (changing)
        entityTag += '-' + QByteArray::number(m_server->entityTagSerial.fetch_add(1) + 1);
    entityTag = '"' + entityTag + '"';

    ResponsePlan plan;
    plan.contentType = BinaryType.toByteArray();
    plan.bodyKind = BodyKind::Resumable;
    plan.bodyLength = size;
    plan.headers.emplaceBack("ETag", entityTag);
    plan.headers.emplaceBack("Accept-Ranges", "bytes");

    // One range, "bytes=A-" or "bytes=A-B"; anything else is ignored, as RFC 9110 allows. If-Range
    // compares strongly: only the very same ETag resumes.
    static constexpr QByteArrayView bytesUnit("bytes=");
    const QByteArray range = request.header("range").trimmed();
    const QByteArray ifRange = request.header("if-range");
    const qsizetype dash = range.indexOf('-');
    qint64 from = 0;
    qint64 to = size - 1;
    const bool rangeAsked = range.startsWith(bytesUnit) && dash > bytesUnit.size()
        && parseCount(QByteArrayView(range).sliced(bytesUnit.size(), dash - bytesUnit.size()),
                      &from)
        && (dash == range.size() - 1
            || (parseCount(QByteArrayView(range).sliced(dash + 1), &to) && to >= from));
    if (rangeAsked && (ifRange.isEmpty() || ifRange == entityTag)) {
        if (from >= size) {
            ResponsePlan refused = errorPlan(416, "the range starts past the end");
            refused.headers = plan.headers;
            refused.headers.emplaceBack("Content-Range", "bytes */" + QByteArray::number(size));
            return refused;
        }
        to = std::min(to, size - 1);
        plan.status = 206;
        plan.bodyStart = from;
        plan.bodyLength = to - from + 1;
        plan.headers.emplaceBack("Content-Range",
                                 "bytes " + QByteArray::number(from) + '-' + QByteArray::number(to)
                                     + '/' + QByteArray::number(size));
    }

    const qint64 stopAt = cut >= 0 ? cut : stall;
    const bool cutThis = stopAt >= 0 && (tag.isEmpty() || m_server->hit("resumable/" + tag) == 0);
    if (cutThis && stopAt < plan.bodyLength) {
        plan.announcedLength = plan.bodyLength;
        plan.bodyLength = stopAt;
        plan.end = cut >= 0 ? EndAction::CloseQuietly : EndAction::Hold;
    }
    return plan;
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
                out += LoopbackServer::resumableBytes(m_plan.bodyStart, m_bodyLeft);
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
        m_socket->write(LoopbackServer::resumableBytes(m_plan.bodyStart + m_bodyOffset, size));
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

// Owns the Worker of one thread: created and destroyed inside run(), so every socket and timer
// is created, used and deleted in the same thread.
class WorkerThread final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkerThread)

public:
    explicit WorkerThread(LoopbackServerPrivate *server)
        : m_server(server)
    { }

    Worker *startWorker()
    {
        start();
        m_ready.acquire();
        return m_worker;
    }
    Worker *worker() const { return m_worker; }

protected:
    void run() override
    {
        Worker worker(m_server);
        m_worker = &worker;
        m_ready.release();
        exec();
        worker.shutdown();
    }

private:
    LoopbackServerPrivate *const m_server;
    Worker *m_worker = nullptr;
    QSemaphore m_ready;
};

// Runs `function` in the worker's thread and waits for it.
template<typename Function> void runIn(Worker *worker, Function function)
{
    Q_ASSERT(worker->thread() != QThread::currentThread());
    QMetaObject::invokeMethod(worker, std::move(function), Qt::BlockingQueuedConnection);
}

} // namespace LoopbackDetail

using namespace LoopbackDetail;

LoopbackServer::LoopbackServer(QObject *parent)
    : QObject(parent)
    , m_private(std::make_unique<LoopbackServerPrivate>())
{ }

LoopbackServer::~LoopbackServer()
{
    close();
}

bool LoopbackServer::listen(quint16 port, int threadCount, const QHostAddress &address)
{
    if (isListening()) {
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString =
            tr("The server is already listening on port %1.").arg(m_private->port.load());
        return false;
    }
    if (!address.isLoopback()) {
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString =
            tr("The server listens on loopback addresses only, not %1.").arg(address.toString());
        return false;
    }
    threadCount = std::clamp(threadCount, 1, MaxThreadCount);
    QList<Worker *> workers;
    for (int i = 0; i < threadCount; ++i) {
        auto *thread = new WorkerThread(m_private.get());
        thread->setObjectName(QStringLiteral("loopback-%1").arg(i));
        m_private->threads.append(thread);
        workers.append(thread->startWorker());
    }

    bool listening = false;
    QString error;
    quint16 boundPort = 0;
    Worker *first = workers.constFirst();
    runIn(first,
          [&] { listening = first->startListening(address, port, workers, &error, &boundPort); });
    if (!listening) {
        close();
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString = error;
        return false;
    }
    {
        const QMutexLocker locker(&m_private->mutex);
        m_private->address = address;
    }
    m_private->port = boundPort;
    return true;
}

void LoopbackServer::close()
{
    auto &threads = m_private->threads;
    if (threads.isEmpty())
        return;
    // Stop accepting first: descriptors already dealt out are queued ahead of each shutdown.
    Worker *first = threads.constFirst()->worker();
    runIn(first, [first] { first->stopListening(); });
    for (WorkerThread *thread : std::as_const(threads)) {
        Worker *worker = thread->worker();
        runIn(worker, [worker] { worker->shutdown(); });
    }
    for (WorkerThread *thread : std::as_const(threads))
        thread->quit();
    for (WorkerThread *thread : std::as_const(threads))
        thread->wait();
    qDeleteAll(threads);
    threads.clear();
    m_private->port = 0;
}

bool LoopbackServer::setTlsFiles(const QString &certificateFile, const QString &keyFile)
{
    const auto failed = [this](const QString &message) {
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString = message;
        return false;
    };
    if (isListening())
        return failed(tr("TLS can only be set up before listen()."));
    if (!QSslSocket::supportsSsl())
        return failed(tr("This Qt has no TLS backend."));
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certificateFile);
    if (chain.isEmpty())
        return failed(tr("No PEM certificate in %1.").arg(certificateFile));
    QFile file(keyFile);
    if (!file.open(QIODevice::ReadOnly))
        return failed(tr("Cannot read %1: %2").arg(keyFile, file.errorString()));
    const QByteArray pem = file.readAll();
    QSslKey key(pem, QSsl::Ec);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Rsa);
    if (key.isNull())
        return failed(tr("No EC or RSA private key in %1.").arg(keyFile));

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    // Clients that offer h2 (Qt does) must settle on what this server speaks.
    configuration.setAllowedNextProtocols({ QByteArray(QSslConfiguration::NextProtocolHttp1_1) });
    m_private->tls = configuration;
    return true;
}

bool LoopbackServer::isTls() const
{
    return m_private->tls.has_value();
}

bool LoopbackServer::isListening() const
{
    return !m_private->threads.isEmpty();
}

int LoopbackServer::threadCount() const
{
    return int(m_private->threads.size());
}

QString LoopbackServer::errorString() const
{
    const QMutexLocker locker(&m_private->mutex);
    return m_private->errorString;
}

quint16 LoopbackServer::port() const
{
    return m_private->port.load();
}

QUrl LoopbackServer::baseUrl() const
{
    QUrl base;
    base.setScheme(isTls() ? QStringLiteral("https") : QStringLiteral("http"));
    {
        const QMutexLocker locker(&m_private->mutex);
        base.setHost(m_private->address.toString());
    }
    base.setPort(port());
    return base;
}

QUrl LoopbackServer::url(const QString &pathAndQuery) const
{
    QString text = baseUrl().toString();
    if (!pathAndQuery.startsWith(QLatin1Char('/')))
        text += QLatin1Char('/');
    text += pathAndQuery;
    return QUrl(text);
}

int LoopbackServer::inFlight() const
{
    return m_private->inFlight.load();
}

int LoopbackServer::maxInFlight() const
{
    return m_private->maxInFlight.load();
}

qint64 LoopbackServer::requestCount() const
{
    return m_private->requestCount.load();
}

qint64 LoopbackServer::connectionCount() const
{
    return m_private->connectionCount.load();
}

void LoopbackServer::resetStatistics()
{
    m_private->maxInFlight = m_private->inFlight.load();
    m_private->requestCount = 0;
    m_private->connectionCount = 0;
    const QMutexLocker locker(&m_private->mutex);
    m_private->hits.clear();
}

QList<RecordedRequest> LoopbackServer::recordedRequests() const
{
    const QMutexLocker locker(&m_private->mutex);
    return m_private->recorded;
}

QByteArray LoopbackServer::bodyBytes(qint64 offset, qint64 size)
{
    if (offset < 0 || size <= 0)
        return {};
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 done = 0; done < size;) {
        const qint64 step = std::min(ChunkBytes, size - done);
        std::memcpy(bytes.data() + done, patternAt(offset + done), size_t(step));
        done += step;
    }
    return bytes;
}

QByteArray LoopbackServer::gzipBomb(qint64 size)
{
    size = std::max<qint64>(size, 0);
    // One dynamic-Huffman DEFLATE block (RFC 1951 section 3.2.7) whose literal/length code has
    // three symbols: literal 0 ("10"), end of block ("11") and length 258 ("0"); its distance
    // code has one, distance 1 ("0"). After one literal zero, each further 258 zeros cost two zero
    // bits, so the block is mostly zero bytes: a ratio of about 1032:1, like zlib at its best.
    static constexpr int DynamicHuffman = 2; // BTYPE
    static constexpr int HlitBits = 5, HdistBits = 5, HclenBits = 4, CodeLengthBits = 3;
    static constexpr int RepeatZeroSymbol = 18;
    static constexpr int EndOfBlock = 256;
    static constexpr int MaxMatchLength = 258;
    static constexpr int LiteralLengthCodes = 286; // up to symbol 285, length 258
    static constexpr int FirstLengthSymbol = 257;
    // The code length code: symbol 18 ("repeat zero 11..138 times") is "0", lengths 1 and 2
    // are "10" and "11". Its lengths are sent in this fixed order, 3 bits each.
    static constexpr int CodeLengthOrder[] = {
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1,
    };
    static constexpr int MinCodeLengthCodes = 4;
    static constexpr int RepeatZeroSymbolMin = 11;
    static constexpr int RepeatZeroSymbolMax = 138;
    static constexpr int RepeatZeroExtraBits = 7;

    BitWriter out;
    out.putBits(1, 1); // BFINAL: the only block
    out.putBits(DynamicHuffman, 2);
    out.putBits(LiteralLengthCodes - FirstLengthSymbol, HlitBits);
    out.putBits(0, HdistBits); // one distance code
    out.putBits(std::size(CodeLengthOrder) - MinCodeLengthCodes, HclenBits);
    for (int symbol : CodeLengthOrder) {
        const int length = symbol == RepeatZeroSymbol ? 1 : (symbol == 1 || symbol == 2) ? 2 : 0;
        out.putBits(quint32(length), CodeLengthBits);
    }

    const auto codeLength = [&out](int length) { out.putCode(length == 1 ? 0b10 : 0b11, 2); };
    const auto zeroLengths = [&out](int run) {
        while (run > 0) {
            const int step = std::min(run, RepeatZeroSymbolMax);
            out.putCode(0, 1); // RepeatZeroSymbol
            out.putBits(quint32(step - RepeatZeroSymbolMin), RepeatZeroExtraBits);
            run -= step;
        }
    };
    codeLength(2); // literal 0
    zeroLengths(EndOfBlock - 1);
    codeLength(2); // end of block
    zeroLengths(LiteralLengthCodes - 1 - FirstLengthSymbol);
    codeLength(1); // length 258
    codeLength(1); // distance code 0, distance 1

    static constexpr quint32 LiteralZero = 0b10;
    static constexpr quint32 EndOfBlockCode = 0b11;
    if (size > 0) {
        out.putCode(LiteralZero, 2);
        const qint64 matches = (size - 1) / MaxMatchLength;
        out.putZeroBits(2 * matches);
        for (qint64 i = 0; i < (size - 1) % MaxMatchLength; ++i)
            out.putCode(LiteralZero, 2);
    }
    out.putCode(EndOfBlockCode, 2);

    // RFC 1952: magic, CM = deflate, no flags, no time, no extra flags, OS unknown.
    static constexpr char Header[] = { '\x1f', '\x8b', '\x08', 0, 0, 0, 0, 0, 0, '\xff' };
    QByteArray gzip(Header, sizeof Header);
    gzip += out.take();
    appendLittleEndian32(&gzip, crc32OfZeros(size));
    appendLittleEndian32(&gzip, quint32(quint64(size) & 0xFFFFFFFFU)); // ISIZE: size mod 2^32
    return gzip;
}

QByteArray LoopbackServer::resumableBytes(qint64 offset, qint64 size)
{
    if (offset < 0 || size <= 0)
        return {};
    QByteArray bytes(size, Qt::Uninitialized);
    fillResumable(bytes.data(), offset, size);
    return bytes;
}

QByteArray LoopbackServer::expectedResumableSha256(qint64 size)
{
    Sha256 hash;
    for (qint64 done = 0; done < size;) {
        const qint64 step = std::min(ChunkBytes, size - done);
        hash.addData(resumableBytes(done, step));
        done += step;
    }
    return hash.result();
}

QByteArray LoopbackServer::expectedSha256(qint64 size)
{
    Sha256 hash; // the same fast hash as the engine: big test bodies are hashed twice
    for (qint64 done = 0; done < size;) {
        const qint64 step = std::min(ChunkBytes, size - done);
        hash.addData(QByteArrayView(patternAt(done), step));
        done += step;
    }
    return hash.result();
}

} // namespace Parafetch

#include "loopbackserver.moc"
