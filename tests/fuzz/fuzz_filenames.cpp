// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: FileNames::sanitize, fromUrl, fromContentDisposition, uniqueName.
//
// Input: byte 0 chooses how many names uniqueName() finds taken (low 4 bits) and whether it
// compares them case-insensitively (bit 5); the rest is used as UTF-8 text, as raw UTF-16 (lone
// surrogates included), as a URL (alone and as the path of an http URL) and as a
// Content-Disposition header value.
//
// Invariants checked for every name produced (a violation traps, so libFuzzer keeps the input):
// not empty; no '/', '\', NUL, control characters, bidirectional overrides, lone surrogates or
// Windows-invalid characters (<>:"|?*); not "." or ".."; no leading space, no trailing dot or
// space; no Windows device name as its base; at most MaxNameBytes UTF-8 bytes; sanitize() of it is
// itself (sanitize is idempotent). fromContentDisposition() may be empty ("no name"), nothing
// else may. uniqueName() answers a name the predicate calls free, and its ".part" name still fits
// in 255 bytes; splitExtension() parts add up to the name.
#include "fuzzcheck.h"

#include "filenames.h"

#include <QSet>
#include <QUrl>

#include <array>
#include <cstddef>
#include <cstdint>

using namespace Parafetch;

namespace {

constexpr qsizetype FileSystemNameBytes = 255; // the usual limit of one path component

bool isDevice(QStringView base)
{
    static constexpr std::array<QStringView, 32> devices = {
        u"CON",       u"PRN",       u"AUX",       u"NUL",       u"CONIN$",    u"CONOUT$",
        u"COM0",      u"COM1",      u"COM2",      u"COM3",      u"COM4",      u"COM5",
        u"COM6",      u"COM7",      u"COM8",      u"COM9",      u"LPT0",      u"LPT1",
        u"LPT2",      u"LPT3",      u"LPT4",      u"LPT5",      u"LPT6",      u"LPT7",
        u"LPT8",      u"LPT9",      u"COM\u00B9", u"COM\u00B2", u"COM\u00B3", u"LPT\u00B9",
        u"LPT\u00B2", u"LPT\u00B3",
    };
    for (QStringView device : devices) {
        if (base.compare(device, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool isWindowsInvalid(char16_t u)
{
    return u == u'<' || u == u'>' || u == u':' || u == u'"' || u == u'|' || u == u'?' || u == u'*';
}

// Everything a safe name must be, except the length (uniqueName() may add to it).
void checkSafe(const QString &name, const char *what, const QString &input)
{
    const auto where = [&] {
        return QString(
            QStringLiteral("%1 of %2 gave %3")
                .arg(QLatin1String(what), ParafetchFuzz::shown(input), ParafetchFuzz::shown(name)));
    };
    FUZZ_CHECK(!name.isEmpty(), where());
    FUZZ_CHECK(name != u"." && name != u"..", where());
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name[i];
        const char16_t u = c.unicode();
        FUZZ_CHECK(u != u'/' && u != u'\\', where());
        FUZZ_CHECK(u > 0x1F && !(u >= 0x7F && u <= 0x9F), where()); // NUL and all controls
        FUZZ_CHECK(!(u >= 0x202A && u <= 0x202E) && !(u >= 0x2066 && u <= 0x2069), where());
        FUZZ_CHECK(!isWindowsInvalid(u), where());
        if (c.isHighSurrogate()) {
            FUZZ_CHECK(i + 1 < name.size() && name[i + 1].isLowSurrogate(), where());
            ++i;
        } else {
            FUZZ_CHECK(!c.isLowSurrogate(), where());
        }
    }
    FUZZ_CHECK(!name.front().isSpace(), where());
    FUZZ_CHECK(name.back() != u'.' && !name.back().isSpace(), where());
    QStringView base =
        QStringView(name).first(name.contains(u'.') ? name.indexOf(u'.') : name.size());
    while (!base.isEmpty() && base.back().isSpace())
        base.chop(1);
    FUZZ_CHECK(!isDevice(base), where());

    const FileNames::NameParts parts = FileNames::splitExtension(name);
    FUZZ_CHECK(parts.stem + parts.extension == name, where());
    FUZZ_CHECK(parts.extension.isEmpty() || parts.extension.startsWith(u'.'), where());
}

// A complete name: safe, short enough, and a fixed point of sanitize().
void checkName(const QString &name, const char *what, const QString &input)
{
    checkSafe(name, what, input);
    const auto where = [&] {
        return QString(
            QStringLiteral("%1 of %2 gave %3")
                .arg(QLatin1String(what), ParafetchFuzz::shown(input), ParafetchFuzz::shown(name)));
    };
    FUZZ_CHECK(name.toUtf8().size() <= FileNames::MaxNameBytes, where());
    const QString again = FileNames::sanitize(name);
    FUZZ_CHECK(
        again == name,
        where()
            + QStringLiteral(", but sanitize() of that is %1").arg(ParafetchFuzz::shown(again)));
}

void checkSanitize(const QString &input)
{
    checkName(FileNames::sanitize(input), "sanitize()", input);
}

void checkUniqueName(const QString &name, std::uint8_t control)
{
    // Taken: the name itself and the first `count` numbered names, found by asking uniqueName()
    // itself one taken name at a time, so the predicate follows whatever naming it uses.
    const int count = control & 0x0F;
    const bool caseInsensitive = control & 0x20;
    QSet<QString> taken;
    const auto key = [caseInsensitive](const QString &candidate) {
        return caseInsensitive ? candidate.toCaseFolded() : candidate;
    };
    const auto isTaken = [&](const QString &candidate) { return taken.contains(key(candidate)); };

    FUZZ_CHECK(FileNames::uniqueName(name, isTaken) == name, ParafetchFuzz::shown(name));
    taken.insert(key(name));
    for (int i = 0; i <= count; ++i) {
        const QString unique = FileNames::uniqueName(name, isTaken);
        const auto where = [&] {
            return QString(QStringLiteral("uniqueName() of %1 with %2 taken gave %3")
                               .arg(ParafetchFuzz::shown(name))
                               .arg(taken.size())
                               .arg(ParafetchFuzz::shown(unique)));
        };
        FUZZ_CHECK(!isTaken(unique), where());
        checkSafe(unique, "uniqueName()", name);
        const QString part = FileNames::partName(unique);
        FUZZ_CHECK(part == unique + FileNames::PartSuffix, where());
        FUZZ_CHECK(part.toUtf8().size() <= FileSystemNameBytes, where());
        taken.insert(key(unique));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t control = data[0];
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    // As UTF-8 (what a URL list or a header mostly carries)...
    const QString text = QString::fromUtf8(bytes);
    checkSanitize(text);
    // ...and as raw UTF-16, so that lone surrogates and every BMP character come through.
    const QString utf16(reinterpret_cast<const QChar *>(bytes.constData()), bytes.size() / 2);
    checkSanitize(utf16);

    // From a URL, as given and as a path under an http host.
    const QUrl url(text);
    checkName(FileNames::fromUrl(url), "fromUrl()", text);
    const QUrl underHost(QStringLiteral("http://example.com/") + text);
    checkName(FileNames::fromUrl(underHost), "fromUrl(http://example.com/...)", text);
    const QUrl encoded = QUrl::fromEncoded(QByteArrayLiteral("http://example.com/") + bytes);
    checkName(FileNames::fromUrl(encoded), "fromUrl(fromEncoded(http://example.com/...))", text);

    // From a Content-Disposition value: empty means "no usable name", anything else is a name.
    const QString disposition = FileNames::fromContentDisposition(bytes);
    if (!disposition.isEmpty())
        checkName(disposition, "fromContentDisposition()", text);

    checkUniqueName(FileNames::sanitize(text), control);
    return 0;
}
