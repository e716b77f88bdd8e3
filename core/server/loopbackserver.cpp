// SPDX-License-Identifier: GPL-3.0-or-later
// The loopback HTTP/1.1 server's public class: its worker threads, the accepting socket and the
// statistics every connection reports to.
#include "server/loopbackserver.h"

#include "server/loopbackbodies.h"
#include "server/loopbackconnection.h"
#include "server/loopbackendpoints.h"

#include <QFile>
#include <QHostAddress>
#include <QMutex>
#include <QMutexLocker>
#include <QSemaphore>
#include <QSet>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace Parafetch {

namespace {

// Benchmarks open dozens of connections at once; Qt's default backlog is 50.
constexpr int ListenBacklog = 512;

void closeDescriptor(qintptr descriptor)
{
#ifdef Q_OS_UNIX
    ::close(int(descriptor));
#else
    Q_UNUSED(descriptor); // the platform reclaims it at exit; never seen in practice
#endif
}

} // namespace

namespace LoopbackDetail {
class WorkerThread;
}

QByteArray RecordedRequest::header(QByteArrayView name) const
{
    for (const auto &field : headers) {
        if (QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) == 0)
            return field.second;
    }
    return {};
}

// What every thread of one server shares: counters, the request log, the endpoints' memory, the
// TLS setup.
struct LoopbackServerPrivate final : LoopbackDetail::RequestObserver
{
    void requestBegan(const RecordedRequest &request) override
    {
        requestCount.fetch_add(1, std::memory_order_relaxed);
        const int now = inFlight.fetch_add(1) + 1;
        int peak = maxInFlight.load();
        while (now > peak && !maxInFlight.compare_exchange_weak(peak, now)) { }

        const QMutexLocker locker(&mutex);
        recorded.append(request);
        if (recorded.size() > LoopbackServer::RecordedRequestLimit)
            recorded.removeFirst();
    }
    void requestEnded() override { inFlight.fetch_sub(1); }

    std::atomic<int> inFlight { 0 };
    std::atomic<int> maxInFlight { 0 };
    std::atomic<qint64> requestCount { 0 };
    std::atomic<qint64> connectionCount { 0 };
    std::atomic<quint16> port { 0 };

    mutable QMutex mutex; // guards recorded, errorString and address
    QList<RecordedRequest> recorded;
    QString errorString;
    QHostAddress address { QHostAddress::LocalHost }; // what listen() bound

    LoopbackDetail::EndpointState endpoints;
    // Set by the owner only while no thread runs, read by the workers: no lock needed.
    std::optional<QSslConfiguration> tls;

    QList<LoopbackDetail::WorkerThread *> threads; // only touched by the owner's thread
};

namespace LoopbackDetail {

// The connections of one worker thread; lives (and dies) in that thread.
class Worker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Worker)

public:
    explicit Worker(LoopbackServerPrivate *server)
        : m_server(server)
    { }
    ~Worker() override { shutdown(); }

    void adopt(qintptr descriptor);
    bool startListening(const QHostAddress &address, quint16 port, const QList<Worker *> &targets,
                        QString *error, quint16 *boundPort);
    void stopListening()
    {
        delete m_acceptor;
        m_acceptor = nullptr;
    }
    void shutdown()
    {
        stopListening();
        const QSet<Connection *> connections = std::exchange(m_connections, {});
        qDeleteAll(connections);
    }

private:
    void release(Connection *connection)
    {
        m_connections.remove(connection);
        connection->deleteLater(); // we may be inside one of its socket's signals
    }

    LoopbackServerPrivate *const m_server;
    QTcpServer *m_acceptor = nullptr;
    QSet<Connection *> m_connections;
};

// Accepts in the first worker thread and deals the descriptors out round-robin.
class Acceptor final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Acceptor)

public:
    Acceptor(const QList<Worker *> &targets, QObject *parent)
        : QTcpServer(parent)
        , m_targets(targets)
    { }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        Worker *target = m_targets.at(m_next);
        m_next = (m_next + 1) % m_targets.size();
        if (target->thread() == QThread::currentThread()) {
            target->adopt(descriptor);
            return;
        }
        // Queued events run in order, so LoopbackServer::close() (which stops this acceptor
        // before it shuts the workers down) never loses a descriptor in flight.
        QMetaObject::invokeMethod(
            target, [target, descriptor] { target->adopt(descriptor); }, Qt::QueuedConnection);
    }

private:
    const QList<Worker *> m_targets;
    qsizetype m_next = 0;
};

void Worker::adopt(qintptr descriptor)
{
    const QSslConfiguration *tls = m_server->tls ? &*m_server->tls : nullptr;
    auto *connection = new Connection(m_server, &m_server->endpoints, tls, this);
    connect(connection, &Connection::gone, this, [this, connection] { release(connection); });
    if (!connection->open(descriptor)) {
        delete connection;
        closeDescriptor(descriptor);
        return;
    }
    m_connections.insert(connection);
    m_server->connectionCount.fetch_add(1, std::memory_order_relaxed);
}

bool Worker::startListening(const QHostAddress &address, quint16 port,
                            const QList<Worker *> &targets, QString *error, quint16 *boundPort)
{
    auto *acceptor = new Acceptor(targets, this);
    acceptor->setListenBacklogSize(ListenBacklog);
    if (!acceptor->listen(address, port)) {
        *error = acceptor->errorString();
        delete acceptor;
        return false;
    }
    *boundPort = acceptor->serverPort();
    m_acceptor = acceptor;
    return true;
}

// Owns the Worker of one thread: created and destroyed inside run(), so every socket and timer
// is created, used and deleted in the same thread.
class WorkerThread final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkerThread)

public:
    explicit WorkerThread(LoopbackServerPrivate *server)
        : m_server(server)
    { }

    Worker *startWorker()
    {
        start();
        m_ready.acquire();
        return m_worker;
    }
    Worker *worker() const { return m_worker; }

protected:
    void run() override
    {
        Worker worker(m_server);
        m_worker = &worker;
        m_ready.release();
        exec();
        worker.shutdown();
    }

private:
    LoopbackServerPrivate *const m_server;
    Worker *m_worker = nullptr;
    QSemaphore m_ready;
};

// Runs `function` in the worker's thread and waits for it.
template<typename Function> void runIn(Worker *worker, Function function)
{
    Q_ASSERT(worker->thread() != QThread::currentThread());
    QMetaObject::invokeMethod(worker, std::move(function), Qt::BlockingQueuedConnection);
}

} // namespace LoopbackDetail

using namespace LoopbackDetail;

LoopbackServer::LoopbackServer(QObject *parent)
    : QObject(parent)
    , m_private(std::make_unique<LoopbackServerPrivate>())
{ }

LoopbackServer::~LoopbackServer()
{
    close();
}

bool LoopbackServer::listen(quint16 port, int threadCount, const QHostAddress &address)
{
    if (isListening()) {
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString =
            tr("The server is already listening on port %1.").arg(m_private->port.load());
        return false;
    }
    if (!address.isLoopback()) {
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString =
            tr("The server listens on loopback addresses only, not %1.").arg(address.toString());
        return false;
    }
    threadCount = std::clamp(threadCount, 1, MaxThreadCount);
    QList<Worker *> workers;
    for (int i = 0; i < threadCount; ++i) {
        auto *thread = new WorkerThread(m_private.get());
        thread->setObjectName(QStringLiteral("loopback-%1").arg(i));
        m_private->threads.append(thread);
        workers.append(thread->startWorker());
    }

    bool listening = false;
    QString error;
    quint16 boundPort = 0;
    Worker *first = workers.constFirst();
    runIn(first,
          [&] { listening = first->startListening(address, port, workers, &error, &boundPort); });
    if (!listening) {
        close();
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString = error;
        return false;
    }
    {
        const QMutexLocker locker(&m_private->mutex);
        m_private->address = address;
    }
    m_private->port = boundPort;
    return true;
}

void LoopbackServer::close()
{
    auto &threads = m_private->threads;
    if (threads.isEmpty())
        return;
    // Stop accepting first: descriptors already dealt out are queued ahead of each shutdown.
    Worker *first = threads.constFirst()->worker();
    runIn(first, [first] { first->stopListening(); });
    for (WorkerThread *thread : std::as_const(threads)) {
        Worker *worker = thread->worker();
        runIn(worker, [worker] { worker->shutdown(); });
    }
    for (WorkerThread *thread : std::as_const(threads))
        thread->quit();
    for (WorkerThread *thread : std::as_const(threads))
        thread->wait();
    qDeleteAll(threads);
    threads.clear();
    m_private->port = 0;
}

bool LoopbackServer::setTlsFiles(const QString &certificateFile, const QString &keyFile)
{
    const auto failed = [this](const QString &message) {
        const QMutexLocker locker(&m_private->mutex);
        m_private->errorString = message;
        return false;
    };
    if (isListening())
        return failed(tr("TLS can only be set up before listen()."));
    if (!QSslSocket::supportsSsl())
        return failed(tr("This Qt has no TLS backend."));
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certificateFile);
    if (chain.isEmpty())
        return failed(tr("No PEM certificate in %1.").arg(certificateFile));
    QFile file(keyFile);
    if (!file.open(QIODevice::ReadOnly))
        return failed(tr("Cannot read %1: %2").arg(keyFile, file.errorString()));
    const QByteArray pem = file.readAll();
    QSslKey key(pem, QSsl::Ec);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Rsa);
    if (key.isNull())
        return failed(tr("No EC or RSA private key in %1.").arg(keyFile));

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    // Clients that offer h2 (Qt does) must settle on what this server speaks.
    configuration.setAllowedNextProtocols({ QByteArray(QSslConfiguration::NextProtocolHttp1_1) });
    m_private->tls = configuration;
    return true;
}

bool LoopbackServer::isTls() const
{
    return m_private->tls.has_value();
}

bool LoopbackServer::isListening() const
{
    return !m_private->threads.isEmpty();
}

int LoopbackServer::threadCount() const
{
    return int(m_private->threads.size());
}

QString LoopbackServer::errorString() const
{
    const QMutexLocker locker(&m_private->mutex);
    return m_private->errorString;
}

quint16 LoopbackServer::port() const
{
    return m_private->port.load();
}

QUrl LoopbackServer::baseUrl() const
{
    QUrl base;
    base.setScheme(isTls() ? QStringLiteral("https") : QStringLiteral("http"));
    {
        const QMutexLocker locker(&m_private->mutex);
        base.setHost(m_private->address.toString());
    }
    base.setPort(port());
    return base;
}

QUrl LoopbackServer::url(const QString &pathAndQuery) const
{
    QString text = baseUrl().toString();
    if (!pathAndQuery.startsWith(QLatin1Char('/')))
        text += QLatin1Char('/');
    text += pathAndQuery;
    return QUrl(text);
}

int LoopbackServer::inFlight() const
{
    return m_private->inFlight.load();
}

int LoopbackServer::maxInFlight() const
{
    return m_private->maxInFlight.load();
}

qint64 LoopbackServer::requestCount() const
{
    return m_private->requestCount.load();
}

qint64 LoopbackServer::connectionCount() const
{
    return m_private->connectionCount.load();
}

void LoopbackServer::resetStatistics()
{
    m_private->maxInFlight = m_private->inFlight.load();
    m_private->requestCount = 0;
    m_private->connectionCount = 0;
    m_private->endpoints.clearHits();
}

QList<RecordedRequest> LoopbackServer::recordedRequests() const
{
    const QMutexLocker locker(&m_private->mutex);
    return m_private->recorded;
}

QByteArray LoopbackServer::bodyBytes(qint64 offset, qint64 size)
{
    return patternBytes(offset, size);
}

QByteArray LoopbackServer::expectedSha256(qint64 size)
{
    return patternSha256(size);
}

QByteArray LoopbackServer::resumableBytes(qint64 offset, qint64 size)
{
    return LoopbackDetail::resumableBytes(offset, size);
}

QByteArray LoopbackServer::expectedResumableSha256(qint64 size)
{
    return resumableSha256(size);
}

QByteArray LoopbackServer::gzipBomb(qint64 size)
{
    return LoopbackDetail::gzipBomb(size);
}

} // namespace Parafetch

#include "loopbackserver.moc"
