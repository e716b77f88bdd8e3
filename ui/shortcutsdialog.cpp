// SPDX-License-Identifier: GPL-3.0-or-later
// The keyboard shortcuts dialog: one row per action with a key, in the order they were made.
#include "shortcutsdialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Parafetch {

namespace {

// "&Open Saved Run…" reads "Open Saved Run" here; "&&" stays a literal ampersand.
QString plainText(const QAction *action)
{
    QString text = action->text().isEmpty() ? action->toolTip() : action->text();
    QString plain;
    plain.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&') && i + 1 < text.size())
            ++i;
        plain.append(text.at(i));
    }
    if (plain.endsWith(QChar(0x2026)))
        plain.chop(1);
    return plain;
}

// The widget a focus-bound key belongs to: the one it was added to that is not a menu or a
// tool bar (those only show the action).
QString focusWidgetName(const QAction *action)
{
    for (QObject *object : action->associatedObjects()) {
        auto *widget = qobject_cast<QWidget *>(object);
        if (!widget || qobject_cast<QMenu *>(widget) || qobject_cast<QMenuBar *>(widget)
            || qobject_cast<QToolBar *>(widget) || qobject_cast<QToolButton *>(widget))
            continue;
        if (!widget->accessibleName().isEmpty())
            return widget->accessibleName();
        if (!widget->windowTitle().isEmpty())
            return widget->windowTitle();
    }
    return {};
}

} // namespace

QList<ShortcutsDialog::Entry> ShortcutsDialog::entries(const QWidget *window)
{
    QList<Entry> list;
    for (const QAction *action : window->findChildren<QAction *>()) {
        const QList<QKeySequence> shortcuts = action->shortcuts();
        if (shortcuts.isEmpty())
            continue;
        QStringList keys;
        for (const QKeySequence &sequence : shortcuts)
            keys.append(sequence.toString(QKeySequence::NativeText));
        Entry entry { plainText(action), keys.join(QStringLiteral(", ")), tr("Anywhere") };
        if (action->shortcutContext() == Qt::WidgetShortcut
            || action->shortcutContext() == Qt::WidgetWithChildrenShortcut) {
            const QString name = focusWidgetName(action);
            if (!name.isEmpty())
                entry.where = tr("In the %1").arg(name);
        }
        list.append(entry);
    }
    return list;
}

ShortcutsDialog::ShortcutsDialog(const QWidget *window, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Keyboard Shortcuts"));
    auto *layout = new QVBoxLayout(this);
    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("shortcutList"));
    m_list->setAccessibleName(tr("Keyboard shortcuts"));
    m_list->setRootIsDecorated(false);
    m_list->setHeaderLabels({ tr("Action"), tr("Keys"), tr("Where") });
    for (const Entry &entry : entries(window))
        new QTreeWidgetItem(m_list, { entry.action, entry.keys, entry.where });
    int width = 2 * m_list->frameWidth();
    for (int column = 0; column < m_list->columnCount(); ++column) {
        m_list->resizeColumnToContents(column);
        width += m_list->columnWidth(column);
    }
    layout->addWidget(m_list);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    constexpr int ShownRows = 24;
    m_list->setMinimumHeight(ShownRows * m_list->fontMetrics().lineSpacing());
    m_list->setMinimumWidth(width);
}

} // namespace Parafetch
