// CSV and JSON export of a run (HAR 1.2: harformat.cpp). The layouts below are a contract with
// ResultImporter and with whoever scripts against our files: change them only together with
// FormatVersion. Adding a field at the end is not such a change: readers of version 1 look fields
// up by name and ignore those they do not know, and a missing field reads as unknown.
//
// Conventions shared by both formats
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
//   as the earlier run measured it, -1 if unknown. Both came in last, at the end of the list.
// - `state` and `errorKind` are the identifiers of stateName()/errorKindName(); the error kind
//   of a job without an error is "".
// - `sha256` is lower-case hex, "" when not computed. `durationMs` = finishedAtMs - startedAtMs,
//   written for convenience; importers recompute it.
//
// JSON (formatVersion 1): one object; one job per line so that large files stay greppable.
// {
//   "format": "parafetch-run",
//   "formatVersion": 1,
//   "tool": {"name": "parafetch", "version": "0.1.0"},
//   "startedAt": "2024-05-01T12:00:00.123+02:00",   ISO 8601, ms and UTC offset; null if unknown
//   "concurrency": 16,
//   "method": "GET",
//   "summary": {"total", "queued", "running", "succeeded", "failed", "cancelled", "bytes",
//               "wallMs", "serialMs", "speedup", "bytesPerSecond", "requestsPerSecond",
//               "p50Ms", "p90Ms", "p99Ms", "ttfbP50Ms", "ttfbP90Ms",
//               "byErrorKind": {"http-status": 2, ...},  only error kinds with a non-zero count
//               "restoredDone", "restoredBytes"},  results restored from an earlier run: in the
//                                                   counts and bytes, in no time or rate
//   "jobs": [
//     {"line": 1, "url": "https://***@example.com/a", "fileName": "", "state": "failed", ...},
//     ...
//   ]
// }
// The summary is RunSummary (see runsummary.h for the definitions); readers may recompute it.
// "wallMs" is the time in which at least one URL was in flight (the union of the jobs'
// startedAtMs..finishedAtMs intervals), not finish minus start: pauses and idle time between a
// run and a retry are left out, and "speedup" = serialMs / wallMs.
//
// CSV: RFC 4180. A header row of the job field names, then one row per job, CRLF line ends; no
// summary and no run information. A field containing a comma, quote, CR or LF is quoted, quotes
// doubled. A text field that a spreadsheet would run as a formula (first character = + - @, tab
// or CR) gets a leading ' (OWASP's advice), and so does one that already starts with ', so that
// the importer can strip exactly one ' and get the original back. Numbers are never prefixed.
#include "formats/resultexporter.h"

#include "formats/harformat.h"
#include "redact.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QSaveFile>

#include <array>
#include <cmath>

namespace Parafetch {

using namespace ExportWriting;

namespace {

constexpr std::array<const char *, ExportFieldCount> fieldNames = {
    "line",        "url",          "fileName",   "state",
    "errorKind",   "error",        "httpStatus", "attempts",
    "worker",      "bytes",        "bytesTotal", "queuedAtMs",
    "startedAtMs", "finishedAtMs", "durationMs", "connectMs",
    "ttfbMs",      "receiveMs",    "finalUrl",   "sha256",
    "savedPath",   "protocol",     "thread",     "attemptStartedAtMs",
    "tlsMs",       "sendMs",       "restored",   "restoredDurationMs",
};

constexpr qint64 NsPerUs = 1000;
constexpr qint64 UsPerMs = 1000;
constexpr int MsDecimals = 3; // microsecond precision
// Exports are streamed to the device in chunks of about this size rather than built whole.
constexpr qsizetype FlushBytes = 256 * 1024;
constexpr char FormulaEscape = '\'';

constexpr QLatin1String CsvSuffix("csv");
constexpr QLatin1String JsonSuffix("json");
constexpr QLatin1String HarSuffix("har");
constexpr QLatin1String ToolName("parafetch");

QByteArray realNumber(double value)
{
    if (!std::isfinite(value))
        return QByteArrayLiteral("0");
    return QByteArray::number(value, 'f', QLocale::FloatingPointShortest);
}

// The field's value: UTF-8 text for text fields, a JSON/CSV number literal for the others.
QByteArray fieldValue(const Job &job, ExportField field)
{
    switch (field) {
    case ExportField::Line:
        return QByteArray::number(job.sourceLine);
    case ExportField::Url:
        return redactedUrl(job.url).toUtf8();
    case ExportField::FileName:
        return job.fileName.toUtf8();
    case ExportField::State:
        return stateName(job.state).toUtf8();
    case ExportField::ErrorKind:
        return errorKindName(job.errorKind).toUtf8();
    case ExportField::Error:
        return job.errorString.toUtf8();
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
        return job.finalUrl.isEmpty() ? QByteArray() : redactedUrl(job.finalUrl).toUtf8();
    case ExportField::Sha256:
        return job.sha256.toHex();
    case ExportField::SavedPath:
        return job.savedPath.toUtf8();
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
        return nsAsMs(job.restored ? job.restoredDurationNs : -1);
    }
    return QByteArray();
}

bool needsFormulaEscape(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
    case FormulaEscape:
        return true;
    default:
        return false;
    }
}

void appendCsvField(QByteArray &out, QByteArrayView value, bool isText)
{
    QByteArray text;
    if (isText && needsFormulaEscape(value)) {
        text.reserve(value.size() + 1);
        text += FormulaEscape;
    }
    text += value;
    const bool needsQuotes =
        text.contains(',') || text.contains('"') || text.contains('\r') || text.contains('\n');
    if (!needsQuotes) {
        out += text;
        return;
    }
    out += '"';
    out += text.replace("\"", "\"\"");
    out += '"';
}

void appendSummary(QByteArray &out, const RunSummary &s)
{
    const auto key = [&out](const char *name) {
        out += "\n    \"";
        out += name;
        out += "\": ";
    };
    out += '{';
    key("total");
    out += QByteArray::number(s.total) + ',';
    key("queued");
    out += QByteArray::number(s.queued) + ',';
    key("running");
    out += QByteArray::number(s.running) + ',';
    key("succeeded");
    out += QByteArray::number(s.succeeded) + ',';
    key("failed");
    out += QByteArray::number(s.failed) + ',';
    key("cancelled");
    out += QByteArray::number(s.cancelled) + ',';
    key("bytes");
    out += QByteArray::number(s.bytes) + ',';
    key("wallMs");
    out += nsAsMs(s.wallNs) + ',';
    key("serialMs");
    out += nsAsMs(s.serialNs) + ',';
    key("speedup");
    out += realNumber(s.speedup) + ',';
    key("bytesPerSecond");
    out += realNumber(s.bytesPerSecond) + ',';
    key("requestsPerSecond");
    out += realNumber(s.requestsPerSecond) + ',';
    key("p50Ms");
    out += nsAsMs(s.p50Ns) + ',';
    key("p90Ms");
    out += nsAsMs(s.p90Ns) + ',';
    key("p99Ms");
    out += nsAsMs(s.p99Ns) + ',';
    key("ttfbP50Ms");
    out += usAsMs(s.ttfbP50Us) + ',';
    key("ttfbP90Ms");
    out += usAsMs(s.ttfbP90Us) + ',';
    key("byErrorKind");
    out += '{';
    bool first = true;
    // None is left out: successes are already `succeeded`, and its identifier is "".
    for (int kind = int(ErrorKind::None) + 1; kind < ErrorKindCount; ++kind) {
        const int count = s.byErrorKind[std::size_t(kind)];
        if (count == 0)
            continue;
        if (!first)
            out += ", ";
        first = false;
        appendJsonString(out, errorKindName(ErrorKind(kind)));
        out += ": " + QByteArray::number(count);
    }
    out += "},";
    key("restoredDone");
    out += QByteArray::number(s.restoredDone) + ',';
    key("restoredBytes");
    out += QByteArray::number(s.restoredBytes);
    out += "\n  }";
}

} // namespace

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

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char hexDigits[] = "0123456789abcdef";
    constexpr int HighNibbleShift = 4;
    constexpr uchar LowNibble = 0x0f;
    constexpr uchar FirstPrintable = 0x20;

    out += '"';
    for (const char c : utf8) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (uchar(c) < FirstPrintable) {
                out += "\\u00";
                out += hexDigits[uchar(c) >> HighNibbleShift];
                out += hexDigits[uchar(c) & LowNibble];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendJsonString(QByteArray &out, const QString &text)
{
    appendJsonString(out, QByteArrayView(text.toUtf8()));
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

} // namespace ExportWriting

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
        return true;
    default:
        return false;
    }
}

std::optional<ExportFormat> ResultExporter::formatForPath(const QString &path)
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

bool ResultExporter::writeJson(QIODevice *device, const QList<Job> &jobs, const RunSummary &summary,
                               const RunInfo &info)
{
    ChunkWriter writer(device);
    QByteArray &out = writer.buffer();
    out += "{\n  \"format\": ";
    appendJsonString(out, QByteArrayView(FormatName.data(), FormatName.size()));
    out += ",\n  \"formatVersion\": " + QByteArray::number(FormatVersion);
    out += ",\n  \"tool\": {\"name\": ";
    appendJsonString(out, QByteArrayView(ToolName.data(), ToolName.size()));
    out += ", \"version\": ";
    appendJsonString(out, info.toolVersion);
    out += "},\n  \"startedAt\": ";
    if (info.startedAt.isValid())
        appendJsonString(out, isoWithOffset(info.startedAt));
    else
        out += "null";
    out += ",\n  \"concurrency\": " + QByteArray::number(info.concurrency);
    out += ",\n  \"method\": ";
    appendJsonString(out, QByteArrayView(info.method));
    out += ",\n  \"summary\": ";
    appendSummary(out, summary);
    out += ",\n  \"jobs\": [";
    for (qsizetype i = 0; i < jobs.size(); ++i) {
        out += i == 0 ? "\n    {" : ",\n    {";
        for (int f = 0; f < ExportFieldCount; ++f) {
            const auto field = ExportField(f);
            if (f > 0)
                out += ", ";
            appendJsonString(
                out, QByteArrayView(exportFieldName(field).data(), exportFieldName(field).size()));
            out += ": ";
            const QByteArray value = fieldValue(jobs.at(i), field);
            if (isTextField(field))
                appendJsonString(out, QByteArrayView(value));
            else
                out += value;
        }
        out += '}';
        writer.flushIfFull();
    }
    out += jobs.isEmpty() ? "]\n}\n" : "\n  ]\n}\n";
    return writer.flush();
}

bool ResultExporter::writeCsv(QIODevice *device, const QList<Job> &jobs)
{
    static constexpr char LineEnd[] = "\r\n";
    ChunkWriter writer(device);
    QByteArray &out = writer.buffer();
    for (int f = 0; f < ExportFieldCount; ++f) {
        if (f > 0)
            out += ',';
        out += exportFieldName(ExportField(f)).data();
    }
    out += LineEnd;
    for (const Job &job : jobs) {
        for (int f = 0; f < ExportFieldCount; ++f) {
            const auto field = ExportField(f);
            if (f > 0)
                out += ',';
            appendCsvField(out, QByteArrayView(fieldValue(job, field)), isTextField(field));
        }
        out += LineEnd;
        writer.flushIfFull();
    }
    return writer.flush();
}

QByteArray ResultExporter::toJson(const QList<Job> &jobs, const RunSummary &summary,
                                  const RunInfo &info)
{
    return collected([&](QIODevice *device) { writeJson(device, jobs, summary, info); });
}

QByteArray ResultExporter::toCsv(const QList<Job> &jobs)
{
    return collected([&](QIODevice *device) { writeCsv(device, jobs); });
}

bool ResultExporter::write(const QString &path, ExportFormat format, const QList<Job> &jobs,
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
        written = writeCsv(&file, jobs);
        break;
    case ExportFormat::Json:
        written = writeJson(&file, jobs, summary, info);
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

} // namespace Parafetch
