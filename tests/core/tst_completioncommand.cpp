// SPDX-License-Identifier: GPL-3.0-or-later
// --on-complete: the checks on the program, and the environment a finished job gives the
// command (its words: tst_shellwords).
#include "job.h"
#include "run/completioncommand.h"
#include "urllistparser.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;
using namespace Qt::StringLiterals;

class TestCompletionCommand : public QObject
{
    Q_OBJECT

private slots:
    void parseChecksTheProgram_data();
    void parseChecksTheProgram();
    void environmentCarriesTheResultAndNoSecret();
    void commandsRunOnePerFinishedJobAndReportFailures();
};

void TestCompletionCommand::parseChecksTheProgram_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("error"); // a part of it; empty = accepted

    QTest::newRow("a program on PATH") << QStringLiteral("true now") << QString();
    QTest::newRow("an absolute path") << QStringLiteral("/bin/sh -c :") << QString();
    QTest::newRow("not on PATH") << QStringLiteral("no-such-program-7") << u"no-such-program-7"_s;
    QTest::newRow("a path that is not a program") // %1: a file the test makes, mode 0644
        << QStringLiteral("%1 x") << u"plain.txt is not a program"_s;
    QTest::newRow("an unclosed quote") << QStringLiteral("true 'a b") << u"unclosed quote"_s;
    QTest::newRow("empty") << QStringLiteral("   ") << u"needs a command"_s;
    QTest::newRow("only an empty word") << QStringLiteral("''") << u"no program named"_s;
}

void TestCompletionCommand::parseChecksTheProgram()
{
    QFETCH(QString, command);
    QFETCH(QString, error);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile plain(dir.filePath(QStringLiteral("plain.txt")));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    QVERIFY(plain.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                 | QFile::ReadOther));
    if (command.contains(QLatin1String("%1")))
        command = command.arg(plain.fileName());
    QStringList words;
    QString said;
    QCOMPARE(CompletionCommand::parse(command, &words, &said), error.isEmpty());
    if (error.isEmpty()) {
        QVERIFY(!words.isEmpty());
    } else {
        QVERIFY2(said.contains(error), qPrintable(said));
        QVERIFY2(said.contains(QLatin1String("--on-complete")), qPrintable(said));
    }
}

void TestCompletionCommand::environmentCarriesTheResultAndNoSecret()
{
    Job job;
    job.id = 1;
    job.url = QUrl(QStringLiteral("https://user:pa55word@example.test/f?x=1"));
    job.state = JobState::Succeeded;
    job.httpStatus = 200;
    job.bytesReceived = 42;
    job.sha256 = QByteArray(Sha256Digest::Size, '\x5a');
    job.setSavedPath(QStringLiteral("/tmp/saved/f"));
    QProcessEnvironment base;
    base.insert(QStringLiteral("KEEP"), QStringLiteral("1"));
    const QProcessEnvironment env = CompletionCommand::environmentFor(job, base);
    QCOMPARE(env.value(QStringLiteral("KEEP")), QStringLiteral("1"));
    QCOMPARE(env.value(QStringLiteral("PARAFETCH_STATUS")), QStringLiteral("succeeded"));
    QCOMPARE(env.value(QStringLiteral("PARAFETCH_HTTP_STATUS")), QStringLiteral("200"));
    QCOMPARE(env.value(QStringLiteral("PARAFETCH_BYTES")), QStringLiteral("42"));
    QCOMPARE(env.value(QStringLiteral("PARAFETCH_PATH")), QStringLiteral("/tmp/saved/f"));
    QCOMPARE(env.value(QStringLiteral("PARAFETCH_SHA256")),
             QStringLiteral("5a").repeated(Sha256Digest::Size));
    QVERIFY(env.contains(QStringLiteral("PARAFETCH_ERROR")));
    QCOMPARE(env.value(QStringLiteral("PARAFETCH_ERROR")), QString());
    const QString url = env.value(QStringLiteral("PARAFETCH_URL"));
    QVERIFY2(url.contains(QLatin1String("example.test/f")), qPrintable(url));
    QVERIFY2(!url.contains(QLatin1String("pa55word")), qPrintable(url));

    job.state = JobState::Failed;
    job.errorKind = ErrorKind::HttpStatus;
    QCOMPARE(CompletionCommand::environmentFor(job, base).value(QStringLiteral("PARAFETCH_ERROR")),
             QStringLiteral("http-status"));
}

void TestCompletionCommand::commandsRunOnePerFinishedJobAndReportFailures()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Appends its status to a file named after the HTTP status, and fails for a 500.
    QStringList command;
    QString error;
    QVERIFY2(
        CompletionCommand::parse(
            QStringLiteral("sh -c 'echo \"$PARAFETCH_STATUS\" >> \"$0/$PARAFETCH_HTTP_STATUS\"; "
                           "test \"$PARAFETCH_HTTP_STATUS\" != 500' ")
                + dir.path(),
            &command, &error),
        qPrintable(error));
    CompletionCommand hooks(command);
    hooks.setParallel(2);
    QSignalSpy idle(&hooks, &CompletionCommand::idle);
    QSignalSpy failed(&hooks, &CompletionCommand::commandFailed);
    const auto finished = [](quint64 id, JobState state, int status) {
        Job job;
        job.id = id;
        job.url = QUrl(QStringLiteral("http://127.0.0.1/%1").arg(id));
        job.state = state;
        job.httpStatus = status;
        return job;
    };
    hooks.jobFinished(finished(1, JobState::Succeeded, 200));
    hooks.jobFinished(finished(2, JobState::Succeeded, 200));
    hooks.jobFinished(finished(3, JobState::Failed, 500));
    hooks.jobFinished(finished(4, JobState::Cancelled, 0)); // no command for a cancelled URL
    hooks.jobFinished(finished(5, JobState::Succeeded, 204));
    QTRY_VERIFY(hooks.isIdle());
    QVERIFY(!idle.isEmpty());
    QCOMPARE(hooks.started(), 4);
    QCOMPARE(hooks.failures(), 1);
    QCOMPARE(failed.size(), 1);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(QLatin1String("exited with 1"))
                 && message.contains(QLatin1String("http://127.0.0.1/3")),
             qPrintable(message));
    const auto read = [&dir](const char *name) {
        QFile file(dir.filePath(QLatin1String(name)));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("(missing)");
    };
    QCOMPARE(read("200"), QByteArray("succeeded\nsucceeded\n"));
    QCOMPARE(read("500"), QByteArray("failed\n"));
    QCOMPARE(read("204"), QByteArray("succeeded\n"));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("0"))));
}

QTEST_GUILESS_MAIN(TestCompletionCommand)
#include "tst_completioncommand.moc"
