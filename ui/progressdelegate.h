// SPDX-License-Identifier: GPL-3.0-or-later
// Paints the progress column as a progress bar, and "–" where a row has no speed or time yet.
#pragma once

#include <QStyledItemDelegate>

class QAbstractItemView;

namespace Parafetch {

class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressDelegate)
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

    // The width the Size, Speed or Time column needs so that no value it can show is elided
    // in view (its font and style); -1 for other columns.
    static int columnWidth(const QAbstractItemView *view, int column);

    // What a cell shows (public so a test can read it).
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

} // namespace Parafetch
