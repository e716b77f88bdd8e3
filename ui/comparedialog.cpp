// SPDX-License-Identifier: GPL-3.0-or-later
// Compare Runs: reads two exports, lists what changed per URL (worst first) and the deltas.
#include "comparedialog.h"

#include "formats/runfile.h"
#include "formatting.h"
#include "jobqueuemodel.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace Parafetch {

namespace {

const QColor WorseColour(0xD5, 0x5E, 0x00); // vermillion, as the waterfall's failures
const QColor BetterColour(0x00, 0x9E, 0x73); // bluish green

// Worst news first: what broke, what changed, what got fixed, what came and went.
int severity(UrlChange change)
{
    switch (change) {
    case UrlChange::NewFailure:
        return 0;
    case UrlChange::StatusChanged:
        return 1;
    case UrlChange::Fixed:
        return 2;
    case UrlChange::OnlyInA:
        return 3;
    case UrlChange::OnlyInB:
        return 4;
    case UrlChange::Unchanged:
        break;
    }
    return 5;
}

QString changeText(UrlChange change)
{
    switch (change) {
    case UrlChange::Unchanged:
        return CompareDialog::tr("unchanged");
    case UrlChange::StatusChanged:
        return CompareDialog::tr("status changed");
    case UrlChange::NewFailure:
        return CompareDialog::tr("new failure");
    case UrlChange::Fixed:
        return CompareDialog::tr("fixed");
    case UrlChange::OnlyInA:
        return CompareDialog::tr("only in A");
    case UrlChange::OnlyInB:
        return CompareDialog::tr("only in B");
    }
    return {};
}

QString outcomeText(bool present, JobState state, int status, ErrorKind kind, qint64 durationNs)
{
    if (!present)
        return unknownValue();
    QString text = status > 0     ? QString::number(status)
        : kind != ErrorKind::None ? errorKindName(kind)
                                  : stateDisplayName(state);
    if (durationNs >= 0)
        text += QStringLiteral(", ") + formatSeconds(durationNs);
    return text;
}

QTableWidgetItem *item(const QString &text, Qt::Alignment alignment = Qt::AlignLeft)
{
    auto *cell = new QTableWidgetItem(text);
    cell->setTextAlignment(alignment | Qt::AlignVCenter);
    cell->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return cell;
}

QTableWidget *makeTable(int columns, const QStringList &headers, QWidget *parent)
{
    auto *table = new QTableWidget(0, columns, parent);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setWordWrap(false);
    return table;
}

} // namespace

CompareDialog::CompareDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("compareDialog"));
    setWindowTitle(tr("Compare Runs"));

    auto *form = new QFormLayout;
    const auto pathRow = [this, form](const QString &label, const QString &name) {
        auto *field = new QLineEdit(this);
        field->setObjectName(name);
        field->setPlaceholderText(tr("An export (.json or .csv)"));
        auto *browseButton = new QPushButton(tr("Browse…"), this);
        connect(browseButton, &QPushButton::clicked, this, [this, field] { browse(field); });
        auto *row = new QHBoxLayout;
        row->addWidget(field, 1);
        row->addWidget(browseButton);
        form->addRow(label, row);
        return field;
    };
    m_pathA = pathRow(tr("Run &A (before):"), QStringLiteral("pathA"));
    m_pathB = pathRow(tr("Run &B (after):"), QStringLiteral("pathB"));

    auto *compareButton = new QPushButton(tr("&Compare"), this);
    compareButton->setObjectName(QStringLiteral("compare"));
    compareButton->setDefault(true);
    connect(compareButton, &QPushButton::clicked, this, &CompareDialog::compareFields);
    m_showUnchanged = new QCheckBox(tr("Show &unchanged URLs"), this);
    m_showUnchanged->setObjectName(QStringLiteral("showUnchanged"));
    connect(m_showUnchanged, &QCheckBox::toggled, this, &CompareDialog::fillDifferences);
    auto *actions = new QHBoxLayout;
    actions->addWidget(compareButton);
    actions->addWidget(m_showUnchanged);
    actions->addStretch(1);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("compareError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1").arg(WorseColour.name()));
    m_error->hide();
    m_counts = new QLabel(tr("Choose two exports of the same list and press Compare."), this);
    m_counts->setObjectName(QStringLiteral("compareCounts"));
    m_counts->setWordWrap(true);

    m_differences = makeTable(DiffColumnCount,
                              { tr("Change"), tr("URL"), tr("A"), tr("B"), tr("Δ time") }, this);
    m_differences->setObjectName(QStringLiteral("differences"));
    m_differences->horizontalHeader()->setSectionResizeMode(UrlColumn, QHeaderView::Stretch);
    m_differences->verticalHeader()->hide();
    m_figures = makeTable(FigureColumnCount, { tr("A"), tr("B"), tr("Δ") }, this);
    m_figures->setObjectName(QStringLiteral("figureDeltas"));
    m_figures->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_differences);
    splitter->addWidget(m_figures);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0); // the figures keep the width of their contents

    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(actions);
    layout->addWidget(m_error);
    layout->addWidget(m_counts);
    layout->addWidget(splitter, 1);
    layout->addWidget(close);
    fillFigures();
}

void CompareDialog::browse(QLineEdit *field)
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Export"), field->text(),
                                                      tr("Parafetch exports (*.json *.csv)"));
    if (!path.isEmpty())
        field->setText(path);
}

void CompareDialog::compareFields()
{
    compareFiles(m_pathA->text().trimmed(), m_pathB->text().trimmed());
}

bool CompareDialog::compareFiles(const QString &pathA, const QString &pathB)
{
    m_pathA->setText(pathA);
    m_pathB->setText(pathB);
    ImportedRun runA, runB;
    QString error;
    if (!RunFile::read(pathA, &runA, &error) || !RunFile::read(pathB, &runB, &error)) {
        m_error->setText(error);
        m_error->show();
        return false;
    }
    m_error->clear();
    m_error->hide();
    m_comparison = RunComparison::compare(runA.jobs, runB.jobs);
    m_counts->setText(tr("%1 new failure(s), %2 status change(s), %3 fixed, %4 only in A, %5 only "
                         "in B, %6 unchanged.")
                          .arg(m_comparison.count(UrlChange::NewFailure))
                          .arg(m_comparison.count(UrlChange::StatusChanged))
                          .arg(m_comparison.count(UrlChange::Fixed))
                          .arg(m_comparison.count(UrlChange::OnlyInA))
                          .arg(m_comparison.count(UrlChange::OnlyInB))
                          .arg(m_comparison.count(UrlChange::Unchanged)));
    fillDifferences();
    fillFigures();
    return true;
}

QString CompareDialog::errorText() const
{
    return m_error->text();
}

void CompareDialog::fillDifferences()
{
    QList<const UrlDiff *> rows;
    for (const UrlDiff &diff : m_comparison.diffs) {
        if (diff.change != UrlChange::Unchanged || m_showUnchanged->isChecked())
            rows.append(&diff);
    }
    // Worst first; within a kind, the largest slowdown first.
    std::stable_sort(rows.begin(), rows.end(), [](const UrlDiff *x, const UrlDiff *y) {
        if (severity(x->change) != severity(y->change))
            return severity(x->change) < severity(y->change);
        return x->timeDeltaNs() > y->timeDeltaNs();
    });
    m_differences->setRowCount(int(rows.size()));
    for (int row = 0; row < rows.size(); ++row) {
        const UrlDiff &diff = *rows.at(row);
        const bool inA = diff.change != UrlChange::OnlyInB, inB = diff.change != UrlChange::OnlyInA;
        QTableWidgetItem *change = item(changeText(diff.change));
        if (diff.change == UrlChange::NewFailure || diff.change == UrlChange::StatusChanged)
            change->setForeground(WorseColour);
        else if (diff.change == UrlChange::Fixed)
            change->setForeground(BetterColour);
        m_differences->setItem(row, ChangeColumn, change);
        m_differences->setItem(row, UrlColumn, item(diff.url));
        m_differences->setItem(
            row, AColumn,
            item(outcomeText(inA, diff.stateA, diff.statusA, diff.kindA, diff.durationA)));
        m_differences->setItem(
            row, BColumn,
            item(outcomeText(inB, diff.stateB, diff.statusB, diff.kindB, diff.durationB)));
        m_differences->setItem(
            row, DeltaColumn,
            item(diff.hasTimeDelta() ? formatSignedSeconds(diff.timeDeltaNs()) : unknownValue(),
                 Qt::AlignRight));
    }
    m_differences->resizeColumnToContents(ChangeColumn);
}

void CompareDialog::fillFigures()
{
    const RunFigures &a = m_comparison.a, &b = m_comparison.b;
    struct Row
    {
        QString name;
        double before, after;
        bool isTime;
    };
    const QList<Row> rows = {
        { tr("URLs"), double(a.total), double(b.total), false },
        { tr("Succeeded"), double(a.succeeded), double(b.succeeded), false },
        { tr("Failed"), double(a.failed), double(b.failed), false },
        { tr("Cancelled"), double(a.cancelled), double(b.cancelled), false },
        { tr("Wall"), double(a.wallNs), double(b.wallNs), true },
        { tr("Serial"), double(a.serialNs), double(b.serialNs), true },
        { tr("p50"), double(a.p50Ns), double(b.p50Ns), true },
        { tr("p90"), double(a.p90Ns), double(b.p90Ns), true },
        { tr("p95"), double(a.p95Ns), double(b.p95Ns), true },
        { tr("p99"), double(a.p99Ns), double(b.p99Ns), true },
    };
    m_figures->setRowCount(int(rows.size()));
    QStringList names;
    for (int i = 0; i < rows.size(); ++i) {
        const Row &row = rows.at(i);
        names.append(row.name);
        const auto text = [&row](double value) {
            if (row.isTime)
                return formatSecondsOrUnknown(qint64(value));
            return QString::number(qint64(value));
        };
        QString delta = unknownValue();
        if (row.before >= 0 && row.after >= 0) {
            delta = row.isTime ? formatSignedSeconds(qint64(row.after - row.before))
                               : (row.after >= row.before ? QStringLiteral("+") : QString())
                    + QString::number(qint64(row.after - row.before));
            if (row.isTime && row.before > 0)
                delta += QStringLiteral(" (")
                    + formatPercentChange(qint64(row.before), qint64(row.after)) + QLatin1Char(')');
        }
        m_figures->setItem(i, FigureAColumn, item(text(row.before), Qt::AlignRight));
        m_figures->setItem(i, FigureBColumn, item(text(row.after), Qt::AlignRight));
        m_figures->setItem(i, FigureDeltaColumn, item(delta, Qt::AlignRight));
    }
    m_figures->setVerticalHeaderLabels(names);
    m_figures->setMinimumWidth(
        m_figures->verticalHeader()->sizeHint().width() + m_figures->horizontalHeader()->length()
        + 2 * m_figures->frameWidth() + m_figures->verticalScrollBar()->sizeHint().width());
}

} // namespace Parafetch
