// SPDX-License-Identifier: GPL-3.0-or-later
// The phase breakdown on plain Job records: the durations a job reports, its bar's stretches.
#include "phases.h"

#include <QMetaEnum>
#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;

struct Phases
{
    qint64 connectUs = -1, tlsUs = -1, sendUs = -1, waitUs = -1, receiveUs = -1;
    qint32 dnsUs = -1;
};

// A job queued at 0 ms, started at startMs (-1: never), its last attempt from attemptMs (-1: the
// first attempt was the last), finished at endMs (-1: not finished).
Job job(qint64 startMs, qint64 endMs, const Phases &phases, JobState state = JobState::Succeeded,
        qint64 attemptMs = -1)
{
    Job job;
    job.state = state;
    job.worker = 0;
    job.queuedAtNs = 0;
    job.startedAtNs = startMs >= 0 ? startMs * NsPerMs : -1;
    job.attemptStartedAtNs = startMs >= 0 ? (attemptMs >= 0 ? attemptMs : startMs) * NsPerMs : -1;
    job.finishedAtNs = endMs >= 0 ? endMs * NsPerMs : -1;
    job.updatedAtNs = job.attemptStartedAtNs;
    job.connectUs = phases.connectUs;
    job.tlsUs = qint32(phases.tlsUs);
    job.dnsUs = phases.dnsUs;
    job.sendUs = phases.sendUs;
    job.waitUs = phases.waitUs;
    job.receiveUs = phases.receiveUs;
    job.bytesReceived = state == JobState::Succeeded ? 1000 : 0;
    return job;
}

QString msOrUnknown(qint64 ns)
{
    return ns >= 0 ? QString::number(double(ns) / NsPerMs) : QStringLiteral("-1");
}

QString describe(const QList<PhaseSpan> &spans)
{
    const QMetaEnum phases = QMetaEnum::fromType<Phase>();
    QStringList parts;
    for (const PhaseSpan &span : spans)
        parts.append(QStringLiteral("%1 %2-%3")
                         .arg(QLatin1String(phases.valueToKey(int(span.phase))))
                         .arg(double(span.startNs) / NsPerMs)
                         .arg(double(span.endNs) / NsPerMs));
    return parts.join(QStringLiteral(", "));
}

QString describe(const PhaseBreakdown &breakdown)
{
    return QStringLiteral("queued %1 ms, earlier %2 ms, known %3 us, TLS part %4 us%5")
        .arg(msOrUnknown(breakdown.queuedNs), msOrUnknown(breakdown.earlierAttemptsNs))
        .arg(breakdown.knownUs())
        .arg(breakdown.tlsPartUs())
        .arg(breakdown.reusedConnection() ? QStringLiteral(", reused") : QString());
}

} // namespace

class TestPhases : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void breakdownAndSpans_data();
    void breakdownAndSpans();
    void phasesCopyTheLastAttempt();
};

void TestPhases::breakdownAndSpans_data()
{
    QTest::addColumn<Job>("job");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<QString>("breakdown");
    QTest::addColumn<QString>("spans");

    QTest::newRow("https, new connection: connect, TLS, send, wait, receive fill the attempt")
        << job(10, 60, { 8000, 5000, 1000, 27'000, 14'000 }) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 50000 us, TLS part 5000 us")
        << QStringLiteral(
               "Queued 0-10, Connect 10-13, Tls 13-18, Send 18-19, Wait 19-46, Receive 46-60");
    QTest::newRow("looked up first: DNS, then connect, TLS, send, wait, receive")
        << job(10, 64, { 8000, 5000, 1000, 27'000, 14'000, 4000 }) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 54000 us, TLS part 5000 us")
        << QStringLiteral("Queued 0-10, Dns 10-14, Connect 14-17, Tls 17-22, Send 22-23, "
                          "Wait 23-50, Receive 50-64");
    QTest::newRow("the run knew the host: a zero lookup has no stretch")
        << job(10, 60, { 8000, -1, 1000, 27'000, 14'000, 0 }) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 50000 us, TLS part 0 us")
        << QStringLiteral("Queued 0-10, Connect 10-18, Send 18-19, Wait 19-46, Receive 46-60");
    QTest::newRow("failed in the lookup: DNS ends the bar")
        << job(10, 20, { -1, -1, -1, -1, -1, 10'000 }, JobState::Failed) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 10000 us, TLS part 0 us")
        << QStringLiteral("Queued 0-10, Dns 10-20");
    QTest::newRow("reused connection: no connect stretch")
        << job(10, 60, { -1, -1, 1000, 35'000, 14'000 }) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 50000 us, TLS part 0 us, reused")
        << QStringLiteral("Queued 0-10, Send 10-11, Wait 11-46, Receive 46-60");
    QTest::newRow("TLS told longer than connect is all of connect")
        << job(10, 60, { 8000, 9000, 1000, 27'000, 14'000 }) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 50000 us, TLS part 8000 us")
        << QStringLiteral("Queued 0-10, Tls 10-18, Send 18-19, Wait 19-46, Receive 46-60");
    QTest::newRow("failed after connecting, no answer: what connect leaves is other")
        << job(10, 20, { 3000, -1, -1, -1, -1 }, JobState::Failed) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 3000 us, TLS part 0 us")
        << QStringLiteral("Queued 0-10, Other 10-17, Connect 17-20");
    QTest::newRow("failed before any phase: the attempt is other")
        << job(10, 20, {}, JobState::Failed) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 0 us, TLS part 0 us")
        << QStringLiteral("Queued 0-10, Other 10-20");
    QTest::newRow("retried: earlier attempts and backoff come before the last attempt")
        << job(10, 560, { -1, -1, -1, 40'000, 10'000 }, JobState::Failed, 510) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 500 ms, known 50000 us, TLS part 0 us, reused")
        << QStringLiteral("Queued 0-10, Backoff 10-510, Wait 510-550, Receive 550-560");
    QTest::newRow("redirected: what the phases leave over comes before them")
        << job(10, 110, { -1, -1, -1, 30'000, 20'000 }) << qint64(-1)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 50000 us, TLS part 0 us, reused")
        << QStringLiteral("Queued 0-10, Other 10-60, Wait 60-90, Receive 90-110");

    Job waiting = job(10, -1, { 2000, -1, 500, -1, -1 }, JobState::Running);
    waiting.livePhase = LivePhase::Waiting;
    QTest::newRow("running, waiting for the answer: the measured phases, then wait up to now")
        << waiting << qint64(70)
        << QStringLiteral("queued 10 ms, earlier 0 ms, known 2500 us, TLS part 0 us")
        << QStringLiteral("Queued 0-10, Connect 10-12, Send 12-12.5, Wait 12.5-70");

    Job restored = job(-1, -1, { 4000, -1, 1000, 20'000, 5000 });
    restored.queuedAtNs = -1;
    restored.restored = true;
    restored.setRestoredDurationNs(42 * NsPerMs);
    QTest::newRow("restored from an earlier run: its phases, but no bar on this run's clock")
        << restored << qint64(70)
        << QStringLiteral("queued -1 ms, earlier -1 ms, known 30000 us, TLS part 0 us")
        << QString();

    QTest::newRow("never started: nothing known, no bar")
        << job(-1, -1, {}, JobState::Queued) << qint64(70)
        << QStringLiteral("queued -1 ms, earlier -1 ms, known 0 us, TLS part 0 us") << QString();
}

void TestPhases::breakdownAndSpans()
{
    QFETCH(Job, job);
    QFETCH(qint64, nowMs);
    QFETCH(QString, breakdown);
    QFETCH(QString, spans);
    QCOMPARE(describe(phaseBreakdown(job)), breakdown);
    QCOMPARE(describe(phaseSpans(job, nowMs >= 0 ? nowMs * NsPerMs : -1)), spans);
}

// The details pane and HAR show the engine's numbers as they are: nothing clamped or derived.
void TestPhases::phasesCopyTheLastAttempt()
{
    const PhaseBreakdown phases =
        phaseBreakdown(job(10, 60, { 8000, 9000, 1000, 27'000, 14'000, 3000 }));
    QCOMPARE(phases.dnsUs, qint64(3000));
    QCOMPARE(phases.connectUs, qint64(8000));
    QCOMPARE(phases.tlsUs, qint64(9000));
    QCOMPARE(phases.sendUs, qint64(1000));
    QCOMPARE(phases.waitUs, qint64(27'000));
    QCOMPARE(phases.receiveUs, qint64(14'000));
}

QTEST_GUILESS_MAIN(TestPhases)
#include "tst_phases.moc"
