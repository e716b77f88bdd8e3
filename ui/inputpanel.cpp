// SPDX-License-Identifier: GPL-3.0-or-later
// The input panel: paste or type URLs, see each bad line with its reason, add the good ones.
#include "inputpanel.h"

#include "formatting.h"
#include "heaptrim.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFrame>
#include <QHBoxLayout>
#include <QIODevice>
#include <QLabel>
#include <QListView>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QStringListModel>
#include <QTextCursor>
#include <QTextDocument>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <functional>
#include <utility>

namespace Parafetch {

namespace {

// Below this a held text is parsed on one thread: starting threads would cost more than it saves.
constexpr qsizetype ParallelParseCharacters = 256 * Units::BytesPerKiB;

// Reading a list, as the headless runner does (heaptrim.h): the tables and blocks a long list
// grows get pages of their own, and what the reading freed goes back once the jobs are in.
struct BulkLoad
{
    BulkLoad() { beginBulkLoad(); }
    ~BulkLoad() { endBulkLoad(); }
    BulkLoad(const BulkLoad &) = delete;
    BulkLoad &operator=(const BulkLoad &) = delete;
};

struct TextSize
{
    qsizetype lines = 0; // as the parser counts them: \n, \r\n or \r ends one
    qint64 utf8Bytes = 0;
};

TextSize measure(QStringView text)
{
    TextSize size;
    const char16_t *data = text.utf16();
    const qsizetype length = text.size();
    for (qsizetype i = 0; i < length; ++i) {
        const char16_t c = data[i];
        if (c < 0x80) {
            ++size.utf8Bytes;
            if (c == u'\n' || (c == u'\r' && (i + 1 == length || data[i + 1] != u'\n')))
                ++size.lines;
        } else {
            // A surrogate is half of a 4-byte character.
            size.utf8Bytes += c < 0x800 ? 2 : (QChar::isSurrogate(c) ? 2 : 3);
        }
    }
    if (length > 0 && data[length - 1] != u'\n' && data[length - 1] != u'\r')
        ++size.lines; // a last line without a line break
    return size;
}

bool tooLargeToEdit(QStringView text)
{
    return text.size() > InputPanel::HeldCharacters || measure(text).lines > InputPanel::HeldLines;
}

// The paste area. A paste or drop that would make its text too large to edit goes to the panel
// instead (QPlainTextEdit pastes through insertFromMimeData, for Ctrl+V and a drop alike).
class PasteArea final : public QPlainTextEdit
{
public:
    using QPlainTextEdit::QPlainTextEdit;

    // Called with the text the area would have after the insertion, when that is too large.
    std::function<void(QString)> holdText;

protected:
    void insertFromMimeData(const QMimeData *source) override
    {
        if (isReadOnly() || !source || !source->hasText() || !holdText) {
            QPlainTextEdit::insertFromMimeData(source);
            return;
        }
        const QTextCursor cursor = textCursor();
        QString text = toPlainText();
        text.replace(cursor.selectionStart(), cursor.selectionEnd() - cursor.selectionStart(),
                     source->text());
        if (tooLargeToEdit(text))
            holdText(std::move(text));
        else
            QPlainTextEdit::insertFromMimeData(source);
    }
};

} // namespace

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
    m_area = new QStackedWidget(this);
    auto *editor = new PasteArea(m_area);
    editor->holdText = [this](QString text) { hold(std::move(text)); };
    m_editor = editor;
    m_editor->setAccessibleName(tr("URLs to add"));
    m_editor->setPlaceholderText(
        tr("https://example.com/file.zip\nhttps://example.com/page, page.html"));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(true);
    label->setBuddy(m_editor);
    left->addWidget(label);
    m_area->addWidget(m_editor);

    // In the editor's place while a text too large to edit is held: what it is. It takes the
    // focus as the editor did, so that pasting more goes on.
    auto *heldFrame = new QFrame(m_area);
    m_heldPage = heldFrame;
    m_heldPage->setObjectName(QStringLiteral("heldText"));
    m_heldPage->setFocusPolicy(Qt::StrongFocus);
    heldFrame->setFrameStyle(m_editor->frameStyle());
    heldFrame->setBackgroundRole(QPalette::Base);
    heldFrame->setAutoFillBackground(true);
    auto *heldLayout = new QVBoxLayout(m_heldPage);
    m_heldSummary = new QLabel(m_heldPage);
    m_heldSummary->setObjectName(QStringLiteral("heldTextSummary"));
    m_heldSummary->setWordWrap(true);
    m_heldSummary->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    heldLayout->addWidget(m_heldSummary, 1);
    // Pasting more goes on as in the editor: after the held text.
    auto *pasteMore = new QAction(m_heldPage);
    pasteMore->setShortcut(QKeySequence::Paste);
    pasteMore->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(pasteMore, &QAction::triggered, this, [this] {
        if (const QMimeData *mime = QApplication::clipboard()->mimeData(); mime && mime->hasText())
            appendText(mime->text());
    });
    m_heldPage->addAction(pasteMore);
    m_area->addWidget(m_heldPage);

    // The button sits beside the paste area, not under it: one line less of height.
    auto *row = new QHBoxLayout;
    row->addWidget(m_area, 1);
    auto *buttons = new QVBoxLayout;
    m_addButton = new QPushButton(tr("&Add to Queue"), this);
    m_addButton->setAccessibleName(tr("Add to queue"));
    buttons->addWidget(m_addButton);
    // Under Add while a text is held, and only then: the editor's own way to empty it is gone.
    m_clearButton = new QPushButton(tr("C&lear"), this);
    m_clearButton->setObjectName(QStringLiteral("clearHeldText"));
    m_clearButton->setToolTip(tr("Discard the pasted text"));
    m_clearButton->hide();
    connect(m_clearButton, &QPushButton::clicked, this, &InputPanel::clear);
    buttons->addWidget(m_clearButton);
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
    m_area->setMaximumHeight(height);
    m_problemsView->setMaximumHeight(height);
}

QString InputPanel::text() const
{
    return holdsText() ? m_held : m_editor->toPlainText();
}

void InputPanel::setText(const QString &text)
{
    if (tooLargeToEdit(text)) {
        hold(text);
        return;
    }
    showEditor();
    m_editor->setPlainText(text);
}

void InputPanel::appendText(const QString &text)
{
    if (holdsText()) {
        QString held = std::exchange(m_held, QString());
        if (!held.endsWith(QLatin1Char('\n')))
            held += QLatin1Char('\n'); // as appendPlainText starts a new line
        held += text;
        hold(std::move(held));
        return;
    }
    QString all = m_editor->toPlainText();
    const bool newLine = !all.isEmpty() && !all.endsWith(QLatin1Char('\n'));
    if (newLine)
        all += QLatin1Char('\n');
    all += text;
    if (tooLargeToEdit(all))
        hold(std::move(all));
    else if (newLine)
        m_editor->appendPlainText(text);
    else
        m_editor->insertPlainText(text);
}

void InputPanel::clear()
{
    if (holdsText()) {
        showEditor();
        releaseFreedMemory(); // the held text may be tens of megabytes
        emit message(tr("Pasted text discarded."));
        return;
    }
    m_editor->clear();
}

void InputPanel::hold(QString text)
{
    const TextSize size = measure(text);
    m_held = std::move(text);
    m_editor->clear(); // what it had is in the held text
    m_heldSummary->setText(
        tr("%Ln line(s) pasted (%1): too many to edit here.\nAdd to Queue adds them; Clear "
           "discards them.",
           nullptr, int(qMin<qsizetype>(size.lines, INT_MAX)))
            .arg(formatBytes(size.utf8Bytes)));
    const bool hadFocus = m_editor->hasFocus();
    m_area->setCurrentWidget(m_heldPage);
    m_clearButton->show();
    if (hadFocus)
        m_heldPage->setFocus();
}

void InputPanel::showEditor()
{
    if (!holdsText())
        return;
    m_held = QString();
    m_heldSummary->clear();
    const bool hadFocus = m_heldPage->hasFocus() || m_clearButton->hasFocus();
    m_area->setCurrentWidget(m_editor);
    m_clearButton->hide();
    if (hadFocus)
        m_editor->setFocus();
}

QStringList InputPanel::problemLines() const
{
    return m_problems->stringList();
}

void InputPanel::add()
{
    const BulkLoad load;
    {
        ParseResult result;
        {
            UrlListParser parser;
            parser.setPatternOptions(m_patterns);
            if (holdsText()) {
                // A million lines take seconds on one thread: each core takes a share.
                const int blocks =
                    m_held.size() < ParallelParseCharacters ? 1 : QThread::idealThreadCount();
                parser.addDocument(m_held, blocks);
            } else {
                parser.addText(m_editor->toPlainText());
                parser.finish();
            }
            result = { parser.takeEntries(), parser.takeProblems() };
        } // the parser's duplicate table goes before the queue takes the entries
        finishParsing(std::move(result), QString());
    } // the text, the parser's tables and the entries: gone once the jobs are in
}

bool InputPanel::importDevice(QIODevice *device, const QString &sourceName)
{
    const BulkLoad load;
    {
        ParseResult result;
        {
            UrlListParser parser;
            parser.setPatternOptions(m_patterns);
            if (!parser.addDevice(device)) {
                emit message(tr("Cannot read %1: %2").arg(sourceName, device->errorString()));
                return false;
            }
            result = { parser.takeEntries(), parser.takeProblems() };
        }
        finishParsing(std::move(result), sourceName);
    }
    return true;
}

void InputPanel::finishParsing(ParseResult result, const QString &source)
{
    const QList<UrlEntry> entries = std::move(result.entries);
    const QList<ParseProblem> problems = std::move(result.problems);
    showProblems(source, problems);
    if (!entries.isEmpty()) {
        if (source.isEmpty()) {
            showEditor();
            m_editor->clear();
        }
        emit entriesReady(entries);
    }
    const QString from = source.isEmpty() ? QString() : tr(" from %1").arg(source);
    // A note (a pattern's expansion) is listed with the problems but skipped nothing.
    const auto skipped = std::count_if(problems.cbegin(), problems.cend(),
                                       [](const ParseProblem &problem) { return !problem.isNote; });
    if (skipped == 0)
        emit message(tr("Added %n URL(s)%1.", nullptr, int(entries.size())).arg(from));
    else
        emit message(
            tr("Added %n URL(s)%1; %2 line(s) skipped, see Problems.", nullptr, int(entries.size()))
                .arg(from)
                .arg(skipped));
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
