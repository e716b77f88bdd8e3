// SPDX-License-Identifier: GPL-3.0-or-later
// The one JSON writer: string escaping, numbers and a key().value() builder, for the run files
// (JSON, HAR) and the run journal's records.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>
#include <QString>

#include <array>

namespace Parafetch {

// Appends JSON text to a byte array the caller owns (and may flush or truncate between values:
// the writer keeps its state, not the text). Keys and values are written where they are asked
// for, with no reordering and no checks beyond debug assertions, so that a record costs a few
// appends and no allocation: the journal writes up to two per URL.
//
//     JsonWriter w(out);
//     w.beginObject(JsonWriter::Lines);           // {
//     w.key("format").value("parafetch-run");      //   "format": "parafetch-run",
//     w.key("tool").beginObject();                 //   "tool": {"name": "parafetch"},
//     w.key("name").value("parafetch").endObject();
//     w.endObject();                               // }
class JsonWriter final
{
public:
    enum class Style : quint8 {
        Spaced, // ": " after a key, ", " between inline members: the run files
        Compact, // ":" and ",": the journal's one-line records
    };
    // How control characters in strings are written; both escape " and \ with a backslash.
    enum class Escapes : quint8 {
        Short, // \n, \r and \t as such, the other controls as \u00XX: the run files
        Unicode, // every control as \u00XX: the journal
    };
    // Where a container puts its members.
    enum Wrap : quint8 {
        Inline, // all on one line: {"a": 1, "b": 2}
        Lines, // each on its own line, indented two spaces deeper per enclosing Lines container
    };

    explicit JsonWriter(QByteArray &out, Style style = Style::Spaced,
                        Escapes escapes = Escapes::Short);

    QByteArray &out() { return m_out; }

    JsonWriter &beginObject(Wrap wrap = Inline);
    JsonWriter &endObject();
    JsonWriter &beginArray(Wrap wrap = Inline);
    JsonWriter &endArray();

    // A member's name; the value call that follows completes it.
    JsonWriter &key(QLatin1String name);
    JsonWriter &key(const char *name) { return key(QLatin1String(name)); }

    // Strings. UTF-8 bytes pass through as they are (non-ASCII included); a QString is written
    // as its toUtf8().
    JsonWriter &value(QByteArrayView utf8);
    JsonWriter &value(const QByteArray &utf8) { return value(QByteArrayView(utf8)); }
    JsonWriter &value(const char *utf8) { return value(QByteArrayView(utf8)); }
    JsonWriter &value(const QString &text);
    JsonWriter &value(QLatin1String text);
    // Bytes as a string of lower-case hex digits (a SHA-256).
    JsonWriter &hexValue(QByteArrayView bytes);

    // Numbers: integers in decimal; a double as its shortest round-trip decimal without an
    // exponent (1.5, 100000000000000000000), 0 for NaN and infinities, which JSON cannot hold.
    JsonWriter &value(int number) { return value(qint64(number)); }
    JsonWriter &value(qint64 number);
    JsonWriter &value(double number);
    // A number already written as JSON text (the run files' milliseconds: "12.345").
    JsonWriter &numberLiteral(QByteArrayView literal);
    JsonWriter &null();

    // A JSON string literal of utf8 with the quotes, appended to out.
    static void appendString(QByteArray &out, QByteArrayView utf8,
                             Escapes escapes = Escapes::Short);
    // The text of value(double).
    static QByteArray realNumber(double number);

private:
    struct Container
    {
        Wrap wrap = Inline;
        int indent = 0; // of its members, for Lines
        int members = 0;
    };
    static constexpr int MaxDepth = 16;

    void beforeValue();
    void open(char bracket, Wrap wrap);
    void close(char bracket);

    QByteArray &m_out;
    const Style m_style;
    const Escapes m_escapes;
    std::array<Container, MaxDepth> m_stack {};
    int m_depth = 0;
    bool m_afterKey = false;
};

} // namespace Parafetch
