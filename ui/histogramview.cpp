// SPDX-License-Identifier: GPL-3.0-or-later
// The latency histogram: bars on the 1-2-5 scale, percentile ticks, palette colours only.
#include "histogramview.h"

#include "formatting.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int BarsHeightLines = 2; // the bars' height, in lines of the widget's font
constexpr int Gap = 1; // between bars, in pixels

} // namespace

HistogramView::HistogramView(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("latencyHistogram"));
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    updateTexts();
}

void HistogramView::setSummary(const RunSummary &summary)
{
    const auto same = [](const LatencyHistogram &a, const LatencyHistogram &b) {
        return a.counts == b.counts && a.boundsUs == b.boundsUs && a.p50Us == b.p50Us
            && a.p90Us == b.p90Us && a.p95Us == b.p95Us && a.p99Us == b.p99Us;
    };
    if (same(m_duration, summary.durationHistogram) && same(m_ttfb, summary.ttfbHistogram))
        return; // a refresh with nothing new paints nothing
    m_duration = summary.durationHistogram;
    m_ttfb = summary.ttfbHistogram;
    updateTexts();
    update();
}

void HistogramView::setSeries(Series series)
{
    if (series == m_series)
        return;
    m_series = series;
    updateTexts();
    update();
}

const LatencyHistogram &HistogramView::shown() const
{
    return m_series == Series::Duration ? m_duration : m_ttfb;
}

QString HistogramView::title() const
{
    return m_series == Series::Duration ? tr("Per-URL time") : tr("Time to first byte");
}

void HistogramView::updateTexts()
{
    setAccessibleName(tr("Histogram of %1").arg(title().toLower()));
    const LatencyHistogram &h = shown();
    QString tip =
        tr("%1: how many URLs took how long, on a 1-2-5 scale; ticks mark p50, p90, "
           "p95 and p99. Click or press Space to show the %2.")
            .arg(title(),
                 m_series == Series::Duration ? tr("time to first byte") : tr("per-URL time"));
    if (!h.isEmpty()) {
        tip += u'\n';
        for (std::size_t i = 0; i < h.counts.size(); ++i) {
            tip += u'\n'
                + tr("%1 – %2: %n URL(s)", nullptr, h.counts[i])
                      .arg(formatLatencyBound(h.boundsUs[i]),
                           formatLatencyBound(h.boundsUs[i + 1]));
        }
        tip += u'\n'
            + tr("p50 %1, p90 %2, p95 %3, p99 %4")
                  .arg(formatLatencyBound(h.p50Us), formatLatencyBound(h.p90Us),
                       formatLatencyBound(h.p95Us), formatLatencyBound(h.p99Us));
    }
    setToolTip(tip);
}

QSize HistogramView::sizeHint() const
{
    // A title line (the scale's ends on its right), then the bars.
    return { fontMetrics().averageCharWidth() * 30,
             fontMetrics().lineSpacing() * (BarsHeightLines + 1) };
}

QSize HistogramView::minimumSizeHint() const
{
    return { fontMetrics().averageCharWidth() * 16, sizeHint().height() };
}

void HistogramView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QPalette &colours = palette();
    const QFontMetrics metrics = fontMetrics();
    const int line = metrics.lineSpacing();
    const QRect area = rect();
    painter.setPen(colours.color(QPalette::WindowText));
    const LatencyHistogram &h = shown();
    painter.drawText(QRect(area.left(), area.top(), area.width(), line),
                     Qt::AlignLeft | Qt::AlignVCenter, title());
    const QRect bars(area.left(), area.top() + line, area.width(), line * BarsHeightLines);
    if (h.isEmpty()) {
        painter.setPen(colours.color(QPalette::PlaceholderText));
        painter.drawText(bars, Qt::AlignCenter, tr("no URL finished yet"));
    } else {
        const int buckets = int(h.counts.size());
        const int largest = std::max(1, *std::max_element(h.counts.begin(), h.counts.end()));
        const double width = double(bars.width()) / buckets;
        const QColor fill = colours.color(QPalette::Highlight);
        for (int i = 0; i < buckets; ++i) {
            const int count = h.counts[std::size_t(i)];
            if (count == 0)
                continue;
            // At least a pixel for a non-empty bucket: one URL among a million is still seen.
            const int height = std::max(1, int(double(count) / largest * bars.height()));
            const int left = bars.left() + int(i * width);
            const int right = bars.left() + int((i + 1) * width) - Gap;
            painter.fillRect(QRect(QPoint(left, bars.bottom() - height + 1),
                                   QPoint(std::max(left, right), bars.bottom())),
                             fill);
        }
        // Percentile ticks, placed within their bucket by where the value lies on its scale.
        painter.setPen(colours.color(QPalette::WindowText));
        const auto xOf = [&](qint64 us) {
            const auto bucket =
                std::upper_bound(h.boundsUs.begin(), h.boundsUs.end(), us) - h.boundsUs.begin() - 1;
            const auto index = std::clamp<std::ptrdiff_t>(bucket, 0, buckets - 1);
            const double low = double(h.boundsUs[std::size_t(index)]);
            const double high = double(h.boundsUs[std::size_t(index) + 1]);
            const double within = high > low ? (double(us) - low) / (high - low) : 0;
            return bars.left() + int((double(index) + std::clamp(within, 0.0, 1.0)) * width);
        };
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.8);
        painter.setFont(small);
        const QFontMetrics smallMetrics(small);
        int labelRight = bars.left() - 1; // labels that would overlap are left out
        for (const auto &[name, value] :
             { std::pair { "p50", h.p50Us }, std::pair { "p90", h.p90Us },
               std::pair { "p95", h.p95Us }, std::pair { "p99", h.p99Us } }) {
            const int x = std::min(xOf(value), bars.right());
            painter.drawLine(x, bars.top(), x, bars.bottom());
            const QString label = QLatin1String(name);
            const int labelWidth = smallMetrics.horizontalAdvance(label);
            const int labelLeft = std::min(x + 2, bars.right() - labelWidth);
            if (labelLeft > labelRight) {
                painter.drawText(QPoint(labelLeft, bars.top() + smallMetrics.ascent()), label);
                labelRight = labelLeft + labelWidth;
            }
        }
        painter.setFont(font());
    }
    // The scale's ends, right of the title.
    if (!h.isEmpty()) {
        painter.setPen(colours.color(QPalette::WindowText));
        painter.drawText(QRect(area.left(), area.top(), area.width(), line),
                         Qt::AlignRight | Qt::AlignVCenter,
                         tr("%1 – %2").arg(formatLatencyBound(h.boundsUs.front()),
                                           formatLatencyBound(h.boundsUs.back())));
    }
    if (hasFocus()) {
        painter.setPen(QPen(colours.color(QPalette::Highlight), 1, Qt::DotLine));
        painter.drawRect(area.adjusted(0, 0, -1, -1));
    }
}

void HistogramView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        setSeries(m_series == Series::Duration ? Series::Ttfb : Series::Duration);
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

void HistogramView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Space || event->key() == Qt::Key_Return
        || event->key() == Qt::Key_Enter) {
        setSeries(m_series == Series::Duration ? Series::Ttfb : Series::Duration);
        event->accept();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace Parafetch
