// SPDX-License-Identifier: GPL-3.0-or-later
// Defaults and validation of fetch settings.
#include "fetchoptions.h"

#include <QCoreApplication>

#include <algorithm>

namespace Parafetch {

QByteArray FetchOptions::defaultUserAgent()
{
    return QByteArrayLiteral("Parafetch/" PARAFETCH_VERSION);
}

QString FetchOptions::httpVersionName(HttpVersion version)
{
    switch (version) {
    case HttpVersion::Auto:
        break;
    case HttpVersion::Http1_1:
        return QStringLiteral("http1.1");
    case HttpVersion::Http2:
        return QStringLiteral("http2");
    }
    return QStringLiteral("auto");
}

std::optional<FetchOptions::HttpVersion> FetchOptions::httpVersionFromName(QStringView name)
{
    for (const HttpVersion version :
         { HttpVersion::Auto, HttpVersion::Http1_1, HttpVersion::Http2 }) {
        if (name.compare(httpVersionName(version), Qt::CaseInsensitive) == 0)
            return version;
    }
    return std::nullopt;
}

int FetchOptions::clampConcurrency(int value)
{
    return std::clamp(value, MinConcurrency, MaxConcurrency);
}

std::optional<QPair<QByteArray, QByteArray>> FetchOptions::parseHeader(const QString &text,
                                                                       QString *error)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    const QString name = colon > 0 ? text.left(colon).trimmed() : QString();
    const bool validName = !name.isEmpty() && std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        // RFC 9110 token characters.
        return c.unicode() < 0x7f
            && (c.isLetterOrNumber() || QStringView(u"!#$%&'*+-.^_`|~").contains(c));
    });
    if (!validName) {
        if (error)
            *error = QCoreApplication::translate("FetchOptions",
                                                 "'%1' is not a header: expected \"Name: value\"")
                         .arg(text.left(colon > 0 ? colon : 40));
        return std::nullopt;
    }
    const QString value = text.mid(colon + 1).trimmed();
    if (const QString forbidden = forbiddenInHeaderValue(value); !forbidden.isEmpty()) {
        if (error)
            *error =
                QCoreApplication::translate("FetchOptions", "the value of header '%1' contains %2")
                    .arg(name, forbidden);
        return std::nullopt;
    }
    return qMakePair(name.toLatin1(), value.toUtf8());
}

QString FetchOptions::forbiddenInHeaderValue(QStringView value)
{
    constexpr char16_t Tab = u'\t';
    constexpr char16_t FirstPrintable = u' ';
    constexpr char16_t Delete = 0x7f;
    for (const QChar c : value) {
        const char16_t u = c.unicode();
        if (u == u'\r')
            return QCoreApplication::translate("FetchOptions", "a line break (CR)");
        if (u == u'\n')
            return QCoreApplication::translate("FetchOptions", "a line break (LF)");
        if (u == 0)
            return QCoreApplication::translate("FetchOptions", "a NUL character");
        if ((u < FirstPrintable && u != Tab) || u == Delete)
            return QCoreApplication::translate("FetchOptions", "a control character (U+%1)")
                .arg(QString::number(u, 16).toUpper().rightJustified(4, QLatin1Char('0')));
    }
    return {};
}

} // namespace Parafetch
