// SPDX-License-Identifier: GPL-3.0-or-later
// A URL kept as its encoded bytes, for queues of a million.
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QUrl>

namespace Parafetch {

// A QUrl stored as the bytes QUrl::toEncoded() gives (RFC 3986, ASCII): one allocation of about
// 64 bytes for a typical URL, where a QUrl keeps a private block and a string per part (about
// 400 bytes with malloc's share, measured). A queue keeps every row's URL this way and makes a
// QUrl where one is needed: when a task is sent, a row is shown or a result is exported.
//
// It converts to and from QUrl implicitly because it is the same value in another form:
// QUrl::fromEncoded(url.toEncoded()) == url. Equality compares the bytes, which is QUrl's
// equality for URLs that came through QUrl (both compare every part in its encoded form).
class CompactUrl
{
public:
    CompactUrl() = default;
    CompactUrl(const QUrl &url) // NOLINT(google-explicit-constructor): the same value
        : m_encoded(url.isEmpty() ? QByteArray() : tight(url.toEncoded()))
    { }
    // Bytes that came from QUrl::toEncoded(), kept as they are (the parser has them already).
    static CompactUrl fromEncoded(QByteArray encoded)
    {
        CompactUrl url;
        url.m_encoded = tight(std::move(encoded));
        return url;
    }

    // The same, for bytes that share a larger block on purpose (a list's packed URLs,
    // PackedKeyMap::value()): kept as given, however large the block.
    static CompactUrl fromSharedEncoded(QByteArray encoded)
    {
        CompactUrl url;
        url.m_encoded = std::move(encoded);
        return url;
    }

    QUrl toUrl() const { return m_encoded.isEmpty() ? QUrl() : QUrl::fromEncoded(m_encoded); }
    operator QUrl() const { return toUrl(); } // NOLINT(google-explicit-constructor)
    const QByteArray &encoded() const { return m_encoded; }

    bool isEmpty() const { return m_encoded.isEmpty(); }
    bool isValid() const { return !isEmpty() && toUrl().isValid(); }
    // As QUrl's own, each through a QUrl made for the call: for the odd call, not a loop.
    QString toString(QUrl::FormattingOptions options = QUrl::PrettyDecoded) const
    {
        return toUrl().toString(options);
    }
    QString toDisplayString(QUrl::FormattingOptions options = QUrl::PrettyDecoded) const
    {
        return toUrl().toDisplayString(options);
    }
    QString scheme() const { return toUrl().scheme(); }
    QString host() const { return toUrl().host(); }
    int port(int defaultPort = -1) const { return toUrl().port(defaultPort); }
    QString path() const { return toUrl().path(); }
    QString query() const { return toUrl().query(); }
    QString userInfo() const { return toUrl().userInfo(); }
    QString password() const { return toUrl().password(); }

    friend bool operator==(const CompactUrl &a, const CompactUrl &b)
    {
        return a.m_encoded == b.m_encoded;
    }
    friend bool operator!=(const CompactUrl &a, const CompactUrl &b) { return !(a == b); }
    friend bool operator==(const CompactUrl &a, const QUrl &b) { return a.toUrl() == b; }
    friend bool operator==(const QUrl &a, const CompactUrl &b) { return a == b.toUrl(); }
    friend bool operator!=(const CompactUrl &a, const QUrl &b) { return !(a == b); }
    friend bool operator!=(const QUrl &a, const CompactUrl &b) { return !(a == b); }
    friend size_t qHash(const CompactUrl &url, size_t seed = 0) noexcept
    {
        return qHash(url.m_encoded, seed);
    }

private:
    // toEncoded() converts QUrl's UTF-16 string in place, so its bytes sit in an allocation
    // twice their size and more: a million rows keep a copy of just the bytes.
    static QByteArray tight(QByteArray bytes)
    {
        if (bytes.capacity() > bytes.size())
            return QByteArray(bytes.constData(), bytes.size());
        return bytes;
    }

    QByteArray m_encoded;
};

// For QCOMPARE (found by argument-dependent lookup, as QTest documents): the encoded URL.
inline char *toString(const CompactUrl &url)
{
    return qstrdup(url.encoded().constData());
}

} // namespace Parafetch

Q_DECLARE_TYPEINFO(Parafetch::CompactUrl, Q_RELOCATABLE_TYPE);
Q_DECLARE_METATYPE(Parafetch::CompactUrl)
