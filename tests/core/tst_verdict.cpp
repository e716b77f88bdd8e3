// SPDX-License-Identifier: GPL-3.0-or-later
// Verdict: each finding appears on a constructed run made to show it, and not on one made not to.
#include "run/verdict.h"

#include <QSet>
#include <QTest>

#include <algorithm>
#include <vector>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 UsPerMs = 1000;
constexpr qint64 MiB = 1024 * 1024;

struct Spec
{
    qint64 durationMs = 10;
    qint64 waitMs = 1;
    qint64 bytes = 1000;
    qint64 connectMs = 0; // 0 = a reused connection
    int attempts = 1;
    qint64 retryMs = 0; // failed attempts and backoff before the last attempt
    QString host = QStringLiteral("example.com");
};

// The jobs placed as the engine places them: list order, each on the first lane to come free.
QList<Job> scheduled(const QList<Spec> &specs, int workers, qint64 startMs = 0)
{
    std::vector<qint64> freeAtMs(std::size_t(workers), startMs);
    QList<Job> jobs;
    int line = 0;
    for (const Spec &spec : specs) {
        const auto lane = std::min_element(freeAtMs.begin(), freeAtMs.end());
        Job job;
        job.sourceLine = ++line;
        job.url = QUrl(QStringLiteral("https://%1/file/%2").arg(spec.host).arg(line));
        job.state = JobState::Succeeded;
        job.httpStatus = 200;
        job.worker = int(lane - freeAtMs.begin());
        job.attempts = spec.attempts;
        job.startedAtNs = *lane * NsPerMs;
        job.attemptStartedAtNs = job.startedAtNs + spec.retryMs * NsPerMs;
        job.finishedAtNs = job.startedAtNs + spec.durationMs * NsPerMs;
        job.connectUs = spec.connectMs > 0 ? spec.connectMs * UsPerMs : -1;
        job.tlsUs = spec.connectMs > 0 ? spec.connectMs * UsPerMs / 2 : -1;
        job.sendUs = 0;
        job.waitUs = spec.waitMs * UsPerMs;
        job.receiveUs = (spec.durationMs - spec.retryMs - spec.connectMs - spec.waitMs) * UsPerMs;
        job.bytesReceived = spec.bytes;
        *lane += spec.durationMs;
        jobs.append(job);
    }
    return jobs;
}

QList<Spec> repeated(int count, const Spec &spec)
{
    return QList<Spec>(count, spec);
}

// count jobs run one after another alone, then `workers` at once: the loads the findings on
// slowdowns compare.
QList<Job> aloneThenTogether(int workers, const Spec &alone, const Spec &together)
{
    QList<Job> jobs = scheduled(repeated(4, alone), 1);
    const qint64 later = jobs.last().finishedAtNs / NsPerMs + 10;
    jobs += scheduled(repeated(workers, together), workers, later);
    return jobs;
}

using Kinds = QSet<Finding::Kind>;

} // namespace

Q_DECLARE_METATYPE(VerdictSettings)

class TestVerdict : public QObject
{
    Q_OBJECT

private slots:
    void findings_data();
    void findings();
    void stragglerIsNamedWithItsShare();
    void restoredAndUnfinishedJobsDoNotCount();
};

void TestVerdict::findings_data()
{
    QTest::addColumn<QList<Job>>("jobs");
    QTest::addColumn<VerdictSettings>("settings");
    QTest::addColumn<Kinds>("expected");

    using K = Finding::Kind;
    const VerdictSettings sixteen { 16, 0, 0 };
    const VerdictSettings eight { 8, 0, 0 };

    QTest::newRow("100 uniform URLs at 16 workers: nothing to say")
        << scheduled(repeated(100, { 50 }), 16) << sixteen << Kinds {};
    Spec slow { 1000 };
    QList<Spec> withStraggler = repeated(50, { 10 });
    withStraggler.append(slow);
    QTest::newRow("one URL of 1 s among 50 of 10 ms: straggler")
        << scheduled(withStraggler, 8) << eight << Kinds { K::Straggler };
    QList<Spec> twoSlow = repeated(48, { 10 });
    twoSlow << Spec { 40 } << Spec { 40 };
    QTest::newRow("two URLs four times the rest, under half the wall: idle lanes, no straggler")
        << scheduled(twoSlow, 8) << eight << Kinds { K::IdleTail };
    QTest::newRow("3 URLs for 16 workers: few URLs")
        << scheduled(repeated(3, { 50 }), 16) << sixteen << Kinds { K::FewUrls };
    QTest::newRow("16 URLs for 16 workers: not few")
        << scheduled(repeated(16, { 50 }), 16) << sixteen << Kinds {};
    QTest::newRow("5 equal URLs at 4 workers: the fifth runs alone, lanes idle at the end")
        << scheduled(repeated(5, { 100 }), 4) << VerdictSettings { 4, 0, 0 }
        << Kinds { K::IdleTail };
    QTest::newRow("8 equal URLs at 4 workers: two full waves, no idle tail")
        << scheduled(repeated(8, { 100 }), 4) << VerdictSettings { 4, 0, 0 } << Kinds {};
    QTest::newRow("one host, 2 per host, 16 workers: per-host cap")
        << scheduled(repeated(40, { 10 }), 2) << VerdictSettings { 16, 2, 0 }
        << Kinds { K::PerHostCap };
    QList<Spec> tenHosts;
    for (int i = 0; i < 40; ++i)
        tenHosts.append({ 10, 1, 1000, 0, 1, 0, QStringLiteral("host%1.example").arg(i % 10) });
    QTest::newRow("ten hosts, 2 per host, 16 workers: the cap does not bind")
        << scheduled(tenHosts, 16) << VerdictSettings { 16, 2, 0 } << Kinds {};
    // 16 URLs of 100 KiB, 100 ms each at 16 workers: 1.6 MiB in 100 ms = 16 MiB/s.
    const QList<Job> capped = scheduled(repeated(16, { 100, 1, 100 * 1024 }), 16);
    QTest::newRow("16 MiB/s received under a 16 MiB/s cap: bandwidth cap")
        << capped << VerdictSettings { 16, 0, 16 * MiB } << Kinds { K::BandwidthCap };
    QTest::newRow("16 MiB/s received under a 64 MiB/s cap: not bound")
        << capped << VerdictSettings { 16, 0, 64 * MiB } << Kinds {};
    QTest::newRow("TTFB 5 ms alone, 50 ms with 8 in flight: server slowed down")
        << aloneThenTogether(8, { 10, 5 }, { 60, 50 }) << eight << Kinds { K::ServerSlowedDown };
    QTest::newRow("TTFB 5 ms alone and with 8 in flight: no slowdown")
        << aloneThenTogether(8, { 10, 5 }, { 10, 5 }) << eight << Kinds {};
    QTest::newRow("1 MiB in 10 ms alone, in 80 ms each with 8 in flight: link saturated")
        << aloneThenTogether(8, { 11, 1, MiB }, { 81, 1, MiB }) << eight
        << Kinds { K::LinkSaturated };
    QTest::newRow("1 MiB in 10 ms alone and with 8 in flight: the link kept up")
        << aloneThenTogether(8, { 11, 1, MiB }, { 11, 1, MiB }) << eight << Kinds {};
    QList<Spec> retried = repeated(13, { 100 });
    for (int i = 0; i < 3; ++i)
        retried.append({ 200, 1, 1000, 0, 2, 100 });
    QTest::newRow("3 URLs retried after 100 ms of backoff among 13 of 100 ms: retries")
        << scheduled(retried, 16) << sixteen << Kinds { K::Retries };
    QList<Spec> retriedQuickly = repeated(30, { 100 });
    retriedQuickly.append({ 102, 1, 1000, 0, 2, 2 });
    QTest::newRow("1 URL retried after 2 ms among 30 of 100 ms: too little to say")
        << scheduled(retriedQuickly, 16) << sixteen << Kinds {};
    QTest::newRow("new connections take 40 of every 50 ms: connection set-up")
        << scheduled(repeated(32, { 50, 1, 1000, 40 }), 16) << sixteen
        << Kinds { K::ConnectionSetup };
    QList<Job> lookedUp = scheduled(repeated(32, { 50, 1, 1000, 1 }), 16);
    for (Job &job : lookedUp) { // each connection waited 30 ms for its name lookup
        job.dnsUs = qint32(30 * UsPerMs);
        job.receiveUs -= 30 * UsPerMs;
    }
    QTest::newRow("name lookups take 30 of every 50 ms: connection set-up")
        << lookedUp << sixteen << Kinds { K::ConnectionSetup };
    QTest::newRow("new connections take 1 of every 50 ms: not worth saying")
        << scheduled(repeated(32, { 50, 1, 1000, 1 }), 16) << sixteen << Kinds {};
}

void TestVerdict::findings()
{
    QFETCH(QList<Job>, jobs);
    QFETCH(VerdictSettings, settings);
    QFETCH(Kinds, expected);

    const QList<Finding> findings = Verdict::analyse(jobs, settings);
    Kinds found;
    QStringList texts;
    for (const Finding &finding : findings) {
        found.insert(finding.kind);
        texts << QString::fromLatin1(Finding::kindName(finding.kind)) + QLatin1String(": ")
                + finding.text;
        QVERIFY(!finding.text.isEmpty());
    }
    QVERIFY2(found == expected, qPrintable(texts.join(QLatin1Char('\n'))));
    QCOMPARE(findings.size(), found.size()); // one of each at most
}

void TestVerdict::stragglerIsNamedWithItsShare()
{
    QList<Spec> specs = repeated(20, { 10 });
    specs.append(Spec { 970 });
    QList<Job> jobs = scheduled(specs, 21);
    jobs.last().url = QUrl(QStringLiteral("https://user:secret@example.com/slow.iso"));
    const QList<Finding> findings = Verdict::analyse(jobs, { 21, 0, 0 });
    QCOMPARE(findings.size(), 1);
    const Finding &straggler = findings.first();
    QCOMPARE(straggler.kind, Finding::Kind::Straggler);
    QCOMPARE(straggler.costNs, 970 * NsPerMs);
    QCOMPARE(straggler.share, 1.0); // it ran from the first moment to the last
    QVERIFY2(straggler.text.contains(QLatin1String("example.com/slow.iso")),
             qPrintable(straggler.text));
    QVERIFY2(straggler.text.contains(QLatin1String("100%")), qPrintable(straggler.text));
    QVERIFY2(!straggler.text.contains(QLatin1String("secret")), qPrintable(straggler.text));
}

void TestVerdict::restoredAndUnfinishedJobsDoNotCount()
{
    QList<Spec> specs = repeated(20, { 10 });
    specs.append(Spec { 1000 });
    QList<Job> jobs = scheduled(specs, 8);
    QCOMPARE(Verdict::analyse(jobs, { 8, 0, 0 }).value(0).kind, Finding::Kind::Straggler);
    jobs.last().restored = true; // the straggler's time was measured by another run
    QVERIFY(Verdict::analyse(jobs, { 8, 0, 0 }).isEmpty());
    jobs.last().restored = false;
    jobs.last().state = JobState::Running;
    QVERIFY(Verdict::analyse(jobs, { 8, 0, 0 }).isEmpty());
    QVERIFY(Verdict::analyse({}, { 8, 0, 0 }).isEmpty());
    QVERIFY(Verdict::analyse(jobs.mid(0, 1), { 8, 0, 0 }).isEmpty());
}

QTEST_GUILESS_MAIN(TestVerdict)
#include "tst_verdict.moc"
