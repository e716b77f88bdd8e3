// SPDX-License-Identifier: GPL-3.0-or-later
// Workload (d): time to add a big list to the window, the GUI thread's worst stall while the
// list is fetched, and the memory the finished rows take.
#include "engine/fetchengine.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "server/loopbackserver.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QEvent>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
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

// With --trace-stalls: times every event the GUI thread delivers at the outermost level and
// reports the slow ones, so a stall can be pinned on a receiver instead of guessed at.
class TracingApplication final : public QApplication
{
public:
    using QApplication::QApplication;

    double traceAboveMs = -1; // off
    struct Slow
    {
        double ms;
        QString what;
    };
    std::vector<Slow> slow;

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (traceAboveMs < 0 || m_depth > 0 || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        const int type = event->type(); // the event may be gone once delivered
        const QString what = describe(receiver);
        QElapsedTimer timer;
        timer.start();
        ++m_depth;
        const bool result = QApplication::notify(receiver, event);
        --m_depth;
        const double ms = double(timer.nsecsElapsed()) / NsPerMs;
        if (ms > traceAboveMs)
            slow.push_back({ ms, QStringLiteral("%1 event %2").arg(what).arg(type) });
        return result;
    }

private:
    static QString describe(const QObject *object)
    {
        QString text = QString::fromLatin1(object->metaObject()->className());
        if (!object->objectName().isEmpty())
            text += QLatin1Char('/') + object->objectName();
        if (const QObject *parent = object->parent())
            text += QStringLiteral(" in ") + QString::fromLatin1(parent->metaObject()->className());
        return text;
    }

    int m_depth = 0;
};

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
    TracingApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parafetch-guibench"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption urls(QStringLiteral("urls"), QStringLiteral("List length."),
                                  QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption jobs(QStringLiteral("jobs"), QStringLiteral("Workers."),
                                  QStringLiteral("J"), QStringLiteral("128"));
    const QCommandLineOption base(
        QStringLiteral("base"),
        QStringLiteral("Server base URL (default: an in-process loopback server)."),
        QStringLiteral("URL"));
    const QCommandLineOption path(QStringLiteral("path"),
                                  QStringLiteral("Path fetched for each URL."),
                                  QStringLiteral("PATH"), QStringLiteral("/delay/20/bytes/1024"));
    const QCommandLineOption addOnly(QStringLiteral("add-only"),
                                     QStringLiteral("Only add the list; don't fetch it."));
    const QCommandLineOption traceStalls(
        QStringLiteral("trace-stalls"),
        QStringLiteral("Print to stderr every GUI event that takes longer than MS to deliver."),
        QStringLiteral("MS"));
    const QCommandLineOption filter(
        QStringLiteral("filter"),
        QStringLiteral("Type TEXT into the table's filter before the run."),
        QStringLiteral("TEXT"));
    const QCommandLineOption show(
        QStringLiteral("show"),
        QStringLiteral("Show only these rows during the run: all, active, done or failed."),
        QStringLiteral("ROWS"), QStringLiteral("all"));
    const QCommandLineOption graph(
        QStringLiteral("graph"),
        QStringLiteral("Show the throughput graph during the run (on, the default, or off)."),
        QStringLiteral("ON|OFF"), QStringLiteral("on"));
    parser.addOptions({ urls, jobs, base, path, addOnly, traceStalls, filter, show, graph });
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
    // The graph starts hidden on a small screen (the offscreen one is): shown, it is measured.
    if (auto *dock = window.findChild<QDockWidget *>(QStringLiteral("throughputDock")))
        dock->setVisible(parser.value(graph) != QLatin1String("off"));
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
        // A person watching a big run may well narrow the table down: that costs too.
        window.filterEdit()->setText(parser.value(filter));
        const int shown =
            window.statusFilterBox()->findText(parser.value(show), Qt::MatchFixedString);
        if (shown < 0)
            qFatal("--show takes all, active, done or failed");
        window.statusFilterBox()->setCurrentIndex(shown);
        QObject::connect(&engine, &FetchEngine::runFinished, &app, &QCoreApplication::quit);
        clock.restart();
        tick.start();
        probe.start();
        window.start();
        if (parser.isSet(traceStalls))
            app.traceAboveMs = parser.value(traceStalls).toDouble();
        app.exec();
        app.traceAboveMs = -1;
        probe.stop();
        for (const auto &[ms, what] : app.slow)
            std::fprintf(stderr, "%8.1f ms  %s\n", ms, qPrintable(what));
        const RunSummary summary = model.summary();
        result.insert(QStringLiteral("runMs"), double(clock.nsecsElapsed()) / NsPerMs);
        result.insert(QStringLiteral("succeeded"), summary.succeeded);
        result.insert(QStringLiteral("stallP99Ms"), percentile(lateMs, 99));
        result.insert(QStringLiteral("stallMaxMs"),
                      lateMs.empty() ? 0.0 : *std::max_element(lateMs.cbegin(), lateMs.cend()));
        result.insert(QStringLiteral("ticks"), int(lateMs.size()));
        result.insert(QStringLiteral("graphShown"), parser.value(graph) != QLatin1String("off"));
        result.insert(QStringLiteral("rssFinishedBytes"), statusField("VmRSS:"));
    }
    result.insert(QStringLiteral("peakRssBytes"), statusField("VmHWM:"));
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return 0;
}
