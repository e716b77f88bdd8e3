// The table's view of the queue: sorting on raw values, text and status filters, status icons.
#pragma once

#include "jobqueuemodel.h"

#include <QIcon>
#include <QSortFilterProxyModel>

#include <array>

namespace Parafetch {

class JobTableProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JobTableProxyModel)
public:
    enum class StatusFilter { All, Active, Done, Failed };
    Q_ENUM(StatusFilter)

    explicit JobTableProxyModel(QObject *parent = nullptr);

    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }
    void setStatusFilter(StatusFilter filter);
    StatusFilter statusFilter() const { return m_status; }

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    static QIcon iconFor(JobState state);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    StatusFilter m_status = StatusFilter::All;
};

} // namespace Parafetch
