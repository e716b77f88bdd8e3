// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of JobQueueModel: rows, columns, raw values, coalesced updates, cancel and requeue.
#include "jobqueuemodel.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Parafetch;
using Parafetch::TestSupport::differingFields;

namespace {

using Tester = QAbstractItemModelTester;
constexpr auto ReportToQtTest = QAbstractItemModelTester::FailureReportingMode::QtTest;

constexpr qint64 NsPerSecond = 1'000'000'000;
constexpr int PerMille = 1000;
constexpr int HugeRowCount = 100'000;

QUrl exampleUrl(int n)
{
    return QUrl(QStringLiteral("https://example.com/file/%1").arg(n));
}

QList<UrlEntry> entries(int count, int firstNumber = 0)
{
    QList<QUrl> urls;
    urls.reserve(count);
    for (int i = 0; i < count; ++i)
        urls.append(exampleUrl(firstNumber + i));
    return TestSupport::entriesFor(urls);
}

// A finished copy of the job in `row`, as a task would report it.
Job finished(const JobQueueModel &model, int row, JobState state, qint64 bytes = 0,
             qint64 durationNs = NsPerSecond)
{
    Job job = model.jobAt(row);
    job.state = state;
    job.errorKind = state == JobState::Succeeded ? ErrorKind::None : ErrorKind::HttpStatus;
    job.httpStatus = state == JobState::Succeeded ? 200 : 500;
    job.setErrorString(state == JobState::Succeeded ? QString() : QStringLiteral("server error"));
    job.attempts = 1;
    job.worker = 0;
    job.bytesReceived = bytes;
    job.bytesTotal = bytes;
    job.queuedAtNs = 0;
    job.startedAtNs = 1000;
    job.finishedAtNs = job.startedAtNs + durationNs;
    job.waitUs = 10;
    return job;
}

QVariant cell(const QAbstractItemModel &model, int row, int column, int role = Qt::DisplayRole)
{
    return model.data(model.index(row, column), role);
}

// The state as the model reports it, comparable with QCOMPARE and readable when it fails.
QString stateOf(const JobQueueModel &model, int row)
{
    return stateName(model.jobAt(row).state);
}

QString name(JobState state)
{
    return stateName(state);
}

// What happens to the queue in summaryEqualsComputeAfterEveryStep, as the window and the engine
// do it.
enum class Step {
    AddFour, // four more URLs
    StartQueued, // the first two queued rows start
    Progress, // every running row receives more bytes
    FinishRunning, // running rows end: alternately succeeded and failed
    CancelFirstUnfinished,
    CancelQueued, // Cancel All's part for the rows that never started
    RetryFailed, // failed and cancelled rows go back to the queue
    ClearFinished, // removes every finished row, in runs from the end
    RemoveFirst,
    AddRestored, // the journal's restore: finished jobs with their result
    AddSaved, // an opened saved run: finished jobs with their times
    Clear,
};

void apply(JobQueueModel &model, Step step, qint64 *clock)
{
    const qint64 now = (*clock += NsPerSecond / 10);
    const QList<Job> &jobs = model.jobs();
    switch (step) {
    case Step::AddFour:
        model.addEntries(entries(4, model.rowCount()));
        break;
    case Step::StartQueued:
        for (int row = model.nextQueuedRow(0), started = 0; row >= 0 && started < 2;
             row = model.nextQueuedRow(row + 1), ++started) {
            model.setQueuedAt(row, now - 1);
            model.markRunning(model.jobAt(row).id, now + started, started);
        }
        break;
    case Step::Progress:
        for (const Job &job : jobs) {
            if (job.state == JobState::Running)
                model.setProgress(job.id, job.bytesReceived + 100, 1000, now);
        }
        model.flushProgress();
        break;
    case Step::FinishRunning: {
        QList<Job> done;
        for (int row = 0; row < model.rowCount(); ++row) {
            if (jobs.at(row).state != JobState::Running)
                continue;
            const JobState state = done.size() % 2 ? JobState::Failed : JobState::Succeeded;
            Job job = finished(model, row, state, 100 * (row + 1), NsPerSecond / (row + 1));
            job.startedAtNs = jobs.at(row).startedAtNs;
            job.finishedAtNs = now + row;
            job.waitUs = done.size() % 3 ? 10 * row : -1;
            done.append(job);
        }
        model.finishJobs(done);
        break;
    }
    case Step::CancelFirstUnfinished:
        for (const Job &job : jobs) {
            if (!job.isFinished()) {
                model.markCancelled(job.id, now);
                break;
            }
        }
        break;
    case Step::CancelQueued:
        model.cancelQueued(now);
        break;
    case Step::RetryFailed: {
        QList<int> rows;
        for (int row = 0; row < model.rowCount(); ++row) {
            if (jobs.at(row).state == JobState::Failed || jobs.at(row).state == JobState::Cancelled)
                rows.append(row);
        }
        model.requeue(rows);
        break;
    }
    case Step::ClearFinished:
        for (int row = model.rowCount() - 1; row >= 0; --row) {
            if (model.jobAt(row).isFinished())
                model.removeRows(row, 1);
        }
        break;
    case Step::RemoveFirst:
        model.removeRows(0, 1);
        break;
    case Step::AddRestored:
    case Step::AddSaved: {
        const QList<Job> copies = jobs; // of what is there: finished ones keep their result
        if (step == Step::AddRestored)
            model.addRestored(copies);
        else
            model.addSaved(copies);
        break;
    }
    case Step::Clear:
        model.clear();
        break;
    }
}

} // namespace

Q_DECLARE_METATYPE(Step)

class TestJobQueueModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addEntriesAppendsQueuedRowsWithIncreasingIds();
    void addingNothingChangesNothing();
    void headers_data();
    void headers();
    void protocolAndConnectionCells_data();
    void protocolAndConnectionCells();
    void rawValues_data();
    void rawValues();
    void sortProxyComparesRawNumbers_data();
    void sortProxyComparesRawNumbers();
    void urlColumnHidesCredentials_data();
    void urlColumnHidesCredentials();
    void rowForIdAfterRemovingRowsInTheMiddle();
    void rowForIdAfterClear();
    void removeRowsRejectsBadRanges_data();
    void removeRowsRejectsBadRanges();
    void nextQueuedRow_data();
    void nextQueuedRow();
    void progressIsAnnouncedOnlyByFlush_data();
    void progressIsAnnouncedOnlyByFlush();
    void flushWithNothingDirtyEmitsNothing();
    void flushAfterRemovingTheDirtyRowsEmitsNothing();
    void dirtyRowKeptWhenAnotherRowIsRemoved();
    void finishJobReplacesTheRowWithThatId();
    void finishJobOfAnUnknownIdIsIgnored();
    void markCancelledCancelsOnlyUnfinishedJobs();
    void cancelQueuedCancelsEveryQueuedRow();
    void requeue_data();
    void requeue();
    void hundredThousandRows();
    void summaryEqualsComputeAfterEveryStep_data();
    void summaryEqualsComputeAfterEveryStep();
    void reinsertPutsRemovedRowsBackWhereTheyWere_data();
    void reinsertPutsRemovedRowsBackWhereTheyWere();
    void reinsertSkipsJobsStillInTheQueue();
};

void TestJobQueueModel::addEntriesAppendsQueuedRowsWithIncreasingIds()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    QCOMPARE(model.addEntries(entries(3)), 3);
    QCOMPARE(model.addEntries(entries(2, 3)), 2);

    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 3);
    QCOMPARE(inserted.at(1).at(2).toInt(), 4);
    quint64 previousId = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const Job &job = model.jobAt(row);
        QVERIFY2(job.id > previousId, qPrintable(QStringLiteral("row %1").arg(row)));
        previousId = job.id;
        QCOMPARE(job.url, exampleUrl(row));
        QCOMPARE(stateOf(model, row), name(JobState::Queued));
        QCOMPARE(cell(model, row, JobQueueModel::UrlColumn, JobQueueModel::JobIdRole).toULongLong(),
                 job.id);
        QCOMPARE(cell(model, row, JobQueueModel::StatusColumn, JobQueueModel::JobStateRole).toInt(),
                 int(JobState::Queued));
        QCOMPARE(cell(model, row, JobQueueModel::StatusColumn).toString(),
                 QStringLiteral("Queued"));
        QCOMPARE(model.rowForId(job.id), row);
    }
    QCOMPARE(model.count(JobState::Queued), 5);
}

void TestJobQueueModel::addingNothingChangesNothing()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(2));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    QCOMPARE(model.addEntries({}), 0);

    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(), 2);
}

void TestJobQueueModel::headers_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("title");

    QTest::newRow("UrlColumn is titled URL")
        << int(JobQueueModel::UrlColumn) << QStringLiteral("URL");
    QTest::newRow("StatusColumn is titled Status")
        << int(JobQueueModel::StatusColumn) << QStringLiteral("Status");
    QTest::newRow("HttpCodeColumn is titled HTTP")
        << int(JobQueueModel::HttpCodeColumn) << QStringLiteral("HTTP");
    QTest::newRow("SizeColumn is titled Size")
        << int(JobQueueModel::SizeColumn) << QStringLiteral("Size");
    QTest::newRow("ProgressColumn is titled Progress")
        << int(JobQueueModel::ProgressColumn) << QStringLiteral("Progress");
    QTest::newRow("SpeedColumn is titled Speed")
        << int(JobQueueModel::SpeedColumn) << QStringLiteral("Speed");
    QTest::newRow("TimeColumn is titled Time")
        << int(JobQueueModel::TimeColumn) << QStringLiteral("Time");
    QTest::newRow("ErrorColumn is titled Error")
        << int(JobQueueModel::ErrorColumn) << QStringLiteral("Error");
    QTest::newRow("ProtocolColumn is titled Protocol")
        << int(JobQueueModel::ProtocolColumn) << QStringLiteral("Protocol");
    QTest::newRow("ConnectionColumn is titled Connection")
        << int(JobQueueModel::ConnectionColumn) << QStringLiteral("Connection");
}

void TestJobQueueModel::protocolAndConnectionCells_data()
{
    QTest::addColumn<QByteArray>("protocol");
    QTest::addColumn<quint64>("connection");
    QTest::addColumn<bool>("reused");
    QTest::addColumn<QString>("protocolText");
    QTest::addColumn<QString>("connectionText");

    QTest::newRow("h2 on a connection it opened")
        << QByteArray("h2") << quint64(3) << false << QStringLiteral("HTTP/2")
        << QStringLiteral("#3");
    QTest::newRow("HTTP/1.1 on a kept-alive connection")
        << QByteArray("http/1.1") << quint64(12) << true << QStringLiteral("HTTP/1.1")
        << QStringLiteral("#12, reused");
    QTest::newRow("no answer: both empty")
        << QByteArray() << quint64(0) << false << QString() << QString();
}

void TestJobQueueModel::protocolAndConnectionCells()
{
    QFETCH(QByteArray, protocol);
    QFETCH(quint64, connection);
    QFETCH(bool, reused);
    QFETCH(QString, protocolText);
    QFETCH(QString, connectionText);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(1));
    Job job = finished(model, 0, JobState::Succeeded, 10, 1000);
    job.protocol = protocol;
    job.connectionId = connection;
    job.connectionReused = reused;
    model.finishJob(job);

    QCOMPARE(cell(model, 0, JobQueueModel::ProtocolColumn, Qt::DisplayRole).toString(),
             protocolText);
    QCOMPARE(cell(model, 0, JobQueueModel::ConnectionColumn, Qt::DisplayRole).toString(),
             connectionText);
    // Sorted by number, not by text ("#12" before "#3").
    QCOMPARE(cell(model, 0, JobQueueModel::ConnectionColumn, JobQueueModel::RawValueRole),
             QVariant::fromValue(connection));
}

void TestJobQueueModel::headers()
{
    QFETCH(int, column);
    QFETCH(QString, title);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(1));

    QCOMPARE(model.columnCount(), int(JobQueueModel::ColumnCount));
    QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), title);
    // A table has no children: every cell is a leaf.
    QCOMPARE(model.rowCount(model.index(0, column)), 0);
    QCOMPARE(model.columnCount(model.index(0, column)), 0);
}

void TestJobQueueModel::rawValues_data()
{
    QTest::addColumn<bool>("running");
    QTest::addColumn<qint64>("received");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<qint64>("elapsedNs");
    QTest::addColumn<int>("column");
    QTest::addColumn<QVariant>("expected");

    const qint64 oneAndAHalfSeconds = 1'500'000'000;
    QTest::newRow("size of a finished job is its byte count as qint64")
        << false << qint64(123'456) << qint64(123'456) << oneAndAHalfSeconds
        << int(JobQueueModel::SizeColumn) << QVariant::fromValue(qint64(123'456));
    QTest::newRow("size beyond 4 GiB stays exact")
        << false << qint64(5'000'000'000) << qint64(5'000'000'000) << oneAndAHalfSeconds
        << int(JobQueueModel::SizeColumn) << QVariant::fromValue(qint64(5'000'000'000));
    QTest::newRow("time of a finished job is its duration in ns")
        << false << qint64(10) << qint64(10) << oneAndAHalfSeconds << int(JobQueueModel::TimeColumn)
        << QVariant::fromValue(oneAndAHalfSeconds);
    QTest::newRow("progress of a finished job is 1000 per mille")
        << false << qint64(10) << qint64(10) << oneAndAHalfSeconds
        << int(JobQueueModel::ProgressColumn) << QVariant::fromValue(PerMille);
    QTest::newRow("HTTP code is the number")
        << false << qint64(10) << qint64(10) << oneAndAHalfSeconds
        << int(JobQueueModel::HttpCodeColumn) << QVariant::fromValue(200);
    QTest::newRow("speed of a finished job is bytes per second")
        << false << qint64(3000) << qint64(3000) << oneAndAHalfSeconds
        << int(JobQueueModel::SpeedColumn) << QVariant::fromValue(2000.0);
    QTest::newRow("progress of a running job is received per mille of the total")
        << true << qint64(250) << qint64(1000) << oneAndAHalfSeconds
        << int(JobQueueModel::ProgressColumn) << QVariant::fromValue(250);
    QTest::newRow("progress of a running job rounds down, never up to done")
        << true << qint64(999'999) << qint64(1'000'000) << oneAndAHalfSeconds
        << int(JobQueueModel::ProgressColumn) << QVariant::fromValue(999);
    QTest::newRow("progress without a known total is 0")
        << true << qint64(250) << qint64(-1) << oneAndAHalfSeconds
        << int(JobQueueModel::ProgressColumn) << QVariant::fromValue(0);
    QTest::newRow("size of a running job is what has arrived so far")
        << true << qint64(250) << qint64(1000) << oneAndAHalfSeconds
        << int(JobQueueModel::SizeColumn) << QVariant::fromValue(qint64(250));
    QTest::newRow("time of a running job runs up to the last sample, in ns")
        << true << qint64(250) << qint64(1000) << oneAndAHalfSeconds
        << int(JobQueueModel::TimeColumn) << QVariant::fromValue(oneAndAHalfSeconds);
}

void TestJobQueueModel::rawValues()
{
    QFETCH(bool, running);
    QFETCH(qint64, received);
    QFETCH(qint64, total);
    QFETCH(qint64, elapsedNs);
    QFETCH(int, column);
    QFETCH(QVariant, expected);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(1));
    const quint64 id = model.jobAt(0).id;
    const qint64 startNs = 5000;
    if (running) {
        model.markRunning(id, startNs, 0);
        model.setProgress(id, received, total, startNs + elapsedNs);
        model.flushProgress();
    } else {
        Job job = finished(model, 0, JobState::Succeeded, received, elapsedNs);
        job.bytesTotal = total;
        model.finishJob(job);
    }

    const QVariant actual = cell(model, 0, column, JobQueueModel::RawValueRole);
    QCOMPARE(actual.metaType(), expected.metaType());
    QCOMPARE(actual, expected);
}

void TestJobQueueModel::sortProxyComparesRawNumbers_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QList<qint64>>("bytes");
    QTest::addColumn<QList<qint64>>("durationsNs");
    QTest::addColumn<QList<int>>("ascendingRows");

    // As text "10 bytes" < "9 bytes" and "10.000 s" < "9.000 s": only numbers sort right.
    QTest::newRow("9 bytes sort before 10 bytes")
        << int(JobQueueModel::SizeColumn) << QList<qint64> { 10, 9, 100 }
        << QList<qint64> { NsPerSecond, NsPerSecond, NsPerSecond } << QList<int> { 1, 0, 2 };
    QTest::newRow("9 s sort before 10 s")
        << int(JobQueueModel::TimeColumn) << QList<qint64> { 1, 1, 1 }
        << QList<qint64> { 10 * NsPerSecond, 100 * NsPerSecond, 9 * NsPerSecond }
        << QList<int> { 2, 0, 1 };
}

void TestJobQueueModel::sortProxyComparesRawNumbers()
{
    QFETCH(int, column);
    QFETCH(QList<qint64>, bytes);
    QFETCH(QList<qint64>, durationsNs);
    QFETCH(QList<int>, ascendingRows);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(int(bytes.size())));
    for (int row = 0; row < bytes.size(); ++row)
        model.finishJob(
            finished(model, row, JobState::Succeeded, bytes.at(row), durationsNs.at(row)));

    QSortFilterProxyModel proxy;
    Tester proxyTester(&proxy, ReportToQtTest);
    proxy.setSourceModel(&model);
    proxy.setSortRole(JobQueueModel::RawValueRole);
    proxy.sort(column, Qt::AscendingOrder);

    QList<int> sourceRows;
    for (int row = 0; row < proxy.rowCount(); ++row)
        sourceRows.append(proxy.mapToSource(proxy.index(row, column)).row());
    QCOMPARE(sourceRows, ascendingRows);

    // The same sort by the displayed text gets it wrong, so the raw role is what made the
    // difference above.
    proxy.setSortRole(Qt::DisplayRole);
    QList<int> displaySorted;
    for (int row = 0; row < proxy.rowCount(); ++row)
        displaySorted.append(proxy.mapToSource(proxy.index(row, column)).row());
    QVERIFY(displaySorted != ascendingRows);
}

void TestJobQueueModel::urlColumnHidesCredentials_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<QStringList>("hidden");
    QTest::addColumn<QString>("shown");

    QTest::newRow("user and password become ***")
        << QUrl(QStringLiteral("https://user:secret@host/x"))
        << QStringList { QStringLiteral("secret"), QStringLiteral("user") }
        << QStringLiteral("https://***@host/x");
    QTest::newRow("password with an escaped @ is hidden in every spelling")
        << QUrl(QStringLiteral("https://user:se%40cret@host/x"))
        << QStringList { QStringLiteral("se%40cret"), QStringLiteral("se@cret"),
                         QStringLiteral("cret") }
        << QStringLiteral("https://***@host/x");
    QTest::newRow("password without a user name is hidden")
        << QUrl(QStringLiteral("http://:secret@host:8080/y?q=1"))
        << QStringList { QStringLiteral("secret") } << QStringLiteral("http://***@host:8080/y?q=1");
    QTest::newRow("user name alone is hidden too")
        << QUrl(QStringLiteral("http://token123@host/"))
        << QStringList { QStringLiteral("token123") } << QStringLiteral("http://***@host/");
    QTest::newRow("a URL without credentials is shown as it is")
        << QUrl(QStringLiteral("https://host/a%20b?c=d")) << QStringList {}
        << QStringLiteral("https://host/a%20b?c=d");
}

void TestJobQueueModel::urlColumnHidesCredentials()
{
    QFETCH(QUrl, url);
    QFETCH(QStringList, hidden);
    QFETCH(QString, shown);
    QVERIFY(url.isValid());

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(TestSupport::entriesFor({ url }));
    Job failedJob = finished(model, 0, JobState::Failed);
    model.finishJob(failedJob);

    for (const int role :
         { int(Qt::DisplayRole), int(Qt::ToolTipRole), int(JobQueueModel::RawValueRole) }) {
        const QString text = cell(model, 0, JobQueueModel::UrlColumn, role).toString();
        QCOMPARE(text, shown);
        for (const QString &secret : hidden)
            QVERIFY2(!text.contains(secret),
                     qPrintable(QStringLiteral("role %1: %2").arg(role).arg(text)));
    }
    // Credentials are kept for the request itself.
    QCOMPARE(model.jobAt(0).url, url);
}

void TestJobQueueModel::rowForIdAfterRemovingRowsInTheMiddle()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(6));
    QList<quint64> ids;
    for (const Job &job : model.jobs())
        ids.append(job.id);

    QVERIFY(model.removeRows(2, 2));

    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.rowForId(ids.at(0)), 0);
    QCOMPARE(model.rowForId(ids.at(1)), 1);
    QCOMPARE(model.rowForId(ids.at(2)), -1);
    QCOMPARE(model.rowForId(ids.at(3)), -1);
    QCOMPARE(model.rowForId(ids.at(4)), 2);
    QCOMPARE(model.rowForId(ids.at(5)), 3);
    QCOMPARE(model.rowForId(0), -1);
    QCOMPARE(model.rowForId(ids.constLast() + 1), -1);
    QCOMPARE(model.jobAt(2).url, exampleUrl(4));

    // New rows get new ids, never a removed one.
    model.addEntries(entries(1, 6));
    const quint64 newId = model.jobAt(4).id;
    QVERIFY(!ids.contains(newId));
    QCOMPARE(model.rowForId(newId), 4);
    QCOMPARE(model.rowForId(ids.at(5)), 3);
}

void TestJobQueueModel::rowForIdAfterClear()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(3));
    const quint64 oldId = model.jobAt(1).id;
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.clear();

    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.rowForId(oldId), -1);

    // A late report about a job of the old list must not land on a row of the new one.
    model.addEntries(entries(3, 10));
    QCOMPARE(model.rowForId(oldId), -1);
    Job stale = finished(model, 1, JobState::Succeeded, 99);
    stale.id = oldId;
    model.finishJob(stale);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(stateOf(model, row), name(JobState::Queued));
}

void TestJobQueueModel::removeRowsRejectsBadRanges_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("count");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("a negative row is rejected") << -1 << 1 << false;
    QTest::newRow("zero rows is rejected") << 0 << 0 << false;
    QTest::newRow("a negative count is rejected") << 1 << -2 << false;
    QTest::newRow("a range past the end is rejected") << 3 << 2 << false;
    QTest::newRow("the last row is accepted") << 3 << 1 << true;
    QTest::newRow("all rows are accepted") << 0 << 4 << true;
}

void TestJobQueueModel::removeRowsRejectsBadRanges()
{
    QFETCH(int, row);
    QFETCH(int, count);
    QFETCH(bool, accepted);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(4));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    QCOMPARE(model.removeRows(row, count), accepted);

    QCOMPARE(removed.count(), accepted ? 1 : 0);
    QCOMPARE(model.rowCount(), accepted ? 4 - count : 4);
    // Rows have no children to remove.
    QVERIFY(!model.removeRows(0, 1, model.index(0, 0)));
}

void TestJobQueueModel::nextQueuedRow_data()
{
    QTest::addColumn<int>("fromRow");
    QTest::addColumn<int>("expected");

    // Rows: 0 running, 1 queued, 2 succeeded, 3 cancelled, 4 queued, 5 failed.
    QTest::newRow("from the start skips the running row") << 0 << 1;
    QTest::newRow("a negative start counts from the start") << -7 << 1;
    QTest::newRow("a queued start row is itself the answer") << 1 << 1;
    QTest::newRow("finished rows are skipped") << 2 << 4;
    QTest::newRow("no queued row after the last one") << 5 << -1;
    QTest::newRow("a start past the end finds none") << 60 << -1;
}

void TestJobQueueModel::nextQueuedRow()
{
    QFETCH(int, fromRow);
    QFETCH(int, expected);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(6));
    model.markRunning(model.jobAt(0).id, 0, 0);
    model.finishJob(finished(model, 2, JobState::Succeeded));
    model.markCancelled(model.jobAt(3).id, 0);
    model.finishJob(finished(model, 5, JobState::Failed));

    QCOMPARE(model.nextQueuedRow(fromRow), expected);
}

void TestJobQueueModel::progressIsAnnouncedOnlyByFlush_data()
{
    QTest::addColumn<QList<int>>("runningRows");
    QTest::addColumn<QList<int>>("progressRows");
    QTest::addColumn<int>("firstRow");
    QTest::addColumn<int>("lastRow");

    QTest::newRow("one job starts") << QList<int> { 4 } << QList<int> {} << 4 << 4;
    QTest::newRow("one job starts and makes progress")
        << QList<int> { 4 } << QList<int> { 4, 4, 4 } << 4 << 4;
    QTest::newRow("three jobs, updated out of order, make one range")
        << QList<int> { 7, 2, 5 } << QList<int> { 5, 7, 2, 5 } << 2 << 7;
    QTest::newRow("the first and the last row")
        << QList<int> { 0, 9 } << QList<int> { 9 } << 0 << 9;
}

void TestJobQueueModel::progressIsAnnouncedOnlyByFlush()
{
    QFETCH(QList<int>, runningRows);
    QFETCH(QList<int>, progressRows);
    QFETCH(int, firstRow);
    QFETCH(int, lastRow);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(10));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    qint64 now = 1000;
    for (int row : runningRows)
        model.markRunning(model.jobAt(row).id, now, 0);
    for (int row : progressRows) {
        now += 1000;
        model.setProgress(model.jobAt(row).id, now, 1'000'000, now);
    }
    QCOMPARE(changed.count(), 0);
    // The record is up to date even before it is announced.
    for (int row : runningRows)
        QCOMPARE(stateOf(model, row), name(JobState::Running));

    model.flushProgress();

    QCOMPARE(changed.count(), 1);
    const auto topLeft = changed.at(0).at(0).value<QModelIndex>();
    const auto bottomRight = changed.at(0).at(1).value<QModelIndex>();
    const auto roles = changed.at(0).at(2).value<QList<int>>();
    QCOMPARE(topLeft.row(), firstRow);
    QCOMPARE(bottomRight.row(), lastRow);
    // Only the live columns: the URL and the error do not change while a job runs.
    QCOMPARE(topLeft.column(), int(JobQueueModel::StatusColumn));
    QCOMPARE(bottomRight.column(), int(JobQueueModel::TimeColumn));
    if (!roles.isEmpty()) {
        QVERIFY(roles.contains(Qt::DisplayRole));
        QVERIFY(roles.contains(JobQueueModel::RawValueRole));
        QVERIFY(roles.contains(JobQueueModel::JobStateRole));
    }
    for (int row : runningRows)
        QCOMPARE(cell(model, row, JobQueueModel::StatusColumn).toString(),
                 QStringLiteral("Running"));

    // Announced once: a second flush with nothing new is silent.
    model.flushProgress();
    QCOMPARE(changed.count(), 1);
}

void TestJobQueueModel::flushWithNothingDirtyEmitsNothing()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.flushProgress(); // empty model
    model.addEntries(entries(3));
    model.flushProgress(); // only queued rows
    // Progress for a job that is not running, or not there, is no change.
    model.setProgress(model.jobAt(1).id, 10, 100, 1000);
    model.setProgress(model.jobAt(2).id + 100, 10, 100, 1000);
    model.markRunning(model.jobAt(2).id + 100, 1000, 0);
    model.flushProgress();

    QCOMPARE(changed.count(), 0);
    QCOMPARE(model.jobAt(1).bytesReceived, qint64(0));
    QCOMPARE(model.count(JobState::Queued), 3);
}

void TestJobQueueModel::flushAfterRemovingTheDirtyRowsEmitsNothing()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(10));
    model.markRunning(model.jobAt(9).id, 1000, 0);
    model.markRunning(model.jobAt(8).id, 1000, 1);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.removeRows(5, 5);
    model.flushProgress();
    model.markRunning(model.jobAt(0).id, 1000, 0);
    model.clear();
    model.flushProgress();

    // The tester fails the test if a flush ever names rows that are gone.
    QCOMPARE(changed.count(), 0);
}

void TestJobQueueModel::dirtyRowKeptWhenAnotherRowIsRemoved()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(10));
    const quint64 runningId = model.jobAt(5).id;
    model.markRunning(runningId, 1000, 0);
    model.setProgress(runningId, 500, 1000, 2000);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // The user removes a finished row above the running one before the next refresh.
    QVERIFY(model.removeRows(0, 1));
    model.flushProgress();

    // The running row (now row 4) still has its start and progress to announce.
    const int row = model.rowForId(runningId);
    QCOMPARE(row, 4);
    QCOMPARE(changed.count(), 1);
    const auto topLeft = changed.at(0).at(0).value<QModelIndex>();
    const auto bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QVERIFY(topLeft.row() <= row && row <= bottomRight.row());
}

void TestJobQueueModel::finishJobReplacesTheRowWithThatId()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(4));
    const Job untouched = model.jobAt(3);
    Job done = finished(model, 2, JobState::Succeeded, 4242, 3 * NsPerSecond);
    done.sha256 = QByteArray(32, 'x');
    // Rows move when rows above them go; the id still finds the job.
    QVERIFY(model.removeRows(0, 1));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.finishJob(done);

    QCOMPARE(changed.count(), 1);
    const auto topLeft = changed.at(0).at(0).value<QModelIndex>();
    const auto bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.row(), 1);
    QCOMPARE(bottomRight.row(), 1);
    QCOMPARE(topLeft.column(), 0);
    QCOMPARE(bottomRight.column(), int(JobQueueModel::ColumnCount) - 1);

    const Job &row1 = model.jobAt(1);
    QCOMPARE(row1.id, done.id);
    QCOMPARE(stateOf(model, 1), name(JobState::Succeeded));
    QCOMPARE(row1.bytesReceived, qint64(4242));
    QCOMPARE(row1.sha256, done.sha256);
    QCOMPARE(cell(model, 1, JobQueueModel::HttpCodeColumn).toInt(), 200);
    QCOMPARE(cell(model, 1, JobQueueModel::ProgressColumn).toString(), QStringLiteral("100%"));
    QCOMPARE(cell(model, 1, JobQueueModel::TimeColumn, JobQueueModel::RawValueRole).toLongLong(),
             3 * NsPerSecond);
    QCOMPARE(stateOf(model, 0), name(JobState::Queued));
    QCOMPARE(model.jobAt(2).id, untouched.id);
    QCOMPARE(stateOf(model, 2), name(JobState::Queued));
}

void TestJobQueueModel::finishJobOfAnUnknownIdIsIgnored()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(3));
    Job stranger = finished(model, 1, JobState::Failed);
    stranger.id = model.jobAt(2).id + 1;
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.finishJob(stranger);

    QCOMPARE(changed.count(), 0);
    QCOMPARE(model.count(JobState::Queued), 3);
}

void TestJobQueueModel::markCancelledCancelsOnlyUnfinishedJobs()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(3));
    model.finishJob(finished(model, 2, JobState::Succeeded, 77));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const qint64 nowNs = 123'456;

    model.markCancelled(model.jobAt(1).id, nowNs);

    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 1);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 1);
    const Job &cancelled = model.jobAt(1);
    QCOMPARE(stateOf(model, 1), name(JobState::Cancelled));
    QCOMPARE(errorKindName(cancelled.errorKind), errorKindName(ErrorKind::Cancelled));
    QCOMPARE(cancelled.finishedAtNs, nowNs);
    QVERIFY(!cancelled.errorString().isEmpty());
    QCOMPARE(cell(model, 1, JobQueueModel::StatusColumn).toString(), QStringLiteral("Cancelled"));

    // A finished job keeps its result; an unknown id changes nothing.
    model.markCancelled(model.jobAt(2).id, nowNs);
    model.markCancelled(model.jobAt(1).id, nowNs + 1);
    model.markCancelled(model.jobAt(2).id + 50, nowNs);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(stateOf(model, 2), name(JobState::Succeeded));
    QCOMPARE(model.jobAt(2).bytesReceived, qint64(77));
    QCOMPARE(model.jobAt(1).finishedAtNs, nowNs);
    QCOMPARE(stateOf(model, 0), name(JobState::Queued));
}

void TestJobQueueModel::cancelQueuedCancelsEveryQueuedRow()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(6));
    // Rows: 0 running, 1 queued, 2 succeeded, 3 queued, 4 queued, 5 failed.
    model.markRunning(model.jobAt(0).id, 10, 0);
    model.finishJob(finished(model, 2, JobState::Succeeded));
    model.finishJob(finished(model, 5, JobState::Failed));
    model.flushProgress();
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    QCOMPARE(model.cancelQueued(999), 3);

    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 1);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 4);
    QCOMPARE(stateOf(model, 0), name(JobState::Running));
    QCOMPARE(stateOf(model, 1), name(JobState::Cancelled));
    QCOMPARE(stateOf(model, 2), name(JobState::Succeeded));
    QCOMPARE(stateOf(model, 3), name(JobState::Cancelled));
    QCOMPARE(stateOf(model, 4), name(JobState::Cancelled));
    QCOMPARE(stateOf(model, 5), name(JobState::Failed));
    QCOMPARE(model.nextQueuedRow(0), -1);

    QCOMPARE(model.cancelQueued(1000), 0);
    QCOMPARE(changed.count(), 1);
}

void TestJobQueueModel::requeue_data()
{
    QTest::addColumn<QList<int>>("rows");
    QTest::addColumn<int>("requeued");
    QTest::addColumn<int>("firstRow"); // of jobsRequeued, -1 = not emitted

    // Rows: 0 running, 1 queued, 2 succeeded, 3 failed, 4 cancelled, 5 succeeded.
    QTest::newRow("a failed and a succeeded row go back to the queue")
        << QList<int> { 3, 2 } << 2 << 2;
    QTest::newRow("a cancelled row is requeued") << QList<int> { 4 } << 1 << 4;
    QTest::newRow("the first row is the lowest, whatever the order given")
        << QList<int> { 5, 4, 2 } << 3 << 2;
    QTest::newRow("running and queued rows are ignored") << QList<int> { 0, 1 } << 0 << -1;
    QTest::newRow("only the finished rows of a mixed selection count")
        << QList<int> { 0, 1, 5 } << 1 << 5;
    QTest::newRow("rows out of range are ignored") << QList<int> { -1, 6, 100 } << 0 << -1;
    QTest::newRow("nothing selected, nothing requeued") << QList<int> {} << 0 << -1;
}

void TestJobQueueModel::requeue()
{
    QFETCH(QList<int>, rows);
    QFETCH(int, requeued);
    QFETCH(int, firstRow);

    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    QList<UrlEntry> list = entries(6);
    for (int i = 0; i < list.size(); ++i) {
        list[i].fileName = QStringLiteral("file%1.bin").arg(i);
        list[i].line = 10 + 2 * i;
    }
    model.addEntries(list);
    model.markRunning(model.jobAt(0).id, 10, 3);
    model.setProgress(model.jobAt(0).id, 5, 10, 20);
    model.flushProgress();
    model.finishJob(finished(model, 2, JobState::Succeeded, 100));
    model.finishJob(finished(model, 3, JobState::Failed, 7));
    model.markCancelled(model.jobAt(4).id, 30);
    model.finishJob(finished(model, 5, JobState::Succeeded, 200));
    const QList<Job> before = model.jobs();
    QSignalSpy requeuedSpy(&model, &JobQueueModel::jobsRequeued);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    QCOMPARE(model.requeue(rows), requeued);

    if (firstRow < 0) {
        QCOMPARE(requeuedSpy.count(), 0);
        QCOMPARE(changed.count(), 0);
    } else {
        QCOMPARE(requeuedSpy.count(), 1);
        QCOMPARE(requeuedSpy.at(0).at(0).toInt(), firstRow);
    }
    int changedRows = 0;
    for (const QList<QVariant> &arguments : std::as_const(changed)) {
        const auto topLeft = arguments.at(0).value<QModelIndex>();
        const auto bottomRight = arguments.at(1).value<QModelIndex>();
        changedRows += bottomRight.row() - topLeft.row() + 1;
        QVERIFY(rows.contains(topLeft.row()));
    }
    QCOMPARE(changedRows, requeued);

    for (int row = 0; row < model.rowCount(); ++row) {
        const Job &old = before.at(row);
        const Job &now = model.jobAt(row);
        QCOMPARE(now.id, old.id);
        QCOMPARE(now.url, old.url);
        QCOMPARE(now.fileName(), old.fileName());
        QCOMPARE(now.sourceLine, old.sourceLine);
        const bool wasRequeued = rows.contains(row) && old.isFinished();
        if (!wasRequeued) {
            QCOMPARE(stateName(now.state), stateName(old.state));
            QCOMPARE(now.startedAtNs, old.startedAtNs);
            QCOMPARE(now.bytesReceived, old.bytesReceived);
            continue;
        }
        QCOMPARE(stateOf(model, row), name(JobState::Queued));
        QCOMPARE(errorKindName(now.errorKind), errorKindName(ErrorKind::None));
        QCOMPARE(now.httpStatus, 0);
        QCOMPARE(now.attempts, 0);
        QCOMPARE(now.bytesReceived, qint64(0));
        QCOMPARE(now.bytesTotal, qint64(-1));
        QCOMPARE(now.startedAtNs, qint64(-1));
        QCOMPARE(now.finishedAtNs, qint64(-1));
        QVERIFY(now.errorString().isEmpty());
        QVERIFY(now.sha256.isEmpty());
        QVERIFY(!cell(model, row, JobQueueModel::TimeColumn).isValid());
        QCOMPARE(cell(model, row, JobQueueModel::StatusColumn).toString(),
                 QStringLiteral("Queued"));
    }
    // The requeued rows are what the engine takes next.
    if (firstRow >= 0)
        QCOMPARE(model.nextQueuedRow(0), std::min(firstRow, 1));
}

void TestJobQueueModel::hundredThousandRows()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    const QList<UrlEntry> many = entries(HugeRowCount);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    QElapsedTimer timer;
    timer.start();
    QCOMPARE(model.addEntries(many), HugeRowCount);
    qInfo("addEntries of %d rows (with QAbstractItemModelTester attached) took %lld ms",
          HugeRowCount, timer.elapsed());

    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), HugeRowCount - 1);
    QCOMPARE(model.rowCount(), HugeRowCount);
    for (const int row : { 0, 1, 4999, HugeRowCount / 2, HugeRowCount - 2, HugeRowCount - 1 }) {
        const quint64 id = model.jobAt(row).id;
        QCOMPARE(model.rowForId(id), row);
        QCOMPARE(model.jobAt(row).url, exampleUrl(row));
    }
    QCOMPARE(model.rowForId(model.jobAt(HugeRowCount - 1).id + 1), -1);
    QCOMPARE(model.nextQueuedRow(HugeRowCount - 1), HugeRowCount - 1);

    timer.restart();
    QVERIFY(model.removeRows(HugeRowCount / 4, HugeRowCount / 2));
    qInfo("removing %d rows from the middle took %lld ms", HugeRowCount / 2, timer.elapsed());
    QCOMPARE(model.rowCount(), HugeRowCount / 2);
    QCOMPARE(model.jobAt(HugeRowCount / 4).url, exampleUrl(3 * HugeRowCount / 4));
    QCOMPARE(model.rowForId(model.jobAt(HugeRowCount / 4).id), HugeRowCount / 4);
}

void TestJobQueueModel::summaryEqualsComputeAfterEveryStep_data()
{
    QTest::addColumn<QList<Step>>("steps");
    QTest::addColumn<bool>("live"); // JobQueueModel::setLiveFigures
    // Each row twice: with the figures kept up to date, and with them computed when asked.
    const auto newRow = [](const char *name, const QList<Step> &steps) {
        QTest::addRow("%s, live", name) << steps << true;
        QTest::addRow("%s, computed when asked", name) << steps << false;
    };

    using S = Step;
    newRow("a run: add, start, progress, finish, more of the list",
           QList<Step> { S::AddFour, S::StartQueued, S::Progress, S::Progress, S::FinishRunning,
                         S::StartQueued, S::FinishRunning, S::AddFour, S::StartQueued, S::Progress,
                         S::FinishRunning });
    newRow("failures retried until the queue is done",
           QList<Step> { S::AddFour, S::StartQueued, S::StartQueued, S::FinishRunning,
                         S::RetryFailed, S::StartQueued, S::FinishRunning, S::RetryFailed,
                         S::StartQueued, S::Progress, S::FinishRunning });
    newRow("cancel one, cancel all, then retry them",
           QList<Step> { S::AddFour, S::AddFour, S::StartQueued, S::Progress,
                         S::CancelFirstUnfinished, S::CancelQueued, S::FinishRunning,
                         S::RetryFailed, S::StartQueued, S::FinishRunning });
    newRow("rows removed: finished ones cleared, the first one, all of them",
           QList<Step> { S::AddFour, S::StartQueued, S::FinishRunning, S::ClearFinished,
                         S::StartQueued, S::Progress, S::RemoveFirst, S::FinishRunning, S::AddFour,
                         S::RemoveFirst, S::ClearFinished, S::Clear, S::AddFour });
    newRow("restored and saved runs added next to a live one",
           QList<Step> { S::AddFour, S::StartQueued, S::FinishRunning, S::StartQueued,
                         S::AddRestored, S::AddSaved, S::Progress, S::FinishRunning, S::RetryFailed,
                         S::CancelQueued, S::ClearFinished });
}

void TestJobQueueModel::summaryEqualsComputeAfterEveryStep()
{
    QFETCH(QList<Step>, steps);
    QFETCH(bool, live);

    JobQueueModel model;
    model.setLiveFigures(live);
    JobQueueModel other; // the same steps, with the figures kept the other way
    other.setLiveFigures(!live);
    qint64 clock = 0, otherClock = 0;
    bool measured = false;
    for (int i = 0; i < steps.size(); ++i) {
        apply(model, steps.at(i), &clock);
        apply(other, steps.at(i), &otherClock);
        QCOMPARE(model.idleGapsNs(1), other.idleGapsNs(1));
        const RunSummary expected = RunSummary::compute(model.jobs());
        measured =
            measured || (expected.serialNs > 0 && expected.p50Ns > 0 && expected.ttfbP50Us >= 0);
        const QStringList differing = differingFields(model.summary(), expected);
        QVERIFY2(
            differing.isEmpty(),
            qPrintable(QStringLiteral("after step %1: %2").arg(i + 1).arg(differing.join(u','))));
        for (const JobState state : { JobState::Queued, JobState::Running, JobState::Succeeded,
                                      JobState::Failed, JobState::Cancelled }) {
            QCOMPARE(model.count(state),
                     int(std::count_if(model.jobs().cbegin(), model.jobs().cend(),
                                       [state](const Job &job) { return job.state == state; })));
        }
    }
    // Somewhere on the way there was something to measure, not just two empty summaries.
    QVERIFY(measured);
}

void TestJobQueueModel::reinsertPutsRemovedRowsBackWhereTheyWere_data()
{
    QTest::addColumn<QList<int>>("removed"); // rows of a six-row queue

    QTest::newRow("one row in the middle") << QList<int> { 2 };
    QTest::newRow("a run in the middle") << QList<int> { 2, 3 };
    QTest::newRow("the first and the last") << QList<int> { 0, 5 };
    QTest::newRow("every other row") << QList<int> { 0, 2, 4 };
    QTest::newRow("every row") << QList<int> { 0, 1, 2, 3, 4, 5 };
}

void TestJobQueueModel::reinsertPutsRemovedRowsBackWhereTheyWere()
{
    QFETCH(QList<int>, removed);
    constexpr int Rows = 6;
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(Rows));
    // Finished rows, each with its own result and times.
    QList<Job> results;
    for (int row = 0; row < Rows; ++row) {
        Job job = finished(model, row, row % 2 ? JobState::Failed : JobState::Succeeded, 100 * row,
                           (row + 1) * NsPerSecond);
        job.startedAtNs = row * NsPerSecond;
        job.finishedAtNs = job.startedAtNs + (row + 1) * NsPerSecond;
        results.append(job);
    }
    model.finishJobs(results);
    const QList<Job> before = model.jobs();
    const RunSummary summaryBefore = model.summary();

    QList<Job> taken;
    for (auto row = removed.crbegin(); row != removed.crend(); ++row) {
        taken.append(model.jobAt(*row));
        QVERIFY(model.removeRows(*row, 1));
    }
    QCOMPARE(model.rowCount(), Rows - removed.size());
    QCOMPARE(model.reinsert(taken), int(removed.size()));

    QCOMPARE(model.rowCount(), Rows);
    for (int row = 0; row < Rows; ++row) {
        QCOMPARE(model.jobAt(row).id, before.at(row).id);
        QCOMPARE(model.jobAt(row).url, before.at(row).url);
        QCOMPARE(stateOf(model, row), name(before.at(row).state));
        QCOMPARE(model.jobAt(row).startedAtNs, before.at(row).startedAtNs);
        QCOMPARE(model.jobAt(row).finishedAtNs, before.at(row).finishedAtNs);
        QCOMPARE(model.jobAt(row).bytesReceived, before.at(row).bytesReceived);
        QCOMPARE(model.rowForId(before.at(row).id), row);
    }
    // The figures are those of before the removal.
    const RunSummary after = model.summary();
    QCOMPARE(after.total, summaryBefore.total);
    QCOMPARE(after.succeeded, summaryBefore.succeeded);
    QCOMPARE(after.failed, summaryBefore.failed);
    QCOMPARE(after.wallNs, summaryBefore.wallNs);
    QCOMPARE(after.serialNs, summaryBefore.serialNs);
    QCOMPARE(after.bytes, summaryBefore.bytes);
    QCOMPARE(after.p50Ns, summaryBefore.p50Ns);
    QCOMPARE(after.wallNs, RunSummary::compute(model.jobs()).wallNs);

    // New rows still get new ids, after every id put back.
    model.addEntries(entries(1, Rows));
    QVERIFY(model.jobAt(Rows).id > before.constLast().id);
}

void TestJobQueueModel::reinsertSkipsJobsStillInTheQueue()
{
    JobQueueModel model;
    Tester tester(&model, ReportToQtTest);
    model.addEntries(entries(3));
    const Job second = model.jobAt(1);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QCOMPARE(model.reinsert({ second }), 0);
    QCOMPARE(model.reinsert({}), 0);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(), 3);
}

QTEST_GUILESS_MAIN(TestJobQueueModel)
#include "tst_jobqueuemodel.moc"
