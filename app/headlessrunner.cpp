// SPDX-License-Identifier: GPL-3.0-or-later
// The headless front end: the classic per-URL lines, a live meter on a terminal, a summary.
#include "headlessrunner.h"

#include "heaptrim.h"

#include "engine/fetchengine.h"
#include "formats/runfile.h"
#include "formatting.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "run/completioncommand.h"
#include "run/eta.h"
#include "run/runcompare.h"
#include "run/runjournal.h"
#include "run/shard.h"
#include "run/sweeprunner.h"
#include "run/verdict.h"
#include "runsummary.h"
#include "server/demolist.h"
#include "server/loopbackserver.h"
#include "stdinreader.h"
#include "units.h"
#include "urllistparser.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QThread>

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace Parafetch {

namespace {

constexpr int SignalExitBase = 128;

QString tr(const char *text)
{
    return QCoreApplication::translate("HeadlessRunner", text);
}

void writeOut(const QByteArray &text, bool flush)
{
    std::fwrite(text.constData(), 1, std::size_t(text.size()), stdout);
    if (flush)
        std::fflush(stdout);
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stderr);
}

QByteArray quoted(const QString &text)
{
    QByteArray bytes = text.toUtf8();
    bytes.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\r', "\\r");
    return '"' + bytes + '"';
}

// A histogram as text: one line per bucket, a bar of # scaled to the largest count, and the
// percentiles marked on the bucket that holds each.
QByteArray histogramText(const QString &title, const LatencyHistogram &histogram)
{
    constexpr int BarWidth = 30;
    if (histogram.isEmpty())
        return {};
    const int largest = *std::max_element(histogram.counts.begin(), histogram.counts.end());
    QStringList ranges;
    int rangeWidth = 0;
    for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
        ranges << formatLatencyBound(histogram.boundsUs[i]) + QStringLiteral(" – ")
                + formatLatencyBound(histogram.boundsUs[i + 1]);
        rangeWidth = std::max(rangeWidth, int(ranges.last().size()));
    }
    const int countWidth = int(QString::number(largest).size());
    QString text = title + u'\n';
    for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
        const int count = histogram.counts[i];
        const int bar = largest > 0 ? (count * BarWidth + largest - 1) / largest : 0;
        QStringList marks;
        for (const auto &[name, value] :
             { std::pair { "p50", histogram.p50Us }, std::pair { "p90", histogram.p90Us },
               std::pair { "p95", histogram.p95Us }, std::pair { "p99", histogram.p99Us } }) {
            if (value >= histogram.boundsUs[i] && value < histogram.boundsUs[i + 1])
                marks << QLatin1String(name);
        }
        QString line = QStringLiteral("  %1 %2 %3")
                           .arg(ranges.at(int(i)), -rangeWidth)
                           .arg(count, countWidth)
                           .arg(QString(bar, u'#'), marks.isEmpty() ? 0 : -BarWidth);
        if (!marks.isEmpty())
            line += u' ' + marks.join(u' ');
        text += line.trimmed().prepend(QStringLiteral("  ")) + u'\n';
    }
    return text.toUtf8();
}

QByteArray summaryText(const RunSummary &summary)
{
    QByteArray text;
    text += classicSummaryLines(summary).toLatin1() + '\n';
    text += "speedup=" + formatClassicSpeedup(summary.speedup).toLatin1() + '\n';
    const auto percentile = [](qint64 ns) { return formatClassicSecondsOrUnknown(ns).toLatin1(); };
    text += "urls=" + QByteArray::number(summary.total) + " succeeded="
        + QByteArray::number(summary.succeeded)
        // Of the succeeded, found unchanged by --if-changed; only said when there are some.
        + (summary.unchanged > 0 ? " unchanged=" + QByteArray::number(summary.unchanged)
                                 : QByteArray())
        + " failed=" + QByteArray::number(summary.failed)
        + " cancelled=" + QByteArray::number(summary.cancelled)
        + " bytes=" + QByteArray::number(summary.bytes) + " p50=" + percentile(summary.p50Ns)
        + " p90=" + percentile(summary.p90Ns) + " p99=" + percentile(summary.p99Ns) + '\n';
    return text;
}

// Prints one "rule …: value, ok|FAILED" line per rule; false if any rule failed.
bool checkRules(const QList<FailRule> &rules, const RunFigures &figures,
                const RunComparison *comparison)
{
    bool allHeld = true;
    for (const FailRule &rule : rules) {
        const FailRule::Outcome outcome = rule.evaluate(figures, comparison);
        const QString value =
            outcome.known ? QString::number(outcome.value, 'g', 6) + rule.unit() : tr("unknown");
        writeOut(tr("rule %1: %2, %3\n")
                     .arg(rule.text(), value, outcome.failed ? tr("FAILED") : tr("ok"))
                     .toUtf8(),
                 true);
        allHeld = allHeld && !outcome.failed;
    }
    return allHeld;
}

// A limit in milliseconds from the environment (tests set them), or fallback.
int limitFromEnvironment(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value >= 0 ? value : fallback;
}

// Why nothing can be created in the folder at path, or an empty string when it can. Asks
// access(2): it leaves nothing behind, and knows about permissions, ACLs and read-only mounts.
QString folderProblem(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return tr("the folder %1 does not exist").arg(path);
    if (!info.isDir())
        return tr("%1 is not a folder").arg(path);
    if (::access(QFile::encodeName(path).constData(), W_OK | X_OK) != 0)
        return tr("%1: %2").arg(path, qt_error_string(errno));
    return {};
}

// Why an export cannot be saved at path (QSaveFile writes a temporary file beside it and
// renames it over the old one), or an empty string.
QString exportPathProblem(const QString &path)
{
    const QFileInfo info(path);
    if (info.isDir())
        return tr("it is a folder");
    if (info.exists() && ::access(QFile::encodeName(path).constData(), W_OK) != 0)
        return qt_error_string(errno);
    return folderProblem(info.absolutePath());
}

// Why bodies cannot be saved into path, or an empty string. A missing folder is fine (it is
// made at the first body) when the nearest folder that exists above it takes new folders.
QString outputFolderProblem(const QString &path)
{
    QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return tr("%1 is not a folder").arg(path);
    QString existing = info.absoluteFilePath();
    while (!QFileInfo::exists(existing)) {
        const QString parent = QFileInfo(existing).absolutePath();
        if (parent == existing)
            break;
        existing = parent;
    }
    return folderProblem(existing);
}

bool checkExportPath(const QString &path)
{
    if (path.isEmpty())
        return true;
    const QString problem = exportPathProblem(path);
    if (problem.isEmpty())
        return true;
    writeErr(tr("parafetch: cannot write the export %1: %2\n").arg(path, problem));
    return false;
}

// The rows a forced quit leaves unfinished, written down as cancelled at nowNs.
QList<Job> withUnfinishedCancelled(QList<Job> jobs, qint64 nowNs)
{
    for (Job &job : jobs) {
        if (job.isFinished())
            continue;
        job.setErrorString(job.state == JobState::Running
                               ? tr("cancelled: the program quit before it finished")
                               : tr("cancelled before it started"));
        job.state = JobState::Cancelled;
        job.errorKind = ErrorKind::Cancelled;
        job.finishedAtNs = nowNs;
    }
    return jobs;
}

} // namespace

QString HeadlessRunner::exitCodesHelp()
{
    return tr("\nExit codes:\n"
              "  0      every URL succeeded\n"
              "  1      at least one URL failed (or the export could not be written at the end)\n"
              "  2      bad usage or unusable input: no URLs, an unreadable list, standard input\n"
              "         silent for %1 s, an export or --output-dir that cannot be written\n"
              "         (found before anything is fetched), a --journal of another list or\n"
              "         in use by another process, no display for the window\n"
              "  3      a --fail-if rule held\n"
              "  4      quit at once: SIGINT or SIGTERM again, %2 s or more after the first;\n"
              "         the summary and the export show the unfinished URLs as cancelled\n"
              "  128+N  stopped by signal N (130 Ctrl+C, 143 SIGTERM): the run is cancelled\n"
              "         cleanly, the summary and the export are written; a repeat within\n"
              "         %2 s is the same request\n")
        .arg(formatPlainSeconds(StdinSilenceLimitMs), formatPlainSeconds(ForceQuitGraceMs));
}

HeadlessRunner::HeadlessRunner(CommandLine line, QObject *parent)
    : QObject(parent)
    , m_line(std::move(line))
    , m_model(std::make_unique<JobQueueModel>())
    , m_engine(std::make_unique<FetchEngine>(m_model.get()))
{
    m_stdinSilenceLimitMs = limitFromEnvironment("PARAFETCH_STDIN_SILENCE_MS", StdinSilenceLimitMs);
    m_forceQuitGraceMs = limitFromEnvironment("PARAFETCH_FORCE_QUIT_GRACE_MS", ForceQuitGraceMs);
    m_progressOnTerminal = !m_line.quiet && ::isatty(STDERR_FILENO) == 1;
    m_stdoutIsTerminal = ::isatty(STDOUT_FILENO) == 1;
    // The figures of time are wanted at the end (and by a progress line on a terminal, which
    // walks the rows for its estimate anyway): computed then, not kept at ~60 bytes a URL.
    m_model->setLiveFigures(false);
    FetchOptions options = m_line.fetch;
    // Nothing here shows a job's attempts or headers; of the exports only HAR carries headers.
    options.keepDetails = RunFile::formatForPath(m_line.exportPath) == ExportFormat::Har;
    options.keepValidators = !m_line.exportPath.isEmpty(); // for the next --if-changed
    m_engine->setOptions(options);
    connect(m_engine.get(), &FetchEngine::jobFinished, this, &HeadlessRunner::printResult);
    QStringList command;
    QString error;
    if (!m_line.fetch.onComplete.isEmpty()
        && CompletionCommand::parse(m_line.fetch.onComplete, &command, &error)) {
        m_onComplete = std::make_unique<CompletionCommand>(std::move(command));
        connect(m_engine.get(), &FetchEngine::jobFinished, m_onComplete.get(),
                &CompletionCommand::jobFinished);
        connect(m_onComplete.get(), &CompletionCommand::commandFailed, this,
                [this](const QString &message) {
                    clearProgress();
                    writeErr(tr("parafetch: %1\n").arg(message));
                });
    }
    connect(m_engine.get(), &FetchEngine::progressUpdated, this, &HeadlessRunner::printProgress);
    connect(m_engine.get(), &FetchEngine::progressUpdated, this, &HeadlessRunner::sampleTimeline);
    connect(m_engine.get(), &FetchEngine::runFinished, this, &HeadlessRunner::finish);
    connect(m_engine.get(), &FetchEngine::hostBackingOff, this,
            [this](const QString &host, qint64 delayMs) {
                if (m_line.quiet)
                    return;
                clearProgress();
                writeErr(tr("parafetch: %1 asked to slow down (HTTP 429 or 503): no new request to "
                            "it for %2 s\n")
                             .arg(host)
                             .arg(double(delayMs) / Units::MsPerSecond, 0, 'g', 3));
            });
}

HeadlessRunner::~HeadlessRunner()
{
    m_journal.reset(); // hands over what is pending, and lets the lock go
    // The engine waits for its threads before the demo server (which its tasks may talk to) goes.
    m_engine.reset();
    m_demoServer.reset();
}

bool HeadlessRunner::start()
{
    // Before the first request: a run of an hour must not end in "cannot write the export".
    if (!checkOutputs())
        return false;
    if (!m_line.journalPath.isEmpty()) {
        // Claimed before the list is read: a second process on this journal stops here.
        m_journal = std::make_unique<RunJournal>(m_line.journalPath);
        QString error;
        if (!m_journal->claim(&error)) {
            writeErr(tr("parafetch: --journal: %1 Give this run another --journal FILE, or wait "
                        "for that one to end.\n")
                         .arg(error));
            return false;
        }
    }
    beginBulkLoad(); // until the list is in the queue (startRun)
    // The engine's first-use work runs on its own thread while the list is read here.
    m_engine->prepare();
    m_parser = std::make_unique<UrlListParser>();
    m_parser->setPatternOptions(m_line.patterns);
    if (!readArgumentsAndFile())
        return false;
    if (m_line.inputPath != QLatin1String("-"))
        return startRun();
    m_stdinReader = std::make_unique<StdinReader>(m_stdinSilenceLimitMs);
    connect(m_stdinReader.get(), &StdinReader::finished, this, &HeadlessRunner::stdinFinished);
    m_stdinReader->start(m_parser.get());
    return true;
}

bool HeadlessRunner::checkOutputs() const
{
    if (!checkExportPath(m_line.exportPath))
        return false;
    if (!m_line.timelinePath.isEmpty()) {
        const QString problem = exportPathProblem(m_line.timelinePath);
        if (!problem.isEmpty()) {
            writeErr(tr("parafetch: --timeline: cannot write %1: %2\n")
                         .arg(m_line.timelinePath, problem));
            return false;
        }
    }
    if (!m_line.journalPath.isEmpty()) {
        const QString problem = exportPathProblem(m_line.journalPath);
        if (!problem.isEmpty()) {
            writeErr(
                tr("parafetch: --journal: cannot write %1: %2\n").arg(m_line.journalPath, problem));
            return false;
        }
    }
    const QString &folder = m_line.fetch.outputDirectory;
    if (folder.isEmpty() || !m_line.sweepLevels.isEmpty()) // a sweep saves no bodies
        return true;
    const QString problem = outputFolderProblem(folder);
    if (problem.isEmpty())
        return true;
    writeErr(tr("parafetch: cannot save bodies into %1: %2\n").arg(folder, problem));
    return false;
}

void HeadlessRunner::stdinFinished()
{
    if (m_ended)
        return;
    const StdinReader::Outcome outcome = m_stdinReader->outcome();
    if (m_interruptedExitCode != 0 || outcome == StdinReader::Outcome::Stopped) {
        finishInterruptedInput();
        return;
    }
    if (outcome == StdinReader::Outcome::Failed) {
        writeErr(
            tr("parafetch: cannot read standard input: %1\n").arg(m_stdinReader->errorString()));
        end(BadInput);
        return;
    }
    if (outcome == StdinReader::Outcome::Silent) {
        // Not taken for the end of the list: a half-written list would run as if it were whole.
        writeErr(tr("parafetch: standard input sent nothing for %1 s and was not closed; giving "
                    "up without fetching (a list must end with the end of the input)\n")
                     .arg(formatPlainSeconds(m_stdinSilenceLimitMs)));
        end(BadInput);
        return;
    }
    if (!startRun())
        end(BadInput);
}

// A signal came while standard input was read: the URLs read so far are a run that was
// cancelled before it started, with its summary and export like any other. (A sweep's export
// is its table of levels, and no level ran.)
void HeadlessRunner::finishInterruptedInput()
{
    if (!m_line.sweepLevels.isEmpty()) {
        end(m_interruptedExitCode);
        return;
    }
    m_model->addEntries(m_parser->takeEntries());
    m_parser.reset();
    m_model->cancelQueued(m_engine->nowNs());
    finish();
}

void HeadlessRunner::startSweep(const QList<UrlEntry> &entries)
{
    const QList<UrlEntry> sample = SweepRunner::sample(entries, m_line.sampleSize);
    m_sweep = std::make_unique<SweepRunner>();
    connect(m_sweep.get(), &SweepRunner::pointFinished, this, &HeadlessRunner::printSweepPoint);
    connect(m_sweep.get(), &SweepRunner::finished, this, &HeadlessRunner::finishSweep);
    QStringList levels;
    for (int level : m_line.sweepLevels)
        levels.append(QString::number(level));
    QByteArray heading = tr("sweep of %1 URLs at N = %2\n")
                             .arg(sample.size())
                             .arg(levels.join(QLatin1Char(',')))
                             .toUtf8();
    heading += QByteArrayLiteral("     N        wall      serial  speedup  efficiency  succeeded  "
                                 "failed       p50       p95\n");
    writeOut(heading, true);
    m_sweep->start(sample, m_line.fetch, m_line.sweepLevels);
}

void HeadlessRunner::printSweepPoint(const SweepPoint &point)
{
    const auto cell = [](const QByteArray &text, int width) {
        return text.rightJustified(width, ' ');
    };
    const auto seconds = [](qint64 ns) { return formatClassicSecondsOrUnknown(ns).toLatin1(); };
    const QByteArray row = cell(QByteArray::number(point.concurrency), 6)
        + cell(seconds(point.wallNs), 12) + cell(seconds(point.serialNs), 12)
        + cell(formatClassicSpeedup(point.speedup).toLatin1(), 9)
        + cell(formatWholePercent(point.efficiency()).toLatin1(), 12)
        + cell(QByteArray::number(point.succeeded), 11) + cell(QByteArray::number(point.failed), 8)
        + cell(seconds(point.p50Ns), 10) + cell(seconds(point.p95Ns), 10) + '\n';
    writeOut(row, true);
}

void HeadlessRunner::finishSweep()
{
    if (m_ended)
        return;
    const QList<SweepPoint> &points = m_sweep->points();
    const int knee = SweepRunner::knee(points);
    const int threshold = int(SweepRunner::DefaultKneeThreshold * Units::PercentScale);
    QString text;
    if (knee >= 0)
        text = tr("knee: N=%1 (past it, doubling N saves less than %2% of the wall time)\n")
                   .arg(points.at(knee).concurrency)
                   .arg(threshold);
    else if (points.size() >= 2)
        text = tr("knee: none yet (the last doubling still saved %1% or more of the wall time: "
                  "try larger N)\n")
                   .arg(threshold);
    else
        text = tr("knee: needs at least two levels\n");
    writeOut(text.toUtf8(), true);

    int exitCode = AllSucceeded;
    for (const SweepPoint &point : points) {
        if (point.succeeded != point.urls)
            exitCode = SomeFailed;
    }
    if (!writeSweepExport())
        exitCode = SomeFailed;
    end(m_interruptedExitCode != 0 ? m_interruptedExitCode : exitCode);
}

bool HeadlessRunner::writeSweepExport()
{
    if (m_line.exportPath.isEmpty())
        return true;
    QString error;
    if (SweepRunner::writeCsv(m_line.exportPath, m_sweep->points(), &error))
        return true;
    writeErr(tr("parafetch: %1\n").arg(error));
    return false;
}

void HeadlessRunner::interrupt(int signalNumber)
{
    if (m_ended)
        return;
    if (m_interruptedExitCode != 0) {
        if (m_sinceFirstSignal.elapsed() >= m_forceQuitGraceMs) {
            forceQuit();
        } else if (!m_repeatNoted) {
            m_repeatNoted = true;
            writeErr(tr("parafetch: already stopping; a signal %1 s or more after the first "
                        "quits at once\n")
                         .arg(formatPlainSeconds(m_forceQuitGraceMs)));
        }
        return;
    }
    m_interruptedExitCode = SignalExitBase + signalNumber;
    m_sinceFirstSignal.start();
    clearProgress();
    writeErr(tr("parafetch: interrupted, cancelling the remaining URLs\n"));
    if (m_stdinReader)
        m_stdinReader->stop();
    if (m_sweep)
        m_sweep->cancel();
    m_engine->cancelAll();
}

void HeadlessRunner::forceQuit()
{
    clearProgress();
    writeErr(tr("parafetch: quitting at once; the URLs not finished are reported as cancelled\n"));
    if (m_stdinReader)
        m_stdinReader->stop();
    if (!m_line.sweepLevels.isEmpty()) {
        if (m_sweep)
            writeSweepExport(); // the levels that finished
    } else {
        syncJournal(); // the unfinished URLs stay unfinished there, to be fetched next time
        const QList<Job> jobs = withUnfinishedCancelled(m_model->jobs(), m_engine->nowNs());
        writeResults(jobs, RunSummary::compute(jobs));
    }
    end(ForceQuit);
}

void HeadlessRunner::end(int exitCode)
{
    if (m_ended)
        return;
    m_ended = true;
    emit finished(exitCode);
}

bool HeadlessRunner::readArgumentsAndFile()
{
    UrlListParser &parser = *m_parser;
    if (m_line.demo) {
        m_demoServer = std::make_unique<LoopbackServer>();
        if (!m_demoServer->listen(0, QThread::idealThreadCount())) {
            writeErr(tr("parafetch: cannot start the demo server: %1\n")
                         .arg(m_demoServer->errorString()));
            return false;
        }
        parser.addText(demoUrls(m_demoServer->baseUrl()).join(QLatin1Char('\n')));
        parser.finish();
    }
    for (const QString &url : std::as_const(m_line.urls)) {
        parser.addText(url);
        parser.addText(u"\n");
    }
    // Standard input ("-") is read by start(), without blocking.
    if (!m_line.inputPath.isEmpty() && m_line.inputPath != QLatin1String("-")) {
        QFile file(m_line.inputPath);
        if (!file.open(QIODevice::ReadOnly) || !parser.addDevice(&file)) {
            writeErr(
                tr("parafetch: cannot read %1: %2\n").arg(m_line.inputPath, file.errorString()));
            return false;
        }
    }
    return true;
}

bool HeadlessRunner::startRun()
{
    UrlListParser &parser = *m_parser;
    parser.finish();

    const QString source = m_line.inputPath.isEmpty() || m_line.inputPath == QLatin1String("-")
        ? tr("input")
        : m_line.inputPath;
    for (const ParseProblem &problem : parser.takeProblems())
        writeErr(tr("parafetch: %1 line %2: %3: %4\n")
                     .arg(source)
                     .arg(problem.line)
                     .arg(problem.reason, problem.text));

    QList<UrlEntry> entries = parser.takeEntries();
    m_parser.reset();
    if (entries.isEmpty()) {
        writeErr(tr("parafetch: no URLs to fetch\n"));
        return false;
    }
    if (!m_line.shard.isWhole()) {
        const qsizetype listed = entries.size();
        entries.removeIf(
            [this](const UrlEntry &entry) { return !m_line.shard.contains(entry.url); });
        // Not an error: with few URLs and many shards some shards are empty, and a job array
        // must not fail for that. The (empty) export is still written for --merge.
        if (entries.isEmpty())
            writeErr(tr("parafetch: shard %1/%2 has none of the %3 URLs\n")
                         .arg(m_line.shard.index)
                         .arg(m_line.shard.count)
                         .arg(listed));
    }
    if (!m_line.sweepLevels.isEmpty()) {
        endBulkLoad();
        startSweep(entries);
        return true;
    }
    if (m_journal) {
        if (!addJournaledEntries(entries))
            return false;
    } else {
        m_model->addEntries(entries);
    }
    // Nothing queued: an empty shard, or a journal whose URLs all finished before.
    const bool none = m_model->nextQueuedRow(0) < 0;
    entries = {};
    // The list's text, the duplicate table and the entries are gone now; their pages go back
    // to the system before the run fills the holes they leave with nothing.
    endBulkLoad();
    if (!m_line.timelinePath.isEmpty()
        || RunFile::formatForPath(m_line.exportPath) == ExportFormat::Json) {
        // What a journal brought back is no throughput of this run.
        m_timelineOriginNs = m_engine->nowNs();
        m_timeline.startFrom(RunTimeline::fromSummary(m_model->counts(), 0));
    }
    if (none) // nothing to run, but a summary and an export
        QMetaObject::invokeMethod(this, &HeadlessRunner::finish, Qt::QueuedConnection);
    else
        m_engine->start();
    return true;
}

bool HeadlessRunner::addJournaledEntries(const QList<UrlEntry> &entries)
{
    const QString path = m_journal->path();
    const QByteArray digest = RunJournal::listDigest(entries);
    QList<JournaledJob> journaled;
    bool cleanExit = true;
    QString error;
    JournalReplayReport report;
    // Read first without touching the disk: the files of another list's run are not ours.
    if (!RunJournal::replay(path, &journaled, &cleanExit, &error, &report)) {
        writeErr(tr("parafetch: --journal: %1\n").arg(error));
        return false;
    }
    const bool fresh = report.records == 0;
    if (fresh && QFileInfo(path).size() > 0) {
        // Not overwritten: a mistyped --journal may name the list itself, or anything else.
        writeErr(tr("parafetch: --journal: %1 is not a Parafetch run journal; give another "
                    "--journal FILE (a new file is made)\n")
                     .arg(path));
        return false;
    }
    if (!fresh && (report.listDigest != digest || journaled.size() != entries.size())) {
        writeErr(tr("parafetch: --journal: the journal %1 belongs to another list, not to this "
                    "one (%2 URLs); give this list another --journal FILE, or delete %1 to "
                    "start afresh\n")
                     .arg(path)
                     .arg(entries.size()));
        return false;
    }
    if (!fresh
        && !RunJournal::replay(path, &journaled, &cleanExit, &error, &report,
                               /*reconcile=*/true)) {
        writeErr(tr("parafetch: --journal: %1\n").arg(error));
        return false;
    }
    m_journal->setListDigest(digest);
    m_journal->attach(m_model.get(), m_engine.get());
    if (fresh) {
        m_model->addEntries(entries);
        return true;
    }
    // The journal keeps URLs masked (redact.h): the list gives them back as written. A result
    // is kept whether it succeeded or failed, as the run decided it; a cancelled URL (Ctrl+C,
    // a forced quit) was not decided, and is fetched again like an unfinished one.
    const QList<Job> restorable = RunJournal::restorableJobs(journaled);
    QList<Job> jobs;
    jobs.reserve(entries.size());
    int kept = 0, parts = 0;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const UrlEntry &entry = entries.at(i);
        const JournaledJob &before = journaled.at(i);
        Job job;
        if (before.isFinished() && before.state != JobState::Cancelled) {
            job = restorable.at(i);
            ++kept;
        } else if (before.partial) {
            job.setResumeFrom(before.partial);
            ++parts;
        }
        job.url = entry.url;
        job.setFileName(entry.fileName);
        job.setExpectedSha256(entry.expectedSha256());
        job.sourceLine = entry.line;
        jobs.append(std::move(job));
    }
    m_model->addRestored(jobs);
    if (!m_line.quiet)
        writeErr(tr("parafetch: continuing the run journaled in %1: %2 of %3 URLs finished "
                    "before, %4 to fetch (%5 continued from a .part file)\n")
                     .arg(path)
                     .arg(kept)
                     .arg(entries.size())
                     .arg(entries.size() - kept)
                     .arg(parts));
    return true;
}

void HeadlessRunner::syncJournal()
{
    if (m_journal && !m_journal->sync())
        writeErr(tr("parafetch: --journal: the journal %1 could not be written: %2\n")
                     .arg(m_journal->path(), m_journal->errorString()));
}

void HeadlessRunner::printResult(const Job &job)
{
    ++m_finished;
    if (m_line.quiet)
        return;
    clearProgress();
    QByteArray line = "getData for=" + quoted(redactedUrl(job.url))
        + " takes time=" + formatClassicSeconds(job.durationNs()).toLatin1() + " status="
        + QByteArray::number(job.httpStatus) + " size=" + QByteArray::number(job.bytesReceived);
    if (job.attempts > 1)
        line += " attempts=" + QByteArray::number(job.attempts);
    if (!job.savedPath().isEmpty())
        line += " saved=" + quoted(job.savedPath());
    if (job.state == JobState::Unchanged)
        line += " unchanged";
    else if (job.state != JobState::Succeeded)
        line += " error=" + quoted(job.errorString());
    line += '\n';
    writeOut(line, m_stdoutIsTerminal);
}

void HeadlessRunner::printProgress()
{
    if (!m_stdoutIsTerminal)
        std::fflush(stdout); // a reader of the pipe sees whole lines at least 10 times a second
    if (!m_progressOnTerminal)
        return;
    const RunSummary summary = m_model->summary();
    const double elapsed = summary.firstStartNs >= 0
        ? double(m_engine->nowNs() - summary.firstStartNs) / Units::NsPerSecond
        : 0.0;
    QString meter = tr("%1/%2 done, %3 active, %4, %5")
                        .arg(summary.finished())
                        .arg(summary.total)
                        .arg(m_engine->activeCount())
                        .arg(formatBytes(summary.bytes),
                             formatRate(elapsed > 0 ? double(summary.bytes) / elapsed : 0.0));
    const EtaEstimate eta = EtaEstimator::estimate(etaSnapshot(
        m_model->jobs(), m_engine->nowNs(), m_engine->concurrency(), m_engine->isPaused()));
    if (eta.status == EtaEstimate::Status::Known)
        meter += tr(", %1 left").arg(formatRemaining(eta.remainingNs));
    writeErr(QStringLiteral("\r\x1b[K") + meter);
    std::fflush(stderr);
    m_progressShown = true;
}

void HeadlessRunner::sampleTimeline()
{
    if (m_timelineOriginNs < 0)
        return;
    RunTimeline::Sample sample =
        RunTimeline::fromSummary(m_model->counts(), m_engine->nowNs() - m_timelineOriginNs);
    sample.running = m_engine->activeCount(); // what the progress meter calls active
    m_timeline.sample(sample);
}

void HeadlessRunner::clearProgress()
{
    if (!m_progressShown)
        return;
    writeErr(QStringLiteral("\r\x1b[K"));
    m_progressShown = false;
}

void HeadlessRunner::finish()
{
    if (m_ended) // a forced quit has written what it knew
        return;
    // The run is over when the last --on-complete command is: a script that waits for
    // parafetch finds every command done.
    if (m_onComplete && !m_onComplete->isIdle()) {
        connect(m_onComplete.get(), &CompletionCommand::idle, this, &HeadlessRunner::finish,
                Qt::SingleShotConnection);
        return;
    }
    syncJournal();
    const int exitCode = writeResults(m_model->jobs(), m_model->summary());
    end(m_interruptedExitCode != 0 ? m_interruptedExitCode : exitCode);
}

int HeadlessRunner::writeResults(const QList<Job> &jobs, const RunSummary &summary)
{
    clearProgress();
    writeOut(summaryText(summary), true);
    if (m_line.fetch.limitRate > 0 || m_line.fetch.limitRatePerUrl > 0)
        writeOut(tr("%1: rates and the speedup above were measured under it\n")
                     .arg(formatBandwidthCap(m_line.fetch.limitRate, m_line.fetch.limitRatePerUrl))
                     .toUtf8(),
                 true);
    if (const QString paced = m_line.fetch.pacingText(); !paced.isEmpty())
        writeOut(tr("paced: %1\n").arg(paced).toUtf8(), true);
    if (m_onComplete) {
        writeOut(tr("on-complete: %n command(s) run", nullptr, m_onComplete->started())
                     .append(m_onComplete->failures() > 0
                                 ? tr(", %n failed (see above)", nullptr, m_onComplete->failures())
                                 : QString())
                     .append(u'\n')
                     .toUtf8(),
                 true);
    }
    if (m_line.fetch.perHost > 0) {
        writeOut(tr("polite: at most %1 per host, hosts backed off %2 times\n")
                     .arg(m_line.fetch.perHost)
                     .arg(m_engine->hostBackoffCount())
                     .toUtf8(),
                 true);
    }

    if (!m_line.quiet) {
        // "Why wasn't it faster?": what held this run back, from its own records.
        const QList<Finding> findings = Verdict::analyse(
            jobs, { m_line.fetch.concurrency, m_line.fetch.perHost, m_line.fetch.limitRate });
        QString text;
        for (const Finding &finding : findings)
            text += tr("why not faster: %1\n").arg(finding.text);
        writeOut(text.toUtf8(), true);
        writeOut(histogramText(tr("per-URL time:"), summary.durationHistogram)
                     + histogramText(tr("time to first byte:"), summary.ttfbHistogram),
                 true);
    }

    int exitCode = summary.succeeded == summary.total ? AllSucceeded : SomeFailed;
    if (m_timelineOriginNs >= 0) {
        m_timeline.finish(
            RunTimeline::fromSummary(summary, m_engine->nowNs() - m_timelineOriginNs));
        QString error;
        if (!m_line.timelinePath.isEmpty()
            && !RunTimeline::writeCsv(m_line.timelinePath, m_timeline.points(), &error)) {
            writeErr(tr("parafetch: --timeline: %1\n").arg(error));
            exitCode = SomeFailed;
        }
    }
    if (!m_line.exportPath.isEmpty()) {
        RunInfo info;
        info.startedAt = m_engine->epoch().addMSecs(summary.firstStartNs / Units::NsPerMs);
        info.concurrency = m_line.fetch.concurrency;
        info.limitRate = m_line.fetch.limitRate;
        info.perHost = m_line.fetch.perHost;
        info.method = m_line.fetch.method == FetchOptions::Method::Head ? QByteArrayLiteral("HEAD")
                                                                        : QByteArrayLiteral("GET");
        info.toolVersion = QCoreApplication::applicationVersion();
        info.requestHeaders = m_line.fetch.headers; // masked by the HAR export
        info.timeline = m_timeline.points();
        QString error;
        if (!RunFile::write(m_line.exportPath, *RunFile::formatForPath(m_line.exportPath), jobs,
                            summary, info, &error)) {
            writeErr(tr("parafetch: %1\n").arg(error));
            exitCode = SomeFailed;
        }
    }
    // The figures take a pass over every job and a copy of every duration: only for rules.
    if (!m_line.failRules.isEmpty() && !checkRules(m_line.failRules, RunFigures::of(jobs), nullptr))
        exitCode = RuleFailed;
    return exitCode;
}

int runDemoServer(const CommandLine &line)
{
    LoopbackServer server;
    if (!server.listen(line.port, QThread::idealThreadCount())) {
        writeErr(tr("parafetch: cannot listen on 127.0.0.1:%1: %2\n")
                     .arg(line.port)
                     .arg(server.errorString()));
        return HeadlessRunner::BadInput;
    }
    writeOut(
        tr("Parafetch demo server listening on %1/\n").arg(server.baseUrl().toString()).toUtf8(),
        true);
    return QCoreApplication::exec();
}

namespace {

// Reads every export, or says which one could not be read.
bool readRuns(const QStringList &paths, QList<ImportedRun> *runs)
{
    for (const QString &path : paths) {
        ImportedRun run;
        QString error;
        if (!RunFile::read(path, &run, &error)) {
            writeErr(tr("parafetch: %1\n").arg(error));
            return false;
        }
        runs->append(std::move(run));
    }
    return true;
}

// "200 0.051s", "timed-out 1.000s", "-" for a URL the run does not have.
QByteArray outcomeCell(bool present, JobState state, int status, ErrorKind kind, qint64 durationNs)
{
    if (!present)
        return QByteArrayLiteral("-");
    QByteArray text = status > 0  ? QByteArray::number(status)
        : kind != ErrorKind::None ? errorKindName(kind).toUtf8()
                                  : stateName(state).toUtf8();
    if (durationNs >= 0)
        text += ' ' + formatClassicSeconds(durationNs).toLatin1();
    return text;
}

// `label` replaces the change's name (the unchanged URLs listed as "slower").
QByteArray diffRow(const UrlDiff &diff, const QByteArray &label = {})
{
    constexpr int ChangeWidth = 16, CellWidth = 22, DeltaWidth = 10;
    const bool inA = diff.change != UrlChange::OnlyInB, inB = diff.change != UrlChange::OnlyInA;
    return (label.isEmpty() ? urlChangeName(diff.change).toUtf8() : label)
               .leftJustified(ChangeWidth, ' ')
        + outcomeCell(inA, diff.stateA, diff.statusA, diff.kindA, diff.durationA)
              .leftJustified(CellWidth, ' ')
        + outcomeCell(inB, diff.stateB, diff.statusB, diff.kindB, diff.durationB)
              .leftJustified(CellWidth, ' ')
        + (diff.hasTimeDelta() ? formatClassicSignedSeconds(diff.timeDeltaNs()).toLatin1()
                               : QByteArray("-"))
              .leftJustified(DeltaWidth, ' ')
        + ' ' + quoted(diff.url) + '\n';
}

QByteArray figuresTable(const RunFigures &a, const RunFigures &b)
{
    constexpr int NameWidth = 12, CellWidth = 12;
    QByteArray text = QByteArray("figure").leftJustified(NameWidth, ' ')
        + QByteArray("A").rightJustified(CellWidth, ' ')
        + QByteArray("B").rightJustified(CellWidth, ' ')
        + QByteArray("delta").rightJustified(CellWidth, ' ') + '\n';
    const auto count = [&](const char *name, int before, int after) {
        text += QByteArray(name).leftJustified(NameWidth, ' ')
            + QByteArray::number(before).rightJustified(CellWidth, ' ')
            + QByteArray::number(after).rightJustified(CellWidth, ' ')
            + ((after >= before ? "+" : "") + QByteArray::number(after - before))
                  .rightJustified(CellWidth, ' ')
            + '\n';
    };
    const auto time = [&](const char *name, qint64 before, qint64 after) {
        const auto cell = [](qint64 ns) { return formatClassicSecondsOrUnknown(ns).toLatin1(); };
        QByteArray delta = "-";
        if (before >= 0 && after >= 0) {
            delta = formatClassicSignedSeconds(after - before).toLatin1();
            if (before > 0)
                delta += " (" + formatPercentChange(before, after).toLatin1() + ')';
        }
        text += QByteArray(name).leftJustified(NameWidth, ' ')
            + cell(before).rightJustified(CellWidth, ' ')
            + cell(after).rightJustified(CellWidth, ' ') + ' '
            + delta.rightJustified(CellWidth - 1, ' ') + '\n';
    };
    count("urls", a.total, b.total);
    count("succeeded", a.succeeded, b.succeeded);
    count("failed", a.failed, b.failed);
    count("cancelled", a.cancelled, b.cancelled);
    time("wall", a.wallNs, b.wallNs);
    time("serial", a.serialNs, b.serialNs);
    time("p50", a.p50Ns, b.p50Ns);
    time("p90", a.p90Ns, b.p90Ns);
    time("p95", a.p95Ns, b.p95Ns);
    time("p99", a.p99Ns, b.p99Ns);
    text += QByteArray("speedup").leftJustified(NameWidth, ' ')
        + formatClassicSpeedup(a.speedup).toLatin1().rightJustified(CellWidth, ' ')
        + formatClassicSpeedup(b.speedup).toLatin1().rightJustified(CellWidth, ' ')
        + ((b.speedup >= a.speedup ? "+" : "")
           + formatClassicSpeedup(b.speedup - a.speedup).toLatin1())
              .rightJustified(CellWidth, ' ')
        + '\n';
    return text;
}

} // namespace

int runCompare(const CommandLine &line)
{
    constexpr int SlowestListed = 10;
    constexpr qint64 MinListedSlowdownNs = 500'000; // what prints as +0.001s
    QList<ImportedRun> runs;
    if (!readRuns(line.runFiles, &runs))
        return HeadlessRunner::BadInput;
    const RunComparison comparison = RunComparison::compare(runs.at(0).jobs, runs.at(1).jobs);

    QByteArray text = tr("compare A=%1 (%2 URLs) with B=%3 (%4 URLs)\n")
                          .arg(line.runFiles.at(0))
                          .arg(runs.at(0).jobs.size())
                          .arg(line.runFiles.at(1))
                          .arg(runs.at(1).jobs.size())
                          .toUtf8();
    text += "change          A                     B                     delta      url\n";
    QList<const UrlDiff *> unchanged;
    for (const UrlDiff &diff : comparison.diffs) {
        if (diff.change != UrlChange::Unchanged)
            text += diffRow(diff);
        else if (diff.hasTimeDelta())
            unchanged.append(&diff);
    }
    // Unchanged URLs are many; the ones that slowed down most are the news among them.
    std::sort(unchanged.begin(), unchanged.end(), [](const UrlDiff *x, const UrlDiff *y) {
        return x->timeDeltaNs() > y->timeDeltaNs();
    });
    for (qsizetype i = 0; i < std::min<qsizetype>(SlowestListed, unchanged.size()); ++i) {
        if (unchanged.at(i)->timeDeltaNs() >= MinListedSlowdownNs)
            text += diffRow(*unchanged.at(i), "slower");
    }
    text += '\n' + figuresTable(comparison.a, comparison.b) + '\n';
    QByteArray changes = "changes:";
    for (int i = 0; i < UrlChangeCount; ++i)
        changes += ' ' + urlChangeName(UrlChange(i)).toUtf8() + '='
            + QByteArray::number(comparison.counts[std::size_t(i)]);
    text += changes + '\n';
    writeOut(text, true);
    return checkRules(line.failRules, comparison.b, &comparison) ? HeadlessRunner::AllSucceeded
                                                                 : HeadlessRunner::RuleFailed;
}

int runMerge(const CommandLine &line)
{
    constexpr int DuplicatesNamed = 5;
    if (!checkExportPath(line.exportPath))
        return HeadlessRunner::BadInput;
    QList<ImportedRun> runs;
    if (!readRuns(line.runFiles, &runs))
        return HeadlessRunner::BadInput;
    MergedRun merged;
    QString error;
    if (!ShardMerger::merge(runs, line.runFiles, &merged, &error)) {
        writeErr(tr("parafetch: %1\n").arg(error));
        return HeadlessRunner::BadInput;
    }
    merged.info.toolVersion = QCoreApplication::applicationVersion();
    if (!merged.duplicates.isEmpty()) {
        writeErr(tr("parafetch: %1 URL(s) are in more than one export (were the shards made "
                    "from the same list and count?); the first export's result is kept: %2\n")
                     .arg(merged.duplicates.size())
                     .arg(merged.duplicates.mid(0, DuplicatesNamed).join(QLatin1String(", "))));
    }
    writeOut(tr("merged %1 exports: %2 URLs\n").arg(runs.size()).arg(merged.jobs.size()).toUtf8()
                 + summaryText(merged.summary),
             true);
    int exitCode = merged.summary.succeeded == merged.summary.total ? HeadlessRunner::AllSucceeded
                                                                    : HeadlessRunner::SomeFailed;
    if (!line.exportPath.isEmpty()
        && !RunFile::write(line.exportPath, *RunFile::formatForPath(line.exportPath), merged.jobs,
                           merged.summary, merged.info, &error)) {
        writeErr(tr("parafetch: %1\n").arg(error));
        exitCode = HeadlessRunner::SomeFailed;
    }
    if (!checkRules(line.failRules, RunFigures::of(merged.jobs), nullptr))
        exitCode = HeadlessRunner::RuleFailed;
    return exitCode;
}

} // namespace Parafetch
