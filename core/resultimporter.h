// Reads a run back from our own CSV or JSON export (see resultexporter.cpp for the formats).
#pragma once

#include "job.h"
#include "resultexporter.h"
#include "runsummary.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

namespace Parafetch {

struct ImportedRun
{
    RunInfo info; // default (unknown) for CSV, which carries no run information
    QList<Job> jobs; // URLs as exported: credentials appear as ***
    RunSummary summary; // recomputed from jobs, never taken from the file
};

// Every reader validates: on malformed input it returns false, leaves *run unchanged and sets
// *error (if given) to a sentence naming the place and the field, e.g. "row 3: httpStatus is not
// a number" (CSV rows are numbered as a spreadsheet shows them: the header is row 1) or
// "jobs[2]: state “done” is not a known state" (JSON jobs are indexed from 0). Missing or empty
// (null) fields take the unknown value of Job, except `url` and `state`, which every job needs.
class ResultImporter
{
    Q_DECLARE_TR_FUNCTIONS(ResultImporter)
public:
    // Format by suffix (.csv, .json), otherwise sniffed: '{' first means JSON. Errors name the
    // path.
    static bool read(const QString &path, ImportedRun *run, QString *error);
    static bool fromJson(const QByteArray &data, ImportedRun *run, QString *error);
    static bool fromCsv(const QByteArray &data, ImportedRun *run, QString *error);
};

} // namespace Parafetch
