// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall view: phase stretches, geometry, grouping, zoom, hover, clicks, and painting only
// what is visible, on synthetic jobs and on a real demo run against the loopback server.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "jobtableproxymodel.h"
#include "scriptedserver.h"
#include "server/demolist.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"
#include "waterfallview.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QMetaEnum>
#include <QScrollBar>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>

#include <array>
#include <functional>
#include <optional>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

Q_DECLARE_METATYPE(Parafetch::WaterfallView::Grouping)
Q_DECLARE_METATYPE(Parafetch::JobTableProxyModel::StatusFilter)

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 UsPerMs = 1000;
constexpr QSize ViewSize(900, 420);
constexpr int TenThousand = 10'000;
constexpr int Lanes = 16;
constexpr int AngleDeltaPerNotch = 120;
constexpr int DemoConcurrency = 6;
constexpr QSize ScreenshotSize(1100, 680);
constexpr QLatin1String ScreenshotName("waterfall.png");
constexpr QLatin1String PackedScreenshotName("waterfall-lanes.png");
constexpr QSize PackedScreenshotSize(1100, 180);
constexpr QLatin1String DefaultScreenshotDir("/tmp/parafetch-tst_waterfallview");

// A job's times, in milliseconds from the engine's epoch; -1 = unknown.
struct Timing
{
    int worker = 0;
    qint64 queuedMs = 0;
    qint64 startMs = 0;
    qint64 attemptMs = -1; // -1: the first attempt was the last
    qint64 endMs = -1; // -1: still running
    JobState state = JobState::Succeeded;
    qint64 connectUs = -1, tlsUs = -1, sendUs = -1, waitUs = -1, receiveUs = -1;
};

Job timed(Job job, const Timing &t)
{
    job.state = t.state;
    job.worker = t.worker;
    job.thread = t.worker % 2;
    job.queuedAtNs = t.queuedMs * NsPerMs;
    job.startedAtNs = t.startMs * NsPerMs;
    job.attemptStartedAtNs = (t.attemptMs >= 0 ? t.attemptMs : t.startMs) * NsPerMs;
    job.finishedAtNs = t.endMs >= 0 ? t.endMs * NsPerMs : -1;
    job.updatedAtNs = job.attemptStartedAtNs;
    job.connectUs = t.connectUs;
    job.tlsUs = t.tlsUs;
    job.sendUs = t.sendUs;
    job.waitUs = t.waitUs;
    job.receiveUs = t.receiveUs;
    job.attempts = 1;
    job.httpStatus = t.state == JobState::Succeeded ? 200 : 0;
    job.bytesReceived = t.state == JobState::Succeeded ? 1000 : 0;
    return job;
}

// A finished job whose last attempt is connect 20 %, send 0, wait 50 %, receive 30 %.
Timing simple(int worker, qint64 startMs, qint64 durationMs, JobState state = JobState::Succeeded)
{
    Timing t;
    t.worker = worker;
    t.startMs = startMs;
    t.endMs = startMs + durationMs;
    t.state = state;
    t.connectUs = durationMs * UsPerMs / 5;
    t.waitUs = durationMs * UsPerMs / 2;
    t.receiveUs = durationMs * UsPerMs - t.connectUs - t.waitUs;
    return t;
}

// A job queued at 0 whose last attempt (from attemptMs, else startMs) has these phases, in µs
// (-1 = unknown): connect, TLS, send, wait, receive.
Timing attempt(qint64 startMs, qint64 endMs, const std::array<qint64, 5> &phasesUs,
               JobState state = JobState::Succeeded, qint64 attemptMs = -1)
{
    Timing t;
    t.startMs = startMs;
    t.attemptMs = attemptMs;
    t.endMs = endMs;
    t.state = state;
    t.connectUs = phasesUs[0];
    t.tlsUs = phasesUs[1];
    t.sendUs = phasesUs[2];
    t.waitUs = phasesUs[3];
    t.receiveUs = phasesUs[4];
    return t;
}

QString describe(const QList<WaterfallView::Segment> &segments)
{
    const QMetaEnum phases = QMetaEnum::fromType<WaterfallView::Phase>();
    QStringList parts;
    for (const WaterfallView::Segment &segment : segments)
        parts.append(QStringLiteral("%1 %2-%3")
                         .arg(QLatin1String(phases.valueToKey(int(segment.phase))))
                         .arg(double(segment.startNs) / NsPerMs)
                         .arg(double(segment.endNs) / NsPerMs));
    return parts.join(QStringLiteral(", "));
}

// A model with one job per URL, given their timings (a timing of nullopt = left queued).
class Fixture
{
public:
    Q_DISABLE_COPY_MOVE(Fixture)
    Fixture() = default;

    QList<quint64> add(const QStringList &urls, const QList<std::optional<Timing>> &timings)
    {
        QList<QUrl> list;
        for (const QString &url : urls)
            list.append(QUrl(url));
        const int first = model.rowCount();
        model.addEntries(entriesFor(list));
        QList<Job> jobs;
        QList<quint64> ids;
        for (int i = 0; i < urls.size(); ++i) {
            const Job &job = model.jobAt(first + i);
            ids.append(job.id);
            if (i < timings.size() && timings.at(i))
                jobs.append(timed(job, *timings.at(i)));
        }
        model.finishJobs(jobs);
        return ids;
    }

    bool show()
    {
        view.setModel(&model);
        view.resize(ViewSize);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view))
            return false;
        view.relayout();
        return true;
    }

    // The layout as text: "|" for a group header, a row's job numbers (1-based list position)
    // joined by "+".
    QString layout() const { return layout(view); }
    // The same for any view of this fixture's model.
    QString layout(const WaterfallView &other) const
    {
        QStringList rows;
        for (int row = 0; row < other.layoutRowCount(); ++row) {
            if (other.isHeaderRow(row)) {
                rows.append(QStringLiteral("|"));
                continue;
            }
            QStringList numbers;
            for (quint64 id : other.jobsInRow(row))
                numbers.append(QString::number(model.rowForId(id) + 1));
            rows.append(numbers.join(QLatin1Char('+')));
        }
        return rows.join(QLatin1Char(' '));
    }

    QPoint centreOf(quint64 id) const { return view.rowRect(view.rowOfJob(id)).center(); }

    JobQueueModel model;
    WaterfallView view;
};

// The mixed list of the grouping tests: two lanes with two URLs each, a third with a failure,
// one running and one never started, on three hosts.
QList<quint64> addMixedList(Fixture &f)
{
    Timing running;
    running.worker = 1;
    running.startMs = 110;
    running.state = JobState::Running;
    return f.add({ QStringLiteral("http://a.test/1"), QStringLiteral("http://b.test/2"),
                   QStringLiteral("http://a.test/3"), QStringLiteral("http://b.test:8080/4"),
                   QStringLiteral("http://a.test/5"), QStringLiteral("http://c.test/6") },
                 { simple(0, 0, 50), simple(1, 5, 100), simple(0, 60, 30),
                   simple(2, 20, 10, JobState::Failed), running, std::nullopt });
}

QRgb pixelAt(const QImage &image, const QPointF &point)
{
    return image.pixel(point.toPoint());
}

} // namespace

Q_DECLARE_METATYPE(Timing)

class TestWaterfallView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void segmentsFollowThePhases_data();
    void segmentsFollowThePhases();
    void timeAxisMapsTimeToPixels();
    void barsArePaintedInPhaseColours();
    void grouping_data();
    void grouping();
    void restoredResultsHaveTheirOwnGroup_data();
    void restoredResultsHaveTheirOwnGroup();
    void filterProxyDecidesWhichRowsShow();
    void zoomKeepsThePointUnderTheCursor_data();
    void zoomKeepsThePointUnderTheCursor();
    void keysAndButtonsZoomAndFit();
    void zoomLevelCanBeSetWithinTheLimits_data();
    void zoomLevelCanBeSetWithinTheLimits();
    void liveChangesLayOutLikeAFreshView_data();
    void liveChangesLayOutLikeAFreshView();
    void hoverShowsExactNumbersWithoutCredentials();
    void clickEmitsTheJobId();
    void arrowKeysMoveTheSelection();
    void runningBarsGrowWithTheClock();
    void followsRowsAddedAndRemoved();
    void readableInADarkPalette();
    void tenThousandJobsPaintOnlyTheVisibleRows();
    void demoRunShowsLanesPhasesAndFailures();
    void liveBarShowsItsCurrentPhase_data();
    void liveBarShowsItsCurrentPhase();
    void waitingRequestIsAWaitBar();
    void idleGapIsCollapsedAndMarked();
    void notStartedRowsHaveNoAxis();
};

void TestWaterfallView::initTestCase()
{
    // Numbers in tooltips and on the axis follow the locale: the expectations are in C.
    QLocale::setDefault(QLocale::c());
}

void TestWaterfallView::segmentsFollowThePhases_data()
{
    QTest::addColumn<Timing>("timing");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("expected");

    QTest::newRow("http, new connection: connect, send, wait, receive fill the attempt")
        << attempt(10, 60, { 5000, -1, 1000, 30'000, 14'000 }) << qint64(-1) << qint64(1000)
        << QStringLiteral("Queued 0-10, Connect 10-15, Send 15-16, Wait 16-46, Receive 46-60");
    QTest::newRow("https: the TLS handshake is the end of connect")
        << attempt(10, 60, { 8000, 5000, 1000, 27'000, 14'000 }) << qint64(-1) << qint64(1000)
        << QStringLiteral(
               "Queued 0-10, Connect 10-13, Tls 13-18, Send 18-19, Wait 19-46, Receive 46-60");
    QTest::newRow("reused connection: no connect stretch")
        << attempt(10, 60, { -1, -1, 1000, 35'000, 14'000 }) << qint64(-1) << qint64(1000)
        << QStringLiteral("Queued 0-10, Send 10-11, Wait 11-46, Receive 46-60");
    QTest::newRow("retried: earlier attempts and backoff come before the last attempt")
        << attempt(10, 560, { -1, -1, -1, 40'000, 10'000 }, JobState::Failed, 510) << qint64(-1)
        << qint64(0)
        << QStringLiteral("Queued 0-10, Backoff 10-510, Wait 510-550, Receive 550-560");
    QTest::newRow("redirected: what the phases leave over comes before them")
        << attempt(0, 100, { -1, -1, -1, 30'000, 20'000 }) << qint64(-1) << qint64(1000)
        << QStringLiteral("Other 0-50, Wait 50-80, Receive 80-100");

    Timing running;
    running.startMs = 10;
    running.state = JobState::Running;
    QTest::newRow("running, nothing received: grows to now")
        << running << qint64(70) << qint64(0) << QStringLiteral("Queued 0-10, Other 10-70");
    QTest::newRow("running and receiving: the growing part is receive")
        << running << qint64(70) << qint64(500) << QStringLiteral("Queued 0-10, Receive 10-70");

    Timing queued;
    queued.startMs = -1;
    queued.state = JobState::Queued;
    QTest::newRow("never started: no bar") << queued << qint64(70) << qint64(0) << QString();
}

void TestWaterfallView::segmentsFollowThePhases()
{
    QFETCH(Timing, timing);
    QFETCH(qint64, nowMs);
    QFETCH(qint64, bytes);
    QFETCH(QString, expected);
    Job job = timed(Job {}, timing);
    job.bytesReceived = bytes;
    if (timing.startMs < 0)
        job.startedAtNs = job.attemptStartedAtNs = -1;
    QCOMPARE(describe(WaterfallView::segmentsOf(job, nowMs * NsPerMs)), expected);
}

void TestWaterfallView::timeAxisMapsTimeToPixels()
{
    Fixture f;
    const QList<quint64> ids =
        f.add({ QStringLiteral("http://a.test/1"), QStringLiteral("http://a.test/2") },
              { simple(0, 100, 400), simple(1, 300, 700) });
    QVERIFY(f.show());
    // The axis starts at the first enqueue (0 ms), and fitting puts the last finish (1000 ms)
    // inside the viewport.
    QCOMPARE(f.view.originNs(), 0);
    QVERIFY(f.view.isFitting());
    const qreal zero = f.view.xForTime(0);
    const qreal end = f.view.xForTime(1000 * NsPerMs);
    QVERIFY2(zero > 0 && end <= f.view.viewport()->width()
                 && end - zero > f.view.viewport()->width() / 2,
             qPrintable(QStringLiteral("0 ms at %1, 1000 ms at %2").arg(zero).arg(end)));
    // Linear: a millisecond is pixelsPerMs wide everywhere, and timeAtX inverts xForTime.
    const double perMs = f.view.pixelsPerMs();
    QCOMPARE(qRound(f.view.xForTime(300 * NsPerMs) - f.view.xForTime(100 * NsPerMs)),
             qRound(200 * perMs));
    QVERIFY(qAbs(f.view.timeAtX(f.view.xForTime(450 * NsPerMs)) - 450 * NsPerMs) < NsPerMs / 100);
    // Phase widths: wait is half of the 700 ms job, connect a fifth.
    const Job &second = f.model.jobAt(f.model.rowForId(ids.at(1)));
    for (const WaterfallView::Segment &segment : WaterfallView::segmentsOf(second, -1)) {
        const qreal width = f.view.xForTime(segment.endNs) - f.view.xForTime(segment.startNs);
        const double expectedMs = segment.phase == WaterfallView::Phase::Wait ? 350
            : segment.phase == WaterfallView::Phase::Connect                  ? 140
            : segment.phase == WaterfallView::Phase::Receive                  ? 210
                                                                              : 300; // queued
        QVERIFY2(qAbs(width - expectedMs * perMs) < 0.5, qPrintable(describe({ segment })));
    }
}

void TestWaterfallView::barsArePaintedInPhaseColours()
{
    Fixture f;
    const QList<quint64> ids = f.add({ QStringLiteral("http://a.test/1") }, { simple(0, 0, 1000) });
    QVERIFY(f.show());
    const QImage image = f.view.viewport()->grab().toImage();
    const int y = f.centreOf(ids.at(0)).y();
    const auto colourAtMs = [&](qint64 ms) {
        return QColor(pixelAt(image, QPointF(f.view.xForTime(ms * NsPerMs), y)));
    };
    // connect 0-200, wait 200-700, receive 700-1000
    QCOMPARE(colourAtMs(100), WaterfallView::phaseColour(WaterfallView::Phase::Connect));
    QCOMPARE(colourAtMs(450), WaterfallView::phaseColour(WaterfallView::Phase::Wait));
    QCOMPARE(colourAtMs(850), WaterfallView::phaseColour(WaterfallView::Phase::Receive));
    QVERIFY(colourAtMs(1000 + 40) != WaterfallView::phaseColour(WaterfallView::Phase::Receive));
}

void TestWaterfallView::grouping_data()
{
    QTest::addColumn<WaterfallView::Grouping>("grouping");
    QTest::addColumn<QStringList>("groups");
    QTest::addColumn<QString>("layout");

    QTest::newRow("by lane: a header per lane, its URLs in start order, not started last")
        << WaterfallView::Grouping::Lane
        << QStringList { QStringLiteral("Lane 0"), QStringLiteral("Lane 1"),
                         QStringLiteral("Lane 2"), QStringLiteral("Not started") }
        << QStringLiteral("| 1 3 | 2 5 | 4 | 6");
    QTest::newRow("by lane, one line each: a lane's URLs side by side")
        << WaterfallView::Grouping::LanePacked
        << QStringList { QStringLiteral("Lane 0"), QStringLiteral("Lane 1"),
                         QStringLiteral("Lane 2"), QStringLiteral("Not started") }
        << QStringLiteral("1+3 2+5 4 6");
    QTest::newRow("by host: hosts in order of their first start, the port tells hosts apart")
        << WaterfallView::Grouping::Host
        << QStringList { QStringLiteral("a.test"), QStringLiteral("b.test"),
                         QStringLiteral("b.test:8080"), QStringLiteral("c.test") }
        << QStringLiteral("| 1 3 5 | 2 | 4 | 6");
}

void TestWaterfallView::grouping()
{
    QFETCH(WaterfallView::Grouping, grouping);
    QFETCH(QStringList, groups);
    QFETCH(QString, layout);
    Fixture f;
    addMixedList(f);
    QVERIFY(f.show());
    f.view.setGrouping(grouping);
    QCOMPARE(f.view.grouping(), grouping);
    QCOMPARE(f.view.groupLabels(), groups);
    QCOMPARE(f.layout(), layout);
}

void TestWaterfallView::restoredResultsHaveTheirOwnGroup_data()
{
    QTest::addColumn<WaterfallView::Grouping>("grouping");
    QTest::addColumn<QString>("layout");
    QTest::addColumn<QString>("afterRetry");
    QTest::newRow("by lane") << WaterfallView::Grouping::Lane << QStringLiteral("| 1 | 2 3 | 4")
                             << QStringLiteral("| 1 | 3 | 2 4");
    QTest::newRow("by lane, one line each")
        << WaterfallView::Grouping::LanePacked << QStringLiteral("1 2+3 4")
        << QStringLiteral("1 3 2+4");
}

void TestWaterfallView::restoredResultsHaveTheirOwnGroup()
{
    QFETCH(WaterfallView::Grouping, grouping);
    QFETCH(QString, layout);
    QFETCH(QString, afterRetry);
    // After a crash and Restore: one URL fetched here, two that the earlier run had done (one
    // with the time it measured, one adopted from the disk with none), one to fetch again.
    Fixture f;
    f.add({ QStringLiteral("http://a.test/here") }, { simple(0, 0, 100) });
    QList<Job> earlier(3);
    for (int i = 0; i < 3; ++i)
        earlier[i].url = QUrl(QStringLiteral("http://a.test/earlier%1").arg(i));
    earlier[0].state = earlier[1].state = JobState::Succeeded;
    earlier[0].restored = true;
    earlier[0].setRestoredDurationNs(12'345'000);
    QCOMPARE(f.model.addRestored(earlier), 3);
    QVERIFY(f.show());
    f.view.setGrouping(grouping);
    QCOMPARE(f.view.groupLabels(),
             (QStringList { QStringLiteral("Lane 0"), QStringLiteral("Done before the restore"),
                            QStringLiteral("Not started") }));
    QCOMPARE(f.layout(), layout);
    QVERIFY2(f.view.toolTipFor(f.model.jobAt(1).id)
                 .contains(QStringLiteral("Done before the restore, in 12.345 ms")),
             qPrintable(f.view.toolTipFor(f.model.jobAt(1).id)));
    QVERIFY(
        f.view.toolTipFor(f.model.jobAt(2).id).contains(QStringLiteral("Done before the restore")));
    QVERIFY(f.view.toolTipFor(f.model.jobAt(3).id).contains(QStringLiteral("Not started")));

    // Retried, a restored row is queued again like any other.
    QCOMPARE(f.model.requeue({ 1 }), 1);
    f.view.relayout();
    QCOMPARE(f.layout(), afterRetry);
}

void TestWaterfallView::filterProxyDecidesWhichRowsShow()
{
    Fixture f;
    addMixedList(f);
    JobTableProxyModel proxy;
    proxy.setSourceModel(&f.model);
    proxy.setStatusFilter(JobTableProxyModel::StatusFilter::Failed);
    QVERIFY(f.show());
    f.view.setModel(&f.model, &proxy);
    f.view.relayout();
    QCOMPARE(f.layout(), QStringLiteral("| 4"));
    QCOMPARE(f.view.groupLabels(), QStringList { QStringLiteral("Lane 2") });
    // A filter change reaches the view through the proxy's signals, at the refresh pace.
    proxy.setStatusFilter(JobTableProxyModel::StatusFilter::All);
    QTRY_COMPARE(f.view.layoutRowCount(), 6 + 4);
}

void TestWaterfallView::zoomKeepsThePointUnderTheCursor_data()
{
    QTest::addColumn<bool>("wheel");
    QTest::addColumn<double>("factor");
    QTest::newRow("zoom in twice as far") << false << 2.0;
    QTest::newRow("zoom in eight times") << false << 8.0;
    QTest::newRow("zoom in, then out a little") << false << 0.8;
    QTest::newRow("Ctrl+wheel, one notch in") << true << WaterfallView::ZoomStep;
    QTest::newRow("Ctrl+wheel, three notches in")
        << true << WaterfallView::ZoomStep * WaterfallView::ZoomStep * WaterfallView::ZoomStep;
}

void TestWaterfallView::zoomKeepsThePointUnderTheCursor()
{
    QFETCH(bool, wheel);
    QFETCH(double, factor);
    Fixture f;
    addMixedList(f);
    QVERIFY(f.show());
    if (factor < 1) // from the fitted view, zooming out has nowhere to scroll to: zoom in first
        f.view.zoomBy(4, f.view.xForTime(50 * NsPerMs));
    const double before = f.view.pixelsPerMs();
    const qint64 anchorNs = 40 * NsPerMs;
    const qreal x = f.view.xForTime(anchorNs);
    QSignalSpy zoomed(&f.view, &WaterfallView::zoomChanged);
    if (wheel) {
        const int notches = qRound(std::log(factor) / std::log(WaterfallView::ZoomStep));
        const QPointF at(x, f.view.viewport()->height() / 2.0);
        QWheelEvent event(at, f.view.viewport()->mapToGlobal(at), QPoint(),
                          QPoint(0, notches * AngleDeltaPerNotch), Qt::NoButton,
                          Qt::ControlModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(f.view.viewport(), &event);
    } else {
        f.view.zoomBy(factor, x);
    }
    QCOMPARE(zoomed.count(), 1);
    QVERIFY(!f.view.isFitting());
    QVERIFY(qAbs(f.view.pixelsPerMs() / before - factor) < 1e-9);
    QVERIFY2(
        qAbs(f.view.xForTime(anchorNs) - x) <= 1.0,
        qPrintable(
            QStringLiteral("40 ms moved from x=%1 to x=%2").arg(x).arg(f.view.xForTime(anchorNs))));
}

void TestWaterfallView::zoomLevelCanBeSetWithinTheLimits_data()
{
    QTest::addColumn<double>("asked");
    QTest::addColumn<double>("expected");

    QTest::newRow("a saved level is taken as it is") << 2.5 << 2.5;
    QTest::newRow("closer than a microsecond per pixel is not")
        << WaterfallView::MaxPixelsPerMs * 10 << WaterfallView::MaxPixelsPerMs;
    QTest::newRow("farther than an hour in 360 pixels is not")
        << WaterfallView::MinPixelsPerMs / 10 << WaterfallView::MinPixelsPerMs;
}

void TestWaterfallView::zoomLevelCanBeSetWithinTheLimits()
{
    QFETCH(double, asked);
    QFETCH(double, expected);

    Fixture f;
    addMixedList(f);
    QVERIFY(f.show());
    QVERIFY(f.view.isFitting());
    QSignalSpy zoomed(&f.view, &WaterfallView::zoomChanged);
    f.view.setPixelsPerMs(asked);
    QCOMPARE(f.view.pixelsPerMs(), expected);
    QVERIFY(!f.view.isFitting()); // a run that grows keeps this zoom
    QCOMPARE(zoomed.count(), 1);
    // And the axis follows it: a second is a thousand times that many pixels wide.
    constexpr qint64 SecondMs = 1000;
    const double secondPx = f.view.xForTime(f.view.originNs() + SecondMs * NsPerMs)
        - f.view.xForTime(f.view.originNs());
    QVERIFY2(std::abs(secondPx / (SecondMs * expected) - 1) < 1e-9,
             qPrintable(QString::number(secondPx)));
}

void TestWaterfallView::liveChangesLayOutLikeAFreshView_data()
{
    QTest::addColumn<WaterfallView::Grouping>("grouping");
    QTest::addColumn<JobTableProxyModel::StatusFilter>("show"); // applied again after each step

    using Show = JobTableProxyModel::StatusFilter;
    QTest::newRow("by lane") << WaterfallView::Grouping::Lane << Show::All;
    QTest::newRow("by lane, one line each") << WaterfallView::Grouping::LanePacked << Show::All;
    QTest::newRow("by host, whose order changes as hosts start")
        << WaterfallView::Grouping::Host << Show::All;
    QTest::newRow("by lane, only the active rows: rows come and go")
        << WaterfallView::Grouping::Lane << Show::Active;
    QTest::newRow("by lane, one line each, only the failed rows")
        << WaterfallView::Grouping::LanePacked << Show::Failed;
    QTest::newRow("by host, only the done rows") << WaterfallView::Grouping::Host << Show::Done;
}

void TestWaterfallView::liveChangesLayOutLikeAFreshView()
{
    // The view follows live changes row by row rather than laying out every row again; after
    // each change it must show what a view laid out from scratch shows.
    QFETCH(WaterfallView::Grouping, grouping);
    QFETCH(JobTableProxyModel::StatusFilter, show);

    constexpr int Count = 24;
    Fixture f;
    QStringList urls;
    for (int i = 0; i < Count; ++i)
        urls.append(QStringLiteral("http://host%1.test/%2").arg(i % 3).arg(i));
    f.add(urls, {});
    JobTableProxyModel proxy;
    proxy.setSourceModel(&f.model);
    proxy.setStatusFilter(show);
    f.view.setGrouping(grouping);
    QVERIFY(f.show());
    f.view.setModel(&f.model, &proxy);

    qint64 nowMs = 10;
    const auto start = [&](int row, int worker) {
        f.model.setQueuedAt(row, 0);
        f.model.markRunning(f.model.jobAt(row).id, ++nowMs * NsPerMs, worker);
    };
    const auto finish = [&](int row, JobState state) {
        Job job = f.model.jobAt(row);
        job.state = state;
        job.finishedAtNs = (nowMs += 3) * NsPerMs;
        f.model.finishJob(job);
    };
    const QList<std::function<void()>> steps = {
        // (Starts are announced by the next flush of progress, as the engine does it.)
        [&] {
            start(2, 0);
            start(5, 1);
            f.model.flushProgress();
        }, // host2 starts first
        [&] {
            start(0, 2);
            start(1, 0);
            f.model.flushProgress();
            finish(2, JobState::Succeeded);
        },
        [&] {
            finish(5, JobState::Failed);
            finish(1, JobState::Succeeded);
        },
        [&] { f.model.requeue({ 5 }); }, // back to "not started"
        [&] {
            start(5, 3);
            f.model.flushProgress();
        }, // its retry runs on another lane
        [&] { // finished straight from the queue: no start was ever seen
            Job job = timed(f.model.jobAt(7), simple(1, ++nowMs, 4));
            f.model.finishJob(job);
        },
        [&] { f.model.markCancelled(f.model.jobAt(9).id, ++nowMs * NsPerMs); },
        [&] { f.model.cancelQueued(++nowMs * NsPerMs); },
        [&] {
            f.model.requeue({ 0, 1, 2 });
        }, // the first starts go: the origin moves
    };
    for (int i = 0; i < steps.size(); ++i) {
        steps.at(i)();
        proxy.refilter(); // as the window does while a run goes on
        f.view.relayout();
        WaterfallView fresh;
        fresh.setGrouping(grouping);
        fresh.setModel(&f.model, &proxy);
        fresh.relayout();
        const QString where = QStringLiteral("after step %1").arg(i + 1);
        QVERIFY2(f.layout() == f.layout(fresh),
                 qPrintable(where + QStringLiteral(": ") + f.layout() + QStringLiteral(" vs ")
                            + f.layout(fresh)));
        QCOMPARE(f.view.groupLabels(), fresh.groupLabels());
        QCOMPARE(f.view.originNs(), fresh.originNs());
    }
}

void TestWaterfallView::keysAndButtonsZoomAndFit()
{
    Fixture f;
    addMixedList(f);
    QVERIFY(f.show());
    const double fitted = f.view.pixelsPerMs();
    f.view.setFocus();
    QTest::keyClick(&f.view, Qt::Key_Plus);
    QCOMPARE(f.view.pixelsPerMs(), fitted * WaterfallView::ZoomStep);
    QVERIFY(f.view.horizontalScrollBar()->maximum() > 0);
    QTest::keyClick(&f.view, Qt::Key_Plus);
    QTest::keyClick(&f.view, Qt::Key_Minus);
    QCOMPARE(f.view.pixelsPerMs(), fitted * WaterfallView::ZoomStep);
    QTest::keyClick(&f.view, Qt::Key_0);
    QVERIFY(f.view.isFitting());
    QCOMPARE(f.view.pixelsPerMs(), fitted);
    QCOMPARE(f.view.horizontalScrollBar()->maximum(), 0);
}

void TestWaterfallView::hoverShowsExactNumbersWithoutCredentials()
{
    Fixture f;
    Timing t = attempt(10, 560, { 8000, 5000, 250, 30'000, 11'750 }, JobState::Failed, 510);
    t.worker = 3;
    t.queuedMs = 2;
    const QList<quint64> ids =
        f.add({ QStringLiteral("https://user:secret@a.test/path?x=1") }, { t });
    Job job = f.model.jobAt(0);
    job.httpStatus = 503;
    job.attempts = 2;
    job.bytesReceived = 19;
    job.setErrorString(QStringLiteral("Service Unavailable"));
    f.model.finishJob(job);
    QVERIFY(f.show());

    const QString expected =
        QStringList {
            QStringLiteral("https://***@a.test/path?x=1"),
            QStringLiteral("Failed · HTTP 503 · %1 · 2 attempts").arg(formatBytes(19)),
            QStringLiteral("Lane 3 · thread 1"),
            QStringLiteral("Starts at +8.000 ms · queued 8.000 ms"),
            QStringLiteral("Earlier attempts and backoff: 500.000 ms"),
            QStringLiteral("Connect: 8.000 ms (TLS 5.000 ms)"),
            QStringLiteral("Send: 0.250 ms"),
            QStringLiteral("Wait (TTFB): 30.000 ms"),
            QStringLiteral("Receive: 11.750 ms"),
            QStringLiteral("Total: 550.000 ms"),
            QStringLiteral("Error: Service Unavailable"),
        }
            .join(QLatin1Char('\n'));
    QCOMPARE(f.view.toolTipFor(ids.at(0)), expected);

    // Hovering the row shows the same text; the password is nowhere.
    const QPoint at = f.centreOf(ids.at(0));
    QHelpEvent help(QEvent::ToolTip, at, f.view.viewport()->mapToGlobal(at));
    QApplication::sendEvent(f.view.viewport(), &help);
    QTRY_VERIFY(QToolTip::isVisible());
    QCOMPARE(QToolTip::text(), expected);
    QVERIFY(!QToolTip::text().contains(QLatin1String("secret")));
    QToolTip::hideText();
}

void TestWaterfallView::clickEmitsTheJobId()
{
    Fixture f;
    const QList<quint64> ids = addMixedList(f);
    QVERIFY(f.show());
    QSignalSpy clicked(&f.view, &WaterfallView::jobClicked);

    QTest::mouseClick(f.view.viewport(), Qt::LeftButton, Qt::NoModifier, f.centreOf(ids.at(2)));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.takeFirst().at(0).toULongLong(), ids.at(2));
    QCOMPARE(f.view.selectedJob(), ids.at(2));

    // A group header is not a job.
    QTest::mouseClick(f.view.viewport(), Qt::LeftButton, Qt::NoModifier,
                      f.view.rowRect(0).center());
    QCOMPARE(clicked.count(), 0);

    // One line per lane: the bar under the pointer, and nothing in the gap between two bars.
    f.view.setGrouping(WaterfallView::Grouping::LanePacked);
    const int laneRow = f.view.rowOfJob(ids.at(0));
    QCOMPARE(f.view.rowOfJob(ids.at(2)), laneRow); // jobs 1 (0-50 ms) and 3 (60-90 ms)
    const int y = f.view.rowRect(laneRow).center().y();
    QTest::mouseClick(f.view.viewport(), Qt::LeftButton, Qt::NoModifier,
                      QPoint(qRound(f.view.xForTime(75 * NsPerMs)), y));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.takeFirst().at(0).toULongLong(), ids.at(2));
    QTest::mouseClick(f.view.viewport(), Qt::LeftButton, Qt::NoModifier,
                      QPoint(qRound(f.view.xForTime(25 * NsPerMs)), y));
    QCOMPARE(clicked.takeFirst().at(0).toULongLong(), ids.at(0));
    f.view.zoomBy(8, f.view.xForTime(55 * NsPerMs)); // make the 10 ms gap wide enough to hit
    QTest::mouseClick(f.view.viewport(), Qt::LeftButton, Qt::NoModifier,
                      QPoint(qRound(f.view.xForTime(55 * NsPerMs)), y));
    QCOMPARE(clicked.count(), 0);
}

void TestWaterfallView::arrowKeysMoveTheSelection()
{
    Fixture f;
    const QList<quint64> ids = addMixedList(f);
    QVERIFY(f.show());
    QSignalSpy clicked(&f.view, &WaterfallView::jobClicked);
    f.view.setFocus();
    // Display order by lane: 1 3 2 5 4 6
    QTest::keyClick(&f.view, Qt::Key_Down);
    QCOMPARE(f.view.selectedJob(), ids.at(0));
    QTest::keyClick(&f.view, Qt::Key_Down);
    QTest::keyClick(&f.view, Qt::Key_Down);
    QCOMPARE(f.view.selectedJob(), ids.at(1));
    QTest::keyClick(&f.view, Qt::Key_Up);
    QCOMPARE(f.view.selectedJob(), ids.at(2));
    QCOMPARE(clicked.count(), 4);
    QCOMPARE(clicked.last().at(0).toULongLong(), ids.at(2));
    // Selecting from outside (the table) emits nothing back.
    f.view.setSelectedJob(ids.at(5));
    QCOMPARE(clicked.count(), 4);
}

void TestWaterfallView::runningBarsGrowWithTheClock()
{
    Fixture f;
    qint64 now = 200 * NsPerMs;
    f.view.setClock([&now] { return now; });
    Timing running;
    running.startMs = 100;
    running.state = JobState::Running;
    f.add({ QStringLiteral("http://a.test/1"), QStringLiteral("http://a.test/2") },
          { simple(0, 0, 100), running });
    QVERIFY(f.show());
    const double before = f.view.pixelsPerMs();
    // Twice the time on the clock: the fitted scale halves on a refresh tick, with no model
    // change at all.
    now = 400 * NsPerMs;
    QTRY_VERIFY(f.view.pixelsPerMs() < before * 0.75);
    QVERIFY(f.view.xForTime(now) <= f.view.viewport()->width());
}

void TestWaterfallView::followsRowsAddedAndRemoved()
{
    Fixture f;
    addMixedList(f);
    QVERIFY(f.show());
    QCOMPARE(f.view.layoutRowCount(), 6 + 4);
    f.model.removeRows(0, 2);
    QTRY_COMPARE(f.view.layoutRowCount(), 4 + 4);
    f.add({ QStringLiteral("http://d.test/7") }, { simple(7, 0, 10) });
    QTRY_COMPARE(f.view.layoutRowCount(), 5 + 5);
    f.model.clear();
    QTRY_COMPARE(f.view.layoutRowCount(), 0);
    QCOMPARE(f.view.jobAt(QPoint(10, 40)), quint64(0));
}

void TestWaterfallView::readableInADarkPalette()
{
    Fixture f;
    const QList<quint64> ids = f.add({ QStringLiteral("http://a.test/1") }, { simple(0, 0, 1000) });
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    f.view.setPalette(dark);
    QVERIFY(f.show());
    const QImage image = f.view.viewport()->grab().toImage();
    // The axis strip and the empty area take the palette's colours, the bars keep theirs, and
    // the labels are drawn in the palette's light text colour.
    QCOMPARE(QColor(image.pixel(1, 1)), dark.color(QPalette::Window));
    QCOMPARE(QColor(image.pixel(image.width() - 2, image.height() / 2)),
             dark.color(QPalette::Base));
    QCOMPARE(
        QColor(pixelAt(image, QPointF(f.view.xForTime(450 * NsPerMs), f.centreOf(ids.at(0)).y()))),
        WaterfallView::phaseColour(WaterfallView::Phase::Wait));
    int light = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width() / 4; ++x)
            light += QColor(image.pixel(x, y)).lightness() > 200 ? 1 : 0;
    }
    QVERIFY2(light > 20, "no light text in the gutter");
}

void TestWaterfallView::tenThousandJobsPaintOnlyTheVisibleRows()
{
    Fixture f;
    QStringList urls;
    QList<std::optional<Timing>> timings;
    for (int i = 0; i < TenThousand; ++i) {
        urls.append(QStringLiteral("http://h%1.test/item/%2").arg(i % 7).arg(i));
        const int lane = i % Lanes;
        const qint64 slot = i / Lanes;
        timings.append(simple(lane, slot * 20 + lane, 15 + (i % 5),
                              i % 97 == 0 ? JobState::Failed : JobState::Succeeded));
    }
    QElapsedTimer timer;
    timer.start();
    const QList<quint64> ids = f.add(urls, timings);
    QVERIFY(f.show());
    qInfo("10,000 jobs: added and laid out in %lld ms", qlonglong(timer.elapsed()));
    QCOMPARE(f.view.layoutRowCount(), TenThousand + Lanes);

    const int rowHeight = f.view.rowRect(0).height();
    const int mostVisible = f.view.viewport()->height() / rowHeight + 1;
    timer.restart();
    const QImage top = f.view.grab().toImage();
    qInfo("10,000 jobs: one paint took %lld ms", qlonglong(timer.elapsed()));
    QVERIFY(!top.isNull());
    QCOMPARE(f.view.firstPaintedRow(), 0);
    QVERIFY2(f.view.paintedRowCount() > 0 && f.view.paintedRowCount() <= mostVisible,
             qPrintable(QString::number(f.view.paintedRowCount())));

    f.view.verticalScrollBar()->setValue(f.view.verticalScrollBar()->maximum());
    f.view.grab();
    QCOMPARE(f.view.firstPaintedRow() + f.view.paintedRowCount(), f.view.layoutRowCount());
    QVERIFY(f.view.paintedRowCount() <= mostVisible);

    // What a refresh tick costs while a run goes on: one changed row, the layout rebuilt.
    f.model.finishJobs({ f.model.jobAt(0) });
    timer.restart();
    f.view.relayout();
    qInfo("10,000 jobs: relayout after a change took %lld ms", qlonglong(timer.elapsed()));

    // One line per lane draws every bar of the run at once: the most a paint can have to do.
    f.view.setGrouping(WaterfallView::Grouping::LanePacked);
    timer.restart();
    f.view.grab();
    qInfo("10,000 jobs on 16 lane lines: one paint took %lld ms", qlonglong(timer.elapsed()));
    QCOMPARE(f.view.paintedRowCount(), Lanes);
    f.view.setGrouping(WaterfallView::Grouping::Lane);

    // Choosing a job (as the table does) scrolls to it.
    f.view.verticalScrollBar()->setValue(0);
    const quint64 chosen = ids.at(TenThousand / 2);
    f.view.setSelectedJob(chosen);
    const QRect rect = f.view.rowRect(f.view.rowOfJob(chosen));
    QVERIFY(rect.top() >= 0 && rect.bottom() < f.view.viewport()->height());
    QCOMPARE(f.view.jobAt(rect.center()), chosen);

    // Zoomed in all the way, the content still fits the scroll bar's range.
    for (int i = 0; i < 100; ++i)
        f.view.zoomIn();
    QVERIFY(f.view.pixelsPerMs() <= WaterfallView::MaxPixelsPerMs);
    f.view.grab();
}

void TestWaterfallView::demoRunShowsLanesPhasesAndFailures()
{
    LoopbackServer server;
    QVERIFY2(server.listen(0, 4), qPrintable(server.errorString()));
    QList<QUrl> urls;
    for (const QString &url : demoUrls(server.baseUrl()))
        urls.append(QUrl(url));
    Fixture f;
    f.model.addEntries(entriesFor(urls));
    FetchEngine engine(&f.model);
    FetchOptions options = testOptions(DemoConcurrency);
    options.retries = 1; // the flaky URL succeeds on its second attempt, after a backoff
    options.retryBaseDelayMs = 150;
    engine.setOptions(options);
    f.view.setClock([&engine] { return engine.nowNs(); });
    QVERIFY(f.show());
    f.view.resize(ScreenshotSize);
    QVERIFY(runToEnd(engine));
    f.view.relayout();

    QStringList lanes;
    for (int lane = 0; lane < DemoConcurrency; ++lane)
        lanes.append(QStringLiteral("Lane %1").arg(lane));
    QCOMPARE(f.view.groupLabels(), lanes);
    QSet<WaterfallView::Phase> phases;
    int failed = 0;
    quint64 retriedFailure = 0;
    for (const Job &job : f.model.jobs()) {
        QVERIFY2(f.view.rowOfJob(job.id) >= 0, qPrintable(job.url.toString()));
        const QList<WaterfallView::Segment> segments =
            WaterfallView::segmentsOf(job, engine.nowNs());
        QVERIFY2(!segments.isEmpty(), qPrintable(job.url.toString()));
        for (const WaterfallView::Segment &segment : segments)
            phases.insert(segment.phase);
        failed += job.state == JobState::Failed ? 1 : 0;
        if (job.state == JobState::Failed && job.attempts > 1 && retriedFailure == 0)
            retriedFailure = job.id;
    }
    QVERIFY(failed > 0);
    QVERIFY(retriedFailure != 0);
    for (WaterfallView::Phase phase : { WaterfallView::Phase::Queued, WaterfallView::Phase::Backoff,
                                        WaterfallView::Phase::Wait, WaterfallView::Phase::Receive })
        QVERIFY2(phases.contains(phase), qPrintable(WaterfallView::phaseName(phase)));

    // The picture in the README: PARAFETCH_SCREENSHOT_DIR=resources/screenshots writes it there.
    // It shows a retried failure, chosen as a click in the table would.
    f.view.setSelectedJob(retriedFailure);
    const QString directory = qEnvironmentVariableIsSet("PARAFETCH_SCREENSHOT_DIR")
        ? qEnvironmentVariable("PARAFETCH_SCREENSHOT_DIR")
        : QString(DefaultScreenshotDir);
    QVERIFY(QDir().mkpath(directory));
    const QString path = QDir(directory).filePath(ScreenshotName);
    QVERIFY(f.view.grab().save(path, "PNG"));
    qInfo("waterfall of the demo run saved to %s", qPrintable(path));
    // And the lanes' occupancy, one line each, fitted to a smaller picture.
    f.view.setGrouping(WaterfallView::Grouping::LanePacked);
    f.view.resize(PackedScreenshotSize);
    f.view.relayout();
    const QString packedPath = QDir(directory).filePath(PackedScreenshotName);
    QVERIFY(f.view.grab().save(packedPath, "PNG"));
    qInfo("one line per lane saved to %s", qPrintable(packedPath));
}

void TestWaterfallView::liveBarShowsItsCurrentPhase_data()
{
    QTest::addColumn<int>("phase");
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("connecting") << int(LivePhase::Connecting) << qint64(0)
                                << QStringLiteral("Queued 0-10, Connect 10-70");
    QTest::newRow("sending") << int(LivePhase::Sending) << qint64(0)
                             << QStringLiteral("Queued 0-10, Send 10-70");
    QTest::newRow("waiting for the answer is wait, as the legend says")
        << int(LivePhase::Waiting) << qint64(0) << QStringLiteral("Queued 0-10, Wait 10-70");
    QTest::newRow("receiving") << int(LivePhase::Receiving) << qint64(500)
                               << QStringLiteral("Queued 0-10, Receive 10-70");
    QTest::newRow("waiting to retry")
        << int(LivePhase::BackingOff) << qint64(0) << QStringLiteral("Queued 0-10, Backoff 10-70");
    QTest::newRow("not reported yet")
        << int(LivePhase::Unknown) << qint64(0) << QStringLiteral("Queued 0-10, Other 10-70");
}

void TestWaterfallView::liveBarShowsItsCurrentPhase()
{
    QFETCH(int, phase);
    QFETCH(qint64, bytes);
    QFETCH(QString, expected);
    Timing running;
    running.startMs = 10;
    running.state = JobState::Running;
    Job job = timed(Job {}, running);
    job.bytesReceived = bytes;
    job.livePhase = LivePhase(phase);
    QCOMPARE(describe(WaterfallView::segmentsOf(job, 70 * NsPerMs)), expected);
}

// A request the server has not answered yet: the engine reports it waiting, and its bar is wait.
void TestWaterfallView::waitingRequestIsAWaitBar()
{
    ScriptedServer server;
    QVERIFY(server.listen());
    server.script("/silent", { ScriptedServer::hold() });
    JobQueueModel model;
    model.addEntries(entriesFor({ server.url("/silent") }));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(1));
    engine.start();
    QTRY_COMPARE(int(model.jobAt(0).livePhase), int(LivePhase::Waiting));
    const QList<WaterfallView::Segment> segments =
        WaterfallView::segmentsOf(model.jobAt(0), engine.nowNs());
    QVERIFY(!segments.isEmpty());
    QCOMPARE(segments.constLast().phase, WaterfallView::Phase::Wait);
    engine.cancelAll();
}

// Two runs a minute apart: the axis shows their busy time, and the minute between them as a
// narrow break that says how long it was.
void TestWaterfallView::idleGapIsCollapsedAndMarked()
{
    QLocale::setDefault(QLocale::c());
    Fixture f;
    f.add({ QStringLiteral("http://a.test/1"), QStringLiteral("http://a.test/2") },
          { simple(0, 0, 2000), simple(0, 62'000, 2000) });
    QVERIFY(f.show());
    constexpr qint64 Second = 1000 * NsPerMs;
    const QList<WaterfallView::IdleGap> gaps = f.view.idleGaps();
    QCOMPARE(gaps.size(), 1);
    QCOMPARE(gaps.at(0).startNs, 2 * Second);
    QCOMPARE(gaps.at(0).endNs, 62 * Second);
    QCOMPARE(WaterfallView::idleGapLabel(gaps.at(0).endNs - gaps.at(0).startNs),
             QStringLiteral("idle 60 s"));
    // The gap takes its fixed width, no more; the busy time takes the rest of the fitted axis.
    const int gapWidth = f.view.idleGapWidth();
    QVERIFY(gapWidth > 0 && gapWidth < f.view.viewport()->width() / 8);
    QCOMPARE(qRound(f.view.xForTime(62 * Second) - f.view.xForTime(2 * Second)), gapWidth);
    const double busyPx = 4000 * f.view.pixelsPerMs();
    QCOMPARE(qRound(f.view.xForTime(64 * Second) - f.view.xForTime(0)), qRound(busyPx + gapWidth));
    QVERIFY2(busyPx > f.view.viewport()->width() / 2, qPrintable(QString::number(busyPx)));
    QVERIFY(f.view.xForTime(64 * Second) <= f.view.viewport()->width());
    // Times map back through the break.
    for (const qint64 t : { 1 * Second, 32 * Second, 63 * Second })
        QVERIFY2(qAbs(f.view.timeAtX(f.view.xForTime(t)) - t) < NsPerMs,
                 qPrintable(QString::number(t)));
    // Zooming keeps the break at its width.
    f.view.zoomIn();
    QCOMPARE(qRound(f.view.xForTime(62 * Second) - f.view.xForTime(2 * Second)), gapWidth);
}

// Rows that never started (queued, or restored from a journal) have no time to show: the axis
// stays empty instead of counting 0.000 ms, 0.001 ms, ...
void TestWaterfallView::notStartedRowsHaveNoAxis()
{
    Fixture f;
    f.add({ QStringLiteral("http://a.test/1"), QStringLiteral("http://a.test/2") },
          { std::nullopt, std::nullopt });
    QVERIFY(f.show());
    QVERIFY(f.view.idleGaps().isEmpty());
    const QImage image = f.view.viewport()->grab().toImage();
    const int axisBottom = f.view.rowRect(0).top() - 2;
    const QColor window = f.view.palette().color(QPalette::Window);
    int inked = 0;
    for (int y = 1; y < axisBottom; ++y)
        for (int x = image.width() / 4 + 10; x < image.width(); ++x) // right of the gutter
            inked += QColor(image.pixel(x, y)) != window ? 1 : 0;
    QCOMPARE(inked, 0);
}

QTEST_MAIN(TestWaterfallView)
#include "tst_waterfallview.moc"
