// Units: sizes in IEC (binary) units through QLocale, times in seconds or milliseconds.
#include "units.h"

#include <QCoreApplication>
#include <QLocale>

#include <cmath>

namespace Parafetch {

namespace {

constexpr double NsPerSecond = 1e9;
constexpr double NsPerMs = 1e6;
constexpr int SizeDecimals = 1;
constexpr int SecondsDecimals = 3;
// Sizes up to this many powers of 1024 (TiB) are sized for; larger ones are not a download.
constexpr int LargestPower = 4;
// The longest durations a Time column is sized for: just under 10,000 s (2 h 46 min).
constexpr qint64 LongestSecondsNs = qint64(9999.999 * NsPerSecond);

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

QString formatSeconds(qint64 ns)
{
    return tr("%1 s", "seconds")
        .arg(numberLocale().toString(double(ns) / NsPerSecond, 'f', SecondsDecimals));
}

QString formatMilliseconds(qint64 ns, int decimals)
{
    return tr("%1 ms", "milliseconds")
        .arg(numberLocale().toString(double(ns) / NsPerMs, 'f', decimals));
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

} // namespace Parafetch
