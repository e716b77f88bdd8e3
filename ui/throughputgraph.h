// SPDX-License-Identifier: GPL-3.0-or-later
// The run's throughput over its wall time: bytes/s as an area, finished URLs/s and the URLs in
// flight as lines, drawn from a RunTimeline.
#pragma once

#include <QWidget>

namespace Parafetch {

class RunTimeline;

// Painted by hand (QPainter): no chart library, and a paint costs one pass over the points
// whatever the run's length (several points to a pixel column are merged). It holds no copy of
// the points: whoever samples the timeline calls update() at its own pace (the window's 4 Hz
// summary), never per URL or per chunk.
class ThroughputGraph final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThroughputGraph)

public:
    explicit ThroughputGraph(const RunTimeline *timeline, QWidget *parent = nullptr);

    // The timeline changed: repaint, and the tool tip says the latest figures.
    void refresh();
    const RunTimeline *timeline() const { return m_timeline; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    const RunTimeline *m_timeline;
};

} // namespace Parafetch
