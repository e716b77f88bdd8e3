// SPDX-License-Identifier: GPL-3.0-or-later
// Text of a URL list that arrives in reads of any size, decoded as one decode of all of it.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringDecoder>

#include <optional>

namespace Parafetch {

// Decodes a document that arrives in reads of any size exactly as one decode of all of it would:
// the byte order mark is looked for however the first bytes are split, a character cut by a read
// waits for the rest, and an incomplete character at the end becomes U+FFFD. Qt 6.4's stateful
// QStringDecoder gets the last two wrong (given "\xC3" and then "\n", it drops the "\n"; it
// never hands out an incomplete end), so this keeps the incomplete tail itself and has Qt decode
// whole characters only, statelessly.
class DocumentDecoder
{
public:
    QString decode(QByteArrayView bytes);

    // The rest, once the document has no more bytes.
    QString finish();

private:
    static constexpr qsizetype LongestByteOrderMark = 4; // UTF-32's
    static constexpr qsizetype Utf8ByteOrderMarkLength = 3;

    void start();

    // How many of the pending bytes end on a character boundary.
    qsizetype wholeCharactersLength() const;

    QByteArray m_pending; // too few bytes to tell the byte order mark, or an incomplete character
    qsizetype m_unitLength = 1; // bytes per code unit: 1 for UTF-8, 2 for UTF-16, 4 for UTF-32
    std::optional<QStringDecoder> m_decoder; // once the encoding is known
};

} // namespace Parafetch
