// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch --headless --if-exists against nginx: saved files take the server's date; skip leaves a
// file of the same size and date as it is (and no other), overwrite replaces a regular file and
// never a link.
#include "exitcodes.h"
#include "http2servers.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int HangGuardMs = 120'000; // only reached when something is broken
constexpr int ServerLogGuardMs = 10'000; // nginx logs a request just after answering it
constexpr int Files = 4;
constexpr int Ok = 200;

QString fileName(int i)
{
    return QStringLiteral("f%1.txt").arg(i);
}

QByteArray servedBody(int i)
{
    return QByteArray(1000 + i, char('a' + i));
}

QByteArray contents(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("(unreadable)");
}

bool write(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && file.write(bytes) == bytes.size();
}

bool setModified(const QString &path, const QDateTime &time)
{
    QFile file(path);
    return file.open(QIODevice::ReadWrite)
        && file.setFileTime(time, QFileDevice::FileModificationTime);
}

QStringList entries(const QString &folder)
{
    return QDir(folder).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot,
                                  QDir::Name);
}

} // namespace

Q_DECLARE_METATYPE(Parafetch::TestSupport::NginxServer::Http2)

class TestIfExists : public QObject
{
    Q_OBJECT

private slots:
    void skipAndOverwrite_data();
    void skipAndOverwrite();
};

void TestIfExists::skipAndOverwrite_data()
{
    QTest::addColumn<NginxServer::Http2>("http2");

    // HTTP/1.1 goes over our own sockets, h2 through Qt's reply: both stop after the head.
    QTest::newRow("HTTP/1.1 over TLS, our own sockets") << NginxServer::Http2::NotOffered;
    QTest::newRow("h2 over TLS, Qt's route") << NginxServer::Http2::Offered;
}

void TestIfExists::skipAndOverwrite()
{
    QFETCH(NginxServer::Http2, http2);
    if (NginxServer::program().isEmpty())
        QSKIP(NginxServer::missingMessage());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QDir base(dir.path());
    const QDir root(base.filePath(QStringLiteral("www")));
    const QDir saved(base.filePath(QStringLiteral("saved")));
    const QDir outside(base.filePath(QStringLiteral("outside")));
    for (const QDir &folder : { root, outside })
        QVERIFY(QDir().mkpath(folder.path()));
    // Dates in the past, whole seconds apart from now: the saved files must carry exactly these.
    const QDateTime served = QDateTime::currentDateTimeUtc().addDays(-3);
    for (int i = 0; i < Files; ++i) {
        QVERIFY(write(root.filePath(fileName(i)), servedBody(i)));
        QVERIFY(setModified(root.filePath(fileName(i)), served.addSecs(i)));
    }

    NginxServer nginx;
    const QString problem = nginx.start(root.path(), http2);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    const auto run = [&](const QString &policy, const QString &exportName, ProgramRun *result) {
        QStringList arguments { QStringLiteral("--headless"),
                                QStringLiteral("--retries"),
                                QStringLiteral("0"),
                                QStringLiteral("--ca-file"),
                                tlsFile(QStringLiteral("ca.pem")),
                                QStringLiteral("-o"),
                                saved.path(),
                                QStringLiteral("--export"),
                                base.filePath(exportName) };
        if (!policy.isEmpty())
            arguments << QStringLiteral("--if-exists") << policy;
        for (int i = 0; i < Files; ++i)
            arguments.append(nginx.url(QLatin1Char('/') + fileName(i)).toString());
        return runProgram(QStringLiteral(PARAFETCH_EXECUTABLE), arguments, result, HangGuardMs);
    };

    // The first run saves every file, dated as the server dates it (Last-Modified).
    ProgramRun first;
    QVERIFY(run(QString(), QStringLiteral("first.json"), &first));
    QVERIFY2(first.exitCode == AllSucceeded, qPrintable(first.describe()));
    for (int i = 0; i < Files; ++i) {
        const QFileInfo file(saved.filePath(fileName(i)));
        QCOMPARE(file.lastModified().toSecsSinceEpoch(), served.addSecs(i).toSecsSinceEpoch());
    }
    QTRY_COMPARE_WITH_TIMEOUT(int(nginx.requests().size()), Files, ServerLogGuardMs);

    // Then: f1 changes on the server (new body and date); the person edits their copy of f2 (the
    // same size, another date); f3's copy becomes a link to a file of the right size and date.
    const QByteArray changed = "changed on the server: " + QByteArray(3000, 'z');
    QVERIFY(write(root.filePath(fileName(1)), changed));
    QVERIFY(setModified(root.filePath(fileName(1)), served.addSecs(100)));
    const QByteArray edited(servedBody(2).size(), 'E');
    QVERIFY(write(saved.filePath(fileName(2)), edited));
    QVERIFY(QFile::rename(saved.filePath(fileName(3)), outside.filePath(fileName(3))));
    QVERIFY(QFile::link(outside.filePath(fileName(3)), saved.filePath(fileName(3))));
    QHash<QString, FileIdentity> identities;
    for (const QString &path : { saved.filePath(fileName(0)), saved.filePath(fileName(2)),
                                 saved.filePath(fileName(3)), outside.filePath(fileName(3)) })
        identities.insert(path, fileIdentity(path));

    // skip: only f0 is the server's copy; the rest are saved beside what is there.
    ProgramRun second;
    QVERIFY(run(QStringLiteral("skip"), QStringLiteral("second.json"), &second));
    QVERIFY2(second.exitCode == AllSucceeded, qPrintable(second.describe()));
    QVERIFY2(second.out.contains(QLatin1String("succeeded=4 unchanged=1 failed=0")),
             qPrintable(second.describe()));
    QTRY_COMPARE_WITH_TIMEOUT(int(nginx.requests().size()), 2 * Files, ServerLogGuardMs);
    const QHash<QString, QJsonObject> skipped =
        exportedJobsByFileName(base.filePath(QStringLiteral("second.json")));
    const QJsonObject f0 = skipped.value(fileName(0));
    QCOMPARE(f0.value(QLatin1String("state")).toString(), QStringLiteral("unchanged"));
    QCOMPARE(f0.value(QLatin1String("httpStatus")).toInt(), Ok);
    QCOMPARE(f0.value(QLatin1String("savedPath")).toString(), saved.filePath(fileName(0)));
    QVERIFY(!f0.value(QLatin1String("lastModified")).toString().isEmpty());
    for (const auto &[name, savedAs] :
         { std::pair { fileName(1), QStringLiteral("f1 (1).txt") },
           std::pair { fileName(2), QStringLiteral("f2 (1).txt") },
           std::pair { fileName(3), QStringLiteral("f3 (1).txt") } }) {
        const QJsonObject job = skipped.value(name);
        QCOMPARE(job.value(QLatin1String("state")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(job.value(QLatin1String("savedPath")).toString(), saved.filePath(savedAs));
    }
    QCOMPARE(contents(saved.filePath(QStringLiteral("f1 (1).txt"))), changed);
    QCOMPARE(contents(saved.filePath(QStringLiteral("f2 (1).txt"))), servedBody(2));
    QCOMPARE(contents(saved.filePath(QStringLiteral("f3 (1).txt"))), servedBody(3));
    for (auto it = identities.cbegin(); it != identities.cend(); ++it)
        QVERIFY2(fileIdentity(it.key()) == it.value(), qPrintable(it.key())); // nothing touched
    QCOMPARE(contents(saved.filePath(fileName(2))), edited);
    QVERIFY(QFileInfo(saved.filePath(fileName(3))).isSymLink());
    const QStringList afterSkip { QStringLiteral("f0.txt"), QStringLiteral("f1 (1).txt"),
                                  QStringLiteral("f1.txt"), QStringLiteral("f2 (1).txt"),
                                  QStringLiteral("f2.txt"), QStringLiteral("f3 (1).txt"),
                                  QStringLiteral("f3.txt") };
    QCOMPARE(entries(saved.path()), afterSkip); // no .part left, nothing else made

    // overwrite: each regular file under its name is replaced by the server's body; the link
    // is not, nor followed: f3's body replaces "f3 (1).txt", the name it got last time.
    ProgramRun third;
    QVERIFY(run(QStringLiteral("overwrite"), QStringLiteral("third.json"), &third));
    QVERIFY2(third.exitCode == AllSucceeded, qPrintable(third.describe()));
    QVERIFY2(third.out.contains(QLatin1String("succeeded=4 failed=0")),
             qPrintable(third.describe()));
    QTRY_COMPARE_WITH_TIMEOUT(int(nginx.requests().size()), 3 * Files, ServerLogGuardMs);
    const QHash<QString, QJsonObject> overwritten =
        exportedJobsByFileName(base.filePath(QStringLiteral("third.json")));
    for (int i = 0; i < Files; ++i) {
        const QString savedAs = i == 3 ? QStringLiteral("f3 (1).txt") : fileName(i);
        QCOMPARE(overwritten.value(fileName(i)).value(QLatin1String("savedPath")).toString(),
                 saved.filePath(savedAs));
        QCOMPARE(contents(saved.filePath(savedAs)), i == 1 ? changed : servedBody(i));
    }
    QVERIFY(!(fileIdentity(saved.filePath(fileName(0)))
              == identities.value(saved.filePath(fileName(0)))));
    QVERIFY(QFileInfo(saved.filePath(fileName(3))).isSymLink());
    QVERIFY(fileIdentity(outside.filePath(fileName(3)))
            == identities.value(outside.filePath(fileName(3))));
    QCOMPARE(entries(saved.path()), afterSkip);
}

QTEST_GUILESS_MAIN(TestIfExists)
#include "tst_ifexists.moc"
