// SPDX-License-Identifier: GPL-3.0-or-later
// Help → Keyboard Shortcuts: every key of the window, read from its actions so it cannot drift.
#pragma once

#include <QDialog>

class QTreeWidget;

namespace Parafetch {

class ShortcutsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ShortcutsDialog)
public:
    struct Entry
    {
        QString action; // the action's text without its mnemonic
        QString keys; // every key of the action, as the platform writes them
        QString where; // where the key works: the whole window, or one widget with the focus
    };

    // Lists the actions of window and of its children that have a key.
    explicit ShortcutsDialog(const QWidget *window, QWidget *parent = nullptr);

    static QList<Entry> entries(const QWidget *window);
    QTreeWidget *list() const { return m_list; }

private:
    QTreeWidget *m_list = nullptr;
};

} // namespace Parafetch
