// SPDX-License-Identifier: GPL-3.0-or-later
// The concurrency sweep dialog: runs the list at N = 1, 2, 4, … and plots wall time and speedup.
#pragma once

#include "fetchoptions.h"
#include "job.h"
#include "run/sweeprunner.h"
#include "urllistparser.h"

#include <QDialog>
#include <QList>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Parafetch {

// Wall time (left axis, seconds) and speedup (right axis) against N on a log2 axis, the knee
// marked. Painted with QPainter: the product takes no charting library for one plot. Part of
// the dialog's file because nothing else shows it.
class SweepPlot final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepPlot)
public:
    explicit SweepPlot(QWidget *parent = nullptr);

    void setPoints(const QList<SweepPoint> &points, int kneeIndex);
    const QList<SweepPoint> &points() const { return m_points; }
    int kneeIndex() const { return m_knee; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // Okabe-Ito colours, told apart with colour blindness and on light and dark palettes alike.
    static QColor wallColour();
    static QColor speedupColour();
    static QColor kneeColour();

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<SweepPoint> m_points;
    int m_knee = -1;
};

class SweepDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepDialog)
public:
    enum Column {
        ConcurrencyColumn,
        WallColumn,
        SerialColumn,
        SpeedupColumn,
        EfficiencyColumn,
        SucceededColumn,
        FailedColumn,
        P50Column,
        P95Column,
        ColumnCount
    };

    static constexpr int DefaultMaxConcurrency = 64;

    // The list is the queue's (every row, whatever its state); the options are the run's.
    SweepDialog(const QList<Job> &jobs, const FetchOptions &options, QWidget *parent = nullptr);
    ~SweepDialog() override;

    void startSweep();
    void cancelSweep();
    // Shows finished points without running anything (for the README's picture and tests).
    void showPoints(const QList<SweepPoint> &points);

    QList<int> plannedLevels() const;
    int sampleSize() const;
    const SweepRunner &runner() const { return m_runner; }
    SweepPlot *plot() const { return m_plot; }
    QTableWidget *table() const { return m_table; }
    QString kneeText() const;
    // "about 40 s" for the planned levels and sample, from the list's measured URL times; a
    // sentence with "–" when none was measured.
    QString estimateText() const;
    // The levels shown are those measured before a sweep was stopped.
    bool isPartial() const { return m_partial; }

    void setMaxConcurrency(int max);
    void setSampleSize(int size);

Q_SIGNALS:
    void sweepStarted();
    void sweepFinished(bool completed);

protected:
    // Esc and Close stop a sweep in progress and keep the dialog with the levels measured;
    // once nothing runs they close it.
    void reject() override;

private:
    void addPoint(const SweepPoint &point);
    void updateProgress(int finishedInLevel);
    void sweepDone(bool completed);
    void refreshResults(const QList<SweepPoint> &points);
    void saveCsv();
    void updateState();
    void updateEstimate();

    QList<UrlEntry> m_entries;
    FetchOptions m_options;
    SweepRunner m_runner;
    QList<SweepPoint> m_shown;
    int m_levelIndex = 0;
    qint64 m_meanMeasuredNs = -1;
    bool m_partial = false;
    QSpinBox *m_maxConcurrency = nullptr;
    QSpinBox *m_sample = nullptr;
    QLabel *m_listLabel = nullptr;
    QPushButton *m_runButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QPushButton *m_saveButton = nullptr;
    QProgressBar *m_progress = nullptr;
    SweepPlot *m_plot = nullptr;
    QLabel *m_kneeLabel = nullptr;
    QLabel *m_estimateLabel = nullptr;
    QTableWidget *m_table = nullptr;
};

} // namespace Parafetch
