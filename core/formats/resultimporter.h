// Reads a run back from our own CSV or JSON export (see resultexporter.cpp for the formats), or
// from a HAR 1.2 file, ours or a browser's (harformat.cpp).
#pragma once

#include "job.h"
#include "formats/resultexporter.h"
#include "runsummary.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QJsonObject;
class QJsonValue;
QT_END_NAMESPACE

namespace Parafetch {

struct ImportedRun
{
    RunInfo info; // default (unknown) for CSV, which carries no run information
    QList<Job> jobs; // URLs as exported: credentials appear as ***
    RunSummary summary; // recomputed from jobs, never taken from the file
    // Entries that were skipped, each naming its place ("entries[3]: response is missing").
    // Only HAR import skips and carries on; JSON and CSV reject a file with any bad job.
    QStringList problems;
};

// Every reader validates: on malformed input it returns false, leaves *run unchanged and sets
// *error (if given) to a sentence naming the place and the field, e.g. "row 3: httpStatus is not
// a number" (CSV rows are numbered as a spreadsheet shows them: the header is row 1) or
// "jobs[2]: state “done” is not a known state" (JSON jobs are indexed from 0). Missing or empty
// (null) fields take the unknown value of Job, except `url` and `state`, which every job needs.
// HAR is the exception, since browsers write it too: a malformed entry is skipped with a problem
// in ImportedRun::problems, and only a file that is not HAR, or whose every entry is malformed,
// fails.
class ResultImporter
{
    Q_DECLARE_TR_FUNCTIONS(ResultImporter)
public:
    // Format by content first: a JSON object with a "log" is HAR, any other JSON object is our
    // JSON; otherwise by suffix (.csv, .json, .har), and CSV for anything else. Errors name the
    // path.
    static bool read(const QString &path, ImportedRun *run, QString *error);
    static bool fromJson(const QByteArray &data, ImportedRun *run, QString *error);
    static bool fromCsv(const QByteArray &data, ImportedRun *run, QString *error);
    static bool fromHar(const QByteArray &data, ImportedRun *run, QString *error);
};

// The checks of the JSON import, for the HAR import to share.
namespace ImportReading {

// The string's text, each lone surrogate (which UTF-8 cannot carry) replaced by U+FFFD.
QString textFromJson(const QJsonValue &value);
// Sets one field of *job from a (non-null) JSON value with the checks of the JSON import;
// returns the problem, naming the field as `name`, or an empty string.
QString applyJsonField(Job *job, ExportField field, const QJsonValue &value, const QString &name);
QByteArrayView withoutBom(QByteArrayView data);

} // namespace ImportReading

} // namespace Parafetch
