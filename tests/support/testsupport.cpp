// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the tests.
#include "testsupport.h"

#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "runsummary.h"
#include "server/loopbackserver.h"
#include "urllistparser.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>

#include <sys/stat.h>
#include <tuple>

namespace {

// Jobs travel in queued signals from the engine's threads and into QSignalSpy: registered once
// here, before any test runs, for every test that links this library.
void registerTestTypes()
{
    qRegisterMetaType<Parafetch::Job>();
}

} // namespace

Q_COREAPP_STARTUP_FUNCTION(registerTestTypes)

namespace Parafetch::TestSupport {

QList<UrlEntry> entriesFor(const QList<QUrl> &urls)
{
    QList<UrlEntry> entries;
    entries.reserve(urls.size());
    int line = 0;
    for (const QUrl &url : urls) {
        UrlEntry entry;
        entry.url = url;
        entry.line = ++line;
        entries.append(entry);
    }
    return entries;
}

FetchOptions testOptions(int concurrency)
{
    FetchOptions options;
    options.concurrency = concurrency;
    options.retryBaseDelayMs = 10;
    options.retries = 0;
    return options;
}

bool runToEnd(FetchEngine &engine, int timeoutMs)
{
    QSignalSpy finished(&engine, &FetchEngine::runFinished);
    engine.start();
    return finished.count() > 0 || finished.wait(timeoutMs);
}

bool fetchToEnd(const QList<QUrl> &urls, const FetchOptions &options, QList<Job> *jobs)
{
    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    engine.setOptions(options);
    const bool finished = runToEnd(engine);
    *jobs = model.jobs();
    return finished;
}

bool startLoopbackServer(std::unique_ptr<LoopbackServer> &server, int threadCount)
{
    server = std::make_unique<LoopbackServer>();
    return server->listen(0, threadCount);
}

void useTestSettings(const QString &applicationName)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ParafetchTests"));
    QCoreApplication::setApplicationName(applicationName);
}

QString tlsFile(QAnyStringView name)
{
    return QFINDTESTDATA(QStringLiteral("data/tls/") + name.toString());
}

QUrl refusedUrl()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost))
        return {};
    const quint16 port = server.serverPort();
    server.close();
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setPath(QStringLiteral("/refused"));
    return url;
}

qint64 peakRssBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (line.startsWith("VmHWM:")) {
            const QList<QByteArray> parts = line.simplified().split(' ');
            return parts.size() >= 2 ? parts.at(1).toLongLong() * 1024 : -1;
        }
    }
    return -1;
}

QStringList differingFields(const RunSummary &a, const RunSummary &b)
{
    QStringList differing;
    const auto check = [&differing](const char *name, auto x, auto y) {
        if (x != y)
            differing.append(QLatin1String(name));
    };
    check("total", a.total, b.total);
    check("queued", a.queued, b.queued);
    check("running", a.running, b.running);
    check("succeeded", a.succeeded, b.succeeded);
    check("failed", a.failed, b.failed);
    check("cancelled", a.cancelled, b.cancelled);
    check("byErrorKind", a.byErrorKind, b.byErrorKind);
    check("bytes", a.bytes, b.bytes);
    check("restoredDone", a.restoredDone, b.restoredDone);
    check("restoredBytes", a.restoredBytes, b.restoredBytes);
    check("firstStartNs", a.firstStartNs, b.firstStartNs);
    check("lastFinishNs", a.lastFinishNs, b.lastFinishNs);
    check("wallNs", a.wallNs, b.wallNs);
    check("serialNs", a.serialNs, b.serialNs);
    check("speedup", a.speedup, b.speedup);
    check("bytesPerSecond", a.bytesPerSecond, b.bytesPerSecond);
    check("requestsPerSecond", a.requestsPerSecond, b.requestsPerSecond);
    check("p50Ns", a.p50Ns, b.p50Ns);
    check("p90Ns", a.p90Ns, b.p90Ns);
    check("p99Ns", a.p99Ns, b.p99Ns);
    check("ttfbP50Us", a.ttfbP50Us, b.ttfbP50Us);
    check("ttfbP90Us", a.ttfbP90Us, b.ttfbP90Us);
    for (const auto &[name, x, y] :
         { std::tuple { "durationHistogram", &a.durationHistogram, &b.durationHistogram },
           std::tuple { "ttfbHistogram", &a.ttfbHistogram, &b.ttfbHistogram } }) {
        if (x->boundsUs != y->boundsUs || x->counts != y->counts || x->p50Us != y->p50Us
            || x->p90Us != y->p90Us || x->p95Us != y->p95Us || x->p99Us != y->p99Us)
            differing.append(QLatin1String(name));
    }
    return differing;
}

QString ProgramRun::describe() const
{
    return QStringLiteral("exit %1\nstdout:\n%2\nstderr:\n%3").arg(exitCode).arg(out, err);
}

bool runProgram(const QString &program, const QStringList &arguments, ProgramRun *run,
                int timeoutMs)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(timeoutMs) || !process.waitForFinished(timeoutMs))
        return false;
    run->exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run->out = QString::fromUtf8(process.readAllStandardOutput());
    run->err = QString::fromUtf8(process.readAllStandardError());
    return true;
}

FileIdentity fileIdentity(const QString &path)
{
    struct stat info
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return {};
    return { quint64(info.st_ino),
             qint64(info.st_mtim.tv_sec) * 1'000'000'000 + qint64(info.st_mtim.tv_nsec) };
}

QHash<QString, QJsonObject> exportedJobsByFileName(const QString &exportPath, QJsonObject *summary)
{
    QFile file(exportPath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    if (summary)
        *summary = root.value(QLatin1String("summary")).toObject();
    QHash<QString, QJsonObject> jobs;
    for (const auto &value : root.value(QLatin1String("jobs")).toArray()) {
        const QJsonObject job = value.toObject();
        jobs.insert(QUrl(job.value(QLatin1String("url")).toString()).fileName(), job);
    }
    return jobs;
}

} // namespace Parafetch::TestSupport
