// SPDX-License-Identifier: GPL-3.0-or-later
// Extra CA certificates for the requests (read once, shared by the engine's threads) and plain
// messages for TLS failures. SSL errors are never ignored here: they are only explained.
#include "engine/tlsconfig.h"

#include "fetchoptions.h"
#include "units.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QNetworkRequest>
#include <QSet>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStringList>

#include <optional>

namespace Parafetch {

namespace {

// Debian's whole bundle of public CAs is about 200 KiB.
constexpr qint64 MaxCaFileBytes = 16 * Units::BytesPerMiB;

QString tr(const char *text)
{
    return QCoreApplication::translate("Tls", text);
}

std::optional<QList<QSslCertificate>> readCaFile(const QString &path, QString *error)
{
    const auto failed = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    // A folder, a pipe or /dev/zero would never give a certificate, or never end.
    const QFileInfo info(path);
    if (info.exists() && !info.isFile())
        return failed(tr("cannot read %1: not a regular file").arg(path));
    if (info.size() > MaxCaFileBytes)
        return failed(tr("cannot read %1: larger than %2 MiB, too large for CA certificates")
                          .arg(path)
                          .arg(MaxCaFileBytes / Units::BytesPerMiB));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failed(tr("cannot read %1: %2").arg(path, file.errorString()));
    QList<QSslCertificate> certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    certificates.removeIf([](const QSslCertificate &certificate) { return certificate.isNull(); });
    if (certificates.isEmpty())
        return failed(tr("no PEM certificate in %1").arg(path));
    return certificates;
}

// The CA list a request with this CA file uses: the system's and the file's. Adding to the
// default configuration would not do: Qt then stops loading the system's roots on demand, and
// every other https site would fail.
QList<QSslCertificate> trustedCertificates(const QString &caFile)
{
    static QMutex mutex;
    static QHash<QString, QList<QSslCertificate>> cache;
    const QMutexLocker locker(&mutex);
    if (const auto it = cache.constFind(caFile); it != cache.cend())
        return *it;
    QList<QSslCertificate> certificates = QSslConfiguration::systemCaCertificates();
    QString error;
    if (const auto extra = readCaFile(caFile, &error))
        certificates += *extra;
    else
        qWarning("Parafetch: the trusted CA file adds nothing: %s", qPrintable(error));
    cache.insert(caFile, certificates);
    return certificates;
}

// What the certificate names: its DNS and IP alternative names, else its common names.
QString certificateNames(const QSslCertificate &certificate)
{
    QStringList names;
    const auto alternatives = certificate.subjectAlternativeNames();
    for (auto it = alternatives.cbegin(); it != alternatives.cend(); ++it) {
        if (it.key() == QSsl::DnsEntry || it.key() == QSsl::IpAddressEntry)
            names.append(it.value());
    }
    if (names.isEmpty())
        names = certificate.subjectInfo(QSslCertificate::CommonName);
    return names.isEmpty() ? tr("no host") : names.join(QLatin1String(", "));
}

QString issuerName(const QSslCertificate &certificate)
{
    const QStringList names = certificate.issuerInfo(QSslCertificate::CommonName);
    return names.isEmpty() ? certificate.issuerDisplayName() : names.join(QLatin1String(", "));
}

QString isoDate(const QDateTime &when)
{
    return when.toUTC().date().toString(Qt::ISODate);
}

// The rest of "the certificate of HOST ...".
QString problem(const QSslError &error, const QString &host)
{
    const QSslCertificate certificate = error.certificate();
    switch (error.error()) {
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
        return tr("is self-signed and not trusted (a trusted CA file can accept it)");
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::CertificateUntrusted:
        return tr("is signed by an authority that is not trusted (%1; a trusted CA file can "
                  "accept it)")
            .arg(certificate.isNull() ? tr("unknown") : issuerName(certificate));
    case QSslError::CertificateExpired:
        return certificate.isNull()
            ? tr("has expired")
            : tr("has expired (on %1)").arg(isoDate(certificate.expiryDate()));
    case QSslError::CertificateNotYetValid:
        return certificate.isNull()
            ? tr("is not valid yet")
            : tr("is not valid yet (not before %1)").arg(isoDate(certificate.effectiveDate()));
    case QSslError::HostNameMismatch:
        return certificate.isNull() ? tr("is not valid for host %1").arg(host)
                                    : tr("is not valid for host %1 (it is for %2)")
                                          .arg(host, certificateNames(certificate));
    case QSslError::CertificateRevoked:
        return tr("has been revoked");
    default:
        return tr("was refused: %1").arg(error.errorString());
    }
}

} // namespace

void configureTls(QNetworkRequest &request, const FetchOptions &options)
{
    if (options.caFile.isEmpty())
        return;
    QSslConfiguration configuration = request.sslConfiguration();
    configuration.setCaCertificates(trustedCertificates(options.caFile));
    request.setSslConfiguration(configuration);
}

bool checkCaFile(const QString &path, QString *error)
{
    return readCaFile(path, error).has_value();
}

QString tlsFailureMessage(const QList<QSslError> &errors, const QString &host,
                          const QString &errorString)
{
    QStringList problems;
    for (const QSslError &error : errors) {
        const QString text = problem(error, host);
        if (!problems.contains(text))
            problems.append(text);
    }
    if (problems.isEmpty())
        return tr("TLS: the handshake with %1 failed: %2").arg(host, errorString);
    return tr("TLS: the certificate of %1 %2").arg(host, problems.join(tr(", and it ")));
}

} // namespace Parafetch
