// SPDX-License-Identifier: GPL-3.0-or-later
// Writing the manual pages: the option table and --help's other parts, in the man macros.
#include "manpage.h"

#include "commandlineoptions.h"
#include "headlessrunner.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace Parafetch::ManPage {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ManPage", text);
}

// Letters, digits and "-_." continue an option's name ("--http1.1", "--limit-rate-per-url").
bool isOptionCharacter(char32_t c)
{
    return QChar::isLetterOrNumber(c) || c == U'-' || c == U'_' || c == U'.';
}

// "\fB\-j\fR, \fB\-\-jobs\fR \fIN\fR": the tag of an option's paragraph.
QString optionTag(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names()) {
        const QString dashes = name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--");
        names.append(QStringLiteral("\\fB") + escaped(dashes + name) + QStringLiteral("\\fR"));
    }
    QString tag = names.join(QStringLiteral(", "));
    if (!option.valueName().isEmpty())
        tag += QStringLiteral(" \\fI") + escaped(option.valueName()) + QStringLiteral("\\fR");
    return tag;
}

// "  0      every URL succeeded" and its indented continuation lines, as (code, text) pairs.
bool readExitCodes(const QString &help, QList<std::pair<QString, QString>> *codes, QString *error)
{
    static const QRegularExpression entry(QStringLiteral("^  (\\S+) +(\\S.*)$"));
    static const QRegularExpression continuation(QStringLiteral("^ {3,}(\\S.*)$"));
    for (const QString &line : help.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (!line.startsWith(QLatin1Char(' ')))
            continue; // the heading
        if (const QRegularExpressionMatch match = continuation.match(line);
            match.hasMatch() && !codes->isEmpty()) {
            codes->last().second += QLatin1Char(' ') + match.captured(1);
        } else if (const QRegularExpressionMatch match = entry.match(line); match.hasMatch()) {
            codes->append({ match.captured(1), match.captured(2) });
        } else {
            *error = tr("an exit code's line not in the shape '  CODE  TEXT': '%1'").arg(line);
            return false;
        }
    }
    if (codes->isEmpty()) {
        *error = tr("no exit codes in HeadlessRunner::exitCodesHelp()");
        return false;
    }
    return true;
}

QString optionsSection(const CommandLineOptions &options)
{
    QString roff = QStringLiteral(".SH OPTIONS\n");
    for (const CommandLineOptions::Entry &entry : options.entries()) {
        const QCommandLineOption &option = *entry.option;
        if (option.flags().testFlag(QCommandLineOption::HiddenFromHelp))
            continue;
        roff += QStringLiteral(".TP\n") + optionTag(option) + QLatin1Char('\n')
            + escaped(option.description()) + QLatin1Char('\n');
    }
    // "[URL...|FILE]": what may follow the options, without the brackets that say "optional".
    QString syntax = CommandLineOptions::argumentsSyntax();
    if (syntax.startsWith(QLatin1Char('[')) && syntax.endsWith(QLatin1Char(']')))
        syntax = syntax.mid(1, syntax.size() - 2);
    roff += QStringLiteral(".SH ARGUMENTS\n.TP\n\\fI") + escaped(syntax) + QStringLiteral("\\fR\n")
        + escaped(CommandLineOptions::argumentsDescription()) + QLatin1Char('\n');
    return roff;
}

// A command as typed: every dash a minus sign ("produce-urls" too), for copying.
QString escapedCommand(const QString &command)
{
    static const QRegularExpression hyphen(QStringLiteral("(?<!\\\\)-"));
    return escaped(command).replace(hyphen, QStringLiteral("\\-"));
}

QString examplesSection()
{
    // The commands as typed, each explanation as a shell comment beside its command.
    constexpr int CommentColumn = 37;
    QString roff = QStringLiteral(".SH EXAMPLES\n.EX\n");
    for (const CommandLineOptions::Example &example : CommandLineOptions::examples()) {
        QString line = example.command;
        if (!example.what.isEmpty())
            line += QString(qMax<qsizetype>(CommentColumn - line.size(), 1), QLatin1Char(' '))
                + QStringLiteral("# ") + example.what;
        roff += escapedCommand(line) + QLatin1Char('\n');
    }
    return roff + QStringLiteral(".EE\n");
}

} // namespace

QString escaped(const QString &text)
{
    QString roff;
    roff.reserve(text.size() + text.size() / 8);
    bool inOption = false;
    char32_t previous = 0;
    for (const char32_t c : text.toUcs4()) {
        if (c == U'-') {
            // A dash that starts a word ("--jobs", "-j", "'-'") starts an option or is one.
            if (previous == 0 || !isOptionCharacter(previous))
                inOption = true;
            roff += inOption ? QStringLiteral("\\-") : QStringLiteral("-");
        } else {
            if (!isOptionCharacter(c))
                inOption = false;
            if (c == U'\\')
                roff += QStringLiteral("\\e");
            else if (c < 0x80)
                roff += QChar(c);
            else
                roff += QStringLiteral("\\[u%1]").arg(
                    QString::number(uint(c), 16).toUpper().rightJustified(4, u'0'));
        }
        previous = c;
    }
    if (roff.startsWith(QLatin1Char('.')) || roff.startsWith(QLatin1Char('\'')))
        roff.prepend(QStringLiteral("\\&"));
    return roff;
}

QString write(const CommandLineOptions &options, const Page &page, QString *error)
{
    const bool window = page.program == Program::Window;
    const QString name = window ? QStringLiteral("parafetch-window") : QStringLiteral("parafetch");
    QList<std::pair<QString, QString>> exitCodes;
    if (!window && !readExitCodes(HeadlessRunner::exitCodesHelp(), &exitCodes, error))
        return {};

    QString roff = QStringLiteral(".\\\" Written by parafetch-docgen from the option table "
                                  "(app/commandlineoptions.cpp): edit that, not this.\n");
    roff += QStringLiteral(".TH %1 1 %2 \"Parafetch %3\" \"User Commands\"\n")
                .arg(name.toUpper(), page.date, QStringLiteral(PARAFETCH_VERSION));
    roff += QStringLiteral(".nh\n"); // no hyphenation: an option's name never breaks
    roff += QStringLiteral(".SH NAME\n") + escapedCommand(name) + QStringLiteral(" \\- ")
        + escaped(window ? tr("the window of Parafetch, a concurrent download monitor")
                         : page.summary)
        + QLatin1Char('\n');
    roff += QStringLiteral(".SH SYNOPSIS\n.B ") + escapedCommand(name)
        + QStringLiteral("\n[\\fIoptions\\fR] \\fI")
        + escaped(CommandLineOptions::argumentsSyntax()) + QStringLiteral("\\fR\n");

    roff += QStringLiteral(".SH DESCRIPTION\n") + escaped(CommandLineOptions::description())
        + QStringLiteral("\n.PP\n");
    // The other program's name as a reference, between the sentences around it.
    if (window) {
        roff += QStringLiteral(".B parafetch\\-window\n")
            + escaped(tr("is the desktop window of Parafetch."))
            + QStringLiteral("\n.BR parafetch (1)\n")
            + escaped(tr("starts it, with its own arguments, when they ask for no terminal mode: "
                         "a run in the terminal never loads the window's libraries. It reads the "
                         "same options; those of the terminal modes (--headless, --sweep, "
                         "--compare, --merge, --what-if, --demo-server) are parafetch's."))
            + QLatin1Char('\n');
    } else {
        roff += QStringLiteral(".B parafetch\n")
            + escaped(tr("runs in the terminal when the options ask for one of its terminal modes "
                         "(--headless, --sweep, --compare, --merge, --what-if, --demo-server, "
                         "--help, --version); otherwise it starts the window,"))
            + QStringLiteral("\n.BR parafetch\\-window (1),\n")
            + escaped(tr("with the same arguments.")) + QLatin1Char('\n');
    }

    roff += optionsSection(options);
    if (!window) {
        roff += QStringLiteral(".SH EXIT STATUS\n");
        for (const auto &[code, text] : std::as_const(exitCodes))
            roff += QStringLiteral(".TP\n.B ") + escaped(code) + QLatin1Char('\n') + escaped(text)
                + QLatin1Char('\n');
        roff += examplesSection();
    }
    roff += QStringLiteral(".SH SEE ALSO\n.BR ")
        + (window ? QStringLiteral("parafetch") : QStringLiteral("parafetch\\-window"))
        + QStringLiteral(" (1)\n");
    return roff;
}

} // namespace Parafetch::ManPage
