// SPDX-License-Identifier: GPL-3.0-or-later
// The exit codes of the parafetch executable, for the tests that run it: the app's own enum.
#pragma once

#include "headlessrunner.h"

namespace Parafetch::TestSupport {

// As ints: a Qt Test data column of int takes no enum, and QProcess::exitCode() is an int.
inline constexpr int AllSucceeded = HeadlessRunner::AllSucceeded;
inline constexpr int SomeFailed = HeadlessRunner::SomeFailed;
inline constexpr int BadInput = HeadlessRunner::BadInput; // bad usage or unusable input
inline constexpr int RuleFailed = HeadlessRunner::RuleFailed;
inline constexpr int ForceQuit = HeadlessRunner::ForceQuit;
// Stopped by signal N: 128 + N (130 for SIGINT, 143 for SIGTERM).
inline constexpr int SignalExitBase = 128;

// The numbers are a promise to scripts (--help and the README list them): the enum may not move.
static_assert(AllSucceeded == 0 && SomeFailed == 1 && BadInput == 2 && RuleFailed == 3
                  && ForceQuit == 4,
              "the exit codes --help documents");

} // namespace Parafetch::TestSupport
