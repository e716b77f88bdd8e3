// SPDX-License-Identifier: GPL-3.0-or-later
// PackedKeyMap: keys copied into blocks, looked up through views.
#include "packedkeymap.h"

#include <cstring>

namespace Parafetch {

int &PackedKeyMap::operator[](QByteArrayView key)
{
    const auto it = m_values.find(key);
    if (it != m_values.end())
        return it.value();
    return m_values.insert(store(key), 0).value();
}

const int *PackedKeyMap::find(QByteArrayView key) const
{
    const auto it = m_values.constFind(key);
    return it != m_values.cend() ? &it.value() : nullptr;
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
