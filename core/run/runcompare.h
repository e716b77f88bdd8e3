// SPDX-License-Identifier: GPL-3.0-or-later
// Comparing two runs of a list: per-URL differences, figure deltas, and --fail-if rules for CI.
#pragma once

#include "job.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

#include <array>
#include <optional>

namespace Parafetch {

// What happened to one URL between run A (the reference) and run B (the new run).
enum class UrlChange : quint8 {
    Unchanged, // same state, HTTP status and error kind (the time may still differ)
    StatusChanged, // both succeeded or both did not, but the status or error kind differs
    NewFailure, // succeeded in A, not in B
    Fixed, // did not succeed in A, succeeded in B
    OnlyInA,
    OnlyInB,
};
constexpr int UrlChangeCount = int(UrlChange::OnlyInB) + 1;

// Stable identifiers for output and CSV: "unchanged", "status-changed", "new-failure", "fixed",
// "only-in-a", "only-in-b".
QString urlChangeName(UrlChange change);

struct UrlDiff
{
    QString url; // as a person may see it (credentials masked): the key the runs are matched on
    UrlChange change = UrlChange::Unchanged;
    JobState stateA = JobState::Queued, stateB = JobState::Queued;
    int statusA = 0, statusB = 0;
    ErrorKind kindA = ErrorKind::None, kindB = ErrorKind::None;
    qint64 durationA = -1, durationB = -1; // ns, -1 = unknown or absent

    bool hasTimeDelta() const { return durationA >= 0 && durationB >= 0; }
    qint64 timeDeltaNs() const { return hasTimeDelta() ? durationB - durationA : 0; }
};

// The figures of one run that comparisons and rules speak of (see runsummary.h for the
// definitions); p95 is the nearest-rank percentile like the others.
struct RunFigures
{
    int total = 0, succeeded = 0, failed = 0, cancelled = 0;
    int checksumMismatches = 0; // failed because the body did not hash as expected
    qint64 wallNs = 0, serialNs = 0;
    qint64 p50Ns = -1, p90Ns = -1, p95Ns = -1, p99Ns = -1;
    double speedup = 0;

    static RunFigures of(const QList<Job> &jobs);
};

struct RunComparison
{
    RunFigures a, b;
    QList<UrlDiff> diffs; // every URL: B's order, then those only in A in A's order
    std::array<int, UrlChangeCount> counts {};

    int count(UrlChange change) const { return counts[std::size_t(change)]; }
    // Matches jobs by masked URL; a URL listed twice in a run pairs with its n-th occurrence.
    static RunComparison compare(const QList<Job> &a, const QList<Job> &b);
};

// A --fail-if rule: the run fails CI when the rule's condition holds.
//
//   rule    := figure op number [unit]          (spaces allowed; names case-insensitive)
//   figure  := total | succeeded | failed | cancelled | wall | serial | p50 | p90 | p95 | p99
//              | speedup | checksum_mismatch     the figure of the new run (B)
//            | one of those + "_delta"           B - A
//            | new_failures | fixed | status_changes | only_in_a | only_in_b
//                                                counts of per-URL changes (A against B)
//   op      := > | >= | < | <= | == | !=
//   unit    := s | ms   required for the times: wall, serial, p50, p90, p95, p99 (and _delta)
//            | %        only after _delta: the change relative to A, (B - A) / A * 100
//            | x        allowed for speedup
//
// Examples: "p95>2s", "p50>=300ms", "failed>0", "succeeded<100", "p95_delta>10%",
// "wall_delta>500ms", "new_failures>0". A figure that is unknown (p95 of a run in which nothing
// finished) makes its rule fail: CI cannot tell that it holds. A relative change from 0 is
// +inf (or 0 from 0 to 0).
class FailRule
{
    Q_DECLARE_TR_FUNCTIONS(FailRule)
public:
    enum class Figure {
        Total,
        Succeeded,
        Failed,
        Cancelled,
        Wall,
        Serial,
        P50,
        P90,
        P95,
        P99,
        Speedup,
        ChecksumMismatch,
        NewFailures,
        Fixed,
        StatusChanges,
        OnlyInA,
        OnlyInB,
    };
    enum class Op { Greater, GreaterOrEqual, Less, LessOrEqual, Equal, NotEqual };

    struct Outcome
    {
        bool known = false; // false: the figure could not be computed (the rule fails)
        double value = 0; // in the rule's unit: seconds or ms as written, %, a count
        bool failed = false; // the condition held (or the value is unknown)
    };

    // nullopt with *error naming the rule and what is wrong with it.
    static std::optional<FailRule> parse(const QString &text, QString *error);
    // Splits on commas and parses each ("p95>2s,failed>0"); false at the first bad one.
    static bool parseList(const QStringList &texts, QList<FailRule> *rules, QString *error);

    QString text() const { return m_text; } // as written, trimmed
    // A delta, a relative change or a per-URL count needs run A; the others need run B only.
    bool needsComparison() const;
    Outcome evaluate(const RunFigures &b, const RunComparison *comparison = nullptr) const;
    // The unit the outcome's value is in, as written ("s", "ms", "%", "x" or "").
    QString unit() const { return m_unit; }

private:
    QString m_text;
    Figure m_figure = Figure::Total;
    Op m_op = Op::Greater;
    double m_threshold = 0;
    double m_scale = 1; // figure (ns for times) per unit of the threshold
    QString m_unit;
    bool m_delta = false;
    bool m_percent = false;
    bool m_perUrl = false; // a count of per-URL changes
};

} // namespace Parafetch
