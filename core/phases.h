// SPDX-License-Identifier: GPL-3.0-or-later
// A job's time broken into phases: the durations it reports and the stretches of its bar.
#pragma once

#include "job.h"

#include <QList>
#include <QMetaType>

namespace Parafetch {

// In a namespace of its own so that the names reach QMetaEnum (tests and logs print them)
// without claiming the one Q_NAMESPACE that Parafetch itself may have.
namespace JobPhases {
Q_NAMESPACE

// What a stretch of a job's time stands for, in the order of a job's life.
enum class Phase {
    Queued, // enqueued -> first attempt started
    Backoff, // earlier attempts and the waits between them
    Other, // redirect hops, or what Qt could not attribute (and a running job's unknown part)
    Dns, // the name lookup a new connection waited for
    Connect, // new connection, TLS excluded
    Tls, // TLS handshake (part of connect)
    Send,
    Wait, // time to first byte
    Receive,
};
Q_ENUM_NS(Phase)

} // namespace JobPhases

using Phase = JobPhases::Phase;
constexpr int PhaseCount = int(Phase::Receive) + 1;

// One stretch of a job's bar on the run's clock.
struct PhaseSpan
{
    Phase phase = Phase::Other;
    qint64 startNs = 0;
    qint64 endNs = 0;
};

// The durations a job reports, -1 where unknown: the waterfall's bar, the details pane and the
// HAR timings all read them from here, so the three agree on what a phase is.
struct PhaseBreakdown
{
    qint64 queuedNs = -1; // enqueue -> first attempt started
    qint64 earlierAttemptsNs = -1; // first attempt's start -> last one's: failures and backoff
    // The last attempt's phases as the engine measured them (see job.h).
    qint64 dnsUs = -1; // before connect; -1 when no lookup was made
    qint64 connectUs = -1; // TLS included; -1 on a reused connection
    qint64 tlsUs = -1; // of connectUs
    qint64 sendUs = -1;
    qint64 waitUs = -1;
    qint64 receiveUs = -1;

    // No connect measured, yet an answer came: the request went over a connection kept open.
    bool reusedConnection() const { return connectUs < 0 && waitUs >= 0; }
    // dns + connect + send + wait + receive, the known ones (TLS is inside connect): what the
    // last attempt's phases account for.
    qint64 knownUs() const;
    // The TLS share of connect as a stretch of its own: at most connect, 0 when either is
    // unknown or zero.
    qint64 tlsPartUs() const;
};

PhaseBreakdown phaseBreakdown(const Job &job);

// Where a job's bar ends: its finish, or for a running job now (never before its last news);
// -1 for a job that is neither.
qint64 barEndNs(const Job &job, qint64 nowNs);

// The stretches of a job's bar, in time order; empty for a job that never started. A finished
// attempt's phases end at its finish (redirect hops, if any, come first as Other); a running
// one's start at the attempt's start, and the rest is the phase the engine last reported.
QList<PhaseSpan> phaseSpans(const Job &job, qint64 nowNs);

} // namespace Parafetch
