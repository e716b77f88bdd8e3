// The headless front end: reads a list, runs the engine, prints one line per URL and a summary.
#pragma once

#include "commandline.h"

#include <QObject>

#include <memory>

namespace Parafetch {

class FetchEngine;
class JobQueueModel;
class LoopbackServer;
struct Job;

class HeadlessRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadlessRunner)
public:
    enum ExitCode { AllSucceeded = 0, SomeFailed = 1, BadInput = 2 };

    explicit HeadlessRunner(CommandLine line, QObject *parent = nullptr);
    ~HeadlessRunner() override;

    // Reads the input and starts the run; returns false (with a message printed) when there is
    // nothing to run, and the program should exit with BadInput.
    bool start();
    // Cancels the run as a signal asks; the summary and the export are still written, and the
    // exit code becomes 128 + signalNumber.
    void interrupt(int signalNumber);

Q_SIGNALS:
    void finished(int exitCode);

private:
    bool readInput();
    void printResult(const Job &job);
    void printProgress();
    void clearProgress();
    void finish();

    CommandLine m_line;
    std::unique_ptr<LoopbackServer> m_demoServer;
    std::unique_ptr<JobQueueModel> m_model;
    std::unique_ptr<FetchEngine> m_engine;
    bool m_progressOnTerminal = false;
    bool m_stdoutIsTerminal = false;
    bool m_progressShown = false;
    int m_finished = 0;
    int m_interruptedExitCode = 0;
};

// Runs the loopback demo server until the process is told to stop; returns the exit code.
int runDemoServer(const CommandLine &line);

} // namespace Parafetch
