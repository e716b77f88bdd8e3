// Writes a run's results as CSV, JSON or HAR 1.2, atomically; the formats are described in the
// .cpp files (HAR: harformat.cpp).
#pragma once

#include "job.h"
#include "runsummary.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Parafetch {

enum class ExportFormat { Csv, Json, Har };

// What is known about the run as a whole, besides its jobs.
struct RunInfo
{
    QDateTime startedAt; // wall-clock time; invalid = unknown
    int concurrency = 0;
    QByteArray method = "GET";
    QString toolVersion;
    // The extra request headers every URL was sent with (HAR request.headers); secret values
    // are masked on export, whatever the caller passes.
    HeaderList requestHeaders;
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
};
constexpr int ExportFieldCount = int(ExportField::RestoredDurationMs) + 1;

// The field's key in JSON and its column name in CSV.
QLatin1String exportFieldName(ExportField field);
// True for fields written as text (JSON strings); the others are numbers.
bool isTextField(ExportField field);

class ResultExporter
{
    Q_DECLARE_TR_FUNCTIONS(ResultExporter)
public:
    static constexpr QLatin1String FormatName { "parafetch-run" }; // the JSON "format" value
    static constexpr int FormatVersion = 1; // raised when a reader of version 1 would misread

    // By suffix, case-insensitive: .csv, .json, .har; nullopt for anything else.
    static std::optional<ExportFormat> formatForPath(const QString &path);

    static QByteArray toJson(const QList<Job> &jobs, const RunSummary &summary,
                             const RunInfo &info);
    static QByteArray toCsv(const QList<Job> &jobs);

    // Atomic (QSaveFile), every step checked including commit(): an existing file is replaced
    // only when the whole export was written. On failure returns false and sets *error (if
    // given) to a sentence naming the path and the reason; no partial file is left behind.
    static bool write(const QString &path, ExportFormat format, const QList<Job> &jobs,
                      const RunSummary &summary, const RunInfo &info, QString *error);

    // Streaming forms of toJson()/toCsv(): false as soon as a write to the device fails.
    static bool writeJson(QIODevice *device, const QList<Job> &jobs, const RunSummary &summary,
                          const RunInfo &info);
    static bool writeCsv(QIODevice *device, const QList<Job> &jobs);
};

// The number and text writing that every export format shares (HarFormat uses it too).
namespace ExportWriting {

// Nanoseconds to whole microseconds, halves up; -1 stays -1.
qint64 nsToUs(qint64 ns);
// Milliseconds with exactly three decimals ("12.345"), "-1" for a negative (unknown) value.
QByteArray usAsMs(qint64 us);
QByteArray nsAsMs(qint64 ns);
// A JSON string literal of UTF-8 text (control characters escaped).
void appendJsonString(QByteArray &out, QByteArrayView utf8);
void appendJsonString(QByteArray &out, const QString &text);
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

} // namespace Parafetch
