// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: JsonFormat::fromJson, CsvFormat::fromCsv and HarFormat::fromHar, and the
// round trip through the writers.
//
// Input: the whole input is given to all three importers.
//
// Invariants checked (a violation traps, so libFuzzer keeps the input):
//  - a failed import returns false, sets a non-empty error and leaves the run as it was;
//  - a successful import's summary is RunSummary::compute() of its jobs;
//  - what was imported, written again with JsonFormat::toJson (CsvFormat::toCsv, HarFormat::toHar),
//    imports again with the same format, and every field that the formats carry comes back
//    equal: URLs as the exporter shows them (credentials masked), times to the microsecond, the
//    run information of JSON and HAR (startedAt as the same instant, concurrency, method, tool
//    version), and for HAR the response headers; our own HAR export imports with no problem;
//  - exporting that second import gives the same bytes as the first export (a fixed point).
#include "fuzzcheck.h"

#include "formats/csvformat.h"
#include "formats/harformat.h"
#include "formats/jsonformat.h"
#include "redact.h"
#include "runsummary.h"

#include <QVariant>

#include <cstddef>
#include <cstdint>

using namespace Parafetch;

namespace {

enum class Format { Json, Csv, Har };

const char *formatName(Format format)
{
    switch (format) {
    case Format::Json:
        return "JSON";
    case Format::Csv:
        return "CSV";
    case Format::Har:
        return "HAR";
    }
    return "?";
}

bool import(Format format, const QByteArray &data, ImportedRun *run, QString *error)
{
    switch (format) {
    case Format::Json:
        return JsonFormat::fromJson(data, run, error);
    case Format::Csv:
        return CsvFormat::fromCsv(data, run, error);
    case Format::Har:
        return HarFormat::fromHar(data, run, error);
    }
    return false;
}

QByteArray exported(Format format, const ImportedRun &run)
{
    switch (format) {
    case Format::Json:
        return JsonFormat::toJson(run.jobs, run.summary, run.info);
    case Format::Csv:
        return CsvFormat::toCsv(run.jobs);
    case Format::Har:
        return HarFormat::toHar(run.jobs, run.summary, run.info);
    }
    return QByteArray();
}

// A URL as exports show it; empty for an empty URL (finalUrl when there was no redirect).
QString shownUrl(const QUrl &url)
{
    return url.isEmpty() ? QString() : redactedUrl(url);
}

// A run that no import produces, to see that a failed import leaves the run alone.
ImportedRun sentinelRun()
{
    ImportedRun run;
    Job job;
    job.url = QUrl(QStringLiteral("https://sentinel.invalid/untouched"));
    job.sourceLine = 424242;
    run.jobs.append(job);
    run.info.concurrency = 4242;
    return run;
}

bool isSentinel(const ImportedRun &run)
{
    return run.jobs.size() == 1 && run.jobs.front().sourceLine == 424242
        && run.jobs.front().url == QUrl(QStringLiteral("https://sentinel.invalid/untouched"))
        && run.info.concurrency == 4242;
}

void compareSummary(const RunSummary &a, const RunSummary &b, const QString &where)
{
    FUZZ_CHECK(a.total == b.total && a.queued == b.queued && a.running == b.running
                   && a.succeeded == b.succeeded && a.failed == b.failed
                   && a.cancelled == b.cancelled && a.byErrorKind == b.byErrorKind,
               where + QStringLiteral(": counts differ"));
    FUZZ_CHECK(a.bytes == b.bytes && a.firstStartNs == b.firstStartNs
                   && a.lastFinishNs == b.lastFinishNs && a.wallNs == b.wallNs
                   && a.serialNs == b.serialNs,
               where + QStringLiteral(": byte or time totals differ"));
    FUZZ_CHECK(a.p50Ns == b.p50Ns && a.p90Ns == b.p90Ns && a.p99Ns == b.p99Ns
                   && a.ttfbP50Us == b.ttfbP50Us && a.ttfbP90Us == b.ttfbP90Us,
               where + QStringLiteral(": percentiles differ"));
}

#define SAME_TEXT(expression, field)                                                               \
    FUZZ_CHECK(                                                                                    \
        a.expression == b.expression,                                                              \
        where                                                                                      \
            + QStringLiteral(": " field " differs: %1 then %2")                                    \
                  .arg(ParafetchFuzz::shown(a.expression), ParafetchFuzz::shown(b.expression)))

#define SAME_FIELD(expression, field)                                                              \
    FUZZ_CHECK((a.expression) == (b.expression),                                                   \
               where                                                                               \
                   + QStringLiteral(": " field " differs: %1 then %2")                             \
                         .arg(ParafetchFuzz::shown(QVariant::fromValue(a.expression).toString()),  \
                              ParafetchFuzz::shown(QVariant::fromValue(b.expression).toString())))

void compareJob(const Job &a, const Job &b, const QString &where, bool headers)
{
    FUZZ_CHECK(!headers || a.responseHeaders() == b.responseHeaders(),
               where + QStringLiteral(": response headers differ"));
    FUZZ_CHECK(shownUrl(a.url) == shownUrl(b.url),
               where
                   + QStringLiteral(": url differs: %1 then %2")
                         .arg(ParafetchFuzz::shown(shownUrl(a.url)),
                              ParafetchFuzz::shown(shownUrl(b.url))));
    FUZZ_CHECK(shownUrl(a.finalUrl()) == shownUrl(b.finalUrl()),
               where
                   + QStringLiteral(": finalUrl differs: %1 then %2")
                         .arg(ParafetchFuzz::shown(shownUrl(a.finalUrl())),
                              ParafetchFuzz::shown(shownUrl(b.finalUrl()))));
    SAME_FIELD(sourceLine, "line");
    SAME_TEXT(fileName, "fileName");
    FUZZ_CHECK(a.state == b.state, where + QStringLiteral(": state differs"));
    FUZZ_CHECK(a.errorKind == b.errorKind, where + QStringLiteral(": errorKind differs"));
    SAME_TEXT(errorString, "error");
    SAME_FIELD(httpStatus, "httpStatus");
    SAME_FIELD(attempts, "attempts");
    SAME_FIELD(worker, "worker");
    SAME_FIELD(bytesReceived, "bytes");
    SAME_FIELD(bytesTotal, "bytesTotal");
    SAME_FIELD(queuedAtNs, "queuedAtMs");
    SAME_FIELD(startedAtNs, "startedAtMs");
    SAME_FIELD(finishedAtNs, "finishedAtMs");
    SAME_FIELD(connectUs, "connectMs");
    SAME_FIELD(waitUs, "ttfbMs");
    SAME_FIELD(receiveUs, "receiveMs");
    SAME_FIELD(thread, "thread");
    SAME_FIELD(attemptStartedAtNs, "attemptStartedAtMs");
    SAME_FIELD(tlsUs, "tlsMs");
    SAME_FIELD(sendUs, "sendMs");
    FUZZ_CHECK(a.sha256 == b.sha256, where + QStringLiteral(": sha256 differs"));
    SAME_TEXT(savedPath, "savedPath");
    FUZZ_CHECK(a.protocol == b.protocol,
               where
                   + QStringLiteral(": protocol differs: %1 then %2")
                         .arg(ParafetchFuzz::shown(QString::fromUtf8(a.protocol)),
                              ParafetchFuzz::shown(QString::fromUtf8(b.protocol))));
}

void compareInfo(const RunInfo &a, const RunInfo &b, const QString &where)
{
    FUZZ_CHECK(a.startedAt.isValid() == b.startedAt.isValid(),
               where + QStringLiteral(": startedAt validity differs"));
    FUZZ_CHECK(!a.startedAt.isValid() || a.startedAt == b.startedAt,
               where
                   + QStringLiteral(": startedAt differs: %1 then %2")
                         .arg(a.startedAt.toString(Qt::ISODateWithMs),
                              b.startedAt.toString(Qt::ISODateWithMs)));
    SAME_FIELD(concurrency, "concurrency");
    FUZZ_CHECK(a.method == b.method,
               where
                   + QStringLiteral(": method differs: %1 then %2")
                         .arg(ParafetchFuzz::shown(QString::fromUtf8(a.method)),
                              ParafetchFuzz::shown(QString::fromUtf8(b.method))));
    SAME_TEXT(toolVersion, "tool.version");
}

void roundTrip(Format format, const QByteArray &data)
{
    ImportedRun first = sentinelRun();
    QString error;
    if (!import(format, data, &first, &error)) {
        FUZZ_CHECK(
            !error.isEmpty(),
            QStringLiteral("%1: failed without an error").arg(QLatin1String(formatName(format))));
        FUZZ_CHECK(isSentinel(first),
                   QStringLiteral("%1: a failed import changed the run (%2)")
                       .arg(QLatin1String(formatName(format)), error));
        return;
    }
    const QString name = QLatin1String(formatName(format));
    compareSummary(RunSummary::compute(first.jobs), first.summary,
                   name + QStringLiteral(" import: summary is not compute(jobs)"));

    const QByteArray again = exported(format, first);
    ImportedRun second = sentinelRun();
    FUZZ_CHECK(import(format, again, &second, &error),
               name
                   + QStringLiteral(": our own export does not import: %1\n--- export:\n%2")
                         .arg(error, QString::fromUtf8(again.left(4000))));
    FUZZ_CHECK(
        first.jobs.size() == second.jobs.size(),
        name + QStringLiteral(": %1 jobs, then %2").arg(first.jobs.size()).arg(second.jobs.size()));
    for (qsizetype i = 0; i < first.jobs.size(); ++i)
        compareJob(first.jobs[i], second.jobs[i], name + QStringLiteral(" job %1").arg(i),
                   format == Format::Har);
    FUZZ_CHECK(second.problems.isEmpty(),
               name
                   + QStringLiteral(": our own export imports with problems: %1")
                         .arg(second.problems.join(QLatin1Char('\n'))));
    if (format != Format::Csv)
        compareInfo(first.info, second.info, name + QStringLiteral(" run information"));
    compareSummary(first.summary, second.summary, name + QStringLiteral(" summary"));

    const QByteArray third = exported(format, second);
    FUZZ_CHECK(
        third == again,
        name
            + QStringLiteral(": export of the re-import differs from the first export\n"
                             "--- first:\n%1\n--- second:\n%2")
                  .arg(QString::fromUtf8(again.left(4000)), QString::fromUtf8(third.left(4000))));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    roundTrip(Format::Json, bytes);
    roundTrip(Format::Csv, bytes);
    roundTrip(Format::Har, bytes);
    return 0;
}
