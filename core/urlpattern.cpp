// SPDX-License-Identifier: GPL-3.0-or-later
// URL patterns: parsing ranges and lists, counting and expanding them one URL at a time.
#include "urlpattern.h"

#include <QtNumeric>

namespace Parafetch {

namespace {

// More digits could overflow a 64-bit value; nobody numbers files beyond that.
constexpr qsizetype MaxRangeDigits = 18;

bool isDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

bool isDigits(QStringView text)
{
    if (text.isEmpty() || text.size() > MaxRangeDigits)
        return false;
    for (QChar c : text) {
        if (!isDigit(c))
            return false;
    }
    return true;
}

bool isLetter(QStringView text)
{
    return text.size() == 1
        && ((text[0] >= u'a' && text[0] <= u'z') || (text[0] >= u'A' && text[0] <= u'Z'));
}

bool isOpenOrClose(QChar c)
{
    return c == u'[' || c == u']' || c == u'{' || c == u'}';
}

bool isIpv6Character(QChar c)
{
    return isDigit(c) || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F') || c == u':'
        || c == u'.';
}

// Where the URL's host starts (after "scheme://" and any user info), or -1.
qsizetype hostStart(QStringView text)
{
    const qsizetype separator = text.indexOf(u"://");
    if (separator < 0)
        return -1;
    const qsizetype host = separator + 3;
    qsizetype authorityEnd = host;
    while (authorityEnd < text.size() && text[authorityEnd] != u'/' && text[authorityEnd] != u'?'
           && text[authorityEnd] != u'#')
        ++authorityEnd;
    const qsizetype at = text.first(authorityEnd).lastIndexOf(u'@');
    return at >= host ? at + 1 : host;
}

// Where the IPv6 host "[…]" that starts at pos ends (after its ']'), or -1 when the bracket at
// pos is not the URL's host: curl reads it the same way.
qsizetype ipv6HostEnd(QStringView text, qsizetype pos)
{
    if (pos != hostStart(text))
        return -1;
    const qsizetype close = text.indexOf(u']', pos);
    if (close < 0)
        return -1;
    QStringView address = text.sliced(pos + 1, close - pos - 1);
    const qsizetype zone = address.indexOf(u'%'); // "fe80::1%25eth0": the zone is any text
    if (zone >= 0)
        address = address.first(zone);
    if (!address.contains(u':'))
        return -1;
    for (QChar c : address) {
        if (!isIpv6Character(c))
            return -1;
    }
    return close + 1;
}

} // namespace

qint64 UrlPattern::Part::size() const
{
    switch (kind) {
    case Kind::Literal:
        return 1;
    case Kind::List:
        return qint64(items.size());
    case Kind::Numbers:
    case Kind::Letters:
        return (to - from) / step + 1;
    }
    return 1;
}

void UrlPattern::Part::appendValue(qint64 index, QString &out) const
{
    switch (kind) {
    case Kind::Literal:
        out.append(literal);
        return;
    case Kind::List:
        out.append(items[std::size_t(index)]);
        return;
    case Kind::Numbers: {
        const QString number = QString::number(from + index * step);
        for (qsizetype pad = number.size(); pad < width; ++pad)
            out.append(u'0');
        out.append(number);
        return;
    }
    case Kind::Letters:
        out.append(QChar(char16_t(from + index * step)));
        return;
    }
}

bool UrlPattern::mayHavePatterns(QStringView text)
{
    for (QChar c : text) {
        if (isOpenOrClose(c))
            return true;
    }
    return false;
}

std::optional<UrlPattern> UrlPattern::parse(QStringView text, QString *error)
{
    UrlPattern pattern;
    QString literal;
    const auto flushLiteral = [&] {
        if (literal.isEmpty())
            return;
        Part part;
        part.literal = std::exchange(literal, QString());
        pattern.m_parts.push_back(std::move(part));
    };
    qsizetype pos = 0;
    while (pos < text.size()) {
        const QChar c = text[pos];
        if (c == u'\\' && pos + 1 < text.size() && isOpenOrClose(text[pos + 1])) {
            literal.append(text[pos + 1]);
            pos += 2;
            continue;
        }
        if (c == u'[') {
            if (const qsizetype end = ipv6HostEnd(text, pos); end > 0) {
                literal.append(text.sliced(pos, end - pos));
                pos = end;
                continue;
            }
        }
        if (c == u'[' || c == u'{') {
            flushLiteral();
            Part part;
            if (!(c == u'[' ? parseRange(text, pos, part, error)
                            : parseList(text, pos, part, error)))
                return std::nullopt;
            pattern.m_parts.push_back(std::move(part));
            ++pattern.m_patternCount;
            continue;
        }
        if (c == u']' || c == u'}') {
            *error = tr("'%1' at character %2 closes nothing (write \\%1 for the character itself)")
                         .arg(c)
                         .arg(pos + 1);
            return std::nullopt;
        }
        literal.append(c);
        ++pos;
    }
    flushLiteral();
    return pattern;
}

bool UrlPattern::parseList(QStringView text, qsizetype &pos, Part &part, QString *error)
{
    const qsizetype open = pos;
    part.kind = Part::Kind::List;
    QString item;
    for (++pos; pos < text.size(); ++pos) {
        const QChar c = text[pos];
        if (c == u'\\' && pos + 1 < text.size()) {
            item.append(text[++pos]);
        } else if (c == u',') {
            part.items.push_back(std::exchange(item, QString()));
        } else if (c == u'}') {
            part.items.push_back(std::move(item));
            ++pos;
            if (part.items.size() == 1 && part.items.front().isEmpty()) {
                *error = tr("empty list '{}' at character %1").arg(open + 1);
                return false;
            }
            return true;
        } else if (c == u'{' || c == u'[' || c == u']') {
            *error = tr("'%1' at character %2 inside the list that starts at character %3 "
                        "(patterns do not nest)")
                         .arg(c)
                         .arg(pos + 1)
                         .arg(open + 1);
            return false;
        } else {
            item.append(c);
        }
    }
    *error = tr("unclosed '{' at character %1").arg(open + 1);
    return false;
}

bool UrlPattern::parseRange(QStringView text, qsizetype &pos, Part &part, QString *error)
{
    const qsizetype open = pos;
    const qsizetype close = text.indexOf(u']', open);
    if (close < 0) {
        *error = open == hostStart(text)
            ? tr("unclosed '[' at character %1 (an IPv6 host is written [::1])").arg(open + 1)
            : tr("unclosed '[' at character %1").arg(open + 1);
        return false;
    }
    const QStringView written = text.sliced(open, close - open + 1);
    const QStringView content = written.sliced(1, written.size() - 2);
    // Brackets before the host are in the user info: its text may be a password.
    const bool showable = open >= hostStart(text);
    const auto bad = [&](const QString &why) {
        *error = showable ? tr("%1 '%2' at character %3").arg(why, written).arg(open + 1)
                          : tr("%1 the brackets at character %2").arg(why).arg(open + 1);
        return false;
    };

    QStringView range = content;
    const qsizetype colon = content.indexOf(u':');
    if (colon >= 0) {
        range = content.first(colon);
        const QStringView step = content.sliced(colon + 1);
        bool ok = isDigits(step);
        part.step = ok ? step.toLongLong(&ok) : 0;
        if (!ok || part.step < 1)
            return bad(tr("the step must be a whole number of 1 or more in"));
    }
    const qsizetype dash = range.indexOf(u'-');
    if (dash < 0)
        return bad(tr("not a range (write [1-10], [001-120] or [a-z]):"));
    const QStringView first = range.first(dash);
    const QStringView last = range.sliced(dash + 1);
    if (isDigits(first) && isDigits(last)) {
        part.kind = Part::Kind::Numbers;
        part.from = first.toLongLong();
        part.to = last.toLongLong();
        part.width = first.startsWith(u'0') ? int(first.size()) : 0;
    } else if (isLetter(first) && isLetter(last) && first[0].isLower() == last[0].isLower()) {
        part.kind = Part::Kind::Letters;
        part.from = first[0].unicode();
        part.to = last[0].unicode();
    } else if ((isDigits(first) || isLetter(first)) && (isDigits(last) || isLetter(last))) {
        return bad(tr("mixed range (both ends numbers, or letters of one case):"));
    } else {
        return bad(tr("not a range (write [1-10], [001-120] or [a-z]):"));
    }
    if (part.from > part.to)
        return bad(tr("reversed range (the first value must come first):"));
    pos = close + 1;
    return true;
}

std::optional<qint64> UrlPattern::urlCount() const
{
    qint64 count = 1;
    for (const Part &part : m_parts) {
        if (qMulOverflow(count, part.size(), &count))
            return std::nullopt;
    }
    return count;
}

void UrlPattern::expand(const Visitor &visit) const
{
    std::vector<qint64> indexes(m_parts.size(), 0);
    std::vector<QString> values(static_cast<std::size_t>(m_patternCount));
    QString url;
    for (;;) {
        url.resize(0); // keeps its capacity: one buffer for every URL
        std::size_t value = 0;
        for (std::size_t index = 0; index < m_parts.size(); ++index) {
            const Part &part = m_parts[index];
            const qsizetype start = url.size();
            part.appendValue(indexes[index], url);
            if (part.kind != Part::Kind::Literal) {
                values[value].resize(0);
                values[value].append(QStringView(url).sliced(start));
                ++value;
            }
        }
        visit(url, values);
        // The last pattern changes fastest, as in curl.
        std::size_t index = m_parts.size();
        for (;;) {
            if (index == 0)
                return;
            --index;
            if (m_parts[index].kind == Part::Kind::Literal)
                continue;
            if (++indexes[index] < m_parts[index].size())
                break;
            indexes[index] = 0;
        }
    }
}

QString UrlPattern::substituteValues(QStringView name, const std::vector<QString> &values)
{
    QString result;
    qsizetype pos = 0;
    while (pos < name.size()) {
        if (name[pos] == u'#') {
            qsizetype end = pos + 1;
            while (end < name.size() && isDigit(name[end]) && end - pos <= MaxRangeDigits)
                ++end;
            bool ok = end > pos + 1;
            const qint64 number = ok ? name.sliced(pos + 1, end - pos - 1).toLongLong(&ok) : 0;
            if (ok && number >= 1 && number <= qint64(values.size())) {
                result.append(values[std::size_t(number - 1)]);
                pos = end;
                continue;
            }
        }
        result.append(name[pos]);
        ++pos;
    }
    return result;
}

} // namespace Parafetch
