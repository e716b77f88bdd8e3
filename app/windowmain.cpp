// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch-window: the desktop window. `parafetch` starts it (exec) unless the command line
// asks for a terminal mode, so that headless runs never load Qt Widgets and Gui.
#include "appsupport.h"
#include "commandline.h"
#include "engine/fetchengine.h"
#include "headlessrunner.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "run/runjournal.h"
#include "server/demolist.h"
#include "server/loopbackserver.h"
#include "settingsstore.h"
#include "sweepdialog.h"
#include "urllistparser.h"

#include <QApplication>
#include <QFile>
#include <QFileInfo>
#include <QNetworkProxyFactory>
#include <QSpinBox>
#include <QThread>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace {

// What the command line asked the window to add: the demo list, URLs, an input file.
QList<Parafetch::UrlEntry> initialEntries(const Parafetch::CommandLine &line,
                                          const Parafetch::LoopbackServer *demoServer)
{
    Parafetch::UrlListParser parser;
    parser.setPatternOptions(line.patterns);
    if (demoServer)
        parser.addText(Parafetch::demoUrls(demoServer->baseUrl()).join(QLatin1Char('\n'))
                       + QLatin1Char('\n'));
    for (const QString &argument : line.urls) {
        // A file manager opens list files with "parafetch FILE" (the .desktop file's %F).
        QFile file(argument);
        if (QFileInfo(argument).isFile() && file.open(QIODevice::ReadOnly)) {
            parser.addDevice(&file);
            continue;
        }
        parser.addText(argument + QLatin1Char('\n'));
    }
    if (!line.inputPath.isEmpty()) {
        QFile file(line.inputPath);
        if (line.inputPath == QLatin1String("-") ? file.open(stdin, QIODevice::ReadOnly)
                                                 : file.open(QIODevice::ReadOnly))
            parser.addDevice(&file);
    }
    parser.finish();
    return parser.takeEntries();
}

// Claims the run journal for this process and reads what the previous run left in it: the
// jobs to offer back if that run did not end cleanly. False if this process cannot journal
// (another Parafetch holds the journal, or there is no data folder); the run goes on without.
bool openRunJournal(Parafetch::RunJournal &journal, QList<Parafetch::JournaledJob> *unfinished,
                    bool *keptExit)
{
    using Parafetch::RunJournal;
    if (journal.path().isEmpty())
        return false;
    QString error;
    if (!journal.claim(&error)) {
        qWarning("parafetch: %s This run is not journaled.", qPrintable(error));
        return false;
    }
    bool cleanExit = true;
    Parafetch::JournalReplayReport report;
    if (!RunJournal::replay(journal.path(), unfinished, &cleanExit, &error, &report,
                            /*reconcile=*/true)) {
        qWarning("parafetch: %s", qPrintable(error));
        unfinished->clear();
        return true; // this run's journal replaces it
    }
    *keptExit = report.keptExit;
    if (report.adoptedFiles > 0 || report.removedParts > 0)
        qInfo("parafetch: restoring the last run: %d saved file(s) found complete on disk, "
              "%d .part file(s) that cannot be continued removed",
              report.adoptedFiles, report.removedParts);
    if (report.skippedLines > 0)
        qWarning("parafetch: %d damaged line(s) of the run journal %s were skipped",
                 report.skippedLines, qPrintable(journal.path()));
    if (cleanExit)
        unfinished->clear();
    return true;
}

// --screenshot-sweep FILE (hidden; for the README): a sweep of a list whose slowest URL bounds
// the wall time, so the picture has a knee, against a loopback server; then the dialog's PNG.
int runSweepScreenshot(const Parafetch::CommandLine &line)
{
    using namespace Parafetch;
    constexpr int ListSize = 60, SlowestMs = 1000, MinDelayMs = 20, DelaySpreadMs = 100;
    constexpr int DialogWidth = 760, DialogHeight = 720;
    LoopbackServer server;
    if (!server.listen(0, QThread::idealThreadCount())) {
        qWarning("parafetch: cannot start the demo server: %s", qPrintable(server.errorString()));
        return HeadlessRunner::BadInput;
    }
    QList<Job> jobs;
    for (int i = 0; i < ListSize; ++i) {
        Job job;
        const int delay = i == 0 ? SlowestMs : MinDelayMs + (i * 37) % DelaySpreadMs;
        job.url = server.url(QStringLiteral("/delay/%1/bytes/%2").arg(delay).arg(1024 + i));
        job.sourceLine = i + 1;
        jobs.append(job);
    }
    FetchOptions options = line.fetch;
    SweepDialog dialog(jobs, options);
    dialog.setMaxConcurrency(ListSize + 4); // 1 … 64
    dialog.resize(DialogWidth, DialogHeight);
    const QString path = line.sweepScreenshotPath;
    QObject::connect(
        &dialog, &SweepDialog::sweepFinished, &dialog,
        [&dialog, path] {
            const bool saved = dialog.grab().save(path, "PNG");
            if (!saved)
                qWarning("parafetch: cannot write the screenshot to %s", qPrintable(path));
            QCoreApplication::exit(saved ? 0 : 1);
        },
        Qt::QueuedConnection);
    dialog.show();
    dialog.startSweep();
    return QCoreApplication::exec();
}

int runWindow(QApplication &app, const Parafetch::CommandLine &line)
{
    using namespace Parafetch;
    // Screenshots (for docs and CI) and the demo (URLs on a server that dies with the process)
    // are not a person's work: they neither offer nor touch the run journal.
    const bool journaled = !line.demo && line.screenshotPath.isEmpty();
    // Declared in the order they must be destroyed in reverse: the window before the engine,
    // the engine (which waits for its threads) before the model and the demo server; the
    // journal last, after the model it watches.
    std::unique_ptr<RunJournal> journal;
    QList<JournaledJob> unfinished;
    bool keptExit = false;
    if (journaled) {
        journal = std::make_unique<RunJournal>(RunJournal::defaultPath());
        if (!openRunJournal(*journal, &unfinished, &keptExit))
            journal.reset();
    }
    std::unique_ptr<LoopbackServer> demoServer;
    if (line.demo) {
        demoServer = std::make_unique<LoopbackServer>();
        if (!demoServer->listen(0, QThread::idealThreadCount())) {
            qWarning("parafetch: cannot start the demo server: %s",
                     qPrintable(demoServer->errorString()));
            return HeadlessRunner::BadInput;
        }
    }
    JobQueueModel model;
    FetchEngine engine(&model);
    if (journal)
        journal->attach(&model, &engine);
    MainWindow window(&model, &engine);
    window.setRunJournal(journal.get());
    if (line.fetchOptionsGiven)
        window.setFetchOptions(line.fetch);
    // A stop signal has no person to answer "Quit Parafetch?": partial files are kept, and the
    // next start offers the list back to continue them.
    Parafetch::installSignalHandlers(app, [&window](int) {
        window.setCloseChoice(MainWindow::CloseChoice::KeepPartialFiles);
        window.close();
    });

    const QList<UrlEntry> entries = initialEntries(line, demoServer.get());
    if (!entries.isEmpty()) {
        window.addEntries(entries);
        window.start();
    } else if (unfinished.isEmpty()) {
        window.offerLastList(SettingsStore::loadLastList());
    }
    // Offered even beside a list from the command line: the banner keeps the jobs, so the
    // crashed run can still be restored after this one has replaced its journal.
    window.offerRestore(unfinished, keptExit);

    if (!line.screenshotPath.isEmpty()) {
        const QString path = line.screenshotPath;
        const auto takeScreenshot = [&window, &model, path] {
            window.refreshSummary();
            // Show what the detail pane is for: the first failure, else the first row.
            int row = model.rowCount() > 0 ? 0 : -1;
            for (int i = 0; i < model.rowCount(); ++i) {
                if (model.jobAt(i).state == JobState::Failed) {
                    row = i;
                    break;
                }
            }
            if (row >= 0)
                window.selectJob(row);
            const bool saved = window.grab().save(path, "PNG");
            if (!saved)
                qWarning("parafetch: cannot write the screenshot to %s", qPrintable(path));
            QCoreApplication::exit(saved ? 0 : 1);
        };
        if (entries.isEmpty())
            QTimer::singleShot(0, &window, takeScreenshot);
        else
            QObject::connect(&engine, &FetchEngine::runFinished, &window, takeScreenshot,
                             Qt::QueuedConnection);
    }
    window.show();
    return app.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    // Started on its own (parafetch checks this before it starts the window).
    if (!Parafetch::displayAvailable()) {
        std::fputs(qUtf8Printable(Parafetch::noDisplayMessage()), stderr);
        return Parafetch::HeadlessRunner::BadInput;
    }
    QApplication app(argc, argv);
    Parafetch::setApplicationNames();
    QApplication::setDesktopFileName(QStringLiteral("parafetch"));
    Parafetch::CommandLine line;
    int exitCode = 0;
    if (!Parafetch::CommandLine::parse(app, &line, &exitCode))
        return exitCode;
    QNetworkProxyFactory::setUseSystemConfiguration(line.useSystemProxy);
    if (!line.sweepScreenshotPath.isEmpty())
        return runSweepScreenshot(line);
    return runWindow(app, line);
}
