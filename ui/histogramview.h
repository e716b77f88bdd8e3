// SPDX-License-Identifier: GPL-3.0-or-later
// A small bar chart of how the run's per-URL times (or TTFBs) spread, percentiles marked.
#pragma once

#include "runsummary.h"

#include <QWidget>

namespace Parafetch {

// Shows one series at a time: per-URL time, or time to first byte. A click, Space or Enter
// switches between them; the accessible name and the tool tip say which is shown and what
// each bar holds. Painted from the summary the window already refreshes at 4 Hz: no signal
// per URL reaches it.
class HistogramView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistogramView)
public:
    enum class Series { Duration, Ttfb };

    explicit HistogramView(QWidget *parent = nullptr);

    void setSummary(const RunSummary &summary);
    Series series() const { return m_series; }
    void setSeries(Series series);
    // The series shown, as the bars are drawn: for the tests and the tool tip.
    const LatencyHistogram &shown() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    QString title() const;
    void updateTexts();

    LatencyHistogram m_duration, m_ttfb;
    Series m_series = Series::Duration;
};

} // namespace Parafetch
