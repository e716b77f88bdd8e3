// SPDX-License-Identifier: GPL-3.0-or-later
// How long the rest of a run will take, from the work still to go and what is in flight now.
#include "run/eta.h"

#include "units.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace Parafetch {

namespace {

qint64 medianOf(QList<qint64> values)
{
    const auto middle = values.begin() + values.size() / 2;
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

} // namespace

EtaEstimate EtaEstimator::estimate(const EtaSnapshot &snapshot)
{
    EtaEstimate result;
    if (snapshot.paused) {
        result.status = EtaEstimate::Status::Paused;
        return result;
    }
    if (snapshot.queued <= 0 && snapshot.inFlight.isEmpty()) {
        result.status = EtaEstimate::Status::Known;
        result.remainingNs = 0;
        return result;
    }
    const bool haveMedian = snapshot.recentDurationsNs.size() >= MinDurationSamples;
    const qint64 medianNs = haveMedian ? medianOf(snapshot.recentDurationsNs) : 0;
    // A URL that has no rate of its own yet (headers in, no body) gets its share of everyone's.
    const double sharedRate = snapshot.bytesPerSecond / double(snapshot.inFlight.size());

    double longestNs = 0;
    double workNs = double(snapshot.queued) * double(medianNs);
    bool anyRated = false; // an in-flight URL whose remaining time its bytes tell
    bool anyUnsized = false; // an in-flight URL whose size is unknown
    for (const EtaInFlight &url : snapshot.inFlight) {
        double leftNs = 0;
        if (url.totalBytes >= 0) {
            const qint64 bytesLeft = std::max<qint64>(url.totalBytes - url.receivedBytes, 0);
            const double ownRate = url.receivedBytes > 0 && url.elapsedNs > 0
                ? double(url.receivedBytes) * Units::NsPerSecond / double(url.elapsedNs)
                : 0;
            const double rate = ownRate > 0 ? ownRate : sharedRate;
            if (bytesLeft == 0 || rate > 0) {
                leftNs = double(bytesLeft) * Units::NsPerSecond / std::max(rate, 1.0);
                anyRated = true;
                longestNs = std::max(longestNs, leftNs);
                workNs += leftNs;
                continue;
            }
        }
        // Nothing tells how much is left: it needs at least what a typical URL still would,
        // and never less than nothing.
        anyUnsized = true;
        leftNs = std::max(double(medianNs - url.elapsedNs), 0.0);
        longestNs = std::max(longestNs, leftNs);
        workNs += leftNs;
    }

    const bool anyFinished = !snapshot.recentDurationsNs.isEmpty();
    const bool anyRateHistory = anyFinished || snapshot.bytesPerSecond > 0;
    if ((!anyFinished && !anyRated) || (anyUnsized && !anyRateHistory))
        return result; // Unknown
    if ((snapshot.queued > 0 || anyUnsized) && !haveMedian) {
        result.status = EtaEstimate::Status::Estimating;
        return result;
    }
    const double spreadNs = workNs / double(std::max(snapshot.workers, 1));
    // Work still in flight or queued is never "0 s" (a body fully received may still wait for
    // its end): at least a nanosecond, which shows as "about 1 s".
    const qint64 remainingNs =
        std::max<qint64>(qint64(std::ceil(std::max(longestNs, spreadNs))), anyUnsized ? 0 : 1);
    if (anyUnsized && remainingNs == 0)
        return result; // "at least nothing" with URLs still in flight says nothing: Unknown
    result.status = EtaEstimate::Status::Known;
    result.remainingNs = remainingNs;
    result.lowerBound = anyUnsized;
    return result;
}

EtaSnapshot etaSnapshot(const QList<Job> &jobs, qint64 nowNs, int workers, bool paused)
{
    EtaSnapshot snapshot;
    snapshot.paused = paused;
    snapshot.workers = workers;
    using Finish = std::pair<qint64, qint64>; // (finished at, duration)
    std::vector<Finish> finishes;
    for (const Job &job : jobs) {
        if (job.state == JobState::Queued) {
            ++snapshot.queued;
        } else if (job.state == JobState::Running) {
            const qint64 startNs =
                job.attemptStartedAtNs >= 0 ? job.attemptStartedAtNs : job.startedAtNs;
            const qint64 elapsedNs = startNs >= 0 ? std::max<qint64>(nowNs - startNs, 0) : 0;
            snapshot.inFlight.append({ job.bytesReceived, job.bytesTotal, elapsedNs });
            if (job.bytesReceived > 0 && elapsedNs > 0)
                snapshot.bytesPerSecond +=
                    double(job.bytesReceived) * Units::NsPerSecond / double(elapsedNs);
        } else if (job.isFinished() && job.durationNs() >= 0) {
            finishes.emplace_back(job.finishedAtNs, job.durationNs());
        }
    }
    // The most recent ones to the back, in linear time: a heap of them cost several times the
    // walk over the rows itself with 100 000 of them.
    const auto firstRecent = finishes.end()
        - std::min<std::ptrdiff_t>(std::ptrdiff_t(finishes.size()),
                                   EtaEstimator::RecentDurationCount);
    std::nth_element(finishes.begin(), firstRecent, finishes.end());
    snapshot.recentDurationsNs.reserve(qsizetype(finishes.end() - firstRecent));
    for (auto it = firstRecent; it != finishes.end(); ++it)
        snapshot.recentDurationsNs.append(it->second);
    return snapshot;
}

} // namespace Parafetch
