// SPDX-License-Identifier: GPL-3.0-or-later
// A run's timeline: running totals turned into points at a fixed interval of wall time.
#include "run/timeline.h"

#include "formatting.h"
#include "runsummary.h"

#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>

namespace Parafetch {

namespace {

__extension__ typedef __int128 Wide; // bytes × ns overflows qint64 past 9 GB over a second

// The total at `at` on the straight line from (fromNs, from) to (toNs, to), fromNs < toNs.
qint64 interpolated(qint64 fromNs, qint64 from, qint64 toNs, qint64 to, qint64 at)
{
    return from + qint64(Wide(to - from) * Wide(at - fromNs) / Wide(toNs - fromNs));
}

} // namespace

RunTimeline::RunTimeline(qint64 intervalNs)
    : m_intervalNs(std::max<qint64>(intervalNs, 1))
    , m_nextEndNs(m_intervalNs)
{ }

RunTimeline::Sample RunTimeline::fromSummary(const RunSummary &summary, qint64 clockNs)
{
    return { clockNs, summary.bytes - summary.restoredBytes,
             summary.finished() - summary.restoredDone, summary.running };
}

void RunTimeline::sample(const Sample &now)
{
    const qint64 fromNs = m_clockNs, fromBytes = m_arrivedBytes, fromFinished = m_arrivedFinished;
    m_clockNs += std::max<qint64>(now.clockNs - m_last.clockNs, 0);
    m_arrivedBytes += std::max<qint64>(now.bytes - m_last.bytes, 0);
    m_arrivedFinished += std::max(now.finished - m_last.finished, 0);
    m_last = now;
    // Every interval end that this sample passed gets its point, the totals interpolated to it.
    while (m_nextEndNs <= m_clockNs) {
        const qint64 endNs = m_nextEndNs;
        emitPoint(endNs, interpolated(fromNs, fromBytes, m_clockNs, m_arrivedBytes, endNs),
                  interpolated(fromNs, fromFinished, m_clockNs, m_arrivedFinished, endNs),
                  now.running);
        m_nextEndNs += m_intervalNs;
    }
}

void RunTimeline::finish(const Sample &now)
{
    sample(now);
    const qint64 bytes = m_arrivedBytes - m_emittedBytes;
    const qint64 finished = m_arrivedFinished - m_emittedFinished;
    if (m_clockNs > m_lastEndNs || m_points.isEmpty()) {
        if (m_clockNs > m_lastEndNs || bytes > 0 || finished > 0)
            emitPoint(m_clockNs, m_arrivedBytes, m_arrivedFinished, now.running);
        return;
    }
    // The clock stood still since the last point (the run ended on an interval's end): the
    // last point takes the rest rather than a point of no length.
    TimelinePoint &last = m_points.last();
    last.bytes += bytes;
    last.urlsFinished += int(finished);
    last.activeWorkers = now.running;
    m_emittedBytes = m_arrivedBytes;
    m_emittedFinished = m_arrivedFinished;
}

void RunTimeline::clear()
{
    *this = RunTimeline(m_intervalNs);
}

void RunTimeline::startFrom(const Sample &now, const QList<TimelinePoint> &recorded)
{
    clear();
    m_last = now;
    if (recorded.isEmpty())
        return;
    m_points = recorded;
    for (const TimelinePoint &point : recorded) {
        m_emittedBytes += point.bytes;
        m_emittedFinished += point.urlsFinished;
    }
    m_arrivedBytes = m_emittedBytes;
    m_arrivedFinished = m_emittedFinished;
    m_clockNs = m_lastEndNs = recorded.constLast().endNs;
    m_nextEndNs = m_lastEndNs + m_intervalNs;
}

void RunTimeline::emitPoint(qint64 endNs, qint64 arrivedBytes, qint64 arrivedFinished, int running)
{
    m_points.append({ endNs, arrivedBytes - m_emittedBytes,
                      int(arrivedFinished - m_emittedFinished), running });
    m_emittedBytes = arrivedBytes;
    m_emittedFinished = arrivedFinished;
    m_lastEndNs = endNs;
}

QByteArray RunTimeline::toCsv(const QList<TimelinePoint> &points)
{
    QByteArray csv = "tMs,bytes,urlsFinished,activeWorkers\r\n";
    for (const TimelinePoint &point : points) {
        csv += formatExactMs(point.endNs) + ',' + QByteArray::number(point.bytes) + ','
            + QByteArray::number(point.urlsFinished) + ',' + QByteArray::number(point.activeWorkers)
            + "\r\n";
    }
    return csv;
}

bool RunTimeline::writeCsv(const QString &path, const QList<TimelinePoint> &points, QString *error)
{
    QSaveFile file(path);
    const QByteArray csv = toCsv(points);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv) != csv.size() || !file.commit()) {
        if (error)
            *error = tr("cannot write %1: %2").arg(QFileInfo(path).filePath(), file.errorString());
        return false;
    }
    return true;
}

} // namespace Parafetch
