// Masking of secrets (URL credentials, sensitive header values) before anything is shown,
// exported or logged.
#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace Parafetch {

inline constexpr QLatin1String RedactedMark("***");

// The URL as a person may see it: user name and password replaced by ***.
QString redactedUrl(const QUrl &url);

// True for headers whose value is a secret: Authorization, Proxy-Authorization, Cookie,
// Set-Cookie and the like (case-insensitive).
bool isSensitiveHeader(QByteArrayView name);

// The header value as a person may see it: *** for sensitive headers, the value otherwise.
QByteArray redactedHeaderValue(QByteArrayView name, const QByteArray &value);

} // namespace Parafetch
