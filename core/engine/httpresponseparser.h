// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.x responses read strictly (RFC 9112): status line, header fields, framing, 1xx skipped.
#pragma once

#include "units.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace Parafetch {

using HeaderField = QPair<QByteArray, QByteArray>;

// A response head as the server sent it: the fields in order, names as sent.
struct ResponseHead
{
    int status = 0;
    int versionMinor = 1; // HTTP/1.0 or HTTP/1.1
    QByteArray reason;
    QList<HeaderField> fields;

    // The values of every field with this name (case-insensitive), joined with ", " as RFC 9110
    // section 5.3 allows; empty if there is none.
    QByteArray value(QByteArrayView name) const;
    bool has(QByteArrayView name) const;
};

// Reads one response from the bytes a connection received, a step at a time, without copying
// the body: feed() says how much of the input it used and where the body bytes are. Pure (no
// sockets, no clock), so tests and the fuzzer drive it with any bytes in any split.
class HttpResponseParser final
{
public:
    enum class Step {
        // Nothing more can be read from this input: wait for more bytes (or the end). With
        // *consumed > 0 it made progress: call again with the rest.
        NeedMore,
        Interim, // a 1xx head was read and skipped (RFC 9110 section 15.2)
        Head, // the final head is read: head() holds it
        Body, // body bytes (transfer coding removed): see body
        Complete, // the response ended where its framing says
        Error, // see fault() and errorString(); the connection cannot be used again
    };
    enum class Fault {
        None,
        Protocol, // the bytes break HTTP/1.1: status line, field, framing
        Truncated, // the connection ended before the framing did
        NoResponse, // the connection ended before a single byte of a response
    };
    enum class Framing { None, Length, Chunked, UntilClose };

    // Limits on what a server may send before its body.
    static constexpr qsizetype MaxHeadBytes = 256 * Units::BytesPerKiB;
    static constexpr int MaxFields = 500;
    static constexpr int MaxInterimResponses = 32;
    static constexpr qsizetype MaxChunkLineBytes = 4096;
    static constexpr qsizetype MaxTrailerBytes = 64 * Units::BytesPerKiB;

    // The body length the head's Content-Length fields give: every value 1*DIGIT, all the same
    // (RFC 9110 section 8.6, RFC 9112 section 6.3). -1 without the field; false with *error
    // when the fields are invalid or disagree.
    static bool contentLengthOf(const ResponseHead &head, qint64 *length, QString *error);

    // A new response to a request with this method (HEAD has no body whatever the head says).
    void reset(bool requestWasHead);

    // Reads from input; *consumed is how many bytes of it were used (the caller drops them and
    // calls again with the rest plus whatever arrives). For Body, *body is a view into input.
    Step feed(QByteArrayView input, qsizetype *consumed, QByteArrayView *body);
    // The connection ended; whatever is left unread was already fed. Complete for a body that
    // runs until the connection closes, else Error (Truncated or NoResponse).
    Step finish();

    const ResponseHead &head() const { return m_head; }
    Framing framing() const { return m_framing; }
    // Content-Length, or -1 when the body is not delimited by one.
    qint64 contentLength() const { return m_framing == Framing::Length ? m_length : -1; }
    qint64 bodyBytes() const { return m_bodyBytes; } // transfer-decoded body bytes so far
    // Whether the connection may carry another request after this response.
    bool keepAlive() const { return m_keepAlive; }
    bool isComplete() const { return m_state == State::Done; }
    bool hasHead() const { return m_state > State::Head; }
    bool sawBytes() const { return m_sawBytes; }
    Fault fault() const { return m_fault; }
    QString errorString() const { return m_error; }

private:
    enum class State { Head, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Body, Done, Failed };

    Step readHead(QByteArrayView input, qsizetype *consumed);
    static qsizetype versionMismatch(QByteArrayView text);
    Step failNotHttp(QByteArrayView text);
    bool parseStatusLine(QByteArrayView line);
    bool parseHead(QByteArrayView head);
    bool decideFraming();
    Step fail(Fault fault, const QString &message);
    Step readChunkSize(QByteArrayView input, qsizetype *consumed);
    Step readChunkDataEnd(QByteArrayView input, qsizetype *consumed);
    Step readTrailers(QByteArrayView input, qsizetype *consumed);

    State m_state = State::Head;
    Framing m_framing = Framing::None;
    Fault m_fault = Fault::None;
    ResponseHead m_head;
    QString m_error;
    qint64 m_length = -1; // Content-Length
    qint64 m_remaining = 0; // of the body (Length) or of the current chunk
    qint64 m_bodyBytes = 0;
    qsizetype m_trailerBytes = 0;
    int m_interim = 0;
    bool m_requestWasHead = false;
    bool m_keepAlive = false;
    bool m_sawBytes = false;
};

} // namespace Parafetch
