// SPDX-License-Identifier: GPL-3.0-or-later
// Sorting, filtering and status icons over the queue model; the core model stays free of Gui.
#include "jobtableproxymodel.h"

#include <algorithm>

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
    m_urlMatches.clear();
    invalidateRowsFilter();
}

void JobTableProxyModel::refilter()
{
    invalidateRowsFilter();
}

void JobTableProxyModel::setSourceModel(QAbstractItemModel *model)
{
    for (const QMetaObject::Connection &connection : std::as_const(m_sourceConnections))
        disconnect(connection);
    m_sourceConnections.clear();
    m_urlMatches.clear();
    if (model) {
        // The cache follows the source's rows: appended rows are simply not known yet, removed
        // ones leave, anything else starts over. (The "about to" signals come before the base
        // class filters the changed rows.)
        const auto forget = [this] { m_urlMatches.clear(); };
        m_sourceConnections
            << connect(model, &QAbstractItemModel::rowsAboutToBeInserted, this,
                       [this](const QModelIndex &, int first) {
                           if (std::size_t(first) < m_urlMatches.size())
                               m_urlMatches.clear();
                       })
            << connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                       [this](const QModelIndex &, int first, int last) {
                           if (std::size_t(first) >= m_urlMatches.size())
                               return;
                           const std::size_t end =
                               std::min(m_urlMatches.size(), std::size_t(last) + 1);
                           m_urlMatches.erase(m_urlMatches.begin() + first,
                                              m_urlMatches.begin() + std::ptrdiff_t(end));
                       })
            << connect(model, &QAbstractItemModel::rowsAboutToBeMoved, this, forget)
            << connect(model, &QAbstractItemModel::modelAboutToBeReset, this, forget)
            << connect(model, &QAbstractItemModel::layoutAboutToBeChanged, this, forget);
    }
    QSortFilterProxyModel::setSourceModel(model);
}

bool JobTableProxyModel::urlMatches(int sourceRow) const
{
    if (std::size_t(sourceRow) >= m_urlMatches.size())
        m_urlMatches.resize(std::size_t(sourceModel()->rowCount()), Match::Unknown);
    Match &match = m_urlMatches[std::size_t(sourceRow)];
    if (match == Match::Unknown) {
        const QModelIndex url = sourceModel()->index(sourceRow, JobQueueModel::UrlColumn);
        match =
            url.data().toString().contains(m_text, Qt::CaseInsensitive) ? Match::Yes : Match::No;
    }
    return match == Match::Yes;
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
    static const std::array<QIcon, JobStateCount> icons = {
        QIcon(QStringLiteral(":/icons/status-queued.svg")),
        QIcon(QStringLiteral(":/icons/status-running.svg")),
        QIcon(QStringLiteral(":/icons/status-done.svg")),
        QIcon(QStringLiteral(":/icons/status-failed.svg")),
        QIcon(QStringLiteral(":/icons/status-cancelled.svg")),
        QIcon(QStringLiteral(":/icons/status-unchanged.svg")),
    };
    return icons.at(std::size_t(state));
}

QVariant JobTableProxyModel::data(const QModelIndex &index, int role) const
{
    if (role == Qt::DecorationRole && index.column() == JobQueueModel::StatusColumn)
        return iconFor(
            JobState(QSortFilterProxyModel::data(index, JobQueueModel::JobStateRole).toInt()));
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
    case StatusFilter::Queued:
        if (job.state != JobState::Queued)
            return false;
        break;
    case StatusFilter::Running:
        if (job.state != JobState::Running)
            return false;
        break;
    case StatusFilter::Done: // unchanged is a success too
        if (!job.isSuccess())
            return false;
        break;
    case StatusFilter::Failed:
        if (job.state != JobState::Failed)
            return false;
        break;
    case StatusFilter::Cancelled:
        if (job.state != JobState::Cancelled)
            return false;
        break;
    }
    if (m_text.isEmpty())
        return true;
    return urlMatches(sourceRow) || job.errorString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace Parafetch
