// SPDX-License-Identifier: GPL-3.0-or-later
// "Why wasn't it faster?": findings about a finished run, each computed from its own records.
#pragma once

#include "job.h"

#include <QList>
#include <QString>

namespace Parafetch {

// What a verdict needs to know of the run besides its jobs: the settings it ran under.
struct VerdictSettings
{
    int concurrency = 0; // workers (lanes)
    int perHost = 0; // polite mode's cap per host, 0 = none
    qint64 limitRate = 0; // the run's bandwidth cap in bytes/s, 0 = none
};

struct Finding
{
    // In the order of Verdict::analyse()'s list; stable names in exports (kindName()).
    enum class Kind {
        Straggler, // one URL took most of the wall time
        FewUrls, // fewer URLs than workers: the extra lanes had nothing to do
        IdleTail, // the queue ran dry long before the end: lanes sat idle
        PerHostCap, // polite mode allowed fewer requests at once than there were lanes
        BandwidthCap, // the run received at about the cap's rate
        ServerSlowedDown, // time to first byte rose with the number of requests in flight
        LinkSaturated, // each URL's receive rate fell as more were in flight
        Retries, // failed attempts and their backoff
        ConnectionSetup, // new connections (name lookup, TCP and TLS)
    };

    Kind kind = Kind::Straggler;
    QString text; // one sentence for people, with its figures
    qint64 costNs = -1; // the time the finding stands for, where one applies; -1 = none
    // Of the wall time; IdleTail: of the workers' time; Retries, ConnectionSetup: of the serial
    // time; BandwidthCap: of the cap; the slowdowns: high load's median over low load's.
    double share = -1;

    static QByteArray kindName(Kind kind); // "straggler", "idle_tail", ...
};

class Verdict
{
public:
    // The findings that hold for these jobs, most telling first is not promised: they come in
    // Kind's order. Only jobs measured in this run count (restored results carry no timing).
    // Empty when nothing held back the run, or too few URLs finished to say.
    static QList<Finding> analyse(const QList<Job> &jobs, const VerdictSettings &settings);

    // Thresholds, shared with the tests and the README.
    static constexpr double StragglerShare = 0.5; // of the wall, and
    static constexpr double StragglerOverMedian = 3.0; // times the median duration
    // Of the workers' time (workers x wall), unused after the last URL started.
    static constexpr double IdleTailShare = 0.25;
    static constexpr double BandwidthCapShare = 0.8; // of the cap, over the wall
    static constexpr double SlowdownFactor = 2.0; // median TTFB (or rate) high vs low load
    static constexpr int MinGroup = 3; // jobs in each load group before comparing them
    static constexpr double CostShare = 0.1; // of the serial time: retries, connection set-up
};

} // namespace Parafetch
