// SPDX-License-Identifier: GPL-3.0-or-later
// The undoable removal of finished rows.
#include "removejobscommand.h"

#include "jobqueuemodel.h"

#include <algorithm>

namespace Parafetch {

RemoveJobsCommand::RemoveJobsCommand(JobQueueModel *model, QList<quint64> ids, const QString &text,
                                     std::function<void()> changed)
    : QUndoCommand(text)
    , m_model(model)
    , m_ids(std::move(ids))
    , m_changed(std::move(changed))
{ }

void RemoveJobsCommand::redo()
{
    // Rows retried since are no longer finished: they stay.
    QList<int> rows;
    for (quint64 id : std::as_const(m_ids)) {
        const int row = m_model->rowForId(id);
        if (row >= 0 && m_model->jobAt(row).isFinished())
            rows.append(row);
    }
    std::sort(rows.begin(), rows.end());
    m_removed.clear();
    // Runs of rows from the end, so the earlier row numbers stay valid.
    for (qsizetype last = rows.size() - 1; last >= 0;) {
        qsizetype first = last;
        while (first > 0 && rows.at(first - 1) == rows.at(first) - 1)
            --first;
        for (qsizetype i = first; i <= last; ++i)
            m_removed.append(m_model->jobAt(rows.at(i)));
        m_model->removeRows(rows.at(first), int(last - first + 1));
        last = first - 1;
    }
    m_changed();
}

void RemoveJobsCommand::undo()
{
    m_model->reinsert(m_removed);
    m_changed();
}

} // namespace Parafetch
