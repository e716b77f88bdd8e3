// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing of URL lists: line splitting, URL extraction, `url,filename` records and problems.
#include "urllistparser.h"

#include "documentdecoder.h"
#include "redact.h"
#include "units.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QIODevice>
#include <QStringConverter>
#include <QStringDecoder>

#include <array>
#include <climits>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace Parafetch {

namespace {

constexpr qint64 ReadChunkBytes = 64 * Units::BytesPerKiB;
// A pipe or process may deliver its next bytes later; give up when it stays silent this long.
constexpr int ReadTimeoutMs = 30'000;
// A header names a handful of columns; a longer first line is read for its columns up to here.
constexpr int MaxHeaderColumns = 64;
// Without a header, two fields make a `url,filename` record and a third one shows it is not.
constexpr int RecordFieldsToInspect = 3;
// In garbage any run of letters before "://" is a "scheme"; a message shows only its start.
constexpr qsizetype MaxShownSchemeLength = 16;

constexpr QStringView ChecksumKey = u"sha256=";

constexpr char16_t ByteOrderMark = 0xFEFF;
constexpr char16_t Ellipsis = 0x2026;
constexpr char16_t LastC0Control = 0x1F;
constexpr char16_t Delete = 0x7F;
constexpr char16_t LastC1Control = 0x9F;
// Shown in place of characters that would garble a table or a terminal (controls, escape
// sequences, bidirectional overrides).
constexpr char16_t Unprintable = 0xFFFD;
constexpr char16_t FirstBidiEmbedding = 0x202A;
constexpr char16_t LastBidiEmbedding = 0x202E;
constexpr char16_t FirstBidiIsolate = 0x2066;
constexpr char16_t LastBidiIsolate = 0x2069;

// Schemes that are meant as links even without "//" ("mailto:a@b"): reported as unsupported
// rather than taken for an ordinary word followed by a colon ("Note: ...").
constexpr std::array<QStringView, 9> LinkSchemesWithoutSlashes = {
    u"mailto", u"javascript", u"vbscript", u"data", u"file", u"tel", u"magnet", u"blob", u"about",
};

bool isHexDigit(char16_t c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

bool isAsciiLetter(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

bool isSchemeCharacter(char16_t c)
{
    return isAsciiLetter(c) || (c >= u'0' && c <= u'9') || c == u'+' || c == u'-' || c == u'.';
}

bool isControl(char16_t c)
{
    return c <= LastC0Control || (c >= Delete && c <= LastC1Control);
}

// Where a URL in running text ends. None of these may appear unencoded in a URL.
bool isUrlTerminator(QChar c)
{
    const char16_t u = c.unicode();
    return c.isSpace() || isControl(u) || u == u'<' || u == u'>' || u == u'"' || u == u'`';
}

bool isHttpScheme(QStringView scheme)
{
    return scheme.compare(u"http", Qt::CaseInsensitive) == 0
        || scheme.compare(u"https", Qt::CaseInsensitive) == 0;
}

bool isLinkSchemeWithoutSlashes(QStringView scheme)
{
    for (QStringView known : LinkSchemesWithoutSlashes) {
        if (scheme.compare(known, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// Start of the scheme that ends at the colon, or -1. Scans back over scheme characters, then
// forward to the first letter, so "1.https:" yields "https".
qsizetype schemeStartBefore(QStringView text, qsizetype colon)
{
    qsizetype start = colon;
    while (start > 0 && isSchemeCharacter(text[start - 1].unicode()))
        --start;
    while (start < colon && !isAsciiLetter(text[start].unicode()))
        ++start;
    return start < colon ? start : -1;
}

// Length of the scheme the text starts with (up to its ':'), or -1.
qsizetype schemeLengthAtStart(QStringView text)
{
    if (text.isEmpty() || !isAsciiLetter(text.front().unicode()))
        return -1;
    qsizetype length = 1;
    while (length < text.size() && isSchemeCharacter(text[length].unicode()))
        ++length;
    return length < text.size() && text[length] == u':' ? length : -1;
}

// "https://a/x,https://b/y": a comma or semicolon right before another scheme and "//" ends a
// URL in running text, although both may appear inside one.
bool startsNextUrl(QStringView line, qsizetype at)
{
    if (line[at] != u',' && line[at] != u';')
        return false;
    const QStringView rest = line.sliced(at + 1);
    const qsizetype schemeLength = schemeLengthAtStart(rest);
    return schemeLength >= 0 && rest.sliced(schemeLength + 1).startsWith(u"//");
}

// Where the URL that continues at from ends in running text.
qsizetype urlEnd(QStringView line, qsizetype from)
{
    const char16_t *data = line.utf16();
    const qsizetype size = line.size();
    qsizetype end = from;
    for (; end < size; ++end) {
        const char16_t c = data[end];
        // Printable ASCII is nearly every character: decide it without a call.
        if (c > u' ' && c < Delete) {
            if (c == u'<' || c == u'>' || c == u'"' || c == u'`')
                break;
            if ((c == u',' || c == u';') && startsNextUrl(line, end))
                break;
        } else if (isUrlTerminator(QChar(c))) {
            break;
        }
    }
    return end;
}

// NUL, other controls or U+FFFD (what a decoder makes of invalid UTF-8) mean binary data.
bool looksBinary(QStringView text)
{
    const char16_t *data = text.utf16();
    for (qsizetype i = 0; i < text.size(); ++i) {
        if ((isControl(data[i]) && data[i] != u'\t') || data[i] == QChar::ReplacementCharacter)
            return true;
    }
    return false;
}

bool containsSpace(QStringView text)
{
    for (QChar c : text) {
        if (c.isSpace())
            return true;
    }
    return false;
}

// The end of a URL found in running text, without the sentence's punctuation after it: a
// closing bracket or quote stays only when the URL opened it ("…/Foo_(bar)").
qsizetype withoutTrailingPunctuation(QStringView line, qsizetype start, qsizetype minEnd,
                                     qsizetype end)
{
    struct Pair
    {
        char16_t open;
        char16_t close;
        qsizetype balance = 0; // closes minus opens
    };
    std::array<Pair, 3> pairs = { Pair { u'(', u')' }, Pair { u'[', u']' }, Pair { u'{', u'}' } };
    qsizetype quotes = 0;
    bool counted = false; // most URLs end in a letter: count only when a bracket or quote does
    const char16_t *data = line.utf16();
    const auto count = [&] {
        for (qsizetype i = start; i < end; ++i) {
            for (Pair &pair : pairs) {
                if (data[i] == pair.open)
                    --pair.balance;
                else if (data[i] == pair.close)
                    ++pair.balance;
            }
            if (data[i] == u'\'')
                ++quotes;
        }
        counted = true;
    };

    while (end > minEnd) {
        const char16_t c = data[end - 1];
        bool strip = false;
        switch (c) {
        case u'.':
        case u',':
        case u';':
        case u':':
        case u'!':
        case u'?':
            strip = true;
            break;
        case u'\'':
            if (!counted)
                count();
            strip = quotes % 2 == 1;
            if (strip)
                --quotes;
            break;
        case u')':
        case u']':
        case u'}':
            if (!counted)
                count();
            for (Pair &pair : pairs) {
                if (c == pair.close && pair.balance > 0) {
                    --pair.balance;
                    strip = true;
                }
            }
            break;
        default:
            break;
        }
        if (!strip)
            break;
        --end;
    }
    return end;
}

// What a problem's text is: a line of running text, or one URL (a candidate or a record's field).
enum class TextKind {
    Line,
    Url, // may contain spaces (a quoted field), so a space does not end its user info
};

// The text with the user info of every URL-like part replaced by ***. Works on any text, valid
// URL or not, because QUrl cannot help with what it cannot parse (and its errorString() quotes
// the whole input, password included).
QString maskCredentials(QStringView text, TextKind kind)
{
    QString masked;
    qsizetype copied = 0;
    qsizetype from = 0;
    const qsizetype size = text.size();
    for (;;) {
        const qsizetype colon = text.indexOf(u':', from);
        if (colon < 0)
            break;
        from = colon + 1;
        const qsizetype start = schemeStartBefore(text, colon);
        if (start < 0)
            continue;
        qsizetype authority = colon + 1;
        while (authority < size && (text[authority] == u'/' || text[authority] == u'\\'))
            ++authority;
        if (authority == colon + 1 && !isHttpScheme(text.sliced(start, colon - start)))
            continue; // "mailto:a@b" has an address, not a password
        // The user info ends at the last '@' before the query. Searching past '/' too masks a
        // little more than needed on odd input, but catches a password with a '/' in it.
        qsizetype end = authority;
        qsizetype at = -1;
        while (end < size && text[end] != u'?' && text[end] != u'#'
               && (kind == TextKind::Url || !isUrlTerminator(text[end]))) {
            if (text[end] == u'@')
                at = end;
            ++end;
        }
        if (at >= 0) {
            masked += text.sliced(copied, authority - copied);
            masked += RedactedMark;
            copied = at;
        }
        from = qMax(from, end);
    }
    masked += text.sliced(copied);
    return masked;
}

// What a problem shows of its input: printable, and short enough for a table cell.
QString displayText(QStringView text)
{
    const qsizetype shown = qMin<qsizetype>(text.size(), UrlListParser::MaxProblemTextLength);
    QString result;
    result.reserve(shown);
    for (QChar c : text.first(shown)) {
        const char16_t u = c.unicode();
        if (u == u'\t')
            result += u' ';
        else if (isControl(u) || (u >= FirstBidiEmbedding && u <= LastBidiEmbedding)
                 || (u >= FirstBidiIsolate && u <= LastBidiIsolate))
            result += QChar(Unprintable);
        else
            result += c;
    }
    if (text.size() > UrlListParser::MaxProblemTextLength) {
        qsizetype keep = UrlListParser::MaxProblemTextLength - 1;
        if (result[keep - 1].isHighSurrogate())
            --keep;
        result.truncate(keep);
        result += QChar(Ellipsis);
    }
    return result;
}

QString shownScheme(QStringView scheme)
{
    if (scheme.size() <= MaxShownSchemeLength)
        return scheme.toString().toLower();
    return scheme.first(MaxShownSchemeLength).toString().toLower() + QChar(Ellipsis);
}

// QUrl's error in words a person understands. Qt's own text is not shown: it quotes the whole
// input, password included, and names the character after its own percent-encoding ('%' for
// a '{' in a host name), which would only confuse.
QString plainUrlError(const QUrl &url)
{
    const QString message = url.errorString();
    if (message.startsWith(u"Invalid port") || message.startsWith(u"Port field"))
        return UrlListParser::tr("the port must be a number from 0 to 65535");
    if (message.startsWith(u"Invalid hostname"))
        return UrlListParser::tr("the host name is not valid (a space, a symbol or an empty part "
                                 "such as 'a..b')");
    if (message.startsWith(u"Invalid IPv") || message.startsWith(u"Expected ']'"))
        return UrlListParser::tr("the address in square brackets is not a valid IPv6 address");
    if (message.startsWith(u"Invalid user name") || message.startsWith(u"Invalid password"))
        return UrlListParser::tr(
            "the user name or password contains characters that are not allowed");
    return UrlListParser::tr("it could not be read as a URL");
}

// Whether the text after a `url,name` comma reads as a file name rather than as more of the URL:
// no path, no query parameter, and not a bare number ("?ids=1,2").
bool plausibleFileName(QStringView name)
{
    bool hasLetterOrDot = false;
    for (QChar c : name) {
        if (c == u'/' || c == u'=' || c == u'&' || c.category() == QChar::Other_Control)
            return false;
        hasLetterOrDot = hasLetterOrDot || c == u'.' || c.isLetter();
    }
    return hasLetterOrDot;
}

struct Field
{
    QString text;
    bool quoted = false;
};

// RFC 4180 fields, at most maxFields of them (the rest of the line is ignored). Spaces before a
// quoted field are allowed, as people write `url, "my file.txt"`. False when a quoted field is
// not closed or has text after its closing quote: then the line is not a record.
bool splitFields(QStringView line, QChar delimiter, int maxFields, QList<Field> &fields)
{
    fields.clear();
    const qsizetype size = line.size();
    qsizetype i = 0;
    while (fields.size() < maxFields) {
        qsizetype start = i;
        while (start < size && line[start] == u' ')
            ++start;
        Field field;
        if (start < size && line[start] == u'"') {
            field.quoted = true;
            i = start + 1;
            for (;;) {
                if (i >= size)
                    return false;
                if (line[i] == u'"') {
                    if (i + 1 < size && line[i + 1] == u'"') {
                        field.text += u'"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field.text += line[i];
                ++i;
            }
            while (i < size && line[i] == u' ')
                ++i;
            if (i < size && line[i] != delimiter)
                return false;
        } else {
            qsizetype end = line.indexOf(delimiter, i);
            if (end < 0)
                end = size;
            field.text = line.sliced(i, end - i).trimmed().toString();
            i = end;
        }
        fields.append(std::move(field));
        if (i >= size)
            break;
        ++i; // the delimiter; one at the very end leaves an empty last field
    }
    return true;
}

bool isLowerAlphaNumeric(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9');
}

bool isHexDigitUpper(char16_t c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'A' && c <= u'F');
}

// A dotted quad as QUrl writes it back: four numbers of 0..255 without leading zeros.
bool isCanonicalIpv4(QStringView host)
{
    int parts = 0;
    qsizetype i = 0;
    while (i <= host.size()) {
        qsizetype end = i;
        int value = 0;
        while (end < host.size() && host[end] != u'.') {
            const char16_t c = host[end].unicode();
            if (c < u'0' || c > u'9' || end - i >= 3)
                return false;
            value = value * 10 + (c - u'0');
            ++end;
        }
        const qsizetype digits = end - i;
        if (digits == 0 || value > 255 || (digits > 1 && host[i] == u'0'))
            return false;
        ++parts;
        i = end + 1;
    }
    return parts == 4;
}

// A host QUrl keeps as it is: lower-case letters, digits and inner hyphens in dot-separated
// labels that are no IDNA ("xn--") labels, with a letter somewhere (all digits is an IPv4
// address, which QUrl rewrites unless it is canonical already).
bool isPlainHost(QStringView host)
{
    constexpr qsizetype MaxLabel = 63;
    constexpr qsizetype MaxHost = 253;
    if (host.isEmpty() || host.size() > MaxHost)
        return false;
    bool letter = false;
    qsizetype labelStart = 0;
    for (qsizetype i = 0; i <= host.size(); ++i) {
        if (i < host.size() && host[i] != u'.') {
            const char16_t c = host[i].unicode();
            if (!isLowerAlphaNumeric(c) && c != u'-')
                return false;
            letter = letter || (c >= u'a' && c <= u'z');
            continue;
        }
        const QStringView label = host.sliced(labelStart, i - labelStart);
        if (label.isEmpty() || label.size() > MaxLabel || label.front() == u'-'
            || label.back() == u'-' || label.startsWith(u"xn--"))
            return false;
        labelStart = i + 1;
    }
    return letter || isCanonicalIpv4(host);
}

// Characters QUrl keeps as they are in a path, query or fragment (tst_urllistparser compares
// with QUrl on random text).
bool isPlainUrlCharacter(char16_t c)
{
    if (isLowerAlphaNumeric(c) || (c >= u'A' && c <= u'Z'))
        return true;
    constexpr std::string_view Punctuation = "-._~/?&=+,;:@!$*()'";
    return c < 0x80 && Punctuation.find(char(c)) != std::string_view::npos;
}

// What QUrl(candidate, QUrl::TolerantMode).toEncoded() gives, without a QUrl, for the URLs
// nearly every list is made of: "http" or "https", a plain host, a port written as QUrl writes
// it, and a path, query and fragment of plain characters and percent-encoded bytes. Empty for
// anything else, which goes through QUrl. QUrl takes two thirds of a list's parsing time.
QByteArray plainEncoded(QStringView candidate)
{
    qsizetype pos = 0;
    if (candidate.startsWith(u"http://"))
        pos = 7;
    else if (candidate.startsWith(u"https://"))
        pos = 8;
    else
        return {};
    const char16_t *data = candidate.utf16();
    const qsizetype size = candidate.size();
    qsizetype hostEnd = pos;
    while (hostEnd < size && data[hostEnd] != u'/' && data[hostEnd] != u'?' && data[hostEnd] != u'#'
           && data[hostEnd] != u':')
        ++hostEnd;
    if (!isPlainHost(candidate.sliced(pos, hostEnd - pos)))
        return {};
    qsizetype rest = hostEnd;
    if (rest < size && data[rest] == u':') {
        constexpr int MaxPort = 65535;
        qsizetype end = rest + 1;
        int port = 0;
        while (end < size && data[end] >= u'0' && data[end] <= u'9' && end - rest <= 5) {
            port = port * 10 + (data[end] - u'0');
            ++end;
        }
        const qsizetype digits = end - rest - 1;
        if (digits == 0 || digits > 5 || port > MaxPort || (digits > 1 && data[rest + 1] == u'0')
            || (end < size && data[end] != u'/' && data[end] != u'?' && data[end] != u'#'))
            return {};
        rest = end;
    }
    bool fragment = false;
    for (qsizetype i = rest; i < size; ++i) {
        const char16_t c = data[i];
        if (isPlainUrlCharacter(c))
            continue;
        if (c == u'#' && !fragment) {
            fragment = true;
            continue;
        }
        // A percent-encoded byte stays as it is, unless it is one QUrl decodes (an unreserved
        // character) or writes in capitals.
        if (c == u'%' && i + 2 < size && isHexDigitUpper(data[i + 1])
            && isHexDigitUpper(data[i + 2])) {
            const auto hex = [](char16_t h) { return h <= u'9' ? h - u'0' : h - u'A' + 10; };
            const char16_t byte = char16_t(hex(data[i + 1]) * 16 + hex(data[i + 2]));
            if (byte < 0x80
                && (isAsciiLetter(byte) || (byte >= u'0' && byte <= u'9') || byte == u'-'
                    || byte == u'.' || byte == u'_' || byte == u'~'))
                return {};
            i += 2;
            continue;
        }
        return {};
    }
    QByteArray bytes(size, Qt::Uninitialized);
    char *out = bytes.data();
    for (qsizetype i = 0; i < size; ++i)
        out[i] = char(data[i]);
    return bytes;
}

// Where the line after the one that starts at `from` starts (a \r\n is one line end), or the
// text's end.
qsizetype nextLineStart(QStringView text, qsizetype from)
{
    const char16_t *data = text.utf16();
    const qsizetype size = text.size();
    qsizetype end = from;
    while (end < size && data[end] != u'\n' && data[end] != u'\r')
        ++end;
    if (end == size)
        return size;
    if (data[end] == u'\r' && end + 1 < size && data[end + 1] == u'\n')
        return end + 2;
    return end + 1;
}

QString duplicateReason(int firstLine)
{
    return UrlListParser::tr("duplicate of line %1, skipped").arg(firstLine);
}

QString noUrlReason(QStringView line)
{
    return looksBinary(line)
        ? UrlListParser::tr("no URL found (the line looks like binary data, not text)")
        : UrlListParser::tr("no URL found (a URL starts with http:// or https://)");
}

} // namespace

UrlListParser::UrlListParser() = default;

void UrlListParser::setSkipDuplicates(bool skip)
{
    m_skipDuplicates = skip;
}

bool UrlListParser::skipDuplicates() const
{
    return m_skipDuplicates;
}

void UrlListParser::setPatternOptions(const UrlPatternOptions &options)
{
    m_patterns = options;
}

UrlPatternOptions UrlListParser::patternOptions() const
{
    return m_patterns;
}

void UrlListParser::addText(QStringView text)
{
    if (text.isEmpty())
        return;
    const char16_t *data = text.utf16();
    const qsizetype size = text.size();
    qsizetype pos = 0;
    if (m_atStart) {
        m_atStart = false;
        if (data[0] == ByteOrderMark)
            pos = 1;
    }
    if (m_afterCarriageReturn && pos < size) {
        m_afterCarriageReturn = false;
        if (data[pos] == u'\n')
            ++pos;
    }
    while (pos < size) {
        qsizetype end = pos;
        while (end < size && data[end] != u'\n' && data[end] != u'\r')
            ++end;
        if (end == size) {
            holdPartialLine(text.sliced(pos));
            return;
        }
        completeLine(text.sliced(pos, end - pos));
        if (data[end] == u'\r') {
            if (end + 1 == size)
                m_afterCarriageReturn = true;
            else if (data[end + 1] == u'\n')
                ++end;
        }
        pos = end + 1;
    }
}

bool UrlListParser::addDevice(QIODevice *device)
{
    if (!device || !device->isReadable())
        return false;
    QByteArray buffer(ReadChunkBytes, Qt::Uninitialized);
    DocumentDecoder decoder;
    for (;;) {
        const qint64 count = device->read(buffer.data(), buffer.size());
        if (count < 0)
            return false;
        if (count == 0) {
            if (device->atEnd() || !device->waitForReadyRead(ReadTimeoutMs))
                break;
            continue;
        }
        addText(decoder.decode(QByteArrayView(buffer.constData(), count)));
    }
    addText(decoder.finish());
    finish();
    return true;
}

void UrlListParser::finish()
{
    m_afterCarriageReturn = false;
    if (m_heldLength > 0)
        completeLine({});
}

void UrlListParser::addDocument(QStringView text, int blocks)
{
    if (blocks <= 1 || !m_atStart) {
        addText(text);
        finish();
        return;
    }
    // Only the first line with content can be a header, and how it reads decides every later
    // line: read up to it here, then every block starts knowing.
    qsizetype pos = 0;
    while (pos < text.size() && !m_sawContent) {
        const qsizetype next = nextLineStart(text, pos);
        addText(text.sliced(pos, next - pos));
        pos = next;
    }
    m_afterCarriageReturn = false; // a \r\n went whole into one piece
    const QStringView rest = text.sliced(pos);
    if (rest.isEmpty()) {
        finish();
        return;
    }

    std::vector<QStringView> pieces;
    qsizetype start = 0;
    for (int block = 1; block < blocks; ++block) {
        const qsizetype cut =
            qMax(start, nextLineStart(rest, qsizetype(double(rest.size()) * block / blocks)));
        pieces.push_back(rest.sliced(start, cut - start));
        start = cut;
    }
    pieces.push_back(rest.sliced(start));

    std::vector<UrlListParser> parsers(pieces.size());
    for (UrlListParser &parser : parsers) {
        parser.m_atStart = false; // a byte order mark inside the text is a character
        parser.m_sawContent = true;
        parser.m_urlColumn = m_urlColumn;
        parser.m_nameColumn = m_nameColumn;
        parser.m_headerDelimiter = m_headerDelimiter;
        parser.m_deferDuplicates = true;
        parser.m_patterns = m_patterns;
    }
    const auto parsePiece = [&pieces, &parsers](std::size_t index) {
        parsers[index].addText(pieces[index]);
        parsers[index].finish();
    };
    std::vector<std::thread> threads;
    threads.reserve(pieces.size() - 1);
    for (std::size_t index = 1; index < pieces.size(); ++index)
        threads.emplace_back(parsePiece, index);
    parsePiece(0);
    for (std::thread &thread : threads)
        thread.join();

    qsizetype entries = m_entries.size();
    for (const UrlListParser &parser : parsers)
        entries += parser.m_entries.size();
    m_entries.reserve(entries); // one allocation, not a doubling copy of a million entries
    for (UrlListParser &parser : parsers)
        mergeBlock(parser);
    finish();
}

// Appends a block of addDocument() that ends where the text read so far ends: its line numbers
// move on by the lines read so far, and its URLs meet the duplicate check in input order.
void UrlListParser::mergeBlock(UrlListParser &block)
{
    const int offset = m_linesRead;
    QList<ParseProblem> problems = std::exchange(block.m_problems, {});
    QList<UrlEntry> entries = std::exchange(block.m_entries, {});
    const QList<int> problemsBefore = std::exchange(block.m_problemsBefore, {});
    qsizetype nextProblem = 0;
    const auto takeProblemsUpTo = [&](qsizetype end) {
        for (; nextProblem < end; ++nextProblem) {
            ParseProblem &problem = problems[nextProblem];
            problem.line += offset;
            m_problems.append(std::move(problem));
        }
    };
    for (qsizetype index = 0; index < entries.size(); ++index) {
        UrlEntry &entry = entries[index];
        entry.line += offset;
        takeProblemsUpTo(problemsBefore[index]);
        QByteArray stored;
        int &firstLine = m_firstLineOfUrl.value(entry.url.encoded(), &stored);
        if (firstLine != 0) {
            ++m_duplicateCount;
            if (m_skipDuplicates) {
                // The QUrl made again from its encoded bytes is the one the block parsed
                // (CompactUrl), so the problem reads as the sequential parse's.
                m_problems.append(ParseProblem { entry.line,
                                                 displayText(redactedUrl(entry.url.toUrl())),
                                                 duplicateReason(firstLine) });
                continue;
            }
        } else {
            firstLine = entry.line;
        }
        entry.url = CompactUrl::fromSharedEncoded(std::move(stored)); // as addCandidate() keeps it
        m_entries.append(std::move(entry));
    }
    takeProblemsUpTo(problems.size());
    m_linesRead += block.m_linesRead;
    m_duplicateCount += block.m_duplicateCount;
}

QList<UrlEntry> UrlListParser::takeEntries()
{
    return std::exchange(m_entries, {});
}

QList<ParseProblem> UrlListParser::takeProblems()
{
    return std::exchange(m_problems, {});
}

int UrlListParser::linesRead() const
{
    return m_linesRead;
}

int UrlListParser::duplicateCount() const
{
    return m_duplicateCount;
}

ParseResult UrlListParser::parse(QStringView text)
{
    UrlListParser parser;
    parser.addText(text);
    parser.finish();
    return { parser.takeEntries(), parser.takeProblems() };
}

void UrlListParser::holdPartialLine(QStringView piece)
{
    // Only the start of an overlong line is kept: enough to show it, never the megabytes.
    m_heldLength += piece.size();
    const qsizetype room = MaxLineLength - m_heldLine.size();
    if (room > 0)
        m_heldLine.append(piece.first(qMin(room, piece.size())));
}

void UrlListParser::completeLine(QStringView piece)
{
    ++m_linesRead;
    if (m_heldLength == 0) {
        parseLine(piece, piece.size());
        return;
    }
    holdPartialLine(piece);
    const QString line = std::exchange(m_heldLine, QString());
    const qsizetype length = std::exchange(m_heldLength, 0);
    parseLine(line, length);
}

void UrlListParser::parseLine(QStringView line, qsizetype length)
{
    if (length > MaxLineLength) {
        const int shownLength = int(qMin<qsizetype>(length, INT_MAX));
        addLineProblem(line, tr("line too long (%n characters)", nullptr, shownLength));
        return;
    }
    const QStringView trimmed = line.trimmed();
    if (trimmed.isEmpty() || trimmed.startsWith(u'#'))
        return;
    if (!m_sawContent) {
        m_sawContent = true;
        if (parseHeader(trimmed))
            return;
    }
    // A last field "sha256=HEX": the rest of the line is read as it would be without it, and
    // the one URL it gives carries the checksum.
    const qsizetype separator = std::max(trimmed.lastIndexOf(u','), trimmed.lastIndexOf(u'\t'));
    const QStringView last =
        separator >= 0 ? trimmed.sliced(separator + 1).trimmed() : QStringView();
    if (!last.startsWith(ChecksumKey, Qt::CaseInsensitive)) {
        parseContent(trimmed);
        return;
    }
    const QStringView hex = last.sliced(ChecksumKey.size());
    const bool isHex = hex.size() == 2 * Sha256Digest::Size
        && std::all_of(hex.cbegin(), hex.cend(), [](QChar c) { return isHexDigit(c.unicode()); });
    if (!isHex) {
        addLineProblem(line,
                       tr("the checksum is not 64 hex digits (sha256=HEX, as sha256sum writes "
                          "it): the line is left out"));
        return;
    }
    const qsizetype entriesBefore = m_entries.size();
    // "url,,sha256=…" leaves "url,": a trailing comma, which is a URL without a name.
    const QStringView rest = trimmed.first(separator).trimmed();
    parseContent(rest);
    const qsizetype added = m_entries.size() - entriesBefore;
    if (added == 1) {
        UrlEntry &entry = m_entries.last();
        entry.extras = new UrlEntryExtras;
        entry.extras->expectedSha256 = Sha256Digest(QByteArray::fromHex(hex.toLatin1()));
    } else if (added > 1) {
        m_entries.resize(entriesBefore);
        if (m_deferDuplicates)
            m_problemsBefore.resize(entriesBefore);
        addLineProblem(line,
                       tr("a checksum belongs to one URL, and this line has %n: the line is "
                          "left out",
                          nullptr, int(added)));
    }
}

UrlEntry UrlEntry::of(const Job &job)
{
    UrlEntry entry { job.url, job.fileName(), job.sourceLine, {} };
    if (!job.expectedSha256().isEmpty()) {
        entry.extras = new UrlEntryExtras;
        entry.extras->expectedSha256 = job.expectedSha256();
    }
    return entry;
}

void UrlListParser::parseContent(QStringView line)
{
    if (parseRecord(line))
        return;
    extractUrls(line);
}

bool UrlListParser::parseHeader(QStringView line)
{
    const QChar delimiter = line.contains(u'\t') ? u'\t' : u',';
    QList<Field> fields;
    if (!splitFields(line, delimiter, MaxHeaderColumns, fields))
        return false;
    int urlColumn = -1;
    int nameColumn = -1;
    for (int column = 0; column < fields.size(); ++column) {
        const QString &name = fields[column].text;
        if (name.contains(u':'))
            return false; // a URL or "note: ...": content, not column names
        if (urlColumn < 0 && name.compare(u"url", Qt::CaseInsensitive) == 0) {
            urlColumn = column;
        } else if (nameColumn < 0
                   && (name.compare(u"filename", Qt::CaseInsensitive) == 0
                       || name.compare(u"file name", Qt::CaseInsensitive) == 0
                       || name.compare(u"file_name", Qt::CaseInsensitive) == 0
                       || name.compare(u"file", Qt::CaseInsensitive) == 0)) {
            nameColumn = column;
        }
    }
    if (urlColumn < 0)
        return false;
    m_urlColumn = urlColumn;
    m_nameColumn = nameColumn;
    m_headerDelimiter = delimiter;
    return true;
}

bool UrlListParser::parseRecord(QStringView line)
{
    QList<Field> fields;
    if (m_urlColumn >= 0) {
        const int needed = qMax(m_urlColumn, m_nameColumn) + 1;
        if (!splitFields(line, m_headerDelimiter, needed, fields) || fields.size() <= m_urlColumn
            || schemeLengthAtStart(fields[m_urlColumn].text) < 0) {
            return false; // not a record after all: look for URLs in it as text
        }
        const QString name = m_nameColumn >= 0 && m_nameColumn < fields.size()
            ? fields[m_nameColumn].text
            : QString();
        addCandidate(fields[m_urlColumn].text, name);
        return true;
    }

    const bool quotedStart = line.startsWith(u'"');
    if (!quotedStart && schemeLengthAtStart(line) < 0)
        return false;
    const bool tabs = line.contains(u'\t');
    if (!quotedStart && !tabs && !line.contains(u','))
        return false; // the common case: just a URL
    if (!tabs && !line.contains(u'"'))
        return parseUnquotedRecord(line);
    if (!splitFields(line, tabs ? u'\t' : u',', RecordFieldsToInspect, fields))
        return false;
    const Field &urlField = fields.front();
    const bool hasName = fields.size() > 1;
    const QString name = hasName ? fields[1].text : QString();
    if (urlField.text.isEmpty() || name.contains(u"://"))
        return false; // a list of URLs, not a URL and its name
    // Quotes that are not around the fields belong to the URL.
    if (!tabs && !urlField.quoted && !(hasName && fields[1].quoted))
        return false;
    addCandidate(urlField.text, name);
    return true;
}

// A comma without quotes, tabs or header: see the class comment for the rule.
bool UrlListParser::parseUnquotedRecord(QStringView line)
{
    const qsizetype comma = lastCommaOutsideLists(line);
    if (comma < 0)
        return false; // the commas are a pattern's list: "https://host/{a,b}.txt"
    const QStringView url = line.first(comma).trimmed();
    const QStringView name = line.sliced(comma + 1).trimmed();
    const qsizetype schemeLength = schemeLengthAtStart(url);
    if (url.isEmpty() || schemeLength < 0 || name.contains(u"://")
        || url.indexOf(u"://", schemeLength + 1) >= 0) {
        return false; // a list of URLs, not a URL and its name
    }
    if (containsSpace(url))
        return false; // running text
    if (name.isEmpty()) { // a trailing comma: no name
        addCandidate(url, QString());
        return true;
    }
    if (!plausibleFileName(name))
        return false; // the comma is the URL's: "?ids=1,2", ".../w_100,h_100/cat.jpg"
    // The comma could as well be part of a query or of more commas in the URL: the line is
    // read by the rule, and the reader is told so, in case the rule guessed wrong.
    if (url.contains(u'?') || lastCommaOutsideLists(url) >= 0)
        addLineProblem(line,
                       tr("ambiguous comma: read as url,filename and saved as '%1'; if the "
                          "comma belongs to the URL, put the URL in double quotes")
                           .arg(displayText(name)));
    addCandidate(url, name.toString());
    return true;
}

void UrlListParser::extractUrls(QStringView line)
{
    bool found = false;
    qsizetype from = 0;
    for (;;) {
        const qsizetype colon = line.indexOf(u':', from);
        if (colon < 0)
            break;
        from = colon + 1;
        const qsizetype start = schemeStartBefore(line, colon);
        if (start < 0)
            continue;
        const QStringView scheme = line.sliced(start, colon - start);
        const QStringView rest = line.sliced(colon + 1);
        const bool meantAsLink = rest.startsWith(u"//")
            || ((isHttpScheme(scheme) || isLinkSchemeWithoutSlashes(scheme)) && !rest.isEmpty()
                && !isUrlTerminator(rest.front()));
        if (!meantAsLink)
            continue;
        const qsizetype end = urlEnd(line, colon + 1);
        const qsizetype urlStop = withoutTrailingPunctuation(line, start, colon + 1, end);
        found = true;
        addCandidate(line.sliced(start, urlStop - start), QString());
        from = qMax(from, urlStop);
    }
    if (!found)
        addLineProblem(line, noUrlReason(line));
}

void UrlListParser::addCandidate(QStringView candidate, const QString &fileName)
{
    if (m_patterns.expand && UrlPattern::mayHavePatterns(candidate)) {
        const qsizetype schemeLength = schemeLengthAtStart(candidate);
        if (schemeLength >= 0 && isHttpScheme(candidate.first(schemeLength))) {
            addPattern(candidate, fileName);
            return;
        }
    }
    addUrl(candidate, fileName);
}

// One URL at a time into one buffer: a million URLs cost their entries, not a list of strings.
void UrlListParser::addPattern(QStringView candidate, const QString &fileName)
{
    QString error;
    const std::optional<UrlPattern> pattern = UrlPattern::parse(candidate, &error);
    if (!pattern) {
        addProblem(candidate, tr("bad URL pattern: %1").arg(error));
        return;
    }
    const std::optional<qint64> count = pattern->urlCount();
    if (!count || *count > m_patterns.limit) {
        addProblem(candidate,
                   tr("the pattern would expand to %1 URLs, more than the limit of %2")
                       .arg(count ? QString::number(*count) : tr("more than 2^63"))
                       .arg(m_patterns.limit));
        return;
    }
    if (pattern->patternCount() > 0) {
        const QStringView bounded =
            candidate.first(qMin<qsizetype>(candidate.size(), MaxLineLength));
        m_problems.append(
            ParseProblem { m_linesRead, displayText(maskCredentials(bounded, TextKind::Url)),
                           *count == 1 ? tr("pattern expanded to 1 URL")
                                       : tr("pattern expanded to %1 URLs").arg(*count),
                           true });
    }
    const bool substitute = pattern->patternCount() > 0 && fileName.contains(u'#');
    pattern->expand([&](QStringView url, const std::vector<QString> &values) {
        addUrl(url, substitute ? UrlPattern::substituteValues(fileName, values) : fileName);
    });
}

// The comma that splits an unquoted `url,filename`: with patterns, one inside "{a,b}" is the
// list's. -1 when there is none.
qsizetype UrlListParser::lastCommaOutsideLists(QStringView line) const
{
    if (!m_patterns.expand)
        return line.lastIndexOf(u',');
    qsizetype last = -1;
    int depth = 0;
    for (qsizetype pos = 0; pos < line.size(); ++pos) {
        const QChar c = line[pos];
        if (c == u'\\')
            ++pos;
        else if (c == u'{')
            ++depth;
        else if (c == u'}' && depth > 0)
            --depth;
        else if (c == u',' && depth == 0)
            last = pos;
    }
    return last;
}

void UrlListParser::addUrl(QStringView candidate, const QString &fileName)
{
    const qsizetype schemeLength = schemeLengthAtStart(candidate);
    if (schemeLength < 0) {
        addProblem(candidate, noUrlReason(candidate));
        return;
    }
    const QStringView scheme = candidate.first(schemeLength);
    if (!isHttpScheme(scheme)) {
        addProblem(candidate,
                   tr("unsupported scheme '%1' (only http and https are fetched)")
                       .arg(shownScheme(scheme)));
        return;
    }
    if (looksBinary(candidate)) {
        addProblem(candidate,
                   tr("the URL contains bytes that are not text (is this a binary file?)"));
        return;
    }
    // The fully encoded form is the duplicate key and what the entry keeps (CompactUrl): equal
    // bytes, equal URLs. The entry keeps the map's copy, packed in blocks with the list's other
    // URLs: no allocation of its own, and no hole among the rows when the parser goes.
    QByteArray normalised = plainEncoded(candidate);
    std::optional<QUrl> url; // made where the text is not plain, or for a problem
    if (normalised.isEmpty()) {
        url.emplace(candidate.toString(), QUrl::TolerantMode);
        if (!url->isValid()) {
            addProblem(candidate, tr("not a valid URL: %1").arg(plainUrlError(*url)));
            return;
        }
        if (url->host().isEmpty()) {
            addProblem(*url, tr("the URL has no host name (write it as https://host/path)"));
            return;
        }
        normalised = url->toEncoded();
    }
    if (m_deferDuplicates) { // the merge packs it
        m_problemsBefore.append(int(m_problems.size()));
        m_entries.append(
            UrlEntry { CompactUrl::fromEncoded(std::move(normalised)), fileName, m_linesRead, {} });
        return;
    }
    QByteArray stored;
    // One lookup: a new key is inserted as 0, which no line number is.
    int &firstLine = m_firstLineOfUrl.value(normalised, &stored);
    if (firstLine != 0) {
        ++m_duplicateCount;
        if (m_skipDuplicates) {
            if (!url)
                url.emplace(candidate.toString(), QUrl::TolerantMode);
            addProblem(*url, duplicateReason(firstLine));
            return;
        }
    } else {
        firstLine = m_linesRead;
    }
    m_entries.append(
        UrlEntry { CompactUrl::fromSharedEncoded(std::move(stored)), fileName, m_linesRead, {} });
}

void UrlListParser::addLineProblem(QStringView line, const QString &reason)
{
    const QStringView bounded = line.first(qMin<qsizetype>(line.size(), MaxLineLength));
    m_problems.append(ParseProblem {
        m_linesRead, displayText(maskCredentials(bounded, TextKind::Line)), reason });
}

void UrlListParser::addProblem(QStringView candidate, const QString &reason)
{
    const QStringView bounded = candidate.first(qMin<qsizetype>(candidate.size(), MaxLineLength));
    m_problems.append(
        ParseProblem { m_linesRead, displayText(maskCredentials(bounded, TextKind::Url)), reason });
}

void UrlListParser::addProblem(const QUrl &url, const QString &reason)
{
    m_problems.append(ParseProblem { m_linesRead, displayText(redactedUrl(url)), reason });
}

} // namespace Parafetch
