// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's time axis: time <-> pixels, zoom, fit, and idle stretches at a fixed width.
#include "timescale.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace Parafetch {

void TimeScale::setRange(qint64 originNs, qint64 endNs)
{
    m_originNs = originNs;
    m_endNs = std::max(endNs, originNs);
}

void TimeScale::setGaps(std::vector<Gap> gaps, int gapWidth)
{
    m_gaps = std::move(gaps);
    m_gapWidth = gapWidth;
}

qint64 TimeScale::gapsNs() const
{
    qint64 total = 0;
    for (const Gap &gap : m_gaps)
        total += gap.endNs - gap.startNs;
    return total;
}

qint64 TimeScale::spanNs() const
{
    return std::max<qint64>(m_endNs - m_originNs - gapsNs(), 0);
}

void TimeScale::setPixelsPerMs(double pixelsPerMs)
{
    m_scale = std::clamp(pixelsPerMs, MinPixelsPerMs, MaxPixelsPerMs) / Units::NsPerMs;
    m_fitting = false;
}

void TimeScale::fitTo(int widthPx)
{
    if (!m_fitting)
        return;
    const qint64 span = std::max<qint64>(spanNs(), 1);
    const int gapsWidth = int(m_gaps.size()) * gapWidth();
    m_scale = std::max(1.0, double(widthPx - gapsWidth)) / double(span);
}

qreal TimeScale::zoomBy(double factor, qreal anchorPx)
{
    const qint64 anchorNs = timeAt(anchorPx);
    const double span = double(std::max<qint64>(spanNs(), 1));
    // However long the run, the content stays within what a scroll bar can hold.
    const double maxScale = std::min(MaxPixelsPerMs / Units::NsPerMs, MaxContentPx / span);
    m_scale = std::clamp(m_scale * factor, MinPixelsPerMs / Units::NsPerMs,
                         std::max(maxScale, MinPixelsPerMs / Units::NsPerMs));
    m_fitting = false;
    return offsetOf(anchorNs);
}

qreal TimeScale::offsetOf(qint64 ns) const
{
    qreal px = 0;
    qint64 at = m_originNs;
    const int width = gapWidth();
    for (const Gap &gap : m_gaps) {
        if (ns <= gap.startNs)
            break;
        px += double(gap.startNs - at) * m_scale;
        if (ns < gap.endNs)
            return px + width * double(ns - gap.startNs) / double(gap.endNs - gap.startNs);
        px += width;
        at = gap.endNs;
    }
    return px + double(ns - at) * m_scale;
}

qint64 TimeScale::timeAt(qreal offsetPx) const
{
    qreal px = 0;
    qint64 at = m_originNs;
    const int width = gapWidth();
    for (const Gap &gap : m_gaps) {
        const qreal gapLeft = px + double(gap.startNs - at) * m_scale;
        if (offsetPx < gapLeft)
            break;
        if (offsetPx < gapLeft + width)
            return gap.startNs
                + qint64(std::llround(double(gap.endNs - gap.startNs) * (offsetPx - gapLeft)
                                      / width));
        px = gapLeft + width;
        at = gap.endNs;
    }
    return at + qint64(std::llround((offsetPx - px) / m_scale));
}

qint64 TimeScale::tickStepNs(int minSpacingPx) const
{
    const double rawNs = double(minSpacingPx) / m_scale;
    qint64 magnitude = 1;
    while (true) {
        for (qint64 factor : { 1, 2, 5 }) {
            if (double(magnitude * factor) >= rawNs)
                return magnitude * factor;
        }
        if (magnitude > std::numeric_limits<qint64>::max() / 100)
            return magnitude;
        magnitude *= 10;
    }
}

qint64 TimeScale::nextTick(qint64 ns, qint64 stepNs) const
{
    for (const Gap &gap : m_gaps) {
        if (ns > gap.startNs && ns < gap.endNs)
            return m_originNs + (gap.endNs - m_originNs + stepNs - 1) / stepNs * stepNs;
    }
    return ns;
}

qint64 TimeScale::firstTickAt(qreal offsetPx, qint64 stepNs) const
{
    return m_originNs + std::max<qint64>(0, (timeAt(offsetPx) - m_originNs) / stepNs) * stepNs;
}

} // namespace Parafetch
