// SPDX-License-Identifier: GPL-3.0-or-later
// The Compare Runs dialog: two exports side by side, per-URL differences and figure deltas.
#pragma once

#include "run/runcompare.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace Parafetch {

class CompareDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareDialog)
public:
    enum DiffColumn { ChangeColumn, UrlColumn, AColumn, BColumn, DeltaColumn, DiffColumnCount };
    enum FigureColumn { FigureAColumn, FigureBColumn, FigureDeltaColumn, FigureColumnCount };

    explicit CompareDialog(QWidget *parent = nullptr);

    // Reads both exports and shows their comparison; false (with errorText()) if one cannot be
    // read, and the previous comparison stays.
    bool compareFiles(const QString &pathA, const QString &pathB);

    const RunComparison &comparison() const { return m_comparison; }
    QString errorText() const;
    QTableWidget *differences() const { return m_differences; }
    QTableWidget *figures() const { return m_figures; }
    QCheckBox *showUnchanged() const { return m_showUnchanged; }

private:
    void browse(QLineEdit *field);
    void compareFields();
    void fillDifferences();
    void fillFigures();

    RunComparison m_comparison;
    QLineEdit *m_pathA = nullptr;
    QLineEdit *m_pathB = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_counts = nullptr;
    QCheckBox *m_showUnchanged = nullptr;
    QTableWidget *m_differences = nullptr;
    QTableWidget *m_figures = nullptr;
};

} // namespace Parafetch
