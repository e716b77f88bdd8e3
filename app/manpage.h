// SPDX-License-Identifier: GPL-3.0-or-later
// The manual pages parafetch(1) and parafetch-window(1), written from the option table.
#pragma once

#include <QString>

namespace Parafetch {

class CommandLineOptions;

namespace ManPage {

enum class Program { Parafetch, Window };

struct Page
{
    Program program = Program::Parafetch;
    QString date; // the release's, YYYY-MM-DD: the same page for the same sources
    QString summary; // the line under NAME (the package's summary)
};

// The page in roff with the man macros, ASCII only; empty with *error set if the text it reads
// (the exit codes of HeadlessRunner::exitCodesHelp()) is not in the shape it knows.
QString write(const CommandLineOptions &options, const Page &page, QString *error);

// Text as roff reads it: backslashes kept, the dashes of options and of "-" as minus signs
// (what a reader types; a hyphen elsewhere), other characters than ASCII as \[uXXXX], and a
// line that starts with a control character protected. One line: no newlines in `text`.
QString escaped(const QString &text);

} // namespace ManPage

} // namespace Parafetch
