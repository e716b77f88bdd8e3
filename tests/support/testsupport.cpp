// Helpers shared by the tests.
#include "testsupport.h"

#include "fetchengine.h"
#include "urllistparser.h"

#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>

namespace Parafetch::TestSupport {

QList<UrlEntry> entriesFor(const QList<QUrl> &urls)
{
    QList<UrlEntry> entries;
    entries.reserve(urls.size());
    int line = 0;
    for (const QUrl &url : urls) {
        UrlEntry entry;
        entry.url = url;
        entry.line = ++line;
        entries.append(entry);
    }
    return entries;
}

FetchOptions testOptions(int concurrency)
{
    FetchOptions options;
    options.concurrency = concurrency;
    options.retryBaseDelayMs = 10;
    options.retries = 0;
    return options;
}

bool runToEnd(FetchEngine &engine, int timeoutMs)
{
    QSignalSpy finished(&engine, &FetchEngine::runFinished);
    engine.start();
    return finished.count() > 0 || finished.wait(timeoutMs);
}

QUrl refusedUrl()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost))
        return {};
    const quint16 port = server.serverPort();
    server.close();
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setPath(QStringLiteral("/refused"));
    return url;
}

qint64 peakRssBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (line.startsWith("VmHWM:")) {
            const QList<QByteArray> parts = line.simplified().split(' ');
            return parts.size() >= 2 ? parts.at(1).toLongLong() * 1024 : -1;
        }
    }
    return -1;
}

} // namespace Parafetch::TestSupport
