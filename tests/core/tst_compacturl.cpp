// SPDX-License-Identifier: GPL-3.0-or-later
// The compact forms a queue of a million keeps per row: a URL as its encoded bytes gives back the
// same QUrl, a digest in place reads as the raw bytes, and a row's rare details cost nothing
// until set and are copied on write.
#include "compacturl.h"
#include "job.h"
#include "sha256.h"
#include "urllistparser.h"

#include <QtTest>

using namespace Parafetch;

class TestCompactUrl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrips_data();
    void roundTrips();
    void equalityIsQUrls_data();
    void equalityIsQUrls();
    void parserKeepsTheEncodedForm();
    void digestReadsAsRawBytes_data();
    void digestReadsAsRawBytes();
    void detailsOnlyWhenSet();
    void detailsCopyOnWrite();
};

void TestCompactUrl::roundTrips_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << QStringLiteral("http://127.0.0.1:8080/bytes/64?i=7");
    QTest::newRow("default port kept apart") << QStringLiteral("http://example.test:80/");
    QTest::newRow("no path") << QStringLiteral("https://example.test");
    QTest::newRow("empty query") << QStringLiteral("https://example.test/a?");
    QTest::newRow("empty fragment") << QStringLiteral("https://example.test/a#");
    QTest::newRow("ipv6") << QStringLiteral("http://[::1]:8080/x");
    QTest::newRow("ipv6 zone-less, upper case") << QStringLiteral("http://[FE80::1]/");
    QTest::newRow("user and password")
        << QStringLiteral("https://user:p%40ss word@example.test/private");
    QTest::newRow("international host") << QStringLiteral("https://bücher.example/straße");
    QTest::newRow("encoded slash kept")
        << QStringLiteral("https://example.test/a%2Fb/c?x=%26&y=%3D#frag%20ment");
    QTest::newRow("spaces and unicode in the query")
        << QStringLiteral("https://example.test/search?q=caf\u00e9 latte&n=1+2");
    QTest::newRow("delimiters in the path")
        << QStringLiteral("https://example.test/w_100,h_100/img.jpg;v=1");
    QTest::newRow("percent-encoded unreserved")
        << QStringLiteral("https://example.test/%7Euser/%41");
}

void TestCompactUrl::roundTrips()
{
    QFETCH(QString, text);
    const QUrl url(text, QUrl::TolerantMode);
    QVERIFY(url.isValid());
    const CompactUrl compact(url);
    QCOMPARE(compact.toUrl(), url);
    QCOMPARE(compact.toString(), url.toString());
    QCOMPARE(compact.toString(QUrl::FullyEncoded), url.toString(QUrl::FullyEncoded));
    QCOMPARE(compact.host(), url.host());
    QCOMPARE(compact.port(), url.port());
    QCOMPARE(compact.password(), url.password());
    QCOMPARE(compact.encoded(), url.toEncoded());
    // Only the bytes: toEncoded() hands over a buffer twice their size, a queue keeps a copy.
    QCOMPARE(compact.encoded().capacity(), compact.encoded().size());
    QCOMPARE(CompactUrl::fromEncoded(url.toEncoded()), compact);
    QVERIFY(compact.isValid());
    // The bytes are ASCII: what a queue keeps is what goes on the wire.
    for (const char c : compact.encoded())
        QVERIFY2(uchar(c) > 0x20 && uchar(c) < 0x7f, compact.encoded().constData());
}

void TestCompactUrl::equalityIsQUrls_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::newRow("same") << QStringLiteral("http://a.test/x") << QStringLiteral("http://a.test/x");
    QTest::newRow("host case") << QStringLiteral("http://A.test/x")
                               << QStringLiteral("http://a.test/x");
    QTest::newRow("decoded and encoded space")
        << QStringLiteral("http://a.test/x y") << QStringLiteral("http://a.test/x%20y");
    QTest::newRow("explicit default port")
        << QStringLiteral("http://a.test:80/") << QStringLiteral("http://a.test/");
    QTest::newRow("trailing slash")
        << QStringLiteral("http://a.test") << QStringLiteral("http://a.test/");
    QTest::newRow("empty query") << QStringLiteral("http://a.test/?")
                                 << QStringLiteral("http://a.test/");
    QTest::newRow("encoded slash")
        << QStringLiteral("http://a.test/a%2Fb") << QStringLiteral("http://a.test/a/b");
}

void TestCompactUrl::equalityIsQUrls()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    const QUrl urlA(a, QUrl::TolerantMode), urlB(b, QUrl::TolerantMode);
    const CompactUrl compactA(urlA), compactB(urlB);
    QCOMPARE(compactA == compactB, urlA == urlB);
    QCOMPARE(compactA == urlB, urlA == urlB);
    QCOMPARE(urlA != compactB, urlA != urlB);
    if (urlA == urlB)
        QCOMPARE(qHash(compactA), qHash(compactB));
}

void TestCompactUrl::parserKeepsTheEncodedForm()
{
    const ParseResult result = UrlListParser::parse(
        u"https://bücher.example/a%20b?q=ü\nhttp://[::1]:9/x\nhttps://u:secret@example.test/\n");
    QCOMPARE(result.entries.size(), 3);
    QCOMPARE(result.entries.at(0).url, QUrl(QStringLiteral("https://bücher.example/a%20b?q=ü")));
    QCOMPARE(result.entries.at(0).url.encoded(),
             QByteArray("https://xn--bcher-kva.example/a%20b?q=%C3%BC"));
    QCOMPARE(result.entries.at(1).url.host(), QStringLiteral("::1"));
    QCOMPARE(result.entries.at(2).url.password(), QStringLiteral("secret"));
}

void TestCompactUrl::digestReadsAsRawBytes_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("kept");
    QTest::newRow("a digest") << Sha256::hash("abc") << true;
    QTest::newRow("all zero bytes") << QByteArray(32, '\0') << true;
    QTest::newRow("none") << QByteArray() << false;
    QTest::newRow("too short: no digest") << QByteArray(31, 'x') << false;
    QTest::newRow("too long: no digest") << QByteArray(64, 'x') << false;
}

void TestCompactUrl::digestReadsAsRawBytes()
{
    QFETCH(QByteArray, raw);
    QFETCH(bool, kept);
    Sha256Digest digest(raw);
    QCOMPARE(digest.isEmpty(), !kept);
    QCOMPARE(digest.toByteArray(), kept ? raw : QByteArray());
    QCOMPARE(digest.toHex(), kept ? raw.toHex() : QByteArray());
    QCOMPARE(digest == Sha256Digest(raw), true);
    QCOMPARE(digest == Sha256Digest(), !kept);
    digest.clear();
    QVERIFY(digest.isEmpty());
    QCOMPARE(digest.toByteArray(), QByteArray());
}

void TestCompactUrl::detailsOnlyWhenSet()
{
    Job job;
    job.setFileName(QString());
    job.setErrorString(QString());
    job.setFinalUrl(QUrl());
    job.setResponseHeaders({});
    job.setResumeFrom(nullptr);
    job.setRestoredDurationNs(-1);
    QVERIFY(!job.hasDetails()); // empty values store nothing
    QVERIFY(job.fileName().isEmpty());
    QCOMPARE(job.restoredDurationNs(), qint64(-1));

    job.setErrorString(QStringLiteral("HTTP 404"));
    QVERIFY(job.hasDetails());
    QCOMPARE(job.errorString(), QStringLiteral("HTTP 404"));
    QVERIFY(job.savedPath().isEmpty());
}

void TestCompactUrl::detailsCopyOnWrite()
{
    Job original;
    original.setSavedPath(QStringLiteral("/tmp/a.bin"));
    Job copy = original;
    QCOMPARE(&copy.details(), &original.details()); // shared until one is written
    copy.setSavedPath(QStringLiteral("/tmp/b.bin"));
    QVERIFY(&copy.details() != &original.details());
    QCOMPARE(original.savedPath(), QStringLiteral("/tmp/a.bin"));
    QCOMPARE(copy.savedPath(), QStringLiteral("/tmp/b.bin"));
}

QTEST_GUILESS_MAIN(TestCompactUrl)
#include "tst_compacturl.moc"
