// SPDX-License-Identifier: GPL-3.0-or-later
// The Settings dialog, the settings store (QSettings and the last URL list) and the icons.
#include "checksumfile.h"
#include "settingsdialog.h"
#include "settingsstore.h"
#include "testsupport.h"

#include <QAbstractButton>
#include <QAccessible>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QGroupBox>
#include <QIcon>
#include <QImage>
#include <QImageReader>
#include <QKeySequence>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;

namespace {

constexpr int IconSize = 16; // the size the table and toolbars draw status icons at
constexpr int OpaqueAlpha = 128; // a pixel counts as drawn from half opacity up
// A list about the size users bring (USERS.md item 1), to show size is no problem for the file.
constexpr int LargeListLines = 100'000;
// More Tab presses than the dialog has stops, so a cycle is closed whatever the order.
constexpr int MaxTabPresses = 40;
// What a window manager's title bar and borders take: the dialog leaves it free.
constexpr int TitleBarAllowance = 64;
// Shorter than the Requests page, as on a netbook's screen.
constexpr int ShortDialogHeight = 300;
// Wider than any screen when drawn: a pasted line that only looks like a header.
constexpr int LongHeaderNameChars = 600;

QStringList headerLines(const HeaderList &headers)
{
    QStringList lines;
    for (const auto &[name, value] : headers)
        lines.append(QString::fromLatin1(name) + QLatin1String(": ") + QString::fromUtf8(value));
    return lines;
}

// "NAME HEX" per expected checksum, sorted; empty for none.
QStringList checksumLines(const QHash<QString, Sha256Digest> *byName)
{
    QStringList lines;
    if (byName) {
        for (auto it = byName->cbegin(); it != byName->cend(); ++it)
            lines.append(it.key() + QLatin1Char(' ') + QString::fromLatin1(it.value().toHex()));
    }
    lines.sort();
    return lines;
}

// Every field by name, so that a failed comparison says which fields differ.
QVariantMap fields(const FetchOptions &options)
{
    return {
        { QStringLiteral("concurrency"), options.concurrency },
        { QStringLiteral("method"),
          options.method == FetchOptions::Method::Head ? QStringLiteral("HEAD")
                                                       : QStringLiteral("GET") },
        { QStringLiteral("timeoutMs"), options.timeoutMs },
        { QStringLiteral("idleTimeoutMs"), options.idleTimeoutMs },
        { QStringLiteral("retries"), options.retries },
        { QStringLiteral("retryBaseDelayMs"), options.retryBaseDelayMs },
        { QStringLiteral("retryMaxDelayMs"), options.retryMaxDelayMs },
        { QStringLiteral("maxRetryAfterMs"), options.maxRetryAfterMs },
        { QStringLiteral("maxRedirects"), options.maxRedirects },
        { QStringLiteral("userAgent"), options.userAgent },
        { QStringLiteral("headers"), headerLines(options.headers) },
        { QStringLiteral("outputDirectory"), options.outputDirectory },
        { QStringLiteral("computeSha256"), options.computeSha256 },
        { QStringLiteral("readBufferBytes"), options.readBufferBytes },
        { QStringLiteral("caFile"), options.caFile },
        { QStringLiteral("perHost"), options.perHost },
        { QStringLiteral("protocol"), FetchOptions::httpVersionName(options.httpVersion) },
        { QStringLiteral("limitRate"), options.limitRate },
        { QStringLiteral("limitRatePerUrl"), options.limitRatePerUrl },
        { QStringLiteral("startIntervalNs"), options.startIntervalNs },
        { QStringLiteral("perHostIntervalNs"), options.perHostIntervalNs },
        { QStringLiteral("cookiesFile"), options.cookiesFile },
        { QStringLiteral("proxy"), options.proxy },
        { QStringLiteral("ifExists"), FetchOptions::existingFileName(options.existingFile) },
        { QStringLiteral("checksumsFile"), options.checksumsFile },
        { QStringLiteral("checksums"), checksumLines(options.checksumsByName.get()) },
        { QStringLiteral("onComplete"), options.onComplete },
    };
}

// "name: actual != expected" for each field that differs; empty when all are equal.
QStringList differences(const FetchOptions &actual, const FetchOptions &expected)
{
    const QVariantMap a = fields(actual);
    const QVariantMap e = fields(expected);
    QStringList differing;
    for (auto it = e.cbegin(); it != e.cend(); ++it) {
        if (a.value(it.key()) != it.value())
            differing.append(
                QStringLiteral("%1: %2 != %3")
                    .arg(it.key(), a.value(it.key()).toString(), it.value().toString()));
    }
    return differing;
}

// The values the settings store keeps; the engine's tuning values come back as defaults.
FetchOptions storedPart(const FetchOptions &options)
{
    const FetchOptions defaults;
    FetchOptions stored = options;
    stored.retryMaxDelayMs = defaults.retryMaxDelayMs;
    stored.maxRetryAfterMs = defaults.maxRetryAfterMs;
    stored.readBufferBytes = defaults.readBufferBytes;
    return stored;
}

// A CA file the dialog accepts.
QString testCaFile()
{
    return QFINDTESTDATA("data/tls/ca.pem");
}

// A checksums file the dialog accepts (sha256sum's output for two names), and what it holds.
QString testChecksumsFile()
{
    return QFINDTESTDATA("data/checksums/SHA256SUMS");
}

std::shared_ptr<const ChecksumFile::ByName> testChecksums()
{
    QString error;
    auto byName = ChecksumFile::read(testChecksumsFile(), &error);
    if (!byName)
        qFatal("%s", qPrintable(error));
    return std::make_shared<const ChecksumFile::ByName>(std::move(*byName));
}

FetchOptions everythingChanged()
{
    FetchOptions options;
    options.concurrency = 3;
    options.method = FetchOptions::Method::Head;
    options.timeoutMs = 90'000;
    options.idleTimeoutMs = 45'000;
    options.retries = 7;
    options.retryBaseDelayMs = 1'200;
    options.retryMaxDelayMs = 10'000;
    options.maxRetryAfterMs = 5'000;
    options.maxRedirects = 3;
    options.userAgent = "Checker/2.0 (+https://example.com/bot)";
    options.headers = { { "Accept", "text/html, application/json;q=0.9" },
                        { "Authorization", "Bearer \"abc\" def=" },
                        { "X-Empty", "" } };
    options.outputDirectory = QStringLiteral("/tmp/some folder/downloads");
    options.computeSha256 = false;
    options.readBufferBytes = 4 << 20;
    options.caFile = testCaFile();
    options.perHost = 4;
    options.httpVersion = FetchOptions::HttpVersion::Http1_1;
    options.limitRate = 3 * 1024 * 1024; // the tool bar's: the dialog passes it through
    options.limitRatePerUrl = 1536 * 1024;
    options.startIntervalNs = 1'000'000'000 / 3; // 3/s: kept exactly, though the box shows 3
    options.perHostIntervalNs = 2'500'000'000;
    options.proxy = QStringLiteral("socks5h://alice:pf-proxy-secret@127.0.0.1:1080");
    options.existingFile = FetchOptions::ExistingFile::Overwrite;
    options.checksumsFile = testChecksumsFile();
    options.checksumsByName = testChecksums();
    // Quotes and a variable, as typed: kept as text, split only when it runs.
    options.onComplete = QStringLiteral("sh -c 'echo \"$PARAFETCH_PATH\" >> done.log'");
    return options;
}

template<typename T> T *child(const QWidget &parent, const char *name)
{
    T *widget = parent.findChild<T *>(QLatin1String(name));
    if (!widget)
        qFatal("no %s named %s", T::staticMetaObject.className(), name);
    return widget;
}

QPushButton *okButton(const SettingsDialog &dialog)
{
    return child<QDialogButtonBox>(dialog, "")->button(QDialogButtonBox::Ok);
}

QTabWidget *pages(const SettingsDialog &dialog)
{
    return child<QTabWidget>(dialog, "settingsPages");
}

// The page (its scroll area) a widget is on.
QScrollArea *pageOf(const QWidget *widget)
{
    for (QWidget *parent = widget->parentWidget(); parent; parent = parent->parentWidget()) {
        if (auto *scroll = qobject_cast<QScrollArea *>(parent))
            return scroll;
    }
    qFatal("%s is on no page", qPrintable(widget->objectName()));
}

// Whether a widget is shown on its page, whichever page is in front.
bool shownOnItsPage(const QWidget *widget)
{
    return widget->isVisibleTo(pageOf(widget)->widget());
}

QString accessibleName(QWidget *widget)
{
    QAccessibleInterface *interface = QAccessible::queryAccessibleInterface(widget);
    return interface ? interface->text(QAccessible::Name) : QString();
}

// The widget that takes keyboard focus for `widget` (a spin box's editor stands for the box).
QWidget *focusOwner(QWidget *widget)
{
    while (widget && widget->focusProxy())
        widget = widget->focusProxy();
    if (auto *parent = widget ? widget->parentWidget() : nullptr;
        parent && parent->focusProxy() == widget)
        return parent;
    return widget;
}

} // namespace

Q_DECLARE_METATYPE(Parafetch::FetchOptions::HttpVersion)
Q_DECLARE_METATYPE(Parafetch::FetchOptions::ExistingFile)

class TestSettingsDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void dialogRoundTrip_data();
    void dialogRoundTrip();
    void secondsShowWithoutNeedlessDecimals_data();
    void secondsShowWithoutNeedlessDecimals();
    void typedSecondsBecomeMilliseconds();
    void invalidHeaderLineDisablesOk_data();
    void invalidHeaderLineDisablesOk();
    void userAgentThatWouldSplitTheRequestDisablesOk_data();
    void userAgentThatWouldSplitTheRequestDisablesOk();
    void problemsStayBelowTheFieldAndShort();
    void problemsNeverPushButtonsOutOfSight();
    void saveBodiesCheckboxControlsOutputDirectory();
    void headModeSwitchesSavingOff();
    void restoreDefaultsKeepsConcurrency();
    void everyLabelHasBuddyAndUniqueMnemonic();
    void everyControlHasNameAndToolTip();
    void everyControlIsReachableByTab_data();
    void everyControlIsReachableByTab();
    void mnemonicsSwitchTheMode();
    void fitsTheScreenAndScrollsToTheFocusedField();
    void caFileIsCheckedBeforeOk_data();
    void caFileIsCheckedBeforeOk();
    void proxyIsCheckedAndItsPasswordNeverShown_data();
    void proxyIsCheckedAndItsPasswordNeverShown();
    void perHostZeroIsOff();
    void protocolChoice_data();
    void protocolChoice();
    void existingFileChoice_data();
    void existingFileChoice();
    void checksumsFileIsCheckedBeforeOk_data();
    void checksumsFileIsCheckedBeforeOk();
    void onCompleteIsCheckedBeforeOk_data();
    void onCompleteIsCheckedBeforeOk();
    void mnemonicsReachOnlyTheShownPage();

    void storeRoundTrip_data();
    void storeRoundTrip();
    void storeWritesKeysUnderFetchGroup();
    void storeMissingKeysGiveDefaults();
    void patternOptionsRoundTrip_data();
    void patternOptionsRoundTrip();
    void storeClampsAndRejects_data();
    void storeClampsAndRejects();

    void lastListRoundTrip();
    void lastListLarge();
    void lastListEmptyRemovesFile();
    void lastListReportsFailure();

    void iconsRender_data();
    void iconsRender();

private:
    void addOptionRows();
    QString uniqueIniPath();

    QTemporaryDir m_dir;
    int m_iniFiles = 0;
};

void TestSettingsDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Number formats ("1234.5 s") and the last list's folder must not depend on the machine.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QCoreApplication::setOrganizationName(QStringLiteral("ParafetchTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_settingsdialog"));
    QStandardPaths::setTestModeEnabled(true);
}

void TestSettingsDialog::cleanup()
{
    const QString path = SettingsStore::lastListPath();
    if (QFileInfo(path).isDir())
        QDir(path).removeRecursively();
    else
        QFile::remove(path);
}

// QSettings caches a file by name and rereads it only when its time stamp or size changes, so
// two rows that write same-sized files within a second would read the first one's values.
QString TestSettingsDialog::uniqueIniPath()
{
    return m_dir.filePath(QStringLiteral("settings-%1.ini").arg(++m_iniFiles));
}

void TestSettingsDialog::cleanupTestCase()
{
    // Test mode put it under ~/.qttest; leave nothing behind there either.
    QDir data(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    data.removeRecursively();
    QDir().rmdir(QFileInfo(data.absolutePath()).absolutePath()); // the organisation's, if empty
}

void TestSettingsDialog::addOptionRows()
{
    QTest::addColumn<FetchOptions>("options");

    QTest::newRow("defaults stay defaults") << FetchOptions();
    QTest::newRow("every field changed, concurrency passes through") << everythingChanged();

    FetchOptions largest;
    largest.concurrency = FetchOptions::MaxConcurrency;
    largest.timeoutMs = SettingsStore::MaxTimeoutMs;
    largest.idleTimeoutMs = SettingsStore::MaxTimeoutMs;
    largest.retries = FetchOptions::MaxRetries;
    largest.retryBaseDelayMs = SettingsStore::MaxRetryBaseDelayMs;
    largest.maxRedirects = SettingsStore::MaxRedirects;
    largest.perHost = FetchOptions::MaxPerHost;
    QTest::newRow("largest values allowed") << largest;

    FetchOptions smallest;
    smallest.concurrency = FetchOptions::MinConcurrency;
    smallest.timeoutMs = 0;
    smallest.idleTimeoutMs = 0;
    smallest.retries = 0;
    smallest.retryBaseDelayMs = 0;
    smallest.maxRedirects = 0;
    smallest.computeSha256 = false;
    QTest::newRow("zero means no limit, no retries, no redirects") << smallest;

    FetchOptions milliseconds;
    milliseconds.timeoutMs = 1;
    milliseconds.idleTimeoutMs = 1'234'567;
    QTest::newRow("milliseconds survive the seconds fields") << milliseconds;

    FetchOptions unicode;
    unicode.userAgent = QStringLiteral("Prüfer/1 (Zürich)").toUtf8();
    unicode.headers = { { "X-Greeting", QStringLiteral("grüß dich, \"welt\"").toUtf8() } };
    unicode.outputDirectory = QStringLiteral("/tmp/Übersicht, 2024");
    QTest::newRow("non-ASCII agent, header value and folder") << unicode;
}

void TestSettingsDialog::dialogRoundTrip_data()
{
    addOptionRows();
}

void TestSettingsDialog::dialogRoundTrip()
{
    QFETCH(FetchOptions, options);
    const SettingsDialog dialog(options);
    QCOMPARE(differences(dialog.options(), options), QStringList());
    QVERIFY(okButton(dialog)->isEnabled());
    QCOMPARE(dialog.problems(), QStringList());
}

void TestSettingsDialog::secondsShowWithoutNeedlessDecimals_data()
{
    QTest::addColumn<int>("idleTimeoutMs");
    QTest::addColumn<QString>("shown");
    QTest::newRow("whole seconds") << 30'000 << QStringLiteral("30 s");
    QTest::newRow("a quarter second") << 250 << QStringLiteral("0.25 s");
    QTest::newRow("zero is no limit") << 0 << QStringLiteral("No limit");
    QTest::newRow("thousands without separator") << 1'234'567 << QStringLiteral("1234.567 s");
}

void TestSettingsDialog::secondsShowWithoutNeedlessDecimals()
{
    QFETCH(int, idleTimeoutMs);
    QFETCH(QString, shown);
    FetchOptions options;
    options.idleTimeoutMs = idleTimeoutMs;
    const SettingsDialog dialog(options);
    QCOMPARE(child<QDoubleSpinBox>(dialog, "idleTimeout")->text(), shown);
}

void TestSettingsDialog::typedSecondsBecomeMilliseconds()
{
    SettingsDialog dialog(FetchOptions {});
    auto *timeout = child<QDoubleSpinBox>(dialog, "timeout");
    timeout->selectAll();
    QTest::keyClicks(timeout, QStringLiteral("2.5"));
    QCOMPARE(dialog.options().timeoutMs, 2'500);

    auto *retryDelay = child<QSpinBox>(dialog, "retryDelay");
    retryDelay->selectAll();
    QTest::keyClicks(retryDelay, QStringLiteral("750"));
    QCOMPARE(dialog.options().retryBaseDelayMs, 750);
}

void TestSettingsDialog::invalidHeaderLineDisablesOk_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("badLine");
    QTest::addColumn<QString>("fixedText");
    QTest::addColumn<QStringList>("fixedHeaders");

    QTest::newRow("line 2 has no colon")
        << QStringLiteral("Accept: */*\nnot a header\n") << 2
        << QStringLiteral("Accept: */*\nX-Note: a header\n")
        << QStringList { QStringLiteral("Accept: */*"), QStringLiteral("X-Note: a header") };
    QTest::newRow("line 1 has no name")
        << QStringLiteral(": value") << 1 << QStringLiteral("X-Name: value")
        << QStringList { QStringLiteral("X-Name: value") };
    QTest::newRow("blank lines still count: line 3 has a space in its name")
        << QStringLiteral("A: 1\n\nBad Name: x") << 3 << QStringLiteral("A: 1\n\nGood-Name: x")
        << QStringList { QStringLiteral("A: 1"), QStringLiteral("Good-Name: x") };
    QTest::newRow("line 2 repeats line 1's name in another case")
        << QStringLiteral("X-Token: a\nx-token: b") << 2 << QStringLiteral("X-Token: b")
        << QStringList { QStringLiteral("X-Token: b") };
}

void TestSettingsDialog::invalidHeaderLineDisablesOk()
{
    QFETCH(QString, text);
    QFETCH(int, badLine);
    QFETCH(QString, fixedText);
    QFETCH(QStringList, fixedHeaders);

    SettingsDialog dialog(FetchOptions {});
    auto *headers = child<QPlainTextEdit>(dialog, "headers");
    auto *problems = child<QLabel>(dialog, "headerProblems");
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(problems));

    headers->setPlainText(text);
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY(shownOnItsPage(problems));
    const QString prefix = QStringLiteral("Line %1: ").arg(badLine);
    QVERIFY2(problems->text().startsWith(prefix), qPrintable(problems->text()));
    QCOMPARE(problems->text().count(QStringLiteral("Line ")), 1); // the good lines are not named
    QCOMPARE(dialog.problems().size(), 1);
    QCOMPARE(headers->accessibleDescription(), dialog.problems().join(QLatin1Char('\n')));
    // Enter reaches accept() even with OK disabled; it must not close the dialog.
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));

    headers->setPlainText(fixedText);
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(problems));
    QCOMPARE(dialog.problems(), QStringList());
    QCOMPARE(headerLines(dialog.options().headers), fixedHeaders);
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
}

void TestSettingsDialog::userAgentThatWouldSplitTheRequestDisablesOk_data()
{
    QTest::addColumn<QString>("agent");
    QTest::addColumn<QString>("named"); // what the problem names

    QTest::newRow("a CR") << QStringLiteral("Agent/1\rX-Injected: 1")
                          << QStringLiteral("a line break (CR)");
    QTest::newRow("an LF") << QStringLiteral("Agent/1\nX-Injected: 1")
                           << QStringLiteral("a line break (LF)");
    QTest::newRow("CRLF followed by X-Injected: 1")
        << QStringLiteral("Agent/1\r\nX-Injected: 1") << QStringLiteral("a line break (CR)");
    QTest::newRow("a NUL") << (QStringLiteral("Agent/1") + QChar(0) + QStringLiteral("X"))
                           << QStringLiteral("a NUL character");
}

void TestSettingsDialog::userAgentThatWouldSplitTheRequestDisablesOk()
{
    QFETCH(QString, agent);
    QFETCH(QString, named);

    SettingsDialog dialog(FetchOptions {});
    auto *userAgent = child<QLineEdit>(dialog, "userAgent");
    auto *problem = child<QLabel>(dialog, "userAgentProblem");
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(problem));

    userAgent->setText(agent);
    QCOMPARE(userAgent->text(), agent); // the field keeps what it was given
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY(shownOnItsPage(problem));
    QVERIFY2(problem->toolTip().contains(named), qPrintable(problem->toolTip()));
    QCOMPARE(dialog.problems(), QStringList { problem->toolTip() });
    QCOMPARE(userAgent->accessibleDescription(), problem->toolTip());
    // Enter reaches accept() even with OK disabled; it must not close the dialog.
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));

    userAgent->setText(QStringLiteral("Agent/1"));
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(problem));
    QCOMPARE(dialog.problems(), QStringList());
    QCOMPARE(dialog.options().userAgent, QByteArray("Agent/1"));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));

    // Nor is such a value accepted when the dialog opens with it.
    FetchOptions given;
    given.userAgent = agent.toUtf8();
    const SettingsDialog opened(given);
    QVERIFY(!okButton(opened)->isEnabled());
    QCOMPARE(opened.problems().size(), 1);
}

void TestSettingsDialog::problemsStayBelowTheFieldAndShort()
{
    SettingsDialog dialog(FetchOptions {});
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *headers = child<QPlainTextEdit>(dialog, "headers");
    auto *problems = child<QLabel>(dialog, "headerProblems");
    const QString longName = QString(LongHeaderNameChars, QLatin1Char('x'));
    headers->setPlainText(QStringLiteral("one bad line\n") + longName
                          + QStringLiteral(" y: 1\nthree"));
    dialog.layout()->activate(); // what the pending LayoutRequest would do, now

    // The window grows to fit: the problems never cover the editor.
    QVERIFY2(problems->geometry().top() >= headers->geometry().bottom(),
             qPrintable(QStringLiteral("problems at %1, editor ends at %2")
                            .arg(problems->geometry().top())
                            .arg(headers->geometry().bottom())));
    QCOMPARE(problems->text().count(QLatin1Char('\n')), 2); // one line per problem
    // A long quoted name is shortened on screen, not in the tool tip.
    QVERIFY(!problems->text().contains(longName));
    QVERIFY(problems->toolTip().contains(longName));
    QVERIFY(dialog.width() < problems->fontMetrics().horizontalAdvance(longName));
}

// A long problem line widens the dialog: the fields' buttons beside it stay in sight.
void TestSettingsDialog::problemsNeverPushButtonsOutOfSight()
{
    SettingsDialog dialog(FetchOptions {});
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    pages(dialog)->setCurrentIndex(SettingsDialog::SavingPage);
    auto *command = child<QLineEdit>(dialog, "onComplete");
    auto *open = child<QPushButton>(dialog, "checksumsBrowse");
    auto *scroll = pageOf(open);
    const auto inSight = [scroll](const QWidget *widget) {
        const QRect shown(widget->mapTo(scroll->viewport(), QPoint(0, 0)), widget->size());
        return scroll->viewport()->rect().contains(shown);
    };
    QVERIFY(inSight(open));
    const int narrow = dialog.width();
    command->setText(
        QStringLiteral("no-such-program-with-a-name-long-enough-to-fill-a-line --now"));
    QVERIFY(shownOnItsPage(child<QLabel>(dialog, "onCompleteProblem")));
    QTRY_VERIFY(dialog.width() > narrow);
    QTRY_VERIFY(inSight(open));
    QVERIFY(inSight(child<QPushButton>(dialog, "browse")));
    QVERIFY(inSight(command));
}

void TestSettingsDialog::saveBodiesCheckboxControlsOutputDirectory()
{
    FetchOptions options;
    options.outputDirectory = QStringLiteral("/tmp/bodies");
    SettingsDialog dialog(options);
    auto *save = child<QCheckBox>(dialog, "saveBodies");
    auto *directory = child<QLineEdit>(dialog, "directory");
    auto *browse = child<QPushButton>(dialog, "browse");
    auto *problem = child<QLabel>(dialog, "directoryProblem");
    QVERIFY(save->isChecked());
    QVERIFY(directory->isEnabled());
    QVERIFY(browse->isEnabled());

    save->click();
    QCOMPARE(dialog.options().outputDirectory, QString());
    QVERIFY(!directory->isEnabled());
    QVERIFY(!browse->isEnabled());
    QVERIFY(okButton(dialog)->isEnabled());

    save->click(); // the folder typed before comes back
    QCOMPARE(dialog.options().outputDirectory, QStringLiteral("/tmp/bodies"));

    directory->clear(); // "save, but where?" cannot be accepted
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY(shownOnItsPage(problem));
    QCOMPARE(dialog.problems().size(), 1);
    QTest::keyClicks(directory, QStringLiteral("/tmp/elsewhere"));
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(problem));
    QCOMPARE(dialog.options().outputDirectory, QStringLiteral("/tmp/elsewhere"));
}

void TestSettingsDialog::headModeSwitchesSavingOff()
{
    FetchOptions options;
    options.outputDirectory = QStringLiteral("/tmp/bodies");
    SettingsDialog dialog(options);
    auto *saving = child<QGroupBox>(dialog, "savingGroup");
    child<QLineEdit>(dialog, "directory")->clear();
    QVERIFY(!okButton(dialog)->isEnabled());

    child<QRadioButton>(dialog, "headButton")->click();
    QCOMPARE(dialog.options().method, FetchOptions::Method::Head);
    QVERIFY(!saving->isEnabled());
    // HEAD saves nothing, so an empty folder is no reason to refuse.
    QVERIFY(okButton(dialog)->isEnabled());

    child<QRadioButton>(dialog, "getButton")->click();
    QCOMPARE(dialog.options().method, FetchOptions::Method::Get);
    QVERIFY(saving->isEnabled());
    QVERIFY(!okButton(dialog)->isEnabled());
}

void TestSettingsDialog::restoreDefaultsKeepsConcurrency()
{
    const FetchOptions changed = everythingChanged();
    SettingsDialog dialog(changed);
    child<QPlainTextEdit>(dialog, "headers")->setPlainText(QStringLiteral("broken"));
    QVERIFY(!okButton(dialog)->isEnabled());

    QPushButton *restore =
        child<QDialogButtonBox>(dialog, "")->button(QDialogButtonBox::RestoreDefaults);
    QVERIFY(restore);
    restore->click();

    FetchOptions expected;
    expected.concurrency = changed.concurrency;
    QCOMPARE(differences(dialog.options(), expected), QStringList());
    QVERIFY(okButton(dialog)->isEnabled());
}

void TestSettingsDialog::everyLabelHasBuddyAndUniqueMnemonic()
{
    const SettingsDialog dialog(everythingChanged());
    QTabWidget *tabs = pages(dialog);
    QCOMPARE(tabs->count(), int(SettingsDialog::PageCount));
    const auto check = [](QHash<QKeySequence, QString> *seen, const QString &text, bool required) {
        const QKeySequence mnemonic = QKeySequence::mnemonic(text);
        if (mnemonic.isEmpty()) {
            QVERIFY2(!required, qPrintable(QStringLiteral("no mnemonic: ") + text));
            return;
        }
        QVERIFY2(
            !seen->contains(mnemonic),
            qPrintable(
                QStringLiteral("%1 and %2 share a mnemonic").arg(seen->value(mnemonic), text)));
        seen->insert(mnemonic, text);
    };

    // What is always shown: the tab titles and the dialog's buttons. OK and Cancel carry the
    // platform's texts; ours must all have a mnemonic.
    QHash<QKeySequence, QString> always;
    for (int tab = 0; tab < tabs->count(); ++tab)
        check(&always, tabs->tabText(tab), true);
    auto *box = child<QDialogButtonBox>(dialog, "");
    for (QAbstractButton *button : box->buttons())
        check(&always, button->text(), button == box->button(QDialogButtonBox::RestoreDefaults));
    if (QTest::currentTestFailed())
        return;

    // A label's or button's mnemonic fires only while its page is shown: letters may repeat
    // across pages, never within one.
    int labels = 0;
    for (int tab = 0; tab < tabs->count(); ++tab) {
        QWidget *page = tabs->widget(tab);
        QHash<QKeySequence, QString> seen = always;
        for (QLabel *label : page->findChildren<QLabel *>()) {
            if (label->text().isEmpty() || label->objectName().endsWith(QLatin1String("Problems"))
                || label->objectName().endsWith(QLatin1String("Problem")))
                continue; // the problem lines are messages, not labels
            ++labels;
            QVERIFY2(label->buddy(), qPrintable(QStringLiteral("no buddy: ") + label->text()));
            QVERIFY2(page->isAncestorOf(label->buddy()),
                     qPrintable(QStringLiteral("buddy on another page: ") + label->text()));
            check(&seen, label->text(), true);
            if (QTest::currentTestFailed())
                return;
        }
        for (QAbstractButton *button : page->findChildren<QAbstractButton *>()) {
            if (button->focusPolicy() == Qt::NoFocus)
                continue; // a line edit's clear button, reached with the field
            check(&seen, button->text(), true);
            if (QTest::currentTestFailed())
                return;
        }
    }
    QVERIFY(labels >= 8);
}

void TestSettingsDialog::everyControlHasNameAndToolTip()
{
    const SettingsDialog dialog(everythingChanged());
    QSet<QWidget *> controls;
    for (QWidget *candidate : dialog.findChildren<QWidget *>()) {
        QWidget *widget = focusOwner(candidate);
        if (!(candidate->focusPolicy() & Qt::TabFocus) || controls.contains(widget))
            continue;
        if (qobject_cast<QTabBar *>(candidate->parentWidget()))
            continue; // the tab bar's scroll arrows, shown only when its tabs do not fit

        controls.insert(widget);
        const QString name = widget->objectName();
        QVERIFY2(!accessibleName(widget).isEmpty(),
                 qPrintable(QStringLiteral("no accessible name: %1 %2 in %3")
                                .arg(QLatin1String(widget->metaObject()->className()), name,
                                     widget->parentWidget()->objectName())));
        // OK, Cancel and the box around them explain themselves; Restore Defaults does not.
        const QWidget *restore =
            child<QDialogButtonBox>(dialog, "")->button(QDialogButtonBox::RestoreDefaults);
        const bool dialogButton = qobject_cast<QDialogButtonBox *>(widget)
            || (qobject_cast<QDialogButtonBox *>(widget->parentWidget()) && widget != restore);
        // The tabs: each says what its page holds (a tool tip on the whole widget would show
        // over every field without one of its own).
        if (auto *tabs = qobject_cast<QTabWidget *>(widget)) {
            for (int tab = 0; tab < tabs->count(); ++tab)
                QVERIFY2(!tabs->tabToolTip(tab).isEmpty(),
                         qPrintable(QStringLiteral("no tool tip: ") + tabs->tabText(tab)));
        } else if (!dialogButton) {
            QVERIFY2(!widget->toolTip().isEmpty(),
                     qPrintable(QStringLiteral("no tool tip: ") + name));
        }
    }
    QVERIFY(controls.size() >= 12);
}

void TestSettingsDialog::everyControlIsReachableByTab_data()
{
    QTest::addColumn<int>("page");
    QTest::addColumn<QStringList>("expected"); // in reading order

    QTest::newRow("Requests, and the header editor does not swallow Tab")
        << int(SettingsDialog::RequestsPage)
        << QStringList { QStringLiteral("getButton"),   QStringLiteral("timeout"),
                         QStringLiteral("idleTimeout"), QStringLiteral("maxRedirects"),
                         QStringLiteral("userAgent"),   QStringLiteral("headers"),
                         QStringLiteral("cookiesFile"), QStringLiteral("retries"),
                         QStringLiteral("retryDelay") };
    QTest::newRow("Network")
        << int(SettingsDialog::NetworkPage)
        << QStringList { QStringLiteral("perHost"),     QStringLiteral("limitRatePerUrl"),
                         QStringLiteral("requestRate"), QStringLiteral("perHostInterval"),
                         QStringLiteral("protocol"),    QStringLiteral("caFile"),
                         QStringLiteral("caBrowse"),    QStringLiteral("proxy") };
    QTest::newRow("Saving")
        << int(SettingsDialog::SavingPage)
        << QStringList { QStringLiteral("saveBodies"),      QStringLiteral("directory"),
                         QStringLiteral("browse"),          QStringLiteral("existingFile"),
                         QStringLiteral("computeSha256"),   QStringLiteral("checksumsFile"),
                         QStringLiteral("checksumsBrowse"), QStringLiteral("onComplete") };
    QTest::newRow("Lists") << int(SettingsDialog::ListsPage)
                           << QStringList { QStringLiteral("expandPatterns"),
                                            QStringLiteral("patternLimit") };
}

// Ctrl+Tab (or Ctrl+Page Down) from any field brings the next page, as in every tabbed dialog;
// then Tab goes round that page's fields, the tabs and the dialog's buttons, nothing else.
void TestSettingsDialog::everyControlIsReachableByTab()
{
    QFETCH(int, page);
    QFETCH(QStringList, expected);

    FetchOptions options;
    options.outputDirectory = QStringLiteral("/tmp/bodies"); // so the folder and Browse are on
    SettingsDialog dialog(options);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QTabWidget *tabs = pages(dialog);
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::RequestsPage)); // opens on the first
    child<QDoubleSpinBox>(dialog, "timeout")->setFocus(Qt::TabFocusReason);
    for (int step = 0; step < page; ++step) {
        const int before = tabs->currentIndex();
        QTest::keyClick(QApplication::focusWidget(), step % 2 ? Qt::Key_PageDown : Qt::Key_Tab,
                        Qt::ControlModifier);
        QCOMPARE(tabs->currentIndex(), before + 1);
    }

    QStringList visited;
    bool tabBarVisited = false;
    for (int press = 0; press < MaxTabPresses; ++press) {
        QWidget *focused = focusOwner(QApplication::focusWidget());
        QVERIFY(focused);
        tabBarVisited = tabBarVisited || focused == tabs;
        QVERIFY2(focused == tabs || !tabs->isAncestorOf(focused)
                     || tabs->widget(page)->isAncestorOf(focused),
                 qPrintable(
                     QStringLiteral("Tab reached %1 on another page").arg(focused->objectName())));
        const QString name = focused->objectName();
        if (expected.contains(name) && !visited.contains(name))
            visited.append(name);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    }
    QVERIFY(tabBarVisited);
    // Where the cycle starts depends on the style's initial focus; the order must not.
    const qsizetype first = visited.indexOf(expected.first());
    QVERIFY(first >= 0);
    visited = visited.mid(first) + visited.mid(0, first);
    QCOMPARE(visited, expected);
    QCOMPARE(tabs->currentIndex(), page); // Tab never leaves the page for another
}

void TestSettingsDialog::mnemonicsSwitchTheMode()
{
    SettingsDialog dialog(FetchOptions {});
    dialog.show();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    auto *get = child<QRadioButton>(dialog, "getButton");
    auto *head = child<QRadioButton>(dialog, "headButton");

    // A mnemonic "animates" the click: the button is released (and checked) by a timer.
    QTest::keyClick(&dialog, Qt::Key_C, Qt::AltModifier);
    QTRY_VERIFY(head->isChecked());
    QCOMPARE(dialog.options().method, FetchOptions::Method::Head);

    QTest::keyClick(&dialog, Qt::Key_T, Qt::AltModifier);
    QCOMPARE(focusOwner(QApplication::focusWidget()), child<QDoubleSpinBox>(dialog, "timeout"));
    // "Mode" goes to the chosen mode and leaves it chosen.
    QTest::keyClick(&dialog, Qt::Key_M, Qt::AltModifier);
    QCOMPARE(focusOwner(QApplication::focusWidget()), head);
    QVERIFY(head->isChecked());

    QTest::keyClick(&dialog, Qt::Key_B, Qt::AltModifier);
    QTRY_VERIFY(get->isChecked());
    QCOMPARE(dialog.options().method, FetchOptions::Method::Get);
}

void TestSettingsDialog::fitsTheScreenAndScrollsToTheFocusedField()
{
    SettingsDialog dialog(FetchOptions {});
    dialog.show();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    // No taller than the screen less a title bar (a laptop's 768 px has room for the tallest
    // page): every page fits whole, nothing to scroll.
    const QRect available = dialog.screen()->availableGeometry();
    QVERIFY(dialog.height() <= available.height() - TitleBarAllowance);
    QTabWidget *tabs = pages(dialog);
    for (int tab = 0; tab < tabs->count(); ++tab) {
        tabs->setCurrentIndex(tab);
        dialog.layout()->activate();
        auto *scroll = qobject_cast<QScrollArea *>(tabs->widget(tab));
        QVERIFY(scroll);
        QVERIFY2(scroll->verticalScrollBar()->maximum() == 0, qPrintable(tabs->tabText(tab)));
    }
    tabs->setCurrentIndex(SettingsDialog::RequestsPage);

    // A shorter screen (or a person) makes it shorter: the page scrolls, OK stays in view.
    auto *scroll = child<QScrollArea>(dialog, "requestsPage");
    dialog.resize(dialog.width(), ShortDialogHeight);
    QTRY_VERIFY(scroll->verticalScrollBar()->maximum() > 0);
    auto *buttons = dialog.findChild<QDialogButtonBox *>();
    QVERIFY(buttons);
    const QRect okRect(buttons->button(QDialogButtonBox::Ok)->mapTo(&dialog, QPoint(0, 0)),
                       buttons->button(QDialogButtonBox::Ok)->size());
    QVERIFY(dialog.rect().contains(okRect));

    // A field reached by its mnemonic far down is scrolled into view.
    QCOMPARE(scroll->verticalScrollBar()->value(), 0);
    auto *retryDelay = child<QSpinBox>(dialog, "retryDelay");
    QTest::keyClick(&dialog, Qt::Key_F, Qt::AltModifier); // "First retry delay"
    QCOMPARE(focusOwner(QApplication::focusWidget()), retryDelay);
    QTRY_VERIFY(scroll->verticalScrollBar()->value() > 0);
    const QRect inViewport(retryDelay->mapTo(scroll->viewport(), QPoint(0, 0)), retryDelay->size());
    QVERIFY(scroll->viewport()->rect().contains(inViewport));
}

void TestSettingsDialog::caFileIsCheckedBeforeOk_data()
{
    QTest::addColumn<QString>("file"); // in the temporary folder; the test CA is copied as ca.pem
    QTest::addColumn<QByteArray>("content"); // written unless null
    QTest::addColumn<QString>("problem"); // the start of the problem shown, %1 = the path

    QTest::newRow("the test CA is accepted") << "ca.pem" << QByteArray() << QString();
    QTest::newRow("only blanks mean no file") << "   " << QByteArray() << QString();
    QTest::newRow("a file that is not there")
        << "missing.pem" << QByteArray() << QStringLiteral("cannot read %1: ");
    QTest::newRow("a file without a certificate") << "notes.txt" << QByteArray("just some notes\n")
                                                  << QStringLiteral("no PEM certificate in %1");
    QTest::newRow("a folder") << "sub" << QByteArray() << QStringLiteral("cannot read %1: ");
}

void TestSettingsDialog::caFileIsCheckedBeforeOk()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, problem);

    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    QVERIFY(QFile::copy(testCaFile(), directory.filePath(QStringLiteral("ca.pem"))));
    QVERIFY(QDir(directory.path()).mkdir(QStringLiteral("sub")));
    const QString path = file.trimmed().isEmpty() ? file : directory.filePath(file);
    if (!content.isNull()) {
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(content);
    }

    SettingsDialog dialog(FetchOptions {});
    auto *caFile = child<QLineEdit>(dialog, "caFile");
    auto *shown = child<QLabel>(dialog, "caFileProblem");
    QVERIFY(!shownOnItsPage(shown));
    caFile->setText(path);
    if (problem.isEmpty()) {
        QVERIFY(okButton(dialog)->isEnabled());
        QVERIFY(!shownOnItsPage(shown));
        QCOMPARE(dialog.options().caFile, path.trimmed());
        return;
    }
    const QString expected = problem.arg(path);
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY(shownOnItsPage(shown));
    QVERIFY2(shown->toolTip().startsWith(expected), qPrintable(shown->toolTip()));
    QCOMPARE(dialog.problems().size(), 1);
    QVERIFY(dialog.problems().constFirst().startsWith(expected));
    QVERIFY(caFile->accessibleDescription().startsWith(expected));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));

    caFile->setText(directory.filePath(QStringLiteral("ca.pem")));
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(shown));
    caFile->clear(); // no file at all is fine too
    QVERIFY(okButton(dialog)->isEnabled());
    QCOMPARE(dialog.options().caFile, QString());
}

void TestSettingsDialog::proxyIsCheckedAndItsPasswordNeverShown_data()
{
    QTest::addColumn<QString>("typed"); // null: the stored proxy left as the field shows it
    QTest::addColumn<QString>("problem"); // empty: OK is enabled
    QTest::addColumn<QString>("setting"); // what options().proxy then holds

    const QString stored = QStringLiteral("http://alice:pf-proxy-secret@127.0.0.1:3128");
    QTest::newRow("left as shown, the stored password is kept") << QString() << QString() << stored;
    QTest::newRow("empty is the system's settings") << "" << QString() << QString();
    QTest::newRow("none is no proxy, in any case") << " None " << QString() << "none";
    QTest::newRow("a new proxy with its own password")
        << "socks5://bob:pf-other-secret@127.0.0.1:1080" << QString()
        << "socks5://bob:pf-other-secret@127.0.0.1:1080";
    QTest::newRow("an unknown scheme disables OK, naming the scheme only")
        << "ftp://bob:pf-other-secret@127.0.0.1:21"
        << "unknown proxy scheme \"ftp\": use http, socks5 or socks5h" << QString();
    QTest::newRow("https:// disables OK: Qt cannot speak TLS to a proxy")
        << "https://127.0.0.1:3128"
        << "https:// proxies are not supported: Qt 6.4 cannot speak TLS to a proxy; use http, "
           "socks5 or socks5h"
        << QString();
    QTest::newRow("a path disables OK, the password masked")
        << "http://bob:pf-other-secret@127.0.0.1:3128/x"
        << "a proxy URL has no path: http://***@127.0.0.1:3128/x" << QString();
}

void TestSettingsDialog::proxyIsCheckedAndItsPasswordNeverShown()
{
    QFETCH(QString, typed);
    QFETCH(QString, problem);
    QFETCH(QString, setting);

    FetchOptions options;
    options.proxy = QStringLiteral("http://alice:pf-proxy-secret@127.0.0.1:3128");
    SettingsDialog dialog(options);
    auto *proxy = child<QLineEdit>(dialog, "proxy");
    auto *shown = child<QLabel>(dialog, "proxyProblem");
    QCOMPARE(proxy->text(), QStringLiteral("http://***@127.0.0.1:3128"));
    if (!typed.isNull())
        proxy->setText(typed);
    QCOMPARE(okButton(dialog)->isEnabled(), problem.isEmpty());
    QCOMPARE(shownOnItsPage(shown), !problem.isEmpty());
    if (problem.isEmpty()) {
        QCOMPARE(dialog.options().proxy, setting);
        return;
    }
    QCOMPARE(dialog.problems(), QStringList { problem });
    QVERIFY2(shown->toolTip().startsWith(problem), qPrintable(shown->toolTip()));
    QVERIFY(proxy->accessibleDescription().startsWith(problem));
    for (const QString &text :
         { shown->text(), shown->toolTip(), dialog.problems().join(QLatin1Char(' ')) })
        QVERIFY2(!text.contains(QLatin1String("secret")), qPrintable(text));
}

void TestSettingsDialog::protocolChoice_data()
{
    QTest::addColumn<QString>("item");
    QTest::addColumn<FetchOptions::HttpVersion>("version");

    QTest::newRow("Automatic") << QStringLiteral("Automatic") << FetchOptions::HttpVersion::Auto;
    QTest::newRow("HTTP/1.1 only is --http1.1")
        << QStringLiteral("HTTP/1.1 only") << FetchOptions::HttpVersion::Http1_1;
    QTest::newRow("HTTP/2 is --http2")
        << QStringLiteral("HTTP/2") << FetchOptions::HttpVersion::Http2;
}

void TestSettingsDialog::protocolChoice()
{
    QFETCH(QString, item);
    QFETCH(FetchOptions::HttpVersion, version);

    FetchOptions options;
    options.httpVersion = version;
    SettingsDialog shown(options);
    auto *protocol = child<QComboBox>(shown, "protocol");
    QCOMPARE(protocol->currentText(), item); // the stored choice comes back

    SettingsDialog dialog { FetchOptions() };
    auto *choice = child<QComboBox>(dialog, "protocol");
    QCOMPARE(choice->count(), 3);
    QCOMPARE(choice->currentText(), QStringLiteral("Automatic")); // the default
    choice->setCurrentIndex(choice->findText(item));
    QCOMPARE(dialog.options().httpVersion, version);
}

void TestSettingsDialog::perHostZeroIsOff()
{
    FetchOptions options;
    options.perHost = 6;
    SettingsDialog dialog(options);
    auto *perHost = child<QSpinBox>(dialog, "perHost");
    QCOMPARE(perHost->value(), 6);
    QCOMPARE(perHost->maximum(), FetchOptions::MaxPerHost);
    perHost->selectAll();
    QTest::keyClicks(perHost, QStringLiteral("0"));
    QTest::keyClick(perHost, Qt::Key_Enter); // shown as "Off" once the edit is done
    QCOMPARE(perHost->text(), QStringLiteral("Off"));
    QCOMPARE(dialog.options().perHost, 0);
    perHost->selectAll();
    QTest::keyClicks(perHost, QStringLiteral("12"));
    QCOMPARE(dialog.options().perHost, 12);
}

void TestSettingsDialog::existingFileChoice_data()
{
    QTest::addColumn<QString>("item");
    QTest::addColumn<FetchOptions::ExistingFile>("policy");

    QTest::newRow("Save under a new name is rename, the default")
        << QStringLiteral("Save under a new name") << FetchOptions::ExistingFile::Rename;
    QTest::newRow("Skip if the same size and date is skip")
        << QStringLiteral("Skip if the same size and date") << FetchOptions::ExistingFile::Skip;
    QTest::newRow("Overwrite is overwrite")
        << QStringLiteral("Overwrite") << FetchOptions::ExistingFile::Overwrite;
}

void TestSettingsDialog::existingFileChoice()
{
    QFETCH(QString, item);
    QFETCH(FetchOptions::ExistingFile, policy);

    FetchOptions options;
    options.outputDirectory = QStringLiteral("/tmp/bodies");
    options.existingFile = policy;
    SettingsDialog shown(options);
    auto *choice = child<QComboBox>(shown, "existingFile");
    QCOMPARE(choice->currentText(), item); // the stored choice comes back
    QCOMPARE(shown.options().existingFile, policy);

    SettingsDialog dialog(FetchOptions {});
    choice = child<QComboBox>(dialog, "existingFile");
    QCOMPARE(choice->count(), 3);
    QCOMPARE(choice->currentText(), QStringLiteral("Save under a new name"));
    // Each item says what it does.
    for (int index = 0; index < choice->count(); ++index)
        QVERIFY2(choice->itemData(index, Qt::ToolTipRole).toString().size() > item.size(),
                 qPrintable(choice->itemText(index)));
    // Only when bodies are saved, and only in GET mode, as the folder.
    QVERIFY(!choice->isEnabled());
    child<QCheckBox>(dialog, "saveBodies")->click();
    child<QLineEdit>(dialog, "directory")->setText(QStringLiteral("/tmp/bodies"));
    QVERIFY(choice->isEnabled());
    choice->setCurrentIndex(choice->findText(item));
    QCOMPARE(dialog.options().existingFile, policy);
    child<QRadioButton>(dialog, "headButton")->click();
    QVERIFY(!choice->isEnabledTo(&dialog));
    QCOMPARE(dialog.options().existingFile, policy); // kept, as the folder is
}

void TestSettingsDialog::checksumsFileIsCheckedBeforeOk_data()
{
    QTest::addColumn<QString>("file"); // in a temporary folder; SHA256SUMS is the test file
    QTest::addColumn<QByteArray>("content"); // written unless null
    QTest::addColumn<QString>("problem"); // the start of the problem shown, %1 = the path
    QTest::addColumn<int>("checksums"); // how many names options() then carries

    QTest::newRow("sha256sum's output is read") << "SHA256SUMS" << QByteArray() << QString() << 2;
    QTest::newRow("only blanks mean no file") << "   " << QByteArray() << QString() << 0;
    QTest::newRow("a file that is not there")
        << "missing" << QByteArray() << QStringLiteral("cannot read %1: ") << 0;
    QTest::newRow("a folder") << "sub" << QByteArray() << QStringLiteral("cannot read %1: ") << 0;
    QTest::newRow("line 2 is not sha256sum's, and is named")
        << "mixed.txt"
        << QByteArray("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a\n"
                      "md5 of b: 0f5c3a2b\n")
        << QStringLiteral("%1: line 2 is not a SHA-256 line as sha256sum writes it") << 0;
    QTest::newRow("two checksums for one name")
        << "twice.txt"
        << QByteArray("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a\n"
                      "e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317  a\n")
        << QStringLiteral("%1: line 2 gives \"a\" a second, different checksum") << 0;
}

void TestSettingsDialog::checksumsFileIsCheckedBeforeOk()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, problem);
    QFETCH(int, checksums);

    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString good = directory.filePath(QStringLiteral("SHA256SUMS"));
    QVERIFY(QFile::copy(testChecksumsFile(), good));
    QVERIFY(QDir(directory.path()).mkdir(QStringLiteral("sub")));
    const QString path = file.trimmed().isEmpty() ? file : directory.filePath(file);
    if (!content.isNull()) {
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(content);
    }

    SettingsDialog dialog(FetchOptions {});
    auto *field = child<QLineEdit>(dialog, "checksumsFile");
    auto *shown = child<QLabel>(dialog, "checksumsProblem");
    QTabWidget *tabs = pages(dialog);
    QVERIFY(!shownOnItsPage(shown));
    field->setText(path);
    QCOMPARE(dialog.options().checksumsFile, path.trimmed());
    QCOMPARE(int(dialog.options().checksumsByName ? dialog.options().checksumsByName->size() : 0),
             checksums);
    if (problem.isEmpty()) {
        QVERIFY(okButton(dialog)->isEnabled());
        QVERIFY(!shownOnItsPage(shown));
        QVERIFY(tabs->tabIcon(SettingsDialog::SavingPage).isNull());
        return;
    }
    const QString expected = problem.arg(path);
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY(shownOnItsPage(shown));
    QVERIFY2(shown->toolTip().startsWith(expected), qPrintable(shown->toolTip()));
    QCOMPARE(dialog.problems().size(), 1);
    QVERIFY(dialog.problems().constFirst().startsWith(expected));
    QVERIFY(field->accessibleDescription().startsWith(expected));
    // The dialog shows Requests: the Saving tab says where the problem is.
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::RequestsPage));
    QVERIFY(!tabs->tabIcon(SettingsDialog::SavingPage).isNull());
    QVERIFY(tabs->tabToolTip(SettingsDialog::SavingPage).contains(expected));
    QVERIFY(tabs->tabIcon(SettingsDialog::RequestsPage).isNull());
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));

    // HEAD brings no bodies to check: no reason to refuse.
    child<QRadioButton>(dialog, "headButton")->click();
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(tabs->tabIcon(SettingsDialog::SavingPage).isNull());
    child<QRadioButton>(dialog, "getButton")->click();
    QVERIFY(!okButton(dialog)->isEnabled());

    field->setText(good);
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(shown));
    QCOMPARE(dialog.options().checksumsByName->size(), 2);
    QVERIFY(tabs->tabIcon(SettingsDialog::SavingPage).isNull());
    field->clear(); // no file at all is fine too
    QVERIFY(okButton(dialog)->isEnabled());
    QCOMPARE(dialog.options().checksumsFile, QString());
    QVERIFY(!dialog.options().checksumsByName);
}

void TestSettingsDialog::onCompleteIsCheckedBeforeOk_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QString>("problem"); // a part of it; empty: OK is enabled
    QTest::addColumn<QString>("setting"); // what options().onComplete then holds

    QTest::newRow("a program on PATH with quoted words")
        << " sh -c 'echo \"$PARAFETCH_URL\"' " << QString() << "sh -c 'echo \"$PARAFETCH_URL\"'";
    QTest::newRow("only blanks: nothing is run") << "   " << QString() << QString();
    QTest::newRow("a program not on PATH is named")
        << "no-such-program-x1 --now"
        << "no program named no-such-program-x1 was found on PATH"
        << "no-such-program-x1 --now";
    QTest::newRow("a path that is no program")
        << "/nonexistent/notify"
        << "/nonexistent/notify is not a program that can be run"
        << "/nonexistent/notify";
    QTest::newRow("an unclosed quote") << "notify-send 'done"
                                       << "has an unclosed quote"
                                       << "notify-send 'done";
}

void TestSettingsDialog::onCompleteIsCheckedBeforeOk()
{
    QFETCH(QString, typed);
    QFETCH(QString, problem);
    QFETCH(QString, setting);

    SettingsDialog dialog(FetchOptions {});
    auto *field = child<QLineEdit>(dialog, "onComplete");
    auto *shown = child<QLabel>(dialog, "onCompleteProblem");
    QVERIFY(!shownOnItsPage(shown));
    // In HEAD mode too: a command runs for every finished URL, bodies or not.
    child<QRadioButton>(dialog, "headButton")->click();
    QTest::keyClicks(field, typed);
    QCOMPARE(dialog.options().onComplete, setting);
    QCOMPARE(okButton(dialog)->isEnabled(), problem.isEmpty());
    QCOMPARE(shownOnItsPage(shown), !problem.isEmpty());
    QCOMPARE(pages(dialog)->tabIcon(SettingsDialog::SavingPage).isNull(), problem.isEmpty());
    if (problem.isEmpty()) {
        QCOMPARE(dialog.problems(), QStringList());
        return;
    }
    QCOMPARE(dialog.problems().size(), 1);
    QVERIFY2(dialog.problems().constFirst().contains(problem),
             qPrintable(dialog.problems().constFirst()));
    QCOMPARE(shown->toolTip(), dialog.problems().constFirst());
    QCOMPARE(field->accessibleDescription(), dialog.problems().constFirst());
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));

    // A command stored before its program went away opens with the problem shown.
    FetchOptions stored;
    stored.onComplete = setting;
    const SettingsDialog opened(stored);
    QVERIFY(!okButton(opened)->isEnabled());
    QCOMPARE(opened.problems(), dialog.problems());

    field->clear();
    QVERIFY(okButton(dialog)->isEnabled());
    QVERIFY(!shownOnItsPage(shown));
    QCOMPARE(dialog.options().onComplete, QString());
}

// A tab's letter brings its page; a field's letter works while its page is shown, and the same
// letter means another field on another page.
void TestSettingsDialog::mnemonicsReachOnlyTheShownPage()
{
    SettingsDialog dialog(FetchOptions {});
    dialog.show();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QTabWidget *tabs = pages(dialog);
    const auto focused = [] { return focusOwner(QApplication::focusWidget()); };

    QTest::keyClick(&dialog, Qt::Key_U, Qt::AltModifier); // User agent, on Requests
    QCOMPARE(focused(), child<QLineEdit>(dialog, "userAgent"));

    QTest::keyClick(&dialog, Qt::Key_N, Qt::AltModifier);
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::NetworkPage));
    QTest::keyClick(&dialog, Qt::Key_K, Qt::AltModifier);
    QCOMPARE(focused(), child<QLineEdit>(dialog, "proxy"));
    QTest::keyClick(&dialog, Qt::Key_C, Qt::AltModifier); // Cap each URL here
    QCOMPARE(focused(), child<QWidget>(dialog, "limitRatePerUrl"));
    QTest::keyClick(&dialog, Qt::Key_U, Qt::AltModifier); // nothing on this page
    QCOMPARE(focused(), child<QWidget>(dialog, "limitRatePerUrl"));
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::NetworkPage));

    QTest::keyClick(&dialog, Qt::Key_S, Qt::AltModifier);
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::SavingPage));
    QTest::keyClick(&dialog, Qt::Key_C, Qt::AltModifier); // Checksums file here
    QCOMPARE(focused(), child<QLineEdit>(dialog, "checksumsFile"));
    QTest::keyClick(&dialog, Qt::Key_U, Qt::AltModifier); // Run on completion
    QCOMPARE(focused(), child<QLineEdit>(dialog, "onComplete"));

    QTest::keyClick(&dialog, Qt::Key_L, Qt::AltModifier);
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::ListsPage));
    QTest::keyClick(&dialog, Qt::Key_R, Qt::AltModifier);
    QCOMPARE(tabs->currentIndex(), int(SettingsDialog::RequestsPage));
}

void TestSettingsDialog::storeRoundTrip_data()
{
    addOptionRows();
}

void TestSettingsDialog::storeRoundTrip()
{
    QFETCH(FetchOptions, options);
    const QString path = uniqueIniPath();
    {
        QSettings settings(path, QSettings::IniFormat);
        SettingsStore::saveFetchOptions(settings, options);
        settings.sync();
        QCOMPARE(settings.status(), QSettings::NoError);
    }
    // A new QSettings reads the file, not a cache.
    const QSettings settings(path, QSettings::IniFormat);
    QCOMPARE(differences(SettingsStore::loadFetchOptions(settings), storedPart(options)),
             QStringList());
}

void TestSettingsDialog::storeWritesKeysUnderFetchGroup()
{
    const QString path = uniqueIniPath();
    QSettings settings(path, QSettings::IniFormat);
    SettingsStore::saveFetchOptions(settings, everythingChanged());

    QStringList keys = settings.allKeys();
    keys.sort();
    const QStringList expected = {
        QStringLiteral("fetch/caFile"),          QStringLiteral("fetch/checksumsFile"),
        QStringLiteral("fetch/computeSha256"),   QStringLiteral("fetch/concurrency"),
        QStringLiteral("fetch/cookiesFile"),     QStringLiteral("fetch/headers"),
        QStringLiteral("fetch/idleTimeoutMs"),   QStringLiteral("fetch/ifExists"),
        QStringLiteral("fetch/limitRate"),       QStringLiteral("fetch/limitRatePerUrl"),
        QStringLiteral("fetch/maxRedirects"),    QStringLiteral("fetch/method"),
        QStringLiteral("fetch/onComplete"),      QStringLiteral("fetch/outputDirectory"),
        QStringLiteral("fetch/perHost"),         QStringLiteral("fetch/perHostIntervalNs"),
        QStringLiteral("fetch/protocol"),        QStringLiteral("fetch/proxy"),
        QStringLiteral("fetch/retries"),         QStringLiteral("fetch/retryBaseDelayMs"),
        QStringLiteral("fetch/startIntervalNs"), QStringLiteral("fetch/timeoutMs"),
        QStringLiteral("fetch/userAgent"),
    };
    QCOMPARE(keys, expected);
    // As --limit-rate takes them, for a person who edits the file.
    QCOMPARE(settings.value(QStringLiteral("fetch/limitRate")).toString(), QStringLiteral("3M"));
    QCOMPARE(settings.value(QStringLiteral("fetch/limitRatePerUrl")).toString(),
             QStringLiteral("1.5M"));
    QCOMPARE(settings.value(QStringLiteral("fetch/headers")).toStringList(),
             headerLines(everythingChanged().headers));
    QCOMPARE(settings.value(QStringLiteral("fetch/method")).toString(), QStringLiteral("HEAD"));
    // The command line's names: --http1.1 is "http1.1".
    QCOMPARE(settings.value(QStringLiteral("fetch/protocol")).toString(),
             QStringLiteral("http1.1"));
    // --if-exists's words, and the command as it was typed.
    QCOMPARE(settings.value(QStringLiteral("fetch/ifExists")).toString(),
             QStringLiteral("overwrite"));
    QCOMPARE(settings.value(QStringLiteral("fetch/onComplete")).toString(),
             everythingChanged().onComplete);
}

void TestSettingsDialog::storeMissingKeysGiveDefaults()
{
    const QString path = uniqueIniPath();
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("[other]\nsomething=1\n[fetch]\nretries=5\n");
    file.close();

    const QSettings settings(path, QSettings::IniFormat);
    FetchOptions expected;
    expected.retries = 5;
    QCOMPARE(differences(SettingsStore::loadFetchOptions(settings), expected), QStringList());

    const QSettings empty(m_dir.filePath(QStringLiteral("does-not-exist.ini")),
                          QSettings::IniFormat);
    QCOMPARE(differences(SettingsStore::loadFetchOptions(empty), FetchOptions()), QStringList());
}

void TestSettingsDialog::patternOptionsRoundTrip_data()
{
    QTest::addColumn<QByteArray>("stored"); // the [input] group as a person might have left it
    QTest::addColumn<bool>("expand");
    QTest::addColumn<qint64>("limit");

    QTest::newRow("nothing stored: expand, up to 1,000,000")
        << QByteArray() << true << UrlPatternOptions::DefaultLimit;
    QTest::newRow("off, up to 50")
        << QByteArray("expandPatterns=false\npatternLimit=50\n") << false << qint64(50);
    QTest::newRow("a limit of 0 is clamped to 1")
        << QByteArray("patternLimit=0\n") << true << qint64(1);
    QTest::newRow("a limit past the maximum is clamped to it")
        << QByteArray("patternLimit=999999999999\n") << true << UrlPatternOptions::MaxLimit;
    QTest::newRow("a limit that is no number gives the default")
        << QByteArray("patternLimit=many\n") << true << UrlPatternOptions::DefaultLimit;
}

// Stored, loaded, shown in the dialog, taken back from it and stored again: the same options;
// Restore Defaults brings back expansion up to the default limit.
void TestSettingsDialog::patternOptionsRoundTrip()
{
    QFETCH(QByteArray, stored);
    QFETCH(bool, expand);
    QFETCH(qint64, limit);

    const QString path = uniqueIniPath();
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("[input]\n" + stored);
    file.close();
    UrlPatternOptions loaded;
    {
        const QSettings settings(path, QSettings::IniFormat);
        loaded = SettingsStore::loadPatternOptions(settings);
    }
    QCOMPARE(loaded.expand, expand);
    QCOMPARE(loaded.limit, limit);

    SettingsDialog dialog { FetchOptions() };
    dialog.setPatternOptions(loaded);
    QCOMPARE(child<QCheckBox>(dialog, "expandPatterns")->isChecked(), expand);
    QCOMPARE(child<QSpinBox>(dialog, "patternLimit")->isEnabled(), expand);
    const UrlPatternOptions shown = dialog.patternOptions();
    QCOMPARE(shown.expand, expand);
    QCOMPARE(shown.limit, limit);

    const QString again = uniqueIniPath();
    {
        QSettings settings(again, QSettings::IniFormat);
        SettingsStore::savePatternOptions(settings, shown);
    }
    const QSettings reread(again, QSettings::IniFormat);
    QCOMPARE(SettingsStore::loadPatternOptions(reread).expand, expand);
    QCOMPARE(SettingsStore::loadPatternOptions(reread).limit, limit);

    child<QDialogButtonBox>(dialog, "")->button(QDialogButtonBox::RestoreDefaults)->click();
    QVERIFY(dialog.patternOptions().expand);
    QCOMPARE(dialog.patternOptions().limit, UrlPatternOptions::DefaultLimit);
}

void TestSettingsDialog::storeClampsAndRejects_data()
{
    QTest::addColumn<QByteArray>("line"); // as a person might have edited the file
    QTest::addColumn<QString>("field");
    QTest::addColumn<QVariant>("expected");

    const FetchOptions defaults;
    QTest::newRow("concurrency 0 -> 1")
        << QByteArray("concurrency=0") << "concurrency" << QVariant(FetchOptions::MinConcurrency);
    QTest::newRow("concurrency 100000 -> max") << QByteArray("concurrency=100000") << "concurrency"
                                               << QVariant(FetchOptions::MaxConcurrency);
    QTest::newRow("retries 1000 -> max")
        << QByteArray("retries=1000") << "retries" << QVariant(FetchOptions::MaxRetries);
    QTest::newRow("retries -1 -> 0") << QByteArray("retries=-1") << "retries" << QVariant(0);
    QTest::newRow("negative timeout -> no limit")
        << QByteArray("timeoutMs=-100") << "timeoutMs" << QVariant(0);
    QTest::newRow("timeout beyond int -> a week")
        << QByteArray("timeoutMs=99999999999") << "timeoutMs"
        << QVariant(SettingsStore::MaxTimeoutMs);
    QTest::newRow("idle timeout not a number -> default")
        << QByteArray("idleTimeoutMs=soon") << "idleTimeoutMs" << QVariant(defaults.idleTimeoutMs);
    QTest::newRow("retry delay too long -> max")
        << QByteArray("retryBaseDelayMs=999999") << "retryBaseDelayMs"
        << QVariant(SettingsStore::MaxRetryBaseDelayMs);
    QTest::newRow("redirects 500 -> max") << QByteArray("maxRedirects=500") << "maxRedirects"
                                          << QVariant(SettingsStore::MaxRedirects);
    QTest::newRow("method in lower case")
        << QByteArray("method=head") << "method" << QVariant(QStringLiteral("HEAD"));
    QTest::newRow("unknown method -> GET")
        << QByteArray("method=POST") << "method" << QVariant(QStringLiteral("GET"));
    QTest::newRow("hash false") << QByteArray("computeSha256=false") << "computeSha256"
                                << QVariant(false);
    QTest::newRow("hash 0") << QByteArray("computeSha256=0") << "computeSha256" << QVariant(false);
    QTest::newRow("hash maybe -> default (on)")
        << QByteArray("computeSha256=maybe") << "computeSha256" << QVariant(true);
    QTest::newRow("per host -3 -> off") << QByteArray("perHost=-3") << "perHost" << QVariant(0);
    QTest::newRow("per host 100000 -> max")
        << QByteArray("perHost=100000") << "perHost" << QVariant(FetchOptions::MaxPerHost);
    QTest::newRow("per host not a number -> off")
        << QByteArray("perHost=many") << "perHost" << QVariant(0);
    QTest::newRow("protocol http2")
        << QByteArray("protocol=http2") << "protocol" << QVariant(QStringLiteral("http2"));
    QTest::newRow("protocol HTTP1.1 in upper case")
        << QByteArray("protocol=HTTP1.1") << "protocol" << QVariant(QStringLiteral("http1.1"));
    QTest::newRow("protocol h3 -> auto")
        << QByteArray("protocol=h3") << "protocol" << QVariant(QStringLiteral("auto"));
    QTest::newRow("a CA file that is gone is kept, for the dialog to show")
        << QByteArray("caFile=/gone/ca.pem") << "caFile"
        << QVariant(QStringLiteral("/gone/ca.pem"));
    QTest::newRow("proxy none is kept")
        << QByteArray("proxy=none") << "proxy" << QVariant(QStringLiteral("none"));
    QTest::newRow("a socks5h proxy is kept")
        << QByteArray("proxy=socks5h://127.0.0.1:1080") << "proxy"
        << QVariant(QStringLiteral("socks5h://127.0.0.1:1080"));
    QTest::newRow("a proxy with an unknown scheme is dropped, unnamed")
        << QByteArray("proxy=ftp://u:pf-secret@127.0.0.1:21") << "proxy" << QVariant(QString());
    QTest::newRow("a bad header line is dropped, the good one kept")
        << QByteArray("headers=Accept: */*, no colon here") << "headers"
        << QVariant(QStringList { QStringLiteral("Accept: */*") });
    QTest::newRow("a header value with a NUL is dropped")
        << QByteArray("headers=Accept: */*, X-Trace: a\\0b") << "headers"
        << QVariant(QStringList { QStringLiteral("Accept: */*") });
    // QSettings reads C escapes in an INI value, so a hand-edited file can hold these.
    QTest::newRow("a user agent with a CR -> the default")
        << QByteArray("userAgent=Agent/1\\rX-Injected: 1") << "userAgent" << QVariant(QByteArray());
    QTest::newRow("a user agent with an LF -> the default")
        << QByteArray("userAgent=Agent/1\\nX-Injected: 1") << "userAgent" << QVariant(QByteArray());
    QTest::newRow("a user agent with CRLF and X-Injected: 1 -> the default")
        << QByteArray("userAgent=Agent/1\\r\\nX-Injected: 1") << "userAgent"
        << QVariant(QByteArray());
    QTest::newRow("a user agent with a NUL -> the default")
        << QByteArray("userAgent=Agent/1\\0X") << "userAgent" << QVariant(QByteArray());
    QTest::newRow("if exists: skip")
        << QByteArray("ifExists=skip") << "ifExists" << QVariant(QStringLiteral("skip"));
    QTest::newRow("if exists: Overwrite in another case")
        << QByteArray("ifExists=Overwrite") << "ifExists" << QVariant(QStringLiteral("overwrite"));
    QTest::newRow("if exists: delete -> rename")
        << QByteArray("ifExists=delete") << "ifExists" << QVariant(QStringLiteral("rename"));
    QTest::newRow("an on-complete command is kept as typed")
        << QByteArray("onComplete=\"notify-send 'done' \\\"$PARAFETCH_URL\\\"\"") << "onComplete"
        << QVariant(QStringLiteral("notify-send 'done' \"$PARAFETCH_URL\""));
    QTest::newRow("an on-complete command whose program is gone is kept, for the dialog to show")
        << QByteArray("onComplete=/gone/notify") << "onComplete"
        << QVariant(QStringLiteral("/gone/notify"));
    QTest::newRow("an on-complete command with an unclosed quote is dropped, unnamed")
        << QByteArray("onComplete=\"notify 'pf-token-secret\"") << "onComplete"
        << QVariant(QString());
    QTest::newRow("an on-complete command ending in a lone backslash is dropped")
        << QByteArray("onComplete=notify \\\\") << "onComplete" << QVariant(QString());
    QTest::newRow("a checksums file that is gone is kept, for the dialog to show")
        << QByteArray("checksumsFile=/gone/SHA256SUMS") << "checksumsFile"
        << QVariant(QStringLiteral("/gone/SHA256SUMS"));
    QTest::newRow("a checksums file that is gone gives no checksums")
        << QByteArray("checksumsFile=/gone/SHA256SUMS") << "checksums" << QVariant(QStringList());
    QTest::newRow("a user agent with a tab is kept")
        << QByteArray("userAgent=Agent/1\\t(tests)") << "userAgent"
        << QVariant(QByteArray("Agent/1\t(tests)"));
}

void TestSettingsDialog::storeClampsAndRejects()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, field);
    QFETCH(QVariant, expected);

    const QString path = uniqueIniPath();
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("[fetch]\n" + line + '\n');
    file.close();

    const QSettings settings(path, QSettings::IniFormat);
    if (field == QLatin1String("headers"))
        QTest::ignoreMessage(QtWarningMsg,
                             "Parafetch: ignoring stored header 2: not \"Name: value\"");
    if (field == QLatin1String("userAgent") && expected.toByteArray().isEmpty())
        QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral("^Parafetch: ignoring the stored user agent: it "
                                              "contains a (line break|NUL)")));
    if (line.startsWith("proxy=ftp:"))
        QTest::ignoreMessage(QtWarningMsg,
                             "Parafetch: ignoring the stored proxy: not none or a proxy URL as "
                             "--proxy takes");
    if (line == "protocol=h3")
        QTest::ignoreMessage(QtWarningMsg,
                             "Parafetch: ignoring the stored protocol \"h3\": not "
                             "auto, http1.1 or http2");
    if (line == "ifExists=delete")
        QTest::ignoreMessage(QtWarningMsg,
                             "Parafetch: ignoring the stored ifExists \"delete\": not rename, "
                             "skip or overwrite");
    if (line.startsWith("onComplete=") && expected.toString().isEmpty())
        QTest::ignoreMessage(QtWarningMsg,
                             "Parafetch: ignoring the stored onComplete: a quote is not closed "
                             "or it ends in a lone backslash");
    if (line.startsWith("checksumsFile="))
        QTest::ignoreMessage(QtWarningMsg,
                             "Parafetch: the stored checksums file cannot be used: cannot read "
                             "/gone/SHA256SUMS: No such file or directory");
    const QVariantMap loaded = fields(SettingsStore::loadFetchOptions(settings));
    QVERIFY2(loaded.contains(field), qPrintable(field));
    QCOMPARE(loaded.value(field), expected);
}

void TestSettingsDialog::lastListRoundTrip()
{
    const QString path = SettingsStore::lastListPath();
    // Test mode keeps the test away from the user's own list.
    QVERIFY2(path.contains(QLatin1String(".qttest")), qPrintable(path));
    QCOMPARE(SettingsStore::loadLastList(), QString());

    const QString first =
        QStringLiteral("https://example.com/a\n# Zürich\nhttps://example.org/b,b.bin\n");
    QString error;
    QVERIFY2(SettingsStore::saveLastList(first, &error), qPrintable(error));
    QVERIFY(QFile::exists(path));
    QCOMPARE(SettingsStore::loadLastList(), first);

    const QString second = QStringLiteral("https://example.net/c");
    QVERIFY2(SettingsStore::saveLastList(second, &error), qPrintable(error));
    QCOMPARE(SettingsStore::loadLastList(), second);
    // QSaveFile leaves no temporary file beside the list.
    QCOMPARE(QDir(QFileInfo(path).absolutePath()).entryList(QDir::Files),
             QStringList { QFileInfo(path).fileName() });
}

void TestSettingsDialog::lastListLarge()
{
    QString text;
    for (int line = 0; line < LargeListLines; ++line)
        text += QStringLiteral("https://example.com/file/%1\n").arg(line);
    QString error;
    QVERIFY2(SettingsStore::saveLastList(text, &error), qPrintable(error));
    const QString loaded = SettingsStore::loadLastList();
    QCOMPARE(loaded.size(), text.size());
    QVERIFY(loaded == text);
}

void TestSettingsDialog::lastListEmptyRemovesFile()
{
    QString error;
    QVERIFY2(SettingsStore::saveLastList(QStringLiteral("https://example.com/"), &error),
             qPrintable(error));
    QVERIFY(QFile::exists(SettingsStore::lastListPath()));
    QVERIFY2(SettingsStore::saveLastList(QString(), &error), qPrintable(error));
    QVERIFY(!QFile::exists(SettingsStore::lastListPath()));
    QCOMPARE(SettingsStore::loadLastList(), QString());
    // Nothing to remove is no failure either.
    QVERIFY2(SettingsStore::saveLastList(QString(), &error), qPrintable(error));
}

void TestSettingsDialog::lastListReportsFailure()
{
    // A folder where the file should be: the save cannot succeed and must say so.
    const QString path = SettingsStore::lastListPath();
    QVERIFY(QDir().mkpath(path));
    QString error;
    QVERIFY(!SettingsStore::saveLastList(QStringLiteral("https://example.com/"), &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
    QCOMPARE(SettingsStore::loadLastList(), QString());
}

void TestSettingsDialog::iconsRender_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("dominant"); // "red", "green" or "" for a status colour check

    for (const char *name :
         { "parafetch", "start", "pause", "resume", "cancel", "retry", "clear", "import", "export",
           "settings", "copy", "baseline", "status-queued", "status-running", "status-cancelled" })
        QTest::newRow(name) << QString::fromLatin1(name) << QString();
    QTest::newRow("status-done is green")
        << QStringLiteral("status-done") << QStringLiteral("green");
    QTest::newRow("status-failed is red")
        << QStringLiteral("status-failed") << QStringLiteral("red");
}

void TestSettingsDialog::iconsRender()
{
    QFETCH(QString, name);
    QFETCH(QString, dominant);

    QVERIFY2(QImageReader::supportedImageFormats().contains("svg"),
             "Qt's SVG plugin is missing: install libqt6svg6");
    const QString path = QStringLiteral(":/icons/%1.svg").arg(name);
    QVERIFY2(QFile::exists(path), qPrintable(path));
    const QPixmap pixmap = QIcon(path).pixmap(IconSize, IconSize);
    QVERIFY(!pixmap.isNull());
    const QImage image = pixmap.toImage().convertToFormat(QImage::Format_ARGB32);
    QCOMPARE(image.size(), QSize(IconSize, IconSize));

    int opaque = 0;
    qint64 red = 0, green = 0, blue = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QRgb pixel = image.pixel(x, y);
            if (qAlpha(pixel) < OpaqueAlpha)
                continue;
            ++opaque;
            red += qRed(pixel);
            green += qGreen(pixel);
            blue += qBlue(pixel);
        }
    }
    QVERIFY2(opaque > 0, "the icon renders fully transparent");
    if (dominant == QLatin1String("green"))
        QVERIFY(green > red && green > blue);
    else if (dominant == QLatin1String("red"))
        QVERIFY(red > green && red > blue);
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
