// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing and checking of proxy URLs.
#include "proxyurl.h"

#include "redact.h"

#include <QCoreApplication>
#include <QUrl>

namespace Parafetch {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Parafetch::ProxyUrl", text);
}

} // namespace

std::optional<ProxyUrl> ProxyUrl::parse(QStringView text, QString *error)
{
    const auto fail = [error](const QString &reason) {
        if (error)
            *error = reason;
        return std::nullopt;
    };
    const QString trimmed = text.trimmed().toString();
    const qsizetype separator = trimmed.indexOf(QLatin1String("://"));
    if (separator <= 0)
        return fail(tr("not a proxy URL: give SCHEME://HOST:PORT with SCHEME http, socks5 or "
                       "socks5h"));
    const QString scheme = trimmed.left(separator).toLower();
    ProxyUrl proxy;
    if (scheme == QLatin1String("http")) {
        proxy.kind = Kind::Http;
    } else if (scheme == QLatin1String("socks5")) {
        proxy.kind = Kind::Socks5;
    } else if (scheme == QLatin1String("socks5h")) {
        proxy.kind = Kind::Socks5Hostname;
    } else if (scheme == QLatin1String("https")) {
        return fail(tr("https:// proxies are not supported: Qt 6.4 cannot speak TLS to a proxy; "
                       "use http, socks5 or socks5h"));
    } else {
        // Only the scheme is named: the rest may hold a password.
        return fail(
            tr("unknown proxy scheme \"%1\": use http, socks5 or socks5h").arg(scheme.left(20)));
    }
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return fail(tr("not a valid proxy URL: %1").arg(redactedUrl(url)));
    if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
        return fail(tr("a proxy URL has no path: %1").arg(redactedUrl(url)));
    if (url.hasQuery() || url.hasFragment())
        return fail(tr("a proxy URL has no query or fragment: %1").arg(redactedUrl(url)));
    const int port = url.port(DefaultPort);
    if (port <= 0)
        return fail(tr("the proxy's port must be 1 to 65535: %1").arg(redactedUrl(url)));
    proxy.host = url.host();
    proxy.port = quint16(port);
    proxy.user = url.userName(QUrl::FullyDecoded);
    proxy.password = url.password(QUrl::FullyDecoded);
    return proxy;
}

QString ProxyUrl::displayText(const QString &setting)
{
    if (setting.isEmpty() || setting == NoProxyWord)
        return setting;
    return redactedUrl(QUrl(setting.trimmed()));
}

} // namespace Parafetch
