// SPDX-License-Identifier: GPL-3.0-or-later
// The Settings dialog's pages: each field in reading order with its range, words and tool tip,
// and the values the fields show (setFields) and give (options).
#include "settingsdialog.h"

#include "formatting.h"
#include "proxyurl.h"
#include "ratespinbox.h"
#include "settingsstore.h"
#include "units.h"

#include <QAction>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <cmath>

namespace Parafetch {

namespace {

// Milliseconds are what the engine counts, so a value set on the command line (0.25 s) survives
// a visit to this dialog unchanged.
constexpr int SecondsDecimals = 3;
constexpr double TimeoutStepSeconds = 1.0;
constexpr int RetryDelayStepMs = 100;
// Room for a few headers without the dialog growing tall; more scroll.
constexpr int HeaderEditorLines = 4;
constexpr int MaxRequestsPerSecond = 1'000'000; // as --rate allows
constexpr int MaxPerHostIntervalSeconds = 24 * 60 * 60;
constexpr double RequestRateResolution = 0.0005; // half the box's last decimal

// Shows "30 s" rather than "30.000 s": the three decimals are there for exactness, not to be
// read. Parsing is QDoubleSpinBox's own, so "1.5" and "1.500" are both accepted.
class SecondsSpinBox final : public QDoubleSpinBox
{
    Q_DISABLE_COPY_MOVE(SecondsSpinBox)
public:
    using QDoubleSpinBox::QDoubleSpinBox;

protected:
    QString textFromValue(double value) const override
    {
        QString text = locale().toString(value, 'f', decimals());
        if (!isGroupSeparatorShown())
            text.remove(locale().groupSeparator());
        const QString point = locale().decimalPoint();
        if (text.contains(point)) {
            while (text.endsWith(locale().zeroDigit()))
                text.chop(locale().zeroDigit().size());
            if (text.endsWith(point))
                text.chop(point.size());
        }
        return text;
    }
};
int secondsToMs(double seconds)
{
    return int(std::lround(seconds * Units::MsPerSecond));
}

double msToSeconds(int ms)
{
    return double(ms) / Units::MsPerSecond;
}
// "&Extra headers:" -> "Extra headers", for screen readers.
QString accessibleText(const QString &label)
{
    QString text = label;
    text.remove(QLatin1Char('&'));
    text = text.trimmed();
    if (text.endsWith(QLatin1Char(':')))
        text.chop(1);
    return text.trimmed();
}
// A line edit with its Browse button beside it, as one form field.
QWidget *withButton(QLineEdit *field, QPushButton *button)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(QMargins());
    layout->addWidget(field, 1);
    layout->addWidget(button);
    return row;
}

// The line under a field that says what is wrong with it; plain text, as it quotes what was typed.
QLabel *problemLabel(const char *objectName, const QString &accessibleName)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1String(objectName));
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setAccessibleName(accessibleName);
    return label;
}
QString headerText(const HeaderList &headers)
{
    QStringList lines;
    for (const auto &[name, value] : headers)
        lines.append(QString::fromLatin1(name) + QLatin1String(": ") + QString::fromUtf8(value));
    return lines.join(QLatin1Char('\n'));
}

} // namespace

void SettingsDialog::addRow(QFormLayout *form, const QString &label, QWidget *field,
                            QWidget *accessibleField, const QString &toolTip)
{
    auto *labelWidget = new QLabel(label);
    labelWidget->setBuddy(accessibleField);
    labelWidget->setToolTip(toolTip);
    accessibleField->setToolTip(toolTip);
    accessibleField->setAccessibleName(accessibleText(label));
    accessibleField->setAccessibleDescription(toolTip);
    form->addRow(labelWidget, field);
}

QGroupBox *SettingsDialog::createRequestsGroup()
{
    auto *group = new QGroupBox(tr("Requests"));
    m_requestsForm = new QFormLayout(group);

    m_getButton = new QRadioButton(tr("Fetch &bodies (GET)"));
    m_getButton->setObjectName(QStringLiteral("getButton"));
    m_getButton->setAccessibleName(accessibleText(m_getButton->text()));
    m_getButton->setToolTip(tr("Download each body: its size and time are measured, and it can "
                               "be saved and hashed (see Saving)."));
    m_headButton = new QRadioButton(tr("&Check links only (HEAD)"));
    m_headButton->setObjectName(QStringLiteral("headButton"));
    m_headButton->setAccessibleName(accessibleText(m_headButton->text()));
    m_headButton->setToolTip(tr("Ask for the headers only: shows whether each link answers and "
                                "with what status, without downloading bodies. A few servers "
                                "answer HEAD differently from GET."));
    m_methodGroup = new QButtonGroup(this);
    m_methodGroup->addButton(m_getButton);
    m_methodGroup->addButton(m_headButton);
    auto *modes = new QWidget;
    auto *modesLayout = new QVBoxLayout(modes);
    modesLayout->setContentsMargins(QMargins());
    modesLayout->addWidget(m_getButton);
    modesLayout->addWidget(m_headButton);
    // The label's mnemonic moves focus to the chosen mode (its buddy follows the choice, see
    // updateState()); a fixed buddy would be clicked and change the mode.
    m_modeLabel = new QLabel(tr("&Mode:"));
    m_requestsForm->addRow(m_modeLabel, modes);
    connect(m_methodGroup, &QButtonGroup::buttonToggled, this, &SettingsDialog::updateState);

    m_timeout = new SecondsSpinBox;
    m_timeout->setObjectName(QStringLiteral("timeout"));
    m_timeout->setDecimals(SecondsDecimals);
    m_timeout->setRange(0, msToSeconds(SettingsStore::MaxTimeoutMs));
    m_timeout->setSingleStep(TimeoutStepSeconds);
    m_timeout->setSuffix(tr(" s", "seconds"));
    m_timeout->setSpecialValueText(tr("No limit"));
    addRow(m_requestsForm, tr("&Timeout per attempt:"), m_timeout, m_timeout,
           tr("The longest one attempt may take in all: connecting, waiting for the answer and "
              "receiving the whole body. A large download that is slow but steady is cut off "
              "too. \"No limit\" leaves it to the idle timeout."));

    m_idleTimeout = new SecondsSpinBox;
    m_idleTimeout->setObjectName(QStringLiteral("idleTimeout"));
    m_idleTimeout->setDecimals(SecondsDecimals);
    m_idleTimeout->setRange(0, msToSeconds(SettingsStore::MaxTimeoutMs));
    m_idleTimeout->setSingleStep(TimeoutStepSeconds);
    m_idleTimeout->setSuffix(tr(" s", "seconds"));
    m_idleTimeout->setSpecialValueText(tr("No limit"));
    addRow(m_requestsForm, tr("&Idle timeout:"), m_idleTimeout, m_idleTimeout,
           tr("Give up an attempt when no data has arrived for this long. The clock restarts "
              "with every piece of data, so a stalled server is caught without cutting off a "
              "large download that is still moving."));

    m_maxRedirects = new QSpinBox;
    m_maxRedirects->setObjectName(QStringLiteral("maxRedirects"));
    m_maxRedirects->setRange(0, SettingsStore::MaxRedirects);
    m_maxRedirects->setSpecialValueText(tr("None", "no redirects are followed"));
    addRow(m_requestsForm, tr("M&aximum redirects:"), m_maxRedirects, m_maxRedirects,
           tr("How many redirects to follow for one URL; the table's details show where it "
              "ended. One more fails with \"too many redirects\". \"None\" makes every redirect "
              "fail."));

    m_userAgent = new QLineEdit;
    m_userAgent->setObjectName(QStringLiteral("userAgent"));
    m_userAgent->setPlaceholderText(QString::fromUtf8(FetchOptions::defaultUserAgent()));
    m_userAgent->setClearButtonEnabled(true);
    addRow(m_requestsForm, tr("&User agent:"), m_userAgent, m_userAgent,
           tr("The User-Agent header sent with every request. Leave it empty to send %1.")
               .arg(QString::fromUtf8(FetchOptions::defaultUserAgent())));
    connect(m_userAgent, &QLineEdit::textChanged, this, &SettingsDialog::updateState);

    m_userAgentProblem = problemLabel("userAgentProblem", tr("Problem with the user agent"));
    m_requestsForm->addRow(QString(), m_userAgentProblem);

    m_headers = new QPlainTextEdit;
    m_headers->setObjectName(QStringLiteral("headers"));
    m_headers->setPlaceholderText(tr("Accept-Language: en\nAuthorization: Bearer …"));
    // Tab must leave the field, or a keyboard user is stuck in it.
    m_headers->setTabChangesFocus(true);
    m_headers->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_headers->setFixedHeight(
        m_headers->fontMetrics().lineSpacing() * HeaderEditorLines
        + 2 * (m_headers->frameWidth() + int(m_headers->document()->documentMargin())));
    addRow(m_requestsForm, tr("E&xtra headers:"), m_headers, m_headers,
           tr("Request headers sent with every request, one \"Name: value\" per line. They are "
              "saved with your settings in plain text, so mind secrets such as Authorization "
              "tokens."));
    connect(m_headers, &QPlainTextEdit::textChanged, this, &SettingsDialog::updateState);

    m_headerProblems = problemLabel("headerProblems", tr("Problems with the extra headers"));
    m_requestsForm->addRow(QString(), m_headerProblems);

    m_cookiesFile = new QLineEdit;
    m_cookiesFile->setObjectName(QStringLiteral("cookiesFile"));
    m_cookiesFile->setPlaceholderText(tr("None: no cookies are sent"));
    m_cookiesFile->setClearButtonEnabled(true);
    // Chosen through an action in the field (as its clear button), which leaves the Requests
    // page's letters to its fields.
    QAction *browse = m_cookiesFile->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton),
                                               QLineEdit::TrailingPosition);
    browse->setObjectName(QStringLiteral("cookiesBrowse"));
    browse->setText(tr("Choose a cookies file"));
    browse->setToolTip(tr("Choose a cookies.txt file."));
    addRow(m_requestsForm, tr("Cookie &jar:"), m_cookiesFile, m_cookiesFile,
           tr("A cookies.txt in the Netscape format, as browsers' export extensions and curl "
              "write it (--cookies). Each request carries the cookies whose domain, path and "
              "flags allow it; nothing a server sets is kept."));
    // Read when its path changes, not at every keystroke elsewhere (updateState() runs then).
    connect(m_cookiesFile, &QLineEdit::textChanged, this, &SettingsDialog::readCookiesFile);
    connect(m_cookiesFile, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    connect(browse, &QAction::triggered, this, [this] {
        const QString chosen =
            QFileDialog::getOpenFileName(this, tr("Cookies File"), m_cookiesFile->text().trimmed(),
                                         tr("Cookies (*.txt);;All files (*)"));
        if (!chosen.isEmpty())
            m_cookiesFile->setText(QDir::toNativeSeparators(chosen));
    });
    m_cookiesProblem = problemLabel("cookiesProblem", tr("Problem with the cookies file"));
    m_requestsForm->addRow(QString(), m_cookiesProblem);

    return group;
}

QGroupBox *SettingsDialog::createRetriesGroup()
{
    auto *group = new QGroupBox(tr("Retries"));
    auto *form = new QFormLayout(group);

    m_retries = new QSpinBox;
    m_retries->setObjectName(QStringLiteral("retries"));
    m_retries->setRange(0, FetchOptions::MaxRetries);
    m_retries->setSpecialValueText(tr("None", "no retries"));
    addRow(form, tr("R&etries:"), m_retries, m_retries,
           tr("How many more times to try a URL after a connection error, a timeout, a 5xx "
              "answer or 429 (Too Many Requests). Other answers, such as 404, are final."));

    m_retryDelay = new QSpinBox;
    m_retryDelay->setObjectName(QStringLiteral("retryDelay"));
    m_retryDelay->setRange(0, SettingsStore::MaxRetryBaseDelayMs);
    m_retryDelay->setSingleStep(RetryDelayStepMs);
    m_retryDelay->setSuffix(tr(" ms", "milliseconds"));
    addRow(form, tr("&First retry delay:"), m_retryDelay, m_retryDelay,
           tr("How long to wait before the first retry. The wait doubles with every further "
              "retry, up to %1 s, and a server's Retry-After is honoured.")
               .arg(formatPlainSeconds(FetchOptions::DefaultRetryMaxDelayMs)));

    return group;
}

QGroupBox *SettingsDialog::createConnectionsGroup()
{
    auto *group = new QGroupBox(tr("Connections"));
    m_connectionsForm = new QFormLayout(group);

    m_perHost = new QSpinBox;
    m_perHost->setObjectName(QStringLiteral("perHost"));
    m_perHost->setRange(0, FetchOptions::MaxPerHost);
    m_perHost->setSpecialValueText(tr("Off", "no limit per host"));
    addRow(m_connectionsForm, tr("Per &host (polite mode):"), m_perHost, m_perHost,
           tr("At most this many requests to one host at once, however many downloads run in "
              "parallel, so that a long list from one site does not hammer it. \"Off\" leaves "
              "only the number of parallel downloads as the limit."));

    m_limitRatePerUrl = new RateSpinBox;
    m_limitRatePerUrl->setObjectName(QStringLiteral("limitRatePerUrl"));
    addRow(m_connectionsForm, tr("&Cap each URL at:"), m_limitRatePerUrl, m_limitRatePerUrl,
           tr("At most this many bytes per second for each download (as 512K or 1.5M); the tool "
              "bar's Limit caps the whole run. Applies to downloads that start after OK."));

    m_requestRate = new SecondsSpinBox;
    m_requestRate->setObjectName(QStringLiteral("requestRate"));
    m_requestRate->setDecimals(SecondsDecimals);
    m_requestRate->setRange(0, double(MaxRequestsPerSecond));
    m_requestRate->setSuffix(tr("/s", "requests per second"));
    m_requestRate->setSpecialValueText(tr("No limit"));
    addRow(m_connectionsForm, tr("R&equests per second:"), m_requestRate, m_requestRate,
           tr("Start at most this many URLs a second, however many downloads run in parallel: "
              "for servers that ban by request rate (--rate). 0.5 is one every 2 s."));

    m_perHostInterval = new SecondsSpinBox;
    m_perHostInterval->setObjectName(QStringLiteral("perHostInterval"));
    m_perHostInterval->setDecimals(SecondsDecimals);
    m_perHostInterval->setRange(0, double(MaxPerHostIntervalSeconds));
    m_perHostInterval->setSuffix(tr(" s", "seconds"));
    m_perHostInterval->setSpecialValueText(tr("Off", "no interval per host"));
    addRow(m_connectionsForm, tr("Per-host &interval:"), m_perHostInterval, m_perHostInterval,
           tr("Polite mode: start a URL on one host at most once in this many seconds; other "
              "hosts' URLs go on meanwhile (--per-host-interval)."));

    m_protocol = new QComboBox;
    m_protocol->setObjectName(QStringLiteral("protocol"));
    m_protocol->addItem(tr("Automatic"), int(FetchOptions::HttpVersion::Auto));
    m_protocol->addItem(tr("HTTP/1.1 only"), int(FetchOptions::HttpVersion::Http1_1));
    m_protocol->addItem(tr("HTTP/2"), int(FetchOptions::HttpVersion::Http2));
    addRow(m_connectionsForm, tr("&Protocol:"), m_protocol, m_protocol,
           tr("Automatic: over https HTTP/2 when the server offers it, else HTTP/1.1; plain http "
              "is HTTP/1.1. HTTP/1.1 only: never HTTP/2 (--http1.1). HTTP/2: plain http too "
              "speaks HTTP/2 at once, to servers known to (--http2); https servers without "
              "HTTP/2 still get HTTP/1.1. Over HTTP/2 the parallel downloads to one server share "
              "one connection."));

    m_caFile = new QLineEdit;
    m_caFile->setObjectName(QStringLiteral("caFile"));
    m_caFile->setPlaceholderText(tr("None: only the system's certificate authorities"));
    m_caFile->setClearButtonEnabled(true);
    m_caBrowse = new QPushButton(tr("&Open…"));
    m_caBrowse->setObjectName(QStringLiteral("caBrowse"));
    m_caBrowse->setAccessibleName(tr("Browse for the trusted CA file"));
    m_caBrowse->setToolTip(tr("Choose a PEM file with the CA certificates to trust."));
    addRow(m_connectionsForm, tr("&Trusted CA file:"), withButton(m_caFile, m_caBrowse), m_caFile,
           tr("A PEM file of certificate authorities to trust for https, besides the system's: "
              "for servers with an in-house or self-signed certificate. Other certificate "
              "problems (expired, another host's) still fail."));
    connect(m_caFile, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    connect(m_caBrowse, &QPushButton::clicked, this, &SettingsDialog::browseForCaFile);

    m_caFileProblem = problemLabel("caFileProblem", tr("Problem with the trusted CA file"));
    m_connectionsForm->addRow(QString(), m_caFileProblem);

    m_proxy = new QLineEdit;
    m_proxy->setObjectName(QStringLiteral("proxy"));
    m_proxy->setPlaceholderText(tr("The system's proxy settings"));
    m_proxy->setClearButtonEnabled(true);
    addRow(m_connectionsForm, tr("Networ&k proxy:"), m_proxy, m_proxy,
           tr("Empty: the system's proxy settings. \"none\": no proxy at all (--no-proxy). "
              "Otherwise the proxy every request goes through (--proxy): http://HOST:PORT, "
              "socks5://HOST:PORT (names resolved here) or socks5h://HOST:PORT (by the proxy), "
              "with USER:PASSWORD@ before the host if it asks. The password is shown as ***. "
              "https:// proxies are not supported (Qt cannot speak TLS to a proxy)."));
    connect(m_proxy, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    m_proxyProblem = problemLabel("proxyProblem", tr("Problem with the proxy"));
    m_connectionsForm->addRow(QString(), m_proxyProblem);

    return group;
}

QGroupBox *SettingsDialog::createSavingGroup()
{
    m_savingGroup = new QGroupBox(tr("Saving"));
    m_savingGroup->setObjectName(QStringLiteral("savingGroup"));
    m_savingForm = new QFormLayout(m_savingGroup);

    m_saveBodies = new QCheckBox(tr("Save &bodies to:"));
    m_saveBodies->setObjectName(QStringLiteral("saveBodies"));
    m_saveBodies->setAccessibleName(accessibleText(m_saveBodies->text()));
    m_saveBodies->setToolTip(tr("Save each body as a file in this folder. A file is written as "
                                "NAME.part and renamed when it is complete; \"If the file "
                                "exists\" says what happens when its name is taken. When off, "
                                "bodies are only counted (and hashed)."));
    m_directory = new QLineEdit;
    m_directory->setObjectName(QStringLiteral("directory"));
    m_directory->setAccessibleName(tr("Folder for saved bodies"));
    m_directory->setToolTip(m_saveBodies->toolTip());
    m_directory->setPlaceholderText(tr("Folder for the downloaded files"));
    m_browse = new QPushButton(tr("Bro&wse…"));
    m_browse->setObjectName(QStringLiteral("browse"));
    m_browse->setAccessibleName(tr("Browse for the folder"));
    m_browse->setToolTip(tr("Choose the folder for the downloaded files."));
    m_savingForm->addRow(m_saveBodies, withButton(m_directory, m_browse));
    connect(m_saveBodies, &QCheckBox::toggled, this, &SettingsDialog::updateState);
    connect(m_directory, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    connect(m_browse, &QPushButton::clicked, this, &SettingsDialog::browseForDirectory);

    m_directoryProblem = problemLabel("directoryProblem", tr("Problem with the folder"));
    m_savingForm->addRow(QString(), m_directoryProblem);

    m_existingFile = new QComboBox;
    m_existingFile->setObjectName(QStringLiteral("existingFile"));
    // The words of FetchOptions::ExistingFile, each item's tool tip saying what it does.
    const struct
    {
        FetchOptions::ExistingFile policy;
        QString text;
        QString toolTip;
    } policies[] = {
        { FetchOptions::ExistingFile::Rename, tr("Save under a new name"),
          tr("Save under the next free name, \"NAME (1).ext\": a file already there is never "
             "touched.") },
        { FetchOptions::ExistingFile::Skip, tr("Skip if the same size and date"),
          tr("Leave a file already there when the server's copy has the same size and date (its "
             "Last-Modified, which saved files take as their modification time, as wget -N "
             "does). The server is asked with If-Modified-Since, so no body is sent, and the URL "
             "shows as Unchanged. Otherwise the body is saved under a new name.") },
        { FetchOptions::ExistingFile::Overwrite, tr("Overwrite"),
          tr("Replace a regular file under the name in one step, once the new body is complete "
             "and verified. A link, a folder or anything else under the name is never replaced "
             "or followed: the body is saved under a new name instead.") },
    };
    for (const auto &[policy, text, toolTip] : policies) {
        m_existingFile->addItem(text, int(policy));
        m_existingFile->setItemData(m_existingFile->count() - 1, toolTip, Qt::ToolTipRole);
    }
    addRow(m_savingForm, tr("&If the file exists:"), m_existingFile, m_existingFile,
           tr("What a download does when a file of its name is already in the folder. Names "
              "this run's own downloads take are always numbered: index.html, then "
              "index (1).html."));

    m_computeSha256 = new QCheckBox(tr("Com&pute SHA-256 of each body"));
    m_computeSha256->setObjectName(QStringLiteral("computeSha256"));
    m_computeSha256->setAccessibleName(accessibleText(m_computeSha256->text()));
    m_computeSha256->setToolTip(tr("Compute the SHA-256 checksum of every body, shown in the "
                                   "details and the exports. Costs some processor time on fast "
                                   "links."));
    m_savingForm->addRow(m_computeSha256);

    m_checksumsFile = new QLineEdit;
    m_checksumsFile->setObjectName(QStringLiteral("checksumsFile"));
    m_checksumsFile->setPlaceholderText(tr("None: only checksums given in the list are checked"));
    m_checksumsFile->setClearButtonEnabled(true);
    // "Open…" as the trusted CA file's button: a file is read; Browse… chooses a folder.
    m_checksumsBrowse = new QPushButton(tr("&Open…"));
    m_checksumsBrowse->setObjectName(QStringLiteral("checksumsBrowse"));
    m_checksumsBrowse->setAccessibleName(tr("Browse for the checksums file"));
    m_checksumsBrowse->setToolTip(tr("Choose a file that sha256sum wrote."));
    addRow(m_savingForm, tr("&Checksums file:"), withButton(m_checksumsFile, m_checksumsBrowse),
           m_checksumsFile,
           tr("What sha256sum wrote (--checksums): a body whose file name is listed there must "
              "have that SHA-256, or it fails with a checksum mismatch and is not kept. Checked "
              "whether bodies are saved or not; read again when Parafetch starts."));
    // Read when its path changes, not at every keystroke elsewhere (updateState() runs then).
    connect(m_checksumsFile, &QLineEdit::textChanged, this, &SettingsDialog::readChecksumsFile);
    connect(m_checksumsFile, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    connect(m_checksumsBrowse, &QPushButton::clicked, this, [this] {
        const QString chosen = QFileDialog::getOpenFileName(
            this, tr("Checksums File"), m_checksumsFile->text().trimmed(),
            tr("Checksums (SHA256SUMS *.sha256 *.txt);;All files (*)"));
        if (!chosen.isEmpty())
            m_checksumsFile->setText(QDir::toNativeSeparators(chosen));
    });
    m_checksumsProblem = problemLabel("checksumsProblem", tr("Problem with the checksums file"));
    m_savingForm->addRow(QString(), m_checksumsProblem);

    return m_savingGroup;
}

QGroupBox *SettingsDialog::createCommandsGroup()
{
    // Apart from Saving: a command runs in HEAD mode too.
    auto *group = new QGroupBox(tr("Commands"));
    group->setObjectName(QStringLiteral("commandsGroup"));
    m_commandsForm = new QFormLayout(group);

    m_onComplete = new QLineEdit;
    m_onComplete->setObjectName(QStringLiteral("onComplete"));
    m_onComplete->setPlaceholderText(tr("None: nothing is run"));
    m_onComplete->setClearButtonEnabled(true);
    addRow(m_commandsForm, tr("R&un on completion:"), m_onComplete, m_onComplete,
           tr("A command run for each URL that ends succeeded or failed (--on-complete). It is "
              "split into words by a shell's quotes and run without a shell; it finds the "
              "result in its environment: PARAFETCH_URL, PARAFETCH_STATUS, PARAFETCH_PATH, "
              "PARAFETCH_SHA256, PARAFETCH_HTTP_STATUS, PARAFETCH_BYTES, PARAFETCH_ERROR. For "
              "example: sh -c 'notify-send Parafetch \"$PARAFETCH_PATH\"'"));
    connect(m_onComplete, &QLineEdit::textChanged, this, &SettingsDialog::checkOnComplete);
    connect(m_onComplete, &QLineEdit::textChanged, this, &SettingsDialog::updateState);
    m_onCompleteProblem = problemLabel("onCompleteProblem", tr("Problem with the command"));
    m_commandsForm->addRow(QString(), m_onCompleteProblem);

    return group;
}

QGroupBox *SettingsDialog::createListsGroup()
{
    auto *group = new QGroupBox(tr("Lists"));
    group->setObjectName(QStringLiteral("listsGroup"));
    auto *form = new QFormLayout(group);

    m_expandPatterns = new QCheckBox(tr("&Expand URL patterns (glob), up to:"));
    m_expandPatterns->setObjectName(QStringLiteral("expandPatterns"));
    m_expandPatterns->setAccessibleName(accessibleText(m_expandPatterns->text()));
    m_expandPatterns->setToolTip(
        tr("Read [1-120], [001-120], [a-z], [1-100:10] and {one,two} in an added URL as curl "
           "does: one URL per value, several patterns multiply. When off, brackets and braces "
           "are part of the URL."));
    m_patternLimit = new QSpinBox;
    m_patternLimit->setObjectName(QStringLiteral("patternLimit"));
    m_patternLimit->setRange(1, int(UrlPatternOptions::MaxLimit));
    m_patternLimit->setGroupSeparatorShown(true);
    m_patternLimit->setSuffix(tr(" URLs per line"));
    m_patternLimit->setAccessibleName(tr("Most URLs one pattern may expand to"));
    m_patternLimit->setToolTip(tr("A line whose pattern would make more URLs adds none and is "
                                  "listed under Problems: a guard against a typing slip."));
    form->addRow(m_expandPatterns, m_patternLimit);
    connect(m_expandPatterns, &QCheckBox::toggled, m_patternLimit, &QWidget::setEnabled);
    setPatternOptions(UrlPatternOptions());
    return group;
}

void SettingsDialog::setPatternOptions(const UrlPatternOptions &options)
{
    m_expandPatterns->setChecked(options.expand);
    m_patternLimit->setValue(int(options.limit));
    m_patternLimit->setEnabled(options.expand);
}

UrlPatternOptions SettingsDialog::patternOptions() const
{
    UrlPatternOptions options;
    options.expand = m_expandPatterns->isChecked();
    options.limit = m_patternLimit->value();
    return options;
}

void SettingsDialog::setFields(const FetchOptions &options)
{
    (options.method == FetchOptions::Method::Head ? m_headButton : m_getButton)->setChecked(true);
    m_timeout->setValue(msToSeconds(options.timeoutMs));
    m_idleTimeout->setValue(msToSeconds(options.idleTimeoutMs));
    m_maxRedirects->setValue(options.maxRedirects);
    m_userAgent->setText(QString::fromUtf8(options.userAgent));
    m_headers->setPlainText(headerText(options.headers));
    m_retries->setValue(options.retries);
    m_retryDelay->setValue(options.retryBaseDelayMs);
    m_perHost->setValue(options.perHost);
    m_limitRatePerUrl->setBytesPerSecond(options.limitRatePerUrl);
    m_requestRate->setValue(options.startIntervalNs > 0
                                ? double(Units::NsPerSecond) / double(options.startIntervalNs)
                                : 0.0);
    m_perHostInterval->setValue(double(options.perHostIntervalNs) / double(Units::NsPerSecond));
    m_protocol->setCurrentIndex(m_protocol->findData(int(options.httpVersion)));
    m_caFile->setText(options.caFile);
    m_cookiesFile->setText(options.cookiesFile);
    m_proxy->setText(ProxyUrl::displayText(options.proxy));
    m_saveBodies->setChecked(!options.outputDirectory.isEmpty());
    // Unchecking keeps a folder typed before, so checking again brings it back.
    if (!options.outputDirectory.isEmpty())
        m_directory->setText(options.outputDirectory);
    m_existingFile->setCurrentIndex(m_existingFile->findData(int(options.existingFile)));
    m_computeSha256->setChecked(options.computeSha256);
    m_checksumsFile->setText(options.checksumsFile);
    m_onComplete->setText(options.onComplete);
    updateState();
}

FetchOptions SettingsDialog::options() const
{
    FetchOptions options = m_base;
    options.method =
        m_headButton->isChecked() ? FetchOptions::Method::Head : FetchOptions::Method::Get;
    options.timeoutMs = secondsToMs(m_timeout->value());
    options.idleTimeoutMs = secondsToMs(m_idleTimeout->value());
    options.maxRedirects = m_maxRedirects->value();
    options.userAgent = m_userAgent->text().trimmed().toUtf8();
    options.headers = parsedHeaders(nullptr);
    options.retries = m_retries->value();
    options.retryBaseDelayMs = m_retryDelay->value();
    options.perHost = m_perHost->value();
    options.limitRatePerUrl = m_limitRatePerUrl->bytesPerSecond();
    // Kept as it came while the box still shows it: three decimals cannot say every interval.
    const double perSecond = m_requestRate->value();
    const double basePerSecond = m_base.startIntervalNs > 0
        ? double(Units::NsPerSecond) / double(m_base.startIntervalNs)
        : 0.0;
    if (std::abs(perSecond - basePerSecond) >= RequestRateResolution)
        options.startIntervalNs =
            perSecond > 0 ? qint64(std::llround(double(Units::NsPerSecond) / perSecond)) : 0;
    options.perHostIntervalNs =
        qint64(std::llround(m_perHostInterval->value() * double(Units::NsPerSecond)));
    options.httpVersion = FetchOptions::HttpVersion(m_protocol->currentData().toInt());
    options.caFile = m_caFile->text().trimmed();
    options.cookiesFile = m_cookiesPath;
    options.cookies = m_cookies;
    options.proxy = proxySetting();
    options.outputDirectory = m_saveBodies->isChecked() ? m_directory->text() : QString();
    options.existingFile = FetchOptions::ExistingFile(m_existingFile->currentData().toInt());
    options.computeSha256 = m_computeSha256->isChecked();
    options.checksumsFile = m_checksumsPath;
    options.checksumsByName = m_checksums;
    options.onComplete = m_onComplete->text().trimmed();
    return options;
}

} // namespace Parafetch
