// SPDX-License-Identifier: GPL-3.0-or-later
// How long the rest of a run will take, from the work still to go and what is in flight now.
#pragma once

#include "job.h"

#include <QList>
#include <QtGlobal>

namespace Parafetch {

// One URL being fetched right now.
struct EtaInFlight
{
    qint64 receivedBytes = 0;
    qint64 totalBytes = -1; // Content-Length, -1 = unknown
    qint64 elapsedNs = 0; // since its current attempt started
};

// What the estimate is made from, taken at one moment (etaSnapshot() takes it from the queue).
struct EtaSnapshot
{
    bool paused = false;
    int queued = 0; // URLs not started yet
    int workers = 1; // how many URLs may be in flight at once
    QList<EtaInFlight> inFlight;
    QList<qint64> recentDurationsNs; // per-URL durations of the URLs that finished last
    double bytesPerSecond = 0; // all in-flight URLs together right now, 0 = unknown
};

struct EtaEstimate
{
    enum class Status {
        Unknown, // the data cannot support a figure ("–")
        Estimating, // some data, not enough yet ("estimating…")
        Paused,
        Known, // remainingNs ("about N s")
    };
    Status status = Status::Unknown;
    qint64 remainingNs = -1; // Known only; 0 when nothing is left
    // Some in-flight URL's size is unknown: it counts only what its peers' durations predict,
    // so the run may well take longer.
    bool lowerBound = false;
};

// The time left is the larger of two bounds: the in-flight URL that needs longest (a worker
// cannot share it out), and all the work left spread over the workers. An in-flight URL with a
// known size needs its remaining bytes at its own rate; a queued one, the median duration of
// the URLs that finished last. Unlike a rate of finished URLs, this does not claim a second when
// a slow download has just begun or the fast URLs happened to finish first.
class EtaEstimator
{
public:
    // Fewer finished URLs than this give no median to estimate queued or unsized URLs from.
    static constexpr int MinDurationSamples = 3;
    // etaSnapshot() takes the durations of this many most recently finished URLs: recent
    // enough to follow a change (more workers, a slow host's URLs), many enough for a median.
    static constexpr int RecentDurationCount = 32;

    static EtaEstimate estimate(const EtaSnapshot &snapshot);
};

// The snapshot of a queue at nowNs, for a run with this many workers.
EtaSnapshot etaSnapshot(const QList<Job> &jobs, qint64 nowNs, int workers, bool paused);

} // namespace Parafetch
