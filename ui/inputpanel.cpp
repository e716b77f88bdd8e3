// SPDX-License-Identifier: GPL-3.0-or-later
// The input panel: paste or type URLs, see each bad line with its reason, add the good ones.
#include "inputpanel.h"

#include "heaptrim.h"

#include <QAction>
#include <QHBoxLayout>
#include <QIODevice>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStringListModel>
#include <QTextDocument>
#include <QVBoxLayout>

namespace Parafetch {

InputPanel::InputPanel(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *left = new QVBoxLayout;
    auto *label = new QLabel(tr("&URLs (one per line, or any text with URLs in it; "
                                "\"url,filename\" lines choose the saved name):"),
                             this);
    label->setWordWrap(true); // on a narrow window it takes two lines, not the window's width
    m_editor = new QPlainTextEdit(this);
    m_editor->setAccessibleName(tr("URLs to add"));
    m_editor->setPlaceholderText(
        tr("https://example.com/file.zip\nhttps://example.com/page, page.html"));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(true);
    label->setBuddy(m_editor);
    left->addWidget(label);

    // The button sits beside the paste area, not under it: one line less of height.
    auto *row = new QHBoxLayout;
    row->addWidget(m_editor, 1);
    auto *buttons = new QVBoxLayout;
    m_addButton = new QPushButton(tr("&Add to Queue"), this);
    m_addButton->setAccessibleName(tr("Add to queue"));
    buttons->addWidget(m_addButton);
    buttons->addStretch();
    row->addLayout(buttons);
    left->addLayout(row);
    layout->addLayout(left, 3);

    auto *right = new QVBoxLayout;
    m_problemsLabel = new QLabel(tr("&Problems:"), this);
    m_problems = new QStringListModel(this);
    m_problemsView = new QListView(this);
    m_problemsView->setModel(m_problems);
    m_problemsView->setUniformItemSizes(true); // fast with 50,000 problems
    m_problemsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_problemsView->setAccessibleName(tr("Problems in the added text"));
    m_problemsLabel->setBuddy(m_problemsView);
    right->addWidget(m_problemsLabel);
    right->addWidget(m_problemsView);
    layout->addLayout(right, 2);
    m_problemsLabel->hide();
    m_problemsView->hide();

    // An action, not a private shortcut: it is in the window's File menu and its key list.
    m_addAction = new QAction(tr("&Add to Queue"), this);
    m_addAction->setObjectName(QStringLiteral("addToQueue"));
    m_addAction->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter) });
    const QString keys = m_addAction->shortcut().toString(QKeySequence::NativeText);
    m_addAction->setToolTip(tr("Add the URLs in the paste area to the queue (%1)").arg(keys));
    m_addAction->setStatusTip(tr("Add the URLs in the paste area to the queue"));
    m_addButton->setToolTip(m_addAction->toolTip());
    addAction(m_addAction);
    connect(m_addAction, &QAction::triggered, this, &InputPanel::add);
    connect(m_addButton, &QPushButton::clicked, this, &InputPanel::add);
}

void InputPanel::setCompact(bool compact)
{
    m_compact = compact;
    constexpr int CompactLines = 3;
    const int frame = 2 * (m_editor->frameWidth() + int(m_editor->document()->documentMargin()));
    const int height =
        compact ? CompactLines * m_editor->fontMetrics().lineSpacing() + frame : QWIDGETSIZE_MAX;
    m_editor->setMaximumHeight(height);
    m_problemsView->setMaximumHeight(height);
}

QString InputPanel::text() const
{
    return m_editor->toPlainText();
}

void InputPanel::setText(const QString &text)
{
    m_editor->setPlainText(text);
}

void InputPanel::appendText(const QString &text)
{
    if (!m_editor->document()->isEmpty() && !m_editor->toPlainText().endsWith(QLatin1Char('\n')))
        m_editor->appendPlainText(text);
    else
        m_editor->insertPlainText(text);
}

QStringList InputPanel::problemLines() const
{
    return m_problems->stringList();
}

void InputPanel::add()
{
    {
        UrlListParser parser;
        parser.addText(m_editor->toPlainText());
        parser.finish();
        finishParsing(parser, QString());
    }
    releaseFreedMemory(); // the text, its copy and the parser's tables: gone once the jobs are in
}

bool InputPanel::importDevice(QIODevice *device, const QString &sourceName)
{
    {
        UrlListParser parser;
        if (!parser.addDevice(device)) {
            emit message(tr("Cannot read %1: %2").arg(sourceName, device->errorString()));
            return false;
        }
        finishParsing(parser, sourceName);
    }
    releaseFreedMemory();
    return true;
}

void InputPanel::finishParsing(UrlListParser &parser, const QString &source)
{
    const QList<UrlEntry> entries = parser.takeEntries();
    const QList<ParseProblem> problems = parser.takeProblems();
    showProblems(source, problems);
    if (!entries.isEmpty()) {
        if (source.isEmpty())
            m_editor->clear();
        emit entriesReady(entries);
    }
    const QString from = source.isEmpty() ? QString() : tr(" from %1").arg(source);
    if (problems.isEmpty())
        emit message(tr("Added %n URL(s)%1.", nullptr, int(entries.size())).arg(from));
    else
        emit message(
            tr("Added %n URL(s)%1; %2 line(s) skipped, see Problems.", nullptr, int(entries.size()))
                .arg(from)
                .arg(problems.size()));
}

void InputPanel::showProblems(const QString &source, const QList<ParseProblem> &problems)
{
    QStringList lines;
    lines.reserve(problems.size());
    const QString prefix = source.isEmpty() ? QString() : source + QLatin1String(": ");
    for (const ParseProblem &problem : problems)
        lines.append(tr("%1line %2: %3 — %4")
                         .arg(prefix)
                         .arg(problem.line)
                         .arg(problem.reason, problem.text));
    m_problems->setStringList(lines);
    m_problemsLabel->setText(tr("&Problems: %1").arg(problems.size()));
    m_problemsLabel->setVisible(!problems.isEmpty());
    m_problemsView->setVisible(!problems.isEmpty());
}

} // namespace Parafetch
