// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal: the model observer, whose records (journalrecord) are encoded on the model's
// thread and appended and synced by the writer thread (journalwriter), and replay.
#include "run/runjournal.h"

#include "engine/fetchengine.h"
#include "engine/filelog.h"
#include "filenames.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "run/journalrecord.h"
#include "run/journalwriter.h"
#include "sha256.h"
#include "urllistparser.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLockFile>
#include <QRandomGenerator>
#include <QStandardPaths>

#include <algorithm>
#include <optional>
#include <utility>

namespace Parafetch {

namespace {

constexpr QLatin1String JournalFileName("journal.log");
constexpr QLatin1String LockSuffix(".lock");
// A guess at an add record's size, to reserve once for a pasted list instead of regrowing.
constexpr qsizetype TypicalAddBytes = 128;

} // namespace

QString RunJournal::defaultPath()
{
    const QString directory = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (directory.isEmpty())
        return {};
    return QDir(directory).filePath(JournalFileName);
}

quint32 RunJournal::lineChecksum(QByteArrayView json)
{
    return JournalRecord::checksum(json);
}

namespace {
bool removeStalePart(const QString &path);
} // namespace

QByteArray RunJournal::listDigest(const QList<UrlEntry> &entries)
{
    Sha256 hash;
    for (const UrlEntry &entry : entries) {
        hash.addData(redactedUrl(entry.url).toUtf8());
        hash.addData("\n");
    }
    return hash.result().toHex();
}

QString RunJournal::fileLogPath(const QString &journalPath)
{
    return journalPath + QLatin1String(".files");
}

RunJournal::RunJournal(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_runToken(QByteArray::number(QRandomGenerator::global()->generate64(), 16))
    , m_fileLog(std::make_shared<FileLog>(fileLogPath(path)))
{
    m_writer = std::make_unique<JournalWriter>(path, [this](const QString &message) {
        // From the writer's thread; the event is dropped if this object is gone by then.
        QMetaObject::invokeMethod(
            this, [this, message] { onWriteFailed(message); }, Qt::QueuedConnection);
    });
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(FlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &RunJournal::flush);
}

RunJournal::~RunJournal()
{
    handOff();
    m_writer.reset();
    m_lock.reset();
}

bool RunJournal::claim(QString *error)
{
    const auto failed = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (m_lock)
        return true;
    const QString directory = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(directory))
        return failed(
            tr("Could not create the folder %1").arg(QDir::toNativeSeparators(directory)));
    auto lock = std::make_unique<QLockFile>(m_path + LockSuffix);
    // Held for the whole session: only a lock whose process is gone counts as stale, never an
    // old one (a download monitor may run for days).
    lock->setStaleLockTime(0);
    if (lock->tryLock(0)) {
        m_lock = std::move(lock);
        return true;
    }
    if (lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host, application;
        lock->getLockInfo(&pid, &host, &application);
        return failed(tr("Another Parafetch (process %1) is using the run journal %2.")
                          .arg(pid)
                          .arg(QDir::toNativeSeparators(m_path)));
    }
    return failed(tr("Could not lock the run journal %1.").arg(QDir::toNativeSeparators(m_path)));
}

void RunJournal::attach(JobQueueModel *model, FetchEngine *engine)
{
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    if (m_engine) {
        disconnect(m_engine, nullptr, this, nullptr);
        m_engine->setFileLog(nullptr);
    }
    m_model = model;
    m_engine = engine;
    m_journaled.clear();
    m_parts.clear();
    if (!model)
        return;
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onRowsInserted(first, last); });
    connect(
        model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
        [this](const QModelIndex &, int first, int last) { onRowsAboutToBeRemoved(first, last); });
    connect(model, &QAbstractItemModel::modelReset, this, &RunJournal::onModelReset);
    connect(model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                onDataChanged(topLeft.row(), bottomRight.row());
            });
    if (engine) {
        connect(engine, &FetchEngine::runFinished, this, &RunJournal::flush);
        connect(engine, &FetchEngine::partialStarted, this, &RunJournal::onPartialStarted);
        engine->setFileLog(m_fileLog);
    }
    if (model->rowCount() > 0)
        onRowsInserted(0, model->rowCount() - 1);
}

void RunJournal::onRowsInserted(int first, int last)
{
    beginSession();
    m_buffer.reserve(m_buffer.size() + qsizetype(last - first + 1) * TypicalAddBytes);
    m_journaled.insert(first, last - first + 1, JobState::Queued);
    for (int row = first; row <= last; ++row) {
        const Job &job = m_model->jobAt(row);
        appendAdd(job);
        writeStateIfChanged(row); // restored rows arrive finished
        if (job.resumeFrom() && !job.isFinished())
            recordPart(job.id, *job.resumeFrom()); // restored, its .part still to be continued
    }
    requestUrgentFlush();
}

void RunJournal::onRowsAboutToBeRemoved(int first, int last)
{
    beginSession();
    // Ids grow with the rows, so the removed ones are mostly runs of consecutive ids: written
    // as ranges, removing a whole finished list costs a few bytes, not one number per row.
    QList<std::pair<quint64, quint64>> ranges;
    for (int row = first; row <= last; ++row) {
        const quint64 id = m_model->jobAt(row).id;
        if (!m_parts.isEmpty())
            m_parts.remove(id);
        if (!ranges.isEmpty() && id == ranges.last().second + 1)
            ranges.last().second = id;
        else
            ranges.append({ id, id });
    }
    appendRecord(JournalRecord::remove(m_json, ranges));
    m_journaled.remove(first, last - first + 1);
    requestUrgentFlush();
}

void RunJournal::onModelReset()
{
    beginSession();
    appendRecord(JournalRecord::marker(m_json, "clear"));
    m_journaled.clear();
    m_parts.clear();
    if (m_model->rowCount() > 0)
        onRowsInserted(0, m_model->rowCount() - 1);
    requestUrgentFlush();
}

void RunJournal::onDataChanged(int first, int last)
{
    // Live progress is announced ten times a second for the running rows: the check below is a
    // comparison per row, and a record is written only when a row finishes or is queued again.
    const qint64 before = m_recordsInFile;
    for (int row = std::max(first, 0); row <= last && row < m_journaled.size(); ++row)
        writeStateIfChanged(row);
    if (m_recordsInFile != before)
        requestLazyFlush();
}

void RunJournal::writeStateIfChanged(int row)
{
    const Job &job = m_model->jobAt(row);
    const JobState state = job.isFinished() ? job.state : JobState::Queued;
    if (m_journaled.at(row) == state)
        return;
    beginSession();
    appendState(job);
    m_journaled[row] = state;
    if (!m_parts.isEmpty())
        m_parts.remove(job.id); // a state record voids the part (see replay)
}

void RunJournal::onPartialStarted(quint64 id, const PartialDownload &part)
{
    // Announced from the engine's queue, possibly after the job's result: only a job that is
    // still unfinished has a part worth continuing.
    const int row = m_model ? m_model->rowForId(id) : -1;
    if (row < 0 || m_model->jobAt(row).isFinished() || part.path.isEmpty()
        || !JournalRecord::isJournalableValidator(part.validator))
        return;
    const qint64 before = m_recordsInFile;
    recordPart(id, part);
    if (m_recordsInFile != before)
        requestLazyFlush();
}

void RunJournal::recordPart(quint64 id, const PartialDownload &part)
{
    const auto known = m_parts.constFind(id);
    if (known != m_parts.cend() && known->path == part.path && known->validator == part.validator)
        return; // a retry that continues the same part
    beginSession();
    m_parts.insert(id, part);
    appendPart(id, part);
}

void RunJournal::beginSession()
{
    if (m_sessionStarted)
        return;
    m_sessionStarted = true;
    m_replacePending = true;
    m_buffer.clear();
    m_recordsInFile = 0;
    appendRecord(JournalRecord::begin(m_json, FormatVersion, m_runToken, m_listDigest));
    // The previous run's file log is read by now (replay), and this run's begins: from here
    // on, its records belong to this journal.
    if (!m_fileLogStarted)
        m_fileLogStarted = m_fileLog->begin(m_runToken);
}

void RunJournal::appendRecord(const QByteArray &json)
{
    JournalRecord::appendLine(m_buffer, json);
    ++m_recordsInFile;
    ++m_statistics.records;
}

void RunJournal::appendAdd(const Job &job)
{
    appendRecord(JournalRecord::add(m_json, job));
}

void RunJournal::appendState(const Job &job)
{
    appendRecord(JournalRecord::state(m_json, job));
}

void RunJournal::appendPart(quint64 id, const PartialDownload &part)
{
    appendRecord(JournalRecord::part(m_json, id, part));
}

void RunJournal::requestUrgentFlush()
{
    // At the end of the current event, not now: a removed selection arrives as one signal per
    // row, and should still be one write and one sync.
    if (m_urgentPosted)
        return;
    m_urgentPosted = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_urgentPosted = false;
            flush();
        },
        Qt::QueuedConnection);
}

void RunJournal::requestLazyFlush()
{
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

bool RunJournal::compactionDue() const
{
    if (!m_model)
        return false;
    const qint64 live = m_model->rowCount();
    return m_recordsInFile > std::max<qint64>(CompactionMinRecords, CompactionFactor * live);
}

void RunJournal::compact()
{
    m_buffer.clear();
    m_sessionStarted = false;
    beginSession(); // a whole new file: header first, then one add (and state) per row
    for (int row = 0; row < m_journaled.size(); ++row) {
        const Job &job = m_model->jobAt(row);
        appendAdd(job);
        m_journaled[row] = JobState::Queued;
        writeStateIfChanged(row);
        const auto part = m_parts.constFind(job.id);
        if (part != m_parts.cend())
            appendPart(job.id, *part);
    }
}

void RunJournal::flush()
{
    if (!m_sessionStarted)
        return;
    if (m_rewriteAfterFailure) {
        if (m_sinceFailure.elapsed() < RetryAfterFailureMs) {
            // The rewrite will contain all of it; keeping it would only grow the buffer.
            m_buffer.clear();
            requestLazyFlush();
            return;
        }
        if (!m_model)
            return;
        m_rewriteAfterFailure = false;
        compact();
    } else if (compactionDue()) {
        compact();
        ++m_statistics.compactions;
    }
    handOff();
}

void RunJournal::handOff()
{
    if (m_buffer.isEmpty())
        return;
    m_statistics.bytes += m_buffer.size();
    const auto op = m_replacePending ? JournalWriter::Op::Replace : JournalWriter::Op::Append;
    m_lastHandOff = m_writer->enqueue(op, std::exchange(m_buffer, {}));
    m_replacePending = false;
    m_flushTimer.stop();
}

bool RunJournal::sync(int timeoutMs)
{
    const qint64 failuresBefore = m_writer->counters().failures;
    flush();
    return m_writer->waitFor(m_lastHandOff, timeoutMs)
        && m_writer->counters().failures == failuresBefore;
}

void RunJournal::markCleanExit()
{
    attach(nullptr, nullptr);
    // A run that journaled nothing leaves the previous journal as it found it: if that one
    // was offered back and the person closed the window without answering, it is offered again.
    if (!m_sessionStarted)
        return;
    // Nothing will be offered back, so the list need not stay on disk (the last list keeps what
    // the person had): the journal becomes a small file that the next start reads in no time.
    m_rewriteAfterFailure = false;
    m_sessionStarted = false;
    beginSession();
    appendRecord(JournalRecord::marker(m_json, "clean-exit"));
    handOff();
    m_writer->waitFor(m_lastHandOff, CleanExitTimeoutMs);
    m_fileLog->remove(); // nothing left to reconcile
}

void RunJournal::markKeptExit()
{
    if (!m_sessionStarted) {
        attach(nullptr, nullptr);
        return;
    }
    flush(); // a compaction, if due, comes before the marker: it rewrites the file whole
    appendRecord(JournalRecord::marker(m_json, "kept-exit"));
    handOff();
    attach(nullptr, nullptr);
    m_writer->waitFor(m_lastHandOff, CleanExitTimeoutMs);
}

void RunJournal::discardPrevious(const QList<JournaledJob> &jobs)
{
    for (const JournaledJob &job : jobs) {
        if (job.partial && !job.isFinished())
            removeStalePart(job.partial->path);
    }
    if (m_sessionStarted)
        return; // the file is already this run's journal
    m_lastHandOff = m_writer->enqueue(JournalWriter::Op::Remove, {});
    QFile::remove(fileLogPath(m_path));
}

RunJournal::Statistics RunJournal::statistics() const
{
    Statistics statistics = m_statistics;
    const JournalWriter::Counters counters = m_writer->counters();
    statistics.writes = counters.writes;
    statistics.syncs = counters.syncs;
    statistics.failures = counters.failures;
    return statistics;
}

void RunJournal::onWriteFailed(const QString &message)
{
    m_errorString = message;
    if (!m_rewriteAfterFailure) {
        m_rewriteAfterFailure = true;
        m_sinceFailure.start();
    }
    if (m_sessionStarted)
        requestLazyFlush();
    emit writeFailed(message);
}

namespace {

enum class LineOutcome { Applied, Bad, TooNew };

// Applies journal records to a list, in order.
class Replayer final
{
public:
    LineOutcome apply(QByteArrayView line)
    {
        const std::optional<QByteArrayView> json = JournalRecord::checkedJson(line);
        if (!json)
            return LineOutcome::Bad;
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(
            QByteArray::fromRawData(json->data(), json->size()), &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject())
            return LineOutcome::Bad;
        const QJsonObject record = document.object();
        const QString kind = record.value(QLatin1String("k")).toString();
        if (kind == QLatin1String("begin"))
            return begin(record);
        if (kind == QLatin1String("clean-exit")) {
            m_cleanExit = true;
            m_keptExit = false;
            return LineOutcome::Applied;
        }
        m_cleanExit = false;
        m_keptExit = false;
        if (kind == QLatin1String("kept-exit")) {
            m_keptExit = true;
            return LineOutcome::Applied;
        }
        if (kind == QLatin1String("add"))
            return add(record);
        if (kind == QLatin1String("state"))
            return state(record);
        if (kind == QLatin1String("part"))
            return part(record);
        if (kind == QLatin1String("remove"))
            return remove(record);
        if (kind == QLatin1String("clear")) {
            m_jobs.clear();
            m_index.clear();
            return LineOutcome::Applied;
        }
        return LineOutcome::Bad;
    }

    QList<JournaledJob> takeJobs()
    {
        QList<JournaledJob> jobs;
        jobs.reserve(m_index.size());
        for (JournaledJob &job : m_jobs) {
            if (job.id != 0)
                jobs.append(std::move(job));
        }
        return jobs;
    }
    bool cleanExit() const { return m_cleanExit; }
    bool keptExit() const { return m_keptExit; }
    QByteArray runToken() const { return m_runToken; }
    QByteArray listDigest() const { return m_listDigest; }

private:
    LineOutcome begin(const QJsonObject &record)
    {
        const qint64 version = record.value(QLatin1String("v")).toInteger();
        if (version > RunJournal::FormatVersion)
            return LineOutcome::TooNew;
        if (version < 1)
            return LineOutcome::Bad;
        // Every journal file starts with it; seen again, a new file begins.
        m_jobs.clear();
        m_index.clear();
        m_cleanExit = false;
        m_keptExit = false;
        m_runToken = record.value(QLatin1String("run")).toString().toLatin1();
        m_listDigest = record.value(QLatin1String("list")).toString().toLatin1();
        return LineOutcome::Applied;
    }

    LineOutcome add(const QJsonObject &record)
    {
        JournaledJob job;
        if (!JournalRecord::decodeAdd(record, &job) || m_index.contains(job.id))
            return LineOutcome::Bad;
        m_index.insert(job.id, m_jobs.size());
        m_jobs.append(std::move(job));
        return LineOutcome::Applied;
    }

    LineOutcome state(const QJsonObject &record)
    {
        const auto it = m_index.constFind(quint64(record.value(QLatin1String("id")).toInteger()));
        JournaledJob result;
        if (it == m_index.cend() || !JournalRecord::decodeState(record, &result))
            return LineOutcome::Bad;
        JournaledJob &job = m_jobs[*it];
        result.id = job.id;
        result.url = std::move(job.url);
        result.fileName = std::move(job.fileName);
        result.sourceLine = job.sourceLine;
        job = std::move(result);
        return LineOutcome::Applied;
    }

    LineOutcome part(const QJsonObject &record)
    {
        const auto it = m_index.constFind(quint64(record.value(QLatin1String("id")).toInteger()));
        auto part = std::make_shared<PartialDownload>();
        if (it == m_index.cend() || !JournalRecord::decodePart(record, part.get()))
            return LineOutcome::Bad;
        JournaledJob &job = m_jobs[*it];
        // Announced from another thread, a part may follow its job's result: nothing to continue.
        if (!job.isFinished())
            job.partial = std::move(part);
        return LineOutcome::Applied;
    }

    LineOutcome remove(const QJsonObject &record)
    {
        const QJsonValue ids = record.value(QLatin1String("ids"));
        if (!ids.isArray())
            return LineOutcome::Bad;
        for (const QJsonValueConstRef range : ids.toArray()) {
            const QJsonArray bounds = range.toArray();
            if (bounds.size() != 2)
                return LineOutcome::Bad;
            const qint64 first = bounds.at(0).toInteger();
            const qint64 last = bounds.at(1).toInteger();
            if (first <= 0 || last < first)
                return LineOutcome::Bad;
            if (quint64(last - first) < quint64(m_index.size())) {
                for (qint64 id = first; id <= last; ++id)
                    drop(quint64(id));
            } else {
                // A range wider than the list: walk the list, not the range.
                QList<quint64> inRange;
                for (auto it = m_index.cbegin(); it != m_index.cend(); ++it) {
                    if (it.key() >= quint64(first) && it.key() <= quint64(last))
                        inRange.append(it.key());
                }
                for (quint64 id : std::as_const(inRange))
                    drop(id);
            }
        }
        return LineOutcome::Applied;
    }

    void drop(quint64 id)
    {
        const auto it = m_index.constFind(id);
        if (it == m_index.cend())
            return;
        m_jobs[*it].id = 0; // left out by takeJobs()
        m_index.erase(it);
    }

    QList<JournaledJob> m_jobs; // in the order they were added; id 0 = removed
    QHash<quint64, qsizetype> m_index;
    bool m_cleanExit = true; // an empty journal needs nothing restored
    bool m_keptExit = false;
    QByteArray m_runToken;
    QByteArray m_listDigest;
};

// Whether path is a regular file (not a link) of size bytes whose SHA-256 is digest. With no
// digest (SHA-256 switched off for the run) the size has to do: the name was one the run
// reserved for this body, never a name a file already had.
bool fileMatches(const QString &path, qint64 size, const QByteArray &digest)
{
    constexpr qint64 ChunkBytes = 1 << 20;
    const QFileInfo info(path);
    if (path.isEmpty() || info.isSymLink() || !info.isFile() || info.size() != size)
        return false;
    if (digest.isEmpty())
        return true;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    Sha256 hash;
    while (!file.atEnd()) {
        const QByteArray chunk = file.read(ChunkBytes);
        if (chunk.isEmpty())
            return false;
        hash.addData(chunk);
    }
    return hash.result() == digest;
}

// A body the file log says was about to be renamed: done if it stands under its final name,
// or still under its .part name (the rename is then made now, never replacing anything).
bool adoptSaved(const FileRecord &saved)
{
    if (saved.size < 0 || saved.savedPath.isEmpty())
        return false;
    if (fileMatches(saved.savedPath, saved.size, saved.sha256))
        return true;
    // QFile::rename refuses an existing target.
    return fileMatches(saved.partPath, saved.size, saved.sha256)
        && !QFileInfo(saved.savedPath).isSymLink()
        && QFile::rename(saved.partPath, saved.savedPath);
}

// A .part of the run that nothing will continue. Only a regular file named like ours: the log
// is a file on disk, and must not steer removals elsewhere.
bool removeStalePart(const QString &path)
{
    const QFileInfo info(path);
    if (!info.fileName().endsWith(FileNames::PartSuffix) || info.isSymLink() || !info.isFile())
        return false;
    return QFile::remove(path);
}

// Applies the file log of the run to its replayed list (see RunJournal's class comment).
void reconcile(const QList<FileRecord> &records, QList<JournaledJob> *jobs,
               JournalReplayReport *report)
{
    struct Files
    {
        QStringList parts; // every .part the job had, oldest first
        FileRecord lastPart;
        qint64 keptSize = -1; // of lastPart, if the window closed keeping it
        QList<FileRecord> saved;
    };
    QHash<quint64, Files> byId;
    for (const FileRecord &record : records) {
        Files &files = byId[record.id];
        switch (record.kind) {
        case FileRecord::Kind::Part:
            if (!files.parts.contains(record.partPath))
                files.parts.append(record.partPath);
            if (record.partPath != files.lastPart.partPath)
                files.keptSize = -1;
            files.lastPart = record;
            break;
        case FileRecord::Kind::Kept:
            if (record.partPath == files.lastPart.partPath)
                files.keptSize = record.size;
            break;
        case FileRecord::Kind::Saved:
            files.saved.append(record);
            break;
        }
    }
    QHash<quint64, qsizetype> index;
    for (qsizetype i = 0; i < jobs->size(); ++i)
        index.insert(jobs->at(i).id, i);
    for (auto it = byId.cbegin(); it != byId.cend(); ++it) {
        const Files &files = it.value();
        const auto found = index.constFind(it.key());
        JournaledJob *job = found == index.cend() ? nullptr : &(*jobs)[*found];
        if (job && !job->isFinished()) {
            for (auto saved = files.saved.crbegin(); saved != files.saved.crend(); ++saved) {
                if (!adoptSaved(*saved))
                    continue;
                job->state = JobState::Succeeded;
                job->errorKind = ErrorKind::None;
                job->errorString.clear();
                job->httpStatus = saved->httpStatus;
                job->bytesReceived = saved->size;
                job->sha256 = saved->sha256;
                job->savedPath = saved->savedPath;
                job->partial.reset();
                ++report->adoptedFiles;
                break;
            }
        }
        if (job && !job->isFinished() && !files.lastPart.partPath.isEmpty()) {
            // The log is written as each .part is made, the journal later and only for parts
            // with a validator: the log's last part is the job's current one.
            job->partial.reset();
            if (JournalRecord::isJournalableValidator(files.lastPart.validator)) {
                auto part = std::make_shared<PartialDownload>();
                part->path = files.lastPart.partPath;
                part->validator = files.lastPart.validator;
                job->partial = std::move(part);
            }
        }
        if (job && job->partial && !job->isFinished()) {
            // Continued only as it was left: a file changed (or emptied) since is not.
            const QFileInfo info(job->partial->path);
            const bool usable = info.isFile() && !info.isSymLink() && info.size() > 0
                && (files.keptSize < 0 || job->partial->path != files.lastPart.partPath
                    || info.size() == files.keptSize);
            if (!usable)
                job->partial.reset();
        }
        const QString keep =
            job && job->partial && !job->isFinished() ? job->partial->path : QString();
        for (const QString &path : files.parts) {
            if (path != keep && removeStalePart(path))
                ++report->removedParts;
        }
    }
}

} // namespace

bool RunJournal::replay(const QString &path, QList<JournaledJob> *jobs, bool *cleanExit,
                        QString *error, JournalReplayReport *report, bool reconcileFiles)
{
    jobs->clear();
    *cleanExit = true;
    JournalReplayReport counts;
    if (report)
        *report = counts;
    if (!QFileInfo::exists(path))
        return true;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("Could not open the run journal %1: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    // Compaction keeps the file within a few times the list's size: reading it whole is fine.
    const QByteArray content = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        if (error)
            *error = tr("Could not read the run journal %1: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }

    Replayer replayer;
    qsizetype position = 0;
    while (position < content.size()) {
        qsizetype end = content.indexOf('\n', position);
        if (end < 0)
            end = content.size();
        const QByteArrayView line(content.constData() + position, end - position);
        position = end + 1;
        const bool last = position >= content.size();
        switch (replayer.apply(line)) {
        case LineOutcome::Applied:
            ++counts.records;
            break;
        case LineOutcome::Bad:
            // A crash in mid-write tears the last line only; anything else is damage.
            if (last)
                counts.tornTail = true;
            else
                ++counts.skippedLines;
            break;
        case LineOutcome::TooNew:
            if (error)
                *error = tr("The run journal %1 was written by a newer version of Parafetch.")
                             .arg(QDir::toNativeSeparators(path));
            return false;
        }
    }
    *jobs = replayer.takeJobs();
    *cleanExit = replayer.cleanExit();
    counts.keptExit = replayer.keptExit();
    counts.listDigest = replayer.listDigest();
    if (reconcileFiles && !*cleanExit)
        reconcile(FileLog::read(fileLogPath(path), replayer.runToken()), jobs, &counts);
    if (report)
        *report = counts;
    return true;
}

QList<Job> RunJournal::restorableJobs(const QList<JournaledJob> &jobs)
{
    QList<Job> restored;
    restored.reserve(jobs.size());
    for (const JournaledJob &journaled : jobs) {
        Job job;
        job.id = journaled.id;
        job.url = journaled.url;
        job.setFileName(journaled.fileName);
        job.sourceLine = journaled.sourceLine;
        if (journaled.isFinished()) {
            job.state = journaled.state;
            job.errorKind = journaled.errorKind;
            job.httpStatus = journaled.httpStatus;
            job.attempts = journaled.attempts;
            job.bytesReceived = journaled.bytesReceived;
            job.restored = true;
            job.setRestoredDurationNs(journaled.durationNs);
            job.sha256 = journaled.sha256;
            job.setSavedPath(journaled.savedPath);
            job.setErrorString(journaled.errorString);
            job.setFinalUrl(journaled.finalUrl);
            job.protocol = journaled.protocol;
        } else if (hasMaskedSecrets(journaled.url)) {
            job.state = JobState::Cancelled;
            job.errorKind = ErrorKind::Cancelled;
            job.setErrorString(
                tr("not restored: the run journal does not keep user names, "
                   "passwords or secret query values; add this URL again with them"));
        } else {
            job.setResumeFrom(journaled.partial);
        }
        restored.append(std::move(job));
    }
    return restored;
}

} // namespace Parafetch
