// SPDX-License-Identifier: GPL-3.0-or-later
// Masking of secrets (URL credentials, secret query parameters, sensitive header values) before
// anything is shown, exported or logged.
#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace Parafetch {

inline constexpr QLatin1String RedactedMark("***");

// Query parameters whose value is a secret, matched case-insensitively on the whole decoded
// name: bearer and API tokens and keys, passwords, client secrets, and the signatures and
// credentials of presigned URLs (AWS SigV4, Google Cloud Storage V4, Azure SAS "sig").
// Whole names only, so "q=tokenizer", "tokens=5" and "page=2" are shown as they are; a name
// missing here is shown, so add to it rather than guess by substring.
inline constexpr QLatin1String SecretQueryParameters[] = {
    QLatin1String("access_token"),
    QLatin1String("refresh_token"),
    QLatin1String("id_token"),
    QLatin1String("token"),
    QLatin1String("auth"),
    QLatin1String("auth_token"),
    QLatin1String("private_token"),
    QLatin1String("api_key"),
    QLatin1String("apikey"),
    QLatin1String("key"),
    QLatin1String("secret"),
    QLatin1String("client_secret"),
    QLatin1String("password"),
    QLatin1String("passwd"),
    QLatin1String("sig"),
    QLatin1String("signature"),
    QLatin1String("X-Amz-Signature"),
    QLatin1String("X-Amz-Credential"),
    QLatin1String("X-Amz-Security-Token"),
    QLatin1String("X-Goog-Signature"),
    QLatin1String("X-Goog-Credential"),
};

// The URL as a person may see it, and the only way a URL is shown or written anywhere (table,
// details, standard output, CSV, JSON, HAR, the run journal, the last list): user name and
// password become ***, and so does the value of every secret query parameter, its name kept
// ("?token=***&page=2"); the same in a fragment written as parameters (OAuth's
// "#access_token=..."). The request itself is made with the URL as it is.
QString redactedUrl(const QUrl &url);

// Whether `name` (a query parameter's name, decoded) is in SecretQueryParameters.
bool isSecretQueryParameter(QStringView name);

// True for a URL that redactedUrl() has already masked (read back from the journal, an export
// or the last list): its user info or a secret query value is the mark, so fetching it as it
// is would send *** where the secret was.
bool hasMaskedSecrets(const QUrl &url);

// True for headers whose value is a secret: Authorization, Proxy-Authorization, Cookie,
// Set-Cookie and the like (case-insensitive).
bool isSensitiveHeader(QByteArrayView name);

// The header value as a person may see it: *** for sensitive headers; for a URL header
// (Location, Content-Location) the URL as redactedUrl() shows it when it holds a secret; the
// value otherwise.
QByteArray redactedHeaderValue(QByteArrayView name, const QByteArray &value);

} // namespace Parafetch
