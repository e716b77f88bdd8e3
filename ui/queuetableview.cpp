// SPDX-License-Identifier: GPL-3.0-or-later
// The queue's table view and its selection-reading row actions.
#include "queuetableview.h"

#include "formatting.h"
#include "jobqueuemodel.h"
#include "jobtableproxymodel.h"
#include "progressdelegate.h"
#include "redact.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QMenu>
#include <QMessageBox>
#include <QUrl>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int RowHeightPadding = 8;
// The URL column's width: the widest it opens with, and the least it gives up so that the Error
// column stays in view on a small screen.
constexpr int UrlColumnWidth = 360;
constexpr int UrlColumnMinWidth = 200;
constexpr int ErrorColumnChars = 24;

} // namespace

// Fits the URL column to the table's width (the Error column keeps ErrorColumnChars in view) until
// the person sizes a column, or a saved one is restored: then their widths stand.
class QueueTableView::UrlColumnFitter final : public QObject
{
public:
    explicit UrlColumnFitter(QTableView *table)
        : QObject(table)
        , m_table(table)
    {
        table->viewport()->installEventFilter(this);
        connect(table->horizontalHeader(), &QHeaderView::sectionResized, this,
                [this](int column, int oldSize, int newSize) {
                    if (m_fitting || column == JobQueueModel::ErrorColumn)
                        return;
                    // A column shown or hidden (View → … Column) is not a person sizing one:
                    // the URL column makes room for it, or takes the room back.
                    if (oldSize == 0 || newSize == 0) {
                        if (!m_stopped)
                            fit();
                        return;
                    }
                    m_stopped = true;
                });
    }
    void stop() { m_stopped = true; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Resize && !m_stopped)
            fit();
        return QObject::eventFilter(watched, event);
    }

private:
    void fit()
    {
        QHeaderView *header = m_table->horizontalHeader();
        int others = 0;
        for (int column = 0; column < JobQueueModel::ColumnCount; ++column) {
            if (column != JobQueueModel::UrlColumn && column != JobQueueModel::ErrorColumn)
                others += header->isSectionHidden(column) ? 0 : header->sectionSize(column);
        }
        const int error = ErrorColumnChars * m_table->fontMetrics().averageCharWidth();
        const int width = std::clamp(m_table->viewport()->width() - others - error,
                                     UrlColumnMinWidth, UrlColumnWidth);
        m_fitting = true;
        header->resizeSection(JobQueueModel::UrlColumn, width);
        m_fitting = false;
    }

    QTableView *const m_table;
    bool m_fitting = false;
    bool m_stopped = false;
};

QueueTableView::QueueTableView(JobQueueModel *model, JobTableProxyModel *proxy, QWidget *parent)
    : QTableView(parent)
    , m_model(model)
    , m_proxy(proxy)
{
    setObjectName(QStringLiteral("queueTable"));
    setAccessibleName(tr("Queue"));
    setModel(m_proxy);
    setItemDelegate(new ProgressDelegate(this));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setAlternatingRowColors(true);
    setTabKeyNavigation(false); // Tab moves on to the next widget, not the next cell
    setWordWrap(false);
    setTextElideMode(Qt::ElideMiddle);
    verticalHeader()->hide();
    // A fixed row height lets the view skip measuring 100,000 rows.
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + RowHeightPadding);
    horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder); // list order
    setSortingEnabled(true);
    horizontalHeader()->setStretchLastSection(true);
    setColumnWidth(JobQueueModel::UrlColumn, UrlColumnWidth);
    // The other columns fit their widest usual content; Size, Speed and Time every value.
    const QFontMetrics metrics = fontMetrics();
    setColumnWidth(JobQueueModel::StatusColumn, metrics.horizontalAdvance(tr("Cancelled")) + 40);
    setColumnWidth(JobQueueModel::HttpCodeColumn,
                   metrics.horizontalAdvance(QStringLiteral("HTTP 000")));
    for (const int column :
         { JobQueueModel::SizeColumn, JobQueueModel::SpeedColumn, JobQueueModel::TimeColumn })
        setColumnWidth(column, ProgressDelegate::columnWidth(this, column));
    setColumnWidth(JobQueueModel::ProgressColumn,
                   metrics.horizontalAdvance(QStringLiteral("0000000000")));
    horizontalHeader()->setSectionsMovable(true);
    // The optional columns wait, hidden, just before Error (the last, stretched one).
    for (const int column : optionalColumns()) {
        horizontalHeader()->moveSection(
            horizontalHeader()->visualIndex(column),
            horizontalHeader()->visualIndex(JobQueueModel::ErrorColumn));
        setColumnHidden(column, true);
    }
    setColumnWidth(JobQueueModel::ProtocolColumn,
                   metrics.horizontalAdvance(QStringLiteral("HTTP/1.1")) + 16);
    setColumnWidth(JobQueueModel::ConnectionColumn,
                   metrics.horizontalAdvance(formatConnection(99999, true)) + 16);
    setColumnWidth(JobQueueModel::SavedAsColumn,
                   metrics.horizontalAdvance(QStringLiteral("index (10).html")) + 16);
    setColumnWidth(JobQueueModel::ServerAddressColumn,
                   metrics.horizontalAdvance(QStringLiteral("2001:db8:ffff::ffff")) + 16);
    for (const int column : { JobQueueModel::DnsColumn, JobQueueModel::ConnectColumn,
                              JobQueueModel::TlsColumn, JobQueueModel::TtfbColumn })
        setColumnWidth(column,
                       metrics.horizontalAdvance(formatMilliseconds(qint64(9999) * 1'000'000, 1))
                           + 16);
    horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(horizontalHeader(), &QHeaderView::customContextMenuRequested, this,
            [this](const QPoint &position) {
                QMenu menu(this);
                for (QAction *action : columnActions())
                    menu.addAction(action);
                menu.exec(horizontalHeader()->viewport()->mapToGlobal(position));
            });
    m_urlColumnFitter = new UrlColumnFitter(this);
}

QList<int> QueueTableView::optionalColumns()
{
    return { JobQueueModel::ProtocolColumn, JobQueueModel::ConnectionColumn,
             JobQueueModel::SavedAsColumn,  JobQueueModel::ServerAddressColumn,
             JobQueueModel::DnsColumn,      JobQueueModel::ConnectColumn,
             JobQueueModel::TlsColumn,      JobQueueModel::TtfbColumn };
}

QList<QAction *> QueueTableView::columnActions()
{
    if (m_columnActions.isEmpty()) {
        for (const int column : optionalColumns()) {
            auto *action = new QAction(this);
            const auto named = [action](const QString &text, const char *name) {
                action->setText(text);
                action->setObjectName(QLatin1String(name));
            };
            switch (column) {
            case JobQueueModel::ProtocolColumn:
                named(tr("&Protocol Column"), "showProtocolColumn");
                break;
            case JobQueueModel::ConnectionColumn:
                named(tr("&Connection Column"), "showConnectionColumn");
                break;
            case JobQueueModel::ServerAddressColumn:
                named(tr("Server &Address Column"), "showServerAddressColumn");
                break;
            case JobQueueModel::DnsColumn:
                named(tr("D&NS Column"), "showDnsColumn");
                break;
            case JobQueueModel::ConnectColumn:
                named(tr("C&onnect Column"), "showConnectColumn");
                break;
            case JobQueueModel::TlsColumn:
                named(tr("&TLS Column"), "showTlsColumn");
                break;
            case JobQueueModel::TtfbColumn:
                named(tr("TT&FB Column"), "showTtfbColumn");
                break;
            default:
                named(tr("Sa&ved As Column"), "showSavedAsColumn");
                break;
            }
            action->setCheckable(true);
            action->setToolTip(
                m_model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString());
            connect(action, &QAction::toggled, this,
                    [this, column](bool shown) { setColumnHidden(column, !shown); });
            m_columnActions.append(action);
        }
    }
    // As the header says now: a restored state may have shown or hidden them.
    const QList<int> columns = optionalColumns();
    for (qsizetype i = 0; i < columns.size(); ++i) {
        const QSignalBlocker blocker(m_columnActions.at(i));
        m_columnActions.at(i)->setChecked(!isColumnHidden(columns.at(i)));
    }
    return m_columnActions;
}

QByteArray QueueTableView::saveHeaderState() const
{
    return HeaderStateTag.toByteArray() + horizontalHeader()->saveState();
}

bool QueueTableView::restoreHeaderState(const QByteArray &state)
{
    // A state saved before the optional columns existed has fewer sections; Qt adds the missing
    // ones shown, and these are to stay hidden until asked for.
    QList<int> newColumns; // shown by Qt, hidden until asked for
    QByteArrayView saved = state;
    const QList<int> timingColumns = { JobQueueModel::ServerAddressColumn, JobQueueModel::DnsColumn,
                                       JobQueueModel::ConnectColumn, JobQueueModel::TlsColumn,
                                       JobQueueModel::TtfbColumn };
    if (saved.startsWith(HeaderStateTag)) {
        saved = saved.sliced(HeaderStateTag.size());
    } else if (saved.startsWith(HeaderStateTagBeforeTimings)) {
        saved = saved.sliced(HeaderStateTagBeforeTimings.size());
        newColumns = timingColumns;
    } else if (saved.startsWith(HeaderStateTagBeforeSavedAs)) {
        saved = saved.sliced(HeaderStateTagBeforeSavedAs.size());
        newColumns = timingColumns;
        newColumns.prepend(JobQueueModel::SavedAsColumn);
    } else {
        newColumns = optionalColumns();
    }
    if (!horizontalHeader()->restoreState(saved.toByteArray()))
        return false;
    for (const int column : std::as_const(newColumns))
        setColumnHidden(column, true);
    columnActions(); // their checks follow
    m_urlColumnFitter->stop();
    return true;
}

QList<int> QueueTableView::selectedSourceRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : selectionModel()->selectedRows())
        rows.append(m_proxy->mapToSource(index).row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

bool QueueTableView::requireSelection()
{
    if (selectionModel()->hasSelection())
        return true;
    emit message(tr("Select one or more URLs in the queue first."));
    return false;
}

void QueueTableView::copySelectedUrls()
{
    if (!requireSelection())
        return;
    QStringList urls;
    for (int row : selectedSourceRows())
        urls.append(redactedUrl(m_model->jobAt(row).url));
    if (!urls.isEmpty())
        QApplication::clipboard()->setText(urls.join(QLatin1Char('\n')));
}

void QueueTableView::copySelectedRows()
{
    if (!requireSelection())
        return;
    QStringList lines;
    for (int row : selectedSourceRows()) {
        QStringList cells;
        for (int column = 0; column < JobQueueModel::ColumnCount; ++column) {
            if (!isColumnHidden(column) || !optionalColumns().contains(column))
                cells.append(m_model->index(row, column).data().toString());
        }
        lines.append(cells.join(QLatin1Char('\t')));
    }
    if (!lines.isEmpty())
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
}

void QueueTableView::openSelectedInBrowser()
{
    if (!requireSelection())
        return;
    const QUrl url = m_model->jobAt(selectedSourceRows().constFirst()).url;
    if (!QDesktopServices::openUrl(url))
        QMessageBox::warning(window(), tr("Open in Browser"),
                             tr("No web browser could be started for %1.").arg(redactedUrl(url)));
}

QString QueueTableView::selectedSavedFile()
{
    if (!requireSelection())
        return {};
    const Job &job = m_model->jobAt(selectedSourceRows().constFirst());
    if (job.savedPath().isEmpty()) {
        emit message(job.state == JobState::Succeeded
                         ? tr("Nothing was saved for %1: bodies are saved when Settings name a "
                              "folder for them.")
                               .arg(redactedUrl(job.url))
                         : tr("Nothing was saved for %1: only a finished download has a file.")
                               .arg(redactedUrl(job.url)));
        return {};
    }
    // lstat: a link put in the file's place since is not followed.
    const QFileInfo file(job.savedPath());
    if (file.isSymLink() || !file.isFile()) {
        emit message(tr("%1 is no longer there: it was moved or deleted.")
                         .arg(QDir::toNativeSeparators(job.savedPath())));
        return {};
    }
    return job.savedPath();
}

void QueueTableView::openSelectedFile()
{
    const QString path = selectedSavedFile();
    if (path.isEmpty())
        return;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(path)))
        QMessageBox::warning(
            window(), tr("Open File"),
            tr("No application could be started for %1.").arg(QDir::toNativeSeparators(path)));
}

void QueueTableView::openSelectedFolder()
{
    const QString path = selectedSavedFile();
    if (path.isEmpty())
        return;
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
        QMessageBox::warning(
            window(), tr("Open Containing Folder"),
            tr("No file manager could be started for %1.").arg(QDir::toNativeSeparators(folder)));
}

void QueueTableView::selectSourceRow(int sourceRow)
{
    const QModelIndex index =
        m_proxy->mapFromSource(m_model->index(sourceRow, JobQueueModel::UrlColumn));
    if (!index.isValid())
        return;
    selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    scrollTo(index);
}

} // namespace Parafetch
