// SPDX-License-Identifier: GPL-3.0-or-later
// The window's command surface: its actions with their keys, icons and tool tips, the menu bar,
// the run tool bar (Workers, the filters) and the queue's context menu.
#pragma once

#include <QObject>

class QAction;
class QComboBox;
class QKeySequence;
class QLineEdit;
class QMainWindow;
class QPoint;
class QSpinBox;
class QTableView;
class QToolBar;
class QUndoStack;

namespace Parafetch {

class FetchEngine;
class JobTableProxyModel;
class RateSpinBox;

// Like the class uic writes for a form: it makes and places the actions, and the window connects
// each to its command. The actions are the window's children, made in the order Help → Keyboard
// Shortcuts lists them, so tests and the shortcuts dialog find them by object name on the window.
class MainWindowActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindowActions)
public:
    // window gets the actions, menus and tool bar; the row actions work on table, the filters
    // set proxy, Workers sets engine. Expects the window's docks to be made already (View menu).
    MainWindowActions(QMainWindow *window, QUndoStack *undo, QAction *addToQueue, QTableView *table,
                      JobTableProxyModel *proxy, FetchEngine *engine);

    QSpinBox *concurrencySpinBox() const { return m_concurrency; }
    RateSpinBox *limitRateSpinBox() const { return m_limitRate; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *statusFilterBox() const { return m_statusFilter; }
    // Below the width the tool bar needs with its labels, its buttons show icons only (their
    // names stay in the tool tips), so the filter box never goes into the overflow menu, where
    // Ctrl+F could not reach it.
    void fitRunToolBar(int windowWidth);

private:
    QAction *addAction(const QString &objectName, const QString &text, const QString &icon,
                       const QKeySequence &shortcut, const QString &toolTip);
    QAction *action(const char *objectName) const;
    void createActions(QUndoStack *undo);
    void createMenus(QAction *addToQueue);
    void createToolBar(JobTableProxyModel *proxy, FetchEngine *engine);
    void showContextMenu(const QPoint &position);

    QMainWindow *const m_window;
    QTableView *const m_table;
    QSpinBox *m_concurrency = nullptr;
    RateSpinBox *m_limitRate = nullptr;
    QLineEdit *m_filter = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QToolBar *m_runToolBar = nullptr;
    int m_toolBarTextWidth = 0; // the run tool bar's width with text beside its icons
};

} // namespace Parafetch
