// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 of a stream, through OpenSSL's libcrypto (SHA-NI/AVX2 where the CPU has them).
#pragma once

#include <QByteArray>
#include <QByteArrayView>

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

} // namespace Parafetch
