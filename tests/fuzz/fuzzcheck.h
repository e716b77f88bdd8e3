// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the libFuzzer targets: an invariant check that stops the run where it fails.
#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <cstdio>

namespace ParafetchFuzz {

// Prints what failed (and the values that show why) to stderr, then traps: libFuzzer records the
// input as a crash artifact and prints the stack, whatever build type this is.
[[noreturn]] inline void fail(const char *file, int line, const char *condition,
                              const QString &detail)
{
    std::fprintf(stderr, "\n*** fuzz invariant violated at %s:%d: %s\n", file, line, condition);
    if (!detail.isEmpty())
        std::fprintf(stderr, "*** %s\n", detail.toUtf8().constData());
    std::fflush(stderr);
    __builtin_trap();
}

// PARAFETCH_FUZZ_STRICT=1 in the environment also checks the invariants that known, still open
// findings break (see README.md, "Findings"): reproduce them with it, fuzz without it.
inline bool strict()
{
    static const bool value = qEnvironmentVariableIsSet("PARAFETCH_FUZZ_STRICT");
    return value;
}

// A string for a message: escaped, so that control characters and bidi marks stay visible.
inline QString shown(const QString &text)
{
    static constexpr char hex[] = "0123456789abcdef";
    QString out;
    out.reserve(text.size() + 2);
    out += u'"';
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (u >= 0x20 && u < 0x7F && u != u'\\') {
            out += c;
            continue;
        }
        out += QLatin1String("\\u");
        for (int shift = 12; shift >= 0; shift -= 4)
            out += QLatin1Char(hex[(u >> shift) & 0xF]);
    }
    out += u'"';
    return out;
}

} // namespace ParafetchFuzz

#define FUZZ_CHECK(condition, detail)                                                              \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::ParafetchFuzz::fail(__FILE__, __LINE__, #condition, (detail));                       \
    } while (false)
