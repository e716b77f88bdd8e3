// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.x response parsing by the letter of RFC 9112, where Qt 6.4's own parser is lenient in
// ways that turn a broken response into a "successful" wrong file.
#include "engine/httpresponseparser.h"

#include <QCoreApplication>

#include <algorithm>
#include <limits>

namespace Parafetch {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("HttpResponseParser", text);
}

constexpr int MinStatus = 100;
constexpr int MaxStatus = 599;
constexpr int NoContentStatus = 204;
constexpr int NotModifiedStatus = 304;
constexpr int SwitchingProtocolsStatus = 101;
// Content-Length and chunk sizes past this are refused rather than risk an overflow (2^62 bytes
// is 4 EiB).
constexpr qint64 MaxBodyLength = qint64(1) << 62;
constexpr int MaxLengthDigits = 18;
constexpr qsizetype MaxShownBytes = 40;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && isWhitespace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isWhitespace(text.back()))
        text.chop(1);
    return text;
}

// A line without its ending: "\n" or "\r\n" (RFC 9112 section 2.2 lets a recipient take a bare
// LF as a line end).
QByteArrayView withoutCr(QByteArrayView line)
{
    return line.endsWith('\r') ? line.chopped(1) : line;
}

// Bytes of a server's, shown in a message: printable ASCII as is, the rest escaped, shortened.
QString shown(QByteArrayView bytes)
{
    QString text;
    for (const char c : bytes.first(std::min(bytes.size(), MaxShownBytes))) {
        if (c >= 0x20 && c < 0x7f)
            text += QLatin1Char(c);
        else
            text += QStringLiteral("\\x%1").arg(uchar(c), 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > MaxShownBytes)
        text += QStringLiteral("…");
    return QLatin1Char('"') + text + QLatin1Char('"');
}

// Comma-separated list elements, trimmed, empty ones dropped (RFC 9110 section 5.6.1).
QList<QByteArrayView> listElements(QByteArrayView value)
{
    QList<QByteArrayView> elements;
    while (true) {
        const qsizetype comma = value.indexOf(',');
        const QByteArrayView element = trimmed(comma < 0 ? value : value.first(comma));
        if (!element.isEmpty())
            elements.append(element);
        if (comma < 0)
            break;
        value = value.sliced(comma + 1);
    }
    return elements;
}

bool hasToken(const ResponseHead &head, QByteArrayView name, QByteArrayView token)
{
    for (const HeaderField &field : head.fields) {
        if (QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArrayView element : listElements(field.second)) {
            if (element.compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

} // namespace

QByteArray ResponseHead::value(QByteArrayView name) const
{
    QByteArray joined;
    bool first = true;
    for (const HeaderField &field : fields) {
        if (QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (!first)
            joined += ", ";
        joined += field.second;
        first = false;
    }
    return joined;
}

bool ResponseHead::has(QByteArrayView name) const
{
    return std::any_of(fields.cbegin(), fields.cend(), [name](const HeaderField &field) {
        return QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) == 0;
    });
}

void HttpResponseParser::reset(bool requestWasHead)
{
    *this = HttpResponseParser();
    m_requestWasHead = requestWasHead;
}

HttpResponseParser::Step HttpResponseParser::fail(Fault fault, const QString &message)
{
    m_state = State::Failed;
    m_fault = fault;
    m_error = message;
    m_keepAlive = false;
    return Step::Error;
}

HttpResponseParser::Step HttpResponseParser::feed(QByteArrayView input, qsizetype *consumed,
                                                  QByteArrayView *body)
{
    *consumed = 0;
    if (!input.isEmpty())
        m_sawBytes = true;
    switch (m_state) {
    case State::Head:
        return readHead(input, consumed);
    case State::ChunkSize:
        return readChunkSize(input, consumed);
    case State::ChunkDataEnd:
        return readChunkDataEnd(input, consumed);
    case State::Trailers:
        return readTrailers(input, consumed);
    case State::ChunkData:
    case State::Body: {
        if (input.isEmpty())
            return Step::NeedMore;
        const qsizetype take = m_framing == Framing::UntilClose
            ? input.size()
            : qsizetype(std::min<qint64>(m_remaining, input.size()));
        *body = input.first(take);
        *consumed = take;
        m_bodyBytes += take;
        if (m_framing != Framing::UntilClose) {
            m_remaining -= take;
            if (m_remaining == 0)
                m_state = m_state == State::ChunkData ? State::ChunkDataEnd : State::Done;
        }
        return Step::Body;
    }
    case State::Done:
        return Step::Complete;
    case State::Failed:
        return Step::Error;
    }
    return Step::Error;
}

HttpResponseParser::Step HttpResponseParser::finish()
{
    switch (m_state) {
    case State::Done:
        return Step::Complete;
    case State::Failed:
        return Step::Error;
    case State::Body:
        if (m_framing == Framing::UntilClose) {
            m_state = State::Done;
            return Step::Complete;
        }
        return fail(
            Fault::Truncated,
            tr("connection closed after %1 of %2 body bytes").arg(m_bodyBytes).arg(m_length));
    case State::Head:
        return fail(Fault::NoResponse,
                    m_sawBytes ? tr("connection closed by the server in the middle of the "
                                    "response head")
                               : tr("connection closed by the server before a response"));
    case State::Trailers:
        // The last chunk came; what is missing is at most the trailer section's end, which
        // carries no body bytes (RFC 9112 section 7.1).
        m_state = State::Done;
        return Step::Complete;
    case State::ChunkSize:
    case State::ChunkData:
    case State::ChunkDataEnd:
        return fail(
            Fault::Truncated,
            tr("connection closed before the last chunk (after %1 body bytes)").arg(m_bodyBytes));
    }
    return Step::Error;
}

HttpResponseParser::Step HttpResponseParser::readHead(QByteArrayView input, qsizetype *consumed)
{
    // The head ends at the first empty line. Empty lines before a status line (left over after
    // a body by some servers) are skipped.
    qsizetype start = 0;
    while (start < input.size() && (input[start] == '\n' || input[start] == '\r')) {
        if (input[start] == '\r' && (start + 1 >= input.size() || input[start + 1] != '\n'))
            break;
        ++start;
    }
    qsizetype end = -1;
    for (qsizetype newline = input.indexOf('\n', start); newline >= 0;
         newline = input.indexOf('\n', newline + 1)) {
        const qsizetype next = newline + 1;
        if (next < input.size() && input[next] == '\n') {
            end = next + 1;
            break;
        }
        if (next + 1 < input.size() && input[next] == '\r' && input[next + 1] == '\n') {
            end = next + 2;
            break;
        }
        if (next - start > MaxHeadBytes)
            break;
    }
    if (end < 0) {
        // A status line that cannot become one fails now, not when the head ends (a server
        // that is not HTTP may never send an empty line). A lone CR may yet be an empty line.
        const QByteArrayView rest = input.sliced(start);
        const qsizetype firstNewline = rest.indexOf('\n');
        if (firstNewline >= 0) {
            if (!parseStatusLine(withoutCr(rest.first(firstNewline))))
                return Step::Error;
        } else if (versionMismatch(withoutCr(rest)) >= 0) {
            // (A CR at the end may be the start of the line's end: judged when the LF comes.)
            return failNotHttp(rest);
        }
        if (input.size() - start > MaxHeadBytes)
            return fail(
                Fault::Protocol,
                tr("the response head is too large (over %1 KiB)").arg(MaxHeadBytes / 1024));
        *consumed = start;
        return Step::NeedMore;
    }
    if (end - start > MaxHeadBytes)
        return fail(Fault::Protocol,
                    tr("the response head is too large (over %1 KiB)").arg(MaxHeadBytes / 1024));
    *consumed = end;
    if (!parseHead(input.sliced(start, end - start)))
        return Step::Error;

    const int status = m_head.status;
    if (status < 200) {
        if (status == SwitchingProtocolsStatus)
            return fail(Fault::Protocol,
                        tr("the server switched protocols (101), which was not asked for"));
        if (++m_interim > MaxInterimResponses)
            return fail(Fault::Protocol,
                        tr("more than %1 interim (1xx) responses").arg(MaxInterimResponses));
        m_head = ResponseHead(); // RFC 9110 section 15.2: an interim response is skipped
        return Step::Interim;
    }
    if (!decideFraming())
        return Step::Error;
    if (m_framing == Framing::None || (m_framing == Framing::Length && m_length == 0))
        m_state = State::Done;
    else
        m_state = m_framing == Framing::Chunked ? State::ChunkSize : State::Body;
    m_remaining = m_framing == Framing::Length ? m_length : 0;
    return Step::Head;
}

// Where text stops matching the start of an HTTP/1 status line, or -1 while it matches.
qsizetype HttpResponseParser::versionMismatch(QByteArrayView text)
{
    constexpr QByteArrayView Prefix("HTTP/1.");
    const qsizetype known = std::min(text.size(), Prefix.size());
    for (qsizetype i = 0; i < known; ++i) {
        if (text[i] != Prefix[i])
            return i;
    }
    return -1;
}

// Quotes the response up to its first byte that cannot start a status line: the same message
// whether the line came whole or a byte at a time.
HttpResponseParser::Step HttpResponseParser::failNotHttp(QByteArrayView text)
{
    return fail(Fault::Protocol,
                tr("invalid status line: the response begins %1, not \"HTTP/1.\"")
                    .arg(shown(text.first(versionMismatch(text) + 1))));
}

bool HttpResponseParser::parseStatusLine(QByteArrayView statusLine)
{
    if (versionMismatch(statusLine) >= 0)
        return failNotHttp(statusLine), false;
    // status-line = HTTP-version SP status-code SP [ reason-phrase ]; "HTTP/1.1 200" without a
    // reason's space is common and harmless.
    const auto badStatus = [this, statusLine] {
        fail(Fault::Protocol, tr("invalid status line %1").arg(shown(statusLine)));
        return false;
    };
    constexpr qsizetype VersionLength = 8; // "HTTP/1.1"
    constexpr qsizetype CodeEnd = VersionLength + 4;
    if (statusLine.size() < CodeEnd || !statusLine.startsWith("HTTP/1.")
        || statusLine[VersionLength] != ' ' || statusLine[VersionLength - 1] < '0'
        || statusLine[VersionLength - 1] > '9'
        || (statusLine.size() > CodeEnd && statusLine[CodeEnd] != ' '))
        return badStatus();
    int status = 0;
    for (qsizetype i = VersionLength + 1; i < CodeEnd; ++i) {
        if (statusLine[i] < '0' || statusLine[i] > '9')
            return badStatus();
        status = status * 10 + (statusLine[i] - '0');
    }
    if (status < MinStatus || status > MaxStatus)
        return badStatus();
    if (statusLine.contains('\r') || statusLine.contains('\0'))
        return badStatus();
    m_head.status = status;
    m_head.versionMinor = statusLine[VersionLength - 1] == '0' ? 0 : 1;
    m_head.reason =
        statusLine.size() > CodeEnd ? statusLine.sliced(CodeEnd + 1).toByteArray() : QByteArray();
    return true;
}

bool HttpResponseParser::parseHead(QByteArrayView head)
{
    qsizetype newline = head.indexOf('\n');
    if (!parseStatusLine(withoutCr(head.first(newline))))
        return false;

    for (QByteArrayView rest = head.sliced(newline + 1); !rest.isEmpty();) {
        newline = rest.indexOf('\n');
        const QByteArrayView line = withoutCr(rest.first(newline));
        rest = rest.sliced(newline + 1);
        if (line.isEmpty())
            break; // the end of the head
        if (line.contains('\r') || line.contains('\0'))
            return fail(Fault::Protocol, tr("invalid header line %1").arg(shown(line))), false;
        if (isWhitespace(line.front())) {
            // obs-fold (RFC 9112 section 5.2): a user agent joins it with a space. Before the
            // first field it is whitespace after the status line, which is invalid.
            if (m_head.fields.isEmpty())
                return fail(Fault::Protocol, tr("invalid header line %1").arg(shown(line))), false;
            QByteArray &value = m_head.fields.last().second;
            value += ' ';
            value += trimmed(line);
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        const QByteArrayView name = colon > 0 ? line.first(colon) : QByteArrayView();
        // No whitespace between name and colon (RFC 9112 section 5.1): "Content-Length : 5"
        // is how responses are smuggled past one parser and not another.
        if (name.isEmpty() || !std::all_of(name.begin(), name.end(), isTokenChar))
            return fail(Fault::Protocol, tr("invalid header line %1").arg(shown(line))), false;
        if (m_head.fields.size() >= MaxFields)
            return fail(Fault::Protocol,
                        tr("the response head is too large (over %1 fields)").arg(MaxFields)),
                   false;
        m_head.fields.append({ name.toByteArray(), trimmed(line.sliced(colon + 1)).toByteArray() });
    }
    return true;
}

bool HttpResponseParser::decideFraming()
{
    // RFC 9112 section 6.3, in its order.
    const int status = m_head.status;
    m_keepAlive = m_head.versionMinor >= 1 ? !hasToken(m_head, "connection", "close")
                                           : hasToken(m_head, "connection", "keep-alive");
    if (m_requestWasHead || status == NoContentStatus || status == NotModifiedStatus) {
        m_framing = Framing::None;
        return true;
    }
    const QByteArray transferEncoding = m_head.value("transfer-encoding");
    if (m_head.has("transfer-encoding")) {
        const QList<QByteArrayView> codings = listElements(transferEncoding);
        for (qsizetype i = 0; i < codings.size(); ++i) {
            const bool chunked = codings[i].compare("chunked", Qt::CaseInsensitive) == 0;
            if (!chunked || i + 1 != codings.size())
                return fail(Fault::Protocol,
                            tr("unsupported transfer coding %1 (only chunked is "
                               "read)")
                                .arg(shown(codings[i]))),
                       false;
        }
        if (codings.isEmpty())
            return fail(Fault::Protocol,
                        tr("unsupported transfer coding %1").arg(shown(transferEncoding))),
                   false;
        m_framing = Framing::Chunked;
        // With a Content-Length as well, or in HTTP/1.0, the framing is suspect (RFC 9112
        // section 6.1): the body is read as chunked, and the connection is not used again.
        if (m_head.has("content-length") || m_head.versionMinor == 0)
            m_keepAlive = false;
        return true;
    }
    if (m_head.has("content-length")) {
        QString error;
        if (!contentLengthOf(m_head, &m_length, &error))
            return fail(Fault::Protocol, error), false;
        m_framing = Framing::Length;
        return true;
    }
    m_framing = Framing::UntilClose;
    m_keepAlive = false;
    return true;
}

bool HttpResponseParser::contentLengthOf(const ResponseHead &head, qint64 *length, QString *error)
{
    *length = -1;
    for (const HeaderField &field : head.fields) {
        if (QByteArrayView(field.first).compare("content-length", Qt::CaseInsensitive) != 0)
            continue;
        const auto invalid = [&] {
            *error = tr("invalid Content-Length %1").arg(shown(field.second));
            return false;
        };
        const QList<QByteArrayView> values = listElements(field.second);
        if (values.isEmpty())
            return invalid();
        for (const QByteArrayView text : values) {
            const bool digits = text.size() <= MaxLengthDigits
                && std::all_of(text.begin(), text.end(),
                               [](char c) { return c >= '0' && c <= '9'; });
            if (!digits || text.toLongLong() > MaxBodyLength)
                return invalid();
            const qint64 value = text.toLongLong();
            if (*length >= 0 && value != *length) {
                *error =
                    tr("conflicting Content-Length values (%1 and %2)").arg(*length).arg(value);
                return false;
            }
            *length = value;
        }
    }
    return true;
}

HttpResponseParser::Step HttpResponseParser::readChunkSize(QByteArrayView input,
                                                           qsizetype *consumed)
{
    const qsizetype newline =
        input.first(std::min(input.size(), MaxChunkLineBytes + 1)).indexOf('\n');
    if (newline < 0) {
        if (input.size() > MaxChunkLineBytes)
            return fail(Fault::Protocol,
                        tr("invalid chunk size line: longer than %1 bytes").arg(MaxChunkLineBytes));
        return Step::NeedMore;
    }
    const QByteArrayView line = withoutCr(input.first(newline));
    // chunk-size [ chunk-ext ]: 1*HEXDIG, then BWS ";" extensions, which we ignore.
    qint64 size = 0;
    qsizetype i = 0;
    for (; i < line.size(); ++i) {
        const int digit = hexValue(line[i]);
        if (digit < 0)
            break;
        if (size > (MaxBodyLength >> 4))
            return fail(Fault::Protocol,
                        tr("invalid chunk size line %1: too large").arg(shown(line)));
        size = (size << 4) | digit;
    }
    QByteArrayView rest = line.sliced(i);
    while (!rest.isEmpty() && isWhitespace(rest.front()))
        rest = rest.sliced(1);
    if (i == 0 || (!rest.isEmpty() && rest.front() != ';') || line.contains('\r')
        || line.contains('\0'))
        return fail(Fault::Protocol, tr("invalid chunk size line %1").arg(shown(line)));
    *consumed = newline + 1;
    if (size == 0) {
        m_state = State::Trailers;
    } else {
        m_state = State::ChunkData;
        m_remaining = size;
    }
    return Step::NeedMore; // *consumed > 0: the caller goes on with the rest
}

HttpResponseParser::Step HttpResponseParser::readChunkDataEnd(QByteArrayView input,
                                                              qsizetype *consumed)
{
    if (input.isEmpty())
        return Step::NeedMore;
    if (input[0] == '\n') {
        *consumed = 1;
    } else if (input[0] == '\r') {
        if (input.size() < 2)
            return Step::NeedMore;
        if (input[1] != '\n')
            return fail(Fault::Protocol,
                        tr("invalid chunk: its data is longer than its size line says"));
        *consumed = 2;
    } else {
        return fail(Fault::Protocol,
                    tr("invalid chunk: its data is longer than its size line says"));
    }
    m_state = State::ChunkSize;
    return Step::NeedMore;
}

HttpResponseParser::Step HttpResponseParser::readTrailers(QByteArrayView input, qsizetype *consumed)
{
    // Trailer fields are read past, not used: nothing of ours depends on them.
    qsizetype used = 0;
    while (true) {
        const qsizetype newline = input.indexOf('\n', used);
        if (newline < 0) {
            if (m_trailerBytes + (input.size() - used) > MaxTrailerBytes)
                return fail(Fault::Protocol,
                            tr("the trailer section is too large (over %1 KiB)")
                                .arg(MaxTrailerBytes / 1024));
            *consumed = used;
            return Step::NeedMore;
        }
        const QByteArrayView line = withoutCr(input.sliced(used, newline - used));
        m_trailerBytes += newline + 1 - used;
        used = newline + 1;
        if (m_trailerBytes > MaxTrailerBytes)
            return fail(
                Fault::Protocol,
                tr("the trailer section is too large (over %1 KiB)").arg(MaxTrailerBytes / 1024));
        if (line.isEmpty()) {
            *consumed = used;
            m_state = State::Done;
            return Step::Complete;
        }
        if (line.contains('\r') || line.contains('\0') || line.indexOf(':') <= 0)
            return fail(Fault::Protocol, tr("invalid trailer line %1").arg(shown(line)));
    }
}

} // namespace Parafetch
