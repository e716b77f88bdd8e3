// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of InputPanel: a paste too large to edit is held as text, summed up, added and discarded.
#include "inputpanel.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Parafetch;

namespace {

constexpr int LargeLineCount = InputPanel::HeldLines + 5'000;
constexpr int BadLineEvery = 1'000; // a line with no URL
constexpr int DuplicateEvery = 2'500; // a line that repeats line 1

// `count` lines, each a distinct URL, but every BadLineEvery-th line has none and every
// DuplicateEvery-th repeats the first line's URL.
QString listOf(int count)
{
    QString text;
    text.reserve(qsizetype(count) * 40);
    for (int line = 1; line <= count; ++line) {
        if (line % BadLineEvery == 0)
            text += u"no url on this line\n"_s;
        else if (line % DuplicateEvery == 1 && line > 1)
            text += u"http://127.0.0.1:9/x?i=1\n"_s;
        else
            text += u"http://127.0.0.1:9/x?i=%1\n"_s.arg(line);
    }
    return text;
}

int badLines(int count)
{
    return count / BadLineEvery;
}

int duplicates(int count)
{
    int found = 0;
    for (int line = DuplicateEvery + 1; line <= count; line += DuplicateEvery)
        found += line % BadLineEvery != 0 ? 1 : 0;
    return found;
}

struct Panel
{
    Panel()
    {
        panel.resize(800, 300);
        panel.show();
        QObject::connect(&panel, &InputPanel::entriesReady, &panel,
                         [this](const QList<UrlEntry> &added) { entries += added; });
        QObject::connect(&panel, &InputPanel::message, &panel,
                         [this](const QString &text) { messages += text; });
    }

    QWidget *heldPage() const { return panel.findChild<QWidget *>(u"heldText"_s); }
    QLabel *summary() const { return panel.findChild<QLabel *>(u"heldTextSummary"_s); }
    QPushButton *clearButton() const { return panel.findChild<QPushButton *>(u"clearHeldText"_s); }
    bool showsEditor() const { return panel.editor()->isVisible() && !heldPage()->isVisible(); }
    bool showsHeldText() const { return !panel.editor()->isVisible() && heldPage()->isVisible(); }

    InputPanel panel;
    QList<UrlEntry> entries;
    QStringList messages;
};

void pasteWithKeys(QPlainTextEdit *editor, const QString &text)
{
    QApplication::clipboard()->setText(text);
    editor->setFocus();
    QTest::keySequence(editor, QKeySequence::Paste);
}

} // namespace

class TestInputPanel : public QObject
{
    Q_OBJECT

private slots:
    void largeTextIsHeld_data();
    void largeTextIsHeld();
    void heldTextIsAddedWithItsProblems();
    void clearDiscardsHeldText();
    void pastingMoreAppendsToHeldText();
    void normalPasteStaysInTheEditor_data();
    void normalPasteStaysInTheEditor();
    void pastedPatternAddsItsUrlsWithANote_data();
    void pastedPatternAddsItsUrlsWithANote();
};

void TestInputPanel::largeTextIsHeld_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<QString>("text");
    const QString many = listOf(LargeLineCount);
    QTest::newRow("Ctrl+V, many lines") << u"paste"_s << many;
    QTest::newRow("dropped on the window, many lines") << u"append"_s << many;
    QTest::newRow("restored list, many lines") << u"set"_s << many;
    // Few lines, but long: a minified file, say.
    const QString wide = u"http://127.0.0.1:9/"_s + QString(InputPanel::HeldCharacters, u'a');
    QTest::newRow("Ctrl+V, many characters") << u"paste"_s << wide;
    QTest::newRow("restored list, many characters") << u"set"_s << wide;
}

void TestInputPanel::largeTextIsHeld()
{
    QFETCH(QString, how);
    QFETCH(QString, text);
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.panel));
    QVERIFY(p.showsEditor());
    if (how == u"paste")
        pasteWithKeys(p.panel.editor(), text);
    else if (how == u"append")
        p.panel.appendText(text);
    else
        p.panel.setText(text);

    QVERIFY(p.panel.holdsText());
    QVERIFY(p.showsHeldText());
    // The editor builds no document of the text: it is empty, and hidden.
    QVERIFY(p.panel.editor()->document()->isEmpty());
    QCOMPARE(p.panel.text(), text);
    const int lines = int(text.count(u'\n') + (text.endsWith(u'\n') ? 0 : 1));
    const QString summary = p.summary()->text();
    QVERIFY2(summary.startsWith(QLocale().toString(lines) + u" line"_s), qPrintable(summary));
    QVERIFY2(summary.contains(u"MiB)"_s) || summary.contains(u"KiB)"_s), qPrintable(summary));
    QVERIFY2(summary.contains(u"Add to Queue adds them; Clear discards them."_s),
             qPrintable(summary));
    QVERIFY(p.clearButton()->isVisible());
    QVERIFY(p.entries.isEmpty());
}

void TestInputPanel::heldTextIsAddedWithItsProblems()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.panel));
    // Typed text first: the paste goes in at the cursor, after it.
    p.panel.editor()->setFocus();
    QTest::keyClicks(p.panel.editor(), u"http://127.0.0.1:9/typed"_s);
    QTest::keyClick(p.panel.editor(), Qt::Key_Return);
    pasteWithKeys(p.panel.editor(), listOf(LargeLineCount));
    QVERIFY(p.panel.holdsText());
    QVERIFY(p.panel.text().startsWith(u"http://127.0.0.1:9/typed\nhttp://127.0.0.1:9/x?i=1\n"_s));

    p.panel.addToQueueAction()->trigger();

    const int expected = LargeLineCount - badLines(LargeLineCount) - duplicates(LargeLineCount);
    QCOMPARE(p.entries.size(), expected + 1);
    QCOMPARE(p.entries.constFirst().url.toString(), u"http://127.0.0.1:9/typed"_s);
    QCOMPARE(p.entries.constFirst().line, 1);
    QCOMPARE(p.entries.at(1).line, 2);
    QCOMPARE(p.entries.constLast().line, LargeLineCount); // the last line has no URL
    const QStringList problems = p.panel.problemLines();
    QCOMPARE(problems.size(), badLines(LargeLineCount) + duplicates(LargeLineCount));
    // In line order, with the lines of the whole text.
    QVERIFY2(problems.at(0).startsWith(u"line %1: "_s.arg(BadLineEvery + 1)),
             qPrintable(problems.at(0)));
    QVERIFY2(problems.at(2).startsWith(u"line %1: duplicate of line 2"_s.arg(DuplicateEvery + 2)),
             qPrintable(problems.at(2)));
    QCOMPARE(p.messages.constLast(),
             u"Added %1 URL(s); %2 line(s) skipped, see Problems."_s.arg(expected + 1)
                 .arg(problems.size()));
    // Added: the editor is back, empty, for the next list.
    QVERIFY(!p.panel.holdsText());
    QVERIFY(p.showsEditor());
    QVERIFY(p.panel.text().isEmpty());
    QVERIFY(p.panel.editor()->hasFocus() || !p.panel.isActiveWindow());
}

void TestInputPanel::clearDiscardsHeldText()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.panel));
    p.panel.setText(listOf(LargeLineCount));
    QVERIFY(p.showsHeldText());
    QTest::mouseClick(p.clearButton(), Qt::LeftButton);
    QVERIFY(!p.panel.holdsText());
    QVERIFY(p.showsEditor());
    QVERIFY(!p.clearButton()->isVisible());
    QVERIFY(p.panel.text().isEmpty());
    QCOMPARE(p.messages, QStringList { u"Pasted text discarded."_s });
    // Nothing left to add.
    p.panel.add();
    QVERIFY(p.entries.isEmpty());
}

void TestInputPanel::pastingMoreAppendsToHeldText()
{
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.panel));
    const QString first = listOf(LargeLineCount);
    pasteWithKeys(p.panel.editor(), first);
    QVERIFY(p.showsHeldText());
    QApplication::clipboard()->setText(u"http://127.0.0.1:9/more"_s);
    // The summary has the focus the editor had.
    QVERIFY(p.heldPage()->hasFocus() || !p.panel.isActiveWindow());
    QTest::keySequence(p.heldPage(), QKeySequence::Paste);
    QCOMPARE(p.panel.text(), first + u"http://127.0.0.1:9/more"_s);
    QVERIFY2(p.summary()->text().startsWith(QLocale().toString(LargeLineCount + 1)),
             qPrintable(p.summary()->text()));
}

void TestInputPanel::normalPasteStaysInTheEditor_data()
{
    QTest::addColumn<QString>("how");
    QTest::newRow("Ctrl+V") << u"paste"_s;
    QTest::newRow("dropped on the window") << u"append"_s;
    QTest::newRow("restored list") << u"set"_s;
}

void TestInputPanel::normalPasteStaysInTheEditor()
{
    QFETCH(QString, how);
    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.panel));
    // Exactly at the limit, its last line without a line break: still edited.
    QString text = listOf(InputPanel::HeldLines);
    text.chop(1);
    if (how == u"paste")
        pasteWithKeys(p.panel.editor(), text);
    else if (how == u"append")
        p.panel.appendText(text);
    else
        p.panel.setText(text);
    QVERIFY(!p.panel.holdsText());
    QVERIFY(p.showsEditor());
    QVERIFY(!p.clearButton()->isVisible());
    QCOMPARE(p.panel.editor()->toPlainText(), text);
    QCOMPARE(p.panel.text(), text);
    p.panel.add();
    QCOMPARE(p.entries.size(),
             InputPanel::HeldLines - badLines(InputPanel::HeldLines)
                 - duplicates(InputPanel::HeldLines));
    QVERIFY(p.panel.editor()->toPlainText().isEmpty());
}

void TestInputPanel::pastedPatternAddsItsUrlsWithANote_data()
{
    QTest::addColumn<bool>("expand");
    QTest::addColumn<QStringList>("urls");
    QTest::addColumn<QStringList>("problems");
    QTest::addColumn<QString>("message");

    QTest::newRow("Expand URL patterns on: one row per URL, a note in Problems")
        << true
        << QStringList { u"http://127.0.0.1:9/x"_s, u"http://127.0.0.1:9/f01"_s,
                         u"http://127.0.0.1:9/f02"_s, u"http://127.0.0.1:9/f03"_s }
        << QStringList { u"line 2: pattern expanded to 3 URLs — http://127.0.0.1:9/f[01-03]"_s,
                         u"line 3: bad URL pattern: unclosed '[' at character 21 — "
                         "http://127.0.0.1:9/g[1-2"_s }
        << u"Added 4 URL(s); 1 line(s) skipped, see Problems."_s;
    QTest::newRow("off: the brackets are the URL's")
        << false
        << QStringList { u"http://127.0.0.1:9/x"_s, u"http://127.0.0.1:9/f[01-03]"_s,
                         u"http://127.0.0.1:9/g[1-2"_s }
        << QStringList() << u"Added 3 URL(s)."_s;
}

void TestInputPanel::pastedPatternAddsItsUrlsWithANote()
{
    QFETCH(bool, expand);
    QFETCH(QStringList, urls);
    QFETCH(QStringList, problems);
    QFETCH(QString, message);

    Panel p;
    QVERIFY(QTest::qWaitForWindowExposed(&p.panel));
    p.panel.setPatternOptions({ expand, UrlPatternOptions::DefaultLimit });
    pasteWithKeys(
        p.panel.editor(),
        u"http://127.0.0.1:9/x\nhttp://127.0.0.1:9/f[01-03]\nhttp://127.0.0.1:9/g[1-2\n"_s);
    p.panel.addToQueueAction()->trigger();

    QStringList added;
    for (const UrlEntry &entry : std::as_const(p.entries))
        added << entry.url.toString();
    QCOMPARE(added, urls);
    QCOMPARE(p.panel.problemLines(), problems);
    QCOMPARE(p.messages.constLast(), message);
}

QTEST_MAIN(TestInputPanel)
#include "tst_inputpanel.moc"
