// SPDX-License-Identifier: GPL-3.0-or-later
// String names for the job enums, shared by exports, importers and the command line.
#include "job.h"

#include <array>

namespace Parafetch {

namespace {

constexpr std::array<const char *, 5> stateNames = {
    "queued", "running", "succeeded", "failed", "cancelled",
};

constexpr std::array<const char *, ErrorKindCount> errorKindNames = {
    "",
    "http-status",
    "timed-out",
    "connection-refused",
    "host-not-found",
    "connection-closed",
    "truncated",
    "too-many-redirects",
    "tls",
    "file-system",
    "cancelled",
    "network",
    "protocol",
};

template<typename Enum, std::size_t N>
bool lookUp(const QString &text, const std::array<const char *, N> &names, Enum *value)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (text == QLatin1String(names[i])) {
            *value = Enum(i);
            return true;
        }
    }
    return false;
}

} // namespace

QString stateName(JobState state)
{
    return QLatin1String(stateNames.at(std::size_t(state)));
}

QString errorKindName(ErrorKind kind)
{
    return QLatin1String(errorKindNames.at(std::size_t(kind)));
}

bool stateFromName(const QString &text, JobState *state)
{
    return lookUp(text, stateNames, state);
}

bool errorKindFromName(const QString &text, ErrorKind *kind)
{
    return lookUp(text, errorKindNames, kind);
}

} // namespace Parafetch
