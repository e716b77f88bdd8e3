// SPDX-License-Identifier: GPL-3.0-or-later
// What-if: a run's measured per-URL times replayed through the engine's scheduling rules at
// other worker counts, per-host caps and orders, to predict the wall time without fetching again.
#pragma once

#include "job.h"
#include "run/sweeprunner.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

#include <vector>

namespace Parafetch {

enum class WhatIfOrder : quint8 {
    Listed, // the list's order, as the engine takes it
    LongestFirst, // the longest measured URL first (ties in list order)
};

struct WhatIfSetting
{
    int workers = 1; // N lanes
    int perHost = 0; // at most this many URLs of one host handed out at once; 0 = no cap
    WhatIfOrder order = WhatIfOrder::Listed;
};

struct WhatIfPrediction
{
    WhatIfSetting setting;
    qint64 wallNs = 0; // the replay's first start to its last finish
    qint64 serialNs = 0; // the sum of the replayed times, the same for every setting
    int straggler = -1; // the replayed URL that ends last (an index into WhatIf::jobIndex())
    qint64 stragglerNs = -1; // its measured time

    double speedup() const { return wallNs > 0 ? double(serialNs) / double(wallNs) : 0; }
    // How much of the wall the straggler's own time is: near 1, one URL sets the wall.
    double stragglerShare() const
    {
        return wallNs > 0 && stragglerNs >= 0 ? double(stragglerNs) / double(wallNs) : 0;
    }
};

// A measured wall beside the replay's at the same setting (the run's own, or a sweep level's):
// what the replay leaves out (connection set-up that grows with N, the scheduler, a server that
// slows down under load) shows as the factor between them.
struct WhatIfCalibration
{
    int workers = 0;
    qint64 measuredWallNs = -1;
    qint64 replayWallNs = -1;
    bool fromSweep = false;

    bool isValid() const { return measuredWallNs > 0 && replayWallNs > 0; }
    double factor() const { return isValid() ? double(measuredWallNs) / double(replayWallNs) : 1; }
    // (replay - measured) / measured: negative when the replay is too optimistic.
    double error() const
    {
        return isValid() ? double(replayWallNs - measuredWallNs) / double(measuredWallNs) : 0;
    }
};

// What was measured of the list, to calibrate the replay with.
struct WhatIfMeasurements
{
    int listSize = 0; // the run's URLs, replayed or not: a sweep of another size ran another list
    int workers = 0; // the run's N; 0 = unknown
    int perHost = 0; // the run's per-host cap: the measured walls are replayed with it
    qint64 wallNs = -1; // the run's measured wall; 0 or less = unknown (a run still going on)
    QList<SweepPoint> sweep; // the levels of a sweep (with the run's options)
};

// The replay is a pure, deterministic discrete-event simulation of FetchEngine::fill() and the
// lanes of FetchWorker (ARCHITECTURE "Data flow"): the engine hands queued URLs out in list
// order, up to 2 × N at once (PrefetchPerWorker), into a FIFO that a free lane takes the next
// URL from; under a per-host cap a host's URLs count from when they are handed out until they
// finish, and the hand-out looks past the URLs of a host at its cap to the next URL of another
// host (the lane does not wait). Each URL occupies its lane for its measured duration (all
// attempts, backoff and redirects included), and a lane starts its next URL the moment one
// ends.
//
// Not modelled: --rate and --per-host-interval pacing (the export does not record them), polite
// mode's per-host pauses after 429/503, the engine's bound of 4,096 skipped URLs per hand-out,
// a bandwidth cap shared by the lanes, and any change of per-URL times with N (a server that
// slows down under concurrency): that is what the calibration measures.
//
// Cost: O(n log N) per setting without a cap, O(n (log N + log hosts)) with one, plus a sort
// for longest first: 100,000 URLs at twelve settings take about 0.1 s (-O2).
class WhatIf
{
    Q_DECLARE_TR_FUNCTIONS(WhatIf)
public:
    static constexpr int HandOutPerWorker = 2; // FetchEngine: 1 + PrefetchPerWorker

    // Takes every job with a measured duration, failed and cancelled ones too (their attempts
    // held a lane); leaves out restored results (timed on another run's clock) and jobs that
    // never ran to an end (queued, running, cancelled before they started), and counts them.
    explicit WhatIf(const QList<Job> &jobs);

    int replayedCount() const { return int(m_durations.size()); }
    int restoredCount() const { return m_restored; }
    int untimedCount() const { return m_untimed; }
    qint64 serialNs() const { return m_serialNs; }
    // The index in the jobs given to the constructor of replayed URL `replayed`.
    int jobIndex(int replayed) const { return m_jobIndex.at(std::size_t(replayed)); }

    WhatIfPrediction predict(const WhatIfSetting &setting) const;

    // The replay at `workers` (listed order) beside a measured wall.
    WhatIfCalibration calibrationAt(int workers, int perHost, qint64 measuredWallNs,
                                    bool fromSweep = false) const;
    // The measured walls beside the replay's: the run's own at its N (when both are known), then
    // each sweep level of the same list. A level of another list (a sample, another length) is
    // not this list's wall: it goes to otherLists and is not used.
    QList<WhatIfCalibration> calibrate(const WhatIfMeasurements &measured,
                                       QList<SweepPoint> *otherLists = nullptr) const;
    // The factor to multiply a replayed wall at `workers` by: from the nearest calibrations,
    // interpolated in log2(N) between two, the nearest one's beyond the ends; 1 with none.
    static double factorFor(const QList<WhatIfCalibration> &calibrations, int workers);
    // The prediction's wall times factorFor() at its N: the replay corrected by what was measured.
    static qint64 calibratedWallNs(const QList<WhatIfCalibration> &calibrations,
                                   const WhatIfPrediction &prediction);
    // How far to trust a prediction, one paragraph (the README's "How far to trust it").
    static QString trustText();

    // "1,4,16,64": whole numbers from 1 to 512 (the engine's range), sorted and made unique;
    // false with a sentence naming the bad item, which does not say where the list was typed.
    static bool parseWorkerList(const QString &text, QList<int> *workers, QString *error);
    // The default list: 1, 2, 4, … 128.
    static QList<int> defaultWorkerList();

private:
    qint64 replayUncapped(const std::vector<int> &order, int workers, int *last) const;
    qint64 replayCapped(const std::vector<int> &order, int workers, int perHost, int *last) const;

    std::vector<qint64> m_durations; // per replayed URL, in list order
    std::vector<int> m_hosts; // host number per replayed URL
    std::vector<int> m_jobIndex;
    int m_hostCount = 0;
    int m_restored = 0;
    int m_untimed = 0;
    qint64 m_serialNs = 0;
};

} // namespace Parafetch
