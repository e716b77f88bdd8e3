// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's time axis: time <-> pixels, zoom, fit, and idle stretches at a fixed width.
#pragma once

#include "units.h"

#include <QtGlobal>

#include <vector>

namespace Parafetch {

// Pixels are offsets from the axis' start (time originNs()); the widget adds its gutter and
// scroll position. Long idle stretches (gaps) take a fixed width whatever the zoom, so a run
// with a pause of minutes still shows its seconds of work.
class TimeScale
{
public:
    static constexpr double MinPixelsPerMs = 1e-4; // an hour in 360 pixels
    static constexpr double MaxPixelsPerMs = 1000.; // a microsecond per pixel
    // Wider content than this overflows a scroll bar's int range.
    static constexpr double MaxContentPx = double(1 << 30);

    struct Gap
    {
        qint64 startNs = 0;
        qint64 endNs = 0;
    };

    // The axis runs from originNs to endNs (end at least the origin).
    void setRange(qint64 originNs, qint64 endNs);
    qint64 originNs() const { return m_originNs; }
    qint64 endNs() const { return m_endNs; }
    // Gaps after the origin, in time order, and the width each takes on the axis.
    void setGaps(std::vector<Gap> gaps, int gapWidth);
    const std::vector<Gap> &gaps() const { return m_gaps; }
    int gapWidth() const { return m_gaps.empty() ? 0 : m_gapWidth; }
    qint64 gapsNs() const; // their total length
    qint64 spanNs() const; // origin .. end, gaps left out

    double pixelsPerNs() const { return m_scale; }
    double pixelsPerMs() const { return m_scale * Units::NsPerMs; }
    // Within the zoom limits; stops fitting.
    void setPixelsPerMs(double pixelsPerMs);
    bool isFitting() const { return m_fitting; }
    // Scales the span (gaps at their width) to widthPx, and keeps doing so at every fitTo()
    // until the next zoom.
    void startFitting() { m_fitting = true; }
    void fitTo(int widthPx); // when fitting
    // Zooms by factor, keeping the time at anchorPx where it is: returns the offset that time
    // has now (the widget scrolls by the difference). Stops fitting.
    qreal zoomBy(double factor, qreal anchorPx);

    qreal offsetOf(qint64 ns) const; // pixels from the axis' start, gaps at their fixed width
    qint64 timeAt(qreal offsetPx) const; // the inverse
    qreal width() const { return offsetOf(m_endNs); }

    // A round tick step (1, 2 or 5 times a power of ten ns) at least minSpacingPx apart.
    qint64 tickStepNs(int minSpacingPx) const;
    // ns, or the first tick after the gap it is in (ticks count from the origin).
    qint64 nextTick(qint64 ns, qint64 stepNs) const;
    // The first tick at or before offsetPx, not before the origin.
    qint64 firstTickAt(qreal offsetPx, qint64 stepNs) const;

private:
    qint64 m_originNs = 0;
    qint64 m_endNs = 0;
    std::vector<Gap> m_gaps;
    int m_gapWidth = 0;
    double m_scale = 1e-6; // pixels per nanosecond
    bool m_fitting = true;
};

} // namespace Parafetch
