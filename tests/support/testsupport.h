// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the tests: building queues from URLs and running the engine to the end.
// Linking them also registers Job as a metatype before the first test (testsupport.cpp).
#pragma once

#include "fetchoptions.h"
#include "job.h"

#include <QAnyStringView>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QStringList>
#include <QTest>
#include <QUrl>

#include <memory>

namespace Parafetch {

class FetchEngine;
struct RunSummary;
class JobQueueModel;
class LoopbackServer;
struct UrlEntry;

namespace TestSupport {

// Generous: only reached when something is broken, never a measure of speed.
inline constexpr int RunTimeoutMs = 120'000;

QList<UrlEntry> entriesFor(const QList<QUrl> &urls);

// Fetch options for tests: short backoff so retries don't slow the suite, everything else
// as a user would have it.
FetchOptions testOptions(int concurrency = 4);

// Starts the engine and waits for runFinished(); false if it never came.
bool runToEnd(FetchEngine &engine, int timeoutMs = RunTimeoutMs);

// Fetches `urls` to the end with these options, in a queue and an engine of their own; false if
// the run never finished. *jobs: every job as it ended, in list order.
bool fetchToEnd(const QList<QUrl> &urls, const FetchOptions &options, QList<Job> *jobs);

// Replaces `server` with a new LoopbackServer listening on 127.0.0.1 with `threadCount` worker
// threads: a fresh one per test starts its request counts and flaky counters at zero. False if it
// could not listen, and server->errorString() says why:
//     QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
bool startLoopbackServer(std::unique_ptr<LoopbackServer> &server, int threadCount = 2);

// Points QStandardPaths and QSettings at the test locations (.qttest), as the organisation
// ParafetchTests and this application: nothing a test saves reaches the person's own files.
void useTestSettings(const QString &applicationName);

// A file of the test certificates (tests/data/tls): server.pem is for 127.0.0.1, signed by the test
// CA in ca.pem. Empty, with a warning, if it is not there.
QString tlsFile(QAnyStringView name);

// A loopback URL that refuses connections: a port that was just free.
QUrl refusedUrl();

// Peak resident set size of this process in bytes (VmHWM), -1 if unknown.
qint64 peakRssBytes();

// The names of the fields in which two summaries differ, so that a failure says which.
QStringList differingFields(const RunSummary &a, const RunSummary &b);

// How a program a test ran ended and what it said.
struct ProgramRun
{
    int exitCode = -1; // -1 when it crashed
    QString out;
    QString err;
    QString describe() const;
};
// Runs program until it ends; false when it could not start or did not end within timeoutMs.
bool runProgram(const QString &program, const QStringList &arguments, ProgramRun *run,
                int timeoutMs = RunTimeoutMs);

// What tells a file rewritten or replaced from one left alone: its inode and mtime (ns), by
// lstat (a link is itself, not its target). All zero and -1 when there is no such entry.
struct FileIdentity
{
    quint64 inode = 0;
    qint64 mtimeNs = -1;
    bool operator==(const FileIdentity &other) const
    {
        return inode == other.inode && mtimeNs == other.mtimeNs;
    }
    bool operator!=(const FileIdentity &other) const { return !(*this == other); }
};
FileIdentity fileIdentity(const QString &path);

// The jobs of a JSON export by their URL's file name (its last segment); the summary too if
// asked. Empty when the file cannot be read.
QHash<QString, QJsonObject> exportedJobsByFileName(const QString &exportPath,
                                                   QJsonObject *summary = nullptr);

} // namespace TestSupport
} // namespace Parafetch

Q_DECLARE_METATYPE(Parafetch::FetchOptions)
Q_DECLARE_METATYPE(Parafetch::JobState)
Q_DECLARE_METATYPE(Parafetch::ErrorKind)

// Readable QCOMPARE failures for the job enums.
namespace QTest {
template<> inline char *toString(const Parafetch::JobState &state)
{
    return qstrdup(qPrintable(Parafetch::stateName(state)));
}
template<> inline char *toString(const Parafetch::ErrorKind &kind)
{
    const QString name = Parafetch::errorKindName(kind);
    return qstrdup(name.isEmpty() ? "none" : qPrintable(name));
}
} // namespace QTest
