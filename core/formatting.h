// SPDX-License-Identifier: GPL-3.0-or-later
// How every front end writes bytes, rates and durations, so the table, summary, details pane,
// waterfall, command line and exports agree.
//
// For people (the first group): numbers carry no group separators ("1023.5 KiB"). Sizes are
// binary values (powers of 1024) with IEC labels: "47.7 MiB" for 50,000,000 bytes, what
// QLocale::formattedDataSize gives in its default format. Binary, because that is what `ls -h`,
// `du -h` and curl's meter count in; IEC labels, so no binary value wears an SI name.
//
// Classic (the second group): the reference tool's lines ("main takes time=0.210s"), which
// scripts parse: the C locale whatever the user's, no space before the unit, never translated.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace Parafetch {

struct RunSummary;

// For people, in the user's locale.
QString formatBytes(qint64 bytes); // "78 bytes", "47.7 MiB"
QString formatByteProgress(qint64 received, qint64 total); // "1.2 of 47.7 MiB"
QString formatRate(double bytesPerSecond); // "47.7 MiB/s"
// The bandwidth caps in force, for beside the summary so that its rates and speedup are read
// as measured under them: "Capped at 1 MiB/s", "Capped at 256 KiB/s per URL", "Capped at
// 1 MiB/s in all and 256 KiB/s per URL"; empty when neither is set.
QString formatBandwidthCap(qint64 limitRate, qint64 limitRatePerUrl);
QString formatSeconds(qint64 ns); // "0.047 s"
QString formatSecondsOrUnknown(qint64 ns); // "0.047 s", unknownValue() when negative
QString formatSignedSeconds(qint64 ns); // "+0.047 s", "−0.047 s" (a minus sign, U+2212)
QString formatMilliseconds(qint64 ns, int decimals); // "12.5 ms"
// A histogram bound on the 1-2-5 scale: "0.1 ms", "20 ms", "2 s", "1000 s" (no trailing zeros).
QString formatLatencyBound(qint64 us);
QString formatRemaining(qint64 ns); // "about 40 s", "about 2 h 5 min"; empty for -1
QString formatSpeedup(double speedup); // "2.50×"
QString unknownValue(); // "–": a value nobody measured
// "HTTP/2" for h2, "HTTP/1.1" for http/1.1: the names people know; "" for unknown.
QString formatProtocol(const QByteArray &protocol);
// "#7" for a new connection, "#7, reused" for one that carried an earlier request; "" = unknown.
QString formatConnection(quint64 id, bool reused);

// A count of milliseconds as plain seconds for a sentence: "30", "0.25" (up to ten
// significant digits, no trailing zeros; the C locale, like the command line that reads it).
QString formatPlainSeconds(qint64 ms);

// The widest texts the Size, Speed and Time columns can show, with every digit written as
// `digit`: a view sizes those columns by them, so that no value is ever elided.
QStringList widestSizeTexts(QChar digit);
QStringList widestRateTexts(QChar digit);
QStringList widestSecondsTexts(QChar digit);

// Classic, in the C locale.
QString formatClassicSeconds(qint64 ns); // "0.047s"; a negative value reads 0.000s
QString formatClassicSecondsOrUnknown(qint64 ns); // "0.047s", "-" when negative
QString formatClassicSignedSeconds(qint64 ns); // "+0.047s", "-0.047s"
QString formatClassicSpeedup(double speedup); // "2.50x"
// "main takes time=0.210s\nserial exec time would be time=0.647s" (no newline at the end).
QString classicSummaryLines(const RunSummary &summary);

// A fraction as a whole percentage: 0.754 is "75%".
QString formatWholePercent(double fraction);
// How much `after` differs from `before`, in percent of `before`: "+12.5%", "-3.0%".
QString formatPercentChange(qint64 before, qint64 after);

// Milliseconds with exactly three decimals, from whole microseconds rounded halves up, so that
// 1.5 ms is always "1.500" whatever a double would print: "12.345"; "-1" when negative (unknown).
// The run files' and sweep tables' number format.
QByteArray formatExactMs(qint64 ns);
QByteArray formatExactMsOfUs(qint64 us); // the same from whole microseconds

} // namespace Parafetch
