// SPDX-License-Identifier: GPL-3.0-or-later
// Splitting a URL list across machines by a stable hash, and merging the shards' exports.
#pragma once

#include "formats/runfile.h"
#include "job.h"
#include "runsummary.h"

#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Parafetch {

// Shard K of N, numbered from 1 like "--shard 2/8" (GNU parallel's {#} and a Slurm array
// 1-N count from 1; a Kubernetes Indexed Job's JOB_COMPLETION_INDEX counts from 0: add 1).
struct ShardSpec
{
    static constexpr int MaxCount = 65536;

    int index = 1; // 1..count
    int count = 1;

    bool isWhole() const { return count == 1; }
    bool contains(const QUrl &url) const;

    // "K/N" with 1 <= K <= N <= MaxCount; false with a sentence naming the text on error.
    static bool parse(const QString &text, ShardSpec *spec, QString *error);

    Q_DECLARE_TR_FUNCTIONS(ShardSpec) // last: it leaves the access at private
};

// The URL's stable hash: the first 8 bytes (big-endian) of SHA-256 over the fully encoded URL
// without user info. Unlike qHash it is the same in every process and on every machine (a shell
// gets it with `printf %s URL | sha256sum | cut -c1-16`), and credentials, which exports mask,
// do not move a URL to another shard.
quint64 stableUrlHash(const QUrl &url);
// The 0-based shard (0..count-1) that the URL belongs to: stableUrlHash(url) % count.
int shardOf(const QUrl &url, int count);

// One run made of the shards' exports, as if one machine had fetched the whole list.
struct MergedRun
{
    RunInfo info;
    QList<Job> jobs; // in the order of the original list (by line), then of the inputs
    RunSummary summary;
    // URLs found in more than one input (masked as exported): only their first is kept. A URL
    // in two shards means the shards were made with different lists or counts, or one shard
    // was run twice.
    QStringList duplicates;
};

class ShardMerger
{
    Q_DECLARE_TR_FUNCTIONS(ShardMerger)
public:
    // Puts every input's jobs on one clock before summing up: each export's instants count from
    // its own engine's epoch, which is `startedAt - (earliest startedAtMs)` on the wall clock,
    // so the jobs of input i move by (its epoch - the earliest epoch). Wall time is then from the
    // earliest start to the latest finish across all shards (as far as the machines' clocks
    // agree: keep them on NTP), serial time the sum of all durations. The merged concurrency is
    // the sum of the inputs' (the shards ran side by side). `names` (one per run, for messages)
    // may be empty. False with a sentence when an input has jobs but no startedAt (a CSV export
    // carries none: merge JSON exports).
    static bool merge(const QList<ImportedRun> &runs, const QStringList &names, MergedRun *merged,
                      QString *error);
};

} // namespace Parafetch
