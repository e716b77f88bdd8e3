// SPDX-License-Identifier: GPL-3.0-or-later
// Bodies compressed with zlib, one deflate call for the whole of the data.
#include "compression.h"

#include <QtGlobal>

#include <zlib.h>

namespace Parafetch::TestSupport {

namespace {

constexpr int ZlibWindowBits = 15; // the largest window: what real servers use
constexpr int GzipWindowBitsFlag = 16; // added to the window bits: write a gzip wrapper
constexpr int ZlibMemLevel = 8; // zlib's default
constexpr int GzipOsUnix = 3; // what gzip(1) writes on Unix, and zlib without a header set

int zlibLevel(Compression level)
{
    return level == Compression::Best ? Z_BEST_COMPRESSION : Z_DEFAULT_COMPRESSION;
}

// Compresses all of `data` with a stream deflateInit2 set up with these window bits; a header
// (gzip only) is set before the first byte.
QByteArray compress(const QByteArray &data, int windowBits, Compression level,
                    gz_header *header = nullptr)
{
    z_stream stream {};
    if (deflateInit2(&stream, zlibLevel(level), Z_DEFLATED, windowBits, ZlibMemLevel,
                     Z_DEFAULT_STRATEGY)
        != Z_OK)
        qFatal("deflateInit2 failed");
    if (header && deflateSetHeader(&stream, header) != Z_OK)
        qFatal("deflateSetHeader failed");
    // deflateBound does not count gzip header extras: leave room for them.
    const uLong headerRoom =
        header ? uLong(header->extra_len) + header->name_max + header->comm_max + 64 : 0;
    QByteArray out(qsizetype(deflateBound(&stream, uLong(data.size())) + headerRoom), '\0');
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    stream.avail_in = uInt(data.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = uInt(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END)
        qFatal("deflate did not finish in one call");
    out.truncate(qsizetype(stream.total_out));
    deflateEnd(&stream);
    return out;
}

} // namespace

QByteArray gzip(const QByteArray &data, const GzipHeader &header, Compression level)
{
    // zlib reads the name and comment as C strings and the extra field by length; the
    // QByteArrays outlive the call.
    gz_header gzipHeader {};
    gzipHeader.os = GzipOsUnix;
    if (!header.extra.isEmpty()) {
        gzipHeader.extra = reinterpret_cast<Bytef *>(const_cast<char *>(header.extra.constData()));
        gzipHeader.extra_len = uInt(header.extra.size());
    }
    if (!header.name.isEmpty()) {
        gzipHeader.name = reinterpret_cast<Bytef *>(const_cast<char *>(header.name.constData()));
        gzipHeader.name_max = uInt(header.name.size() + 1);
    }
    if (!header.comment.isEmpty()) {
        gzipHeader.comment =
            reinterpret_cast<Bytef *>(const_cast<char *>(header.comment.constData()));
        gzipHeader.comm_max = uInt(header.comment.size() + 1);
    }
    gzipHeader.hcrc = header.headerCrc ? 1 : 0;
    return compress(data, GzipWindowBitsFlag + ZlibWindowBits, level, &gzipHeader);
}

QByteArray zlibDeflate(const QByteArray &data, Compression level)
{
    return compress(data, ZlibWindowBits, level);
}

QByteArray rawDeflate(const QByteArray &data, Compression level)
{
    return compress(data, -ZlibWindowBits, level);
}

} // namespace Parafetch::TestSupport
