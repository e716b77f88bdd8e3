// SPDX-License-Identifier: GPL-3.0-or-later
// URL patterns as curl globs them: [1-120], [001-120], [a-z], [1-100:10] and {one,two}.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <QStringView>

#include <functional>
#include <optional>
#include <vector>

namespace Parafetch {

// What a list line's URL may hold, and how far it may grow (the parser's options, the command
// line's --globoff and --glob-limit, the window's "Expand URL patterns").
struct UrlPatternOptions
{
    // Against accidents ("[1-99999999]"), not a resource limit: a million URLs fit in memory.
    static constexpr qint64 DefaultLimit = 1'000'000;
    // A limit the command line and the settings accept: a hundred million entries take gigabytes.
    static constexpr qint64 MaxLimit = 100'000'000;

    bool expand = true; // false: brackets and braces are the URL's own characters (--globoff)
    qint64 limit = DefaultLimit; // URLs one pattern may expand to
};

// One URL with patterns in it, read as curl reads it (man curl, "URL"): a range [FROM-TO] or
// [FROM-TO:STEP] of numbers or of letters of one case, zero-padded to the width of FROM when
// FROM starts with a zero; a list {a,b,c}; several patterns multiply, the last one changing
// fastest. A backslash before [ ] { } makes it literal (and before , inside a list). An IPv6
// host ("http://[::1]:8080/") is the URL's own. No nesting.
class UrlPattern
{
    Q_DECLARE_TR_FUNCTIONS(Parafetch::UrlPattern)

public:
    // Whether the text has anything a pattern is made of; when not, it is one URL as it stands.
    static bool mayHavePatterns(QStringView text);

    // The pattern, or nothing with *error saying what is wrong and where (1-based column).
    static std::optional<UrlPattern> parse(QStringView text, QString *error);

    int patternCount() const { return m_patternCount; } // ranges and lists: 0 = a plain URL
    // How many URLs it expands to; nothing when that does not fit in 64 bits.
    std::optional<qint64> urlCount() const;

    // Calls visit once per URL, in order, with the URL and the current value of each range or
    // list (for curl's "#1" in an output name). Builds one URL at a time into one buffer.
    using Visitor = std::function<void(QStringView url, const std::vector<QString> &values)>;
    void expand(const Visitor &visit) const;

    // name with "#N" replaced by the value of the Nth range or list (1-based); others kept.
    static QString substituteValues(QStringView name, const std::vector<QString> &values);

private:
    struct Part
    {
        enum class Kind { Literal, List, Numbers, Letters };
        Kind kind = Kind::Literal;
        QString literal;
        std::vector<QString> items; // a list's
        qint64 from = 0; // a range's, letters as their code
        qint64 to = 0;
        qint64 step = 1;
        int width = 0; // zero padding of a number range

        qint64 size() const;
        void appendValue(qint64 index, QString &out) const;
    };

    static bool parseList(QStringView text, qsizetype &pos, Part &part, QString *error);
    static bool parseRange(QStringView text, qsizetype &pos, Part &part, QString *error);

    std::vector<Part> m_parts;
    int m_patternCount = 0;
};

} // namespace Parafetch
