// SPDX-License-Identifier: GPL-3.0-or-later
// TLS for the fetches: extra trusted CA certificates, and TLS failures told in plain words.
#pragma once

#include <QList>
#include <QSslError>
#include <QString>

class QNetworkRequest;

namespace Parafetch {

struct FetchOptions;

// Trusts the CA certificates in options.caFile (PEM) for this request, besides the system's; does
// nothing when caFile is empty. Each file is read once per path and process, then kept: this runs
// for every request, in every engine thread. A file that cannot be used trusts nothing more (with
// one warning on stderr); check it up front with checkCaFile().
void configureTls(QNetworkRequest &request, const FetchOptions &options);

// Reads and parses a CA file now, never from the cache. False with *error (if given) set to
// "cannot read FILE: why" or "no PEM certificate in FILE".
bool checkCaFile(const QString &path, QString *error);

// "TLS: the certificate of HOST is self-signed and not trusted", "... has expired (on DATE)",
// "... is not valid for host HOST (it is for NAMES)" and so on, from the errors a reply reported
// through QNetworkReply::sslErrors; when it reported none (a failed handshake), from its
// errorString. Every problem is named, each once.
QString tlsFailureMessage(const QList<QSslError> &errors, const QString &host,
                          const QString &errorString);

} // namespace Parafetch
