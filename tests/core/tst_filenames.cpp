// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of FileNames: sanitising, names from URLs and Content-Disposition, de-duplication.
#include "filenames.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Parafetch;

namespace {

QString repeated(QStringView piece, int count)
{
    QString text;
    for (int i = 0; i < count; ++i)
        text += piece;
    return text;
}

qsizetype utf8Bytes(const QString &text)
{
    return text.toUtf8().size();
}

} // namespace

class TestFileNames : public QObject
{
    Q_OBJECT

private slots:
    void sanitize_data();
    void sanitize();
    void sanitizeIsIdempotent_data();
    void sanitizeIsIdempotent();
    void splitExtension_data();
    void splitExtension();
    void fromUrl_data();
    void fromUrl();
    void withTypeExtension_data();
    void withTypeExtension();
    void fromContentDisposition_data();
    void fromContentDisposition();
    void uniqueName_data();
    void uniqueName();
    void uniqueNameGivesUpCountingButNotTheCaller();
    void partName();
};

void TestFileNames::sanitize_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("plain name is kept") << u"report.pdf"_s << u"report.pdf"_s;
    QTest::newRow("case is kept") << u"README.Md"_s << u"README.Md"_s;
    QTest::newRow("non-ASCII letters are kept") << u"bücher €.pdf"_s << u"bücher €.pdf"_s;
    QTest::newRow("parent directories are dropped") << u"../../x"_s << u"x"_s;
    QTest::newRow("absolute unix path keeps its last component") << u"/etc/passwd"_s << u"passwd"_s;
    QTest::newRow("windows path keeps its last component") << u"C:\\Windows\\x.dll"_s << u"x.dll"_s;
    QTest::newRow("mixed separators") << u"a\\b/c.txt"_s << u"c.txt"_s;
    QTest::newRow("UNC path") << u"\\\\server\\share\\x.doc"_s << u"x.doc"_s;
    QTest::newRow("trailing separator keeps the directory name") << u"reports/"_s << u"reports"_s;
    QTest::newRow("only separators fall back") << u"///"_s << u"download"_s;
    QTest::newRow("empty falls back") << QString() << u"download"_s;
    QTest::newRow("single dot falls back") << u"."_s << u"download"_s;
    QTest::newRow("two dots fall back") << u".."_s << u"download"_s;
    QTest::newRow("only dots fall back") << u"....."_s << u"download"_s;
    QTest::newRow("only dots and spaces fall back") << u" . . "_s << u"download"_s;
    QTest::newRow("path ending in two dots falls back") << u"a/.."_s << u"download"_s;
    QTest::newRow("NUL is removed") << QStringView(u"a\0b.txt", 7).toString() << u"ab.txt"_s;
    QTest::newRow("control characters are removed")
        << u"a\tb\nc\r\u001b[31m.txt"_s << u"abc[31m.txt"_s;
    QTest::newRow("DEL and C1 controls are removed") << u"a\u007f\u0085b.txt"_s << u"ab.txt"_s;
    QTest::newRow("right-to-left override is removed")
        << u"invoice\u202Efdp.exe"_s << u"invoicefdp.exe"_s;
    QTest::newRow("characters invalid on Windows become underscores")
        << u"a<b>c:d\"e|f?g*h.txt"_s << u"a_b_c_d_e_f_g_h.txt"_s;
    QTest::newRow("drive letter without separator") << u"C:x.dll"_s << u"C_x.dll"_s;
    QTest::newRow("trailing dots are stripped") << u"name..."_s << u"name"_s;
    QTest::newRow("trailing dots and spaces are stripped") << u"file.txt. . "_s << u"file.txt"_s;
    QTest::newRow("leading spaces are stripped") << u"   file.txt"_s << u"file.txt"_s;
    QTest::newRow("inner spaces are kept") << u"my  file.txt"_s << u"my  file.txt"_s;
    QTest::newRow("leading dash is fine") << u"-rf"_s << u"-rf"_s;
    QTest::newRow("leading dot is kept") << u".bashrc"_s << u".bashrc"_s;
    QTest::newRow("lone surrogate is removed")
        << (u"a"_s + QChar(0xD800) + u"b.txt"_s) << u"ab.txt"_s;
    QTest::newRow("reserved name CON") << u"CON"_s << u"_CON"_s;
    QTest::newRow("reserved name in lower case with extension") << u"con.txt"_s << u"_con.txt"_s;
    QTest::newRow("reserved name with two extensions") << u"Com1.tar.gz"_s << u"_Com1.tar.gz"_s;
    QTest::newRow("reserved name LPT9") << u"lpt9"_s << u"_lpt9"_s;
    QTest::newRow("reserved name PRN") << u"prn.log"_s << u"_prn.log"_s;
    QTest::newRow("reserved name AUX") << u"Aux"_s << u"_Aux"_s;
    QTest::newRow("reserved name NUL with a trailing space") << u"NUL "_s << u"_NUL"_s;
    QTest::newRow("reserved name with a space before the extension")
        << u"nul .txt"_s << u"_nul .txt"_s;
    QTest::newRow("reserved name with a superscript digit") << u"COM\u00B9"_s << u"_COM\u00B9"_s;
    QTest::newRow("reserved name after a path") << u"dir/aux.c"_s << u"_aux.c"_s;
    QTest::newRow("name that starts like a reserved one is fine")
        << u"console.txt"_s << u"console.txt"_s;
    QTest::newRow("COM10 is not reserved") << u"COM10"_s << u"COM10"_s;
    QTest::newRow("a reserved name made by cutting a long name to size is caught")
        << QString(u"CON"_s + QString(250, u' ') + u"x.txt"_s) << u"_CON.txt"_s;

    QTest::newRow("300 characters are cut to 200 bytes keeping the extension")
        << (repeated(u"a", 300) + u".txt"_s) << (repeated(u"a", 196) + u".txt"_s);
    QTest::newRow("300 characters without extension are cut to 200 bytes")
        << repeated(u"b", 300) << repeated(u"b", 200);
    QTest::newRow("two-byte characters are cut on a character boundary")
        << (repeated(u"é", 150) + u".txt"_s) << (repeated(u"é", 98) + u".txt"_s);
    QTest::newRow("three-byte characters are cut on a character boundary")
        << (repeated(u"€", 100) + u".txt"_s) << (repeated(u"€", 65) + u".txt"_s);
    QTest::newRow("surrogate pairs are never split")
        << (repeated(u"😀", 60) + u".png"_s) << (repeated(u"😀", 49) + u".png"_s);
    QTest::newRow("multi-part extension survives the cut")
        << (repeated(u"c", 250) + u".tar.gz"_s) << (repeated(u"c", 193) + u".tar.gz"_s);
    QTest::newRow("a cut that ends in a space loses the space")
        << (repeated(u"a", 199) + u" "_s + repeated(u"b", 50)) << repeated(u"a", 199);
    QTest::newRow("an overlong suffix is not kept as an extension")
        << (u"x."_s + repeated(u"y", 300)) << (u"x."_s + repeated(u"y", 198));
    QTest::newRow("exactly 200 bytes is kept") << repeated(u"d", 200) << repeated(u"d", 200);
}

void TestFileNames::sanitize()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);

    const QString result = FileNames::sanitize(input);
    QCOMPARE(result, expected);
    // What every result must be, whatever the input.
    QVERIFY(!result.isEmpty());
    QVERIFY(!result.contains(u'/'));
    QVERIFY(!result.contains(u'\\'));
    QVERIFY(result != u"."_s && result != u".."_s);
    QVERIFY(utf8Bytes(result) <= FileNames::MaxNameBytes);
}

void TestFileNames::sanitizeIsIdempotent_data()
{
    sanitize_data();
}

void TestFileNames::sanitizeIsIdempotent()
{
    QFETCH(QString, input);
    const QString once = FileNames::sanitize(input);
    QCOMPARE(FileNames::sanitize(once), once);
}

void TestFileNames::splitExtension_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("stem");
    QTest::addColumn<QString>("extension");

    QTest::newRow("simple") << u"photo.jpg"_s << u"photo"_s << u".jpg"_s;
    QTest::newRow("dotted stem keeps only the last extension")
        << u"my.photo.jpg"_s << u"my.photo"_s << u".jpg"_s;
    QTest::newRow("compressed tarball") << u"archive.tar.gz"_s << u"archive"_s << u".tar.gz"_s;
    QTest::newRow("compressed tarball in capitals")
        << u"backup.TAR.XZ"_s << u"backup"_s << u".TAR.XZ"_s;
    QTest::newRow("plain tarball") << u"src.tar"_s << u"src"_s << u".tar"_s;
    QTest::newRow("no extension") << u"README"_s << u"README"_s << QString();
    QTest::newRow("hidden file has no extension") << u".bashrc"_s << u".bashrc"_s << QString();
    QTest::newRow("hidden tarball") << u".cache.tar.gz"_s << u".cache"_s << u".tar.gz"_s;
    QTest::newRow("suffix with a space is not an extension")
        << u"Report v1.final draft"_s << u"Report v1.final draft"_s << QString();
    QTest::newRow("tar alone before the dot is not a multi-part stem")
        << u"tar.gz"_s << u"tar"_s << u".gz"_s;
}

void TestFileNames::splitExtension()
{
    QFETCH(QString, name);
    QFETCH(QString, stem);
    QFETCH(QString, extension);

    const FileNames::NameParts parts = FileNames::splitExtension(name);
    QCOMPARE(parts.stem, stem);
    QCOMPARE(parts.extension, extension);
}

void TestFileNames::fromUrl_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QString>("expected");

    QTest::newRow("last path segment")
        << QUrl(u"https://example.com/files/report.pdf"_s) << u"report.pdf"_s;
    QTest::newRow("query is ignored")
        << QUrl(u"https://example.com/get/file.zip?token=a/b.exe"_s) << u"file.zip"_s;
    QTest::newRow("fragment is ignored")
        << QUrl(u"https://example.com/a.html#x/y.exe"_s) << u"a.html"_s;
    QTest::newRow("empty path") << QUrl(u"https://example.com"_s) << u"index.html"_s;
    QTest::newRow("root path") << QUrl(u"https://example.com/"_s) << u"index.html"_s;
    QTest::newRow("path ending in a slash")
        << QUrl(u"https://example.com/dir/"_s) << u"index.html"_s;
    QTest::newRow("path ending in two slashes")
        << QUrl(u"https://example.com/dir//"_s) << u"index.html"_s;
    QTest::newRow("percent-encoded space")
        << QUrl(u"https://example.com/my%20file.txt"_s) << u"my file.txt"_s;
    QTest::newRow("percent-encoded UTF-8")
        << QUrl(u"https://example.com/b%C3%BCcher.pdf"_s) << u"bücher.pdf"_s;
    QTest::newRow("unencoded non-ASCII path") << QUrl(u"https://example.com/ü.txt"_s) << u"ü.txt"_s;
    QTest::newRow("percent-encoded Latin-1 from an old server")
        << QUrl(u"https://example.com/caf%E9.txt"_s) << u"café.txt"_s;
    QTest::newRow("encoded slashes cannot climb out")
        << QUrl(u"https://example.com/..%2F..%2Fetc%2Fpasswd"_s) << u"passwd"_s;
    QTest::newRow("encoded backslashes cannot climb out")
        << QUrl(u"https://example.com/..%5C..%5Cboot.ini"_s) << u"boot.ini"_s;
    QTest::newRow("encoded NUL is removed")
        << QUrl(u"https://example.com/a%00b.txt"_s) << u"ab.txt"_s;
    QTest::newRow("encoded colon becomes an underscore")
        << QUrl(u"https://example.com/a%3Ab.txt"_s) << u"a_b.txt"_s;
    QTest::newRow("dot-dot segment falls back")
        << QUrl(u"https://example.com/a/.."_s) << u"download"_s;
    QTest::newRow("reserved device name") << QUrl(u"https://example.com/con"_s) << u"_con"_s;
    QTest::newRow("credentials are not part of the name")
        << QUrl(u"https://user:secret@example.com/x.bin"_s) << u"x.bin"_s;
}

void TestFileNames::fromUrl()
{
    QFETCH(QUrl, url);
    QFETCH(QString, expected);
    QCOMPARE(FileNames::fromUrl(url), expected);
}

void TestFileNames::withTypeExtension_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("expected");

    QTest::newRow("pdf") << u"report"_s << QByteArray("application/pdf") << u"report.pdf"_s;
    QTest::newRow("json with parameters")
        << u"data"_s << QByteArray("application/json; charset=utf-8") << u"data.json"_s;
    QTest::newRow("type in upper case and spaced")
        << u"page"_s << QByteArray(" Text/HTML ;charset=UTF-8") << u"page.html"_s;
    QTest::newRow("an alias of a type")
        << u"logs"_s << QByteArray("application/x-gzip") << u"logs.gz"_s;
    QTest::newRow("a name with an extension keeps it")
        << u"image.jpeg"_s << QByteArray("image/png") << u"image.jpeg"_s;
    QTest::newRow("octet-stream says nothing")
        << u"blob"_s << QByteArray("application/octet-stream") << u"blob"_s;
    QTest::newRow("unknown type") << u"thing"_s << QByteArray("x-made/up") << u"thing"_s;
    QTest::newRow("no type") << u"thing"_s << QByteArray() << u"thing"_s;
    QTest::newRow("the fallback name gets one too")
        << u"download"_s << QByteArray("text/plain") << u"download.txt"_s;
    QTest::newRow("a long name is cut before the extension")
        << QString(FileNames::MaxNameBytes, u'n') << QByteArray("application/pdf")
        << QString(FileNames::MaxNameBytes - 4, u'n') + u".pdf"_s;
}

void TestFileNames::withTypeExtension()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, expected);
    QCOMPARE(FileNames::withTypeExtension(name, contentType), expected);
}

void TestFileNames::fromContentDisposition_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("expected");

    // The examples of RFC 6266 section 5.
    QTest::newRow("RFC 6266: token") << "Attachment; filename=example.html"_ba << u"example.html"_s;
    QTest::newRow("RFC 6266: quoted, upper case, space after =")
        << "INLINE; FILENAME= \"an example.html\""_ba << u"an example.html"_s;
    QTest::newRow("RFC 6266: filename* in UTF-8")
        << "attachment; filename*= UTF-8''%e2%82%ac%20rates"_ba << u"€ rates"_s;
    QTest::newRow("RFC 6266: filename* wins over filename")
        << "attachment; filename=\"EURO rates\"; filename*=utf-8''%e2%82%ac%20rates"_ba
        << u"€ rates"_s;

    QTest::newRow("filename* wins when it comes first")
        << "attachment; filename*=UTF-8''%e2%82%ac.txt; filename=\"euro.txt\""_ba << u"€.txt"_s;
    QTest::newRow("filename* with a language tag")
        << "attachment; filename*=UTF-8'en'file.txt"_ba << u"file.txt"_s;
    QTest::newRow("filename* in ISO-8859-1")
        << "attachment; filename*=iso-8859-1'en'%A3%20rates.txt"_ba << u"£ rates.txt"_s;
    QTest::newRow("filename* with an unknown charset leaves filename to decide")
        << "attachment; filename=\"fallback.txt\"; filename*=x-unknown''abc.txt"_ba
        << u"fallback.txt"_s;
    QTest::newRow("filename* with invalid UTF-8 leaves filename to decide")
        << "attachment; filename*=UTF-8''%FF%FE.txt; filename=ok.txt"_ba << u"ok.txt"_s;
    QTest::newRow("quoted filename* is tolerated")
        << "attachment; filename*=\"UTF-8''%C3%A9t%C3%A9.txt\""_ba << u"été.txt"_s;
    QTest::newRow("parameter names in mixed case")
        << "attachment; FileName*=UTF-8''x.txt"_ba << u"x.txt"_s;
    QTest::newRow("quoted with escaped quotes")
        << "attachment; filename=\"a \\\"quoted\\\" name.txt\""_ba << u"a _quoted_ name.txt"_s;
    QTest::newRow("semicolon inside quotes")
        << "attachment; filename=\"a;b.txt\"; size=3"_ba << u"a;b.txt"_s;
    QTest::newRow("path traversal in filename")
        << "attachment; filename=\"../../etc/passwd\""_ba << u"passwd"_s;
    QTest::newRow("path traversal with escaped backslashes")
        << "attachment; filename=\"..\\\\..\\\\windows\\\\evil.exe\""_ba << u"evil.exe"_s;
    QTest::newRow("path traversal in filename*")
        << "attachment; filename*=UTF-8''..%2F..%2F.bashrc"_ba << u".bashrc"_s;
    QTest::newRow("absolute path in filename")
        << "attachment; filename=/etc/cron.d/job"_ba << u"job"_s;
    QTest::newRow("control characters in filename")
        << "attachment; filename=\"a\tb\x1b.txt\""_ba << u"ab.txt"_s;
    QTest::newRow("reserved device name in filename")
        << "attachment; filename=\"nul.txt\""_ba << u"_nul.txt"_s;
    QTest::newRow("raw UTF-8 bytes") << "attachment; filename=\"b\xc3\xbc"
                                        "cher.pdf\""_ba
                                     << u"bücher.pdf"_s;
    QTest::newRow("raw Latin-1 bytes")
        << "attachment; filename=\"caf\xe9.txt\""_ba << u"café.txt"_s;
    QTest::newRow("no disposition type") << "filename=report.csv"_ba << u"report.csv"_s;
    QTest::newRow("first of two filename parameters counts")
        << "attachment; filename=first.txt; filename=second.txt"_ba << u"first.txt"_s;
    QTest::newRow("unterminated quoted string runs to the end")
        << "attachment; filename=\"open.txt"_ba << u"open.txt"_s;
    QTest::newRow("no filename: attachment") << "attachment"_ba << QString();
    QTest::newRow("no filename: inline with other parameters") << "inline; size=12"_ba << QString();
    QTest::newRow("no filename: empty header") << QByteArray() << QString();
    QTest::newRow("filename without a value") << "attachment; filename"_ba << QString();
    QTest::newRow("filename of only dots is no name")
        << "attachment; filename=\"..\""_ba << QString();
    QTest::newRow("empty filename* falls back to filename")
        << "attachment; filename*=UTF-8''; filename=plain.txt"_ba << u"plain.txt"_s;
}

void TestFileNames::fromContentDisposition()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, expected);
    QCOMPARE(FileNames::fromContentDisposition(header), expected);
}

void TestFileNames::uniqueName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("taken");
    QTest::addColumn<bool>("caseInsensitive");
    QTest::addColumn<QString>("expected");

    QTest::newRow("a free name is kept") << u"a.txt"_s << QStringList() << false << u"a.txt"_s;
    QTest::newRow("first copy") << u"a.txt"_s << QStringList { u"a.txt"_s } << false
                                << u"a (1).txt"_s;
    QTest::newRow("second copy") << u"a.txt"_s << QStringList { u"a.txt"_s, u"a (1).txt"_s }
                                 << false << u"a (2).txt"_s;
    QTest::newRow("a gap is used")
        << u"a.txt"_s << QStringList { u"a.txt"_s, u"a (2).txt"_s } << false << u"a (1).txt"_s;
    QTest::newRow("many copies") << u"a.txt"_s
                                 << QStringList { u"a.txt"_s,     u"a (1).txt"_s, u"a (2).txt"_s,
                                                  u"a (3).txt"_s, u"a (4).txt"_s, u"a (5).txt"_s,
                                                  u"a (6).txt"_s, u"a (7).txt"_s, u"a (8).txt"_s,
                                                  u"a (9).txt"_s }
                                 << false << u"a (10).txt"_s;
    QTest::newRow("no extension") << u"README"_s << QStringList { u"README"_s } << false
                                  << u"README (1)"_s;
    QTest::newRow("compressed tarball keeps both extensions")
        << u"archive.tar.gz"_s << QStringList { u"archive.tar.gz"_s } << false
        << u"archive (1).tar.gz"_s;
    QTest::newRow("dotted stem") << u"my.photo.jpg"_s << QStringList { u"my.photo.jpg"_s } << false
                                 << u"my.photo (1).jpg"_s;
    QTest::newRow("hidden file") << u".bashrc"_s << QStringList { u".bashrc"_s } << false
                                 << u".bashrc (1)"_s;
    QTest::newRow("percent signs in the stem are not placeholders")
        << u"100%1 %2.txt"_s << QStringList { u"100%1 %2.txt"_s } << false << u"100%1 %2 (1).txt"_s;
    QTest::newRow("case-different name is free for a case-sensitive check")
        << u"Report.pdf"_s << QStringList { u"report.pdf"_s } << false << u"Report.pdf"_s;
    QTest::newRow("case-different name is taken for a case-insensitive check")
        << u"Report.pdf"_s << QStringList { u"report.pdf"_s } << true << u"Report (1).pdf"_s;
    QTest::newRow("case-insensitive check also skips a case-different copy")
        << u"Report.pdf"_s << QStringList { u"report.pdf"_s, u"REPORT (1).PDF"_s } << true
        << u"Report (2).pdf"_s;
    QTest::newRow("a leftover part file makes a name taken")
        << u"a.txt"_s << QStringList { u"a.txt.part"_s } << false << u"a (1).txt"_s;
}

void TestFileNames::uniqueName()
{
    QFETCH(QString, name);
    QFETCH(QStringList, taken);
    QFETCH(bool, caseInsensitive);
    QFETCH(QString, expected);

    // As a sink would ask: the name or its .part file exists.
    const auto isTaken = [&](const QString &candidate) {
        const Qt::CaseSensitivity cs = caseInsensitive ? Qt::CaseInsensitive : Qt::CaseSensitive;
        return taken.contains(candidate, cs) || taken.contains(FileNames::partName(candidate), cs);
    };
    QCOMPARE(FileNames::uniqueName(name, isTaken), expected);
}

void TestFileNames::uniqueNameGivesUpCountingButNotTheCaller()
{
    // A predicate that never says "free" must not hang the caller; every name it is asked about
    // is distinct, and the answer still has the stem and the extension.
    QSet<QString> asked;
    int calls = 0;
    const QString result = FileNames::uniqueName(u"a.txt"_s, [&](const QString &candidate) {
        ++calls;
        asked.insert(candidate);
        return true;
    });
    QVERIFY(calls > 1);
    QCOMPARE(asked.size(), calls);
    QVERIFY2(result.startsWith(u"a ("_s) && result.endsWith(u").txt"_s), qPrintable(result));
    QVERIFY(result != u"a.txt"_s);
}

void TestFileNames::partName()
{
    QCOMPARE(FileNames::partName(u"a.txt"_s), u"a.txt.part"_s);
    QCOMPARE(FileNames::partName(u"archive (1).tar.gz"_s), u"archive (1).tar.gz.part"_s);
    // The longest final name plus " (NNN)" and ".part" stays within a 255-byte file system limit.
    const QString longest = FileNames::sanitize(repeated(u"z", 1000));
    QVERIFY(utf8Bytes(FileNames::partName(longest + u" (999)"_s)) <= 255);
}

QTEST_GUILESS_MAIN(TestFileNames)
#include "tst_filenames.moc"
