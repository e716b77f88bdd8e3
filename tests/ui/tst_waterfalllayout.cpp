// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's layout on plain Job records: groups, rows, placements, live updates, filtering.
#include "waterfalllayout.h"

#include <QTest>

#include <set>

using namespace Parafetch;

Q_DECLARE_METATYPE(Parafetch::WaterfallLayout::Grouping)

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 QueuedMsBeforeStart = 2;

using Grouping = WaterfallLayout::Grouping;

// One URL: its name (the path), host, lane and times in ms (-1: not started or not finished).
Job job(const QString &name, const QString &host, int worker, qint64 startMs, qint64 endMs)
{
    Job job;
    job.url = QUrl(QStringLiteral("http://%1/%2").arg(host, name));
    job.worker = startMs >= 0 ? worker : -1;
    job.queuedAtNs = startMs >= 0 ? (startMs - QueuedMsBeforeStart) * NsPerMs : 0;
    job.startedAtNs = job.attemptStartedAtNs = startMs >= 0 ? startMs * NsPerMs : -1;
    job.finishedAtNs = endMs >= 0 ? endMs * NsPerMs : -1;
    job.state = startMs < 0 ? JobState::Queued
        : endMs < 0         ? JobState::Running
                            : JobState::Succeeded;
    return job;
}

// Six URLs: two lanes (lane 1's first URL started before lane 0's), one still running, a result
// restored from an earlier run, one not started; on four hosts, one of them with a port.
std::vector<Job> sixJobs()
{
    std::vector<Job> jobs { job(QStringLiteral("a"), QStringLiteral("x.test"), 1, 30, 50),
                            job(QStringLiteral("b"), QStringLiteral("y.test"), 0, 10, 40),
                            job(QStringLiteral("c"), QStringLiteral("x.test"), 0, 20, 30),
                            job(QStringLiteral("d"), QStringLiteral("y.test:8080"), 0, -1, -1),
                            job(QStringLiteral("e"), QStringLiteral("x.test"), 0, -1, -1),
                            job(QStringLiteral("f"), QStringLiteral("z.test"), 1, 5, -1) };
    Job &restored = jobs[4];
    restored.state = JobState::Succeeded;
    restored.restored = true;
    restored.setRestoredDurationNs(7 * NsPerMs);
    // b and c one after the other on h2 connection 3 (lane 0), a on connection 7 (lane 1).
    for (const int row : { 1, 2 }) {
        jobs[std::size_t(row)].connectionId = 3;
        jobs[std::size_t(row)].protocol = "h2";
    }
    jobs[0].connectionId = 7;
    jobs[0].protocol = "http/1.1";
    return jobs;
}

WaterfallLayout::Source sourceOf(const std::vector<Job> &jobs, const std::set<int> *shown = nullptr)
{
    WaterfallLayout::Source source;
    source.count = int(jobs.size());
    source.jobAt = [&jobs](int row) -> const Job & { return jobs[std::size_t(row)]; };
    if (shown)
        source.shownRows = [shown] { return std::vector<int>(shown->begin(), shown->end()); };
    return source;
}

WaterfallLayout laidOut(const std::vector<Job> &jobs, Grouping grouping,
                        const std::set<int> *shown = nullptr)
{
    WaterfallLayout layout;
    layout.setGrouping(grouping);
    layout.update(sourceOf(jobs, shown));
    return layout;
}

// The rows as a person reads them: "[group: URLs]" for a header, the URLs of a row, and for a
// lane's line "group: URLs"; then the span of the jobs shown.
QString describe(const WaterfallLayout &layout, const std::vector<Job> &jobs)
{
    QStringList rows;
    for (const WaterfallLayout::Row &row : layout.rows()) {
        const WaterfallLayout::Group &group = layout.groups().at(row.group);
        if (row.header) {
            rows << QStringLiteral("[%1: %2]").arg(group.label).arg(group.jobs);
            continue;
        }
        QStringList names;
        for (int item = row.first; item < row.first + row.count; ++item)
            names << jobs[std::size_t(layout.items()[std::size_t(item)])].url.path().mid(1);
        const QString urls = names.join(QLatin1Char(' '));
        rows << (layout.grouping() == Grouping::LanePacked
                     ? group.label + QStringLiteral(": ") + urls
                     : urls);
    }
    return rows.join(QStringLiteral(" | "))
        + QStringLiteral(" (from %1 ms to %2 ms%3)")
              .arg(layout.originNs() / NsPerMs)
              .arg(layout.lastEndNs() / NsPerMs)
              .arg(layout.hasRunning() ? QStringLiteral(", running") : QString());
}

enum class Change { Starts, Finishes, Retried, MovesLane, StartsFirstOfItsHost, JoinsConnection };

void apply(Change change, std::vector<Job> &jobs, int *row)
{
    switch (change) {
    case Change::Starts:
        *row = 3;
        jobs[3] = job(QStringLiteral("d"), QStringLiteral("y.test:8080"), 0, 60, -1);
        break;
    case Change::Finishes:
        *row = 5;
        jobs[5] = job(QStringLiteral("f"), QStringLiteral("z.test"), 1, 5, 70);
        break;
    case Change::Retried: // the job that ended last runs again: the span shrinks
        *row = 0;
        jobs[0] = job(QStringLiteral("a"), QStringLiteral("x.test"), 1, 30, -1);
        break;
    case Change::MovesLane:
        *row = 2;
        jobs[2] = job(QStringLiteral("c"), QStringLiteral("x.test"), 1, 20, 30);
        break;
    case Change::StartsFirstOfItsHost: // and first of the run: the groups' order changes
        *row = 3;
        jobs[3] = job(QStringLiteral("d"), QStringLiteral("y.test:8080"), 0, 4, -1);
        break;
    case Change::JoinsConnection: // answered on the connection b and c took
        *row = 5;
        jobs[5] = job(QStringLiteral("f"), QStringLiteral("z.test"), 1, 5, 70);
        jobs[5].connectionId = 3;
        jobs[5].protocol = "h2";
        break;
    }
}

} // namespace

Q_DECLARE_METATYPE(Change)

class TestWaterfallLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupsAndRows_data();
    void groupsAndRows();
    void placementsFollowTheRows();
    void liveChangeEqualsAFullLayout_data();
    void liveChangeEqualsAFullLayout();
    void jobsAddedWithoutNoticeLayOutAgain();
    void filteredRowsEqualAFullLayout_data();
    void filteredRowsEqualAFullLayout();
    void filterChangesThatCannotBeTakenInOneByOne();
    void emptyLayout();
};

void TestWaterfallLayout::groupsAndRows_data()
{
    QTest::addColumn<Grouping>("grouping");
    QTest::addColumn<QString>("expected");

    QTest::newRow("lanes: a header per lane, by start; restored, then not started, last")
        << Grouping::Lane
        << QStringLiteral("[Lane 0: 2] | b | c | [Lane 1: 2] | f | a | "
                          "[Done before the restore: 1] | e | [Not started: 1] | d "
                          "(from 3 ms to 50 ms, running)");
    QTest::newRow("lanes, one line each")
        << Grouping::LanePacked
        << QStringLiteral("Lane 0: b c | Lane 1: f a | Done before the restore: e | "
                          "Not started: d (from 3 ms to 50 ms, running)");
    QTest::newRow("hosts: by first start, the port kept, unstarted URLs last")
        << Grouping::Host
        << QStringLiteral("[z.test: 1] | f | [y.test: 1] | b | [x.test: 3] | c | a | e | "
                          "[y.test:8080: 1] | d (from 3 ms to 50 ms, running)");
    QTest::newRow("connections: by number, h2 said; no connection yet (running, queued) last")
        << Grouping::Connection
        << QStringLiteral("[Connection #3 (HTTP/2): 2] | b | c | [Connection #7: 1] | a | "
                          "[Done before the restore: 1] | e | [No connection yet: 2] | f | d "
                          "(from 3 ms to 50 ms, running)");
}

void TestWaterfallLayout::groupsAndRows()
{
    QFETCH(Grouping, grouping);
    QFETCH(QString, expected);
    const std::vector<Job> jobs = sixJobs();
    const WaterfallLayout layout = laidOut(jobs, grouping);
    QCOMPARE(describe(layout, jobs), expected);
    QVERIFY(!layout.isPending());
}

void TestWaterfallLayout::placementsFollowTheRows()
{
    const std::vector<Job> jobs = sixJobs();
    WaterfallLayout layout = laidOut(jobs, Grouping::Lane);
    // a b c d e f by source row; rows 0, 3, 6 and 8 are headers.
    const QList<int> rows { 5, 1, 2, 9, 7, 4 };
    const QList<int> items { 3, 0, 1, 5, 4, 2 };
    for (int source = 0; source < int(jobs.size()); ++source) {
        QCOMPARE(layout.rowOfSource(source), rows.at(source));
        QCOMPARE(layout.itemOfSource(source), items.at(source));
        QCOMPARE(layout.items()[std::size_t(items.at(source))], source);
    }
    QCOMPARE(layout.rowOfSource(-1), -1);
    QCOMPARE(layout.rowOfSource(int(jobs.size())), -1);

    layout.setGrouping(Grouping::LanePacked);
    QVERIFY(layout.isPending());
    layout.update(sourceOf(jobs));
    QCOMPARE(layout.rowOfSource(1), 0); // b and c on lane 0's line
    QCOMPARE(layout.rowOfSource(2), 0);
    QCOMPARE(layout.rowOfSource(0), 1);
    QCOMPARE(layout.rows()[1].first, 2);
    QCOMPARE(layout.rows()[1].count, 2);
}

void TestWaterfallLayout::liveChangeEqualsAFullLayout_data()
{
    QTest::addColumn<Grouping>("grouping");
    QTest::addColumn<Change>("change");

    const std::pair<const char *, Grouping> groupings[] = {
        { "lanes", Grouping::Lane },
        { "lane lines", Grouping::LanePacked },
        { "hosts", Grouping::Host },
        { "connections", Grouping::Connection },
    };
    const std::pair<const char *, Change> changes[] = {
        { "a queued job starts", Change::Starts },
        { "a running job finishes", Change::Finishes },
        { "the last to finish is retried", Change::Retried },
        { "a job moves lane", Change::MovesLane },
        { "a job starts before all others", Change::StartsFirstOfItsHost },
        { "a job is answered on a connection", Change::JoinsConnection },
    };
    for (const auto &[groupingName, grouping] : groupings) {
        for (const auto &[changeName, change] : changes)
            QTest::addRow("%s: %s", groupingName, changeName) << grouping << change;
    }
}

void TestWaterfallLayout::liveChangeEqualsAFullLayout()
{
    QFETCH(Grouping, grouping);
    QFETCH(Change, change);
    std::vector<Job> jobs = sixJobs();
    WaterfallLayout live = laidOut(jobs, grouping);
    int row = -1;
    apply(change, jobs, &row);
    live.noteChanged(row, row);
    QVERIFY(live.isPending());
    QVERIFY(live.update(sourceOf(jobs)));
    QVERIFY(!live.isPending());
    QCOMPARE(describe(live, jobs), describe(laidOut(jobs, grouping), jobs));
}

void TestWaterfallLayout::jobsAddedWithoutNoticeLayOutAgain()
{
    std::vector<Job> jobs = sixJobs();
    WaterfallLayout layout = laidOut(jobs, Grouping::Lane);
    jobs.push_back(job(QStringLiteral("g"), QStringLiteral("x.test"), 2, 45, 80));
    layout.noteChanged(6, 6); // announced as a change, but the row is new
    layout.update(sourceOf(jobs));
    QCOMPARE(describe(layout, jobs), describe(laidOut(jobs, Grouping::Lane), jobs));
    QCOMPARE(layout.rowOfSource(6), 7); // under its own lane's header, before the restored
}

void TestWaterfallLayout::filteredRowsEqualAFullLayout_data()
{
    QTest::addColumn<Grouping>("grouping");
    QTest::addColumn<QList<int>>("hidden");
    QTest::addColumn<QList<int>>("shownAgain");

    QTest::newRow("lanes: two hidden") << Grouping::Lane << QList<int> { 1, 5 } << QList<int> {};
    QTest::newRow("lanes: the first start hidden moves the origin")
        << Grouping::Lane << QList<int> { 5 } << QList<int> {};
    QTest::newRow("lanes: hidden and shown again")
        << Grouping::Lane << QList<int> { 1, 5 } << QList<int> { 1 };
    QTest::newRow("lane lines: a whole lane hidden")
        << Grouping::LanePacked << QList<int> { 0, 5 } << QList<int> {};
    QTest::newRow("lane lines: all hidden")
        << Grouping::LanePacked << QList<int> { 0, 1, 2, 3, 4, 5 } << QList<int> {};
    QTest::newRow("connections: one of a connection and the running one hidden")
        << Grouping::Connection << QList<int> { 1, 5 } << QList<int> {};
}

void TestWaterfallLayout::filteredRowsEqualAFullLayout()
{
    QFETCH(Grouping, grouping);
    QFETCH(QList<int>, hidden);
    QFETCH(QList<int>, shownAgain);
    const std::vector<Job> jobs = sixJobs();
    WaterfallLayout live = laidOut(jobs, grouping);
    std::set<int> shown { 0, 1, 2, 3, 4, 5 };
    QVERIFY(live.takesFiltered(int(hidden.size() + shownAgain.size())));
    for (int row : hidden) {
        live.noteFiltered(row, false);
        shown.erase(row);
    }
    for (int row : shownAgain) {
        live.noteFiltered(row, true);
        shown.insert(row);
    }
    QVERIFY(!live.isInvalidated()); // taken in row by row
    live.update(sourceOf(jobs, &shown));
    QCOMPARE(describe(live, jobs), describe(laidOut(jobs, grouping, &shown), jobs));
    for (int row : hidden) {
        if (!shown.count(row))
            QCOMPARE(live.rowOfSource(row), -1);
    }
}

void TestWaterfallLayout::filterChangesThatCannotBeTakenInOneByOne()
{
    const std::vector<Job> jobs = sixJobs();
    // Hosts rank by first start, which any shown or hidden row may change.
    QVERIFY(!laidOut(jobs, Grouping::Host).takesFiltered(1));
    // More changes than rows: cheaper all at once.
    QVERIFY(!laidOut(jobs, Grouping::Lane).takesFiltered(7));
    // A row not laid out yet (the model is inserting it).
    WaterfallLayout layout = laidOut(jobs, Grouping::Lane);
    layout.noteFiltered(6, true);
    QVERIFY(layout.isInvalidated());
    // Nothing laid out yet.
    QVERIFY(!WaterfallLayout().takesFiltered(1));
}

void TestWaterfallLayout::emptyLayout()
{
    const std::vector<Job> none;
    WaterfallLayout layout = laidOut(none, Grouping::Lane);
    QVERIFY(layout.rows().empty());
    QVERIFY(!layout.hasStarted());
    QCOMPARE(layout.originNs(), qint64(0));
    QVERIFY(!layout.hasRunning());
    QVERIFY(!layout.update(sourceOf(none))); // nothing pending
}

QTEST_APPLESS_MAIN(TestWaterfallLayout)
#include "tst_waterfalllayout.moc"
