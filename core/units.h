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

// The reason phrase of an HTTP status (RFC 9110, and 418, which clients like to test with), or
// nullptr for a status without one: the caller decides what an unknown status reads as.
constexpr const char *httpReasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    case 511: return "Network Authentication Required";
    default: return nullptr;
    }
}

} // namespace Parafetch
