// Sorting, filtering and status icons over the queue model; the core model stays free of Gui.
#include "jobtableproxymodel.h"

namespace Parafetch {

JobTableProxyModel::JobTableProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(JobQueueModel::RawValueRole);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
    // Live progress changes rows many times a second; re-sorting on each change would make
    // rows jump under the pointer. Sorting happens when the user clicks a header.
    setDynamicSortFilter(false);
}

void JobTableProxyModel::setTextFilter(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateRowsFilter();
}

void JobTableProxyModel::setStatusFilter(StatusFilter filter)
{
    if (filter == m_status)
        return;
    m_status = filter;
    invalidateRowsFilter();
}

QIcon JobTableProxyModel::iconFor(JobState state)
{
    static const std::array<QIcon, 5> icons = {
        QIcon(QStringLiteral(":/icons/status-queued.svg")),
        QIcon(QStringLiteral(":/icons/status-running.svg")),
        QIcon(QStringLiteral(":/icons/status-done.svg")),
        QIcon(QStringLiteral(":/icons/status-failed.svg")),
        QIcon(QStringLiteral(":/icons/status-cancelled.svg")),
    };
    return icons.at(std::size_t(state));
}

QVariant JobTableProxyModel::data(const QModelIndex &index, int role) const
{
    if (role == Qt::DecorationRole && index.column() == JobQueueModel::StatusColumn)
        return iconFor(JobState(QSortFilterProxyModel::data(index, JobQueueModel::JobStateRole).toInt()));
    return QSortFilterProxyModel::data(index, role);
}

bool JobTableProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const auto *model = static_cast<const JobQueueModel *>(sourceModel());
    if (sourceParent.isValid() || sourceRow >= model->rowCount())
        return false;
    const Job &job = model->jobAt(sourceRow);
    switch (m_status) {
    case StatusFilter::All:
        break;
    case StatusFilter::Active:
        if (job.state != JobState::Queued && job.state != JobState::Running)
            return false;
        break;
    case StatusFilter::Done:
        if (job.state != JobState::Succeeded)
            return false;
        break;
    case StatusFilter::Failed:
        if (job.state != JobState::Failed && job.state != JobState::Cancelled)
            return false;
        break;
    }
    if (m_text.isEmpty())
        return true;
    const QModelIndex url = model->index(sourceRow, JobQueueModel::UrlColumn);
    return model->data(url).toString().contains(m_text, Qt::CaseInsensitive)
        || job.errorString.contains(m_text, Qt::CaseInsensitive);
}

} // namespace Parafetch
