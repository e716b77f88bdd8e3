// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the loopback server's endpoint routing: plain requests in, planned answers out.
#include "server/loopbackendpoints.h"
#include "server/loopbackserver.h"

#include <QTest>

using namespace Parafetch;
using namespace Parafetch::LoopbackDetail;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * 1024;

// "GET /path" on the first line, then one "Name: value" header per line.
RecordedRequest parseRequest(const QByteArray &text)
{
    const QList<QByteArray> lines = text.split('\n');
    const QByteArray &requestLine = lines.constFirst();
    const qsizetype space = requestLine.indexOf(' ');
    RecordedRequest request;
    request.method = requestLine.left(space);
    request.target = requestLine.mid(space + 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        request.headers.emplaceBack(lines.at(i).left(colon), lines.at(i).mid(colon + 1).trimmed());
    }
    return request;
}

// The body bytes a GET would get.
QByteArray sentBody(const ResponsePlan &plan)
{
    switch (plan.bodyKind) {
    case BodyKind::Fixed:
        return plan.body;
    case BodyKind::Pattern:
    case BodyKind::Drip:
        return LoopbackServer::bodyBytes(0, plan.bodyLength);
    case BodyKind::Resumable:
        return LoopbackServer::resumableBytes(plan.bodyStart, plan.bodyLength);
    }
    return {};
}

QByteArray bodyKindName(const ResponsePlan &plan)
{
    switch (plan.bodyKind) {
    case BodyKind::Fixed:
        return "fixed";
    case BodyKind::Pattern:
        return "pattern";
    case BodyKind::Drip:
        return "drip every " + QByteArray::number(plan.dripIntervalMs) + " ms";
    case BodyKind::Resumable:
        return "resumable from " + QByteArray::number(plan.bodyStart);
    }
    return "?";
}

QByteArray endName(EndAction end)
{
    switch (end) {
    case EndAction::KeepAlive:
        return {};
    case EndAction::Close:
        return "then close";
    case EndAction::CloseQuietly:
        return "then close quietly";
    case EndAction::Hold:
        return "then hold";
    case EndAction::Reset:
        return "then reset";
    }
    return "?";
}

// The plan but its status and body on one line ("binary, pattern, after 10 ms"; the length only
// where it is not the body's), then the extra response headers, one per line.
QByteArray describe(const ResponsePlan &plan)
{
    QList<QByteArray> parts;
    if (plan.contentType == TextType)
        parts.append("text");
    else if (plan.contentType == BinaryType)
        parts.append("binary");
    else
        parts.append(plan.contentType);
    parts.append(bodyKindName(plan));
    if (!plan.sendContentLength)
        parts.append("no length");
    else if (plan.contentLength() != sentBody(plan).size())
        parts.append("announces " + QByteArray::number(plan.contentLength()));
    if (plan.delayMs > 0)
        parts.append("after " + QByteArray::number(plan.delayMs) + " ms");
    if (plan.end != EndAction::KeepAlive)
        parts.append(endName(plan.end));
    QByteArray text = parts.join(", ");
    for (const auto &field : plan.headers)
        text += '\n' + field.first + ": " + field.second;
    return text;
}

QByteArray pattern(qint64 size)
{
    return LoopbackServer::bodyBytes(0, size);
}

QByteArray resumable(qint64 offset, qint64 size)
{
    return LoopbackServer::resumableBytes(offset, size);
}

QByteArray error(int status, const QByteArray &reason, const QByteArray &detail)
{
    return QByteArray::number(status) + ' ' + reason + ": " + detail + '\n';
}

} // namespace

class TestLoopbackEndpoints : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routes_data();
    void routes();
    void indexListsTheEndpoints_data();
    void indexListsTheEndpoints();
    void bigHeadersFillTheAskedSize_data();
    void bigHeadersFillTheAskedSize();
    void flakyFailsThenSucceedsPerKey();
    void resumableCutsOnlyTheFirstRequestOfATag_data();
    void resumableCutsOnlyTheFirstRequestOfATag();
    void resumableChangingEntityTagIsNewPerRequest();
    void reasonPhrases_data();
    void reasonPhrases();
};

void TestLoopbackEndpoints::routes_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("plan");
    QTest::addColumn<QByteArray>("body");

    const QByteArray resumable1000 = "\nETag: \"resumable-1000\"\nAccept-Ranges: bytes";

    // Streamed bodies and their numbers.
    QTest::newRow("/bytes/0 is an empty pattern")
        << QByteArray("GET /bytes/0") << 200 << QByteArray("binary, pattern") << QByteArray();
    QTest::newRow("/bytes/30 wraps the alphabet")
        << QByteArray("GET /bytes/30") << 200 << QByteArray("binary, pattern")
        << QByteArray("abcdefghijklmnopqrstuvwxyzabcd");
    QTest::newRow("/bytes/abc is no endpoint")
        << QByteArray("GET /bytes/abc") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /bytes/abc");
    QTest::newRow("/bytes/-1: no sign")
        << QByteArray("GET /bytes/-1") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /bytes/-1");
    QTest::newRow("/bytes/ without a number")
        << QByteArray("GET /bytes/") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /bytes/");
    QTest::newRow("/bytes/ with 19 digits could overflow: no endpoint")
        << QByteArray("GET /bytes/1234567890123456789") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /bytes/1234567890123456789");
    QTest::newRow("/bytes/3 with a query ignores the query")
        << QByteArray("GET /bytes/3?x=1") << 200 << QByteArray("binary, pattern")
        << QByteArray("abc");
    QTest::newRow("/bytes/3/extra is no endpoint")
        << QByteArray("GET /bytes/3/extra") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /bytes/3/extra");

    // Delays and drips.
    QTest::newRow("/delay/10 is empty after 10 ms")
        << QByteArray("GET /delay/10") << 200 << QByteArray("text, fixed, after 10 ms")
        << QByteArray();
    QTest::newRow("/delay/10/bytes/5 is the pattern after 10 ms")
        << QByteArray("GET /delay/10/bytes/5") << 200 << QByteArray("binary, pattern, after 10 ms")
        << QByteArray("abcde");
    QTest::newRow("/delay/0 does not wait")
        << QByteArray("GET /delay/0") << 200 << QByteArray("text, fixed") << QByteArray();
    QTest::newRow("/delay of a day is allowed")
        << QByteArray("GET /delay/86400000") << 200 << QByteArray("text, fixed, after 86400000 ms")
        << QByteArray();
    QTest::newRow("/delay over a day is 400")
        << QByteArray("GET /delay/86400001") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "delay over a day");
    QTest::newRow("/delay/10/bites/5 is no endpoint")
        << QByteArray("GET /delay/10/bites/5") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /delay/10/bites/5");
    QTest::newRow("/delay/x is no endpoint")
        << QByteArray("GET /delay/x") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /delay/x");
    QTest::newRow("/drip/3/10 drips three bytes 10 ms apart")
        << QByteArray("GET /drip/3/10") << 200 << QByteArray("binary, drip every 10 ms")
        << QByteArray("abc");
    QTest::newRow("/drip with an interval over a day is 400")
        << QByteArray("GET /drip/3/86400001") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "interval over a day");
    QTest::newRow("/drip/3 without an interval is no endpoint")
        << QByteArray("GET /drip/3") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /drip/3");

    // Statuses.
    QTest::newRow("/status/404 has its reason phrase")
        << QByteArray("GET /status/404") << 404 << QByteArray("text, fixed")
        << QByteArray("404 Not Found\n");
    QTest::newRow("/status/200 is a plain success")
        << QByteArray("GET /status/200") << 200 << QByteArray("text, fixed")
        << QByteArray("200 OK\n");
    QTest::newRow("/status/299 has a placeholder phrase")
        << QByteArray("GET /status/299") << 299 << QByteArray("text, fixed")
        << QByteArray("299 Unknown\n");
    QTest::newRow("/status/204 has no body and no length")
        << QByteArray("GET /status/204") << 204 << QByteArray("text, fixed, no length")
        << QByteArray();
    QTest::newRow("/status/304 has no body and no length")
        << QByteArray("GET /status/304") << 304 << QByteArray("text, fixed, no length")
        << QByteArray();
    QTest::newRow("/status/503?retry-after=7 adds Retry-After")
        << QByteArray("GET /status/503?retry-after=7") << 503
        << QByteArray("text, fixed\nRetry-After: 7") << QByteArray("503 Service Unavailable\n");
    QTest::newRow("/status/429 with a percent-encoded HTTP date")
        << QByteArray("GET /status/429?retry-after=Wed,%2021%20Oct%202026%2007:28:00%20GMT") << 429
        << QByteArray("text, fixed\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT")
        << QByteArray("429 Too Many Requests\n");
    QTest::newRow("/status/503 with an empty retry-after is 400")
        << QByteArray("GET /status/503?retry-after=") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad retry-after");
    QTest::newRow("/status/503 with a line feed in retry-after is 400")
        << QByteArray("GET /status/503?retry-after=1%0A2") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad retry-after");
    QTest::newRow("/status/199 is out of range")
        << QByteArray("GET /status/199") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "status must be 200..599");
    QTest::newRow("/status/600 is out of range")
        << QByteArray("GET /status/600") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "status must be 200..599");

    // Redirects.
    QTest::newRow("/redirect/3 points to /redirect/2")
        << QByteArray("GET /redirect/3") << 302 << QByteArray("text, fixed\nLocation: /redirect/2")
        << QByteArray("redirecting to /redirect/2\n");
    QTest::newRow("/redirect/0 answers ok")
        << QByteArray("GET /redirect/0") << 200 << QByteArray("text, fixed") << QByteArray("ok");
    QTest::newRow("/redirect-loop points to itself")
        << QByteArray("GET /redirect-loop") << 302
        << QByteArray("text, fixed\nLocation: /redirect-loop")
        << QByteArray("redirecting to /redirect-loop\n");
    QTest::newRow("/redirect-to decodes an absolute URL")
        << QByteArray("GET /redirect-to?url=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc") << 302
        << QByteArray("text, fixed\nLocation: https://example.com/a?b=c")
        << QByteArray("redirecting to https://example.com/a?b=c\n");
    QTest::newRow("/redirect-to with status=307")
        << QByteArray("GET /redirect-to?status=307&url=/bytes/1") << 307
        << QByteArray("text, fixed\nLocation: /bytes/1") << QByteArray("redirecting to /bytes/1\n");
    QTest::newRow("/redirect-to with status=200 is 400")
        << QByteArray("GET /redirect-to?url=/&status=200") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "redirect status must be 300..399");
    QTest::newRow("/redirect-to without url is 400")
        << QByteArray("GET /redirect-to") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "redirect-to needs ?url=");
    QTest::newRow("/redirect-to with a CR in the url is 400")
        << QByteArray("GET /redirect-to?url=/a%0Db") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "redirect-to needs ?url=");

    // Faults.
    QTest::newRow("/reset/1000 announces 2000, sends 1000, then resets")
        << QByteArray("GET /reset/1000") << 200
        << QByteArray("binary, pattern, announces 2000, then reset") << pattern(1000);
    QTest::newRow("/truncate/1000 announces 2000, sends 1000, then closes")
        << QByteArray("GET /truncate/1000") << 200
        << QByteArray("binary, pattern, announces 2000, then close quietly") << pattern(1000);
    QTest::newRow("/truncate/0 announces one byte it never sends")
        << QByteArray("GET /truncate/0") << 200
        << QByteArray("binary, pattern, announces 1, then close quietly") << QByteArray();
    QTest::newRow("/chunked-close/5 is one chunk and no last chunk")
        << QByteArray("GET /chunked-close/5") << 200
        << QByteArray("binary, fixed, no length, then close quietly\nTransfer-Encoding: chunked")
        << QByteArray("5\r\nabcde\r\n");
    QTest::newRow("/chunked-close/30 writes the size in hex")
        << QByteArray("GET /chunked-close/30") << 200
        << QByteArray("binary, fixed, no length, then close quietly\nTransfer-Encoding: chunked")
        << QByteArray("1e\r\n" + pattern(30) + "\r\n");
    QTest::newRow("/chunked-close/0 sends nothing at all")
        << QByteArray("GET /chunked-close/0") << 200
        << QByteArray("binary, fixed, no length, then close quietly\nTransfer-Encoding: chunked")
        << QByteArray();
    QTest::newRow("/chunked-close over a chunk is 400")
        << QByteArray("GET /chunked-close/262145") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "at most 262144 bytes");
    QTest::newRow("/gzip-bomb/1 is a gzip stream of one MiB of zeros")
        << QByteArray("GET /gzip-bomb/1") << 200
        << QByteArray("binary, fixed\nContent-Encoding: gzip") << LoopbackServer::gzipBomb(MiB);
    QTest::newRow("/gzip-bomb/0 inflates to nothing")
        << QByteArray("GET /gzip-bomb/0") << 200
        << QByteArray("binary, fixed\nContent-Encoding: gzip") << LoopbackServer::gzipBomb(0);
    QTest::newRow("/gzip-bomb over 4096 MiB is 400")
        << QByteArray("GET /gzip-bomb/4097") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "at most 4096 MiB");
    QTest::newRow("/big-headers/1 is one filler field of one KiB")
        << QByteArray("GET /big-headers/1") << 200
        << QByteArray("text, fixed\nX-Filler-0: " + QByteArray(KiB - 14, 'x')) << QByteArray("ok");
    QTest::newRow("/big-headers/0 has no filler")
        << QByteArray("GET /big-headers/0") << 200 << QByteArray("text, fixed") << QByteArray("ok");
    QTest::newRow("/big-headers over 16 MiB is 400")
        << QByteArray("GET /big-headers/16385") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "at most 16384 KiB of headers");

    // /flaky without state: no failures asked for, or bad parameters.
    QTest::newRow("/flaky/k/0 never fails")
        << QByteArray("GET /flaky/k/0") << 200 << QByteArray("text, fixed") << QByteArray("ok");
    QTest::newRow("/flaky with status=200 is 400")
        << QByteArray("GET /flaky/k/1?status=200") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "flaky status must be 400..599");
    QTest::newRow("/flaky with an empty retry-after is 400")
        << QByteArray("GET /flaky/k/1?retry-after=") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad retry-after");
    QTest::newRow("/flaky without a key is no endpoint")
        << QByteArray("GET /flaky//1") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /flaky//1");

    // Echoes, names and credentials.
    QTest::newRow("/headers echoes the request headers in order")
        << QByteArray("GET /headers\nAccept: */*\nX-Test: a b") << 200 << QByteArray("text, fixed")
        << QByteArray("Accept: */*\nX-Test: a b\n");
    QTest::newRow("/headers without headers is empty")
        << QByteArray("GET /headers") << 200 << QByteArray("text, fixed") << QByteArray();
    QTest::newRow("/attachment/ decodes the name and escapes quote and backslash")
        << QByteArray("GET /attachment/a%20b%22c%5Cd") << 200
        << QByteArray("binary, fixed\n"
                      "Content-Disposition: attachment; filename=\"a b\\\"c\\\\d\"")
        << QByteArray("attachment");
    QTest::newRow("/attachment/ drops control characters")
        << QByteArray("GET /attachment/x%0D%0Ay.txt") << 200
        << QByteArray("binary, fixed\n"
                      "Content-Disposition: attachment; filename=\"xy.txt\"")
        << QByteArray("attachment");
    QTest::newRow("/attachment/ keeps slashes in the name")
        << QByteArray("GET /attachment/dir/file") << 200
        << QByteArray("binary, fixed\n"
                      "Content-Disposition: attachment; filename=\"dir/file\"")
        << QByteArray("attachment");
    QTest::newRow("/attachment/ without a name is no endpoint")
        << QByteArray("GET /attachment/") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /attachment/");
    QTest::newRow("/basic-auth without credentials is 401 with a challenge")
        << QByteArray("GET /basic-auth/u/p") << 401
        << QByteArray("text, fixed\nWWW-Authenticate: Basic realm=\"parafetch\"")
        << error(401, "Unauthorized", "credentials required");
    QTest::newRow("/basic-auth with the right credentials")
        << QByteArray("GET /basic-auth/u/p\nAuthorization: Basic dTpw") << 200
        << QByteArray("text, fixed") << QByteArray("authenticated\n");
    QTest::newRow("/basic-auth takes the scheme in any case")
        << QByteArray("GET /basic-auth/u/p\nauthorization: bAsIc dTpw") << 200
        << QByteArray("text, fixed") << QByteArray("authenticated\n");
    QTest::newRow("/basic-auth decodes the segments")
        << QByteArray("GET /basic-auth/a%20b/c%3Ad\nAuthorization: Basic YSBiOmM6ZA==") << 200
        << QByteArray("text, fixed") << QByteArray("authenticated\n");
    QTest::newRow("/basic-auth with wrong credentials is 401")
        << QByteArray("GET /basic-auth/u/p\nAuthorization: Basic dTpx") << 401
        << QByteArray("text, fixed\nWWW-Authenticate: Basic realm=\"parafetch\"")
        << error(401, "Unauthorized", "credentials required");
    QTest::newRow("/basic-auth with another scheme is 401")
        << QByteArray("GET /basic-auth/u/p\nAuthorization: Bearer dTpw") << 401
        << QByteArray("text, fixed\nWWW-Authenticate: Basic realm=\"parafetch\"")
        << error(401, "Unauthorized", "credentials required");
    QTest::newRow("/set-cookie/ sets the decoded value")
        << QByteArray("GET /set-cookie/a%20b") << 200
        << QByteArray("text, fixed\nSet-Cookie: session=a b; Path=/; HttpOnly")
        << QByteArray("cookie set\n");
    QTest::newRow("/set-cookie/ with a semicolon is 400")
        << QByteArray("GET /set-cookie/a%3Bb") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad cookie value");

    // /resumable: validators and ranges.
    QTest::newRow("/resumable/1000 is whole with its ETag")
        << QByteArray("GET /resumable/1000") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/1000 from 100 to the end is 206")
        << QByteArray("GET /resumable/1000\nRange: bytes=100-") << 206
        << QByteArray("binary, resumable from 100" + resumable1000
                      + "\nContent-Range: bytes 100-999/1000")
        << resumable(100, 900);
    QTest::newRow("/resumable/1000 bytes 100-199 is 206 with 100 bytes")
        << QByteArray("GET /resumable/1000\nRange: bytes=100-199") << 206
        << QByteArray("binary, resumable from 100" + resumable1000
                      + "\nContent-Range: bytes 100-199/1000")
        << resumable(100, 100);
    QTest::newRow("/resumable/1000 a range past the end is cut at the end")
        << QByteArray("GET /resumable/1000\nRange: bytes=900-5000") << 206
        << QByteArray("binary, resumable from 900" + resumable1000
                      + "\nContent-Range: bytes 900-999/1000")
        << resumable(900, 100);
    QTest::newRow("/resumable/1000 a range from the end is 416")
        << QByteArray("GET /resumable/1000\nRange: bytes=1000-") << 416
        << QByteArray("text, fixed" + resumable1000 + "\nContent-Range: bytes */1000")
        << error(416, "Range Not Satisfiable", "the range starts past the end");
    QTest::newRow("/resumable/1000 a suffix range is ignored")
        << QByteArray("GET /resumable/1000\nRange: bytes=-100") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/1000 a backwards range is ignored")
        << QByteArray("GET /resumable/1000\nRange: bytes=500-400") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/1000 two ranges are ignored")
        << QByteArray("GET /resumable/1000\nRange: bytes=0-1,5-6") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/1000 another unit is ignored")
        << QByteArray("GET /resumable/1000\nRange: items=1-") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/1000 If-Range with the ETag resumes")
        << QByteArray("GET /resumable/1000\nRange: bytes=10-\nIf-Range: \"resumable-1000\"") << 206
        << QByteArray("binary, resumable from 10" + resumable1000
                      + "\nContent-Range: bytes 10-999/1000")
        << resumable(10, 990);
    QTest::newRow("/resumable/1000 If-Range with another ETag is whole")
        << QByteArray("GET /resumable/1000\nRange: bytes=10-\nIf-Range: \"old\"") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/1000 If-Range with a weak ETag is whole")
        << QByteArray("GET /resumable/1000\nRange: bytes=10-\nIf-Range: W/\"resumable-1000\"")
        << 200 << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/10?etag=v2 names its ETag")
        << QByteArray("GET /resumable/10?etag=v2") << 200
        << QByteArray("binary, resumable from 0\nETag: \"v2\"\nAccept-Ranges: bytes")
        << resumable(0, 10);
    QTest::newRow("/resumable/10 with a quote in the etag is 400")
        << QByteArray("GET /resumable/10?etag=a%22b") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad etag");
    QTest::newRow("/resumable/10 with an empty etag is 400")
        << QByteArray("GET /resumable/10?etag=") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad etag");
    QTest::newRow("/resumable/1000?cut=100 announces all, sends 100, then closes")
        << QByteArray("GET /resumable/1000?cut=100") << 200
        << QByteArray("binary, resumable from 0, announces 1000, then close quietly"
                      + resumable1000)
        << resumable(0, 100);
    QTest::newRow("/resumable/1000?stall=100 announces all, sends 100, then holds")
        << QByteArray("GET /resumable/1000?stall=100") << 200
        << QByteArray("binary, resumable from 0, announces 1000, then hold" + resumable1000)
        << resumable(0, 100);
    QTest::newRow("/resumable/1000?cut=100 from 500 cuts 100 bytes into the range")
        << QByteArray("GET /resumable/1000?cut=100\nRange: bytes=500-") << 206
        << QByteArray("binary, resumable from 500, announces 500, then close quietly"
                      + resumable1000 + "\nContent-Range: bytes 500-999/1000")
        << resumable(500, 100);
    QTest::newRow("/resumable/1000?cut=1000 cuts nothing")
        << QByteArray("GET /resumable/1000?cut=1000") << 200
        << QByteArray("binary, resumable from 0" + resumable1000) << resumable(0, 1000);
    QTest::newRow("/resumable/10 with a bad cut is 400")
        << QByteArray("GET /resumable/10?cut=x") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad cut");
    QTest::newRow("/resumable/10 with a bad stall is 400")
        << QByteArray("GET /resumable/10?stall=-1") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "bad stall");

    // Targets, methods and unknown paths.
    QTest::newRow("an unknown path is 404, named without its query")
        << QByteArray("GET /nope?x=1") << 404 << QByteArray("text, fixed")
        << error(404, "Not Found", "no such endpoint: /nope");
    QTest::newRow("an absolute-form target is routed by its path")
        << QByteArray("GET http://127.0.0.1:8080/bytes/3") << 200 << QByteArray("binary, pattern")
        << QByteArray("abc");
    QTest::newRow("an asterisk target is 400")
        << QByteArray("GET *") << 400 << QByteArray("text, fixed")
        << error(400, "Bad Request", "the target must be a path");
    QTest::newRow("HEAD gets the answer GET gets")
        << QByteArray("HEAD /bytes/5") << 200 << QByteArray("binary, pattern")
        << QByteArray("abcde");
    QTest::newRow("DELETE is 405 and names the allowed methods")
        << QByteArray("DELETE /bytes/5") << 405 << QByteArray("text, fixed\nAllow: GET, HEAD")
        << error(405, "Method Not Allowed", "only GET and HEAD");
    QTest::newRow("methods are case-sensitive: get is 405")
        << QByteArray("get /bytes/5") << 405 << QByteArray("text, fixed\nAllow: GET, HEAD")
        << error(405, "Method Not Allowed", "only GET and HEAD");
}

void TestLoopbackEndpoints::routes()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, plan);
    QFETCH(QByteArray, body);

    EndpointState state;
    const ResponsePlan answer = route(parseRequest(request), &state);
    QCOMPARE(answer.status, status);
    QCOMPARE(describe(answer), plan);
    QCOMPARE(sentBody(answer), body);
}

void TestLoopbackEndpoints::indexListsTheEndpoints_data()
{
    QTest::addColumn<QByteArray>("target");

    QTest::newRow("/") << QByteArray("/");
    QTest::newRow("/ with a query") << QByteArray("/?x=1");
    QTest::newRow("an absolute-form target without a path") << QByteArray("http://127.0.0.1:8080");
}

void TestLoopbackEndpoints::indexListsTheEndpoints()
{
    QFETCH(QByteArray, target);

    EndpointState state;
    const ResponsePlan answer = route(parseRequest("GET " + target), &state);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.contentType, TextType.toByteArray());
    QVERIFY(answer.body.startsWith("Parafetch loopback server. Endpoints (GET and HEAD):\n"));
    for (const char *endpoint :
         { "/bytes/<n>", "/delay/<ms>/bytes/<n>", "/status/<code>", "/redirect/<k>",
           "/redirect-loop", "/redirect-to?url=U", "/drip/<n>/<ms>", "/reset/<n>", "/truncate/<n>",
           "/flaky/<key>/<failures>", "/headers", "/attachment/<name>", "/big-headers/<kb>",
           "/gzip-bomb/<mb>", "/chunked-close/<n>", "/basic-auth/<user>/<pass>",
           "/set-cookie/<value>", "/resumable/<n>" }) {
        QVERIFY2(answer.body.contains(QByteArray("\n") + endpoint + ' '), endpoint);
    }
}

void TestLoopbackEndpoints::bigHeadersFillTheAskedSize_data()
{
    QTest::addColumn<qint64>("kib");
    QTest::addColumn<int>("fields");

    QTest::newRow("one KiB is one field") << qint64(1) << 1;
    QTest::newRow("8 KiB is one full field") << qint64(8) << 1;
    QTest::newRow("17 KiB is two full fields and one of 1 KiB") << qint64(17) << 3;
    QTest::newRow("the limit, 16 MiB, is 2048 fields") << qint64(16 * 1024) << 2048;
}

void TestLoopbackEndpoints::bigHeadersFillTheAskedSize()
{
    QFETCH(qint64, kib);
    QFETCH(int, fields);

    EndpointState state;
    const ResponsePlan answer =
        route(parseRequest("GET /big-headers/" + QByteArray::number(kib)), &state);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.headers.size(), fields);
    qint64 total = 0;
    for (qsizetype i = 0; i < answer.headers.size(); ++i) {
        const auto &field = answer.headers.at(i);
        QCOMPARE(field.first, "X-Filler-" + QByteArray::number(i));
        QVERIFY(field.second.count('x') == field.second.size());
        // Name, ": ", value and CRLF, as on the wire.
        const qint64 onTheWire = field.first.size() + 2 + field.second.size() + 2;
        QVERIFY(onTheWire <= LoopbackServer::BigHeaderFieldBytes);
        total += onTheWire;
    }
    QCOMPARE(total, kib * KiB);
}

void TestLoopbackEndpoints::flakyFailsThenSucceedsPerKey()
{
    EndpointState state;
    const auto statusOf = [&state](const QByteArray &target) {
        return route(parseRequest("GET " + target), &state).status;
    };

    const ResponsePlan first = route(parseRequest("GET /flaky/a/2"), &state);
    QCOMPARE(first.status, 503);
    QCOMPARE(describe(first), QByteArray("text, fixed\nRetry-After: 0"));
    QCOMPARE(first.body, error(503, "Service Unavailable", "flaky, try again"));
    QCOMPARE(statusOf("/flaky/a/2"), 503);
    QCOMPARE(statusOf("/flaky/a/2"), 200);
    QCOMPARE(statusOf("/flaky/a/2"), 200);

    // Another key counts on its own; the status and Retry-After come from the query.
    const ResponsePlan other =
        route(parseRequest("GET /flaky/b/1?status=429&retry-after=3"), &state);
    QCOMPARE(other.status, 429);
    QCOMPARE(describe(other), QByteArray("text, fixed\nRetry-After: 3"));
    QCOMPARE(statusOf("/flaky/b/1?status=429&retry-after=3"), 200);

    // A request with a bad query is refused before it counts.
    QCOMPARE(statusOf("/flaky/c/1?status=600"), 400);
    QCOMPARE(statusOf("/flaky/c/1"), 503);

    state.clearHits();
    QCOMPARE(statusOf("/flaky/a/2"), 503);
}

void TestLoopbackEndpoints::resumableCutsOnlyTheFirstRequestOfATag_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("ending");

    QTest::newRow("cut closes the first request quietly")
        << QByteArray("cut=10") << QByteArray("then close quietly");
    QTest::newRow("stall holds the first request")
        << QByteArray("stall=10") << QByteArray("then hold");
}

void TestLoopbackEndpoints::resumableCutsOnlyTheFirstRequestOfATag()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, ending);

    EndpointState state;
    const auto plan = [&state](const QByteArray &target) {
        return describe(route(parseRequest("GET " + target), &state));
    };
    const QByteArray etag = "\nETag: \"resumable-100\"\nAccept-Ranges: bytes";
    const QByteArray cut = "binary, resumable from 0, announces 100, " + ending + etag;
    const QByteArray whole = "binary, resumable from 0" + etag;

    const ResponsePlan first = route(parseRequest("GET /resumable/100?tag=t&" + query), &state);
    QCOMPARE(describe(first), cut);
    QCOMPARE(sentBody(first), resumable(0, 10));
    QCOMPARE(plan("/resumable/100?tag=t&" + query), whole);
    QCOMPARE(plan("/resumable/100?tag=u&" + query), cut);
    QCOMPARE(plan("/resumable/100?tag=u&" + query), whole);
    // Without a tag every request is cut.
    QCOMPARE(plan("/resumable/100?" + query), cut);
    QCOMPARE(plan("/resumable/100?" + query), cut);

    state.clearHits();
    QCOMPARE(plan("/resumable/100?tag=t&" + query), cut);
}

void TestLoopbackEndpoints::resumableChangingEntityTagIsNewPerRequest()
{
    EndpointState state;
    const auto entityTag = [&state](const QByteArray &target) {
        const ResponsePlan answer = route(parseRequest("GET " + target), &state);
        return answer.headers.constFirst().second;
    };
    QCOMPARE(entityTag("/resumable/10?changing=1"), QByteArray("\"resumable-10-1\""));
    QCOMPARE(entityTag("/resumable/10?changing=1"), QByteArray("\"resumable-10-2\""));
    QCOMPARE(entityTag("/resumable/10?changing=1&etag=v"), QByteArray("\"v-3\""));
    QCOMPARE(entityTag("/resumable/10?changing=0"), QByteArray("\"resumable-10\""));

    // The ETag of this very request is never the one a client saw before.
    const ResponsePlan answer = route(
        parseRequest("GET /resumable/10?changing=1\nRange: bytes=5-\nIf-Range: \"resumable-10-2\""),
        &state);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.headers.constFirst().second, QByteArray("\"resumable-10-4\""));

    // Clearing the hit counts does not reuse a serial.
    state.clearHits();
    QCOMPARE(entityTag("/resumable/10?changing=1"), QByteArray("\"resumable-10-5\""));
}

void TestLoopbackEndpoints::reasonPhrases_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("200") << 200 << QByteArray("OK");
    QTest::newRow("206") << 206 << QByteArray("Partial Content");
    QTest::newRow("302") << 302 << QByteArray("Found");
    QTest::newRow("416") << 416 << QByteArray("Range Not Satisfiable");
    QTest::newRow("418, which clients like to test with") << 418 << QByteArray("I'm a teapot");
    QTest::newRow("511") << 511 << QByteArray("Network Authentication Required");
    QTest::newRow("an unnamed status") << 299 << QByteArray("Unknown");
}

void TestLoopbackEndpoints::reasonPhrases()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reason);

    QCOMPARE(reasonPhrase(status), reason);
}

QTEST_GUILESS_MAIN(TestLoopbackEndpoints)

#include "tst_loopbackendpoints.moc"
