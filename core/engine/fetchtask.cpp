// SPDX-License-Identifier: GPL-3.0-or-later
// One URL's fetch as a small state machine on an engine thread's event loop.
#include "engine/fetchtask.h"

#include "engine/bodyhasher.h"
#include "engine/bodysink.h"
#include "engine/filelog.h"
#include "engine/httpreply.h"
#include "engine/networkmanager.h"
#include "engine/ratelimiter.h"
#include "engine/tlsconfig.h"
#include "filenames.h"
#include "redact.h"
#include "units.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QMutexLocker>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimerEvent>

#include <algorithm>
#include <limits>

namespace Parafetch {

namespace {

constexpr int TooManyRequestsStatus = 429;
constexpr int RequestTimeoutStatus = 408;
constexpr int PartialContentStatus = 206;
constexpr int NotModifiedStatus = 304;
constexpr int RangeNotSatisfiableStatus = 416;
// The most one read takes from a reply when Qt's own buffer is unbounded (readBufferBytes 0).
constexpr qint64 MinReadChunkBytes = 256 * Units::BytesPerKiB;
constexpr int ServiceUnavailableStatus = 503;
constexpr int MaxBackoffDoublings = 30;
// A request that Qt failed before it was written is sent again this often within an attempt.
constexpr int MaxUnsentResends = 3;
// Past this many inflated bytes a body that expands more than 40:1 (gzip, deflate) is refused
// (ContentDecoder, with Qt's own default).
constexpr qint64 DecompressionCheckThresholdBytes = 10 * Units::BytesPerMiB;

constexpr QLatin1String HttpScheme("http");
constexpr QLatin1String HttpsScheme("https");
constexpr qsizetype MaxShownSchemeLength = 16; // a hostile Location may carry any "scheme"

bool isSuccess(int status)
{
    return status >= 200 && status < 300;
}

// The redirects a client follows (RFC 9110 section 15.4); 300 leaves the choice to a person, and
// 305 (Use Proxy) is deprecated and must not be followed.
bool isFollowedRedirect(int status)
{
    switch (status) {
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
        return true;
    default:
        return false;
    }
}

// The answers that mean "slow down": Too Many Requests and Service Unavailable.
bool isThrottle(int status)
{
    return status == TooManyRequestsStatus || status == ServiceUnavailableStatus;
}

bool isHttpScheme(const QString &scheme)
{
    return scheme == HttpScheme || scheme == HttpsScheme;
}

int defaultPort(const QString &scheme)
{
    return scheme == HttpsScheme ? Http::DefaultTlsPort : Http::DefaultPort;
}

bool isSameOrigin(const QUrl &a, const QUrl &b)
{
    return a.scheme() == b.scheme() && a.host() == b.host()
        && a.port(defaultPort(a.scheme())) == b.port(defaultPort(b.scheme()));
}

bool isProxyAuthorization(QByteArrayView name)
{
    return name.compare("proxy-authorization", Qt::CaseInsensitive) == 0;
}

// Why a redirect was not followed.
enum class RedirectFault : quint8 { None, TooMany, Insecure, UnsupportedScheme };

qint64 microseconds(qint64 fromNs, qint64 toNs)
{
    return fromNs < 0 || toNs < fromNs ? -1 : (toNs - fromNs) / Units::NsPerUs;
}

QString seconds(qint64 ms)
{
    return QLocale::c().toString(double(ms) / Units::MsPerSecond, 'g', 6);
}

// Qt's messages may quote the URL; the user's credentials must not travel with them.
QString withoutCredentials(QString message, const QUrl &url)
{
    if (!url.password().isEmpty())
        message.replace(url.password(QUrl::FullyEncoded), RedactedMark)
            .replace(url.password(), RedactedMark);
    if (!url.userName().isEmpty())
        message.replace(url.userName(QUrl::FullyEncoded), RedactedMark)
            .replace(url.userName(), RedactedMark);
    return message;
}

// The name the server or the URL suggests; the sink may still prefer the list's own name. A
// name from the URL without an extension gets the one its Content-Type calls for ("/report" of
// a PDF is report.pdf); the server's own Content-Disposition name is taken as it is.
QString suggestedFileName(const QNetworkReply &reply, const QUrl &requested)
{
    QString fromHeader = FileNames::fromContentDisposition(
        reply.rawHeader(QByteArrayLiteral("Content-Disposition")));
    if (!fromHeader.isEmpty())
        return fromHeader;
    return FileNames::withTypeExtension(FileNames::fromUrl(requested),
                                        reply.rawHeader(QByteArrayLiteral("Content-Type")));
}

} // namespace

bool TaskControl::claim()
{
    int expected = int(Claim::Pending);
    return m_claim.compare_exchange_strong(expected, int(Claim::Running),
                                           std::memory_order_acq_rel);
}

bool TaskControl::revoke()
{
    int expected = int(Claim::Pending);
    return m_claim.compare_exchange_strong(expected, int(Claim::Revoked),
                                           std::memory_order_acq_rel);
}

void TaskControl::requestCancel(bool keepPartial)
{
    if (keepPartial)
        m_keepPartial.store(true, std::memory_order_release);
    m_cancelRequested.store(true, std::memory_order_release);
    QMutexLocker locker(&m_mutex);
    // The task cannot be destroyed while we hold the mutex, and a queued call to a destroyed
    // object is dropped with it.
    if (m_task)
        QMetaObject::invokeMethod(
            m_task, [task = m_task] { task->cancel(); }, Qt::QueuedConnection);
}

void TaskControl::setTask(FetchTask *task)
{
    QMutexLocker locker(&m_mutex);
    m_task = task;
}

// What one attempt learns on its way; reset for each attempt, kept across its redirect hops.
struct FetchTask::Attempt
{
    QUrl url; // of the current hop
    int redirects = 0;
    qint64 hopStartNs = -1; // the current hop's request was handed to Qt
    qint64 connectStartNs = -1, connectedNs = -1, sentNs = -1, headersNs = -1;
    qint64 connectUs = -1; // of the first new connection in this attempt, its lookup excluded
    qint64 dnsUs = -1, tlsUs = -1; // that connection's name lookup and TLS handshake
    qint64 hopConnectUs = -1; // of a new connection opened for the current hop, lookup included
    qint64 received = 0;
    qint64 announcedLength = -1; // of the response whose body we read (all of it when resumed)
    qint64 resumedFrom = 0; // a 206 continues the kept part from here
    int unsentResends = 0; // requests Qt failed before writing them, sent again
    bool permanent = false; // a failure another attempt would only repeat
    bool timedOut = false;
    bool sinkOpen = false;
    bool sinkFailed = false;
    bool hashBlocked = false; // drain() stopped: the hashing thread's queue is full
    bool rateBlocked = false; // drain() stopped: a bandwidth cap said wait (m_rateTimer)
    bool keepBody = false; // this hop's response is a 2xx to a GET: its body is the job's
    bool conditional = false; // this hop's request asked "if changed" (--if-changed)
    // --if-exists skip: the file already saved that this response's body would be (same name,
    // size and date); the transfer is stopped after the head and the URL ends Unchanged.
    QString existingPath;
    Sha256Digest existingSha256; // of that file, when a checksum was expected and it matched
    RedirectFault redirectFault = RedirectFault::None;
    QString refusedScheme;
    QString sinkError;
    QList<QSslError> sslErrors; // of the current hop, for the message; never ignored
    QList<RedirectHop> hops; // the redirects followed, for the details pane
};

FetchTask::FetchTask(TaskSpec spec, NetworkManager *manager, const QNetworkRequest &requestTemplate,
                     int lane, int thread, std::shared_ptr<const TaskEnvironment> environment,
                     Done done)
    : m_job(std::move(spec.job))
    , m_url(m_job.url)
    , m_options(std::move(spec.options))
    , m_action(traitsOf(spec.action))
    , m_sink(std::move(spec.sink))
    , m_fileLog(std::move(spec.fileLog))
    , m_control(std::move(spec.control))
    , m_environment(std::move(environment))
    , m_manager(manager)
    , m_requestTemplate(requestTemplate)
    , m_done(std::move(done))
    , m_lane(lane)
{
    m_job.worker = lane;
    m_job.thread = thread;
    // A checksum to check is hashed for, whatever --no-hash says.
    const bool checks = !m_job.expectedSha256().isEmpty()
        || (m_options->checksumsByName && !m_options->checksumsByName->isEmpty());
    if ((m_options->computeSha256 || checks) && m_action.readsBody)
        m_hash = std::make_unique<BodyHasher>();
    if (m_options->limitRatePerUrl > 0)
        m_ownRate = std::make_unique<ByteRateLimiter>(m_options->limitRatePerUrl);
    m_previous = usablePrevious();
}

FetchTask::~FetchTask()
{
    m_control->setTask(nullptr);
    releaseReply();
}

qint64 FetchTask::now() const
{
    return m_environment->now();
}

void FetchTask::start()
{
    m_control->setTask(this);
    m_job.state = JobState::Running;
    m_job.startedAtNs = now();
    m_control->worker.store(m_job.worker, std::memory_order_relaxed);
    m_control->startedAtNs.store(m_job.startedAtNs, std::memory_order_release);
    adoptPartial();
    beginAttempt(1);
}

void FetchTask::cancel()
{
    if (m_completed || m_cancelled)
        return;
    m_cancelled = true;
    if (m_reply) {
        m_reply->abort(); // finished() follows, and with it the cancelled result
    } else if (m_retryTimer.isActive()) {
        m_retryTimer.stop();
        fail(ErrorKind::Cancelled,
             tr("cancelled while waiting to retry (last attempt: %1)").arg(m_job.errorString()));
        complete();
    }
}

void FetchTask::beginAttempt(int number)
{
    m_job.attempts = number;
    m_job.state = JobState::Running;
    m_job.errorKind = ErrorKind::None;
    m_job.setErrorString({});
    m_job.httpStatus = 0;
    m_job.bytesReceived = 0;
    m_job.bytesTotal = -1;
    m_job.connectUs = m_job.sendUs = m_job.waitUs = m_job.receiveUs = -1;
    m_job.dnsUs = m_job.tlsUs = -1;
    m_job.serverAddressId = 0;
    m_job.setFinalUrl({});
    m_job.sha256.clear();
    m_job.protocol.clear();
    m_job.connectionId = 0;
    m_job.connectionReused = false;
    m_job.setResponseHeaders({});
    m_job.setEtag({});
    m_job.setLastModified({});
    m_job.attemptStartedAtNs = now();
    m_control->attempt.store(number, std::memory_order_relaxed);
    m_control->bytesReceived.store(0, std::memory_order_relaxed);
    m_control->bytesTotal.store(-1, std::memory_order_relaxed);
    if (m_hash)
        m_hash->reset();

    if (m_cancelled || m_control->isCancelRequested()) {
        fail(ErrorKind::Cancelled, tr("cancelled"));
        complete();
        return;
    }
    m_attempt = std::make_unique<Attempt>();
    if (m_options->timeoutMs > 0)
        m_deadline.start(m_options->timeoutMs, Qt::PreciseTimer, this); // redirects included
    sendRequest(m_url);
}

QNetworkRequest FetchTask::requestFor(const FetchOptions &options, bool withSecrets)
{
    QNetworkRequest request;
    // Qt 6.4 follows redirects with duplicate requests and a new connection per hop, and keeps
    // sending a few after it has reported a loop; followed here, each hop is one request on the
    // kept-alive connection, and the limit is exact.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader(QByteArrayLiteral("User-Agent"),
                         options.userAgent.isEmpty() ? FetchOptions::defaultUserAgent()
                                                     : options.userAgent);
    for (const auto &[name, value] : options.headers) {
        if (withSecrets || !isSensitiveHeader(name) || isProxyAuthorization(name))
            request.setRawHeader(name, value);
    }
    if (options.idleTimeoutMs > 0)
        request.setTransferTimeout(options.idleTimeoutMs);
    request.setDecompressedSafetyCheckThreshold(DecompressionCheckThresholdBytes);
    // Our own TLS sockets offer in ALPN what this allows, and so does Qt on its route.
    if (options.httpVersion == FetchOptions::HttpVersion::Http1_1)
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    configureTls(request, options);
    return request;
}

QNetworkRequest FetchTask::makeRequest(const QUrl &url) const
{
    // The user's secrets are for the host they asked for, not for wherever it sends us (as
    // curl does since CVE-2018-1000007). Proxy-Authorization is for the proxy, which a redirect
    // does not change. For the host asked for, the engine thread's copy of the request made
    // from the options serves: a copy shares its headers instead of building them per URL.
    QNetworkRequest request =
        isSameOrigin(url, m_url) ? m_requestTemplate : requestFor(*m_options, false);
    request.setUrl(url);
    // Cleartext h2 needs prior knowledge: Qt sends the h2 preface at once (the manager hands
    // such a request to Qt's route). A redirect to https negotiates in ALPN instead.
    if (m_options->httpVersion == FetchOptions::HttpVersion::Http2
        && url.scheme() == QLatin1String("http"))
        request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    if (m_options->cookies) {
        // Matched for each hop: a redirect to another host carries that host's cookies only.
        const QByteArray cookies =
            CookieFile::headerFor(*m_options->cookies, url, QDateTime::currentSecsSinceEpoch());
        if (!cookies.isEmpty()) {
            const QByteArray own = request.rawHeader(QByteArrayLiteral("Cookie")); // -H Cookie
            request.setRawHeader(QByteArrayLiteral("Cookie"),
                                 own.isEmpty() ? cookies : own + "; " + cookies);
        }
    }
    if (m_resumeOffset > 0) {
        request.setRawHeader(QByteArrayLiteral("Range"),
                             "bytes=" + QByteArray::number(m_resumeOffset) + '-');
        request.setRawHeader(QByteArrayLiteral("If-Range"), m_resumeValidator);
    } else if (m_attempt->conditional) {
        if (!m_previous->etag.isEmpty())
            request.setRawHeader(QByteArrayLiteral("If-None-Match"), m_previous->etag);
        if (!m_previous->lastModified.isEmpty())
            request.setRawHeader(QByteArrayLiteral("If-Modified-Since"), m_previous->lastModified);
    }
    return request;
}

void FetchTask::sendRequest(const QUrl &url)
{
    Attempt &attempt = *m_attempt;
    attempt.url = url;
    attempt.hopStartNs = now();
    attempt.connectStartNs = attempt.connectedNs = attempt.sentNs = attempt.headersNs = -1;
    attempt.hopConnectUs = -1;
    attempt.keepBody = false;
    // The validators describe the body of the URL they came from, so only a request to that URL
    // carries them: the listed one, or the one its redirects ended at then. Never on a Range
    // continuation, whose body is part of the version the .part holds.
    attempt.conditional =
        m_previous && m_resumeOffset == 0 && redactedUrl(url) == m_previous->validatedUrl;
    const QNetworkRequest request = makeRequest(url);
    if (m_options->keepDetails)
        recordRequestHeaders(request);
    m_control->phase.store(LivePhase::Sending, std::memory_order_relaxed);
    m_reply = m_manager->fetch(m_action.operation, request);
    m_reply->setReadBufferSize(m_options->readBufferBytes);
    connect(m_reply, &QNetworkReply::socketStartedConnecting, this, &FetchTask::onSocketConnecting);
    connect(m_reply, &QNetworkReply::encrypted, this, &FetchTask::onEncrypted);
    connect(m_reply, &QNetworkReply::requestSent, this, &FetchTask::onRequestSent);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &FetchTask::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &FetchTask::drain);
    connect(m_reply, &QNetworkReply::finished, this, &FetchTask::onFinished);
    connect(m_reply, &QNetworkReply::sslErrors, this,
            [this](const QList<QSslError> &errors) { m_attempt->sslErrors = errors; });
    if (m_cancelled || m_control->isCancelRequested()) {
        m_cancelled = true;
        m_reply->abort();
    } else if (m_reply->isFinished()) {
        // Qt finishes some replies (e.g. an invalid URL) before a signal can be connected.
        QMetaObject::invokeMethod(this, &FetchTask::onFinished, Qt::QueuedConnection);
    } else {
        // Connected: the request goes out now, not once the worker's event loop has served
        // every other ready socket (at N = 128 a lane's next request waited for the whole
        // wave's responses). Its finish may come from in here, so nothing follows.
        m_reply->startNow();
    }
}

// What the details pane shows of the request: the headers we set (Qt adds its own transport
// ones), and the Authorization that user info in the URL turns into; secrets masked.
void FetchTask::recordRequestHeaders(const QNetworkRequest &request)
{
    const QList<QByteArray> names = request.rawHeaderList();
    HeaderList headers;
    headers.reserve(names.size() + 1);
    for (const QByteArray &name : names)
        headers.append({ name, redactedHeaderValue(name, request.rawHeader(name)) });
    if (!request.url().userInfo().isEmpty())
        headers.append({ QByteArrayLiteral("Authorization"),
                         redactedHeaderValue("Authorization", QByteArrayLiteral("Basic")) });
    thread_local HeaderList previous; // of this engine thread's last request
    m_job.setRequestHeaders(sharedHeaders(std::move(headers), &previous));
}

void FetchTask::onSocketConnecting()
{
    if (m_attempt->connectStartNs < 0)
        m_attempt->connectStartNs = now();
    m_control->phase.store(LivePhase::Connecting, std::memory_order_relaxed);
}

void FetchTask::onEncrypted()
{
    if (m_attempt->connectStartNs >= 0 && m_attempt->connectedNs < 0)
        m_attempt->connectedNs = now();
}

void FetchTask::onRequestSent()
{
    Attempt &attempt = *m_attempt;
    attempt.sentNs = now();
    m_control->phase.store(LivePhase::Waiting, std::memory_order_relaxed);
    if (attempt.connectStartNs >= 0) {
        // Qt's signals reach us queued from its HTTP thread, so "started connecting" arrives
        // together with "sent" and its own time says nothing. A new connection's phase is
        // therefore everything from handing the request to Qt to the connection being ready:
        // the handshake on https, the request written on http (name lookup, TCP and the write
        // on loopback are all well under a millisecond apart).
        if (attempt.connectedNs < 0)
            attempt.connectedNs = attempt.sentNs;
        attempt.hopConnectUs = microseconds(attempt.hopStartNs, attempt.connectedNs);
        // The attempt's connect time is that of its first new connection: from the end of its
        // name lookup (the reply measured it) to ready.
        if (attempt.connectUs < 0) {
            const QVariant dns = m_reply->attribute(ReplyAttribute::DnsUs);
            const QVariant tls = m_reply->attribute(ReplyAttribute::TlsUs);
            attempt.dnsUs =
                dns.isValid() ? std::clamp<qint64>(dns.toLongLong(), 0, attempt.hopConnectUs) : -1;
            attempt.connectUs = attempt.hopConnectUs - std::max<qint64>(attempt.dnsUs, 0);
            attempt.tlsUs =
                tls.isValid() ? std::clamp<qint64>(tls.toLongLong(), 0, attempt.connectUs) : -1;
        }
    }
}

void FetchTask::onMetaData()
{
    Attempt &attempt = *m_attempt;
    QNetworkReply &reply = *m_reply;
    attempt.headersNs = now();
    m_control->phase.store(LivePhase::Receiving, std::memory_order_relaxed);
    attempt.announcedLength = reply.attribute(ReplyAttribute::BodyLength).toLongLong();
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // Decided once per response, not per chunk: the body is the job's only on a 2xx to a GET.
    attempt.keepBody = m_action.readsBody && isSuccess(status);
    if (status == PartialContentStatus && m_resumeOffset > 0) {
        // The rest of the kept part: totals count the whole body.
        attempt.resumedFrom = m_resumeOffset;
        attempt.received = m_resumeOffset;
        if (attempt.announcedLength >= 0)
            attempt.announcedLength += m_resumeOffset;
    }
    m_control->bytesTotal.store(attempt.announcedLength, std::memory_order_relaxed);
    if (attempt.keepBody && m_resumeOffset == 0 && !m_previous && m_action.savesBody
        && m_options->existingFile == FetchOptions::ExistingFile::Skip && findExistingFile(reply))
        reply.abort(); // the head told all we need; classify() sees existingPath
}

// --if-exists skip: whether the body this response announces is already saved under the name it
// would get, judged by its size (Content-Length; an encoded body has none we could compare) and
// date (Last-Modified, which our saved files take as their mtime), as wget -N judges. When a
// checksum is expected, the file must also hash to it: a result is a success only if verified.
bool FetchTask::findExistingFile(const QNetworkReply &reply)
{
    Attempt &attempt = *m_attempt;
    if (attempt.announcedLength < 0)
        return false;
    const QDateTime modified = reply.header(QNetworkRequest::LastModifiedHeader).toDateTime();
    const QString path =
        m_sink->matchingExistingFile(suggestedName(reply), attempt.announcedLength, modified);
    if (path.isEmpty())
        return false;
    const Sha256Digest expected = expectedSha256(reply);
    if (!expected.isEmpty()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return false;
        Sha256 hash;
        constexpr qint64 ChunkBytes = 1 << 20;
        for (QByteArray chunk; !(chunk = file.read(ChunkBytes)).isEmpty();)
            hash.addData(chunk);
        const Sha256Digest actual(hash.result());
        if (file.error() != QFileDevice::NoError || actual != expected)
            return false; // fetched again, and saved beside it under a free name
        attempt.existingSha256 = actual;
    }
    attempt.existingPath = path;
    return true;
}

void FetchTask::drain()
{
    if (!m_reply)
        return;
    Attempt &attempt = *m_attempt;
    attempt.hashBlocked = false;
    attempt.rateBlocked = false;
    if (!m_reply->isOpen())
        return; // aborted: nothing more to read
    HttpReply &reply = *m_reply;
    if (reply.bytesAvailable() <= 0)
        return;
    const bool keep = attempt.keepBody;
    if (keep && !attempt.sinkOpen && !attempt.sinkFailed)
        openSink(reply);
    // Bytes nobody looks at (a discarding sink without a hash, a redirect's or an error's body)
    // are dropped where Qt holds them: skip() frees its chunks without copying them.
    const bool look = keep && !attempt.sinkFailed && (m_hash || m_sink->readsBytes());
    // Bounds what one read takes: Qt may buffer without limit when readBufferBytes is 0.
    const qint64 maxRead = std::max(m_options->readBufferBytes, MinReadChunkBytes);
    for (qint64 available; (available = reply.bytesAvailable()) > 0;) {
        // A large body's hash runs on a thread of its own with a bounded queue: while that is
        // full the bytes stay in the reply, whose full buffer stops reading the socket. Asked
        // before the cap, which would count bytes that are then not read.
        if (look && m_hash && !m_hash->hasRoom()
            && m_hash->wakeWhenReady(this, [this] { readOn(); })) {
            attempt.hashBlocked = true;
            break;
        }
        // Every byte that came over the network counts against a cap, looked at or not.
        const qint64 allowed = allowedRead(std::min(available, maxRead));
        if (allowed <= 0) {
            attempt.rateBlocked = true;
            break;
        }
        if (!look) {
            const qint64 skipped = reply.skip(allowed);
            if (skipped <= 0)
                break;
            attempt.received += skipped;
            continue;
        }
        // Qt 6.4's QIODevice::read(qint64) hands over the chunk its HTTP thread received,
        // without copying it, when asked for exactly that chunk; with one chunk buffered that is
        // everything available. (With several it copies them into a new array, as read() into
        // our own buffer would copy them; Qt 6.4 offers no public way to ask for one chunk.)
        const QByteArray chunk = reply.readChunk(allowed);
        if (chunk.isEmpty())
            break;
        attempt.received += chunk.size();
        if (m_hash)
            m_hash->addData(chunk);
        if (!m_sink->write(chunk.constData(), chunk.size(), &attempt.sinkError)) {
            attempt.sinkFailed = true;
            break; // aborted below
        }
    }
    m_control->bytesReceived.store(attempt.received, std::memory_order_relaxed);
    if (attempt.sinkFailed && reply.isRunning())
        reply.abort();
}

qint64 FetchTask::allowedRead(qint64 wanted)
{
    ByteRateLimiter *const global = m_environment->bandwidth.get();
    if (!m_ownRate && !(global && global->isLimited()))
        return wanted;
    const qint64 nowNs = now();
    qint64 waitNs = 0;
    qint64 allowed = wanted;
    if (m_ownRate)
        allowed = m_ownRate->take(allowed, nowNs, &waitNs);
    if (allowed > 0 && global && global->isLimited()) {
        const qint64 granted = global->take(allowed, nowNs, &waitNs);
        if (m_ownRate && granted < allowed)
            m_ownRate->giveBack(allowed - granted);
        allowed = granted;
    }
    if (allowed <= 0 && !m_rateTimer.isActive()) {
        const qint64 waitMs = std::max<qint64>(1, (waitNs + Units::NsPerMs - 1) / Units::NsPerMs);
        m_rateTimer.start(int(std::min<qint64>(waitMs, std::numeric_limits<int>::max())),
                          Qt::PreciseTimer, this);
    }
    return allowed;
}

void FetchTask::readOn()
{
    if (!m_reply)
        return; // a wake-up for an attempt that has ended
    drain();
    if (m_reply && m_reply->isFinished())
        onFinished();
}

void FetchTask::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_deadline.timerId()) {
        m_deadline.stop();
        onDeadline();
    } else if (event->timerId() == m_rateTimer.timerId()) {
        m_rateTimer.stop();
        readOn(); // and finish if the reply has
    } else if (event->timerId() == m_retryTimer.timerId()) {
        m_retryTimer.stop();
        beginAttempt(m_job.attempts + 1);
    } else {
        QObject::timerEvent(event);
    }
}

void FetchTask::onDeadline()
{
    if (!m_reply)
        return;
    m_attempt->timedOut = true;
    m_reply->abort();
}

void FetchTask::onFinished()
{
    if (!m_reply || !m_reply->isFinished())
        return; // a queued call for a hop that is already gone
    drain();
    if (m_attempt->rateBlocked)
        return; // the cap's timer comes back here when the rest may be read
    if (m_hash) {
        // The body is complete once it is read and hashed; the wake-up comes back here.
        if (m_attempt->hashBlocked
            || (!m_hash->isIdle() && m_hash->wakeWhenReady(this, [this] { readOn(); })))
            return;
    }
    Attempt &attempt = *m_attempt;
    QNetworkReply &reply = *m_reply;
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (wasNeverSent(reply) && attempt.unsentResends < MaxUnsentResends) {
        // Lanes share a manager (six, one per connection Qt keeps to a host), and when one of
        // its connections breaks, Qt 6.4 fails every request still waiting in the manager's
        // queue with that connection's error. Such a request never left us: send it again,
        // as part of the same attempt.
        ++attempt.unsentResends;
        releaseReply();
        sendRequest(attempt.url);
        return;
    }
    const QUrl location = reply.attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    const bool stop = reply.error() != QNetworkReply::NoError || !isFollowedRedirect(status)
        || location.isEmpty() || attempt.timedOut || m_cancelled;
    if (!stop) {
        const QUrl next = attempt.url.resolved(location);
        if (attempt.redirects >= m_options->maxRedirects) {
            attempt.redirectFault = RedirectFault::TooMany;
        } else if (!isHttpScheme(next.scheme())) {
            attempt.redirectFault = RedirectFault::UnsupportedScheme;
            attempt.refusedScheme = next.scheme().left(MaxShownSchemeLength);
        } else if (attempt.url.scheme() == HttpsScheme && next.scheme() != HttpsScheme) {
            attempt.redirectFault = RedirectFault::Insecure;
        } else {
            ++attempt.redirects;
            attempt.hops.append({ status, next.adjusted(QUrl::RemoveUserInfo) });
            // The redirect's own body is not the job's.
            attempt.received = 0;
            attempt.announcedLength = -1;
            m_control->bytesReceived.store(0, std::memory_order_relaxed);
            m_control->bytesTotal.store(-1, std::memory_order_relaxed);
            releaseReply();
            sendRequest(next);
            return;
        }
    }
    finishAttempt();
}

void FetchTask::finishAttempt()
{
    m_deadline.stop();
    classify(*m_reply);
    if (restartWithoutAdoptedPart())
        return;
    if (m_options->keepDetails)
        m_job.editDetails().attemptLog.append({ m_job.httpStatus, m_job.errorKind,
                                                m_job.errorString(), m_job.attemptStartedAtNs,
                                                now(), m_job.protocol, m_attempt->hops });
    const int maxAttempts = 1 + std::max(0, m_options->retries);
    const bool retry = m_job.state == JobState::Running && m_job.attempts < maxAttempts
        && isRetryable(m_job) && !m_attempt->permanent;
    // Looked up only for a retry: most attempts succeed, and each lookup scans every header.
    const QByteArray retryAfter =
        retry ? m_reply->rawHeader(QByteArrayLiteral("Retry-After")) : QByteArray();
    const QString retryHost = retry ? m_attempt->url.host() : QString();
    if (m_attempt->sinkOpen && m_job.state != JobState::Succeeded && !keepingPartial()) {
        // What a failed attempt wrote is kept for the next one when the server can continue
        // it; otherwise no partial file outlives the attempt.
        const QByteArray validator = resumeValidator(*m_reply);
        m_resumeOffset = 0;
        m_resumeValidator.clear();
        if (retry && !validator.isEmpty() && m_sink->keepPartial()) {
            m_resumeOffset = m_sink->partialSize();
            m_resumeValidator = validator;
        } else {
            m_sink->discard();
        }
    }
    releaseReply();
    m_attempt.reset();

    if (m_job.state == JobState::Running) {
        if (!retry) {
            m_job.state = JobState::Failed;
        } else {
            const qint64 delayMs = std::max<qint64>(0, retryDelayMs(m_job.attempts, retryAfter));
            if (isThrottle(m_job.httpStatus) && m_environment->throttled)
                m_environment->throttled(retryHost, delayMs);
            // Precise: a coarse timer may fire up to 5% early, and Retry-After is a lower
            // bound the server asked us to respect.
            m_retryTimer.start(int(std::min<qint64>(delayMs, std::numeric_limits<int>::max())),
                               Qt::PreciseTimer, this);
            m_control->phase.store(LivePhase::BackingOff, std::memory_order_relaxed);
            return;
        }
    }
    complete();
}

// Turns the finished attempt into the job's fields and a state: Succeeded, Cancelled, or
// Running with an error (the caller decides between a retry and Failed).
void FetchTask::classify(QNetworkReply &reply)
{
    Attempt &attempt = *m_attempt;
    const qint64 finishedNs = now();
    const bool isHead = !m_action.readsBody;
    const int httpStatus = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply.error();
    m_job.httpStatus = httpStatus;
    m_job.bytesReceived = attempt.received;
    m_job.bytesTotal = attempt.announcedLength;
    if (attempt.url != m_url) {
        // A relative Location keeps the user's credentials; the final URL is only for showing
        // and exporting, so it never holds them.
        m_job.setFinalUrl(attempt.url.adjusted(QUrl::RemoveUserInfo));
    }
    if (httpStatus > 0) {
        const QByteArray version = reply.attribute(ReplyAttribute::HttpVersion).toByteArray();
        m_job.protocol = reply.attribute(QNetworkRequest::Http2WasUsedAttribute).toBool()
            ? QByteArrayLiteral("h2")
            : version.isEmpty() ? QByteArrayLiteral("http/1.1")
                                : version;
        m_job.connectionId = reply.attribute(ReplyAttribute::ConnectionId).toULongLong();
        m_job.connectionReused = reply.attribute(ReplyAttribute::ConnectionReused).toBool();
    }
    if (attempt.connectUs < 0 && attempt.sentNs < 0 && attempt.connectStartNs >= 0) {
        // Ended on the way to a connection (the lookup failed, or the connect): what the lookup
        // took is known all the same.
        const QVariant dns = reply.attribute(ReplyAttribute::DnsUs);
        attempt.dnsUs = dns.isValid() ? std::max<qint64>(dns.toLongLong(), 0) : -1;
    }
    // Known once connected, answer or not: where a reset came from is worth knowing too.
    m_job.setServerAddress(reply.attribute(ReplyAttribute::ServerAddress).toString());
    // Phases of the last hop; connect is the attempt's first new connection's.
    m_job.connectUs = attempt.connectUs;
    m_job.dnsUs = qint32(std::min<qint64>(attempt.dnsUs, std::numeric_limits<qint32>::max()));
    m_job.tlsUs = qint32(std::min<qint64>(attempt.tlsUs, std::numeric_limits<qint32>::max()));
    if (attempt.sentNs >= 0) {
        const qint64 beforeSendUs = microseconds(attempt.hopStartNs, attempt.sentNs);
        m_job.sendUs =
            std::max<qint64>(0, beforeSendUs - std::max<qint64>(0, attempt.hopConnectUs));
    }
    m_job.waitUs = microseconds(attempt.sentNs, attempt.headersNs);
    m_job.receiveUs = microseconds(attempt.headersNs, finishedNs);
    if (m_options->keepDetails) {
        const QList<QNetworkReply::RawHeaderPair> &pairs = reply.rawHeaderPairs();
        HeaderList headers;
        headers.reserve(pairs.size());
        for (const auto &[name, value] : pairs)
            headers.append({ name, redactedHeaderValue(name, value) });
        thread_local HeaderList previous; // of this engine thread's last response
        m_job.setResponseHeaders(sharedHeaders(std::move(headers), &previous));
    }

    const bool cancelledByUser = m_cancelled || m_control->isCancelRequested();
    // Where the reply found the bytes broke HTTP (framing, length, coding), it says so and how.
    const auto framingFault = FramingFault(reply.attribute(ReplyAttribute::FramingFault).toInt());

    if (cancelledByUser) {
        fail(ErrorKind::Cancelled, tr("cancelled"));
    } else if (!attempt.existingPath.isEmpty()) {
        // --if-exists skip: the file already there is the server's copy; nothing is written.
        m_job.state = JobState::Unchanged;
        m_job.bytesTotal = attempt.announcedLength;
        m_job.sha256 = attempt.existingSha256;
        m_job.setSavedPath(attempt.existingPath);
        if (m_options->keepValidators) {
            m_job.setEtag(reply.rawHeader(QByteArrayLiteral("ETag")).trimmed());
            m_job.setLastModified(reply.rawHeader(QByteArrayLiteral("Last-Modified")).trimmed());
        }
    } else if (attempt.timedOut) {
        fail(ErrorKind::TimedOut, tr("timed out after %1 s").arg(seconds(m_options->timeoutMs)));
    } else if (attempt.sinkFailed) {
        // Before OperationCanceledError: the abort that followed a failed write is our own.
        fail(ErrorKind::FileSystem, attempt.sinkError);
    } else if (error == QNetworkReply::OperationCanceledError) {
        // Nobody of ours aborted it: Qt's transfer timeout did (ARCHITECTURE rule 6).
        fail(ErrorKind::TimedOut,
             tr("timed out: no data for %1 s").arg(seconds(m_options->idleTimeoutMs)));
    } else if (attempt.redirectFault == RedirectFault::TooMany) {
        // Checked before the status: the reply is the last 3xx.
        fail(ErrorKind::TooManyRedirects,
             tr("too many redirects (limit %1)").arg(m_options->maxRedirects));
    } else if (attempt.redirectFault == RedirectFault::Insecure) {
        attempt.permanent = true;
        fail(ErrorKind::Network, tr("refused a redirect from https to http"));
    } else if (attempt.redirectFault == RedirectFault::UnsupportedScheme) {
        attempt.permanent = true;
        fail(ErrorKind::Network,
             tr("refused a redirect to a %1: URL (only http and https are followed)")
                 .arg(attempt.refusedScheme));
    } else if (httpStatus == NotModifiedStatus && attempt.conditional
               && error == QNetworkReply::NoError) {
        // The body is the one the earlier run fetched, and its file (if saved) is where that run
        // left it: nothing is opened, written or renamed. The record describes that body.
        m_job.state = JobState::Unchanged;
        m_job.bytesTotal = m_previous->size; // of the body as it was fetched; none came now
        m_job.sha256 = m_previous->sha256;
        m_job.setSavedPath(m_action.savesBody ? m_previous->savedPath : QString());
        if (m_options->keepValidators) {
            m_job.setEtag(m_previous->etag);
            m_job.setLastModified(m_previous->lastModified);
        }
    } else if (httpStatus > 0 && !isSuccess(httpStatus)) {
        const QString reason = QString::fromUtf8(
            reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
        fail(ErrorKind::HttpStatus, tr("HTTP %1 %2").arg(httpStatus).arg(reason).trimmed());
    } else if (framingFault == FramingFault::Truncated) {
        fail(ErrorKind::Truncated, reply.errorString());
    } else if (framingFault == FramingFault::Protocol) {
        attempt.permanent = true; // the same server sends the same bytes again
        fail(ErrorKind::Protocol, reply.errorString());
    } else if (error == QNetworkReply::NoError) {
        QString commitError;
        if (!isHead && !attempt.sinkOpen && !openSink(reply))
            commitError = attempt.sinkError; // an empty body still becomes an (empty) file
        if (!isHead && attempt.sinkOpen && m_hash)
            m_job.sha256 = m_hash->result(); // before the rename: the file log records it
        const Sha256Digest expected = isHead ? Sha256Digest() : expectedSha256(reply);
        if (!expected.isEmpty() && attempt.sinkOpen && m_job.sha256 != expected) {
            // The body came whole (its framing said so) and is not the one expected: the same
            // server would send it again. The file is discarded, never renamed.
            attempt.permanent = true;
            fail(ErrorKind::ChecksumMismatch,
                 tr("checksum mismatch: expected %1, got %2")
                     .arg(QString::fromLatin1(expected.toHex()),
                          QString::fromLatin1(m_job.sha256.toHex())));
            return;
        }
        if (!expected.isEmpty() && m_job.expectedSha256().isEmpty())
            m_job.setExpectedSha256(expected); // from --checksums: the row shows it verified
        if ((isHead || attempt.sinkOpen) && (isHead || commitSink(&commitError))) {
            m_job.state = JobState::Succeeded;
            m_job.bytesTotal = attempt.received;
            if (m_options->keepValidators) {
                m_job.setEtag(reply.rawHeader(QByteArrayLiteral("ETag")).trimmed());
                m_job.setLastModified(
                    reply.rawHeader(QByteArrayLiteral("Last-Modified")).trimmed());
            }
            return;
        }
        m_job.sha256.clear();
        fail(ErrorKind::FileSystem, commitError);
    } else {
        switch (error) {
        case QNetworkReply::ConnectionRefusedError:
            fail(ErrorKind::ConnectionRefused, tr("connection refused"));
            break;
        case QNetworkReply::HostNotFoundError:
            fail(ErrorKind::HostNotFound, tr("host not found: %1").arg(attempt.url.host()));
            break;
        case QNetworkReply::RemoteHostClosedError:
            fail(ErrorKind::ConnectionClosed,
                 attempt.received > 0 ? tr("connection closed by the server after %1 body bytes")
                                            .arg(attempt.received)
                                      : tr("connection closed by the server before a response"));
            break;
        case QNetworkReply::TimeoutError:
            fail(ErrorKind::TimedOut, tr("timed out: %1").arg(reply.errorString()));
            break;
        case QNetworkReply::SslHandshakeFailedError:
            fail(ErrorKind::Tls,
                 tlsFailureMessage(attempt.sslErrors, attempt.url.host(), reply.errorString()));
            break;
        default:
            fail(ErrorKind::Network, reply.errorString());
            break;
        }
    }
}

bool FetchTask::wasNeverSent(const QNetworkReply &reply) const
{
    const QNetworkReply::NetworkError error = reply.error();
    return m_attempt->sentNs < 0 && !m_attempt->timedOut && !m_cancelled
        && reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 0
        && (error == QNetworkReply::RemoteHostClosedError
            || error == QNetworkReply::UnknownNetworkError);
}

QByteArray FetchTask::resumeValidator(const QNetworkReply &reply) const
{
    // Byte offsets are only meaningful for the body as sent, and only a validator tells that
    // the rest belongs to the same version of it (RFC 9110 section 13.1.5: If-Range needs a
    // strong ETag or a Last-Modified date).
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (!m_options->resume || !isSuccess(status)
        || reply.hasRawHeader(QByteArrayLiteral("Content-Encoding"))
        || reply.rawHeader(QByteArrayLiteral("Accept-Ranges"))
                .trimmed()
                .compare("none", Qt::CaseInsensitive)
            == 0)
        return {};
    const QByteArray etag = reply.rawHeader(QByteArrayLiteral("ETag")).trimmed();
    if (!etag.isEmpty())
        return etag.startsWith("W/") ? QByteArray() : etag;
    return reply.rawHeader(QByteArrayLiteral("Last-Modified")).trimmed();
}

// The first byte offset of a 206's Content-Range ("bytes 100-199/200"), -1 if malformed.
qint64 FetchTask::contentRangeStart(const QNetworkReply &reply)
{
    const QByteArray range = reply.rawHeader(QByteArrayLiteral("Content-Range")).trimmed();
    if (!range.startsWith("bytes "))
        return -1;
    const qsizetype dash = range.indexOf('-');
    bool ok = false;
    const qint64 start = range.mid(6, dash - 6).trimmed().toLongLong(&ok);
    return ok && dash > 6 ? start : -1;
}

bool FetchTask::openSink(const QNetworkReply &reply)
{
    Attempt &attempt = *m_attempt;
    m_sink->setModificationTime(reply.header(QNetworkRequest::LastModifiedHeader).toDateTime());
    if (attempt.resumedFrom > 0) {
        // 206: continue the kept part, after checking that this is the range we asked for.
        if (contentRangeStart(reply) != attempt.resumedFrom) {
            attempt.sinkError =
                tr("the server resumed at the wrong offset (%1, asked for %2)")
                    .arg(QString::fromLatin1(reply.rawHeader(QByteArrayLiteral("Content-Range"))))
                    .arg(attempt.resumedFrom);
            m_sink->discard();
        } else if (m_sink->resume(&attempt.sinkError)
                   && (!m_hash
                       || m_sink->readPartial(
                           [this](QByteArrayView kept) { m_hash->addDataNow(kept); },
                           &attempt.sinkError))) {
            attempt.sinkOpen = true;
        }
    } else {
        if (m_previous && m_action.savesBody)
            m_sink->replaceOnCommit(m_previous->savedPath); // --if-changed: the body changed
        attempt.sinkOpen = m_sink->open(suggestedName(reply), &attempt.sinkError); // starts over
    }
    m_resumeOffset = 0;
    m_resumeValidator.clear();
    attempt.sinkFailed = !attempt.sinkOpen;
    if (attempt.sinkOpen)
        announcePartial(reply);
    return attempt.sinkOpen;
}

Sha256Digest FetchTask::expectedSha256(const QNetworkReply &reply) const
{
    if (!m_job.expectedSha256().isEmpty())
        return m_job.expectedSha256();
    const auto *byName = m_options->checksumsByName.get();
    if (!byName || byName->isEmpty())
        return {};
    // By the name the body is saved under, before " (1)" makes it unique: the name a
    // sha256sum run over the saved files wrote.
    const QString name =
        m_job.fileName().isEmpty() ? suggestedFileName(reply, m_url) : m_job.fileName();
    return byName->value(FileNames::sanitize(name));
}

QString FetchTask::suggestedName(const QNetworkReply &reply) const
{
    return m_sink->keepsName() ? suggestedFileName(reply, m_url) : QString();
}

void FetchTask::fail(ErrorKind kind, const QString &message)
{
    m_job.errorKind = kind;
    m_job.setErrorString(withoutCredentials(message, m_url));
    m_job.state = kind == ErrorKind::Cancelled ? JobState::Cancelled : JobState::Running;
}

void FetchTask::complete()
{
    m_completed = true;
    m_deadline.stop();
    m_retryTimer.stop();
    m_control->setTask(nullptr);
    m_job.finishedAtNs = now();
    m_job.updatedAtNs = m_job.finishedAtNs;
    if (m_job.state == JobState::Succeeded) {
        m_job.setSavedPath(m_sink->savedPath());
    } else if (keepingPartial()) {
        FileRecord kept;
        kept.kind = FileRecord::Kind::Kept;
        kept.id = m_job.id;
        if (m_sink->leavePartial(&kept.partPath, &kept.size) && m_fileLog)
            m_fileLog->append(kept);
    }
    m_sink.reset();
    m_control->finished.store(true, std::memory_order_release);
    m_done(this, std::move(m_job));
}

void FetchTask::releaseReply()
{
    if (!m_reply)
        return;
    m_reply->disconnect(this);
    // Often inside one of the reply's own signals: it must outlive this call.
    m_reply->deleteLater();
    m_reply = nullptr;
}

qint64 FetchTask::retryDelayMs(int attemptNumber, const QByteArray &retryAfter) const
{
    if (!retryAfter.isEmpty()) {
        // parseRetryAfter() saturates rather than overflows, so a huge value meets the cap.
        if (const auto ms = parseRetryAfter(retryAfter, QDateTime::currentDateTimeUtc()))
            return std::min<qint64>(*ms, m_options->maxRetryAfterMs);
    }
    const int doublings = std::min(attemptNumber - 1, MaxBackoffDoublings);
    return std::min<qint64>(qint64(m_options->retryBaseDelayMs) << doublings,
                            m_options->retryMaxDelayMs);
}

std::optional<qint64> FetchTask::parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    // delta-seconds is 1*DIGIT with no upper bound (RFC 9110 section 10.2.3). A delay too long
    // to count in milliseconds is the longest there is, and the caller caps it; multiplying it
    // would overflow into a negative delay, that is a retry at once.
    constexpr qint64 LongestDelayMs = std::numeric_limits<qint64>::max();
    constexpr qint64 LongestDelaySeconds = LongestDelayMs / Units::MsPerSecond;
    const QByteArray trimmed = value.trimmed();
    bool ok = false;
    const qint64 delaySeconds = trimmed.toLongLong(&ok);
    if (ok) {
        if (delaySeconds < 0)
            return std::nullopt;
        return delaySeconds > LongestDelaySeconds ? LongestDelayMs
                                                  : delaySeconds * Units::MsPerSecond;
    }
    const bool onlyDigits = !trimmed.isEmpty()
        && std::all_of(trimmed.cbegin(), trimmed.cend(),
                       [](char c) { return c >= '0' && c <= '9'; });
    if (onlyDigits) // more digits than a qint64 holds
        return LongestDelayMs;
    // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 9110 section 5.6.7).
    QDateTime when = QLocale::c().toDateTime(QString::fromLatin1(trimmed),
                                             QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!when.isValid())
        return std::nullopt;
    when.setTimeSpec(Qt::UTC);
    return std::max<qint64>(0, now.msecsTo(when));
}

bool FetchTask::isRetryable(const Job &job)
{
    switch (job.errorKind) {
    case ErrorKind::ConnectionRefused:
    case ErrorKind::ConnectionClosed:
    case ErrorKind::Truncated:
    case ErrorKind::TimedOut:
    case ErrorKind::Network:
        return true;
    case ErrorKind::HttpStatus:
        return job.httpStatus >= 500 || job.httpStatus == TooManyRequestsStatus
            || job.httpStatus == RequestTimeoutStatus;
    default:
        return false;
    }
}

// A .part left by a run that was cut off (the run journal hands it to the restored job): the
// first request asks only for the rest, if the sink can take the file over. With resume off the
// file is left where it is, unused rather than deleted: the setting says not to continue
// downloads, not to clean up the user's folder, and the user may want the bytes.
void FetchTask::adoptPartial()
{
    const std::shared_ptr<const PartialDownload> part = m_job.resumeFrom();
    m_job.setResumeFrom(nullptr);
    if (!part || !m_options->resume || !m_action.savesBody || part->validator.isEmpty()
        || !m_sink->adoptPartial(part->path))
        return;
    m_resumeOffset = m_sink->partialSize();
    m_resumeValidator = part->validator;
    m_adoptedPart = true;
}

// A server that will not continue an adopted .part (416: the part is as long as the body, or
// longer; a 206 for other bytes; a part changed underneath) gets one plain request instead, in
// the same attempt: the part was a guess from an earlier run, not this job's failure.
bool FetchTask::restartWithoutAdoptedPart()
{
    if (!m_adoptedPart || m_job.httpStatus == 0)
        return false; // no answer yet: a retry asks for the rest again
    m_adoptedPart = false;
    const Attempt &attempt = *m_attempt;
    const bool refused = m_job.state == JobState::Running
        && (m_job.httpStatus == RangeNotSatisfiableStatus
            || (attempt.resumedFrom > 0 && !attempt.sinkOpen && attempt.sinkFailed));
    if (!refused)
        return false;
    m_sink->discard();
    m_resumeOffset = 0;
    m_resumeValidator.clear();
    releaseReply();
    m_attempt.reset();
    beginAttempt(m_job.attempts);
    return true;
}

void FetchTask::announcePartial(const QNetworkReply &reply)
{
    PartialDownload part { m_sink->partPath(), {} };
    if (part.path.isEmpty() || (!m_fileLog && !m_environment->partialStarted))
        return;
    part.validator = resumeValidator(reply);
    if (m_fileLog) {
        // Every .part, continuable or not: a restore after a crash removes what it cannot use.
        FileRecord record;
        record.kind = FileRecord::Kind::Part;
        record.id = m_job.id;
        record.partPath = part.path;
        record.validator = part.validator;
        m_fileLog->append(record);
    }
    if (!part.validator.isEmpty() && m_environment->partialStarted)
        m_environment->partialStarted(m_job.id, part);
}

// The job was cancelled by a shutdown that keeps partial files: its .part stays on disk.
bool FetchTask::keepingPartial() const
{
    return m_job.state == JobState::Cancelled && m_control->isKeepPartialRequested();
}

const PreviousResult *FetchTask::usablePrevious() const
{
    const PreviousResults *all = m_options->previousResults.get();
    if (!all || all->isEmpty())
        return nullptr;
    const auto found = all->constFind(redactedUrl(m_url));
    if (found == all->cend() || (found->etag.isEmpty() && found->lastModified.isEmpty()))
        return nullptr;
    if (!m_action.savesBody)
        return &*found;
    // A 304 keeps the earlier run's file as this run's result: asked only when that file still
    // lies in this run's output directory, under the name this run would give it. Otherwise a
    // 304 would leave the URL with no file at all, so the body is fetched in full.
    const QFileInfo saved(found->savedPath);
    if (found->savedPath.isEmpty() || !saved.isFile()
        || QFileInfo(saved.absolutePath()).canonicalFilePath()
            != QFileInfo(m_options->outputDirectory).canonicalFilePath()
        || (!m_job.fileName().isEmpty()
            && FileNames::sanitize(m_job.fileName()) != saved.fileName()))
        return nullptr;
    return &*found;
}

// Commits the body, having first told the file log where it goes and what it is, so that a crash
// between the rename and the journal's next write cannot lose the result: a restore finds the
// file by its size and SHA-256 and counts it as done.
bool FetchTask::commitSink(QString *error)
{
    const QString pendingPath = m_fileLog ? m_sink->pendingSavePath() : QString();
    FileRecord saved;
    if (!pendingPath.isEmpty()) { // with SHA-256 switched off, the size alone identifies it
        saved.kind = FileRecord::Kind::Saved;
        saved.id = m_job.id;
        saved.partPath = m_sink->partPath();
        saved.savedPath = pendingPath;
        saved.size = m_attempt->received;
        saved.sha256 = m_job.sha256;
        saved.httpStatus = m_job.httpStatus;
        m_fileLog->append(saved);
    }
    if (!m_sink->commit(error))
        return false;
    if (saved.kind == FileRecord::Kind::Saved && m_sink->savedPath() != pendingPath) {
        // The reserved name was taken meanwhile and the body went under another one.
        saved.partPath.clear();
        saved.savedPath = m_sink->savedPath();
        m_fileLog->append(saved);
    }
    return true;
}

} // namespace Parafetch
