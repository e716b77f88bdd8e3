// SPDX-License-Identifier: GPL-3.0-or-later
// Formatting: sizes in IEC (binary) units through QLocale, times in seconds or milliseconds, and
// the classic lines in the C locale.
#include "formatting.h"

#include "runsummary.h"
#include "units.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace Parafetch {

namespace {

constexpr int SizeDecimals = 1;
constexpr int SecondsDecimals = 3;
constexpr int SpeedupDecimals = 2;
constexpr int PercentChangeDecimals = 1;
constexpr int PlainSecondsDigits = 10; // an int of milliseconds has at most ten digits
constexpr int ExactMsDecimals = 3; // whole microseconds
// Sizes up to this many powers of 1024 (TiB) are sized for; larger ones are not a download.
constexpr int LargestPower = 4;
// The longest durations a Time column is sized for: just under 10,000 s (2 h 46 min).
constexpr qint64 LongestSecondsNs = qint64(9999.999 * double(Units::NsPerSecond));

QString tr(const char *text, const char *disambiguation = nullptr)
{
    return QCoreApplication::translate("Units", text, disambiguation);
}

QString withDigits(QString text, QChar digit)
{
    for (QChar &c : text) {
        if (c.isDigit())
            c = digit;
    }
    return text;
}

// Below each power of 1024 the widest size has four digits before the point ("1,023.9 KiB"),
// and bytes have four ("1,023 bytes").
QList<qint64> widestSizes()
{
    QList<qint64> sizes;
    qint64 power = 1;
    for (int i = 0; i <= LargestPower; ++i) {
        sizes.append(power * 1023 + (power > 1 ? power / 2 : 0));
        power *= 1024;
    }
    return sizes;
}

// The user's locale without group separators: a four-digit figure reads as easily, and the
// table's columns stay narrow enough for the Error column at 1280 pixels.
// Made again only when the default locale changes: every table cell paints through here.
QLocale numberLocale()
{
    thread_local QLocale base;
    thread_local QLocale numbers = [] {
        QLocale locale;
        locale.setNumberOptions(locale.numberOptions() | QLocale::OmitGroupSeparator);
        return locale;
    }();
    const QLocale current;
    if (current != base) {
        base = current;
        numbers = current;
        numbers.setNumberOptions(current.numberOptions() | QLocale::OmitGroupSeparator);
    }
    return numbers;
}

} // namespace

QString formatBytes(qint64 bytes)
{
    return numberLocale().formattedDataSize(bytes, SizeDecimals, QLocale::DataSizeIecFormat);
}

// The unit once, the total's, as formattedDataSize picks it (a power of 1024 per step).
QString formatByteProgress(qint64 received, qint64 total)
{
    int power = 0;
    for (qint64 rest = total; rest >= 1024 && power < 6; rest /= 1024)
        ++power;
    const QString done = numberLocale().toString(double(received) / std::pow(1024.0, power), 'f',
                                                 power > 0 ? SizeDecimals : 0);
    return tr("%1 of %2", "bytes received of bytes expected").arg(done, formatBytes(total));
}

QString formatRate(double bytesPerSecond)
{
    return tr("%1/s", "a rate: bytes per second").arg(formatBytes(qint64(bytesPerSecond)));
}

QString formatBandwidthCap(qint64 limitRate, qint64 limitRatePerUrl)
{
    if (limitRate > 0 && limitRatePerUrl > 0) {
        return tr("Capped at %1 in all and %2 per URL")
            .arg(formatRate(double(limitRate)), formatRate(double(limitRatePerUrl)));
    }
    if (limitRate > 0)
        return tr("Capped at %1").arg(formatRate(double(limitRate)));
    if (limitRatePerUrl > 0)
        return tr("Capped at %1 per URL").arg(formatRate(double(limitRatePerUrl)));
    return QString();
}

QString formatSeconds(qint64 ns)
{
    return tr("%1 s", "seconds")
        .arg(
            numberLocale().toString(double(ns) / double(Units::NsPerSecond), 'f', SecondsDecimals));
}

QString formatMilliseconds(qint64 ns, int decimals)
{
    return tr("%1 ms", "milliseconds")
        .arg(numberLocale().toString(double(ns) / double(Units::NsPerMs), 'f', decimals));
}

QString formatSecondsOrUnknown(qint64 ns)
{
    return ns >= 0 ? formatSeconds(ns) : unknownValue();
}

QString formatSignedSeconds(qint64 ns)
{
    return (ns < 0 ? QStringLiteral("−") : QStringLiteral("+")) + formatSeconds(ns < 0 ? -ns : ns);
}

QString formatRemaining(qint64 ns)
{
    using namespace Units;
    if (ns < 0)
        return {};
    // To the nearest second (it is "about"), but a little left is never "about 0 s".
    const qint64 seconds = ns == 0 ? 0 : std::max<qint64>((ns + NsPerSecond / 2) / NsPerSecond, 1);
    // The texts keep the context they were translated in when the ETA code wrote them.
    if (seconds < SecondsPerMinute)
        return QCoreApplication::translate("Eta", "about %1 s").arg(seconds);
    const qint64 minutes = (seconds + SecondsPerMinute / 2) / SecondsPerMinute;
    if (minutes < MinutesPerHour)
        return QCoreApplication::translate("Eta", "about %1 min").arg(minutes);
    return QCoreApplication::translate("Eta", "about %1 h %2 min")
        .arg(minutes / MinutesPerHour)
        .arg(minutes % MinutesPerHour);
}

QString formatSpeedup(double speedup)
{
    // The context the summary panel translated it in.
    return QCoreApplication::translate("Parafetch::SummaryPanel", "%1×")
        .arg(QLocale().toString(speedup, 'f', SpeedupDecimals));
}

QString formatPlainSeconds(qint64 ms)
{
    return QString::number(double(ms) / double(Units::MsPerSecond), 'g', PlainSecondsDigits);
}

QString formatProtocol(const QByteArray &protocol)
{
    if (protocol == "h2")
        return QStringLiteral("HTTP/2");
    if (protocol == "h3")
        return QStringLiteral("HTTP/3");
    return QString::fromLatin1(protocol).toUpper();
}

QString formatConnection(quint64 id, bool reused)
{
    if (id == 0)
        return {};
    return reused ? QCoreApplication::translate("Units", "#%1, reused", "a connection").arg(id)
                  : QStringLiteral("#%1").arg(id);
}

QString unknownValue()
{
    return tr("–", "unknown value");
}

QStringList widestSizeTexts(QChar digit)
{
    QStringList texts;
    for (const qint64 size : widestSizes()) {
        texts.append(withDigits(formatBytes(size), digit));
        texts.append(withDigits(formatByteProgress(size, size), digit));
    }
    return texts;
}

QStringList widestRateTexts(QChar digit)
{
    QStringList texts;
    for (const qint64 size : widestSizes())
        texts.append(withDigits(formatRate(double(size)), digit));
    return texts;
}

QStringList widestSecondsTexts(QChar digit)
{
    return { withDigits(formatSeconds(LongestSecondsNs), digit), unknownValue() };
}

QString formatClassicSeconds(qint64 ns)
{
    return QString::number(double(std::max<qint64>(ns, 0)) / double(Units::NsPerSecond), 'f',
                           SecondsDecimals)
        + QLatin1Char('s');
}

QString formatClassicSecondsOrUnknown(qint64 ns)
{
    return ns >= 0 ? formatClassicSeconds(ns) : QStringLiteral("-");
}

QString formatClassicSignedSeconds(qint64 ns)
{
    return (ns < 0 ? QLatin1Char('-') : QLatin1Char('+')) + formatClassicSeconds(ns < 0 ? -ns : ns);
}

QString formatClassicSpeedup(double speedup)
{
    return QString::number(speedup, 'f', SpeedupDecimals) + QLatin1Char('x');
}

QString classicSummaryLines(const RunSummary &summary)
{
    return QStringLiteral("main takes time=%1\nserial exec time would be time=%2")
        .arg(formatClassicSeconds(summary.wallNs), formatClassicSeconds(summary.serialNs));
}

QString formatWholePercent(double fraction)
{
    return QString::number(fraction * Units::PercentScale, 'f', 0) + QLatin1Char('%');
}

QString formatPercentChange(qint64 before, qint64 after)
{
    return (after >= before ? QStringLiteral("+") : QString())
        + QString::number(double(after - before) / double(before) * Units::PercentScale, 'f',
                          PercentChangeDecimals)
        + QLatin1Char('%');
}

QByteArray formatExactMs(qint64 ns)
{
    return formatExactMsOfUs(Units::nsToRoundedUs(ns));
}

QByteArray formatExactMsOfUs(qint64 us)
{
    if (us < 0)
        return QByteArrayLiteral("-1");
    return QByteArray::number(us / Units::UsPerMs) + '.'
        + QByteArray::number(us % Units::UsPerMs).rightJustified(ExactMsDecimals, '0');
}

QString formatLatencyBound(qint64 us)
{
    constexpr qint64 UsPerMs = 1000;
    constexpr qint64 UsPerSecond = 1'000'000;
    if (us >= UsPerSecond)
        return QStringLiteral("%1 s").arg(QString::number(double(us) / UsPerSecond, 'g', 10));
    return QStringLiteral("%1 ms").arg(QString::number(double(us) / UsPerMs, 'g', 10));
}

} // namespace Parafetch
