// SPDX-License-Identifier: GPL-3.0-or-later
// Clear Finished and Clear Succeeded as an undoable step: the rows come back with their results.
#pragma once

#include "job.h"

#include <QList>
#include <QUndoCommand>

#include <functional>

namespace Parafetch {

class JobQueueModel;

// Removes finished rows by id, and puts them back, results and times included, on undo.
class RemoveJobsCommand final : public QUndoCommand
{
public:
    // changed runs after every redo and undo (the window refreshes its summary and details).
    RemoveJobsCommand(JobQueueModel *model, QList<quint64> ids, const QString &text,
                      std::function<void()> changed);

    void redo() override;
    void undo() override;

private:
    JobQueueModel *const m_model;
    const QList<quint64> m_ids;
    const std::function<void()> m_changed;
    QList<Job> m_removed;
};

} // namespace Parafetch
