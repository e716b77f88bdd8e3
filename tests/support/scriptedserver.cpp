// SPDX-License-Identifier: GPL-3.0-or-later
// A raw-bytes HTTP server for tests (TCP or TLS), and the chunked framing of its scripts.
#include "scriptedserver.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <optional>

namespace Parafetch::TestSupport {

namespace {

const QByteArray NotFoundResponse = QByteArrayLiteral(
    "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n\r\nnot found\n");

// The request target without its query.
QByteArray pathOf(const QByteArray &target)
{
    const qsizetype query = target.indexOf('?');
    return query < 0 ? target : target.first(query);
}

} // namespace

// Accepts TCP, or with a TLS configuration hands out sockets whose server handshake has started:
// what they read is already decrypted, and what is written to them is encrypted.
class ScriptedServer::Listener final : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;

    std::optional<QSslConfiguration> tls;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        if (!tls) {
            QTcpServer::incomingConnection(descriptor);
            return;
        }
        auto *socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->setSslConfiguration(*tls);
        socket->startServerEncryption();
        addPendingConnection(socket);
    }
};

struct ScriptedServer::Connection
{
    enum class State : quint8 { Reading, Answering, Held, Closed };

    QTcpSocket *socket = nullptr;
    int number = 0;
    QByteArray buffer; // received and not yet parsed
    Script steps;
    qsizetype nextStep = 0;
    State state = State::Reading;
};

bool ScriptedServer::Request::hasHeader(QByteArrayView name) const
{
    for (const auto &[fieldName, value] : headers) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray ScriptedServer::Request::header(QByteArrayView name) const
{
    for (const auto &[fieldName, value] : headers) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

ScriptedServer::ScriptedServer(Address address, QObject *parent)
    : QObject(parent)
    , m_server(new Listener(this))
    , m_address(address)
{
    connect(m_server, &QTcpServer::newConnection, this, &ScriptedServer::onNewConnection);
}

ScriptedServer::~ScriptedServer()
{
    for (Connection *connection : std::as_const(m_connections)) {
        connection->socket->disconnect(this);
        connection->socket->abort();
        delete connection->socket;
        delete connection;
    }
}

bool ScriptedServer::setTls(const QString &certificateFile, const QString &keyFile,
                            const QList<QByteArray> &alpn)
{
    const auto failed = [this](const QString &message) {
        m_errorString = message;
        return false;
    };
    if (m_server->isListening())
        return failed(QStringLiteral("TLS can only be set up before listen()"));
    if (!QSslSocket::supportsSsl())
        return failed(QStringLiteral("this Qt has no TLS backend"));
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certificateFile);
    if (chain.isEmpty())
        return failed(QStringLiteral("no PEM certificate in %1").arg(certificateFile));
    QFile file(keyFile);
    if (!file.open(QIODevice::ReadOnly))
        return failed(QStringLiteral("cannot read %1: %2").arg(keyFile, file.errorString()));
    const QByteArray pem = file.readAll();
    QSslKey key(pem, QSsl::Ec);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Rsa);
    if (key.isNull())
        return failed(QStringLiteral("no EC or RSA private key in %1").arg(keyFile));

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    // What the server settles on when the client offers more (Qt offers h2 and http/1.1).
    configuration.setAllowedNextProtocols(alpn);
    m_server->tls = configuration;
    return true;
}

bool ScriptedServer::isTls() const
{
    return m_server->tls.has_value();
}

bool ScriptedServer::listen()
{
    m_errorString.clear();
    return m_server->listen(m_address == Address::IPv6 ? QHostAddress::LocalHostIPv6
                                                       : QHostAddress::LocalHost);
}

QString ScriptedServer::errorString() const
{
    return m_errorString.isEmpty() ? m_server->errorString() : m_errorString;
}

quint16 ScriptedServer::port() const
{
    return m_server->serverPort();
}

QUrl ScriptedServer::url(const QByteArray &path) const
{
    QUrl url;
    url.setScheme(isTls() ? QStringLiteral("https") : QStringLiteral("http"));
    url.setHost(m_address == Address::IPv6 ? QStringLiteral("::1") : QStringLiteral("127.0.0.1"));
    url.setPort(port());
    url.setPath(QString::fromLatin1(path));
    return url;
}

void ScriptedServer::script(const QByteArray &path, const Script &steps)
{
    m_scripts.insert(path, steps);
}

QList<ScriptedServer::Request> ScriptedServer::requestsFor(const QByteArray &path) const
{
    QList<Request> matching;
    for (const Request &request : m_requests) {
        if (pathOf(request.target) == path)
            matching.append(request);
    }
    return matching;
}

QByteArray ScriptedServer::chunked(const QList<QByteArray> &chunks, const QByteArray &lineEnd,
                                   const QList<QByteArray> &trailer)
{
    QByteArray body;
    for (const QByteArray &chunk : chunks) {
        body += QByteArray::number(chunk.size(), 16) + lineEnd + chunk + lineEnd;
    }
    body += "0" + lineEnd;
    for (const QByteArray &line : trailer)
        body += line + lineEnd;
    body += lineEnd;
    return body;
}

void ScriptedServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        // Each write leaves at once, so that a pause between two sends splits TCP segments.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        auto *connection = new Connection;
        connection->socket = socket;
        connection->number = ++m_connectionCount;
        m_connections.append(connection);
        connect(socket, &QTcpSocket::readyRead, this,
                [this, connection] { readRequests(connection); });
        connect(socket, &QTcpSocket::disconnected, this,
                [connection] { connection->state = Connection::State::Closed; });
        readRequests(connection);
    }
}

void ScriptedServer::readRequests(Connection *connection)
{
    connection->buffer += connection->socket->readAll();
    if (connection->state != Connection::State::Reading)
        return; // answering, or held: what arrives waits (or is ignored)

    qsizetype end = connection->buffer.indexOf("\r\n\r\n");
    qsizetype separator = 4;
    const qsizetype bareEnd = connection->buffer.indexOf("\n\n");
    if (bareEnd >= 0 && (end < 0 || bareEnd < end)) {
        end = bareEnd;
        separator = 2;
    }
    if (end < 0) {
        if (connection->buffer.size() > MaxRequestHeadBytes)
            finish(connection);
        return;
    }

    Request request;
    request.connection = connection->number;
    if (const auto *tls = qobject_cast<const QSslSocket *>(connection->socket)) {
        request.encrypted = tls->isEncrypted();
        request.alpn = tls->sslConfiguration().nextNegotiatedProtocol();
    }
    request.head = connection->buffer.left(end + separator);
    connection->buffer.remove(0, end + separator);
    const QList<QByteArray> lines = request.head.trimmed().split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    request.method = requestLine.value(0);
    request.target = requestLine.value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.append({ line.left(colon), line.mid(colon + 1).trimmed() });
    }
    m_requests.append(request);

    const QByteArray path = pathOf(request.target);
    const auto found = m_scripts.constFind(path);
    connection->steps =
        found != m_scripts.cend() ? *found : Script { send(NotFoundResponse), next() };
    connection->nextStep = 0;
    connection->state = Connection::State::Answering;
    runSteps(connection);
}

void ScriptedServer::runSteps(Connection *connection)
{
    if (connection->state != Connection::State::Answering)
        return; // the client left
    while (connection->nextStep < connection->steps.size()) {
        const Step &step = connection->steps.at(connection->nextStep++);
        switch (step.kind) {
        case Step::Kind::Send:
            connection->socket->write(step.bytes);
            break;
        case Step::Kind::Pause:
            connection->socket->flush();
            QTimer::singleShot(step.ms, connection->socket,
                               [this, connection] { runSteps(connection); });
            return;
        case Step::Kind::Close:
            finish(connection);
            return;
        case Step::Kind::Hold:
            connection->socket->flush();
            connection->state = Connection::State::Held;
            return;
        case Step::Kind::Next:
            connection->socket->flush();
            connection->state = Connection::State::Reading;
            readRequests(connection); // a request may already wait in the buffer
            return;
        }
    }
    finish(connection);
}

void ScriptedServer::finish(Connection *connection)
{
    connection->state = Connection::State::Closed;
    connection->socket->disconnectFromHost(); // after what is still queued has been written
}

} // namespace Parafetch::TestSupport
