// SPDX-License-Identifier: GPL-3.0-or-later
// The progress column's delegate: a horizontal bar for live and finished rows, none for failures.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "progressdelegate.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QApplication>
#include <QHeaderView>
#include <QImage>
#include <QSet>
#include <QStandardPaths>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// Wide enough that the centred percentage text stays clear of the regions compared below.
constexpr int ProgressColumnWidth = 240;
constexpr int RowHeight = 24;
constexpr qint64 BodyBytes = 1000;
// The regions compared, as fractions of the cell width: well left and well right of the text.
constexpr double LeftFrom = 0.08, LeftTo = 0.30;
constexpr double RightFrom = 0.70, RightTo = 0.92;
// A region "is filled differently" when at least this share of its pixels differ.
constexpr double MostPixels = 0.5;
// Two renderings "look the same" when at most this share of a region's pixels differ
// (anti-aliasing at a rounded bar end may touch a column or two).
constexpr double FewPixels = 0.05;

enum Row {
    QueuedRow,
    RunningEmptyRow,
    RunningHalfRow,
    RunningFullRow,
    RunningUnknownTotalRow,
    SucceededRow,
    FailedRow,
    CancelledRow,
    RowCount
};

struct Region
{
    double from;
    double to;
};

// Share of pixels that differ between two images of the same size, within columns [from, to)
// of the width and the middle half of the height (away from the cell's frame).
double differingShare(const QImage &a, const QImage &b, Region region)
{
    if (a.size() != b.size() || a.isNull())
        return 1.0;
    const int x0 = int(a.width() * region.from);
    const int x1 = int(a.width() * region.to);
    const int y0 = a.height() / 4;
    const int y1 = a.height() - a.height() / 4;
    int differing = 0, total = 0;
    for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) {
            ++total;
            if (a.pixel(x, y) != b.pixel(x, y))
                ++differing;
        }
    }
    return total > 0 ? double(differing) / total : 1.0;
}

int distinctColours(const QImage &image, Region region)
{
    QSet<QRgb> colours;
    const int x0 = int(image.width() * region.from);
    const int x1 = int(image.width() * region.to);
    for (int y = image.height() / 4; y < image.height() - image.height() / 4; ++y)
        for (int x = x0; x < x1; ++x)
            colours.insert(image.pixel(x, y));
    return int(colours.size());
}

} // namespace

class TestProgressDelegate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void barGrowsFromEmptyToFull();
    void halfwayBarFillsTheLeftHalfOnly();
    void succeededRowShowsAFullBar();
    void unknownTotalShowsAnEmptyBar();
    void noBarForFailedRows_data();
    void noBarForFailedRows();
    void otherColumnsPaintAsUsual_data();
    void otherColumnsPaintAsUsual();
    void sizeHintIsSane_data();
    void sizeHintIsSane();
    void unmeasuredSpeedAndTimeShowADash_data();
    void unmeasuredSpeedAndTimeShowADash();
    void windowColumnsNeverElide_data();
    void windowColumnsNeverElide();

private:
    QImage cell(int row, int column) const;
    QImage cellWithPlainDelegate(int row, int column);

    std::unique_ptr<JobQueueModel> m_model;
    std::unique_ptr<QTableView> m_view;
    ProgressDelegate *m_delegate = nullptr;
};

void TestProgressDelegate::initTestCase()
{
    useTestSettings(QStringLiteral("tst_progressdelegate")); // the window below reads settings
    m_model = std::make_unique<JobQueueModel>();
    QList<QUrl> urls;
    for (int row = 0; row < RowCount; ++row)
        urls.append(QUrl(QStringLiteral("http://127.0.0.1:1/bytes/%1").arg(row + 1)));
    QCOMPARE(m_model->addEntries(entriesFor(urls)), int(RowCount));

    const auto id = [this](int row) { return m_model->jobAt(row).id; };
    constexpr qint64 StartNs = 1'000'000;
    constexpr qint64 NowNs = 2'000'000;
    for (int row : { RunningEmptyRow, RunningHalfRow, RunningFullRow, RunningUnknownTotalRow })
        m_model->markRunning(id(row), StartNs, 0);
    m_model->setProgress(id(RunningEmptyRow), 0, BodyBytes, NowNs);
    m_model->setProgress(id(RunningHalfRow), BodyBytes / 2, BodyBytes, NowNs);
    m_model->setProgress(id(RunningFullRow), BodyBytes, BodyBytes, NowNs);
    m_model->setProgress(id(RunningUnknownTotalRow), BodyBytes / 2, -1, NowNs);
    m_model->flushProgress();

    Job done = m_model->jobAt(SucceededRow);
    done.state = JobState::Succeeded;
    done.httpStatus = 200;
    done.attempts = 1;
    done.bytesReceived = done.bytesTotal = BodyBytes;
    done.startedAtNs = StartNs;
    done.finishedAtNs = NowNs;
    m_model->finishJob(done);

    Job failed = m_model->jobAt(FailedRow);
    failed.state = JobState::Failed;
    failed.errorKind = ErrorKind::HttpStatus;
    failed.setErrorString(QStringLiteral("HTTP 404 Not Found"));
    failed.httpStatus = 404;
    failed.attempts = 1;
    // Some bytes of an error page arrived: still no progress towards anything.
    failed.bytesReceived = BodyBytes / 2;
    failed.bytesTotal = BodyBytes;
    failed.startedAtNs = StartNs;
    failed.finishedAtNs = NowNs;
    m_model->finishJob(failed);

    Job cancelled = m_model->jobAt(CancelledRow);
    cancelled.state = JobState::Cancelled;
    cancelled.errorKind = ErrorKind::Cancelled;
    cancelled.setErrorString(QStringLiteral("cancelled"));
    cancelled.bytesReceived = BodyBytes / 2;
    cancelled.bytesTotal = BodyBytes;
    cancelled.startedAtNs = StartNs;
    cancelled.finishedAtNs = NowNs;
    m_model->finishJob(cancelled);

    QCOMPARE(m_model->jobAt(RunningHalfRow).state, JobState::Running);
    QCOMPARE(m_model->jobAt(SucceededRow).state, JobState::Succeeded);
    QCOMPARE(m_model->jobAt(FailedRow).state, JobState::Failed);
    QCOMPARE(m_model->jobAt(CancelledRow).state, JobState::Cancelled);

    m_view = std::make_unique<QTableView>();
    m_view->setModel(m_model.get());
    m_delegate = new ProgressDelegate(m_view.get());
    m_view->setItemDelegate(m_delegate);
    m_view->setAlternatingRowColors(false); // rows compared with each other share a background
    m_view->setShowGrid(false);
    m_view->setFocusPolicy(Qt::NoFocus); // no focus frame on any cell
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(RowHeight);
    m_view->setColumnWidth(JobQueueModel::ProgressColumn, ProgressColumnWidth);
    m_view->resize(1200, RowHeight * (RowCount + 3));
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestProgressDelegate::cleanupTestCase()
{
    m_view.reset();
    m_model.reset();
}

QImage TestProgressDelegate::cell(int row, int column) const
{
    const QRect rect = m_view->visualRect(m_model->index(row, column));
    return m_view->viewport()->grab(rect).toImage().convertToFormat(QImage::Format_RGB32);
}

QImage TestProgressDelegate::cellWithPlainDelegate(int row, int column)
{
    QStyledItemDelegate plain;
    m_view->setItemDelegate(&plain);
    const QImage image = cell(row, column);
    m_view->setItemDelegate(m_delegate);
    return image;
}

void TestProgressDelegate::barGrowsFromEmptyToFull()
{
    const QImage empty = cell(RunningEmptyRow, JobQueueModel::ProgressColumn);
    const QImage full = cell(RunningFullRow, JobQueueModel::ProgressColumn);
    QVERIFY(!empty.isNull());
    QCOMPARE(full.size(), empty.size());
    const double left = differingShare(empty, full, { LeftFrom, LeftTo });
    const double right = differingShare(empty, full, { RightFrom, RightTo });
    QVERIFY2(left >= MostPixels, qPrintable(QStringLiteral("left region differs in %1").arg(left)));
    QVERIFY2(right >= MostPixels,
             qPrintable(QStringLiteral("right region differs in %1").arg(right)));
    // The full bar is drawn over the plain background, not beside it.
    QVERIFY(full.pixel(int(full.width() * LeftFrom), full.height() / 2)
            != cellWithPlainDelegate(RunningFullRow, JobQueueModel::ProgressColumn)
                   .pixel(int(full.width() * LeftFrom), full.height() / 2));
}

void TestProgressDelegate::halfwayBarFillsTheLeftHalfOnly()
{
    // Qt 6 draws a vertical bar unless State_Horizontal is set: then 50% would fill the lower
    // half of the cell across its whole width, and the right region would change too.
    const QImage empty = cell(RunningEmptyRow, JobQueueModel::ProgressColumn);
    const QImage half = cell(RunningHalfRow, JobQueueModel::ProgressColumn);
    const QImage full = cell(RunningFullRow, JobQueueModel::ProgressColumn);
    const double leftAsFull = differingShare(half, full, { LeftFrom, LeftTo });
    const double rightAsEmpty = differingShare(half, empty, { RightFrom, RightTo });
    QVERIFY2(leftAsFull <= FewPixels, qPrintable(QString::number(leftAsFull)));
    QVERIFY2(rightAsEmpty <= FewPixels, qPrintable(QString::number(rightAsEmpty)));
}

void TestProgressDelegate::succeededRowShowsAFullBar()
{
    QCOMPARE(m_model->index(SucceededRow, JobQueueModel::ProgressColumn).data().toString(),
             QStringLiteral("100%"));
    const QImage done = cell(SucceededRow, JobQueueModel::ProgressColumn);
    const QImage full = cell(RunningFullRow, JobQueueModel::ProgressColumn);
    QCOMPARE(done, full);
}

void TestProgressDelegate::unknownTotalShowsAnEmptyBar()
{
    // Without a Content-Length there is no fraction to show; the bar stays at zero.
    const QImage unknown = cell(RunningUnknownTotalRow, JobQueueModel::ProgressColumn);
    const QImage empty = cell(RunningEmptyRow, JobQueueModel::ProgressColumn);
    QCOMPARE(unknown, empty);
    // A queued row has the same empty bar.
    QCOMPARE(cell(QueuedRow, JobQueueModel::ProgressColumn), empty);
}

void TestProgressDelegate::noBarForFailedRows_data()
{
    QTest::addColumn<int>("row");
    QTest::newRow("failed after half the error page: no bar") << int(FailedRow);
    QTest::newRow("cancelled half way: no bar") << int(CancelledRow);
}

void TestProgressDelegate::noBarForFailedRows()
{
    QFETCH(int, row);
    const QImage image = cell(row, JobQueueModel::ProgressColumn);
    QVERIFY(!image.isNull());
    // Exactly what a plain cell with no text looks like: one colour, no groove, no chunk.
    QCOMPARE(image, cellWithPlainDelegate(row, JobQueueModel::ProgressColumn));
    QCOMPARE(distinctColours(image, { 0.0, 1.0 }), 1);
    // Not even the empty groove that a queued row shows.
    QVERIFY(image != cell(RunningEmptyRow, JobQueueModel::ProgressColumn));
}

void TestProgressDelegate::otherColumnsPaintAsUsual_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::newRow("URL of a running row") << int(RunningHalfRow) << int(JobQueueModel::UrlColumn);
    QTest::newRow("size of a running row") << int(RunningHalfRow) << int(JobQueueModel::SizeColumn);
    QTest::newRow("status of a succeeded row")
        << int(SucceededRow) << int(JobQueueModel::StatusColumn);
    QTest::newRow("error of a failed row") << int(FailedRow) << int(JobQueueModel::ErrorColumn);
}

void TestProgressDelegate::otherColumnsPaintAsUsual()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QCOMPARE(cell(row, column), cellWithPlainDelegate(row, column));
}

void TestProgressDelegate::sizeHintIsSane_data()
{
    QTest::addColumn<int>("row");
    for (int row : { QueuedRow, RunningHalfRow, SucceededRow, FailedRow })
        QTest::addRow(
            "%s", qPrintable(m_model->index(row, JobQueueModel::StatusColumn).data().toString()))
            << row;
}

void TestProgressDelegate::sizeHintIsSane()
{
    QFETCH(int, row);
    QStyleOptionViewItem option;
    option.initFrom(m_view.get());
    option.font = m_view->font();
    option.fontMetrics = m_view->fontMetrics();
    const QModelIndex index = m_model->index(row, JobQueueModel::ProgressColumn);
    const QSize hint = m_delegate->sizeHint(option, index);
    const int lineHeight = m_view->fontMetrics().height();
    QVERIFY2(
        hint.height() > 0 && hint.height() <= 3 * lineHeight,
        qPrintable(QStringLiteral("height %1, line height %2").arg(hint.height()).arg(lineHeight)));
    QVERIFY2(hint.width() >= 0 && hint.width() <= ProgressColumnWidth,
             qPrintable(QStringLiteral("width %1").arg(hint.width())));
    const QString text = index.data().toString();
    if (!text.isEmpty())
        QVERIFY(hint.width() >= m_view->fontMetrics().horizontalAdvance(text));
}

void TestProgressDelegate::unmeasuredSpeedAndTimeShowADash_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<bool>("dash");
    QTest::newRow("speed of a queued row")
        << int(QueuedRow) << int(JobQueueModel::SpeedColumn) << true;
    QTest::newRow("time of a queued row")
        << int(QueuedRow) << int(JobQueueModel::TimeColumn) << true;
    QTest::newRow("time of a running row is measured")
        << int(RunningHalfRow) << int(JobQueueModel::TimeColumn) << false;
    QTest::newRow("speed of a succeeded row is measured")
        << int(SucceededRow) << int(JobQueueModel::SpeedColumn) << false;
    QTest::newRow("the URL of a queued row is no number")
        << int(QueuedRow) << int(JobQueueModel::UrlColumn) << false;
}

void TestProgressDelegate::unmeasuredSpeedAndTimeShowADash()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(bool, dash);
    // What the cell shows: the delegate's own option, as it paints it.
    QStyleOptionViewItem option;
    m_delegate->initStyleOption(&option, m_model->index(row, column));
    const QString text = option.text;
    if (dash)
        QCOMPARE(text, QStringLiteral("–"));
    else
        QVERIFY2(!text.isEmpty() && text != QStringLiteral("–"), qPrintable(text));
}

void TestProgressDelegate::windowColumnsNeverElide_data()
{
    QTest::addColumn<qint64>("received");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<qint64>("elapsedNs");
    constexpr qint64 Second = 1'000'000'000;
    constexpr qint64 KiB = 1024, MiB = KiB * KiB, GiB = MiB * KiB;
    QTest::newRow("78 bytes of 100 bytes") << qint64(78) << qint64(100) << Second;
    QTest::newRow("1,023 bytes of 1,023 bytes") << qint64(1023) << qint64(1023) << Second / 1000;
    QTest::newRow("1,023.9 KiB of 1,023.9 KiB")
        << qint64(1023 * KiB + 900) << qint64(1023 * KiB + 900) << Second / 1000;
    QTest::newRow("1,000.0 MiB of 1,023.5 MiB at 1,000 MiB/s")
        << qint64(1000 * MiB) << qint64(1023 * MiB + MiB / 2) << Second;
    QTest::newRow("999.9 GiB of 1,000.0 GiB over an hour")
        << qint64(999 * GiB + GiB * 9 / 10) << qint64(1000 * GiB) << 3600 * Second;
    QTest::newRow("47.7 MiB of unknown, over 2,000 s")
        << qint64(50'000'000) << qint64(-1) << 2000 * Second;
}

// The window's table at its default column widths shows every size, speed and time whole.
void TestProgressDelegate::windowColumnsNeverElide()
{
    QFETCH(qint64, received);
    QFETCH(qint64, total);
    QFETCH(qint64, elapsedNs);

    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow window(&model, &engine);
    QCOMPARE(model.addEntries(entriesFor({ QUrl(QStringLiteral("http://127.0.0.1:1/a")) })), 1);
    constexpr qint64 StartNs = 1'000'000;
    model.markRunning(model.jobAt(0).id, StartNs, 0);
    model.setProgress(model.jobAt(0).id, received, total, StartNs + elapsedNs);
    model.flushProgress();

    QTableView *table = window.tableView();
    if (qstrcmp(QTest::currentDataTag(), "78 bytes of 100 bytes") == 0)
        qInfo("default widths: Size %d px, Speed %d px, Time %d px",
              table->columnWidth(JobQueueModel::SizeColumn),
              table->columnWidth(JobQueueModel::SpeedColumn),
              table->columnWidth(JobQueueModel::TimeColumn));
    const QFontMetrics metrics = table->fontMetrics();
    QStyleOptionViewItem option;
    option.initFrom(table);
    option.font = table->font();
    option.fontMetrics = metrics;
    const int margin =
        table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1;
    for (const int column :
         { JobQueueModel::SizeColumn, JobQueueModel::SpeedColumn, JobQueueModel::TimeColumn }) {
        const QModelIndex index = model.index(0, column);
        const QString text = index.data().toString();
        QVERIFY(!text.isEmpty());
        const int width = table->columnWidth(column);
        const QString message = QStringLiteral("\"%1\" in %2 px").arg(text).arg(width);
        QVERIFY2(table->itemDelegate()->sizeHint(option, index).width() <= width,
                 qPrintable(message));
        QCOMPARE(metrics.elidedText(text, table->textElideMode(), width - 2 * margin), text);
    }
}

QTEST_MAIN(TestProgressDelegate)
#include "tst_progressdelegate.moc"
