// SPDX-License-Identifier: GPL-3.0-or-later
// Writing the shell completions: each option's names, and what its value completes to.
#include "shellcompletion.h"

#include "commandlineoptions.h"

#include <QRegularExpression>

#include <algorithm>

namespace Parafetch::ShellCompletion {

namespace {

const QString GeneratedNote =
    QStringLiteral("# Written by parafetch-docgen from the option table "
                   "(app/commandlineoptions.cpp): edit that, not this.\n");

// In single quotes, for bash and zsh alike.
QString quoted(const QString &text)
{
    QString quotedText = text;
    quotedText.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quotedText + QLatin1Char('\'');
}

QStringList dashedNames(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names())
        names.append((name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name);
    return names;
}

QList<const CommandLineOptions::Entry *> shownEntries(const CommandLineOptions &options)
{
    QList<const CommandLineOptions::Entry *> shown;
    for (const CommandLineOptions::Entry &entry : options.entries()) {
        if (!entry.option->flags().testFlag(QCommandLineOption::HiddenFromHelp))
            shown.append(&entry);
    }
    return shown;
}

// The bash command that fills COMPREPLY with the values `value` offers for the word "$cur".
QString bashAction(const ValueCompletion &value)
{
    QStringList words;
    for (const QString &choice : value.choices)
        words.append(quoted(choice));
    switch (value.kind) {
    case ValueCompletion::Kind::None:
        break;
    case ValueCompletion::Kind::File:
        return (QStringLiteral("_parafetch_files \"$cur\" ") + words.join(QLatin1Char(' ')))
            .trimmed();
    case ValueCompletion::Kind::Directory:
        return QStringLiteral("_parafetch_directories \"$cur\"");
    case ValueCompletion::Kind::Word:
        return QStringLiteral("mapfile -t COMPREPLY < <(compgen -W %1 -- \"$cur\")")
            .arg(quoted(value.choices.join(QLatin1Char(' '))));
    }
    return {}; // a value to type: nothing to offer
}

// The zsh _arguments action for `value`.
QString zshAction(const ValueCompletion &value)
{
    switch (value.kind) {
    case ValueCompletion::Kind::None:
        break;
    case ValueCompletion::Kind::File: {
        if (value.choices.isEmpty())
            return QStringLiteral("_files");
        QStringList suffixes;
        for (const QString &ending : value.choices)
            suffixes.append(ending.mid(1)); // ".json" -> json
        const QString glob = suffixes.size() == 1
            ? suffixes.constFirst()
            : QLatin1Char('(') + suffixes.join(QLatin1Char('|')) + QLatin1Char(')');
        return QStringLiteral("_files -g \"*.%1\"").arg(glob);
    }
    case ValueCompletion::Kind::Directory:
        return QStringLiteral("_files -/");
    case ValueCompletion::Kind::Word:
        return QLatin1Char('(') + value.choices.join(QLatin1Char(' ')) + QLatin1Char(')');
    }
    return QStringLiteral(" "); // a value to type: the message only
}

// The first sentence of an option's description, escaped for the brackets of an _arguments
// spec.
QString zshDescription(const QString &description)
{
    // A full stop before a capital or at the end: not the one of "e.g. 'p95>2s'".
    static const QRegularExpression sentenceEnd(QStringLiteral("\\.(\\s+(?=[A-Z])|$)"));
    const QRegularExpressionMatch match = sentenceEnd.match(description);
    QString first = match.hasMatch() ? description.first(match.capturedStart()) : description;
    static const QRegularExpression special(QStringLiteral("([\\[\\]:\\\\])"));
    return first.replace(special, QStringLiteral("\\\\1"));
}

} // namespace

QString bash(const CommandLineOptions &options)
{
    // Options whose values complete alike share a case branch, in the table's order.
    QList<std::pair<QString, QStringList>> branches;
    QStringList allNames;
    for (const CommandLineOptions::Entry *entry : shownEntries(options)) {
        const QStringList names = dashedNames(*entry->option);
        allNames += names;
        if (entry->option->valueName().isEmpty())
            continue;
        const QString action = bashAction(entry->value);
        const auto branch =
            std::find_if(branches.begin(), branches.end(),
                         [&action](const auto &existing) { return existing.first == action; });
        if (branch == branches.end())
            branches.append({ action, names });
        else
            branch->second += names;
    }
    QString cases;
    for (const auto &[action, names] : std::as_const(branches)) {
        cases += QStringLiteral("    ") + names.join(QLatin1Char('|')) + QStringLiteral(")\n");
        if (!action.isEmpty())
            cases += QStringLiteral("        ") + action + QLatin1Char('\n');
        cases += QStringLiteral("        return\n        ;;\n");
    }

    QString script = QStringLiteral("# bash completion for parafetch and parafetch-window"
                                    "                 -*- shell-script -*-\n")
        + GeneratedNote;
    script += QStringLiteral(R"(
# _parafetch_files WORD [ENDING...]: the files that begin with WORD (those whose names end in
# one of the ENDINGs, if given), and the directories, to go on into.
_parafetch_files()
{
    local cur=$1 name ending
    shift
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    for name in $(compgen -f -- "$cur"); do
        if [[ $# -eq 0 || -d $name ]]; then
            COMPREPLY+=("$name")
            continue
        fi
        for ending in "$@"; do
            if [[ $name == *"$ending" ]]; then
                COMPREPLY+=("$name")
                break
            fi
        done
    done
}

_parafetch_directories()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

_parafetch()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --option=VALUE: bash splits the word at the '=' (COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    COMPREPLY=()

    case $prev in
)");
    script += cases;
    script += QStringLiteral(R"(    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W %1 -- "$cur")
        return
    fi
    %2
}

complete -F _parafetch parafetch parafetch-window
)")
                  .arg(quoted(allNames.join(QLatin1Char(' '))),
                       bashAction(CommandLineOptions::argumentsCompletion()));
    return script;
}

QString zsh(const CommandLineOptions &options)
{
    QString script = QStringLiteral("#compdef parafetch parafetch-window\n") + GeneratedNote
        + QStringLiteral("\n_arguments -s -S \\\n");
    const QChar colon = QLatin1Char(':'); // written \: in a message
    for (const CommandLineOptions::Entry *entry : shownEntries(options)) {
        const QCommandLineOption &option = *entry->option;
        const QStringList names = dashedNames(option);
        const bool takesValue = !option.valueName().isEmpty();
        QStringList forms;
        for (const QString &name : names) {
            // -j+: "-j N" or "-jN"; --jobs=: "--jobs N" or "--jobs=N".
            const QString valueForm =
                name.startsWith(QLatin1String("--")) ? QStringLiteral("=") : QStringLiteral("+");
            forms.append(takesValue ? name + valueForm : name);
        }
        // Offered once, under any of its names, unless it may be repeated.
        QString spec = entry->repeatable
            ? QStringLiteral("'*'")
            : QStringLiteral("'(%1)'").arg(names.join(QLatin1Char(' ')));
        spec += forms.size() == 1
            ? forms.constFirst()
            : QLatin1Char('{') + forms.join(QLatin1Char(',')) + QLatin1Char('}');
        QString rest = QLatin1Char('[') + zshDescription(option.description()) + QLatin1Char(']');
        if (takesValue)
            rest += QLatin1Char(':')
                + QString(option.valueName()).replace(colon, QStringLiteral("\\:"))
                + QLatin1Char(':') + zshAction(entry->value);
        script += QStringLiteral("    ") + spec + quoted(rest) + QStringLiteral(" \\\n");
    }
    script += QStringLiteral("    ")
        + quoted(QStringLiteral("*:URL or list file:")
                 + zshAction(CommandLineOptions::argumentsCompletion()))
        + QLatin1Char('\n');
    return script;
}

} // namespace Parafetch::ShellCompletion
