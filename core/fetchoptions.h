// SPDX-License-Identifier: GPL-3.0-or-later
// The user's fetch settings: one value type shared by the engine, the command line and the UI.
#pragma once

#include "cookiefile.h"
#include "job.h"

#include <QHash>
#include <QString>

#include <memory>
#include <optional>

namespace Parafetch {

// What an earlier run's export says of one URL (--if-changed): enough to ask the server whether
// the body changed since, and to describe it again when it did not.
struct PreviousResult
{
    QByteArray etag; // sent as If-None-Match
    QByteArray lastModified; // sent as If-Modified-Since
    // The URL the validators came from: the listed one or, after redirects, the final one; as
    // redactedUrl() writes it, as the export does. Only a request to it carries them.
    QString validatedUrl;
    QString savedPath; // the body's file then, empty if it was not saved
    Sha256Digest sha256;
    qint64 size = -1;
};
// By redactedUrl() of the URL as listed.
using PreviousResults = QHash<QString, PreviousResult>;

struct FetchOptions
{
    enum class Method { Get, Head };
    // Which HTTP versions a request may speak (--http1.1, --http2, Settings → Protocol).
    enum class HttpVersion : quint8 {
        // Over TLS h2 and http/1.1 are offered in ALPN and the server picks; cleartext is
        // HTTP/1.1.
        Auto,
        Http1_1, // never h2: ALPN offers only http/1.1, and Qt's route is told the same
        // Over TLS as Auto: a server that does not offer h2 is still answered over HTTP/1.1,
        // as curl --http2 does (a list of URLs mixes servers; failing every h1-only one would
        // help nobody). Cleartext: h2 with prior knowledge (h2c, no Upgrade dance).
        Http2,
    };
    // What a download does when its file name is already taken on disk (--if-exists,
    // Settings → If the file exists). Names taken by this run's own downloads are always
    // numbered: "index.html", "index (1).html".
    enum class ExistingFile : quint8 {
        Rename, // save under the next free name, "NAME (1).ext": a user's file is never touched
        // Leave a file that is already there when the server's copy has the same size and date
        // (its Last-Modified, which saved files take as their modification time, as wget -N
        // and curl -R do); asked with If-Modified-Since, so no body is sent. The URL ends
        // JobState::Unchanged with that file as its result. Otherwise as Rename.
        Skip,
        // Replace a regular file under the name in one rename(2), once the body is complete
        // and verified. A link, a directory or anything else under the name is never replaced
        // or followed: the body is saved under the next free name, as Rename.
        Overwrite,
    };

    static constexpr int MinConcurrency = 1;
    static constexpr int MaxConcurrency = 512;
    static constexpr int DefaultConcurrency = 16;
    static constexpr int DefaultRetries = 2;
    static constexpr int MaxRetries = 100;
    static constexpr int DefaultMaxRedirects = 10;
    static constexpr int MaxRedirects = 100;
    static constexpr int MaxTimeoutMs = 7 * 24 * 60 * 60 * 1000; // a week
    static constexpr int DefaultIdleTimeoutMs = 30'000;
    static constexpr int DefaultRetryBaseDelayMs = 500;
    static constexpr int DefaultRetryMaxDelayMs = 30'000;
    static constexpr int DefaultMaxRetryAfterMs = 120'000;
    // Bounds what Qt buffers per reply (ARCHITECTURE rule 4); the default is unbounded. Measured on
    // 1 GiB and 8 x 256 MiB over loopback: 256 KiB to 1 MiB cost the same CPU per byte; 2 and
    // 4 MiB cost more (the chunks in flight fall out of the caches) and took eight streams to
    // 100 MB and past.
    static constexpr qint64 DefaultReadBufferBytes = 1 << 20;

    int concurrency = DefaultConcurrency;
    Method method = Method::Get;
    int timeoutMs = 0; // whole attempt, 0 = no limit
    int idleTimeoutMs = DefaultIdleTimeoutMs; // no data for this long, 0 = no limit
    int retries = DefaultRetries; // extra attempts after the first
    int retryBaseDelayMs = DefaultRetryBaseDelayMs; // doubles each attempt
    int retryMaxDelayMs = DefaultRetryMaxDelayMs;
    int maxRetryAfterMs = DefaultMaxRetryAfterMs; // cap on a server's Retry-After
    int maxRedirects = DefaultMaxRedirects;
    QByteArray userAgent; // empty = defaultUserAgent()
    HeaderList headers; // extra request headers
    QString outputDirectory; // empty = discard bodies
    bool computeSha256 = true;
    qint64 readBufferBytes = DefaultReadBufferBytes;
    QString caFile; // extra CA certificates (PEM) trusted for https, empty = system only
    // Where requests go (--proxy, --no-proxy, Settings → Network proxy): empty = the system's
    // settings (ARCHITECTURE rule 8), "none" = straight to the server, otherwise a proxy URL
    // that ProxyUrl::parse() accepts. It may hold a password: show ProxyUrl::displayText().
    QString proxy;
    // --on-complete: a command run for each finished URL (run/completioncommand.h); not the
    // engine's business, but kept with the settings a person makes once for every run.
    QString onComplete;
    int perHost = 0; // polite mode: at most this many requests per host at once, 0 = off
    bool resume = true; // continue a kept .part with Range + If-Range where the server allows
    HttpVersion httpVersion = HttpVersion::Auto;
    ExistingFile existingFile = ExistingFile::Rename;
    // Bandwidth caps in bytes per second, 0 = none: for the whole run (--limit-rate, the
    // toolbar's Limit box, which applies at once) and for each URL (--limit-rate-per-url).
    qint64 limitRate = 0;
    qint64 limitRatePerUrl = 0;
    // Request-rate caps, as the least time between two URLs' starts in ns, 0 = none: for the run
    // (--rate N/s, N/m, N/h, N/d: curl's form) and, in polite mode, per host
    // (--per-host-interval SECONDS). They count URLs started, as curl counts transfers; a
    // retry waits its own backoff, a redirect follows at once.
    qint64 startIntervalNs = 0;
    qint64 perHostIntervalNs = 0;
    // --checksums FILE (Settings → Checksums file): the path, and the expected SHA-256 by saved
    // file name read from it (sha256sum's output, read by ChecksumFile); a body saved under one
    // of these names must hash to it. Null = none.
    QString checksumsFile;
    std::shared_ptr<const QHash<QString, Sha256Digest>> checksumsByName;
    // --cookies FILE (Settings → Cookies file): the path, and the cookies read from it that
    // requests carry where their domain, path and flags allow. Null = none.
    QString cookiesFile;
    std::shared_ptr<const QList<CookieFile::Cookie>> cookies;
    // --if-changed PREVIOUS.json (File → Fetch Again If Changed): a URL found there with a
    // validator is asked for conditionally, and a 304 leaves it JobState::Unchanged. Null = off.
    std::shared_ptr<const PreviousResults> previousResults;
    // Whether finished jobs keep their response's ETag and Last-Modified (an export carries
    // them for the next --if-changed). A run that exports nothing leaves them out. Not a setting.
    bool keepValidators = true;
    // Whether each finished job keeps its attempt log and its request and response headers, for
    // the details pane and the HAR export. A run that shows and exports neither (the headless
    // runner without a HAR export) leaves them out: a million jobs would hold a million of each.
    // Not a setting: the front end decides.
    bool keepDetails = true;
    static constexpr int MaxPerHost = MaxConcurrency;

    static QByteArray defaultUserAgent();
    // "auto", "http1.1", "http2": the settings file's values, the command line's flags without
    // their dashes.
    static QString httpVersionName(HttpVersion version);
    static std::optional<HttpVersion> httpVersionFromName(QStringView name);
    // "rename", "skip", "overwrite": --if-exists's values and the settings file's.
    static QString existingFileName(ExistingFile policy);
    static std::optional<ExistingFile> existingFileFromName(QStringView name);
    static int clampConcurrency(int value);
    // A rate as curl's --limit-rate takes it: bytes per second, or with a suffix K, M or G
    // (KiB, MiB, GiB; "1.5M" is 1,572,864). "0" lifts the cap. nullopt with a reason on error.
    static constexpr qint64 MaxByteRate = qint64(1) << 50; // a PiB/s: beyond any link
    static std::optional<qint64> parseByteRate(QStringView text, QString *error);
    // The same in the shortest form parseByteRate() reads back: "512K", "1.5M", "100".
    static QString byteRateText(qint64 bytesPerSecond);
    // curl's --rate: "N/U" with U one of s, m, h, d (a second, minute, hour or 24 h), and N a
    // whole number from 1; a bare N is per hour, as curl reads it. Gives the interval between
    // starts in ns; nullopt with a reason on error.
    static std::optional<qint64> parseRequestRate(QStringView text, QString *error);
    // For people: "20/s", "1/min", "every 2.5 s"; empty for none.
    static QString requestRateText(qint64 startIntervalNs);
    // The request-rate caps in force, for the summaries: "at most 20/s URLs started, one start
    // per host every 2 s"; empty when neither is set.
    QString pacingText() const;
    // Parses "Name: value"; nullopt with a reason on error (a bad name, or a value that
    // forbiddenInHeaderValue() refuses).
    static std::optional<QPair<QByteArray, QByteArray>> parseHeader(const QString &text,
                                                                    QString *error);
    // The one check of every value that reaches a request header: -H, --user-agent, the
    // settings dialog and the settings file. RFC 9110 section 5.5 allows visible characters,
    // spaces and tabs in a field value; CR or LF would end the header line and start one of
    // the value's choosing (request splitting), and NUL or another control character is cut
    // short or refused by servers. Empty if `value` may be sent, otherwise what it holds that
    // may not, for a message ("a line break (CR)", "a NUL character", ...).
    static QString forbiddenInHeaderValue(QStringView value);
};

} // namespace Parafetch
