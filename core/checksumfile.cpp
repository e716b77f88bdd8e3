// SPDX-License-Identifier: GPL-3.0-or-later
#include "checksumfile.h"

#include "filenames.h"
#include "smallfile.h"

namespace Parafetch {

namespace {

constexpr qint64 MaxFileBytes = qint64(256) * 1024 * 1024; // a list of a million names is ~100 MB

bool isHex(QByteArrayView text)
{
    if (text.size() != 2 * Sha256Digest::Size)
        return false;
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

// sha256sum's escaping of a name that holds a line break or a backslash.
QByteArray unescaped(QByteArrayView name)
{
    QByteArray result;
    result.reserve(name.size());
    for (qsizetype i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) {
            const char next = name[++i];
            result += next == 'n' ? '\n' : next;
        } else {
            result += name[i];
        }
    }
    return result;
}

} // namespace

std::optional<ChecksumFile::ByName> ChecksumFile::parse(QByteArrayView text, QString *error)
{
    ByName result;
    int lineNumber = 0;
    for (QByteArrayView rest = text; !rest.isEmpty();) {
        const qsizetype end = rest.indexOf('\n');
        QByteArrayView line = end < 0 ? rest : rest.first(end);
        rest = end < 0 ? QByteArrayView() : rest.sliced(end + 1);
        ++lineNumber;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.trimmed().isEmpty() || line.trimmed().startsWith('#'))
            continue;
        bool escaped = false;
        if (line.startsWith('\\')) {
            escaped = true;
            line = line.sliced(1);
        }
        QByteArrayView hex, name;
        if (line.startsWith("SHA256 (")) {
            const qsizetype close = line.lastIndexOf(") = ");
            if (close > 0) {
                name = line.sliced(8, close - 8);
                hex = line.sliced(close + 4).trimmed();
            }
        } else if (line.size() > 2 * Sha256Digest::Size + 2) {
            hex = line.first(2 * Sha256Digest::Size);
            const char separator = line[2 * Sha256Digest::Size];
            const char mode = line[2 * Sha256Digest::Size + 1];
            if (separator == ' ' && (mode == ' ' || mode == '*'))
                name = line.sliced(2 * Sha256Digest::Size + 2);
        }
        if (!isHex(hex) || name.isEmpty()) {
            if (error)
                *error = tr("line %1 is not a SHA-256 line as sha256sum writes it "
                            "(64 hex digits, two spaces, the file name)")
                             .arg(lineNumber);
            return std::nullopt;
        }
        const QString path = QString::fromUtf8(escaped ? unescaped(name) : name.toByteArray());
        const QString key = FileNames::sanitize(path.section(QLatin1Char('/'), -1));
        const Sha256Digest digest(QByteArray::fromHex(hex.toByteArray()));
        const auto existing = result.constFind(key);
        if (existing != result.cend() && *existing != digest) {
            if (error)
                *error = tr("line %1 gives \"%2\" a second, different checksum")
                             .arg(lineNumber)
                             .arg(key);
            return std::nullopt;
        }
        result.insert(key, digest);
    }
    return result;
}

std::optional<ChecksumFile::ByName> ChecksumFile::read(const QString &path, QString *error)
{
    return SmallFile::readAndParse(path, MaxFileBytes, tr("a checksum list"), error,
                                   &ChecksumFile::parse);
}

} // namespace Parafetch
