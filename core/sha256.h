// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 of a stream, through OpenSSL's libcrypto (SHA-NI/AVX2 where the CPU has them).
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QMetaType>

#include <array>
#include <cstring>
#include <memory>

namespace Parafetch {

// QCryptographicHash computes SHA-256 in portable C (about 180 MB/s here), which made hashing,
// not the network, the limit of a download; libcrypto's is about ten times faster.
class Sha256 final
{
public:
    Sha256();
    ~Sha256();
    Q_DISABLE_COPY_MOVE(Sha256)

    void addData(QByteArrayView data);
    QByteArray result(); // the raw 32-byte digest; the hash starts over afterwards
    void reset();

    static QByteArray hash(QByteArrayView data);
    // Has libcrypto look SHA-256 up now. Its first use loads OpenSSL's configuration and
    // providers (about 3 ms); a thread with nothing better to do can take that off the first
    // fetches' path. Thread-safe; the lookup happens once per process.
    static void prepare();
    static bool isPrepared(); // the lookup has happened in this process (by prepare() or a use)
    // Frees libcrypto's state of the calling thread; call it in a thread that is about to end.
    static void releaseThreadState();

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

// A SHA-256 digest kept in place: 32 bytes and a flag, where a QByteArray costs a pointer and
// a 64-byte allocation per finished row of a million. Made from and read as the raw digest
// (QByteArray) that Sha256::result() gives; any other size is no digest.
class Sha256Digest
{
public:
    static constexpr qsizetype Size = 32;

    Sha256Digest() = default;
    Sha256Digest(QByteArrayView raw) // NOLINT(google-explicit-constructor): the same value
    {
        if (raw.size() == Size) {
            std::memcpy(m_bytes.data(), raw.data(), Size);
            m_set = true;
        }
    }
    Sha256Digest(const QByteArray &raw) // NOLINT(google-explicit-constructor)
        : Sha256Digest(QByteArrayView(raw))
    { }

    bool isEmpty() const { return !m_set; }
    qsizetype size() const { return m_set ? Size : 0; }
    void clear() { *this = Sha256Digest(); }
    QByteArray toByteArray() const
    {
        return m_set ? QByteArray(m_bytes.data(), Size) : QByteArray();
    }
    operator QByteArray() const { return toByteArray(); } // NOLINT(google-explicit-constructor)
    QByteArray toHex() const
    {
        return QByteArrayView(m_bytes.data(), size()).toByteArray().toHex();
    }

    friend bool operator==(const Sha256Digest &a, const Sha256Digest &b)
    {
        return a.m_set == b.m_set && a.m_bytes == b.m_bytes;
    }
    friend bool operator!=(const Sha256Digest &a, const Sha256Digest &b) { return !(a == b); }
    friend bool operator==(const Sha256Digest &a, const QByteArray &b)
    {
        return a.toByteArray() == b;
    }
    friend bool operator==(const QByteArray &a, const Sha256Digest &b) { return b == a; }
    friend bool operator!=(const Sha256Digest &a, const QByteArray &b) { return !(a == b); }
    friend bool operator!=(const QByteArray &a, const Sha256Digest &b) { return !(a == b); }

private:
    std::array<char, Size> m_bytes {};
    bool m_set = false;
};

// For QCOMPARE (found by argument-dependent lookup, as QTest documents): the digest in hex.
inline char *toString(const Sha256Digest &digest)
{
    return qstrdup(digest.isEmpty() ? "(none)" : digest.toHex().constData());
}

} // namespace Parafetch

Q_DECLARE_TYPEINFO(Parafetch::Sha256Digest, Q_RELOCATABLE_TYPE);
