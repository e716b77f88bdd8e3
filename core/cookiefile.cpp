// SPDX-License-Identifier: GPL-3.0-or-later
#include "cookiefile.h"

#include "smallfile.h"

#include <QUrl>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr qint64 MaxFileBytes = qint64(64) * 1024 * 1024;
constexpr int Fields = 7;
constexpr QByteArrayView HttpOnlyPrefix = "#HttpOnly_";

std::optional<bool> flag(QByteArrayView text)
{
    if (text.compare("TRUE", Qt::CaseInsensitive) == 0)
        return true;
    if (text.compare("FALSE", Qt::CaseInsensitive) == 0)
        return false;
    return std::nullopt;
}

bool domainMatches(const CookieFile::Cookie &cookie, const QString &host)
{
    if (host == cookie.domain)
        return true;
    return cookie.includeSubdomains && host.endsWith(cookie.domain)
        && host.at(host.size() - cookie.domain.size() - 1) == QLatin1Char('.');
}

// RFC 6265 section 5.1.4.
bool pathMatches(const QString &cookiePath, const QString &requestPath)
{
    if (requestPath == cookiePath)
        return true;
    return requestPath.startsWith(cookiePath)
        && (cookiePath.endsWith(QLatin1Char('/')) || requestPath.at(cookiePath.size()) == u'/');
}

} // namespace

std::optional<QList<CookieFile::Cookie>> CookieFile::parse(QByteArrayView text, QString *error)
{
    QList<Cookie> cookies;
    int lineNumber = 0;
    const auto refuse = [&](const QString &why) {
        if (error)
            *error = tr("line %1 is not a Netscape cookies.txt line: %2").arg(lineNumber).arg(why);
        return std::nullopt;
    };
    for (QByteArrayView rest = text; !rest.isEmpty();) {
        const qsizetype end = rest.indexOf('\n');
        QByteArrayView line = end < 0 ? rest : rest.first(end);
        rest = end < 0 ? QByteArrayView() : rest.sliced(end + 1);
        ++lineNumber;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.startsWith(HttpOnlyPrefix))
            line = line.sliced(HttpOnlyPrefix.size());
        else if (line.trimmed().isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.toByteArray().split('\t');
        if (fields.size() != Fields)
            return refuse(tr("%n tab-separated fields, not 7", nullptr, int(fields.size())));
        Cookie cookie;
        QByteArrayView domain = QByteArrayView(fields[0]).trimmed();
        if (domain.startsWith('.'))
            domain = domain.sliced(1);
        cookie.domain = QString::fromUtf8(domain).toLower();
        const auto subdomains = flag(fields[1].trimmed());
        const auto secure = flag(fields[3].trimmed());
        bool expiresOk = false;
        cookie.expires = fields[4].trimmed().toLongLong(&expiresOk);
        cookie.path = QString::fromUtf8(fields[2].trimmed());
        cookie.name = fields[5];
        cookie.value = fields[6];
        if (cookie.domain.isEmpty())
            return refuse(tr("no domain"));
        if (!subdomains || !secure)
            return refuse(tr("the flags must be TRUE or FALSE"));
        if (!expiresOk || cookie.expires < 0)
            return refuse(tr("the expiry is not a time in seconds"));
        if (!cookie.path.startsWith(QLatin1Char('/')))
            return refuse(tr("the path does not start with /"));
        if (cookie.name.isEmpty())
            return refuse(tr("no cookie name"));
        // What would end the header or the cookie: never sent.
        for (const char c : cookie.name + cookie.value) {
            if (c == ';' || c == '\r' || c == '\n' || c == '\0')
                return refuse(tr("a name or value holds ';', a line break or NUL"));
        }
        cookie.includeSubdomains = *subdomains;
        cookie.secure = *secure;
        cookies.append(std::move(cookie));
    }
    // Longer paths first (RFC 6265 section 5.4), in file order otherwise.
    std::stable_sort(cookies.begin(), cookies.end(), [](const Cookie &a, const Cookie &b) {
        return a.path.size() > b.path.size();
    });
    return cookies;
}

std::optional<QList<CookieFile::Cookie>> CookieFile::read(const QString &path, QString *error)
{
    return SmallFile::readAndParse(path, MaxFileBytes, tr("a cookies file"), error,
                                   &CookieFile::parse);
}

QByteArray CookieFile::headerFor(const QList<Cookie> &cookies, const QUrl &url, qint64 nowSecs)
{
    const QString host = url.host().toLower();
    const QString path = url.path().isEmpty() ? QStringLiteral("/") : url.path();
    const bool https = url.scheme() == QLatin1String("https");
    QByteArray header;
    for (const Cookie &cookie : cookies) {
        if ((cookie.secure && !https) || (cookie.expires != 0 && cookie.expires <= nowSecs)
            || !domainMatches(cookie, host) || !pathMatches(cookie.path, path))
            continue;
        if (!header.isEmpty())
            header += "; ";
        header += cookie.name + '=' + cookie.value;
    }
    return header;
}

} // namespace Parafetch
