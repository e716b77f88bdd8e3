// SPDX-License-Identifier: GPL-3.0-or-later
// gzip and deflate bodies inflated with zlib: end of stream required, trailers checked.
#include "engine/contentdecoder.h"

#include "units.h"

#include <QCoreApplication>

#include <zlib.h>

#include <algorithm>
#include <iterator>
#include <limits>

namespace Parafetch {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ContentDecoder", text);
}

constexpr int OutputChunkBytes = 64 * 1024;
constexpr int MaxWindowBits = 15;
constexpr int GzipWindowBits = MaxWindowBits + 16; // gzip wrapper only: zlib checks CRC and size
constexpr int RawWindowBits = -MaxWindowBits;
constexpr uchar GzipMagic0 = 0x1f;
constexpr int ZlibHeaderCheck = 31; // (CMF * 256 + FLG) is a multiple of 31
constexpr int ZlibDeflateMethod = 8;

QByteArrayView trimmedView(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

} // namespace

// One coding being undone.
class ContentDecoder::Layer final
{
public:
    enum class Kind { Gzip, Deflate };

    explicit Layer(Kind kind)
        : m_kind(kind)
    { }
    ~Layer()
    {
        if (m_initialised)
            inflateEnd(&m_stream);
    }
    Q_DISABLE_COPY_MOVE(Layer)

    Kind kind() const { return m_kind; }
    QString name() const
    {
        return m_kind == Kind::Gzip ? QStringLiteral("gzip") : QStringLiteral("deflate");
    }
    bool ended() const { return m_ended || (m_kind == Kind::Gzip && !m_started); }

    // Inflates input, handing out decoded bytes; false with *fault and *error on a bad stream.
    bool inflate(QByteArrayView input, const std::function<bool(QByteArrayView)> &output,
                 Fault *fault, QString *error)
    {
        while (!input.isEmpty()) {
            if (m_ended) {
                // After a gzip member another may follow (RFC 1952 section 2.2); zeros after
                // the end are padding some servers add, and once padding began only zeros may
                // follow. Anything else is not the body.
                if (m_kind == Kind::Gzip && !m_padding && uchar(input.front()) == GzipMagic0) {
                    inflateReset(&m_stream);
                    m_ended = false;
                } else if (std::all_of(input.begin(), input.end(), [](char c) { return c == 0; })) {
                    m_padding = true;
                    return true;
                } else {
                    *fault = Fault::Corrupt;
                    *error = tr("the %1 body is corrupt: data follows the end of its stream")
                                 .arg(name());
                    return false;
                }
            }
            if (!m_initialised && !initialise(&input, output, fault, error))
                return false;
            if (!m_initialised)
                return true; // waiting for the second byte of a deflate header
            m_started = true;
            m_stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.data()));
            m_stream.avail_in =
                uInt(std::min<qsizetype>(input.size(), std::numeric_limits<uInt>::max()));
            const uInt offered = m_stream.avail_in;
            int result = Z_OK;
            do {
                m_stream.next_out = reinterpret_cast<Bytef *>(m_buffer.data());
                m_stream.avail_out = uInt(m_buffer.size());
                result = ::inflate(&m_stream, Z_NO_FLUSH);
                if (result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR) {
                    *fault = Fault::Corrupt;
                    *error =
                        tr("the %1 body is corrupt (%2)")
                            .arg(name(),
                                 QString::fromLatin1(m_stream.msg ? m_stream.msg : "zlib error"));
                    return false;
                }
                const qsizetype produced = m_buffer.size() - qsizetype(m_stream.avail_out);
                if (produced > 0 && !output(QByteArrayView(m_buffer.constData(), produced))) {
                    *fault = Fault::None;
                    return false;
                }
                if (result == Z_STREAM_END)
                    break;
            } while (m_stream.avail_out == 0 || (m_stream.avail_in > 0 && result == Z_OK));
            input = input.sliced(offered - m_stream.avail_in);
            if (result == Z_STREAM_END)
                m_ended = true;
            else if (m_stream.avail_in > 0)
                break; // zlib took no more without output space: cannot happen, but never spin
        }
        return true;
    }

private:
    bool initialise(QByteArrayView *input, const std::function<bool(QByteArrayView)> &output,
                    Fault *fault, QString *error)
    {
        int windowBits = GzipWindowBits;
        if (m_kind == Kind::Deflate) {
            // "deflate" means zlib-wrapped (RFC 9110 section 8.4.1.2), but servers have long sent
            // raw deflate under that name; browsers and curl accept both, told apart by the
            // zlib header's check bits.
            const qsizetype take = std::min<qsizetype>(input->size(), 2 - m_header.size());
            m_header.append(input->first(take));
            *input = input->sliced(take);
            if (m_header.size() < 2)
                return true;
            const int cmf = uchar(m_header[0]);
            const int flg = uchar(m_header[1]);
            const bool zlibWrapped =
                (cmf & 0x0f) == ZlibDeflateMethod && (cmf * 256 + flg) % ZlibHeaderCheck == 0;
            windowBits = zlibWrapped ? MaxWindowBits : RawWindowBits;
        }
        m_stream = {};
        if (inflateInit2(&m_stream, windowBits) != Z_OK) {
            *fault = Fault::Corrupt;
            *error = tr("cannot start decoding the %1 body").arg(name());
            return false;
        }
        m_initialised = true;
        m_buffer.resize(OutputChunkBytes);
        if (m_kind == Kind::Deflate) {
            // The two bytes held back go first; in raw deflate they already carry body bits.
            const QByteArray header = std::exchange(m_header, {});
            if (!inflate(header, output, fault, error))
                return false;
        }
        return true;
    }

    const Kind m_kind;
    z_stream m_stream {};
    QByteArray m_buffer;
    QByteArray m_header; // deflate: the first bytes, until raw and zlib-wrapped can be told apart
    bool m_initialised = false;
    bool m_started = false;
    bool m_ended = false;
    bool m_padding = false; // zeros followed the end of the stream
};

QByteArray ContentDecoder::acceptedEncodings()
{
    return QByteArrayLiteral("gzip, deflate");
}

ContentDecoder::ContentDecoder() = default;
ContentDecoder::~ContentDecoder() = default;

bool ContentDecoder::fail(Fault fault, const QString &message)
{
    m_fault = fault;
    m_error = message;
    return false;
}

bool ContentDecoder::setEncoding(QByteArrayView contentEncoding, qint64 bombThreshold)
{
    m_layers.clear();
    m_bombThreshold = bombThreshold;
    // Codings are listed in the order they were applied; they are undone last first.
    std::vector<std::unique_ptr<Layer>> applied;
    for (QByteArrayView rest = contentEncoding; !rest.isEmpty();) {
        const qsizetype comma = rest.indexOf(',');
        const QByteArrayView coding = trimmedView(comma < 0 ? rest : rest.first(comma));
        rest = comma < 0 ? QByteArrayView() : rest.sliced(comma + 1);
        if (coding.isEmpty() || coding.compare("identity", Qt::CaseInsensitive) == 0)
            continue;
        if (coding.compare("gzip", Qt::CaseInsensitive) == 0
            || coding.compare("x-gzip", Qt::CaseInsensitive) == 0)
            applied.push_back(std::make_unique<Layer>(Layer::Kind::Gzip));
        else if (coding.compare("deflate", Qt::CaseInsensitive) == 0)
            applied.push_back(std::make_unique<Layer>(Layer::Kind::Deflate));
        else
            return fail(
                Fault::Unsupported,
                tr("unsupported content coding \"%1\" (asked for %2)")
                    .arg(QString::fromLatin1(coding.first(std::min<qsizetype>(coding.size(), 40))),
                         QString::fromLatin1(acceptedEncodings())));
        if (applied.size() > std::size_t(MaxLayers))
            return fail(Fault::Unsupported,
                        tr("unsupported content coding: more than %1 layers").arg(MaxLayers));
    }
    std::move(applied.rbegin(), applied.rend(), std::back_inserter(m_layers));
    return true;
}

bool ContentDecoder::feedLayer(std::size_t index, QByteArrayView input, const Output &output)
{
    if (index == m_layers.size()) {
        m_decodedBytes += input.size();
        if (m_bombThreshold > 0 && m_decodedBytes > m_bombThreshold
            && m_decodedBytes / MaxRatio > m_encodedBytes)
            return fail(Fault::Bomb,
                        tr("the body inflates more than %1 times past %2 MiB: refused "
                           "as a decompression bomb")
                            .arg(MaxRatio)
                            .arg(m_bombThreshold / Units::BytesPerMiB));
        return output(input);
    }
    Fault fault = Fault::None;
    QString error;
    const bool ok = m_layers[index]->inflate(
        input,
        [this, index, &output](QByteArrayView decoded) {
            return feedLayer(index + 1, decoded, output);
        },
        &fault, &error);
    if (!ok && fault != Fault::None)
        return fail(fault, error);
    return ok;
}

bool ContentDecoder::decode(QByteArrayView encoded, const Output &output)
{
    if (m_fault != Fault::None)
        return false;
    m_encodedBytes += encoded.size();
    return feedLayer(0, encoded, output);
}

bool ContentDecoder::finish()
{
    if (m_fault != Fault::None)
        return false;
    // No bytes at all is an empty body, not a cut stream: servers label empty bodies too.
    if (m_encodedBytes == 0)
        return true;
    for (const auto &layer : m_layers) {
        if (!layer->ended())
            return fail(Fault::CutShort,
                        tr("the %1 body is cut short: its stream did not end "
                           "(%2 bytes received)")
                            .arg(layer->name())
                            .arg(m_encodedBytes));
    }
    return true;
}

} // namespace Parafetch
