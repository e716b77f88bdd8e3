// SPDX-License-Identifier: GPL-3.0-or-later
// Defaults and validation of fetch settings.
#include "fetchoptions.h"

#include "formatting.h"
#include "units.h"

#include <QCoreApplication>
#include <QStringList>

#include <algorithm>
#include <cmath>

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

QString FetchOptions::existingFileName(ExistingFile policy)
{
    switch (policy) {
    case ExistingFile::Rename:
        break;
    case ExistingFile::Skip:
        return QStringLiteral("skip");
    case ExistingFile::Overwrite:
        return QStringLiteral("overwrite");
    }
    return QStringLiteral("rename");
}

std::optional<FetchOptions::ExistingFile> FetchOptions::existingFileFromName(QStringView name)
{
    for (const ExistingFile policy :
         { ExistingFile::Rename, ExistingFile::Skip, ExistingFile::Overwrite }) {
        if (name.compare(existingFileName(policy), Qt::CaseInsensitive) == 0)
            return policy;
    }
    return std::nullopt;
}

std::optional<qint64> FetchOptions::parseByteRate(QStringView text, QString *error)
{
    const QStringView trimmed = text.trimmed();
    qint64 unit = 1;
    QStringView number = trimmed;
    if (!trimmed.isEmpty()) {
        switch (trimmed.back().toUpper().unicode()) {
        case 'K':
            unit = Units::BytesPerKiB;
            break;
        case 'M':
            unit = Units::BytesPerMiB;
            break;
        case 'G':
            unit = Units::BytesPerGiB;
            break;
        default:
            break;
        }
        if (unit != 1)
            number.chop(1);
    }
    // Digits and at most one decimal point: no sign, no exponent, no "inf".
    bool digits = false;
    bool other = false;
    int points = 0;
    for (const QChar c : number) {
        if (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
            digits = true;
        else if (c == QLatin1Char('.'))
            ++points;
        else
            other = true;
    }
    bool ok = digits && points <= 1 && !other;
    const double value = ok ? number.toDouble(&ok) : 0;
    if (!ok || value * double(unit) > double(MaxByteRate)) {
        if (error) {
            *error = QCoreApplication::translate(
                         "Parafetch::FetchOptions",
                         "\"%1\" is not a rate: give bytes per second, or a number with K, M or "
                         "G (as 500K or 1.5M), or 0 for no limit")
                         .arg(text.left(40));
        }
        return std::nullopt;
    }
    return qint64(value * double(unit));
}

QString FetchOptions::byteRateText(qint64 bytesPerSecond)
{
    for (const auto &[unit, suffix] :
         { std::pair { Units::BytesPerGiB, 'G' }, std::pair { Units::BytesPerMiB, 'M' },
           std::pair { Units::BytesPerKiB, 'K' } }) {
        if (bytesPerSecond < unit)
            continue;
        // The shortest of up to three decimals that says the value exactly ("1.5M", not
        // "1.465K" for 1500, which reads back the same only after rounding).
        const double value = double(bytesPerSecond) / double(unit);
        double scale = 1;
        for (int decimals = 0; decimals <= 3; ++decimals, scale *= 10) {
            if (std::nearbyint(value * scale) == value * scale)
                return QString::number(value, 'f', decimals) + QLatin1Char(suffix);
        }
    }
    return QString::number(bytesPerSecond);
}

std::optional<qint64> FetchOptions::parseRequestRate(QStringView text, QString *error)
{
    const QStringView trimmed = text.trimmed();
    const qsizetype slash = trimmed.indexOf(QLatin1Char('/'));
    const QStringView count = slash < 0 ? trimmed : trimmed.left(slash).trimmed();
    const QStringView unit = slash < 0 ? QStringView(u"h") : trimmed.mid(slash + 1).trimmed();
    qint64 periodNs = 0;
    if (unit == u"s")
        periodNs = Units::NsPerSecond;
    else if (unit == u"m")
        periodNs = Units::SecondsPerMinute * Units::NsPerSecond;
    else if (unit == u"h")
        periodNs = Units::MinutesPerHour * Units::SecondsPerMinute * Units::NsPerSecond;
    else if (unit == u"d")
        periodNs = Units::MsPerDay * Units::NsPerMs;
    bool ok = periodNs > 0 && !count.isEmpty();
    for (const QChar c : count)
        ok = ok && c >= QLatin1Char('0') && c <= QLatin1Char('9');
    const qint64 n = ok ? count.toLongLong(&ok) : 0;
    // At most a million a second: beyond that no interval is left to keep.
    if (!ok || n < 1 || periodNs / n < Units::NsPerUs) {
        if (error) {
            *error = QCoreApplication::translate(
                         "Parafetch::FetchOptions",
                         "\"%1\" is not a request rate: give N/s, N/m, N/h or N/d (as 10/s or "
                         "600/m), N a whole number from 1")
                         .arg(text.left(40));
        }
        return std::nullopt;
    }
    return periodNs / n;
}

QString FetchOptions::requestRateText(qint64 startIntervalNs)
{
    if (startIntervalNs <= 0)
        return QString();
    const double perSecond = double(Units::NsPerSecond) / double(startIntervalNs);
    if (perSecond >= 1)
        return QCoreApplication::translate("Parafetch::FetchOptions", "%1/s", "requests a second")
            .arg(QString::number(perSecond, 'g', 4));
    return QCoreApplication::translate("Parafetch::FetchOptions", "one every %1 s")
        .arg(QString::number(double(startIntervalNs) / double(Units::NsPerSecond), 'g', 4));
}

QString FetchOptions::pacingText() const
{
    QStringList paces;
    if (startIntervalNs > 0)
        paces.append(
            QCoreApplication::translate("Parafetch::FetchOptions", "at most %1 URLs started")
                .arg(requestRateText(startIntervalNs)));
    if (perHostIntervalNs > 0)
        paces.append(
            QCoreApplication::translate("Parafetch::FetchOptions", "one start per host every %1")
                .arg(formatSeconds(perHostIntervalNs)));
    return paces.join(QStringLiteral(", "));
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
