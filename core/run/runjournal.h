// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal: the current list and each URL's last state, appended as they change, so that
// a run survives kill -9 or a power cut and the next start can offer it back.
#pragma once

#include "job.h"
#include "run/journalrecord.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <memory>

class QLockFile;

namespace Parafetch {

class FetchEngine;
class FileLog;
struct UrlEntry;
class JobQueueModel;
class JournalWriter;

// What replay() had to skip. A torn last line is what a crash in mid-write leaves; a bad line
// elsewhere means the file was damaged (or edited), and is worth a warning.
struct JournalReplayReport
{
    int records = 0; // lines that passed their check and were understood
    int skippedLines = 0; // lines before the last that failed their check or made no sense
    bool tornTail = false; // the last line was incomplete or failed its check
    // The window closed with "Keep Partial Files and Quit": the list is offered back so that
    // Start continues its .part files (not a crash, though replay treats it alike).
    bool keptExit = false;
    // Reconciled with the disk through the file log (see FileLog):
    int adoptedFiles = 0; // unfinished in the journal, but their body was saved: now Succeeded
    int removedParts = 0; // .part files nothing can continue any more, removed
    // The begin record's "list" (RunJournal::setListDigest()); empty for the window's journal.
    QByteArray listDigest;
};

// File format (UTF-8, one record per line, append-only):
//
//     <crc32 of the JSON, 8 lower-case hex digits> <space> <compact JSON object> <LF>
//
//     {"k":"begin","v":1,"run":"<hex>"}              first line of every journal; run names the
//                                                     file log (FileLog) written beside it
//     {"k":"begin","v":1,"run":"<hex>","list":"<hex>"}
//                                                     a headless --journal's: list is the
//                                                     listDigest() of the list it journals
//     {"k":"add","id":7,"url":"…","file":"…","line":3}
//     {"k":"state","id":7,"state":"succeeded","http":200,"tries":1,"bytes":1024,"us":48213,
//      "sha256":"<hex>","path":"…","error":"http-status","msg":"…","final":"…","proto":"h2"}
//                                                     "us": the duration in microseconds, as
//                                                     the Time column shows it (optional: a
//                                                     restore without it shows –)
//     {"k":"state","id":7,"state":"queued"}          put back into the queue (retry)
//     {"k":"part","id":7,"path":"/…/x.part","validator":"\"etag\""}
//                                                     the body is going into a .part that a
//                                                     Range + If-Range with this validator can
//                                                     continue; a later state record voids it
//     {"k":"remove","ids":[[3,5],[9,9]]}              inclusive id ranges
//     {"k":"clear"}
//     {"k":"clean-exit"}                              the window closed normally
//     {"k":"kept-exit"}                               the window closed keeping partial files:
//                                                     the list is offered back, to be continued
//
// A journal that ended cleanly is just "begin" and "clean-exit"; a record after the marker would
// mean the run went on, and the journal would count as unfinished again.
//
// Optional fields are left out when empty or zero. URLs are written through redactedUrl(), like
// the last list (SettingsStore): the file sits on the user's disk, so a user name and password
// or a secret query value (an access token, a signature) are never in it, and a restored URL
// that had them must be added again with them.
//
// Writes are buffered in memory and handed to a writer thread, which appends them with one
// write() and one fdatasync() per batch: add, remove and clear are handed over at the end of the
// current event (a pasted list or a removed selection is one batch, however many rows), state
// changes at most FlushIntervalMs later, and everything when a run ends or the window closes.
// A crash therefore loses at most the last FlushIntervalMs of finished results (those URLs are
// fetched again after a restore) and the list changes of the event in progress; a torn last
// line is detected by its check and ignored. A new run's first write and every compaction
// replace the file whole (QSaveFile), so the journal is always one run's. The GUI thread never
// waits for the disk, except in markCleanExit(), markKeptExit() and sync().
//
// What the batching could lose on disk is closed by the file log beside the journal
// (fileLogPath()), which the engine threads append to before they act: every .part when it is
// created, every body before its rename. replay() reconciles the list with it: a URL whose body
// stands complete under its final name (same size and SHA-256) is done, a .part that can be
// continued (a strong validator, and the size it was left with) is handed to the restored job,
// and any other .part of the run is removed.
class RunJournal final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunJournal)
public:
    static constexpr int FormatVersion = 1;
    // How long a finished result may wait in memory: the work a crash can make us redo.
    static constexpr int FlushIntervalMs = 500;
    // The journal is rewritten (atomically, one add and state per row) once it holds this many
    // times more records than the list has rows, and at least CompactionMinRecords.
    static constexpr int CompactionFactor = 4;
    static constexpr int CompactionMinRecords = 4096;
    // After a failed write (disk full, say) the journal is rewritten whole, no sooner than this.
    static constexpr int RetryAfterFailureMs = 5000;
    // markCleanExit() waits this long for the disk at most; a hung disk must not hang the exit.
    static constexpr int CleanExitTimeoutMs = 5000;

    struct Statistics
    {
        qint64 records = 0; // records encoded since construction
        qint64 bytes = 0; // bytes handed to the writer
        qint64 writes = 0; // write batches the writer made (appends and rewrites)
        qint64 syncs = 0; // fdatasync / fsync calls
        qint64 compactions = 0; // rewrites because the journal had grown
        qint64 failures = 0; // writes that failed
    };

    // QStandardPaths::AppDataLocation/journal.log; empty if the platform has no such folder.
    static QString defaultPath();
    // The file log beside the journal at journalPath.
    static QString fileLogPath(const QString &journalPath);

    explicit RunJournal(const QString &path, QObject *parent = nullptr);
    ~RunJournal() override; // hands over what is pending and waits for the writer

    QString path() const { return m_path; }

    // What identifies a list for a headless --journal: SHA-256 (hex) of its URLs, in order, one
    // per line, as the journal writes them (redactedUrl(): a digest of a password is not kept
    // either). A journal whose begin record holds another digest belongs to another list.
    static QByteArray listDigest(const QList<UrlEntry> &entries);
    // Written into every begin record from the next one on (before attach(), to be in the first).
    void setListDigest(const QByteArray &digest) { m_listDigest = digest; }

    // Takes a lock file next to the journal, so that a second Parafetch neither offers the first
    // one's live run as a crashed one nor writes into it. A lock left by a process that no longer
    // runs (kill -9, power cut) is taken over. False, with *error, if another process holds it.
    bool claim(QString *error);

    // Journals every change of the model from now on; the rows it already has are written at
    // once. The engine's runFinished() hands the pending results to the disk. Neither is owned.
    // The previous journal stays untouched until the first record of this run is written.
    void attach(JobQueueModel *model, FetchEngine *engine = nullptr);

    void flush(); // hands what is pending to the writer now (compacting first if due)
    // flush() and wait until the writer has it on disk; false on timeout or a write failure.
    bool sync(int timeoutMs = CleanExitTimeoutMs);
    // The window closed normally: nothing needs restoring on the next start. Replaces the journal
    // with a clean-exit marker alone, waits for the disk, and ends the journaling of this run.
    // If this run wrote nothing (the person closed the window without answering the offer of
    // the previous run, say), the previous journal is left as it was, to be offered again.
    void markCleanExit();
    // The window closed with "Keep Partial Files and Quit" (the engine already shut down that
    // way): the list stays journaled, with the .part files to continue, and is offered back on
    // the next start. Waits for the disk, and ends the journaling of this run.
    void markKeptExit();
    // The person declined to restore the previous run: removes its journal, unless this run has
    // already replaced it, and the .part files its unfinished jobs (replayed) would have
    // continued: nothing else will.
    void discardPrevious(const QList<JournaledJob> &jobs = {});

    Statistics statistics() const;
    QString errorString() const { return m_errorString; } // the last write failure, if any

    // Rebuilds the list a journal describes, in order, each job with its last known state.
    // A missing file is an empty, cleanly closed journal. False, with *error, if the file cannot
    // be read or was written by a newer format; damaged lines are skipped and counted instead.
    // reconcile (only for a journal no process writes any more: after claim()): also applies
    // the file log to the list and the disk, as the class comment says; counted in *report.
    static bool replay(const QString &path, QList<JournaledJob> *jobs, bool *cleanExit,
                       QString *error, JournalReplayReport *report = nullptr,
                       bool reconcile = false);
    // The jobs to give JobQueueModel::addRestored(): finished ones keep their result, marked
    // Job::restored with the duration the journal kept (Job::restoredDurationNs), unfinished ones
    // are queued again (with the .part they had begun, to be continued if it is still there),
    // except those whose URL had credentials or a secret query value (hasMaskedSecrets): these
    // cannot be fetched as they were (the journal does not keep them), so they come back cancelled
    // with a message saying so, rather than sending "***" to the server as a login or a token.
    static QList<Job> restorableJobs(const QList<JournaledJob> &jobs);

    // The check at the start of each line: CRC-32 (IEEE 802.3, as zlib computes it) of the JSON.
    static quint32 lineChecksum(QByteArrayView json);

Q_SIGNALS:
    void writeFailed(const QString &message);

private:
    void onRowsInserted(int first, int last);
    void onRowsAboutToBeRemoved(int first, int last);
    void onModelReset();
    void onDataChanged(int first, int last);
    void onPartialStarted(quint64 id, const PartialDownload &part);
    void recordPart(quint64 id, const PartialDownload &part);
    void writeStateIfChanged(int row);
    void onWriteFailed(const QString &message);

    void beginSession();
    void appendRecord(const QByteArray &json);
    void appendAdd(const Job &job);
    void appendState(const Job &job);
    void appendPart(quint64 id, const PartialDownload &part);
    void requestUrgentFlush();
    void requestLazyFlush();
    bool compactionDue() const;
    void compact();
    void handOff();

    const QString m_path;
    const QByteArray m_runToken; // in every begin record, and at the head of the file log
    QByteArray m_listDigest; // in every begin record, if set
    std::shared_ptr<FileLog> m_fileLog;
    bool m_fileLogStarted = false;
    std::unique_ptr<JournalWriter> m_writer;
    std::unique_ptr<QLockFile> m_lock;
    QPointer<JobQueueModel> m_model;
    QPointer<FetchEngine> m_engine;
    // The state the journal last recorded for each row of the model (Queued for unfinished ones),
    // kept row by row beside the model: a change is written once, however often it is announced.
    QList<JobState> m_journaled;
    // The .part of each unfinished job that has one, to be written again by a compaction. Few:
    // the running jobs, and restored ones that still wait to continue theirs.
    QHash<quint64, PartialDownload> m_parts;
    QByteArray m_buffer; // encoded records not yet handed to the writer
    QByteArray m_json; // scratch for one record
    bool m_sessionStarted = false;
    bool m_replacePending = false; // m_buffer holds a whole new file, not an append
    bool m_urgentPosted = false;
    bool m_rewriteAfterFailure = false;
    qint64 m_recordsInFile = 0; // since the file was last written whole
    quint64 m_lastHandOff = 0; // the writer's sequence number of it
    Statistics m_statistics;
    QTimer m_flushTimer;
    QElapsedTimer m_sinceFailure;
    QString m_errorString;
};

} // namespace Parafetch
