// The progress bar delegate, after the torrent example's: a QStyleOptionProgressBar per cell.
#include "progressdelegate.h"

#include "job.h"
#include "jobqueuemodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace Parafetch {

namespace {
constexpr int PerMille = 1000;
constexpr int CellMargin = 2;
} // namespace

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    const auto state = JobState(index.data(JobQueueModel::JobStateRole).toInt());
    if (index.column() != JobQueueModel::ProgressColumn || state == JobState::Failed
        || state == JobState::Cancelled) {
        // A failed row's bytes are not progress towards anything: no bar.
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // The selection background first, so a selected row stays one band of colour.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    QStyleOptionProgressBar bar;
    bar.initFrom(widget);
    bar.rect = option.rect.adjusted(CellMargin, CellMargin, -CellMargin, -CellMargin);
    bar.minimum = 0;
    bar.maximum = PerMille;
    bar.progress = index.data(JobQueueModel::RawValueRole).toInt();
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    // Qt 6 draws the bar vertically unless told otherwise.
    bar.state = QStyle::State_Enabled | QStyle::State_Horizontal;
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

} // namespace Parafetch
