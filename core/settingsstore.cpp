// SPDX-License-Identifier: GPL-3.0-or-later
// Reads and writes the fetch settings and the last URL list.
//
// Keys, all under the group "fetch/":
//   concurrency, method ("GET" | "HEAD"), timeoutMs, idleTimeoutMs, retries, retryBaseDelayMs,
//   maxRedirects, userAgent ("" = the default), headers (a string list of "Name: value"),
//   outputDirectory ("" = don't save bodies), computeSha256, caFile ("" = the system's CAs only),
//   perHost (0 = no per-host limit), protocol ("auto" | "http1.1" | "http2", the command line's
//   --http1.1 and --http2), limitRate and limitRatePerUrl (bandwidth caps as --limit-rate
//   writes them, "512K", "1.5M"; "0" or absent = none), startIntervalNs and perHostIntervalNs
//   (--rate and --per-host-interval as the time between starts; 0 = none), cookiesFile (the
//   --cookies file's path, "" = none; read again at each start), proxy ("" = the system's
//   settings, "none" = no proxy, otherwise a proxy URL as --proxy takes it), ifExists
//   ("rename" | "skip" | "overwrite", as --if-exists takes it), checksumsFile (the --checksums
//   file's path, "" = none; read again at each start), onComplete (the --on-complete command
//   as typed, "" = none; one whose quotes do not close is ignored, one whose program is not
//   found is kept, for the settings dialog to show, as a CA file that has gone).
// The headers may hold secrets (Authorization, Cookie, API keys). They are stored like any other
// setting: in plain text in the user's configuration file, readable by that user only as far as
// the file's permissions go. That is what a person who types them into the dialog expects of a
// desktop tool (curl's .curlrc and wget's .wgetrc do the same); a keychain would be a new
// dependency for a setting most people leave empty.
#include "settingsstore.h"

#include "checksumfile.h"
#include "proxyurl.h"
#include "shellwords.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QStringList>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr QLatin1String Group("fetch");
constexpr QLatin1String ConcurrencyKey("concurrency");
constexpr QLatin1String MethodKey("method");
constexpr QLatin1String TimeoutKey("timeoutMs");
constexpr QLatin1String IdleTimeoutKey("idleTimeoutMs");
constexpr QLatin1String RetriesKey("retries");
constexpr QLatin1String RetryBaseDelayKey("retryBaseDelayMs");
constexpr QLatin1String MaxRedirectsKey("maxRedirects");
constexpr QLatin1String UserAgentKey("userAgent");
constexpr QLatin1String HeadersKey("headers");
constexpr QLatin1String OutputDirectoryKey("outputDirectory");
constexpr QLatin1String ComputeSha256Key("computeSha256");
constexpr QLatin1String CaFileKey("caFile");
constexpr QLatin1String PerHostKey("perHost");
constexpr QLatin1String ProtocolKey("protocol");
constexpr QLatin1String LimitRateKey("limitRate");
constexpr QLatin1String LimitRatePerUrlKey("limitRatePerUrl");
constexpr QLatin1String CookiesFileKey("cookiesFile");
constexpr QLatin1String StartIntervalKey("startIntervalNs");
constexpr QLatin1String PerHostIntervalKey("perHostIntervalNs");
constexpr QLatin1String ProxyKey("proxy");
constexpr QLatin1String IfExistsKey("ifExists");
constexpr QLatin1String ChecksumsFileKey("checksumsFile");
constexpr QLatin1String OnCompleteKey("onComplete");
constexpr qint64 MaxIntervalNs = qint64(24) * 60 * 60 * 1'000'000'000; // a day

constexpr QLatin1String GetName("GET");
constexpr QLatin1String HeadName("HEAD");

constexpr QLatin1String LastListFileName("last-list.txt");
// Not under "fetch/": how a list is read, not how a request is made.
constexpr QLatin1String PatternExpandKey("input/expandPatterns");
constexpr QLatin1String PatternLimitKey("input/patternLimit");

QString key(QLatin1String name)
{
    return QString(Group) + QLatin1Char('/') + name;
}

// A number that is not a number gives the default; one outside the range is clamped, so a
// hand-edited "retries=1000" still means "as many as allowed".
int readInt(const QSettings &settings, QLatin1String name, int fallback, int min, int max)
{
    const QVariant value = settings.value(key(name));
    if (!value.isValid())
        return fallback;
    bool ok = false;
    const qlonglong number = value.toLongLong(&ok);
    if (!ok)
        return fallback;
    return int(std::clamp<qlonglong>(number, min, max));
}

// QVariant::toBool() calls every string but "", "0" and "false" true, so "maybe" would switch a
// setting on; only an unambiguous value counts.
bool readBool(const QSettings &settings, QLatin1String name, bool fallback)
{
    const QVariant value = settings.value(key(name));
    if (value.typeId() == QMetaType::Bool)
        return value.toBool();
    const QString text = value.toString().trimmed().toLower();
    if (text == QLatin1String("true") || text == QLatin1String("1"))
        return true;
    if (text == QLatin1String("false") || text == QLatin1String("0"))
        return false;
    return fallback;
}

QString headerLine(const QPair<QByteArray, QByteArray> &header)
{
    return QString::fromLatin1(header.first) + QLatin1String(": ")
        + QString::fromUtf8(header.second);
}

} // namespace

FetchOptions SettingsStore::loadFetchOptions(const QSettings &settings)
{
    const FetchOptions defaults;
    FetchOptions options;

    options.concurrency = readInt(settings, ConcurrencyKey, defaults.concurrency,
                                  FetchOptions::MinConcurrency, FetchOptions::MaxConcurrency);
    const QString method = settings.value(key(MethodKey)).toString().trimmed();
    if (method.compare(HeadName, Qt::CaseInsensitive) == 0)
        options.method = FetchOptions::Method::Head;
    else if (method.compare(GetName, Qt::CaseInsensitive) == 0)
        options.method = FetchOptions::Method::Get;
    options.timeoutMs = readInt(settings, TimeoutKey, defaults.timeoutMs, 0, MaxTimeoutMs);
    options.idleTimeoutMs =
        readInt(settings, IdleTimeoutKey, defaults.idleTimeoutMs, 0, MaxTimeoutMs);
    options.retries = readInt(settings, RetriesKey, defaults.retries, 0, FetchOptions::MaxRetries);
    options.retryBaseDelayMs =
        readInt(settings, RetryBaseDelayKey, defaults.retryBaseDelayMs, 0, MaxRetryBaseDelayMs);
    options.maxRedirects =
        readInt(settings, MaxRedirectsKey, defaults.maxRedirects, 0, MaxRedirects);
    // A hand-edited user agent that could split the request is not sent; the default is.
    const QString userAgent = settings.value(key(UserAgentKey)).toString().trimmed();
    if (const QString forbidden = FetchOptions::forbiddenInHeaderValue(userAgent);
        forbidden.isEmpty())
        options.userAgent = userAgent.toUtf8();
    else
        qWarning("Parafetch: ignoring the stored user agent: it contains %s",
                 qPrintable(forbidden));

    // A hand-edited bad line is dropped rather than sent: a malformed header would make every
    // request of the run fail, and the dialog shows what is left. The warning names the line by
    // number only, because its text may be a secret.
    const QStringList headerLines = settings.value(key(HeadersKey)).toStringList();
    for (qsizetype index = 0; index < headerLines.size(); ++index) {
        if (const auto header = FetchOptions::parseHeader(headerLines.at(index), nullptr))
            options.headers.append(*header);
        else
            qWarning("Parafetch: ignoring stored header %lld: not \"Name: value\"",
                     static_cast<long long>(index + 1));
    }

    options.outputDirectory = settings.value(key(OutputDirectoryKey)).toString();
    options.computeSha256 = readBool(settings, ComputeSha256Key, defaults.computeSha256);
    // Kept even if the file has gone since: the settings dialog shows the problem, and a run
    // names it rather than silently trusting less.
    options.caFile = settings.value(key(CaFileKey)).toString();
    options.perHost = readInt(settings, PerHostKey, defaults.perHost, 0, FetchOptions::MaxPerHost);
    const QString protocol = settings.value(key(ProtocolKey)).toString().trimmed();
    if (const auto version = FetchOptions::httpVersionFromName(protocol))
        options.httpVersion = *version;
    else if (!protocol.isEmpty())
        qWarning("Parafetch: ignoring the stored protocol \"%s\": not auto, http1.1 or http2",
                 qPrintable(protocol));
    const QString ifExists = settings.value(key(IfExistsKey)).toString().trimmed();
    if (const auto policy = FetchOptions::existingFileFromName(ifExists))
        options.existingFile = *policy;
    else if (!ifExists.isEmpty())
        qWarning("Parafetch: ignoring the stored ifExists \"%s\": not rename, skip or overwrite",
                 qPrintable(ifExists.left(40)));
    for (const auto &[name, rate] :
         { std::pair { LimitRateKey, &options.limitRate },
           std::pair { LimitRatePerUrlKey, &options.limitRatePerUrl } }) {
        const QString text = settings.value(key(name)).toString();
        if (text.isEmpty())
            continue;
        if (const auto parsed = FetchOptions::parseByteRate(text, nullptr))
            *rate = *parsed;
        else
            qWarning("Parafetch: ignoring the stored %s \"%s\": not a rate such as 512K or 1.5M",
                     name.data(), qPrintable(text.left(40)));
    }
    // Kept even if the file has gone or gone bad since, as the CA file: the dialog shows the
    // problem, and a run without the cookies it was set up with is told so.
    options.cookiesFile = settings.value(key(CookiesFileKey)).toString();
    if (!options.cookiesFile.isEmpty()) {
        QString error;
        if (auto cookies = CookieFile::read(options.cookiesFile, &error))
            options.cookies =
                std::make_shared<const QList<CookieFile::Cookie>>(std::move(*cookies));
        else
            qWarning("Parafetch: the stored cookies file cannot be used: %s", qPrintable(error));
    }
    // As the cookies file: kept even if it has gone or gone bad since, for the dialog to show.
    options.checksumsFile = settings.value(key(ChecksumsFileKey)).toString();
    if (!options.checksumsFile.isEmpty()) {
        QString error;
        if (auto byName = ChecksumFile::read(options.checksumsFile, &error))
            options.checksumsByName =
                std::make_shared<const ChecksumFile::ByName>(std::move(*byName));
        else
            qWarning("Parafetch: the stored checksums file cannot be used: %s", qPrintable(error));
    }
    // Whether its program can be run is the machine's business today (a PATH, a mounted disk):
    // that is shown where it is used. Text that is no command line at all is not. Not named in
    // the warning: a command may carry a token.
    const QString onComplete = settings.value(key(OnCompleteKey)).toString().trimmed();
    if (QStringList words; ShellWords::split(onComplete, &words))
        options.onComplete = onComplete;
    else
        qWarning("Parafetch: ignoring the stored onComplete: a quote is not closed or it ends in "
                 "a lone backslash");
    for (const auto &[name, interval] :
         { std::pair { StartIntervalKey, &options.startIntervalNs },
           std::pair { PerHostIntervalKey, &options.perHostIntervalNs } }) {
        bool ok = false;
        const qint64 value = settings.value(key(name)).toLongLong(&ok);
        if (ok)
            *interval = std::clamp<qint64>(value, 0, MaxIntervalNs);
    }
    // Not named in the warning: a proxy URL may hold a password.
    const QString proxy = settings.value(key(ProxyKey)).toString().trimmed();
    if (proxy.isEmpty() || proxy == ProxyUrl::NoProxyWord || ProxyUrl::parse(proxy, nullptr))
        options.proxy = proxy;
    else
        qWarning("Parafetch: ignoring the stored proxy: not none or a proxy URL as --proxy takes");
    return options;
}

void SettingsStore::saveFetchOptions(QSettings &settings, const FetchOptions &options)
{
    QStringList headerLines;
    for (const auto &header : options.headers)
        headerLines.append(headerLine(header));

    settings.setValue(key(ConcurrencyKey), options.concurrency);
    settings.setValue(key(MethodKey),
                      options.method == FetchOptions::Method::Head ? HeadName : GetName);
    settings.setValue(key(TimeoutKey), options.timeoutMs);
    settings.setValue(key(IdleTimeoutKey), options.idleTimeoutMs);
    settings.setValue(key(RetriesKey), options.retries);
    settings.setValue(key(RetryBaseDelayKey), options.retryBaseDelayMs);
    settings.setValue(key(MaxRedirectsKey), options.maxRedirects);
    settings.setValue(key(UserAgentKey), QString::fromUtf8(options.userAgent));
    settings.setValue(key(HeadersKey), headerLines);
    settings.setValue(key(OutputDirectoryKey), options.outputDirectory);
    settings.setValue(key(ComputeSha256Key), options.computeSha256);
    settings.setValue(key(CaFileKey), options.caFile);
    settings.setValue(key(PerHostKey), options.perHost);
    settings.setValue(key(ProtocolKey), FetchOptions::httpVersionName(options.httpVersion));
    settings.setValue(key(LimitRateKey), FetchOptions::byteRateText(options.limitRate));
    settings.setValue(key(LimitRatePerUrlKey), FetchOptions::byteRateText(options.limitRatePerUrl));
    settings.setValue(key(CookiesFileKey), options.cookiesFile);
    settings.setValue(key(StartIntervalKey), options.startIntervalNs);
    settings.setValue(key(PerHostIntervalKey), options.perHostIntervalNs);
    settings.setValue(key(ProxyKey), options.proxy);
    settings.setValue(key(IfExistsKey), FetchOptions::existingFileName(options.existingFile));
    settings.setValue(key(ChecksumsFileKey), options.checksumsFile);
    settings.setValue(key(OnCompleteKey), options.onComplete);
}

UrlPatternOptions SettingsStore::loadPatternOptions(const QSettings &settings)
{
    const UrlPatternOptions defaults;
    UrlPatternOptions options;
    const QVariant expand = settings.value(QString(PatternExpandKey));
    if (expand.isValid()) {
        const QString text = expand.toString().trimmed().toLower();
        if (text == QLatin1String("false") || text == QLatin1String("0"))
            options.expand = false;
    }
    bool ok = false;
    const qlonglong limit = settings.value(QString(PatternLimitKey)).toLongLong(&ok);
    options.limit = ok ? std::clamp<qint64>(limit, 1, UrlPatternOptions::MaxLimit) : defaults.limit;
    return options;
}

void SettingsStore::savePatternOptions(QSettings &settings, const UrlPatternOptions &options)
{
    settings.setValue(QString(PatternExpandKey), options.expand);
    settings.setValue(QString(PatternLimitKey), options.limit);
}

QString SettingsStore::lastListPath()
{
    const QString directory = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (directory.isEmpty())
        return {};
    return QDir(directory).filePath(LastListFileName);
}

bool SettingsStore::saveLastList(const QString &text, QString *error)
{
    const auto failed = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };

    const QString path = lastListPath();
    if (path.isEmpty())
        return failed(tr("There is no folder for application data on this system."));

    if (text.isEmpty()) {
        // Nothing to offer back next time; a missing file says that best.
        QFile file(path);
        if (file.exists() && !file.remove())
            return failed(tr("Could not remove %1: %2")
                              .arg(QDir::toNativeSeparators(path), file.errorString()));
        return true;
    }

    const QString directory = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(directory))
        return failed(
            tr("Could not create the folder %1").arg(QDir::toNativeSeparators(directory)));

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return failed(tr("Could not open %1 for writing: %2")
                          .arg(QDir::toNativeSeparators(path), file.errorString()));
    const QByteArray bytes = text.toUtf8();
    if (file.write(bytes) != bytes.size())
        return failed(
            tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    if (!file.commit())
        return failed(
            tr("Could not save %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    return true;
}

QString SettingsStore::loadLastList()
{
    const QString path = lastListPath();
    if (path.isEmpty())
        return {};
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

} // namespace Parafetch
