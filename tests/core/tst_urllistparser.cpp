// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of UrlListParser: every input form, every problem kind, streaming, garbage and scale.
#include "urllistparser.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QStringEncoder>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Parafetch;

namespace {

constexpr quint32 GarbageSeed = 20240611;
constexpr qsizetype GarbageBytes = 1024 * 1024;
constexpr int ScaleLineCount = 100'000;
constexpr qsizetype LongLineLength = 100 * 1024;
constexpr int RandomSplitRounds = 200;
constexpr qsizetype MaxRandomChunk = 17;
// addDocument() is tried with every block count up to this (or the text's length): the cuts then
// fall on every kind of place, a \r\n's middle included. Long texts get fewer, for time.
constexpr int MaxBlocks = 48;
constexpr int MaxBlocksOfLongText = 9;
constexpr qsizetype LongText = 10'000;
constexpr quint32 MixedLinesSeed = 20261207;
constexpr int MixedLineCount = 3'000;
constexpr quint32 RandomUrlSeed = 20261208;
constexpr int RandomUrlCount = 40'000;

// An entry as "line|url|file name", the URL fully encoded: rows compare whole lists at once.
QStringList describe(const QList<UrlEntry> &entries)
{
    QStringList lines;
    for (const UrlEntry &entry : entries) {
        lines << QString::number(entry.line) + u'|' + entry.url.toString(QUrl::FullyEncoded) + u'|'
                + entry.fileName;
    }
    return lines;
}

// A problem as "line|reason|text".
QStringList describe(const QList<ParseProblem> &problems)
{
    QStringList lines;
    for (const ParseProblem &problem : problems)
        lines << QString::number(problem.line) + u'|' + problem.reason + u'|' + problem.text;
    return lines;
}

struct Collected
{
    QStringList entries;
    QStringList problems;
    int linesRead = 0;
};

bool operator==(const Collected &a, const Collected &b)
{
    return a.entries == b.entries && a.problems == b.problems && a.linesRead == b.linesRead;
}

Collected collect(UrlListParser &parser)
{
    return { describe(parser.takeEntries()), describe(parser.takeProblems()), parser.linesRead() };
}

Collected parseInChunks(QStringView text, const QList<qsizetype> &chunkSizes)
{
    UrlListParser parser;
    qsizetype pos = 0;
    for (qsizetype size : chunkSizes) {
        parser.addText(text.sliced(pos, qMin(size, text.size() - pos)));
        pos += size;
        if (pos >= text.size())
            break;
    }
    if (pos < text.size())
        parser.addText(text.sliced(pos));
    parser.finish();
    return collect(parser);
}

Collected parseWhole(QStringView text)
{
    UrlListParser parser;
    parser.addText(text);
    parser.finish();
    return collect(parser);
}

// Hands out its bytes in reads of the given sizes, then the rest at once: a pipe that delivers a
// document in pieces cut anywhere.
class ChoppedBuffer final : public QBuffer
{
public:
    explicit ChoppedBuffer(const QList<qsizetype> &readSizes)
        : m_readSizes(readSizes)
    { }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        if (!m_readSizes.isEmpty())
            maxSize = qMin<qint64>(maxSize, m_readSizes.takeFirst());
        return QBuffer::readData(data, maxSize);
    }

private:
    QList<qsizetype> m_readSizes;
};

Collected parseDevice(const QByteArray &bytes, const QList<qsizetype> &readSizes)
{
    ChoppedBuffer device(readSizes);
    device.setData(bytes);
    UrlListParser parser;
    // Unbuffered: each read() of the parser is one readData() here.
    if (!device.open(QIODevice::ReadOnly | QIODevice::Unbuffered) || !parser.addDevice(&device))
        return { { u"addDevice() failed"_s }, {}, -1 };
    return collect(parser);
}

// The text with a byte order mark, in an encoding that needs one to be recognised.
QByteArray withByteOrderMark(QStringConverter::Encoding encoding, QStringView text)
{
    QStringEncoder encoder(encoding, QStringEncoder::Flag::WriteBom);
    return encoder.encode(text);
}

bool hasControlCharacter(const QString &text)
{
    for (QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            return true;
    }
    return false;
}

QString repeated(QChar c, qsizetype count)
{
    return QString(count, c);
}

// Lines of every kind, duplicates near and far, in random order and with random line ends.
QString mixedLines(bool withHeader)
{
    const QStringList kinds = {
        u"https://a.example/%1"_s,
        u"https://a.example/%1,name%1.bin"_s,
        u"\"https://a.example/q?x=%1,y\",\"quoted %1.txt\""_s,
        u"https://a.example/%1\tfile%1.txt"_s,
        u"see https://a.example/%1 and ftp://x.example/%1, then http://b.example/%1."_s,
        u"https://user:secret@a.example/%1?token=t%1"_s,
        u"https://a.example/p?ids=%1,2,name.txt"_s,
        u"not a url %1"_s,
        u"http://host.example:99999/%1"_s,
        u"# comment https://a.example/%1"_s,
        u"   "_s,
        u"HTTPS://A.EXAMPLE/%1"_s,
        u"https://bücher.example/%1"_s,
    };
    const QStringList ends = { u"\n"_s, u"\r\n"_s, u"\r"_s };
    QRandomGenerator random(MixedLinesSeed);
    QString text = withHeader ? u"url,filename\r\n"_s : QString();
    for (int line = 0; line < MixedLineCount; ++line) {
        // Numbers from a small range: the same URL comes back, often in another block.
        const QString number = QString::number(random.bounded(MixedLineCount / 4));
        text += kinds.at(random.bounded(int(kinds.size()))).arg(number);
        text += ends.at(random.bounded(int(ends.size())));
    }
    return text;
}

} // namespace

class TestUrlListParser : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void credentialsNeverShown_data();
    void credentialsNeverShown();
    void problemTextIsCut();
    void duplicatesKeptWhenNotSkipping();
    void duplicatesFoundFarApart();
    void takeClearsAndCountsGoOn();
    void streamsFromDevice();
    void decodesCharactersSplitAcrossReads();
    void readsUtf16WithByteOrderMark();
    void refusesUnreadableDevice();
    void deviceReadsGiveTheSameResult_data();
    void deviceReadsGiveTheSameResult();
    void chunksGiveTheSameResult_data();
    void chunksGiveTheSameResult();
    void entriesHoldQUrlsEncodedForm();
    void blocksGiveTheSameResult_data();
    void blocksGiveTheSameResult();
    void binaryGarbage();
    void veryLongLine_data();
    void veryLongLine();
    void hundredThousandLines();
    void patterns_data();
    void patterns();
    void millionUrlsFromOnePattern();
};

void TestUrlListParser::parse_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QStringList>("entries"); // "line|url|file name"
    QTest::addColumn<QStringList>("problems"); // "line|substring of the reason"

    // One URL per line, and what surrounds it.
    QTest::newRow("one URL per line")
        << u"https://a.example/x\nhttp://b.example/y\n"_s
        << QStringList { u"1|https://a.example/x|"_s, u"2|http://b.example/y|"_s } << QStringList();
    QTest::newRow("empty input") << QString() << QStringList() << QStringList();
    QTest::newRow("leading and trailing whitespace")
        << u"  \thttps://a.example/x \t\n"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("blank lines and comments are skipped")
        << u"\n# a comment with https://x.example/\n\n"
           u"   # indented comment\n \t \nhttps://a.example/\n"_s
        << QStringList { u"6|https://a.example/|"_s } << QStringList();
    QTest::newRow("CRLF, CR and LF line ends count lines alike")
        << u"https://a.example/1\r\nhttps://a.example/2\r"
           u"https://a.example/3\n\r\nhttps://a.example/5"_s
        << QStringList { u"1|https://a.example/1|"_s, u"2|https://a.example/2|"_s,
                         u"3|https://a.example/3|"_s, u"5|https://a.example/5|"_s }
        << QStringList();
    QTest::newRow("no line break after the last line")
        << u"https://a.example/x"_s << QStringList { u"1|https://a.example/x|"_s } << QStringList();
    QTest::newRow("byte order mark at the start")
        << u"\uFEFFhttps://a.example/x"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("scheme and host in capitals are folded")
        << u"HTTPS://A.EXAMPLE/Path"_s << QStringList { u"1|https://a.example/Path|"_s }
        << QStringList();
    QTest::newRow("query and fragment are kept")
        << u"https://a.example/p?q=1&r=2#frag"_s
        << QStringList { u"1|https://a.example/p?q=1&r=2#frag|"_s } << QStringList();
    QTest::newRow("port and IPv6 host")
        << u"http://[::1]:8080/x"_s << QStringList { u"1|http://[::1]:8080/x|"_s } << QStringList();
    QTest::newRow("IDN host becomes punycode")
        << u"https://bücher.example/"_s << QStringList { u"1|https://xn--bcher-kva.example/|"_s }
        << QStringList();
    QTest::newRow("percent-encoding is kept")
        << u"https://a.example/%E2%82%AC"_s << QStringList { u"1|https://a.example/%E2%82%AC|"_s }
        << QStringList();
    QTest::newRow("non-ASCII path is percent-encoded")
        << u"https://a.example/€"_s << QStringList { u"1|https://a.example/%E2%82%AC|"_s }
        << QStringList();

    // URLs inside other text.
    QTest::newRow("two URLs in a sentence")
        << u"see https://a.example/x and http://b.example/y."_s
        << QStringList { u"1|https://a.example/x|"_s, u"1|http://b.example/y|"_s } << QStringList();
    QTest::newRow("url followed by a full stop")
        << u"Download https://a.example/file.zip."_s
        << QStringList { u"1|https://a.example/file.zip|"_s } << QStringList();
    QTest::newRow("url followed by a comma in a sentence")
        << u"first https://a.example/x, then https://b.example/y"_s
        << QStringList { u"1|https://a.example/x|"_s, u"1|https://b.example/y|"_s }
        << QStringList();
    QTest::newRow("url followed by a question mark")
        << u"Is it https://a.example/x?"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("url followed by several punctuation marks")
        << u"Really: https://a.example/x!?..."_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("url in parentheses")
        << u"(see https://a.example/x)"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("wikipedia-style parentheses are kept")
        << u"https://en.wikipedia.org/wiki/Foo_(bar)"_s
        << QStringList { u"1|https://en.wikipedia.org/wiki/Foo_(bar)|"_s } << QStringList();
    QTest::newRow("wikipedia-style parentheses inside parentheses")
        << u"(https://en.wikipedia.org/wiki/Foo_(bar))."_s
        << QStringList { u"1|https://en.wikipedia.org/wiki/Foo_(bar)|"_s } << QStringList();
    QTest::newRow("markdown link")
        << u"[the docs](https://a.example/docs)"_s << QStringList { u"1|https://a.example/docs|"_s }
        << QStringList();
    QTest::newRow("square brackets")
        << u"[https://a.example/x]"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("angle brackets") << u"<https://a.example/x>"_s
                                    << QStringList { u"1|https://a.example/x|"_s } << QStringList();
    QTest::newRow("HTML attribute in double quotes")
        << u"<a href=\"https://a.example/x\">link</a>"_s
        << QStringList { u"1|https://a.example/x|"_s } << QStringList();
    QTest::newRow("single quotes") << u"'https://a.example/x'"_s
                                   << QStringList { u"1|https://a.example/x|"_s } << QStringList();
    QTest::newRow("apostrophe inside a URL is kept")
        << u"https://a.example/it's"_s << QStringList { u"1|https://a.example/it's|"_s }
        << QStringList();
    QTest::newRow("label and colon before the URL")
        << u"mirror:https://a.example/x"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("numbered list")
        << u"1. https://a.example/x\n2.https://a.example/y"_s
        << QStringList { u"1|https://a.example/x|"_s, u"2|https://a.example/y|"_s }
        << QStringList();

    // `url,filename` and `url<TAB>filename`.
    QTest::newRow("url,filename") << u"https://a.example/x,report.pdf"_s
                                  << QStringList { u"1|https://a.example/x|report.pdf"_s }
                                  << QStringList();
    QTest::newRow("url, filename with a space after the comma")
        << u"https://a.example/x, my report.pdf"_s
        << QStringList { u"1|https://a.example/x|my report.pdf"_s } << QStringList();
    QTest::newRow("RFC 4180 quoted fields with a comma in the URL")
        << u"\"https://x.example/a,b\",\"my file.txt\""_s
        << QStringList { u"1|https://x.example/a,b|my file.txt"_s } << QStringList();
    QTest::newRow("RFC 4180 doubled quote inside a field")
        << u"\"https://x.example/a\",\"say \"\"hi\"\".txt\""_s
        << QStringList { u"1|https://x.example/a|say \"hi\".txt"_s } << QStringList();
    QTest::newRow("quoted file name after a space")
        << u"https://x.example/a, \"b, c.txt\""_s
        << QStringList { u"1|https://x.example/a|b, c.txt"_s } << QStringList();
    QTest::newRow("file name is taken as given, traversal included")
        << u"https://a.example/x,\"../../etc/passwd\""_s
        << QStringList { u"1|https://a.example/x|../../etc/passwd"_s } << QStringList();
    QTest::newRow("a lone quoted URL")
        << u"\"https://a.example/x\""_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("a space in a quoted URL becomes %20")
        << u"\"https://a.example/my file.pdf\""_s
        << QStringList { u"1|https://a.example/my%20file.pdf|"_s } << QStringList();
    QTest::newRow("trailing comma gives no file name")
        << u"https://a.example/x,"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();
    QTest::newRow("header line is skipped silently")
        << u"url,filename\nhttps://a.example/x,a.txt\nhttps://a.example/y\n"_s
        << QStringList { u"2|https://a.example/x|a.txt"_s, u"3|https://a.example/y|"_s }
        << QStringList();
    QTest::newRow("quoted header in capitals after a comment")
        << u"# exported list\n\"URL\",\"FileName\"\nhttps://a.example/x,a.txt"_s
        << QStringList { u"3|https://a.example/x|a.txt"_s } << QStringList();
    QTest::newRow("header with columns in another order")
        << u"title,filename,url\nFirst,a.txt,https://a.example/x\n"_s
        << QStringList { u"2|https://a.example/x|a.txt"_s } << QStringList();
    QTest::newRow("after a header an unquoted comma separates fields")
        << u"url,filename\nhttps://a.example/x?ids=1,ids.json\n"_s
        << QStringList { u"2|https://a.example/x?ids=1|ids.json"_s } << QStringList();
    QTest::newRow("header is only recognised on the first line")
        << u"https://a.example/x\nurl,filename\n"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList { u"2|no URL found"_s };
    QTest::newRow("tab-separated")
        << u"https://a.example/x\treport.pdf"_s
        << QStringList { u"1|https://a.example/x|report.pdf"_s } << QStringList();
    QTest::newRow("tab-separated with spaces in both fields")
        << u"https://a.example/my file.pdf\tmy report.pdf"_s
        << QStringList { u"1|https://a.example/my%20file.pdf|my report.pdf"_s } << QStringList();
    QTest::newRow("tab-separated header")
        << u"url\tfilename\nhttps://a.example/x\ta.txt"_s
        << QStringList { u"2|https://a.example/x|a.txt"_s } << QStringList();
    QTest::newRow("comma inside a path stays in the URL")
        << u"https://img.example/upload/w_100,h_100/cat.jpg"_s
        << QStringList { u"1|https://img.example/upload/w_100,h_100/cat.jpg|"_s } << QStringList();
    QTest::newRow("comma inside a query stays in the URL")
        << u"https://a.example/search?ids=1,2"_s
        << QStringList { u"1|https://a.example/search?ids=1,2|"_s } << QStringList();
    // An unquoted comma after a query: the last comma splits when a file name follows it,
    // and the line is reported as ambiguous (with its line number) all the same.
    QTest::newRow("query then a file name: split at the comma, reported as ambiguous")
        << u"http://h.example/p?a=1,name.bin"_s
        << QStringList { u"1|http://h.example/p?a=1|name.bin"_s }
        << QStringList { u"1|ambiguous comma"_s };
    QTest::newRow("query then a name without a dot but with letters: split, reported")
        << u"https://a.example/p?x=1,readme"_s
        << QStringList { u"1|https://a.example/p?x=1|readme"_s }
        << QStringList { u"1|ambiguous comma"_s };
    QTest::newRow("the last comma splits: the earlier ones stay in the URL, reported")
        << u"https://a.example/p?ids=1,2,ids.json"_s
        << QStringList { u"1|https://a.example/p?ids=1,2|ids.json"_s }
        << QStringList { u"1|ambiguous comma"_s };
    QTest::newRow("an ambiguous line is reported with its own line number")
        << u"https://a.example/x\n# note\nhttps://a.example/p?a=1,b.txt\n"_s
        << QStringList { u"1|https://a.example/x|"_s, u"3|https://a.example/p?a=1|b.txt"_s }
        << QStringList { u"3|ambiguous comma"_s };
    QTest::newRow("query then digits only: the whole line is the URL, no problem")
        << u"https://a.example/p?a=1,10"_s << QStringList { u"1|https://a.example/p?a=1,10|"_s }
        << QStringList();
    QTest::newRow("query then a parameter with '=': the whole line is the URL, no problem")
        << u"https://a.example/p?a=1,b=2"_s << QStringList { u"1|https://a.example/p?a=1,b=2|"_s }
        << QStringList();
    QTest::newRow("query then text with '&': the whole line is the URL, no problem")
        << u"https://a.example/p?a=1,b&c"_s << QStringList { u"1|https://a.example/p?a=1,b&c|"_s }
        << QStringList();
    QTest::newRow("path then digits only: the whole line is the URL")
        << u"https://a.example/p,10"_s << QStringList { u"1|https://a.example/p,10|"_s }
        << QStringList();
    QTest::newRow("query then a trailing comma: no file name, no problem")
        << u"https://a.example/p?a=1,"_s << QStringList { u"1|https://a.example/p?a=1|"_s }
        << QStringList();
    QTest::newRow("a quoted URL keeps its comma and its would-be name: not ambiguous")
        << u"\"https://a.example/p?a=1,name.bin\""_s
        << QStringList { u"1|https://a.example/p?a=1,name.bin|"_s } << QStringList();
    QTest::newRow("quoted URL with its comma and a name: not ambiguous")
        << u"\"https://a.example/p?a=1,b\",name.bin"_s
        << QStringList { u"1|https://a.example/p?a=1,b|name.bin"_s } << QStringList();
    QTest::newRow("comma-separated URLs are two URLs")
        << u"https://a.example/x,https://b.example/y"_s
        << QStringList { u"1|https://a.example/x|"_s, u"1|https://b.example/y|"_s }
        << QStringList();
    QTest::newRow("tab-separated URLs are two URLs")
        << u"https://a.example/x\thttps://b.example/y"_s
        << QStringList { u"1|https://a.example/x|"_s, u"1|https://b.example/y|"_s }
        << QStringList();
    QTest::newRow("unclosed quote is read as text")
        << u"\"https://a.example/x"_s << QStringList { u"1|https://a.example/x|"_s }
        << QStringList();

    // Every kind of problem.
    QTest::newRow("ftp is unsupported")
        << u"ftp://files.example/a"_s << QStringList()
        << QStringList { u"1|unsupported scheme 'ftp' (only http and https are fetched)"_s };
    QTest::newRow("FTP in capitals is named in lower case")
        << u"FTP://files.example/a"_s << QStringList() << QStringList { u"1|scheme 'ftp'"_s };
    QTest::newRow("file is unsupported")
        << u"file:///etc/passwd"_s << QStringList() << QStringList { u"1|scheme 'file'"_s };
    QTest::newRow("javascript is unsupported")
        << u"javascript:alert(1)"_s << QStringList() << QStringList { u"1|scheme 'javascript'"_s };
    QTest::newRow("data is unsupported")
        << u"data:text/plain,hello"_s << QStringList() << QStringList { u"1|scheme 'data'"_s };
    QTest::newRow("mailto is unsupported")
        << u"write to mailto:someone@example.com"_s << QStringList()
        << QStringList { u"1|scheme 'mailto'"_s };
    QTest::newRow("unsupported scheme beside a good URL")
        << u"https://a.example/x or ftp://a.example/x"_s
        << QStringList { u"1|https://a.example/x|"_s } << QStringList { u"1|scheme 'ftp'"_s };
    QTest::newRow("text without a URL")
        << u"hello world"_s << QStringList() << QStringList { u"1|no URL found"_s };
    QTest::newRow("host name without a scheme")
        << u"www.example.com/file.zip"_s << QStringList()
        << QStringList { u"1|no URL found (a URL starts with http:// or https://)"_s };
    QTest::newRow("host and port without a scheme")
        << u"localhost:8080/x"_s << QStringList() << QStringList { u"1|no URL found"_s };
    QTest::newRow("a colon in text is not a scheme")
        << u"Note: data: 5 items"_s << QStringList() << QStringList { u"1|no URL found"_s };
    QTest::newRow("scheme-relative URL")
        << u"//a.example/x"_s << QStringList() << QStringList { u"1|no URL found"_s };
    QTest::newRow("a URL with no host")
        << u"https:///path"_s << QStringList() << QStringList { u"1|no host name"_s };
    QTest::newRow("a scheme and nothing else")
        << u"see http:// for details"_s << QStringList() << QStringList { u"1|no host name"_s };
    QTest::newRow("http without slashes")
        << u"http:foo"_s << QStringList() << QStringList { u"1|no host name"_s };
    QTest::newRow("port out of range")
        << u"http://a.example:99999/"_s << QStringList()
        << QStringList { u"1|not a valid URL: the port must be a number from 0 to 65535"_s };
    QTest::newRow("port that is not a number")
        << u"http://a.example:port/"_s << QStringList() << QStringList { u"1|port must be"_s };
    QTest::newRow("invalid character in the host")
        << u"http://a|b.example/"_s << QStringList()
        << QStringList { u"1|not a valid URL: the host name is not valid"_s };
    QTest::newRow("empty label in the host")
        << u"https://a..b/"_s << QStringList() << QStringList { u"1|host name is not valid"_s };
    QTest::newRow("space in the host of a quoted URL")
        << u"\"https://exa mple.com/\",x.txt"_s << QStringList()
        << QStringList { u"1|host name is not valid"_s };
    QTest::newRow("unclosed IPv6 bracket")
        << u"http://[::1/x"_s << QStringList() << QStringList { u"1|IPv6"_s };
    QTest::newRow("duplicate is reported and skipped")
        << u"https://a.example/x\n\nhttps://a.example/x\n"_s
        << QStringList { u"1|https://a.example/x|"_s }
        << QStringList { u"3|duplicate of line 1, skipped"_s };
    QTest::newRow("duplicate after host case folding")
        << u"https://A.Example/x\nhttps://a.example/x"_s
        << QStringList { u"1|https://a.example/x|"_s }
        << QStringList { u"2|duplicate of line 1"_s };
    QTest::newRow("duplicate after percent-decoding of unreserved characters")
        << u"https://a.example/%7Euser\nhttps://a.example/~user"_s
        << QStringList { u"1|https://a.example/~user|"_s }
        << QStringList { u"2|duplicate of line 1"_s };
    QTest::newRow("duplicate of an IDN host in punycode")
        << u"https://bücher.example/\nhttps://xn--bcher-kva.example/"_s
        << QStringList { u"1|https://xn--bcher-kva.example/|"_s }
        << QStringList { u"2|duplicate of line 1"_s };
    QTest::newRow("duplicate on the same line") << u"https://a.example/x https://a.example/x"_s
                                                << QStringList { u"1|https://a.example/x|"_s }
                                                << QStringList { u"1|duplicate of line 1"_s };
    QTest::newRow("duplicate with another file name is still a duplicate")
        << u"https://a.example/x,a.txt\nhttps://a.example/x,b.txt"_s
        << QStringList { u"1|https://a.example/x|a.txt"_s }
        << QStringList { u"2|duplicate of line 1"_s };
    QTest::newRow("different query is not a duplicate")
        << u"https://a.example/x?a=1\nhttps://a.example/x?a=2"_s
        << QStringList { u"1|https://a.example/x?a=1|"_s, u"2|https://a.example/x?a=2|"_s }
        << QStringList();
    QTest::newRow("control characters look like binary data")
        << QStringView(u"\u0001\u0002\0abc", 6).toString() << QStringList()
        << QStringList { u"1|no URL found (the line looks like binary data"_s };
    QTest::newRow("replacement characters look like binary data")
        << u"\uFFFD\uFFFD\uFFFD"_s << QStringList() << QStringList { u"1|binary data"_s };
    QTest::newRow("a URL with a replacement character is not fetched")
        << u"https://a.example/\uFFFDx"_s << QStringList()
        << QStringList { u"1|the URL contains bytes that are not text"_s };
    QTest::newRow("problems keep their own line numbers")
        << u"https://a.example/1\nbad\n\nftp://x.example/\nhttps://a.example/1\n"_s
        << QStringList { u"1|https://a.example/1|"_s }
        << QStringList { u"2|no URL found"_s, u"4|scheme 'ftp'"_s, u"5|duplicate of line 1"_s };
}

void TestUrlListParser::parse()
{
    QFETCH(QString, input);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, problems);

    const ParseResult result = UrlListParser::parse(input);
    QCOMPARE(describe(result.entries), entries);

    const QStringList actualProblems = describe(result.problems);
    QCOMPARE(result.problems.size(), problems.size());
    for (int i = 0; i < problems.size(); ++i) {
        const qsizetype bar = problems[i].indexOf(u'|');
        const int expectedLine = problems[i].first(bar).toInt();
        const QString expectedReason = problems[i].sliced(bar + 1);
        const ParseProblem &actual = result.problems[i];
        QVERIFY2(actual.line == expectedLine && actual.reason.contains(expectedReason),
                 qPrintable(u"expected "_s + problems[i] + u", got "_s + actualProblems[i]));
        QVERIFY(!actual.text.isEmpty());
        QVERIFY(actual.text.size() <= UrlListParser::MaxProblemTextLength);
        QVERIFY(!hasControlCharacter(actual.text));
    }
}

void TestUrlListParser::credentialsNeverShown_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("reason");

    QTest::newRow("invalid port") << u"https://user:secret@a.example:99999/"_s << u"port"_s;
    QTest::newRow("invalid host in a quoted field")
        << u"\"https://user:secret@exa mple.com/\",x.txt"_s << u"host name"_s;
    QTest::newRow("unsupported scheme")
        << u"ftp://user:secret@files.example/"_s << u"scheme 'ftp'"_s;
    QTest::newRow("unsupported scheme inside text")
        << u"get it from ftp://user:secret@files.example/a.zip today"_s << u"scheme 'ftp'"_s;
    QTest::newRow("duplicate")
        << u"https://user:secret@a.example/\nhttps://user:secret@a.example/"_s
        << u"duplicate of line 1"_s;
    QTest::newRow("no host") << u"https://user:secret@/x"_s << u"no host name"_s;
    QTest::newRow("password with a slash in it")
        << u"https://user:s/secret@a.example:99999/"_s << u"port"_s;
    QTest::newRow("password with a space in a quoted field")
        << u"\"https://user:secret here@a.example:99999/\",x.txt"_s << u"port"_s;
    QTest::newRow("password only") << u"https://:secret@a.example:99999/"_s << u"port"_s;
    QTest::newRow("a pattern's note")
        << u"https://user:secret@a.example/[1-2]"_s << u"pattern expanded to 2 URLs"_s;
    QTest::newRow("a pattern over the limit")
        << u"https://user:secret@a.example/[1-2000000]"_s << u"more than the limit"_s;
    QTest::newRow("a bad pattern in the password")
        << u"https://user:se[cr]et@a.example/"_s << u"not a range (write"_s;
    QTest::newRow("binary bytes in the URL")
        << u"https://user:secret@a.example/\uFFFD"_s << u"not text"_s;
    QTest::newRow("line too long")
        << (u"https://user:secret@a.example/"_s + repeated(u'a', 70'000)) << u"line too long"_s;
    QTest::newRow("line too long with the password beyond the shown text")
        << (u"https://"_s + repeated(u'u', 200) + u":secret@a.example/"_s + repeated(u'a', 70'000))
        << u"line too long"_s;
}

void TestUrlListParser::credentialsNeverShown()
{
    QFETCH(QString, input);
    QFETCH(QString, reason);

    const ParseResult result = UrlListParser::parse(input);
    QVERIFY(!result.problems.isEmpty());
    bool reasonSeen = false;
    for (const ParseProblem &problem : result.problems) {
        QVERIFY2(!problem.text.contains(u"secret"_s), qPrintable(problem.text));
        QVERIFY2(!problem.reason.contains(u"secret"_s), qPrintable(problem.reason));
        reasonSeen = reasonSeen || problem.reason.contains(reason);
    }
    QVERIFY2(reasonSeen, qPrintable(describe(result.problems).join(u'\n')));
    // The masked form shows where the credentials were, when the shown text reaches them.
    const QString &firstText = result.problems.constFirst().text;
    if (firstText.contains(u'@'))
        QVERIFY2(firstText.contains(u"***@"_s), qPrintable(firstText));
}

void TestUrlListParser::problemTextIsCut()
{
    const QString line = u"no URL but a long sentence "_s + repeated(u'x', 300);
    const ParseResult result = UrlListParser::parse(line);
    QCOMPARE(result.problems.size(), 1);
    const QString &text = result.problems.constFirst().text;
    QCOMPARE(text.size(), UrlListParser::MaxProblemTextLength);
    QCOMPARE(text.back(), QChar(0x2026));
    QCOMPARE(text.chopped(1), line.first(UrlListParser::MaxProblemTextLength - 1));

    // A surrogate pair at the cut is dropped whole, never halved.
    const QString emoji = repeated(u'y', UrlListParser::MaxProblemTextLength - 2) + u"😀😀😀"_s;
    const QString cutText = UrlListParser::parse(emoji).problems.constFirst().text;
    QVERIFY(!cutText.chopped(1).back().isHighSurrogate());
    QCOMPARE(cutText, repeated(u'y', UrlListParser::MaxProblemTextLength - 2) + QChar(0x2026));
}

// The normalised URLs are kept packed in blocks (PackedKeyMap): a duplicate is found whichever
// block its first occurrence went to, a long URL in a block of its own included.
void TestUrlListParser::duplicatesFoundFarApart()
{
    constexpr int Distinct = 10'000; // about 400 KiB of normalised URLs: more than one block
    QString text;
    for (int i = 1; i <= Distinct; ++i)
        text += u"https://a.example/item?i="_s + QString::number(i) + u'\n';
    // Each of these characters is nine bytes once percent-encoded as UTF-8.
    const QString longUrl =
        u"https://b.example/"_s + QString(UrlListParser::MaxLineLength - 100, QChar(0x4E2D));
    text += longUrl + u'\n'; // line Distinct + 1
    text += u"https://a.example/item?i=1\n"_s; // Distinct + 2
    text += u"https://a.example/item?i=5000\n"_s; // Distinct + 3
    text += longUrl + u'\n'; // Distinct + 4

    const ParseResult result = UrlListParser::parse(text);
    QCOMPARE(result.entries.size(), Distinct + 1);
    QStringList found;
    for (const ParseProblem &problem : result.problems)
        found << QString::number(problem.line) + u'|' + problem.reason;
    QCOMPARE(found,
             (QStringList {
                 u"%1|duplicate of line 1, skipped"_s.arg(Distinct + 2),
                 u"%1|duplicate of line 5000, skipped"_s.arg(Distinct + 3),
                 u"%1|duplicate of line %2, skipped"_s.arg(Distinct + 4).arg(Distinct + 1) }));
}

void TestUrlListParser::duplicatesKeptWhenNotSkipping()
{
    UrlListParser parser;
    QVERIFY(parser.skipDuplicates());
    parser.setSkipDuplicates(false);
    parser.addText(u"https://a.example/x\nhttps://A.example/x\nhttps://a.example/y\n");
    parser.finish();
    QCOMPARE(describe(parser.takeEntries()),
             (QStringList { u"1|https://a.example/x|"_s, u"2|https://a.example/x|"_s,
                            u"3|https://a.example/y|"_s }));
    QVERIFY(parser.takeProblems().isEmpty());
    QCOMPARE(parser.duplicateCount(), 1);
}

void TestUrlListParser::takeClearsAndCountsGoOn()
{
    UrlListParser parser;
    parser.addText(u"https://a.example/1\nbad\nhttps://a.example/1\n");
    QCOMPARE(parser.takeEntries().size(), 1);
    QCOMPARE(parser.takeProblems().size(), 2);
    QVERIFY(parser.takeEntries().isEmpty());
    QVERIFY(parser.takeProblems().isEmpty());
    QCOMPARE(parser.duplicateCount(), 1);

    // Line numbers and duplicate detection continue across takes.
    parser.addText(u"https://a.example/1\nhttps://a.example/4");
    QCOMPARE(parser.linesRead(), 4);
    parser.finish();
    QCOMPARE(parser.linesRead(), 5);
    QCOMPARE(describe(parser.takeEntries()), QStringList { u"5|https://a.example/4|"_s });
    QCOMPARE(describe(parser.takeProblems()).size(), 1);
    QCOMPARE(parser.duplicateCount(), 2);
    parser.finish(); // nothing held: nothing happens
    QCOMPARE(parser.linesRead(), 5);
}

void TestUrlListParser::streamsFromDevice()
{
    QByteArray bytes = "https://a.example/1\r\nhttps://a.example/2\r\n\r\n# comment\r\n"
                       "ftp://x.example/\r\nhttps://a.example/3\r"
                       "https://a.example/4"_ba; // CRLF, a lone CR and a partial last line
    QBuffer buffer(&bytes);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    UrlListParser parser;
    QVERIFY(parser.addDevice(&buffer));
    QCOMPARE(describe(parser.takeEntries()),
             (QStringList { u"1|https://a.example/1|"_s, u"2|https://a.example/2|"_s,
                            u"6|https://a.example/3|"_s, u"7|https://a.example/4|"_s }));
    const QList<ParseProblem> problems = parser.takeProblems();
    QCOMPARE(problems.size(), 1);
    QCOMPARE(problems.constFirst().line, 5);
    QCOMPARE(parser.linesRead(), 7);

    // A second device does not glue its first line to the first device's last one.
    QByteArray more = "https://a.example/5\n"_ba;
    QBuffer second(&more);
    QVERIFY(second.open(QIODevice::ReadOnly));
    QVERIFY(parser.addDevice(&second));
    QCOMPARE(describe(parser.takeEntries()), QStringList { u"8|https://a.example/5|"_s });
}

void TestUrlListParser::decodesCharactersSplitAcrossReads()
{
    // The device is read in 64 KiB chunks; put a two-byte 'ü' across the first boundary.
    constexpr qsizetype chunk = 64 * 1024;
    const QByteArray prefix = "https://a.example/"_ba;
    QByteArray bytes = prefix + QByteArray(chunk - prefix.size() - 1, 'a') + "\xc3\xbc\n"_ba
        + "https://b.example/\xc3\xbc\n"_ba;
    QCOMPARE(bytes.at(chunk - 1), '\xc3');
    QBuffer buffer(&bytes);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    UrlListParser parser;
    QVERIFY(parser.addDevice(&buffer));
    const QList<UrlEntry> entries = parser.takeEntries();
    QVERIFY2(parser.takeProblems().isEmpty(), "no U+FFFD where the chunks meet");
    QCOMPARE(entries.size(), 2);
    QVERIFY(entries[0].url.toString(QUrl::FullyEncoded).endsWith(u"a%C3%BC"_s));
    QCOMPARE(entries[1].url.toString(QUrl::FullyEncoded), u"https://b.example/%C3%BC"_s);
}

void TestUrlListParser::readsUtf16WithByteOrderMark()
{
    QStringEncoder encoder(QStringEncoder::Utf16LE, QStringEncoder::Flag::WriteBom);
    QByteArray bytes = encoder.encode(u"https://a.example/ü\r\nurl-less line\r\n");
    QBuffer buffer(&bytes);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    UrlListParser parser;
    QVERIFY(parser.addDevice(&buffer));
    QCOMPARE(describe(parser.takeEntries()), QStringList { u"1|https://a.example/%C3%BC|"_s });
    QCOMPARE(parser.takeProblems().size(), 1);
}

void TestUrlListParser::refusesUnreadableDevice()
{
    UrlListParser parser;
    QVERIFY(!parser.addDevice(nullptr));
    QBuffer closed;
    QVERIFY(!parser.addDevice(&closed));
    QBuffer writeOnly;
    QVERIFY(writeOnly.open(QIODevice::WriteOnly));
    QVERIFY(!parser.addDevice(&writeOnly));
    QCOMPARE(parser.linesRead(), 0);
}

void TestUrlListParser::deviceReadsGiveTheSameResult_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("text"); // what the bytes say, decoded as one document

    QTest::newRow("invalid UTF-8 lead byte cut from the line break after it")
        << "https://a.example/1\xC3\nhttps://a.example/2\n"_ba
        << u"https://a.example/1\uFFFD\nhttps://a.example/2\n"_s;
    QTest::newRow("incomplete UTF-8 character at the end becomes U+FFFD")
        << "https://a.example/x\xE2\x82"_ba << u"https://a.example/x\uFFFD\uFFFD"_s;
    QTest::newRow("stray continuation bytes and an impossible lead byte")
        << "https://a.example/\x80\xBF\xF5\nhttps://a.example/ok\n"_ba
        << u"https://a.example/\uFFFD\uFFFD\uFFFD\nhttps://a.example/ok\n"_s;
    QTest::newRow("two-, three- and four-byte UTF-8 characters")
        << "https://a.example/\xC3\xBC\xE2\x82\xAC\nhttps://b.example/\xF0\x9F\x98\x80"_ba
        << u"https://a.example/\u00FC\u20AC\nhttps://b.example/\U0001F600"_s;
    QTest::newRow("UTF-8 byte order mark is not text, U+FEFF later on is")
        << "\xEF\xBB\xBFhttps://a.example/1\n\xEF\xBB\xBFhttps://a.example/2\n"_ba
        << u"https://a.example/1\n\uFEFFhttps://a.example/2\n"_s;
    QTest::newRow("UTF-16LE with a surrogate pair")
        << withByteOrderMark(QStringConverter::Utf16LE,
                             u"https://a.example/\U0001F600\r\nno url\r\n")
        << u"https://a.example/\U0001F600\r\nno url\r\n"_s;
    QTest::newRow("UTF-16BE, its byte order mark cut by the first read")
        << withByteOrderMark(QStringConverter::Utf16BE, u"https://a.example/utf16be\n")
        << u"https://a.example/utf16be\n"_s;
    QTest::newRow("odd last byte of UTF-16 becomes U+FFFD")
        << withByteOrderMark(QStringConverter::Utf16LE, u"https://a.example/x\n") + "!"_ba
        << u"https://a.example/x\n\uFFFD"_s;
    QTest::newRow("UTF-32LE, whose mark starts like UTF-16LE's")
        << withByteOrderMark(QStringConverter::Utf32LE, u"https://a.example/\u00FC\n")
        << u"https://a.example/\u00FC\n"_s;
    QTest::newRow("incomplete UTF-32BE unit at the end becomes U+FFFD")
        << withByteOrderMark(QStringConverter::Utf32BE, u"https://a.example/\n") + "\0\0"_ba
        << u"https://a.example/\n\uFFFD"_s;
    QTest::newRow("a byte order mark and nothing else") << "\xFE\xFF"_ba << QString();
    QTest::newRow("one character, no line end") << "\xC3\xBC"_ba << u"\u00FC"_s;
}

void TestUrlListParser::deviceReadsGiveTheSameResult()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, text);
    const Collected expected = parseWhole(text);

    QVERIFY2(parseDevice(bytes, {}) == expected, "one read");
    // Every place to cut the document in two reads, then one byte per read.
    for (qsizetype split = 1; split < bytes.size(); ++split)
        QVERIFY2(parseDevice(bytes, { split }) == expected,
                 qPrintable(u"cut at byte %1"_s.arg(split)));
    QVERIFY2(parseDevice(bytes, QList<qsizetype>(bytes.size(), 1)) == expected,
             "one byte per read");
}

void TestUrlListParser::chunksGiveTheSameResult_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("CRLF, CR, comments, a header and a partial last line")
        << u"\uFEFFurl,filename\r\n# c\r\nhttps://a.example/1,a.txt\r\n\r\n"
           "\"https://a.example/2,x\",\"b c.txt\"\rftp://x.example/\n"
           "see https://a.example/3. and (https://a.example/4_(x))\r\n"
           "https://a.example/1\r\nhttps://user:pw@a.example:99999/\rno url here\r\n"
           "https://a.example/5"_s;
    QTest::newRow("only line breaks") << u"\r\n\r\r\n\n\r"_s;
    QTest::newRow("a line over the length limit between short ones")
        << (u"https://a.example/1\r\n"_s + repeated(u'z', UrlListParser::MaxLineLength + 10)
            + u"\r\nhttps://a.example/2"_s);
}

void TestUrlListParser::chunksGiveTheSameResult()
{
    QFETCH(QString, text);
    const Collected whole = parseWhole(text);

    const auto check = [&](const QList<qsizetype> &sizes, const char *how) {
        QVERIFY2(parseInChunks(text, sizes) == whole, how);
    };

    const bool small = text.size() < 1000;
    if (small) {
        // Every place to split in two, including between \r and \n.
        for (qsizetype split = 0; split <= text.size(); ++split) {
            check({ split }, "split in two");
            if (QTest::currentTestFailed())
                return;
        }
        check(QList<qsizetype>(text.size(), 1), "one character at a time");
    }
    QRandomGenerator random(GarbageSeed);
    const qsizetype maxChunk = small ? MaxRandomChunk : UrlListParser::MaxLineLength / 3;
    for (int round = 0; round < RandomSplitRounds; ++round) {
        QList<qsizetype> sizes;
        for (qsizetype total = 0; total < text.size();) {
            const qsizetype size = random.bounded(qsizetype(1), maxChunk + 1);
            sizes << size;
            total += size;
        }
        check(sizes, "random chunks");
        if (QTest::currentTestFailed())
            return;
    }
}

// The parser writes the common URLs' encoded form itself, without QUrl: on random URLs, plain and
// odd, its entries must hold exactly the bytes QUrl gives, and it must refuse what QUrl refuses.
void TestUrlListParser::entriesHoldQUrlsEncodedForm()
{
    const QStringList schemes = { u"http://"_s,  u"https://"_s, u"http://"_s,
                                  u"https://"_s, u"HTTP://"_s,  u"Https://"_s };
    const QStringList hosts = {
        u"a.example"_s,
        u"host"_s,
        u"x-y.example"_s,
        u"127.0.0.1"_s,
        u"10.20.30.40"_s,
        u"255.255.255.255"_s,
        u"127.1"_s,
        u"010.0.0.1"_s,
        u"256.1.1.1"_s,
        u"1.2.3.4.5"_s,
        u"1.2.3"_s,
        u"12345"_s,
        u"0.0.0.0"_s,
        u"A.Example"_s,
        u"xn--bcher-kva.example"_s,
        u"xn--zz.example"_s,
        u"-a.example"_s,
        u"a-.example"_s,
        u"a..example"_s,
        u".a"_s,
        u"a."_s,
        u"a_b.example"_s,
        u"[::1]"_s,
        u"[::ffff:1.2.3.4]"_s,
        u"bücher.example"_s,
        u"user:pw@a.example"_s,
        u"@a.example"_s,
        QString(),
        u"a%41.example"_s,
        QString(64, u'a') + u".example"_s,
        u"a1.b2.c3"_s,
        u"1a.2b"_s,
        u"1.2.3.a"_s,
    };
    const QStringList ports = { QString(), QString(),    QString(),   u":80"_s,    u":8080"_s,
                                u":080"_s, u":"_s,       u":65535"_s, u":65536"_s, u":0"_s,
                                u":00"_s,  u":123456"_s, u":8x"_s };
    // Plain characters often, anything else now and then.
    const QString plain = u"abcxyzABCXYZ0189-._~/?&=+,;:@!$*()'#/%"_s;
    const QString odd = u"%#[]{}|\\^` <>éü€\u00A0AaFf0123456789%"_s;
    QRandomGenerator random(RandomUrlSeed);
    QStringList candidates;
    QString text;
    for (int i = 0; i < RandomUrlCount; ++i) {
        QString candidate = schemes.at(random.bounded(int(schemes.size())))
            + hosts.at(random.bounded(int(hosts.size())))
            + ports.at(random.bounded(int(ports.size())));
        const QStringList starts = { u"/"_s, u"/"_s, u"/"_s, u"?"_s, u"#"_s, QString() };
        candidate += starts.at(random.bounded(int(starts.size())));
        const int length = random.bounded(24);
        const bool oddOnes = random.bounded(4) == 0;
        for (int c = 0; c < length; ++c) {
            const QString &from = oddOnes && random.bounded(3) == 0 ? odd : plain;
            candidate += from.at(random.bounded(int(from.size())));
        }
        candidates.append(candidate);
        // Quoted, the whole text is the candidate: no trimming, no splitting at punctuation.
        text += u'"' + candidate + u"\",x.bin\n"_s;
    }
    UrlListParser parser;
    parser.setSkipDuplicates(false);
    parser.setPatternOptions({ /*expand=*/false, UrlPatternOptions::DefaultLimit }); // as QUrl
    parser.addText(text);
    parser.finish();
    const QList<UrlEntry> entries = parser.takeEntries();
    qsizetype next = 0;
    int compared = 0;
    for (int line = 1; line <= int(candidates.size()); ++line) {
        const QString &candidate = candidates.at(line - 1);
        const QUrl url(candidate, QUrl::TolerantMode);
        const bool accepted = url.isValid() && !url.host().isEmpty()
            && (url.scheme() == u"http" || url.scheme() == u"https");
        const bool entered = next < entries.size() && entries.at(next).line == line;
        QVERIFY2(entered == accepted, qPrintable(candidate));
        if (!entered)
            continue;
        QVERIFY2(entries.at(next).url.encoded() == url.toEncoded(),
                 qPrintable(candidate + u" -> "_s
                            + QString::fromLatin1(entries.at(next).url.encoded()) + u" not "_s
                            + QString::fromLatin1(url.toEncoded())));
        ++next;
        ++compared;
    }
    QCOMPARE(next, entries.size());
    qInfo("%d URLs compared with QUrl's", compared);
}

void TestUrlListParser::blocksGiveTheSameResult_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("header, names, CRLF, duplicates across blocks, problems within a line")
        << u"\uFEFF\r\n# list\r\nurl,filename\r\nhttps://a.example/1,one.txt\r\n"
           "\"https://a.example/2,x\",\"b c.txt\"\r\nnot a record\r\nftp://x.example/\r\n"
           "see ftp://y.example/ and https://a.example/1 then ftp://z.example/\r\n"
           "https://user:pw@a.example/s?token=abc,s.bin\r\nhttps://a.example/3\r\n"
           "https://a.example/2,x\r\nhttps://USER:pw@A.example/s?token=abc\r\n"
           "https://a.example/3,again.txt\r\nhttps://a.example/1"_s;
    QTest::newRow("a later line that reads like a header is not one")
        << u"\n# c\n  \nhttps://a.example/1\nurl,filename\nhttps://a.example/2,two.txt\n"
           "https://a.example/p?ids=1,2,name.txt\nhttps://a.example/1\n"_s;
    QTest::newRow("tab header after blank lines, CR line ends")
        << u"\r\r\rfile\turl\rb.txt\thttps://a.example/b\ra.txt\thttps://a.example/a\r"
           "c.txt\thttps://a.example/b\rno tab here\r"_s;
    QTest::newRow("chunks test's text")
        << u"\uFEFFurl,filename\r\n# c\r\nhttps://a.example/1,a.txt\r\n\r\n"
           "\"https://a.example/2,x\",\"b c.txt\"\rftp://x.example/\n"
           "see https://a.example/3. and (https://a.example/4_(x))\r\n"
           "https://a.example/1\r\nhttps://user:pw@a.example:99999/\rno url here\r\n"
           "https://a.example/5"_s;
    QTest::newRow("byte order mark inside the text")
        << u"https://a.example/1\n\uFEFFhttps://a.example/2\n\uFEFF\nhttps://a.example/1"_s;
    QTest::newRow("only line breaks") << u"\r\n\r\r\n\n\r"_s;
    QTest::newRow("only comments") << u"# a\n# b\r\n#c"_s;
    QTest::newRow("empty") << QString();
    QTest::newRow("a line over the length limit first, then a header")
        << (repeated(u'z', UrlListParser::MaxLineLength + 10)
            + u"\r\nurl\r\nhttps://a.example/2\r\nhttps://a.example/2"_s);
    QTest::newRow("mixed lines, no header") << mixedLines(false);
    QTest::newRow("mixed lines after a header") << mixedLines(true);
    QTest::newRow("patterns, their notes, duplicates and bad patterns")
        << u"https://a.example/[1-3]\nhttps://a.example/2\nhttps://a.example/{x,y}.bin,#1.txt\n"
           "https://a.example/[1-3\nhttps://a.example/[a-c:2]/[08-10]\nhttps://a.example/{}\n"
           "see https://a.example/[2-4] and https://a.example/{x,z}.bin\n"_s;
}

void TestUrlListParser::blocksGiveTheSameResult()
{
    QFETCH(QString, text);
    for (const bool skip : { true, false }) {
        UrlListParser sequential;
        sequential.setSkipDuplicates(skip);
        sequential.addText(text);
        sequential.finish();
        const int duplicates = sequential.duplicateCount();
        const Collected expected = collect(sequential);
        const int maxBlocks = text.size() > LongText
            ? MaxBlocksOfLongText
            : int(qMin<qsizetype>(MaxBlocks, text.size() + 1));
        for (int blocks = 1; blocks <= maxBlocks; ++blocks) {
            UrlListParser parser;
            parser.setSkipDuplicates(skip);
            parser.addDocument(text, blocks);
            const QByteArray where = "blocks " + QByteArray::number(blocks) + ", skip duplicates "
                + QByteArray::number(skip);
            QCOMPARE(parser.duplicateCount(), duplicates);
            const Collected actual = collect(parser);
            QVERIFY2(actual.linesRead == expected.linesRead, where.constData());
            QVERIFY2(actual.entries == expected.entries, where.constData());
            QVERIFY2(actual.problems == expected.problems, where.constData());
        }
    }
}

void TestUrlListParser::binaryGarbage()
{
    QByteArray garbage(GarbageBytes, Qt::Uninitialized);
    QRandomGenerator random(GarbageSeed);
    random.fillRange(reinterpret_cast<quint32 *>(garbage.data()),
                     garbage.size() / qsizetype(sizeof(quint32)));

    QBuffer buffer(&garbage);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    UrlListParser fromDevice;
    QVERIFY(fromDevice.addDevice(&buffer));
    QVERIFY(fromDevice.takeEntries().isEmpty());
    const QList<ParseProblem> problems = fromDevice.takeProblems();
    QVERIFY(!problems.isEmpty());
    for (const ParseProblem &problem : problems) {
        QVERIFY(problem.line >= 1 && problem.line <= fromDevice.linesRead());
        QVERIFY(problem.text.size() <= UrlListParser::MaxProblemTextLength);
        QVERIFY2(!hasControlCharacter(problem.text), qPrintable(problem.text));
        QVERIFY(!problem.reason.isEmpty());
    }
    qInfo("1 MiB of random bytes: %d lines, %lld problems, no entries", fromDevice.linesRead(),
          qlonglong(problems.size()));

    // The same bytes as text, and as Latin-1 (every byte a character, NULs included).
    QVERIFY(UrlListParser::parse(QString::fromUtf8(garbage)).entries.isEmpty());
    QVERIFY(UrlListParser::parse(QString::fromLatin1(garbage)).entries.isEmpty());
}

void TestUrlListParser::veryLongLine_data()
{
    QTest::addColumn<qsizetype>("chunkSize"); // 0 = all at once

    QTest::newRow("all at once") << qsizetype(0);
    QTest::newRow("in 4 KiB chunks") << qsizetype(4096);
    QTest::newRow("in chunks of 1000 characters") << qsizetype(1000);
}

void TestUrlListParser::veryLongLine()
{
    QFETCH(qsizetype, chunkSize);

    const QString longLine = u"https://a.example/"_s + repeated(u'x', LongLineLength - 18);
    QCOMPARE(longLine.size(), LongLineLength);
    const QString text = u"https://a.example/before\n"_s + longLine
        + u"\nhttps://a.example/after\n"_s + repeated(u'y', UrlListParser::MaxLineLength) + u"\n"_s;
    const Collected result = chunkSize == 0
        ? parseWhole(text)
        : parseInChunks(text, QList<qsizetype>(text.size() / chunkSize + 1, chunkSize));

    QCOMPARE(result.entries,
             (QStringList { u"1|https://a.example/before|"_s, u"3|https://a.example/after|"_s }));
    // A line of exactly the limit is still read; it just has no URL.
    QCOMPARE(result.problems.size(), 2);
    QVERIFY2(result.problems[0].startsWith(
                 u"2|line too long (102400 characters)|https://a.example/xxx"_s),
             qPrintable(result.problems[0]));
    QVERIFY2(result.problems[1].startsWith(u"4|no URL found"_s), qPrintable(result.problems[1]));
    QCOMPARE(result.linesRead, 4);
}

void TestUrlListParser::hundredThousandLines()
{
    // Half good and distinct, half bad in four different ways: one problem per bad line.
    QString text;
    text.reserve(ScaleLineCount * 40);
    for (int i = 0; i < ScaleLineCount; ++i) {
        const QString n = QString::number(i);
        if (i % 2 == 0) {
            text += u"https://host"_s + QString::number(i % 97) + u".example/files/"_s + n
                + u".bin\n"_s;
            continue;
        }
        switch (i / 2 % 4) {
        case 0:
            text += u"ftp://host.example/"_s + n + u'\n';
            break;
        case 1:
            text += u"not a url "_s + n + u'\n';
            break;
        case 2:
            text += u"http://host.example:99999/"_s + n + u'\n';
            break;
        default:
            text += u"https:///no-host/"_s + n + u'\n';
            break;
        }
    }

    QElapsedTimer timer;
    timer.start();
    const ParseResult result = UrlListParser::parse(text);
    const qint64 elapsedMs = timer.elapsed();
    qInfo("parsed %d lines (%lld characters) in %lld ms", ScaleLineCount, qlonglong(text.size()),
          qlonglong(elapsedMs));

    QCOMPARE(result.entries.size(), ScaleLineCount / 2);
    QCOMPARE(result.problems.size(), ScaleLineCount / 2);
    QCOMPARE(result.entries.constFirst().line, 1);
    QCOMPARE(result.entries.constLast().line, ScaleLineCount - 1);
    QCOMPARE(result.problems.constLast().line, ScaleLineCount);
}

// "line|url|file name" per entry; "line|reason" per problem, "line|note: reason" per note.
void TestUrlListParser::patterns_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("expand");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<QStringList>("entries"); // empty: not compared
    QTest::addColumn<QStringList>("problems"); // the reason is a substring

    const qint64 limit = UrlPatternOptions::DefaultLimit;
    QTest::newRow("a number range makes one URL per number, with a note")
        << u"https://a.example/f[1-3].txt"_s << true << limit
        << QStringList { u"1|https://a.example/f1.txt|"_s, u"1|https://a.example/f2.txt|"_s,
                         u"1|https://a.example/f3.txt|"_s }
        << QStringList { u"1|note: pattern expanded to 3 URLs"_s };
    QTest::newRow("zero padding is kept as written, [098-101]")
        << u"https://a.example/[098-101]"_s << true << limit
        << QStringList { u"1|https://a.example/098|"_s, u"1|https://a.example/099|"_s,
                         u"1|https://a.example/100|"_s, u"1|https://a.example/101|"_s }
        << QStringList { u"1|note: pattern expanded to 4 URLs"_s };
    QTest::newRow("[001-120] makes 120 URLs")
        << u"https://a.example/[001-120]"_s << true << limit << QStringList()
        << QStringList { u"1|note: pattern expanded to 120 URLs"_s };
    QTest::newRow("a letter range, [x-z]")
        << u"https://a.example/[x-z]"_s << true << limit
        << QStringList { u"1|https://a.example/x|"_s, u"1|https://a.example/y|"_s,
                         u"1|https://a.example/z|"_s }
        << QStringList { u"1|note: pattern expanded to 3 URLs"_s };
    QTest::newRow("a capital letter range with a step, [A-E:2]")
        << u"https://a.example/[A-E:2]"_s << true << limit
        << QStringList { u"1|https://a.example/A|"_s, u"1|https://a.example/C|"_s,
                         u"1|https://a.example/E|"_s }
        << QStringList { u"1|note: pattern expanded to 3 URLs"_s };
    QTest::newRow("a step, [1-10:4], stops before passing the end")
        << u"https://a.example/?p=[1-10:4]"_s << true << limit
        << QStringList { u"1|https://a.example/?p=1|"_s, u"1|https://a.example/?p=5|"_s,
                         u"1|https://a.example/?p=9|"_s }
        << QStringList { u"1|note: pattern expanded to 3 URLs"_s };
    QTest::newRow("a list, {one,two}, its comma not a file name's")
        << u"https://a.example/{one,two}.html"_s << true << limit
        << QStringList { u"1|https://a.example/one.html|"_s, u"1|https://a.example/two.html|"_s }
        << QStringList { u"1|note: pattern expanded to 2 URLs"_s };
    QTest::newRow("url,filename with a list: #1 in the name is the list's value")
        << u"https://a.example/{x,y}.bin,file-#1.bin"_s << true << limit
        << QStringList { u"1|https://a.example/x.bin|file-x.bin"_s,
                         u"1|https://a.example/y.bin|file-y.bin"_s }
        << QStringList { u"1|note: pattern expanded to 2 URLs"_s };
    QTest::newRow("patterns multiply, the last one changing fastest")
        << u"https://a.example/{a,b}/[1-2]/[x-y]"_s << true << limit
        << QStringList { u"1|https://a.example/a/1/x|"_s, u"1|https://a.example/a/1/y|"_s,
                         u"1|https://a.example/a/2/x|"_s, u"1|https://a.example/a/2/y|"_s,
                         u"1|https://a.example/b/1/x|"_s, u"1|https://a.example/b/1/y|"_s,
                         u"1|https://a.example/b/2/x|"_s, u"1|https://a.example/b/2/y|"_s }
        << QStringList { u"1|note: pattern expanded to 8 URLs"_s };
    QTest::newRow("a pattern in running text, between other lines")
        << u"https://a.example/x\nsee https://a.example/[1-2].\nnot a url\n"_s << true << limit
        << QStringList { u"1|https://a.example/x|"_s, u"2|https://a.example/1|"_s,
                         u"2|https://a.example/2|"_s }
        << QStringList { u"2|note: pattern expanded to 2 URLs"_s, u"3|no URL found"_s };
    QTest::newRow("URLs a pattern repeats are duplicates after its note")
        << u"https://a.example/1\nhttps://a.example/{1,2,2}"_s << true << limit
        << QStringList { u"1|https://a.example/1|"_s, u"2|https://a.example/2|"_s }
        << QStringList { u"2|note: pattern expanded to 3 URLs"_s, u"2|duplicate of line 1"_s,
                         u"2|duplicate of line 2"_s };
    QTest::newRow("--globoff: brackets and braces are the URL's")
        << u"https://a.example/f[1-3]{a}.txt"_s << false << limit
        << QStringList { u"1|https://a.example/f[1-3]%7Ba%7D.txt|"_s } << QStringList();
    QTest::newRow("over the limit: nothing added, the count it would have made")
        << u"https://a.example/[1-6]\nhttps://a.example/x"_s << true << qint64(5)
        << QStringList { u"2|https://a.example/x|"_s }
        << QStringList { u"1|would expand to 6 URLs, more than the limit of 5"_s };
    QTest::newRow("exactly at the limit: every URL added")
        << u"https://a.example/[1-2]/{a,b,c}"_s << true << qint64(6) << QStringList()
        << QStringList { u"1|note: pattern expanded to 6 URLs"_s };
    QTest::newRow("a count past 64 bits is over any limit")
        << u"https://a.example/[1-999999999999999999]/[1-999999999999999999]"_s << true << limit
        << QStringList() << QStringList { u"1|more than 2^63"_s };
    QTest::newRow("an unclosed [ is a problem of its line")
        << u"https://a.example/x\nhttps://a.example/[1-3.txt"_s << true << limit
        << QStringList { u"1|https://a.example/x|"_s }
        << QStringList { u"2|bad URL pattern: unclosed '[' at character 19"_s };
    QTest::newRow("an unclosed { is a problem")
        << u"https://a.example/{a,b"_s << true << limit << QStringList()
        << QStringList { u"1|bad URL pattern: unclosed '{' at character 19"_s };
    QTest::newRow("a reversed range [z-a] is a problem")
        << u"https://a.example/[z-a]"_s << true << limit << QStringList()
        << QStringList { u"1|reversed range"_s };
    QTest::newRow("a reversed number range [9-1] is a problem")
        << u"https://a.example/[9-1]"_s << true << limit << QStringList()
        << QStringList { u"1|reversed range"_s };
    QTest::newRow("a mixed range [1-b] is a problem")
        << u"https://a.example/[1-b]"_s << true << limit << QStringList()
        << QStringList { u"1|mixed range"_s };
    QTest::newRow("a mixed-case range [a-Z] is a problem")
        << u"https://a.example/[a-Z]"_s << true << limit << QStringList()
        << QStringList { u"1|mixed range"_s };
    QTest::newRow("an empty list {} is a problem")
        << u"https://a.example/{}"_s << true << limit << QStringList()
        << QStringList { u"1|empty list"_s };
    QTest::newRow("a step of 0 is a problem")
        << u"https://a.example/[1-9:0]"_s << true << limit << QStringList()
        << QStringList { u"1|the step must be"_s };
    QTest::newRow("brackets without a range are a problem, as in curl")
        << u"https://a.example/?a[]=1"_s << true << limit << QStringList()
        << QStringList { u"1|not a range"_s };
    QTest::newRow("a ] that closes nothing is a problem")
        << u"https://a.example/a]b"_s << true << limit << QStringList()
        << QStringList { u"1|closes nothing"_s };
    QTest::newRow("patterns do not nest") << u"https://a.example/{a,[1-2]}"_s << true << limit
                                          << QStringList() << QStringList { u"1|do not nest"_s };
    QTest::newRow("a backslash makes a bracket literal")
        << u"https://a.example/a\\[1\\]"_s << true << limit
        << QStringList { u"1|https://a.example/a[1]|"_s } << QStringList();
    QTest::newRow("an IPv6 host is the URL's own, no note")
        << u"http://[::1]:8080/x\nhttp://user@[2001:db8::1]/y"_s << true << limit
        << QStringList { u"1|http://[::1]:8080/x|"_s, u"2|http://user@[2001:db8::1]/y|"_s }
        << QStringList();
    QTest::newRow("an IPv6 host with a pattern in its path")
        << u"http://[::1]:8080/[1-2]"_s << true << limit
        << QStringList { u"1|http://[::1]:8080/1|"_s, u"1|http://[::1]:8080/2|"_s }
        << QStringList { u"1|note: pattern expanded to 2 URLs"_s };
    QTest::newRow("an unsupported scheme is not expanded")
        << u"ftp://a.example/[1-3]"_s << true << limit << QStringList()
        << QStringList { u"1|unsupported scheme 'ftp'"_s };
}

void TestUrlListParser::patterns()
{
    QFETCH(QString, input);
    QFETCH(bool, expand);
    QFETCH(qint64, limit);
    QFETCH(QStringList, entries);
    QFETCH(QStringList, problems);

    UrlListParser parser;
    parser.setPatternOptions({ expand, limit });
    parser.addText(input);
    parser.finish();
    const QList<UrlEntry> actualEntries = parser.takeEntries();
    const QList<ParseProblem> actualProblems = parser.takeProblems();
    if (!entries.isEmpty())
        QCOMPARE(describe(actualEntries), entries);
    QStringList shown;
    for (const ParseProblem &problem : actualProblems)
        shown << QString::number(problem.line) + u'|' + (problem.isNote ? u"note: "_s : QString())
                + problem.reason + u" — "_s + problem.text;
    QVERIFY2(shown.size() == problems.size(), qPrintable(shown.join(u'\n')));
    for (qsizetype i = 0; i < problems.size(); ++i) {
        const qsizetype bar = problems[i].indexOf(u'|');
        QVERIFY2(shown[i].startsWith(problems[i].first(bar + 1))
                     && shown[i].contains(problems[i].sliced(bar + 1)),
                 qPrintable(u"expected "_s + problems[i] + u", got "_s + shown[i]));
    }
}

// The entries, and nothing per URL besides: no list of strings of the million URLs.
void TestUrlListParser::millionUrlsFromOnePattern()
{
    UrlListParser parser;
    parser.addText(u"# a million\nhttp://127.0.0.1:9/f[0000001-1000000]\n"_s);
    parser.finish();
    const QList<UrlEntry> entries = parser.takeEntries();
    QCOMPARE(entries.size(), qsizetype(UrlPatternOptions::DefaultLimit));
    QCOMPARE(entries.constFirst().url.toString(), u"http://127.0.0.1:9/f0000001"_s);
    QCOMPARE(entries.constLast().url.toString(), u"http://127.0.0.1:9/f1000000"_s);
    QCOMPARE(entries.constLast().line, 2);
    const QList<ParseProblem> problems = parser.takeProblems();
    QCOMPARE(problems.size(), 1);
    QVERIFY(problems.constFirst().isNote);
    QCOMPARE(problems.constFirst().reason, u"pattern expanded to 1000000 URLs"_s);

    UrlListParser overLimit;
    overLimit.addText(u"http://127.0.0.1:9/f[0-1000000]"_s);
    overLimit.finish();
    QVERIFY(overLimit.takeEntries().isEmpty());
    QCOMPARE(overLimit.takeProblems().constFirst().reason,
             u"the pattern would expand to 1000001 URLs, more than the limit of 1000000"_s);
}

QTEST_GUILESS_MAIN(TestUrlListParser)
#include "tst_urllistparser.moc"
