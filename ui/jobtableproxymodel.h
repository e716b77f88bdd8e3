// SPDX-License-Identifier: GPL-3.0-or-later
// The table's view of the queue: sorting on raw values, text and status filters, status icons.
#pragma once

#include "jobqueuemodel.h"

#include <QIcon>
#include <QSortFilterProxyModel>

#include <array>
#include <vector>

namespace Parafetch {

class JobTableProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobTableProxyModel)
public:
    // Active is queued and running; each other one is a single state ("Done" is succeeded).
    enum class StatusFilter { All, Active, Queued, Running, Done, Failed, Cancelled };
    Q_ENUM(StatusFilter)

    explicit JobTableProxyModel(QObject *parent = nullptr);

    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }
    void setStatusFilter(StatusFilter filter);
    StatusFilter statusFilter() const { return m_status; }

    // Applies the filters again to every row, for states and errors that changed meanwhile,
    // keeping the order and the rows that still pass where they are.
    void refilter();

    void setSourceModel(QAbstractItemModel *model) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    static QIcon iconFor(JobState state);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    enum class Match : qint8 { Unknown, Yes, No };
    bool urlMatches(int sourceRow) const;

    QString m_text;
    StatusFilter m_status = StatusFilter::All;
    // Whether each source row's URL contains m_text: a URL never changes, and matching 100,000
    // of them again at every refilter of a run would freeze the window.
    mutable std::vector<Match> m_urlMatches;
    QList<QMetaObject::Connection> m_sourceConnections;
};

} // namespace Parafetch
