// SPDX-License-Identifier: GPL-3.0-or-later
// DiscardSink is header-only; this file keeps the one-class-per-file-pair layout.
#include "engine/discardsink.h"
