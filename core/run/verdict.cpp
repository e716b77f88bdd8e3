// SPDX-License-Identifier: GPL-3.0-or-later
// The findings of "Why wasn't it faster?", from the run's own records.
#include "run/verdict.h"

#include "formatting.h"
#include "redact.h"

#include <QCoreApplication>
#include <QSet>

#include <algorithm>
#include <limits>
#include <vector>

namespace Parafetch {

namespace {

constexpr qint64 NsPerUs = 1000;
constexpr double NsPerSecond = 1e9;
constexpr int PercentScale = 100;
constexpr qint64 MinRateBodyBytes = qint64(64) * 1024; // a smaller body's rate is mostly its TTFB
constexpr qint64 MinSlowdownNs = 1'000'000; // TTFB must rise by a millisecond at least

QString tr(const char *text)
{
    return QCoreApplication::translate("Verdict", text);
}

QString percent(double share)
{
    return QStringLiteral("%1%").arg(qRound(share * PercentScale));
}

// The jobs timed in this run: finished, not restored, with a start and a finish.
std::vector<const Job *> measured(const QList<Job> &jobs)
{
    std::vector<const Job *> result;
    for (const Job &job : jobs) {
        if (job.isFinished() && !job.restored && job.durationNs() >= 0)
            result.push_back(&job);
    }
    return result;
}

qint64 wallOf(const std::vector<const Job *> &jobs)
{
    std::vector<std::pair<qint64, qint64>> spans;
    spans.reserve(jobs.size());
    for (const Job *job : jobs)
        spans.emplace_back(job->startedAtNs, job->finishedAtNs);
    std::sort(spans.begin(), spans.end());
    qint64 wall = 0;
    qint64 end = std::numeric_limits<qint64>::min();
    for (const auto &[start, finish] : spans) {
        if (start > end) {
            wall += finish - start;
            end = finish;
        } else if (finish > end) {
            wall += finish - end;
            end = finish;
        }
    }
    return wall;
}

template<typename T> T median(std::vector<T> values)
{
    const auto middle = values.begin() + std::ptrdiff_t(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

// How many of the jobs were in flight (first start <= t < finish) at a moment: two sorted lists.
class InFlight
{
public:
    explicit InFlight(const std::vector<const Job *> &jobs)
    {
        for (const Job *job : jobs) {
            m_starts.push_back(job->startedAtNs);
            m_finishes.push_back(job->finishedAtNs);
        }
        std::sort(m_starts.begin(), m_starts.end());
        std::sort(m_finishes.begin(), m_finishes.end());
    }
    int at(qint64 t) const
    {
        const auto started =
            std::upper_bound(m_starts.begin(), m_starts.end(), t) - m_starts.begin();
        const auto finished =
            std::upper_bound(m_finishes.begin(), m_finishes.end(), t) - m_finishes.begin();
        return int(started - finished);
    }

private:
    std::vector<qint64> m_starts, m_finishes;
};

// A value measured for each job at a moment of its last attempt, split by the load then: low
// (at most a quarter of the workers in flight) and high (at least half).
struct LoadGroups
{
    int lowMax = 1, highMin = 2;
    std::vector<double> low, high;

    explicit LoadGroups(int workers)
        : lowMax(std::max(1, workers / 4))
        , highMin(std::max(lowMax + 1, workers / 2))
    { }
    void add(int inFlight, double value)
    {
        if (inFlight <= lowMax)
            low.push_back(value);
        else if (inFlight >= highMin)
            high.push_back(value);
    }
    bool comparable() const
    {
        return int(low.size()) >= Verdict::MinGroup && int(high.size()) >= Verdict::MinGroup;
    }
};

qint64 attemptOffsetNs(const Job &job)
{
    return (std::max<qint64>(0, job.connectUs) + std::max<qint64>(0, job.sendUs)) * NsPerUs;
}

} // namespace

QByteArray Finding::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Straggler:
        return QByteArrayLiteral("straggler");
    case Kind::FewUrls:
        return QByteArrayLiteral("few_urls");
    case Kind::IdleTail:
        return QByteArrayLiteral("idle_tail");
    case Kind::PerHostCap:
        return QByteArrayLiteral("per_host_cap");
    case Kind::BandwidthCap:
        return QByteArrayLiteral("bandwidth_cap");
    case Kind::ServerSlowedDown:
        return QByteArrayLiteral("server_slowed_down");
    case Kind::LinkSaturated:
        return QByteArrayLiteral("link_saturated");
    case Kind::Retries:
        return QByteArrayLiteral("retries");
    case Kind::ConnectionSetup:
        return QByteArrayLiteral("connection_setup");
    }
    return {};
}

QList<Finding> Verdict::analyse(const QList<Job> &jobs, const VerdictSettings &settings)
{
    QList<Finding> findings;
    const std::vector<const Job *> timed = measured(jobs);
    const int count = int(timed.size());
    if (count < 2)
        return findings;
    const qint64 wall = wallOf(timed);
    if (wall <= 0)
        return findings;
    int workers = settings.concurrency;
    if (workers <= 0) {
        for (const Job *job : timed)
            workers = std::max(workers, job->worker + 1);
    }
    workers = std::max(workers, 1);
    qint64 serial = 0;
    qint64 bytes = 0;
    qint64 lastStart = std::numeric_limits<qint64>::min();
    qint64 end = std::numeric_limits<qint64>::min();
    std::vector<qint64> durations;
    durations.reserve(timed.size());
    const Job *longest = timed.front();
    QSet<QString> hosts;
    for (const Job *job : timed) {
        const qint64 duration = job->durationNs();
        serial += duration;
        bytes += std::max<qint64>(0, job->bytesReceived);
        durations.push_back(duration);
        lastStart = std::max(lastStart, job->startedAtNs);
        end = std::max(end, job->finishedAtNs);
        if (duration > longest->durationNs())
            longest = job;
        hosts.insert(job->url.toUrl().host().toLower());
    }

    // One URL set most of the wall time.
    const qint64 longestNs = longest->durationNs();
    const bool straggler = double(longestNs) >= StragglerShare * double(wall)
        && double(longestNs) >= StragglerOverMedian * double(median(durations));
    if (straggler) {
        findings.append({ Finding::Kind::Straggler,
                          tr("One URL set most of the wall time: %1 took %2 of the %3 wall (%4).")
                              .arg(redactedUrl(longest->url.toUrl()), formatSeconds(longestNs),
                                   formatSeconds(wall), percent(double(longestNs) / double(wall))),
                          longestNs, double(longestNs) / double(wall) });
    }

    // Lanes with nothing to do: too few URLs, or the queue ran dry long before the end.
    if (workers > 1 && count < workers) {
        findings.append({ Finding::Kind::FewUrls,
                          tr("Only %1 URLs for %2 workers: %3 lanes had nothing to do.")
                              .arg(count)
                              .arg(workers)
                              .arg(workers - count),
                          -1, -1 });
    } else if (workers > 1 && count > workers && !straggler) {
        // The queue ran dry at the last start; from then on lanes went idle one by one. Lane
        // time unused after it: workers x tail less what still ran.
        const qint64 tail = end - lastStart;
        qint64 used = 0;
        for (const Job *job : timed)
            used += std::max<qint64>(0, job->finishedAtNs - std::max(job->startedAtNs, lastStart));
        const qint64 idle = std::max<qint64>(0, qint64(workers) * tail - used);
        const double share = double(idle) / (double(workers) * double(wall));
        if (share >= IdleTailShare) {
            findings.append({ Finding::Kind::IdleTail,
                              tr("Lanes sat idle at the end: the last URL started %1 before the "
                                 "end, and %2 of the workers' time went unused after it.")
                                  .arg(formatSeconds(tail), percent(share)),
                              tail, share });
        }
    }

    // Polite mode allowed fewer requests at once than there were lanes and URLs.
    if (settings.perHost > 0
        && qint64(settings.perHost) * hosts.size() < std::min(workers, count)) {
        findings.append({ Finding::Kind::PerHostCap,
                          tr("The per-host cap bound the run: at most %1 request(s) at once to "
                             "each of %2 host(s), so %3 of the %4 workers could work.")
                              .arg(settings.perHost)
                              .arg(hosts.size())
                              .arg(qint64(settings.perHost) * hosts.size())
                              .arg(workers),
                          -1, -1 });
    }

    // The run received at about the cap's rate.
    const double rate = double(bytes) * NsPerSecond / double(wall);
    if (settings.limitRate > 0 && rate >= BandwidthCapShare * double(settings.limitRate)) {
        findings.append({ Finding::Kind::BandwidthCap,
                          tr("The bandwidth cap bound the run: %1 received over the wall, against "
                             "a cap of %2.")
                              .arg(formatRate(rate), formatRate(double(settings.limitRate))),
                          -1, rate / double(settings.limitRate) });
    }

    // The server, or the link, slowed down as more requests were in flight. Each job is placed
    // by the load at the middle of its wait (or its receiving), not at its start: the first
    // URLs of a run start with few in flight, but wait while all the others are.
    const InFlight inFlight(timed);
    LoadGroups waits(workers);
    LoadGroups rates(workers);
    for (const Job *job : timed) {
        if (job->attemptStartedAtNs < 0)
            continue;
        const qint64 sent = job->attemptStartedAtNs + attemptOffsetNs(*job);
        if (job->waitUs >= 0)
            waits.add(inFlight.at(sent + job->waitUs * NsPerUs / 2), double(job->waitUs));
        if (job->receiveUs > 0 && job->bytesReceived >= MinRateBodyBytes && job->waitUs >= 0) {
            const qint64 receiving = sent + job->waitUs * NsPerUs;
            rates.add(inFlight.at(receiving + job->receiveUs * NsPerUs / 2),
                      double(job->bytesReceived) * 1e6 / double(job->receiveUs));
        }
    }
    if (waits.comparable()) {
        const double low = median(waits.low);
        const double high = median(waits.high);
        if (high >= SlowdownFactor * low && (high - low) * NsPerUs >= MinSlowdownNs) {
            findings.append(
                { Finding::Kind::ServerSlowedDown,
                  tr("The server slowed down under load: the median time to first byte was %1 "
                     "with %2 or more requests in flight, against %3 with %4 or fewer.")
                      .arg(formatMilliseconds(qint64(high * NsPerUs), 1))
                      .arg(waits.highMin)
                      .arg(formatMilliseconds(qint64(low * NsPerUs), 1))
                      .arg(waits.lowMax),
                  -1, high / std::max(low, 1.0) });
        }
    }
    if (rates.comparable()) {
        const double low = median(rates.low);
        const double high = median(rates.high);
        if (high * SlowdownFactor <= low) {
            findings.append({ Finding::Kind::LinkSaturated,
                              tr("Throughput flattened: each URL received %1 with %2 or more in "
                                 "flight, against %3 with %4 or fewer; the link (or the server's "
                                 "uplink) is the limit, at about %5 in all.")
                                  .arg(formatRate(high))
                                  .arg(rates.highMin)
                                  .arg(formatRate(low))
                                  .arg(rates.lowMax)
                                  .arg(formatRate(rate)),
                              -1, high / low });
        }
    }

    // Time spent on failed attempts and backoff, and on new connections.
    qint64 retryNs = 0;
    int retried = 0;
    qint64 connectNs = 0; // name lookup, TCP and TLS
    qint64 dnsNs = 0;
    qint64 tlsNs = 0;
    int connections = 0;
    for (const Job *job : timed) {
        if (job->attempts > 1 && job->attemptStartedAtNs > job->startedAtNs) {
            retryNs += job->attemptStartedAtNs - job->startedAtNs;
            ++retried;
        }
        if (job->connectUs > 0 || job->dnsUs > 0) {
            const qint64 dns = std::max<qint64>(0, job->dnsUs) * NsPerUs;
            connectNs += dns + std::max<qint64>(0, job->connectUs) * NsPerUs;
            dnsNs += dns;
            tlsNs += std::max<qint64>(0, job->tlsUs) * NsPerUs;
            ++connections;
        }
    }
    if (retried > 0 && double(retryNs) >= CostShare * double(serial)) {
        findings.append({ Finding::Kind::Retries,
                          tr("Retries and backoff cost %1 over %2 URL(s): %3 of the serial time.")
                              .arg(formatSeconds(retryNs))
                              .arg(retried)
                              .arg(percent(double(retryNs) / double(serial))),
                          retryNs, double(retryNs) / double(serial) });
    }
    if (connections > 0 && double(connectNs) >= CostShare * double(serial)) {
        findings.append(
            { Finding::Kind::ConnectionSetup,
              tr("New connections cost %1 (name lookups %2, TLS %3 of it) over %4 "
                 "connection(s): %5 of the serial time.")
                  .arg(formatSeconds(connectNs), formatSeconds(dnsNs), formatSeconds(tlsNs))
                  .arg(connections)
                  .arg(percent(double(connectNs) / double(serial))),
              connectNs, double(connectNs) / double(serial) });
    }
    return findings;
}

} // namespace Parafetch
