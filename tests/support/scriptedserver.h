// SPDX-License-Identifier: GPL-3.0-or-later
// A raw-bytes HTTP server for tests (TCP or TLS): each path answers with the bytes a test scripted.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPair>
#include <QUrl>

class QTcpSocket;

namespace Parafetch::TestSupport {

// LoopbackServer (core/) answers like a well-behaved server; this one says whatever it is told,
// broken framing and all, so that a test can hold the client to the protocol. It lives in the
// thread that creates it: that thread must spin its event loop (QSignalSpy::wait, QTRY_*) while a
// client talks to it.
//
// Over TLS (setTls) the steps play exactly as over TCP, on the decrypted stream.
//
// Every request for a path runs that path's steps, in order, on the connection it arrived on.
// A script that ends without close, hold or next closes the connection once its bytes are out.
// Unscripted paths get a 404 with a Content-Length, and the connection stays usable.
class ScriptedServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScriptedServer)

public:
    enum class Address { IPv4, IPv6 };

    struct Step
    {
        enum class Kind : quint8 {
            Send, // write these exact bytes
            Pause, // wait, so that what was sent before leaves as its own TCP segment
            Close, // close the connection (FIN) once everything is written
            Hold, // keep the connection open and say nothing more, ever
            Next, // read the next request on this connection (keep-alive)
        };
        Kind kind = Kind::Send;
        QByteArray bytes;
        int ms = 0;
    };
    using Script = QList<Step>;

    static Step send(const QByteArray &bytes) { return { Step::Kind::Send, bytes, 0 }; }
    static Step pause(int ms) { return { Step::Kind::Pause, {}, ms }; }
    static Step close() { return { Step::Kind::Close, {}, 0 }; }
    static Step hold() { return { Step::Kind::Hold, {}, 0 }; }
    static Step next() { return { Step::Kind::Next, {}, 0 }; }

    // One request head as it arrived.
    struct Request
    {
        int connection = 0; // 1 for the first connection accepted, 2 for the next...
        bool encrypted = false; // it came over TLS
        QByteArray alpn; // over TLS, the protocol ALPN settled on; empty if none (or over TCP)
        QByteArray method;
        QByteArray target; // path and query, as sent
        QByteArray head; // the whole head, request line to the empty line
        QList<QPair<QByteArray, QByteArray>> headers; // in order, values trimmed
        // Whether a field of that name (case-insensitive) was sent at all.
        bool hasHeader(QByteArrayView name) const;
        // The first field of that name (case-insensitive), empty if absent.
        QByteArray header(QByteArrayView name) const;
    };

    // A request head larger than this is answered with nothing: the connection is closed.
    static constexpr qsizetype MaxRequestHeadBytes = 64 * 1024;

    explicit ScriptedServer(Address address = Address::IPv4, QObject *parent = nullptr);
    ~ScriptedServer() override; // closes every connection

    // Serve TLS from listen() on: this certificate chain and private key (PEM files), and in the
    // handshake only these ALPN protocols (none: no ALPN at all). Before listen(); false with
    // errorString() on failure.
    bool setTls(const QString &certificateFile, const QString &keyFile,
                const QList<QByteArray> &alpn = { QByteArrayLiteral("http/1.1") });
    bool isTls() const;

    // An ephemeral port on 127.0.0.1 (or ::1). False with errorString() on failure.
    bool listen();
    QString errorString() const;
    quint16 port() const;

    // http://127.0.0.1:PORT/path (http://[::1]:PORT/path; https:// over TLS): never a name to
    // resolve.
    QUrl url(const QByteArray &path) const;

    // Replaces the steps of `path` (the request target without its query).
    void script(const QByteArray &path, const Script &steps);

    QList<Request> requests() const { return m_requests; }
    QList<Request> requestsFor(const QByteArray &path) const;
    int connectionCount() const { return m_connectionCount; }

    // Framings, built here so that tests state what they mean rather than bytes (compressed
    // bodies: compression.h).
    // A chunked body: each chunk's size in hex, the chunk, then the last chunk, the trailer
    // lines (each followed by lineEnd) and the final empty line.
    static QByteArray chunked(const QList<QByteArray> &chunks, const QByteArray &lineEnd = "\r\n",
                              const QList<QByteArray> &trailer = {});

private:
    class Listener;
    struct Connection;

    void onNewConnection();
    void readRequests(Connection *connection);
    void runSteps(Connection *connection);
    void finish(Connection *connection);

    Listener *m_server = nullptr;
    QString m_errorString; // setTls's; the listener's own otherwise
    Address m_address;
    QHash<QByteArray, Script> m_scripts;
    QList<Request> m_requests;
    QList<Connection *> m_connections;
    int m_connectionCount = 0;
};

} // namespace Parafetch::TestSupport

Q_DECLARE_METATYPE(Parafetch::TestSupport::ScriptedServer::Script)
