// Writes a run's results as CSV or JSON, atomically; the formats are described in the .cpp.
#pragma once

#include "job.h"
#include "runsummary.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Parafetch {

enum class ExportFormat { Csv, Json };

// What is known about the run as a whole, besides its jobs.
struct RunInfo
{
    QDateTime startedAt; // wall-clock time; invalid = unknown
    int concurrency = 0;
    QByteArray method = "GET";
    QString toolVersion;
};

// The per-job fields of both formats, in order: the JSON keys and the CSV header.
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
};
constexpr int ExportFieldCount = int(ExportField::Protocol) + 1;

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

    // By suffix, case-insensitive: .csv, .json; nullopt for anything else.
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

} // namespace Parafetch
