// SPDX-License-Identifier: GPL-3.0-or-later
// The loopback server's body generators: pattern, resumable bytes, gzip bomb, a cut chunked body.
#include "server/loopbackbodies.h"

#include "sha256.h"

#include <QByteArrayView>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace Parafetch::LoopbackDetail {

namespace {

constexpr int PatternPeriod = 26;

// ChunkBytes of the pattern, readable from any of the PatternPeriod phases.
const QByteArray &patternBuffer()
{
    static const QByteArray buffer = [] {
        QByteArray bytes(ChunkBytes + PatternPeriod, Qt::Uninitialized);
        for (qsizetype i = 0; i < bytes.size(); ++i)
            bytes[i] = char('a' + i % PatternPeriod);
        return bytes;
    }();
    return buffer;
}

constexpr qint64 ResumableWordBytes = 8;

// splitmix64's output function: every bit of x moves about half of the result's bits.
quint64 splitMix64(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Bytes offset .. offset + size of the /resumable body into `out`.
void fillResumable(char *out, qint64 offset, qint64 size)
{
    for (qint64 done = 0; done < size;) {
        const qint64 position = offset + done;
        const quint64 word = splitMix64(quint64(position / ResumableWordBytes));
        for (qint64 byte = position % ResumableWordBytes; byte < ResumableWordBytes && done < size;
             ++byte, ++done) {
            out[done] = char((word >> (8 * byte)) & 0xFFU);
        }
    }
}

// Writes bits as DEFLATE packs them (RFC 1951 section 3.1.1): from the least significant bit
// of each byte up.
class BitWriter
{
public:
    void putBits(quint32 value, int count)
    {
        for (int i = 0; i < count; ++i)
            putBit((value >> i) & 1U);
    }
    // Huffman codes go most significant bit first.
    void putCode(quint32 code, int length)
    {
        for (int i = length - 1; i >= 0; --i)
            putBit((code >> i) & 1U);
    }
    void putZeroBits(qint64 count)
    {
        m_bitCount += count;
        m_bytes.resize((m_bitCount + 7) / 8, '\0');
    }
    QByteArray take() { return std::move(m_bytes); }

private:
    void putBit(quint32 bit)
    {
        if (m_bitCount % 8 == 0)
            m_bytes.append('\0');
        if (bit) {
            char &byte = m_bytes[m_bitCount / 8];
            byte = char(quint8(byte) | (1U << (m_bitCount % 8)));
        }
        ++m_bitCount;
    }

    QByteArray m_bytes;
    qint64 m_bitCount = 0;
};

void appendLittleEndian32(QByteArray *bytes, quint32 value)
{
    for (int shift = 0; shift < 32; shift += 8)
        bytes->append(char((value >> shift) & 0xFFU));
}

} // namespace

// CRC-32 (the gzip one, reflected polynomial 0xEDB88320) of `size` zero bytes, in O(log size):
// appending zero bytes multiplies the CRC register by x^(8 * size) modulo the polynomial, which
// is how zlib's crc32_combine works too. Hashing 4 GiB byte by byte would stall the server.
quint32 crc32OfZeros(qint64 size)
{
    constexpr quint32 Polynomial = 0xEDB88320U;
    constexpr quint32 One = 0x80000000U; // x^0 in the reflected representation
    const auto multiply = [](quint32 a, quint32 b) {
        quint32 product = 0;
        for (quint32 mask = One; mask != 0; mask >>= 1) {
            if (a & mask)
                product ^= b;
            b = (b & 1U) ? (b >> 1) ^ Polynomial : b >> 1;
        }
        return product;
    };
    quint32 power = One >> 8; // x^8: one zero byte
    quint32 factor = One;
    for (quint64 n = quint64(size); n != 0; n >>= 1) {
        if (n & 1U)
            factor = multiply(factor, power);
        power = multiply(power, power);
    }
    constexpr quint32 Initial = 0xFFFFFFFFU; // the register starts and ends inverted
    return multiply(factor, Initial) ^ Initial;
}

const char *patternAt(qint64 offset)
{
    return patternBuffer().constData() + offset % PatternPeriod;
}

QByteArray patternBytes(qint64 offset, qint64 size)
{
    if (offset < 0 || size <= 0)
        return {};
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 done = 0; done < size;) {
        const qint64 step = std::min(ChunkBytes, size - done);
        std::memcpy(bytes.data() + done, patternAt(offset + done), size_t(step));
        done += step;
    }
    return bytes;
}

QByteArray patternSha256(qint64 size)
{
    Sha256 hash; // the same fast hash as the engine: big test bodies are hashed twice
    for (qint64 done = 0; done < size;) {
        const qint64 step = std::min(ChunkBytes, size - done);
        hash.addData(QByteArrayView(patternAt(done), step));
        done += step;
    }
    return hash.result();
}

QByteArray resumableBytes(qint64 offset, qint64 size)
{
    if (offset < 0 || size <= 0)
        return {};
    QByteArray bytes(size, Qt::Uninitialized);
    fillResumable(bytes.data(), offset, size);
    return bytes;
}

QByteArray resumableSha256(qint64 size)
{
    Sha256 hash;
    for (qint64 done = 0; done < size;) {
        const qint64 step = std::min(ChunkBytes, size - done);
        hash.addData(resumableBytes(done, step));
        done += step;
    }
    return hash.result();
}

QByteArray gzipBomb(qint64 size)
{
    size = std::max<qint64>(size, 0);
    // One dynamic-Huffman DEFLATE block (RFC 1951 section 3.2.7) whose literal/length code has
    // three symbols: literal 0 ("10"), end of block ("11") and length 258 ("0"); its distance
    // code has one, distance 1 ("0"). After one literal zero, each further 258 zeros cost two zero
    // bits, so the block is mostly zero bytes: a ratio of about 1032:1, like zlib at its best.
    static constexpr int DynamicHuffman = 2; // BTYPE
    static constexpr int HlitBits = 5, HdistBits = 5, HclenBits = 4, CodeLengthBits = 3;
    static constexpr int RepeatZeroSymbol = 18;
    static constexpr int EndOfBlock = 256;
    static constexpr int MaxMatchLength = 258;
    static constexpr int LiteralLengthCodes = 286; // up to symbol 285, length 258
    static constexpr int FirstLengthSymbol = 257;
    // The code length code: symbol 18 ("repeat zero 11..138 times") is "0", lengths 1 and 2
    // are "10" and "11". Its lengths are sent in this fixed order, 3 bits each.
    static constexpr int CodeLengthOrder[] = {
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1,
    };
    static constexpr int MinCodeLengthCodes = 4;
    static constexpr int RepeatZeroSymbolMin = 11;
    static constexpr int RepeatZeroSymbolMax = 138;
    static constexpr int RepeatZeroExtraBits = 7;

    BitWriter out;
    out.putBits(1, 1); // BFINAL: the only block
    out.putBits(DynamicHuffman, 2);
    out.putBits(LiteralLengthCodes - FirstLengthSymbol, HlitBits);
    out.putBits(0, HdistBits); // one distance code
    out.putBits(std::size(CodeLengthOrder) - MinCodeLengthCodes, HclenBits);
    for (int symbol : CodeLengthOrder) {
        const int length = symbol == RepeatZeroSymbol ? 1 : (symbol == 1 || symbol == 2) ? 2 : 0;
        out.putBits(quint32(length), CodeLengthBits);
    }

    const auto codeLength = [&out](int length) { out.putCode(length == 1 ? 0b10 : 0b11, 2); };
    const auto zeroLengths = [&out](int run) {
        while (run > 0) {
            const int step = std::min(run, RepeatZeroSymbolMax);
            out.putCode(0, 1); // RepeatZeroSymbol
            out.putBits(quint32(step - RepeatZeroSymbolMin), RepeatZeroExtraBits);
            run -= step;
        }
    };
    codeLength(2); // literal 0
    zeroLengths(EndOfBlock - 1);
    codeLength(2); // end of block
    zeroLengths(LiteralLengthCodes - 1 - FirstLengthSymbol);
    codeLength(1); // length 258
    codeLength(1); // distance code 0, distance 1

    static constexpr quint32 LiteralZero = 0b10;
    static constexpr quint32 EndOfBlockCode = 0b11;
    if (size > 0) {
        out.putCode(LiteralZero, 2);
        const qint64 matches = (size - 1) / MaxMatchLength;
        out.putZeroBits(2 * matches);
        for (qint64 i = 0; i < (size - 1) % MaxMatchLength; ++i)
            out.putCode(LiteralZero, 2);
    }
    out.putCode(EndOfBlockCode, 2);

    // RFC 1952: magic, CM = deflate, no flags, no time, no extra flags, OS unknown.
    static constexpr char Header[] = { '\x1f', '\x8b', '\x08', 0, 0, 0, 0, 0, 0, '\xff' };
    QByteArray gzip(Header, sizeof Header);
    gzip += out.take();
    appendLittleEndian32(&gzip, crc32OfZeros(size));
    appendLittleEndian32(&gzip, quint32(quint64(size) & 0xFFFFFFFFU)); // ISIZE: size mod 2^32
    return gzip;
}

QByteArray unterminatedChunk(qint64 size)
{
    static constexpr QByteArrayView LineTerminator("\r\n");
    QByteArray chunk;
    if (size > 0) {
        chunk = QByteArray::number(size, 16) + LineTerminator.toByteArray();
        chunk.append(patternAt(0), size);
        chunk += LineTerminator.toByteArray();
    }
    return chunk;
}

} // namespace Parafetch::LoopbackDetail
