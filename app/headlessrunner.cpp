// The headless front end: the classic per-URL lines, a live meter on a terminal, a summary.
#include "headlessrunner.h"

#include "demolist.h"
#include "fetchengine.h"
#include "jobqueuemodel.h"
#include "loopbackserver.h"
#include "redact.h"
#include "resultexporter.h"
#include "runsummary.h"
#include "urllistparser.h"

#include <QCoreApplication>
#include <QFile>
#include <QLocale>
#include <QThread>

#include <cstdio>
#include <unistd.h>

namespace Parafetch {

namespace {

constexpr double NsPerSecond = 1e9;

QString tr(const char *text)
{
    return QCoreApplication::translate("HeadlessRunner", text);
}

// The classic seconds format: "0.047s".
QByteArray secondsText(qint64 ns)
{
    return QByteArray::number(double(std::max<qint64>(ns, 0)) / NsPerSecond, 'f', 3) + 's';
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

} // namespace

HeadlessRunner::HeadlessRunner(CommandLine line, QObject *parent)
    : QObject(parent)
    , m_line(std::move(line))
    , m_model(std::make_unique<JobQueueModel>())
    , m_engine(std::make_unique<FetchEngine>(m_model.get()))
{
    m_progressOnTerminal = !m_line.quiet && ::isatty(STDERR_FILENO) == 1;
    m_stdoutIsTerminal = ::isatty(STDOUT_FILENO) == 1;
    m_engine->setOptions(m_line.fetch);
    connect(m_engine.get(), &FetchEngine::jobFinished, this, &HeadlessRunner::printResult);
    connect(m_engine.get(), &FetchEngine::progressUpdated, this, &HeadlessRunner::printProgress);
    connect(m_engine.get(), &FetchEngine::runFinished, this, &HeadlessRunner::finish);
}

HeadlessRunner::~HeadlessRunner()
{
    // The engine waits for its pool before the demo server (which its tasks may talk to) goes.
    m_engine.reset();
    m_demoServer.reset();
}

bool HeadlessRunner::start()
{
    if (!readInput())
        return false;
    m_engine->start();
    return true;
}

void HeadlessRunner::interrupt(int signalNumber)
{
    constexpr int SignalExitBase = 128;
    m_interruptedExitCode = SignalExitBase + signalNumber;
    clearProgress();
    writeErr(tr("parafetch: interrupted, cancelling the remaining URLs\n"));
    m_engine->cancelAll();
}

bool HeadlessRunner::readInput()
{
    UrlListParser parser;
    if (m_line.demo) {
        m_demoServer = std::make_unique<LoopbackServer>();
        if (!m_demoServer->listen(0, QThread::idealThreadCount())) {
            writeErr(tr("parafetch: cannot start the demo server: %1\n").arg(m_demoServer->errorString()));
            return false;
        }
        parser.addText(demoUrls(m_demoServer->baseUrl()).join(QLatin1Char('\n')));
        parser.finish();
    }
    for (const QString &url : std::as_const(m_line.urls)) {
        parser.addText(url);
        parser.addText(u"\n");
    }
    if (!m_line.inputPath.isEmpty()) {
        QFile file;
        const bool isStdin = m_line.inputPath == QLatin1String("-");
        const bool opened = isStdin ? file.open(stdin, QIODevice::ReadOnly)
                                    : (file.setFileName(m_line.inputPath), file.open(QIODevice::ReadOnly));
        if (!opened || !parser.addDevice(&file)) {
            writeErr(tr("parafetch: cannot read %1: %2\n")
                         .arg(isStdin ? tr("standard input") : m_line.inputPath, file.errorString()));
            return false;
        }
    }
    parser.finish();

    const QString source = m_line.inputPath.isEmpty() || m_line.inputPath == QLatin1String("-")
        ? tr("input")
        : m_line.inputPath;
    for (const ParseProblem &problem : parser.takeProblems())
        writeErr(tr("parafetch: %1 line %2: %3: %4\n").arg(source).arg(problem.line).arg(problem.reason, problem.text));

    const int added = m_model->addEntries(parser.takeEntries());
    if (added == 0) {
        writeErr(tr("parafetch: no URLs to fetch\n"));
        return false;
    }
    return true;
}

void HeadlessRunner::printResult(const Job &job)
{
    ++m_finished;
    if (m_line.quiet)
        return;
    clearProgress();
    QByteArray line = "getData for=" + quoted(redactedUrl(job.url)) + " takes time="
        + secondsText(job.durationNs()) + " status=" + QByteArray::number(job.httpStatus)
        + " size=" + QByteArray::number(job.bytesReceived);
    if (job.attempts > 1)
        line += " attempts=" + QByteArray::number(job.attempts);
    if (!job.savedPath.isEmpty())
        line += " saved=" + quoted(job.savedPath);
    if (job.state != JobState::Succeeded)
        line += " error=" + quoted(job.errorString);
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
        ? double(m_engine->nowNs() - summary.firstStartNs) / NsPerSecond
        : 0.0;
    const QString meter = tr("%1/%2 done, %3 active, %4, %5")
                              .arg(summary.finished())
                              .arg(summary.total)
                              .arg(m_engine->activeCount())
                              .arg(formatBytes(summary.bytes),
                                   formatRate(elapsed > 0 ? double(summary.bytes) / elapsed : 0.0));
    writeErr(QStringLiteral("\r\x1b[K") + meter);
    std::fflush(stderr);
    m_progressShown = true;
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
    clearProgress();
    const RunSummary summary = m_model->summary();
    QByteArray text;
    text += "main takes time=" + secondsText(summary.wallNs) + '\n';
    text += "serial exec time would be time=" + secondsText(summary.serialNs) + '\n';
    text += "speedup=" + QByteArray::number(summary.speedup, 'f', 2) + "x\n";
    const auto percentile = [](qint64 ns) { return ns >= 0 ? secondsText(ns) : QByteArray("-"); };
    text += "urls=" + QByteArray::number(summary.total) + " succeeded="
        + QByteArray::number(summary.succeeded) + " failed=" + QByteArray::number(summary.failed)
        + " cancelled=" + QByteArray::number(summary.cancelled) + " bytes="
        + QByteArray::number(summary.bytes) + " p50=" + percentile(summary.p50Ns)
        + " p90=" + percentile(summary.p90Ns) + " p99=" + percentile(summary.p99Ns) + '\n';
    writeOut(text, true);

    int exitCode = summary.succeeded == summary.total ? AllSucceeded : SomeFailed;
    if (!m_line.exportPath.isEmpty()) {
        RunInfo info;
        info.startedAt = m_engine->epoch().addMSecs(summary.firstStartNs / 1'000'000);
        info.concurrency = m_line.fetch.concurrency;
        info.method = m_line.fetch.method == FetchOptions::Method::Head ? QByteArrayLiteral("HEAD")
                                                                        : QByteArrayLiteral("GET");
        info.toolVersion = QCoreApplication::applicationVersion();
        QString error;
        if (!ResultExporter::write(m_line.exportPath, *ResultExporter::formatForPath(m_line.exportPath),
                                   m_model->jobs(), summary, info, &error)) {
            writeErr(tr("parafetch: %1\n").arg(error));
            exitCode = SomeFailed;
        }
    }
    emit finished(m_interruptedExitCode != 0 ? m_interruptedExitCode : exitCode);
}

int runDemoServer(const CommandLine &line)
{
    LoopbackServer server;
    if (!server.listen(line.port, QThread::idealThreadCount())) {
        writeErr(tr("parafetch: cannot listen on 127.0.0.1:%1: %2\n").arg(line.port).arg(server.errorString()));
        return HeadlessRunner::BadInput;
    }
    writeOut(tr("Parafetch demo server listening on %1/\n")
                 .arg(server.baseUrl().toString())
                 .toUtf8(),
             true);
    return QCoreApplication::exec();
}

} // namespace Parafetch
