// SPDX-License-Identifier: GPL-3.0-or-later
// Comparing two runs: per-URL changes, figures, and the --fail-if rule grammar.
#include "run/runcompare.h"
#include "testsupport.h"

#include <QTest>

#include <cmath>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;

Job job(const QString &url, JobState state, int status, qint64 durationMs,
        ErrorKind kind = ErrorKind::None)
{
    Job result;
    result.url = QUrl(url);
    result.state = state;
    result.httpStatus = status;
    result.errorKind = kind;
    result.startedAtNs = 0;
    result.finishedAtNs = durationMs * NsPerMs;
    return result;
}

Job ok(const QString &url, qint64 durationMs)
{
    return job(url, JobState::Succeeded, 200, durationMs);
}

Job notFound(const QString &url, qint64 durationMs)
{
    return job(url, JobState::Failed, 404, durationMs, ErrorKind::HttpStatus);
}

// A: 20 URLs of 100 ms each and one 404. B: the same but 200 ms each and the 404 fixed.
QList<Job> runA()
{
    QList<Job> jobs;
    for (int i = 0; i < 20; ++i)
        jobs.append(ok(QStringLiteral("http://h/%1").arg(i), 100));
    jobs.append(notFound(QStringLiteral("http://h/broken"), 5));
    return jobs;
}

QList<Job> runB()
{
    QList<Job> jobs;
    for (int i = 0; i < 20; ++i)
        jobs.append(ok(QStringLiteral("http://h/%1").arg(i), 200));
    jobs.append(ok(QStringLiteral("http://h/broken"), 10));
    return jobs;
}

} // namespace

class TestRunCompare : public QObject
{
    Q_OBJECT

private slots:
    void changesPerUrl();
    void urlsAreMatchedByTheirMaskedText();
    void figuresIncludeP95();
    void rulesParseAndEvaluate_data();
    void rulesParseAndEvaluate();
    void badRulesAreNamedWithTheirFault_data();
    void badRulesAreNamedWithTheirFault();
    void unknownFiguresFailTheirRule();
    void ruleListsSplitOnCommas();
};

void TestRunCompare::changesPerUrl()
{
    const QList<Job> a = { ok(QStringLiteral("http://h/same"), 100),
                           ok(QStringLiteral("http://h/breaks"), 100),
                           notFound(QStringLiteral("http://h/fixed"), 10),
                           notFound(QStringLiteral("http://h/other-error"), 10),
                           ok(QStringLiteral("http://h/gone"), 10) };
    const QList<Job> b = {
        ok(QStringLiteral("http://h/new"), 30), ok(QStringLiteral("http://h/same"), 150),
        job(QStringLiteral("http://h/breaks"), JobState::Failed, 0, 2000, ErrorKind::TimedOut),
        ok(QStringLiteral("http://h/fixed"), 20),
        job(QStringLiteral("http://h/other-error"), JobState::Failed, 500, 10,
            ErrorKind::HttpStatus)
    };

    const RunComparison comparison = RunComparison::compare(a, b);

    const QList<QPair<QString, UrlChange>> expected = {
        { QStringLiteral("http://h/new"), UrlChange::OnlyInB },
        { QStringLiteral("http://h/same"), UrlChange::Unchanged },
        { QStringLiteral("http://h/breaks"), UrlChange::NewFailure },
        { QStringLiteral("http://h/fixed"), UrlChange::Fixed },
        { QStringLiteral("http://h/other-error"), UrlChange::StatusChanged },
        { QStringLiteral("http://h/gone"), UrlChange::OnlyInA }, // after B's, in A's order
    };
    QCOMPARE(comparison.diffs.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i) {
        QCOMPARE(comparison.diffs.at(i).url, expected.at(i).first);
        QCOMPARE(urlChangeName(comparison.diffs.at(i).change),
                 urlChangeName(expected.at(i).second));
    }
    for (UrlChange change : { UrlChange::Unchanged, UrlChange::StatusChanged, UrlChange::NewFailure,
                              UrlChange::Fixed, UrlChange::OnlyInA, UrlChange::OnlyInB })
        QCOMPARE(comparison.count(change), 1);

    const UrlDiff &same = comparison.diffs.at(1);
    QVERIFY(same.hasTimeDelta());
    QCOMPARE(same.timeDeltaNs(), 50 * NsPerMs);
    const UrlDiff &breaks = comparison.diffs.at(2);
    QCOMPARE(breaks.statusA, 200);
    QCOMPARE(breaks.kindB, ErrorKind::TimedOut);
    QVERIFY(!comparison.diffs.at(0).hasTimeDelta()); // only in B: nothing to subtract
    QCOMPARE(comparison.diffs.at(0).durationB, 30 * NsPerMs);
}

void TestRunCompare::urlsAreMatchedByTheirMaskedText()
{
    // An export masks credentials; the live run has them. They are the same URL.
    const QList<Job> a = { ok(QStringLiteral("https://***@h/a"), 10) };
    const QList<Job> b = { ok(QStringLiteral("https://user:secret@h/a"), 10),
                           ok(QStringLiteral("https://h/a"), 10) };

    const RunComparison comparison = RunComparison::compare(a, b);

    QCOMPARE(comparison.count(UrlChange::Unchanged), 1);
    QCOMPARE(comparison.count(UrlChange::OnlyInB), 1);
    for (const UrlDiff &diff : comparison.diffs)
        QVERIFY2(!diff.url.contains(QLatin1String("secret")), qPrintable(diff.url));
}

void TestRunCompare::figuresIncludeP95()
{
    QList<Job> jobs;
    for (int i = 1; i <= 100; ++i)
        jobs.append(ok(QStringLiteral("http://h/%1").arg(i), i));
    jobs.append(job(QStringLiteral("http://h/queued"), JobState::Queued, 0, 0));
    jobs.last().startedAtNs = jobs.last().finishedAtNs = -1;

    const RunFigures figures = RunFigures::of(jobs);

    QCOMPARE(figures.total, 101);
    QCOMPARE(figures.succeeded, 100);
    QCOMPARE(figures.p50Ns, 50 * NsPerMs);
    QCOMPARE(figures.p95Ns, 95 * NsPerMs);
    QCOMPARE(figures.p99Ns, 99 * NsPerMs);
    QCOMPARE(figures.wallNs, 100 * NsPerMs);
    QCOMPARE(figures.serialNs, 5050 * NsPerMs);
}

void TestRunCompare::rulesParseAndEvaluate_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<bool>("needsComparison");
    QTest::addColumn<bool>("fails");
    QTest::addColumn<double>("value");

    // A: p95 100 ms, failed 1; B: p95 200 ms, failed 0, 21 succeeded, serial 4010 ms over a
    // wall of 200 ms.
    QTest::newRow("p95>2s holds not at 0.2 s") << "p95>2s" << false << false << 0.2;
    QTest::newRow("p95>150ms holds at 200 ms") << "p95>150ms" << false << true << 200.0;
    QTest::newRow("p50>=200ms holds at exactly 200 ms") << "p50>=200ms" << false << true << 200.0;
    QTest::newRow("p50>200ms holds not at exactly 200 ms")
        << "p50>200ms" << false << false << 200.0;
    QTest::newRow("failed>0 holds not without failures") << "failed>0" << false << false << 0.0;
    QTest::newRow("succeeded<100 holds at 21") << "succeeded<100" << false << true << 21.0;
    QTest::newRow("total==21 holds") << "total==21" << false << true << 21.0;
    QTest::newRow("total!=21 holds not") << "total != 21" << false << false << 21.0;
    QTest::newRow("upper case and spaces are fine") << " P95 > 2 S " << false << false << 0.2;
    QTest::newRow("speedup<1x holds not at 20.05") << "speedup<1x" << false << false << 20.05;
    QTest::newRow("p95_delta>10% holds at +100%") << "p95_delta>10%" << true << true << 100.0;
    QTest::newRow("p95_delta>50ms holds at +100 ms") << "p95_delta>50ms" << true << true << 100.0;
    QTest::newRow("failed_delta<0 holds at -1") << "failed_delta<0" << true << true << -1.0;
    QTest::newRow("failed_delta>0% holds not at -100%")
        << "failed_delta>0%" << true << false << -100.0;
    QTest::newRow("cancelled_delta>0% from 0 to 0 is 0%")
        << "cancelled_delta>0%" << true << false << 0.0;
    QTest::newRow("new_failures>0 holds not") << "new_failures>0" << true << false << 0.0;
    QTest::newRow("fixed>=1 holds for the fixed 404") << "fixed>=1" << true << true << 1.0;
}

void TestRunCompare::rulesParseAndEvaluate()
{
    QFETCH(QString, rule);
    QFETCH(bool, needsComparison);
    QFETCH(bool, fails);
    QFETCH(double, value);

    QString error;
    const std::optional<FailRule> parsed = FailRule::parse(rule, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->needsComparison(), needsComparison);
    QCOMPARE(parsed->text(), rule.trimmed());

    const RunComparison comparison = RunComparison::compare(runA(), runB());
    const FailRule::Outcome outcome = parsed->evaluate(comparison.b, &comparison);
    QVERIFY(outcome.known);
    QCOMPARE(outcome.failed, fails);
    QVERIFY2(std::abs(outcome.value - value) < 1e-9,
             qPrintable(QStringLiteral("%1 is %2").arg(rule).arg(outcome.value)));
}

void TestRunCompare::badRulesAreNamedWithTheirFault_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("a time without a unit") << "p95>2"
                                           << "give a unit";
    QTest::newRow("an unknown unit") << "p95>2h"
                                     << "unknown unit 'h'";
    QTest::newRow("an unknown figure") << "latency>2s"
                                       << "unknown figure 'latency'";
    QTest::newRow("a count with a unit") << "failed>1s"
                                         << "takes no unit";
    QTest::newRow("a percentage of an absolute figure") << "p95>10%"
                                                        << "p95_delta";
    QTest::newRow("a delta of a per-URL count") << "fixed_delta>0"
                                                << "no _delta";
    QTest::newRow("no operator") << "p95 2s"
                                 << "FIGURE OP NUMBER";
    QTest::newRow("a single =") << "failed=0"
                                << "FIGURE OP NUMBER";
    QTest::newRow("no number") << "failed>"
                               << "FIGURE OP NUMBER";
    QTest::newRow("empty") << ""
                           << "FIGURE OP NUMBER";
}

void TestRunCompare::badRulesAreNamedWithTheirFault()
{
    QFETCH(QString, rule);
    QFETCH(QString, mentions);

    QString error;
    QVERIFY(!FailRule::parse(rule, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("'%1'").arg(rule)), qPrintable(error));
}

void TestRunCompare::unknownFiguresFailTheirRule()
{
    // Nothing finished: no percentiles. CI cannot tell that p95 is below 2 s.
    QList<Job> queued = { job(QStringLiteral("http://h/1"), JobState::Queued, 0, 0) };
    queued.first().startedAtNs = queued.first().finishedAtNs = -1;
    const RunFigures figures = RunFigures::of(queued);

    const auto below = FailRule::parse(QStringLiteral("p95>2s"), nullptr);
    QVERIFY(below);
    const FailRule::Outcome outcome = below->evaluate(figures);
    QVERIFY(!outcome.known);
    QVERIFY(outcome.failed);

    // A comparison rule without a comparison is unknown too.
    const auto delta = FailRule::parse(QStringLiteral("p95_delta>10%"), nullptr);
    QVERIFY(delta);
    QVERIFY(delta->evaluate(RunFigures::of(runB())).failed);

    // A relative change from 0 to something is infinite, so any positive limit is passed.
    const auto fromZero = FailRule::parse(QStringLiteral("failed_delta>1000%"), nullptr);
    QVERIFY(fromZero);
    const RunComparison comparison = RunComparison::compare(runB(), runA());
    const FailRule::Outcome infinite = fromZero->evaluate(comparison.b, &comparison);
    QVERIFY(infinite.known);
    QVERIFY(std::isinf(infinite.value));
    QVERIFY(infinite.failed);
}

void TestRunCompare::ruleListsSplitOnCommas()
{
    QList<FailRule> rules;
    QString error;
    QVERIFY2(FailRule::parseList({ QStringLiteral("p95>2s,failed>0"), QStringLiteral("wall>1s") },
                                 &rules, &error),
             qPrintable(error));
    QCOMPARE(rules.size(), 3);
    QCOMPARE(rules.at(1).text(), QStringLiteral("failed>0"));

    QVERIFY(!FailRule::parseList({ QStringLiteral("p95>2s,bogus>1") }, &rules, &error));
    QVERIFY2(error.contains(QLatin1String("'bogus>1'")), qPrintable(error));
    QCOMPARE(rules.size(), 3); // untouched on error
}

QTEST_GUILESS_MAIN(TestRunCompare)
#include "tst_runcompare.moc"
