// How long the rest of a run will take, from the recent rate of finished URLs.
#pragma once

#include <QString>
#include <QtGlobal>

#include <deque>

namespace Parafetch {

// Fed with (now, finished, total) at the progress cadence; estimates the time left as the URLs
// still to finish divided by the rate at which URLs finished over the last WindowNs. A recent
// window rather than the whole run: the rate changes when workers are added, a slow host's URLs
// come up, or the run was paused. Used by the window's summary and the headless progress line.
class EtaEstimator
{
public:
    static constexpr qint64 WindowNs = 10'000'000'000;  // the rate over the last 10 s
    static constexpr qint64 MinSpanNs = 1'000'000'000;  // no estimate from less than 1 s

    void reset();
    void sample(qint64 nowNs, int finished, int total);

    // The time left, 0 when everything is finished, -1 when it cannot be told yet: less than
    // MinSpanNs observed, or nothing finished within the window (stalled or paused).
    qint64 remainingNs() const;

private:
    struct Sample
    {
        qint64 atNs;
        int finished;
    };
    std::deque<Sample> m_samples; // oldest first; the first may predate the window (its edge)
    int m_total = 0;
};

// "about 40 s", "about 3 min", "about 2 h 5 min"; empty for -1.
QString formatRemaining(qint64 ns);

} // namespace Parafetch
