// SPDX-License-Identifier: GPL-3.0-or-later
// HAR 1.2 export and import. HAR describes browser page loads; this is how a run maps onto it.
//
// Export: {"log": {"version": "1.2", "creator": {"name": "Parafetch", "version": V},
// "_startedAt": ISO 8601 or null, "_concurrency": N, "entries": [...]}}, one entry per job, in
// the queue's order, one per line; no pages (optional in HAR). Times are milliseconds with three
// decimals (microseconds), -1 where unknown, as in our JSON. Per entry:
// - startedDateTime: when the URL was queued (Job::queuedAtNs; the task start if that is
//   unknown), as wall-clock time with milliseconds: the engine's epoch is taken as the run's
//   startedAt minus the first start, the convention shard.cpp also uses.
// - time: finish - queued. Browsers count a request from when the page asked for it, queueing
//   included, and so do we: time is the per-URL "takes time" plus the time in our queue.
// - timings: connect, ssl (= Job::tlsUs, part of connect as HAR 1.2 says), send, wait (TTFB) and
//   receive are the last attempt's phases, -1 where Qt could not tell (connect on a reused
//   connection, wait and receive of a request that got no answer). dns is the name lookup before
//   that connection (Job::dnsUs): -1 when none was made (a reused connection, an address in the
//   URL, a proxy), about 0 when the run had looked the host up already. The HAR prose asks for
//   non-negative send/wait/receive, but the HAR schema allows -1, and a request that was never
//   answered has no wait to report; writing 0 would claim a measured zero.
//   blocked = time - (dns + connect + send + wait + receive, the known ones), so that HAR's rule
//   "time is the sum of the timings that are not -1 (ssl excluded)" holds exactly. With one
//   attempt and no redirect that is the time in our queue; otherwise it also holds earlier
//   attempts, retry backoff, redirect hops and any phase Qt could not tell (the custom
//   _queuedMs keeps the queue time alone). For a job that has not finished, blocked is the
//   queue time (-1 if unknown) and time the sum.
// - request: method (the run's), url and queryString with credentials and secret query values
//   masked (redactedUrl), httpVersion, headers = the run's extra request headers
//   (RunInfo::requestHeaders, secret values masked), cookies [] (we keep no cookies),
//   headersSize -1, bodySize 0 (no body sent).
// - response: status (0 = no answer), statusText "" (Qt does not keep the reason phrase),
//   httpVersion ("HTTP/1.1", "HTTP/2"; "" if unknown), headers = Job::responseHeaders with
//   secret values masked again here, cookies [] (Set-Cookie values are masked, so there is no
//   cookie to show), content {size = body bytes as received (decompressed), mimeType =
//   Content-Type or "x-unknown"}, redirectURL = Location of a 3xx, headersSize -1, bodySize =
//   body bytes, -1 when Content-Encoding was used (Qt hands us decompressed bytes only).
// - cache {}.
// - Custom fields (HAR allows names starting with "_"): _worker (lane), _thread, _attempt (the
//   number of attempts), _state, _errorKind, _error, _sha256, _sourceLine, _fileName,
//   _savedPath, _finalUrl, _bytesTotal, and the engine-clock instants _queuedAtMs, _startedAtMs,
//   _attemptStartedAtMs, _finishedAtMs, and _restored, _restoredDurationMs, with the meaning of
//   our JSON fields, so that our own HAR imports back exactly (startedDateTime has only
//   milliseconds). _connectionReused (0 or 1) came in later, at the end of the entry.
// - serverIPAddress: the address the connection reached (Job::serverAddress()), left out when
//   unknown (no connection, a proxy). Read back with or without the brackets browsers put
//   around an IPv6 address.
// - connection: HAR's own "unique ID of the parent TCP/IP connection", as a string: our
//   Job::connectionId ("7"); left out when unknown. A foreign entry's is read when it is a
//   number (browsers write a socket or port number there).
// Credentials never reach the file: URLs pass through redactedUrl(), sensitive header values
// become ***, and so do the user info and secret query values of a URL in a Location header.
//
// Import: our own HAR back exactly, and foreign HAR (a browser's DevTools export) as far as it
// maps. An entry with _startedAtMs is ours and takes its instants from the custom fields; any
// other entry gets them from startedDateTime, time and timings.blocked, on a clock whose zero is
// the earliest startedDateTime among such entries: queued = startedDateTime, started = queued +
// blocked, finished = queued + time. A foreign entry's state follows its status (2xx succeeded,
// otherwise failed: http-status, or network for status 0 with response._error as the error),
// with one attempt and unknown worker and thread. Sensitive header values and URL credentials are
// masked on the way in too. A malformed entry is skipped with a problem naming it (entries[3]:
// …), like a bad line of a URL list; the file fails only when it is not HAR, its log-level fields
// are malformed, or no entry at all could be read.
#include "formats/harformat.h"

#include "formats/jsonwriter.h"
#include "phases.h"
#include "redact.h"
#include "units.h"

#include <QIODevice>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QUrlQuery>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace Parafetch {

using namespace ExportWriting;
using namespace ImportReading;

namespace {

using Units::NsPerMs;
using Units::NsPerUs;
using Units::UsPerMs;
// Derived instants stay far from overflow: a quarter of what qint64 nanoseconds hold (73 years).
constexpr qint64 MaxDerivedMs = std::numeric_limits<qint64>::max() / NsPerMs / 4;
constexpr qint64 MaxInt = std::numeric_limits<int>::max();
constexpr int FirstRedirectStatus = 300, LastRedirectStatus = 399;
constexpr int FirstSuccessStatus = 200, LastSuccessStatus = 299;

constexpr QLatin1String UnknownMimeType("x-unknown");
const QByteArray ContentTypeHeader = QByteArrayLiteral("content-type");
const QByteArray ContentEncodingHeader = QByteArrayLiteral("content-encoding");
const QByteArray LocationHeader = QByteArrayLiteral("location");

// Job::protocol and the httpVersion HAR writers use for it.
struct VersionName
{
    QByteArrayView protocol;
    QLatin1String har;
};
constexpr std::array<VersionName, 4> versionNames = { {
    { "http/1.0", QLatin1String("HTTP/1.0") },
    { "http/1.1", QLatin1String("HTTP/1.1") },
    { "h2", QLatin1String("HTTP/2") },
    { "h3", QLatin1String("HTTP/3") },
} };

// A HAR key and the Job field it fills, with the checks of the JSON import.
struct KeyField
{
    QLatin1String key;
    ExportField field;
};
// The custom fields of an entry.
constexpr std::array<KeyField, 19> customFields = { {
    { QLatin1String("_sourceLine"), ExportField::Line },
    { QLatin1String("_fileName"), ExportField::FileName },
    { QLatin1String("_state"), ExportField::State },
    { QLatin1String("_errorKind"), ExportField::ErrorKind },
    { QLatin1String("_error"), ExportField::Error },
    { QLatin1String("_attempt"), ExportField::Attempts },
    { QLatin1String("_worker"), ExportField::Worker },
    { QLatin1String("_thread"), ExportField::Thread },
    { QLatin1String("_sha256"), ExportField::Sha256 },
    { QLatin1String("_savedPath"), ExportField::SavedPath },
    { QLatin1String("_finalUrl"), ExportField::FinalUrl },
    { QLatin1String("_bytesTotal"), ExportField::BytesTotal },
    { QLatin1String("_queuedAtMs"), ExportField::QueuedAtMs },
    { QLatin1String("_startedAtMs"), ExportField::StartedAtMs },
    { QLatin1String("_attemptStartedAtMs"), ExportField::AttemptStartedAtMs },
    { QLatin1String("_finishedAtMs"), ExportField::FinishedAtMs },
    { QLatin1String("_restored"), ExportField::Restored },
    { QLatin1String("_restoredDurationMs"), ExportField::RestoredDurationMs },
    { QLatin1String("_connectionReused"), ExportField::ConnectionReused },
} };
constexpr QLatin1String OwnEntryMarker("_startedAtMs");

// The phases in timings.
constexpr std::array<KeyField, 6> timingFields = { {
    { QLatin1String("dns"), ExportField::DnsMs },
    { QLatin1String("connect"), ExportField::ConnectMs },
    { QLatin1String("ssl"), ExportField::TlsMs },
    { QLatin1String("send"), ExportField::SendMs },
    { QLatin1String("wait"), ExportField::TtfbMs },
    { QLatin1String("receive"), ExportField::ReceiveMs },
} };

QString tr(const char *text)
{
    return HarFormat::tr(text);
}

// A header value as an export may show it: secrets masked, and the user info of a URL in a
// Location header too. Import applies the same, so that an import is what an export shows.
QByteArray shownHeaderValue(const QByteArray &name, const QByteArray &value)
{
    if (name.compare(LocationHeader, Qt::CaseInsensitive) == 0) {
        const QUrl url(QString::fromUtf8(value), QUrl::StrictMode);
        if (url.isValid() && !url.userInfo().isEmpty())
            return redactedUrl(url).toUtf8();
    }
    return redactedHeaderValue(name, value);
}

QByteArray headerValue(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return QByteArray();
}

bool hasHeader(const HeaderList &headers, const QByteArray &name)
{
    return std::any_of(headers.cbegin(), headers.cend(), [&name](const auto &header) {
        return header.first.compare(name, Qt::CaseInsensitive) == 0;
    });
}

// UTF-8 as a JSON string may hold it: bytes that are not UTF-8 become U+FFFD.
QByteArray validUtf8(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes).toUtf8();
}

// ---- export ----

struct EntryTimes
{
    qint64 timeUs = 0;
    qint64 blockedUs = -1;
};

EntryTimes entryTimes(const Job &job)
{
    const PhaseBreakdown phases = phaseBreakdown(job);
    const qint64 phasesUs = phases.knownUs();
    const qint64 anchorUs = nsToUs(job.queuedAtNs >= 0 ? job.queuedAtNs : job.startedAtNs);
    const qint64 finishedUs = nsToUs(job.finishedAtNs);
    if (anchorUs >= 0 && finishedUs >= anchorUs) {
        const qint64 timeUs = std::max(finishedUs - anchorUs, phasesUs);
        return { timeUs, timeUs - phasesUs };
    }
    const qint64 queuedUs = nsToUs(phases.queuedNs);
    return { phasesUs + std::max<qint64>(queuedUs, 0), queuedUs };
}

// [{"name": …, "value": …}, …], HAR's form of headers and query items.
void writeNameValues(JsonWriter &w, const HeaderList &pairs)
{
    w.beginArray();
    for (const auto &[name, value] : pairs) {
        w.beginObject();
        w.key("name").value(QByteArrayView(validUtf8(name)));
        w.key("value").value(QByteArrayView(validUtf8(value)));
        w.endObject();
    }
    w.endArray();
}

HeaderList shownHeaders(const HeaderList &headers)
{
    HeaderList shown;
    shown.reserve(headers.size());
    for (const auto &[name, value] : headers)
        shown.append({ name, shownHeaderValue(name, value) });
    return shown;
}

// The query as the url field shows it: secret values masked.
HeaderList queryOf(const QUrl &url)
{
    HeaderList pairs;
    const QUrl shown(redactedUrl(url));
    for (const auto &[name, value] : QUrlQuery(shown).queryItems(QUrl::FullyDecoded))
        pairs.append({ name.toUtf8(), value.toUtf8() });
    return pairs;
}

void writeEntry(JsonWriter &w, const Job &job, const QDateTime &epoch, const RunInfo &info,
                const HeaderList &requestHeaders)
{
    const EntryTimes times = entryTimes(job);
    const qint64 anchorNs = job.queuedAtNs >= 0 ? job.queuedAtNs : job.startedAtNs;
    const QByteArray version = validUtf8(HarFormat::httpVersion(job.protocol));
    const HeaderList responseHeaders = shownHeaders(job.responseHeaders());
    const QByteArray contentType = headerValue(responseHeaders, ContentTypeHeader);
    const bool redirected =
        job.httpStatus >= FirstRedirectStatus && job.httpStatus <= LastRedirectStatus;

    w.beginObject();
    w.key("startedDateTime")
        .value(isoWithOffset(epoch.addMSecs(std::max<qint64>(anchorNs, 0) / NsPerMs)));
    w.key("time").numberLiteral(usAsMs(times.timeUs));

    w.key("request").beginObject();
    w.key("method").value(QByteArrayView(validUtf8(info.method)));
    w.key("url").value(redactedUrl(job.url));
    w.key("httpVersion").value(QByteArrayView(version));
    w.key("cookies").beginArray().endArray();
    writeNameValues(w.key("headers"), requestHeaders);
    writeNameValues(w.key("queryString"), queryOf(job.url));
    w.key("headersSize").value(-1);
    w.key("bodySize").value(0);
    w.endObject();

    w.key("response").beginObject();
    w.key("status").value(job.httpStatus);
    w.key("statusText").value(QByteArrayView());
    w.key("httpVersion").value(QByteArrayView(version));
    w.key("cookies").beginArray().endArray();
    writeNameValues(w.key("headers"), responseHeaders);
    w.key("content").beginObject();
    w.key("size").value(job.bytesReceived);
    if (contentType.isEmpty())
        w.key("mimeType").value(QString(UnknownMimeType));
    else
        w.key("mimeType").value(QByteArrayView(validUtf8(contentType)));
    w.endObject();
    w.key("redirectURL")
        .value(QByteArrayView(redirected ? validUtf8(headerValue(responseHeaders, LocationHeader))
                                         : QByteArray()));
    w.key("headersSize").value(-1);
    w.key("bodySize")
        .value(hasHeader(responseHeaders, ContentEncodingHeader) ? -1 : job.bytesReceived);
    w.endObject();

    w.key("cache").beginObject().endObject();
    if (const QString address = job.serverAddress(); !address.isEmpty())
        w.key("serverIPAddress").value(address);
    if (job.connectionId > 0)
        w.key("connection").value(QByteArray::number(job.connectionId));

    w.key("timings").beginObject();
    w.key("blocked").numberLiteral(usAsMs(times.blockedUs));
    w.key("dns").numberLiteral(usAsMs(job.dnsUs));
    w.key("connect").numberLiteral(usAsMs(job.connectUs));
    w.key("send").numberLiteral(usAsMs(job.sendUs));
    w.key("wait").numberLiteral(usAsMs(job.waitUs));
    w.key("receive").numberLiteral(usAsMs(job.receiveUs));
    w.key("ssl").numberLiteral(usAsMs(job.tlsUs));
    w.key("_queuedMs").numberLiteral(nsAsMs(job.queuedNs()));
    w.endObject();

    w.key("_sourceLine").value(job.sourceLine);
    w.key("_fileName").value(job.fileName());
    w.key("_state").value(stateName(job.state));
    w.key("_errorKind").value(errorKindName(job.errorKind));
    w.key("_error").value(job.errorString());
    w.key("_attempt").value(job.attempts);
    w.key("_worker").value(job.worker);
    w.key("_thread").value(job.thread);
    w.key("_sha256").hexValue(job.sha256.toByteArray());
    w.key("_savedPath").value(job.savedPath());
    w.key("_finalUrl").value(job.finalUrl().isEmpty() ? QString() : redactedUrl(job.finalUrl()));
    w.key("_bytesTotal").value(job.bytesTotal);
    w.key("_queuedAtMs").numberLiteral(nsAsMs(job.queuedAtNs));
    w.key("_startedAtMs").numberLiteral(nsAsMs(job.startedAtNs));
    w.key("_attemptStartedAtMs").numberLiteral(nsAsMs(job.attemptStartedAtNs));
    w.key("_finishedAtMs").numberLiteral(nsAsMs(job.finishedAtNs));
    w.key("_restored").value(job.restored ? 1 : 0);
    w.key("_restoredDurationMs")
        .numberLiteral(nsAsMs(job.restored ? job.restoredDurationNs() : -1));
    w.key("_connectionReused").value(job.connectionReused ? 1 : 0);
    w.endObject();
}

// ---- import ----

// Milliseconds from a HAR number; negative (not applicable) = -1; nullopt if not a number or
// too large for the derived instants.
std::optional<qint64> usFromMs(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double ms = value.toDouble();
    if (ms < 0)
        return -1;
    if (!(ms <= double(MaxDerivedMs)))
        return std::nullopt;
    return qint64(std::round(ms * UsPerMs));
}

// One entry as read, before the instants of foreign entries can be placed on a clock.
struct ReadEntry
{
    Job job;
    bool own = false;
    QDateTime startedDateTime; // foreign entries only
    qint64 timeUs = 0;
    qint64 blockedUs = 0;
    QByteArray method;
};

QString headersFromJson(const QJsonValue &value, const QString &place, HeaderList *headers)
{
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isArray())
        return tr("%1 is not an array").arg(place);
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject header = array.at(i).toObject();
        const QJsonValue name = header.value(QLatin1String("name"));
        const QJsonValue text = header.value(QLatin1String("value"));
        if (!array.at(i).isObject() || !name.isString() || !text.isString())
            return tr("%1[%2] is not an object with a name and a value string").arg(place).arg(i);
        const QByteArray key = textFromJson(name).toUtf8();
        headers->append({ key, shownHeaderValue(key, textFromJson(text).toUtf8()) });
    }
    return QString();
}

// Defaults for an entry without our custom fields, from what every HAR has.
void foreignDefaults(const QJsonObject &response, Job *job)
{
    job->attempts = 1;
    if (job->httpStatus >= FirstSuccessStatus && job->httpStatus <= LastSuccessStatus) {
        job->state = JobState::Succeeded;
        return;
    }
    job->state = JobState::Failed;
    job->errorKind = job->httpStatus > 0 ? ErrorKind::HttpStatus : ErrorKind::Network;
    const QJsonValue error = response.value(QLatin1String("_error")); // Chrome's
    if (error.isString())
        job->setErrorString(textFromJson(error));
}

QString readEntry(const QJsonValue &value, ReadEntry *entry)
{
    if (!value.isObject())
        return tr("not an object");
    const QJsonObject object = value.toObject();
    Job &job = entry->job;
    entry->own = object.contains(OwnEntryMarker);

    const QJsonValue request = object.value(QLatin1String("request"));
    if (!request.isObject())
        return tr("request is missing or not an object");
    const QJsonValue url = request.toObject().value(QLatin1String("url"));
    if (url.isUndefined() || url.isNull())
        return tr("request.url is missing");
    QString problem = applyJsonField(&job, ExportField::Url, url, QStringLiteral("request.url"));
    if (!problem.isEmpty())
        return problem;
    job.url = QUrl(redactedUrl(job.url));
    const QJsonValue method = request.toObject().value(QLatin1String("method"));
    if (!method.isString())
        return tr("request.method is missing or not a string");
    entry->method = textFromJson(method).toUtf8();

    const QJsonValue responseValue = object.value(QLatin1String("response"));
    if (!responseValue.isObject())
        return tr("response is missing or not an object");
    const QJsonObject response = responseValue.toObject();
    QJsonValue status = response.value(QLatin1String("status"));
    if (status.isDouble() && status.toDouble() < 0)
        status = QJsonValue(0); // some browsers write -1 for "no answer"
    if (status.isUndefined() || status.isNull())
        return tr("response.status is missing");
    if (!(problem = applyJsonField(&job, ExportField::HttpStatus, status,
                                   QStringLiteral("response.status")))
             .isEmpty())
        return problem;
    const QJsonValue version = response.value(QLatin1String("httpVersion"));
    if (version.isString())
        job.protocol = HarFormat::protocolFromHttpVersion(textFromJson(version));
    else if (!version.isUndefined() && !version.isNull())
        return tr("response.httpVersion is not a string");
    HeaderList responseHeaders;
    if (!(problem = headersFromJson(response.value(QLatin1String("headers")),
                                    QStringLiteral("response.headers"), &responseHeaders))
             .isEmpty())
        return problem;
    job.setResponseHeaders(std::move(responseHeaders));
    // content.size is the body as delivered (decompressed); bodySize what came over the wire.
    for (const QJsonValue &size :
         { response.value(QLatin1String("content")).toObject().value(QLatin1String("size")),
           response.value(QLatin1String("bodySize")) }) {
        if (size.isDouble() && size.toDouble() >= 0) {
            if (!(problem = applyJsonField(&job, ExportField::Bytes, size,
                                           QStringLiteral("response.content.size")))
                     .isEmpty())
                return problem;
            break;
        }
    }

    // HAR's connection is free text; a number is ours, or a browser's socket id: either names
    // a connection the same way.
    const QJsonValue address = object.value(QLatin1String("serverIPAddress"));
    if (address.isString() && !address.toString().isEmpty()) {
        if (!(problem = applyJsonField(&job, ExportField::ServerAddress, address,
                                       QStringLiteral("serverIPAddress")))
                 .isEmpty())
            return problem;
    }
    const QJsonValue connection = object.value(QLatin1String("connection"));
    if (connection.isString()) {
        bool ok = false;
        const quint64 id = connection.toString().trimmed().toULongLong(&ok);
        job.connectionId = ok ? id : 0;
    }

    const QJsonValue timingsValue = object.value(QLatin1String("timings"));
    if (!timingsValue.isObject() && !timingsValue.isUndefined())
        return tr("timings is not an object");
    const QJsonObject timings = timingsValue.toObject();
    for (const KeyField &timing : timingFields) {
        QJsonValue phase = timings.value(timing.key);
        if (phase.isUndefined() || phase.isNull())
            continue;
        if (phase.isDouble() && phase.toDouble() < 0)
            phase = QJsonValue(-1); // any negative means "does not apply"
        if (!(problem = applyJsonField(&job, timing.field, phase,
                                       QStringLiteral("timings.") + timing.key))
                 .isEmpty())
            return problem;
    }

    const QJsonValue time = object.value(QLatin1String("time"));
    if (!time.isDouble() || time.toDouble() < 0)
        return tr("time is missing, not a number or negative");
    const QJsonValue started = object.value(QLatin1String("startedDateTime"));
    if (!started.isString())
        return tr("startedDateTime is missing or not a string");

    // Our own entries carry exact instants; only a foreign one is placed by date and time.
    if (!entry->own) {
        foreignDefaults(response, &job);
        const std::optional<qint64> timeUs = usFromMs(time);
        if (!timeUs)
            return tr("time is out of range: %1").arg(time.toDouble());
        entry->timeUs = *timeUs;
        entry->startedDateTime = QDateTime::fromString(started.toString(), Qt::ISODateWithMs);
        if (!entry->startedDateTime.isValid())
            return tr("startedDateTime “%1” is not an ISO 8601 date and time")
                .arg(textFromJson(started));
        const std::optional<qint64> blockedUs = usFromMs(timings.value(QLatin1String("blocked")));
        entry->blockedUs = blockedUs ? std::max<qint64>(*blockedUs, 0) : 0;
    }
    for (const KeyField &custom : customFields) {
        const QJsonValue field = object.value(custom.key);
        if (field.isUndefined() || field.isNull())
            continue;
        if (!(problem = applyJsonField(&job, custom.field, field, custom.key)).isEmpty())
            return problem;
    }
    if (!job.finalUrl().isEmpty())
        job.setFinalUrl(QUrl(redactedUrl(job.finalUrl())));
    return QString();
}

// Places a foreign entry's instants on the clock whose zero is `zero`.
QString placeForeign(const QDateTime &zero, ReadEntry *entry)
{
    const qint64 offsetMs = zero.msecsTo(entry->startedDateTime);
    if (offsetMs > MaxDerivedMs)
        return tr("startedDateTime is more than %1 days after the earliest entry's")
            .arg(MaxDerivedMs / Units::MsPerDay);
    Job &job = entry->job;
    job.queuedAtNs = offsetMs * NsPerMs;
    job.startedAtNs = job.queuedAtNs + std::min(entry->blockedUs, entry->timeUs) * NsPerUs;
    job.attemptStartedAtNs = job.startedAtNs;
    job.finishedAtNs = job.queuedAtNs + entry->timeUs * NsPerUs;
    return QString();
}

QString runInfoFromLog(const QJsonObject &log, RunInfo *info)
{
    const QJsonObject creator = log.value(QLatin1String("creator")).toObject();
    const QJsonValue version = creator.value(QLatin1String("version"));
    if (creator.value(QLatin1String("name")).toString() == HarFormat::CreatorName
        && version.isString())
        info->toolVersion = textFromJson(version);

    const QJsonValue concurrency = log.value(QLatin1String("_concurrency"));
    if (!concurrency.isUndefined() && !concurrency.isNull()) {
        const qint64 low = concurrency.toInteger(-1), high = concurrency.toInteger(0);
        if (!concurrency.isDouble() || low != high || low < 0 || low > MaxInt)
            return tr("log._concurrency is not a whole number of workers");
        info->concurrency = int(low);
    }

    const QJsonValue startedAt = log.value(QLatin1String("_startedAt"));
    if (startedAt.isString()) {
        const QString text = textFromJson(startedAt);
        info->startedAt = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!info->startedAt.isValid())
            return tr("log._startedAt “%1” is not an ISO 8601 date and time").arg(text);
    } else if (!startedAt.isUndefined() && !startedAt.isNull()) {
        return tr("log._startedAt is not a string");
    }
    return QString();
}

} // namespace

QByteArray HarFormat::httpVersion(const QByteArray &protocol)
{
    for (const VersionName &name : versionNames) {
        if (protocol == name.protocol)
            return QByteArray(name.har.data(), name.har.size());
    }
    return protocol;
}

QByteArray HarFormat::protocolFromHttpVersion(const QString &httpVersion)
{
    const QString trimmed = httpVersion.trimmed();
    for (const VersionName &name : versionNames) {
        if (trimmed.compare(name.har, Qt::CaseInsensitive) == 0
            || trimmed.compare(QLatin1String(name.protocol.data(), name.protocol.size()),
                               Qt::CaseInsensitive)
                == 0)
            return name.protocol.toByteArray();
    }
    // Chrome writes "http/2.0" for HTTP/2 at times.
    if (trimmed.compare(QLatin1String("HTTP/2.0"), Qt::CaseInsensitive) == 0)
        return QByteArrayLiteral("h2");
    return httpVersion.toUtf8();
}

bool HarFormat::write(QIODevice *device, const QList<Job> &jobs, const RunSummary &summary,
                      const RunInfo &info)
{
    // The engine's epoch as wall-clock time; 1970 (UTC) when the run's start is not known.
    const QDateTime epoch = info.startedAt.isValid()
        ? info.startedAt.addMSecs(-(std::max<qint64>(summary.firstStartNs, 0) / NsPerMs))
        : QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
    const HeaderList requestHeaders = shownHeaders(info.requestHeaders);

    ChunkWriter chunks(device);
    JsonWriter w(chunks.buffer());
    w.beginObject(JsonWriter::Lines);
    w.key("log").beginObject(JsonWriter::Lines);
    w.key("version").value(Version);
    w.key("creator").beginObject();
    w.key("name").value(CreatorName);
    w.key("version").value(info.toolVersion);
    w.endObject();
    const QString startedAt = info.startedAt.isValid() ? isoWithOffset(info.startedAt) : QString();
    if (startedAt.isEmpty())
        w.key("_startedAt").null();
    else
        w.key("_startedAt").value(startedAt);
    w.key("_concurrency").value(info.concurrency);
    if (info.limitRate > 0)
        w.key("_limitRate").value(info.limitRate);
    w.key("entries").beginArray(JsonWriter::Lines);
    for (const Job &job : jobs) {
        writeEntry(w, job, epoch, info, requestHeaders);
        chunks.flushIfFull();
    }
    w.endArray();
    w.endObject();
    w.endObject();
    w.out() += '\n';
    return chunks.flush();
}

bool HarFormat::isHar(const QJsonObject &root)
{
    return root.contains(QLatin1String("log")) && !root.contains(QLatin1String("format"));
}

bool HarFormat::fromHar(const QByteArray &data, ImportedRun *run, QString *error)
{
    QJsonObject root;
    return parseObject(data, &root, error) && fromObject(root, run, error);
}

QByteArray HarFormat::toHar(const QList<Job> &jobs, const RunSummary &summary, const RunInfo &info)
{
    return collected([&](QIODevice *device) { write(device, jobs, summary, info); });
}

bool HarFormat::fromObject(const QJsonObject &root, ImportedRun *run, QString *error)
{
    const QJsonValue logValue = root.value(QLatin1String("log"));
    if (!logValue.isObject())
        return fail(error, tr("not a HAR file: log is missing or not an object"));
    const QJsonObject log = logValue.toObject();
    const QJsonValue entriesValue = log.value(QLatin1String("entries"));
    if (!entriesValue.isArray())
        return fail(error, tr("log.entries is missing or not an array"));

    ImportedRun imported;
    const QString infoProblem = runInfoFromLog(log, &imported.info);
    if (!infoProblem.isEmpty())
        return fail(error, infoProblem);

    int skipped = 0;
    const auto skip = [&](qsizetype index, const QString &problem) {
        ++skipped;
        if (imported.problems.size() < MaxProblems)
            imported.problems.append(tr("entries[%1]: %2").arg(index).arg(problem));
    };

    const QJsonArray entries = entriesValue.toArray();
    QList<ReadEntry> read;
    QList<qsizetype> indexes; // of the read entries in the file
    read.reserve(entries.size());
    QDateTime zero; // the earliest startedDateTime of the foreign entries
    for (qsizetype i = 0; i < entries.size(); ++i) {
        ReadEntry entry;
        const QString problem = readEntry(entries.at(i), &entry);
        if (!problem.isEmpty()) {
            skip(i, problem);
            continue;
        }
        if (!entry.own && (!zero.isValid() || entry.startedDateTime < zero))
            zero = entry.startedDateTime;
        read.append(std::move(entry));
        indexes.append(i);
    }
    imported.jobs.reserve(read.size());
    for (qsizetype i = 0; i < read.size(); ++i) {
        ReadEntry &entry = read[i];
        if (!entry.own) {
            const QString problem = placeForeign(zero, &entry);
            if (!problem.isEmpty()) {
                skip(indexes.at(i), problem);
                continue;
            }
        }
        if (imported.jobs.isEmpty())
            imported.info.method = entry.method;
        imported.jobs.append(std::move(entry.job));
    }
    if (skipped > MaxProblems)
        imported.problems.append(
            tr("… and %n more malformed entries", nullptr, skipped - MaxProblems));
    if (imported.jobs.isEmpty() && skipped > 0) {
        return fail(error,
                    tr("none of the %n entries could be read; %1", nullptr, skipped)
                        .arg(imported.problems.constFirst()));
    }

    imported.summary = RunSummary::compute(imported.jobs);
    // A browser's HAR has no run start of ours: the earliest task start, on the wall clock.
    if (!log.contains(QLatin1String("_startedAt")) && zero.isValid()
        && imported.summary.firstStartNs >= 0) {
        const QDateTime startedAt = zero.addMSecs(imported.summary.firstStartNs / NsPerMs);
        if (!isoWithOffset(startedAt).isEmpty())
            imported.info.startedAt = startedAt;
    }
    *run = std::move(imported);
    return true;
}

} // namespace Parafetch
