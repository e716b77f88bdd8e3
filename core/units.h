// How every front end writes bytes, rates and durations, so the table, summary, details pane,
// waterfall, command line and exports agree.
//
// Numbers carry no group separators ("1023.5 KiB"). Sizes are binary values (powers of 1024) with
// IEC labels: "47.7 MiB" for 50,000,000 bytes, what QLocale::formattedDataSize gives in its default
// format. Binary, because that is what `ls -h`, `du -h` and curl's meter count in; IEC labels, so
// no binary value wears an SI name.
#pragma once

#include <QString>
#include <QStringList>

namespace Parafetch {

QString formatBytes(qint64 bytes); // "78 bytes", "47.7 MiB"
QString formatByteProgress(qint64 received, qint64 total); // "1.2 of 47.7 MiB"
QString formatRate(double bytesPerSecond); // "47.7 MiB/s"
QString formatSeconds(qint64 ns); // "0.047 s"
QString formatMilliseconds(qint64 ns, int decimals); // "12.5 ms"
QString unknownValue(); // "–": a value nobody measured

// The widest texts the Size, Speed and Time columns can show, with every digit written as
// `digit`: a view sizes those columns by them, so that no value is ever elided.
QStringList widestSizeTexts(QChar digit);
QStringList widestRateTexts(QChar digit);
QStringList widestSecondsTexts(QChar digit);

} // namespace Parafetch
