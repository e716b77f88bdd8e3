// SPDX-License-Identifier: GPL-3.0-or-later
// A concurrency sweep: the same list at N = 1, 2, 4, … workers, to find where more stops helping.
#pragma once

#include "fetchoptions.h"
#include "urllistparser.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QMetaType>
#include <QObject>

#include <memory>

namespace Parafetch {

class FetchEngine;
class JobQueueModel;

// One level of the sweep. The figures are those of runsummary.h for the run at that level.
struct SweepPoint
{
    int concurrency = 0;
    int urls = 0, succeeded = 0, failed = 0, cancelled = 0;
    qint64 wallNs = 0, serialNs = 0;
    qint64 p50Ns = -1, p95Ns = -1;
    double speedup = 0; // serial / wall: the mean number of URLs in flight

    // speedup / concurrency: how much of each added worker was used (1 = all of it).
    double efficiency() const { return concurrency > 0 ? speedup / concurrency : 0; }
};

// Runs the list once per level, each on a fresh queue and engine (new threads, new connections,
// so no level inherits another's warm connections), one level after the other. Bodies are never
// saved during a sweep, whatever the options say.
class SweepRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepRunner)
public:
    // The knee rule: for each step between neighbouring levels, the gain per doubling is
    // g = 1 - (wall(next) / wall(this)) ^ (1 / log2(next / this)), the fraction of wall time a
    // doubling of N saves (steps other than doublings are scaled to one). The knee is the
    // smallest level from which every later step gains less than the threshold: past it,
    // doubling N saves less than 10% of the wall time. No knee while the last step still gains
    // that much (the sweep did not go far enough), nor with fewer than two levels.
    static constexpr double DefaultKneeThreshold = 0.10;

    explicit SweepRunner(QObject *parent = nullptr);
    ~SweepRunner() override;

    // Runs `entries` at each level (sorted ascending, duplicates dropped, 1..512).
    void start(const QList<UrlEntry> &entries, FetchOptions options, QList<int> levels);
    void cancel(); // aborts the level in progress; finished(false) follows, without its point
    bool isRunning() const { return m_running; }
    const QList<SweepPoint> &points() const { return m_points; }
    const QList<int> &levels() const { return m_levels; }
    int urlCount() const;

    // 1, 2, 4, … up to max, and max itself when it is not a power of two.
    static QList<int> powersOfTwoUpTo(int max);
    // "1,2,4,8": whole numbers from 1 to 512, separated by commas; sorted and made unique.
    // False with a sentence naming the bad item.
    static bool parseLevels(const QString &text, QList<int> *levels, QString *error);
    // A deterministic sample of `size` entries: those with the smallest stable URL hash (see
    // shard.h), so the same list always gives the same sample, spread over the whole list, in
    // list order. size <= 0 or >= the list's size: all of them.
    static QList<UrlEntry> sample(const QList<UrlEntry> &entries, int size);
    // How long a sweep of `urls` URLs at `levels` will about take when a URL takes
    // meanMeasuredNs (BaselineRunner::meanMeasuredNs): N workers share a level's URLs, so each
    // level lasts ceil(urls / N) URL times. -1 (unknown) when nothing was measured.
    static qint64 estimateNs(int urls, const QList<int> &levels, qint64 meanMeasuredNs);
    // The index of the knee in `points` (sorted by concurrency), -1 if there is none.
    static int knee(const QList<SweepPoint> &points, double threshold = DefaultKneeThreshold);

    // CSV (RFC 4180, CRLF): concurrency,urls,succeeded,failed,cancelled,wallMs,serialMs,
    // speedup,efficiency,p50Ms,p95Ms,knee — times in ms with three decimals, -1 unknown, knee 1
    // on the knee's row and 0 elsewhere.
    static QByteArray toCsv(const QList<SweepPoint> &points,
                            double threshold = DefaultKneeThreshold);
    // Atomically (QSaveFile, commit() checked); false with a sentence naming the path.
    static bool writeCsv(const QString &path, const QList<SweepPoint> &points, QString *error,
                         double threshold = DefaultKneeThreshold);
    // That table read back (by --what-if, to calibrate its replay), columns found by their
    // names: concurrency, urls and wallMs are needed, the others may be missing; rows sorted by
    // concurrency. False with a sentence naming the path, the row and the column.
    static bool readCsv(const QString &path, QList<SweepPoint> *points, QString *error);

Q_SIGNALS:
    void pointStarted(int index, int concurrency);
    void progress(int finished, int total); // URLs of the level in progress
    void pointFinished(const Parafetch::SweepPoint &point);
    void finished(bool completed);

private:
    void startNext();
    void finishLevel();

    QList<UrlEntry> m_entries;
    FetchOptions m_options;
    QList<int> m_levels;
    QList<SweepPoint> m_points;
    std::unique_ptr<JobQueueModel> m_model;
    std::unique_ptr<FetchEngine> m_engine;
    int m_finishedInLevel = 0;
    bool m_running = false;
    bool m_cancelled = false;
};

} // namespace Parafetch

Q_DECLARE_METATYPE(Parafetch::SweepPoint)
