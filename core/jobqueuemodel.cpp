// SPDX-License-Identifier: GPL-3.0-or-later
// The queue model: job records as table rows, with coalesced live updates.
#include "jobqueuemodel.h"

#include "redact.h"
#include "units.h"
#include "urllistparser.h"

#include <QDir>
#include <QLocale>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int ProgressScale = 1000; // raw progress is per mille, so it sorts as an int

} // namespace

QString stateDisplayName(JobState state)
{
    switch (state) {
    case JobState::Queued:
        return JobQueueModel::tr("Queued");
    case JobState::Running:
        return JobQueueModel::tr("Running");
    case JobState::Succeeded:
        return JobQueueModel::tr("Done");
    case JobState::Failed:
        return JobQueueModel::tr("Failed");
    case JobState::Cancelled:
        return JobQueueModel::tr("Cancelled");
    case JobState::Unchanged:
        return JobQueueModel::tr("Unchanged", "the server said the body has not changed since");
    }
    return {};
}

namespace {

// Elapsed time of a job: final for finished jobs (as the earlier run measured it, for a restored
// result), up to the last sample for running ones.
qint64 elapsedNs(const Job &job)
{
    if (job.isFinished())
        return job.resultDurationNs();
    if (job.state == JobState::Running && job.startedAtNs >= 0
        && job.updatedAtNs >= job.startedAtNs)
        return job.updatedAtNs - job.startedAtNs;
    return -1;
}

double speed(const Job &job)
{
    const qint64 ns = elapsedNs(job);
    return ns > 0 ? double(job.bytesReceived) * Units::NsPerSecond / double(ns) : 0.0;
}

int progressPerMille(const Job &job)
{
    if (job.isSuccess())
        return ProgressScale;
    if (job.bytesTotal > 0)
        return int(
            std::min<qint64>(ProgressScale, job.bytesReceived * ProgressScale / job.bytesTotal));
    return 0;
}

// A phase's duration for its column ("12.3 ms"), empty when it was not measured.
QString phaseText(qint64 us)
{
    return us >= 0 ? formatMilliseconds(us * Units::NsPerUs, 1) : QString();
}

QString savedName(const Job &job)
{
    const QString &path = job.savedPath();
    return path.isEmpty() ? QString() : path.sliced(path.lastIndexOf(u'/') + 1);
}

} // namespace

JobQueueModel::JobQueueModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

JobQueueModel::~JobQueueModel() = default;

int JobQueueModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobQueueModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobQueueModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job &job = m_jobs.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(job, index.column());
    case Qt::ToolTipRole:
        if (index.column() == ErrorColumn || index.column() == UrlColumn)
            return displayValue(job, index.column());
        if (index.column() == SavedAsColumn && !job.savedPath().isEmpty())
            return QDir::toNativeSeparators(job.savedPath());
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case HttpCodeColumn:
        case SizeColumn:
        case SpeedColumn:
        case TimeColumn:
        case DnsColumn:
        case ConnectColumn:
        case TlsColumn:
        case TtfbColumn:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case RawValueRole:
        return rawValue(job, index.column());
    case JobStateRole:
        return int(job.state);
    case JobIdRole:
        return job.id;
    default:
        return {};
    }
}

QVariant JobQueueModel::displayValue(const Job &job, int column) const
{
    switch (Column(column)) {
    case UrlColumn:
        return redactedUrl(job.url);
    case StatusColumn:
        // The verified mark: the body hashed to the checksum the list gave for it.
        return job.isVerified() ? tr("Done ✓ verified", "the body matched its expected SHA-256")
                                : stateDisplayName(job.state);
    case HttpCodeColumn:
        return job.httpStatus > 0 ? QVariant(job.httpStatus) : QVariant();
    case SizeColumn:
        if (job.state == JobState::Queued)
            return {};
        return job.bytesTotal >= 0 && !job.isFinished()
            ? formatByteProgress(job.bytesReceived, job.bytesTotal)
            : formatBytes(job.bytesReceived);
    case ProgressColumn:
        if (job.state == JobState::Failed || job.state == JobState::Cancelled)
            return {};
        return QStringLiteral("%1%").arg(progressPerMille(job) / (ProgressScale / 100));
    case SpeedColumn: {
        const double rate = speed(job);
        return rate > 0 ? formatRate(rate) : QVariant();
    }
    case TimeColumn: {
        const qint64 ns = elapsedNs(job);
        return ns >= 0 ? formatSeconds(ns) : QVariant();
    }
    case ErrorColumn:
        return job.errorString();
    case ProtocolColumn:
        return formatProtocol(job.protocol);
    case ConnectionColumn:
        return formatConnection(job.connectionId, job.connectionReused);
    case SavedAsColumn:
        return savedName(job);
    case ServerAddressColumn:
        return job.serverAddress();
    case DnsColumn:
        return phaseText(job.dnsUs);
    case ConnectColumn:
        return phaseText(job.connectUs);
    case TlsColumn:
        return phaseText(job.tlsUs);
    case TtfbColumn:
        return phaseText(job.waitUs);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant JobQueueModel::rawValue(const Job &job, int column) const
{
    switch (Column(column)) {
    case UrlColumn:
        return redactedUrl(job.url);
    case StatusColumn:
        return int(job.state);
    case HttpCodeColumn:
        return job.httpStatus;
    case SizeColumn:
        return job.bytesReceived;
    case ProgressColumn:
        return progressPerMille(job);
    case SpeedColumn:
        return speed(job);
    case TimeColumn:
        return elapsedNs(job);
    case ErrorColumn:
        return job.errorString();
    case ProtocolColumn:
        return QString::fromLatin1(job.protocol);
    case ConnectionColumn:
        return job.connectionId;
    case SavedAsColumn:
        return savedName(job);
    case ServerAddressColumn:
        return job.serverAddress();
    case DnsColumn: // -1 sorts before every measured time
        return qint64(job.dnsUs);
    case ConnectColumn:
        return job.connectUs;
    case TlsColumn:
        return qint64(job.tlsUs);
    case TtfbColumn:
        return job.waitUs;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant JobQueueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case UrlColumn:
            return tr("URL");
        case StatusColumn:
            return tr("Status");
        case HttpCodeColumn:
            return tr("HTTP", "HTTP status code column");
        case SizeColumn:
            return tr("Size");
        case ProgressColumn:
            return tr("Progress");
        case SpeedColumn:
            return tr("Speed");
        case TimeColumn:
            return tr("Time");
        case ErrorColumn:
            return tr("Error");
        case ProtocolColumn:
            return tr("Protocol");
        case ConnectionColumn:
            return tr("Connection");
        case SavedAsColumn:
            return tr("Saved As");
        case ServerAddressColumn:
            return tr("Server Address");
        case DnsColumn:
            return tr("DNS", "name lookup time column");
        case ConnectColumn:
            return tr("Connect", "connection set-up time column");
        case TlsColumn:
            return tr("TLS", "TLS handshake time column");
        case TtfbColumn:
            return tr("TTFB", "time to first byte column");
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case TimeColumn:
            return tr("Duration: from the task's start to its finish, all attempts included "
                      "(the per-URL \"takes time\"); for a URL done before a restore, as the "
                      "earlier run measured it (– if it did not)");
        case SpeedColumn:
            return tr("Body bytes received divided by the elapsed time");
        case ProtocolColumn:
            return tr("The HTTP version of the last attempt's answer");
        case ConnectionColumn:
            return tr("The connection the last attempt's answer came on. Over HTTP/2 the "
                      "lanes that share a network manager multiplex their requests on one "
                      "connection, so many rows show the same number");
        case SavedAsColumn:
            return tr("The name the body was saved under in the output folder (\" (1)\" when "
                      "another file had the name); its tool tip shows the whole path");
        case ServerAddressColumn:
            return tr("The address the last attempt's connection reached (empty through a "
                      "proxy, which connects for us)");
        case DnsColumn:
            return tr("The name lookup the last attempt's new connection waited for: each host "
                      "is looked up once a run, so later connections show about 0 ms; empty on "
                      "a reused connection or an address in the URL");
        case ConnectColumn:
            return tr("Setting up the last attempt's new connection, after the lookup, the TLS "
                      "handshake included; empty on a reused connection");
        case TlsColumn:
            return tr("The TLS handshake of the last attempt's new connection (part of Connect)");
        case TtfbColumn:
            return tr("Time to first byte: from the request sent to the response's head");
        default:
            break;
        }
    }
    return {};
}

bool JobQueueModel::removeRows(int row, int count, const QModelIndex &parent)
{
    if (parent.isValid() || row < 0 || count <= 0 || row + count > m_jobs.size())
        return false;
    beginRemoveRows({}, row, row + count - 1);
    for (int removed = row; removed < row + count; ++removed)
        m_summary.remove(m_jobs.at(removed));
    m_jobs.remove(row, count);
    // Keep pending live updates of the rows that stay: shift the dirty range with them.
    const int removedLast = row + count - 1;
    if (m_dirtyFirst >= row && m_dirtyLast <= removedLast) {
        m_dirtyFirst = m_dirtyLast = -1; // every dirty row is gone
    } else if (m_dirtyFirst >= 0) {
        m_dirtyFirst =
            m_dirtyFirst > removedLast ? m_dirtyFirst - count : std::min(m_dirtyFirst, row);
        m_dirtyLast =
            m_dirtyLast > removedLast ? m_dirtyLast - count : std::min(m_dirtyLast, row - 1);
    }
    endRemoveRows();
    return true;
}

RunSummary JobQueueModel::summary() const
{
    return m_summary.keepsTimes() ? m_summary.result() : RunSummary::compute(m_jobs);
}

std::vector<std::pair<qint64, qint64>> JobQueueModel::idleGapsNs(qint64 minNs) const
{
    if (m_summary.keepsTimes())
        return m_summary.idleGapsNs(minNs);
    std::vector<std::pair<qint64, qint64>> busy;
    for (const Job &job : m_jobs) {
        const JobFigures figures = JobFigures::of(job);
        if (figures.busyEndNs != JobFigures::None)
            busy.emplace_back(figures.startNs, figures.busyEndNs);
    }
    std::sort(busy.begin(), busy.end());
    return Parafetch::idleGapsNs(busy, minNs);
}

void JobQueueModel::setLiveFigures(bool live)
{
    if (live == m_summary.keepsTimes())
        return;
    m_summary.setKeepsTimes(live);
    for (const Job &job : std::as_const(m_jobs))
        m_summary.add(job);
}

int JobQueueModel::addEntries(const QList<UrlEntry> &entries)
{
    if (entries.isEmpty())
        return 0;
    const int first = int(m_jobs.size());
    beginInsertRows({}, first, first + int(entries.size()) - 1);
    m_jobs.reserve(m_jobs.size() + entries.size());
    for (const UrlEntry &entry : entries) {
        Job job;
        job.id = m_nextId++;
        job.url = entry.url;
        job.setFileName(entry.fileName);
        if (entry.extras)
            job.setExpectedSha256(entry.extras->expectedSha256);
        job.sourceLine = entry.line;
        m_summary.add(job);
        m_jobs.append(std::move(job));
    }
    endInsertRows();
    return int(entries.size());
}

int JobQueueModel::addRestored(const QList<Job> &jobs)
{
    if (jobs.isEmpty())
        return 0;
    const int first = int(m_jobs.size());
    beginInsertRows({}, first, first + int(jobs.size()) - 1);
    m_jobs.reserve(m_jobs.size() + jobs.size());
    for (const Job &restored : jobs) {
        Job job;
        if (restored.isFinished()) {
            job = restored;
            job.worker = job.thread = -1;
            job.queuedAtNs = job.startedAtNs = job.finishedAtNs = job.updatedAtNs = -1;
            job.attemptStartedAtNs = -1;
            job.connectUs = job.sendUs = job.waitUs = job.receiveUs = -1;
            job.dnsUs = job.tlsUs = -1;
            job.restored = true; // counted as done, but not timed in this run
            job.setRestoredDurationNs(restored.resultDurationNs());
        } else {
            job.url = restored.url;
            job.setFileName(restored.fileName());
            job.setExpectedSha256(restored.expectedSha256());
            job.sourceLine = restored.sourceLine;
            job.setResumeFrom(restored.resumeFrom()); // the .part an interrupted run began
        }
        job.id = m_nextId++;
        m_summary.add(job);
        m_jobs.append(std::move(job));
    }
    endInsertRows();
    return int(jobs.size());
}

int JobQueueModel::addSaved(const QList<Job> &jobs)
{
    if (jobs.isEmpty())
        return 0;
    const int first = int(m_jobs.size());
    beginInsertRows({}, first, first + int(jobs.size()) - 1);
    m_jobs.reserve(m_jobs.size() + jobs.size());
    for (const Job &saved : jobs) {
        Job job = saved;
        if (!job.isFinished()) {
            job = Job();
            job.url = saved.url;
            job.setFileName(saved.fileName());
            job.sourceLine = saved.sourceLine;
        }
        job.id = m_nextId++;
        m_summary.add(job);
        m_jobs.append(std::move(job));
    }
    endInsertRows();
    return int(jobs.size());
}

void JobQueueModel::clear()
{
    beginResetModel();
    m_jobs.clear();
    m_summary.clear();
    m_dirtyFirst = m_dirtyLast = -1;
    endResetModel();
}

int JobQueueModel::reinsert(QList<Job> jobs)
{
    std::sort(jobs.begin(), jobs.end(), [](const Job &a, const Job &b) { return a.id < b.id; });
    // Runs of jobs that go to the same place are inserted as one range, the last place first,
    // so that the places found before stay right.
    struct Run
    {
        int row;
        qsizetype first, count;
    };
    QList<Run> runs;
    for (qsizetype i = 0; i < jobs.size(); ++i) {
        const quint64 id = jobs.at(i).id;
        if (id == 0 || rowForId(id) >= 0 || (i > 0 && jobs.at(i - 1).id == id))
            continue;
        const auto at =
            std::lower_bound(m_jobs.cbegin(), m_jobs.cend(), id,
                             [](const Job &job, quint64 value) { return job.id < value; });
        const int row = int(at - m_jobs.cbegin());
        if (!runs.isEmpty() && runs.constLast().row == row
            && runs.constLast().first + runs.constLast().count == i)
            ++runs.last().count;
        else
            runs.append({ row, i, 1 });
    }
    int inserted = 0;
    for (auto run = runs.crbegin(); run != runs.crend(); ++run) {
        const int count = int(run->count);
        beginInsertRows({}, run->row, run->row + count - 1);
        m_jobs.insert(run->row, count, Job());
        for (int k = 0; k < count; ++k) {
            Job &job = m_jobs[run->row + k];
            job = jobs.at(run->first + k);
            m_summary.add(job);
        }
        // Pending live updates move down with the rows they belong to.
        if (m_dirtyFirst >= run->row)
            m_dirtyFirst += count;
        if (m_dirtyLast >= run->row)
            m_dirtyLast += count;
        m_nextId = std::max(m_nextId, m_jobs.at(run->row + count - 1).id + 1);
        endInsertRows();
        inserted += count;
    }
    return inserted;
}

int JobQueueModel::rowForId(quint64 id) const
{
    const auto it = std::lower_bound(m_jobs.cbegin(), m_jobs.cend(), id,
                                     [](const Job &job, quint64 value) { return job.id < value; });
    return it != m_jobs.cend() && it->id == id ? int(it - m_jobs.cbegin()) : -1;
}

int JobQueueModel::nextQueuedRow(int fromRow) const
{
    for (int row = std::max(0, fromRow); row < m_jobs.size(); ++row) {
        if (m_jobs.at(row).state == JobState::Queued)
            return row;
    }
    return -1;
}

void JobQueueModel::setQueuedAt(int row, qint64 queuedAtNs)
{
    m_jobs[row].queuedAtNs = queuedAtNs;
}

void JobQueueModel::markRunning(quint64 id, qint64 startedAtNs, int worker)
{
    const int row = rowForId(id);
    if (row < 0)
        return;
    Job &job = m_jobs[row];
    const JobFigures before = JobFigures::of(job);
    job.state = JobState::Running;
    job.startedAtNs = startedAtNs;
    job.updatedAtNs = startedAtNs;
    job.worker = worker;
    m_summary.change(before, JobFigures::of(job));
    markDirty(row);
}

void JobQueueModel::setProgress(quint64 id, qint64 received, qint64 total, qint64 nowNs,
                                int attempt, LivePhase phase)
{
    const int row = rowForId(id);
    if (row < 0)
        return;
    Job &job = m_jobs[row];
    if (job.state != JobState::Running)
        return;
    const JobFigures before = JobFigures::of(job);
    job.bytesReceived = received;
    job.bytesTotal = total;
    job.updatedAtNs = nowNs;
    if (attempt > 0)
        job.attempts = attempt; // the one in progress
    job.livePhase = phase;
    m_summary.change(before, JobFigures::of(job));
    markDirty(row);
}

void JobQueueModel::markDirty(int row)
{
    m_dirtyFirst = m_dirtyFirst < 0 ? row : std::min(m_dirtyFirst, row);
    m_dirtyLast = std::max(m_dirtyLast, row);
}

void JobQueueModel::flushProgress()
{
    if (m_dirtyFirst < 0)
        return;
    // Running rows sit close together (the queue is taken in order), so one range covers them.
    emit dataChanged(index(m_dirtyFirst, StatusColumn), index(m_dirtyLast, TimeColumn),
                     { Qt::DisplayRole, RawValueRole, JobStateRole });
    m_dirtyFirst = m_dirtyLast = -1;
}

void JobQueueModel::emitRowChanged(int row)
{
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void JobQueueModel::finishJob(const Job &job)
{
    finishJobs({ job });
}

void JobQueueModel::finishJobs(const QList<Job> &jobs)
{
    int first = -1, last = -1;
    for (const Job &job : jobs) {
        const int row = rowForId(job.id);
        if (row < 0)
            continue;
        m_summary.change(JobFigures::of(m_jobs.at(row)), JobFigures::of(job));
        m_jobs[row] = job;
        first = first < 0 ? row : std::min(first, row);
        last = std::max(last, row);
    }
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

void JobQueueModel::markCancelled(quint64 id, qint64 nowNs)
{
    const int row = rowForId(id);
    if (row < 0 || m_jobs.at(row).isFinished())
        return;
    cancelUnstarted(row, nowNs);
    emitRowChanged(row);
}

int JobQueueModel::cancelQueued(qint64 nowNs)
{
    int first = -1, last = -1, cancelled = 0;
    for (int row = 0; row < m_jobs.size(); ++row) {
        if (m_jobs.at(row).state != JobState::Queued)
            continue;
        cancelUnstarted(row, nowNs);
        first = first < 0 ? row : first;
        last = row;
        ++cancelled;
    }
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    return cancelled;
}

void JobQueueModel::cancelUnstarted(int row, qint64 nowNs)
{
    Job &job = m_jobs[row];
    const JobFigures before = JobFigures::of(job);
    job.state = JobState::Cancelled;
    job.errorKind = ErrorKind::Cancelled;
    job.setErrorString(tr("cancelled before it started"));
    job.finishedAtNs = nowNs;
    m_summary.change(before, JobFigures::of(job));
}

int JobQueueModel::requeue(const QList<int> &rows)
{
    int first = -1, requeued = 0;
    for (int row : rows) {
        if (row < 0 || row >= m_jobs.size() || !m_jobs.at(row).isFinished())
            continue;
        const Job &old = m_jobs.at(row);
        Job fresh;
        fresh.id = old.id;
        fresh.url = old.url;
        fresh.setFileName(old.fileName());
        fresh.sourceLine = old.sourceLine;
        m_summary.change(JobFigures::of(old), JobFigures::of(fresh));
        m_jobs[row] = std::move(fresh);
        emitRowChanged(row);
        first = first < 0 ? row : std::min(first, row);
        ++requeued;
    }
    if (first >= 0)
        emit jobsRequeued(first);
    return requeued;
}

} // namespace Parafetch
