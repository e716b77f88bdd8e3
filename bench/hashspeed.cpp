// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 speed in the shapes Parafetch meets: Qt's QCryptographicHash against OpenSSL's EVP
// (which uses the CPU's SHA extensions when present), and plain EVP against core/sha256.cpp's
// prefetching Sha256 on data the hashing core does not have in its caches: a large buffer, and
// chunks another thread has just written (as Qt's HTTP thread hands a body to the engine thread).
// Not part of the CMake build:
//
//   g++ -O2 -std=c++17 -fPIC bench/hashspeed.cpp -o /tmp/hashspeed
//       $(pkg-config --cflags --libs Qt6Core libcrypto)   (on one line)
//   /tmp/hashspeed [MiB]
#include "../core/sha256.cpp" // the class as the engine uses it; one file keeps the build line

#include <QCryptographicHash>
#include <QElapsedTimer>

#include <openssl/evp.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace {

using Hasher = std::function<void(const char *data, qsizetype size)>;

constexpr qsizetype HotChunkBytes = 256 * 1024; // the engine's old read buffer
constexpr qsizetype HandedChunkBytes = 64 * 1024; // what Qt's HTTP thread reads at a time
constexpr qsizetype HandedRingBytes = 1024 * 1024; // FetchOptions::DefaultReadBufferBytes
constexpr qsizetype ColdRingBytes = 256 * 1024 * 1024; // far beyond any cache here

struct Result
{
    double seconds = 0;
    QByteArray digest;
};

void print(const char *what, long long total, const Result &result)
{
    std::printf("  %-44s %.3f s = %5.0f MB/s\n", what, result.seconds,
                double(total) / result.seconds / 1e6);
}

// Plain EVP, one update per chunk: what Sha256::addData did before it prefetched.
class PlainEvp
{
public:
    PlainEvp()
        : m_context(EVP_MD_CTX_new())
    {
        EVP_DigestInit_ex(m_context, EVP_sha256(), nullptr);
    }
    ~PlainEvp() { EVP_MD_CTX_free(m_context); }
    void add(const char *data, qsizetype size) { EVP_DigestUpdate(m_context, data, size_t(size)); }
    QByteArray result()
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(m_context, digest, &length);
        return QByteArray(reinterpret_cast<const char *>(digest), int(length));
    }

private:
    EVP_MD_CTX *m_context;
};

// total bytes hashed in chunk-sized steps through a buffer of ring bytes.
template<typename Hash>
Result fromBuffer(long long total, qsizetype chunk, const std::vector<char> &buffer)
{
    QElapsedTimer timer;
    timer.start();
    Hash hash;
    qsizetype at = 0;
    for (long long done = 0; done < total; done += chunk) {
        if (at + chunk > qsizetype(buffer.size()))
            at = 0;
        hash.add(buffer.data() + at, chunk);
        at += chunk;
    }
    Result result { 0, hash.result() };
    result.seconds = timer.nsecsElapsed() / 1e9;
    return result;
}

// A producer thread writes each chunk into a ring; this thread hashes it once it is complete.
template<typename Hash> Result handedOver(long long total)
{
    constexpr qsizetype Slots = HandedRingBytes / HandedChunkBytes;
    std::vector<char> ring(static_cast<size_t>(HandedRingBytes));
    const std::vector<char> source(static_cast<size_t>(HandedChunkBytes), '\x5a');
    std::atomic<long long> produced { 0 }, consumed { 0 };
    const long long chunks = total / HandedChunkBytes;

    QElapsedTimer timer;
    timer.start();
    std::thread producer([&] {
        for (long long n = 0; n < chunks; ++n) {
            while (n - consumed.load(std::memory_order_acquire) >= Slots)
                std::this_thread::yield();
            std::memcpy(ring.data() + (n % Slots) * HandedChunkBytes, source.data(),
                        size_t(HandedChunkBytes));
            produced.store(n + 1, std::memory_order_release);
        }
    });
    Hash hash;
    for (long long n = 0; n < chunks; ++n) {
        while (produced.load(std::memory_order_acquire) <= n)
            std::this_thread::yield();
        hash.add(ring.data() + (n % Slots) * HandedChunkBytes, HandedChunkBytes);
        consumed.store(n + 1, std::memory_order_release);
    }
    producer.join();
    Result result { 0, hash.result() };
    result.seconds = timer.nsecsElapsed() / 1e9;
    return result;
}

class Prefetching
{
public:
    void add(const char *data, qsizetype size) { m_hash.addData(QByteArrayView(data, size)); }
    QByteArray result() { return m_hash.result(); }

private:
    Parafetch::Sha256 m_hash;
};

class QtHash
{
public:
    void add(const char *data, qsizetype size) { m_hash.addData(QByteArrayView(data, size)); }
    QByteArray result() { return m_hash.result(); }

private:
    QCryptographicHash m_hash { QCryptographicHash::Sha256 };
};

} // namespace

int main(int argc, char **argv)
{
    const long long mib = argc > 1 ? std::atoll(argv[1]) : 512;
    const long long total = mib * 1024 * 1024;
    const std::vector<char> hot(size_t(HotChunkBytes), '\x5a');
    const std::vector<char> cold(size_t(ColdRingBytes), '\x5a');

    std::printf("SHA-256 of %lld MiB (Qt %s)\n", mib, qVersion());
    std::printf(" one %lld KiB buffer, in cache:\n", (long long)HotChunkBytes / 1024);
    const Result qt = fromBuffer<QtHash>(total, HotChunkBytes, hot);
    print("QCryptographicHash", total, qt);
    const Result hotPlain = fromBuffer<PlainEvp>(total, HotChunkBytes, hot);
    print("OpenSSL EVP", total, hotPlain);
    const Result hotOurs = fromBuffer<Prefetching>(total, HotChunkBytes, hot);
    print("Parafetch::Sha256 (EVP, prefetching)", total, hotOurs);

    std::printf(" %lld MiB buffer, %lld KiB chunks, not in cache:\n",
                (long long)ColdRingBytes >> 20, (long long)HandedChunkBytes / 1024);
    const Result coldPlain = fromBuffer<PlainEvp>(total, HandedChunkBytes, cold);
    print("OpenSSL EVP", total, coldPlain);
    const Result coldOurs = fromBuffer<Prefetching>(total, HandedChunkBytes, cold);
    print("Parafetch::Sha256 (EVP, prefetching)", total, coldOurs);

    std::printf(" %lld KiB chunks just written by another thread (%lld KiB ring):\n",
                (long long)HandedChunkBytes / 1024, (long long)HandedRingBytes / 1024);
    const Result handedPlain = handedOver<PlainEvp>(total);
    print("OpenSSL EVP", total, handedPlain);
    const Result handedOurs = handedOver<Prefetching>(total);
    print("Parafetch::Sha256 (EVP, prefetching)", total, handedOurs);

    bool same = true;
    for (const Result *r :
         { &hotPlain, &hotOurs, &coldPlain, &coldOurs, &handedPlain, &handedOurs })
        same = same && r->digest == qt.digest;
    std::printf("  digests %s\n", same ? "match" : "DIFFER");
    return same ? 0 : 1;
}
