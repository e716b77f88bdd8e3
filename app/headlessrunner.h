// The headless front end: reads a list, runs the engine, prints one line per URL and a summary.
#pragma once

#include "commandline.h"
#include "eta.h"

#include <QObject>

#include <memory>

namespace Parafetch {

class FetchEngine;
class JobQueueModel;
class LoopbackServer;
class SweepRunner;
struct Job;
struct SweepPoint;
struct UrlEntry;

class HeadlessRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadlessRunner)
public:
    // RuleFailed: a --fail-if rule held (the table and the summary are printed all the same).
    enum ExitCode { AllSucceeded = 0, SomeFailed = 1, BadInput = 2, RuleFailed = 3 };

    explicit HeadlessRunner(CommandLine line, QObject *parent = nullptr);
    ~HeadlessRunner() override;

    // Checks that the export and the output folder can be written, reads the input and starts
    // the run; returns false (with a message printed) when there is nothing to run, and the
    // program should exit with BadInput.
    bool start();
    // Cancels the run as a signal asks; the summary and the export are still written, and the
    // exit code becomes 128 + signalNumber.
    void interrupt(int signalNumber);

Q_SIGNALS:
    void finished(int exitCode);

private:
    bool checkOutputs() const;
    bool readInput(QList<UrlEntry> *entries);
    void startSweep(const QList<UrlEntry> &entries);
    void printSweepPoint(const SweepPoint &point);
    void finishSweep();
    void printResult(const Job &job);
    void printProgress();
    void clearProgress();
    void finish();

    CommandLine m_line;
    std::unique_ptr<LoopbackServer> m_demoServer;
    std::unique_ptr<JobQueueModel> m_model;
    std::unique_ptr<FetchEngine> m_engine;
    std::unique_ptr<SweepRunner> m_sweep;
    bool m_progressOnTerminal = false;
    bool m_stdoutIsTerminal = false;
    bool m_progressShown = false;
    EtaEstimator m_eta; // for the progress line
    int m_finished = 0;
    int m_interruptedExitCode = 0;
};

// Runs the loopback demo server until the process is told to stop; returns the exit code.
int runDemoServer(const CommandLine &line);
// --compare A B: prints the per-URL changes, the figures of both runs and the rules' outcomes;
// RuleFailed when a --fail-if rule holds, BadInput when an export cannot be read, else 0.
int runCompare(const CommandLine &line);
// --merge FILE...: one run from the exports (shard.h), printed like a run and exported with
// --export; the exit code is that of a run of the whole list (or RuleFailed, or BadInput).
int runMerge(const CommandLine &line);

} // namespace Parafetch
