// SPDX-License-Identifier: GPL-3.0-or-later
// One URL's job record: what was asked for, and everything measured while fetching it.
#pragma once

#include "compacturl.h"
#include "sha256.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QSharedData>
#include <QString>
#include <QUrl>

#include <memory>

class QHostAddress;

namespace Parafetch {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

enum class JobState : quint8 {
    Queued,
    Running,
    Succeeded, // a 2xx answer after redirects, body complete
    Failed,
    Cancelled,
    // A conditional request (--if-changed) answered 304 Not Modified: the body is the one an
    // earlier run fetched (and saved, where it still lies). A success.
    Unchanged,
};

constexpr int JobStateCount = int(JobState::Unchanged) + 1;

// Why a job did not succeed. Kept separate from the message so that summaries can count
// outcomes and exports can be compared by kind, whatever the wording.
enum class ErrorKind : quint8 {
    None,
    HttpStatus, // the server answered, but not with 2xx
    TimedOut, // our deadline or Qt's transfer (idle) timeout
    ConnectionRefused,
    HostNotFound,
    ConnectionClosed, // closed or reset before the body was complete
    Truncated, // fewer body bytes than Content-Length announced
    TooManyRedirects,
    Tls,
    FileSystem, // the download could not be written to disk
    Cancelled,
    Network, // any other network error
    Protocol, // the response broke HTTP: status line, fields, framing, content coding
    ChecksumMismatch, // the body is whole but does not hash to the SHA-256 the list expected
};

constexpr int ErrorKindCount = int(ErrorKind::ChecksumMismatch) + 1;

// A .part file that holds the start of a body, and the strong validator (ETag or Last-Modified)
// of the response it came from: enough to ask for the rest with Range + If-Range.
struct PartialDownload
{
    QString path;
    QByteArray validator;
};

// Where a running job's attempt is now, for the waterfall's live bar; Unknown before the engine
// has seen it start, and on finished jobs.
enum class LivePhase : quint8 { Unknown, Connecting, Sending, Waiting, Receiving, BackingOff };

// One redirect a request followed: the status that sent it on, and where (credentials removed).
struct RedirectHop
{
    int httpStatus = 0;
    QUrl to;
};

// One attempt at a URL as the details pane lists it: how it ended, when, and the way it went.
struct AttemptRecord
{
    int httpStatus = 0; // 0 = no answer
    ErrorKind errorKind = ErrorKind::None;
    QString errorString; // empty when the attempt succeeded
    qint64 startedAtNs = -1;
    qint64 finishedAtNs = -1;
    QByteArray protocol; // as Job::protocol
    QList<RedirectHop> redirects;
};

// The parts of a job that most rows never have: a name from the list, an error, a redirect, a saved
// file, the details pane's headers and attempts, a .part to continue, a restored result. A queue
// of a million rows keeps one null pointer for all of them in each row (Job::details()).
struct JobDetails : QSharedData
{
    QString fileName; // the name asked for in a `url,filename` list; empty = derive one
    QString errorString; // for a person; never contains credentials
    QUrl finalUrl; // after redirects; empty when no redirect happened
    QString savedPath; // where the body was saved, empty if discarded
    HeaderList responseHeaders; // of the last response, secret values already masked
    // For the details pane: every attempt so far (the last one included once it ended), and
    // the headers of the last request sent, secret values already masked.
    QList<AttemptRecord> attemptLog;
    HeaderList requestHeaders;
    // A .part left by an earlier run that was cut off (the run journal's restore), for the first
    // attempt to continue.
    std::shared_ptr<const PartialDownload> resumeFrom;
    // A result an earlier run measured, put back by a restore (JobQueueModel::addRestored): its
    // times were on that run's clock, so startedAtNs and the rest stay -1, and this run's
    // summary counts it as done but leaves it out of every figure of time and rate (RunSummary).
    // Such a result has `restored` set (kept beside the state).
    qint64 restoredDurationNs = -1; // durationNs() as that run measured it; -1 = not measured
    // The SHA-256 the body must have (a list's `sha256=HEX`, --checksums): a body that hashes
    // otherwise fails with ErrorKind::ChecksumMismatch and is never saved under its name.
    Sha256Digest expectedSha256;
    // The response's validators (ETag, Last-Modified) as sent, for a later --if-changed run;
    // an unchanged job keeps those of the run it was compared with.
    QByteArray etag;
    QByteArray lastModified;
};

// Times are nanoseconds on the engine's monotonic clock (0 = the engine's epoch); -1 = unknown.
// Phase durations are microseconds; -1 where Qt cannot tell (e.g. connect on a reused connection).
//
// A queue holds a million of these, so the record is what every row has (about 200 bytes) and a
// URL kept as its encoded bytes; what few rows have is behind one shared, copy-on-write pointer,
// read through the getters below and written through the setters (or editDetails()).
struct Job
{
    quint64 id = 0; // stable identity within one queue (rows move, ids don't); 0 = none
    CompactUrl url; // as requested, credentials included: never display or export it raw
    int sourceLine = 0; // line in the input it came from (1-based), 0 if unknown

    // The one-byte fields together, so that they share a word.
    JobState state = JobState::Queued;
    ErrorKind errorKind = ErrorKind::None;
    LivePhase livePhase = LivePhase::Unknown; // of a running job, as last polled
    bool restored = false; // a result an earlier run measured (see restoredDurationNs())
    // The connection the last attempt's response came on: reused = it carried an earlier
    // request first (connectionId below).
    bool connectionReused = false;
    Sha256Digest sha256; // of the body, empty if not computed
    int httpStatus = 0; // last HTTP status seen, 0 = none
    int attempts = 0;
    int worker = -1; // lane (0 .. concurrency-1) that ran the last attempt: a worker that
                     // takes one URL at a time and keeps its own keep-alive connection
    int thread = -1; // index of the worker (one per engine pool thread) that drove that lane
    // The address the last attempt's connection reached, as a number of the process's table of
    // addresses (serverAddress() reads it): four bytes a row where a QHostAddress is a pointer
    // to an allocation. 0 = unknown (no connection, a proxy).
    quint32 serverAddressId = 0;

    qint64 bytesReceived = 0; // body bytes of the last attempt
    qint64 bytesTotal = -1; // Content-Length, -1 = unknown

    qint64 queuedAtNs = -1;
    qint64 startedAtNs = -1; // first attempt's start
    qint64 finishedAtNs = -1;
    qint64 updatedAtNs = -1; // last progress sample of a running job (for live speed and time)
    qint64 attemptStartedAtNs = -1; // the last attempt's start (earlier attempts and backoff lie
                                    // between startedAtNs and this)

    // Phases of the last attempt, in order; together with any redirect hops they fill
    // attemptStartedAtNs .. finishedAtNs.
    qint64 connectUs = -1; // socket connecting -> connected (TLS included), new connection only
    // Before connectUs, the name lookup that connection waited for: -1 when none was made (a
    // reused connection, an address in the URL, a proxy), about 0 when the run knew the host.
    // 32 bits: a lookup or a handshake of more than 35 minutes does not happen.
    qint32 dnsUs = -1;
    qint32 tlsUs = -1; // of connectUs, the TLS handshake; -1 for http or a reused connection
    qint64 sendUs = -1; // attempt start (or connected) -> request sent
    qint64 waitUs = -1; // request sent -> response headers (time to first byte)
    qint64 receiveUs = -1; // response headers -> finished

    QByteArray protocol; // "http/1.1", "h2", empty if unknown
    // The connection the last attempt's response came on: unique within the process that
    // fetched it (HTTP/1.1 sockets and h2 sessions count from one counter), 0 = unknown. Under
    // h2 many lanes' requests share one (connectionReused above).
    quint64 connectionId = 0;

    // The rarely set parts (JobDetails): getters answer from a shared empty record while the
    // pointer is null; setters allocate it (or detach it) only to store something.
    const JobDetails &details() const;
    JobDetails &editDetails(); // allocates or detaches
    bool hasDetails() const { return bool(m_details); }

    const QString &fileName() const { return details().fileName; }
    const QString &errorString() const { return details().errorString; }
    const QUrl &finalUrl() const { return details().finalUrl; }
    const QString &savedPath() const { return details().savedPath; }
    const HeaderList &responseHeaders() const { return details().responseHeaders; }
    const QList<AttemptRecord> &attemptLog() const { return details().attemptLog; }
    const HeaderList &requestHeaders() const { return details().requestHeaders; }
    const std::shared_ptr<const PartialDownload> &resumeFrom() const
    {
        return details().resumeFrom;
    }
    qint64 restoredDurationNs() const { return details().restoredDurationNs; }
    const Sha256Digest &expectedSha256() const { return details().expectedSha256; }
    const QByteArray &etag() const { return details().etag; }
    const QByteArray &lastModified() const { return details().lastModified; }
    // serverAddressId as text ("127.0.0.1", "::1"), empty when unknown.
    QString serverAddress() const;
    void setServerAddress(const QString &address); // interned: see serverAddressId
    // Succeeded, or found unchanged since an earlier run (--if-changed): either is a success.
    bool isSuccess() const { return state == JobState::Succeeded || state == JobState::Unchanged; }
    // Succeeded with the checksum it was expected to have (the table's verified mark).
    bool isVerified() const
    {
        return state == JobState::Succeeded && hasDetails() && !expectedSha256().isEmpty()
            && sha256 == expectedSha256();
    }

    // Each setter stores an empty value without allocating when nothing is allocated yet.
    void setFileName(const QString &name);
    void setErrorString(const QString &text);
    void setFinalUrl(const QUrl &url);
    void setSavedPath(const QString &path);
    void setResponseHeaders(HeaderList headers);
    void setAttemptLog(QList<AttemptRecord> log);
    void setRequestHeaders(HeaderList headers);
    void setResumeFrom(std::shared_ptr<const PartialDownload> part);
    void setRestoredDurationNs(qint64 ns);
    void setExpectedSha256(const Sha256Digest &digest);
    void setEtag(const QByteArray &value);
    void setLastModified(const QByteArray &value);

    bool isFinished() const
    {
        return state == JobState::Succeeded || state == JobState::Failed
            || state == JobState::Cancelled || state == JobState::Unchanged;
    }
    // The per-URL "takes time": finish - start, all attempts included; -1 while unknown.
    qint64 durationNs() const
    {
        return (startedAtNs >= 0 && finishedAtNs >= startedAtNs) ? finishedAtNs - startedAtNs : -1;
    }
    // The duration a finished result carries: measured here, or by the earlier run it was
    // restored from; -1 while unknown.
    qint64 resultDurationNs() const { return restored ? restoredDurationNs() : durationNs(); }
    qint64 queuedNs() const
    {
        return (queuedAtNs >= 0 && startedAtNs >= queuedAtNs) ? startedAtNs - queuedAtNs : -1;
    }

private:
    QSharedDataPointer<JobDetails> m_details;
};

// Stable, lower-case identifiers used in exports and on the command line. (Not named
// toString: QTest's toString must stay the one QCOMPARE finds for these enums.)
QString stateName(JobState state);
QString errorKindName(ErrorKind kind);
bool stateFromName(const QString &text, JobState *state);
bool errorKindFromName(const QString &text, ErrorKind *kind);

// headers, sharing the bytes of *previous wherever they are equal (each name, each value, and the
// whole list when nothing differs); *previous becomes the result. One server answers a long list
// with the same few headers again and again, and a finished job keeps them for the details pane
// and the HAR export: shared, a million finished jobs hold one copy instead of a million.
HeaderList sharedHeaders(HeaderList headers, HeaderList *previous);

// An address as Job::serverAddress() keeps it: an IPv4-mapped IPv6 address (a dual-stack
// socket's IPv4 peer) as IPv4, any other as QHostAddress writes it.
QString serverAddressText(const QHostAddress &address);

} // namespace Parafetch

Q_DECLARE_TYPEINFO(Parafetch::Job, Q_RELOCATABLE_TYPE);
Q_DECLARE_METATYPE(Parafetch::Job)
