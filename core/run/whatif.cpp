// SPDX-License-Identifier: GPL-3.0-or-later
// What-if: the replay of measured per-URL times through the engine's scheduling rules.
#include "run/whatif.h"

#include "fetchoptions.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <queue>
#include <set>
#include <utility>

namespace Parafetch {

namespace {

// (finish time, replayed URL): the lane that frees first on top.
using LaneEvent = std::pair<qint64, int>;
using LaneHeap = std::priority_queue<LaneEvent, std::vector<LaneEvent>, std::greater<>>;

// The replayed URLs in the order the engine would meet them.
std::vector<int> orderOf(const std::vector<qint64> &durations, WhatIfOrder order)
{
    std::vector<int> result(durations.size());
    for (std::size_t i = 0; i < result.size(); ++i)
        result[i] = int(i);
    if (order == WhatIfOrder::LongestFirst) {
        std::stable_sort(result.begin(), result.end(), [&durations](int a, int b) {
            return durations[std::size_t(a)] > durations[std::size_t(b)];
        });
    }
    return result;
}

} // namespace

WhatIf::WhatIf(const QList<Job> &jobs)
{
    QHash<QString, int> hostNumbers;
    m_durations.reserve(std::size_t(jobs.size()));
    m_hosts.reserve(std::size_t(jobs.size()));
    m_jobIndex.reserve(std::size_t(jobs.size()));
    for (int i = 0; i < jobs.size(); ++i) {
        const Job &job = jobs.at(i);
        if (job.restored) {
            ++m_restored;
            continue;
        }
        const qint64 duration = job.durationNs();
        if (!job.isFinished() || duration < 0) {
            ++m_untimed;
            continue;
        }
        // The engine's key for --per-host (FetchEngine::fill()).
        const QString host = job.url.host();
        auto number = hostNumbers.constFind(host);
        if (number == hostNumbers.cend())
            number = hostNumbers.insert(host, int(hostNumbers.size()));
        m_durations.push_back(duration);
        m_hosts.push_back(*number);
        m_jobIndex.push_back(i);
        m_serialNs += duration;
    }
    m_hostCount = int(hostNumbers.size());
}

WhatIfPrediction WhatIf::predict(const WhatIfSetting &setting) const
{
    WhatIfPrediction prediction;
    prediction.setting = setting;
    prediction.serialNs = m_serialNs;
    if (m_durations.empty() || setting.workers < 1)
        return prediction;
    const std::vector<int> order = orderOf(m_durations, setting.order);
    int last = -1;
    // A host never has more URLs handed out than the engine hands out in all, so a cap that
    // large changes nothing.
    const qint64 handedOut = qint64(setting.workers) * HandOutPerWorker;
    prediction.wallNs = setting.perHost > 0 && setting.perHost < handedOut
        ? replayCapped(order, setting.workers, setting.perHost, &last)
        : replayUncapped(order, setting.workers, &last);
    prediction.straggler = last;
    prediction.stragglerNs = last >= 0 ? m_durations[std::size_t(last)] : -1;
    return prediction;
}

// Without a cap the hand-out is the list itself and the lanes take from its head: each URL goes
// to the lane that frees first.
qint64 WhatIf::replayUncapped(const std::vector<int> &order, int workers, int *last) const
{
    std::vector<LaneEvent> lanes;
    lanes.reserve(std::min(order.size(), std::size_t(workers)));
    LaneHeap free(std::greater<>(), std::move(lanes));
    qint64 wall = 0;
    for (const int url : order) {
        qint64 start = 0;
        if (free.size() == std::size_t(workers)) {
            start = free.top().first;
            free.pop();
        }
        const qint64 finish = start + m_durations[std::size_t(url)];
        free.emplace(finish, url);
        if (finish > wall || *last < 0) {
            wall = finish;
            *last = url;
        }
    }
    return wall;
}

// With a cap: FetchEngine::fill() hands out the first queued URL whose host has fewer than
// `perHost` handed out, while fewer than 2 × N are handed out; lanes take handed-out URLs in
// the order they were handed out; a finished URL frees its host's place.
qint64 WhatIf::replayCapped(const std::vector<int> &order, int workers, int perHost,
                            int *last) const
{
    // Each host's URLs as positions in `order`, and how far its hand-out has got.
    const auto hosts = std::size_t(m_hostCount);
    std::vector<std::vector<int>> pending(hosts);
    for (std::size_t position = 0; position < order.size(); ++position)
        pending[std::size_t(m_hosts[std::size_t(order[position])])].push_back(int(position));
    std::vector<std::size_t> next(hosts, 0);
    std::vector<int> handedOut(hosts, 0);
    // Hosts below the cap with URLs left, by the position of their next URL.
    std::set<std::pair<int, int>> open;
    for (int host = 0; host < m_hostCount; ++host)
        open.emplace(pending[std::size_t(host)].front(), host);

    const std::size_t window = std::size_t(workers) * HandOutPerWorker;
    std::deque<int> waiting; // handed out, not yet taken by a lane
    LaneHeap running;
    const auto fill = [&] {
        while (waiting.size() + running.size() < window && !open.empty()) {
            const auto [position, host] = *open.begin();
            open.erase(open.begin());
            waiting.push_back(order[std::size_t(position)]);
            const auto h = std::size_t(host);
            ++next[h];
            if (++handedOut[h] < perHost && next[h] < pending[h].size())
                open.emplace(pending[h][next[h]], host);
        }
    };
    const auto startWaiting = [&](qint64 now) {
        while (running.size() < std::size_t(workers) && !waiting.empty()) {
            const int url = waiting.front();
            waiting.pop_front();
            running.emplace(now + m_durations[std::size_t(url)], url);
        }
    };

    fill();
    startWaiting(0);
    qint64 wall = 0;
    while (!running.empty()) {
        const auto [now, url] = running.top();
        running.pop();
        if (now > wall || *last < 0) {
            wall = now;
            *last = url;
        }
        const auto h = std::size_t(m_hosts[std::size_t(url)]);
        // Back below the cap: the host's next URL may be handed out again.
        if (handedOut[h]-- == perHost && next[h] < pending[h].size())
            open.emplace(pending[h][next[h]], int(h));
        fill();
        startWaiting(now);
    }
    return wall;
}

QList<WhatIfCalibration> WhatIf::calibrate(const WhatIfMeasurements &measured,
                                           QList<SweepPoint> *otherLists) const
{
    QList<WhatIfCalibration> calibrations;
    if (measured.workers > 0 && measured.wallNs > 0)
        calibrations.append(calibrationAt(measured.workers, measured.perHost, measured.wallNs));
    for (const SweepPoint &point : measured.sweep) {
        if (point.urls != measured.listSize) {
            if (otherLists)
                otherLists->append(point);
            continue;
        }
        calibrations.append(calibrationAt(point.concurrency, measured.perHost, point.wallNs, true));
    }
    return calibrations;
}

WhatIfCalibration WhatIf::calibrationAt(int workers, int perHost, qint64 measuredWallNs,
                                        bool fromSweep) const
{
    WhatIfCalibration calibration;
    calibration.workers = workers;
    calibration.measuredWallNs = measuredWallNs;
    calibration.fromSweep = fromSweep;
    if (workers >= 1)
        calibration.replayWallNs = predict({ workers, perHost, WhatIfOrder::Listed }).wallNs;
    return calibration;
}

double WhatIf::factorFor(const QList<WhatIfCalibration> &calibrations, int workers)
{
    QList<WhatIfCalibration> valid;
    for (const WhatIfCalibration &calibration : calibrations) {
        if (calibration.isValid() && calibration.workers >= 1)
            valid.append(calibration);
    }
    if (valid.isEmpty() || workers < 1)
        return 1;
    std::stable_sort(valid.begin(), valid.end(),
                     [](const WhatIfCalibration &a, const WhatIfCalibration &b) {
                         return a.workers < b.workers;
                     });
    if (workers <= valid.constFirst().workers)
        return valid.constFirst().factor();
    if (workers >= valid.constLast().workers)
        return valid.constLast().factor();
    for (qsizetype i = 1; i < valid.size(); ++i) {
        const WhatIfCalibration &low = valid.at(i - 1), &high = valid.at(i);
        if (workers > high.workers)
            continue;
        if (high.workers == low.workers)
            return high.factor();
        const double at = std::log2(double(workers) / low.workers)
            / std::log2(double(high.workers) / low.workers);
        return low.factor() + at * (high.factor() - low.factor());
    }
    return valid.constLast().factor();
}

qint64 WhatIf::calibratedWallNs(const QList<WhatIfCalibration> &calibrations,
                                const WhatIfPrediction &prediction)
{
    return std::llround(double(prediction.wallNs)
                        * factorFor(calibrations, prediction.setting.workers));
}

QString WhatIf::trustText()
{
    return tr("Each URL's time is taken as measured at the run's N. That holds while the server, "
              "the link and this machine are not the limit: a server that slows down under "
              "concurrency makes the replay optimistic for a higher N than the run's and "
              "pessimistic for a lower one. A measured wall shows by how much; past the largest "
              "N measured, the calibrated wall only carries the last factor on.");
}

bool WhatIf::parseWorkerList(const QString &text, QList<int> *workers, QString *error)
{
    QList<int> parsed;
    for (const QString &item : text.split(QLatin1Char(','))) {
        bool ok = false;
        const int count = item.trimmed().toInt(&ok);
        if (!ok || count < FetchOptions::MinConcurrency || count > FetchOptions::MaxConcurrency) {
            if (error)
                *error = tr("worker counts are whole numbers from %1 to %2 separated by "
                            "commas, e.g. 1,4,16,64; '%3' is not one")
                             .arg(FetchOptions::MinConcurrency)
                             .arg(FetchOptions::MaxConcurrency)
                             .arg(item.trimmed());
            return false;
        }
        parsed.append(count);
    }
    std::sort(parsed.begin(), parsed.end());
    parsed.erase(std::unique(parsed.begin(), parsed.end()), parsed.end());
    *workers = std::move(parsed);
    return true;
}

QList<int> WhatIf::defaultWorkerList()
{
    constexpr int DefaultMaxWorkers = 128;
    QList<int> workers;
    for (int count = 1; count <= DefaultMaxWorkers; count *= 2)
        workers.append(count);
    return workers;
}

} // namespace Parafetch
