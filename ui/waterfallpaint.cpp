// SPDX-License-Identifier: GPL-3.0-or-later
// How the waterfall looks: WaterfallView's rows, bars, axis, idle breaks, legend and tool tips.
#include "waterfallview.h"

#include "formatting.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "units.h"

#include <QLocale>
#include <QPainter>
#include <QPolygonF>
#include <QScrollBar>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int BarInset = 3; // between a row's edge and its bar
constexpr int QueuedThickness = 2; // half-height of the thin "waiting in the queue" line
constexpr int LegendSwatch = 12;
constexpr int LegendSpacing = 16;
constexpr int MinTickSpacingPx = 72;
constexpr int MarkerWidth = 4; // failed/cancelled marker at the gutter's left edge

// Okabe–Ito colours: told apart with the common colour-vision deficiencies, and mid-bright
// enough to read on light and dark palettes alike.
const QColor FailedColour(0xD5, 0x5E, 0x00); // vermillion

QString urlCount(int count)
{
    return count == 1 ? WaterfallView::tr("1 URL") : WaterfallView::tr("%1 URLs").arg(count);
}

QString msText(qint64 ns)
{
    return formatMilliseconds(ns, 3);
}

// An axis label: seconds once the values are large and the step coarse enough, else ms with as
// many decimals as the step needs.
QString axisLabel(qint64 ns, qint64 stepNs)
{
    using Units::NsPerSecond;
    constexpr qint64 TenthSecond = NsPerSecond / 10;
    const QLocale locale;
    if (ns >= NsPerSecond && stepNs >= TenthSecond)
        return WaterfallView::tr("%1 s").arg(
            locale.toString(double(ns) / double(NsPerSecond), 'f', stepNs >= NsPerSecond ? 0 : 1));
    int decimals = 0;
    for (qint64 unit = Units::NsPerMs; stepNs < unit && decimals < 3; unit /= 10)
        ++decimals;
    return formatMilliseconds(ns, decimals);
}

} // namespace

QString WaterfallView::idleGapLabel(qint64 ns)
{
    return tr("idle %1 s")
        .arg(QLocale().toString(double(ns) / Units::NsPerMs / Units::MsPerSecond, 'f', 0));
}

int WaterfallView::legendHeight() const
{
    int height = 0;
    legendLayout(viewport()->width(), &height);
    return height;
}

QList<WaterfallView::LegendItem> WaterfallView::legendLayout(int width, int *height) const
{
    QList<LegendItem> items;
    for (int phase = 0; phase < PhaseCount; ++phase) {
        LegendItem item;
        item.text = phaseName(Phase(phase));
        item.colour = phaseColour(Phase(phase));
        item.hatched = Phase(phase) == Phase::Tls;
        items.append(item);
    }
    items.append(LegendItem { tr("failed"), FailedColour, Qt::SolidLine, false, {}, {} });
    items.append(LegendItem {
        tr("cancelled"), palette().color(QPalette::Text), Qt::DashLine, false, {}, {} });
    // Flow left to right, wrapping; positions relative to the legend's top left corner, which
    // paintLegend() and legendHeight() place at the bottom of the viewport.
    const QFontMetrics metrics = fontMetrics();
    const int lineHeight = metrics.height() + AxisPadding / 2;
    int x = AxisPadding;
    int y = AxisPadding / 2;
    for (LegendItem &item : items) {
        const int itemWidth = LegendSwatch + AxisPadding / 2 + metrics.horizontalAdvance(item.text);
        if (x > AxisPadding && x + itemWidth > width) {
            x = AxisPadding;
            y += lineHeight;
        }
        item.swatch = QRect(x, y + (lineHeight - LegendSwatch) / 2, LegendSwatch, LegendSwatch);
        item.textAt = QPoint(x + LegendSwatch + AxisPadding / 2,
                             y + (lineHeight - metrics.height()) / 2 + metrics.ascent());
        x += itemWidth + LegendSpacing;
    }
    if (height)
        *height = y + lineHeight + AxisPadding / 2;
    return items;
}

QColor WaterfallView::phaseColour(Phase phase)
{
    switch (phase) {
    case Phase::Queued:
        return QColor(0xA8, 0xA8, 0xA8);
    case Phase::Backoff:
        return QColor(0xCC, 0x79, 0xA7); // reddish purple
    case Phase::Other:
        return QColor(0x8A, 0x8F, 0x98);
    case Phase::Dns:
        return QColor(0x00, 0x72, 0xB2); // blue
    case Phase::Connect:
        return QColor(0xE6, 0x9F, 0x00); // orange
    case Phase::Tls:
        return QColor(0xB0, 0x78, 0x00); // a darker orange, hatched: part of connect
    case Phase::Send:
        return QColor(0xF0, 0xE4, 0x42); // yellow
    case Phase::Wait:
        return QColor(0x56, 0xB4, 0xE9); // sky blue
    case Phase::Receive:
        return QColor(0x00, 0x9E, 0x73); // bluish green
    }
    return {};
}

QString WaterfallView::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Queued:
        return tr("queued");
    case Phase::Backoff:
        return tr("retries", "earlier attempts and the backoff between them");
    case Phase::Other:
        return tr("redirects, other");
    case Phase::Dns:
        return tr("DNS");
    case Phase::Connect:
        return tr("connect");
    case Phase::Tls:
        return tr("TLS");
    case Phase::Send:
        return tr("send");
    case Phase::Wait:
        return tr("wait (TTFB)");
    case Phase::Receive:
        return tr("receive");
    }
    return {};
}

QString WaterfallView::toolTipFor(quint64 id) const
{
    const Job *found = jobForId(id);
    if (!found)
        return {};
    const Job &job = *found;
    QStringList lines;
    lines << redactedUrl(job.url);
    QString status = stateDisplayName(job.state);
    if (job.httpStatus > 0)
        status += tr(" · HTTP %1").arg(job.httpStatus);
    status += QStringLiteral(" · ") + formatBytes(job.bytesReceived);
    status += QStringLiteral(" · ")
        + (job.attempts == 1 ? tr("1 attempt") : tr("%1 attempts").arg(job.attempts));
    lines << status;
    if (job.worker >= 0)
        lines << tr("Lane %1 · thread %2").arg(job.worker).arg(job.thread);
    if (job.connectionId > 0 || job.serverAddressId > 0) {
        QStringList connection;
        if (job.connectionId > 0)
            connection << tr("Connection %1")
                              .arg(formatConnection(job.connectionId, job.connectionReused));
        if (job.serverAddressId > 0)
            connection << job.serverAddress();
        lines << connection.join(QStringLiteral(" · "));
    }
    if (job.startedAtNs < 0) {
        if (job.restored && job.isFinished()) {
            lines << (job.restoredDurationNs() >= 0
                          ? tr("Done before the restore, in %1 (not timed here)")
                                .arg(msText(job.restoredDurationNs()))
                          : tr("Done before the restore (not timed)"));
        } else {
            lines << tr("Not started");
        }
        if (!job.errorString().isEmpty())
            lines << tr("Error: %1").arg(job.errorString());
        return lines.join(QLatin1Char('\n'));
    }
    const PhaseBreakdown phases = phaseBreakdown(job);
    QString start = tr("Starts at +%1").arg(msText(job.startedAtNs - m_layout.originNs()));
    if (phases.queuedNs >= 0)
        start += tr(" · queued %1").arg(msText(phases.queuedNs));
    lines << start;
    if (phases.earlierAttemptsNs > 0)
        lines << tr("Earlier attempts and backoff: %1").arg(msText(phases.earlierAttemptsNs));
    const auto phase = [&lines](const QString &name, qint64 us) {
        if (us >= 0)
            lines << tr("%1: %2").arg(name, msText(us * Units::NsPerUs));
    };
    phase(tr("DNS"), phases.dnsUs);
    if (phases.connectUs >= 0) {
        lines << (phases.tlsUs >= 0
                      ? tr("Connect: %1 (TLS %2)")
                            .arg(msText(phases.connectUs * Units::NsPerUs),
                                 msText(phases.tlsUs * Units::NsPerUs))
                      : tr("Connect: %1").arg(msText(phases.connectUs * Units::NsPerUs)));
    } else if (phases.reusedConnection()) {
        lines << tr("Connect: reused connection");
    }
    phase(tr("Send"), phases.sendUs);
    phase(tr("Wait (TTFB)"), phases.waitUs);
    phase(tr("Receive"), phases.receiveUs);
    if (job.durationNs() >= 0)
        lines << tr("Total: %1").arg(msText(job.durationNs()));
    else if (job.state == JobState::Running)
        lines << tr("Running for %1").arg(msText(barEndNs(job, nowNs()) - job.startedAtNs));
    if (!job.errorString().isEmpty())
        lines << tr("Error: %1").arg(job.errorString());
    return lines.join(QLatin1Char('\n'));
}

qint64 WaterfallView::tickStepNs() const
{
    const int minSpacing =
        std::max(MinTickSpacingPx,
                 fontMetrics().horizontalAdvance(QStringLiteral("0000.000 ms")) + AxisPadding);
    return m_time.tickStepNs(minSpacing);
}

QString WaterfallView::rowLabel(const WaterfallLayout::Row &row, const Job &job) const
{
    if (grouping() == Grouping::LanePacked)
        return tr("%1 (%2)").arg(m_layout.groups().at(row.group).label, urlCount(row.count));
    const QUrl url = job.url.toUrl().adjusted(QUrl::RemoveUserInfo);
    if (grouping() == Grouping::Host) {
        const QString path =
            url.toString(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::FullyDecoded);
        return path.isEmpty() ? QStringLiteral("/") : path;
    }
    QString text = redactedUrl(job.url);
    const qsizetype scheme = text.indexOf(QLatin1String("://"));
    return scheme >= 0 ? text.mid(scheme + 3) : text;
}

void WaterfallView::paintEvent(QPaintEvent *)
{
    if (m_layout.isPending())
        relayout();
    QPainter painter(viewport());
    const QPalette &colours = palette();
    painter.fillRect(viewport()->rect(), colours.color(QPalette::Base));
    const qint64 now = nowNs();
    const int top = axisHeight();
    const int height = rowsAreaHeight();
    const qint64 step = tickStepNs();

    m_paintedRows = 0;
    m_firstPaintedRow = -1;
    if (m_layout.rows().empty()) {
        painter.setPen(colours.color(QPalette::PlaceholderText));
        painter.drawText(QRect(0, top, viewport()->width(), height),
                         Qt::AlignCenter | Qt::TextWordWrap,
                         tr("No URLs yet: each one gets a bar here once it starts."));
    } else {
        painter.save();
        painter.setClipRect(0, top, viewport()->width(), height);
        // Vertical grid lines behind the bars.
        QColor grid = colours.color(QPalette::Mid);
        grid.setAlpha(90);
        painter.setPen(grid);
        const qint64 firstTick = m_time.firstTickAt(horizontalScrollBar()->value(), step);
        if (m_layout.hasStarted()) {
            for (qint64 t = m_time.nextTick(firstTick, step); xForTime(t) <= viewport()->width();
                 t = m_time.nextTick(t + step, step))
                painter.drawLine(QPointF(xForTime(t), top), QPointF(xForTime(t), top + height));
        }
        const int scroll = verticalScrollBar()->value();
        const int first = scroll / rowHeight();
        const int last = std::min(layoutRowCount() - 1, (scroll + height) / rowHeight());
        for (int row = first; row <= last; ++row)
            paintRow(painter, row, now);
        m_firstPaintedRow = first;
        m_paintedRows = std::max(0, last - first + 1);
        painter.restore();
    }
    paintGaps(painter);
    painter.setPen(colours.color(QPalette::Mid));
    painter.drawLine(gutterWidth(), top, gutterWidth(), top + height);
    paintAxis(painter, step);
    paintLegend(painter);
}

void WaterfallView::paintAxis(QPainter &painter, qint64 stepNs) const
{
    const QPalette &colours = palette();
    const QRect axis(0, 0, viewport()->width(), axisHeight());
    painter.fillRect(axis, colours.color(QPalette::Window));
    painter.setPen(colours.color(QPalette::Mid));
    painter.drawLine(axis.bottomLeft(), axis.bottomRight());
    painter.setPen(colours.color(QPalette::WindowText));
    painter.drawText(axis.adjusted(AxisPadding, 0, -(viewport()->width() - gutterWidth()), 0),
                     Qt::AlignVCenter | Qt::AlignLeft, tr("Since the first enqueue"));
    if (m_layout.rows().empty() || !m_layout.hasStarted())
        return; // nothing has started: no time to show
    painter.save();
    painter.setClipRect(
        QRect(gutterWidth() + 1, 0, viewport()->width() - gutterWidth(), axis.height()));
    const QFontMetrics metrics = fontMetrics();
    const int gapWidth = idleGapWidth();
    for (const IdleGap &gap : m_time.gaps()) {
        const qreal x = xForTime(gap.startNs);
        painter.drawText(QRectF(x, 0, gapWidth, axis.height()), Qt::AlignCenter,
                         idleGapLabel(gap.endNs - gap.startNs));
    }
    const qint64 firstTick = m_time.firstTickAt(horizontalScrollBar()->value(), stepNs);
    for (qint64 t = m_time.nextTick(firstTick, stepNs); xForTime(t) <= viewport()->width();
         t = m_time.nextTick(t + stepNs, stepNs)) {
        const qreal x = xForTime(t);
        const QString label = axisLabel(t - m_time.originNs(), stepNs);
        const int width = metrics.horizontalAdvance(label);
        // The first label starts at its tick rather than being cut in half by the gutter.
        const qreal left = std::max<qreal>(x - width / 2.0, gutterWidth() + 2);
        painter.drawText(QPointF(left, (axis.height() - metrics.height()) / 2.0 + metrics.ascent()),
                         label);
        const int tickTop = axis.bottom() - AxisPadding / 2;
        painter.drawLine(QPointF(x, tickTop), QPointF(x, axis.bottom()));
    }
    painter.restore();
}

// Each idle stretch: a band across the rows, edged by zig-zag lines, the axis' break.
void WaterfallView::paintGaps(QPainter &painter) const
{
    if (m_time.gaps().empty() || m_layout.rows().empty())
        return;
    const QPalette &colours = palette();
    const int top = axisHeight();
    const int bottom = top + rowsAreaHeight();
    const int width = idleGapWidth();
    constexpr int Zig = 4;
    painter.save();
    painter.setClipRect(QRect(gutterWidth() + 1, 0, viewport()->width() - gutterWidth(), bottom));
    for (const IdleGap &gap : m_time.gaps()) {
        const qreal left = xForTime(gap.startNs);
        painter.fillRect(QRectF(left, top, width, bottom - top), colours.color(QPalette::Window));
        painter.setPen(QPen(colours.color(QPalette::Mid), 1));
        for (const qreal edge : { left, left + width }) {
            QPolygonF zigzag;
            for (int y = top, i = 0; y <= bottom + Zig; y += Zig, ++i)
                zigzag << QPointF(edge + (i % 2 == 0 ? -Zig / 2.0 : Zig / 2.0), y);
            painter.drawPolyline(zigzag);
        }
    }
    painter.restore();
}

void WaterfallView::paintLegend(QPainter &painter) const
{
    const QPalette &colours = palette();
    const int height = legendHeight();
    const int top = viewport()->height() - height;
    painter.fillRect(QRect(0, top, viewport()->width(), height), colours.color(QPalette::Window));
    painter.setPen(colours.color(QPalette::Mid));
    painter.drawLine(0, top, viewport()->width(), top);
    for (const LegendItem &item : legendLayout(viewport()->width())) {
        const QRect swatch = item.swatch.translated(0, top);
        if (item.outline == Qt::NoPen) {
            painter.fillRect(swatch, item.colour);
            if (item.hatched)
                painter.fillRect(swatch, QBrush(colours.color(QPalette::Base), Qt::BDiagPattern));
        } else {
            painter.setPen(QPen(item.colour, 2, item.outline));
            painter.setBrush(Qt::NoBrush);
            painter.drawRect(swatch.adjusted(1, 1, -1, -1));
        }
        painter.setPen(colours.color(QPalette::WindowText));
        painter.drawText(item.textAt + QPoint(0, top), item.text);
    }
}

void WaterfallView::paintRow(QPainter &painter, int rowIndex, qint64 now) const
{
    const QPalette &colours = palette();
    const WaterfallLayout::Row &row = m_layout.rows()[std::size_t(rowIndex)];
    const QRect rect = rowRect(rowIndex);
    const QFontMetrics metrics = fontMetrics();
    if (row.header) {
        painter.fillRect(rect, colours.color(QPalette::AlternateBase).darker(105));
        QFont bold = painter.font();
        bold.setBold(true);
        painter.save();
        painter.setFont(bold);
        painter.setPen(colours.color(QPalette::Text));
        const WaterfallLayout::Group &group = m_layout.groups().at(row.group);
        painter.drawText(rect.adjusted(AxisPadding, 0, -AxisPadding, 0),
                         Qt::AlignVCenter | Qt::AlignLeft,
                         tr("%1 · %2").arg(group.label, urlCount(group.jobs)));
        painter.restore();
        return;
    }

    const Job &firstJob = itemJob(row.first);
    const bool selected =
        m_selected != 0 && (grouping() == Grouping::LanePacked ? false : firstJob.id == m_selected);
    if (selected) {
        QColor highlight = colours.color(QPalette::Highlight);
        highlight.setAlpha(hasFocus() ? 70 : 45);
        painter.fillRect(rect, highlight);
    } else if (rowIndex % 2 == 1) {
        painter.fillRect(rect, colours.color(QPalette::AlternateBase));
    }

    // The gutter: what the row is, and a marker when it failed or was cancelled.
    const QRect gutter(0, rect.top(), gutterWidth(), rect.height());
    if (grouping() != Grouping::LanePacked
        && (firstJob.state == JobState::Failed || firstJob.state == JobState::Cancelled)) {
        painter.fillRect(QRect(gutter.left(), gutter.top() + 1, MarkerWidth, gutter.height() - 2),
                         firstJob.state == JobState::Failed ? FailedColour
                                                            : colours.color(QPalette::Mid));
    }
    painter.setPen(colours.color(QPalette::Text));
    const QRect labelRect = gutter.adjusted(MarkerWidth + AxisPadding / 2, 0, -AxisPadding / 2, 0);
    painter.drawText(
        labelRect, Qt::AlignVCenter | Qt::AlignLeft,
        metrics.elidedText(rowLabel(row, firstJob), Qt::ElideMiddle, labelRect.width()));

    painter.save();
    painter.setClipRect(
        QRect(gutterWidth() + 1, rect.top(), viewport()->width() - gutterWidth(), rect.height()),
        Qt::IntersectClip);
    const bool packed = grouping() == Grouping::LanePacked;
    qreal paintedRight = -1;
    for (int item = row.first; item < row.first + row.count; ++item)
        paintBar(painter, itemJob(item), rect, now, packed ? &paintedRight : nullptr);
    painter.restore();
}

void WaterfallView::paintBar(QPainter &painter, const Job &job, const QRect &rowRect, qint64 now,
                             qreal *packedRight) const
{
    const qint64 end = barEndNs(job, now);
    if (job.startedAtNs < 0 && !packedRight) {
        // Not started (queued), or a result restored from a journal: no time on this run's axis
        // to draw, and no made-up one; a restored result says how long the earlier run took.
        const bool timedEarlier = job.restored && job.isFinished() && job.restoredDurationNs() >= 0;
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(QRectF(barLeft(), rowRect.top(),
                                timedEarlier ? 2 * EndMarginPx : EndMarginPx, rowRect.height()),
                         Qt::AlignVCenter | Qt::AlignLeft,
                         timedEarlier ? msText(job.restoredDurationNs()) : unknownValue());
        return;
    }
    if (job.startedAtNs < 0 || end < job.startedAtNs)
        return;
    const qreal left = gutterWidth();
    const qreal right = viewport()->width();
    const qreal barEnd = xForTime(end);
    const qreal queuedStart = job.queuedAtNs >= 0 && !packedRight
        ? std::min(job.queuedAtNs, job.startedAtNs)
        : job.startedAtNs;
    if (barEnd < left || xForTime(queuedStart) > right)
        return; // off to one side
    // On a lane's line the bars follow one another: one that ends in the pixel column already
    // painted cannot be seen, and fitted runs have thousands of those.
    if (packedRight) {
        if (barEnd < *packedRight)
            return;
        *packedRight = std::max(barEnd, xForTime(job.startedAtNs) + 1);
    }
    const QList<Segment> segments = segmentsOf(job, now);
    const QRectF bar(0, rowRect.top() + BarInset, 0, rowRect.height() - 2 * BarInset);
    const QPalette &colours = palette();
    qreal attemptLeft = -1;
    for (const Segment &segment : segments) {
        const qreal x1 = xForTime(segment.startNs);
        // Every stretch is at least a pixel wide: a 0.2 ms connect still shows.
        const qreal x2 = std::max(xForTime(segment.endNs), x1 + 1);
        if (x2 < left || x1 > right)
            continue;
        if (segment.phase == Phase::Queued) {
            if (packedRight)
                continue; // on a lane's line the waits in the queue would all overlap
            const qreal middle = bar.center().y();
            painter.fillRect(QRectF(x1, middle - QueuedThickness / 2.0, x2 - x1, QueuedThickness),
                             phaseColour(Phase::Queued));
            continue;
        }
        if (attemptLeft < 0)
            attemptLeft = x1;
        const QRectF area(x1, bar.top(), x2 - x1, bar.height());
        painter.fillRect(area, phaseColour(segment.phase));
        if (segment.phase == Phase::Tls)
            painter.fillRect(area, QBrush(colours.color(QPalette::Base), Qt::BDiagPattern));
    }
    if (attemptLeft < 0)
        return;
    constexpr qreal MinSeparatedWidth = 3;
    if (packedRight
        && barEnd - attemptLeft >= MinSeparatedWidth) // where one URL ends and the next begins
        painter.fillRect(QRectF(attemptLeft, bar.top(), 1, bar.height()),
                         colours.color(QPalette::Base));
    const QRectF outline(attemptLeft, bar.top(), std::max(barEnd, attemptLeft + 1) - attemptLeft,
                         bar.height());
    painter.setBrush(Qt::NoBrush);
    if (job.state == JobState::Failed) {
        painter.setPen(QPen(FailedColour, 2));
        painter.drawRect(outline.adjusted(1, 1, -1, -1));
    } else if (job.state == JobState::Cancelled) {
        painter.setPen(QPen(colours.color(QPalette::Text), 1.5, Qt::DashLine));
        painter.drawRect(outline.adjusted(0.5, 0.5, -0.5, -0.5));
    }
    if (job.id == m_selected) {
        painter.setPen(QPen(colours.color(QPalette::Highlight), 2));
        painter.drawRect(outline.adjusted(-2, -2, 2, 2));
    }
    if (!packedRight) {
        painter.setPen(colours.color(QPalette::Text));
        const QString text = axisLabel(
            end - job.startedAtNs, end - job.startedAtNs >= Units::NsPerMs ? Units::NsPerMs : 1);
        painter.drawText(
            QRectF(barEnd + AxisPadding / 2.0, rowRect.top(), EndMarginPx * 2, rowRect.height()),
            Qt::AlignVCenter | Qt::AlignLeft, text);
    }
}

} // namespace Parafetch
