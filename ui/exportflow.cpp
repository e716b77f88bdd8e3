// SPDX-License-Identifier: GPL-3.0-or-later
// Importing URL lists, exporting results and opening saved runs, with their dialogs.
#include "exportflow.h"

#include "engine/fetchengine.h"
#include "formats/runfile.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "run/timeline.h"
#include "units.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>

namespace Parafetch {

namespace {

// The suffix of the last export, whose format the next export dialog offers first.
const char *const ExportSuffixKey = "window/exportSuffix";

} // namespace

ExportFlow::ExportFlow(JobQueueModel *model, FetchEngine *engine, InputPanel *input,
                       QWidget *window)
    : QObject(window)
    , m_model(model)
    , m_engine(engine)
    , m_input(input)
    , m_window(window)
{
    connect(m_engine, &FetchEngine::jobFinished, this, [this] { m_unexportedResults = true; });
}

bool ExportFlow::importFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        QMessageBox::warning(
            m_window, tr("Import"),
            tr("Cannot open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return false;
    }
    m_lastDirectory = QFileInfo(path).absolutePath();
    return m_input->importDevice(&file, QFileInfo(path).fileName());
}

void ExportFlow::importDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(m_window, tr("Import URL List"), m_lastDirectory,
                                     tr("URL lists (*.txt *.csv *.list);;All files (*)"));
    if (!path.isEmpty())
        importFile(path);
}

bool ExportFlow::exportTo(const QString &path, QString *error)
{
    const std::optional<ExportFormat> format = RunFile::formatForPath(path);
    if (!format) {
        *error = tr("Choose a file name ending in .json, .csv or .har.");
        return false;
    }
    const RunSummary summary = m_model->summary();
    RunInfo info;
    info.startedAt =
        m_engine->epoch().addMSecs(std::max<qint64>(summary.firstStartNs, 0) / Units::NsPerMs);
    info.concurrency = m_engine->concurrency();
    info.limitRate = m_engine->bandwidthLimit();
    info.perHost = m_engine->options().perHost;
    info.method = m_engine->options().method == FetchOptions::Method::Head
        ? QByteArrayLiteral("HEAD")
        : QByteArrayLiteral("GET");
    info.toolVersion = QCoreApplication::applicationVersion();
    info.requestHeaders = m_engine->options().headers; // masked by the HAR export
    if (m_timeline)
        info.timeline = m_timeline->points();
    if (!RunFile::write(path, *format, m_model->jobs(), summary, info, error))
        return false;
    m_unexportedResults = false;
    return true;
}

void ExportFlow::exportDialog()
{
    // The dialog opens where the last export or import went (Documents the first time), on a
    // dated name in the format chosen last (CSV the first time), not in the process's folder.
    QSettings settings;
    const QString csvFilter = tr("CSV (*.csv)");
    const QString jsonFilter = tr("JSON (*.json)");
    const QString harFilter = tr("HAR 1.2 (*.har)");
    const QString lastSuffix =
        settings.value(QLatin1String(ExportSuffixKey), QStringLiteral("csv")).toString();
    QString selectedFilter = lastSuffix == QLatin1String("json") ? jsonFilter
        : lastSuffix == QLatin1String("har")                     ? harFilter
                                                                 : csvFilter;
    const QString folder = m_lastDirectory.isEmpty()
        ? QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)
        : m_lastDirectory;
    const QString suggested = QDir(folder).filePath(
        QStringLiteral("parafetch-%1.%2")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm")),
                 selectedFilter == jsonFilter      ? QStringLiteral("json")
                     : selectedFilter == harFilter ? QStringLiteral("har")
                                                   : QStringLiteral("csv")));
    QString path = QFileDialog::getSaveFileName(
        m_window, tr("Export Results"), suggested,
        QStringList { csvFilter, jsonFilter, harFilter }.join(QStringLiteral(";;")),
        &selectedFilter);
    if (path.isEmpty())
        return;
    if (!RunFile::formatForPath(path))
        path += selectedFilter.startsWith(QLatin1String("CSV")) ? QLatin1String(".csv")
            : selectedFilter.startsWith(QLatin1String("HAR"))   ? QLatin1String(".har")
                                                                : QLatin1String(".json");
    m_lastDirectory = QFileInfo(path).absolutePath();
    settings.setValue(QLatin1String(ExportSuffixKey), QFileInfo(path).suffix().toLower());
    QString error;
    if (exportTo(path, &error))
        emit message(tr("Exported %1.").arg(QDir::toNativeSeparators(path)));
    else
        QMessageBox::warning(m_window, tr("Export Results"), error);
}

void ExportFlow::openRunDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(m_window, tr("Open Saved Run"), m_lastDirectory,
                                     tr("Saved runs (*.json *.har *.csv);;All files (*)"));
    if (!path.isEmpty())
        openRun(path);
}

bool ExportFlow::openRun(const QString &path)
{
    if (m_engine->isRunning()) {
        QMessageBox::information(
            m_window, tr("Open Saved Run"),
            tr("Wait for the run to finish, or cancel it, before opening a saved one."));
        return false;
    }
    if (!mayDropResults())
        return false;
    ImportedRun run;
    QString error;
    if (!RunFile::read(path, &run, &error)) {
        QMessageBox::warning(m_window, tr("Open Saved Run"), error);
        return false;
    }
    m_lastDirectory = QFileInfo(path).absolutePath();
    m_model->clear();
    m_model->addSaved(run.jobs);
    m_unexportedResults = false; // they are in that file
    emit runOpened(run.info.concurrency, run.info.perHost, run.info.timeline);
    const QString name = QDir::toNativeSeparators(path);
    emit message(tr("Opened %1: %n URL(s).", nullptr, int(run.jobs.size())).arg(name));
    if (!run.problems.isEmpty()) {
        constexpr int ShownProblems = 10;
        QStringList shown = run.problems.mid(0, ShownProblems);
        if (run.problems.size() > ShownProblems)
            shown.append(tr("… and %n more", nullptr, int(run.problems.size() - ShownProblems)));
        QMessageBox::warning(m_window, tr("Open Saved Run"),
                             tr("Some entries of %1 could not be read and were left out:\n\n%2")
                                 .arg(name, shown.join(QLatin1Char('\n'))));
    }
    return true;
}

bool ExportFlow::mayDropResults()
{
    const int finished =
        m_model->rowCount() - m_model->count(JobState::Queued) - m_model->count(JobState::Running);
    if (!m_unexportedResults || finished == 0)
        return true;
    QMessageBox box(QMessageBox::Question, tr("Open Saved Run"),
                    tr("The results of %n URL(s) in the queue have not been exported. Opening a "
                       "saved run replaces them.",
                       nullptr, finished),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, m_window);
    box.setObjectName(QStringLiteral("unexportedResults"));
    box.button(QMessageBox::Save)->setText(tr("&Export First…"));
    box.button(QMessageBox::Discard)->setText(tr("&Discard Them"));
    box.setDefaultButton(QMessageBox::Cancel);
    switch (box.exec()) {
    case QMessageBox::Discard:
        return true;
    case QMessageBox::Save:
        exportDialog();
        return !m_unexportedResults; // a cancelled or failed export keeps them
    default:
        return false;
    }
}

} // namespace Parafetch
