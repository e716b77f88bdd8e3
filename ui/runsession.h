// SPDX-License-Identifier: GPL-3.0-or-later
// A run's life across starts: the banners that offer back the last list or a journaled run, the
// "Quit Parafetch?" question, and how the run ends when the window closes.
#pragma once

#include "run/runjournal.h"

#include <QObject>

class QLabel;
class QWidget;

namespace Parafetch {

class FetchEngine;
class JobQueueModel;

class RunSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunSession)
public:
    // What closing the window during a run does; Ask shows the "Quit Parafetch?" question.
    enum class CloseChoice { Ask, KeepPartialFiles, CancelDownloads, KeepRunning };

    // The banners are made as children of window, which also parents the question; the caller
    // places them (journalBanner() above lastListBanner()) and keeps model and engine alive.
    RunSession(JobQueueModel *model, FetchEngine *engine, QWidget *window);

    QWidget *journalBanner() const { return m_journalBanner; }
    QWidget *lastListBanner() const { return m_lastListBanner; }

    // See MainWindow::offerLastList(), setRunJournal() and offerRestore().
    void offerLastList(const QString &text);
    void setRunJournal(RunJournal *journal);
    void offerRestore(const QList<JournaledJob> &jobs, bool keptExit);
    void setCloseChoice(CloseChoice choice) { m_closeChoice = choice; }

    // What closing the window does now: CancelDownloads when no run is going on (nothing to keep
    // or cancel), else the preset choice or, for Ask, the person's answer.
    CloseChoice closeChoice();
    // Keeps the queue as the last list, and how much of it was done, for the next start.
    void saveLastList();
    // Stops the engine and waits, keeping partial files or not as choice says, and marks in the
    // journal how this run ended.
    void end(CloseChoice choice);

Q_SIGNALS:
    // Restore was pressed on the last list's banner: text goes back into the paste area.
    void lastListRestored(const QString &text);
    // The journaled run is back in the queue: restored rows, queued of them not done yet.
    void journalRestored(int restored, int queued);
    // A passing message for the status bar.
    void message(const QString &text);

private:
    CloseChoice askCloseChoice();

    JobQueueModel *const m_model;
    FetchEngine *const m_engine;
    QWidget *const m_window;
    QWidget *m_lastListBanner = nullptr;
    QLabel *m_lastListText = nullptr;
    QString m_lastList; // what the last list's Restore puts back
    QWidget *m_journalBanner = nullptr;
    QLabel *m_journalText = nullptr;
    RunJournal *m_journal = nullptr;
    QList<JournaledJob> m_restorable; // what the journal banner offers
    CloseChoice m_closeChoice = CloseChoice::Ask;
};

} // namespace Parafetch
