// SPDX-License-Identifier: GPL-3.0-or-later
// The loopback server's endpoints: a request in, a plain description of the answer out, no sockets.
#pragma once

#include "server/loopbackserver.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QPair>

#include <atomic>

namespace Parafetch::LoopbackDetail {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

constexpr QByteArrayView TextType("text/plain; charset=utf-8");
constexpr QByteArrayView BinaryType("application/octet-stream");

enum class BodyKind : quint8 {
    Fixed, // `body`
    Pattern, // `bodyLength` bytes of the pattern, streamed
    Drip, // `bodyLength` bytes of the pattern, one per `dripIntervalMs`
    Resumable, // `bodyLength` bytes of resumableBytes() from `bodyStart`, streamed
};

enum class EndAction : quint8 {
    KeepAlive,
    Close, // announced with "Connection: close", e.g. after a malformed request
    CloseQuietly, // the connection just ends, as if the server died (truncate)
    Hold, // nothing more is sent and the connection stays open: a server that stalls
    Reset, // RST where the platform allows it
};

// An answer as the connection will send it: Content-Type, Content-Length (unless told not to),
// `headers` in order and "Connection", then the body after `delayMs`, then `end`.
struct ResponsePlan
{
    int status = 200;
    QByteArray contentType = TextType.toByteArray();
    HeaderList headers;
    BodyKind bodyKind = BodyKind::Fixed;
    QByteArray body;
    qint64 bodyLength = 0; // for Pattern, Drip and Resumable
    qint64 bodyStart = 0; // for Resumable: the offset of the first byte sent
    qint64 announcedLength = -1; // Content-Length when it differs from what is sent
    bool sendContentLength = true;
    int delayMs = 0;
    int dripIntervalMs = 0;
    EndAction end = EndAction::KeepAlive;

    qint64 contentLength() const
    {
        if (announcedLength >= 0)
            return announcedLength;
        return bodyKind == BodyKind::Fixed ? body.size() : bodyLength;
    }
};

// What the endpoints remember between requests, shared by every connection of one server (so
// thread-safe): the hit counts of /flaky keys and /resumable tags, the /resumable?changing=1
// serial.
class EndpointState final
{
    Q_DISABLE_COPY_MOVE(EndpointState)

public:
    EndpointState() = default;
    ~EndpointState() = default;

    // How many earlier requests named this key; counts this one.
    int hit(const QByteArray &key);
    quint64 nextEntityTagSerial(); // 1, 2, 3, ... for the life of the server
    void clearHits(); // LoopbackServer::resetStatistics()

private:
    QMutex m_mutex; // guards m_hits
    QHash<QByteArray, int> m_hits; // keys: "flaky/<key>", "resumable/<tag>"
    std::atomic<quint64> m_entityTagSerial { 0 };
};

// The answer to a parsed request head (see LoopbackServer for the endpoints); 405 for methods
// other than GET and HEAD. A HEAD gets the GET answer: the connection leaves the body out.
ResponsePlan route(const RecordedRequest &request, EndpointState *state);

// The plain-text error answer: "<status> <reason>: <detail>\n".
ResponsePlan errorPlan(int status, QByteArrayView detail);

// RFC 9110 reason phrases (and 418); "Unknown" for any other status.
QByteArray reasonPhrase(int status);

// The pieces of HTTP/1.1 syntax that request heads and endpoint parameters share.
inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

inline bool isControl(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

// Digits only: no sign, no blanks, nothing that could overflow.
bool parseCount(QByteArrayView text, qint64 *value);
bool isToken(QByteArrayView text);
// Header values may hold tabs and any visible byte, never CR, LF or other controls.
bool isFieldValue(QByteArrayView text);
// Whether a comma-separated list (a Connection header) holds the token, case-insensitively.
bool hasToken(const QByteArray &list, QByteArrayView token);

} // namespace Parafetch::LoopbackDetail
