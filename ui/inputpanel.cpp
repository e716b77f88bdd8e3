// The input panel: paste or type URLs, see each bad line with its reason, add the good ones.
#include "inputpanel.h"

#include <QHBoxLayout>
#include <QIODevice>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QStringListModel>
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
    m_editor = new QPlainTextEdit(this);
    m_editor->setAccessibleName(tr("URLs to add"));
    m_editor->setPlaceholderText(tr("https://example.com/file.zip\nhttps://example.com/page, page.html"));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(true);
    label->setBuddy(m_editor);
    left->addWidget(label);
    left->addWidget(m_editor);

    auto *buttons = new QHBoxLayout;
    m_addButton = new QPushButton(tr("&Add to Queue"), this);
    m_addButton->setToolTip(tr("Add the URLs above to the queue (Ctrl+Enter)"));
    m_addButton->setAccessibleName(tr("Add to queue"));
    buttons->addStretch();
    buttons->addWidget(m_addButton);
    left->addLayout(buttons);
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

    connect(m_addButton, &QPushButton::clicked, this, &InputPanel::add);
    for (const QKeySequence &keys : { QKeySequence(Qt::CTRL | Qt::Key_Return),
                                      QKeySequence(Qt::CTRL | Qt::Key_Enter) }) {
        auto *shortcut = new QShortcut(keys, m_editor);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &InputPanel::add);
    }
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
    UrlListParser parser;
    parser.addText(m_editor->toPlainText());
    parser.finish();
    finishParsing(parser, QString());
}

bool InputPanel::importDevice(QIODevice *device, const QString &sourceName)
{
    UrlListParser parser;
    if (!parser.addDevice(device)) {
        emit message(tr("Cannot read %1: %2").arg(sourceName, device->errorString()));
        return false;
    }
    finishParsing(parser, sourceName);
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
        emit message(tr("Added %n URL(s)%1; %2 line(s) skipped, see Problems.", nullptr, int(entries.size()))
                         .arg(from)
                         .arg(problems.size()));
}

void InputPanel::showProblems(const QString &source, const QList<ParseProblem> &problems)
{
    QStringList lines;
    lines.reserve(problems.size());
    const QString prefix = source.isEmpty() ? QString() : source + QLatin1String(": ");
    for (const ParseProblem &problem : problems)
        lines.append(tr("%1line %2: %3 — %4").arg(prefix).arg(problem.line).arg(problem.reason, problem.text));
    m_problems->setStringList(lines);
    m_problemsLabel->setText(problems.isEmpty() ? tr("&Problems: none")
                                                : tr("&Problems: %1").arg(problems.size()));
}

} // namespace Parafetch
