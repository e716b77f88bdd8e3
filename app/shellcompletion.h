// SPDX-License-Identifier: GPL-3.0-or-later
// The bash and zsh completions of parafetch and parafetch-window, written from the option table.
#pragma once

#include <QString>

namespace Parafetch {

class CommandLineOptions;

namespace ShellCompletion {

// For /usr/share/bash-completion/completions/parafetch: defines _parafetch and registers it for
// both programs. Needs bash 4 and nothing of the bash-completion package.
QString bash(const CommandLineOptions &options);
// For /usr/share/zsh/vendor-completions/_parafetch: an _arguments spec (#compdef).
QString zsh(const CommandLineOptions &options);

} // namespace ShellCompletion

} // namespace Parafetch
