// SPDX-License-Identifier: GPL-3.0-or-later
// The summary panel: live figures of the run with their definitions as tooltips.
#include "summarypanel.h"

#include "formatting.h"
#include "histogramview.h"
#include "jobqueuemodel.h"
#include "run/eta.h"

#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QScrollBar>
#include <QVBoxLayout>

namespace Parafetch {

SummaryPanel::SummaryPanel(QWidget *parent)
    : QWidget(parent)
{
    setAccessibleName(tr("Run summary"));
    auto *layout = new QVBoxLayout(this);
    m_progress = new QProgressBar(this);
    m_progress->setAccessibleName(tr("Overall progress"));
    layout->addWidget(m_progress);
    m_polite = new QLabel(this);
    m_polite->setObjectName(QStringLiteral("politeLimit"));
    m_polite->setAccessibleName(tr("Polite mode"));
    m_polite->setToolTip(tr("Polite mode: however many workers there are, no host gets more "
                            "requests than this at once"));
    m_polite->hide();
    layout->addWidget(m_polite);
    m_capped = new QLabel(this);
    m_capped->setObjectName(QStringLiteral("bandwidthCap"));
    m_capped->setAccessibleName(tr("Bandwidth cap"));
    m_capped->setToolTip(tr("A bandwidth cap is set (the tool bar's Limit, Settings): the rates "
                            "and the speedup below were measured under it"));
    m_capped->setWordWrap(true);
    m_capped->hide();
    layout->addWidget(m_capped);
    m_paced = new QLabel(this);
    m_paced->setObjectName(QStringLiteral("requestPacing"));
    m_paced->setAccessibleName(tr("Request pacing"));
    m_paced->setToolTip(
        tr("Requests are paced (Settings → Requests per second, Per-host "
           "interval): the wall time and the speedup below were measured under it"));
    m_paced->setWordWrap(true);
    m_paced->hide();
    layout->addWidget(m_paced);

    m_form = new QFormLayout;
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->addLayout(m_form);
    m_done = addRow(tr("Done:"), doneToolTip());
    m_restored = addRow(tr("Restored:"),
                        tr("URLs an earlier run had finished before the restore: counted in Done "
                           "and Received, but not timed here, so left out of throughput, wall "
                           "time, serial estimate, speedup and per-URL time"));
    m_restored->setObjectName(QStringLiteral("restoredDone"));
    m_form->setRowVisible(m_restored, false);
    m_remaining = addRow(tr("Time left:"),
                         tr("The longer of: the in-flight URL that needs longest (its bytes "
                            "left at its rate), and all the work left over the workers (queued "
                            "URLs at the median duration of the last finished ones); – when "
                            "nothing yet tells"));
    m_active = addRow(tr("Active workers:"), tr("Workers (lanes) fetching a URL right now"));
    m_bytes = addRow(tr("Received:"),
                     tr("Body bytes received, all URLs (those done before a restore included)"));
    m_throughput = addRow(tr("Throughput:"),
                          tr("Bytes and finished URLs per second of wall time (URLs done before "
                             "a restore left out: their time was not measured here)"));
    m_wall = addRow(tr("Wall time:"),
                    tr("Time in which at least one URL was in flight (the union of the URLs' "
                       "start-to-finish intervals): idle time, such as a pause or the wait "
                       "before Retry Failed, is not counted"));
    m_serial = addRow(tr("Serial estimate:"),
                      tr("Σ per-URL duration: what fetching one URL after another would take "
                         "at these latencies. Latency grows with concurrency, so this flatters; "
                         "measure a serial baseline for the real figure"));
    m_speedup = addRow(tr("Speedup:"),
                       tr("Serial estimate ÷ wall time = the mean number of URLs in flight "
                          "while any was"));
    m_percentiles = addRow(tr("Per-URL time:"),
                           tr("Nearest-rank percentiles of per-URL duration (finish − start)"));
    m_baseline = addRow(tr("Serial baseline:"),
                        tr("The same list measured with one worker, and the real speedup"));
    m_baseline->setText(tr("not measured"));
    // The long rows wrap within the fixed width, and always keep room for two lines, so they
    // do not push the rows below them down when their text grows.
    for (QLabel *wrapping : { m_done, m_restored, m_percentiles, m_baseline }) {
        wrapping->setWordWrap(true);
        wrapping->setMinimumHeight(2 * wrapping->fontMetrics().lineSpacing());
    }
    m_polite->setWordWrap(true);

    m_histogram = new HistogramView(this);
    layout->addWidget(m_histogram);

    m_classic = new QLabel(this);
    m_classic->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_classic->setAccessibleName(tr("Classic summary lines"));
    QFont mono = m_classic->font();
    mono.setFamily(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_classic->setFont(mono);
    layout->addWidget(m_classic);
    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("verdict"));
    m_verdict->setAccessibleName(tr("Why wasn't it faster?"));
    m_verdict->setToolTip(tr("What held the finished run back, computed from its own records: "
                             "a URL that set the wall time, idle lanes, a cap, a server or link "
                             "that slowed down under load, retries, connection set-up"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextFormat(Qt::PlainText);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->hide();
    layout->addWidget(m_verdict);
    layout->addStretch();
    setSummary({}, 0, false);
    setRemaining({}, false);
    setFixedWidth(widthForFigures());
}

void SummaryPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        setFixedWidth(widthForFigures());
}

int SummaryPanel::widthForFigures() const
{
    // Samples with the widest digits of every unit, decimal and binary, up to petabytes.
    QList<qint64> sizes;
    constexpr qint64 LargestSize = Q_INT64_C(1) << 50;
    for (qint64 size = 9; size < LargestSize; size = size * 10 + 9)
        sizes.append(size);
    for (int bits = 10; bits <= 50; bits += 10)
        sizes.append((Q_INT64_C(1) << bits) - 1);
    constexpr qint64 LongRunNs = 99'999'999'999'999; // 27 h 46 min
    constexpr double FastestUrlsPerSecond = 9999.9;
    constexpr double LargestSpeedup = 999.99;
    QStringList figures = {
        formatSeconds(LongRunNs),      formatRemaining(LongRunNs), tr("estimating…"), tr("paused"),
        formatSpeedup(LargestSpeedup), QStringLiteral("9999")
    };
    for (qint64 size : sizes) {
        figures.append(formatBytes(size));
        figures.append(tr("%1, %2 URLs/s")
                           .arg(formatRate(double(size)))
                           .arg(QLocale().toString(FastestUrlsPerSecond, 'f', 1)));
    }
    int values = 0;
    for (const QString &figure : figures)
        values = std::max(values, m_done->fontMetrics().horizontalAdvance(figure));
    int labels = 0;
    for (int row = 0; row < m_form->rowCount(); ++row) {
        if (QLayoutItem *item = m_form->itemAt(row, QFormLayout::LabelRole))
            labels = std::max(labels, item->sizeHint().width());
    }
    RunSummary longRun;
    longRun.wallNs = LongRunNs;
    longRun.serialNs = LongRunNs;
    int classic = 0;
    for (const QString &line : classicSummaryLines(longRun).split(QLatin1Char('\n')))
        classic = std::max(classic, m_classic->fontMetrics().horizontalAdvance(line));
    const QMargins margins = layout()->contentsMargins();
    return margins.left() + margins.right()
        + std::max(labels + std::max(m_form->horizontalSpacing(), 0) + values, classic);
}

QString SummaryPanel::doneToolTip()
{
    return tr("Finished URLs: succeeded, failed and cancelled");
}

QLabel *SummaryPanel::addRow(const QString &label, const QString &toolTip)
{
    auto *value = new QLabel(this);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Its text never sets the panel's width (widthForFigures() does).
    value->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    value->setToolTip(toolTip);
    auto *name = new QLabel(label, this);
    name->setToolTip(toolTip);
    name->setBuddy(value);
    value->setAccessibleName(QString(label).remove(QLatin1Char(':')));
    m_form->addRow(name, value);
    return value;
}

void SummaryPanel::setRemaining(const EtaEstimate &eta, bool running)
{
    if (!running || eta.status == EtaEstimate::Status::Unknown)
        m_remaining->setText(unknownValue());
    else if (eta.status == EtaEstimate::Status::Paused)
        m_remaining->setText(tr("paused"));
    else if (eta.status == EtaEstimate::Status::Estimating)
        m_remaining->setText(tr("estimating…"));
    else
        m_remaining->setText(formatRemaining(eta.remainingNs));
}

void SummaryPanel::setSummary(const RunSummary &summary, int activeWorkers, bool running)
{
    // QProgressBar repaints itself at once on setValue(), ahead of the labels: with updates
    // off until every figure is set, the bar, its text and the labels reach the screen in one
    // paint, so no frame shows two different counts.
    const bool updating = updatesEnabled();
    setUpdatesEnabled(false);
    m_summary = summary;
    m_histogram->setSummary(summary);
    // An empty queue reads "0 of 0"; the range stays 0..1 (0..0 would draw a busy indicator).
    m_progress->setFormat(tr("%1 of %2").arg(summary.finished()).arg(summary.total));
    m_progress->setRange(0, std::max(summary.total, 1));
    m_progress->setValue(summary.finished());
    // Unchanged (a 304 to Fetch Again If Changed) is a success: said within the succeeded.
    m_done->setText(summary.unchanged > 0
                        ? tr("%1 of %2 (%3 succeeded, %6 of them unchanged, %4 failed, "
                             "%5 cancelled)")
                              .arg(summary.finished())
                              .arg(summary.total)
                              .arg(summary.succeeded)
                              .arg(summary.failed)
                              .arg(summary.cancelled)
                              .arg(summary.unchanged)
                        : tr("%1 of %2 (%3 succeeded, %4 failed, %5 cancelled)")
                              .arg(summary.finished())
                              .arg(summary.total)
                              .arg(summary.succeeded)
                              .arg(summary.failed)
                              .arg(summary.cancelled));
    // Results restored from an earlier run are done, but their time was not measured here.
    const QString restoredText = summary.restoredDone > 0
        ? tr("%n done before the restore, not timed here", nullptr, summary.restoredDone)
        : QString();
    m_restored->setText(restoredText);
    m_form->setRowVisible(m_restored, summary.restoredDone > 0);
    m_done->setToolTip(doneToolTip()
                       + (restoredText.isEmpty() ? QString() : QLatin1Char('\n') + restoredText));
    m_active->setText(QString::number(activeWorkers));
    m_bytes->setText(formatBytes(summary.bytes));
    const qint64 wallNs = summary.wallNs;
    m_throughput->setText(wallNs > 0
                              ? tr("%1, %2 URLs/s")
                                    .arg(formatRate(summary.bytesPerSecond))
                                    .arg(QLocale().toString(summary.requestsPerSecond, 'f', 1))
                              : QString());
    m_wall->setText(formatSeconds(wallNs));
    m_serial->setText(formatSeconds(summary.serialNs));
    m_speedup->setText(wallNs > 0 ? formatSpeedup(double(summary.serialNs) / double(wallNs))
                                  : QString());
    m_percentiles->setText(tr("p50 %1 · p90 %2 · p99 %3")
                               .arg(formatSecondsOrUnknown(summary.p50Ns),
                                    formatSecondsOrUnknown(summary.p90Ns),
                                    formatSecondsOrUnknown(summary.p99Ns)));
    const bool ended = !running && summary.finished() > 0 && summary.finished() == summary.total;
    m_classic->setText(ended ? classicSummaryLines(summary) : QString());
    m_classic->setVisible(ended);
    if (m_baselineNs > 0)
        updateBaselineText();
    setUpdatesEnabled(updating);
}

void SummaryPanel::setBaselineProgress(int finished, int total)
{
    m_baseline->setText(tr("measuring… %1 of %2").arg(finished).arg(total));
}

void SummaryPanel::setBaseline(const RunSummary &baseline)
{
    m_baselineNs = baseline.wallNs;
    updateBaselineText();
}

void SummaryPanel::updateBaselineText()
{
    const qint64 wall = m_summary.wallNs;
    m_baseline->setText(wall > 0 ? tr("%1 measured, real speedup %2")
                                       .arg(formatSeconds(m_baselineNs),
                                            formatSpeedup(double(m_baselineNs) / double(wall)))
                                 : tr("%1 measured").arg(formatSeconds(m_baselineNs)));
}

void SummaryPanel::setPerHostLimit(int perHost)
{
    m_polite->setText(perHost > 0 ? tr("Polite: at most %1 per host").arg(perHost) : QString());
    m_polite->setVisible(perHost > 0);
}

void SummaryPanel::setBandwidthCap(qint64 limitRate, qint64 limitRatePerUrl)
{
    const QString text = formatBandwidthCap(limitRate, limitRatePerUrl);
    if (text != m_capped->text())
        m_capped->setText(text);
    m_capped->setVisible(!text.isEmpty());
}

void SummaryPanel::setPacing(const QString &pacing)
{
    const QString text = pacing.isEmpty() ? QString() : tr("Paced: %1").arg(pacing);
    if (text != m_paced->text())
        m_paced->setText(text);
    m_paced->setVisible(!text.isEmpty());
}

void SummaryPanel::setVerdict(const QList<Finding> &findings)
{
    QStringList lines;
    for (const Finding &finding : findings)
        lines << QStringLiteral("• ") + finding.text;
    const QString text =
        lines.isEmpty() ? QString() : tr("Why not faster:") + QLatin1Char('\n') + lines.join(u'\n');
    if (text != m_verdict->text())
        m_verdict->setText(text);
    m_verdict->setVisible(!text.isEmpty());
}

void SummaryPanel::clearBaseline()
{
    m_baselineNs = -1;
    m_baseline->setText(tr("not measured"));
}

QString SummaryPanel::summaryText() const
{
    const RunSummary &s = m_summary;
    QString text = classicSummaryLines(s) + QLatin1Char('\n');
    text += QStringLiteral("speedup=") + formatClassicSpeedup(s.speedup) + QLatin1Char('\n');
    text += tr("URLs: %1, succeeded %2, failed %3, cancelled %4\n")
                .arg(s.total)
                .arg(s.succeeded)
                .arg(s.failed)
                .arg(s.cancelled);
    if (s.unchanged > 0)
        text +=
            tr("Unchanged since the earlier run (304, not fetched again): %1\n").arg(s.unchanged);
    if (s.restoredDone > 0)
        text += tr("Done before the restore (not timed here): %1\n").arg(s.restoredDone);
    text += tr("Bytes: %1\n").arg(s.bytes);
    text += tr("p50 %1, p90 %2, p99 %3\n")
                .arg(formatClassicSeconds(s.p50Ns), formatClassicSeconds(s.p90Ns),
                     formatClassicSeconds(s.p99Ns));
    if (m_baselineNs > 0)
        text += tr("Measured serial baseline: %1\n").arg(formatClassicSeconds(m_baselineNs));
    if (!m_verdict->text().isEmpty())
        text += m_verdict->text() + QLatin1Char('\n');
    return text;
}

SummaryScrollArea::SummaryScrollArea(SummaryPanel *panel, QWidget *parent)
    : QScrollArea(parent)
{
    setObjectName(QStringLiteral("summaryScroll"));
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);
    setWidgetResizable(true);
    setWidget(panel);
}

QSize SummaryScrollArea::sizeHint() const
{
    const QSize panel = widget() ? widget()->sizeHint() : QSize();
    // Room for the scroll bar always: the width does not change when it comes and goes.
    return { minimumSizeHint().width(), panel.height() + 2 * frameWidth() };
}

QSize SummaryScrollArea::minimumSizeHint() const
{
    const int panelWidth = widget() ? widget()->minimumSizeHint().width() : 0;
    constexpr int MinimumLines = 6; // the progress bar and the first figures
    return { std::max(panelWidth, widget() ? widget()->width() : 0)
                 + verticalScrollBar()->sizeHint().width() + 2 * frameWidth(),
             MinimumLines * fontMetrics().lineSpacing() };
}

} // namespace Parafetch
