// SPDX-License-Identifier: GPL-3.0-or-later
// Run summary arithmetic: one pass over the jobs, percentiles by nearest rank.
#include "runsummary.h"

#include "units.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>

namespace Parafetch {

namespace {

// Totals saturate instead of overflowing: an imported file may hold any numbers.
qint64 saturatingAdd(qint64 a, qint64 b)
{
    qint64 sum = 0;
    return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<qint64>::max() : sum;
}

constexpr double P50 = 50, P90 = 90, P95 = 95, P99 = 99;
// A tracker's values take their pending changes in once there are more than this many (and
// more than values); until then reading them merges.
constexpr std::size_t MinPending = 4096;

// What is divided by wall time, from the counts and sums.
void deriveRates(RunSummary &s)
{
    if (s.wallNs > 0) {
        const double wallSeconds = double(s.wallNs) / Units::NsPerSecond;
        s.speedup = double(s.serialNs) / double(s.wallNs);
        s.bytesPerSecond = double(s.bytes - s.restoredBytes) / wallSeconds;
        s.requestsPerSecond = double(s.finished() - s.restoredDone) / wallSeconds;
    }
}

// Defined with nearestRank() below.
qint64 sortedPercentile(const std::vector<qint64> &sorted, double percent);

} // namespace

int RunSummary::finished() const
{
    return succeeded + failed + cancelled;
}

RunSummary RunSummary::compute(const QList<Job> &jobs)
{
    RunSummaryBuilder builder;
    for (const Job &job : jobs)
        builder.add(job);
    return builder.result();
}

JobFigures JobFigures::of(const Job &job)
{
    JobFigures figures;
    figures.state = job.state;
    figures.bytes = std::max<qint64>(job.bytesReceived, 0);
    if (job.isFinished()) {
        // A success is a success whatever kind a careless producer left behind.
        const int kind = job.isSuccess() ? int(ErrorKind::None) : int(job.errorKind);
        if (kind >= 0 && kind < ErrorKindCount)
            figures.errorKind = kind;
        if (job.restored) {
            // Its times, if a careless producer left any, are another run's clock.
            figures.restored = true;
            return figures;
        }
    }
    if (job.startedAtNs >= 0) {
        figures.startNs = job.startedAtNs;
        if (job.finishedAtNs >= job.startedAtNs)
            figures.finishNs = job.finishedAtNs;
        if (job.isFinished())
            figures.busyEndNs = figures.finishNs;
        else if (job.state == JobState::Running && job.updatedAtNs >= job.startedAtNs)
            figures.busyEndNs = job.updatedAtNs; // in flight up to its last progress update
    }
    const qint64 duration = job.durationNs();
    if (job.isFinished() && duration >= 0)
        figures.durationNs = duration;
    if (job.waitUs >= 0)
        figures.ttfbUs = job.waitUs;
    return figures;
}

void RunSummaryBuilder::add(const Job &job)
{
    const JobFigures figures = JobFigures::of(job);
    RunSummary &s = m_counts;
    ++s.total;
    switch (figures.state) {
    case JobState::Queued:
        ++s.queued;
        break;
    case JobState::Running:
        ++s.running;
        break;
    case JobState::Succeeded:
        ++s.succeeded;
        break;
    case JobState::Failed:
        ++s.failed;
        break;
    case JobState::Cancelled:
        ++s.cancelled;
        break;
    case JobState::Unchanged:
        ++s.succeeded;
        ++s.unchanged;
        break;
    }
    s.bytes = saturatingAdd(s.bytes, figures.bytes);
    if (figures.restored) {
        ++s.restoredDone;
        s.restoredBytes = saturatingAdd(s.restoredBytes, figures.bytes);
    }
    if (figures.errorKind >= 0)
        ++s.byErrorKind[std::size_t(figures.errorKind)];
    if (figures.startNs != JobFigures::None
        && (s.firstStartNs < 0 || figures.startNs < s.firstStartNs))
        s.firstStartNs = figures.startNs;
    s.lastFinishNs = std::max(s.lastFinishNs, figures.finishNs);
    if (figures.durationNs != JobFigures::None) {
        s.serialNs = saturatingAdd(s.serialNs, figures.durationNs);
        m_durationsNs.push_back(figures.durationNs);
    }
    if (figures.ttfbUs != JobFigures::None)
        m_ttfbsUs.push_back(figures.ttfbUs);
    if (figures.busyEndNs != JobFigures::None)
        m_busyNs.emplace_back(figures.startNs, figures.busyEndNs);
}

RunSummary RunSummaryBuilder::result() const
{
    RunSummary s = m_counts;
    std::sort(m_busyNs.begin(), m_busyNs.end());
    s.wallNs = unionLengthNs(m_busyNs);
    deriveRates(s);
    std::sort(m_durationsNs.begin(), m_durationsNs.end());
    s.p50Ns = sortedPercentile(m_durationsNs, P50);
    s.p90Ns = sortedPercentile(m_durationsNs, P90);
    s.p99Ns = sortedPercentile(m_durationsNs, P99);
    std::sort(m_ttfbsUs.begin(), m_ttfbsUs.end());
    s.ttfbP50Us = sortedPercentile(m_ttfbsUs, P50);
    s.ttfbP90Us = sortedPercentile(m_ttfbsUs, P90);
    s.durationHistogram = LatencyHistogram::ofSorted(m_durationsNs, 1);
    s.ttfbHistogram = LatencyHistogram::ofSorted(m_ttfbsUs, Units::NsPerUs);
    return s;
}

qint64 unionLengthNs(const std::vector<std::pair<qint64, qint64>> &sortedIntervals)
{
    qint64 length = 0;
    qint64 coveredTo = std::numeric_limits<qint64>::min(); // the end of the run being swept
    for (const auto &[start, end] : sortedIntervals) {
        if (end <= start || end <= coveredTo)
            continue;
        // Starts only grow, so the part past max(start, coveredTo) is new.
        length = saturatingAdd(length, end - std::max(start, coveredTo));
        coveredTo = end;
    }
    return length;
}

std::vector<std::pair<qint64, qint64>>
idleGapsNs(const std::vector<std::pair<qint64, qint64>> &sortedIntervals, qint64 minNs)
{
    std::vector<std::pair<qint64, qint64>> gaps;
    bool covering = false;
    qint64 coveredTo = 0; // the end of the busy stretch being swept
    for (const auto &[start, end] : sortedIntervals) {
        if (end < start)
            continue;
        if (covering && start - coveredTo >= minNs)
            gaps.emplace_back(coveredTo, start);
        coveredTo = covering ? std::max(coveredTo, end) : end;
        covering = true;
    }
    return gaps;
}

std::vector<std::pair<qint64, qint64>> RunSummaryTracker::idleGapsNs(qint64 minNs) const
{
    return Parafetch::idleGapsNs(m_busyNs.sorted(), minNs);
}

qsizetype nearestRank(qsizetype n, double percent)
{
    // percent * n first, then / 100: exact for whole percents, so 55% of 100 is rank 55, not the
    // 55.00000000000001 that 0.55 * 100 gives, which ceil() would turn into 56.
    const double exactRank = std::ceil(percent * double(n) / Units::PercentScale);
    qsizetype rank = 1; // also for NaN and percent <= 0: the smallest value
    if (exactRank >= double(n))
        rank = n;
    else if (exactRank > 1)
        rank = qsizetype(exactRank);
    return rank;
}

namespace {

qint64 sortedPercentile(const std::vector<qint64> &sorted, double percent)
{
    if (sorted.empty())
        return -1;
    return sorted[std::size_t(nearestRank(qsizetype(sorted.size()), percent) - 1)];
}

} // namespace

qint64 nearestRankPercentile(QList<qint64> values, double percent)
{
    if (values.isEmpty())
        return -1;
    const auto nth = values.begin() + (nearestRank(values.size(), percent) - 1);
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
}

template<typename Value> void RunSummaryTracker::SortedValues<Value>::insert(const Value &value)
{
    m_added.push_back(value);
    mergeIfLong();
}

template<typename Value> void RunSummaryTracker::SortedValues<Value>::erase(const Value &value)
{
    m_removed.push_back(value);
    mergeIfLong();
}

template<typename Value> void RunSummaryTracker::SortedValues<Value>::mergeIfLong()
{
    // Pending changes are kept no longer than a quarter of a merge's cost: memory stays
    // within 1.25 n values (a million jobs), and the merges cost O(1) per change on average.
    if (m_added.size() + m_removed.size() > std::max(MinPending, m_sorted.size() / 4))
        mergePending();
}

template<typename Value> void RunSummaryTracker::SortedValues<Value>::clear()
{
    m_sorted.clear();
    m_added.clear();
    m_removed.clear();
}

template<typename Value>
const std::vector<Value> &RunSummaryTracker::SortedValues<Value>::sorted() const
{
    mergePending();
    return m_sorted;
}

template<typename Value> void RunSummaryTracker::SortedValues<Value>::mergePending() const
{
    if (m_added.empty() && m_removed.empty())
        return;
    std::sort(m_added.begin(), m_added.end());
    std::sort(m_removed.begin(), m_removed.end());
    std::vector<Value> merged;
    merged.reserve(m_sorted.size() + m_added.size());
    std::merge(m_sorted.cbegin(), m_sorted.cend(), m_added.cbegin(), m_added.cend(),
               std::back_inserter(merged));
    std::vector<Value>().swap(m_sorted); // gone before the result is made: two copies at most
    // Every removed value was inserted before, so the multiset difference takes each one out
    // exactly once, and the result is exactly that long: no spare capacity to keep.
    m_sorted.reserve(merged.size() - m_removed.size());
    std::set_difference(merged.cbegin(), merged.cend(), m_removed.cbegin(), m_removed.cend(),
                        std::back_inserter(m_sorted));
    m_added.clear();
    m_removed.clear();
}

void RunSummaryTracker::move(SortedValues<qint64> &values, qint64 before, qint64 after)
{
    if (before == after)
        return;
    if (before != JobFigures::None)
        values.erase(before);
    if (after != JobFigures::None)
        values.insert(after);
}

void RunSummaryTracker::replace(const JobFigures &from, const JobFigures &to, bool hadBefore,
                                bool hasAfter)
{
    // A job that is not there contributes nothing, which is what JobFigures() hold, but for
    // its state: the flags say which side counts.
    m_total += int(hasAfter) - int(hadBefore);
    if (hadBefore)
        --m_states[std::size_t(from.state)];
    if (hasAfter)
        ++m_states[std::size_t(to.state)];
    if (from.errorKind >= 0)
        --m_byErrorKind[std::size_t(from.errorKind)];
    if (to.errorKind >= 0)
        ++m_byErrorKind[std::size_t(to.errorKind)];
    m_bytes += WideSum(to.bytes) - WideSum(from.bytes);
    m_restoredDone += int(to.restored) - int(from.restored);
    m_restoredBytes +=
        (to.restored ? WideSum(to.bytes) : 0) - (from.restored ? WideSum(from.bytes) : 0);
    m_serialNs +=
        WideSum(std::max<qint64>(to.durationNs, 0)) - WideSum(std::max<qint64>(from.durationNs, 0));
    if (!m_keepsTimes)
        return;
    move(m_startsNs, from.startNs, to.startNs);
    move(m_finishesNs, from.finishNs, to.finishNs);
    move(m_durationsNs, from.durationNs, to.durationNs);
    move(m_ttfbsUs, from.ttfbUs, to.ttfbUs);
    const Interval busyFrom { from.startNs, from.busyEndNs }, busyTo { to.startNs, to.busyEndNs };
    if (busyFrom != busyTo) {
        if (from.busyEndNs != JobFigures::None)
            m_busyNs.erase(busyFrom);
        if (to.busyEndNs != JobFigures::None)
            m_busyNs.insert(busyTo);
    }
}

void RunSummaryTracker::clear()
{
    const bool keepsTimes = m_keepsTimes;
    *this = RunSummaryTracker();
    m_keepsTimes = keepsTimes;
}

void RunSummaryTracker::setKeepsTimes(bool keep)
{
    *this = RunSummaryTracker();
    m_keepsTimes = keep;
}

int RunSummaryTracker::count(JobState state) const
{
    return m_states[std::size_t(state)];
}

RunSummary RunSummaryTracker::counts() const
{
    const auto saturated = [](WideSum sum) {
        return sum > WideSum(std::numeric_limits<qint64>::max())
            ? std::numeric_limits<qint64>::max()
            : qint64(sum);
    };
    RunSummary s;
    s.total = m_total;
    s.queued = count(JobState::Queued);
    s.running = count(JobState::Running);
    s.unchanged = count(JobState::Unchanged);
    s.succeeded = count(JobState::Succeeded) + s.unchanged;
    s.failed = count(JobState::Failed);
    s.cancelled = count(JobState::Cancelled);
    s.byErrorKind = m_byErrorKind;
    s.bytes = saturated(m_bytes);
    s.restoredDone = m_restoredDone;
    s.restoredBytes = saturated(m_restoredBytes);
    s.serialNs = saturated(m_serialNs);
    return s;
}

RunSummary RunSummaryTracker::result() const
{
    RunSummary s = counts();
    const std::vector<qint64> &starts = m_startsNs.sorted();
    const std::vector<qint64> &finishes = m_finishesNs.sorted();
    s.firstStartNs = starts.empty() ? -1 : starts.front();
    s.lastFinishNs = finishes.empty() ? -1 : finishes.back();
    s.wallNs = unionLengthNs(m_busyNs.sorted());
    deriveRates(s);
    const std::vector<qint64> &durations = m_durationsNs.sorted();
    s.p50Ns = sortedPercentile(durations, P50);
    s.p90Ns = sortedPercentile(durations, P90);
    s.p99Ns = sortedPercentile(durations, P99);
    const std::vector<qint64> &ttfbs = m_ttfbsUs.sorted();
    s.ttfbP50Us = sortedPercentile(ttfbs, P50);
    s.ttfbP90Us = sortedPercentile(ttfbs, P90);
    s.durationHistogram = LatencyHistogram::ofSorted(durations, 1);
    s.ttfbHistogram = LatencyHistogram::ofSorted(ttfbs, Units::NsPerUs);
    return s;
}

int LatencyHistogram::total() const
{
    int sum = 0;
    for (int count : counts)
        sum += count;
    return sum;
}

LatencyHistogram LatencyHistogram::ofSorted(const std::vector<qint64> &sorted, qint64 unitNs)
{
    LatencyHistogram histogram;
    if (sorted.empty() || unitNs <= 0)
        return histogram;
    // The 1-2-5 scale from 100 µs to 1000 s: past it, one last bucket takes the rest.
    constexpr std::array<qint64, 3> Steps { 1, 2, 5 };
    constexpr qint64 FirstBoundUs = 100;
    constexpr qint64 LastBoundUs = 1'000'000'000;
    std::vector<qint64> scale;
    for (qint64 decade = FirstBoundUs; decade <= LastBoundUs; decade *= 10) {
        for (qint64 step : Steps) {
            if (decade * step <= LastBoundUs)
                scale.push_back(decade * step);
        }
    }
    const auto usOf = [unitNs](qint64 value) {
        return unitNs >= Units::NsPerUs ? value * (unitNs / Units::NsPerUs)
                                        : value / (Units::NsPerUs / unitNs);
    };
    const qint64 smallestUs = usOf(sorted.front());
    const qint64 largestUs = usOf(sorted.back());
    // The last bound at or below the smallest value (or 0), the first bound above the largest.
    auto first = std::upper_bound(scale.begin(), scale.end(), smallestUs);
    histogram.boundsUs.push_back(first == scale.begin() ? 0 : *std::prev(first));
    for (auto bound = first; bound != scale.end(); ++bound) {
        histogram.boundsUs.push_back(*bound);
        if (*bound > largestUs)
            break;
    }
    if (histogram.boundsUs.back() <= largestUs)
        histogram.boundsUs.push_back( // beyond the scale: a bucket to the end
            largestUs == std::numeric_limits<qint64>::max() ? largestUs : largestUs + 1);
    auto from = sorted.begin();
    for (std::size_t i = 1; i < histogram.boundsUs.size(); ++i) {
        // The first value at or above the bound, in the values' own unit.
        // Saturated: a bound past any value (an imported file may hold any numbers).
        qint64 boundNs = 0;
        const qint64 bound = __builtin_mul_overflow(histogram.boundsUs[i], Units::NsPerUs, &boundNs)
            ? std::numeric_limits<qint64>::max()
            : boundNs / unitNs;
        const auto to = std::lower_bound(from, sorted.end(), bound);
        histogram.counts.push_back(int(to - from));
        from = to;
    }
    histogram.p50Us = usOf(sortedPercentile(sorted, P50));
    histogram.p90Us = usOf(sortedPercentile(sorted, P90));
    histogram.p95Us = usOf(sortedPercentile(sorted, P95));
    histogram.p99Us = usOf(sortedPercentile(sorted, P99));
    return histogram;
}

} // namespace Parafetch
