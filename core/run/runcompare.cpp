// SPDX-License-Identifier: GPL-3.0-or-later
// Per-URL matching of two runs, their figures, and the --fail-if rule grammar (see the header).
#include "run/runcompare.h"

#include "redact.h"
#include "runsummary.h"
#include "units.h"

#include <QHash>
#include <QRegularExpression>

#include <cmath>
#include <limits>

namespace Parafetch {

namespace {

constexpr double P95 = 95;

struct FigureName
{
    const char *name;
    FailRule::Figure figure;
    bool isTime;
    bool hasDelta; // the per-URL counts have no A and B of their own
};

constexpr FigureName figureNames[] = {
    { "total", FailRule::Figure::Total, false, true },
    { "succeeded", FailRule::Figure::Succeeded, false, true },
    { "failed", FailRule::Figure::Failed, false, true },
    { "cancelled", FailRule::Figure::Cancelled, false, true },
    { "wall", FailRule::Figure::Wall, true, true },
    { "serial", FailRule::Figure::Serial, true, true },
    { "p50", FailRule::Figure::P50, true, true },
    { "p90", FailRule::Figure::P90, true, true },
    { "p95", FailRule::Figure::P95, true, true },
    { "p99", FailRule::Figure::P99, true, true },
    { "speedup", FailRule::Figure::Speedup, false, true },
    { "checksum_mismatch", FailRule::Figure::ChecksumMismatch, false, true },
    { "new_failures", FailRule::Figure::NewFailures, false, false },
    { "fixed", FailRule::Figure::Fixed, false, false },
    { "status_changes", FailRule::Figure::StatusChanges, false, false },
    { "only_in_a", FailRule::Figure::OnlyInA, false, false },
    { "only_in_b", FailRule::Figure::OnlyInB, false, false },
};

const FigureName *findFigure(const QString &name)
{
    for (const FigureName &entry : figureNames) {
        if (name == QLatin1String(entry.name))
            return &entry;
    }
    return nullptr;
}

QString figureList()
{
    QStringList names;
    for (const FigureName &entry : figureNames)
        names.append(QLatin1String(entry.name));
    return names.join(QLatin1String(", "));
}

// The figure of one run; nullopt when it is unknown. Times in ns.
std::optional<double> runFigure(const RunFigures &run, FailRule::Figure figure)
{
    const auto time = [](qint64 ns) -> std::optional<double> {
        return ns >= 0 ? std::optional<double>(double(ns)) : std::nullopt;
    };
    switch (figure) {
    case FailRule::Figure::Total:
        return run.total;
    case FailRule::Figure::Succeeded:
        return run.succeeded;
    case FailRule::Figure::Failed:
        return run.failed;
    case FailRule::Figure::Cancelled:
        return run.cancelled;
    case FailRule::Figure::Wall:
        return time(run.wallNs);
    case FailRule::Figure::Serial:
        return time(run.serialNs);
    case FailRule::Figure::P50:
        return time(run.p50Ns);
    case FailRule::Figure::P90:
        return time(run.p90Ns);
    case FailRule::Figure::P95:
        return time(run.p95Ns);
    case FailRule::Figure::P99:
        return time(run.p99Ns);
    case FailRule::Figure::Speedup:
        return run.speedup;
    case FailRule::Figure::ChecksumMismatch:
        return run.checksumMismatches;
    default:
        return std::nullopt; // the per-URL counts are not a figure of one run
    }
}

std::optional<double> changeCount(const RunComparison &comparison, FailRule::Figure figure)
{
    switch (figure) {
    case FailRule::Figure::NewFailures:
        return comparison.count(UrlChange::NewFailure);
    case FailRule::Figure::Fixed:
        return comparison.count(UrlChange::Fixed);
    case FailRule::Figure::StatusChanges:
        return comparison.count(UrlChange::StatusChanged);
    case FailRule::Figure::OnlyInA:
        return comparison.count(UrlChange::OnlyInA);
    case FailRule::Figure::OnlyInB:
        return comparison.count(UrlChange::OnlyInB);
    default:
        return std::nullopt;
    }
}

UrlChange classify(const Job &a, const Job &b)
{
    const bool okA = a.isSuccess(), okB = b.isSuccess(); // unchanged is a success too
    if (okA && !okB)
        return UrlChange::NewFailure;
    if (!okA && okB)
        return UrlChange::Fixed;
    if (a.state != b.state || a.httpStatus != b.httpStatus || a.errorKind != b.errorKind)
        return UrlChange::StatusChanged;
    return UrlChange::Unchanged;
}

} // namespace

QString urlChangeName(UrlChange change)
{
    switch (change) {
    case UrlChange::Unchanged:
        return QStringLiteral("unchanged");
    case UrlChange::StatusChanged:
        return QStringLiteral("status-changed");
    case UrlChange::NewFailure:
        return QStringLiteral("new-failure");
    case UrlChange::Fixed:
        return QStringLiteral("fixed");
    case UrlChange::OnlyInA:
        return QStringLiteral("only-in-a");
    case UrlChange::OnlyInB:
        return QStringLiteral("only-in-b");
    }
    return {};
}

RunFigures RunFigures::of(const QList<Job> &jobs)
{
    const RunSummary summary = RunSummary::compute(jobs);
    RunFigures figures;
    figures.total = summary.total;
    figures.succeeded = summary.succeeded;
    figures.failed = summary.failed;
    figures.cancelled = summary.cancelled;
    figures.checksumMismatches = summary.byErrorKind[std::size_t(ErrorKind::ChecksumMismatch)];
    figures.wallNs = summary.wallNs;
    figures.serialNs = summary.serialNs;
    figures.p50Ns = summary.p50Ns;
    figures.p90Ns = summary.p90Ns;
    figures.p99Ns = summary.p99Ns;
    figures.speedup = summary.speedup;
    // The same durations the summary ranks: those of finished jobs.
    QList<qint64> durations;
    for (const Job &job : jobs) {
        if (job.isFinished() && job.durationNs() >= 0)
            durations.append(job.durationNs());
    }
    figures.p95Ns = nearestRankPercentile(durations, P95);
    return figures;
}

RunComparison RunComparison::compare(const QList<Job> &a, const QList<Job> &b)
{
    RunComparison result;
    result.a = RunFigures::of(a);
    result.b = RunFigures::of(b);

    QHash<QString, QList<int>> rowsOfA; // masked URL -> rows of A not yet matched, in order
    for (int row = 0; row < a.size(); ++row)
        rowsOfA[redactedUrl(a.at(row).url)].append(row);
    QList<bool> matched(a.size(), false);

    const auto add = [&result](UrlDiff diff) {
        ++result.counts[std::size_t(diff.change)];
        result.diffs.append(std::move(diff));
    };
    for (const Job &jobB : b) {
        UrlDiff diff;
        diff.url = redactedUrl(jobB.url);
        diff.stateB = jobB.state;
        diff.statusB = jobB.httpStatus;
        diff.kindB = jobB.errorKind;
        diff.durationB = jobB.durationNs();
        QList<int> &rows = rowsOfA[diff.url];
        if (rows.isEmpty()) {
            diff.change = UrlChange::OnlyInB;
        } else {
            const int row = rows.takeFirst();
            matched[row] = true;
            const Job &jobA = a.at(row);
            diff.stateA = jobA.state;
            diff.statusA = jobA.httpStatus;
            diff.kindA = jobA.errorKind;
            diff.durationA = jobA.durationNs();
            diff.change = classify(jobA, jobB);
        }
        add(std::move(diff));
    }
    for (int row = 0; row < a.size(); ++row) {
        if (matched.at(row))
            continue;
        const Job &jobA = a.at(row);
        UrlDiff diff;
        diff.url = redactedUrl(jobA.url);
        diff.change = UrlChange::OnlyInA;
        diff.stateA = jobA.state;
        diff.statusA = jobA.httpStatus;
        diff.kindA = jobA.errorKind;
        diff.durationA = jobA.durationNs();
        add(std::move(diff));
    }
    return result;
}

std::optional<FailRule> FailRule::parse(const QString &text, QString *error)
{
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*([A-Za-z_0-9]+)\\s*(>=|<=|==|!=|>|<)\\s*([+-]?(?:\\d+\\.?\\d*|\\.\\d+)"
                       ")\\s*([A-Za-z%]*)\\s*$"));
    FailRule rule;
    rule.m_text = text.trimmed();
    const auto fail = [&error, &rule](const QString &why) -> std::optional<FailRule> {
        if (error)
            *error = tr("--fail-if '%1': %2").arg(rule.m_text, why);
        return std::nullopt;
    };
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch())
        return fail(tr("a rule is FIGURE OP NUMBER[UNIT], e.g. p95>2s or failed>0, with OP one "
                       "of > >= < <= == !="));

    QString name = match.captured(1).toLower();
    rule.m_delta = name.endsWith(QLatin1String("_delta"));
    if (rule.m_delta)
        name.chop(int(qstrlen("_delta")));
    const FigureName *figure = findFigure(name);
    if (!figure)
        return fail(tr("unknown figure '%1' (known: %2, and those of them with _delta)")
                        .arg(match.captured(1), figureList()));
    if (rule.m_delta && !figure->hasDelta)
        return fail(tr("%1 counts changes between the runs already: it has no _delta").arg(name));
    rule.m_figure = figure->figure;
    rule.m_perUrl = !figure->hasDelta;

    const QString op = match.captured(2);
    const QList<QPair<QLatin1String, Op>> ops = {
        { QLatin1String(">="), Op::GreaterOrEqual }, { QLatin1String("<="), Op::LessOrEqual },
        { QLatin1String("=="), Op::Equal },          { QLatin1String("!="), Op::NotEqual },
        { QLatin1String(">"), Op::Greater },         { QLatin1String("<"), Op::Less },
    };
    for (const auto &[symbol, value] : ops) {
        if (op == symbol)
            rule.m_op = value;
    }
    rule.m_threshold = match.captured(3).toDouble();

    rule.m_unit = match.captured(4).toLower();
    const QString &unit = rule.m_unit;
    if (unit == QLatin1String("%")) {
        if (!rule.m_delta)
            return fail(tr("a % is a change relative to run A: write %1_delta").arg(name));
        rule.m_percent = true;
    } else if (figure->isTime) {
        if (unit == QLatin1String("s"))
            rule.m_scale = Units::NsPerSecond;
        else if (unit == QLatin1String("ms"))
            rule.m_scale = Units::NsPerMs;
        else if (unit.isEmpty())
            return fail(tr("%1 is a time: give a unit, s or ms (e.g. %1%2%3s)")
                            .arg(match.captured(1), op, match.captured(3)));
        else
            return fail(tr("unknown unit '%1' for a time (use s or ms)").arg(match.captured(4)));
    } else if (rule.m_figure == Figure::Speedup) {
        if (!unit.isEmpty() && unit != QLatin1String("x"))
            return fail(tr("unknown unit '%1' for speedup (use x or none)").arg(match.captured(4)));
    } else if (!unit.isEmpty()) {
        return fail(tr("%1 is a count: it takes no unit, not '%2'").arg(name, match.captured(4)));
    }
    return rule;
}

bool FailRule::parseList(const QStringList &texts, QList<FailRule> *rules, QString *error)
{
    QList<FailRule> parsed;
    for (const QString &text : texts) {
        for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const std::optional<FailRule> rule = parse(part, error);
            if (!rule)
                return false;
            parsed.append(*rule);
        }
    }
    *rules = std::move(parsed);
    return true;
}

bool FailRule::needsComparison() const
{
    return m_delta || m_perUrl;
}

FailRule::Outcome FailRule::evaluate(const RunFigures &b, const RunComparison *comparison) const
{
    Outcome outcome;
    std::optional<double> value;
    if (m_perUrl) {
        if (comparison)
            value = changeCount(*comparison, m_figure);
    } else if (!m_delta) {
        value = runFigure(b, m_figure);
    } else if (comparison) {
        const std::optional<double> before = runFigure(comparison->a, m_figure);
        const std::optional<double> after = runFigure(b, m_figure);
        if (before && after) {
            const double change = *after - *before;
            if (!m_percent)
                value = change;
            else if (*before != 0)
                value = change / std::abs(*before) * Units::PercentScale;
            else
                value = change == 0
                    ? 0.0
                    : std::copysign(std::numeric_limits<double>::infinity(), change);
        }
    }
    outcome.known = value.has_value();
    if (!outcome.known) {
        outcome.failed = true;
        return outcome;
    }
    outcome.value = *value / m_scale;
    const double limit = m_threshold * m_scale;
    switch (m_op) {
    case Op::Greater:
        outcome.failed = *value > limit;
        break;
    case Op::GreaterOrEqual:
        outcome.failed = *value >= limit;
        break;
    case Op::Less:
        outcome.failed = *value < limit;
        break;
    case Op::LessOrEqual:
        outcome.failed = *value <= limit;
        break;
    case Op::Equal:
        outcome.failed = *value == limit;
        break;
    case Op::NotEqual:
        outcome.failed = *value != limit;
        break;
    }
    return outcome;
}

} // namespace Parafetch
