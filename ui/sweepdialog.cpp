// SPDX-License-Identifier: GPL-3.0-or-later
// The sweep dialog and its plot: levels chosen as powers of two, progress, table, knee, CSV.
#include "sweepdialog.h"

#include "formatting.h"
#include "jobqueuemodel.h"
#include "run/baselinerunner.h"
#include "run/eta.h"
#include "units.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace Parafetch {

namespace {

constexpr int TargetTickCount = 5;
constexpr int TickLength = 4;
constexpr int MarkerRadius = 4;
constexpr int Gap = 6;
constexpr double LinePenWidth = 2.0;
constexpr double LogPadding = 0.3; // of one doubling, left and right of the outer levels
constexpr int MaxSecondDecimals = 3;
constexpr int PlotMinWidth = 320, PlotMinHeight = 200;
constexpr int PlotWidth = 640, PlotHeight = 320;
constexpr int TableMinHeight = 120;

// A step of 1, 2 or 5 times a power of ten that cuts 0..max into about TargetTickCount parts.
double niceStep(double max)
{
    if (!(max > 0))
        return 1;
    const double raw = max / TargetTickCount;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    const double fraction = raw / power;
    const double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    return nice * power;
}

int decimalsFor(double step)
{
    return std::clamp(int(-std::floor(std::log10(step))), 0, MaxSecondDecimals);
}

QString secondsLabel(double seconds, int decimals)
{
    return QString::number(seconds, 'f', decimals);
}

QTableWidgetItem *numberItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return item;
}

} // namespace

SweepPlot::SweepPlot(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("sweepPlot"));
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAccessibleName(tr("Wall time and speedup against the number of workers"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void SweepPlot::setPoints(const QList<SweepPoint> &points, int kneeIndex)
{
    m_points = points;
    m_knee = kneeIndex;
    update();
}

QSize SweepPlot::sizeHint() const
{
    return { PlotWidth, PlotHeight };
}

QSize SweepPlot::minimumSizeHint() const
{
    return { PlotMinWidth, PlotMinHeight };
}

QColor SweepPlot::wallColour()
{
    return { 0x00, 0x72, 0xB2 }; // blue
}

QColor SweepPlot::speedupColour()
{
    return { 0xE6, 0x9F, 0x00 }; // orange
}

QColor SweepPlot::kneeColour()
{
    return { 0x00, 0x9E, 0x73 }; // bluish green
}

void SweepPlot::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette &colours = palette();
    painter.fillRect(rect(), colours.color(QPalette::Base));
    const QFontMetrics metrics = fontMetrics();
    const QColor text = colours.color(QPalette::Text);

    if (m_points.isEmpty()) {
        painter.setPen(colours.color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Run the sweep to see wall time and speedup against the number of "
                            "workers."));
        return;
    }

    double maxWall = 0, maxSpeedup = 0;
    for (const SweepPoint &point : m_points) {
        maxWall = std::max(maxWall, double(point.wallNs) / Units::NsPerSecond);
        maxSpeedup = std::max(maxSpeedup, point.speedup);
    }
    const double wallStep = niceStep(maxWall), speedupStep = niceStep(maxSpeedup);
    const double wallTop = std::max(wallStep, std::ceil(maxWall / wallStep) * wallStep);
    const double speedupTop =
        std::max(speedupStep, std::ceil(maxSpeedup / speedupStep) * speedupStep);
    const int wallDecimals = decimalsFor(wallStep), speedupDecimals = decimalsFor(speedupStep);

    const int leftLabels = metrics.horizontalAdvance(secondsLabel(wallTop, wallDecimals));
    const int rightLabels =
        metrics.horizontalAdvance(secondsLabel(speedupTop, speedupDecimals) + QLatin1Char('x'));
    const int lineHeight = metrics.height();
    // Above the plot: the legend, then the axis titles, then half a line for the top tick label.
    const QRect area = rect().adjusted(
        Gap + leftLabels + TickLength + Gap, Gap + 2 * lineHeight + lineHeight / 2 + Gap,
        -(Gap + rightLabels + TickLength + Gap), -(Gap + 2 * lineHeight + Gap));
    if (area.width() <= 0 || area.height() <= 0)
        return;

    const double firstLog = std::log2(double(m_points.constFirst().concurrency)) - LogPadding;
    const double lastLog = std::log2(double(m_points.constLast().concurrency)) + LogPadding;
    const auto xOf = [&](int concurrency) {
        return area.left()
            + (std::log2(double(concurrency)) - firstLog) / (lastLog - firstLog) * area.width();
    };
    const auto yOf = [&](double value, double top) {
        return area.bottom() - value / top * area.height();
    };

    // Grid and the left axis's ticks (wall time), the right axis's ticks (speedup).
    QColor grid = colours.color(QPalette::Mid);
    grid.setAlpha(90);
    for (double value = 0; value <= wallTop + wallStep / 2; value += wallStep) {
        const double y = yOf(value, wallTop);
        painter.setPen(grid);
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        painter.setPen(text);
        painter.drawLine(QPointF(area.left() - TickLength, y), QPointF(area.left(), y));
        painter.drawText(QRectF(Gap, y - lineHeight / 2.0, leftLabels, lineHeight),
                         Qt::AlignRight | Qt::AlignVCenter, secondsLabel(value, wallDecimals));
    }
    for (double value = 0; value <= speedupTop + speedupStep / 2; value += speedupStep) {
        const double y = yOf(value, speedupTop);
        painter.drawLine(QPointF(area.right(), y), QPointF(area.right() + TickLength, y));
        painter.drawText(
            QRectF(area.right() + TickLength + Gap, y - lineHeight / 2.0, rightLabels, lineHeight),
            Qt::AlignLeft | Qt::AlignVCenter,
            secondsLabel(value, speedupDecimals) + QLatin1Char('x'));
    }
    // The x axis: a tick and a label at each level.
    for (const SweepPoint &point : m_points) {
        const double x = xOf(point.concurrency);
        painter.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + TickLength));
        painter.drawText(
            QRectF(x - area.width() / 2.0, area.bottom() + TickLength, area.width(), lineHeight),
            Qt::AlignHCenter | Qt::AlignTop, QString::number(point.concurrency));
    }
    painter.drawLine(area.bottomLeft(), area.bottomRight());
    painter.drawLine(area.bottomLeft(), area.topLeft());
    painter.drawLine(area.bottomRight(), area.topRight());
    painter.drawText(
        QRect(area.left(), area.bottom() + TickLength + lineHeight, area.width(), lineHeight),
        Qt::AlignHCenter | Qt::AlignTop, tr("workers N (log scale)"));
    painter.drawText(QRect(Gap, Gap + lineHeight, area.width(), lineHeight),
                     Qt::AlignLeft | Qt::AlignVCenter, tr("wall time (s)"));
    painter.drawText(QRect(area.right() - area.width(), Gap + lineHeight,
                           area.width() + rightLabels + TickLength + Gap, lineHeight),
                     Qt::AlignRight | Qt::AlignVCenter, tr("speedup"));

    // The knee under the series, so the markers stay on top.
    if (m_knee >= 0 && m_knee < m_points.size()) {
        const double x = xOf(m_points.at(m_knee).concurrency);
        QPen kneePen(kneeColour(), LinePenWidth, Qt::DashLine);
        painter.setPen(kneePen);
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        painter.setPen(kneeColour());
        const QString label = tr("knee N=%1").arg(m_points.at(m_knee).concurrency);
        const bool leftOfLine = x + Gap + metrics.horizontalAdvance(label) > area.right();
        painter.drawText(QRectF(leftOfLine ? x - Gap - area.width() : x + Gap, area.top() + Gap,
                                area.width(), lineHeight),
                         (leftOfLine ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter, label);
    }

    const auto drawSeries = [&](const QColor &colour, double top, auto valueOf, bool squares) {
        QPainterPath path;
        for (int i = 0; i < m_points.size(); ++i) {
            const QPointF at(xOf(m_points.at(i).concurrency), yOf(valueOf(m_points.at(i)), top));
            if (i == 0)
                path.moveTo(at);
            else
                path.lineTo(at);
        }
        painter.setPen(QPen(colour, LinePenWidth));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        painter.setBrush(colour);
        for (const SweepPoint &point : m_points) {
            const QPointF at(xOf(point.concurrency), yOf(valueOf(point), top));
            const QRectF marker(at.x() - MarkerRadius, at.y() - MarkerRadius, 2 * MarkerRadius,
                                2 * MarkerRadius);
            if (squares)
                painter.drawRect(marker);
            else
                painter.drawEllipse(marker);
        }
    };
    drawSeries(
        wallColour(), wallTop,
        [](const SweepPoint &point) { return double(point.wallNs) / Units::NsPerSecond; }, false);
    drawSeries(
        speedupColour(), speedupTop, [](const SweepPoint &point) { return point.speedup; }, true);

    // The legend, above the plot.
    int x = area.left();
    const int y = Gap + lineHeight / 2;
    const auto legend = [&](const QColor &colour, const QString &label, bool squares) {
        painter.setPen(QPen(colour, LinePenWidth));
        painter.drawLine(QPointF(x, y), QPointF(x + 3 * MarkerRadius * 2, y));
        painter.setBrush(colour);
        const QRectF marker(x + 3 * MarkerRadius - MarkerRadius, y - MarkerRadius, 2 * MarkerRadius,
                            2 * MarkerRadius);
        if (squares)
            painter.drawRect(marker);
        else
            painter.drawEllipse(marker);
        x += 6 * MarkerRadius + Gap;
        painter.setPen(text);
        painter.drawText(QPointF(x, y + metrics.ascent() / 2.0 - 1), label);
        x += metrics.horizontalAdvance(label) + 3 * Gap;
    };
    legend(wallColour(), tr("wall time"), false);
    legend(speedupColour(), tr("speedup (serial ÷ wall)"), true);
}

SweepDialog::SweepDialog(const QList<Job> &jobs, const FetchOptions &options, QWidget *parent)
    : QDialog(parent)
    , m_options(options)
{
    setObjectName(QStringLiteral("sweepDialog"));
    setWindowTitle(tr("Concurrency Sweep"));
    m_entries.reserve(jobs.size());
    for (const Job &job : jobs)
        m_entries.append(UrlEntry::of(job));
    m_meanMeasuredNs = BaselineRunner::meanMeasuredNs(jobs);

    m_listLabel = new QLabel(
        tr("%n URL(s) from the queue; bodies are not saved.", nullptr, int(m_entries.size())),
        this);
    m_maxConcurrency = new QSpinBox(this);
    m_maxConcurrency->setObjectName(QStringLiteral("maxConcurrency"));
    m_maxConcurrency->setRange(FetchOptions::MinConcurrency, FetchOptions::MaxConcurrency);
    m_maxConcurrency->setValue(DefaultMaxConcurrency);
    m_maxConcurrency->setToolTip(tr("The list runs at N = 1, 2, 4, … up to this many workers"));
    m_sample = new QSpinBox(this);
    m_sample->setObjectName(QStringLiteral("sampleSize"));
    m_sample->setRange(0, std::max(0, int(m_entries.size())));
    m_sample->setSpecialValueText(tr("whole list"));
    m_sample->setSuffix(tr(" URLs"));
    m_sample->setToolTip(tr("Run each level on this many URLs of the list, always the same ones "
                            "(chosen by a stable hash), to keep a long list's sweep short"));

    m_estimateLabel = new QLabel(this);
    m_estimateLabel->setObjectName(QStringLiteral("sweepEstimate"));
    m_estimateLabel->setWordWrap(true);
    m_estimateLabel->setToolTip(tr("From the mean time of the list's URLs fetched so far: at N "
                                   "workers a level takes about ceil(URLs ÷ N) of them"));

    auto *form = new QFormLayout;
    form->addRow(tr("List:"), m_listLabel);
    form->addRow(tr("&Workers up to:"), m_maxConcurrency);
    form->addRow(tr("S&ample:"), m_sample);
    form->addRow(tr("Takes:"), m_estimateLabel);

    m_runButton = new QPushButton(tr("&Run Sweep"), this);
    m_runButton->setObjectName(QStringLiteral("runSweep"));
    m_cancelButton = new QPushButton(tr("&Cancel Sweep"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelSweep"));
    m_saveButton = new QPushButton(tr("&Save CSV…"), this);
    m_saveButton->setObjectName(QStringLiteral("saveSweepCsv"));
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_runButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_saveButton);
    buttons->addStretch(1);
    buttons->addWidget(close);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("sweepProgress"));
    m_progress->setTextVisible(true);
    m_plot = new SweepPlot(this);
    m_kneeLabel = new QLabel(this);
    m_kneeLabel->setObjectName(QStringLiteral("kneeLabel"));
    m_kneeLabel->setWordWrap(true);
    m_kneeLabel->setToolTip(tr("The knee is the smallest N from which every further doubling "
                               "saves less than %1% of the wall time")
                                .arg(int(SweepRunner::DefaultKneeThreshold * Units::PercentScale)));

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("sweepTable"));
    m_table->setHorizontalHeaderLabels({ tr("N"), tr("Wall"), tr("Serial"), tr("Speedup"),
                                         tr("Efficiency"), tr("Succeeded"), tr("Failed"), tr("p50"),
                                         tr("p95") });
    m_table->horizontalHeaderItem(SpeedupColumn)
        ->setToolTip(tr("Serial ÷ wall: the mean number of URLs in flight"));
    m_table->horizontalHeaderItem(EfficiencyColumn)
        ->setToolTip(tr("Speedup ÷ N: how much of each worker was used"));
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setMinimumHeight(TableMinHeight);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_plot, 3);
    layout->addWidget(m_kneeLabel);
    layout->addWidget(m_table, 2);

    connect(m_runButton, &QPushButton::clicked, this, &SweepDialog::startSweep);
    connect(m_cancelButton, &QPushButton::clicked, this, &SweepDialog::cancelSweep);
    connect(m_saveButton, &QPushButton::clicked, this, &SweepDialog::saveCsv);
    connect(close, &QDialogButtonBox::rejected, this, &SweepDialog::reject);
    connect(&m_runner, &SweepRunner::pointStarted, this, [this](int index) {
        m_levelIndex = index;
        updateProgress(0);
    });
    connect(&m_runner, &SweepRunner::progress, this, &SweepDialog::updateProgress);
    connect(&m_runner, &SweepRunner::pointFinished, this, &SweepDialog::addPoint);
    connect(&m_runner, &SweepRunner::finished, this, &SweepDialog::sweepDone);
    connect(m_maxConcurrency, &QSpinBox::valueChanged, this, &SweepDialog::updateEstimate);
    connect(m_sample, &QSpinBox::valueChanged, this, &SweepDialog::updateEstimate);
    refreshResults({});
    updateEstimate();
    updateState();
}

SweepDialog::~SweepDialog()
{
    m_runner.disconnect(this); // the runner's engine may still report while it winds down
    m_runner.cancel();
}

QList<int> SweepDialog::plannedLevels() const
{
    return SweepRunner::powersOfTwoUpTo(m_maxConcurrency->value());
}

int SweepDialog::sampleSize() const
{
    return m_sample->value();
}

QString SweepDialog::estimateText() const
{
    return m_estimateLabel->text();
}

void SweepDialog::updateEstimate()
{
    const int urls = int(SweepRunner::sample(m_entries, sampleSize()).size());
    const QList<int> levels = plannedLevels();
    const qint64 ns = SweepRunner::estimateNs(urls, levels, m_meanMeasuredNs);
    if (ns >= 0)
        m_estimateLabel->setText(
            tr("%1 for %n level(s)", nullptr, int(levels.size())).arg(formatRemaining(ns)));
    else
        m_estimateLabel->setText(tr("– (unknown until some URLs of the list have been fetched)"));
}

void SweepDialog::setMaxConcurrency(int max)
{
    m_maxConcurrency->setValue(max);
}

void SweepDialog::setSampleSize(int size)
{
    m_sample->setValue(size);
}

void SweepDialog::startSweep()
{
    if (m_runner.isRunning() || m_entries.isEmpty())
        return;
    m_levelIndex = 0;
    m_partial = false;
    refreshResults({});
    m_kneeLabel->setText(tr("Running…"));
    m_runner.start(SweepRunner::sample(m_entries, sampleSize()), m_options, plannedLevels());
    m_progress->setRange(0, int(m_runner.levels().size()) * m_runner.urlCount());
    updateProgress(0);
    updateState();
    emit sweepStarted();
}

void SweepDialog::cancelSweep()
{
    m_runner.cancel();
}

void SweepDialog::showPoints(const QList<SweepPoint> &points)
{
    refreshResults(points);
    updateState();
}

void SweepDialog::reject()
{
    if (m_runner.isRunning()) {
        cancelSweep();
        return;
    }
    QDialog::reject();
}

void SweepDialog::addPoint(const SweepPoint &point)
{
    QList<SweepPoint> points = m_shown;
    points.append(point);
    refreshResults(points);
}

void SweepDialog::updateProgress(int finishedInLevel)
{
    m_progress->setValue(m_levelIndex * m_runner.urlCount() + finishedInLevel);
    if (m_runner.isRunning() && m_levelIndex < m_runner.levels().size())
        m_progress->setFormat(tr("N=%1: %2 of %3 URLs (level %4 of %5)")
                                  .arg(m_runner.levels().at(m_levelIndex))
                                  .arg(finishedInLevel)
                                  .arg(m_runner.urlCount())
                                  .arg(m_levelIndex + 1)
                                  .arg(m_runner.levels().size()));
}

void SweepDialog::sweepDone(bool completed)
{
    if (completed)
        m_progress->setValue(m_progress->maximum());
    m_partial = !completed;
    m_progress->setFormat(completed ? tr("Done")
                                    : tr("Stopped: %1 of %2 levels measured (partial)")
                                          .arg(m_runner.points().size())
                                          .arg(m_runner.levels().size()));
    refreshResults(m_runner.points());
    if (m_partial)
        m_kneeLabel->setText(tr("Partial sweep, stopped before N=%1: %2")
                                 .arg(m_runner.levels().value(m_runner.points().size()))
                                 .arg(m_kneeLabel->text()));
    updateState();
    emit sweepFinished(completed);
}

QString SweepDialog::kneeText() const
{
    return m_kneeLabel->text();
}

void SweepDialog::refreshResults(const QList<SweepPoint> &points)
{
    m_shown = points;
    const int knee = SweepRunner::knee(points);
    m_plot->setPoints(points, knee);
    const int threshold = int(SweepRunner::DefaultKneeThreshold * Units::PercentScale);
    if (knee >= 0)
        m_kneeLabel->setText(tr("Knee at N=%1: past it, doubling the workers saves less than %2% "
                                "of the wall time.")
                                 .arg(points.at(knee).concurrency)
                                 .arg(threshold));
    else if (points.size() >= 2)
        m_kneeLabel->setText(tr("No knee yet: the last doubling still saved %1% or more of the "
                                "wall time. Try more workers.")
                                 .arg(threshold));
    else
        m_kneeLabel->setText(tr("The knee is where adding workers stops paying: the smallest N "
                                "past which doubling N saves less than %1% of the wall time.")
                                 .arg(threshold));

    m_table->setRowCount(int(points.size()));
    for (int row = 0; row < points.size(); ++row) {
        const SweepPoint &point = points.at(row);
        m_table->setItem(row, ConcurrencyColumn, numberItem(QString::number(point.concurrency)));
        m_table->setItem(row, WallColumn, numberItem(formatSeconds(point.wallNs)));
        m_table->setItem(row, SerialColumn, numberItem(formatSeconds(point.serialNs)));
        m_table->setItem(row, SpeedupColumn, numberItem(tr("%1×").arg(point.speedup, 0, 'f', 2)));
        m_table->setItem(row, EfficiencyColumn, numberItem(formatWholePercent(point.efficiency())));
        m_table->setItem(row, SucceededColumn, numberItem(QString::number(point.succeeded)));
        m_table->setItem(row, FailedColumn, numberItem(QString::number(point.failed)));
        m_table->setItem(row, P50Column, numberItem(formatSecondsOrUnknown(point.p50Ns)));
        m_table->setItem(row, P95Column, numberItem(formatSecondsOrUnknown(point.p95Ns)));
        if (row == knee) {
            for (int column = 0; column < ColumnCount; ++column) {
                QFont bold = m_table->item(row, column)->font();
                bold.setBold(true);
                m_table->item(row, column)->setFont(bold);
            }
        }
    }
}

void SweepDialog::saveCsv()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save Sweep"), QStringLiteral("sweep.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!SweepRunner::writeCsv(path, m_shown, &error))
        QMessageBox::warning(this, tr("Save Sweep"), error);
}

void SweepDialog::updateState()
{
    const bool running = m_runner.isRunning();
    m_runButton->setEnabled(!running && !m_entries.isEmpty());
    m_cancelButton->setEnabled(running);
    m_saveButton->setEnabled(!running && !m_shown.isEmpty());
    m_maxConcurrency->setEnabled(!running);
    m_sample->setEnabled(!running);
}

} // namespace Parafetch
