// SPDX-License-Identifier: GPL-3.0-or-later
// What the run files (CSV, JSON, HAR 1.2) share: the field table, RunInfo, ImportedRun, the
// field values and checks, and RunFile, which writes or reads a file in any of the formats.
#pragma once

#include "job.h"
#include "runsummary.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QIODevice;
class QJsonObject;
class QJsonValue;
QT_END_NAMESPACE

namespace Parafetch {

enum class ExportFormat { Csv, Json, Har };

// One interval of a run's timeline (run/timeline.h): what happened in (the previous point's
// endNs, endNs]. The clock is the run's wall time (RunSummary::wallNs): it starts at the first
// start and stands still while no URL is in flight, so a pause is no stretch of zeros.
struct TimelinePoint
{
    qint64 endNs = 0;
    qint64 bytes = 0; // body bytes received in the interval
    int urlsFinished = 0; // URLs that finished in the interval
    int activeWorkers = 0; // URLs in flight at endNs

    friend bool operator==(const TimelinePoint &a, const TimelinePoint &b)
    {
        return a.endNs == b.endNs && a.bytes == b.bytes && a.urlsFinished == b.urlsFinished
            && a.activeWorkers == b.activeWorkers;
    }
};

// What is known about the run as a whole, besides its jobs.
struct RunInfo
{
    QDateTime startedAt; // wall-clock time; invalid = unknown
    int concurrency = 0;
    qint64 limitRate = 0; // the run's bandwidth cap when it ended, bytes/s; 0 = none
    int perHost = 0; // polite mode's cap of URLs per host at once (--per-host); 0 = none
    QByteArray method = "GET";
    QString toolVersion;
    // The extra request headers every URL was sent with (HAR request.headers); secret values
    // are masked on export, whatever the caller passes.
    HeaderList requestHeaders;
    // Throughput over the run at a fixed interval (JSON only; empty = not recorded).
    QList<TimelinePoint> timeline;
};

// The per-job fields of both formats, in order: the JSON keys and the CSV header. Fields added
// after the first release come last, so that a script reading CSV columns by position keeps
// working.
enum class ExportField {
    Line,
    Url,
    FileName,
    State,
    ErrorKind,
    Error,
    HttpStatus,
    Attempts,
    Worker,
    Bytes,
    BytesTotal,
    QueuedAtMs,
    StartedAtMs,
    FinishedAtMs,
    DurationMs, // derived from startedAtMs and finishedAtMs; importers do not trust it
    ConnectMs,
    TtfbMs,
    ReceiveMs,
    FinalUrl,
    Sha256,
    SavedPath,
    Protocol,
    Thread,
    AttemptStartedAtMs,
    TlsMs,
    SendMs,
    Restored, // 1 for a result restored from an earlier run (not timed in this one), else 0
    RestoredDurationMs, // such a result's duration as the earlier run measured it; -1 unknown
    Connection, // Job::connectionId, 0 = unknown
    ConnectionReused, // 1 when that connection carried an earlier request first, else 0
    Etag, // the final response's validators, as sent ("" = none), for --if-changed
    LastModified,
    DnsMs, // the name lookup before connectMs; -1 when none was made
    ServerAddress, // the address the connection reached ("" = unknown)
};
constexpr int ExportFieldCount = int(ExportField::ServerAddress) + 1;

// The field's key in JSON and its column name in CSV.
QLatin1String exportFieldName(ExportField field);
// True for fields written as text (JSON strings); the others are numbers.
bool isTextField(ExportField field);

struct ImportedRun
{
    RunInfo info; // default (unknown) for CSV, which carries no run information
    QList<Job> jobs; // URLs as exported: credentials appear as ***
    RunSummary summary; // recomputed from jobs, never taken from the file
    // Entries that were skipped, each naming its place ("entries[3]: response is missing").
    // Only HAR import skips and carries on; JSON and CSV reject a file with any bad job.
    QStringList problems;
};

// Files in any of the formats, by path. Each format's reader and writer is its own class
// (CsvFormat, JsonFormat, HarFormat); this picks one.
//
// Every reader validates: on malformed input it returns false, leaves *run unchanged and sets
// *error (if given) to a sentence naming the place and the field, e.g. "row 3: httpStatus is not
// a number" (CSV rows are numbered as a spreadsheet shows them: the header is row 1) or
// "jobs[2]: state “done” is not a known state" (JSON jobs are indexed from 0). Missing or empty
// (null) fields take the unknown value of Job, except `url` and `state`, which every job needs.
// HAR is the exception, since browsers write it too: a malformed entry is skipped with a problem
// in ImportedRun::problems, and only a file that is not HAR, or whose every entry is malformed,
// fails.
class RunFile
{
    Q_DECLARE_TR_FUNCTIONS(RunFile)
public:
    static constexpr QLatin1String FormatName { "parafetch-run" }; // the JSON "format" value
    static constexpr int FormatVersion = 1; // raised when a reader of version 1 would misread

    // By suffix, case-insensitive: .csv, .json, .har; nullopt for anything else.
    static std::optional<ExportFormat> formatForPath(const QString &path);

    // Atomic (QSaveFile), every step checked including commit(): an existing file is replaced
    // only when the whole export was written. On failure returns false and sets *error (if
    // given) to a sentence naming the path and the reason; no partial file is left behind.
    static bool write(const QString &path, ExportFormat format, const QList<Job> &jobs,
                      const RunSummary &summary, const RunInfo &info, QString *error);

    // Format by content first: a JSON object with a "log" is HAR, any other JSON object is our
    // JSON; otherwise by suffix (.csv, .json, .har), and CSV for anything else. Errors name the
    // path.
    static bool read(const QString &path, ImportedRun *run, QString *error);
};

// The number and text writing that every format shares.
namespace ExportWriting {

// Nanoseconds to whole microseconds, halves up; -1 stays -1.
qint64 nsToUs(qint64 ns);
// Milliseconds with exactly three decimals ("12.345"), "-1" for a negative (unknown) value.
QByteArray usAsMs(qint64 us);
QByteArray nsAsMs(qint64 ns);
// The field's value: UTF-8 text for text fields, a JSON/CSV number literal for the others.
QByteArray fieldValue(const Job &job, ExportField field);
// ISO 8601 with milliseconds and the time's own UTC offset; empty if Qt cannot write the year.
QString isoWithOffset(const QDateTime &time);
// What `write` writes to a device, as bytes.
QByteArray collected(const std::function<void(QIODevice *)> &write);

// Collects output and hands it to the device in large chunks; remembers the first failure.
class ChunkWriter
{
public:
    explicit ChunkWriter(QIODevice *device);
    QByteArray &buffer() { return m_buffer; }
    void flushIfFull();
    bool flush();

private:
    QIODevice *m_device;
    QByteArray m_buffer;
    bool m_ok = true;
};

} // namespace ExportWriting

// The checks that every reader shares: strict about types and ranges, lenient about absence.
namespace ImportReading {

// A number as read from any format, before the field decides what it may be.
struct Number
{
    double real = 0;
    bool whole = false; // real is a whole number that fits in qint64
    qint64 integer = 0; // valid when whole
};
bool numberFromText(QByteArrayView text, Number *number);
Number numberFromJson(const QJsonValue &value);

// Each apply* sets one field of *job and returns the problem, naming the field as `name`, or an
// empty string. applyText takes text fields only, applyNumber number fields only.
QString applyText(Job *job, ExportField field, const QString &text, const QString &name);
QString applyNumber(Job *job, ExportField field, const Number &number, const QString &name);
// From a (non-null) JSON value, with the checks of the JSON import.
QString applyJsonField(Job *job, ExportField field, const QJsonValue &value, const QString &name);

// The fields every job needs (url, state).
bool isRequired(ExportField field);
// "url is missing"
QString requiredMissing(ExportField field);
// The string's text, each lone surrogate (which UTF-8 cannot carry) replaced by U+FFFD.
QString textFromJson(const QJsonValue &value);
QByteArrayView withoutBom(QByteArrayView data);
// The top-level object of a JSON document (a UTF-8 BOM allowed); false with *problem if the
// data is not JSON or its top level is not an object.
bool parseObject(const QByteArray &data, QJsonObject *root, QString *problem);
// Sets *error (if given) and returns false.
bool fail(QString *error, const QString &message);

} // namespace ImportReading

} // namespace Parafetch
