// SPDX-License-Identifier: GPL-3.0-or-later
// The headless front end: reads a list, runs the engine, prints one line per URL and a summary.
#pragma once

#include "commandline.h"
#include "run/timeline.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>

namespace Parafetch {

class CompletionCommand;
class FetchEngine;
class JobQueueModel;
class LoopbackServer;
class RunJournal;
class StdinReader;
class SweepRunner;
class UrlListParser;
struct Job;
struct RunSummary;
struct SweepPoint;
struct UrlEntry;

class HeadlessRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadlessRunner)
public:
    // RuleFailed: a --fail-if rule held (the table and the summary are printed all the same).
    // ForceQuit: a signal repeated after ForceQuitGraceMs quit without waiting for the run.
    // A first SIGINT or SIGTERM ends with 128 + the signal's number (130, 143).
    enum ExitCode { AllSucceeded = 0, SomeFailed = 1, BadInput = 2, RuleFailed = 3, ForceQuit = 4 };

    // Standard input (-i -) that sends nothing for this long is given up, with BadInput: a
    // producer that hangs must not hang the run. The same limit the list parser gives any
    // device. PARAFETCH_STDIN_SILENCE_MS overrides it (for tests).
    static constexpr int StdinSilenceLimitMs = 30'000;
    // timeout(1) and process managers signal the process and then its group: one request to
    // stop can arrive twice within microseconds. A repeat counts as "quit now" only this long
    // after the first signal. PARAFETCH_FORCE_QUIT_GRACE_MS overrides it (for tests).
    static constexpr int ForceQuitGraceMs = 2'000;

    // The exit codes, for --help.
    static QString exitCodesHelp();

    explicit HeadlessRunner(CommandLine line, QObject *parent = nullptr);
    ~HeadlessRunner() override;

    // Checks that the export and the output folder can be written, reads the input and starts
    // the run; returns false (with a message printed) when there is nothing to run, and the
    // program should exit with BadInput. Standard input is read without blocking the event
    // loop; a problem found there ends the run with finished(BadInput).
    bool start();
    // For every SIGINT/SIGTERM. The first cancels the run: the summary and the export are still
    // written, and the exit code becomes 128 + signalNumber. A repeat within ForceQuitGraceMs
    // is the same request; a later one quits at once (forceQuit()).
    void interrupt(int signalNumber);

Q_SIGNALS:
    void finished(int exitCode);

private:
    bool checkOutputs() const;
    bool readArgumentsAndFile();
    void stdinFinished();
    bool startRun();
    // --journal: the list goes into the model with what the journal kept of an earlier run of
    // it; false (with a message) for a journal of another list or one that cannot be read.
    bool addJournaledEntries(const QList<UrlEntry> &entries);
    void syncJournal(); // the journal on disk before the results are written
    void finishInterruptedInput();
    void startSweep(const QList<UrlEntry> &entries);
    void printSweepPoint(const SweepPoint &point);
    void finishSweep();
    void printResult(const Job &job);
    void printProgress();
    void sampleTimeline();
    void clearProgress();
    void finish();
    // The summary, the export and the rules for these jobs; the exit code they call for.
    int writeResults(const QList<Job> &jobs, const RunSummary &summary);
    bool writeSweepExport();
    // Writes what is known now (the rows not finished as cancelled) and ends with ForceQuit,
    // without waiting for the engine.
    void forceQuit();
    void end(int exitCode); // finished(), once

    CommandLine m_line;
    std::unique_ptr<LoopbackServer> m_demoServer;
    std::unique_ptr<JobQueueModel> m_model;
    std::unique_ptr<FetchEngine> m_engine;
    std::unique_ptr<CompletionCommand> m_onComplete; // --on-complete, null without
    std::unique_ptr<RunJournal> m_journal; // after the model and engine it watches
    std::unique_ptr<SweepRunner> m_sweep;
    std::unique_ptr<UrlListParser> m_parser; // the input, until the run starts
    std::unique_ptr<StdinReader> m_stdinReader;
    // For --timeline and a JSON export, sampled at the engine's progress pace. Its clock is the
    // engine's from the start of the run (a headless run has no pauses); -1 = not recording.
    RunTimeline m_timeline;
    qint64 m_timelineOriginNs = -1;
    int m_stdinSilenceLimitMs = StdinSilenceLimitMs;
    int m_forceQuitGraceMs = ForceQuitGraceMs;
    bool m_progressOnTerminal = false;
    bool m_stdoutIsTerminal = false;
    bool m_progressShown = false;
    int m_finished = 0;
    int m_interruptedExitCode = 0;
    QElapsedTimer m_sinceFirstSignal;
    bool m_repeatNoted = false;
    bool m_ended = false;
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
