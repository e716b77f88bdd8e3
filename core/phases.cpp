// SPDX-License-Identifier: GPL-3.0-or-later
// A job's time broken into phases: the durations it reports and the stretches of its bar.
#include "phases.h"

#include "units.h"

#include <algorithm>
#include <array>
#include <utility>

namespace Parafetch {

namespace {

// What the end of a bar that no measured phase covers stands for: a running job's current phase
// as the engine last reported it, else what its bytes tell.
Phase tailPhase(const Job &job)
{
    if (job.state == JobState::Running) {
        switch (job.livePhase) {
        case LivePhase::Connecting:
            return Phase::Connect;
        case LivePhase::Sending:
            return Phase::Send;
        case LivePhase::Waiting:
            return Phase::Wait;
        case LivePhase::Receiving:
            return Phase::Receive;
        case LivePhase::BackingOff:
            return Phase::Backoff;
        case LivePhase::Unknown:
            break;
        }
    }
    return job.bytesReceived > 0 && job.receiveUs < 0 ? Phase::Receive : Phase::Other;
}

} // namespace

qint64 PhaseBreakdown::knownUs() const
{
    qint64 total = 0;
    for (const qint64 us : { dnsUs, connectUs, sendUs, waitUs, receiveUs })
        total += std::max<qint64>(us, 0);
    return total;
}

qint64 PhaseBreakdown::tlsPartUs() const
{
    return tlsUs > 0 && connectUs > 0 ? std::min(tlsUs, connectUs) : 0;
}

PhaseBreakdown phaseBreakdown(const Job &job)
{
    PhaseBreakdown phases;
    phases.queuedNs = job.queuedNs();
    if (job.startedAtNs >= 0 && job.attemptStartedAtNs >= job.startedAtNs)
        phases.earlierAttemptsNs = job.attemptStartedAtNs - job.startedAtNs;
    phases.dnsUs = job.dnsUs;
    phases.connectUs = job.connectUs;
    phases.tlsUs = job.tlsUs;
    phases.sendUs = job.sendUs;
    phases.waitUs = job.waitUs;
    phases.receiveUs = job.receiveUs;
    return phases;
}

qint64 barEndNs(const Job &job, qint64 nowNs)
{
    if (job.isFinished())
        return job.finishedAtNs;
    if (job.state == JobState::Running)
        return std::max({ nowNs, job.updatedAtNs, job.attemptStartedAtNs, job.startedAtNs });
    return -1;
}

QList<PhaseSpan> phaseSpans(const Job &job, qint64 nowNs)
{
    QList<PhaseSpan> spans;
    const qint64 end = barEndNs(job, nowNs);
    if (job.startedAtNs < 0 || end < job.startedAtNs)
        return spans;
    if (job.queuedAtNs >= 0 && job.queuedAtNs < job.startedAtNs)
        spans.append({ Phase::Queued, job.queuedAtNs, job.startedAtNs });
    const qint64 attemptStart = std::clamp(job.attemptStartedAtNs, job.startedAtNs, end);
    if (attemptStart > job.startedAtNs)
        spans.append({ Phase::Backoff, job.startedAtNs, attemptStart });

    const PhaseBreakdown breakdown = phaseBreakdown(job);
    const qint64 tls = breakdown.tlsPartUs();
    const std::array<std::pair<Phase, qint64>, 6> phases = { {
        { Phase::Dns, breakdown.dnsUs },
        { Phase::Connect, breakdown.connectUs >= 0 ? breakdown.connectUs - tls : -1 },
        { Phase::Tls, tls > 0 ? tls : -1 },
        { Phase::Send, breakdown.sendUs },
        { Phase::Wait, breakdown.waitUs },
        { Phase::Receive, breakdown.receiveUs },
    } };
    const qint64 known = breakdown.knownUs() * Units::NsPerUs;
    qint64 at = attemptStart;
    if (job.isFinished() && attemptStart + known < end) {
        at = end - known;
        spans.append({ Phase::Other, attemptStart, at });
    }
    for (const auto &[phase, us] : phases) {
        if (us <= 0 || at >= end)
            continue;
        const qint64 phaseEnd = std::min(end, at + us * Units::NsPerUs);
        spans.append({ phase, at, phaseEnd });
        at = phaseEnd;
    }
    if (at < end)
        spans.append({ tailPhase(job), at, end });
    return spans;
}

} // namespace Parafetch
