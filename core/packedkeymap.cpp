// SPDX-License-Identifier: GPL-3.0-or-later
// PackedKeyMap: keys copied into blocks, looked up through views.
#include "packedkeymap.h"

#include <cstring>

namespace Parafetch {

namespace {

constexpr std::size_t FirstSlotCount = 1024;

} // namespace

PackedKeyMap::Slot &PackedKeyMap::slotFor(QByteArrayView key, quint32 hash) const
{
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot &slot = m_slots[i];
        if (!slot.key
            || (slot.hash == hash && QByteArrayView(slot.key, slot.size) == key))
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

int &PackedKeyMap::operator[](QByteArrayView key)
{
    if (std::size_t(m_size + 1) * 2 > m_slots.size())
        grow();
    const quint32 hash = quint32(qHash(key, QHashSeed::globalSeed()));
    Slot &slot = slotFor(key, hash);
    if (!slot.key) {
        const QByteArrayView stored = store(key);
        // An empty key still needs a non-null pointer: null marks an empty slot.
        slot = Slot { stored.data() ? stored.data() : "", quint32(stored.size()), hash, 0 };
        ++m_size;
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

QByteArrayView PackedKeyMap::store(QByteArrayView key)
{
    const qsizetype size = key.size();
    if (size == 0)
        return QByteArrayView("", 0);
    char *at = nullptr;
    if (size > BlockBytes) {
        // A block of its own, put before the one being filled so that filling goes on there.
        auto block = std::make_unique<char[]>(std::size_t(size));
        at = block.get();
        m_blocks.insert(m_blocks.empty() ? m_blocks.end() : m_blocks.end() - 1, std::move(block));
        m_blockBytes += size;
    } else {
        if (BlockBytes - m_used < size) {
            m_blocks.push_back(std::make_unique<char[]>(std::size_t(BlockBytes)));
            m_used = 0;
            m_blockBytes += BlockBytes;
        }
        at = m_blocks.back().get() + m_used;
        m_used += size;
    }
    std::memcpy(at, key.data(), std::size_t(size));
    return QByteArrayView(at, size);
}

} // namespace Parafetch
