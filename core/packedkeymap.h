// SPDX-License-Identifier: GPL-3.0-or-later
// A map from byte strings to ints that keeps its keys packed in large blocks.
#pragma once

#include "units.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHashFunctions>

#include <memory>
#include <vector>

namespace Parafetch {

// For millions of short keys (the normalised URLs of a list, for duplicate detection): a string
// per key costs a header and an allocation of its own, and once the map goes, the holes those
// leave among the allocations that stay (the queued jobs' URLs) keep the process's memory from
// shrinking. Here the keys' bytes sit side by side in blocks of BlockBytes, and the table is one
// open-addressed array of slots (linear probing, at most half full): a handful of large
// allocations in all, which go back to the system whole. (A QHash allocates its nodes in spans
// of a few KiB each, a hole apiece once freed.) Keys are never removed; the blocks go with the map.
class PackedKeyMap
{
public:
    static constexpr qsizetype BlockBytes = 256 * Units::BytesPerKiB;

    PackedKeyMap() = default;
    PackedKeyMap(const PackedKeyMap &) = delete;
    PackedKeyMap &operator=(const PackedKeyMap &) = delete;
    PackedKeyMap(PackedKeyMap &&) noexcept = default;
    PackedKeyMap &operator=(PackedKeyMap &&) noexcept = default;

    // The value of key, inserted as 0 if the key is new (as QHash::operator[]).
    int &operator[](QByteArrayView key) { return value(key, nullptr); }
    // The same; *storedKey (if given) becomes the map's copy of the key's bytes, sharing their
    // block (implicitly shared, '\0'-terminated): a holder of many keys pays for the bytes once,
    // and blocks no one holds any more go with the map.
    int &value(QByteArrayView key, QByteArray *storedKey);
    const int *find(QByteArrayView key) const; // null if absent
    qsizetype size() const { return m_size; }
    // Bytes held in blocks, for tests: the keys' own sizes (and a '\0' after each) rounded up to
    // whole blocks.
    qsizetype blockBytes() const { return m_blockBytes; }

private:
    struct Slot
    {
        const char *key = nullptr; // into m_blocks; null = empty slot
        quint32 size = 0; // keys are lines of a list: far below 4 GiB
        quint32 hash = 0; // the low bits of qHash(key, the process's seed): not floodable by a list
        int value = 0;
        quint32 block = 0; // index in m_blocks
    };

    // Copies key into a block; *block becomes that block's index in m_blocks.
    QByteArrayView store(QByteArrayView key, quint32 *block);
    // The slot of key, or the empty slot where it would go.
    Slot &slotFor(QByteArrayView key, quint32 hash) const;
    void grow();

    mutable std::vector<Slot> m_slots; // a power of two long, or empty
    qsizetype m_size = 0;
    std::vector<QByteArray> m_blocks;
    qsizetype m_filling = -1; // index of the block being filled
    qsizetype m_used = BlockBytes; // of the last block: full until there is one
    qsizetype m_blockBytes = 0;
};

} // namespace Parafetch
