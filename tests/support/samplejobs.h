// SPDX-License-Identifier: GPL-3.0-or-later
// Jobs for the export tests (CSV, JSON, HAR): every state and error kind, awkward text, secrets,
// extreme numbers; and a field-by-field comparison that says which field differs.
#pragma once

#include "formats/runfile.h"
#include "job.h"
#include "redact.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QList>
#include <QStringList>
#include <QTest>
#include <QTimeZone>
#include <QVariant>

namespace Parafetch::ExportSamples {

inline constexpr qint64 NsPerUs = 1000;
inline constexpr qint64 NsPerMs = 1'000'000;
inline constexpr int SecondsPerHour = 3600;

inline const QString SecretUrl = QStringLiteral("https://user:secret@example.com/x");
inline const QString SecretRedirect = QStringLiteral("https://admin:hunter2@mirror.example.net/y");

inline Job jobOfKind(ErrorKind kind, int line)
{
    Job job;
    job.sourceLine = line;
    job.url = QUrl(QStringLiteral("https://example.com/files/%1.bin").arg(line));
    job.errorKind = kind;
    job.state = kind == ErrorKind::None ? JobState::Succeeded
        : kind == ErrorKind::Cancelled  ? JobState::Cancelled
                                        : JobState::Failed;
    job.httpStatus = kind == ErrorKind::None ? 200 : kind == ErrorKind::HttpStatus ? 404 : 0;
    job.attempts = 1 + line % 3;
    job.worker = line % 4;
    job.bytesReceived = 1000LL * line;
    job.bytesTotal = line % 2 ? 1000LL * line : -1;
    // Microsecond-aligned: the formats keep microseconds (see subMicrosecondTimesRound).
    job.queuedAtNs = line * NsPerMs;
    job.startedAtNs = job.queuedAtNs + 1234 * NsPerUs;
    job.finishedAtNs = job.startedAtNs + (10 + line) * NsPerMs + 7 * NsPerUs;
    job.connectUs = line % 3 == 0 ? -1 : 1500 + line; // -1: a reused connection
    job.waitUs = 20'000 + line;
    job.receiveUs = 999 * line;
    job.thread = line % 2;
    // A second or third attempt started after the first failed and a backoff.
    job.attemptStartedAtNs = job.startedAtNs + (job.attempts - 1) * 3 * NsPerMs;
    job.tlsUs = job.connectUs < 0 ? -1 : 700 + line; // of connect
    job.sendUs = 50 + line;
    if (kind != ErrorKind::None)
        job.setErrorString(QStringLiteral("failed: %1").arg(errorKindName(kind)));
    job.protocol = line % 2 ? QByteArrayLiteral("h2") : QByteArrayLiteral("http/1.1");
    // Two rows a connection, the second reusing it; none on every fifth.
    job.connectionId = line % 5 == 0 ? 0 : quint64(100 + line / 2);
    job.connectionReused = job.connectionId > 0 && line % 2 == 1;
    // A lookup before each new connection, 0 where the run knew the host; documentation
    // addresses (RFC 5737, RFC 3849) on every connection.
    job.dnsUs = job.connectUs < 0 ? -1 : line % 4 == 1 ? 0 : 300 + line;
    if (job.connectionId > 0)
        job.setServerAddress(line % 2 ? QStringLiteral("2001:db8::%1").arg(line)
                                      : QStringLiteral("192.0.2.%1").arg(line % 250));
    if (kind == ErrorKind::None) {
        job.sha256 = QCryptographicHash::hash(QByteArray::number(line), QCryptographicHash::Sha256);
        job.setSavedPath(QStringLiteral("/home/me/Downloads/%1.bin").arg(line));
    }
    return job;
}

// Every state and every error kind, plus the texts that break naive writers.
inline QList<Job> sampleJobs()
{
    QList<Job> jobs;
    int line = 0;
    for (int kind = 0; kind < ErrorKindCount; ++kind)
        jobs.append(jobOfKind(ErrorKind(kind), ++line));

    Job queued; // everything unknown
    queued.sourceLine = ++line;
    queued.url = QUrl(QStringLiteral("http://example.org/queued"));
    jobs.append(queued);

    Job running = jobOfKind(ErrorKind::None, ++line);
    running.state = JobState::Running;
    running.finishedAtNs = -1;
    running.receiveUs = -1;
    running.sha256.clear();
    running.editDetails().savedPath.clear();
    running.httpStatus = 0;
    jobs.append(running);

    Job unicode = jobOfKind(ErrorKind::None, ++line);
    unicode.setFileName(QStringLiteral("Ünïcödé 文件 📦 «naïve».bin"));
    unicode.setSavedPath(QStringLiteral("/home/jürgen/Téléchargements/文件 📦.bin"));
    unicode.url = QUrl(QStringLiteral("https://bücher.example/a,b/ü?q=1&x=\"y\"#frag"));
    jobs.append(unicode);

    Job awkward = jobOfKind(ErrorKind::HttpStatus, ++line);
    awkward.editDetails().errorString =
        QStringLiteral("HTTP 500, \"Internal Server Error\"\r\nsecond line\nthird, "
                       "\"quoted\" \"\" ends with a quote\"");
    awkward.setFileName(QStringLiteral("comma, \"and\" quotes.txt"));
    jobs.append(awkward);

    // Texts a spreadsheet would run as formulas, and one already starting with the escape.
    const QStringList formulas = {
        QStringLiteral("=HYPERLINK(\"http://evil.example\",\"click\")"),
        QStringLiteral("+1 more failure"),
        QStringLiteral("-1"),
        QStringLiteral("@SUM(A1:A2)"),
        QStringLiteral("\tstarts with a tab"),
        QStringLiteral("\rstarts with a CR"),
        QStringLiteral("'already quoted"),
        QStringLiteral("''twice"),
    };
    for (const QString &text : formulas) {
        Job job = jobOfKind(ErrorKind::Network, ++line);
        job.setErrorString(text);
        job.setFileName(text);
        jobs.append(job);
    }

    Job secret = jobOfKind(ErrorKind::None, ++line);
    secret.url = QUrl(SecretUrl);
    secret.setFinalUrl(QUrl(SecretRedirect));
    secret.httpStatus = 200;
    jobs.append(secret);

    Job huge = jobOfKind(ErrorKind::None, ++line);
    huge.bytesReceived = 5'000'000'000'000LL; // > 2^32 and > 2^40
    huge.bytesTotal = huge.bytesReceived;
    huge.startedAtNs = 86'400'000 * NsPerMs; // a day of uptime
    huge.finishedAtNs = huge.startedAtNs + 3'600'000 * NsPerMs;
    huge.receiveUs = qint64(3'600'000) * 1000; // an hour: past what 32 bits of microseconds hold
    jobs.append(huge);

    Job zero = jobOfKind(ErrorKind::None, ++line);
    zero.queuedAtNs = 0; // the engine's epoch: 0 is a time, not "unknown"
    zero.startedAtNs = 0;
    zero.finishedAtNs = 0;
    zero.connectUs = 0;
    zero.dnsUs = 0;
    zero.waitUs = 0;
    zero.receiveUs = 0;
    zero.attemptStartedAtNs = 0;
    zero.tlsUs = 0;
    zero.sendUs = 0;
    zero.thread = -1;
    zero.bytesReceived = 0;
    zero.bytesTotal = 0;
    zero.worker = -1;
    zero.sourceLine = 0;
    jobs.append(zero);

    // Done before a restore: counted, never timed here, with the duration its run measured.
    Job restored = jobOfKind(ErrorKind::None, ++line);
    restored.queuedAtNs = restored.startedAtNs = restored.finishedAtNs = -1;
    restored.attemptStartedAtNs = -1;
    restored.connectUs = restored.sendUs = restored.waitUs = restored.receiveUs = -1;
    restored.dnsUs = restored.tlsUs = -1;
    restored.worker = restored.thread = -1;
    restored.restored = true;
    restored.setRestoredDurationNs(12'345'000);
    jobs.append(restored);
    return jobs;
}

inline RunInfo sampleInfo()
{
    RunInfo info;
    info.startedAt =
        QDateTime(QDate(2024, 5, 1), QTime(12, 0, 0, 123), QTimeZone(2 * SecondsPerHour));
    info.concurrency = 16;
    info.method = "HEAD";
    info.toolVersion = QStringLiteral("0.1.0");
    return info;
}

// Every exported field that differs, with both values, so that a failure says which. URLs are
// compared as a person may see them: masked credentials are the one expected difference. Not
// compared: Job::id and Job::updatedAtNs, which belong to a live queue and are not exported.
inline QStringList differingFields(const Job &expected, const Job &actual)
{
    QStringList differing;
    const auto check = [&differing](const char *name, const auto &x, const auto &y) {
        if (!(x == y)) {
            differing.append(QStringLiteral("%1: expected %2, got %3")
                                 .arg(QLatin1String(name), QVariant::fromValue(x).toString(),
                                      QVariant::fromValue(y).toString()));
        }
    };
    check("line", expected.sourceLine, actual.sourceLine);
    check("url", redactedUrl(expected.url), redactedUrl(actual.url));
    check("fileName", expected.fileName(), actual.fileName());
    check("state", stateName(expected.state), stateName(actual.state));
    check("errorKind", errorKindName(expected.errorKind), errorKindName(actual.errorKind));
    check("error", expected.errorString(), actual.errorString());
    check("httpStatus", expected.httpStatus, actual.httpStatus);
    check("attempts", expected.attempts, actual.attempts);
    check("worker", expected.worker, actual.worker);
    check("bytes", expected.bytesReceived, actual.bytesReceived);
    check("bytesTotal", expected.bytesTotal, actual.bytesTotal);
    check("queuedAtNs", expected.queuedAtNs, actual.queuedAtNs);
    check("startedAtNs", expected.startedAtNs, actual.startedAtNs);
    check("finishedAtNs", expected.finishedAtNs, actual.finishedAtNs);
    check("connectUs", expected.connectUs, actual.connectUs);
    check("waitUs", expected.waitUs, actual.waitUs);
    check("receiveUs", expected.receiveUs, actual.receiveUs);
    check("finalUrl", expected.finalUrl().isEmpty() ? QString() : redactedUrl(expected.finalUrl()),
          actual.finalUrl().isEmpty() ? QString() : redactedUrl(actual.finalUrl()));
    check("sha256", expected.sha256.toHex(), actual.sha256.toHex());
    check("savedPath", expected.savedPath(), actual.savedPath());
    check("protocol", expected.protocol, actual.protocol);
    check("thread", expected.thread, actual.thread);
    check("attemptStartedAtNs", expected.attemptStartedAtNs, actual.attemptStartedAtNs);
    check("tlsUs", expected.tlsUs, actual.tlsUs);
    check("sendUs", expected.sendUs, actual.sendUs);
    check("restored", expected.restored, actual.restored);
    check("restoredDurationNs", expected.restoredDurationNs(), actual.restoredDurationNs());
    check("connectionId", expected.connectionId, actual.connectionId);
    check("connectionReused", expected.connectionReused, actual.connectionReused);
    check("dnsUs", expected.dnsUs, actual.dnsUs);
    check("serverAddress", expected.serverAddress(), actual.serverAddress());
    return differing;
}

inline void compareJobs(const QList<Job> &expected, const QList<Job> &actual)
{
    QCOMPARE(actual.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const QStringList differing = differingFields(expected.at(i), actual.at(i));
        QVERIFY2(differing.isEmpty(),
                 qPrintable(QStringLiteral("job %1 (line %2): %3")
                                .arg(i)
                                .arg(expected.at(i).sourceLine)
                                .arg(differing.join(QLatin1String("; ")))));
    }
}

} // namespace Parafetch::ExportSamples
