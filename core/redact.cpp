// Masking of secrets in URLs and headers.
#include "redact.h"

#include <array>

namespace Parafetch {

QString redactedUrl(const QUrl &url)
{
    if (url.userInfo().isEmpty())
        return url.toString(QUrl::FullyEncoded);
    QUrl masked = url;
    masked.setUserInfo(RedactedMark);
    return masked.toString(QUrl::FullyEncoded);
}

bool isSensitiveHeader(QByteArrayView name)
{
    static constexpr std::array<QByteArrayView, 6> sensitive = {
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
        "x-auth-token",
    };
    for (QByteArrayView candidate : sensitive) {
        if (name.compare(candidate, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray redactedHeaderValue(QByteArrayView name, const QByteArray &value)
{
    return isSensitiveHeader(name) ? QByteArray(RedactedMark.data(), RedactedMark.size()) : value;
}

} // namespace Parafetch
