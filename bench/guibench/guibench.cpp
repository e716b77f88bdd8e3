// Workload (d): time to add a big list to the window, the GUI thread's worst stall while the
// list is fetched, and the memory the finished rows take.
#include "fetchengine.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "loopbackserver.h"
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSpinBox>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

constexpr int TickMs = 10;
constexpr double NsPerMs = 1e6;

qint64 statusField(const char *name)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (line.startsWith(name)) {
            const QList<QByteArray> parts = line.simplified().split(' ');
            return parts.size() >= 2 ? parts.at(1).toLongLong() * 1024 : -1;
        }
    }
    return -1;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const std::size_t rank = std::size_t(std::ceil(p / 100.0 * double(values.size())));
    return values.at(std::max<std::size_t>(rank, 1) - 1);
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parafetch-guibench"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption urls(QStringLiteral("urls"), QStringLiteral("List length."), QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption jobs(QStringLiteral("jobs"), QStringLiteral("Workers."), QStringLiteral("J"), QStringLiteral("128"));
    const QCommandLineOption base(QStringLiteral("base"), QStringLiteral("Server base URL (default: an in-process loopback server)."), QStringLiteral("URL"));
    const QCommandLineOption path(QStringLiteral("path"), QStringLiteral("Path fetched for each URL."), QStringLiteral("PATH"), QStringLiteral("/delay/20/bytes/1024"));
    const QCommandLineOption addOnly(QStringLiteral("add-only"), QStringLiteral("Only add the list; don't fetch it."));
    parser.addOptions({ urls, jobs, base, path, addOnly });
    parser.process(app);

    using namespace Parafetch;
    LoopbackServer server;
    QString baseUrl = parser.value(base);
    if (baseUrl.isEmpty()) {
        if (!server.listen(0, QThread::idealThreadCount()))
            qFatal("cannot start the loopback server");
        baseUrl = server.baseUrl().toString();
    }
    const int count = parser.value(urls).toInt();
    QString text;
    text.reserve(count * 64);
    for (int i = 0; i < count; ++i)
        text += baseUrl + parser.value(path) + QStringLiteral("?i=%1\n").arg(i);

    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow window(&model, &engine);
    window.show();
    QCoreApplication::processEvents();

    QElapsedTimer clock;
    clock.start();
    window.inputPanel()->setText(text);
    QCoreApplication::processEvents();
    const qint64 pasteNs = clock.nsecsElapsed();
    clock.restart();
    window.inputPanel()->add();
    window.tableView()->viewport()->repaint();
    QCoreApplication::processEvents();
    const qint64 addNs = clock.nsecsElapsed();
    const qint64 rssAdded = statusField("VmRSS:");

    QJsonObject result {
        { QStringLiteral("urls"), count },
        { QStringLiteral("rows"), model.rowCount() },
        { QStringLiteral("pasteMs"), double(pasteNs) / NsPerMs },
        { QStringLiteral("addMs"), double(addNs) / NsPerMs },
        { QStringLiteral("rssAfterAddBytes"), rssAdded },
    };
    if (!parser.isSet(addOnly)) {
        // How late does a 10 ms timer fire while the run goes on? That is what a person feels.
        std::vector<double> lateMs;
        QElapsedTimer tick;
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        probe.setInterval(TickMs);
        QObject::connect(&probe, &QTimer::timeout, [&] {
            lateMs.push_back(std::max(0.0, double(tick.nsecsElapsed()) / NsPerMs - TickMs));
            tick.restart();
        });
        window.concurrencySpinBox()->setValue(parser.value(jobs).toInt());
        QObject::connect(&engine, &FetchEngine::runFinished, &app, &QCoreApplication::quit);
        clock.restart();
        tick.start();
        probe.start();
        window.start();
        app.exec();
        probe.stop();
        const RunSummary summary = model.summary();
        result.insert(QStringLiteral("runMs"), double(clock.nsecsElapsed()) / NsPerMs);
        result.insert(QStringLiteral("succeeded"), summary.succeeded);
        result.insert(QStringLiteral("stallP99Ms"), percentile(lateMs, 99));
        result.insert(QStringLiteral("stallMaxMs"), lateMs.empty() ? 0.0 : *std::max_element(lateMs.cbegin(), lateMs.cend()));
        result.insert(QStringLiteral("ticks"), int(lateMs.size()));
        result.insert(QStringLiteral("rssFinishedBytes"), statusField("VmRSS:"));
    }
    result.insert(QStringLiteral("peakRssBytes"), statusField("VmHWM:"));
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return 0;
}
