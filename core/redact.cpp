// SPDX-License-Identifier: GPL-3.0-or-later
// Masking of secrets in URLs and headers.
#include "redact.h"

#include <QStringList>

#include <algorithm>
#include <array>
#include <optional>

namespace Parafetch {

namespace {

constexpr QChar ParameterSeparator = u'&';
constexpr QChar NameValueSeparator = u'=';

// Whether a parameter's name, as it stands in the encoded query, names a secret. QUrl decodes
// unreserved characters itself, so few names still hold a '%'.
bool isSecretName(QStringView encoded)
{
    if (!encoded.contains(u'%'))
        return isSecretQueryParameter(encoded);
    return isSecretQueryParameter(QUrl::fromPercentEncoding(encoded.toUtf8()));
}

// The value of each secret parameter of `encoded` ("a=1&token=x", percent-encoded as QUrl
// gives it) replaced by the mark; nullopt when there is none to mask.
std::optional<QString> maskedParameters(const QString &encoded)
{
    if (!encoded.contains(NameValueSeparator))
        return std::nullopt;
    QStringList pairs = encoded.split(ParameterSeparator);
    bool masked = false;
    for (QString &pair : pairs) {
        const qsizetype separator = pair.indexOf(NameValueSeparator);
        if (separator <= 0 || separator + 1 == pair.size())
            continue; // no name, or nothing to hide
        if (!isSecretName(QStringView(pair).first(separator)))
            continue;
        pair.truncate(separator + 1);
        pair += RedactedMark;
        masked = true;
    }
    if (!masked)
        return std::nullopt;
    return pairs.join(ParameterSeparator);
}

// Whether some secret parameter of `encoded` has the mark as its value.
bool hasMaskedParameter(const QString &encoded)
{
    const QStringList pairs = encoded.split(ParameterSeparator);
    return std::any_of(pairs.cbegin(), pairs.cend(), [](const QString &pair) {
        const qsizetype separator = pair.indexOf(NameValueSeparator);
        return separator > 0 && QStringView(pair).sliced(separator + 1) == RedactedMark
            && isSecretName(QStringView(pair).first(separator));
    });
}

// The URL with its secrets masked; nullopt if it has none.
std::optional<QUrl> maskedUrl(const QUrl &url)
{
    QUrl masked = url;
    bool changed = false;
    if (!url.userInfo().isEmpty()) {
        masked.setUserInfo(RedactedMark);
        changed = true;
    }
    if (url.hasQuery()) {
        if (const auto query = maskedParameters(url.query(QUrl::FullyEncoded))) {
            masked.setQuery(*query);
            changed = true;
        }
    }
    if (url.hasFragment()) {
        if (const auto fragment = maskedParameters(url.fragment(QUrl::FullyEncoded))) {
            masked.setFragment(*fragment);
            changed = true;
        }
    }
    if (!changed)
        return std::nullopt;
    return masked;
}

} // namespace

QString redactedUrl(const QUrl &url)
{
    return maskedUrl(url).value_or(url).toString(QUrl::FullyEncoded);
}

bool isSecretQueryParameter(QStringView name)
{
    return std::any_of(
        std::cbegin(SecretQueryParameters), std::cend(SecretQueryParameters),
        [name](QLatin1String secret) { return name.compare(secret, Qt::CaseInsensitive) == 0; });
}

bool hasMaskedSecrets(const QUrl &url)
{
    return url.userInfo() == RedactedMark
        || (url.hasQuery() && hasMaskedParameter(url.query(QUrl::FullyEncoded)));
}

bool isSensitiveHeader(QByteArrayView name)
{
    static constexpr std::array<QByteArrayView, 6> sensitive = {
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token",
    };
    for (QByteArrayView candidate : sensitive) {
        if (name.compare(candidate, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray redactedHeaderValue(QByteArrayView name, const QByteArray &value)
{
    if (isSensitiveHeader(name))
        return QByteArray(RedactedMark.data(), RedactedMark.size());
    // A redirect to a presigned URL carries its signature in the Location.
    static constexpr std::array<QByteArrayView, 2> urlHeaders = { "location", "content-location" };
    const bool isUrlHeader =
        std::any_of(urlHeaders.cbegin(), urlHeaders.cend(), [name](QByteArrayView candidate) {
            return name.compare(candidate, Qt::CaseInsensitive) == 0;
        });
    if (isUrlHeader) {
        const QUrl url(QString::fromUtf8(value), QUrl::StrictMode);
        if (url.isValid()) {
            if (const auto masked = maskedUrl(url))
                return masked->toString(QUrl::FullyEncoded).toUtf8();
        }
    }
    return value;
}

} // namespace Parafetch
