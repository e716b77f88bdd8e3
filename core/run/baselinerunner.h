// SPDX-License-Identifier: GPL-3.0-or-later
// Measures a real serial baseline: the same list again, one URL at a time.
#pragma once

#include "fetchoptions.h"
#include "job.h"
#include "runsummary.h"

#include <QObject>

#include <memory>

namespace Parafetch {

class FetchEngine;
class JobQueueModel;
struct UrlEntry;

// The serial estimate (Σ duration of a concurrent run) flatters, because latency grows with
// concurrency; this runs the list with one worker so the real speedup can be shown beside it.
class BaselineRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BaselineRunner)
public:
    explicit BaselineRunner(QObject *parent = nullptr);
    ~BaselineRunner() override;

    // The mean duration of the jobs already fetched (succeeded or failed: they were measured),
    // -1 when none was: what a serial run's time can be told from before it starts.
    static qint64 meanMeasuredNs(const QList<Job> &jobs);
    // How long a serial run of `urls` URLs will about take: their mean measured duration each;
    // -1 (unknown) when nothing was measured.
    static qint64 estimateNs(int urls, qint64 meanMeasuredNs);

    // Bodies are never saved during a baseline, whatever options say.
    void start(const QList<UrlEntry> &entries, FetchOptions options);
    void cancel();
    bool isRunning() const;
    int total() const;
    int finishedCount() const;

Q_SIGNALS:
    void progress(int finished, int total);
    // summary.wallNs is the measured serial time.
    void finished(const Parafetch::RunSummary &summary, bool completed);

private:
    std::unique_ptr<JobQueueModel> m_model;
    std::unique_ptr<FetchEngine> m_engine;
    bool m_cancelled = false;
};

} // namespace Parafetch
