// SPDX-License-Identifier: GPL-3.0-or-later
// The sweep dialog: levels from its fields, a real sweep with progress, the table, the knee, and
// a plot that really draws its series.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "server/loopbackserver.h"
#include "sweepdialog.h"
#include "testsupport.h"

#include <QAction>
#include <QImage>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr int ServerThreads = 4;
constexpr int ColourTolerance = 8; // antialiasing blends edges; the middle of a line is exact

QList<Job> jobsFor(const QList<QUrl> &urls)
{
    QList<Job> jobs;
    for (const QUrl &url : urls) {
        Job job;
        job.url = url;
        job.sourceLine = int(jobs.size()) + 1;
        jobs.append(job);
    }
    return jobs;
}

QList<SweepPoint> syntheticSweep()
{
    QList<SweepPoint> points;
    for (const auto &[level, wallMs] : QList<QPair<int, qint64>> {
             { 1, 1600 }, { 2, 800 }, { 4, 400 }, { 8, 390 }, { 16, 385 } }) {
        SweepPoint point;
        point.concurrency = level;
        point.urls = point.succeeded = 16;
        point.wallNs = wallMs * NsPerMs;
        point.serialNs = 1600 * NsPerMs;
        point.speedup = 1600.0 / double(wallMs);
        point.p50Ns = point.p95Ns = 100 * NsPerMs;
        points.append(point);
    }
    return points;
}

int pixelsNear(const QImage &image, const QColor &colour)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QColor pixel = image.pixelColor(x, y);
            if (std::abs(pixel.red() - colour.red()) <= ColourTolerance
                && std::abs(pixel.green() - colour.green()) <= ColourTolerance
                && std::abs(pixel.blue() - colour.blue()) <= ColourTolerance)
                ++count;
        }
    }
    return count;
}

} // namespace

class TestSweepDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void levelsFollowTheMaximum_data();
    void levelsFollowTheMaximum();
    void showsPointsInTheTableAndMarksTheKnee();
    void plotDrawsBothSeriesAndTheKnee();
    void emptyPlotDrawsNoSeries();
    void runsASweepWithProgress();
    void cancellingStopsTheSweep();
    void theRunMenuOpensIt();
    void escStopsTheSweepAndKeepsTheMeasuredLevels();
    void estimateSaysHowLongBeforeItStarts_data();
    void estimateSaysHowLongBeforeItStarts();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestSweepDialog::initTestCase()
{
    QVERIFY2(TestSupport::startLoopbackServer(m_server, ServerThreads),
             qPrintable(m_server->errorString()));
}

void TestSweepDialog::levelsFollowTheMaximum_data()
{
    QTest::addColumn<int>("max");
    QTest::addColumn<QList<int>>("levels");

    QTest::newRow("up to 8: 1, 2, 4, 8") << 8 << QList<int> { 1, 2, 4, 8 };
    QTest::newRow("up to 24: ends with 24") << 24 << QList<int> { 1, 2, 4, 8, 16, 24 };
    QTest::newRow("up to 1: a single level") << 1 << QList<int> { 1 };
}

void TestSweepDialog::levelsFollowTheMaximum()
{
    QFETCH(int, max);
    QFETCH(QList<int>, levels);

    SweepDialog dialog(jobsFor({ QUrl(QStringLiteral("http://127.0.0.1:1/a")) }),
                       TestSupport::testOptions());
    dialog.findChild<QSpinBox *>(QStringLiteral("maxConcurrency"))->setValue(max);
    QCOMPARE(dialog.plannedLevels(), levels);
    // The sample cannot exceed the list.
    auto *sample = dialog.findChild<QSpinBox *>(QStringLiteral("sampleSize"));
    QCOMPARE(sample->maximum(), 1);
}

void TestSweepDialog::showsPointsInTheTableAndMarksTheKnee()
{
    SweepDialog dialog({}, TestSupport::testOptions());
    dialog.showPoints(syntheticSweep());

    QTableWidget *table = dialog.table();
    QCOMPARE(table->rowCount(), 5);
    QCOMPARE(table->item(2, SweepDialog::ConcurrencyColumn)->text(), QStringLiteral("4"));
    QCOMPARE(table->item(0, SweepDialog::SpeedupColumn)->text(), QStringLiteral("1.00×"));
    QCOMPARE(table->item(2, SweepDialog::EfficiencyColumn)->text(), QStringLiteral("100%"));
    QVERIFY(table->item(2, SweepDialog::WallColumn)->font().bold()); // the knee's row
    QVERIFY(!table->item(1, SweepDialog::WallColumn)->font().bold());
    QCOMPARE(dialog.plot()->kneeIndex(), 2);
    QVERIFY2(dialog.kneeText().contains(QLatin1String("N=4")), qPrintable(dialog.kneeText()));
    // Nothing to run: an empty list keeps Run disabled, and the shown points can be saved.
    QVERIFY(!dialog.findChild<QPushButton *>(QStringLiteral("runSweep"))->isEnabled());
    QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("saveSweepCsv"))->isEnabled());
}

void TestSweepDialog::plotDrawsBothSeriesAndTheKnee()
{
    SweepPlot plot;
    plot.resize(640, 320);
    plot.setPoints(syntheticSweep(), 2);

    const QImage image = plot.grab().toImage();

    QVERIFY(pixelsNear(image, SweepPlot::wallColour()) > 100);
    QVERIFY(pixelsNear(image, SweepPlot::speedupColour()) > 100);
    QVERIFY(pixelsNear(image, SweepPlot::kneeColour()) > 50);
}

void TestSweepDialog::emptyPlotDrawsNoSeries()
{
    SweepPlot plot;
    plot.resize(640, 320);

    const QImage image = plot.grab().toImage();

    QCOMPARE(pixelsNear(image, SweepPlot::wallColour()), 0);
    QCOMPARE(pixelsNear(image, SweepPlot::speedupColour()), 0);
}

void TestSweepDialog::runsASweepWithProgress()
{
    QList<QUrl> urls;
    for (int i = 0; i < 6; ++i)
        urls.append(m_server->url(QStringLiteral("/delay/10/bytes/%1?dialog").arg(i + 1)));
    SweepDialog dialog(jobsFor(urls), TestSupport::testOptions());
    dialog.setMaxConcurrency(4);
    dialog.setSampleSize(5);
    QSignalSpy finished(&dialog, &SweepDialog::sweepFinished);
    auto *run = dialog.findChild<QPushButton *>(QStringLiteral("runSweep"));
    auto *cancel = dialog.findChild<QPushButton *>(QStringLiteral("cancelSweep"));
    QVERIFY(run->isEnabled());
    QVERIFY(!cancel->isEnabled());

    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(!run->isEnabled());
    QVERIFY(cancel->isEnabled());
    auto *progress = dialog.findChild<QProgressBar *>(QStringLiteral("sweepProgress"));
    QCOMPARE(progress->maximum(), 3 * 5); // three levels of the five sampled URLs

    QVERIFY(finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), true);
    QCOMPARE(progress->value(), progress->maximum());
    QCOMPARE(dialog.table()->rowCount(), 3);
    QCOMPARE(dialog.table()->item(2, SweepDialog::ConcurrencyColumn)->text(), QStringLiteral("4"));
    QCOMPARE(dialog.table()->item(1, SweepDialog::SucceededColumn)->text(), QStringLiteral("5"));
    QCOMPARE(dialog.plot()->points().size(), 3);
    QVERIFY(run->isEnabled());
    QVERIFY(!cancel->isEnabled());
}

void TestSweepDialog::cancellingStopsTheSweep()
{
    QList<QUrl> urls;
    for (int i = 0; i < 3; ++i)
        urls.append(
            m_server->url(QStringLiteral("/drip/100/100?dialog-cancel=%1").arg(i))); // 10 s each
    SweepDialog dialog(jobsFor(urls), TestSupport::testOptions());
    dialog.setMaxConcurrency(2);
    QSignalSpy finished(&dialog, &SweepDialog::sweepFinished);

    dialog.startSweep();
    QTRY_VERIFY(dialog.runner().isRunning() && m_server->inFlight() >= 1);
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("cancelSweep")),
                      Qt::LeftButton);

    QVERIFY(finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), false);
    QCOMPARE(dialog.table()->rowCount(), 0);
    QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("runSweep"))->isEnabled());
    QCOMPARE(dialog.findChild<QProgressBar *>(QStringLiteral("sweepProgress"))->format(),
             QStringLiteral("Stopped: 0 of 2 levels measured (partial)"));
    QVERIFY(dialog.isPartial());
}

void TestSweepDialog::theRunMenuOpensIt()
{
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow window(&model, &engine);
    auto *action = window.findChild<QAction *>(QStringLiteral("concurrencySweep"));
    QVERIFY(action);

    action->trigger();

    auto *dialog = window.findChild<SweepDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    dialog->close();
}

void TestSweepDialog::escStopsTheSweepAndKeepsTheMeasuredLevels()
{
    constexpr int DelayMs = 400; // level 2 takes this long at least: Esc comes first
    QList<QUrl> urls;
    for (int i = 0; i < 2; ++i)
        urls.append(m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(DelayMs).arg(i + 1)));
    SweepDialog dialog(jobsFor(urls), TestSupport::testOptions());
    dialog.setMaxConcurrency(4); // levels 1, 2, 4
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy started(&dialog.runner(), &SweepRunner::pointStarted);
    QSignalSpy finished(&dialog, &SweepDialog::sweepFinished);

    dialog.startSweep();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 2, TestSupport::RunTimeoutMs); // N=1 measured
    QTest::keyClick(&dialog, Qt::Key_Escape);

    QVERIFY(finished.count() > 0 || finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), false);
    // The dialog stays, with the level measured before Esc, marked partial.
    QVERIFY(dialog.isVisible());
    QVERIFY(dialog.isPartial());
    QCOMPARE(dialog.table()->rowCount(), 1);
    QCOMPARE(dialog.table()->item(0, SweepDialog::ConcurrencyColumn)->text(), QStringLiteral("1"));
    QCOMPARE(dialog.table()->item(0, SweepDialog::SucceededColumn)->text(), QStringLiteral("2"));
    QCOMPARE(dialog.plot()->points().size(), 1);
    QCOMPARE(dialog.findChild<QProgressBar *>(QStringLiteral("sweepProgress"))->format(),
             QStringLiteral("Stopped: 1 of 3 levels measured (partial)"));
    QVERIFY2(dialog.kneeText().startsWith(QLatin1String("Partial sweep, stopped before N=2")),
             qPrintable(dialog.kneeText()));
    QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("saveSweepCsv"))->isEnabled());

    // With nothing running, Esc closes it.
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QVERIFY(!dialog.isVisible());
}

void TestSweepDialog::estimateSaysHowLongBeforeItStarts_data()
{
    QTest::addColumn<int>("measuredMs"); // each URL's measured time; -1: never fetched
    QTest::addColumn<int>("maxConcurrency");
    QTest::addColumn<int>("sample");
    QTest::addColumn<QString>("expected");

    // Four URLs. At N workers a level takes ceil(4 / N) URL times.
    QTest::newRow("nothing fetched yet: unknown")
        << -1 << 4 << 0
        << QStringLiteral("– (unknown until some URLs of the list have been fetched)");
    QTest::newRow("1 s each, N = 1, 2, 4: 4 + 2 + 1 URL times")
        << 1000 << 4 << 0 << QStringLiteral("about 7 s for 3 level(s)");
    QTest::newRow("2 s each, N = 1 only")
        << 2000 << 1 << 0 << QStringLiteral("about 8 s for 1 level(s)");
    QTest::newRow("a sample of 2 of them: 2 + 1 + 1")
        << 1000 << 4 << 2 << QStringLiteral("about 4 s for 3 level(s)");
}

void TestSweepDialog::estimateSaysHowLongBeforeItStarts()
{
    QFETCH(int, measuredMs);
    QFETCH(int, maxConcurrency);
    QFETCH(int, sample);
    QFETCH(QString, expected);
    QList<QUrl> urls;
    for (int i = 0; i < 4; ++i)
        urls.append(QUrl(QStringLiteral("http://127.0.0.1:1/%1").arg(i)));
    QList<Job> jobs = jobsFor(urls);
    if (measuredMs >= 0) {
        for (Job &job : jobs) {
            job.state = JobState::Succeeded;
            job.startedAtNs = 1000;
            job.finishedAtNs = job.startedAtNs + measuredMs * NsPerMs;
        }
    }
    SweepDialog dialog(jobs, TestSupport::testOptions());
    dialog.setMaxConcurrency(maxConcurrency);
    dialog.setSampleSize(sample);
    QCOMPARE(dialog.estimateText(), expected);
}

QTEST_MAIN(TestSweepDialog)
#include "tst_sweepdialog.moc"
