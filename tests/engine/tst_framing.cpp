// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.1 framing from hostile and odd-but-valid servers, over TCP and TLS: outcome, bytes, files.
#include "compression.h"
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "scriptedserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

using Script = ScriptedServer::Script;
using S = ScriptedServer;

// Short, so that a response the client waits on for ever fails the row instead of the run.
constexpr int IdleTimeoutMs = 2000;
// Between two sends that must leave as separate TCP segments.
constexpr int SegmentPauseMs = 20;
// The contract's limit on a response head (status line and fields), and sizes either side of it.
constexpr int KiB = 1024;
constexpr int AcceptedHeadKiB = 250;
constexpr int RejectedHeadKiB = 300;
// Few and large filler fields, so that only the size of the whole head is in question, not the
// number of fields or the size of one.
constexpr int FillerFieldBytes = 10 * KiB;
constexpr int CompressiblePayloadBytes = 20'000;

// With an extension: a name from the URL without one would get its Content-Type's.
const QByteArray BodyPath = QByteArrayLiteral("/body.bin");
const QString BodyFile = QStringLiteral("body.bin");
const QByteArray SecondPath = QByteArrayLiteral("/second");
const QString SecondFile = QStringLiteral("second");
const QByteArray SecondBody = QByteArrayLiteral("second");
const QByteArray Hello = QByteArrayLiteral("hello");
// Every row runs over TCP, then again over TLS under this prefix: our TLS route must hold the
// bytes inside to the same rules.
const QByteArray TlsRowPrefix = QByteArrayLiteral("https: ");

// What one row expects of the job for BodyPath. bytes -1: not checked, because the count at the
// moment of failure depends on how the decoder buffers (a chunk or a compressed block cut short).
struct Outcome
{
    JobState state = JobState::Succeeded;
    QString kind; // errorKindName(); empty for success
    QString fragment; // in the error text, case-insensitive; empty for success
    qint64 bytes = 0;
    QByteArray body; // what must be saved, decoded (successes only)
};

Outcome succeeds(const QByteArray &body)
{
    return { JobState::Succeeded, QString(), QString(), body.size(), body };
}

Outcome fails(const char *kind, const char *fragment, qint64 bytes = 0)
{
    return { JobState::Failed, QLatin1String(kind), QLatin1String(fragment), bytes, {} };
}

Outcome protocolError(const char *fragment, qint64 bytes = 0)
{
    return fails("protocol", fragment, bytes);
}

// How the row fetches: the method, and whether a second URL follows on the same server.
struct Fetch
{
    bool head = false;
    // /second is fetched after /body (one lane, in order) and must get its own bytes.
    bool followUp = false;
    // ...and must not arrive on the connection /body was answered on.
    bool newConnection = false;
};
const Fetch HeadOnly { true, false, false };
const Fetch ThenSecond { false, true, false };
const Fetch ThenSecondOnNewConnection { false, true, true };

// Text that compresses, but not into nothing: the decoders see several blocks.
QByteArray compressiblePayload()
{
    QByteArray payload;
    for (int line = 0; payload.size() < CompressiblePayloadBytes; ++line)
        payload += "line " + QByteArray::number(line) + " of a body that gzip has to work on, "
            + QByteArray::number(line * 7919 % 1000) + "\n";
    payload.truncate(CompressiblePayloadBytes);
    return payload;
}

// A head of about `kib` KiB: the status line and filler fields, then Content-Length: 5.
QByteArray bigHead(int kib)
{
    QByteArray head = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; head.size() < kib * KiB - FillerFieldBytes; ++i) {
        const QByteArray name = "X-Filler-" + QByteArray::number(i) + ": ";
        head += name + QByteArray(FillerFieldBytes - name.size() - 2, 'f') + "\r\n";
    }
    return head + "Content-Length: 5\r\n\r\n";
}

QByteArray withContentLength(const QByteArray &encoding, const QByteArray &body)
{
    return "HTTP/1.1 200 OK\r\nContent-Encoding: " + encoding
        + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray flipped(QByteArray bytes, qsizetype index)
{
    bytes[index] = char(bytes.at(index) ^ 0x5a);
    return bytes;
}

QByteArray sha256(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

QStringList filesIn(const QString &path)
{
    return QDir(path).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

QByteArray contentsOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<unreadable>");
}

// The answer to /second: plain, keep-alive.
Script secondScript()
{
    return { S::send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n" + SecondBody), S::next() };
}

// The HTTP version the scripted response claims: the job's protocol must name it.
QByteArray versionOf(const Script &script)
{
    for (const ScriptedServer::Step &step : script) {
        if (step.kind == ScriptedServer::Step::Kind::Send)
            return step.bytes.startsWith("HTTP/1.0 ") ? "http/1.0" : "http/1.1";
    }
    return {};
}

} // namespace

Q_DECLARE_METATYPE(Outcome)

class TestFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void hostileResponses_data();
    void hostileResponses();
    void oddButValidResponses_data();
    void oddButValidResponses();
    void cookiesAreNeitherKeptNorSent_data();
    void cookiesAreNeitherKeptNorSent();
    void tlsWithoutAlpnIsSpokenHttp11();
    void scriptedServerServesIPv6Loopback();

private:
    void runRow();
    void addColumns();
    void addRowsOverEachTransport(void (TestFraming::*rows)());
    void addHostileRows();
    void addOddButValidRows();
    void addRow(const char *name, const Script &script, const Outcome &outcome, Fetch fetch = {});
    // Empty on success, else why the server did not start.
    QString startServer(bool tls, const QList<QByteArray> &alpn = { "http/1.1" });
    FetchOptions options(int concurrency) const;

    std::unique_ptr<ScriptedServer> m_server;
    bool m_rowsOverTls = false; // while the data functions add rows
};

void TestFraming::init()
{
    m_server.reset();
}

QString TestFraming::startServer(bool tls, const QList<QByteArray> &alpn)
{
    m_server = std::make_unique<ScriptedServer>();
    if (tls
        && !m_server->setTls(tlsFile(QStringLiteral("server.pem")),
                             tlsFile(QStringLiteral("server.key")), alpn))
        return m_server->errorString();
    return m_server->listen() ? QString() : m_server->errorString();
}

// The test CA is trusted only where the server speaks TLS; the engine otherwise as a user has it.
FetchOptions TestFraming::options(int concurrency) const
{
    FetchOptions options = testOptions(concurrency);
    if (m_server && m_server->isTls())
        options.caFile = tlsFile(QStringLiteral("ca.pem"));
    return options;
}

void TestFraming::addColumns()
{
    QTest::addColumn<bool>("tls");
    QTest::addColumn<Script>("script");
    QTest::addColumn<bool>("head");
    QTest::addColumn<bool>("followUp");
    QTest::addColumn<bool>("newConnection");
    QTest::addColumn<Outcome>("outcome");
}

void TestFraming::addRowsOverEachTransport(void (TestFraming::*rows)())
{
    for (const bool tls : { false, true }) {
        m_rowsOverTls = tls;
        (this->*rows)();
    }
    m_rowsOverTls = false;
}

void TestFraming::addRow(const char *name, const Script &script, const Outcome &outcome,
                         Fetch fetch)
{
    const QByteArray tag = m_rowsOverTls ? TlsRowPrefix + name : QByteArray(name);
    QTest::newRow(tag.constData()) << m_rowsOverTls << script << fetch.head << fetch.followUp
                                   << fetch.newConnection << outcome;
}

// Must fail: one attempt, the kind and words below, and nothing left in the output folder.
// Where the fault is in the head, or the bytes alone show it, the server then holds the
// connection open and silent: the client must see the fault, not wait for a close.
void TestFraming::hostileResponses_data()
{
    addColumns();
    addRowsOverEachTransport(&TestFraming::addHostileRows);
}

void TestFraming::addHostileRows()
{
    const QByteArray chunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    // Chunk sizes (RFC 9112 section 7.1: chunk-size = 1*HEXDIG).
    addRow("chunk size that is not hexadecimal (zz)",
           { S::send(chunkedHead + "zz\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk size"));
    addRow("empty chunk size line", { S::send(chunkedHead + "\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk size"));
    addRow("chunk size with a plus sign (+5)",
           { S::send(chunkedHead + "+5\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk size"));
    addRow("chunk size with a minus sign (-5)",
           { S::send(chunkedHead + "-5\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk size"));
    addRow("chunk size with a 0x prefix",
           { S::send(chunkedHead + "0x5\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk size"));
    // 2^64 + 5: a parser that wraps reads a 5-byte chunk.
    addRow("chunk size overflowing 64 bits",
           { S::send(chunkedHead + "10000000000000005\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk size"));
    addRow("chunk data longer than its size (no CRLF where the chunk ends)",
           { S::send(chunkedHead + "3\r\nhello\r\n0\r\n\r\n"), S::hold() },
           protocolError("invalid chunk", -1));

    // The last chunk never came (RFC 9112 section 8).
    addRow("closed right after the head of a chunked response",
           { S::send(chunkedHead), S::close() }, fails("truncated", "last chunk"));
    addRow("closed in the middle of a chunk", { S::send(chunkedHead + "5\r\nhel"), S::close() },
           fails("truncated", "last chunk", -1));
    addRow("closed between two chunks", { S::send(chunkedHead + "5\r\nhello\r\n"), S::close() },
           fails("truncated", "last chunk", 5));

    addRow("body shorter than Content-Length, then close",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"), S::close() },
           fails("truncated", "connection closed after 5 of 10 body bytes", 5));

    // Compressed bodies cut short, or not what they claim to be.
    const QByteArray payload = compressiblePayload();
    const QByteArray gzipped = gzip(payload);
    const QByteArray halfGzip = gzipped.left(gzipped.size() / 2);
    addRow("gzip cut short, with a Content-Length of the bytes sent",
           { S::send(withContentLength("gzip", halfGzip)), S::hold() },
           fails("truncated", "cut short", -1));
    addRow("gzip cut short, delimited by the close",
           { S::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + halfGzip), S::close() },
           fails("truncated", "cut short", -1));
    addRow("gzip without its 8-byte trailer",
           { S::send(withContentLength("gzip", gzipped.chopped(8))), S::hold() },
           fails("truncated", "cut short", -1));
    const QByteArray zlibbed = zlibDeflate(payload);
    addRow("deflate (zlib) cut short",
           { S::send(withContentLength("deflate", zlibbed.left(zlibbed.size() / 2))), S::hold() },
           fails("truncated", "cut short", -1));
    const QByteArray raw = rawDeflate(payload);
    addRow("raw deflate cut short",
           { S::send(withContentLength("deflate", raw.left(raw.size() / 2))), S::hold() },
           fails("truncated", "cut short", -1));
    addRow("gzip with a wrong CRC-32 in its trailer",
           { S::send(withContentLength("gzip", flipped(gzipped, gzipped.size() - 8))), S::hold() },
           protocolError("corrupt", -1));
    addRow("gzip with a wrong length in its trailer",
           { S::send(withContentLength("gzip", flipped(gzipped, gzipped.size() - 4))), S::hold() },
           protocolError("corrupt", -1));
    addRow("not gzip at all under Content-Encoding: gzip",
           { S::send(withContentLength("gzip", "this is plain text, not gzip")), S::hold() },
           protocolError("corrupt", -1));
    addRow(
        "zlib deflate with a wrong Adler-32",
        { S::send(withContentLength("deflate", flipped(zlibbed, zlibbed.size() - 1))), S::hold() },
        protocolError("corrupt", -1));
    // 0xff: not a zlib header (CM 15), and as raw deflate a block of the reserved type 3.
    addRow("neither zlib nor raw deflate under Content-Encoding: deflate",
           { S::send(withContentLength("deflate", QByteArray(16, '\xff'))), S::hold() },
           protocolError("corrupt", -1));

    // Transfer codings: we send no TE header, so chunked is the only one a server may use
    // (RFC 9112 sections 6.1 and 7), and only once.
    addRow("Transfer-Encoding: foo",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nhello"), S::close() },
           protocolError("transfer coding"));
    addRow("Transfer-Encoding: gzip alone",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n" + gzipped), S::close() },
           protocolError("transfer coding"));
    addRow("Transfer-Encoding: gzip, chunked (gzip not asked for)",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                     + S::chunked({ gzipped })),
             S::hold() },
           protocolError("transfer coding"));
    addRow("Transfer-Encoding: chunked, gzip (chunked not last)",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                     + S::chunked({ Hello })),
             S::close() },
           protocolError("transfer coding"));
    addRow("Transfer-Encoding: chunked, chunked (chunked applied twice)",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
                     + S::chunked({ Hello })),
             S::hold() },
           protocolError("transfer coding"));
    addRow("two Transfer-Encoding: chunked fields",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
                     "chunked\r\n\r\n"
                     + S::chunked({ Hello })),
             S::hold() },
           protocolError("transfer coding"));

    // Content codings we never offered and cannot decode.
    addRow("Content-Encoding: br", { S::send(withContentLength("br", Hello)), S::hold() },
           protocolError("content coding"));
    addRow("Content-Encoding: foo", { S::send(withContentLength("foo", Hello)), S::hold() },
           protocolError("content coding"));

    // Content-Length (RFC 9110 section 8.6, RFC 9112 section 6.3).
    addRow("two Content-Length fields with different values",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello"),
             S::hold() },
           protocolError("conflicting Content-Length"));
    addRow("Content-Length: 5, 7",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\nhello"), S::hold() },
           protocolError("conflicting Content-Length"));
    const char *invalidLengths[][2] = {
        { "Content-Length: -6", "-6" },   { "Content-Length: crap", "crap" },
        { "Content-Length: 5x", "5x" },   { "Content-Length: (empty)", "" },
        { "Content-Length: +5", "+5" },   { "Content-Length: 0x5", "0x5" },
        { "Content-Length: 5 5", "5 5" }, { "Content-Length past 2^64", "36893488147419103232" },
    };
    for (const auto &[name, value] : invalidLengths) {
        addRow(
            name,
            { S::send("HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray(value) + "\r\n\r\nhello"),
              S::hold() },
            protocolError("invalid Content-Length"));
    }

    addRow("206 Partial Content to a request without Range",
           { S::send("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\n"
                     "Content-Length: 5\r\n\r\nhello"),
             S::hold() },
           protocolError("206"));

    // Status lines (RFC 9112 section 4: HTTP-version SP 3DIGIT SP [reason-phrase]; RFC 9110
    // section 15: 100..599).
    const char *statusLines[][2] = {
        { "status line HTTP/1.1 -12 Bad", "HTTP/1.1 -12 Bad" },
        { "status line HTTP/1.1 2000 OK", "HTTP/1.1 2000 OK" },
        { "status line HTTP/1.1 20 OK", "HTTP/1.1 20 OK" },
        { "status line HTTP/1.1 699 X", "HTTP/1.1 699 X" },
        { "status line FOO/1.1 200 OK", "FOO/1.1 200 OK" },
        { "status line garbage", "garbage" },
        { "status line http/1.1 200 OK (the name is case-sensitive)", "http/1.1 200 OK" },
        { "status line HTTP/1.10 200 OK", "HTTP/1.10 200 OK" },
        { "status line HTTP/1.1 200OK (no space after the code)", "HTTP/1.1 200OK" },
        { "status line with a 100-digit status code",
          "HTTP/1.1 0123456789012345678901234567890123456789012345678901234567890123456789012345"
          "678901234567890123 OK" },
    };
    for (const auto &[name, line] : statusLines) {
        addRow(name,
               { S::send(QByteArray(line) + "\r\nContent-Length: 5\r\n\r\nhello"), S::hold() },
               protocolError("invalid status line"));
    }
    addRow("a reply that is not HTTP, then close", { S::send("HTTPr\n"), S::close() },
           protocolError("invalid status line"));

    // Header fields (RFC 9110 section 5, RFC 9112 sections 2.2 and 5).
    const QList<QPair<const char *, QByteArray>> badFields = {
        { "a header line without a colon", "Server test-server/fake\r\n" },
        { "whitespace between field name and colon", "Content-Length : 5\r\n" },
        { "a field name a token cannot be (X(Y))", "X(Y): z\r\n" },
        { "an empty field name", ": value\r\n" },
        { "whitespace before the first field line", " Date: today\r\n" },
        { "a NUL in a field value", QByteArray("X-Nul: a\0b\r\n", 12) },
        { "a bare CR in a field value", "Server: test\rfake\r\n" },
    };
    for (const auto &[name, line] : badFields) {
        addRow(
            name,
            { S::send("HTTP/1.1 200 OK\r\n" + line + "Content-Length: 5\r\n\r\nhello"), S::hold() },
            protocolError("invalid header"));
    }
    addRow("a trailer line without a colon",
           { S::send(chunkedHead + S::chunked({ Hello }, "\r\n", { "not a field" })), S::hold() },
           protocolError("invalid trailer", 5));

    // Limits on the head: the whole of it, one field, a line that never ends.
    addRow("a response head over 256 KiB", { S::send(bigHead(RejectedHeadKiB) + Hello), S::hold() },
           protocolError("too large"));
    addRow("one field of 300 KiB",
           { S::send("HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(RejectedHeadKiB * KiB, 'b')
                     + "\r\nContent-Length: 5\r\n\r\nhello"),
             S::hold() },
           protocolError("too large"));
    addRow("a status line that never ends (300 KiB, no line break)",
           { S::send("HTTP/1.1 200 " + QByteArray(RejectedHeadKiB * KiB, 'x')), S::hold() },
           protocolError("too large"));

    // The connection ends before there is a response to judge.
    addRow("head without its empty line, then close",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"), S::close() },
           fails("connection-closed", "connection closed"));
    addRow("closed without a byte", { S::close() },
           fails("connection-closed", "connection closed"));

    // Not a protocol error, but a body it must not wait for (RFC 9112 section 6.3).
    addRow("304 with a Content-Length and no body",
           { S::send("HTTP/1.1 304 Not Modified\r\nContent-Length: 677777\r\n\r\n"), S::hold() },
           fails("http-status", "HTTP 304"));
}

void TestFraming::hostileResponses()
{
    runRow();
}

// Must succeed with exactly the bytes the server meant.
void TestFraming::oddButValidResponses_data()
{
    addColumns();
    addRowsOverEachTransport(&TestFraming::addOddButValidRows);
}

void TestFraming::addOddButValidRows()
{
    const QByteArray helloResponse = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    // Interim responses (RFC 9110 section 15.2): skipped, whatever their headers.
    addRow("103 Early Hints with Link headers before the 200",
           { S::send("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n"
                     "Link: </app.js>; rel=preload; as=script\r\n\r\n"
                     + helloResponse),
             S::next() },
           succeeds(Hello));
    addRow("100 Continue before the 200",
           { S::send("HTTP/1.1 100 Continue\r\n\r\n" + helloResponse), S::next() },
           succeeds(Hello));
    addRow("102 Processing before the 200",
           { S::send("HTTP/1.1 102 Processing\r\n\r\n" + helloResponse), S::next() },
           succeeds(Hello));
    addRow("several 1xx in a row, each its own segment",
           { S::send("HTTP/1.1 100 Continue\r\n\r\n"), S::pause(SegmentPauseMs),
             S::send("HTTP/1.1 102 Processing\r\n\r\n"), S::pause(SegmentPauseMs),
             S::send("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"),
             S::pause(SegmentPauseMs), S::send(helloResponse), S::next() },
           succeeds(Hello));
    addRow("an unassigned 1xx (104) before the 200",
           { S::send("HTTP/1.1 104 Experiment\r\nServer: odd\r\n\r\n" + helloResponse), S::next() },
           succeeds(Hello));

    // Close-delimited bodies (RFC 9112 section 6.3, item 8).
    addRow("HTTP/1.0 with no header fields at all, then close",
           { S::send("HTTP/1.0 200 OK\r\n\r\nbody"), S::close() }, succeeds("body"));
    addRow("HTTP/1.1 with neither Content-Length nor Transfer-Encoding, then close",
           { S::send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello"), S::close() },
           succeeds(Hello));

    // Responses that have no body whatever their fields say (RFC 9112 section 6.3, item 1).
    addRow("204 with Content-Length: 10 and no body; the connection stays usable",
           { S::send("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"), S::next() },
           succeeds({}), ThenSecond);
    addRow("204 with Transfer-Encoding: chunked and no body; the connection stays usable",
           { S::send("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"), S::next() },
           succeeds({}), ThenSecond);
    addRow("HEAD with Content-Length: 1000 and no body",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"), S::hold() }, succeeds({}),
           HeadOnly);
    addRow("HEAD with Transfer-Encoding: chunked and no body",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), S::hold() },
           succeeds({}), HeadOnly);

    // Chunked oddities (RFC 9112 section 7.1).
    addRow("chunked with bare LF line endings everywhere",
           { S::send("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nServer: lf\n\n"
                     + S::chunked({ "hel", "lo" }, "\n", { "X-Trailer: yes" })),
             S::next() },
           succeeds(Hello));
    addRow("chunk extensions",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello"
                     "\r\n6;a=1;b=\"two; three\"\r\n world\r\n0;last\r\n\r\n"),
             S::next() },
           succeeds("hello world"));
    addRow("a chunk extension after bad whitespace (5 ; a=b)",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a=b\r\nhello\r\n"
                     "0\r\n\r\n"),
             S::next() },
           succeeds(Hello));
    addRow("trailer fields after the last chunk",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + S::chunked({ "hel", "lo" }, "\r\n", { "X-Checksum: abc", "X-Other: 1" })),
             S::next() },
           succeeds(Hello));
    addRow("chunk sizes with leading zeros and upper-case hex digits",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000A\r\n0123456789"
                     "\r\n00\r\n\r\n"),
             S::next() },
           succeeds("0123456789"));
    addRow("chunks split across TCP segments, inside size lines and CRLFs",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
             S::pause(SegmentPauseMs), S::send("5\r"), S::pause(SegmentPauseMs), S::send("\nhel"),
             S::pause(SegmentPauseMs), S::send("lo\r"), S::pause(SegmentPauseMs), S::send("\n1"),
             S::pause(SegmentPauseMs), S::send("1\r\n0123456789ABCDEF!\r\n0"),
             S::pause(SegmentPauseMs), S::send("\r\n"), S::pause(SegmentPauseMs), S::send("\r\n"),
             S::next() },
           succeeds("hello0123456789ABCDEF!"));
    // RFC 9112 section 8: a chunked body is incomplete only while the last chunk is missing.
    addRow("the last chunk, then close without the final CRLF",
           { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"),
             S::close() },
           succeeds(Hello));
    addRow(
        "Transfer-Encoding: Chunked (coding names are case-insensitive)",
        { S::send("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n" + S::chunked({ Hello })),
          S::next() },
        succeeds(Hello));

    // Content-Length variants that are valid.
    addRow("Content-Length: 5, 5",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello"), S::next() },
           succeeds(Hello));
    addRow("two identical Content-Length fields",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
             S::next() },
           succeeds(Hello));
    addRow("Content-Length with whitespace around the number",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length:    5     \r\n\r\nhello"), S::next() },
           succeeds(Hello));
    addRow("field names in any case (content-length, CONTENT-TYPE)",
           { S::send("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nCONTENT-TYPE: text/plain\r\n\r\n"
                     "hello"),
             S::next() },
           succeeds(Hello));
    // What follows the body is not ours, and the connection it came on cannot be trusted again:
    // here it is a whole response waiting to be taken for the next one.
    addRow("body longer than Content-Length; the next URL gets its own bytes",
           { S::send(helloResponse + "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nWRONG!"),
             S::next() },
           succeeds(Hello), ThenSecondOnNewConnection);
    // RFC 9112 section 6.3, item 3.
    addRow("Transfer-Encoding: chunked with Content-Length: chunked wins",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + S::chunked({ "hello", " world" })),
             S::next() },
           succeeds("hello world"));
    addRow("Transfer-Encoding: chunked with Content-Length: 0: chunked wins",
           { S::send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + S::chunked({ "hello", " world" })),
             S::next() },
           succeeds("hello world"));

    // Content codings (RFC 9110 section 8.4.1): the body is what they decode to.
    const QByteArray payload = compressiblePayload();
    const QByteArray gzipped = gzip(payload);
    addRow("Content-Encoding: gzip", { S::send(withContentLength("gzip", gzipped)), S::next() },
           succeeds(payload));
    addRow("Content-Encoding: x-gzip", { S::send(withContentLength("x-gzip", gzipped)), S::next() },
           succeeds(payload));
    addRow("Content-Encoding: GZIP (names are case-insensitive)",
           { S::send(withContentLength("GZIP", gzipped)), S::next() }, succeeds(payload));
    const QByteArray firstHalf = payload.left(payload.size() / 2);
    const QByteArray secondHalf = payload.mid(payload.size() / 2);
    addRow("two concatenated gzip members",
           { S::send(withContentLength("gzip", gzip(firstHalf) + gzip(secondHalf))), S::next() },
           succeeds(payload));
    addRow("gzip with a name, a comment, an extra field and a header CRC",
           { S::send(withContentLength(
                 "gzip",
                 gzip(payload,
                      { QByteArray(3000, 'e'), "payload.txt", QByteArray(5000, 'c'), true }))),
             S::next() },
           succeeds(payload));
    addRow("Content-Encoding: deflate as zlib",
           { S::send(withContentLength("deflate", zlibDeflate(payload))), S::next() },
           succeeds(payload));
    addRow("Content-Encoding: deflate as raw deflate (no zlib header)",
           { S::send(withContentLength("deflate", rawDeflate(payload))), S::next() },
           succeeds(payload));
    QList<QByteArray> gzipChunks;
    for (qsizetype at = 0; at < gzipped.size(); at += 777)
        gzipChunks.append(gzipped.mid(at, 777));
    addRow("gzip in many chunks",
           { S::send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked"
                     "\r\n\r\n"
                     + S::chunked(gzipChunks)),
             S::next() },
           succeeds(payload));

    // Field syntax that is odd but allowed.
    addRow("obsolete line folding in a harmless header (space)",
           { S::send("HTTP/1.1 200 OK\r\nX-Folded: first\r\n second\r\nContent-Length: 5\r\n\r\n"
                     "hello"),
             S::next() },
           succeeds(Hello));
    addRow("obsolete line folding in a harmless header (tab)",
           { S::send("HTTP/1.1 200 OK\r\nServer: test-server/\r\n\tfolded\r\nContent-Length: 5"
                     "\r\n\r\nhello"),
             S::next() },
           succeeds(Hello));
    addRow("an empty reason phrase",
           { S::send("HTTP/1.1 200 \r\nContent-Length: 5\r\n\r\nhello"), S::next() },
           succeeds(Hello));
    addRow("obs-text (bytes over 0x7f) in a field value",
           { S::send("HTTP/1.1 200 OK\r\nX-Name: caf\xe9 \xc3\xa9\r\nContent-Length: 5\r\n\r\n"
                     "hello"),
             S::next() },
           succeeds(Hello));
    addRow("a response head of 250 KiB", { S::send(bigHead(AcceptedHeadKiB) + Hello), S::next() },
           succeeds(Hello));

    // Connections that must not be used again (RFC 9112 section 9.3): the server holds them
    // open and silent, so a client that sends the next request on one waits for ever.
    addRow("HTTP/1.0 with Content-Length and no keep-alive; the next URL uses a new connection",
           { S::send("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"), S::hold() },
           succeeds(Hello), ThenSecondOnNewConnection);
    addRow("Connection: close with Content-Length; the next URL uses a new connection",
           { S::send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"),
             S::hold() },
           succeeds(Hello), ThenSecondOnNewConnection);
}

void TestFraming::oddButValidResponses()
{
    runRow();
}

void TestFraming::runRow()
{
    QFETCH(bool, tls);
    QFETCH(Script, script);
    QFETCH(bool, head);
    QFETCH(bool, followUp);
    QFETCH(bool, newConnection);
    QFETCH(Outcome, outcome);

    const QString problem = startServer(tls);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    m_server->script(BodyPath, script);
    m_server->script(SecondPath, secondScript());
    QList<QUrl> urls { m_server->url(BodyPath) };
    if (followUp)
        urls.append(m_server->url(SecondPath));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    FetchOptions fetchOptions = options(1); // one lane: /second follows /body on its connection
    fetchOptions.retries = 0;
    fetchOptions.idleTimeoutMs = IdleTimeoutMs;
    fetchOptions.outputDirectory = dir.path();
    fetchOptions.computeSha256 = true;
    if (head)
        fetchOptions.method = FetchOptions::Method::Head;
    engine.setOptions(fetchOptions);
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    const QString context =
        QStringLiteral("state %1, kind \"%2\", error \"%3\", %4 bytes")
            .arg(stateName(job.state), errorKindName(job.errorKind), job.errorString())
            .arg(job.bytesReceived);
    QVERIFY2(job.state == outcome.state, qPrintable(context));
    QVERIFY2(errorKindName(job.errorKind) == outcome.kind, qPrintable(context));
    if (outcome.fragment.isEmpty())
        QVERIFY2(job.errorString().isEmpty(), qPrintable(context));
    else
        QVERIFY2(job.errorString().contains(outcome.fragment, Qt::CaseInsensitive),
                 qPrintable(context));
    QCOMPARE(job.attempts, 1);
    if (outcome.bytes >= 0)
        QCOMPARE(job.bytesReceived, outcome.bytes);
    // The version the server answered with: over TLS that is HTTP/1.1 as ALPN settled, not h2.
    QCOMPARE(job.protocol, job.httpStatus > 0 ? versionOf(script) : QByteArray());
    for (const ScriptedServer::Request &request : m_server->requests()) {
        QCOMPARE(request.encrypted, tls);
        QCOMPARE(request.alpn, tls ? QByteArray("http/1.1") : QByteArray());
    }

    QStringList expectedFiles;
    if (outcome.state == JobState::Succeeded) {
        if (!head) { // a HEAD has no body to hash or save
            QCOMPARE(job.sha256, sha256(outcome.body));
            expectedFiles.append(BodyFile);
            QCOMPARE(job.savedPath(), dir.filePath(BodyFile));
            QCOMPARE(contentsOf(job.savedPath()), outcome.body);
        }
    } else {
        QVERIFY(job.savedPath().isEmpty());
    }

    if (followUp) {
        const Job &second = model.jobAt(1);
        QVERIFY2(second.state == JobState::Succeeded,
                 qPrintable(QStringLiteral("the next URL: %1 (%2)")
                                .arg(stateName(second.state), second.errorString())));
        QCOMPARE(second.bytesReceived, qint64(SecondBody.size()));
        QCOMPARE(second.sha256, sha256(SecondBody));
        QCOMPARE(contentsOf(second.savedPath()), SecondBody);
        expectedFiles.append(SecondFile);
        const QList<ScriptedServer::Request> first = m_server->requestsFor(BodyPath);
        const QList<ScriptedServer::Request> next = m_server->requestsFor(SecondPath);
        QCOMPARE(first.size(), 1);
        QCOMPARE(next.size(), 1);
        if (newConnection)
            QVERIFY2(next.first().connection != first.first().connection,
                     "the next request went out on a connection that could not be trusted");
        else
            QVERIFY2(next.first().connection == first.first().connection,
                     "the next request did not reuse the kept-alive connection");
    }
    QCOMPARE(filesIn(dir.path()), expectedFiles);
}

void TestFraming::cookiesAreNeitherKeptNorSent_data()
{
    QTest::addColumn<bool>("tls");
    const QByteArray name = "set by one URL, not sent with the next";
    QTest::newRow(name.constData()) << false;
    QTest::newRow((TlsRowPrefix + name).constData()) << true;
}

void TestFraming::cookiesAreNeitherKeptNorSent()
{
    QFETCH(bool, tls);
    const QString problem = startServer(tls);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // A download monitor fetches a list; one URL's cookies are no business of the next.
    m_server->script("/set",
                     { S::send("HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/\r\n"
                               "Content-Length: 2\r\n\r\nok"),
                       S::next() });
    m_server->script("/check",
                     { S::send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), S::next() });
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url("/set"), m_server->url("/check") }));
    FetchEngine engine(&model);
    engine.setOptions(options(1));
    QVERIFY(runToEnd(engine));
    QVERIFY2(model.jobAt(0).state == JobState::Succeeded, qPrintable(model.jobAt(0).errorString()));
    QVERIFY2(model.jobAt(1).state == JobState::Succeeded, qPrintable(model.jobAt(1).errorString()));
    QCOMPARE(model.jobAt(0).protocol, QByteArray("http/1.1"));
    QCOMPARE(model.jobAt(1).protocol, QByteArray("http/1.1"));

    const QList<ScriptedServer::Request> requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(0).target, QByteArray("/set"));
    QCOMPARE(requests.at(1).target, QByteArray("/check"));
    QVERIFY2(!requests.at(1).hasHeader("Cookie"),
             qPrintable(QLatin1String("/check was sent Cookie: ")
                        + QLatin1String(requests.at(1).header("Cookie"))));
    // Same origin, keep-alive: the second URL is not a new connection (nor a new handshake).
    QCOMPARE(requests.at(1).connection, requests.at(0).connection);
    QCOMPARE(m_server->connectionCount(), 1);
    QCOMPARE(requests.at(1).encrypted, tls);
}

void TestFraming::tlsWithoutAlpnIsSpokenHttp11()
{
    // A TLS server that negotiates no protocol at all speaks HTTP/1.1 (RFC 7301 section 3.1).
    const QString problem = startServer(true, {});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    m_server->script(BodyPath,
                     { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), S::next() });
    m_server->script(SecondPath, secondScript());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(BodyPath), m_server->url(SecondPath) }));
    FetchEngine engine(&model);
    FetchOptions fetchOptions = options(1);
    fetchOptions.computeSha256 = true;
    engine.setOptions(fetchOptions);
    QVERIFY(runToEnd(engine));
    for (int row = 0; row < 2; ++row) {
        const Job &job = model.jobAt(row);
        QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
        QCOMPARE(job.protocol, QByteArray("http/1.1"));
    }
    QCOMPARE(model.jobAt(0).sha256, sha256(Hello));
    QCOMPARE(model.jobAt(1).sha256, sha256(SecondBody));
    const QList<ScriptedServer::Request> requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    for (const ScriptedServer::Request &request : requests) {
        QVERIFY(request.encrypted);
        QVERIFY2(request.alpn.isEmpty(), request.alpn.constData());
    }
    QCOMPARE(requests.at(1).connection, requests.at(0).connection);
}

void TestFraming::scriptedServerServesIPv6Loopback()
{
    ScriptedServer server(ScriptedServer::Address::IPv6);
    if (!server.listen())
        QSKIP("no ::1 on this machine");
    server.script(BodyPath, { S::send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") });
    QCOMPARE(server.url(BodyPath).host(), QStringLiteral("::1"));
    JobQueueModel model;
    model.addEntries(entriesFor({ server.url(BodyPath) }));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(1));
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(0).sha256, sha256(Hello));
    QCOMPARE(server.requests().size(), 1);
}

QTEST_GUILESS_MAIN(TestFraming)
#include "tst_framing.moc"
