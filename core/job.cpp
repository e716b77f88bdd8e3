// SPDX-License-Identifier: GPL-3.0-or-later
// String names for the job enums, shared by exports, importers and the command line; header
// lists that share their bytes.
#include "job.h"

#include <QHash>
#include <QHostAddress>

#include <array>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace Parafetch {

namespace {

constexpr std::array<const char *, JobStateCount> stateNames = {
    "queued", "running", "succeeded", "failed", "cancelled", "unchanged",
};

constexpr std::array<const char *, ErrorKindCount> errorKindNames = {
    "",
    "http-status",
    "timed-out",
    "connection-refused",
    "host-not-found",
    "connection-closed",
    "truncated",
    "too-many-redirects",
    "tls",
    "file-system",
    "cancelled",
    "network",
    "protocol",
    "checksum-mismatch",
};

template<typename Enum, std::size_t N>
bool lookUp(const QString &text, const std::array<const char *, N> &names, Enum *value)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (text == QLatin1String(names[i])) {
            *value = Enum(i);
            return true;
        }
    }
    return false;
}

} // namespace

const JobDetails &Job::details() const
{
    static const JobDetails none;
    return m_details ? *m_details : none;
}

JobDetails &Job::editDetails()
{
    if (!m_details)
        m_details = new JobDetails;
    return *m_details; // non-const access detaches a shared record
}

namespace {

// Stores value in the field of job's details that member names, allocating the details only
// when the value is not the field's default.
template<typename T, typename V>
void setDetail(Job *job, T JobDetails::*member, V &&value, const T &none = T())
{
    if (!job->hasDetails() && value == none)
        return;
    job->editDetails().*member = std::forward<V>(value);
}

} // namespace

void Job::setFileName(const QString &name)
{
    setDetail(this, &JobDetails::fileName, name);
}

void Job::setExpectedSha256(const Sha256Digest &digest)
{
    if (digest.isEmpty() && !m_details)
        return;
    editDetails().expectedSha256 = digest;
}

void Job::setEtag(const QByteArray &value)
{
    setDetail(this, &JobDetails::etag, value);
}

void Job::setLastModified(const QByteArray &value)
{
    setDetail(this, &JobDetails::lastModified, value);
}

namespace {

// The addresses servers were reached at, numbered from 1 in the order first seen: few (one per
// server), kept for the process's life, read far more often than added to. A std::shared_mutex,
// not a QReadWriteLock: ThreadSanitizer sees the one (pthread_rwlock), not uninstrumented Qt's.
struct ServerAddressTable
{
    std::shared_mutex lock;
    std::vector<QString> addresses; // number n at n - 1
    QHash<QString, quint32> numbers;
};

ServerAddressTable &serverAddressTable()
{
    static ServerAddressTable table;
    return table;
}

} // namespace

QString Job::serverAddress() const
{
    if (serverAddressId == 0)
        return QString();
    ServerAddressTable &table = serverAddressTable();
    const std::shared_lock locker(table.lock);
    return serverAddressId <= table.addresses.size() ? table.addresses[serverAddressId - 1]
                                                     : QString();
}

void Job::setServerAddress(const QString &address)
{
    if (address.isEmpty()) {
        serverAddressId = 0;
        return;
    }
    ServerAddressTable &table = serverAddressTable();
    {
        const std::shared_lock locker(table.lock);
        if (const auto found = table.numbers.constFind(address); found != table.numbers.cend()) {
            serverAddressId = *found;
            return;
        }
    }
    const std::unique_lock locker(table.lock);
    quint32 &number = table.numbers[address];
    if (number == 0) {
        table.addresses.push_back(address);
        number = quint32(table.addresses.size());
    }
    serverAddressId = number;
}

QString serverAddressText(const QHostAddress &address)
{
    bool isIpv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ipv4).toString() : address.toString();
}

void Job::setErrorString(const QString &text)
{
    setDetail(this, &JobDetails::errorString, text);
}

void Job::setFinalUrl(const QUrl &url)
{
    setDetail(this, &JobDetails::finalUrl, url);
}

void Job::setSavedPath(const QString &path)
{
    setDetail(this, &JobDetails::savedPath, path);
}

void Job::setResponseHeaders(HeaderList headers)
{
    setDetail(this, &JobDetails::responseHeaders, std::move(headers));
}

void Job::setAttemptLog(QList<AttemptRecord> log)
{
    if (!hasDetails() && log.isEmpty())
        return;
    editDetails().attemptLog = std::move(log);
}

void Job::setRequestHeaders(HeaderList headers)
{
    setDetail(this, &JobDetails::requestHeaders, std::move(headers));
}

void Job::setResumeFrom(std::shared_ptr<const PartialDownload> part)
{
    if (!hasDetails() && !part)
        return;
    editDetails().resumeFrom = std::move(part);
}

void Job::setRestoredDurationNs(qint64 ns)
{
    setDetail(this, &JobDetails::restoredDurationNs, ns, qint64(-1));
}

QString stateName(JobState state)
{
    return QLatin1String(stateNames.at(std::size_t(state)));
}

QString errorKindName(ErrorKind kind)
{
    return QLatin1String(errorKindNames.at(std::size_t(kind)));
}

bool stateFromName(const QString &text, JobState *state)
{
    return lookUp(text, stateNames, state);
}

bool errorKindFromName(const QString &text, ErrorKind *kind)
{
    return lookUp(text, errorKindNames, kind);
}

HeaderList sharedHeaders(HeaderList headers, HeaderList *previous)
{
    const qsizetype count = headers.size();
    bool same = count == previous->size();
    for (qsizetype i = 0; i < count && i < previous->size(); ++i) {
        auto &[name, value] = headers[i];
        const auto &[previousName, previousValue] = previous->at(i);
        const bool sameName = name == previousName, sameValue = value == previousValue;
        if (sameName)
            name = previousName;
        if (sameValue)
            value = previousValue;
        same = same && sameName && sameValue;
    }
    if (same)
        return *previous;
    headers.squeeze(); // built by appending: no spare capacity to keep a million times
    *previous = headers;
    return headers;
}

} // namespace Parafetch
