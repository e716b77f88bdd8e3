// SPDX-License-Identifier: GPL-3.0-or-later
// The queue's table: columns sized for their content, the URL column fitted to the window, and
// the row actions that only read the selection (copy, open in the browser).
#pragma once

#include <QByteArrayView>
#include <QTableView>

namespace Parafetch {

class JobQueueModel;
class JobTableProxyModel;

class QueueTableView final : public QTableView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueueTableView)
public:
    // Shows model through proxy (already set up on it); the caller keeps both alive.
    QueueTableView(JobQueueModel *model, JobTableProxyModel *proxy, QWidget *parent = nullptr);

    // The columns' widths and order, and putting them back; once a saved state is back, the URL
    // column is no longer fitted to the width: the person's widths stand.
    QByteArray saveHeaderState() const;
    bool restoreHeaderState(const QByteArray &state);

    // Columns hidden until a person shows them (Protocol, Connection, Saved As), and the checkable
    // actions that do (offered by the header's context menu; a menu may offer them too).
    static QList<int> optionalColumns();
    QList<QAction *> columnActions();

    QList<int> selectedSourceRows() const; // in the model's order
    bool requireSelection(); // false, and says so, when no row is selected
    // Makes a row of the model (a source row) current and scrolls to it, if the filter shows it.
    void selectSourceRow(int sourceRow);

    void copySelectedUrls();
    // The cells of the columns a person sees, and every column that is always there.
    void copySelectedRows();
    void openSelectedInBrowser();
    // The selected URL's saved file, with the desktop's application for its type; the folder
    // that holds it, in the desktop's file manager. A file that is gone, or was never saved,
    // is said in the status bar.
    void openSelectedFile();
    void openSelectedFolder();

Q_SIGNALS:
    // A passing message for the status bar.
    void message(const QString &text);

private:
    class UrlColumnFitter;
    // The first selected job's saved file, if it is still a file there; else says why.
    QString selectedSavedFile();
    // Before a saved header state of the columns as they are now (see restoreHeaderState).
    static constexpr QByteArrayView HeaderStateTag = "parafetch-columns-4:";
    // A state saved before the request timing columns (Server Address … TTFB) existed.
    static constexpr QByteArrayView HeaderStateTagBeforeTimings = "parafetch-columns-3:";
    // A state saved before the Saved As column existed.
    static constexpr QByteArrayView HeaderStateTagBeforeSavedAs = "parafetch-columns-2:";
    QList<QAction *> m_columnActions;

    JobQueueModel *const m_model;
    JobTableProxyModel *const m_proxy;
    UrlColumnFitter *m_urlColumnFitter = nullptr;
};

} // namespace Parafetch
