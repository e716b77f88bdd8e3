// SPDX-License-Identifier: GPL-3.0-or-later
// The queue table's optional columns (Protocol, Connection, Saved As): hidden until asked for,
// offered as actions, kept across a saved header state, and copied only when shown.
#include "jobqueuemodel.h"
#include "jobtableproxymodel.h"
#include "queuetableview.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// The columns the table had before the optional ones came: what an older saved state holds.
constexpr int ColumnsBefore = JobQueueModel::ErrorColumn + 1;

struct Table
{
    Table()
    {
        proxy.setSourceModel(&model); // as the window sets them up: the proxy first
        view = std::make_unique<QueueTableView>(&model, &proxy);
        model.addEntries(entriesFor({ QUrl(QStringLiteral("https://example.test/a")) }));
        Job job = model.jobAt(0);
        job.state = JobState::Succeeded;
        job.httpStatus = 200;
        job.protocol = "h2";
        job.connectionId = 4;
        job.connectionReused = true;
        job.setSavedPath(QStringLiteral("/tmp/downloads/a (1).html"));
        job.setServerAddress(QStringLiteral("2001:db8::5"));
        job.dnsUs = 1260;
        job.connectUs = 31'400;
        job.tlsUs = 20'000;
        job.waitUs = 120'060;
        model.finishJob(job);
    }
    QAction *action(const char *name) const
    {
        for (QAction *action : view->columnActions()) {
            if (action->objectName() == QLatin1String(name))
                return action;
        }
        return nullptr;
    }

    JobQueueModel model;
    JobTableProxyModel proxy;
    std::unique_ptr<QueueTableView> view;
};

} // namespace

class TestQueueTableView : public QObject
{
    Q_OBJECT

private slots:
    void optionalColumnsStartHidden();
    void actionsShowAndHideThem_data();
    void actionsShowAndHideThem();
    void anOlderSavedStateKeepsThemHidden();
    void aSavedStateKeepsThemShown();
    void aStateFromBeforeSavedAsKeepsItHidden();
    void aStateFromBeforeTheTimingColumnsKeepsThemHidden();
    void copiedRowsHoldOnlyShownOptionalColumns();
};

void TestQueueTableView::optionalColumnsStartHidden()
{
    Table table;
    for (const int column : QueueTableView::optionalColumns())
        QVERIFY(table.view->isColumnHidden(column));
    // Error stays the last column a person sees, whatever is shown before it.
    QHeaderView *header = table.view->horizontalHeader();
    QCOMPARE(header->visualIndex(JobQueueModel::ErrorColumn), JobQueueModel::ColumnCount - 1);
}

void TestQueueTableView::actionsShowAndHideThem_data()
{
    QTest::addColumn<QByteArray>("action");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("cell");

    QTest::newRow("Protocol") << QByteArray("showProtocolColumn")
                              << int(JobQueueModel::ProtocolColumn) << QStringLiteral("HTTP/2");
    QTest::newRow("Connection") << QByteArray("showConnectionColumn")
                                << int(JobQueueModel::ConnectionColumn)
                                << QStringLiteral("#4, reused");
    QTest::newRow("Saved As") << QByteArray("showSavedAsColumn")
                              << int(JobQueueModel::SavedAsColumn) << QStringLiteral("a (1).html");
    QTest::newRow("Server Address")
        << QByteArray("showServerAddressColumn") << int(JobQueueModel::ServerAddressColumn)
        << QStringLiteral("2001:db8::5");
    QTest::newRow("DNS") << QByteArray("showDnsColumn") << int(JobQueueModel::DnsColumn)
                         << QStringLiteral("1.3 ms");
    QTest::newRow("Connect") << QByteArray("showConnectColumn") << int(JobQueueModel::ConnectColumn)
                             << QStringLiteral("31.4 ms");
    QTest::newRow("TLS") << QByteArray("showTlsColumn") << int(JobQueueModel::TlsColumn)
                         << QStringLiteral("20.0 ms");
    QTest::newRow("TTFB") << QByteArray("showTtfbColumn") << int(JobQueueModel::TtfbColumn)
                          << QStringLiteral("120.1 ms");
}

void TestQueueTableView::actionsShowAndHideThem()
{
    QFETCH(QByteArray, action);
    QFETCH(int, column);
    QFETCH(QString, cell);

    Table table;
    QAction *show = table.action(action.constData());
    QVERIFY(show);
    QVERIFY(show->isCheckable());
    QVERIFY(!show->isChecked());
    show->setChecked(true);
    QVERIFY(!table.view->isColumnHidden(column));
    QCOMPARE(table.view->model()->index(0, column).data().toString(), cell);
    if (column == JobQueueModel::SavedAsColumn) // the whole path is its tool tip
        QCOMPARE(table.view->model()->index(0, column).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("/tmp/downloads/a (1).html"));
    show->setChecked(false);
    QVERIFY(table.view->isColumnHidden(column));
}

void TestQueueTableView::anOlderSavedStateKeepsThemHidden()
{
    // A header of the columns before, as an earlier version saved it (Size moved first).
    QStandardItemModel older(1, ColumnsBefore);
    QTableView olderView;
    olderView.setModel(&older);
    olderView.horizontalHeader()->moveSection(JobQueueModel::SizeColumn, 0);
    const QByteArray state = olderView.horizontalHeader()->saveState();

    Table table;
    QVERIFY(table.view->restoreHeaderState(state));
    QCOMPARE(table.view->horizontalHeader()->visualIndex(JobQueueModel::SizeColumn), 0);
    for (const int column : QueueTableView::optionalColumns())
        QVERIFY(table.view->isColumnHidden(column));
    QVERIFY(!table.action("showProtocolColumn")->isChecked());
}

void TestQueueTableView::aSavedStateKeepsThemShown()
{
    QByteArray state;
    {
        Table table;
        table.action("showConnectionColumn")->setChecked(true);
        state = table.view->saveHeaderState();
    }
    Table table;
    QVERIFY(table.view->restoreHeaderState(state));
    QVERIFY(!table.view->isColumnHidden(JobQueueModel::ConnectionColumn));
    QVERIFY(table.view->isColumnHidden(JobQueueModel::ProtocolColumn));
    QVERIFY(table.action("showConnectionColumn")->isChecked()); // the action follows
}

void TestQueueTableView::aStateFromBeforeSavedAsKeepsItHidden()
{
    // Saved when Protocol and Connection were the optional columns, Connection shown.
    QStandardItemModel older(1, JobQueueModel::SavedAsColumn);
    QTableView olderView;
    olderView.setModel(&older);
    olderView.setColumnHidden(JobQueueModel::ProtocolColumn, true);
    const QByteArray state =
        QByteArrayLiteral("parafetch-columns-2:") + olderView.horizontalHeader()->saveState();

    Table table;
    QVERIFY(table.view->restoreHeaderState(state));
    QVERIFY(!table.view->isColumnHidden(JobQueueModel::ConnectionColumn));
    QVERIFY(table.view->isColumnHidden(JobQueueModel::ProtocolColumn));
    QVERIFY(table.view->isColumnHidden(JobQueueModel::SavedAsColumn));
    QVERIFY(!table.action("showSavedAsColumn")->isChecked());
}

void TestQueueTableView::aStateFromBeforeTheTimingColumnsKeepsThemHidden()
{
    // Saved when Saved As was the last column, Saved As shown.
    QStandardItemModel older(1, JobQueueModel::ServerAddressColumn);
    QTableView olderView;
    olderView.setModel(&older);
    olderView.setColumnHidden(JobQueueModel::ProtocolColumn, true);
    olderView.setColumnHidden(JobQueueModel::ConnectionColumn, true);
    const QByteArray state =
        QByteArrayLiteral("parafetch-columns-3:") + olderView.horizontalHeader()->saveState();

    Table table;
    QVERIFY(table.view->restoreHeaderState(state));
    QVERIFY(!table.view->isColumnHidden(JobQueueModel::SavedAsColumn));
    for (const int column :
         { JobQueueModel::ServerAddressColumn, JobQueueModel::DnsColumn,
           JobQueueModel::ConnectColumn, JobQueueModel::TlsColumn, JobQueueModel::TtfbColumn })
        QVERIFY2(table.view->isColumnHidden(column), qPrintable(QString::number(column)));
    QVERIFY(!table.action("showDnsColumn")->isChecked());
    QVERIFY(table.action("showSavedAsColumn")->isChecked());
}

void TestQueueTableView::copiedRowsHoldOnlyShownOptionalColumns()
{
    Table table;
    table.view->selectSourceRow(0);
    table.view->copySelectedRows();
    const QString hidden = QApplication::clipboard()->text();
    QCOMPARE(hidden.count(QLatin1Char('\t')), ColumnsBefore - 1);
    QVERIFY2(!hidden.contains(QStringLiteral("HTTP/2")), qPrintable(hidden));

    table.action("showProtocolColumn")->setChecked(true);
    table.view->copySelectedRows();
    const QString shown = QApplication::clipboard()->text();
    QCOMPARE(shown.count(QLatin1Char('\t')), ColumnsBefore);
    QVERIFY2(shown.endsWith(QStringLiteral("\tHTTP/2")), qPrintable(shown));
}

QTEST_MAIN(TestQueueTableView)
#include "tst_queuetableview.moc"
