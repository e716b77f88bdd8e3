// SPDX-License-Identifier: GPL-3.0-or-later
// The Compare Runs dialog: two exports in, the changed URLs (worst first) and the deltas out.
#include "comparedialog.h"
#include "engine/fetchengine.h"
#include "formats/runfile.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "testsupport.h"

#include <QAction>
#include <QCheckBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;

Job job(const QString &url, qint64 durationMs, int status = 200)
{
    Job result;
    result.url = QUrl(url);
    result.state = status == 200 ? JobState::Succeeded : JobState::Failed;
    result.errorKind = status == 200 ? ErrorKind::None : ErrorKind::HttpStatus;
    result.httpStatus = status;
    result.startedAtNs = 0;
    result.finishedAtNs = durationMs * NsPerMs;
    return result;
}

} // namespace

class TestCompareDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void listsChangesWorstFirst();
    void showsUnchangedOnRequest();
    void figuresShowDeltas();
    void anUnreadableExportIsNamedAndChangesNothing();
    void theFileMenuOpensIt();

private:
    QString write(const QString &name, const QList<Job> &jobs);

    QTemporaryDir m_dir;
    QString m_a, m_b;
};

QString TestCompareDialog::write(const QString &name, const QList<Job> &jobs)
{
    const QString path = m_dir.filePath(name);
    QString error;
    if (!RunFile::write(path, ExportFormat::Json, jobs, RunSummary::compute(jobs), RunInfo(),
                        &error))
        qFatal("%s", qPrintable(error));
    return path;
}

void TestCompareDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_a = write(QStringLiteral("a.json"),
                { job(QStringLiteral("http://h/same"), 100),
                  job(QStringLiteral("http://h/slower"), 100),
                  job(QStringLiteral("http://h/breaks"), 100),
                  job(QStringLiteral("http://h/fixed"), 50, 404),
                  job(QStringLiteral("http://h/gone"), 10) });
    m_b = write(
        QStringLiteral("b.json"),
        { job(QStringLiteral("http://h/same"), 100), job(QStringLiteral("http://h/slower"), 300),
          job(QStringLiteral("http://h/breaks"), 20, 500),
          job(QStringLiteral("http://h/fixed"), 60), job(QStringLiteral("http://h/new"), 10) });
}

void TestCompareDialog::listsChangesWorstFirst()
{
    CompareDialog dialog;
    QVERIFY2(dialog.compareFiles(m_a, m_b), qPrintable(dialog.errorText()));

    QTableWidget *table = dialog.differences();
    QCOMPARE(table->rowCount(), 4); // unchanged URLs are hidden by default
    const QStringList expectedUrls = { QStringLiteral("http://h/breaks"),
                                       QStringLiteral("http://h/fixed"),
                                       QStringLiteral("http://h/gone"),
                                       QStringLiteral("http://h/new") };
    for (int row = 0; row < expectedUrls.size(); ++row)
        QCOMPARE(table->item(row, CompareDialog::UrlColumn)->text(), expectedUrls.at(row));
    QCOMPARE(table->item(0, CompareDialog::ChangeColumn)->text(), QStringLiteral("new failure"));
    QVERIFY(table->item(0, CompareDialog::AColumn)->text().startsWith(QLatin1String("200")));
    QVERIFY(table->item(0, CompareDialog::BColumn)->text().startsWith(QLatin1String("500")));
    QVERIFY2(table->item(0, CompareDialog::DeltaColumn)->text().startsWith(QStringLiteral("−")),
             qPrintable(table->item(0, CompareDialog::DeltaColumn)->text()));
    QCOMPARE(table->item(2, CompareDialog::BColumn)->text(), QStringLiteral("–")); // only in A
    QCOMPARE(dialog.comparison().count(UrlChange::Unchanged), 2);
}

void TestCompareDialog::showsUnchangedOnRequest()
{
    CompareDialog dialog;
    QVERIFY(dialog.compareFiles(m_a, m_b));

    dialog.showUnchanged()->setChecked(true);

    QTableWidget *table = dialog.differences();
    QCOMPARE(table->rowCount(), 6);
    // Among the unchanged, the biggest slowdown comes first.
    QCOMPARE(table->item(4, CompareDialog::UrlColumn)->text(), QStringLiteral("http://h/slower"));
    QVERIFY2(table->item(4, CompareDialog::DeltaColumn)->text().startsWith(QLatin1Char('+')),
             qPrintable(table->item(4, CompareDialog::DeltaColumn)->text()));

    dialog.showUnchanged()->setChecked(false);
    QCOMPARE(table->rowCount(), 4);
}

void TestCompareDialog::figuresShowDeltas()
{
    CompareDialog dialog;
    QVERIFY(dialog.compareFiles(m_a, m_b));

    QTableWidget *figures = dialog.figures();
    const auto rowNamed = [figures](const QString &name) {
        for (int row = 0; row < figures->rowCount(); ++row) {
            if (figures->verticalHeaderItem(row)->text() == name)
                return row;
        }
        return -1;
    };
    const int failed = rowNamed(QStringLiteral("Failed"));
    QVERIFY(failed >= 0);
    QCOMPARE(figures->item(failed, CompareDialog::FigureAColumn)->text(), QStringLiteral("1"));
    QCOMPARE(figures->item(failed, CompareDialog::FigureBColumn)->text(), QStringLiteral("1"));
    QCOMPARE(figures->item(failed, CompareDialog::FigureDeltaColumn)->text(), QStringLiteral("+0"));
    const int wall = rowNamed(QStringLiteral("Wall"));
    QVERIFY(wall >= 0);
    // Wall 100 ms -> 300 ms: +200 ms, +200%.
    QVERIFY2(figures->item(wall, CompareDialog::FigureDeltaColumn)
                 ->text()
                 .endsWith(QLatin1String("(+200.0%)")),
             qPrintable(figures->item(wall, CompareDialog::FigureDeltaColumn)->text()));
    QVERIFY(rowNamed(QStringLiteral("p95")) >= 0);
}

void TestCompareDialog::anUnreadableExportIsNamedAndChangesNothing()
{
    CompareDialog dialog;
    QVERIFY(dialog.compareFiles(m_a, m_b));
    const QString missing = m_dir.filePath(QStringLiteral("missing.json"));

    QVERIFY(!dialog.compareFiles(m_a, missing));

    QVERIFY2(dialog.errorText().contains(missing), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.differences()->rowCount(), 4); // the last comparison stays
    QVERIFY(dialog.compareFiles(m_a, m_b));
    QVERIFY(dialog.errorText().isEmpty());
}

void TestCompareDialog::theFileMenuOpensIt()
{
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow window(&model, &engine);
    auto *action = window.findChild<QAction *>(QStringLiteral("compareRuns"));
    QVERIFY(action);

    action->trigger();

    auto *dialog = window.findChild<CompareDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    dialog->close();
}

QTEST_MAIN(TestCompareDialog)
#include "tst_comparedialog.moc"
