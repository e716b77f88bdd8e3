// SPDX-License-Identifier: GPL-3.0-or-later
// Content codings undone with zlib, strictly: a stream must end, and gzip's trailer must match.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace Parafetch {

// Decodes a body sent with Content-Encoding (RFC 9110 section 8.4): gzip (x-gzip), deflate
// (zlib-wrapped, or raw as some servers send it) and identity, layered in the order given. Qt
// 6.4's own decompressor does not tell a stream that ends early from one that ends, so a body
// cut short inside a compressed stream would otherwise count as whole.
class ContentDecoder final
{
public:
    enum class Fault { None, Unsupported, Corrupt, CutShort, Bomb };
    using Output = std::function<bool(QByteArrayView decoded)>; // false stops decoding

    // What we ask servers for, in the Accept-Encoding header.
    static QByteArray acceptedEncodings();

    ContentDecoder();
    ~ContentDecoder();
    Q_DISABLE_COPY_MOVE(ContentDecoder)

    // From the Content-Encoding value; false (with fault() Unsupported) for a coding we cannot
    // undo. bombThreshold: past this many decoded bytes, a body that inflates more than
    // MaxRatio:1 is refused (0 = no check).
    bool setEncoding(QByteArrayView contentEncoding, qint64 bombThreshold);
    // Whether anything is to be decoded (false for no coding or identity only).
    bool isActive() const { return !m_layers.empty(); }

    bool decode(QByteArrayView encoded, const Output &output);
    // The body ended: every stream must have ended too.
    bool finish();

    Fault fault() const { return m_fault; }
    QString errorString() const { return m_error; }
    qint64 encodedBytes() const { return m_encodedBytes; }
    qint64 decodedBytes() const { return m_decodedBytes; }

    static constexpr int MaxRatio = 40; // Qt's own bomb guard ratio
    static constexpr int MaxLayers = 4;

private:
    class Layer;
    bool fail(Fault fault, const QString &message);
    bool feedLayer(std::size_t index, QByteArrayView input, const Output &output);

    std::vector<std::unique_ptr<Layer>> m_layers; // in the order they are undone
    Fault m_fault = Fault::None;
    QString m_error;
    qint64 m_encodedBytes = 0;
    qint64 m_decodedBytes = 0;
    qint64 m_bombThreshold = 0;
};

} // namespace Parafetch
