// SPDX-License-Identifier: GPL-3.0-or-later
// The Settings dialog: how each request is made, retried, where its body goes and what runs
// after it, on pages of tabs.
#pragma once

#include "fetchoptions.h"
#include "urlpattern.h"

#include <QDialog>
#include <QStringList>

#include <initializer_list>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTabWidget;

namespace Parafetch {

class RateSpinBox;

class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    // Concurrency is not shown here (the main window has its own spin box); it and the engine's
    // tuning values pass through options() unchanged.
    explicit SettingsDialog(const FetchOptions &options, QWidget *parent = nullptr);

    FetchOptions options() const;
    // How added lists read URL patterns: a group of its own, kept apart from FetchOptions.
    void setPatternOptions(const UrlPatternOptions &options);
    UrlPatternOptions patternOptions() const;

    // What keeps OK disabled, one entry per problem, as shown under the fields; empty when the
    // settings can be accepted.
    QStringList problems() const;

    void accept() override;

    // The pages, in the order of their tabs; the dialog opens on the first.
    enum Page { RequestsPage, NetworkPage, SavingPage, ListsPage, PageCount };

private:
    void addPage(const QString &title, const QString &objectName, const QString &toolTip,
                 std::initializer_list<QGroupBox *> groups);
    QGroupBox *createRequestsGroup();
    QGroupBox *createRetriesGroup();
    QGroupBox *createConnectionsGroup();
    QGroupBox *createSavingGroup();
    QGroupBox *createCommandsGroup();
    QGroupBox *createListsGroup();
    void addRow(QFormLayout *form, const QString &label, QWidget *field, QWidget *accessibleField,
                const QString &toolTip);

    void setFields(const FetchOptions &options);
    void restoreDefaults();
    void browseForDirectory();
    void browseForCaFile();
    void updateState();
    HeaderList parsedHeaders(QStringList *problems) const;
    QString userAgentProblem() const;
    QString directoryProblem() const;
    QString caFileProblem() const;
    void readCookiesFile(); // when the field's path changes
    QString cookiesFileProblem() const;
    void readChecksumsFile(); // when the field's path changes
    QString checksumsFileProblem() const;
    void checkOnComplete(); // when the command changes: it looks the program up on PATH
    QString proxySetting() const; // what the Proxy field stands for (FetchOptions::proxy)
    QString proxyProblem() const;

    // Values this dialog does not edit; Restore Defaults resets them except the concurrency.
    FetchOptions m_base;

    QTabWidget *m_pages = nullptr;
    QStringList m_pageToolTips; // what each page holds; problems are added below

    QLabel *m_modeLabel = nullptr;
    QButtonGroup *m_methodGroup = nullptr;
    QRadioButton *m_getButton = nullptr;
    QRadioButton *m_headButton = nullptr;
    QDoubleSpinBox *m_timeout = nullptr;
    QDoubleSpinBox *m_idleTimeout = nullptr;
    QSpinBox *m_maxRedirects = nullptr;
    QLineEdit *m_userAgent = nullptr;
    QLabel *m_userAgentProblem = nullptr;
    QPlainTextEdit *m_headers = nullptr;
    QFormLayout *m_requestsForm = nullptr;
    QLabel *m_headerProblems = nullptr;

    QSpinBox *m_retries = nullptr;
    QSpinBox *m_retryDelay = nullptr;

    QFormLayout *m_connectionsForm = nullptr;
    QSpinBox *m_perHost = nullptr;
    RateSpinBox *m_limitRatePerUrl = nullptr;
    QDoubleSpinBox *m_requestRate = nullptr;
    QDoubleSpinBox *m_perHostInterval = nullptr;
    QComboBox *m_protocol = nullptr;
    QLineEdit *m_caFile = nullptr;
    QPushButton *m_caBrowse = nullptr;
    QLabel *m_caFileProblem = nullptr;
    QLineEdit *m_cookiesFile = nullptr;
    QLabel *m_cookiesProblem = nullptr;
    // The cookie jar as last read: its path, what was wrong with it, or its cookies.
    QString m_cookiesPath;
    QString m_cookiesError;
    std::shared_ptr<const QList<CookieFile::Cookie>> m_cookies;
    QLineEdit *m_proxy = nullptr;
    QLabel *m_proxyProblem = nullptr;

    QGroupBox *m_savingGroup = nullptr;
    QFormLayout *m_savingForm = nullptr;
    QCheckBox *m_saveBodies = nullptr;
    QLineEdit *m_directory = nullptr;
    QPushButton *m_browse = nullptr;
    QLabel *m_directoryProblem = nullptr;
    QComboBox *m_existingFile = nullptr;
    QCheckBox *m_computeSha256 = nullptr;
    QLineEdit *m_checksumsFile = nullptr;
    QPushButton *m_checksumsBrowse = nullptr;
    QLabel *m_checksumsProblem = nullptr;
    // The checksums file as last read: its path, what was wrong with it, or its checksums.
    QString m_checksumsPath;
    QString m_checksumsError;
    std::shared_ptr<const QHash<QString, Sha256Digest>> m_checksums;

    QFormLayout *m_commandsForm = nullptr;
    QLineEdit *m_onComplete = nullptr;
    QLabel *m_onCompleteProblem = nullptr;
    QString m_onCompleteError; // what CompletionCommand::parse said of it, empty when fine

    QCheckBox *m_expandPatterns = nullptr;
    QSpinBox *m_patternLimit = nullptr;

    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace Parafetch
