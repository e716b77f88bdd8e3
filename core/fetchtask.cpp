// One URL's fetch in a pool thread: a local event loop per attempt, retries with backoff.
#include "fetchtask.h"

#include "bodysink.h"
#include "filenames.h"
#include "redact.h"
#include "sha256.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QLocale>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr qint64 NsPerUs = 1000;
constexpr qint64 MsPerSecond = 1000;
constexpr int TooManyRequestsStatus = 429;
constexpr int RequestTimeoutStatus = 408;
constexpr int MaxBackoffDoublings = 30;
// Past this many inflated bytes Qt refuses a body that expands more than 40:1 (gzip, deflate):
// Qt's own default, set explicitly so the decompression-bomb guard never depends on it.
constexpr qint64 DecompressionCheckThresholdBytes = 10 * 1024 * 1024;
// Qt 6.4's limits on a response head (HeaderConstants in qhttpheaderparser_p.h). Past them Qt
// drops every header field but keeps the status, then waits for a body it cannot delimit.
constexpr int QtMaxHeaderTotalKiB = 256;
constexpr int QtMaxHeaderFieldKiB = 100;
constexpr int QtMaxHeaderFields = 100;

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

bool isHttpScheme(const QString &scheme)
{
    return scheme == HttpScheme || scheme == HttpsScheme;
}

int defaultPort(const QString &scheme)
{
    constexpr int HttpPort = 80;
    constexpr int HttpsPort = 443;
    return scheme == HttpsScheme ? HttpsPort : HttpPort;
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
    return fromNs < 0 || toNs < fromNs ? -1 : (toNs - fromNs) / NsPerUs;
}

QString tr(const char *text)
{
    return QCoreApplication::translate("FetchTask", text);
}

QString seconds(qint64 ms)
{
    return QLocale::c().toString(double(ms) / MsPerSecond, 'g', 6);
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

// The name the server or the URL suggests; the sink may still prefer the list's own name.
QString suggestedFileName(const QNetworkReply &reply, const QUrl &requested)
{
    const QString fromHeader = FileNames::fromContentDisposition(
        reply.rawHeader(QByteArrayLiteral("Content-Disposition")));
    return fromHeader.isEmpty() ? FileNames::fromUrl(requested) : fromHeader;
}

// Qt 6.4 at times merges a followed 3xx's headers into the final response's, giving
// "Content-Length: 27, 2": the last value is the final response's.
qint64 contentLength(const QNetworkReply &reply)
{
    const QByteArray raw = reply.rawHeader(QByteArrayLiteral("Content-Length"));
    if (raw.isEmpty())
        return -1;
    bool ok = false;
    const qint64 length = raw.mid(raw.lastIndexOf(',') + 1).trimmed().toLongLong(&ok);
    return ok && length >= 0 ? length : -1;
}

struct ReplyDeleter
{
    // Deleted directly: deleteLater() in a pool thread without a running loop piles up
    // (DESIGN rule 3).
    void operator()(QNetworkReply *reply) const { delete reply; }
};

} // namespace

WorkerContext::WorkerContext() = default;
WorkerContext::~WorkerContext() = default;

bool TaskControl::claim()
{
    int expected = int(Claim::Pending);
    return m_claim.compare_exchange_strong(expected, int(Claim::Running), std::memory_order_acq_rel);
}

bool TaskControl::revoke()
{
    int expected = int(Claim::Pending);
    return m_claim.compare_exchange_strong(expected, int(Claim::Revoked), std::memory_order_acq_rel);
}

void TaskControl::requestCancel()
{
    m_cancelRequested.store(true, std::memory_order_release);
    QMutexLocker locker(&m_mutex);
    // The canceller cannot be destroyed while we hold the mutex, and a queued call to a
    // destroyed object is dropped with it.
    if (m_canceller)
        QMetaObject::invokeMethod(m_canceller, &FetchTaskCanceller::cancel, Qt::QueuedConnection);
}

void TaskControl::setCanceller(FetchTaskCanceller *canceller)
{
    QMutexLocker locker(&m_mutex);
    m_canceller = canceller;
}

struct FetchTask::Attempt
{
    QByteArray retryAfter;
};

FetchTask::FetchTask(Job job, FetchOptions options, std::unique_ptr<BodySink> sink,
                     std::shared_ptr<TaskControl> control,
                     std::shared_ptr<const TaskEnvironment> environment, Reporter report)
    : m_job(std::move(job))
    , m_options(std::move(options))
    , m_sink(std::move(sink))
    , m_control(std::move(control))
    , m_environment(std::move(environment))
    , m_report(std::move(report))
{
}

FetchTask::~FetchTask() = default;

void FetchTask::run()
{
    if (!m_control->claim())
        return; // revoked before a thread took it: the engine already put the job back

    WorkerContext &context = m_environment->worker();
    FetchTaskCanceller canceller;
    m_canceller = &canceller;
    m_control->setCanceller(&canceller);

    m_job.state = JobState::Running;
    m_job.worker = context.index;
    m_job.startedAtNs = m_environment->now();
    m_control->worker.store(context.index, std::memory_order_relaxed);
    m_control->startedAtNs.store(m_job.startedAtNs, std::memory_order_release);

    const int maxAttempts = 1 + std::max(0, m_options.retries);
    for (int number = 1;; ++number) {
        resetForAttempt(number);
        Attempt attempt;
        runAttempt(context, attempt);
        if (m_job.state != JobState::Running)
            break;
        if (number >= maxAttempts || !isRetryable(m_job)) {
            m_job.state = JobState::Failed;
            break;
        }
        if (!waitBeforeRetry(retryDelayMs(number, attempt.retryAfter))) {
            const QString last = m_job.errorString;
            fail(ErrorKind::Cancelled, tr("cancelled while waiting to retry (last attempt: %1)").arg(last));
            m_job.state = JobState::Cancelled;
            break;
        }
    }

    m_control->setCanceller(nullptr);
    m_canceller = nullptr;
    m_job.finishedAtNs = m_environment->now();
    m_job.updatedAtNs = m_job.finishedAtNs;
    if (m_job.state == JobState::Succeeded)
        m_job.savedPath = m_sink->savedPath();
    m_sink.reset();
    // Replies and Qt's own helpers are deleted with deleteLater() inside Qt Network; a pool
    // thread runs no loop between tasks, so deliver those deletions now.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    m_report(std::move(m_job));
}

void FetchTask::resetForAttempt(int number)
{
    m_job.attempts = number;
    m_job.state = JobState::Running;
    m_job.errorKind = ErrorKind::None;
    m_job.errorString.clear();
    m_job.httpStatus = 0;
    m_job.bytesReceived = 0;
    m_job.bytesTotal = -1;
    m_job.connectUs = m_job.waitUs = m_job.receiveUs = -1;
    m_job.finalUrl.clear();
    m_job.sha256.clear();
    m_job.protocol.clear();
    m_job.responseHeaders.clear();
    m_control->attempt.store(number, std::memory_order_relaxed);
    m_control->bytesReceived.store(0, std::memory_order_relaxed);
    m_control->bytesTotal.store(-1, std::memory_order_relaxed);
}

void FetchTask::fail(ErrorKind kind, const QString &message)
{
    m_job.errorKind = kind;
    m_job.errorString = withoutCredentials(message, m_job.url);
    m_job.state = kind == ErrorKind::Cancelled ? JobState::Cancelled : JobState::Running;
}

void FetchTask::runAttempt(WorkerContext &context, Attempt &attempt)
{
    if (m_control->isCancelRequested()) {
        fail(ErrorKind::Cancelled, tr("cancelled"));
        return;
    }
    const auto now = [this] { return m_environment->now(); };
    const bool isHead = m_options.method == FetchOptions::Method::Head;

    // Qt 6.4 follows redirects with duplicate requests and a new connection per hop, and keeps
    // sending a few after it has reported a loop; followed here, each hop is one request on the
    // kept-alive connection, and the limit is exact.
    const auto makeRequest = [this](const QUrl &url, bool sameOriginAsAsked) {
        QNetworkRequest request(url);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                             QNetworkRequest::ManualRedirectPolicy);
        request.setHeader(QNetworkRequest::UserAgentHeader,
                          m_options.userAgent.isEmpty() ? FetchOptions::defaultUserAgent()
                                                        : m_options.userAgent);
        for (const auto &[name, value] : m_options.headers) {
            // The user's secrets are for the host they asked for, not for wherever it sends us
            // (as curl does since CVE-2018-1000007). Proxy-Authorization is for the proxy, which
            // a redirect does not change.
            if (sameOriginAsAsked || !isSensitiveHeader(name) || isProxyAuthorization(name))
                request.setRawHeader(name, value);
        }
        if (m_options.idleTimeoutMs > 0)
            request.setTransferTimeout(m_options.idleTimeoutMs);
        request.setDecompressedSafetyCheckThreshold(DecompressionCheckThresholdBytes);
        return request;
    };

    qint64 connectStartNs = -1, connectSentNs = -1, sentNs = -1, headersNs = -1, firstByteNs = -1;
    qint64 received = 0;
    bool timedOut = false, cancelled = false, sinkOpen = false, sinkFailed = false;
    bool headersDropped = false;
    RedirectFault redirectFault = RedirectFault::None;
    QString refusedScheme;
    QString sinkError;
    Sha256 hash;

    QUrl url = m_job.url;
    std::unique_ptr<QNetworkReply, ReplyDeleter> reply;
    const auto status = [&reply] {
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    };
    const auto keepBody = [&] { return !isHead && isSuccess(status()); };
    const auto drain = [&] {
        if (!reply->isOpen())
            return; // aborted: nothing more to read
        if (firstByteNs < 0 && reply->bytesAvailable() > 0)
            firstByteNs = now();
        const bool keep = keepBody();
        if (keep && !sinkOpen && !sinkFailed && reply->bytesAvailable() > 0) {
            sinkOpen = m_sink->open(suggestedFileName(*reply, m_job.url), &sinkError);
            sinkFailed = !sinkOpen;
        }
        char *buffer = context.buffer.data();
        const qint64 capacity = context.buffer.size();
        for (;;) {
            const qint64 n = reply->read(buffer, capacity);
            if (n <= 0)
                break;
            received += n;
            if (keep && !sinkFailed) {
                if (m_options.computeSha256)
                    hash.addData(QByteArrayView(buffer, n));
                if (!m_sink->write(buffer, n, &sinkError))
                    sinkFailed = true;
            }
        }
        m_control->bytesReceived.store(received, std::memory_order_relaxed);
        if (sinkFailed && reply->isRunning())
            reply->abort();
    };

    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    // The announced length of the response whose body we read, kept as headers arrive.
    qint64 announcedLength = -1;
    m_canceller->abortCurrent = [&] {
        cancelled = true;
        if (reply)
            reply->abort();
    };
    if (m_options.timeoutMs > 0)
        deadline.start(m_options.timeoutMs); // for the attempt, redirects included

    for (int redirects = 0;; ++redirects) {
        const QNetworkRequest request = makeRequest(url, isSameOrigin(url, m_job.url));
        reply.reset(isHead ? context.manager->head(request) : context.manager->get(request));
        reply->setReadBufferSize(m_options.readBufferBytes);
        QObject::connect(reply.get(), &QNetworkReply::socketStartedConnecting, &loop, [&] {
            if (connectStartNs < 0)
                connectStartNs = now();
        });
        QObject::connect(reply.get(), &QNetworkReply::requestSent, &loop, [&] {
            sentNs = now();
            // Connect time is that of the first new connection, not of the hops after it.
            if (connectStartNs >= 0 && connectSentNs < 0)
                connectSentNs = sentNs;
        });
        QObject::connect(reply.get(), &QNetworkReply::metaDataChanged, &loop, [&] {
            headersNs = now();
            announcedLength = contentLength(*reply);
            m_control->bytesTotal.store(announcedLength, std::memory_order_relaxed);
            // A status without a single header field is how Qt 6.4 reports a head over its
            // limits (it drops them all); left alone the reply hangs until the idle timeout, or
            // "succeeds" without Content-Encoding and Content-Disposition. A real HTTP/1.x server
            // sends at least Date (RFC 9110 section 6.6.1); HTTP/2 carries the status outside
            // the header list.
            if (status() > 0 && reply->rawHeaderList().isEmpty()
                && !reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool()) {
                headersDropped = true;
                reply->abort();
            }
        });
        QObject::connect(reply.get(), &QNetworkReply::readyRead, &loop, drain);
        QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (m_control->isCancelRequested())
            m_canceller->abortCurrent();
        if (!reply->isFinished())
            loop.exec();
        drain();

        const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        if (reply->error() != QNetworkReply::NoError || !isFollowedRedirect(status())
            || location.isEmpty() || timedOut || cancelled || headersDropped) {
            break;
        }
        if (redirects >= m_options.maxRedirects) {
            redirectFault = RedirectFault::TooMany;
            break;
        }
        const QUrl next = url.resolved(location);
        if (!isHttpScheme(next.scheme())) {
            redirectFault = RedirectFault::UnsupportedScheme;
            refusedScheme = next.scheme().left(MaxShownSchemeLength);
            break;
        }
        if (url.scheme() == HttpsScheme && next.scheme() != HttpsScheme) {
            redirectFault = RedirectFault::Insecure;
            break;
        }
        url = next;
        // The redirect's own body is not the job's.
        received = 0;
        firstByteNs = -1;
        announcedLength = -1;
        m_control->bytesReceived.store(0, std::memory_order_relaxed);
        m_control->bytesTotal.store(-1, std::memory_order_relaxed);
    }
    m_canceller->abortCurrent = nullptr;
    deadline.stop();
    const qint64 finishedNs = now();

    const int httpStatus = status();
    const QNetworkReply::NetworkError error = reply->error();
    m_job.httpStatus = httpStatus;
    m_job.bytesReceived = received;
    m_job.bytesTotal = announcedLength;
    if (url != m_job.url) {
        // A relative Location keeps the user's credentials; the final URL is only for showing
        // and exporting, so it never holds them.
        m_job.finalUrl = url.adjusted(QUrl::RemoveUserInfo);
    }
    if (httpStatus > 0)
        m_job.protocol = reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool()
            ? QByteArrayLiteral("h2")
            : QByteArrayLiteral("http/1.1");
    m_job.connectUs = microseconds(connectStartNs, connectSentNs);
    m_job.waitUs = microseconds(sentNs, headersNs);
    m_job.receiveUs = microseconds(firstByteNs >= 0 ? firstByteNs : headersNs, finishedNs);
    attempt.retryAfter = reply->rawHeader(QByteArrayLiteral("Retry-After"));
    m_job.responseHeaders.clear();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        m_job.responseHeaders.append({ name, redactedHeaderValue(name, value) });

    const bool cancelledByUser = cancelled || m_control->isCancelRequested();
    // Qt 6.4 reports a body cut short of its Content-Length as a closed connection, or at
    // times as a success: count the bytes ourselves. (With Content-Encoding the length counts
    // compressed bytes and we read decompressed ones.)
    const bool truncated = !isHead
        && (error == QNetworkReply::NoError || error == QNetworkReply::RemoteHostClosedError)
        && announcedLength >= 0 && received < announcedLength
        && !reply->hasRawHeader(QByteArrayLiteral("Content-Encoding"));

    if (cancelledByUser) {
        fail(ErrorKind::Cancelled, tr("cancelled"));
    } else if (timedOut) {
        fail(ErrorKind::TimedOut, tr("timed out after %1 s").arg(seconds(m_options.timeoutMs)));
    } else if (sinkFailed) {
        // Before OperationCanceledError: the abort that followed a failed write is our own.
        fail(ErrorKind::FileSystem, sinkError);
    } else if (headersDropped) {
        fail(ErrorKind::Network,
             tr("the response headers are larger than Qt accepts (at most %1 KiB in all, "
                "%2 KiB per field, %3 fields)")
                 .arg(QtMaxHeaderTotalKiB)
                 .arg(QtMaxHeaderFieldKiB)
                 .arg(QtMaxHeaderFields));
    } else if (error == QNetworkReply::OperationCanceledError) {
        // Nobody of ours aborted it: Qt's transfer timeout did (DESIGN rule 6).
        fail(ErrorKind::TimedOut,
             tr("timed out: no data for %1 s").arg(seconds(m_options.idleTimeoutMs)));
    } else if (redirectFault == RedirectFault::TooMany) {
        // Checked before the status: the reply is the last 3xx.
        fail(ErrorKind::TooManyRedirects,
             tr("too many redirects (limit %1)").arg(m_options.maxRedirects));
    } else if (redirectFault == RedirectFault::Insecure) {
        fail(ErrorKind::Network, tr("refused a redirect from https to http"));
    } else if (redirectFault == RedirectFault::UnsupportedScheme) {
        fail(ErrorKind::Network,
             tr("refused a redirect to a %1: URL (only http and https are followed)")
                 .arg(refusedScheme));
    } else if (httpStatus > 0 && !isSuccess(httpStatus)) {
        const QString reason = QString::fromUtf8(
            reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
        fail(ErrorKind::HttpStatus, tr("HTTP %1 %2").arg(httpStatus).arg(reason).trimmed());
    } else if (error == QNetworkReply::UnknownContentError
               && reply->hasRawHeader(QByteArrayLiteral("Content-Encoding"))) {
        // Qt 6.4 says only "Decompression failed: " when its bomb guard trips (the reason is
        // lost on the way), and the same for a corrupt stream.
        const QString encoding =
            QString::fromLatin1(reply->rawHeader(QByteArrayLiteral("Content-Encoding")));
        fail(ErrorKind::Network,
             tr("could not decompress the %1 body: it is corrupt, or it inflates more than "
                "allowed (a decompression bomb)")
                 .arg(encoding));
    } else if (truncated) {
        fail(ErrorKind::Truncated, tr("connection closed after %1 of %2 body bytes")
                                        .arg(received)
                                        .arg(m_job.bytesTotal));
    } else if (error == QNetworkReply::NoError) {
        QString commitError;
        if (!isHead && !sinkOpen) {
            // An empty body still becomes an (empty) file.
            sinkOpen = m_sink->open(suggestedFileName(*reply, m_job.url), &commitError);
        }
        if ((isHead || sinkOpen) && (isHead || m_sink->commit(&commitError))) {
            m_job.state = JobState::Succeeded;
            m_job.bytesTotal = received;
            if (!isHead && m_options.computeSha256)
                m_job.sha256 = hash.result();
            return;
        }
        fail(ErrorKind::FileSystem, commitError);
    } else {
        switch (error) {
        case QNetworkReply::ConnectionRefusedError:
            fail(ErrorKind::ConnectionRefused, tr("connection refused"));
            break;
        case QNetworkReply::HostNotFoundError:
            fail(ErrorKind::HostNotFound, tr("host not found: %1").arg(url.host()));
            break;
        case QNetworkReply::RemoteHostClosedError:
            fail(ErrorKind::ConnectionClosed,
                 received > 0 ? tr("connection closed by the server after %1 body bytes").arg(received)
                              : tr("connection closed by the server before a response"));
            break;
        case QNetworkReply::TimeoutError:
            fail(ErrorKind::TimedOut, tr("timed out: %1").arg(reply->errorString()));
            break;
        case QNetworkReply::SslHandshakeFailedError:
        case QNetworkReply::UnknownNetworkError:
            fail(error == QNetworkReply::SslHandshakeFailedError ? ErrorKind::Tls : ErrorKind::Network,
                 reply->errorString());
            break;
        default:
            fail(ErrorKind::Network, reply->errorString());
            break;
        }
    }
    if (sinkOpen)
        m_sink->discard();
}

bool FetchTask::waitBeforeRetry(qint64 delayMs)
{
    if (m_control->isCancelRequested())
        return false;
    if (delayMs <= 0)
        return true;
    QEventLoop loop;
    bool cancelled = false;
    // Precise: from two seconds on QTimer would pick a coarse timer, which may fire up to 5%
    // early, and Retry-After is a lower bound the server asked us to respect.
    QTimer::singleShot(std::chrono::milliseconds(delayMs), Qt::PreciseTimer, &loop,
                       &QEventLoop::quit);
    m_canceller->abortCurrent = [&] {
        cancelled = true;
        loop.quit();
    };
    loop.exec();
    m_canceller->abortCurrent = nullptr;
    return !cancelled && !m_control->isCancelRequested();
}

qint64 FetchTask::retryDelayMs(int attemptNumber, const QByteArray &retryAfter) const
{
    if (!retryAfter.isEmpty()) {
        if (const auto ms = parseRetryAfter(retryAfter, QDateTime::currentDateTimeUtc()))
            return std::min<qint64>(*ms, m_options.maxRetryAfterMs);
    }
    const int doublings = std::min(attemptNumber - 1, MaxBackoffDoublings);
    return std::min<qint64>(qint64(m_options.retryBaseDelayMs) << doublings,
                            m_options.retryMaxDelayMs);
}

std::optional<qint64> FetchTask::parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray trimmed = value.trimmed();
    bool ok = false;
    const qint64 delaySeconds = trimmed.toLongLong(&ok);
    if (ok)
        return delaySeconds >= 0 ? std::optional<qint64>(delaySeconds * MsPerSecond) : std::nullopt;
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

} // namespace Parafetch
