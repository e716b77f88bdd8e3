// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: HttpResponseParser and ContentDecoder, driven as Http1Reply drives them.
//
// Input: byte 0 says whether the request was HEAD (bit 0), how large the pieces the response
// arrives in may get (bits 1-3: 1, 2, 3, 5, 8, 17, 64 or 4096 bytes) and seeds their sizes
// (bits 4-7); the rest is what the server sent before it closed the connection.
//
// The response is read twice, in one piece and in the chosen pieces, each time as
// Http1Reply::process() does (unconsumed bytes stay; what arrives is appended), with the head
// taken as takeHead() takes it (a 2xx with a body and Content-Encoding gets a ContentDecoder with
// a 1 MiB bomb threshold), bodies delivered as deliver() does and the end judged as complete()
// and onSocketError() do (finish() once everything is read).
//
// Invariants checked (a violation traps, so libFuzzer keeps the input):
//  - feed() never consumes more than it is given, and a body is a non-empty view of the start
//    of the input, as long as what it consumed;
//  - a head's status is 200..599; Framing::None hands out no body;
//  - bodyBytes() is the number of body bytes handed out; a complete Framing::Length body has
//    exactly contentLength() bytes; a complete until-close body is everything after the head;
//  - an Error has a fault and a non-empty errorString(), and feed() and finish() say Error
//    again after it; after Complete feed() says Complete, consumes nothing and hands out no body;
//  - the decoder never hands out more than MaxRatio times what it was fed once past its
//    threshold, decodedBytes() is what it handed out, and a failure has a fault and a text;
//  - a body the decoder accepts as one gzip member or one deflate stream is what zlib itself
//    makes of those bytes;
//  - one piece and the chosen pieces give the same outcome: final step, fault and error text,
//    head, framing, keep-alive, body, decoded body and decoder fault.
#include "fuzzcheck.h"

#include "engine/contentdecoder.h"
#include "engine/httpresponseparser.h"

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

using namespace Parafetch;

namespace {

using Step = HttpResponseParser::Step;
using Fault = HttpResponseParser::Fault;
using Framing = HttpResponseParser::Framing;

constexpr qint64 BombThreshold = 1024 * 1024; // as a request's decompressedSafetyCheckThreshold
constexpr int SuccessMin = 200;
constexpr int SuccessMax = 299;
constexpr int FinalStatusMin = 200;
constexpr int FinalStatusMax = 599;
constexpr int MaxWindowBits = 15;
constexpr int GzipWindowBits = MaxWindowBits + 16;
constexpr int ZlibHeaderCheck = 31;
constexpr int ZlibDeflateMethod = 8;
constexpr qsizetype ReferenceOutputLimit = 4 * 1024 * 1024;

// A tiny deterministic generator for the piece sizes (splitmix64).
class Splits
{
public:
    explicit Splits(std::uint8_t control)
        : m_state(0x9E3779B97F4A7C15ULL * ((control >> 4) + 1))
    {
        static constexpr qsizetype limits[] = { 1, 2, 3, 5, 8, 17, 64, 4096 };
        m_limit = limits[(control >> 1) & 7];
    }
    qsizetype next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return qsizetype(z % std::uint64_t(m_limit + 1)); // 0 too: an empty read must be harmless
    }

private:
    std::uint64_t m_state;
    qsizetype m_limit;
};

const char *stepName(Step step)
{
    switch (step) {
    case Step::NeedMore:
        return "NeedMore";
    case Step::Interim:
        return "Interim";
    case Step::Head:
        return "Head";
    case Step::Body:
        return "Body";
    case Step::Complete:
        return "Complete";
    case Step::Error:
        return "Error";
    }
    return "?";
}

QString shownBytes(const QByteArray &bytes)
{
    return ParafetchFuzz::shown(QString::fromLatin1(bytes.left(200)));
}

// What one reading of the response came to: what a caller of Http1Reply could see.
struct Outcome
{
    Step last = Step::NeedMore; // Complete or Error
    bool sawHead = false;
    int status = 0;
    int versionMinor = -1;
    QByteArray reason;
    QList<HeaderField> fields;
    Framing framing = Framing::None;
    qint64 contentLength = -1;
    bool keepAlive = false;
    int interims = 0;
    Fault fault = Fault::None;
    QString error;
    qsizetype consumed = 0;
    QByteArray body; // transfer-decoded
    bool decoding = false;
    bool decoderRefused = false; // setEncoding() said no
    bool decoderFailed = false;
    ContentDecoder::Fault decoderFault = ContentDecoder::Fault::None;
    QString decoderError;
    QByteArray decoded;
    QByteArray contentEncoding;
    qsizetype headEnd = -1; // consumed when the final head was read
};

QString describe(const Outcome &o)
{
    return QStringLiteral(
               "%1 status %2 framing %3 length %4 keep-alive %5 fault %6 %7 body %8 bytes "
               "decoding %9 refused %10 failed %11 (%12 %13) decoded %14 bytes")
        .arg(QLatin1String(stepName(o.last)))
        .arg(o.status)
        .arg(int(o.framing))
        .arg(o.contentLength)
        .arg(o.keepAlive)
        .arg(int(o.fault))
        .arg(ParafetchFuzz::shown(o.error))
        .arg(o.body.size())
        .arg(o.decoding)
        .arg(o.decoderRefused)
        .arg(o.decoderFailed)
        .arg(int(o.decoderFault))
        .arg(ParafetchFuzz::shown(o.decoderError))
        .arg(o.decoded.size());
}

class Reader
{
public:
    Reader(bool requestWasHead) { m_parser.reset(requestWasHead); }

    // Bytes that arrived; false once the response is over (complete or failed).
    bool arrive(QByteArrayView bytes)
    {
        m_in.append(bytes.data(), bytes.size());
        process();
        return !m_done;
    }

    // The server closed, everything it sent having arrived.
    Outcome close()
    {
        if (!m_done) {
            const Step step = m_parser.finish();
            if (step == Step::Complete)
                complete();
            else
                failed(step);
        }
        checkAfterEnd();
        m_outcome.framing = m_parser.framing();
        m_outcome.contentLength = m_parser.contentLength();
        m_outcome.keepAlive = m_parser.keepAlive();
        m_outcome.fault = m_parser.fault();
        m_outcome.error = m_parser.errorString();
        return m_outcome;
    }

private:
    void process()
    {
        while (!m_done) {
            const QByteArrayView input(m_in.constData() + m_offset, m_in.size() - m_offset);
            qsizetype used = -1;
            QByteArrayView body;
            const Step step = m_parser.feed(input, &used, &body);
            FUZZ_CHECK(used >= 0 && used <= input.size(),
                       QStringLiteral("%1 consumed %2 of %3 bytes")
                           .arg(QLatin1String(stepName(step)))
                           .arg(used)
                           .arg(input.size()));
            m_offset += used;
            m_outcome.consumed += used;
            switch (step) {
            case Step::NeedMore:
                FUZZ_CHECK(m_parser.fault() == Fault::None, m_parser.errorString());
                if (used > 0)
                    continue;
                break;
            case Step::Interim:
                FUZZ_CHECK(used > 0, QStringLiteral("an interim response of no bytes"));
                ++m_outcome.interims;
                continue;
            case Step::Head:
                FUZZ_CHECK(used > 0, QStringLiteral("a head of no bytes"));
                takeHead();
                continue;
            case Step::Body:
                FUZZ_CHECK(!body.isEmpty() && body.data() == input.data() && body.size() == used,
                           QStringLiteral("a body of %1 bytes at offset %2, %3 consumed")
                               .arg(body.size())
                               .arg(body.data() - input.data())
                               .arg(used));
                FUZZ_CHECK(m_outcome.sawHead, QStringLiteral("a body before the head"));
                FUZZ_CHECK(m_parser.framing() != Framing::None,
                           QStringLiteral("a body although the response has none"));
                deliver(body);
                continue;
            case Step::Complete:
                complete();
                return;
            case Step::Error:
                failed(step);
                return;
            }
            break;
        }
        if (m_offset >= m_in.size()) {
            m_in.clear();
            m_offset = 0;
        }
    }

    void takeHead()
    {
        FUZZ_CHECK(!m_outcome.sawHead, QStringLiteral("a second final head"));
        FUZZ_CHECK(m_parser.hasHead(), QStringLiteral("Head, but hasHead() is false"));
        const ResponseHead &head = m_parser.head();
        FUZZ_CHECK(head.status >= FinalStatusMin && head.status <= FinalStatusMax,
                   QStringLiteral("final status %1").arg(head.status));
        m_outcome.sawHead = true;
        m_outcome.status = head.status;
        m_outcome.versionMinor = head.versionMinor;
        m_outcome.reason = head.reason;
        m_outcome.fields = head.fields;
        m_outcome.headEnd = m_outcome.consumed;
        const Framing framing = m_parser.framing();
        FUZZ_CHECK((framing == Framing::Length) == (m_parser.contentLength() >= 0),
                   QStringLiteral("framing %1 with contentLength() %2")
                       .arg(int(framing))
                       .arg(m_parser.contentLength()));
        if (framing == Framing::UntilClose)
            FUZZ_CHECK(!m_parser.keepAlive(),
                       QStringLiteral("keep-alive although the body runs until the close"));
        if (head.status >= SuccessMin && head.status <= SuccessMax && framing != Framing::None
            && head.has("content-encoding")) {
            m_outcome.contentEncoding = head.value("content-encoding");
            if (!m_decoder.setEncoding(m_outcome.contentEncoding, BombThreshold)) {
                FUZZ_CHECK(m_decoder.fault() == ContentDecoder::Fault::Unsupported
                               && !m_decoder.errorString().isEmpty(),
                           QStringLiteral("setEncoding() refused with fault %1 %2")
                               .arg(int(m_decoder.fault()))
                               .arg(m_decoder.errorString()));
                m_outcome.decoderRefused = true;
                m_outcome.decoderFault = m_decoder.fault();
                m_outcome.decoderError = m_decoder.errorString();
                m_done = true;
                return;
            }
            m_outcome.decoding = m_decoder.isActive();
        }
    }

    void deliver(QByteArrayView body)
    {
        m_outcome.body.append(body.data(), body.size());
        FUZZ_CHECK(m_parser.bodyBytes() == m_outcome.body.size(),
                   QStringLiteral("bodyBytes() %1, %2 handed out")
                       .arg(m_parser.bodyBytes())
                       .arg(m_outcome.body.size()));
        if (!m_outcome.decoding)
            return;
        const bool ok = m_decoder.decode(body, [this](QByteArrayView decoded) {
            m_outcome.decoded.append(decoded.data(), decoded.size());
            const qint64 handed = m_outcome.decoded.size();
            FUZZ_CHECK(handed <= BombThreshold
                           || handed / ContentDecoder::MaxRatio <= m_decoder.encodedBytes(),
                       QStringLiteral("%1 bytes decoded from %2: past the bomb guard")
                           .arg(handed)
                           .arg(m_decoder.encodedBytes()));
            return true;
        });
        if (!ok) {
            decoderFailed();
            return;
        }
        checkDecoderCounts();
    }

    void complete()
    {
        m_done = true;
        m_outcome.last = Step::Complete;
        FUZZ_CHECK(m_parser.isComplete() && m_parser.fault() == Fault::None
                       && m_parser.errorString().isEmpty(),
                   QStringLiteral("Complete with fault %1 %2")
                       .arg(int(m_parser.fault()))
                       .arg(m_parser.errorString()));
        FUZZ_CHECK(m_outcome.sawHead, QStringLiteral("Complete without a head"));
        FUZZ_CHECK(m_parser.bodyBytes() == m_outcome.body.size(),
                   QStringLiteral("bodyBytes() %1, %2 handed out")
                       .arg(m_parser.bodyBytes())
                       .arg(m_outcome.body.size()));
        if (m_parser.framing() == Framing::Length)
            FUZZ_CHECK(m_parser.bodyBytes() == m_parser.contentLength(),
                       QStringLiteral("complete with %1 of %2 bytes")
                           .arg(m_parser.bodyBytes())
                           .arg(m_parser.contentLength()));
        if (m_parser.framing() == Framing::None)
            FUZZ_CHECK(m_outcome.body.isEmpty(),
                       QStringLiteral("a body although the response has none"));
        if (m_outcome.decoding && !m_decoder.finish())
            decoderFailed();
    }

    void decoderFailed()
    {
        FUZZ_CHECK(m_decoder.fault() != ContentDecoder::Fault::None
                       && !m_decoder.errorString().isEmpty(),
                   QStringLiteral("the decoder failed with fault %1 %2")
                       .arg(int(m_decoder.fault()))
                       .arg(ParafetchFuzz::shown(m_decoder.errorString())));
        FUZZ_CHECK(!m_decoder.decode("x", [](QByteArrayView) { return true; })
                       && !m_decoder.finish(),
                   QStringLiteral("the decoder goes on after its fault"));
        m_outcome.decoderFailed = true;
        m_outcome.decoderFault = m_decoder.fault();
        m_outcome.decoderError = m_decoder.errorString();
        m_done = true;
    }

    void failed(Step step)
    {
        m_done = true;
        m_outcome.last = Step::Error;
        FUZZ_CHECK(step == Step::Error,
                   QStringLiteral("finish() said %1").arg(QLatin1String(stepName(step))));
        FUZZ_CHECK(m_parser.fault() != Fault::None && !m_parser.errorString().isEmpty(),
                   QStringLiteral("Error with fault %1 and text %2")
                       .arg(int(m_parser.fault()))
                       .arg(ParafetchFuzz::shown(m_parser.errorString())));
        FUZZ_CHECK(!m_parser.keepAlive(), QStringLiteral("keep-alive after an error"));
    }

    void checkDecoderCounts()
    {
        FUZZ_CHECK(m_decoder.decodedBytes() == m_outcome.decoded.size(),
                   QStringLiteral("decodedBytes() %1, %2 handed out")
                       .arg(m_decoder.decodedBytes())
                       .arg(m_outcome.decoded.size()));
        FUZZ_CHECK(m_decoder.encodedBytes() == m_outcome.body.size(),
                   QStringLiteral("encodedBytes() %1, %2 fed")
                       .arg(m_decoder.encodedBytes())
                       .arg(m_outcome.body.size()));
    }

    // Once over, the parser stays over.
    void checkAfterEnd()
    {
        const Step last = m_outcome.last;
        if (last != Step::Complete && last != Step::Error)
            return; // the decoder stopped it, or it refused the coding
        const bool wasComplete = m_parser.isComplete();
        FUZZ_CHECK(wasComplete == (last == Step::Complete),
                   QStringLiteral("%1, but isComplete() is %2")
                       .arg(QLatin1String(stepName(last)))
                       .arg(wasComplete));
        qsizetype used = -1;
        QByteArrayView body;
        const Step again =
            m_parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", &used, &body);
        FUZZ_CHECK(again == last && used == 0 && m_parser.finish() == last,
                   QStringLiteral("after %1: feed() %2, %3 consumed")
                       .arg(QLatin1String(stepName(last)), QLatin1String(stepName(again)))
                       .arg(used));
    }

    HttpResponseParser m_parser;
    ContentDecoder m_decoder;
    QByteArray m_in;
    qsizetype m_offset = 0;
    bool m_done = false;
    Outcome m_outcome;
};

// zlib's own reading of a body as one stream of this kind: the output, or false if the bytes are
// not exactly one whole stream (or inflate too far).
bool referenceInflate(const QByteArray &encoded, int windowBits, QByteArray *output)
{
    z_stream stream {};
    if (inflateInit2(&stream, windowBits) != Z_OK)
        return false;
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(encoded.constData()));
    stream.avail_in = uInt(encoded.size());
    char buffer[16384];
    int result = Z_OK;
    while (result == Z_OK && output->size() <= ReferenceOutputLimit) {
        stream.next_out = reinterpret_cast<Bytef *>(buffer);
        stream.avail_out = sizeof buffer;
        result = inflate(&stream, Z_NO_FLUSH);
        output->append(buffer, qsizetype(sizeof buffer - stream.avail_out));
        if (result == Z_BUF_ERROR && stream.avail_in == 0)
            break;
    }
    const bool whole = result == Z_STREAM_END && stream.avail_in == 0;
    inflateEnd(&stream);
    return whole;
}

// A body the decoder took as one gzip member or one deflate stream is what zlib makes of it.
void checkAgainstZlib(const Outcome &o)
{
    if (!o.decoding || o.decoderFailed || o.last != Step::Complete || o.body.isEmpty())
        return;
    const QByteArray coding = o.contentEncoding.trimmed().toLower();
    int windowBits = 0;
    bool raw = false;
    if (coding == "gzip" || coding == "x-gzip") {
        windowBits = GzipWindowBits;
    } else if (coding == "deflate") {
        const int cmf = o.body.size() > 1 ? uchar(o.body[0]) : 0;
        const int flg = o.body.size() > 1 ? uchar(o.body[1]) : 0;
        raw = !((cmf & 0x0f) == ZlibDeflateMethod && (cmf * 256 + flg) % ZlibHeaderCheck == 0);
        windowBits = raw ? -MaxWindowBits : MaxWindowBits;
    } else {
        return;
    }
    QByteArray expected;
    if (!referenceInflate(o.body, windowBits, &expected))
        return; // several members, padding, or zlib is stricter: nothing to compare with
    FUZZ_CHECK(o.decoded == expected,
               QStringLiteral("decoded %1 bytes, zlib %2: %3 against %4")
                   .arg(o.decoded.size())
                   .arg(expected.size())
                   .arg(shownBytes(o.decoded), shownBytes(expected)));
}

void checkSame(const Outcome &whole, const Outcome &split)
{
    const auto both = [&] {
        return QStringLiteral("in one piece: %1\nin pieces: %2")
            .arg(describe(whole), describe(split));
    };
    FUZZ_CHECK(whole.last == split.last && whole.fault == split.fault, both());
    FUZZ_CHECK(whole.error == split.error, both());
    FUZZ_CHECK(whole.sawHead == split.sawHead && whole.interims == split.interims, both());
    if (whole.sawHead) {
        FUZZ_CHECK(whole.status == split.status && whole.versionMinor == split.versionMinor
                       && whole.reason == split.reason && whole.fields == split.fields,
                   both());
        FUZZ_CHECK(whole.framing == split.framing && whole.contentLength == split.contentLength,
                   both());
        FUZZ_CHECK(whole.headEnd == split.headEnd, both());
    }
    FUZZ_CHECK(whole.keepAlive == split.keepAlive, both());
    // A decoder that fails stops the reading where the piece it was fed ends, so how much body
    // and decoded output came before depends on the pieces.
    if (!whole.decoderFailed)
        FUZZ_CHECK(whole.body == split.body, both());
    if (whole.last == Step::Complete && !whole.decoderFailed)
        FUZZ_CHECK(whole.consumed == split.consumed, both());
    FUZZ_CHECK(whole.decoding == split.decoding && whole.decoderRefused == split.decoderRefused,
               both());
    FUZZ_CHECK(whole.decoderFailed == split.decoderFailed, both());
    // What zlib inflated in the call that then met a fault is dropped, not handed out, and in
    // smaller pieces more of it is handed out first: past the threshold, that can be what the
    // bomb guard refuses; with several layers, what an inner layer refuses. Either way the body
    // fails, but which fault it names first depends on the pieces.
    const bool bomb = whole.decoderFault == ContentDecoder::Fault::Bomb
        || split.decoderFault == ContentDecoder::Fault::Bomb;
    if (!bomb)
        FUZZ_CHECK(whole.decoderFault == split.decoderFault, both());
    if (!bomb && !whole.contentEncoding.contains(','))
        FUZZ_CHECK(whole.decoderError == split.decoderError, both());
    if (!whole.decoderFailed)
        FUZZ_CHECK(whole.decoded == split.decoded, both());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t control = data[0];
    const bool requestWasHead = (control & 1) != 0;
    const QByteArray response(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    Reader wholeReader(requestWasHead);
    wholeReader.arrive(response);
    const Outcome whole = wholeReader.close();

    // The parser's own promises on the whole response.
    if (whole.last == Step::Complete && !whole.decoderFailed && !whole.decoderRefused) {
        FUZZ_CHECK(whole.consumed <= response.size(), describe(whole));
        if (whole.framing == Framing::UntilClose)
            FUZZ_CHECK(whole.consumed == response.size()
                           && whole.body == response.sliced(whole.headEnd),
                       QStringLiteral("until close: %1 of %2 bytes consumed, body %3 bytes from %4")
                           .arg(whole.consumed)
                           .arg(response.size())
                           .arg(whole.body.size())
                           .arg(whole.headEnd));
    }
    checkAgainstZlib(whole);

    Splits splits(control);
    Reader splitReader(requestWasHead);
    for (qsizetype pos = 0; pos < response.size();) {
        const qsizetype piece = std::min(splits.next(), response.size() - pos);
        if (!splitReader.arrive(QByteArrayView(response).sliced(pos, piece)))
            break;
        pos += piece;
    }
    const Outcome split = splitReader.close();
    // The bomb guard judges what has arrived so far, so in pieces it may refuse earlier; with
    // inputs this small (MaxRatio times the input is under the threshold) it cannot differ.
    if (response.size() * ContentDecoder::MaxRatio < BombThreshold)
        checkSame(whole, split);
    return 0;
}
