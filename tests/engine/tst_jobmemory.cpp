// SPDX-License-Identifier: GPL-3.0-or-later
// What a job costs in memory once a long list has run: finished jobs share the header bytes that
// every answer of one server repeats, and the record itself stays within its size.
#include "job.h"
#include "server/loopbackserver.h"
#include "testsupport.h"

#include <QtTest>

#include <algorithm>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// A million queued jobs hold a million of these: a field added here costs megabytes, so a
// change of size is a decision, not an accident (bench/RESULTS.md, "A million URLs").
constexpr std::size_t MaxJobBytes = 232;

} // namespace

class TestJobMemory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void jobRecordStaysSmall();
    void finishedJobsShareRepeatedHeaders_data();
    void finishedJobsShareRepeatedHeaders();
    void sharedHeadersKeepTheirValues_data();
    void sharedHeadersKeepTheirValues();
    void detailsOnlyWhereKept_data();
    void detailsOnlyWhereKept();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestJobMemory::initTestCase()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestJobMemory::jobRecordStaysSmall()
{
    QVERIFY2(sizeof(Job) <= MaxJobBytes, qPrintable(QString::number(sizeof(Job))));
}

void TestJobMemory::finishedJobsShareRepeatedHeaders_data()
{
    QTest::addColumn<int>("concurrency");
    QTest::newRow("one lane") << 1;
    QTest::newRow("four lanes") << 4;
}

// One engine thread answers many URLs of one server: the second job on it and every later one
// hold the same header lists, not copies.
void TestJobMemory::finishedJobsShareRepeatedHeaders()
{
    QFETCH(int, concurrency);
    constexpr int Urls = 40;
    QList<QUrl> urls;
    for (int i = 0; i < Urls; ++i)
        urls.append(m_server->url(QStringLiteral("/bytes/64?i=%1").arg(i)));
    FetchOptions options = testOptions(concurrency);
    QList<Job> jobs;
    QVERIFY(fetchToEnd(urls, options, &jobs));
    QCOMPARE(jobs.size(), Urls);

    int sharedRequest = 0, sharedResponse = 0;
    for (const Job &job : std::as_const(jobs)) {
        QCOMPARE(job.state, JobState::Succeeded);
        QVERIFY(!job.requestHeaders().isEmpty());
        QVERIFY(!job.responseHeaders().isEmpty());
        const auto sharesWithAnother = [&](const HeaderList &(Job::*list)() const) {
            return std::any_of(jobs.cbegin(), jobs.cend(), [&](const Job &other) {
                return other.id != job.id && (job.*list)().isSharedWith((other.*list)());
            });
        };
        sharedRequest += sharesWithAnother(&Job::requestHeaders) ? 1 : 0;
        sharedResponse += sharesWithAnother(&Job::responseHeaders) ? 1 : 0;
    }
    // All but the first job of each engine thread; there are at most a few threads.
    constexpr int MostThreads = 8;
    QVERIFY2(sharedRequest >= Urls - MostThreads, qPrintable(QString::number(sharedRequest)));
    QVERIFY2(sharedResponse >= Urls - MostThreads, qPrintable(QString::number(sharedResponse)));
}

void TestJobMemory::sharedHeadersKeepTheirValues_data()
{
    QTest::addColumn<HeaderList>("previous");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<bool>("wholeListShared");

    const HeaderList two { { "Content-Type", "text/plain" }, { "Content-Length", "64" } };
    QTest::newRow("nothing before") << HeaderList() << two << false;
    QTest::newRow("the same") << two << two << true;
    QTest::newRow("one value differs")
        << two << HeaderList { { "Content-Type", "text/plain" }, { "Content-Length", "65" } }
        << false;
    QTest::newRow("one header more") << two
                                     << HeaderList { { "Content-Type", "text/plain" },
                                                     { "Content-Length", "64" },
                                                     { "ETag", "\"x\"" } }
                                     << false;
    QTest::newRow("one header fewer")
        << two << HeaderList { { "Content-Type", "text/plain" } } << false;
    QTest::newRow("none now") << two << HeaderList() << false;
}

void TestJobMemory::sharedHeadersKeepTheirValues()
{
    QFETCH(HeaderList, previous);
    QFETCH(HeaderList, headers);
    QFETCH(bool, wholeListShared);

    const HeaderList before = previous;
    // A deep copy: the list a reply builds shares nothing with the previous one.
    HeaderList built;
    for (const auto &[name, value] : std::as_const(headers))
        built.append({ QByteArray(name.constData(), name.size()),
                       QByteArray(value.constData(), value.size()) });

    const HeaderList result = sharedHeaders(built, &previous);
    QCOMPARE(result, headers);
    QCOMPARE(previous, headers);
    QCOMPARE(result.isSharedWith(before), wholeListShared && !before.isEmpty());
    for (qsizetype i = 0; i < std::min(result.size(), before.size()); ++i) {
        if (result.at(i).first == before.at(i).first)
            QVERIFY(result.at(i).first.isSharedWith(before.at(i).first));
        if (result.at(i).second == before.at(i).second)
            QVERIFY(result.at(i).second.isSharedWith(before.at(i).second));
    }
}

void TestJobMemory::detailsOnlyWhereKept_data()
{
    QTest::addColumn<bool>("keepDetails");
    QTest::addColumn<QString>("path");
    QTest::newRow("kept, success") << true << QStringLiteral("/bytes/64");
    QTest::newRow("kept, redirect") << true << QStringLiteral("/redirect/1");
    QTest::newRow("left out, success") << false << QStringLiteral("/bytes/64");
    QTest::newRow("left out, redirect") << false << QStringLiteral("/redirect/1");
}

// The headless runner without a HAR export asks for no details: the results stay the same.
void TestJobMemory::detailsOnlyWhereKept()
{
    QFETCH(bool, keepDetails);
    QFETCH(QString, path);
    FetchOptions options = testOptions(1);
    options.keepDetails = keepDetails;
    QList<Job> jobs;
    QVERIFY(fetchToEnd({ m_server->url(path) }, options, &jobs));
    QCOMPARE(jobs.size(), 1);
    const Job &job = jobs.constFirst();
    QCOMPARE(job.state, JobState::Succeeded);
    QCOMPARE(job.httpStatus, 200);
    QCOMPARE(job.attempts, 1);
    QCOMPARE(job.protocol, QByteArrayLiteral("http/1.1"));
    QCOMPARE(job.sha256.size(), 32);
    // A success with nothing the details pane keeps allocates no details at all: a million
    // such rows pay one null pointer each.
    QCOMPARE(job.hasDetails(), keepDetails || path.startsWith(QLatin1String("/redirect")));
    QCOMPARE(job.finalUrl().isEmpty(), !path.startsWith(QLatin1String("/redirect")));
    QCOMPARE(job.attemptLog().size(), keepDetails ? 1 : 0);
    QCOMPARE(job.requestHeaders().isEmpty(), !keepDetails);
    QCOMPARE(job.responseHeaders().isEmpty(), !keepDetails);
}

QTEST_GUILESS_MAIN(TestJobMemory)
#include "tst_jobmemory.moc"
