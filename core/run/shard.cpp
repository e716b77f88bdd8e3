// SPDX-License-Identifier: GPL-3.0-or-later
// Stable URL sharding and the merge of shard exports into one run with one clock.
#include "run/shard.h"

#include "sha256.h"
#include "units.h"

#include <QRegularExpression>
#include <QSet>
#include <QtEndian>

#include <algorithm>
#include <limits>

namespace Parafetch {

namespace {

void shiftInstant(qint64 *instantNs, qint64 byNs)
{
    if (*instantNs >= 0)
        *instantNs += byNs;
}

} // namespace

bool ShardSpec::contains(const QUrl &url) const
{
    return shardOf(url, count) == index - 1;
}

bool ShardSpec::parse(const QString &text, ShardSpec *spec, QString *error)
{
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\d{1,9})\\s*/\\s*(\\d{1,9})\\s*$"));
    const QRegularExpressionMatch match = pattern.match(text);
    const int index = match.hasMatch() ? match.captured(1).toInt() : 0;
    const int count = match.hasMatch() ? match.captured(2).toInt() : 0;
    QString problem;
    if (!match.hasMatch())
        problem = tr("--shard takes K/N, shard K of N, e.g. 2/8, not '%1'").arg(text);
    else if (count < 1 || count > MaxCount)
        problem =
            tr("--shard %1: the number of shards must be from 1 to %2").arg(text).arg(MaxCount);
    else if (index < 1 || index > count)
        problem = tr("--shard %1: shards are numbered from 1 to %2 (the first is 1/%2)")
                      .arg(text)
                      .arg(count);
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    spec->index = index;
    spec->count = count;
    return true;
}

quint64 stableUrlHash(const QUrl &url)
{
    const QByteArray digest =
        Sha256::hash(url.adjusted(QUrl::RemoveUserInfo).toEncoded(QUrl::FullyEncoded));
    return qFromBigEndian<quint64>(digest.constData());
}

int shardOf(const QUrl &url, int count)
{
    if (count <= 1)
        return 0;
    return int(stableUrlHash(url) % quint64(count));
}

bool ShardMerger::merge(const QList<ImportedRun> &runs, const QStringList &names, MergedRun *merged,
                        QString *error)
{
    const auto nameOf = [&names](qsizetype i) {
        return i < names.size() ? names.at(i) : tr("input %1").arg(i + 1);
    };
    // Each input's epoch (the wall-clock instant of its engine's 0) in ns since 1970.
    QList<qint64> epochs(runs.size(), -1);
    qint64 earliest = std::numeric_limits<qint64>::max();
    for (qsizetype i = 0; i < runs.size(); ++i) {
        const ImportedRun &run = runs.at(i);
        if (run.summary.firstStartNs < 0)
            continue; // nothing started: nothing to place on the clock
        if (!run.info.startedAt.isValid()) {
            if (error)
                *error = tr("%1 has no start time (startedAt), so its jobs cannot be placed on "
                            "a common clock: merge JSON exports, not CSV")
                             .arg(nameOf(i));
            return false;
        }
        epochs[i] =
            run.info.startedAt.toMSecsSinceEpoch() * Units::NsPerMs - run.summary.firstStartNs;
        earliest = std::min(earliest, epochs.at(i));
    }

    MergedRun result;
    QSet<QString> kept; // masked URLs
    for (qsizetype i = 0; i < runs.size(); ++i) {
        const qint64 shift = epochs.at(i) >= 0 ? epochs.at(i) - earliest : 0;
        for (Job job : runs.at(i).jobs) {
            const QString key = job.url.toString();
            if (kept.contains(key)) {
                result.duplicates.append(key);
                continue;
            }
            kept.insert(key);
            for (qint64 *instant : { &job.queuedAtNs, &job.startedAtNs, &job.finishedAtNs,
                                     &job.updatedAtNs, &job.attemptStartedAtNs })
                shiftInstant(instant, shift);
            result.jobs.append(std::move(job));
        }
    }
    result.duplicates.removeDuplicates();
    // Every shard read the same list, so line numbers put the jobs back in the list's order.
    std::stable_sort(result.jobs.begin(), result.jobs.end(),
                     [](const Job &a, const Job &b) { return a.sourceLine < b.sourceLine; });
    quint64 nextId = 1;
    for (Job &job : result.jobs)
        job.id = nextId++;
    result.summary = RunSummary::compute(result.jobs);

    for (const ImportedRun &run : runs) {
        result.info.concurrency += run.info.concurrency;
        if (result.info.toolVersion.isEmpty())
            result.info.toolVersion = run.info.toolVersion;
    }
    if (!runs.isEmpty())
        result.info.method = runs.constFirst().info.method;
    if (earliest != std::numeric_limits<qint64>::max() && result.summary.firstStartNs >= 0) {
        const int offset = [&runs] {
            for (const ImportedRun &run : runs) {
                if (run.info.startedAt.isValid())
                    return run.info.startedAt.offsetFromUtc();
            }
            return 0;
        }();
        result.info.startedAt = QDateTime::fromMSecsSinceEpoch(
            (earliest + result.summary.firstStartNs) / Units::NsPerMs, Qt::OffsetFromUTC, offset);
    }
    *merged = std::move(result);
    return true;
}

} // namespace Parafetch
