// SPDX-License-Identifier: GPL-3.0-or-later
// The loopback server's body generators: the letter pattern, the /resumable bytes, the gzip bomb.
#pragma once

#include "units.h"

#include <QByteArray>
#include <QtGlobal>

namespace Parafetch::LoopbackDetail {

// One write of a streamed body: a 1 GiB body never sits in memory.
constexpr qint64 ChunkBytes = 256 * Units::BytesPerKiB;

// The pattern (byte i is 'a' + i % 26) as it continues at body offset `offset`; valid for
// ChunkBytes bytes, so a streamed body is written without a copy.
const char *patternAt(qint64 offset);
// Bytes offset .. offset + size of the pattern; empty for a negative offset or no size.
QByteArray patternBytes(qint64 offset, qint64 size);
// SHA-256 (raw) of a pattern body of that size, hashed in chunks.
QByteArray patternSha256(qint64 size);

// The body of /resumable/<n>: byte i is byte i % 8 (least significant first) of
// splitmix64(i / 8); empty for a negative offset or no size.
QByteArray resumableBytes(qint64 offset, qint64 size);
QByteArray resumableSha256(qint64 size);

// CRC-32 (the gzip one) of `size` zero bytes, in O(log size).
quint32 crc32OfZeros(qint64 size);
// A gzip stream (RFC 1952) that inflates to `size` zero bytes, about size / 1032 bytes long.
QByteArray gzipBomb(qint64 size);

// One chunk of `size` pattern bytes in chunked framing (nothing for 0), without the closing
// "0" chunk: only the framing tells the client the body is cut.
QByteArray unterminatedChunk(qint64 size);

} // namespace Parafetch::LoopbackDetail
