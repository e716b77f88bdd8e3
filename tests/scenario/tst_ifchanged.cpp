// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch --headless --if-changed against nginx: a 304 leaves a URL unchanged and its saved file
// untouched, a changed file is fetched and replaced, and each run's export feeds the next.
#include "exitcodes.h"
#include "http2servers.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int HangGuardMs = 120'000; // only reached when something is broken
constexpr int ServerLogGuardMs = 10'000; // nginx logs a request just after answering it
constexpr int Files = 4;
constexpr int NotModified = 304;
constexpr int Ok = 200;

bool runParafetch(const QStringList &arguments, ProgramRun *run)
{
    return runProgram(QStringLiteral(PARAFETCH_EXECUTABLE), arguments, run, HangGuardMs);
}

QString fileName(int i)
{
    return QStringLiteral("f%1.txt").arg(i);
}

// The statuses nginx answered, by file name, for the requests logged after the first `skip`.
QHash<QString, int> statusesAfter(const NginxServer &nginx, int skip)
{
    QHash<QString, int> statuses;
    const QList<NginxServer::Request> requests = nginx.requests();
    for (int i = skip; i < requests.size(); ++i)
        statuses.insert(QUrl(requests.at(i).path).fileName(), requests.at(i).status);
    return statuses;
}

} // namespace

Q_DECLARE_METATYPE(Parafetch::TestSupport::NginxServer::Http2)

class TestIfChanged : public QObject
{
    Q_OBJECT

private slots:
    void refetchesOnlyWhatChanged_data();
    void refetchesOnlyWhatChanged();
};

void TestIfChanged::refetchesOnlyWhatChanged_data()
{
    QTest::addColumn<NginxServer::Http2>("http2");
    QTest::addColumn<QString>("protocol"); // as the export names it

    // HTTP/1.1 goes over our own sockets, h2 through Qt's reply: both must ask and take the 304.
    QTest::newRow("HTTP/1.1 over TLS, our own sockets")
        << NginxServer::Http2::NotOffered << QStringLiteral("http/1.1");
    QTest::newRow("h2 over TLS, Qt's route") << NginxServer::Http2::Offered << QStringLiteral("h2");
}

void TestIfChanged::refetchesOnlyWhatChanged()
{
    QFETCH(NginxServer::Http2, http2);
    QFETCH(QString, protocol);
    if (NginxServer::program().isEmpty())
        QSKIP(NginxServer::missingMessage());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QDir base(dir.path());
    const QString root = base.filePath(QStringLiteral("www"));
    const QString saved = base.filePath(QStringLiteral("saved"));
    QVERIFY(QDir().mkpath(root));
    const auto writeServed = [&](int i, const QByteArray &contents) {
        QFile file(QDir(root).filePath(fileName(i)));
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            && file.write(contents) == contents.size();
    };
    for (int i = 0; i < Files; ++i)
        QVERIFY(writeServed(i, QByteArray(1000 + i, 'a' + char(i))));

    NginxServer nginx;
    const QString problem = nginx.start(root, http2);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const auto run = [&](const QString &exportName, const QString &previous, ProgramRun *result) {
        QStringList arguments { QStringLiteral("--headless"),
                                QStringLiteral("--retries"),
                                QStringLiteral("0"),
                                QStringLiteral("--ca-file"),
                                tlsFile(QStringLiteral("ca.pem")),
                                QStringLiteral("-o"),
                                saved,
                                QStringLiteral("--export"),
                                base.filePath(exportName) };
        if (!previous.isEmpty())
            arguments << QStringLiteral("--if-changed") << base.filePath(previous);
        for (int i = 0; i < Files; ++i)
            arguments.append(nginx.url(QLatin1Char('/') + fileName(i)).toString());
        return runParafetch(arguments, result);
    };

    // The first run saves every file and exports its validators.
    ProgramRun first;
    QVERIFY(run(QStringLiteral("first.json"), QString(), &first));
    QVERIFY2(first.exitCode == AllSucceeded, qPrintable(first.describe()));
    QJsonObject summary;
    const QHash<QString, QJsonObject> before =
        exportedJobsByFileName(base.filePath(QStringLiteral("first.json")), &summary);
    QCOMPARE(before.size(), Files);
    for (const QJsonObject &job : before) {
        QCOMPARE(job.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(job.value(QLatin1String("protocol")).toString(), protocol);
        QVERIFY2(!job.value(QLatin1String("etag")).toString().isEmpty(),
                 QJsonDocument(job).toJson().constData());
        QVERIFY(!job.value(QLatin1String("lastModified")).toString().isEmpty());
    }
    QTRY_COMPARE_WITH_TIMEOUT(int(nginx.requests().size()), Files, ServerLogGuardMs);
    QHash<QString, FileIdentity> identities;
    for (int i = 0; i < Files; ++i)
        identities.insert(fileName(i), fileIdentity(QDir(saved).filePath(fileName(i))));

    // f1 changes: new content, new length, a later mtime, so a new ETag and Last-Modified.
    const QByteArray changed("changed, and longer than it was before: " + QByteArray(2000, 'z'));
    QVERIFY(writeServed(1, changed));
    {
        QFile file(QDir(root).filePath(fileName(1)));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTimeUtc().addSecs(60),
                                 QFileDevice::FileModificationTime));
    }

    ProgramRun second;
    QVERIFY(run(QStringLiteral("second.json"), QStringLiteral("first.json"), &second));
    QVERIFY2(second.exitCode == AllSucceeded, qPrintable(second.describe()));
    QVERIFY2(second.out.contains(QLatin1String("succeeded=4 unchanged=3 failed=0")),
             qPrintable(second.describe()));
    QTRY_COMPARE_WITH_TIMEOUT(int(nginx.requests().size()), 2 * Files, ServerLogGuardMs);
    const QHash<QString, int> statuses = statusesAfter(nginx, Files);
    for (int i = 0; i < Files; ++i)
        QCOMPARE(statuses.value(fileName(i)), i == 1 ? Ok : NotModified);

    const QHash<QString, QJsonObject> after =
        exportedJobsByFileName(base.filePath(QStringLiteral("second.json")), &summary);
    QCOMPARE(summary.value(QLatin1String("unchanged")).toInt(), Files - 1);
    QCOMPARE(summary.value(QLatin1String("succeeded")).toInt(), Files);
    for (int i = 0; i < Files; ++i) {
        const QJsonObject job = after.value(fileName(i));
        const QJsonObject earlier = before.value(fileName(i));
        const QString path = QDir(saved).filePath(fileName(i));
        QCOMPARE(job.value(QLatin1String("savedPath")).toString(),
                 earlier.value(QLatin1String("savedPath")).toString());
        if (i == 1) {
            QCOMPARE(job.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
            QVERIFY(job.value(QLatin1String("etag")) != earlier.value(QLatin1String("etag")));
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QCOMPARE(file.readAll(), changed);
        } else {
            QCOMPARE(job.value(QLatin1String("state")).toString(), QStringLiteral("unchanged"));
            QCOMPARE(job.value(QLatin1String("httpStatus")).toInt(), NotModified);
            QCOMPARE(job.value(QLatin1String("bytes")).toInt(), 0);
            QCOMPARE(job.value(QLatin1String("etag")), earlier.value(QLatin1String("etag")));
            QCOMPARE(job.value(QLatin1String("lastModified")),
                     earlier.value(QLatin1String("lastModified")));
            QCOMPARE(job.value(QLatin1String("sha256")), earlier.value(QLatin1String("sha256")));
            QVERIFY2(fileIdentity(path) == identities.value(fileName(i)), qPrintable(path));
        }
    }
    // No .part, no "f1 (1).txt": the folder holds the files and nothing else.
    QCOMPARE(QDir(saved).entryList(QDir::Files).size(), Files);

    // The second run's export feeds a third; f2's saved file is gone meanwhile, so f2 is asked
    // for in full (a 304 would leave it with no file) and saved again under its name.
    QVERIFY(QFile::remove(QDir(saved).filePath(fileName(2))));
    ProgramRun third;
    QVERIFY(run(QStringLiteral("third.json"), QStringLiteral("second.json"), &third));
    QVERIFY2(third.exitCode == AllSucceeded, qPrintable(third.describe()));
    QVERIFY2(third.out.contains(QLatin1String("succeeded=4 unchanged=3 failed=0")),
             qPrintable(third.describe()));
    QTRY_COMPARE_WITH_TIMEOUT(int(nginx.requests().size()), 3 * Files, ServerLogGuardMs);
    const QHash<QString, int> thirdStatuses = statusesAfter(nginx, 2 * Files);
    for (int i = 0; i < Files; ++i)
        QCOMPARE(thirdStatuses.value(fileName(i)), i == 2 ? Ok : NotModified);
    QVERIFY(QFile::exists(QDir(saved).filePath(fileName(2))));
    QCOMPARE(QDir(saved).entryList(QDir::Files).size(), Files);
}

QTEST_GUILESS_MAIN(TestIfChanged)
#include "tst_ifchanged.moc"
