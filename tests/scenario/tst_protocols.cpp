// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch --headless with --http1.1 and --http2 against real servers (nghttpd, nginx): the
// protocol and connection each exported row names, what the server saw, and bad combinations.
#include "exitcodes.h"
#include "http2servers.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int HangGuardMs = 120'000; // only reached when something is broken
constexpr int ServerLogGuardMs = 10'000; // nginx logs a request just after answering it
constexpr int Files = 4;

enum class Server { None, NghttpdTls, NghttpdCleartext, NginxWithH2 };

bool runParafetch(const QStringList &arguments, ProgramRun *run)
{
    return runProgram(QStringLiteral(PARAFETCH_EXECUTABLE), arguments, run, HangGuardMs);
}

} // namespace

Q_DECLARE_METATYPE(Server)

class TestProtocols : public QObject
{
    Q_OBJECT

private slots:
    void exportNamesProtocolAndConnection_data();
    void exportNamesProtocolAndConnection();
    void badProtocolOptions_data();
    void badProtocolOptions();
};

void TestProtocols::exportNamesProtocolAndConnection_data()
{
    QTest::addColumn<Server>("server");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("protocol"); // every row's export `protocol`
    QTest::addColumn<QString>("serverSaw"); // nginx's $server_protocol, "" for nghttpd

    // -j 2: two lanes on one network manager multiplex on one h2 connection, while over
    // HTTP/1.1 each keeps its own.
    QTest::newRow("default over TLS, h2 offered: h2")
        << Server::NghttpdTls << QStringList { QStringLiteral("-j"), QStringLiteral("2") }
        << QStringLiteral("h2") << QString();
    QTest::newRow("--http1.1 over TLS, h2 offered: HTTP/1.1, and the server saw HTTP/1.1")
        << Server::NginxWithH2
        << QStringList { QStringLiteral("--http1.1"), QStringLiteral("-j"), QStringLiteral("1") }
        << QStringLiteral("http/1.1") << QStringLiteral("HTTP/1.1");
    QTest::newRow("default over TLS, nginx with h2: h2, and the server saw HTTP/2")
        << Server::NginxWithH2 << QStringList { QStringLiteral("-j"), QStringLiteral("1") }
        << QStringLiteral("h2") << QStringLiteral("HTTP/2.0");
    QTest::newRow("--http2 cleartext: h2 with prior knowledge")
        << Server::NghttpdCleartext
        << QStringList { QStringLiteral("--http2"), QStringLiteral("-j"), QStringLiteral("2") }
        << QStringLiteral("h2") << QString();
}

void TestProtocols::exportNamesProtocolAndConnection()
{
    QFETCH(Server, server);
    QFETCH(QStringList, options);
    QFETCH(QString, protocol);
    QFETCH(QString, serverSaw);

    const bool nghttpd = server != Server::NginxWithH2;
    if (nghttpd && NghttpdServer::program().isEmpty())
        QSKIP(NghttpdServer::missingMessage());
    if (!nghttpd && NginxServer::program().isEmpty())
        QSKIP(NginxServer::missingMessage());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString root = QDir(dir.path()).filePath(QStringLiteral("www"));
    QVERIFY(QDir().mkpath(root));
    for (int i = 0; i < Files; ++i) {
        QFile file(QDir(root).filePath(QStringLiteral("f%1.txt").arg(i)));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(1000 + i, 'x'));
    }

    std::unique_ptr<ServerProcess> process;
    NginxServer *nginx = nullptr;
    QString problem;
    if (nghttpd) {
        auto *h2only = new NghttpdServer;
        process.reset(h2only);
        problem = h2only->start(root,
                                server == Server::NghttpdTls ? NghttpdServer::Transport::Tls
                                                             : NghttpdServer::Transport::Cleartext);
    } else {
        nginx = new NginxServer;
        process.reset(nginx);
        problem = nginx->start(root, NginxServer::Http2::Offered);
    }
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const QString exportPath = QDir(dir.path()).filePath(QStringLiteral("run.json"));
    QStringList arguments { QStringLiteral("--headless"),
                            QStringLiteral("--retries"),
                            QStringLiteral("0"),
                            QStringLiteral("--ca-file"),
                            tlsFile(QStringLiteral("ca.pem")),
                            QStringLiteral("--export"),
                            exportPath };
    arguments += options;
    for (int i = 0; i < Files; ++i)
        arguments.append(process->url(QStringLiteral("/f%1.txt").arg(i)).toString());
    ProgramRun run;
    QVERIFY(runParafetch(arguments, &run));
    QVERIFY2(run.exitCode == AllSucceeded, qPrintable(run.describe()));

    QFile file(exportPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray jobs =
        QJsonDocument::fromJson(file.readAll()).object().value(QLatin1String("jobs")).toArray();
    QCOMPARE(jobs.size(), Files);
    QSet<qint64> connections;
    int reused = 0;
    for (const QJsonValue &value : jobs) {
        const QJsonObject job = value.toObject();
        QCOMPARE(job.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(job.value(QLatin1String("protocol")).toString(), protocol);
        const qint64 connection = job.value(QLatin1String("connection")).toInteger();
        QVERIFY2(connection > 0, QJsonDocument(job).toJson().constData());
        connections.insert(connection);
        reused += job.value(QLatin1String("connectionReused")).toInt();
    }
    // Several URLs on one connection: multiplexed (h2) or kept alive (one lane).
    QVERIFY2(connections.size() < Files, qPrintable(QString::number(connections.size())));
    QCOMPARE(reused, Files - int(connections.size()));

    if (nginx) {
        QTRY_COMPARE_WITH_TIMEOUT(nginx->requests().size(), Files, ServerLogGuardMs);
        for (const NginxServer::Request &request : nginx->requests())
            QCOMPARE(request.protocol, serverSaw);
    }
}

void TestProtocols::badProtocolOptions_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("named"); // what the message must name

    QTest::newRow("--http1.1 with --http2 exits 2 naming both")
        << QStringList { QStringLiteral("--http1.1"), QStringLiteral("--http2") }
        << QStringList { QStringLiteral("--http1.1"), QStringLiteral("--http2") };
    QTest::newRow("--http2 with --http1.1 exits 2 naming both")
        << QStringList { QStringLiteral("--http2"), QStringLiteral("--http1.1") }
        << QStringList { QStringLiteral("--http1.1"), QStringLiteral("--http2") };
    QTest::newRow("--http2=yes exits 2: the flag takes no value")
        << QStringList { QStringLiteral("--http2=yes") } << QStringList { QStringLiteral("http2") };
    QTest::newRow("--http3 exits 2 naming it")
        << QStringList { QStringLiteral("--http3") } << QStringList { QStringLiteral("http3") };
}

void TestProtocols::badProtocolOptions()
{
    QFETCH(QStringList, options);
    QFETCH(QStringList, named);

    ProgramRun run;
    // Checked before anything is fetched: the URL is never asked for.
    QVERIFY(runParafetch(QStringList { QStringLiteral("--headless") } + options
                             + QStringList { refusedUrl().toString() },
                         &run));
    QVERIFY2(run.exitCode == BadInput, qPrintable(run.describe()));
    for (const QString &name : named)
        QVERIFY2(run.err.contains(name), qPrintable(run.describe()));
}

QTEST_GUILESS_MAIN(TestProtocols)
#include "tst_protocols.moc"
