// SPDX-License-Identifier: GPL-3.0-or-later
// What Qt Network itself can do on this machine: the cheapest way we know to drive
// QNetworkAccessManager, as a floor for Parafetch's own request rate. Not part of the product
// and not part of the CMake build; bench/profile.sh builds and runs it:
//
//   g++ -O2 -std=c++17 -fPIC bench/qnam_floor.cpp -o /tmp/qnam_floor \
//       $(pkg-config --cflags --libs Qt6Network Qt6Core)
//   /tmp/qnam_floor -j 32 [-m MANAGERS] [--hash] [--pipelining] [--ca-file CA.pem] LIST
//
// One thread (the main one) keeps N requests in flight, spread over M managers (default
// ceil(N/6): Qt opens at most 6 connections per host per manager), with no QRunnable, no
// per-request QEventLoop, no proxy lookup (NoProxy) and bodies read into one reused buffer.
// Qt still creates one HTTP thread per manager and hops to it for every request; that part is
// Qt's and is what this program measures. Over https Qt offers h2 by ALPN and, when the server
// takes it, multiplexes a manager's requests on one connection (Qt's HTTP/2 floor, workload e).
//
// --pipelining sets QNetworkRequest::HttpPipeliningAllowedAttribute (HTTP/1.1 only; Qt sends up
// to 3 requests on a connection before the first answer, once that connection's first response
// said HTTP/1.1 with keep-alive). Qt queues a request on a busy connection only when all 6 of its
// manager's connections are busy, so with --pipelining the default is ceil(N/18) managers
// (6 connections x 3 requests deep); otherwise nothing would ever be pipelined.
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>

#include <cstdio>
#include <memory>
#include <vector>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int concurrency = 32, managers = 0;
    bool hash = false, pipelining = false;
    QString listPath, caFile;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("-j") && i + 1 < args.size())
            concurrency = args[++i].toInt();
        else if (args[i] == QLatin1String("-m") && i + 1 < args.size())
            managers = args[++i].toInt();
        else if (args[i] == QLatin1String("--hash"))
            hash = true;
        else if (args[i] == QLatin1String("--pipelining"))
            pipelining = true;
        else if (args[i] == QLatin1String("--ca-file") && i + 1 < args.size())
            caFile = args[++i];
        else
            listPath = args[i];
    }
    QFile file(listPath);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr,
                     "usage: qnam_floor -j N [-m M] [--hash] [--pipelining] "
                     "[--ca-file CA.pem] LIST\n");
        return 2;
    }
    if (!caFile.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(QSslCertificate::fromPath(caFile));
        QSslConfiguration::setDefaultConfiguration(tls);
    }
    std::vector<QUrl> urls;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (!line.isEmpty())
            urls.emplace_back(QUrl::fromEncoded(line));
    }
    constexpr int ConnectionsPerManager = 6, PipelineDepth = 3; // Qt 6.4's, per host
    const int requestsPerManager =
        pipelining ? ConnectionsPerManager * PipelineDepth : ConnectionsPerManager;
    if (managers <= 0)
        managers = (concurrency + requestsPerManager - 1) / requestsPerManager;

    std::vector<std::unique_ptr<QNetworkAccessManager>> pool;
    for (int i = 0; i < managers; ++i) {
        auto manager = std::make_unique<QNetworkAccessManager>();
        manager->setProxy(QNetworkProxy::NoProxy);
        manager->setAutoDeleteReplies(false);
        pool.push_back(std::move(manager));
    }

    QByteArray buffer(256 * 1024, Qt::Uninitialized);
    size_t next = 0, done = 0, failed = 0, http2 = 0, pipelined = 0;
    qint64 bytes = 0;
    QElapsedTimer timer;

    std::function<void()> startOne = [&] {
        if (next >= urls.size())
            return;
        const size_t index = next++;
        QNetworkAccessManager *manager = pool[index % pool.size()].get();
        QNetworkRequest request(urls[index]);
        if (pipelining)
            request.setAttribute(QNetworkRequest::HttpPipeliningAllowedAttribute, true);
        QNetworkReply *reply = manager->get(request);
        auto digest =
            hash ? std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256) : nullptr;
        auto drain = [&, reply, digest] {
            for (;;) {
                const qint64 n = reply->read(buffer.data(), buffer.size());
                if (n <= 0)
                    break;
                bytes += n;
                if (digest)
                    digest->addData(QByteArrayView(buffer.constData(), n));
            }
        };
        QObject::connect(reply, &QNetworkReply::readyRead, reply, drain);
        QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply, drain] {
            drain();
            if (reply->error() != QNetworkReply::NoError)
                ++failed;
            if (reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool())
                ++http2;
            if (reply->attribute(QNetworkRequest::HttpPipeliningWasUsedAttribute).toBool())
                ++pipelined;
            reply->deleteLater();
            if (++done == urls.size())
                QCoreApplication::quit();
            else
                startOne();
        });
    };

    timer.start();
    for (int i = 0; i < concurrency; ++i)
        startOne();
    if (!urls.empty())
        app.exec();
    const double seconds = timer.nsecsElapsed() / 1e9;
    std::printf("main takes time=%.3fs\n", seconds);
    std::printf("urls=%zu failed=%zu h2=%zu pipelined=%zu bytes=%lld managers=%d in-flight=%d "
                "req/s=%.0f\n",
                urls.size(), failed, http2, pipelined, static_cast<long long>(bytes), managers,
                concurrency, urls.size() / seconds);
    return failed ? 1 : 0;
}
