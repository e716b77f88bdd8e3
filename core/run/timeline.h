// SPDX-License-Identifier: GPL-3.0-or-later
// A run's timeline: bytes and finished URLs per fixed interval of wall time, and the URLs in
// flight, sampled from the summary's running totals.
#pragma once

#include "formats/runfile.h"
#include "units.h"

#include <QCoreApplication>
#include <QList>

namespace Parafetch {

struct RunSummary;

// Turns running totals, read at any pace (the window's 4 Hz summary, the headless runner's
// 10 Hz progress), into points at a fixed interval of the run's clock. The caller's clock is the
// summary's wall time (or, headless, the time since the run started, which has no pauses):
// it stands still while nothing is in flight, so idle time makes no points. A point that falls
// between two samples takes the totals interpolated to it; finish() closes the last, partial
// interval with the remainder, so the points' bytes add up to the bytes received.
//
// Totals only grow while a run goes on. When one falls (an attempt starting over drops the
// bytes it had, Retry Failed turns finished URLs back into queued ones, rows are removed), the
// fall is not counted back: what arrives afterwards counts from the lower total. So the points'
// bytes add up to the summary's bytes exactly unless bytes were dropped; then they add up to
// more, as they did arrive.
class RunTimeline
{
    Q_DECLARE_TR_FUNCTIONS(RunTimeline)
public:
    static constexpr qint64 DefaultIntervalNs = 250 * Units::NsPerMs;

    // What the run's totals were at a moment of its clock.
    struct Sample
    {
        qint64 clockNs = 0; // the run's clock (wall time); a clock that goes back is not counted
        qint64 bytes = 0; // body bytes received so far
        int finished = 0; // URLs finished so far
        int running = 0; // URLs in flight now
    };

    explicit RunTimeline(qint64 intervalNs = DefaultIntervalNs);

    // The totals of this process's work in a summary (results restored from an earlier run
    // are not), at clockNs.
    static Sample fromSummary(const RunSummary &summary, qint64 clockNs);

    void sample(const Sample &now);
    // Samples and closes the interval in progress with what it holds: the end of a run.
    // Sampling afterwards goes on (a Retry Failed or a resume continues the timeline).
    void finish(const Sample &now);
    // Empty, counting from zero totals at clock zero.
    void clear();
    // Empty, counting from these totals: what a run opened from a file (or any figures that
    // came in all at once, not over the clock) already holds is no throughput. With the points
    // that run recorded, they are the timeline so far, and later samples continue after them.
    void startFrom(const Sample &now, const QList<TimelinePoint> &recorded = {});

    qint64 intervalNs() const { return m_intervalNs; }
    const QList<TimelinePoint> &points() const { return m_points; }
    // The bytes the points hold.
    qint64 bytes() const { return m_emittedBytes; }

    // CSV, RFC 4180 with CRLF, the JSON export's keys as its header: tMs (the end of the
    // interval, ms of wall time, three decimals), bytes, urlsFinished, activeWorkers.
    static QByteArray toCsv(const QList<TimelinePoint> &points);
    // Atomic (QSaveFile); on failure false with *error naming the path.
    static bool writeCsv(const QString &path, const QList<TimelinePoint> &points, QString *error);

private:
    void emitPoint(qint64 endNs, qint64 arrivedBytes, qint64 arrivedFinished, int running);

    qint64 m_intervalNs;
    // The caller's last sample, to tell growth from a fall.
    Sample m_last;
    // Monotone: the clock's advances and what arrived, summed over samples.
    qint64 m_clockNs = 0, m_arrivedBytes = 0, m_arrivedFinished = 0;
    // What the points emitted so far hold, and where the next one ends.
    qint64 m_emittedBytes = 0, m_emittedFinished = 0, m_lastEndNs = 0;
    qint64 m_nextEndNs;
    QList<TimelinePoint> m_points;
};

} // namespace Parafetch
