// SPDX-License-Identifier: GPL-3.0-or-later
// The run files' shared field table and checks, and RunFile. The layouts (csvformat.cpp,
// jsonformat.cpp, harformat.cpp) are a contract with our readers and with whoever scripts
// against our files: change them only together with FormatVersion. Adding a field at the end is
// not such a change: readers of version 1 look fields up by name and ignore those they do not
// know, and a missing field reads as unknown.
//
// Conventions shared by CSV and JSON (HAR maps the same values onto its own fields)
// - Text is UTF-8. Job fields come in the order of ExportField, named by exportFieldName().
// - `url` and `finalUrl` pass through redactedUrl(): user name and password, and the values of
//   secret query parameters (?token=***), become ***, so credentials never reach a file.
//   `finalUrl` is "" when no redirect happened.
// - Times and phases are milliseconds with microsecond precision, written with exactly three
//   decimals (12.345). Instants (queuedAtMs, startedAtMs, finishedAtMs) are on the engine's
//   monotonic clock, whose zero is the engine's epoch, so only differences mean anything.
// - Every unknown number is -1 (times, phases, bytesTotal, worker, thread, percentiles); never
//   null, so a reader never needs a second kind of "missing". httpStatus 0 = no answer.
// - `worker` is the lane (0 .. concurrency-1) that ran the last attempt, `thread` the engine
//   thread that drove it; `attempts` counts every attempt. `attemptStartedAtMs` is the last
//   attempt's start: earlier attempts and retry backoff lie between startedAtMs and it.
// - Phases are those of the last attempt, in order: connectMs (a new connection only, TLS
//   included), tlsMs (of connectMs, the TLS handshake), sendMs, ttfbMs (request sent -> response
//   headers) and receiveMs (response headers -> finished; files from before tlsMs existed
//   measured it from the first body byte). The last four came in after the first release and
//   stand at the end of the field list.
// - `restored` is 1 for a result that a restore after a crash put back (done by an earlier run,
//   so not timed in this one: its instants and phases are -1, and the summary leaves it out of
//   wall, serial, rates and percentiles), else 0; `restoredDurationMs` is that result's duration
//   as the earlier run measured it, -1 if unknown. Both came in after the first release.
// - `connection` numbers the connection the last attempt's response came on (0 = unknown; unique
//   within the run's process, HTTP/1.1 sockets and h2 sessions alike, so rows with the same
//   number shared one connection: kept alive one after the other, or multiplexed over h2), and
//   `connectionReused` is 1 when that connection had carried an earlier request first, else 0.
//   `protocol` is "http/1.1", "http/1.0" or "h2" ("" = no answer). The two came after those.
// - `etag` and `lastModified` are the final response's validators as the server sent them
//   ("" = none); a job in state "unchanged" (a 304 to --if-changed) keeps those of the export it
//   was compared with, and so do its `savedPath` and `sha256`. They came after those.
// - `dnsMs` is the name lookup before connectMs (-1 when none was made: a reused connection, an
//   address in the URL, a proxy; about 0 when the run had looked the host up already), and
//   `serverAddress` the address the connection reached ("" = unknown). They came in last.
// - `state` and `errorKind` are the identifiers of stateName()/errorKindName(); the error kind
//   of a job without an error is "".
// - `sha256` is lower-case hex, "" when not computed. `durationMs` = finishedAtMs - startedAtMs,
//   written for convenience; importers recompute it.
#include "formats/runfile.h"

#include "fetchoptions.h"
#include "formats/csvformat.h"
#include "formats/harformat.h"
#include "formats/jsonformat.h"
#include "redact.h"
#include "units.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QLocale>
#include <QSaveFile>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace Parafetch {

using namespace ExportWriting;
using namespace ImportReading;

namespace {

constexpr std::array<const char *, ExportFieldCount> fieldNames = {
    "line",        "url",
    "fileName",    "state",
    "errorKind",   "error",
    "httpStatus",  "attempts",
    "worker",      "bytes",
    "bytesTotal",  "queuedAtMs",
    "startedAtMs", "finishedAtMs",
    "durationMs",  "connectMs",
    "ttfbMs",      "receiveMs",
    "finalUrl",    "sha256",
    "savedPath",   "protocol",
    "thread",      "attemptStartedAtMs",
    "tlsMs",       "sendMs",
    "restored",    "restoredDurationMs",
    "connection",  "connectionReused",
    "etag",        "lastModified",
    "dnsMs",       "serverAddress",
};

using Units::NsPerUs;
using Units::UsPerMs;
constexpr int MsDecimals = 3; // microsecond precision
// Exports are streamed to the device in chunks of about this size rather than built whole.
constexpr qsizetype FlushBytes = 256 * Units::BytesPerKiB;
constexpr int MaxHttpStatus = 999;
constexpr int Sha256HexLength = 64;
constexpr QByteArrayView Utf8Bom = "\xEF\xBB\xBF";
constexpr qint64 MaxInt = std::numeric_limits<int>::max();
constexpr qint64 MaxInt64 = std::numeric_limits<qint64>::max();

constexpr QLatin1String CsvSuffix("csv");
constexpr QLatin1String JsonSuffix("json");
constexpr QLatin1String HarSuffix("har");

QString tr(const char *text)
{
    return RunFile::tr(text);
}

QString fieldName(ExportField field)
{
    return QString(exportFieldName(field));
}

// Plain digits in messages: "9999999", not the "1e+07" that %g would make of it.
QString shown(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString wholeInRange(const QString &name, const Number &number, qint64 min, qint64 max, qint64 *out)
{
    if (!number.whole)
        return tr("%1 is not a whole number").arg(name);
    if (number.integer < min || number.integer > max)
        return tr("%1 is out of range: %2").arg(name).arg(number.integer);
    *out = number.integer;
    return QString();
}

// Milliseconds (three decimals) to whole microseconds; -1 = unknown.
QString msToUs(const QString &name, const Number &number, qint64 maxUs, qint64 *us)
{
    if (number.real == -1) {
        *us = -1;
        return QString();
    }
    if (number.real < 0)
        return tr("%1 must be -1 (unknown) or not negative: %2").arg(name, shown(number.real));
    const double rounded = std::round(number.real * UsPerMs);
    // double(maxUs) may round up past maxUs: check again once the value is an integer.
    if (!(rounded <= double(maxUs)) || qint64(rounded) > maxUs)
        return tr("%1 is out of range: %2").arg(name, shown(number.real));
    *us = qint64(rounded);
    return QString();
}

// An address as exports write it, from ours ("::1") or a browser's HAR ("[::1]"); "" = unknown.
bool serverAddressFromText(const QString &text, QString *canonical)
{
    QStringView address = QStringView(text).trimmed();
    if (address.startsWith(u'[') && address.endsWith(u']'))
        address = address.mid(1, address.size() - 2);
    if (address.isEmpty()) {
        canonical->clear();
        return true;
    }
    QHostAddress parsed;
    if (!parsed.setAddress(address.toString()))
        return false;
    *canonical = serverAddressText(parsed);
    return true;
}

QString applyUrl(const QString &name, const QString &text, QUrl *url)
{
    const QUrl parsed(text);
    if (!parsed.isValid())
        return tr("%1 “%2” is not a valid URL").arg(name, text);
    *url = parsed;
    return QString();
}

} // namespace

QLatin1String exportFieldName(ExportField field)
{
    return QLatin1String(fieldNames.at(std::size_t(field)));
}

bool isTextField(ExportField field)
{
    switch (field) {
    case ExportField::Url:
    case ExportField::FileName:
    case ExportField::State:
    case ExportField::ErrorKind:
    case ExportField::Error:
    case ExportField::FinalUrl:
    case ExportField::Sha256:
    case ExportField::SavedPath:
    case ExportField::Protocol:
    case ExportField::Etag:
    case ExportField::LastModified:
    case ExportField::ServerAddress:
        return true;
    default:
        return false;
    }
}

namespace ExportWriting {

// Round to the nearest microsecond (halves up); -1 stays -1.
qint64 nsToUs(qint64 ns)
{
    if (ns < 0)
        return -1;
    return ns / NsPerUs + (ns % NsPerUs >= NsPerUs / 2 ? 1 : 0);
}

// Exact fixed-point, so that 1.5 ms is always "1.500" whatever the double would print.
QByteArray usAsMs(qint64 us)
{
    if (us < 0)
        return QByteArrayLiteral("-1");
    return QByteArray::number(us / UsPerMs) + '.'
        + QByteArray::number(us % UsPerMs).rightJustified(MsDecimals, '0');
}

QByteArray nsAsMs(qint64 ns)
{
    return usAsMs(nsToUs(ns));
}

QString isoWithOffset(const QDateTime &time)
{
    // A local time would print without its offset; pin the offset it has now.
    return time.toOffsetFromUtc(time.offsetFromUtc()).toString(Qt::ISODateWithMs);
}

QByteArray collected(const std::function<void(QIODevice *)> &write)
{
    QByteArray data;
    QBuffer buffer(&data);
    buffer.open(QIODevice::WriteOnly);
    write(&buffer);
    return data;
}

ChunkWriter::ChunkWriter(QIODevice *device)
    : m_device(device)
{
    m_buffer.reserve(FlushBytes);
}

void ChunkWriter::flushIfFull()
{
    if (m_buffer.size() >= FlushBytes)
        flush();
}

bool ChunkWriter::flush()
{
    if (m_ok && !m_buffer.isEmpty())
        m_ok = m_device->write(m_buffer) == m_buffer.size();
    m_buffer.clear();
    return m_ok;
}

QByteArray fieldValue(const Job &job, ExportField field)
{
    switch (field) {
    case ExportField::Line:
        return QByteArray::number(job.sourceLine);
    case ExportField::Url:
        return redactedUrl(job.url).toUtf8();
    case ExportField::FileName:
        return job.fileName().toUtf8();
    case ExportField::State:
        return stateName(job.state).toUtf8();
    case ExportField::ErrorKind:
        return errorKindName(job.errorKind).toUtf8();
    case ExportField::Error:
        return job.errorString().toUtf8();
    case ExportField::HttpStatus:
        return QByteArray::number(job.httpStatus);
    case ExportField::Attempts:
        return QByteArray::number(job.attempts);
    case ExportField::Worker:
        return QByteArray::number(job.worker);
    case ExportField::Bytes:
        return QByteArray::number(job.bytesReceived);
    case ExportField::BytesTotal:
        return QByteArray::number(job.bytesTotal);
    case ExportField::QueuedAtMs:
        return nsAsMs(job.queuedAtNs);
    case ExportField::StartedAtMs:
        return nsAsMs(job.startedAtNs);
    case ExportField::FinishedAtMs:
        return nsAsMs(job.finishedAtNs);
    case ExportField::DurationMs: {
        // From the rounded instants, so that a reader's finished - started matches exactly.
        const qint64 started = nsToUs(job.startedAtNs), finished = nsToUs(job.finishedAtNs);
        return usAsMs(job.durationNs() >= 0 ? finished - started : -1);
    }
    case ExportField::ConnectMs:
        return usAsMs(job.connectUs);
    case ExportField::TtfbMs:
        return usAsMs(job.waitUs);
    case ExportField::ReceiveMs:
        return usAsMs(job.receiveUs);
    case ExportField::FinalUrl:
        return job.finalUrl().isEmpty() ? QByteArray() : redactedUrl(job.finalUrl()).toUtf8();
    case ExportField::Sha256:
        return job.sha256.toHex();
    case ExportField::SavedPath:
        return job.savedPath().toUtf8();
    case ExportField::Protocol:
        return job.protocol;
    case ExportField::Thread:
        return QByteArray::number(job.thread);
    case ExportField::AttemptStartedAtMs:
        return nsAsMs(job.attemptStartedAtNs);
    case ExportField::TlsMs:
        return usAsMs(job.tlsUs);
    case ExportField::SendMs:
        return usAsMs(job.sendUs);
    case ExportField::Restored:
        return job.restored ? QByteArrayLiteral("1") : QByteArrayLiteral("0");
    case ExportField::RestoredDurationMs:
        return nsAsMs(job.restored ? job.restoredDurationNs() : -1);
    case ExportField::Connection:
        return QByteArray::number(job.connectionId);
    case ExportField::ConnectionReused:
        return job.connectionReused ? QByteArrayLiteral("1") : QByteArrayLiteral("0");
    case ExportField::Etag:
        return QString::fromLatin1(job.etag()).toUtf8(); // a field value's bytes are Latin-1
    case ExportField::LastModified:
        return QString::fromLatin1(job.lastModified()).toUtf8();
    case ExportField::DnsMs:
        return usAsMs(job.dnsUs);
    case ExportField::ServerAddress:
        return job.serverAddress().toUtf8();
    }
    return QByteArray();
}

} // namespace ExportWriting

namespace ImportReading {

bool numberFromText(QByteArrayView text, Number *number)
{
    const QByteArray trimmed = text.trimmed().toByteArray();
    bool ok = false;
    const qint64 integer = trimmed.toLongLong(&ok);
    if (ok) {
        *number = { double(integer), true, integer };
        return true;
    }
    const double real = trimmed.toDouble(&ok);
    if (!ok || !std::isfinite(real))
        return false;
    // 2^63 is exactly representable; anything below it converts to qint64 without overflow.
    const bool whole =
        std::trunc(real) == real && std::fabs(real) < -double(std::numeric_limits<qint64>::min());
    *number = { real, whole, whole ? qint64(real) : 0 };
    return true;
}

Number numberFromJson(const QJsonValue &value)
{
    // toInteger() answers its default unless the double is whole and fits: two defaults tell.
    const qint64 low = value.toInteger(0), high = value.toInteger(1);
    return { value.toDouble(), low == high, low };
}

QString applyNumber(Job *job, ExportField field, const Number &number, const QString &name)
{
    qint64 value = 0;
    QString problem;
    const auto instant = [&](qint64 *ns) {
        problem = msToUs(name, number, MaxInt64 / NsPerUs, &value);
        if (problem.isEmpty())
            *ns = value < 0 ? -1 : value * NsPerUs;
    };
    const auto phase = [&](qint64 *us) {
        problem = msToUs(name, number, MaxInt64 / NsPerUs, &value);
        if (problem.isEmpty())
            *us = value;
    };
    const auto shortPhase = [&](qint32 *us) { // a lookup or a handshake: 35 minutes at most
        problem = msToUs(name, number, std::numeric_limits<qint32>::max(), &value);
        if (problem.isEmpty())
            *us = qint32(value);
    };
    switch (field) {
    case ExportField::Line:
        if ((problem = wholeInRange(name, number, 0, MaxInt, &value)).isEmpty())
            job->sourceLine = int(value);
        break;
    case ExportField::HttpStatus:
        if ((problem = wholeInRange(name, number, 0, MaxHttpStatus, &value)).isEmpty())
            job->httpStatus = int(value);
        break;
    case ExportField::Attempts:
        if ((problem = wholeInRange(name, number, 0, MaxInt, &value)).isEmpty())
            job->attempts = int(value);
        break;
    case ExportField::Worker:
        if ((problem = wholeInRange(name, number, -1, MaxInt, &value)).isEmpty())
            job->worker = int(value);
        break;
    case ExportField::Thread:
        if ((problem = wholeInRange(name, number, -1, MaxInt, &value)).isEmpty())
            job->thread = int(value);
        break;
    case ExportField::Bytes:
        problem = wholeInRange(name, number, 0, MaxInt64, &job->bytesReceived);
        break;
    case ExportField::BytesTotal:
        problem = wholeInRange(name, number, -1, MaxInt64, &job->bytesTotal);
        break;
    case ExportField::QueuedAtMs:
        instant(&job->queuedAtNs);
        break;
    case ExportField::StartedAtMs:
        instant(&job->startedAtNs);
        break;
    case ExportField::FinishedAtMs:
        instant(&job->finishedAtNs);
        break;
    case ExportField::AttemptStartedAtMs:
        instant(&job->attemptStartedAtNs);
        break;
    case ExportField::DurationMs:
        break; // derived; a number is all we ask of it
    case ExportField::ConnectMs:
        phase(&job->connectUs);
        break;
    case ExportField::TtfbMs:
        phase(&job->waitUs);
        break;
    case ExportField::ReceiveMs:
        phase(&job->receiveUs);
        break;
    case ExportField::TlsMs:
        shortPhase(&job->tlsUs);
        break;
    case ExportField::DnsMs:
        shortPhase(&job->dnsUs);
        break;
    case ExportField::SendMs:
        phase(&job->sendUs);
        break;
    case ExportField::Restored:
        if ((problem = wholeInRange(name, number, 0, 1, &value)).isEmpty())
            job->restored = value == 1;
        break;
    case ExportField::RestoredDurationMs: {
        qint64 ns = -1;
        instant(&ns);
        if (problem.isEmpty())
            job->setRestoredDurationNs(ns);
        break;
    }
    case ExportField::Connection:
        if ((problem = wholeInRange(name, number, 0, MaxInt64, &value)).isEmpty())
            job->connectionId = quint64(value);
        break;
    case ExportField::ConnectionReused:
        if ((problem = wholeInRange(name, number, 0, 1, &value)).isEmpty())
            job->connectionReused = value == 1;
        break;
    default:
        break; // text fields never get here
    }
    return problem;
}

QString applyText(Job *job, ExportField field, const QString &text, const QString &name)
{
    switch (field) {
    case ExportField::Url: {
        if (text.isEmpty())
            return tr("%1 is empty").arg(name);
        QUrl url;
        QString problem = applyUrl(name, text, &url);
        job->url = url;
        return problem;
    }
    case ExportField::FileName:
        job->setFileName(text);
        break;
    case ExportField::State:
        if (!stateFromName(text, &job->state))
            return tr("%1 “%2” is not a known state").arg(name, text);
        break;
    case ExportField::ErrorKind:
        if (!errorKindFromName(text, &job->errorKind))
            return tr("%1 “%2” is not a known error kind").arg(name, text);
        break;
    case ExportField::Error:
        job->setErrorString(text);
        break;
    case ExportField::FinalUrl: {
        if (text.isEmpty()) {
            job->setFinalUrl(QUrl());
            break;
        }
        QUrl url;
        QString problem = applyUrl(name, text, &url);
        job->setFinalUrl(url);
        return problem;
    }
    case ExportField::Sha256: {
        const QByteArray hex = text.toLatin1();
        const bool allHex = std::all_of(hex.cbegin(), hex.cend(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        });
        if (!text.isEmpty() && (text.size() != Sha256HexLength || !allHex))
            return tr("%1 is not %2 hexadecimal digits").arg(name).arg(Sha256HexLength);
        job->sha256 = QByteArray::fromHex(hex);
        break;
    }
    case ExportField::SavedPath:
        job->setSavedPath(text);
        break;
    case ExportField::Protocol:
        job->protocol = text.toUtf8();
        break;
    case ExportField::Etag:
    case ExportField::LastModified: {
        // Sent back as a request header by --if-changed: checked as every header value is.
        QString forbidden = FetchOptions::forbiddenInHeaderValue(text);
        if (forbidden.isEmpty()
            && std::any_of(text.cbegin(), text.cend(), [](QChar c) { return c.unicode() > 0xff; }))
            forbidden = tr("a character outside Latin-1");
        if (!forbidden.isEmpty())
            return tr("%1 cannot contain %2: it is sent as a header").arg(name, forbidden);
        if (field == ExportField::Etag)
            job->setEtag(text.toLatin1());
        else
            job->setLastModified(text.toLatin1());
        break;
    }
    case ExportField::ServerAddress: {
        QString canonical;
        if (!serverAddressFromText(text, &canonical))
            return tr("%1 “%2” is not an IP address").arg(name, text);
        job->setServerAddress(canonical);
        break;
    }
    default:
        break; // number fields never get here
    }
    return QString();
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

QString requiredMissing(ExportField field)
{
    return tr("%1 is missing").arg(fieldName(field));
}

bool isRequired(ExportField field)
{
    return field == ExportField::Url || field == ExportField::State;
}

QString textFromJson(const QJsonValue &value)
{
    // QJsonDocument keeps a lone "\udc00" as it is, but UTF-8 cannot carry it (our exporters
    // would write '?'): replace it with U+FFFD, as fromUtf8 does with bytes that are not UTF-8,
    // so that what was imported is what an export writes and a re-import reads.
    QString text = value.toString();
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        else if (text.at(i).isSurrogate())
            text[i] = QChar::ReplacementCharacter;
    }
    return text;
}

QString applyJsonField(Job *job, ExportField field, const QJsonValue &value, const QString &name)
{
    if (isTextField(field)) {
        if (!value.isString())
            return tr("%1 is not a string").arg(name);
        return applyText(job, field, textFromJson(value), name);
    }
    if (!value.isDouble())
        return tr("%1 is not a number").arg(name);
    return applyNumber(job, field, numberFromJson(value), name);
}

QByteArrayView withoutBom(QByteArrayView data)
{
    return data.startsWith(Utf8Bom) ? data.sliced(Utf8Bom.size()) : data;
}

bool parseObject(const QByteArray &data, QJsonObject *root, QString *problem)
{
    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(withoutBom(data).toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return fail(problem,
                    tr("not valid JSON (at byte %1: %2)")
                        .arg(parseError.offset)
                        .arg(parseError.errorString()));
    }
    if (!document.isObject())
        return fail(problem, tr("not a Parafetch run: the top level is not a JSON object"));
    *root = document.object();
    return true;
}

} // namespace ImportReading

std::optional<ExportFormat> RunFile::formatForPath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix();
    if (suffix.compare(CsvSuffix, Qt::CaseInsensitive) == 0)
        return ExportFormat::Csv;
    if (suffix.compare(JsonSuffix, Qt::CaseInsensitive) == 0)
        return ExportFormat::Json;
    if (suffix.compare(HarSuffix, Qt::CaseInsensitive) == 0)
        return ExportFormat::Har;
    return std::nullopt;
}

bool RunFile::write(const QString &path, ExportFormat format, const QList<Job> &jobs,
                    const RunSummary &summary, const RunInfo &info, QString *error)
{
    const auto fail = [&](const QString &reason) {
        if (error) {
            *error = tr("Could not export the results to “%1”: %2")
                         .arg(QDir::toNativeSeparators(path), reason);
        }
        return false;
    };

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    bool written = false;
    switch (format) {
    case ExportFormat::Csv:
        written = CsvFormat::write(&file, jobs);
        break;
    case ExportFormat::Json:
        written = JsonFormat::write(&file, jobs, summary, info);
        break;
    case ExportFormat::Har:
        written = HarFormat::write(&file, jobs, summary, info);
        break;
    }
    if (!written) {
        const QString reason = file.errorString();
        file.cancelWriting(); // the destructor then removes the temporary file
        return fail(reason);
    }
    if (!file.commit()) {
        // Qt often has no text for this stage (a failed rename reads "Unknown error").
        return fail(
            tr("the finished file could not be moved into place (%1)").arg(file.errorString()));
    }
    return true;
}

bool RunFile::read(const QString &path, ImportedRun *run, QString *error)
{
    const QString shownPath = QDir::toNativeSeparators(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(error, tr("Could not read “%1”: %2").arg(shownPath, file.errorString()));
    const QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fail(error, tr("Could not read “%1”: %2").arg(shownPath, file.errorString()));

    // By content first, so that a HAR saved as .json (or our JSON as .har) still imports.
    const std::optional<ExportFormat> format = formatForPath(path);
    const QByteArrayView content = withoutBom(data).trimmed();
    const bool looksLikeJson = !content.isEmpty() && content.front() == '{';
    QString problem;
    bool ok = false;
    if (looksLikeJson || format == ExportFormat::Json || format == ExportFormat::Har) {
        QJsonObject root;
        ok = parseObject(data, &root, &problem)
            && (HarFormat::isHar(root) ? HarFormat::fromObject(root, run, &problem)
                                       : JsonFormat::fromObject(root, run, &problem));
    } else {
        ok = CsvFormat::fromCsv(data, run, &problem);
    }
    if (!ok)
        return fail(error, tr("Could not import “%1”: %2").arg(shownPath, problem));
    return true;
}

} // namespace Parafetch
