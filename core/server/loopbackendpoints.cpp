// SPDX-License-Identifier: GPL-3.0-or-later
// The loopback server's endpoints: path and query parsing, and the answer each endpoint plans.
#include "server/loopbackendpoints.h"

#include "server/loopbackbodies.h"
#include "units.h"

#include <QMutexLocker>

#include <algorithm>

namespace Parafetch::LoopbackDetail {

namespace {

constexpr int MinStatus = 200;
constexpr int MaxStatus = 599;
constexpr qint64 MaxDelayMs = Units::MsPerDay; // a day: QTimer takes an int
constexpr qsizetype MaxNumberDigits = 18; // always fits in qint64, even doubled
constexpr int MinErrorStatus = 400; // /flaky answers with an error, never a success or redirect
constexpr int MinRedirectStatus = 300;
constexpr int MaxRedirectStatus = 399;
using Units::BytesPerKiB;
using Units::BytesPerMiB;

bool isTokenChar(char c)
{
    static constexpr QByteArrayView punctuation("!#$%&'*+-.^_`|~");
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || punctuation.contains(c);
}

QByteArray quotedFileName(const QByteArray &name)
{
    QByteArray quoted;
    quoted.reserve(name.size() + 2);
    quoted += '"';
    for (char c : name) {
        if (isControl(c))
            continue; // a CR or LF would end the header
        if (c == '\\' || c == '"')
            quoted += '\\';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

// RFC 9110 etagc: visible bytes but '"', and obs-text.
bool isEntityTagText(QByteArrayView text)
{
    return !text.isEmpty() && std::none_of(text.begin(), text.end(), [](char c) {
        return c == '"' || c == ' ' || isControl(c);
    });
}

const QByteArray &indexText()
{
    static const QByteArray text = QByteArrayLiteral(
        "Parafetch loopback server. Endpoints (GET and HEAD):\n"
        "/                         this list\n"
        "/bytes/<n>                n bytes of the pattern 'a' + i % 26\n"
        "/delay/<ms>               an empty body after ms milliseconds\n"
        "/delay/<ms>/bytes/<n>     n bytes after ms milliseconds\n"
        "/status/<code>            that status (200..599); ?retry-after=S adds Retry-After\n"
        "/redirect/<k>             302 to /redirect/<k-1>; /redirect/0 answers \"ok\"\n"
        "/redirect-loop            302 to itself\n"
        "/redirect-to?url=U        302 (or ?status=3xx) to U, which may be anywhere\n"
        "/drip/<n>/<ms>            n bytes, one every ms milliseconds\n"
        "/reset/<n>                announces 2n bytes, sends n, then resets the connection\n"
        "/truncate/<n>             announces 2n bytes, sends n, then closes the connection\n"
        "/flaky/<key>/<failures>   503 for the first <failures> requests of <key>, then 200\n"
        "                          ?status=C&retry-after=S: that status and Retry-After instead\n"
        "/headers                  the request headers, one per line\n"
        "/attachment/<name>        a Content-Disposition attachment named <name>\n"
        "/big-headers/<kb>         <kb> KiB of filler response headers, 8 KiB per field\n"
        "/gzip-bomb/<mb>           a gzip body of about <mb> KiB that inflates to <mb> MiB\n"
        "/chunked-close/<n>        a chunked body of n bytes, then closes before the last chunk\n"
        "/basic-auth/<user>/<pass> 401 with a Basic challenge until those credentials come\n"
        "/set-cookie/<value>       a response that sets the cookie session=<value>\n"
        "/resumable/<n>            n bytes with an ETag, Range and If-Range (If-None-Match: 304);\n"
        "                          ?etag=X sets the\n"
        "                          ETag, ?changing=1 changes it per request, ?cut=K&tag=T closes\n"
        "                          the first request with tag T after K body bytes, ?stall=K\n"
        "                          stops sending there and holds the connection open\n");
    return text;
}

ResponsePlan textPlan(int status, const QByteArray &text)
{
    ResponsePlan plan;
    plan.status = status;
    plan.body = text;
    return plan;
}

ResponsePlan patternPlan(qint64 size)
{
    ResponsePlan plan;
    plan.contentType = BinaryType.toByteArray();
    plan.bodyKind = BodyKind::Pattern;
    plan.bodyLength = size;
    return plan;
}

// /resumable/<n>: the validator, the range and the planned cut or stall.
ResponsePlan resumable(const RecordedRequest &request, qint64 size, QByteArrayView query,
                       EndpointState *state)
{
    QByteArray entityTag = "resumable-" + QByteArray::number(size);
    QByteArray tag;
    qint64 cut = -1;
    qint64 stall = -1;
    bool changing = false;
    for (const QByteArray &parameter : query.toByteArray().split('&')) {
        const qsizetype equals = parameter.indexOf('=');
        const QByteArray key = parameter.left(equals);
        const QByteArray value =
            equals < 0 ? QByteArray() : QByteArray::fromPercentEncoding(parameter.mid(equals + 1));
        if (key == "etag") {
            if (!isEntityTagText(value))
                return errorPlan(400, "bad etag");
            entityTag = value;
        } else if (key == "changing") {
            changing = value == "1";
        } else if (key == "cut") {
            if (!parseCount(value, &cut))
                return errorPlan(400, "bad cut");
        } else if (key == "stall") {
            if (!parseCount(value, &stall))
                return errorPlan(400, "bad stall");
        } else if (key == "tag") {
            tag = value;
        }
    }
    if (changing)
        entityTag += '-' + QByteArray::number(state->nextEntityTagSerial());
    entityTag = '"' + entityTag + '"';

    ResponsePlan plan;
    plan.contentType = BinaryType.toByteArray();
    plan.bodyKind = BodyKind::Resumable;
    plan.bodyLength = size;
    plan.headers.emplaceBack("ETag", entityTag);
    plan.headers.emplaceBack("Accept-Ranges", "bytes");
    // If-None-Match (--if-changed): the very same ETag is a 304, which carries no content.
    if (request.header("if-none-match").trimmed() == entityTag) {
        plan.status = 304;
        plan.bodyLength = 0;
        plan.sendContentLength = false;
        return plan;
    }

    // One range, "bytes=A-" or "bytes=A-B"; anything else is ignored, as RFC 9110 allows. If-Range
    // compares strongly: only the very same ETag resumes.
    static constexpr QByteArrayView bytesUnit("bytes=");
    const QByteArray range = request.header("range").trimmed();
    const QByteArray ifRange = request.header("if-range");
    const qsizetype dash = range.indexOf('-');
    qint64 from = 0;
    qint64 to = size - 1;
    const bool rangeAsked = range.startsWith(bytesUnit) && dash > bytesUnit.size()
        && parseCount(QByteArrayView(range).sliced(bytesUnit.size(), dash - bytesUnit.size()),
                      &from)
        && (dash == range.size() - 1
            || (parseCount(QByteArrayView(range).sliced(dash + 1), &to) && to >= from));
    if (rangeAsked && (ifRange.isEmpty() || ifRange == entityTag)) {
        if (from >= size) {
            ResponsePlan refused = errorPlan(416, "the range starts past the end");
            refused.headers = plan.headers;
            refused.headers.emplaceBack("Content-Range", "bytes */" + QByteArray::number(size));
            return refused;
        }
        to = std::min(to, size - 1);
        plan.status = 206;
        plan.bodyStart = from;
        plan.bodyLength = to - from + 1;
        plan.headers.emplaceBack("Content-Range",
                                 "bytes " + QByteArray::number(from) + '-' + QByteArray::number(to)
                                     + '/' + QByteArray::number(size));
    }

    const qint64 stopAt = cut >= 0 ? cut : stall;
    const bool cutThis = stopAt >= 0 && (tag.isEmpty() || state->hit("resumable/" + tag) == 0);
    if (cutThis && stopAt < plan.bodyLength) {
        plan.announcedLength = plan.bodyLength;
        plan.bodyLength = stopAt;
        plan.end = cut >= 0 ? EndAction::CloseQuietly : EndAction::Hold;
    }
    return plan;
}

} // namespace

QByteArray reasonPhrase(int status)
{
    const char *reason = httpReasonPhrase(status);
    return reason ? reason : "Unknown";
}

bool parseCount(QByteArrayView text, qint64 *value)
{
    if (text.isEmpty() || text.size() > MaxNumberDigits)
        return false;
    qint64 result = 0;
    for (char c : text) {
        if (!isDigit(c))
            return false;
        result = result * 10 + (c - '0');
    }
    *value = result;
    return true;
}

bool isToken(QByteArrayView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool isFieldValue(QByteArrayView text)
{
    return std::none_of(text.begin(), text.end(), [](char c) { return c != '\t' && isControl(c); });
}

bool hasToken(const QByteArray &list, QByteArrayView token)
{
    const QList<QByteArray> items = list.split(',');
    return std::any_of(items.begin(), items.end(), [token](const QByteArray &item) {
        return QByteArrayView(item.trimmed()).compare(token, Qt::CaseInsensitive) == 0;
    });
}

ResponsePlan errorPlan(int status, QByteArrayView detail)
{
    return textPlan(status,
                    QByteArray::number(status) + ' ' + reasonPhrase(status) + ": "
                        + detail.toByteArray() + '\n');
}

int EndpointState::hit(const QByteArray &key)
{
    const QMutexLocker locker(&m_mutex);
    return m_hits[key]++;
}

quint64 EndpointState::nextEntityTagSerial()
{
    return m_entityTagSerial.fetch_add(1) + 1;
}

void EndpointState::clearHits()
{
    const QMutexLocker locker(&m_mutex);
    m_hits.clear();
}

ResponsePlan route(const RecordedRequest &request, EndpointState *state)
{
    if (request.method != "GET" && request.method != "HEAD") {
        ResponsePlan plan = errorPlan(405, "only GET and HEAD");
        plan.headers.emplaceBack("Allow", "GET, HEAD");
        return plan;
    }

    QByteArrayView target = request.target;
    // Absolute form, as sent to proxies: keep the path and query.
    static constexpr QByteArrayView schemeSeparator("://");
    if (const qsizetype scheme = target.indexOf(schemeSeparator);
        scheme > 0 && !target.startsWith('/')) {
        const qsizetype pathStart = target.indexOf('/', scheme + schemeSeparator.size());
        target = pathStart < 0 ? QByteArrayView("/") : target.sliced(pathStart);
    }
    if (!target.startsWith('/'))
        return errorPlan(400, "the target must be a path");

    const qsizetype queryStart = target.indexOf('?');
    const QByteArrayView path = queryStart < 0 ? target : target.first(queryStart);
    const QByteArrayView query = queryStart < 0 ? QByteArrayView() : target.sliced(queryStart + 1);
    const QList<QByteArray> segments = path.sliced(1).toByteArray().split('/');
    const QByteArray &name = segments.at(0);
    const qsizetype count = segments.size();

    qint64 first = 0;
    qint64 second = 0;
    auto number = [&segments](qsizetype i, qint64 *value) {
        return parseCount(segments.at(i), value);
    };
    auto notFound = [&path] { return errorPlan(404, "no such endpoint: " + path.toByteArray()); };

    if (count == 1 && name.isEmpty())
        return textPlan(200, indexText());

    if (name == "bytes" && count == 2 && number(1, &first))
        return patternPlan(first);

    if (name == "delay" && (count == 2 || (count == 4 && segments.at(2) == "bytes"))
        && number(1, &first) && (count == 2 || number(3, &second))) {
        if (first > MaxDelayMs)
            return errorPlan(400, "delay over a day");
        ResponsePlan plan = count == 2 ? textPlan(200, {}) : patternPlan(second);
        plan.delayMs = int(first);
        return plan;
    }

    if (name == "status" && count == 2 && number(1, &first)) {
        if (first < MinStatus || first > MaxStatus)
            return errorPlan(400, "status must be 200..599");
        const int status = int(first);
        ResponsePlan plan =
            textPlan(status, QByteArray::number(status) + ' ' + reasonPhrase(status) + '\n');
        // RFC 9110: these never carry content.
        if (status == 204 || status == 304) {
            plan.body.clear();
            plan.sendContentLength = false;
        }
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            static constexpr QByteArrayView retryAfterKey("retry-after=");
            if (!parameter.startsWith(retryAfterKey))
                continue;
            const QByteArray value =
                QByteArray::fromPercentEncoding(parameter.mid(retryAfterKey.size())).trimmed();
            if (value.isEmpty() || !isFieldValue(value))
                return errorPlan(400, "bad retry-after");
            plan.headers.emplaceBack("Retry-After", value);
        }
        return plan;
    }

    if (name == "redirect" && count == 2 && number(1, &first)) {
        if (first == 0)
            return textPlan(200, "ok");
        const QByteArray location = "/redirect/" + QByteArray::number(first - 1);
        ResponsePlan plan = textPlan(302, "redirecting to " + location + '\n');
        plan.headers.emplaceBack("Location", location);
        return plan;
    }

    if (name == "redirect-to" && count == 1) {
        static constexpr QByteArrayView urlKey("url=");
        static constexpr QByteArrayView statusKey("status=");
        QByteArray location;
        int status = 302;
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            qint64 code = 0;
            if (parameter.startsWith(urlKey)) {
                location = QByteArray::fromPercentEncoding(parameter.mid(urlKey.size()));
            } else if (parameter.startsWith(statusKey)) {
                if (!parseCount(QByteArrayView(parameter).sliced(statusKey.size()), &code)
                    || code < MinRedirectStatus || code > MaxRedirectStatus)
                    return errorPlan(400, "redirect status must be 300..399");
                status = int(code);
            }
        }
        if (location.isEmpty() || !isFieldValue(location))
            return errorPlan(400, "redirect-to needs ?url=");
        ResponsePlan plan = textPlan(status, "redirecting to " + location + '\n');
        plan.headers.emplaceBack("Location", location);
        return plan;
    }

    if (name == "redirect-loop" && count == 1) {
        ResponsePlan plan = textPlan(302, "redirecting to /redirect-loop\n");
        plan.headers.emplaceBack("Location", "/redirect-loop");
        return plan;
    }

    if (name == "drip" && count == 3 && number(1, &first) && number(2, &second)) {
        if (second > MaxDelayMs)
            return errorPlan(400, "interval over a day");
        ResponsePlan plan = patternPlan(first);
        plan.bodyKind = BodyKind::Drip;
        plan.dripIntervalMs = int(second);
        return plan;
    }

    if ((name == "reset" || name == "truncate") && count == 2 && number(1, &first)) {
        ResponsePlan plan = patternPlan(first);
        // At least one byte is missing, even for n = 0, so the client always has a short body.
        plan.announcedLength = std::max<qint64>(2 * first, 1);
        plan.end = name == "reset" ? EndAction::Reset : EndAction::CloseQuietly;
        return plan;
    }

    if (name == "flaky" && count == 3 && !segments.at(1).isEmpty() && number(2, &second)) {
        int status = 503;
        QByteArray retryAfter = "0";
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            static constexpr QByteArrayView statusKey("status=");
            static constexpr QByteArrayView retryAfterKey("retry-after=");
            qint64 code = 0;
            if (parameter.startsWith(statusKey)) {
                if (!parseCount(QByteArrayView(parameter).sliced(statusKey.size()), &code)
                    || code < MinErrorStatus || code > MaxStatus)
                    return errorPlan(400, "flaky status must be 400..599");
                status = int(code);
            } else if (parameter.startsWith(retryAfterKey)) {
                retryAfter =
                    QByteArray::fromPercentEncoding(parameter.mid(retryAfterKey.size())).trimmed();
                if (retryAfter.isEmpty() || !isFieldValue(retryAfter))
                    return errorPlan(400, "bad retry-after");
            }
        }
        if (state->hit("flaky/" + segments.at(1)) < second) {
            ResponsePlan plan = errorPlan(status, "flaky, try again");
            plan.headers.emplaceBack("Retry-After", retryAfter);
            return plan;
        }
        return textPlan(200, "ok");
    }

    if (name == "headers" && count == 1) {
        QByteArray text;
        for (const auto &field : request.headers)
            text += field.first + ": " + field.second + '\n';
        return textPlan(200, text);
    }

    if (name == "typed" && count == 2) {
        QByteArray type;
        for (const QByteArray &parameter : query.toByteArray().split('&')) {
            if (parameter.startsWith("type="))
                type = QByteArray::fromPercentEncoding(parameter.sliced(5));
        }
        if (type.isEmpty() || !isFieldValue(type))
            return errorPlan(400, "typed wants ?type=<printable media type>");
        ResponsePlan plan = textPlan(200, "typed body\n");
        plan.contentType = type;
        return plan;
    }

    static constexpr QByteArrayView attachmentPrefix("/attachment/");
    if (name == "attachment" && path.size() > attachmentPrefix.size()) {
        const QByteArray fileName =
            QByteArray::fromPercentEncoding(path.sliced(attachmentPrefix.size()).toByteArray());
        ResponsePlan plan = textPlan(200, "attachment");
        plan.contentType = BinaryType.toByteArray();
        plan.headers.emplaceBack("Content-Disposition",
                                 "attachment; filename=" + quotedFileName(fileName));
        return plan;
    }

    if (name == "big-headers" && count == 2 && number(1, &first)) {
        if (first > LoopbackServer::MaxBigHeadersKiB)
            return errorPlan(400,
                             "at most " + QByteArray::number(LoopbackServer::MaxBigHeadersKiB)
                                 + " KiB of headers");
        ResponsePlan plan = textPlan(200, "ok");
        qint64 left = first * BytesPerKiB;
        for (int i = 0; left > 0; ++i) {
            // Name, ": " and CRLF count towards the field's size, as they do on the wire.
            static constexpr qint64 SeparatorAndLineEndBytes = 4;
            const QByteArray fieldName = "X-Filler-" + QByteArray::number(i);
            const qint64 framing = fieldName.size() + SeparatorAndLineEndBytes;
            const qint64 fieldBytes = std::min<qint64>(LoopbackServer::BigHeaderFieldBytes, left);
            plan.headers.emplaceBack(fieldName,
                                     QByteArray(std::max<qint64>(fieldBytes - framing, 1), 'x'));
            left -= fieldBytes;
        }
        return plan;
    }

    if (name == "gzip-bomb" && count == 2 && number(1, &first)) {
        if (first > LoopbackServer::MaxGzipBombMiB)
            return errorPlan(
                400, "at most " + QByteArray::number(LoopbackServer::MaxGzipBombMiB) + " MiB");
        ResponsePlan plan = textPlan(200, gzipBomb(first * BytesPerMiB));
        plan.contentType = BinaryType.toByteArray();
        plan.headers.emplaceBack("Content-Encoding", "gzip");
        return plan;
    }

    if (name == "chunked-close" && count == 2 && number(1, &first)) {
        if (first > ChunkBytes)
            return errorPlan(400, "at most " + QByteArray::number(ChunkBytes) + " bytes");
        ResponsePlan plan = textPlan(200, {});
        plan.contentType = BinaryType.toByteArray();
        plan.sendContentLength = false;
        plan.headers.emplaceBack("Transfer-Encoding", "chunked");
        plan.body = unterminatedChunk(first);
        plan.end = EndAction::CloseQuietly;
        return plan;
    }

    if (name == "basic-auth" && count == 3) {
        const QByteArray credentials = QByteArray::fromPercentEncoding(segments.at(1)) + ':'
            + QByteArray::fromPercentEncoding(segments.at(2));
        const QByteArray authorization = request.header("authorization");
        const qsizetype space = authorization.indexOf(' ');
        const QByteArrayView scheme =
            QByteArrayView(authorization).first(std::max<qsizetype>(space, 0));
        const bool basic = scheme.compare("Basic", Qt::CaseInsensitive) == 0;
        if (basic && QByteArray::fromBase64(authorization.mid(space + 1).trimmed()) == credentials)
            return textPlan(200, "authenticated\n");
        ResponsePlan plan = errorPlan(401, "credentials required");
        plan.headers.emplaceBack("WWW-Authenticate", "Basic realm=\"parafetch\"");
        return plan;
    }

    if (name == "resumable" && count == 2 && number(1, &first))
        return resumable(request, first, query, state);

    if (name == "set-cookie" && count == 2 && !segments.at(1).isEmpty()) {
        const QByteArray value = QByteArray::fromPercentEncoding(segments.at(1));
        if (!isFieldValue(value) || value.contains(';'))
            return errorPlan(400, "bad cookie value");
        ResponsePlan plan = textPlan(200, "cookie set\n");
        plan.headers.emplaceBack("Set-Cookie", "session=" + value + "; Path=/; HttpOnly");
        return plan;
    }

    return notFound();
}

} // namespace Parafetch::LoopbackDetail
