// SPDX-License-Identifier: GPL-3.0-or-later
// A proxy as the user names it (--proxy, Settings → Network proxy), parsed and checked.
#pragma once

#include <QString>

#include <optional>

namespace Parafetch {

struct ProxyUrl
{
    enum class Kind : quint8 {
        Http, // http://: plain requests in absolute form, CONNECT for https
        Socks5, // socks5://: names resolved here, the proxy gets an address
        Socks5Hostname, // socks5h://: names resolved by the proxy
    };
    // What FetchOptions::proxy holds for "no proxy at all" (--no-proxy, Settings).
    static constexpr QLatin1String NoProxyWord { "none" };
    // curl's default, for all its proxy kinds.
    static constexpr quint16 DefaultPort = 1080;

    Kind kind = Kind::Http;
    QString host;
    quint16 port = DefaultPort;
    QString user; // percent-decoded, empty for none
    QString password; // percent-decoded; a secret: never shown (redactedUrl() masks it)

    // Parses "SCHEME://[USER[:PASSWORD]@]HOST[:PORT][/]" with SCHEME http, socks5 or socks5h.
    // https:// is refused: Qt 6.4 has no TLS to a proxy (QNetworkProxy's HttpProxy speaks plain
    // TCP to it). nullopt with a reason on error; the reason never holds the password.
    static std::optional<ProxyUrl> parse(QStringView text, QString *error);
    // The setting as a person may see it: the URL with its user info masked, "none", or empty
    // (the system's settings).
    static QString displayText(const QString &setting);
};

} // namespace Parafetch
