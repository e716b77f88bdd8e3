// SPDX-License-Identifier: GPL-3.0-or-later
// The What If dialog: the queue's measured per-URL times replayed at other worker counts and
// per-host caps, without fetching again.
#pragma once

#include "job.h"
#include "run/whatif.h"

#include <QDialog>
#include <QList>
#include <QTimer>

class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace Parafetch {

class WhatIfDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WhatIfDialog)
public:
    enum Column {
        WorkersColumn,
        WallColumn, // the list's order
        SpeedupColumn,
        LongestFirstWallColumn,
        LongestFirstSpeedupColumn,
        StragglerColumn, // the share of the listed order's wall that its last URL takes
        CalibratedColumn,
        MeasuredColumn,
        ColumnCount
    };

    // An edit waits this long for the next before the table is computed again: typing "128"
    // replays once, not three times.
    static constexpr int RecomputeDelayMs = 150;

    // jobs: a copy of the queue's, replayed as they are now; measured: what the window knows of
    // the run and of a sweep of the same list, to calibrate with; perHost: the cap to predict
    // with at first (the current settings').
    WhatIfDialog(const QList<Job> &jobs, const WhatIfMeasurements &measured, int perHost,
                 QWidget *parent = nullptr);

    QLineEdit *workersEdit() const { return m_workers; }
    QSpinBox *perHostBox() const { return m_perHost; }
    QTableWidget *table() const { return m_table; }
    // What is wrong with the worker list; empty when nothing is.
    QString errorText() const;
    // The lines under the table: what was replayed, what calibrates it, how far to trust it.
    QString noteText() const;
    const QList<WhatIfCalibration> &calibrations() const { return m_calibrations; }
    // The table as Copy puts it on the clipboard: a header line, then one line per row, the
    // cells as shown, separated by tabs.
    QString tableText() const;

    // Computes the table from the fields now (what an edit does after RecomputeDelayMs). A
    // worker list that does not parse shows its error and leaves the table as it was.
    void recompute();
    void copyTable();

private:
    void fillTable(const QList<int> &workers, int perHost);
    QString replayedText() const;
    QString calibrationText() const;

    const QList<Job> m_jobs; // for the stragglers' URLs
    const WhatIf m_whatIf;
    const WhatIfMeasurements m_measured;
    QList<WhatIfCalibration> m_calibrations;
    QList<SweepPoint> m_otherLists; // sweep levels of another list: named, not used
    QTimer m_recomputeTimer;
    QLineEdit *m_workers = nullptr;
    QLabel *m_error = nullptr;
    QSpinBox *m_perHost = nullptr;
    QTableWidget *m_table = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_trust = nullptr;
};

} // namespace Parafetch
