// SPDX-License-Identifier: GPL-3.0-or-later
// A small HTTP/1.1 server on 127.0.0.1 with scripted endpoints, for tests, benchmarks and the demo.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QUrl>

#include <memory>

namespace Parafetch {

struct LoopbackServerPrivate;

// One parsed request head, as the server saw it.
struct RecordedRequest
{
    QByteArray method;
    QByteArray target; // as sent: path and query, still percent-encoded
    QList<QPair<QByteArray, QByteArray>> headers; // in arrival order, names as sent
    // When the head was parsed, on a monotonic clock (ns; only differences mean anything): lets a
    // test prove a client waited between two requests without timing the client itself.
    qint64 receivedAtNs = -1;

    // The first header with that name (case-insensitive), empty if absent.
    QByteArray header(QByteArrayView name) const;
};

// Endpoints (GET and HEAD; other methods get 405):
//   /                          this list as text
//   /bytes/<n>                 n bytes of the pattern byte i = 'a' + i % 26 (streamed)
//   /delay/<ms>[/bytes/<n>]    waits, then an empty body or n bytes
//   /status/<code>[?retry-after=S]
//   /redirect/<k>              302 to /redirect/<k-1>; /redirect/0 answers "ok"
//   /redirect-loop             302 to itself
//   /redirect-to?url=U[&status=C]  C (default 302) with Location: U (percent-decoded), absolute
//                              or not, any scheme
//   /drip/<n>/<ms>             n bytes, one every ms
//   /reset/<n>, /truncate/<n>  announce 2n bytes, send n, then reset (RST) or close (FIN)
//   /flaky/<key>/<failures>[?status=C&retry-after=S]
//                              C (default 503) + Retry-After: S (default 0) for the first
//                              <failures> hits of <key>, then 200
//   /headers                   the request headers echoed, one "Name: value" per line
//   /typed/<name>?type=T       200 "typed body\n" with Content-Type: T (percent-decoded)
//   /attachment/<name>         Content-Disposition: attachment; filename="<name, decoded>"
//   /big-headers/<kb>          200 with <kb> KiB of filler response headers (X-Filler-<i>, each
//                              at most BigHeaderFieldBytes)
//   /gzip-bomb/<mb>            Content-Encoding: gzip; about <mb> KiB on the wire that inflate to
//                              <mb> MiB of zero bytes (at most MaxGzipBombMiB)
//   /chunked-close/<n>         chunked; one chunk of n bytes, then the connection closes without
//                              the last chunk
//   /basic-auth/<user>/<pass>  401 + WWW-Authenticate: Basic until the request carries those
//                              credentials (segments percent-decoded), then 200
//   /set-cookie/<value>        200 with Set-Cookie: session=<value, decoded>
//   /resumable/<n>[?etag=X&changing=1&cut=K&stall=K&tag=T]
//                              n bytes of resumableBytes() with a strong ETag (default
//                              "resumable-<n>"; etag=X makes it "X"; changing=1 makes a new one
//                              per request, so If-Range never matches) and Accept-Ranges: bytes.
//                              Range: bytes=A- or bytes=A-B (one range) gives 206 with
//                              Content-Range, or 416 when A >= n; If-Range other than the current
//                              ETag gives the full 200 instead. cut=K: the first request with
//                              tag=T (every request, without a tag) announces the full length but
//                              closes the connection after K body bytes; later ones with that tag
//                              are whole. stall=K: the same, except that the connection stays
//                              open with nothing more sent (a download in progress, frozen).
//                              The Range and If-Range headers sent are in
//                              recordedRequests() like any other.
//
// Over TLS (setTlsFiles) every endpoint is the same, on https://127.0.0.1:PORT, HTTP/1.1 only.
//
// Sockets live in the server's own worker threads, so the thread that owns this object may block
// (QSignalSpy::wait, a busy GUI) without stalling the server. The counters, recordedRequests() and
// port() may be read from any thread; listen() and close() belong to the owner's thread.
class LoopbackServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoopbackServer)

public:
    static constexpr int MaxThreadCount = 64;
    static constexpr int RecordedRequestLimit = 1000;
    // Filler fields of /big-headers are cut at 8 KiB, a common per-field limit of servers, so
    // that a client's limits on the total size, not on one field, are what the endpoint probes.
    static constexpr int BigHeaderFieldBytes = 8 * 1024;
    static constexpr int MaxBigHeadersKiB = 16 * 1024;
    static constexpr int MaxGzipBombMiB = 4096; // 4 GiB inflated from about 4 MiB

    // A gzip stream (RFC 1952) that inflates to `size` zero bytes, about size / 1032 bytes long.
    static QByteArray gzipBomb(qint64 size);

    explicit LoopbackServer(QObject *parent = nullptr);
    ~LoopbackServer() override; // stops listening, closes connections, joins the threads

    // Serves every endpoint over TLS from the next listen() on (ALPN offers "http/1.1" only), with
    // the PEM certificate chain (leaf first) and private key (EC or RSA) in these files; baseUrl()
    // then says https. False with errorString() if a file cannot be used or while listening.
    bool setTlsFiles(const QString &certificateFile, const QString &keyFile);
    bool isTls() const;

    // Binds 127.0.0.1, or another loopback address (::1, for a test that needs a second host
    // name without asking how "localhost" resolves); never any other address. threadCount
    // worker threads (clamped to 1..MaxThreadCount) share the connections round-robin. False
    // with errorString() on failure, for an address that is not loopback, or when already
    // listening.
    bool listen(quint16 port = 0, int threadCount = 1,
                const QHostAddress &address = QHostAddress(QHostAddress::LocalHost));
    // Stops listening, aborts every connection and joins the threads; listen() may follow.
    // Must not be called from inside one of the server's threads.
    void close();
    bool isListening() const;
    int threadCount() const;
    QString errorString() const;

    quint16 port() const;
    QUrl baseUrl() const; // http://127.0.0.1:PORT or http://[::1]:PORT (https with TLS)
    QUrl url(const QString &pathAndQuery) const; // baseUrl + "/delay/10" etc.

    // Heads parsed whose response is not yet wholly queued for sending (or whose client left).
    // A request leaves this count before its client can hold the whole answer.
    int inFlight() const;
    int maxInFlight() const; // peak of inFlight() since start or resetStatistics()
    qint64 requestCount() const; // request heads parsed
    qint64 connectionCount() const; // connections accepted since start or resetStatistics()
    void resetStatistics(); // maxInFlight = inFlight, counts = 0, flaky and cut tags cleared

    QList<RecordedRequest> recordedRequests() const; // the last RecordedRequestLimit, oldest first

    // The deterministic body pattern: byte i of a body is 'a' + i % 26.
    static QByteArray bodyBytes(qint64 offset, qint64 size);
    // SHA-256 (raw, 32 bytes) of a pattern body of that size, hashed in chunks.
    static QByteArray expectedSha256(qint64 size);

    // The body of /resumable/<n>: byte i is byte i % 8 (least significant first) of
    // splitmix64(i / 8). Unlike the pattern (period 26), a body resumed at a wrong offset never
    // hashes the same.
    static QByteArray resumableBytes(qint64 offset, qint64 size);
    static QByteArray expectedResumableSha256(qint64 size);

private:
    std::unique_ptr<LoopbackServerPrivate> m_private;
};

} // namespace Parafetch
