// SPDX-License-Identifier: GPL-3.0-or-later
// The one JSON writer (see jsonwriter.h).
#include "formats/jsonwriter.h"

#include <QLocale>

#include <charconv>
#include <cmath>

namespace Parafetch {

namespace {

constexpr std::array<char, 16> HexDigits = { '0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f' };
constexpr int HighNibbleShift = 4;
constexpr quint8 LowNibble = 0x0f;
// JSON strings must escape the bytes below this; the rest of UTF-8 passes through as it is.
constexpr quint8 FirstUnescapedByte = 0x20;
constexpr int IndentStep = 2;

void appendHexByte(QByteArray &out, quint8 byte)
{
    out += HexDigits[byte >> HighNibbleShift];
    out += HexDigits[byte & LowNibble];
}

} // namespace

JsonWriter::JsonWriter(QByteArray &out, Style style, Escapes escapes)
    : m_out(out)
    , m_style(style)
    , m_escapes(escapes)
{ }

void JsonWriter::appendString(QByteArray &out, QByteArrayView utf8, Escapes escapes)
{
    out += '"';
    // Plain runs are appended whole, not byte by byte.
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const char c = utf8.at(i);
        const bool quote = c == '"' || c == '\\';
        if (!quote && quint8(c) >= FirstUnescapedByte)
            continue;
        out.append(utf8.data() + plainFrom, i - plainFrom);
        plainFrom = i + 1;
        if (quote) {
            out += '\\';
            out += c;
            continue;
        }
        if (escapes == Escapes::Short) {
            if (c == '\n') {
                out += "\\n";
                continue;
            }
            if (c == '\r') {
                out += "\\r";
                continue;
            }
            if (c == '\t') {
                out += "\\t";
                continue;
            }
        }
        out += "\\u00";
        appendHexByte(out, quint8(c));
    }
    out.append(utf8.data() + plainFrom, utf8.size() - plainFrom);
    out += '"';
}

QByteArray JsonWriter::realNumber(double number)
{
    if (!std::isfinite(number))
        return QByteArrayLiteral("0");
    return QByteArray::number(number, 'f', QLocale::FloatingPointShortest);
}

void JsonWriter::beforeValue()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_depth == 0)
        return; // the top-level value
    Container &container = m_stack[std::size_t(m_depth - 1)];
    if (container.members > 0) {
        m_out += ',';
        if (m_style == Style::Spaced && container.wrap == Inline)
            m_out += ' ';
    }
    if (container.wrap == Lines) {
        m_out += '\n';
        m_out.append(QByteArray(container.indent, ' '));
    }
    ++container.members;
}

void JsonWriter::open(char bracket, Wrap wrap)
{
    beforeValue();
    Q_ASSERT(m_depth < MaxDepth);
    int indent = 0;
    for (int i = 0; i < m_depth; ++i) {
        if (m_stack[std::size_t(i)].wrap == Lines)
            indent += IndentStep;
    }
    if (wrap == Lines)
        indent += IndentStep;
    m_stack[std::size_t(m_depth++)] = { wrap, indent, 0 };
    m_out += bracket;
}

void JsonWriter::close(char bracket)
{
    Q_ASSERT(m_depth > 0 && !m_afterKey);
    const Container &container = m_stack[std::size_t(--m_depth)];
    if (container.wrap == Lines && container.members > 0) {
        m_out += '\n';
        m_out.append(QByteArray(container.indent - IndentStep, ' '));
    }
    m_out += bracket;
}

JsonWriter &JsonWriter::beginObject(Wrap wrap)
{
    open('{', wrap);
    return *this;
}

JsonWriter &JsonWriter::endObject()
{
    close('}');
    return *this;
}

JsonWriter &JsonWriter::beginArray(Wrap wrap)
{
    open('[', wrap);
    return *this;
}

JsonWriter &JsonWriter::endArray()
{
    close(']');
    return *this;
}

JsonWriter &JsonWriter::key(QLatin1String name)
{
    Q_ASSERT(m_depth > 0 && !m_afterKey);
    beforeValue();
    appendString(m_out, QByteArrayView(name.data(), name.size()), m_escapes);
    m_out += m_style == Style::Spaced ? QByteArrayView(": ") : QByteArrayView(":");
    m_afterKey = true;
    return *this;
}

JsonWriter &JsonWriter::value(QByteArrayView utf8)
{
    beforeValue();
    appendString(m_out, utf8, m_escapes);
    return *this;
}

JsonWriter &JsonWriter::value(const QString &text)
{
    return value(QByteArrayView(text.toUtf8()));
}

JsonWriter &JsonWriter::value(QLatin1String text)
{
    return value(QString(text));
}

JsonWriter &JsonWriter::hexValue(QByteArrayView bytes)
{
    beforeValue();
    m_out += '"';
    for (const char byte : bytes)
        appendHexByte(m_out, quint8(byte));
    m_out += '"';
    return *this;
}

JsonWriter &JsonWriter::value(qint64 number)
{
    beforeValue();
    std::array<char, 24> digits {}; // enough for any qint64
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), number);
    m_out.append(digits.data(), result.ptr - digits.data());
    return *this;
}

JsonWriter &JsonWriter::value(double number)
{
    return numberLiteral(realNumber(number));
}

JsonWriter &JsonWriter::numberLiteral(QByteArrayView literal)
{
    beforeValue();
    m_out += literal;
    return *this;
}

JsonWriter &JsonWriter::null()
{
    beforeValue();
    m_out += "null";
    return *this;
}

} // namespace Parafetch
