// SPDX-License-Identifier: GPL-3.0-or-later
// The What If dialog: the replay's table on lists with known answers, the worker list and cap as
// a person edits them, Copy, and the Run menu's action that opens it once there are results.
#include "engine/fetchengine.h"
#include "formats/jsonformat.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "testsupport.h"
#include "whatifdialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr QSize SmallScreen(1366, 768);

// `count` URLs of `durationMs` each, timed as a run at `workers` lanes takes them: in waves of
// `workers`, so that the run's wall is what the replay at that N gives.
QList<Job> ranAt(int workers, int count, qint64 durationMs,
                 const QString &host = QStringLiteral("a.test"))
{
    QList<Job> jobs;
    for (int i = 0; i < count; ++i) {
        Job job;
        job.url = QUrl(QStringLiteral("http://%1/%2").arg(host).arg(i + 1));
        job.sourceLine = i + 1;
        job.state = JobState::Succeeded;
        job.httpStatus = 200;
        job.startedAtNs = qint64(i / workers) * durationMs * NsPerMs;
        job.finishedAtNs = job.startedAtNs + durationMs * NsPerMs;
        jobs.append(job);
    }
    return jobs;
}

QList<Job> uniform(int count, qint64 durationMs)
{
    return ranAt(1, count, durationMs);
}

// 99 URLs of 10 ms, then one of 1 s at the end of the list.
QList<Job> straggledLast()
{
    QList<Job> jobs = uniform(99, 10);
    Job slow = ranAt(1, 1, 1000, QStringLiteral("slow.test")).constFirst();
    slow.sourceLine = 100;
    jobs.append(slow);
    return jobs;
}

// Ten URLs of host a, then ten of host b, 10 ms each.
QList<Job> twoHostsGrouped()
{
    QList<Job> jobs = ranAt(1, 10, 10, QStringLiteral("a.test"));
    jobs.append(ranAt(1, 10, 10, QStringLiteral("b.test")));
    return jobs;
}

// The row of the table for `workers`, -1 if there is none.
int rowFor(const WhatIfDialog &dialog, int workers)
{
    for (int row = 0; row < dialog.table()->rowCount(); ++row) {
        if (dialog.table()->item(row, WhatIfDialog::WorkersColumn)->text().toInt() == workers)
            return row;
    }
    return -1;
}

QString cell(const WhatIfDialog &dialog, int workers, int column)
{
    const int row = rowFor(dialog, workers);
    return row >= 0 ? dialog.table()->item(row, column)->text() : QString();
}

bool rowIsBold(const WhatIfDialog &dialog, int workers)
{
    const int row = rowFor(dialog, workers);
    for (int column = 0; column < WhatIfDialog::ColumnCount; ++column) {
        if (!dialog.table()->item(row, column)->font().bold())
            return false;
    }
    return true;
}

// Replaces the worker list as a person does: select all, type.
void typeWorkers(WhatIfDialog &dialog, const QString &text)
{
    QLineEdit *edit = dialog.workersEdit();
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

} // namespace

class TestWhatIfDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void predictsEachWorkerCount_data();
    void predictsEachWorkerCount();
    void theRunsOwnRowIsBoldWithItsMeasuredWall();
    void withoutAMeasuredWallNothingIsCalibrated();
    void aSweepOfTheSameListCalibratesAndASampleIsNamed();
    void aBadWorkerListShowsTheErrorAndKeepsTheTable();
    void aPerHostCapChangesTheRows();
    void copyPutsTheTableOnTheClipboard();
    void fitsASmallScreenAndIsKeyboardUsable();
    void theRunMenuOffersItOnceThereAreTimedResults();
    void aSavedRunCalibratesWithItsOwnWorkers();
};

void TestWhatIfDialog::initTestCase()
{
    TestSupport::useTestSettings(QStringLiteral("tst_whatifdialog"));
}

void TestWhatIfDialog::init()
{
    QSettings().clear();
    QApplication::clipboard()->clear();
}

void TestWhatIfDialog::predictsEachWorkerCount_data()
{
    QTest::addColumn<QList<Job>>("jobs");
    QTest::addColumn<QString>("workers");
    QTest::addColumn<int>("at");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("shown");

    QTest::newRow("100 URLs of 50 ms at N = 4 take 1.25 s")
        << uniform(100, 50) << QStringLiteral("1,4,16") << 4 << int(WhatIfDialog::WallColumn)
        << QStringLiteral("1.250 s");
    QTest::newRow("… a speedup of 4")
        << uniform(100, 50) << QStringLiteral("1,4,16") << 4 << int(WhatIfDialog::SpeedupColumn)
        << QStringLiteral("4.00×");
    QTest::newRow("… and at N = 1 the serial time")
        << uniform(100, 50) << QStringLiteral("1,4,16") << 1 << int(WhatIfDialog::WallColumn)
        << QStringLiteral("5.000 s");
    // At N = 16 the 1 s URL starts last, after six waves of 10 ms: 1.060 s in list order.
    QTest::newRow("a straggler listed last ends the wall late")
        << straggledLast() << QStringLiteral("16") << 16 << int(WhatIfDialog::WallColumn)
        << QStringLiteral("1.060 s");
    QTest::newRow("longest first: the wall is the straggler's own time")
        << straggledLast() << QStringLiteral("16") << 16
        << int(WhatIfDialog::LongestFirstWallColumn) << QStringLiteral("1.000 s");
    QTest::newRow("the straggler's share of the wall in list order")
        << straggledLast() << QStringLiteral("16") << 16 << int(WhatIfDialog::StragglerColumn)
        << QStringLiteral("94%");
}

void TestWhatIfDialog::predictsEachWorkerCount()
{
    QFETCH(QList<Job>, jobs);
    QFETCH(QString, workers);
    QFETCH(int, at);
    QFETCH(int, column);
    QFETCH(QString, shown);

    WhatIfDialog dialog(jobs, {}, 0);
    dialog.workersEdit()->setText(workers);
    dialog.recompute();
    QCOMPARE(dialog.errorText(), QString());
    QCOMPARE(cell(dialog, at, column), shown);
}

void TestWhatIfDialog::theRunsOwnRowIsBoldWithItsMeasuredWall()
{
    WhatIfMeasurements measured;
    measured.listSize = 100;
    measured.workers = 4;
    measured.wallNs = 1400 * NsPerMs; // 1.12 × the replay's 1.25 s
    WhatIfDialog dialog(uniform(100, 50), measured, 0);

    // The default list, 1 to 128, holds the run's N.
    QCOMPARE(dialog.table()->rowCount(), int(WhatIf::defaultWorkerList().size()));
    QVERIFY(rowIsBold(dialog, 4));
    QCOMPARE(cell(dialog, 4, WhatIfDialog::MeasuredColumn), QStringLiteral("1.400 s"));
    QCOMPARE(cell(dialog, 4, WhatIfDialog::CalibratedColumn), QStringLiteral("1.400 s"));
    QCOMPARE(cell(dialog, 4, WhatIfDialog::WallColumn), QStringLiteral("1.250 s"));
    // Elsewhere nothing was measured; the replay is corrected by the run's factor.
    QVERIFY(!rowIsBold(dialog, 8));
    QCOMPARE(cell(dialog, 8, WhatIfDialog::MeasuredColumn), QStringLiteral("–"));
    QCOMPARE(cell(dialog, 8, WhatIfDialog::CalibratedColumn), QStringLiteral("0.728 s")); // 0.65
    const QString note = dialog.noteText();
    QVERIFY2(note.contains(QLatin1String("Replayed 100 URL(s)")), qPrintable(note));
    QVERIFY2(note.contains(QLatin1String("the run at N = 4 measured 1.400 s, replay 1.250 s")),
             qPrintable(note));
    QVERIFY2(note.contains(WhatIf::trustText()), qPrintable(note));
}

void TestWhatIfDialog::withoutAMeasuredWallNothingIsCalibrated()
{
    WhatIfMeasurements measured;
    measured.listSize = 100;
    measured.workers = 4; // a run still going on: no wall yet
    QList<Job> jobs = uniform(100, 50);
    jobs[0].restored = true;
    jobs[1].state = JobState::Running;
    WhatIfDialog dialog(jobs, measured, 0);

    QVERIFY(dialog.calibrations().isEmpty());
    QVERIFY(rowIsBold(dialog, 4));
    QCOMPARE(cell(dialog, 4, WhatIfDialog::CalibratedColumn), QStringLiteral("–"));
    QCOMPARE(cell(dialog, 4, WhatIfDialog::MeasuredColumn), QStringLiteral("–"));
    const QString note = dialog.noteText();
    QVERIFY2(note.contains(QLatin1String("Replayed 98 URL(s)")), qPrintable(note));
    QVERIFY2(note.contains(QLatin1String("1 restored")), qPrintable(note));
    QVERIFY2(note.contains(QLatin1String("1 unfinished")), qPrintable(note));
    QVERIFY2(note.contains(QLatin1String("Not calibrated")), qPrintable(note));
}

void TestWhatIfDialog::aSweepOfTheSameListCalibratesAndASampleIsNamed()
{
    WhatIfMeasurements measured;
    measured.listSize = 100;
    SweepPoint level;
    level.concurrency = 16;
    level.urls = 100;
    level.wallNs = 420 * NsPerMs; // the replay's 0.35 s × 1.2
    SweepPoint sampled = level;
    sampled.concurrency = 2;
    sampled.urls = 10;
    measured.sweep = { sampled, level };
    WhatIfDialog dialog(uniform(100, 50), measured, 0);

    QCOMPARE(dialog.calibrations().size(), 1);
    QCOMPARE(cell(dialog, 16, WhatIfDialog::MeasuredColumn), QStringLiteral("0.420 s"));
    QCOMPARE(cell(dialog, 2, WhatIfDialog::MeasuredColumn), QStringLiteral("–"));
    QCOMPARE(cell(dialog, 4, WhatIfDialog::CalibratedColumn), QStringLiteral("1.500 s"));
    QVERIFY(!rowIsBold(dialog, 16)); // the sweep's, not the run's own
    const QString note = dialog.noteText();
    QVERIFY2(note.contains(QLatin1String("the sweep at N = 16 measured 0.420 s")),
             qPrintable(note));
    QVERIFY2(note.contains(QLatin1String("1 sweep level(s) of another list")), qPrintable(note));
}

void TestWhatIfDialog::aBadWorkerListShowsTheErrorAndKeepsTheTable()
{
    WhatIfDialog dialog(uniform(100, 50), {}, 0);
    dialog.show();
    typeWorkers(dialog, QStringLiteral("1,4"));
    QTRY_COMPARE(dialog.table()->rowCount(), 2);
    const QString good = dialog.tableText();

    typeWorkers(dialog, QStringLiteral("1,4,x"));
    QTRY_VERIFY(!dialog.errorText().isEmpty());
    QVERIFY2(dialog.errorText().contains(QLatin1String("'x' is not one")),
             qPrintable(dialog.errorText()));
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("whatIfWorkersProblem"))->isVisible());
    QCOMPARE(dialog.tableText(), good);

    typeWorkers(dialog, QStringLiteral("1,4,16"));
    QTRY_COMPARE(dialog.table()->rowCount(), 3);
    QCOMPARE(dialog.errorText(), QString());
    QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("whatIfWorkersProblem"))->isVisible());
}

void TestWhatIfDialog::aPerHostCapChangesTheRows()
{
    // One URL per host at once: two at a time whatever N, so N = 4 takes 10 waves of 10 ms.
    WhatIfDialog dialog(twoHostsGrouped(), {}, 0);
    dialog.workersEdit()->setText(QStringLiteral("1,4"));
    dialog.recompute();
    QCOMPARE(cell(dialog, 4, WhatIfDialog::WallColumn), QStringLiteral("0.050 s"));
    QCOMPARE(dialog.perHostBox()->value(), 0);

    dialog.perHostBox()->setValue(1);
    QTRY_COMPARE(cell(dialog, 4, WhatIfDialog::WallColumn), QStringLiteral("0.100 s"));
    QCOMPARE(cell(dialog, 1, WhatIfDialog::WallColumn), QStringLiteral("0.200 s"));

    // The cap given when it opens (the current settings') is the one it starts with.
    WhatIfDialog capped(twoHostsGrouped(), {}, 1);
    QCOMPARE(capped.perHostBox()->value(), 1);
    QCOMPARE(cell(capped, 4, WhatIfDialog::WallColumn), QStringLiteral("0.100 s"));
}

void TestWhatIfDialog::copyPutsTheTableOnTheClipboard()
{
    WhatIfDialog dialog(uniform(100, 50), {}, 0);
    dialog.workersEdit()->setText(QStringLiteral("1,4"));
    dialog.recompute();
    auto *copy = dialog.findChild<QPushButton *>(QStringLiteral("copyWhatIf"));
    QVERIFY(copy);
    copy->click();
    QCOMPARE(QApplication::clipboard()->text(),
             QStringLiteral("Workers\tWall\tSpeedup\tWall, longest first\tSpeedup, longest "
                            "first\tStraggler\tCalibrated\tMeasured\n"
                            "1\t5.000 s\t1.00×\t5.000 s\t1.00×\t1%\t–\t–\n"
                            "4\t1.250 s\t4.00×\t1.250 s\t4.00×\t4%\t–\t–\n"));
}

void TestWhatIfDialog::fitsASmallScreenAndIsKeyboardUsable()
{
    WhatIfMeasurements measured;
    measured.listSize = 100;
    measured.workers = 4;
    measured.wallNs = 1400 * NsPerMs;
    WhatIfDialog dialog(uniform(100, 50), measured, 0);
    QVERIFY(!dialog.isModal());
    QVERIFY2(dialog.sizeHint().width() <= SmallScreen.width()
                 && dialog.sizeHint().height() <= SmallScreen.height(),
             qPrintable(QStringLiteral("%1×%2")
                            .arg(dialog.sizeHint().width())
                            .arg(dialog.sizeHint().height())));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));

    // Alt+H reaches the cap, Alt+W the worker list; Tab goes on to the cap and the table.
    QTest::keyClick(&dialog, Qt::Key_H, Qt::AltModifier);
    QTRY_COMPARE(QApplication::focusWidget(), dialog.perHostBox());
    QTest::keyClick(&dialog, Qt::Key_W, Qt::AltModifier);
    QTRY_COMPARE(QApplication::focusWidget(), dialog.workersEdit());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QTRY_COMPARE(QApplication::focusWidget(), dialog.perHostBox());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QTRY_COMPARE(QApplication::focusWidget(), dialog.table());
    // Alt+P copies; Return in the worker list computes at once and leaves the dialog open.
    QTest::keyClick(&dialog, Qt::Key_P, Qt::AltModifier);
    QTRY_COMPARE(QApplication::clipboard()->text(), dialog.tableText());
    typeWorkers(dialog, QStringLiteral("2"));
    QTest::keyClick(dialog.workersEdit(), Qt::Key_Return);
    QCOMPARE(dialog.table()->rowCount(), 1);
    QVERIFY(dialog.isVisible());
}

void TestWhatIfDialog::theRunMenuOffersItOnceThereAreTimedResults()
{
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow window(&model, &engine);
    QAction *action = window.action(QStringLiteral("whatIf"));
    QVERIFY(action);
    QVERIFY(!action->isEnabled());

    // Results another run timed are nothing to replay.
    QList<Job> restored = uniform(3, 50);
    for (Job &job : restored)
        job.restored = true;
    model.addSaved(restored);
    QVERIFY(!action->isEnabled());

    model.addSaved(ranAt(4, 8, 50));
    QVERIFY(action->isEnabled());
    action->trigger();
    auto *dialog = window.findChild<WhatIfDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QVERIFY2(dialog->noteText().contains(QLatin1String("Replayed 8 URL(s)")),
             qPrintable(dialog->noteText()));
    QVERIFY2(dialog->noteText().contains(QLatin1String("3 restored")),
             qPrintable(dialog->noteText()));
    dialog->close();
}

void TestWhatIfDialog::aSavedRunCalibratesWithItsOwnWorkers()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QList<Job> jobs = ranAt(4, 40, 50); // ten waves of 50 ms
    RunInfo info;
    info.concurrency = 4;
    const QString path = directory.filePath(QStringLiteral("run.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(JsonFormat::toJson(jobs, RunSummary::compute(jobs), info));
    file.close();

    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow window(&model, &engine);
    window.concurrencySpinBox()->setValue(16); // the window's setting, not the run's
    QVERIFY(window.openRun(path));
    window.action(QStringLiteral("whatIf"))->trigger();
    auto *dialog = window.findChild<WhatIfDialog *>();
    QVERIFY(dialog);

    QCOMPARE(dialog->calibrations().size(), 1);
    QCOMPARE(dialog->calibrations().constFirst().workers, 4);
    QCOMPARE(dialog->calibrations().constFirst().measuredWallNs, 500 * NsPerMs);
    QCOMPARE(dialog->calibrations().constFirst().replayWallNs, 500 * NsPerMs);
    QVERIFY(rowIsBold(*dialog, 4));
    QVERIFY(!rowIsBold(*dialog, 16));
    dialog->close();
}

QTEST_MAIN(TestWhatIfDialog)
#include "tst_whatifdialog.moc"
