// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal's writer thread: appends, syncs, replaces and removes the journal file.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

QT_BEGIN_NAMESPACE
class QFile;
class QFileDevice;
QT_END_NAMESPACE

namespace Parafetch {

// Owns the file. Everything it does happens in its own thread, in the order it was asked for;
// the model's thread only queues byte arrays and, rarely, waits for them. Standard threads and
// locks rather than Qt's: ThreadSanitizer sees through these (pthreads), not through QMutex's
// futexes inside an uninstrumented Qt, so a sanitizer run can vouch for this class.
class JournalWriter final
{
public:
    enum class Op : quint8 { Replace, Append, Remove };
    // Called from the writer's thread.
    using FailureHandler = std::function<void(const QString &message)>;

    struct Counters
    {
        qint64 writes = 0;
        qint64 syncs = 0;
        qint64 failures = 0;
    };

    JournalWriter(const QString &path, FailureHandler onFailure);
    // Everything queued is still written: this is how the last records of a run reach the disk.
    ~JournalWriter();

    Q_DISABLE_COPY_MOVE(JournalWriter)

    // Returns the command's sequence number, for waitFor().
    quint64 enqueue(Op op, QByteArray bytes);
    // True once everything up to that sequence number has been done (or failed).
    bool waitFor(quint64 sequence, int timeoutMs);
    Counters counters() const;

private:
    struct Command
    {
        Op op;
        QByteArray bytes;
    };

    void run();
    void process(QList<Command> &batch);
    void replace(const QByteArray &bytes);
    void append(const QByteArray &bytes);
    void remove();
    QString describe(const QFileDevice &file, const QString &action) const;
    void fail(const QString &message);

    const QString m_path;
    const FailureHandler m_onFailure;

    mutable std::mutex m_mutex;
    std::condition_variable m_workAvailable;
    std::condition_variable m_progress;
    QList<Command> m_queue; // guarded by m_mutex
    quint64 m_enqueued = 0; // guarded by m_mutex
    quint64 m_completed = 0; // guarded by m_mutex
    Counters m_counters; // guarded by m_mutex
    bool m_stopping = false; // guarded by m_mutex

    // The writer thread's own.
    std::unique_ptr<QFile> m_file;
    Counters m_local;
    bool m_broken = false;

    std::thread m_thread; // started in the constructor's body, once every member exists
};

} // namespace Parafetch
