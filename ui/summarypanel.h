// SPDX-License-Identifier: GPL-3.0-or-later
// The run at a glance: progress, workers, bytes, wall time against serial time, the speedup.
#pragma once

#include "run/eta.h"
#include "run/verdict.h"
#include "runsummary.h"

#include <QScrollArea>
#include <QWidget>

class QFormLayout;
namespace Parafetch {
class HistogramView;
}
class QLabel;
class QProgressBar;

namespace Parafetch {

class SummaryPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SummaryPanel)
public:
    explicit SummaryPanel(QWidget *parent = nullptr);

    // One snapshot: every figure, the progress bar and its text come from these arguments and
    // are painted together. The summary's wall time grows with the running jobs' progress
    // updates, so it needs no clock of its own (and counts no paused or idle time).
    void setSummary(const RunSummary &summary, int activeWorkers, bool running);
    void setBaselineProgress(int finished, int total);
    void setBaseline(const RunSummary &baseline);
    void clearBaseline();
    // Polite mode (FetchOptions::perHost): at most this many requests per host at once; 0 = off.
    void setPerHostLimit(int perHost);
    // "Capped at …" while a bandwidth cap is set (bytes/s, 0 = none).
    void setBandwidthCap(qint64 limitRate, qint64 limitRatePerUrl);
    // FetchOptions::pacingText(), shown as "Paced: …" when not empty.
    void setPacing(const QString &pacing);
    // "Why not faster:" and the findings of the finished run (Verdict::analyse()); none hides it.
    void setVerdict(const QList<Finding> &findings);
    // The time left (EtaEstimator::estimate()) while a run is going on.
    void setRemaining(const EtaEstimate &eta, bool running);

    // The classic lines and the figures as plain text, for the clipboard.
    QString summaryText() const;
    const RunSummary &summary() const { return m_summary; }

protected:
    void changeEvent(QEvent *event) override;

private:
    QLabel *addRow(const QString &label, const QString &toolTip);
    static QString doneToolTip();
    // The panel's width comes from the widest figures its rows can show (font metrics), not
    // from the figures of the moment: the dock never widens or narrows while a run goes on.
    int widthForFigures() const;
    void updateBaselineText();

    RunSummary m_summary;
    qint64 m_baselineNs = -1;
    QProgressBar *m_progress = nullptr;
    QLabel *m_done = nullptr;
    QLabel *m_restored = nullptr; // shown only when some results were restored
    QLabel *m_active = nullptr;
    QLabel *m_remaining = nullptr;
    QLabel *m_bytes = nullptr;
    QLabel *m_throughput = nullptr;
    QLabel *m_wall = nullptr;
    QLabel *m_serial = nullptr;
    QLabel *m_speedup = nullptr;
    QLabel *m_percentiles = nullptr;
    QLabel *m_baseline = nullptr;
    QLabel *m_classic = nullptr;
    QLabel *m_polite = nullptr;
    QLabel *m_paced = nullptr;
    QLabel *m_capped = nullptr;
    QLabel *m_verdict = nullptr;
    HistogramView *m_histogram = nullptr;
    QFormLayout *m_form = nullptr;
};

// The panel in its dock: as wide as the panel (and a scroll bar), as tall as the dock allows.
// On a short screen the panel scrolls instead of taking height from the table, the details
// and the waterfall.
class SummaryScrollArea final : public QScrollArea
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SummaryScrollArea)
public:
    explicit SummaryScrollArea(SummaryPanel *panel, QWidget *parent = nullptr);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
};

} // namespace Parafetch
