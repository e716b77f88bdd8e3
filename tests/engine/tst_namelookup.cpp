// SPDX-License-Identifier: GPL-3.0-or-later
// Name lookup as a phase of its own: one lookup per host per run, the addresses tried in turn,
// and the lookup, the handshake and the server's address in each job's record.
#include "engine/fetchengine.h"
#include "engine/hostresolver.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QHostAddress>
#include <QObject>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <array>
#include <atomic>
#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

class TestNameLookup : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void eachHostIsLookedUpOnce();
    void waitersOnOtherThreadsShareTheLookup();
    void aCancelledWaiterIsNotCalled();
    void aFailedLookupIsNotKept();
    void runLooksEachHostUpOnceAndRecordsThePhase_data();
    void runLooksEachHostUpOnceAndRecordsThePhase();
    void unreachableAddressesAreSkipped();
    void noAddressReachableFailsAsRefused();
    void addressInTheUrlIsNotLookedUp();
    void aNewRunLooksUpAgain();

private:
    // A run of urls through an engine whose resolver answers fixed names as given.
    struct Run
    {
        JobQueueModel model;
        FetchEngine engine { &model };
        QList<Job> jobs() const
        {
            QList<Job> all;
            for (int row = 0; row < model.rowCount(); ++row)
                all.append(model.jobAt(row));
            return all;
        }
    };
    std::unique_ptr<LoopbackServer> m_server;
};

namespace {

// A host name's answer, waited for in the test's event loop.
struct Waited
{
    bool called = false;
    HostResolver::Answer answer;
};

QUrl withHost(QUrl url, const QString &host)
{
    url.setHost(host);
    return url;
}

// A name Qt refuses before asking any resolver: an empty label fails IDNA (QUrl::toAce).
const QString InvalidName = QStringLiteral("bad..name");

} // namespace

void TestNameLookup::initTestCase()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

// "localhost" is answered by the hosts file: a real lookup that sends nothing anywhere.
void TestNameLookup::eachHostIsLookedUpOnce()
{
    HostResolver resolver;
    QObject context;
    std::array<Waited, 3> waited;
    for (Waited &w : waited) {
        QVERIFY(!resolver.resolve(QStringLiteral("localhost"), &context,
                                  [&w](const HostResolver::Answer &answer) {
                                      w.called = true;
                                      w.answer = answer;
                                  }));
    }
    for (const Waited &w : waited) {
        QTRY_VERIFY(w.called);
        QVERIFY(!w.answer.cached);
        QVERIFY2(!w.answer.addresses.isEmpty(), qPrintable(w.answer.errorString));
        for (const QHostAddress &address : w.answer.addresses)
            QVERIFY2(address.isLoopback(), qPrintable(address.toString()));
        QCOMPARE(w.answer.addresses, waited.front().answer.addresses);
    }
    QCOMPARE(resolver.lookupCount(), 1);

    // Known now: answered within the call, from the run's answers.
    Waited again;
    QVERIFY(resolver.resolve(QStringLiteral("localhost"), &context,
                             [&again](const HostResolver::Answer &answer) {
                                 again.called = true;
                                 again.answer = answer;
                             }));
    QVERIFY(again.called);
    QVERIFY(again.answer.cached);
    QCOMPARE(again.answer.addresses, waited.front().answer.addresses);
    QCOMPARE(resolver.lookupCount(), 1);
}

void TestNameLookup::waitersOnOtherThreadsShareTheLookup()
{
    HostResolver resolver;
    constexpr int Threads = 4;
    std::array<std::unique_ptr<QThread>, Threads> threads;
    std::array<std::unique_ptr<QObject>, Threads> contexts;
    std::array<std::atomic<QThread *>, Threads> calledOn {};
    std::array<std::atomic<int>, Threads> addressCount {};
    for (int i = 0; i < Threads; ++i) {
        threads[i] = std::make_unique<QThread>();
        threads[i]->start();
        contexts[i] = std::make_unique<QObject>();
        contexts[i]->moveToThread(threads[i].get());
    }
    for (int i = 0; i < Threads; ++i) {
        QObject *context = contexts[i].get();
        QMetaObject::invokeMethod(
            context,
            [&, i, context] {
                resolver.resolve(QStringLiteral("localhost"), context,
                                 [&, i](const HostResolver::Answer &answer) {
                                     addressCount[i] = int(answer.addresses.size());
                                     calledOn[i] = QThread::currentThread();
                                 });
            },
            Qt::BlockingQueuedConnection);
    }
    for (int i = 0; i < Threads; ++i) {
        QTRY_VERIFY(calledOn[i].load() != nullptr);
        QCOMPARE(calledOn[i].load(), threads[i].get()); // each in its own thread
        QVERIFY(addressCount[i] > 0);
    }
    QCOMPARE(resolver.lookupCount(), 1);
    for (int i = 0; i < Threads; ++i) {
        QObject *context = contexts[i].release();
        QMetaObject::invokeMethod(
            context, [context] { delete context; }, Qt::BlockingQueuedConnection);
        threads[i]->quit();
        threads[i]->wait();
    }
}

void TestNameLookup::aCancelledWaiterIsNotCalled()
{
    HostResolver resolver;
    auto leaving = std::make_unique<QObject>();
    QObject staying;
    bool leavingCalled = false;
    Waited stayed;
    resolver.resolve(QStringLiteral("localhost"), leaving.get(),
                     [&leavingCalled](const HostResolver::Answer &) { leavingCalled = true; });
    resolver.resolve(QStringLiteral("localhost"), &staying,
                     [&stayed](const HostResolver::Answer &answer) {
                         stayed.called = true;
                         stayed.answer = answer;
                     });
    resolver.cancel(leaving.get());
    leaving.reset();
    QTRY_VERIFY(stayed.called);
    QVERIFY(!stayed.answer.addresses.isEmpty());
    QCoreApplication::processEvents();
    QVERIFY(!leavingCalled);
}

void TestNameLookup::aFailedLookupIsNotKept()
{
    HostResolver resolver;
    QObject context;
    for (int round = 1; round <= 2; ++round) {
        Waited failed;
        QVERIFY(
            !resolver.resolve(InvalidName, &context, [&failed](const HostResolver::Answer &answer) {
                failed.called = true;
                failed.answer = answer;
            }));
        QTRY_VERIFY(failed.called);
        QVERIFY(failed.answer.addresses.isEmpty());
        QVERIFY(!failed.answer.errorString.isEmpty());
        QCOMPARE(resolver.lookupCount(), round); // asked again: a retry may find it
    }
}

void TestNameLookup::runLooksEachHostUpOnceAndRecordsThePhase_data()
{
    QTest::addColumn<bool>("tls");
    QTest::newRow("http") << false;
    QTest::newRow("https") << true;
}

// Twelve URLs of "localhost" over four lanes: four new connections, one lookup. Each new
// connection's record has the lookup (about 0 after the first), the connect after it and, over
// TLS, the handshake within connect; a reused one has neither. The address is the server's.
void TestNameLookup::runLooksEachHostUpOnceAndRecordsThePhase()
{
    QFETCH(bool, tls);
    std::unique_ptr<LoopbackServer> server;
    if (tls) {
        server = std::make_unique<LoopbackServer>();
        // server.pem names localhost: the certificate is checked against the URL's name, not
        // the address connected to.
        QVERIFY(server->setTlsFiles(tlsFile(QStringLiteral("server.pem")),
                                    tlsFile(QStringLiteral("server.key"))));
        QVERIFY2(server->listen(), qPrintable(server->errorString()));
    }
    LoopbackServer &s = tls ? *server : *m_server;
    QList<QUrl> urls;
    for (int i = 0; i < 12; ++i)
        urls.append(withHost(s.url(QStringLiteral("/delay/20/bytes/%1").arg(100 + i)),
                             QStringLiteral("localhost")));
    Run run;
    run.model.addEntries(entriesFor(urls));
    FetchOptions options = testOptions(4);
    if (tls)
        options.caFile = tlsFile(QStringLiteral("ca.pem"));
    run.engine.setOptions(options);
    QVERIFY(runToEnd(run.engine));
    QCOMPARE(run.model.count(JobState::Succeeded), 12);
    QCOMPARE(run.engine.hostResolver().lookupCount(), 1);

    int fresh = 0;
    for (const Job &job : run.jobs()) {
        const QString row = job.url.toUrl().toString();
        QCOMPARE(job.serverAddress(), QStringLiteral("127.0.0.1"));
        QVERIFY2(job.connectionId > 0, qPrintable(row));
        if (job.connectionReused) {
            QVERIFY2(job.dnsUs == -1 && job.connectUs == -1 && job.tlsUs == -1, qPrintable(row));
            continue;
        }
        ++fresh;
        QVERIFY2(job.dnsUs >= 0 && job.connectUs >= 0, qPrintable(row));
        if (tls)
            QVERIFY2(job.tlsUs >= 0 && job.tlsUs <= job.connectUs, qPrintable(row));
        else
            QCOMPARE(job.tlsUs, -1);
        // The phases lie within the attempt, one after the other.
        const qint64 phasesUs = job.dnsUs + job.connectUs + std::max<qint64>(job.sendUs, 0)
            + job.waitUs + job.receiveUs;
        QVERIFY2(phasesUs * 1000 <= job.finishedAtNs - job.attemptStartedAtNs, qPrintable(row));
    }
    QVERIFY(fresh >= 4); // one per lane at least
    QCOMPARE(s.connectionCount(), qint64(fresh));
}

// The first address refuses (nothing listens on 127.0.0.2): the second is reached, and every
// job records it.
void TestNameLookup::unreachableAddressesAreSkipped()
{
    const QString host = QStringLiteral("two-addresses.test");
    QList<QUrl> urls;
    for (int i = 0; i < 6; ++i)
        urls.append(withHost(m_server->url(QStringLiteral("/bytes/%1").arg(10 + i)), host));
    Run run;
    run.engine.hostResolver().setFixed(
        host, { QHostAddress(QStringLiteral("127.0.0.2")), QHostAddress(QHostAddress::LocalHost) });
    run.model.addEntries(entriesFor(urls));
    run.engine.setOptions(testOptions(3));
    QVERIFY(runToEnd(run.engine));
    QCOMPARE(run.model.count(JobState::Succeeded), 6);
    for (const Job &job : run.jobs())
        QCOMPARE(job.serverAddress(), QStringLiteral("127.0.0.1"));
    QCOMPARE(run.engine.hostResolver().lookupCount(), 0); // a fixed answer is not a lookup
}

void TestNameLookup::noAddressReachableFailsAsRefused()
{
    const QString host = QStringLiteral("nowhere.test");
    Run run;
    run.engine.hostResolver().setFixed(
        host,
        { QHostAddress(QStringLiteral("127.0.0.2")), QHostAddress(QStringLiteral("127.0.0.3")) });
    run.model.addEntries(entriesFor({ withHost(m_server->url(QStringLiteral("/bytes/1")), host) }));
    FetchOptions options = testOptions(1);
    options.retries = 0;
    run.engine.setOptions(options);
    QVERIFY(runToEnd(run.engine));
    const Job job = run.model.jobAt(0);
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.errorKind, ErrorKind::ConnectionRefused);
    QVERIFY(job.serverAddress().isEmpty()); // never reached
}

void TestNameLookup::addressInTheUrlIsNotLookedUp()
{
    Run run;
    run.model.addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/5")) }));
    run.engine.setOptions(testOptions(1));
    QVERIFY(runToEnd(run.engine));
    const Job job = run.model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    QCOMPARE(job.dnsUs, -1);
    QVERIFY(job.connectUs >= 0);
    QCOMPARE(job.serverAddress(), QStringLiteral("127.0.0.1"));
    QCOMPARE(run.engine.hostResolver().lookupCount(), 0);
}

// The answers are the run's: the next run's new connections look the host up again (a kept
// connection from the last run needs none).
void TestNameLookup::aNewRunLooksUpAgain()
{
    Run run;
    const QUrl url =
        withHost(m_server->url(QStringLiteral("/delay/50/bytes/5")), QStringLiteral("localhost"));
    run.model.addEntries(entriesFor({ url }));
    run.engine.setOptions(testOptions(3));
    QVERIFY(runToEnd(run.engine));
    QCOMPARE(run.engine.hostResolver().lookupCount(), 1);
    // Three at once: at most one of them goes on the connection the first run kept.
    run.model.addEntries(entriesFor({ url, url, url }));
    QVERIFY(runToEnd(run.engine));
    QCOMPARE(run.model.count(JobState::Succeeded), 4);
    QCOMPARE(run.engine.hostResolver().lookupCount(), 2);
    int looked = 0;
    for (const Job &job : run.jobs())
        looked += job.dnsUs >= 0 ? 1 : 0;
    QVERIFY(looked >= 3); // the first run's, and at least two new connections of the second
}

QTEST_GUILESS_MAIN(TestNameLookup)
#include "tst_namelookup.moc"
