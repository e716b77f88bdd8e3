// SPDX-License-Identifier: GPL-3.0-or-later
// What If: the worker list and cap, the replay's table per N, its calibration and Copy.
#include "whatifdialog.h"

#include "fetchoptions.h"
#include "formatting.h"
#include "redact.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStringList>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace Parafetch {

namespace {

constexpr int TableMinHeight = 150;

QTableWidgetItem *numberItem(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return item;
}

QString workerListText(const QList<int> &workers)
{
    QStringList items;
    for (const int count : workers)
        items.append(QString::number(count));
    return items.join(QLatin1Char(','));
}

// The sentence as a line of the dialog starts it.
QString capitalised(QString text)
{
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

} // namespace

WhatIfDialog::WhatIfDialog(const QList<Job> &jobs, const WhatIfMeasurements &measured, int perHost,
                           QWidget *parent)
    : QDialog(parent)
    , m_jobs(jobs)
    , m_whatIf(jobs)
    , m_measured(measured)
{
    setObjectName(QStringLiteral("whatIfDialog"));
    setWindowTitle(tr("What If"));
    // Measured walls replay with the run's own cap: they do not change with the edits.
    m_calibrations = m_whatIf.calibrate(m_measured, &m_otherLists);

    m_workers = new QLineEdit(workerListText(WhatIf::defaultWorkerList()), this);
    m_workers->setObjectName(QStringLiteral("whatIfWorkers"));
    m_workers->setAccessibleName(tr("Worker counts"));
    m_workers->setToolTip(tr("The worker counts to predict, separated by commas, such as "
                             "1,4,16,64 (from %1 to %2)")
                              .arg(FetchOptions::MinConcurrency)
                              .arg(FetchOptions::MaxConcurrency));
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("whatIfWorkersProblem"));
    m_error->setAccessibleName(tr("Problem with the worker counts"));
    m_error->setTextFormat(Qt::PlainText); // it quotes what was typed
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setWordWrap(true);
    m_error->hide();
    auto *workersField = new QVBoxLayout;
    workersField->setContentsMargins(QMargins());
    workersField->addWidget(m_workers);
    workersField->addWidget(m_error);

    m_perHost = new QSpinBox(this);
    m_perHost->setObjectName(QStringLiteral("whatIfPerHost"));
    m_perHost->setRange(0, FetchOptions::MaxPerHost);
    m_perHost->setSpecialValueText(tr("none", "no cap per host"));
    m_perHost->setValue(perHost);
    m_perHost->setAccessibleName(tr("Per-host cap"));
    m_perHost->setToolTip(tr("At most this many URLs of one host at once, as polite mode's "
                             "per-host setting; the measured walls keep the run's own cap"));

    auto *form = new QFormLayout;
    auto *workersLabel = new QLabel(tr("&Workers:"), this);
    workersLabel->setBuddy(m_workers);
    form->addRow(workersLabel, workersField);
    auto *perHostLabel = new QLabel(tr("Per-&host cap:"), this);
    perHostLabel->setBuddy(m_perHost);
    form->addRow(perHostLabel, m_perHost);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("whatIfTable"));
    m_table->setHorizontalHeaderLabels({ tr("Workers"), tr("Wall"), tr("Speedup"),
                                         tr("Wall, longest first"), tr("Speedup, longest first"),
                                         tr("Straggler"), tr("Calibrated"), tr("Measured") });
    const std::pair<Column, QString> headerTips[] = {
        { WallColumn,
          tr("The replay's wall time with the URLs in the list's order, as the engine takes "
             "them") },
        { SpeedupColumn, tr("Serial ÷ wall: the mean number of URLs in flight") },
        { LongestFirstWallColumn,
          tr("The same replay with the longest measured URL first; the engine takes a list as "
             "given, so reorder the list to get it") },
        { LongestFirstSpeedupColumn, tr("Serial ÷ wall, longest first") },
        { StragglerColumn,
          tr("How much of the wall (list order) the URL that ends last takes by itself: near "
             "100%, one URL sets the wall and more workers cannot help, but starting it first "
             "can") },
        { CalibratedColumn,
          tr("The replay times measured wall ÷ replay at the nearest measured worker count "
             "(interpolated in log₂ N between two)") },
        { MeasuredColumn, tr("The wall a run or a sweep of this list measured at this N") },
    };
    for (const auto &[column, tip] : headerTips)
        m_table->horizontalHeaderItem(column)->setToolTip(tip);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setMinimumHeight(TableMinHeight);
    // It opens as large as the default list's rows and columns need (about 700 × 300 pixels).
    m_table->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);

    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("whatIfNote"));
    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_trust = new QLabel(WhatIf::trustText(), this);
    m_trust->setObjectName(QStringLiteral("whatIfTrust"));
    m_trust->setWordWrap(true);

    auto *copy = new QPushButton(tr("Co&py"), this);
    copy->setObjectName(QStringLiteral("copyWhatIf"));
    copy->setToolTip(tr("Copy the table as tab-separated text"));
    copy->setAutoDefault(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(copy, QDialogButtonBox::ActionRole);
    // Return in the worker list computes the table; it must not close the dialog.
    buttons->button(QDialogButtonBox::Close)->setAutoDefault(false);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_note);
    layout->addWidget(m_trust);
    layout->addWidget(buttons);
    setTabOrder(m_workers, m_perHost);
    setTabOrder(m_perHost, m_table);
    setTabOrder(m_table, copy);
    setTabOrder(copy, buttons->button(QDialogButtonBox::Close));

    m_recomputeTimer.setSingleShot(true);
    m_recomputeTimer.setInterval(RecomputeDelayMs);
    connect(&m_recomputeTimer, &QTimer::timeout, this, &WhatIfDialog::recompute);
    connect(m_workers, &QLineEdit::textChanged, &m_recomputeTimer, qOverload<>(&QTimer::start));
    connect(m_perHost, &QSpinBox::valueChanged, &m_recomputeTimer, qOverload<>(&QTimer::start));
    connect(m_workers, &QLineEdit::returnPressed, this, &WhatIfDialog::recompute);
    connect(copy, &QPushButton::clicked, this, &WhatIfDialog::copyTable);
    connect(buttons, &QDialogButtonBox::rejected, this, &WhatIfDialog::reject);

    m_note->setText(replayedText() + QLatin1Char(' ') + calibrationText());
    recompute();
}

QString WhatIfDialog::errorText() const
{
    return m_error->text();
}

QString WhatIfDialog::noteText() const
{
    return m_note->text() + QLatin1Char('\n') + m_trust->text();
}

void WhatIfDialog::recompute()
{
    m_recomputeTimer.stop();
    QList<int> workers;
    QString error;
    if (!WhatIf::parseWorkerList(m_workers->text(), &workers, &error)) {
        m_error->setText(capitalised(error) + QLatin1Char('.'));
        m_error->show();
        return;
    }
    m_error->clear();
    m_error->hide();
    fillTable(workers, m_perHost->value());
}

void WhatIfDialog::fillTable(const QList<int> &workers, int perHost)
{
    m_table->setRowCount(0);
    if (m_whatIf.replayedCount() == 0)
        return;
    m_table->setRowCount(int(workers.size()));
    for (int row = 0; row < workers.size(); ++row) {
        const int count = workers.at(row);
        const WhatIfPrediction listed = m_whatIf.predict({ count, perHost, WhatIfOrder::Listed });
        const WhatIfPrediction longest =
            m_whatIf.predict({ count, perHost, WhatIfOrder::LongestFirst });
        m_table->setItem(row, WorkersColumn, numberItem(QString::number(count)));
        m_table->setItem(row, WallColumn, numberItem(formatSeconds(listed.wallNs)));
        m_table->setItem(row, SpeedupColumn, numberItem(formatSpeedup(listed.speedup())));
        m_table->setItem(row, LongestFirstWallColumn, numberItem(formatSeconds(longest.wallNs)));
        m_table->setItem(row, LongestFirstSpeedupColumn,
                         numberItem(formatSpeedup(longest.speedup())));
        QTableWidgetItem *straggler = numberItem(formatWholePercent(listed.stragglerShare()));
        straggler->setToolTip(
            tr("Ends last: %1 (%2)")
                .arg(redactedUrl(m_jobs.at(m_whatIf.jobIndex(listed.straggler)).url.toUrl()),
                     formatSeconds(listed.stragglerNs)));
        m_table->setItem(row, StragglerColumn, straggler);
        m_table->setItem(
            row, CalibratedColumn,
            numberItem(m_calibrations.isEmpty()
                           ? unknownValue()
                           : formatSeconds(WhatIf::calibratedWallNs(m_calibrations, listed))));
        // The run's own wall before a sweep's at the same N.
        const auto measured =
            std::find_if(m_calibrations.cbegin(), m_calibrations.cend(),
                         [count](const WhatIfCalibration &c) { return c.workers == count; });
        QTableWidgetItem *measuredItem =
            numberItem(measured == m_calibrations.cend() ? unknownValue()
                                                         : formatSeconds(measured->measuredWallNs));
        if (measured != m_calibrations.cend())
            measuredItem->setToolTip(measured->fromSweep ? tr("Measured by the sweep")
                                                         : tr("Measured by the run"));
        m_table->setItem(row, MeasuredColumn, measuredItem);
        if (count == m_measured.workers) {
            for (int column = 0; column < ColumnCount; ++column) {
                QTableWidgetItem *item = m_table->item(row, column);
                QFont bold = item->font();
                bold.setBold(true);
                item->setFont(bold);
                item->setData(Qt::AccessibleDescriptionRole, tr("the run's own worker count"));
            }
        }
    }
}

QString WhatIfDialog::replayedText() const
{
    if (m_whatIf.replayedCount() == 0)
        return tr("Nothing to replay: no URL of the queue has a measured time (%1 restored, %2 "
                  "unfinished).")
            .arg(m_whatIf.restoredCount())
            .arg(m_whatIf.untimedCount());
    return tr("Replayed %n URL(s) of the queue, serial %1; left out: %2 restored (timed by "
              "another run), %3 unfinished.",
              nullptr, m_whatIf.replayedCount())
        .arg(formatSeconds(m_whatIf.serialNs()))
        .arg(m_whatIf.restoredCount())
        .arg(m_whatIf.untimedCount());
}

QString WhatIfDialog::calibrationText() const
{
    QString text;
    if (m_calibrations.isEmpty()) {
        if (m_measured.workers > 0 && m_measured.wallNs <= 0)
            text = tr("Not calibrated: the run's wall is measured when it ends.");
        else if (m_measured.workers <= 0)
            text = tr("Not calibrated: the saved run does not say how many workers it had.");
        else
            text = tr("Not calibrated: nothing was measured at a known worker count.");
        text += QLatin1Char(' ')
            + tr("A concurrency sweep of the same list (Run → Concurrency Sweep…) calibrates it.");
    } else {
        QStringList measured;
        for (const WhatIfCalibration &calibration : m_calibrations) {
            measured.append(tr("%1 at N = %2 measured %3, replay %4 (%5)")
                                .arg(calibration.fromSweep ? tr("the sweep") : tr("the run"))
                                .arg(calibration.workers)
                                .arg(formatSeconds(calibration.measuredWallNs),
                                     formatSeconds(calibration.replayWallNs),
                                     formatPercentChange(calibration.measuredWallNs,
                                                         calibration.replayWallNs)));
        }
        text = tr("Calibrated with: %1.").arg(measured.join(QStringLiteral("; ")));
    }
    if (!m_otherLists.isEmpty())
        text += QLatin1Char(' ')
            + tr("%n sweep level(s) of another list (a sample) not used.", nullptr,
                 int(m_otherLists.size()));
    return text;
}

QString WhatIfDialog::tableText() const
{
    QStringList cells;
    for (int column = 0; column < ColumnCount; ++column)
        cells.append(m_table->horizontalHeaderItem(column)->text());
    QString text = cells.join(QLatin1Char('\t')) + QLatin1Char('\n');
    for (int row = 0; row < m_table->rowCount(); ++row) {
        cells.clear();
        for (int column = 0; column < ColumnCount; ++column)
            cells.append(m_table->item(row, column)->text());
        text += cells.join(QLatin1Char('\t')) + QLatin1Char('\n');
    }
    return text;
}

void WhatIfDialog::copyTable()
{
    QApplication::clipboard()->setText(tableText());
}

} // namespace Parafetch
