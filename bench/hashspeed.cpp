// SHA-256 speed in the shape Parafetch uses it: 256 KiB chunks fed to one hash.
// Compares Qt's QCryptographicHash (what core/fetchtask.cpp uses) with OpenSSL's EVP (which
// uses the CPU's SHA extensions when present). Not part of the CMake build:
//
//   g++ -O2 -std=c++17 -fPIC bench/hashspeed.cpp -o /tmp/hashspeed \
//       $(pkg-config --cflags --libs Qt6Core libcrypto)
//   /tmp/hashspeed [MiB]
#include <QCryptographicHash>
#include <QElapsedTimer>

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv)
{
    const long long mib = argc > 1 ? std::atoll(argv[1]) : 512;
    const long long total = mib * 1024 * 1024;
    const qsizetype chunk = 256 * 1024;
    std::vector<char> buffer(size_t(chunk), '\x5a');

    QElapsedTimer timer;
    timer.start();
    QCryptographicHash qt(QCryptographicHash::Sha256);
    for (long long done = 0; done < total; done += chunk)
        qt.addData(QByteArrayView(buffer.data(), chunk));
    const QByteArray qtDigest = qt.result();
    const double qtSeconds = timer.nsecsElapsed() / 1e9;

    timer.restart();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    for (long long done = 0; done < total; done += chunk)
        EVP_DigestUpdate(ctx, buffer.data(), size_t(chunk));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx, digest, &length);
    EVP_MD_CTX_free(ctx);
    const double sslSeconds = timer.nsecsElapsed() / 1e9;

    const bool same = qtDigest == QByteArray(reinterpret_cast<const char *>(digest), int(length));
    std::printf("SHA-256 of %lld MiB in %lld KiB chunks\n", mib, (long long)chunk / 1024);
    std::printf("  QCryptographicHash (Qt %s): %.3f s = %.0f MB/s\n", qVersion(), qtSeconds,
                double(total) / qtSeconds / 1e6);
    std::printf("  OpenSSL EVP_sha256:           %.3f s = %.0f MB/s\n", sslSeconds,
                double(total) / sslSeconds / 1e6);
    std::printf("  digests %s\n", same ? "match" : "DIFFER");
    return same ? 0 : 1;
}
