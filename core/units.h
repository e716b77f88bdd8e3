// SPDX-License-Identifier: GPL-3.0-or-later
// Unit constants and HTTP reason phrases: the one place every wing takes them from.
//
// Integers, so that counting stays exact (ns * NsPerUs). Where a value is wanted as a double,
// the caller writes the double: `double(ns) / Units::NsPerSecond`. In their own namespace, so a
// file that still defines a constant of the same name does not become ambiguous.
#pragma once

#include <QtGlobal>

namespace Parafetch {

namespace Units {

inline constexpr qint64 NsPerUs = 1000;
inline constexpr qint64 UsPerMs = 1000;
inline constexpr qint64 MsPerSecond = 1000;
inline constexpr qint64 NsPerMs = NsPerUs * UsPerMs;
inline constexpr qint64 UsPerSecond = UsPerMs * MsPerSecond;
inline constexpr qint64 NsPerSecond = NsPerMs * MsPerSecond;
inline constexpr qint64 SecondsPerMinute = 60;
inline constexpr qint64 MinutesPerHour = 60;
inline constexpr qint64 HoursPerDay = 24;
inline constexpr qint64 MsPerDay = MsPerSecond * SecondsPerMinute * MinutesPerHour * HoursPerDay;

inline constexpr qint64 BytesPerKiB = 1024;
inline constexpr qint64 BytesPerMiB = 1024 * BytesPerKiB;
inline constexpr qint64 BytesPerGiB = 1024 * BytesPerMiB;

inline constexpr int PercentScale = 100; // a fraction times this is a percentage

// Nanoseconds to whole microseconds, halves up; a negative value (unknown) stays -1. Safe up to
// qint64's end, where adding the half first would overflow.
constexpr qint64 nsToRoundedUs(qint64 ns)
{
    if (ns < 0)
        return -1;
    return ns / NsPerUs + (ns % NsPerUs >= NsPerUs / 2 ? 1 : 0);
}

} // namespace Units

namespace Http {

// The ports a URL without one means (RFC 9110, sections 4.2.1 and 4.2.2).
inline constexpr int DefaultPort = 80;
inline constexpr int DefaultTlsPort = 443;

struct StatusName
{
    int status;
    const char *reason;
};

// RFC 9110's reason phrases, and 418, which clients like to test with.
inline constexpr StatusName StatusNames[] = {
    { 200, "OK" },
    { 201, "Created" },
    { 202, "Accepted" },
    { 203, "Non-Authoritative Information" },
    { 204, "No Content" },
    { 205, "Reset Content" },
    { 206, "Partial Content" },
    { 300, "Multiple Choices" },
    { 301, "Moved Permanently" },
    { 302, "Found" },
    { 303, "See Other" },
    { 304, "Not Modified" },
    { 305, "Use Proxy" },
    { 307, "Temporary Redirect" },
    { 308, "Permanent Redirect" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 402, "Payment Required" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" },
    { 407, "Proxy Authentication Required" },
    { 408, "Request Timeout" },
    { 409, "Conflict" },
    { 410, "Gone" },
    { 411, "Length Required" },
    { 412, "Precondition Failed" },
    { 413, "Content Too Large" },
    { 414, "URI Too Long" },
    { 415, "Unsupported Media Type" },
    { 416, "Range Not Satisfiable" },
    { 417, "Expectation Failed" },
    { 418, "I'm a teapot" },
    { 421, "Misdirected Request" },
    { 422, "Unprocessable Content" },
    { 425, "Too Early" },
    { 426, "Upgrade Required" },
    { 428, "Precondition Required" },
    { 429, "Too Many Requests" },
    { 431, "Request Header Fields Too Large" },
    { 451, "Unavailable For Legal Reasons" },
    { 500, "Internal Server Error" },
    { 501, "Not Implemented" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" },
    { 507, "Insufficient Storage" },
    { 511, "Network Authentication Required" },
};

} // namespace Http

// The reason phrase of an HTTP status, or nullptr for a status without one: the caller decides
// what an unknown status reads as.
constexpr const char *httpReasonPhrase(int status)
{
    for (const Http::StatusName &name : Http::StatusNames) {
        if (name.status == status)
            return name.reason;
    }
    return nullptr;
}

} // namespace Parafetch
