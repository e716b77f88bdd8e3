// SPDX-License-Identifier: GPL-3.0-or-later
// HttpReply's start: startNow() puts a request on a kept-alive connection on the wire at once.
#include "engine/httpreply.h"
#include "engine/networkmanager.h"
#include "server/loopbackserver.h"
#include "testsupport.h"

#include <QNetworkProxy>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using namespace Parafetch;

class TestHttpReply : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void startNowWritesTheRequest_data();
    void startNowWritesTheRequest();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestHttpReply::init()
{
    QVERIFY2(TestSupport::startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestHttpReply::startNowWritesTheRequest_data()
{
    QTest::addColumn<bool>("keptAlive"); // a first request leaves its connection in the pool
    QTest::addColumn<bool>("startNow"); // else the reply starts from the event loop, as Qt's do
    QTest::addColumn<int>("sentBeforeEventLoop"); // requestSent() before control returns

    // Only the kept-alive connection can take the request at once: a new one connects first.
    QTest::newRow("kept-alive connection, startNow") << true << true << 1;
    QTest::newRow("kept-alive connection, queued start") << true << false << 0;
    QTest::newRow("new connection, startNow") << false << true << 0;
    QTest::newRow("new connection, queued start") << false << false << 0;
}

void TestHttpReply::startNowWritesTheRequest()
{
    QFETCH(bool, keptAlive);
    QFETCH(bool, startNow);
    QFETCH(int, sentBeforeEventLoop);

    NetworkManager manager;
    manager.setProxy(QNetworkProxy::NoProxy);
    manager.setAutoDeleteReplies(false);
    const QNetworkRequest request(m_server->url(QStringLiteral("/bytes/64")));
    if (keptAlive) {
        std::unique_ptr<HttpReply> first(
            manager.fetch(QNetworkAccessManager::GetOperation, request));
        QSignalSpy firstFinished(first.get(), &QNetworkReply::finished);
        QVERIFY(firstFinished.wait(TestSupport::RunTimeoutMs));
        QCOMPARE(first->error(), QNetworkReply::NoError);
        QCOMPARE(first->readAll().size(), 64);
    }

    std::unique_ptr<HttpReply> reply(manager.fetch(QNetworkAccessManager::GetOperation, request));
    QSignalSpy sent(reply.get(), &QNetworkReply::requestSent);
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (startNow) {
        reply->startNow();
        reply->startNow(); // a second call (and the queued start) sends nothing more
    }
    QCOMPARE(sent.count(), sentBeforeEventLoop);

    QVERIFY(finished.count() == 1 || finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->readAll().size(), 64);
    QCOMPARE(sent.count(), 1);
    QCOMPARE(reply->attribute(ReplyAttribute::ConnectionReused).toBool(), keptAlive);
    QCOMPARE(m_server->requestCount(), keptAlive ? 2 : 1);
    QCOMPARE(m_server->connectionCount(), 1);
}

QTEST_GUILESS_MAIN(TestHttpReply)
#include "tst_httpreply.moc"
