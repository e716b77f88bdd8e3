// SPDX-License-Identifier: GPL-3.0-or-later
// The one JSON writer: escaping, numbers and layout, as the run files and the journal print them.
#include "formats/jsonwriter.h"

#include <QTest>

#include <cmath>
#include <functional>
#include <limits>

using namespace Parafetch;

Q_DECLARE_METATYPE(JsonWriter::Escapes)
Q_DECLARE_METATYPE(JsonWriter::Style)

class TestJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void strings_data();
    void strings();
    void textOfAQString_data();
    void textOfAQString();
    void integers_data();
    void integers();
    void doubles_data();
    void doubles();
    void layouts_data();
    void layouts();
};

using Build = std::function<void(JsonWriter &)>;
Q_DECLARE_METATYPE(Build)

namespace {

QByteArray written(const Build &build, JsonWriter::Style style = JsonWriter::Style::Spaced,
                   JsonWriter::Escapes escapes = JsonWriter::Escapes::Short)
{
    QByteArray out;
    JsonWriter writer(out, style, escapes);
    build(writer);
    return out;
}

} // namespace

void TestJsonWriter::strings_data()
{
    QTest::addColumn<QByteArray>("utf8");
    QTest::addColumn<JsonWriter::Escapes>("escapes");
    QTest::addColumn<QByteArray>("expected");

    const auto Short = JsonWriter::Escapes::Short;
    const auto Unicode = JsonWriter::Escapes::Unicode;
    QTest::newRow("empty") << QByteArray() << Short << QByteArray(R"("")");
    QTest::newRow("plain ASCII") << QByteArray("abc 123") << Short << QByteArray(R"("abc 123")");
    QTest::newRow("a quote") << QByteArray(R"(say "hi")") << Short << QByteArray(R"("say \"hi\"")");
    QTest::newRow("a backslash") << QByteArray(R"(C:\dir)") << Short << QByteArray(R"("C:\\dir")");
    QTest::newRow("a slash stays") << QByteArray("a/b") << Short << QByteArray(R"("a/b")");
    QTest::newRow("newline, CR and tab, short")
        << QByteArray("a\nb\rc\td") << Short << QByteArray(R"("a\nb\rc\td")");
    QTest::newRow("newline, CR and tab, unicode")
        << QByteArray("a\nb\rc\td") << Unicode << QByteArray(R"("a\u000ab\u000dc\u0009d")");
    QTest::newRow("other controls as \\u00XX")
        << QByteArray("\x01\x1f\x08\x0c") << Short << QByteArray(R"("\u0001\u001f\u0008\u000c")");
    QTest::newRow("NUL") << QByteArray("a\0b", 3) << Short << QByteArray(R"("a\u0000b")");
    QTest::newRow("quote and backslash, unicode")
        << QByteArray(R"("\)") << Unicode << QByteArray(R"("\"\\")");
    QTest::newRow("DEL passes through") << QByteArray("\x7f") << Short << QByteArray("\"\x7f\"");
    QTest::newRow("non-ASCII UTF-8 passes through")
        << QByteArray("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") << Short
        << QByteArray("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    QTest::newRow("bytes that are not UTF-8 pass through")
        << QByteArray("\xff\xfe") << Unicode << QByteArray("\"\xff\xfe\"");
}

void TestJsonWriter::strings()
{
    QFETCH(QByteArray, utf8);
    QFETCH(JsonWriter::Escapes, escapes);
    QFETCH(QByteArray, expected);

    QByteArray out = "x";
    JsonWriter::appendString(out, utf8, escapes);
    QCOMPARE(out, "x" + expected);
    QCOMPARE(written([&](JsonWriter &w) { w.value(utf8); }, JsonWriter::Style::Spaced, escapes),
             expected);
}

void TestJsonWriter::textOfAQString_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("non-ASCII as UTF-8") << QStringLiteral("Stra\u00dfe \u20ac")
                                        << QByteArray("\"Stra\xc3\x9f"
                                                      "e \xe2\x82\xac\"");
    QTest::newRow("a surrogate pair as one UTF-8 character")
        << QString::fromUtf16(u"\xd83d\xde00") << QByteArray("\"\xf0\x9f\x98\x80\"");
    // UTF-8 cannot carry a lone surrogate: QString::toUtf8() writes '?', and so does the writer.
    QTest::newRow("a lone high surrogate") << QString(QChar(0xd800)) << QByteArray(R"("?")");
    QTest::newRow("a lone low surrogate") << QString(QChar(0xdc00)) << QByteArray(R"("?")");
    QTest::newRow("a control character") << QStringLiteral("a\u0001") << QByteArray(R"("a\u0001")");
}

void TestJsonWriter::textOfAQString()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, expected);
    QCOMPARE(written([&](JsonWriter &w) { w.value(text); }), expected);
}

void TestJsonWriter::integers_data()
{
    QTest::addColumn<qint64>("number");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("zero") << qint64(0) << QByteArray("0");
    QTest::newRow("unknown is -1") << qint64(-1) << QByteArray("-1");
    QTest::newRow("a byte count") << qint64(5'000'000'000) << QByteArray("5000000000");
    QTest::newRow("the largest") << std::numeric_limits<qint64>::max()
                                 << QByteArray("9223372036854775807");
    QTest::newRow("the smallest") << std::numeric_limits<qint64>::min()
                                  << QByteArray("-9223372036854775808");
}

void TestJsonWriter::integers()
{
    QFETCH(qint64, number);
    QFETCH(QByteArray, expected);
    QCOMPARE(written([&](JsonWriter &w) { w.value(number); }), expected);
    QCOMPARE(written([&](JsonWriter &w) { w.value(number); }, JsonWriter::Style::Compact),
             expected);
    if (number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max())
        QCOMPARE(written([&](JsonWriter &w) { w.value(int(number)); }), expected);
}

void TestJsonWriter::doubles_data()
{
    QTest::addColumn<double>("number");
    QTest::addColumn<QByteArray>("expected");

    // As the run files' summary prints speedup and the rates: shortest round trip, no exponent.
    QTest::newRow("zero") << 0.0 << QByteArray("0");
    QTest::newRow("a whole number has no decimals") << 2.0 << QByteArray("2");
    QTest::newRow("a half") << 1.5 << QByteArray("1.5");
    QTest::newRow("0.1 as typed, not 0.1000000000000000055") << 0.1 << QByteArray("0.1");
    QTest::newRow("a third, shortest round trip") << 1.0 / 3 << QByteArray("0.3333333333333333");
    QTest::newRow("negative") << -2.25 << QByteArray("-2.25");
    QTest::newRow("large, without an exponent") << 1e20 << QByteArray("100000000000000000000");
    QTest::newRow("small, without an exponent") << 1e-7 << QByteArray("0.0000001");
    QTest::newRow("NaN is 0") << std::nan("") << QByteArray("0");
    QTest::newRow("infinity is 0") << std::numeric_limits<double>::infinity() << QByteArray("0");
    QTest::newRow("minus infinity is 0")
        << -std::numeric_limits<double>::infinity() << QByteArray("0");
}

void TestJsonWriter::doubles()
{
    QFETCH(double, number);
    QFETCH(QByteArray, expected);
    QCOMPARE(JsonWriter::realNumber(number), expected);
    QCOMPARE(written([&](JsonWriter &w) { w.value(number); }), expected);
}

void TestJsonWriter::layouts_data()
{
    QTest::addColumn<Build>("build");
    QTest::addColumn<JsonWriter::Style>("style");
    QTest::addColumn<QByteArray>("expected");

    const auto Spaced = JsonWriter::Style::Spaced;
    const auto Compact = JsonWriter::Style::Compact;

    const Build flat = [](JsonWriter &w) {
        w.beginObject();
        w.key("k").value("add");
        w.key("id").value(7);
        w.key("ok").null();
        w.endObject();
    };
    QTest::newRow("an object, spaced")
        << flat << Spaced << QByteArray(R"({"k": "add", "id": 7, "ok": null})");
    QTest::newRow("an object, compact (a journal record)")
        << flat << Compact << QByteArray(R"({"k":"add","id":7,"ok":null})");

    const Build ranges = [](JsonWriter &w) {
        w.beginObject().key("ids").beginArray();
        w.beginArray().value(3).value(5).endArray();
        w.beginArray().value(9).value(9).endArray();
        w.endArray().endObject();
    };
    QTest::newRow("nested arrays, compact")
        << ranges << Compact << QByteArray(R"({"ids":[[3,5],[9,9]]})");
    QTest::newRow("nested arrays, spaced")
        << ranges << Spaced << QByteArray(R"({"ids": [[3, 5], [9, 9]]})");

    const Build empties = [](JsonWriter &w) {
        w.beginObject();
        w.key("cookies").beginArray().endArray();
        w.key("cache").beginObject().endObject();
        w.key("lines").beginArray(JsonWriter::Lines).endArray();
        w.endObject();
    };
    QTest::newRow("empty containers, inline or in lines")
        << empties << Spaced << QByteArray(R"({"cookies": [], "cache": {}, "lines": []})");

    const Build pretty = [](JsonWriter &w) {
        w.beginObject(JsonWriter::Lines);
        w.key("format").value("parafetch-run");
        w.key("tool").beginObject().key("name").value("parafetch").endObject();
        w.key("summary").beginObject(JsonWriter::Lines);
        w.key("total").value(2);
        w.key("byErrorKind").beginObject().key("network").value(1).endObject();
        w.endObject();
        w.key("jobs").beginArray(JsonWriter::Lines);
        w.beginObject().key("line").value(1).endObject();
        w.beginObject().key("line").value(2).endObject();
        w.endArray();
        w.endObject();
    };
    QTest::newRow("lines nest two spaces deeper, inline containers stay on their line")
        << pretty << Spaced
        << QByteArray("{\n"
                      "  \"format\": \"parafetch-run\",\n"
                      "  \"tool\": {\"name\": \"parafetch\"},\n"
                      "  \"summary\": {\n"
                      "    \"total\": 2,\n"
                      "    \"byErrorKind\": {\"network\": 1}\n"
                      "  },\n"
                      "  \"jobs\": [\n"
                      "    {\"line\": 1},\n"
                      "    {\"line\": 2}\n"
                      "  ]\n"
                      "}");

    QTest::newRow("a key is escaped like a string")
        << Build([](JsonWriter &w) { w.beginObject().key("a\"b").value(1).endObject(); }) << Compact
        << QByteArray(R"({"a\"b":1})");
    QTest::newRow("hex of bytes, lower case") << Build([](JsonWriter &w) {
        w.beginArray().hexValue(QByteArray::fromHex("00ff1a")).hexValue({}).endArray();
    }) << Spaced << QByteArray(R"(["00ff1a", ""])");
    QTest::newRow("a number literal as it is") << Build([](JsonWriter &w) {
        w.beginObject().key("wallMs").numberLiteral("12.345").endObject();
    }) << Spaced << QByteArray(R"({"wallMs": 12.345})");
    QTest::newRow("a Latin-1 constant as UTF-8")
        << Build([](JsonWriter &w) { w.value(QLatin1String("caf\xe9")); }) << Spaced
        << QByteArray("\"caf\xc3\xa9\"");
}

void TestJsonWriter::layouts()
{
    QFETCH(Build, build);
    QFETCH(JsonWriter::Style, style);
    QFETCH(QByteArray, expected);
    QCOMPARE(written(build, style), expected);
}

QTEST_APPLESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
