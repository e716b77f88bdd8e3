// SPDX-License-Identifier: GPL-3.0-or-later
// String names for the job enums, shared by exports, importers and the command line; header
// lists that share their bytes.
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

HeaderList sharedHeaders(HeaderList headers, HeaderList *previous)
{
    const qsizetype count = headers.size();
    bool same = count == previous->size();
    for (qsizetype i = 0; i < count && i < previous->size(); ++i) {
        auto &[name, value] = headers[i];
        const auto &[previousName, previousValue] = previous->at(i);
        const bool sameName = name == previousName, sameValue = value == previousValue;
        if (sameName)
            name = previousName;
        if (sameValue)
            value = previousValue;
        same = same && sameName && sameValue;
    }
    if (same)
        return *previous;
    headers.squeeze(); // built by appending: no spare capacity to keep a million times
    *previous = headers;
    return headers;
}

} // namespace Parafetch
