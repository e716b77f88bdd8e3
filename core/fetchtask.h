// One URL's fetch, run in a pool thread: request, stream the body to a sink, retry, report.
#pragma once

#include "fetchoptions.h"
#include "job.h"

#include <QMutex>
#include <QObject>
#include <QRunnable>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QDateTime;
class QNetworkAccessManager;

namespace Parafetch {

class BodySink;
class FetchTaskCanceller;

// Shared by a task (in its pool thread) and the engine (in its own thread). The engine polls
// the counters on a timer instead of receiving a signal per chunk (DESIGN rule 5).
class TaskControl final
{
public:
    enum class Claim : int { Pending, Running, Revoked };

    std::atomic<qint64> bytesReceived { 0 };
    std::atomic<qint64> bytesTotal { -1 };
    std::atomic<qint64> startedAtNs { -1 };
    std::atomic<int> worker { -1 };
    std::atomic<int> attempt { 0 };

    // The pool thread that dequeues the task claims it; the engine revokes tasks it no longer
    // wants started (pause, cancel, shutdown). Exactly one of the two wins.
    bool claim();
    bool revoke();
    Claim claimState() const { return Claim(m_claim.load(std::memory_order_acquire)); }

    // Thread-safe; aborts the running request or backoff wait in the task's own thread.
    void requestCancel();
    bool isCancelRequested() const { return m_cancelRequested.load(std::memory_order_acquire); }

private:
    friend class FetchTask;
    void setCanceller(FetchTaskCanceller *canceller);

    std::atomic<int> m_claim { int(Claim::Pending) };
    std::atomic<bool> m_cancelRequested { false };
    QMutex m_mutex;
    FetchTaskCanceller *m_canceller = nullptr; // guarded by m_mutex; lives in the task's thread
};

// What every pool thread keeps for the whole life of the pool (DESIGN rule 2): one network
// access manager, so keep-alive connections are reused, and one read buffer.
struct WorkerContext
{
    WorkerContext();
    ~WorkerContext();
    Q_DISABLE_COPY_MOVE(WorkerContext)

    std::unique_ptr<QNetworkAccessManager> manager;
    QByteArray buffer;
    int index = -1;
};

// Services the engine lends its tasks; both are thread-safe.
struct TaskEnvironment
{
    std::function<qint64()> now;             // the engine's monotonic clock, ns
    std::function<WorkerContext &()> worker; // the calling thread's context, made on first use
};

class FetchTask final : public QRunnable
{
public:
    using Reporter = std::function<void(Job &&job)>;

    FetchTask(Job job, FetchOptions options, std::unique_ptr<BodySink> sink,
              std::shared_ptr<TaskControl> control,
              std::shared_ptr<const TaskEnvironment> environment, Reporter report);
    ~FetchTask() override;

    void run() override;

    // Retry-After as milliseconds from now: delta-seconds or an HTTP-date; nullopt if invalid.
    static std::optional<qint64> parseRetryAfter(const QByteArray &value, const QDateTime &now);
    static bool isRetryable(const Job &job);

private:
    struct Attempt;
    void runAttempt(WorkerContext &context, Attempt &attempt);
    void resetForAttempt(int number);
    void fail(ErrorKind kind, const QString &message);
    bool waitBeforeRetry(qint64 delayMs);
    qint64 retryDelayMs(int attemptNumber, const QByteArray &retryAfter) const;

    Job m_job;
    const FetchOptions m_options;
    std::unique_ptr<BodySink> m_sink;
    const std::shared_ptr<TaskControl> m_control;
    const std::shared_ptr<const TaskEnvironment> m_environment;
    const Reporter m_report;
    FetchTaskCanceller *m_canceller = nullptr;
};

// Lives in the task's thread for the length of run(); the engine reaches it through
// TaskControl::requestCancel() with a queued call.
class FetchTaskCanceller final : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    std::function<void()> abortCurrent;

    Q_INVOKABLE void cancel()
    {
        if (abortCurrent)
            abortCurrent();
    }
};

} // namespace Parafetch
