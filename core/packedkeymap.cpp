// SPDX-License-Identifier: GPL-3.0-or-later
// PackedKeyMap: keys copied into blocks, looked up through views.
#include "packedkeymap.h"

#include <cstring>

namespace Parafetch {

namespace {

constexpr std::size_t FirstSlotCount = 1024;

// The free part of a block, written once the keys before it are handed out: not through
// QByteArray::data(), which would copy the whole block because those keys share it.
char *writable(const QByteArray &block)
{
    return const_cast<char *>(block.constData());
}

} // namespace

PackedKeyMap::Slot &PackedKeyMap::slotFor(QByteArrayView key, quint32 hash) const
{
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot &slot = m_slots[i];
        if (!slot.key || (slot.hash == hash && QByteArrayView(slot.key, slot.size) == key))
            return slot;
    }
}

void PackedKeyMap::grow()
{
    std::vector<Slot> old;
    old.swap(m_slots);
    m_slots.resize(old.empty() ? FirstSlotCount : old.size() * 2);
    const std::size_t mask = m_slots.size() - 1;
    for (const Slot &slot : old) {
        if (!slot.key)
            continue;
        std::size_t i = slot.hash & mask;
        while (m_slots[i].key)
            i = (i + 1) & mask;
        m_slots[i] = slot;
    }
}

int &PackedKeyMap::value(QByteArrayView key, QByteArray *storedKey)
{
    if (std::size_t(m_size + 1) * 2 > m_slots.size())
        grow();
    const quint32 hash = quint32(qHash(key, QHashSeed::globalSeed()));
    Slot &slot = slotFor(key, hash);
    if (!slot.key) {
        quint32 block = 0;
        const QByteArrayView stored = store(key, &block);
        slot = Slot { stored.data(), quint32(stored.size()), hash, 0, block };
        ++m_size;
    }
    if (storedKey) {
        // A view of the block's bytes that holds a reference to the block, as QByteArray's own
        // slices of shared data do.
        QByteArray::DataPointer &blockData = m_blocks[slot.block].data_ptr();
        blockData.d_ptr()->ref(); // the new array's own reference to the block
        *storedKey = QByteArray(
            QByteArray::DataPointer(blockData.d_ptr(), const_cast<char *>(slot.key), slot.size));
    }
    return slot.value;
}

const int *PackedKeyMap::find(QByteArrayView key) const
{
    if (m_slots.empty())
        return nullptr;
    const Slot &slot = slotFor(key, quint32(qHash(key, QHashSeed::globalSeed())));
    return slot.key ? &slot.value : nullptr;
}

QByteArrayView PackedKeyMap::store(QByteArrayView key, quint32 *block)
{
    // Each key is followed by a '\0', as every QByteArray's bytes are.
    const qsizetype size = key.size() + 1;
    char *at = nullptr;
    if (size > BlockBytes) {
        // A block of its own; filling goes on in the block being filled.
        m_blocks.emplace_back(size, Qt::Uninitialized);
        *block = quint32(m_blocks.size() - 1);
        at = writable(m_blocks.back());
        m_blockBytes += size;
    } else {
        if (m_filling < 0 || BlockBytes - m_used < size) {
            m_blocks.emplace_back(BlockBytes, Qt::Uninitialized);
            m_filling = qsizetype(m_blocks.size()) - 1;
            m_used = 0;
            m_blockBytes += BlockBytes;
        }
        *block = quint32(m_filling);
        at = writable(m_blocks[std::size_t(m_filling)]) + m_used;
        m_used += size;
    }
    std::memcpy(at, key.data(), std::size_t(key.size()));
    at[key.size()] = '\0';
    return QByteArrayView(at, key.size());
}

} // namespace Parafetch
