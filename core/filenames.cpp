// SPDX-License-Identifier: GPL-3.0-or-later
// Safe local file names: sanitising, deriving from URL and Content-Disposition, de-duplicating.
#include "filenames.h"

#include <QByteArrayView>
#include <QMimeDatabase>
#include <QMimeType>
#include <QRandomGenerator>
#include <QStringDecoder>
#include <QStringView>

#include <array>
#include <optional>

namespace Parafetch::FileNames {

namespace {

// Longer "extensions" are ordinary words after a dot ("Report v1.final draft"), not a type.
constexpr qsizetype MaxExtensionLength = 16;
// uniqueName() counts up to here before it stops counting and adds a random token instead, so a
// predicate that never says "free" cannot hang the caller.
constexpr int MaxNumberedAttempts = 9999;
constexpr int RandomTokenAttempts = 16;
constexpr int RandomTokenBase = 16;

constexpr char16_t LastC0Control = 0x1F;
constexpr char16_t Delete = 0x7F;
constexpr char16_t LastC1Control = 0x9F;
// Bidirectional embeddings, overrides and isolates: U+202E turns "gpj.exe" into something that
// reads "exe.jpg", a classic way to disguise a download.
constexpr char16_t FirstBidiEmbedding = 0x202A;
constexpr char16_t LastBidiEmbedding = 0x202E;
constexpr char16_t FirstBidiIsolate = 0x2066;
constexpr char16_t LastBidiIsolate = 0x2069;

constexpr char16_t Replacement = u'_';

constexpr char32_t LastOneByteUtf8 = 0x7F;
constexpr char32_t LastTwoByteUtf8 = 0x7FF;

bool isSeparator(QChar c)
{
    return c == u'/' || c == u'\\';
}

bool isDroppedCharacter(char16_t c)
{
    return c <= LastC0Control || (c >= Delete && c <= LastC1Control)
        || (c >= FirstBidiEmbedding && c <= LastBidiEmbedding)
        || (c >= FirstBidiIsolate && c <= LastBidiIsolate);
}

// Characters Windows refuses in a file name; replaced rather than dropped so "a:b" stays readable.
bool isWindowsInvalid(char16_t c)
{
    switch (c) {
    case u'<':
    case u'>':
    case u':':
    case u'"':
    case u'|':
    case u'?':
    case u'*':
        return true;
    default:
        return false;
    }
}

// Windows strips trailing dots and spaces itself, so "a." and "a" would be the same file there.
bool isTrailingJunk(QChar c)
{
    return c == u'.' || c.isSpace();
}

bool isExtension(QStringView suffix)
{
    if (suffix.isEmpty() || suffix.size() > MaxExtensionLength)
        return false;
    for (QChar c : suffix) {
        if (c.isSpace())
            return false;
    }
    return true;
}

// Device names that Windows opens instead of a file, whatever the extension ("con.txt").
bool isReservedDeviceName(QStringView name)
{
    // clang-format off
    static constexpr std::array<QStringView, 32> reserved = {
        u"CON", u"PRN", u"AUX", u"NUL", u"CONIN$", u"CONOUT$",
        u"COM0", u"COM1", u"COM2", u"COM3", u"COM4", u"COM5", u"COM6", u"COM7", u"COM8", u"COM9",
        u"LPT0", u"LPT1", u"LPT2", u"LPT3", u"LPT4", u"LPT5", u"LPT6", u"LPT7", u"LPT8", u"LPT9",
        // Windows treats superscript digits as digits here.
        u"COM\u00B9", u"COM\u00B2", u"COM\u00B3", u"LPT\u00B9", u"LPT\u00B2", u"LPT\u00B3",
    };
    // clang-format on
    const qsizetype dot = name.indexOf(u'.');
    QStringView base = dot < 0 ? name : name.first(dot);
    while (!base.isEmpty() && base.back().isSpace())
        base.chop(1);
    for (QStringView device : reserved) {
        if (base.compare(device, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// Bytes the code point starting at index takes in UTF-8; advances index past it.
int utf8LengthAt(QStringView text, qsizetype &index)
{
    const char16_t c = text[index].unicode();
    ++index;
    if (c <= LastOneByteUtf8)
        return 1;
    if (c <= LastTwoByteUtf8)
        return 2;
    if (QChar::isHighSurrogate(c) && index < text.size() && text[index].isLowSurrogate()) {
        ++index;
        return 4;
    }
    return 3;
}

qsizetype utf8Length(QStringView text)
{
    qsizetype bytes = 0;
    for (qsizetype i = 0; i < text.size();)
        bytes += utf8LengthAt(text, i);
    return bytes;
}

// The longest prefix of text that fits in maxBytes of UTF-8, never ending inside a surrogate pair.
QStringView utf8Prefix(QStringView text, qsizetype maxBytes)
{
    qsizetype bytes = 0;
    qsizetype end = 0;
    for (qsizetype i = 0; i < text.size();) {
        bytes += utf8LengthAt(text, i);
        if (bytes > maxBytes)
            break;
        end = i;
    }
    return text.first(end);
}

void chopTrailingJunk(QString &text)
{
    qsizetype end = text.size();
    while (end > 0 && isTrailingJunk(text[end - 1]))
        --end;
    text.truncate(end);
}

QString capped(const QString &name)
{
    if (utf8Length(name) <= MaxNameBytes)
        return name;
    const NameParts parts = splitExtension(name);
    // isExtension() keeps the extension far below MaxNameBytes, so the stem always gets a share.
    QString stem = utf8Prefix(parts.stem, MaxNameBytes - utf8Length(parts.extension)).toString();
    chopTrailingJunk(stem);
    if (stem.isEmpty())
        stem = FallbackName;
    return stem + parts.extension;
}

// sanitize() without the fallback: empty when nothing usable is left.
QString sanitizedOrEmpty(QStringView name)
{
    // Only the last non-empty component: "../../x" and "C:\Windows\x.dll" must not climb out of
    // the download directory, and "reports/" still means "reports".
    qsizetype end = name.size();
    while (end > 0 && isSeparator(name[end - 1]))
        --end;
    qsizetype start = end;
    while (start > 0 && !isSeparator(name[start - 1]))
        --start;
    const QStringView component = name.sliced(start, end - start);

    QString result;
    result.reserve(component.size());
    for (qsizetype i = 0; i < component.size(); ++i) {
        const QChar c = component[i];
        if (c.isHighSurrogate() && i + 1 < component.size() && component[i + 1].isLowSurrogate()) {
            result += c;
            result += component[++i];
            continue;
        }
        // A lone surrogate cannot be written to a UTF-8 file system.
        if (c.isSurrogate() || isDroppedCharacter(c.unicode()))
            continue;
        result += isWindowsInvalid(c.unicode()) ? QChar(Replacement) : c;
    }

    chopTrailingJunk(result); // also empties ".", ".." and names of only dots and spaces
    qsizetype leading = 0;
    while (leading < result.size() && result[leading].isSpace())
        ++leading;
    result.remove(0, leading);
    if (result.isEmpty())
        return {};

    // Checked after the cut too: cutting "CON" + spaces + "x.txt" to size leaves "CON.txt".
    result = capped(result);
    if (isReservedDeviceName(result))
        result = capped(Replacement + result);
    return result;
}

// Bytes that should be UTF-8 but may come from an older server that sends Latin-1.
QString decodeName(QByteArrayView bytes)
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = utf8(bytes);
    if (!utf8.hasError())
        return text;
    return QString::fromLatin1(bytes);
}

struct DispositionParameter
{
    QByteArray name; // lower case
    QByteArray value;
};

bool isHeaderSpace(char c)
{
    return c == ' ' || c == '\t';
}

QList<DispositionParameter> dispositionParameters(QByteArrayView header)
{
    QList<DispositionParameter> parameters;
    const qsizetype size = header.size();
    qsizetype i = 0;
    // Skip the disposition type ("attachment", "inline") unless the header starts right away
    // with a parameter, as some servers send.
    const qsizetype firstSemicolon = header.indexOf(';');
    const QByteArrayView first = firstSemicolon < 0 ? header : header.first(firstSemicolon);
    if (!first.contains('='))
        i = firstSemicolon < 0 ? size : firstSemicolon + 1;

    while (i < size) {
        while (i < size && (isHeaderSpace(header[i]) || header[i] == ';'))
            ++i;
        const qsizetype nameStart = i;
        while (i < size && header[i] != '=' && header[i] != ';')
            ++i;
        DispositionParameter parameter;
        parameter.name = header.sliced(nameStart, i - nameStart).trimmed().toByteArray().toLower();
        if (i >= size || header[i] == ';')
            continue; // a parameter without a value
        ++i; // '='
        while (i < size && isHeaderSpace(header[i]))
            ++i;
        if (i < size && header[i] == '"') {
            ++i;
            while (i < size && header[i] != '"') {
                // quoted-pair: the backslash escapes the next character, whatever it is
                if (header[i] == '\\' && i + 1 < size)
                    ++i;
                parameter.value += header[i];
                ++i;
            }
            ++i; // closing quote (an unterminated string runs to the end)
            while (i < size && header[i] != ';')
                ++i;
        } else {
            const qsizetype valueStart = i;
            while (i < size && header[i] != ';')
                ++i;
            parameter.value = header.sliced(valueStart, i - valueStart).trimmed().toByteArray();
        }
        parameters.append(parameter);
    }
    return parameters;
}

// RFC 8187 ext-value: charset'language'percent-encoded-bytes. Only the two charsets the RFC
// requires are understood; anything else leaves the plain filename parameter to decide.
std::optional<QString> decodeExtendedValue(const QByteArray &value)
{
    const qsizetype charsetEnd = value.indexOf('\'');
    const qsizetype languageEnd = charsetEnd < 0 ? -1 : value.indexOf('\'', charsetEnd + 1);
    if (languageEnd < 0)
        return std::nullopt;
    const QByteArrayView charset = QByteArrayView(value).first(charsetEnd);
    const QByteArray bytes = QByteArray::fromPercentEncoding(value.sliced(languageEnd + 1));
    if (charset.compare("UTF-8", Qt::CaseInsensitive) == 0) {
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString text = utf8(bytes);
        if (utf8.hasError())
            return std::nullopt;
        return text;
    }
    if (charset.compare("ISO-8859-1", Qt::CaseInsensitive) == 0)
        return QString::fromLatin1(bytes);
    return std::nullopt;
}

} // namespace

NameParts splitExtension(const QString &name)
{
    const qsizetype dot = name.lastIndexOf(u'.');
    if (dot <= 0 || !isExtension(QStringView(name).sliced(dot + 1)))
        return { name, {} };
    qsizetype start = dot;
    // A compressed tarball is one format to people: "archive (1).tar.gz", not "archive.tar (1).gz".
    const qsizetype previous = name.lastIndexOf(u'.', dot - 1);
    if (previous > 0
        && QStringView(name)
                .sliced(previous + 1, dot - previous - 1)
                .compare(u"tar", Qt::CaseInsensitive)
            == 0) {
        start = previous;
    }
    return { name.first(start), name.sliced(start) };
}

QString sanitize(const QString &name)
{
    const QString result = sanitizedOrEmpty(name);
    return result.isEmpty() ? QString(FallbackName) : result;
}

QString fromUrl(const QUrl &url)
{
    const QString path = url.path(QUrl::FullyEncoded);
    if (path.isEmpty() || path.endsWith(u'/'))
        return IndexName;
    // Split before decoding: an encoded "%2F" is part of the segment, and sanitize then keeps
    // only what follows it, so "..%2F..%2Fetc%2Fpasswd" cannot climb out either.
    const QString segment = path.sliced(path.lastIndexOf(u'/') + 1);
    const QString name =
        sanitizedOrEmpty(decodeName(QByteArray::fromPercentEncoding(segment.toLatin1())));
    return name.isEmpty() ? QString(FallbackName) : name;
}

QString withTypeExtension(const QString &name, QByteArrayView contentType)
{
    if (!splitExtension(name).extension.isEmpty())
        return name;
    const qsizetype parameters = contentType.indexOf(';');
    const QString mediaType =
        QString::fromLatin1(parameters < 0 ? contentType : contentType.first(parameters))
            .trimmed()
            .toLower();
    if (mediaType.isEmpty())
        return name;
    // Thread-safe (see QMimeDatabase), and the database is loaded once per process.
    const QString suffix = QMimeDatabase().mimeTypeForName(mediaType).preferredSuffix();
    if (suffix.isEmpty())
        return name;
    return sanitize(name + u'.' + suffix);
}

QString fromContentDisposition(const QByteArray &headerValue)
{
    std::optional<QString> extended;
    std::optional<QString> plain;
    for (const DispositionParameter &parameter : dispositionParameters(headerValue)) {
        // The first occurrence counts; repeating a parameter is invalid and must not let a
        // later one override a name already chosen.
        if (parameter.name == "filename*" && !extended)
            extended = decodeExtendedValue(parameter.value);
        else if (parameter.name == "filename" && !plain)
            plain = decodeName(parameter.value);
    }
    if (extended) {
        QString name = sanitizedOrEmpty(*extended);
        if (!name.isEmpty())
            return name;
    }
    return plain ? sanitizedOrEmpty(*plain) : QString();
}

QString uniqueName(const QString &name, const std::function<bool(const QString &)> &isTaken)
{
    if (!isTaken(name))
        return name;
    const NameParts parts = splitExtension(name);
    const auto numbered = [&parts](const QString &token) {
        QString candidate = parts.stem;
        candidate += QStringView(u" (");
        candidate += token;
        candidate += u')';
        candidate += parts.extension;
        return candidate;
    };
    for (int n = 1; n <= MaxNumberedAttempts; ++n) {
        QString candidate = numbered(QString::number(n));
        if (!isTaken(candidate))
            return candidate;
    }
    QString candidate;
    for (int attempt = 0; attempt < RandomTokenAttempts; ++attempt) {
        candidate =
            numbered(QString::number(QRandomGenerator::global()->generate64(), RandomTokenBase));
        if (!isTaken(candidate))
            break;
    }
    return candidate;
}

QString partName(const QString &finalName)
{
    return finalName + PartSuffix;
}

} // namespace Parafetch::FileNames
