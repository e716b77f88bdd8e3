// SPDX-License-Identifier: GPL-3.0-or-later
// Safe local file names for downloads, derived from URLs, Content-Disposition and user input.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>
#include <QString>
#include <QUrl>

#include <functional>

// Every function here is pure (no shared state), so any thread may call them at any time.
namespace Parafetch::FileNames {

// 255 bytes is the usual file system limit; 200 leaves room for the " (NNN)" that uniqueName()
// adds and the ".part" suffix of the file being written.
inline constexpr int MaxNameBytes = 200;

// Used when nothing usable is left of a name.
inline constexpr QLatin1String FallbackName("download");
// A URL that names a directory (empty path or trailing '/') is saved under this name.
inline constexpr QLatin1String IndexName("index.html");
// Suffix of the file a download streams into before it is renamed to its final name.
inline constexpr QLatin1String PartSuffix(".part");

// A name split before its extension. Multi-part archive extensions stay whole
// ("archive.tar.gz" -> "archive" + ".tar.gz"); a leading dot is not an extension (".bashrc").
struct NameParts
{
    QString stem;
    QString extension; // with its leading dot, or empty
};
NameParts splitExtension(const QString &name);

// A safe single path component, never empty (FallbackName). Keeps only what follows the last
// '/' or '\', drops control and bidirectional-override characters, replaces <>:"|?* with '_',
// strips leading spaces and trailing dots and spaces, prefixes Windows device names (CON,
// com1.txt...) with '_', and cuts the name to MaxNameBytes UTF-8 bytes, keeping the extension.
QString sanitize(const QString &name);

// The URL's last path segment, percent-decoded and sanitized; IndexName when the path is empty
// or ends in '/'. Query and fragment are ignored.
QString fromUrl(const QUrl &url);

// name, with the extension its Content-Type calls for when it has none ("report" +
// "application/pdf; q=1" -> "report.pdf"), from the system's MIME database (shared-mime-info).
// A name that has an extension keeps it, and so does one whose type is unknown, has no usual
// extension, or is application/octet-stream (which says nothing). Sanitized as sanitize() does.
QString withTypeExtension(const QString &name, QByteArrayView contentType);

// The file name of a Content-Disposition header value (RFC 6266): filename*=charset''value
// (UTF-8 or ISO-8859-1, RFC 8187) wins over filename="quoted" or filename=token. Sanitized;
// empty when the header names no file or nothing usable is left of the name, so that the
// caller can fall back to fromUrl().
QString fromContentDisposition(const QByteArray &headerValue);

// name if it is free, else "stem (1).ext", "stem (2).ext"... (see splitExtension). Whether two
// names collide (case, normalisation) is isTaken's decision; this function compares nothing.
QString uniqueName(const QString &name, const std::function<bool(const QString &)> &isTaken);

// The name a download is written under until it is complete: finalName + PartSuffix.
QString partName(const QString &finalName);

} // namespace Parafetch::FileNames
