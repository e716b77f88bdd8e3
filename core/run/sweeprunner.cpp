// SPDX-License-Identifier: GPL-3.0-or-later
// The sweep's levels, one fresh engine each, the knee rule and the CSV (see the header).
#include "run/sweeprunner.h"

#include "engine/fetchengine.h"
#include "formats/csvformat.h"
#include "formatting.h"
#include "jobqueuemodel.h"
#include "run/runcompare.h"
#include "run/shard.h"
#include "units.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace Parafetch {

namespace {

constexpr int RatioDecimals = 3;

SweepPoint pointOf(int concurrency, const QList<Job> &jobs)
{
    const RunFigures figures = RunFigures::of(jobs);
    SweepPoint point;
    point.concurrency = concurrency;
    point.urls = figures.total;
    point.succeeded = figures.succeeded;
    point.failed = figures.failed;
    point.cancelled = figures.cancelled;
    point.wallNs = figures.wallNs;
    point.serialNs = figures.serialNs;
    point.speedup = figures.speedup;
    point.p50Ns = figures.p50Ns;
    point.p95Ns = figures.p95Ns;
    return point;
}

} // namespace

SweepRunner::SweepRunner(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<SweepPoint>();
}

SweepRunner::~SweepRunner()
{
    m_engine.reset(); // waits for its pool before the model goes
}

void SweepRunner::start(const QList<UrlEntry> &entries, FetchOptions options, QList<int> levels)
{
    cancel();
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    for (int &level : levels)
        level = FetchOptions::clampConcurrency(level);
    m_entries = entries;
    options.outputDirectory.clear();
    m_options = options;
    m_levels = levels;
    m_points.clear();
    m_cancelled = false;
    m_running = true;
    // Queued, so that whoever called start() has connected to the signals of a synchronous
    // first level before it begins.
    QMetaObject::invokeMethod(this, &SweepRunner::startNext, Qt::QueuedConnection);
}

void SweepRunner::cancel()
{
    if (!m_running)
        return;
    m_cancelled = true;
    if (m_engine && m_engine->isRunning())
        m_engine->cancelAll();
}

int SweepRunner::urlCount() const
{
    return int(m_entries.size());
}

void SweepRunner::startNext()
{
    // The previous level's engine is gone before the next one starts: its threads and
    // connections must not serve the next level.
    m_engine.reset();
    m_model.reset();
    const qsizetype index = m_points.size();
    if (m_cancelled || index >= m_levels.size() || m_entries.isEmpty()) {
        m_running = false;
        emit finished(!m_cancelled && index >= m_levels.size());
        return;
    }
    const int level = m_levels.at(index);
    m_model = std::make_unique<JobQueueModel>();
    m_model->addEntries(m_entries);
    m_engine = std::make_unique<FetchEngine>(m_model.get());
    FetchOptions options = m_options;
    options.concurrency = level;
    m_engine->setOptions(options);
    m_finishedInLevel = 0;
    connect(m_engine.get(), &FetchEngine::jobFinished, this,
            [this] { emit progress(++m_finishedInLevel, int(m_entries.size())); });
    connect(m_engine.get(), &FetchEngine::runFinished, this, &SweepRunner::finishLevel);
    emit pointStarted(int(index), level);
    m_engine->start();
}

void SweepRunner::finishLevel()
{
    if (!m_cancelled) {
        m_points.append(pointOf(m_levels.at(m_points.size()), m_model->jobs()));
        emit pointFinished(m_points.constLast());
    }
    // Not here: this runs inside the engine's own signal, and startNext() deletes the engine.
    QMetaObject::invokeMethod(this, &SweepRunner::startNext, Qt::QueuedConnection);
}

QList<int> SweepRunner::powersOfTwoUpTo(int max)
{
    max = FetchOptions::clampConcurrency(max);
    QList<int> levels;
    for (int level = 1; level < max; level *= 2)
        levels.append(level);
    levels.append(max);
    return levels;
}

bool SweepRunner::parseLevels(const QString &text, QList<int> *levels, QString *error)
{
    QList<int> parsed;
    for (const QString &item : text.split(QLatin1Char(','))) {
        bool ok = false;
        const int level = item.trimmed().toInt(&ok);
        if (!ok || level < FetchOptions::MinConcurrency || level > FetchOptions::MaxConcurrency) {
            if (error)
                *error = tr("--sweep takes worker counts from %1 to %2 separated by commas, "
                            "e.g. 1,2,4,8; '%3' is not one")
                             .arg(FetchOptions::MinConcurrency)
                             .arg(FetchOptions::MaxConcurrency)
                             .arg(item.trimmed());
            return false;
        }
        parsed.append(level);
    }
    std::sort(parsed.begin(), parsed.end());
    parsed.erase(std::unique(parsed.begin(), parsed.end()), parsed.end());
    *levels = std::move(parsed);
    return true;
}

QList<UrlEntry> SweepRunner::sample(const QList<UrlEntry> &entries, int size)
{
    if (size <= 0 || size >= entries.size())
        return entries;
    QList<QPair<quint64, int>> ranked; // (hash, index): the index breaks ties deterministically
    ranked.reserve(entries.size());
    for (int i = 0; i < entries.size(); ++i)
        ranked.append({ stableUrlHash(entries.at(i).url), i });
    std::nth_element(ranked.begin(), ranked.begin() + size, ranked.end());
    QList<int> chosen;
    chosen.reserve(size);
    for (int i = 0; i < size; ++i)
        chosen.append(ranked.at(i).second);
    std::sort(chosen.begin(), chosen.end());
    QList<UrlEntry> result;
    result.reserve(size);
    for (int index : std::as_const(chosen))
        result.append(entries.at(index));
    return result;
}

qint64 SweepRunner::estimateNs(int urls, const QList<int> &levels, qint64 meanMeasuredNs)
{
    if (urls <= 0 || meanMeasuredNs < 0 || levels.isEmpty())
        return -1;
    qint64 turns = 0; // URL times, one after the other
    for (int level : levels)
        turns += (urls + std::max(level, 1) - 1) / std::max(level, 1);
    return turns * meanMeasuredNs;
}

int SweepRunner::knee(const QList<SweepPoint> &points, double threshold)
{
    if (points.size() < 2)
        return -1;
    // Walking back from the last step: the knee is the start of the final run of small gains.
    int knee = -1;
    for (qsizetype i = points.size() - 2; i >= 0; --i) {
        const SweepPoint &here = points.at(i), &next = points.at(i + 1);
        double gain = 0;
        if (here.wallNs > 0 && next.concurrency > here.concurrency) {
            const double doublings = std::log2(double(next.concurrency) / here.concurrency);
            gain = 1.0 - std::pow(double(next.wallNs) / double(here.wallNs), 1.0 / doublings);
        }
        if (gain >= threshold)
            break;
        knee = int(i);
    }
    return knee;
}

QByteArray SweepRunner::toCsv(const QList<SweepPoint> &points, double threshold)
{
    const int kneeIndex = knee(points, threshold);
    QByteArray csv = "concurrency,urls,succeeded,failed,cancelled,wallMs,serialMs,speedup,"
                     "efficiency,p50Ms,p95Ms,knee\r\n";
    for (int i = 0; i < points.size(); ++i) {
        const SweepPoint &point = points.at(i);
        csv += QByteArray::number(point.concurrency) + ',' + QByteArray::number(point.urls) + ','
            + QByteArray::number(point.succeeded) + ',' + QByteArray::number(point.failed) + ','
            + QByteArray::number(point.cancelled) + ',' + formatExactMs(point.wallNs) + ','
            + formatExactMs(point.serialNs) + ','
            + QByteArray::number(point.speedup, 'f', RatioDecimals) + ','
            + QByteArray::number(point.efficiency(), 'f', RatioDecimals) + ','
            + formatExactMs(point.p50Ns) + ',' + formatExactMs(point.p95Ns) + ','
            + (i == kneeIndex ? '1' : '0') + "\r\n";
    }
    return csv;
}

bool SweepRunner::writeCsv(const QString &path, const QList<SweepPoint> &points, QString *error,
                           double threshold)
{
    QSaveFile file(path);
    const QByteArray csv = toCsv(points, threshold);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv) != csv.size() || !file.commit()) {
        if (error)
            *error = tr("cannot write %1: %2").arg(QFileInfo(path).filePath(), file.errorString());
        return false;
    }
    return true;
}

bool SweepRunner::readCsv(const QString &path, QList<SweepPoint> *points, QString *error)
{
    const QString shown = QFileInfo(path).filePath();
    const auto fail = [&](const QString &problem) {
        if (error)
            *error = tr("%1: %2").arg(shown, problem);
        return false;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(file.errorString());
    const QByteArray data = file.readAll();
    CsvReader reader(data);
    QList<QByteArray> header;
    QString problem;
    if (reader.atEnd() || !reader.readRecord(&header, &problem))
        return fail(problem.isEmpty() ? tr("empty, not a sweep table")
                                      : tr("not a sweep table: %1").arg(problem));
    const qsizetype concurrencyColumn = header.indexOf("concurrency");
    const qsizetype urlsColumn = header.indexOf("urls");
    const qsizetype wallColumn = header.indexOf("wallMs");
    if (concurrencyColumn < 0 || urlsColumn < 0 || wallColumn < 0)
        return fail(tr("not a sweep table: the header has no concurrency, urls or wallMs"));
    const auto column = [&header](const char *name) { return header.indexOf(name); };
    QList<SweepPoint> read;
    // Rows numbered as a spreadsheet shows them: the header is row 1.
    for (int row = 2; !reader.atEnd(); ++row) {
        QList<QByteArray> fields;
        if (!reader.readRecord(&fields, &problem))
            return fail(tr("row %1: %2").arg(row).arg(problem));
        if (fields.size() == 1 && fields.constFirst().isEmpty())
            continue; // a blank line
        const auto whole = [&](qsizetype at, int *value) {
            bool ok = false;
            *value = at >= 0 && at < fields.size() ? fields.at(at).toInt(&ok) : 0;
            return at < 0 || (ok && *value >= 0);
        };
        const auto ms = [&](qsizetype at, qint64 *ns) {
            bool ok = false;
            const double value = at >= 0 && at < fields.size() ? fields.at(at).toDouble(&ok) : -1;
            if (at >= 0 && (!ok || !std::isfinite(value)))
                return false;
            *ns = value < 0 ? -1 : qint64(std::llround(value * Units::NsPerMs));
            return true;
        };
        SweepPoint point;
        if (!whole(concurrencyColumn, &point.concurrency) || point.concurrency < 1)
            return fail(tr("row %1: concurrency is not a worker count").arg(row));
        if (!whole(urlsColumn, &point.urls) || !whole(column("succeeded"), &point.succeeded)
            || !whole(column("failed"), &point.failed)
            || !whole(column("cancelled"), &point.cancelled))
            return fail(tr("row %1: a count is not a whole number").arg(row));
        if (!ms(wallColumn, &point.wallNs) || point.wallNs < 0
            || !ms(column("serialMs"), &point.serialNs) || !ms(column("p50Ms"), &point.p50Ns)
            || !ms(column("p95Ms"), &point.p95Ns))
            return fail(tr("row %1: a time is not a number of milliseconds").arg(row));
        point.speedup = point.wallNs > 0 ? double(point.serialNs) / double(point.wallNs) : 0;
        read.append(point);
    }
    std::stable_sort(read.begin(), read.end(), [](const SweepPoint &a, const SweepPoint &b) {
        return a.concurrency < b.concurrency;
    });
    *points = std::move(read);
    return true;
}

} // namespace Parafetch
