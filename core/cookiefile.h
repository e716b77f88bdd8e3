// SPDX-License-Identifier: GPL-3.0-or-later
// Cookies from a Netscape cookies.txt (--cookies FILE), and which of them a request may carry.
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <optional>

class QUrl;

namespace Parafetch {

// What browsers' export extensions, curl (-c) and wget (--save-cookies) write: one cookie per
// line, seven fields separated by tabs:
//   DOMAIN  INCLUDE-SUBDOMAINS(TRUE|FALSE)  PATH  SECURE(TRUE|FALSE)  EXPIRES(unix s, 0 = session)
//   NAME  VALUE
// A DOMAIN prefixed "#HttpOnly_" is an HttpOnly cookie (sent like the others: no script here);
// other lines starting with '#' and blank lines are skipped. Any other line is an error naming
// its number: a file that is not in this format is refused, not half read.
//
// A request carries a cookie only where the file allows (RFC 6265 section 5.4): its host is the
// domain, or, with INCLUDE-SUBDOMAINS, a subdomain of it; its path is the cookie's path or below
// it; a SECURE cookie only over https; an expired one never. Longer paths first. Nothing a
// server sends (Set-Cookie) is ever added: cookies are not shared between URLs otherwise.
class CookieFile
{
    Q_DECLARE_TR_FUNCTIONS(Parafetch::CookieFile)
public:
    struct Cookie
    {
        QString domain; // lower case, without a leading dot
        bool includeSubdomains = false;
        QString path = QStringLiteral("/");
        bool secure = false;
        qint64 expires = 0; // unix seconds; 0 = a session cookie
        QByteArray name;
        QByteArray value;
    };

    static std::optional<QList<Cookie>> parse(QByteArrayView text, QString *error);
    static std::optional<QList<Cookie>> read(const QString &path, QString *error);

    // The Cookie header value for a request to url at nowSecs ("a=1; b=2"), empty for none.
    static QByteArray headerFor(const QList<Cookie> &cookies, const QUrl &url, qint64 nowSecs);
};

} // namespace Parafetch
