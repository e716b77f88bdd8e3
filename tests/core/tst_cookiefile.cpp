// SPDX-License-Identifier: GPL-3.0-or-later
// Netscape cookies.txt: what is read, which request carries which cookie, and every malformed
// line named by its number.
#include "cookiefile.h"

#include <QUrl>
#include <QtTest>

using namespace Parafetch;

namespace {

constexpr qint64 Now = 1'800'000'000; // 2027

// The same file for every matching row: the flags, paths and expiries the rows probe.
const QByteArray Jar = "# Netscape HTTP Cookie File\n"
                       "# https://curl.se/docs/http-cookies.html\n"
                       "\n"
                       ".example.com\tTRUE\t/\tFALSE\t0\tsite\t1\n"
                       "example.com\tFALSE\t/\tFALSE\t0\thostonly\t2\n"
                       "example.com\tFALSE\t/docs\tFALSE\t0\tdocs\t3\n"
                       "example.com\tFALSE\t/\tTRUE\t0\tsecure\t4\n"
                       "example.com\tFALSE\t/\tFALSE\t1700000000\texpired\t5\n"
                       "example.com\tFALSE\t/\tFALSE\t1900000000\tlater\t6\n"
                       "#HttpOnly_example.com\tFALSE\t/\tFALSE\t0\thttponly\t7\n"
                       "other.org\tTRUE\t/\tFALSE\t0\tother\t8\r\n";

} // namespace

class TestCookieFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestsCarryWhatTheFileAllows_data();
    void requestsCarryWhatTheFileAllows();
    void malformedLinesAreNamed_data();
    void malformedLinesAreNamed();
};

void TestCookieFile::requestsCarryWhatTheFileAllows_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("header");

    QTest::newRow("the host: host-only, domain, HttpOnly, unexpired; longer path first")
        << QStringLiteral("http://example.com/docs/a")
        << QByteArray("docs=3; site=1; hostonly=2; later=6; httponly=7");
    QTest::newRow("https adds the secure one")
        << QStringLiteral("https://example.com/")
        << QByteArray("site=1; hostonly=2; secure=4; later=6; httponly=7");
    QTest::newRow("a subdomain gets only the domain cookie")
        << QStringLiteral("http://www.example.com/docs") << QByteArray("site=1");
    QTest::newRow("a host that only ends like the domain gets none")
        << QStringLiteral("http://badexample.com/") << QByteArray();
    QTest::newRow("/docsx is not below /docs")
        << QStringLiteral("http://example.com/docsx")
        << QByteArray("site=1; hostonly=2; later=6; httponly=7");
    QTest::newRow("host names compare without case")
        << QStringLiteral("http://EXAMPLE.com/")
        << QByteArray("site=1; hostonly=2; later=6; httponly=7");
    QTest::newRow("another site gets its own")
        << QStringLiteral("http://a.other.org/x") << QByteArray("other=8");
    QTest::newRow("an address gets none") << QStringLiteral("http://127.0.0.1/") << QByteArray();
}

void TestCookieFile::requestsCarryWhatTheFileAllows()
{
    QFETCH(QString, url);
    QFETCH(QByteArray, header);
    QString error;
    const auto cookies = CookieFile::parse(Jar, &error);
    QVERIFY2(cookies, qPrintable(error));
    QCOMPARE(cookies->size(), 8);
    QCOMPARE(CookieFile::headerFor(*cookies, QUrl(url), Now), header);
}

void TestCookieFile::malformedLinesAreNamed_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");

    QTest::newRow("a checksum list is not a cookies file") << QByteArray(64, 'a')
            + "  a.iso\n" << QStringLiteral("line 1 is not a Netscape");
    QTest::newRow("six fields") << QByteArray("# c\nexample.com\tFALSE\t/\tFALSE\t0\tname\n")
                                << QStringLiteral("line 2 is not a Netscape");
    QTest::newRow("a flag that is not TRUE or FALSE")
        << QByteArray("example.com\tyes\t/\tFALSE\t0\tn\tv\n") << QStringLiteral("TRUE or FALSE");
    QTest::newRow("an expiry that is not a number")
        << QByteArray("example.com\tFALSE\t/\tFALSE\tsoon\tn\tv\n") << QStringLiteral("expiry");
    QTest::newRow("a path without its slash")
        << QByteArray("example.com\tFALSE\tdocs\tFALSE\t0\tn\tv\n") << QStringLiteral("path");
    QTest::newRow("a value that would end the header")
        << QByteArray("example.com\tFALSE\t/\tFALSE\t0\tn\tv;x=1\n") << QStringLiteral("';'");
    QTest::newRow("no name") << QByteArray("example.com\tFALSE\t/\tFALSE\t0\t\tv\n")
                             << QStringLiteral("no cookie name");
}

void TestCookieFile::malformedLinesAreNamed()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    QString message;
    QVERIFY(!CookieFile::parse(text, &message));
    QVERIFY2(message.contains(error), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestCookieFile)
#include "tst_cookiefile.moc"
