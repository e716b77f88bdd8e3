// SPDX-License-Identifier: GPL-3.0-or-later
// Proxy URLs as --proxy and Settings → Proxy take them: what is accepted, what is refused and
// why, and that a password never appears in a message or the shown text.
#include "proxyurl.h"

#include <QtTest>

using namespace Parafetch;

Q_DECLARE_METATYPE(Parafetch::ProxyUrl::Kind)

class TestProxyUrl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accepted_data();
    void accepted();
    void refused_data();
    void refused();
    void displayTextMasksThePassword_data();
    void displayTextMasksThePassword();
};

void TestProxyUrl::accepted_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<ProxyUrl::Kind>("kind");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");

    using Kind = ProxyUrl::Kind;
    QTest::newRow("http:// with a port")
        << "http://127.0.0.1:3128" << Kind::Http << "127.0.0.1" << 3128 << QString() << QString();
    QTest::newRow("socks5:// resolves names here") << "socks5://127.0.0.1:1080" << Kind::Socks5
                                                   << "127.0.0.1" << 1080 << QString() << QString();
    QTest::newRow("socks5h:// leaves names to the proxy, in capitals too")
        << "SOCKS5H://proxy.example:9050" << Kind::Socks5Hostname << "proxy.example" << 9050
        << QString() << QString();
    QTest::newRow("no port is 1080, as in curl")
        << "http://127.0.0.1" << Kind::Http << "127.0.0.1" << 1080 << QString() << QString();
    QTest::newRow("a trailing slash and spaces around are fine")
        << "  http://127.0.0.1:8080/ " << Kind::Http << "127.0.0.1" << 8080 << QString()
        << QString();
    QTest::newRow("user and password are percent-decoded")
        << "http://us%40er:p%3Ass%20w@127.0.0.1:3128" << Kind::Http << "127.0.0.1" << 3128
        << "us@er"
        << "p:ss w";
    QTest::newRow("a user without a password")
        << "socks5h://alice@[::1]:1080" << Kind::Socks5Hostname << "::1" << 1080 << "alice"
        << QString();
}

void TestProxyUrl::accepted()
{
    QFETCH(QString, text);
    QFETCH(ProxyUrl::Kind, kind);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, user);
    QFETCH(QString, password);

    QString error;
    const std::optional<ProxyUrl> proxy = ProxyUrl::parse(text, &error);
    QVERIFY2(proxy, qPrintable(error));
    QCOMPARE(proxy->kind, kind);
    QCOMPARE(proxy->host, host);
    QCOMPARE(int(proxy->port), port);
    QCOMPARE(proxy->user, user);
    QCOMPARE(proxy->password, password);
}

void TestProxyUrl::refused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");

    QTest::newRow("an unknown scheme is named, and only the scheme")
        << "ftp://u:pf-secret-1@127.0.0.1:21"
        << "unknown proxy scheme \"ftp\": use http, socks5 or socks5h";
    QTest::newRow("https:// says Qt cannot speak TLS to a proxy")
        << "https://u:pf-secret-1@127.0.0.1:443"
        << "https:// proxies are not supported: Qt 6.4 cannot speak TLS to a proxy; use http, "
           "socks5 or socks5h";
    QTest::newRow("socks4:// is not SOCKS5") << "socks4://127.0.0.1:1080"
                                             << "unknown proxy scheme \"socks4\": use http, "
                                                "socks5 or socks5h";
    QTest::newRow("no scheme at all")
        << "127.0.0.1:3128"
        << "not a proxy URL: give SCHEME://HOST:PORT with SCHEME http, socks5 or socks5h";
    QTest::newRow("empty") << ""
                           << "not a proxy URL: give SCHEME://HOST:PORT with SCHEME http, "
                              "socks5 or socks5h";
    QTest::newRow("no host") << "http://:3128"
                             << "not a valid proxy URL: http://:3128";
    QTest::newRow("a path, the password masked in the message")
        << "http://u:pf-secret-1@127.0.0.1:3128/path"
        << "a proxy URL has no path: http://***@127.0.0.1:3128/path";
    QTest::newRow("a query") << "http://127.0.0.1:3128?x=1"
                             << "a proxy URL has no query or fragment: http://127.0.0.1:3128?x=1";
    QTest::newRow("port 0") << "http://127.0.0.1:0"
                            << "the proxy's port must be 1 to 65535: http://127.0.0.1:0";
}

void TestProxyUrl::refused()
{
    QFETCH(QString, text);
    QFETCH(QString, message);

    QString error;
    QVERIFY(!ProxyUrl::parse(text, &error));
    QCOMPARE(error, message);
    QVERIFY(!error.contains(QLatin1String("pf-secret-1")));
}

void TestProxyUrl::displayTextMasksThePassword_data()
{
    QTest::addColumn<QString>("setting");
    QTest::addColumn<QString>("shown");

    QTest::newRow("empty is the system's settings") << QString() << QString();
    QTest::newRow("none stays none") << "none"
                                     << "none";
    QTest::newRow("no user info: as it is") << "socks5h://127.0.0.1:1080"
                                            << "socks5h://127.0.0.1:1080";
    QTest::newRow("user and password become ***") << "http://alice:pf-secret-1@127.0.0.1:3128"
                                                  << "http://***@127.0.0.1:3128";
}

void TestProxyUrl::displayTextMasksThePassword()
{
    QFETCH(QString, setting);
    QFETCH(QString, shown);

    QCOMPARE(ProxyUrl::displayText(setting), shown);
}

QTEST_GUILESS_MAIN(TestProxyUrl)
#include "tst_proxyurl.moc"
