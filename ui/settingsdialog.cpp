// SPDX-License-Identifier: GPL-3.0-or-later
// The Settings dialog: a form over FetchOptions that refuses what the engine could not use. Its
// pages and the values each field shows and gives are in settingsdialogfields.cpp.
#include "settingsdialog.h"

#include "checksumfile.h"
#include "cookiefile.h"
#include "engine/tlsconfig.h"
#include "proxyurl.h"
#include "run/completioncommand.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontMetrics>
#include <QFormLayout>
#include <QGroupBox>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QShortcut>
#include <QStandardPaths>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace Parafetch {

namespace {

// Problem lines are not word-wrapped: a wrapped label's height depends on its width, which a
// window's minimum size cannot express, so the form would overlap it with the fields above.
// Instead a line longer than this is shortened in the middle; the full text is its tool tip.
constexpr int ProblemColumns = 72;
// What a window manager's title bar and borders take beyond the dialog's own height.
constexpr int TitleBarAllowance = 64;

// Asks for the whole height of its groups (QScrollArea's own hint stops at 24 lines); the dialog
// bounds it by the screen. It scrolls only up and down, so it needs at least the groups' width:
// a problem line wider than the fields widens the dialog rather than push their buttons out of
// sight.
class GroupsScrollArea final : public QScrollArea
{
    Q_DISABLE_COPY_MOVE(GroupsScrollArea)
public:
    using QScrollArea::QScrollArea;

    QSize sizeHint() const override
    {
        if (!widget())
            return QScrollArea::sizeHint();
        QSize size = widget()->sizeHint();
        size.rwidth() += chromeWidth();
        size.rheight() += 2 * frameWidth();
        return size;
    }

    QSize minimumSizeHint() const override
    {
        QSize size = QScrollArea::minimumSizeHint();
        if (widget())
            size.setWidth(
                std::max(size.width(), widget()->minimumSizeHint().width() + chromeWidth()));
        return size;
    }

private:
    int chromeWidth() const { return verticalScrollBar()->sizeHint().width() + 2 * frameWidth(); }
};
void showProblems(QLabel *label, const QStringList &problems)
{
    const QFontMetrics metrics = label->fontMetrics();
    const int width = metrics.averageCharWidth() * ProblemColumns;
    QStringList shown;
    for (const QString &problem : problems)
        shown.append(metrics.elidedText(problem, Qt::ElideMiddle, width));
    label->setText(shown.join(QLatin1Char('\n')));
    label->setToolTip(problems.join(QLatin1Char('\n')));
}

} // namespace

SettingsDialog::SettingsDialog(const FetchOptions &options, QWidget *parent)
    : QDialog(parent)
    , m_base(options)
{
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));

    // Pages as KDE and Qt applications group settings, each created in reading order, which is
    // also the Tab order within it. A label's mnemonic fires only while its page is shown, so
    // letters need to differ within a page, its tab titles and the dialog's buttons only.
    m_pages = new QTabWidget;
    m_pages->setObjectName(QStringLiteral("settingsPages"));
    m_pages->setAccessibleName(tr("Settings pages"));
    // In the order of Page.
    addPage(tr("&Requests"), QStringLiteral("requestsPage"),
            tr("GET or HEAD, timeouts, redirects, headers, cookies and retries"),
            { createRequestsGroup(), createRetriesGroup() });
    addPage(tr("&Network"), QStringLiteral("networkPage"),
            tr("Limits per host, bandwidth and request rate, protocol, certificates and proxy"),
            { createConnectionsGroup() });
    addPage(tr("&Saving"), QStringLiteral("savingPage"),
            tr("Where bodies go, names already taken, checksums and a command for each URL"),
            { createSavingGroup(), createCommandsGroup() });
    addPage(tr("&Lists"), QStringLiteral("listsPage"), tr("How added lists are read"),
            { createListsGroup() });
    Q_ASSERT(m_pages->count() == PageCount);
    // Ctrl+Page Down and Up as in browsers and KDE's tabbed windows; QTabWidget itself (Qt 6.4)
    // knows only Ctrl+Tab and Ctrl+Shift+Tab.
    for (const auto &[key, step] :
         { std::pair { Qt::Key_PageDown, 1 }, std::pair { Qt::Key_PageUp, -1 } }) {
        auto *turn = new QShortcut(QKeySequence(Qt::CTRL | key), this);
        connect(turn, &QShortcut::activated, m_pages, [this, step = step] {
            const int count = m_pages->count();
            m_pages->setCurrentIndex((m_pages->currentIndex() + step + count) % count);
            // What QTabWidget does on Ctrl+Tab: focus that left with the old page goes to the tabs.
            if (!QApplication::focusWidget())
                m_pages->tabBar()->setFocus(Qt::TabFocusReason);
        });
    }
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel
                                     | QDialogButtonBox::RestoreDefaults);
    // The box takes Tab focus itself (to pass it on to a button), so it needs a name too.
    m_buttons->setAccessibleName(tr("Dialog buttons"));
    QPushButton *restore = m_buttons->button(QDialogButtonBox::RestoreDefaults);
    restore->setText(tr("Restore &Defaults"));
    restore->setToolTip(tr("Set everything in this dialog back to its default. The number of "
                           "parallel downloads, set in the main window, stays as it is."));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(restore, &QPushButton::clicked, this, &SettingsDialog::restoreDefaults);
    layout->addWidget(m_buttons);

    setFields(options);

    // As tall as the tallest page, no taller than the screen it opens on (less its title bar).
    const QScreen *shownOn = parent ? parent->screen() : screen();
    QSize wanted = sizeHint();
    if (shownOn)
        wanted.setHeight(
            std::min(wanted.height(), shownOn->availableGeometry().height() - TitleBarAllowance));
    resize(wanted);
}

void SettingsDialog::addPage(const QString &title, const QString &objectName,
                             const QString &toolTip, std::initializer_list<QGroupBox *> groups)
{
    auto *page = new QWidget;
    auto *pageLayout = new QVBoxLayout(page);
    for (QGroupBox *group : groups)
        pageLayout->addWidget(group);
    pageLayout->addStretch();
    // In a scroll area: a page taller than a laptop's 768 px would push OK below the screen's
    // edge, where a dialog cannot be used.
    auto *scroll = new GroupsScrollArea;
    scroll->setObjectName(objectName);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setFocusPolicy(Qt::NoFocus);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidgetResizable(true);
    scroll->setWidget(page);
    // Tab scrolls by itself; a field reached by its mnemonic or a click is brought into view too.
    connect(qApp, &QApplication::focusChanged, scroll, [scroll, page](QWidget *, QWidget *now) {
        if (now && page->isAncestorOf(now))
            scroll->ensureWidgetVisible(now);
    });
    m_pages->setTabToolTip(m_pages->addTab(scroll, title), toolTip);
    m_pageToolTips.append(toolTip);
}
HeaderList SettingsDialog::parsedHeaders(QStringList *problems) const
{
    HeaderList headers;
    QHash<QByteArray, int> firstLine; // lower-case name -> line number
    const QStringList lines = m_headers->toPlainText().split(QLatin1Char('\n'));
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const QString &line = lines.at(index);
        const int number = int(index + 1);
        if (line.trimmed().isEmpty())
            continue;
        QString error;
        const auto header = FetchOptions::parseHeader(line, &error);
        if (!header) {
            if (problems)
                problems->append(tr("Line %1: %2").arg(number).arg(error));
            continue;
        }
        // A request carries one value per name (the engine sets, not adds), so a second line
        // with the same name would silently replace the first.
        const QByteArray lowerName = header->first.toLower();
        if (const auto it = firstLine.constFind(lowerName); it != firstLine.cend()) {
            if (problems)
                problems->append(tr("Line %1: '%2' is already set on line %3")
                                     .arg(number)
                                     .arg(QString::fromLatin1(header->first))
                                     .arg(*it));
            continue;
        }
        firstLine.insert(lowerName, number);
        headers.append(*header);
    }
    return headers;
}

QString SettingsDialog::userAgentProblem() const
{
    // A line break would let the field add header lines of its own to every request.
    const QString forbidden = FetchOptions::forbiddenInHeaderValue(m_userAgent->text().trimmed());
    if (forbidden.isEmpty())
        return {};
    return tr("The user agent cannot contain %1: it is sent as a header.").arg(forbidden);
}

QString SettingsDialog::directoryProblem() const
{
    // Only when bodies are fetched: in HEAD mode the whole Saving group is off.
    if (m_getButton->isChecked() && m_saveBodies->isChecked()
        && m_directory->text().trimmed().isEmpty())
        return tr("Choose a folder, or clear \"Save bodies to\".");
    return {};
}

QString SettingsDialog::caFileProblem() const
{
    const QString path = m_caFile->text().trimmed();
    QString error;
    if (path.isEmpty() || checkCaFile(path, &error))
        return {};
    return error;
}

void SettingsDialog::readCookiesFile()
{
    const QString path = m_cookiesFile->text().trimmed();
    if (path == m_cookiesPath)
        return;
    m_cookiesPath = path;
    m_cookiesError.clear();
    m_cookies = nullptr;
    if (path.isEmpty())
        return;
    if (auto cookies = CookieFile::read(path, &m_cookiesError))
        m_cookies = std::make_shared<const QList<CookieFile::Cookie>>(std::move(*cookies));
}

QString SettingsDialog::cookiesFileProblem() const
{
    return m_cookiesError;
}

void SettingsDialog::readChecksumsFile()
{
    const QString path = m_checksumsFile->text().trimmed();
    if (path == m_checksumsPath)
        return;
    m_checksumsPath = path;
    m_checksumsError.clear();
    m_checksums = nullptr;
    if (path.isEmpty())
        return;
    if (auto byName = ChecksumFile::read(path, &m_checksumsError))
        m_checksums = std::make_shared<const ChecksumFile::ByName>(std::move(*byName));
}

QString SettingsDialog::checksumsFileProblem() const
{
    // HEAD brings no bodies to check, as for the folder.
    return m_getButton->isChecked() ? m_checksumsError : QString();
}

void SettingsDialog::checkOnComplete()
{
    m_onCompleteError.clear();
    QStringList command;
    if (const QString text = m_onComplete->text().trimmed(); !text.isEmpty())
        CompletionCommand::parse(text, &command, &m_onCompleteError);
}

QString SettingsDialog::proxySetting() const
{
    // The field shows the password masked: while it still shows the stored proxy, the stored
    // one (with its password) is kept.
    QString text = m_proxy->text().trimmed();
    if (text == ProxyUrl::displayText(m_base.proxy))
        return m_base.proxy;
    if (text.compare(ProxyUrl::NoProxyWord, Qt::CaseInsensitive) == 0)
        return ProxyUrl::NoProxyWord;
    return text;
}

QString SettingsDialog::proxyProblem() const
{
    const QString setting = proxySetting();
    QString error;
    if (setting.isEmpty() || setting == ProxyUrl::NoProxyWord || ProxyUrl::parse(setting, &error))
        return {};
    return error;
}

QStringList SettingsDialog::problems() const
{
    QStringList problems;
    if (const QString agentProblem = userAgentProblem(); !agentProblem.isEmpty())
        problems.append(agentProblem);
    parsedHeaders(&problems);
    for (const QString &problem :
         { caFileProblem(), proxyProblem(), directoryProblem(), cookiesFileProblem(),
           checksumsFileProblem(), m_onCompleteError }) {
        if (!problem.isEmpty())
            problems.append(problem);
    }
    return problems;
}

void SettingsDialog::updateState()
{
    const bool fetchBodies = m_getButton->isChecked();
    m_modeLabel->setBuddy(fetchBodies ? m_getButton : m_headButton);
    // HEAD brings no bodies, so there is nothing to save or hash; the values are kept.
    m_savingGroup->setEnabled(fetchBodies);
    m_directory->setEnabled(m_saveBodies->isChecked());
    m_browse->setEnabled(m_saveBodies->isChecked());
    m_existingFile->setEnabled(m_saveBodies->isChecked());

    // What is wrong, shown under the field it is about (and read with it by a screen reader).
    const auto show = [](QFormLayout *form, QLabel *label, QWidget *field,
                         const QStringList &problems) {
        showProblems(label, problems);
        form->setRowVisible(label, !problems.isEmpty());
        if (field)
            field->setAccessibleDescription(problems.isEmpty() ? field->toolTip()
                                                               : problems.join(QLatin1Char('\n')));
    };
    const auto listed = [](const QString &problem) {
        return problem.isEmpty() ? QStringList() : QStringList { problem };
    };

    const QStringList agentProblem = listed(userAgentProblem());
    show(m_requestsForm, m_userAgentProblem, m_userAgent, agentProblem);
    QStringList headerProblems;
    parsedHeaders(&headerProblems);
    show(m_requestsForm, m_headerProblems, m_headers, headerProblems);
    const QStringList cookiesProblem = listed(cookiesFileProblem());
    show(m_requestsForm, m_cookiesProblem, m_cookiesFile, cookiesProblem);

    const QStringList caProblem = listed(caFileProblem());
    show(m_connectionsForm, m_caFileProblem, m_caFile, caProblem);
    const QStringList badProxy = listed(proxyProblem());
    show(m_connectionsForm, m_proxyProblem, m_proxy, badProxy);

    const QStringList folderProblem = listed(directoryProblem());
    show(m_savingForm, m_directoryProblem, nullptr, folderProblem);
    const QStringList checksumsProblem = listed(checksumsFileProblem());
    show(m_savingForm, m_checksumsProblem, m_checksumsFile, checksumsProblem);
    const QStringList commandProblem = listed(m_onCompleteError);
    show(m_commandsForm, m_onCompleteProblem, m_onComplete, commandProblem);

    // A problem line may need more width than the page had: its scroll area asks again.
    for (int page = 0; page < PageCount; ++page)
        m_pages->widget(page)->updateGeometry();

    // A problem on a page that is not shown would leave OK disabled for no visible reason: its
    // tab says so.
    QStringList pageProblems[PageCount];
    pageProblems[RequestsPage] = agentProblem + headerProblems + cookiesProblem;
    pageProblems[NetworkPage] = caProblem + badProxy;
    pageProblems[SavingPage] = folderProblem + checksumsProblem + commandProblem;
    bool acceptable = true;
    for (int page = 0; page < PageCount; ++page) {
        const QStringList &problems = pageProblems[page];
        acceptable = acceptable && problems.isEmpty();
        m_pages->setTabIcon(
            page,
            problems.isEmpty() ? QIcon() : style()->standardIcon(QStyle::SP_MessageBoxWarning));
        m_pages->setTabToolTip(page,
                               problems.isEmpty() ? m_pageToolTips.at(page)
                                                  : m_pageToolTips.at(page) + QStringLiteral("\n\n")
                                       + problems.join(QLatin1Char('\n')));
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(acceptable);
}

void SettingsDialog::restoreDefaults()
{
    FetchOptions defaults;
    defaults.concurrency = m_base.concurrency;
    m_base = defaults;
    setFields(defaults);
    setPatternOptions(UrlPatternOptions());
}

void SettingsDialog::browseForDirectory()
{
    QString start = m_directory->text().trimmed();
    if (start.isEmpty())
        start = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Save Bodies To"), start);
    if (chosen.isEmpty())
        return;
    m_directory->setText(QDir::toNativeSeparators(chosen));
    m_saveBodies->setChecked(true);
}

void SettingsDialog::browseForCaFile()
{
    const QString chosen =
        QFileDialog::getOpenFileName(this, tr("Trusted CA File"), m_caFile->text().trimmed(),
                                     tr("PEM certificates (*.pem *.crt *.cer);;All files (*)"));
    if (!chosen.isEmpty())
        m_caFile->setText(QDir::toNativeSeparators(chosen));
}

void SettingsDialog::accept()
{
    // OK is disabled while there are problems, but Enter can still reach accept().
    if (!problems().isEmpty())
        return;
    QDialog::accept();
}

} // namespace Parafetch
