// SPDX-License-Identifier: GPL-3.0-or-later
// A command line split into words by a POSIX shell's quotes, with no expansion (--on-complete).
#pragma once

#include <QStringList>
#include <QStringView>

namespace Parafetch::ShellWords {

// Splits text into words as a POSIX shell does by its quotes: '…', "…" (where a backslash
// before $ ` " or a backslash stands for that character) and a backslash outside quotes, with
// no expansion of any kind; false when a quote is not closed or the text ends in a lone
// backslash. At the root, not in run/ with the command that runs them: the settings file is
// checked with it too.
bool split(QStringView text, QStringList *words);

} // namespace Parafetch::ShellWords
