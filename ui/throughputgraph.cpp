// SPDX-License-Identifier: GPL-3.0-or-later
// The throughput graph: the timeline's points merged into pixel columns and painted as steps.
#include "throughputgraph.h"

#include "formatting.h"
#include "run/timeline.h"
#include "units.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <vector>

namespace Parafetch {

namespace {

constexpr int HintWidth = 280, HintHeight = 130;
constexpr int MinimumPlotHeight = 36;
constexpr int Margin = 4;
constexpr int AreaAlpha = 110; // of 255: the lines stay readable over the area
constexpr qreal LineWidth = 1.5;

// Points merged into one column of pixels: [startNs, endNs] of run time.
struct Column
{
    qint64 startNs = 0, endNs = 0;
    qint64 bytes = 0;
    qint64 urls = 0;
    int active = 0; // the most in flight at a point's end

    double perSecond(qint64 count) const
    {
        return endNs > startNs ? double(count) * Units::NsPerSecond / double(endNs - startNs) : 0;
    }
};

// At most `width` columns, each the points whose end falls in it: one pass over the points.
std::vector<Column> columnsOf(const QList<TimelinePoint> &points, int width)
{
    std::vector<Column> columns;
    if (points.isEmpty() || width <= 0)
        return columns;
    const qint64 spanNs = std::max<qint64>(points.last().endNs, 1);
    qint64 startNs = 0;
    int current = -1;
    for (const TimelinePoint &point : points) {
        const int index = int(std::min<qint64>(qint64(width) - 1, point.endNs * width / spanNs));
        if (index != current || columns.empty()) {
            columns.push_back({ startNs, point.endNs, 0, 0, 0 });
            current = index;
        }
        Column &column = columns.back();
        column.endNs = point.endNs;
        column.bytes += point.bytes;
        column.urls += point.urlsFinished;
        column.active = std::max(column.active, point.activeWorkers);
        startNs = point.endNs;
    }
    return columns;
}

} // namespace

ThroughputGraph::ThroughputGraph(const RunTimeline *timeline, QWidget *parent)
    : QWidget(parent)
    , m_timeline(timeline)
{
    setObjectName(QStringLiteral("throughputGraph"));
    setAccessibleName(tr("Throughput over the run"));
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    refresh();
}

QSize ThroughputGraph::sizeHint() const
{
    return { HintWidth, HintHeight };
}

QSize ThroughputGraph::minimumSizeHint() const
{
    return { HintWidth / 2, MinimumPlotHeight + 2 * fontMetrics().height() + 2 * Margin };
}

void ThroughputGraph::refresh()
{
    const QList<TimelinePoint> &points = m_timeline->points();
    QString tip;
    if (points.isEmpty()) {
        tip = tr("Bytes/s, finished URLs/s and URLs in flight, every %1 of the run's wall time, "
                 "drawn while it runs")
                  .arg(formatMilliseconds(m_timeline->intervalNs(), 0));
    } else {
        const TimelinePoint &last = points.last();
        const qint64 startNs = points.size() > 1 ? points.at(points.size() - 2).endNs : 0;
        const Column column { startNs, last.endNs, last.bytes, last.urlsFinished,
                              last.activeWorkers };
        tip = tr("At %1 of wall time: %2, %3 URLs/s finished, %4 in flight")
                  .arg(formatSeconds(last.endNs), formatRate(column.perSecond(column.bytes)))
                  .arg(column.perSecond(column.urls), 0, 'f', 1)
                  .arg(last.activeWorkers);
    }
    setToolTip(tip);
    setAccessibleDescription(tip);
    update();
}

void ThroughputGraph::paintEvent(QPaintEvent * /*event*/)
{
    QPainter painter(this);
    const QPalette &colors = palette();
    painter.fillRect(rect(), colors.color(QPalette::Base));
    const int lineHeight = fontMetrics().height();
    const QRect text = rect().adjusted(Margin, Margin / 2, -Margin, -Margin / 2);
    const QRectF plot =
        QRectF(rect()).adjusted(Margin, Margin + lineHeight, -Margin, -Margin - lineHeight);
    const QColor areaColor = colors.color(QPalette::Highlight);
    const QColor urlsColor = colors.color(QPalette::Text);
    const QColor activeColor = colors.color(QPalette::PlaceholderText);

    const std::vector<Column> columns = columnsOf(m_timeline->points(), int(plot.width()));
    if (columns.empty() || plot.height() <= 0) {
        painter.setPen(colors.color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Throughput shows here during a run."));
        return;
    }

    double peakBytes = 0, peakUrls = 0;
    int peakActive = 1;
    for (const Column &column : columns) {
        peakBytes = std::max(peakBytes, column.perSecond(column.bytes));
        peakUrls = std::max(peakUrls, column.perSecond(column.urls));
        peakActive = std::max(peakActive, column.active);
    }
    const double spanNs = double(std::max<qint64>(columns.back().endNs, 1));
    const auto x = [&](qint64 ns) { return plot.left() + plot.width() * double(ns) / spanNs; };
    const auto y = [&](double value, double peak) {
        return plot.bottom() - (peak > 0 ? plot.height() * value / peak : 0.0);
    };

    // Steps, not slopes: each column's figure held over its own stretch of time.
    QPainterPath area, urls, active;
    area.moveTo(plot.left(), plot.bottom());
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const Column &column = columns[i];
        const double left = x(column.startNs), right = x(column.endNs);
        const double bytesY = y(column.perSecond(column.bytes), peakBytes);
        const double urlsY = y(column.perSecond(column.urls), peakUrls);
        const double activeY = y(column.active, peakActive);
        area.lineTo(left, bytesY);
        area.lineTo(right, bytesY);
        if (i == 0) {
            urls.moveTo(left, urlsY);
            active.moveTo(left, activeY);
        } else {
            urls.lineTo(left, urlsY);
            active.lineTo(left, activeY);
        }
        urls.lineTo(right, urlsY);
        active.lineTo(right, activeY);
    }
    area.lineTo(x(columns.back().endNs), plot.bottom());
    area.closeSubpath();

    painter.setRenderHint(QPainter::Antialiasing);
    QColor fill = areaColor;
    fill.setAlpha(AreaAlpha);
    painter.fillPath(area, fill);
    painter.strokePath(area, QPen(areaColor, 1));
    painter.strokePath(active, QPen(activeColor, LineWidth, Qt::DashLine));
    painter.strokePath(urls, QPen(urlsColor, LineWidth));
    painter.setRenderHint(QPainter::Antialiasing, false);
    painter.setPen(colors.color(QPalette::Mid));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());

    // The top of the plot is each series' peak: said in its own colour, in the UI's units.
    painter.setPen(areaColor);
    painter.drawText(text, Qt::AlignLeft | Qt::AlignTop, formatRate(peakBytes));
    painter.setPen(urlsColor);
    painter.drawText(text, Qt::AlignRight | Qt::AlignTop,
                     tr("%1 URLs/s").arg(peakUrls, 0, 'f', peakUrls < 10 ? 1 : 0));
    painter.setPen(activeColor);
    painter.drawText(text, Qt::AlignHCenter | Qt::AlignBottom,
                     tr("%n in flight", nullptr, peakActive));
    painter.drawText(text, Qt::AlignLeft | Qt::AlignBottom, formatSeconds(0));
    painter.drawText(text, Qt::AlignRight | Qt::AlignBottom, formatSeconds(columns.back().endNs));
}

} // namespace Parafetch
