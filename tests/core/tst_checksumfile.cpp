// SPDX-License-Identifier: GPL-3.0-or-later
// Expected checksums: the `sha256=HEX` field of a list line, and sha256sum's output
// (--checksums FILE), with every malformed form named by its line.
#include "checksumfile.h"
#include "urllistparser.h"

#include <QtTest>

using namespace Parafetch;

namespace {

const QByteArray HexA = QByteArray(64, 'a');
const QByteArray HexB =
    QByteArrayLiteral("0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef");

Sha256Digest digestOf(const QByteArray &hex)
{
    return Sha256Digest(QByteArray::fromHex(hex));
}

} // namespace

class TestChecksumFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listLineCarriesAChecksum_data();
    void listLineCarriesAChecksum();
    void theSameThroughParallelBlocks();
    void sha256sumOutputIsRead_data();
    void sha256sumOutputIsRead();
    void badChecksumFilesNameTheLine_data();
    void badChecksumFilesNameTheLine();
};

void TestChecksumFile::listLineCarriesAChecksum_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("url"); // empty: no entry
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("hex"); // empty: no checksum
    QTest::addColumn<QString>("problem"); // part of the line's problem; empty: none

    const QString url = QStringLiteral("https://example.com/a.iso");
    QTest::newRow("url,name,sha256=HEX")
        << url + QStringLiteral(",disk.iso,sha256=") + QString::fromLatin1(HexA) << url
        << QStringLiteral("disk.iso") << HexA << QString();
    QTest::newRow("url,,sha256=HEX: no name")
        << url + QStringLiteral(",,sha256=") + QString::fromLatin1(HexB) << url << QString()
        << HexB.toLower() << QString();
    QTest::newRow("tabs") << url + QStringLiteral("\tdisk.iso\tsha256=") + QString::fromLatin1(HexA)
                          << url << QStringLiteral("disk.iso") << HexA << QString();
    QTest::newRow("upper-case key, spaces after the comma")
        << url + QStringLiteral(", disk.iso, SHA256=") + QString::fromLatin1(HexA) << url
        << QStringLiteral("disk.iso") << HexA << QString();
    QTest::newRow("quoted name with a comma")
        << QStringLiteral("\"") + url + QStringLiteral("\",\"a, b.iso\",sha256=")
            + QString::fromLatin1(HexA)
        << url << QStringLiteral("a, b.iso") << HexA << QString();
    QTest::newRow("63 hex digits: a problem, nothing added")
        << url + QStringLiteral(",,sha256=") + QString::fromLatin1(HexA.left(63)) << QString()
        << QString() << QByteArray() << QStringLiteral("not 64 hex digits");
    QTest::newRow("not hex: a problem, nothing added")
        << url + QStringLiteral(",x.iso,sha256=") + QString(64, u'g') << QString() << QString()
        << QByteArray() << QStringLiteral("not 64 hex digits");
    QTest::newRow("two URLs and one checksum: a problem, nothing added")
        << QStringLiteral("see https://a.example/1 and https://a.example/2,sha256=")
            + QString::fromLatin1(HexA)
        << QString() << QString() << QByteArray() << QStringLiteral("belongs to one URL");
    QTest::newRow("a query that says sha256= is the URL's")
        << QStringLiteral("https://example.com/get?sha256=") + QString::fromLatin1(HexA)
        << QStringLiteral("https://example.com/get?sha256=") + QString::fromLatin1(HexA)
        << QString() << QByteArray() << QString();
}

void TestChecksumFile::listLineCarriesAChecksum()
{
    QFETCH(QString, line);
    QFETCH(QString, url);
    QFETCH(QString, fileName);
    QFETCH(QByteArray, hex);
    QFETCH(QString, problem);

    const ParseResult result = UrlListParser::parse(line);
    if (url.isEmpty()) {
        QCOMPARE(result.entries.size(), 0);
    } else {
        QCOMPARE(result.entries.size(), 1);
        const UrlEntry &entry = result.entries.constFirst();
        QCOMPARE(entry.url.toUrl().toString(), url);
        QCOMPARE(entry.fileName, fileName);
        QCOMPARE(entry.expectedSha256(), hex.isEmpty() ? Sha256Digest() : digestOf(hex));
    }
    if (problem.isEmpty()) {
        QVERIFY2(result.problems.isEmpty(), qPrintable(result.problems.value(0).reason));
    } else {
        QCOMPARE(result.problems.size(), 1);
        QCOMPARE(result.problems.constFirst().line, 1);
        QVERIFY2(result.problems.constFirst().reason.contains(problem),
                 qPrintable(result.problems.constFirst().reason));
    }
}

void TestChecksumFile::theSameThroughParallelBlocks()
{
    // A pasted list long enough to be parsed in blocks: the checksums stay with their URLs.
    QString text;
    for (int i = 0; i < 2000; ++i) {
        text += QStringLiteral("https://example.com/f%1").arg(i);
        if (i % 7 == 0)
            text += QStringLiteral(",,sha256=") + QString::fromLatin1(HexA);
        text += QLatin1Char('\n');
    }
    UrlListParser parser;
    parser.addDocument(text, 4);
    const QList<UrlEntry> entries = parser.takeEntries();
    QCOMPARE(entries.size(), 2000);
    for (int i = 0; i < entries.size(); ++i) {
        QCOMPARE(entries[i].line, i + 1);
        QCOMPARE(entries[i].expectedSha256().isEmpty(), i % 7 != 0);
    }
}

void TestChecksumFile::sha256sumOutputIsRead_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("hex");

    QTest::newRow("text mode") << HexA + "  disk.iso\n" << QStringLiteral("disk.iso") << HexA;
    QTest::newRow("binary mode") << HexB + " *disk.iso\n" << QStringLiteral("disk.iso") << HexB;
    QTest::newRow("a directory: matched by the last component") << HexA
            + "  ./iso/disk.iso\n" << QStringLiteral("disk.iso") << HexA;
    QTest::newRow("BSD tag") << "SHA256 (disk.iso) = " + HexA + "\n"
                             << QStringLiteral("disk.iso") << HexA;
    QTest::newRow("CRLF, comments and blank lines")
        << "# made by sha256sum\r\n\r\n" + HexA + "  disk.iso\r\n"
        << QStringLiteral("disk.iso") << HexA;
    QTest::newRow("a name with spaces") << HexA + "  my disk.iso\n"
                                        << QStringLiteral("my disk.iso") << HexA;
    QTest::newRow("an escaped backslash: the last component after it") << "\\" + HexA
            + "  a\\\\b.iso\n" << QStringLiteral("b.iso") << HexA;
    QTest::newRow("UTF-8 name") << HexA + "  d\xc3\xa9j\xc3\xa0.iso\n"
                                << QStringLiteral("déjà.iso") << HexA;
}

void TestChecksumFile::sha256sumOutputIsRead()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, name);
    QFETCH(QByteArray, hex);

    QString error;
    const auto byName = ChecksumFile::parse(text, &error);
    QVERIFY2(byName, qPrintable(error));
    QCOMPARE(byName->size(), 1);
    QVERIFY2(byName->contains(name), qPrintable(byName->keys().join(QLatin1Char('|'))));
    QCOMPARE(byName->value(name), digestOf(hex));
}

void TestChecksumFile::badChecksumFilesNameTheLine_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");

    QTest::newRow("a cookies file is not a checksum list")
        << QByteArray("# Netscape HTTP Cookie File\n.example.com\tTRUE\t/\tFALSE\t0\tid\t1\n")
        << QStringLiteral("line 2 is not a SHA-256 line");
    QTest::newRow("an MD5 line") << QByteArray("d41d8cd98f00b204e9800998ecf8427e  a.iso\n")
                                 << QStringLiteral("line 1 is not a SHA-256 line");
    QTest::newRow("one space only") << HexA + " a.iso\n"
                                    << QStringLiteral("line 1 is not a SHA-256 line");
    QTest::newRow("no name") << HexA + "  \n" << QStringLiteral("line 1 is not a SHA-256 line");
    QTest::newRow("one name, two checksums") << HexA + "  a.iso\n" + HexB
            + "  a.iso\n" << QStringLiteral("line 2 gives \"a.iso\" a second, different checksum");
}

void TestChecksumFile::badChecksumFilesNameTheLine()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    QString message;
    QVERIFY(!ChecksumFile::parse(text, &message));
    QVERIFY2(message.contains(error), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestChecksumFile)
#include "tst_checksumfile.moc"
