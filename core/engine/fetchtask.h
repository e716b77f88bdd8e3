// SPDX-License-Identifier: GPL-3.0-or-later
// One URL's fetch, driven by events in an engine thread: request, stream the body to a sink,
// follow redirects, retry, report.
#pragma once

#include "engine/fetchaction.h"
#include "fetchoptions.h"
#include "job.h"

#include <QBasicTimer>
#include <QMutex>
#include <QNetworkRequest>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QDateTime;
class QNetworkReply;

namespace Parafetch {

class BodyHasher;
class ByteRateLimiter;
class BodySink;
class FetchTask;
class FileLog;
class HttpReply;
class NetworkManager;

// Shared by a task (in its engine thread) and the engine (in the GUI or main thread). The engine
// polls the counters on a timer instead of receiving a signal per chunk (ARCHITECTURE rule 5).
class TaskControl final
{
public:
    enum class Claim : int { Pending, Running, Revoked };

    std::atomic<qint64> bytesReceived { 0 };
    std::atomic<qint64> bytesTotal { -1 };
    std::atomic<qint64> startedAtNs { -1 };
    std::atomic<int> worker { -1 };
    std::atomic<int> attempt { 0 };
    std::atomic<LivePhase> phase { LivePhase::Unknown }; // where the attempt is now
    // Set once the task has finished, before its report is held for a batch: a lane that has
    // moved on to its next URL no longer counts as busy with this one.
    std::atomic<bool> finished { false };

    // The engine thread that takes the task claims it; the engine revokes tasks it no longer
    // wants started (pause, cancel, shutdown). Exactly one of the two wins.
    bool claim();
    bool revoke();
    Claim claimState() const { return Claim(m_claim.load(std::memory_order_acquire)); }

    // Thread-safe; aborts the running request or backoff wait in the task's own thread.
    // keepPartial (closing with "keep partial files"): the .part stays for a later run.
    void requestCancel(bool keepPartial = false);
    bool isCancelRequested() const { return m_cancelRequested.load(std::memory_order_acquire); }
    bool isKeepPartialRequested() const { return m_keepPartial.load(std::memory_order_acquire); }

private:
    friend class FetchTask;
    void setTask(FetchTask *task);

    std::atomic<int> m_claim { int(Claim::Pending) };
    std::atomic<bool> m_cancelRequested { false };
    std::atomic<bool> m_keepPartial { false };
    QMutex m_mutex;
    FetchTask *m_task = nullptr; // guarded by m_mutex; lives in an engine thread
};

// What the engine hands over for one URL; an engine thread turns it into a FetchTask.
struct TaskSpec
{
    Job job;
    FetchAction action = FetchAction::Fetch; // what to do with the URL: the task's kind
    std::unique_ptr<BodySink> sink;
    std::shared_ptr<TaskControl> control;
    std::shared_ptr<const FetchOptions> options;
    std::shared_ptr<FileLog> fileLog; // the run journal's side file; null when not journaled
};

// Services the engine lends its tasks; both are thread-safe.
struct TaskEnvironment
{
    std::function<qint64()> now; // the engine's monotonic clock, ns
    // Finished jobs, each exactly once; the engine threads hand them over a few at a time.
    std::function<void(QList<Job> &&jobs)> report;
    // A host answered 429 or 503; delayMs is what it asked for (or our backoff).
    std::function<void(const QString &host, qint64 delayMs)> throttled;
    // A body began to go into a .part that another run could continue (it came with a strong
    // validator): the run journal keeps it, so that a restore after a crash asks for the rest.
    std::function<void(quint64 id, const PartialDownload &part)> partialStarted;
    // The run's bandwidth cap (--limit-rate): every body byte read is taken from it.
    std::shared_ptr<ByteRateLimiter> bandwidth;
};

// Lives in the engine thread that runs it and never blocks it: one thread drives many tasks.
class FetchTask final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FetchTask)
public:
    using Done = std::function<void(FetchTask *task, Job &&job)>;

    // manager belongs to the calling thread and outlives the task; requestTemplate is
    // requestFor(options, true) for the spec's options; done is called once, with the finished job
    // to report, from this thread (the task may be deleted from it).
    FetchTask(TaskSpec spec, NetworkManager *manager, const QNetworkRequest &requestTemplate,
              int lane, int thread, std::shared_ptr<const TaskEnvironment> environment, Done done);
    ~FetchTask() override;

    void start();
    int lane() const { return m_lane; }

    // Retry-After as milliseconds from now: delta-seconds or an HTTP-date; nullopt if invalid.
    static std::optional<qint64> parseRetryAfter(const QByteArray &value, const QDateTime &now);
    static bool isRetryable(const Job &job);
    // What every request made with these options carries, without its URL; the sensitive
    // headers only withSecrets (for the origin the user asked for).
    static QNetworkRequest requestFor(const FetchOptions &options, bool withSecrets);

private:
    friend class TaskControl;
    struct Attempt;

    void cancel(); // in this thread, through TaskControl::requestCancel()
    void timerEvent(QTimerEvent *event) override;
    void beginAttempt(int number);
    void sendRequest(const QUrl &url);
    void recordRequestHeaders(const QNetworkRequest &request); // for the details pane
    QNetworkRequest makeRequest(const QUrl &url) const;
    void onSocketConnecting();
    void onEncrypted();
    void onRequestSent();
    void onMetaData();
    void drain();
    // The hashing thread caught up, or a bandwidth cap allows more: read on, or finish.
    void readOn();
    // How much of `wanted` body bytes the caps let this task read now (all without a cap);
    // when none, the cap's timer is started to read on.
    qint64 allowedRead(qint64 wanted);
    void onFinished();
    void onDeadline();
    void finishAttempt();
    void classify(QNetworkReply &reply);
    QString suggestedName(const QNetworkReply &reply) const;
    // What the body must hash to: the job's own checksum, or --checksums' for its saved name.
    Sha256Digest expectedSha256(const QNetworkReply &reply) const;
    bool openSink(const QNetworkReply &reply);
    bool findExistingFile(const QNetworkReply &reply);
    QByteArray resumeValidator(const QNetworkReply &reply) const;
    bool wasNeverSent(const QNetworkReply &reply) const;
    static qint64 contentRangeStart(const QNetworkReply &reply);
    void fail(ErrorKind kind, const QString &message);
    void adoptPartial();
    bool restartWithoutAdoptedPart();
    void announcePartial(const QNetworkReply &reply);
    void complete();
    bool keepingPartial() const;
    bool commitSink(QString *error);
    // The earlier run's result for this URL that --if-changed may ask against; null for none.
    const PreviousResult *usablePrevious() const;
    void releaseReply();
    qint64 retryDelayMs(int attemptNumber, const QByteArray &retryAfter) const;
    qint64 now() const;

    Job m_job;
    const QUrl m_url; // m_job.url as a QUrl, made once: every request and check reads it
    const std::shared_ptr<const FetchOptions> m_options;
    const ActionTraits &m_action;
    std::unique_ptr<BodySink> m_sink;
    std::shared_ptr<FileLog> m_fileLog;
    const std::shared_ptr<TaskControl> m_control;
    const std::shared_ptr<const TaskEnvironment> m_environment;
    NetworkManager *const m_manager;
    const QNetworkRequest m_requestTemplate;
    const Done m_done;
    const int m_lane;

    std::unique_ptr<Attempt> m_attempt;
    HttpReply *m_reply = nullptr; // the current hop's; deleted with deleteLater()
    // QBasicTimer: no QObject each, and tasks are made per URL.
    QBasicTimer m_deadline; // the attempt's --timeout
    QBasicTimer m_retryTimer; // backoff before the next attempt
    QBasicTimer m_rateTimer; // a bandwidth cap's wait before the next read
    std::unique_ptr<ByteRateLimiter> m_ownRate; // --limit-rate-per-url, when set
    std::unique_ptr<BodyHasher> m_hash; // only when hashing is on
    qint64 m_resumeOffset = 0; // a failed attempt's kept part, for Range on the next
    QByteArray m_resumeValidator; // its ETag or Last-Modified, for If-Range
    bool m_cancelled = false;
    bool m_completed = false;
    bool m_adoptedPart = false; // the first answer to a Range for an earlier run's .part is due
    // --if-changed: what the earlier run found, held by m_options; null when not asked.
    const PreviousResult *m_previous = nullptr;
};

} // namespace Parafetch
