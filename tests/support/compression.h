// SPDX-License-Identifier: GPL-3.0-or-later
// Bodies compressed with zlib as a server would send them, for the tests that serve or decode them.
#pragma once

#include <QByteArray>

namespace Parafetch::TestSupport {

// Optional parts of a gzip member header (RFC 1952 section 2.3): FEXTRA, FNAME, FCOMMENT, FHCRC.
struct GzipHeader
{
    QByteArray extra;
    QByteArray name;
    QByteArray comment;
    bool headerCrc = false;
};

// How hard zlib works: Best gives the smallest bodies; Default is zlib's default level, for tests
// whose rows were chosen by the sizes it gives.
enum class Compression : quint8 { Best, Default };

// The whole of `data` in one gzip member (RFC 1952), its header written as gzip(1) on Unix does
// plus the optional parts asked for.
QByteArray gzip(const QByteArray &data, const GzipHeader &header = {},
                Compression level = Compression::Best);
// RFC 1950: zlib header, deflate stream, Adler-32.
QByteArray zlibDeflate(const QByteArray &data, Compression level = Compression::Best);
// RFC 1951 only: the deflate stream with no wrapper.
QByteArray rawDeflate(const QByteArray &data, Compression level = Compression::Best);

} // namespace Parafetch::TestSupport
