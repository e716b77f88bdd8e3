// SPDX-License-Identifier: GPL-3.0-or-later
// The progress bar delegate, after the torrent example's: a QStyleOptionProgressBar per cell.
#include "progressdelegate.h"

#include "formatting.h"
#include "job.h"
#include "jobqueuemodel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

#include <algorithm>

namespace Parafetch {

namespace {
constexpr int PerMille = 1000;
constexpr int CellMargin = 2;

// The digit that is widest in metrics: texts measured with it bound every number of that length.
QChar widestDigit(const QFontMetrics &metrics)
{
    QChar widest = QLatin1Char('0');
    for (char digit = '1'; digit <= '9'; ++digit) {
        if (metrics.horizontalAdvance(QLatin1Char(digit)) > metrics.horizontalAdvance(widest))
            widest = QLatin1Char(digit);
    }
    return widest;
}
} // namespace

void ProgressDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    // A row that has not run (a queued or restored one) has no speed or time: say so.
    if ((index.column() == JobQueueModel::SpeedColumn
         || index.column() == JobQueueModel::TimeColumn)
        && !index.data(Qt::DisplayRole).isValid()) {
        option->text = unknownValue();
        option->features |= QStyleOptionViewItem::HasDisplay;
    }
}

int ProgressDelegate::columnWidth(const QAbstractItemView *view, int column)
{
    const QChar digit = widestDigit(view->fontMetrics());
    QStringList texts;
    switch (column) {
    case JobQueueModel::SizeColumn:
        texts = widestSizeTexts(digit);
        break;
    case JobQueueModel::SpeedColumn:
        texts = widestRateTexts(digit);
        break;
    case JobQueueModel::TimeColumn:
        texts = widestSecondsTexts(digit);
        break;
    default:
        return -1;
    }
    // Measured as the view measures a cell (margins and all): the style's item size.
    QStyleOptionViewItem option;
    option.initFrom(view);
    option.font = view->font();
    option.fontMetrics = view->fontMetrics();
    option.features = QStyleOptionViewItem::HasDisplay;
    option.displayAlignment = Qt::AlignRight | Qt::AlignVCenter;
    QStyle *style = view->style();
    int width = 0;
    for (const QString &text : std::as_const(texts)) {
        option.text = text;
        width = std::max(
            width,
            style->sizeFromContents(QStyle::CT_ItemViewItem, &option, QSize(), view).width());
    }
    return width;
}

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
