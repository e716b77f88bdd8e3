// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal's record codec (see journalrecord.h).
#include "run/journalrecord.h"

#include "formats/jsonwriter.h"
#include "redact.h"
#include "units.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QtEndian>

#include <algorithm>
#include <array>
#include <limits>

namespace Parafetch {

namespace {

using Units::NsPerUs; // durations are journaled in whole microseconds

// A line is "<8 hex digits> <json>": the CRC-32 (IEEE 802.3, as zlib and PNG use) of the JSON.
constexpr int CheckDigits = 8;
constexpr char CheckSeparator = ' ';
constexpr int BitsPerHexDigit = 4;
constexpr quint32 HexDigitMask = 0xF;
constexpr std::array<char, 16> HexDigits = { '0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f' };

constexpr quint32 CrcPolynomial = 0xEDB88320u; // reflected 0x04C11DB7
constexpr quint32 CrcInitial = 0xFFFFFFFFu;
constexpr int ByteValues = 256;
constexpr int BitsPerByte = 8;
constexpr quint32 ByteMask = 0xFF;
// Slicing by 8: eight table lookups per 8 bytes instead of one per byte. Every journal byte is
// checked twice (written, replayed), and byte at a time this was the journal's largest cost.
constexpr int SliceBytes = 8;
constexpr int WordBytes = 4;

using CrcTables = std::array<std::array<quint32, ByteValues>, SliceBytes>;

constexpr CrcTables makeCrcTables()
{
    CrcTables tables {};
    for (quint32 value = 0; value < quint32(ByteValues); ++value) {
        quint32 crc = value;
        for (int bit = 0; bit < BitsPerByte; ++bit)
            crc = (crc & 1u) ? (CrcPolynomial ^ (crc >> 1)) : (crc >> 1);
        tables[0][value] = crc;
    }
    for (int slice = 1; slice < SliceBytes; ++slice) {
        for (int value = 0; value < ByteValues; ++value) {
            const quint32 previous = tables[std::size_t(slice - 1)][std::size_t(value)];
            tables[std::size_t(slice)][std::size_t(value)] =
                (previous >> BitsPerByte) ^ tables[0][previous & ByteMask];
        }
    }
    return tables;
}

constexpr CrcTables Crc = makeCrcTables();

quint32 byteOf(quint32 word, int index)
{
    return (word >> (index * BitsPerByte)) & ByteMask;
}

constexpr char FirstPrintable = ' ';
constexpr char LastPrintable = '~';

// The names of the job enums as UTF-8, made once: two of them go into most records.
template<typename Enum, int Count> class NameTable final
{
public:
    explicit NameTable(QString (*name)(Enum))
    {
        for (int i = 0; i < Count; ++i)
            m_names[std::size_t(i)] = name(Enum(i)).toUtf8();
    }
    const QByteArray &operator[](Enum value) const { return m_names.at(std::size_t(value)); }

private:
    std::array<QByteArray, Count> m_names;
};

const NameTable<JobState, JobStateCount> &stateNames()
{
    static const NameTable<JobState, JobStateCount> names(&stateName);
    return names;
}

const NameTable<ErrorKind, ErrorKindCount> &errorKindNames()
{
    static const NameTable<ErrorKind, ErrorKindCount> names(&errorKindName);
    return names;
}

// The URL as the journal keeps it: credentials and secret query values masked,
// percent-encoded (so plain ASCII).
QByteArray journalUrl(const QUrl &url)
{
    return redactedUrl(url).toUtf8();
}

QByteArray &emptied(QByteArray &scratch)
{
    scratch.truncate(0); // keeps the capacity, unlike clear()
    return scratch;
}

// One compact record, {"k":"<kind>",…}: built by hand through JsonWriter, since the journal
// writes up to two records per URL and QJsonDocument would cost several allocations for each.
class Record final
{
public:
    Record(QByteArray &scratch, const char *kind)
        : m_writer(emptied(scratch), JsonWriter::Style::Compact, JsonWriter::Escapes::Unicode)
    {
        m_writer.beginObject();
        m_writer.key("k").value(kind);
    }
    JsonWriter &key(const char *name) { return m_writer.key(name); }
    const QByteArray &finish()
    {
        m_writer.endObject();
        return m_writer.out();
    }

private:
    JsonWriter m_writer;
};

} // namespace

namespace JournalRecord {

quint32 checksum(QByteArrayView json)
{
    quint32 crc = CrcInitial;
    const char *data = json.data();
    qsizetype size = json.size();
    for (; size >= SliceBytes; data += SliceBytes, size -= SliceBytes) {
        const quint32 low = qFromLittleEndian<quint32>(data) ^ crc;
        const quint32 high = qFromLittleEndian<quint32>(data + WordBytes);
        crc = Crc[7][byteOf(low, 0)] ^ Crc[6][byteOf(low, 1)] ^ Crc[5][byteOf(low, 2)]
            ^ Crc[4][byteOf(low, 3)] ^ Crc[3][byteOf(high, 0)] ^ Crc[2][byteOf(high, 1)]
            ^ Crc[1][byteOf(high, 2)] ^ Crc[0][byteOf(high, 3)];
    }
    for (; size > 0; ++data, --size)
        crc = Crc[0][(crc ^ quint8(*data)) & ByteMask] ^ (crc >> BitsPerByte);
    return crc ^ CrcInitial;
}

void appendLine(QByteArray &out, QByteArrayView json)
{
    const quint32 crc = checksum(json);
    std::array<char, CheckDigits + 1> check {};
    for (int digit = 0; digit < CheckDigits; ++digit)
        check[std::size_t(CheckDigits - 1 - digit)] =
            HexDigits[(crc >> (digit * BitsPerHexDigit)) & HexDigitMask];
    check[CheckDigits] = CheckSeparator;
    out.append(check.data(), qsizetype(check.size()));
    out += json;
    out += '\n';
}

std::optional<QByteArrayView> checkedJson(QByteArrayView line)
{
    if (line.size() <= CheckDigits + 1 || line.at(CheckDigits) != CheckSeparator)
        return std::nullopt;
    bool ok = false;
    const quint32 expected = line.first(CheckDigits).toByteArray().toUInt(&ok, 16);
    const QByteArrayView json = line.sliced(CheckDigits + 1);
    if (!ok || checksum(json) != expected)
        return std::nullopt;
    return json;
}

const QByteArray &begin(QByteArray &scratch, int formatVersion, const QByteArray &runToken,
                        const QByteArray &list)
{
    Record record(scratch, "begin");
    record.key("v").value(formatVersion);
    record.key("run").value(runToken);
    if (!list.isEmpty())
        record.key("list").value(list);
    return record.finish();
}

const QByteArray &add(QByteArray &scratch, const Job &job)
{
    Record record(scratch, "add");
    record.key("id").value(qint64(job.id));
    record.key("url").value(journalUrl(job.url));
    if (!job.fileName().isEmpty())
        record.key("file").value(job.fileName());
    if (job.sourceLine > 0)
        record.key("line").value(job.sourceLine);
    return record.finish();
}

const QByteArray &state(QByteArray &scratch, const Job &job)
{
    Record record(scratch, "state");
    record.key("id").value(qint64(job.id));
    if (!job.isFinished()) {
        record.key("state").value(stateNames()[JobState::Queued]);
        return record.finish();
    }
    record.key("state").value(stateNames()[job.state]);
    if (job.httpStatus > 0)
        record.key("http").value(job.httpStatus);
    if (job.attempts > 0)
        record.key("tries").value(job.attempts);
    if (job.bytesReceived > 0)
        record.key("bytes").value(job.bytesReceived);
    if (const qint64 durationNs = job.resultDurationNs(); durationNs >= 0)
        record.key("us").value(durationNs / NsPerUs);
    if (!job.sha256.isEmpty())
        record.key("sha256").hexValue(job.sha256.toByteArray());
    if (!job.savedPath().isEmpty())
        record.key("path").value(job.savedPath());
    if (job.errorKind != ErrorKind::None)
        record.key("error").value(errorKindNames()[job.errorKind]);
    if (!job.errorString().isEmpty())
        record.key("msg").value(job.errorString());
    if (!job.finalUrl().isEmpty())
        record.key("final").value(journalUrl(job.finalUrl()));
    if (!job.protocol.isEmpty())
        record.key("proto").value(job.protocol);
    return record.finish();
}

const QByteArray &part(QByteArray &scratch, quint64 id, const PartialDownload &part)
{
    Record record(scratch, "part");
    record.key("id").value(qint64(id));
    record.key("path").value(part.path);
    record.key("validator").value(part.validator);
    return record.finish();
}

const QByteArray &remove(QByteArray &scratch, const QList<std::pair<quint64, quint64>> &ranges)
{
    Record record(scratch, "remove");
    JsonWriter &ids = record.key("ids").beginArray();
    for (const auto &[first, last] : ranges)
        ids.beginArray().value(qint64(first)).value(qint64(last)).endArray();
    ids.endArray();
    return record.finish();
}

const QByteArray &marker(QByteArray &scratch, const char *kind)
{
    Record record(scratch, kind);
    return record.finish();
}

bool decodeAdd(const QJsonObject &record, JournaledJob *job)
{
    const qint64 id = record.value(QLatin1String("id")).toInteger();
    const QString url = record.value(QLatin1String("url")).toString();
    if (id <= 0 || url.isEmpty())
        return false;
    job->id = quint64(id);
    job->url = QUrl(url);
    job->fileName = record.value(QLatin1String("file")).toString();
    job->sourceLine = int(record.value(QLatin1String("line")).toInteger());
    return true;
}

bool decodeState(const QJsonObject &record, JournaledJob *result)
{
    JobState state = JobState::Queued;
    ErrorKind errorKind = ErrorKind::None;
    const QString errorName = record.value(QLatin1String("error")).toString();
    if (!stateFromName(record.value(QLatin1String("state")).toString(), &state)
        || state == JobState::Running
        || (!errorName.isEmpty() && !errorKindFromName(errorName, &errorKind)))
        return false;
    result->state = state;
    result->errorKind = errorKind;
    result->httpStatus = int(record.value(QLatin1String("http")).toInteger());
    result->attempts = int(record.value(QLatin1String("tries")).toInteger());
    result->bytesReceived = record.value(QLatin1String("bytes")).toInteger();
    const qint64 durationUs = record.value(QLatin1String("us")).toInteger(-1);
    if (durationUs >= 0 && durationUs <= std::numeric_limits<qint64>::max() / NsPerUs)
        result->durationNs = durationUs * NsPerUs;
    result->sha256 =
        QByteArray::fromHex(record.value(QLatin1String("sha256")).toString().toLatin1());
    result->savedPath = record.value(QLatin1String("path")).toString();
    result->errorString = record.value(QLatin1String("msg")).toString();
    const QString finalUrl = record.value(QLatin1String("final")).toString();
    if (!finalUrl.isEmpty())
        result->finalUrl = QUrl(finalUrl);
    result->protocol = record.value(QLatin1String("proto")).toString().toLatin1();
    return true;
}

bool decodePart(const QJsonObject &record, PartialDownload *part)
{
    part->path = record.value(QLatin1String("path")).toString();
    part->validator = record.value(QLatin1String("validator")).toString().toLatin1();
    return !part->path.isEmpty() && isJournalableValidator(part->validator);
}

bool isJournalableValidator(const QByteArray &validator)
{
    return !validator.isEmpty() && std::all_of(validator.cbegin(), validator.cend(), [](char c) {
        return c >= FirstPrintable && c <= LastPrintable;
    });
}

} // namespace JournalRecord

} // namespace Parafetch
