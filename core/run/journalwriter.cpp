// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal's writer thread (see journalwriter.h).
#include "run/journalwriter.h"

#include "run/runjournal.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <chrono>
#include <utility>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace Parafetch {

namespace {

// Makes a rename or a newly created file survive a power cut: the directory entry is data too.
bool syncDirectory(const QString &directory)
{
#ifdef Q_OS_UNIX
    const int fd = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
#else
    Q_UNUSED(directory);
    return true;
#endif
}

bool syncData(QFile &file)
{
#if defined(Q_OS_LINUX)
    return ::fdatasync(file.handle()) == 0;
#elif defined(Q_OS_UNIX)
    return ::fsync(file.handle()) == 0;
#else
    return file.flush(); // no portable data sync: the system writes it back soon enough
#endif
}

} // namespace

JournalWriter::JournalWriter(const QString &path, FailureHandler onFailure)
    : m_path(path)
    , m_onFailure(std::move(onFailure))
{
    m_thread = std::thread([this] { run(); });
}

JournalWriter::~JournalWriter()
{
    {
        const std::lock_guard locker(m_mutex);
        m_stopping = true;
    }
    m_workAvailable.notify_one();
    m_thread.join();
}

quint64 JournalWriter::enqueue(Op op, QByteArray bytes)
{
    quint64 sequence = 0;
    {
        const std::lock_guard locker(m_mutex);
        m_queue.append({ op, std::move(bytes) });
        sequence = ++m_enqueued;
    }
    m_workAvailable.notify_one();
    return sequence;
}

bool JournalWriter::waitFor(quint64 sequence, int timeoutMs)
{
    std::unique_lock locker(m_mutex);
    return m_progress.wait_for(locker, std::chrono::milliseconds(timeoutMs),
                               [this, sequence] { return m_completed >= sequence; });
}

JournalWriter::Counters JournalWriter::counters() const
{
    const std::lock_guard locker(m_mutex);
    return m_counters;
}

void JournalWriter::run()
{
    std::unique_lock locker(m_mutex);
    for (;;) {
        m_workAvailable.wait(locker, [this] { return !m_queue.isEmpty() || m_stopping; });
        if (m_queue.isEmpty())
            break; // stopping, and nothing is left to write
        QList<Command> batch;
        batch.swap(m_queue);
        locker.unlock();
        process(batch);
        locker.lock();
        m_counters.writes += m_local.writes;
        m_counters.syncs += m_local.syncs;
        m_counters.failures += m_local.failures;
        m_local = {};
        m_completed += quint64(batch.size());
        m_progress.notify_all();
    }
    locker.unlock();
    m_file.reset();
}

// Appends queued back to back become one write and one sync.
void JournalWriter::process(QList<Command> &batch)
{
    for (qsizetype i = 0; i < batch.size(); ++i) {
        Command &command = batch[i];
        switch (command.op) {
        case Op::Replace:
            replace(command.bytes);
            break;
        case Op::Remove:
            remove();
            break;
        case Op::Append: {
            QByteArray bytes = std::move(command.bytes);
            while (i + 1 < batch.size() && batch.at(i + 1).op == Op::Append)
                bytes += batch[++i].bytes;
            append(bytes);
            break;
        }
        }
    }
}

void JournalWriter::replace(const QByteArray &bytes)
{
    m_file.reset();
    const QString directory = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(directory))
        return fail(RunJournal::tr("Could not create the folder %1")
                        .arg(QDir::toNativeSeparators(directory)));
    // A new journal replaces the old one whole or not at all, so a crash right now leaves
    // either the previous run's journal or this one's, never a mix.
    QSaveFile save(m_path);
    if (!save.open(QIODevice::WriteOnly))
        return fail(describe(save, RunJournal::tr("open")));
    if (save.write(bytes) != bytes.size())
        return fail(describe(save, RunJournal::tr("write")));
    if (!save.commit()) // QSaveFile syncs the data before it renames
        return fail(describe(save, RunJournal::tr("save")));
    ++m_local.writes;
    ++m_local.syncs;
    if (syncDirectory(directory))
        ++m_local.syncs;
    auto file = std::make_unique<QFile>(m_path);
    // Unbuffered: each batch is one write() straight to the file, not copies through
    // QFile's buffer in 16 KiB pieces.
    if (!file->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
        return fail(describe(*file, RunJournal::tr("open")));
    m_file = std::move(file);
    m_broken = false;
}

void JournalWriter::append(const QByteArray &bytes)
{
    // After a failure the file may end in a partial line and miss records; appending to it
    // would make it lie. The model's thread rewrites it whole instead (a Replace).
    if (m_broken || !m_file)
        return;
    if (m_file->write(bytes) != bytes.size())
        return fail(describe(*m_file, RunJournal::tr("write")));
    ++m_local.writes;
    if (!syncData(*m_file))
        return fail(describe(*m_file, RunJournal::tr("sync")));
    ++m_local.syncs;
}

void JournalWriter::remove()
{
    m_file.reset();
    m_broken = true; // nothing may be appended until a new journal is begun
    if (QFile::exists(m_path) && !QFile::remove(m_path))
        fail(RunJournal::tr("Could not remove %1").arg(QDir::toNativeSeparators(m_path)));
}

QString JournalWriter::describe(const QFileDevice &file, const QString &action) const
{
    return RunJournal::tr("Could not %1 the run journal %2: %3")
        .arg(action, QDir::toNativeSeparators(m_path), file.errorString());
}

void JournalWriter::fail(const QString &message)
{
    m_broken = true;
    m_file.reset();
    ++m_local.failures;
    if (m_onFailure)
        m_onFailure(message);
}

} // namespace Parafetch
