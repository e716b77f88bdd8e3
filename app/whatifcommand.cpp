// SPDX-License-Identifier: GPL-3.0-or-later
// --what-if: reads the run (and a sweep's table), replays it per setting, prints and exports.
#include "whatifcommand.h"

#include "commandline.h"
#include "formats/harformat.h"
#include "formats/jsonformat.h"
#include "formats/jsonwriter.h"
#include "formatting.h"
#include "headlessrunner.h"
#include "redact.h"
#include "run/sweeprunner.h"
#include "run/whatif.h"
#include "units.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QSaveFile>

#include <cstdio>
#include <initializer_list>
#include <utility>

namespace Parafetch {

namespace {

constexpr int WhatIfFormatVersion = 1;
constexpr QLatin1String WhatIfFormatName { "parafetch-what-if" };
constexpr int NoteWidth = 78; // the note under the table, for an 80-column terminal

QString tr(const char *text)
{
    return QCoreApplication::translate("WhatIf", text);
}

void writeOut(const QByteArray &text)
{
    std::fwrite(text.constData(), 1, std::size_t(text.size()), stdout);
    std::fflush(stdout);
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stderr);
}

// Only our JSON export: it says how many workers the run had, which the calibration needs.
bool readJsonExport(const QString &path, ImportedRun *run, QString *error)
{
    const QString shown = QFileInfo(path).filePath();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("cannot read %1: %2").arg(shown, file.errorString());
        return false;
    }
    QJsonObject root;
    QString problem;
    if (!ImportReading::parseObject(file.readAll(), &root, &problem)) {
        *error = tr("%1 is not a Parafetch JSON export: %2").arg(shown, problem);
        return false;
    }
    if (HarFormat::isHar(root)) {
        *error = tr("%1 is HAR, not a Parafetch JSON export").arg(shown);
        return false;
    }
    if (!JsonFormat::fromObject(root, run, &problem)) {
        *error = tr("%1 is not a Parafetch JSON export: %2").arg(shown, problem);
        return false;
    }
    return true;
}

QLatin1String orderName(WhatIfOrder order)
{
    return order == WhatIfOrder::Listed ? QLatin1String("listed") : QLatin1String("longest first");
}

QByteArray percent(double fraction)
{
    return QByteArray::number(fraction * Units::PercentScale, 'f', 0) + '%';
}

struct Report
{
    QString runPath;
    const ImportedRun *run = nullptr;
    const WhatIf *whatIf = nullptr;
    int perHost = 0;
    QList<WhatIfCalibration> calibrations;
    QList<WhatIfPrediction> predictions;
};

QString stragglerUrl(const Report &report, const WhatIfPrediction &prediction)
{
    return redactedUrl(
        report.run->jobs.at(report.whatIf->jobIndex(prediction.straggler)).url.toUrl());
}

// Cells padded to their column: a positive width right-aligns, a negative one left-aligns.
QByteArray row(std::initializer_list<std::pair<QByteArray, int>> cells)
{
    QByteArray line;
    for (const auto &[text, width] : cells) {
        if (!line.isEmpty())
            line += "  ";
        line += width >= 0 ? text.rightJustified(width, ' ') : text.leftJustified(-width, ' ');
    }
    return line + '\n';
}

QString capText(int perHost)
{
    return perHost > 0 ? QString::number(perHost) : tr("none");
}

QByteArray seconds(qint64 ns)
{
    return formatClassicSeconds(ns).toLatin1();
}

// Words to lines of at most `width` characters (a longer word has a line of its own).
QString wrapped(const QString &text, int width)
{
    QString out, line;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (!line.isEmpty() && line.size() + 1 + word.size() > width) {
            out += line + QLatin1Char('\n');
            line.clear();
        }
        line += (line.isEmpty() ? QString() : QStringLiteral(" ")) + word;
    }
    return line.isEmpty() ? out : out + line + QLatin1Char('\n');
}

QByteArray tableText(const Report &report)
{
    constexpr int SourceWidth = -8, WorkersWidth = 7, OrderWidth = -13, TimeWidth = 10,
                  SpeedupWidth = 8, ShareWidth = 4;
    const WhatIf &whatIf = *report.whatIf;
    QByteArray text = tr("what-if %1: %2 URLs replayed, serial %3; left out: %4 restored, %5 "
                         "unfinished; per-host cap: %6 (the run's: %7)\n")
                          .arg(report.runPath)
                          .arg(whatIf.replayedCount())
                          .arg(formatClassicSeconds(whatIf.serialNs()))
                          .arg(whatIf.restoredCount())
                          .arg(whatIf.untimedCount())
                          .arg(capText(report.perHost), capText(report.run->info.perHost))
                          .toUtf8();
    if (!report.calibrations.isEmpty()) {
        text += '\n'
            + row({ { "measured", SourceWidth },
                    { "workers", WorkersWidth },
                    { "wall", TimeWidth },
                    { "replay", TimeWidth },
                    { "error", 0 } });
        for (const WhatIfCalibration &calibration : report.calibrations) {
            text +=
                row({ { calibration.fromSweep ? "sweep" : "run", SourceWidth },
                      { QByteArray::number(calibration.workers), WorkersWidth },
                      { seconds(calibration.measuredWallNs), TimeWidth },
                      { seconds(calibration.replayWallNs), TimeWidth },
                      { formatPercentChange(calibration.measuredWallNs, calibration.replayWallNs)
                            .toLatin1(),
                        0 } });
        }
    }
    text += '\n'
        + row({ { "workers", WorkersWidth },
                { "order", OrderWidth },
                { "replay", TimeWidth },
                { "speedup", SpeedupWidth },
                { "calibrated", TimeWidth },
                { "straggler", 0 } });
    for (const WhatIfPrediction &prediction : report.predictions) {
        text +=
            row({ { QByteArray::number(prediction.setting.workers), WorkersWidth },
                  { QByteArray(orderName(prediction.setting.order).data()), OrderWidth },
                  { seconds(prediction.wallNs), TimeWidth },
                  { formatClassicSpeedup(prediction.speedup()).toLatin1(), SpeedupWidth },
                  { seconds(WhatIf::calibratedWallNs(report.calibrations, prediction)), TimeWidth },
                  { seconds(prediction.stragglerNs), 0 },
                  { percent(prediction.stragglerShare()), ShareWidth },
                  { stragglerUrl(report, prediction).toUtf8(), 0 } });
    }
    text += tr("\nreplay: the measured per-URL times through the engine's order, lanes and\n"
               "per-host cap. calibrated: the replay times measured wall / replay at the\n"
               "nearest measured worker count.\n")
                .toUtf8();
    text += wrapped(WhatIf::trustText(), NoteWidth).toUtf8();
    return text;
}

QByteArray jsonText(const Report &report)
{
    const WhatIf &whatIf = *report.whatIf;
    QByteArray out;
    JsonWriter w(out);
    w.beginObject(JsonWriter::Lines);
    w.key("format").value(WhatIfFormatName);
    w.key("formatVersion").value(WhatIfFormatVersion);
    w.key("run").value(report.runPath);
    w.key("runConcurrency").value(report.run->info.concurrency);
    w.key("replayed").value(whatIf.replayedCount());
    w.key("restored").value(whatIf.restoredCount());
    w.key("unfinished").value(whatIf.untimedCount());
    w.key("serialMs").numberLiteral(formatExactMs(whatIf.serialNs()));
    w.key("perHost").value(report.perHost);
    w.key("runPerHost").value(report.run->info.perHost);
    w.key("calibration").beginArray(JsonWriter::Lines);
    for (const WhatIfCalibration &calibration : report.calibrations) {
        w.beginObject();
        w.key("source").value(calibration.fromSweep ? "sweep" : "run");
        w.key("workers").value(calibration.workers);
        w.key("measuredWallMs").numberLiteral(formatExactMs(calibration.measuredWallNs));
        w.key("replayWallMs").numberLiteral(formatExactMs(calibration.replayWallNs));
        w.key("error").value(calibration.error());
        w.endObject();
    }
    w.endArray();
    w.key("predictions").beginArray(JsonWriter::Lines);
    for (const WhatIfPrediction &prediction : report.predictions) {
        const Job &straggler = report.run->jobs.at(whatIf.jobIndex(prediction.straggler));
        w.beginObject();
        w.key("workers").value(prediction.setting.workers);
        w.key("order").value(prediction.setting.order == WhatIfOrder::Listed ? "listed"
                                                                             : "longest-first");
        w.key("wallMs").numberLiteral(formatExactMs(prediction.wallNs));
        w.key("speedup").value(prediction.speedup());
        w.key("calibratedWallMs")
            .numberLiteral(
                formatExactMs(WhatIf::calibratedWallNs(report.calibrations, prediction)));
        w.key("straggler").beginObject();
        w.key("line").value(straggler.sourceLine);
        w.key("url").value(stragglerUrl(report, prediction));
        w.key("durationMs").numberLiteral(formatExactMs(prediction.stragglerNs));
        w.key("share").value(prediction.stragglerShare());
        w.endObject();
        w.endObject();
    }
    w.endArray();
    w.endObject();
    out += '\n';
    return out;
}

} // namespace

int runWhatIf(const CommandLine &line)
{
    Report report;
    report.runPath = line.runFiles.constFirst();
    ImportedRun run;
    QString error;
    if (!readJsonExport(report.runPath, &run, &error)) {
        writeErr(tr("parafetch: --what-if: %1\n").arg(error));
        return HeadlessRunner::BadInput;
    }
    const WhatIf whatIf(run.jobs);
    if (whatIf.replayedCount() == 0) {
        writeErr(tr("parafetch: --what-if: %1 has no URL with a measured time (%2 restored, %3 "
                    "unfinished): nothing to replay\n")
                     .arg(report.runPath)
                     .arg(whatIf.restoredCount())
                     .arg(whatIf.untimedCount()));
        return HeadlessRunner::BadInput;
    }
    report.run = &run;
    report.whatIf = &whatIf;
    // The measured walls are replayed with the run's own cap (a sweep runs with the options of
    // the run it was asked with); the predictions with the one asked for, else the same.
    report.perHost = line.whatIfPerHost >= 0 ? line.whatIfPerHost : run.info.perHost;

    if (run.info.limitRate > 0) {
        writeErr(tr("parafetch: --what-if: %1 ran under a bandwidth cap of %2 in all, which the "
                    "replay does not model: its URLs took longer the more shared it\n")
                     .arg(report.runPath, formatRate(double(run.info.limitRate))));
    }
    WhatIfMeasurements measured;
    measured.listSize = int(run.jobs.size());
    measured.workers = run.info.concurrency;
    measured.perHost = run.info.perHost;
    measured.wallNs = run.summary.wallNs;
    const QString sweepPath = line.runFiles.value(1);
    if (!sweepPath.isEmpty() && !SweepRunner::readCsv(sweepPath, &measured.sweep, &error)) {
        writeErr(tr("parafetch: --what-if: %1\n").arg(error));
        return HeadlessRunner::BadInput;
    }
    QList<SweepPoint> otherLists;
    report.calibrations = whatIf.calibrate(measured, &otherLists);
    // A sample's walls are not this list's: its URLs and their times differ.
    for (const SweepPoint &point : std::as_const(otherLists)) {
        writeErr(tr("parafetch: --what-if: %1 ran %2 URLs at N = %3, the run %4: not the same "
                    "list, so it does not calibrate this one\n")
                     .arg(sweepPath)
                     .arg(point.urls)
                     .arg(point.concurrency)
                     .arg(run.jobs.size()));
    }

    for (const int workers : line.whatIfWorkers) {
        for (const WhatIfOrder order : { WhatIfOrder::Listed, WhatIfOrder::LongestFirst })
            report.predictions.append(whatIf.predict({ workers, report.perHost, order }));
    }
    writeOut(tableText(report));

    if (!line.exportPath.isEmpty()) {
        QSaveFile file(line.exportPath);
        const QByteArray json = jsonText(report);
        if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
            writeErr(tr("parafetch: cannot write the export %1: %2\n")
                         .arg(line.exportPath, file.errorString()));
            return HeadlessRunner::SomeFailed;
        }
    }
    return HeadlessRunner::AllSucceeded;
}

} // namespace Parafetch
