// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: UrlListParser through parse(), addText() in chunks and addDevice().
//
// Input: byte 0 seeds the chunk splits (text and device reads); the rest is the document, read as
// UTF-8 for parse() and addText(), and as bytes (with byte-order-mark sniffing) for addDevice().
//
// Invariants checked (a violation traps, so libFuzzer keeps the input):
//  - every entry is a valid http/https URL with a host; line numbers within the input, in order;
//  - every line is accounted for: a blank or '#' line gives nothing, the first line with content
//    gives nothing only when it is a header (names a url column), every other line gives at least
//    one entry or problem; linesRead() is the number of lines;
//  - problem texts are at most MaxProblemTextLength characters, without control characters or
//    bidi overrides, and never contain the password of a `scheme://user:password@` in the input
//    (the reason is fixed wording plus at most the scheme, so it is not searched: a password
//    "only" is in "only http and https are fetched");
//  - addText() in any chunk split gives exactly what parse() gives (entries and problems);
//  - addDevice() gives exactly what parse() gives for the same bytes decoded as a whole;
//  - with setSkipDuplicates(false) every "duplicate" problem becomes an entry instead.
#include "fuzzcheck.h"

#include "urllistparser.h"

#include <QBuffer>
#include <QStringDecoder>

#include <cstddef>
#include <cstdint>

using namespace Parafetch;

namespace {

constexpr char16_t ByteOrderMark = 0xFEFF;
// URL patterns are parsed and expanded as in a run, but a line expands to at most this many
// URLs: a few kilobytes of "[1-999999]" lines would otherwise fill the memory limit, not find
// bugs.
constexpr UrlPatternOptions FuzzPatterns { true, 64 };

ParseResult parseWhole(QStringView text)
{
    UrlListParser parser;
    parser.setPatternOptions(FuzzPatterns);
    parser.addText(text);
    parser.finish();
    return { parser.takeEntries(), parser.takeProblems() };
}

// A tiny deterministic generator for the chunk sizes (splitmix64).
class Splits
{
public:
    explicit Splits(std::uint8_t seed)
        : m_state(0x9E3779B97F4A7C15ULL * (seed + 1))
    {
        // Low bits choose how small chunks get: single characters find \r|\n and surrogate
        // splits, large ones the usual path.
        static constexpr qsizetype limits[] = { 1, 2, 3, 5, 8, 17, 64, 4096 };
        m_limit = limits[seed & 7];
    }
    qsizetype next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return qsizetype(z % std::uint64_t(m_limit + 1)); // 0 too: an empty chunk must be harmless
    }

private:
    std::uint64_t m_state;
    qsizetype m_limit;
};

// A QBuffer that hands out at most `step` bytes per read, so that addDevice() sees a document
// in several reads and its decoder meets multi-byte characters cut in two.
class TrickleBuffer : public QBuffer
{
public:
    explicit TrickleBuffer(qint64 step)
        : m_step(step)
    { }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        return QBuffer::readData(data, qMin(maxSize, m_step));
    }

private:
    qint64 m_step;
};

QString describe(const UrlEntry &entry)
{
    return QStringLiteral("line %1 url %2 file %3")
        .arg(entry.line)
        .arg(ParafetchFuzz::shown(entry.url.toString(QUrl::FullyEncoded)),
             ParafetchFuzz::shown(entry.fileName));
}

QString describe(const ParseProblem &problem)
{
    return QStringLiteral("line %1 text %2 reason %3")
        .arg(problem.line)
        .arg(ParafetchFuzz::shown(problem.text), ParafetchFuzz::shown(problem.reason));
}

bool sameEntry(const UrlEntry &a, const UrlEntry &b)
{
    return a.line == b.line && a.url == b.url
        && a.url.toString(QUrl::FullyEncoded) == b.url.toString(QUrl::FullyEncoded)
        && a.fileName == b.fileName;
}

bool sameProblem(const ParseProblem &a, const ParseProblem &b)
{
    return a.line == b.line && a.text == b.text && a.reason == b.reason;
}

void checkSame(const ParseResult &expected, const ParseResult &actual, const char *how)
{
    const qsizetype entries = qMin(expected.entries.size(), actual.entries.size());
    for (qsizetype i = 0; i < entries; ++i) {
        FUZZ_CHECK(sameEntry(expected.entries[i], actual.entries[i]),
                   QStringLiteral("%1: entry %2 differs: parse() %3, here %4")
                       .arg(QLatin1String(how))
                       .arg(i)
                       .arg(describe(expected.entries[i]), describe(actual.entries[i])));
    }
    FUZZ_CHECK(expected.entries.size() == actual.entries.size(),
               QStringLiteral("%1: %2 entries, parse() has %3")
                   .arg(QLatin1String(how))
                   .arg(actual.entries.size())
                   .arg(expected.entries.size()));
    const qsizetype problems = qMin(expected.problems.size(), actual.problems.size());
    for (qsizetype i = 0; i < problems; ++i) {
        FUZZ_CHECK(sameProblem(expected.problems[i], actual.problems[i]),
                   QStringLiteral("%1: problem %2 differs: parse() %3, here %4")
                       .arg(QLatin1String(how))
                       .arg(i)
                       .arg(describe(expected.problems[i]), describe(actual.problems[i])));
    }
    FUZZ_CHECK(expected.problems.size() == actual.problems.size(),
               QStringLiteral("%1: %2 problems, parse() has %3")
                   .arg(QLatin1String(how))
                   .arg(actual.problems.size())
                   .arg(expected.problems.size()));
}

// The lines as the parser defines them: split at \n, \r\n and \r; a byte order mark at the very
// start is not part of the first line; nothing after a final line end is a line.
QList<QStringView> splitLines(QStringView text)
{
    QList<QStringView> lines;
    qsizetype pos = !text.isEmpty() && text.front() == QChar(ByteOrderMark) ? 1 : 0;
    while (pos < text.size()) {
        qsizetype end = pos;
        while (end < text.size() && text[end] != u'\n' && text[end] != u'\r')
            ++end;
        lines.append(text.sliced(pos, end - pos));
        if (end == text.size())
            break;
        if (text[end] == u'\r' && end + 1 < text.size() && text[end + 1] == u'\n')
            ++end;
        pos = end + 1;
    }
    return lines;
}

bool isSchemeCharacter(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
        || u == u'+' || u == u'-' || u == u'.';
}

bool isAsciiLetter(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z');
}

// RFC 3986 userinfo characters without '%' (unreserved, sub-delims and ':').
bool isUserInfoCharacter(QChar c)
{
    const char16_t u = c.unicode();
    if (isAsciiLetter(c) || (u >= u'0' && u <= u'9'))
        return true;
    switch (u) {
    case u'-':
    case u'.':
    case u'_':
    case u'~':
    case u'!':
    case u'$':
    case u'&':
    case u'\'':
    case u'(':
    case u')':
    case u'*':
    case u'+':
    case u',':
    case u';':
    case u'=':
    case u':':
        return true;
    default:
        return false;
    }
}

// Passwords of `scheme://user:password@` that are certainly the user info of the URL the
// parser reads: the URL starts its line (after spaces, or after the quote of a quoted field).
// Inside another URL's path ("http://a/http://u:p@b") a password-like part is just path and may
// be shown, so such places are not collected. Only passwords that occur nowhere else in the
// input (also not in another case or percent-decoded) are returned, so finding one in a problem
// text means the parser showed it.
QStringList passwordsIn(QStringView text, const QList<QStringView> &lines)
{
    QStringList candidates;
    for (QStringView line : lines) {
        QStringView rest = line.trimmed();
        if (rest.startsWith(u'"'))
            rest = rest.sliced(1);
        qsizetype scheme = 0;
        while (scheme < rest.size() && isSchemeCharacter(rest[scheme]))
            ++scheme;
        if (scheme == 0 || !isAsciiLetter(rest.front()) || !rest.sliced(scheme).startsWith(u"://"))
            continue;
        const qsizetype userInfo = scheme + 3;
        qsizetype at = userInfo;
        qsizetype colon = -1;
        while (at < rest.size() && isUserInfoCharacter(rest[at])) {
            if (rest[at] == u':' && colon < 0)
                colon = at;
            ++at;
        }
        if (at >= rest.size() || rest[at] != u'@' || colon < 0)
            continue;
        const QStringView password = rest.sliced(colon + 1, at - colon - 1);
        // "***" (the mask) and IDN's "xn--" are made by the parser and by QUrl, not copied.
        if (password.size() >= 4 && !password.contains(u'*')
            && !password.contains(u"xn--", Qt::CaseInsensitive))
            candidates.append(password.toString());
    }
    if (candidates.isEmpty())
        return {};
    const QString folded = text.toString().toLower();
    const QString decoded =
        QString::fromUtf8(QByteArray::fromPercentEncoding(text.toUtf8())).toLower();
    QStringList unique;
    for (const QString &password : candidates) {
        const QString lower = password.toLower();
        if (folded.count(lower) == 1 && decoded.count(lower) == 1)
            unique.append(password);
    }
    return unique;
}

bool isUnprintable(char16_t u)
{
    return u <= 0x1F || (u >= 0x7F && u <= 0x9F) || (u >= 0x202A && u <= 0x202E)
        || (u >= 0x2066 && u <= 0x2069);
}

ParseResult parseInChunks(QStringView text, std::uint8_t seed, int *linesRead)
{
    Splits splits(seed);
    UrlListParser parser;
    parser.setPatternOptions(FuzzPatterns);
    qsizetype pos = 0;
    while (pos < text.size()) {
        const qsizetype size = qMin(splits.next(), text.size() - pos);
        parser.addText(text.sliced(pos, size));
        pos += size;
    }
    parser.finish();
    *linesRead = parser.linesRead();
    return { parser.takeEntries(), parser.takeProblems() };
}

qint64 deviceStep(std::uint8_t seed)
{
    static constexpr qint64 steps[] = { 1, 2, 3, 4, 7, 64, 4096, 1 << 20 };
    return steps[(seed >> 3) & 7];
}

ParseResult parseDevice(const QByteArray &bytes, std::uint8_t seed)
{
    TrickleBuffer device(deviceStep(seed));
    device.setData(bytes);
    FUZZ_CHECK(device.open(QIODevice::ReadOnly | QIODevice::Unbuffered), QString());
    UrlListParser parser;
    parser.setPatternOptions(FuzzPatterns);
    FUZZ_CHECK(parser.addDevice(&device), QStringLiteral("addDevice() failed on a QBuffer"));
    return { parser.takeEntries(), parser.takeProblems() };
}

// What addDevice() promises to read: the encoding its byte order mark names (else UTF-8),
// invalid and incomplete sequences as U+FFFD, the mark itself not part of the text. Qt decodes
// all of it at once, except a cut last UTF-16/32 unit: that is one U+FFFD, which Qt 6.4's
// stateless decoder does not always give (not for 1-3 bytes right after a UTF-32 mark).
QString decodedAsDocument(const QByteArray &bytes)
{
    const auto encoding = QStringConverter::encodingForData(bytes).value_or(QStringConverter::Utf8);
    QStringDecoder decoder(encoding, QStringDecoder::Flag::Stateless);
    qsizetype unit = 1;
    if (encoding == QStringConverter::Utf16LE || encoding == QStringConverter::Utf16BE)
        unit = 2;
    else if (encoding == QStringConverter::Utf32LE || encoding == QStringConverter::Utf32BE)
        unit = 4;
    const qsizetype whole = bytes.size() - bytes.size() % unit;
    QString text = decoder.decode(bytes.first(whole));
    if (whole < bytes.size())
        text += QChar(QChar::ReplacementCharacter);
    return text;
}

// Entries are valid, fetchable, from a line, in order.
void checkEntries(const QList<UrlEntry> &entries, const char *how, qsizetype lineCount = -1)
{
    int previousLine = 0;
    for (const UrlEntry &entry : entries) {
        const auto where = [&] { return QString(QLatin1String(how) + u' ' + describe(entry)); };
        FUZZ_CHECK(entry.url.isValid(), where());
        FUZZ_CHECK(entry.url.scheme() == u"http" || entry.url.scheme() == u"https", where());
        FUZZ_CHECK(!entry.url.host().isEmpty(), where());
        FUZZ_CHECK(entry.line >= 1 && (lineCount < 0 || entry.line <= lineCount), where());
        FUZZ_CHECK(entry.line >= previousLine, where());
        previousLine = entry.line;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t seed = data[0];
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const QString text = QString::fromUtf8(bytes);

    const ParseResult whole = parseWhole(text);
    const QList<QStringView> lines = splitLines(text);

    checkEntries(whole.entries, "parse()", lines.size());

    // Problems: from a real line, in order, short and printable, no passwords.
    const QStringList passwords = passwordsIn(text, lines);
    int previousLine = 0;
    for (const ParseProblem &problem : whole.problems) {
        FUZZ_CHECK(problem.line >= 1 && problem.line <= lines.size(), describe(problem));
        FUZZ_CHECK(problem.line >= previousLine, describe(problem));
        previousLine = problem.line;
        FUZZ_CHECK(!problem.reason.isEmpty(), describe(problem));
        FUZZ_CHECK(problem.text.size() <= UrlListParser::MaxProblemTextLength, describe(problem));
        for (QChar c : problem.text)
            FUZZ_CHECK(!isUnprintable(c.unicode()), describe(problem));
        for (const QString &password : passwords) {
            FUZZ_CHECK(!problem.text.contains(password),
                       QStringLiteral("password %1 shown in %2")
                           .arg(ParafetchFuzz::shown(password), describe(problem)));
        }
    }

    // Every line accounted for.
    QList<int> outputs(lines.size() + 1, 0);
    for (const UrlEntry &entry : whole.entries)
        ++outputs[entry.line];
    for (const ParseProblem &problem : whole.problems)
        ++outputs[problem.line];
    bool sawContent = false;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const int number = int(i + 1);
        const QStringView line = lines[i];
        const auto where = [&] {
            return QString(QStringLiteral("line %1 %2, %3 outputs")
                               .arg(number)
                               .arg(ParafetchFuzz::shown(line.left(200).toString()))
                               .arg(outputs[number]));
        };
        if (line.size() > UrlListParser::MaxLineLength) {
            FUZZ_CHECK(outputs[number] >= 1, where());
            continue;
        }
        const QStringView trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#')) {
            FUZZ_CHECK(outputs[number] == 0, where());
            continue;
        }
        if (!sawContent) {
            sawContent = true;
            if (outputs[number] == 0) { // must have been a header naming the url column
                FUZZ_CHECK(trimmed.contains(u"url", Qt::CaseInsensitive), where());
                continue;
            }
        }
        FUZZ_CHECK(outputs[number] >= 1, where());
    }

    // The same in chunks.
    int linesRead = -1;
    const ParseResult chunked = parseInChunks(text, seed, &linesRead);
    FUZZ_CHECK(
        linesRead == lines.size(),
        QStringLiteral("linesRead() %1, the input has %2 lines").arg(linesRead).arg(lines.size()));
    checkSame(whole, chunked, "addText() in chunks");

    // The same from a device, against the whole document decoded at once.
    const ParseResult fromDevice = parseDevice(bytes, seed);
    checkEntries(fromDevice.entries, "addDevice()");
    const QString document = decodedAsDocument(bytes);
    checkSame(document == text ? whole : parseWhole(document), fromDevice, "addDevice()");

    // Duplicates kept instead of skipped: each "duplicate" problem becomes an entry.
    UrlListParser keeping;
    keeping.setSkipDuplicates(false);
    keeping.setPatternOptions(FuzzPatterns);
    keeping.addText(text);
    keeping.finish();
    const int duplicates = keeping.duplicateCount();
    const QList<UrlEntry> kept = keeping.takeEntries();
    const QList<ParseProblem> keptProblems = keeping.takeProblems();
    FUZZ_CHECK(kept.size() == whole.entries.size() + duplicates,
               QStringLiteral("%1 entries kept, %2 + %3 duplicates expected")
                   .arg(kept.size())
                   .arg(whole.entries.size())
                   .arg(duplicates));
    FUZZ_CHECK(keptProblems.size() == whole.problems.size() - duplicates,
               QStringLiteral("%1 problems when keeping duplicates, %2 - %3 expected")
                   .arg(keptProblems.size())
                   .arg(whole.problems.size())
                   .arg(duplicates));
    return 0;
}
