// SPDX-License-Identifier: GPL-3.0-or-later
// A command line's words as a shell's quotes make them, with nothing expanded (--on-complete).
#include "shellwords.h"

#include <QTest>

using namespace Parafetch;
using namespace Qt::StringLiterals;

class TestShellWords : public QObject
{
    Q_OBJECT

private slots:
    void split_data();
    void split();
};

void TestShellWords::split_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("words"); // empty with ok=false: refused
    QTest::addColumn<bool>("ok");

    QTest::newRow("plain words") << QStringLiteral("  notify-send  done ")
                                 << QStringList { u"notify-send"_s, u"done"_s } << true;
    QTest::newRow("single quotes keep everything")
        << QStringLiteral("sh -c 'echo \"$PARAFETCH_PATH\" `x` \\n'")
        << QStringList { u"sh"_s, u"-c"_s, u"echo \"$PARAFETCH_PATH\" `x` \\n"_s } << true;
    QTest::newRow("double quotes: backslash before $ \" \\ only")
        << QStringLiteral("echo \"a \\$b \\\"c\\\" \\\\ \\n\"")
        << QStringList { u"echo"_s, u"a $b \"c\" \\ \\n"_s } << true;
    QTest::newRow("nothing is expanded")
        << QStringLiteral("echo $HOME ~ *") << QStringList { u"echo"_s, u"$HOME"_s, u"~"_s, u"*"_s }
        << true;
    QTest::newRow("backslash outside quotes")
        << QStringLiteral("a\\ b c\\'d") << QStringList { u"a b"_s, u"c'd"_s } << true;
    QTest::newRow("quotes join a word")
        << QStringLiteral("pre'fix'\"ed\"") << QStringList { u"prefixed"_s } << true;
    QTest::newRow("an empty quoted word counts")
        << QStringLiteral("cmd ''") << QStringList { u"cmd"_s, u""_s } << true;
    QTest::newRow("unclosed single quote") << QStringLiteral("echo 'a") << QStringList {} << false;
    QTest::newRow("unclosed double quote") << QStringLiteral("echo \"a") << QStringList {} << false;
    QTest::newRow("a lone backslash at the end")
        << QStringLiteral("echo \\") << QStringList {} << false;
}

void TestShellWords::split()
{
    QFETCH(QString, text);
    QFETCH(QStringList, words);
    QFETCH(bool, ok);
    QStringList split;
    QCOMPARE(ShellWords::split(text, &split), ok);
    if (ok)
        QCOMPARE(split, words);
}

QTEST_GUILESS_MAIN(TestShellWords)
#include "tst_shellwords.moc"
