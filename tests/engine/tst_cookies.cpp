// SPDX-License-Identifier: GPL-3.0-or-later
// Cookies from a file reach the server where they are allowed, and nothing a server sets is
// sent to the next URL: counted on the loopback server's side.
#include "cookiefile.h"
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

class TestCookies : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cookiesGoWhereTheyAreAllowed();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestCookies::init()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestCookies::cookiesGoWhereTheyAreAllowed()
{
    const QByteArray jar = "127.0.0.1\tFALSE\t/bytes\tFALSE\t0\tbytes\tb1\n"
                           "127.0.0.1\tFALSE\t/\tTRUE\t0\tsecure\ts1\n"
                           "127.0.0.1\tFALSE\t/\tFALSE\t1\texpired\te1\n"
                           "127.0.0.1\tFALSE\t/\tFALSE\t0\tall\ta1\n"
                           "localhost.invalid\tTRUE\t/\tFALSE\t0\tother\to1\n";
    auto cookies = CookieFile::parse(jar, nullptr);
    QVERIFY(cookies);
    // One lane, in order: the server's Set-Cookie on the first URL must not reach the others.
    const QStringList targets = { QStringLiteral("/set-cookie/from-server"),
                                  QStringLiteral("/bytes/10"), QStringLiteral("/headers") };
    QList<QUrl> urls;
    for (const QString &target : targets)
        urls.append(m_server->url(target));
    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.headers.append(qMakePair(QByteArray("Cookie"), QByteArray("mine=m1"))); // -H Cookie
    options.cookies = std::make_shared<const QList<CookieFile::Cookie>>(std::move(*cookies));
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.count(JobState::Succeeded), 3);

    QHash<QByteArray, QByteArray> sent;
    for (const RecordedRequest &request : m_server->recordedRequests())
        sent.insert(request.target, request.header("Cookie"));
    QCOMPARE(sent.size(), 3);
    QCOMPARE(sent.value("/set-cookie/from-server"), QByteArray("mine=m1; all=a1"));
    QCOMPARE(sent.value("/bytes/10"), QByteArray("mine=m1; bytes=b1; all=a1"));
    QCOMPARE(sent.value("/headers"), QByteArray("mine=m1; all=a1"));
}

QTEST_GUILESS_MAIN(TestCookies)
#include "tst_cookies.moc"
