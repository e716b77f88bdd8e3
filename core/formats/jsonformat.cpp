// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON run file, written (through JsonWriter) and read. The fields and their values are
// runfile.cpp's.
//
// JSON (formatVersion 1): one object; one job per line so that large files stay greppable.
// {
//   "format": "parafetch-run",
//   "formatVersion": 1,
//   "tool": {"name": "parafetch", "version": "0.1.0"},
//   "startedAt": "2024-05-01T12:00:00.123+02:00",   ISO 8601, ms and UTC offset; null if unknown
//   "concurrency": 16,
//   "limitRate": 1048576,    the run's bandwidth cap in bytes/s (--limit-rate); only when capped
//   "perHost": 2,            at most this many URLs of one host at once (--per-host); only when set
//   "method": "GET",
//   "summary": {"total", "queued", "running", "succeeded", "failed", "cancelled", "bytes",
//               "wallMs", "serialMs", "speedup", "bytesPerSecond", "requestsPerSecond",
//               "p50Ms", "p90Ms", "p99Ms", "ttfbP50Ms", "ttfbP90Ms",
//               "byErrorKind": {"http-status": 2, ...},  only error kinds with a non-zero count
//               "restoredDone", "restoredBytes",  results restored from an earlier run: in the
//                                                   counts and bytes, in no time or rate
//               "unchanged"},  of the succeeded, those a 304 found unchanged (--if-changed)
//   "verdict": [   "Why wasn't it faster?" (run/verdict.h), computed on writing; not read back
//     {"kind": "straggler", "text": "One URL set most of the wall time: …", "costMs": 970.0,
//      "share": 0.93},   costMs and share only where the finding has them
//     ...
//   ],
//   "histogram": {   of the summary's durations and TTFBs (RunSummary's LatencyHistogram):
//     "durationMs": {"boundsMs": [1.0, 2.0, 5.0], "counts": [3, 7], "p50Ms", "p90Ms", "p95Ms",
//                    "p99Ms"},   counts[i] in [boundsMs[i], boundsMs[i + 1]); they add up to the
//     "ttfbMs": {...}            URLs timed in this run (TTFB: those where it is known)
//   },
//   "jobs": [
//     {"line": 1, "url": "https://***@example.com/a", "fileName": "", "state": "failed", ...},
//     ...
//   ],
//   "timeline": [   throughput per 250 ms of wall time (run/timeline.h); only when recorded
//     {"tMs": 250.000, "bytes": 1048576, "urlsFinished": 12, "activeWorkers": 16},   the
//     ...           interval ends at tMs; the last may be shorter; the bytes add up to the run's
//   ]
// }
// The summary is RunSummary (see runsummary.h for the definitions); readers may recompute it.
// "wallMs" is the time in which at least one URL was in flight (the union of the jobs'
// startedAtMs..finishedAtMs intervals), not finish minus start: pauses and idle time between a
// run and a retry are left out, and "speedup" = serialMs / wallMs.
//
#include "formats/jsonformat.h"

#include "formats/jsonwriter.h"
#include "run/verdict.h"
#include "units.h"

#include <QIODevice>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>

#include <cmath>
#include <limits>

namespace Parafetch {

using namespace ExportWriting;
using namespace ImportReading;

namespace {

constexpr QLatin1String ToolName("parafetch");
constexpr qint64 MaxInt = std::numeric_limits<int>::max();

QString tr(const char *text)
{
    return JsonFormat::tr(text);
}

QString fieldName(ExportField field)
{
    return QString(exportFieldName(field));
}

// {"boundsMs": [...], "counts": [...], "p50Ms", "p90Ms", "p95Ms", "p99Ms"}
void writeHistogram(JsonWriter &w, const LatencyHistogram &histogram)
{
    w.beginObject();
    w.key("boundsMs").beginArray();
    for (qint64 bound : histogram.boundsUs)
        w.numberLiteral(usAsMs(bound));
    w.endArray();
    w.key("counts").beginArray();
    for (int count : histogram.counts)
        w.value(count);
    w.endArray();
    w.key("p50Ms").numberLiteral(usAsMs(histogram.p50Us));
    w.key("p90Ms").numberLiteral(usAsMs(histogram.p90Us));
    w.key("p95Ms").numberLiteral(usAsMs(histogram.p95Us));
    w.key("p99Ms").numberLiteral(usAsMs(histogram.p99Us));
    w.endObject();
}

void writeSummary(JsonWriter &w, const RunSummary &s)
{
    w.beginObject(JsonWriter::Lines);
    w.key("total").value(s.total);
    w.key("queued").value(s.queued);
    w.key("running").value(s.running);
    w.key("succeeded").value(s.succeeded);
    w.key("failed").value(s.failed);
    w.key("cancelled").value(s.cancelled);
    w.key("bytes").value(s.bytes);
    w.key("wallMs").numberLiteral(nsAsMs(s.wallNs));
    w.key("serialMs").numberLiteral(nsAsMs(s.serialNs));
    w.key("speedup").value(s.speedup);
    w.key("bytesPerSecond").value(s.bytesPerSecond);
    w.key("requestsPerSecond").value(s.requestsPerSecond);
    w.key("p50Ms").numberLiteral(nsAsMs(s.p50Ns));
    w.key("p90Ms").numberLiteral(nsAsMs(s.p90Ns));
    w.key("p99Ms").numberLiteral(nsAsMs(s.p99Ns));
    w.key("ttfbP50Ms").numberLiteral(usAsMs(s.ttfbP50Us));
    w.key("ttfbP90Ms").numberLiteral(usAsMs(s.ttfbP90Us));
    w.key("byErrorKind").beginObject();
    // None is left out: successes are already `succeeded`, and its identifier is "".
    for (int kind = int(ErrorKind::None) + 1; kind < ErrorKindCount; ++kind) {
        const int count = s.byErrorKind[std::size_t(kind)];
        if (count == 0)
            continue;
        const QByteArray name = errorKindName(ErrorKind(kind)).toUtf8();
        w.key(QLatin1String(name)).value(count);
    }
    w.endObject();
    w.key("restoredDone").value(s.restoredDone);
    w.key("restoredBytes").value(s.restoredBytes);
    w.key("unchanged").value(s.unchanged);
    w.endObject();
}

QString jobFromJson(const QJsonObject &object, Job *job)
{
    for (int f = 0; f < ExportFieldCount; ++f) {
        const auto field = ExportField(f);
        const QJsonValue value = object.value(exportFieldName(field));
        if (value.isUndefined() || value.isNull()) {
            if (isRequired(field))
                return requiredMissing(field);
            continue;
        }
        QString problem = applyJsonField(job, field, value, fieldName(field));
        if (!problem.isEmpty())
            return problem;
    }
    return QString();
}

QString runInfoFromJson(const QJsonObject &root, RunInfo *info)
{
    const QJsonValue version = root.value(QLatin1String("formatVersion"));
    if (!version.isDouble())
        return tr("formatVersion is missing or not a number");
    const Number number = numberFromJson(version);
    if (!number.whole || number.integer < 1)
        return tr("formatVersion is not a positive whole number");
    if (number.integer > RunFile::FormatVersion) {
        return tr("formatVersion %1 is newer than this version of Parafetch reads (%2)")
            .arg(number.integer)
            .arg(RunFile::FormatVersion);
    }

    const QJsonValue tool = root.value(QLatin1String("tool"));
    if (!tool.isUndefined() && !tool.isNull()) {
        const QJsonValue toolVersion = tool.toObject().value(QLatin1String("version"));
        if (!tool.isObject() || !(toolVersion.isString() || toolVersion.isUndefined()))
            return tr("tool is not an object with a version string");
        info->toolVersion = textFromJson(toolVersion);
    }

    const QJsonValue startedAt = root.value(QLatin1String("startedAt"));
    if (startedAt.isString()) {
        const QString text = textFromJson(startedAt);
        info->startedAt = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!info->startedAt.isValid())
            return tr("startedAt “%1” is not an ISO 8601 date and time").arg(text);
    } else if (!startedAt.isUndefined() && !startedAt.isNull()) {
        return tr("startedAt is not a string");
    }

    const QJsonValue concurrency = root.value(QLatin1String("concurrency"));
    if (!concurrency.isUndefined() && !concurrency.isNull()) {
        const Number count = numberFromJson(concurrency);
        if (!concurrency.isDouble() || !count.whole || count.integer < 0 || count.integer > MaxInt)
            return tr("concurrency is not a whole number of workers");
        info->concurrency = int(count.integer);
    }

    const QJsonValue limitRate = root.value(QLatin1String("limitRate"));
    if (!limitRate.isUndefined() && !limitRate.isNull()) {
        const Number rate = numberFromJson(limitRate);
        if (!limitRate.isDouble() || !rate.whole || rate.integer < 0)
            return tr("limitRate is not a whole number of bytes per second");
        info->limitRate = rate.integer;
    }

    const QJsonValue perHost = root.value(QLatin1String("perHost"));
    if (!perHost.isUndefined() && !perHost.isNull()) {
        const Number cap = numberFromJson(perHost);
        if (!perHost.isDouble() || !cap.whole || cap.integer < 0 || cap.integer > MaxInt)
            return tr("perHost is not a whole number of URLs");
        info->perHost = int(cap.integer);
    }

    const QJsonValue method = root.value(QLatin1String("method"));
    if (method.isString())
        info->method = textFromJson(method).toUtf8();
    else if (!method.isUndefined() && !method.isNull())
        return tr("method is not a string");
    return QString();
}

// The timeline, one point per line.
void writeTimeline(JsonWriter &w, const QList<TimelinePoint> &points)
{
    w.key("timeline").beginArray(JsonWriter::Lines);
    for (const TimelinePoint &point : points) {
        w.beginObject();
        w.key("tMs").numberLiteral(nsAsMs(point.endNs));
        w.key("bytes").value(point.bytes);
        w.key("urlsFinished").value(point.urlsFinished);
        w.key("activeWorkers").value(point.activeWorkers);
        w.endObject();
    }
    w.endArray();
}

// An optional timeline: absent or null is none; anything else must be whole.
QString timelineFromJson(const QJsonObject &root, QList<TimelinePoint> *points)
{
    const QJsonValue timeline = root.value(QLatin1String("timeline"));
    if (timeline.isUndefined() || timeline.isNull())
        return QString();
    if (!timeline.isArray())
        return tr("timeline is not an array");
    const QJsonArray array = timeline.toArray();
    points->reserve(array.size());
    qint64 previousNs = -1;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString place = QStringLiteral("timeline[%1]").arg(i);
        const QJsonObject object = array.at(i).toObject();
        if (!array.at(i).isObject())
            return tr("%1: not an object").arg(place);
        const QJsonValue tMs = object.value(QLatin1String("tMs"));
        const double ms = numberFromJson(tMs).real;
        constexpr double MaxMs =
            double(std::numeric_limits<qint64>::max()) / double(Units::NsPerMs);
        const qint64 endNs = ms >= 0 && ms < MaxMs ? std::llround(ms * double(Units::NsPerMs)) : -1;
        if (!tMs.isDouble() || endNs < 0 || endNs < previousNs)
            return tr("%1: tMs is not a time from the previous point's on").arg(place);
        const auto whole = [&object](const char *name, qint64 max, qint64 *out) {
            const QJsonValue value = object.value(QLatin1String(name));
            const Number number = numberFromJson(value);
            if (!value.isDouble() || !number.whole || number.integer < 0 || number.integer > max)
                return false;
            *out = number.integer;
            return true;
        };
        qint64 bytes = 0, finished = 0, active = 0;
        if (!whole("bytes", std::numeric_limits<qint64>::max(), &bytes))
            return tr("%1: bytes is not a whole number").arg(place);
        if (!whole("urlsFinished", MaxInt, &finished))
            return tr("%1: urlsFinished is not a whole number").arg(place);
        if (!whole("activeWorkers", MaxInt, &active))
            return tr("%1: activeWorkers is not a whole number").arg(place);
        previousNs = endNs;
        const TimelinePoint point { endNs, bytes, int(finished), int(active) };
        points->append(point);
    }
    return QString();
}

} // namespace

bool JsonFormat::write(QIODevice *device, const QList<Job> &jobs, const RunSummary &summary,
                       const RunInfo &info)
{
    ChunkWriter chunks(device);
    JsonWriter w(chunks.buffer());
    w.beginObject(JsonWriter::Lines);
    w.key("format").value(RunFile::FormatName);
    w.key("formatVersion").value(RunFile::FormatVersion);
    w.key("tool").beginObject();
    w.key("name").value(ToolName);
    w.key("version").value(info.toolVersion);
    w.endObject();
    if (info.startedAt.isValid())
        w.key("startedAt").value(isoWithOffset(info.startedAt));
    else
        w.key("startedAt").null();
    w.key("concurrency").value(info.concurrency);
    if (info.limitRate > 0)
        w.key("limitRate").value(info.limitRate);
    if (info.perHost > 0)
        w.key("perHost").value(info.perHost);
    w.key("method").value(QByteArrayView(info.method));
    w.key("summary");
    writeSummary(w, summary);
    // "Why wasn't it faster?": what held the run back, each finding with its figures.
    w.key("verdict").beginArray(JsonWriter::Lines);
    for (const Finding &finding :
         Verdict::analyse(jobs, { info.concurrency, info.perHost, info.limitRate })) {
        w.beginObject();
        w.key("kind").value(QByteArrayView(Finding::kindName(finding.kind)));
        w.key("text").value(finding.text);
        if (finding.costNs >= 0)
            w.key("costMs").numberLiteral(nsAsMs(finding.costNs));
        if (finding.share >= 0)
            w.key("share").value(finding.share);
        w.endObject();
    }
    w.endArray();
    // How the per-URL times and the TTFBs spread, with the percentiles marked.
    w.key("histogram").beginObject(JsonWriter::Lines);
    w.key("durationMs");
    writeHistogram(w, summary.durationHistogram);
    w.key("ttfbMs");
    writeHistogram(w, summary.ttfbHistogram);
    w.endObject();
    w.key("jobs").beginArray(JsonWriter::Lines);
    for (const Job &job : jobs) {
        w.beginObject();
        for (int f = 0; f < ExportFieldCount; ++f) {
            const auto field = ExportField(f);
            const QByteArray value = fieldValue(job, field);
            w.key(exportFieldName(field));
            if (isTextField(field))
                w.value(QByteArrayView(value));
            else
                w.numberLiteral(value);
        }
        w.endObject();
        chunks.flushIfFull();
    }
    w.endArray();
    if (!info.timeline.isEmpty())
        writeTimeline(w, info.timeline);
    w.endObject();
    w.out() += '\n';
    return chunks.flush();
}

QByteArray JsonFormat::toJson(const QList<Job> &jobs, const RunSummary &summary,
                              const RunInfo &info)
{
    return collected([&](QIODevice *device) { write(device, jobs, summary, info); });
}

bool JsonFormat::fromJson(const QByteArray &data, ImportedRun *run, QString *error)
{
    QJsonObject root;
    return parseObject(data, &root, error) && fromObject(root, run, error);
}

bool JsonFormat::fromObject(const QJsonObject &root, ImportedRun *run, QString *error)
{
    const QString format = root.value(QLatin1String("format")).toString();
    if (format != RunFile::FormatName) {
        return fail(error,
                    tr("not a Parafetch run: format is “%1”, expected “%2”")
                        .arg(format, QString(RunFile::FormatName)));
    }

    ImportedRun imported;
    const QString infoProblem = runInfoFromJson(root, &imported.info);
    if (!infoProblem.isEmpty())
        return fail(error, infoProblem);

    const QString timelineProblem = timelineFromJson(root, &imported.info.timeline);
    if (!timelineProblem.isEmpty())
        return fail(error, timelineProblem);

    const QJsonValue jobs = root.value(QLatin1String("jobs"));
    if (!jobs.isArray())
        return fail(error, tr("jobs is missing or not an array"));
    const QJsonArray array = jobs.toArray();
    imported.jobs.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonValue value = array.at(i);
        const QString place = QStringLiteral("jobs[%1]").arg(i);
        if (!value.isObject())
            return fail(error, tr("%1: not an object").arg(place));
        Job job;
        const QString problem = jobFromJson(value.toObject(), &job);
        if (!problem.isEmpty())
            return fail(error, tr("%1: %2").arg(place, problem));
        imported.jobs.append(std::move(job));
    }
    imported.summary = RunSummary::compute(imported.jobs);
    *run = std::move(imported);
    return true;
}

} // namespace Parafetch
