// SPDX-License-Identifier: GPL-3.0-or-later
// Text of a URL list that arrives in reads of any size, decoded as one decode of all of it.
#include "documentdecoder.h"

#include <QStringConverter>

namespace Parafetch {

namespace {

constexpr unsigned char Utf8ContinuationMask = 0xC0; // a continuation byte is 10xxxxxx
constexpr unsigned char Utf8ContinuationBits = 0x80;
constexpr unsigned char Utf8TwoByteLead = 0xC0; // 110xxxxx
constexpr unsigned char Utf8ThreeByteLead = 0xE0; // 1110xxxx
constexpr unsigned char Utf8FourByteLead = 0xF0; // 11110xxx (and invalid ones above)
constexpr qsizetype LongestUtf8Sequence = 4;

// How many bytes the UTF-8 sequence that starts with this byte has; 0 for a continuation byte.
// Invalid lead bytes count as long as they claim to be: holding them back changes nothing.
qsizetype utf8SequenceLength(unsigned char byte)
{
    if ((byte & Utf8ContinuationMask) == Utf8ContinuationBits)
        return 0;
    if (byte >= Utf8FourByteLead)
        return 4;
    if (byte >= Utf8ThreeByteLead)
        return 3;
    return byte >= Utf8TwoByteLead ? 2 : 1;
}

} // namespace

QString DocumentDecoder::decode(QByteArrayView bytes)
{
    m_pending.append(bytes);
    if (!m_decoder) {
        if (m_pending.size() < LongestByteOrderMark)
            return {};
        start();
    }
    const qsizetype whole = wholeCharactersLength();
    QString text = m_decoder->decode(QByteArrayView(m_pending).first(whole));
    m_pending.remove(0, whole);
    return text;
}

QString DocumentDecoder::finish()
{
    if (!m_decoder)
        start();
    QString text;
    if (m_unitLength == 1)
        text = m_decoder->decode(m_pending); // U+FFFD per byte, as in a whole decode
    else if (!m_pending.isEmpty())
        text = QChar(QChar::ReplacementCharacter); // Qt 6.4 may give nothing for it
    m_pending.clear();
    return text;
}

void DocumentDecoder::start()
{
    const std::optional<QStringConverter::Encoding> marked =
        QStringConverter::encodingForData(m_pending);
    const QStringConverter::Encoding encoding = marked.value_or(QStringConverter::Utf8);
    switch (encoding) {
    case QStringConverter::Utf16LE:
    case QStringConverter::Utf16BE:
        m_unitLength = 2;
        break;
    case QStringConverter::Utf32LE:
    case QStringConverter::Utf32BE:
        m_unitLength = 4;
        break;
    default:
        m_unitLength = 1;
        break;
    }
    if (marked) // the mark is one UTF-16 or UTF-32 unit, or three UTF-8 bytes
        m_pending.remove(0, m_unitLength == 1 ? Utf8ByteOrderMarkLength : m_unitLength);
    // Stateless: every call gets whole characters. ConvertInitialBom: the mark is gone
    // already, and U+FEFF at the start of a later read is text (Qt would drop it there).
    m_decoder.emplace(encoding,
                      QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
}

qsizetype DocumentDecoder::wholeCharactersLength() const
{
    const qsizetype size = m_pending.size();
    if (m_unitLength > 1)
        return size - size % m_unitLength;
    // UTF-8: hold back a lead byte near the end that still waits for continuation bytes. A
    // byte that is not a continuation byte starts a sequence in a whole decode too (one cut
    // short before it is invalid and ends there), so the text before it does not change.
    for (qsizetype back = 1; back < LongestUtf8Sequence && back <= size; ++back) {
        const qsizetype length = utf8SequenceLength(uchar(m_pending[size - back]));
        if (length > 0)
            return back < length ? size - back : size;
    }
    return size;
}

} // namespace Parafetch
