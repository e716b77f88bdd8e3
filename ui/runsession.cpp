// SPDX-License-Identifier: GPL-3.0-or-later
// A run's life across starts: restore banners, the quit question, the clean or kept exit.
#include "runsession.h"

#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "settingsstore.h"
#include "sha256.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>

#include <algorithm>

namespace Parafetch {

namespace {

// What the last clean close knew of the list it kept (saveLastList()).
const char *const LastListOfKey = "window/lastListOf";
const char *const LastListUrlsKey = "window/lastListUrls";
const char *const LastListDoneKey = "window/lastListDone";
const char *const LastListUndoneKey = "window/lastListUndone";

// One line of a list that the parser reads back: "url" or "url,filename", credentials masked.
QString listLine(const Job &job)
{
    QString url = redactedUrl(job.url); // not const, so the return below moves it
    if (job.fileName().isEmpty())
        return url;
    QString name = job.fileName();
    name.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QStringLiteral("\"%1\",\"%2\"").arg(url, name);
}

} // namespace

RunSession::RunSession(JobQueueModel *model, FetchEngine *engine, QWidget *window)
    : QObject(window)
    , m_model(model)
    , m_engine(engine)
    , m_window(window)
{
    m_lastListBanner = new QWidget(window);
    m_lastListBanner->setObjectName(QStringLiteral("lastListBanner"));
    auto *bannerLayout = new QHBoxLayout(m_lastListBanner);
    m_lastListText = new QLabel(m_lastListBanner);
    m_lastListText->setObjectName(QStringLiteral("lastListText"));
    // Alt+R is the Run menu's: this one takes O.
    auto *restore = new QPushButton(tr("Rest&ore"), m_lastListBanner);
    restore->setObjectName(QStringLiteral("restoreLastList"));
    auto *dismiss = new QPushButton(tr("&Dismiss"), m_lastListBanner);
    bannerLayout->addWidget(m_lastListText, 1);
    bannerLayout->addWidget(restore);
    bannerLayout->addWidget(dismiss);
    m_lastListBanner->hide();
    connect(dismiss, &QPushButton::clicked, m_lastListBanner, &QWidget::hide);
    connect(restore, &QPushButton::clicked, this, [this] {
        m_lastListBanner->hide();
        emit lastListRestored(m_lastList);
    });

    // The run journal's offer after a crash: like the last list's, but it restores results too.
    m_journalBanner = new QWidget(window);
    m_journalBanner->setObjectName(QStringLiteral("journalBanner"));
    auto *journalLayout = new QHBoxLayout(m_journalBanner);
    m_journalText = new QLabel(m_journalBanner);
    m_journalText->setObjectName(QStringLiteral("journalText"));
    m_journalText->setWordWrap(true);
    // Alt+R is the Run menu's (and Alt+O the last list's banner's): this one takes S.
    auto *restoreJournal = new QPushButton(tr("Re&store"), m_journalBanner);
    restoreJournal->setObjectName(QStringLiteral("restoreJournal"));
    auto *discardJournal = new QPushButton(tr("D&iscard"), m_journalBanner);
    discardJournal->setObjectName(QStringLiteral("discardJournal"));
    journalLayout->addWidget(m_journalText, 1);
    journalLayout->addWidget(restoreJournal);
    journalLayout->addWidget(discardJournal);
    m_journalBanner->hide();
    connect(restoreJournal, &QPushButton::clicked, this, [this] {
        const QList<Job> jobs = RunJournal::restorableJobs(m_restorable);
        m_restorable.clear();
        m_journalBanner->hide();
        const int restored = m_model->addRestored(jobs);
        const int queued = int(std::count_if(jobs.cbegin(), jobs.cend(),
                                             [](const Job &job) { return !job.isFinished(); }));
        emit journalRestored(restored, queued);
    });
    connect(discardJournal, &QPushButton::clicked, this, [this] {
        if (m_journal)
            m_journal->discardPrevious(m_restorable);
        m_restorable.clear();
        m_journalBanner->hide();
    });
}

void RunSession::offerLastList(const QString &text)
{
    const int lines =
        int(text.count(QLatin1Char('\n'))) + (text.endsWith(QLatin1Char('\n')) ? 0 : 1);
    if (text.trimmed().isEmpty())
        return;
    // What the clean close that saved this list knew of it (saveLastList()).
    QSettings settings;
    const bool known =
        settings.value(QLatin1String(LastListOfKey)).toByteArray() == Sha256::hash(text.toUtf8());
    const int urls = known ? settings.value(QLatin1String(LastListUrlsKey)).toInt() : 0;
    const int done = known ? settings.value(QLatin1String(LastListDoneKey)).toInt() : 0;
    QString label = tr("Your last list (%n line(s)) can be restored.", nullptr, lines);
    QString restored = text;
    if (known && urls > 0 && done >= urls) {
        label = tr("All %n URL(s) of your last list were done; Restore puts the list back.",
                   nullptr, urls);
    } else if (known && done > 0) {
        label = tr("%1 of %n URL(s) of your last list were done; the other %2 can be restored.",
                   nullptr, urls)
                    .arg(done)
                    .arg(urls - done);
        restored = settings.value(QLatin1String(LastListUndoneKey)).toString();
    }
    m_lastList = restored;
    m_lastListText->setText(label);
    m_lastListBanner->show();
}

void RunSession::setRunJournal(RunJournal *journal)
{
    if (m_journal)
        disconnect(m_journal, nullptr, this, nullptr);
    m_journal = journal;
    if (!journal)
        return;
    connect(journal, &RunJournal::writeFailed, this, [this](const QString &text) {
        emit message(
            tr("The run journal cannot be written, so this list would not survive a crash: %1")
                .arg(text));
    });
}

void RunSession::offerRestore(const QList<JournaledJob> &jobs, bool keptExit)
{
    if (jobs.isEmpty())
        return;
    m_restorable = jobs;
    const int done = int(std::count_if(jobs.cbegin(), jobs.cend(),
                                       [](const JournaledJob &job) { return job.isFinished(); }));
    const int withCredentials =
        int(std::count_if(jobs.cbegin(), jobs.cend(), [](const JournaledJob &job) {
            return !job.isFinished() && hasMaskedSecrets(job.url);
        }));
    QString text = keptExit
        ? tr("Parafetch was closed keeping partial files: restore the %n URL(s) of the last run "
             "(%1 already done) and press Start to continue them?",
             nullptr, int(jobs.size()))
              .arg(done)
        : tr("Parafetch did not close properly: restore the %n URL(s) of the last run "
             "(%1 already done)?",
             nullptr, int(jobs.size()))
              .arg(done);
    if (withCredentials > 0)
        text += QLatin1Char(' ')
            + tr("%n of them had a password or a secret query value, which are not kept: add "
                 "those again.",
                 nullptr, withCredentials);
    m_journalText->setText(text);
    m_journalBanner->show();
    // The last list is older than the journal; offering both would only confuse.
    m_lastListBanner->hide();
}

RunSession::CloseChoice RunSession::closeChoice()
{
    if (!m_engine->isRunning())
        return CloseChoice::CancelDownloads;
    return m_closeChoice == CloseChoice::Ask ? askCloseChoice() : m_closeChoice;
}

RunSession::CloseChoice RunSession::askCloseChoice()
{
    const QList<Job> &jobs = m_model->jobs();
    const int left = int(std::count_if(jobs.cbegin(), jobs.cend(),
                                       [](const Job &job) { return !job.isFinished(); }));
    QMessageBox box(QMessageBox::Question, tr("Quit Parafetch?"),
                    tr("%n URL(s) are not done yet.", nullptr, left), QMessageBox::NoButton,
                    m_window);
    box.setObjectName(QStringLiteral("closeQuestion"));
    box.setInformativeText(
        tr("Keep Partial Files and Quit leaves what has arrived in .part files: the next start "
           "offers the list back, and Start continues them. Cancel Downloads and Quit removes "
           "them."));
    QPushButton *keep = box.addButton(tr("Keep Partial Files and Quit"), QMessageBox::AcceptRole);
    QPushButton *cancel =
        box.addButton(tr("Cancel Downloads and Quit"), QMessageBox::DestructiveRole);
    QPushButton *running = box.addButton(tr("Keep Running"), QMessageBox::RejectRole);
    keep->setObjectName(QStringLiteral("keepPartialFiles"));
    cancel->setObjectName(QStringLiteral("cancelDownloads"));
    running->setObjectName(QStringLiteral("keepRunning"));
    box.setDefaultButton(keep);
    box.setEscapeButton(running);
    box.exec();
    if (box.clickedButton() == keep)
        return CloseChoice::KeepPartialFiles;
    if (box.clickedButton() == cancel)
        return CloseChoice::CancelDownloads;
    return CloseChoice::KeepRunning;
}

// The list for "Restore the last list", and what of it was done: the next start says so and
// restores only the rest.
void RunSession::saveLastList()
{
    QStringList lines, undone;
    lines.reserve(m_model->rowCount());
    for (const Job &job : m_model->jobs()) {
        lines.append(listLine(job));
        if (!job.isSuccess())
            undone.append(lines.constLast());
    }
    const QString text = lines.join(QLatin1Char('\n'));
    QString error;
    if (!SettingsStore::saveLastList(text, &error))
        qWarning("Parafetch: could not keep the URL list for the next start: %s",
                 qPrintable(error));
    QSettings settings;
    settings.setValue(QLatin1String(LastListOfKey), Sha256::hash(text.toUtf8()));
    settings.setValue(QLatin1String(LastListUrlsKey), int(lines.size()));
    settings.setValue(QLatin1String(LastListDoneKey), int(lines.size() - undone.size()));
    settings.setValue(QLatin1String(LastListUndoneKey), undone.join(QLatin1Char('\n')));
}

void RunSession::end(CloseChoice choice)
{
    if (choice == CloseChoice::KeepPartialFiles) {
        m_engine->shutdownKeepingPartials();
        if (m_journal)
            m_journal->markKeptExit(); // offered back next time, its .part files continued
    } else {
        m_engine->shutdown();
        if (m_journal)
            m_journal->markCleanExit(); // the list went to the last list: nothing to restore
    }
}

} // namespace Parafetch
