// SPDX-License-Identifier: GPL-3.0-or-later
// Where URLs come in: a paste area, the parser's problems listed inline, and Add.
#pragma once

#include "units.h"
#include "urllistparser.h"

#include <QWidget>

class QAction;
class QIODevice;
class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QStringListModel;

namespace Parafetch {

class InputPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InputPanel)
public:
    explicit InputPanel(QWidget *parent = nullptr);

    // A paste, drop or restored list of more lines or characters than these is held as text
    // instead of going into the editor, which shows what it holds: building the editor's
    // document of a million lines takes seconds and hundreds of megabytes, for nobody to edit.
    static constexpr qsizetype HeldLines = 20'000;
    static constexpr qsizetype HeldCharacters = 2 * Units::BytesPerMiB; // UTF-16 units

    QPlainTextEdit *editor() const { return m_editor; }
    // The text Add reads: the editor's, or the text held in its place.
    QString text() const;
    void setText(const QString &text);
    void appendText(const QString &text);
    bool holdsText() const { return !m_held.isEmpty(); }
    void clear(); // discards the text, typed or held
    QStringList problemLines() const;
    // How Add and imports read URL patterns ("[1-120]", "{a,b}"): the Settings dialog's.
    void setPatternOptions(const UrlPatternOptions &options) { m_patterns = options; }
    UrlPatternOptions patternOptions() const { return m_patterns; }
    // File → Add to Queue (Ctrl+Return, Ctrl+Enter): the window puts it in its menu.
    QAction *addToQueueAction() const { return m_addAction; }
    // Compact once the queue has rows: the paste area shrinks to a few lines, so the table
    // gets the room. The problems list shows only while there are problems.
    void setCompact(bool compact);
    bool isCompact() const { return m_compact; }

    // Parses the paste area; emits entriesReady with the good entries, shows the problems and
    // clears the area when anything was added.
    void add();
    // Reads a list from a file or device the same way (File → Import, a dropped file).
    bool importDevice(QIODevice *device, const QString &sourceName);

Q_SIGNALS:
    void entriesReady(const QList<Parafetch::UrlEntry> &entries);
    void message(const QString &text);

private:
    void showProblems(const QString &source, const QList<ParseProblem> &problems);
    void finishParsing(ParseResult result, const QString &source);
    void hold(QString text);
    void showEditor();

    QStackedWidget *m_area = nullptr; // the editor, or the summary of a held text
    QPlainTextEdit *m_editor = nullptr;
    QWidget *m_heldPage = nullptr;
    QLabel *m_heldSummary = nullptr;
    QPushButton *m_clearButton = nullptr;
    QString m_held;
    QPushButton *m_addButton = nullptr;
    QAction *m_addAction = nullptr;
    QLabel *m_problemsLabel = nullptr;
    QListView *m_problemsView = nullptr;
    QStringListModel *m_problems = nullptr;
    bool m_compact = false;
    UrlPatternOptions m_patterns;
};

} // namespace Parafetch
