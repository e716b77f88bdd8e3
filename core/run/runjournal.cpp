// The run journal: records encoded on the model's thread, appended and synced by a writer thread.
#include "run/runjournal.h"

#include "engine/fetchengine.h"
#include "engine/filelog.h"
#include "filenames.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "sha256.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLockFile>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QStandardPaths>
#include <QtEndian>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace Parafetch {

namespace {

constexpr QLatin1String JournalFileName("journal.log");
constexpr QLatin1String LockSuffix(".lock");
// A guess at an add record's size, to reserve once for a pasted list instead of regrowing.
constexpr qsizetype TypicalAddBytes = 128;
constexpr qint64 NsPerUs = 1000; // durations are journaled in whole microseconds

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

// JSON strings must escape these; the rest of UTF-8 passes through as it is.
constexpr quint8 FirstUnescapedByte = 0x20;

void appendJsonString(QByteArray &out, const QByteArray &utf8)
{
    out += '"';
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const char c = utf8.at(i);
        const bool quote = c == '"' || c == '\\';
        if (!quote && quint8(c) >= FirstUnescapedByte)
            continue;
        out.append(utf8.constData() + plainFrom, i - plainFrom);
        if (quote) {
            out += '\\';
            out += c;
        } else {
            out += "\\u00";
            out += HexDigits[quint8(c) >> BitsPerHexDigit];
            out += HexDigits[quint8(c) & HexDigitMask];
        }
        plainFrom = i + 1;
    }
    out.append(utf8.constData() + plainFrom, utf8.size() - plainFrom);
    out += '"';
}

// Builds one compact JSON object by hand: the journal writes up to two records per URL, and
// QJsonDocument would cost several allocations for each.
class JsonLine final
{
public:
    JsonLine(QByteArray &out, const char *kind)
        : m_out(out)
    {
        m_out.truncate(0); // keeps the capacity, unlike clear(): one allocation for all records
        m_out += "{\"k\":\"";
        m_out += kind;
        m_out += '"';
    }
    void number(const char *key, qint64 value)
    {
        this->key(key);
        std::array<char, 24> digits {}; // enough for any qint64
        const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
        m_out.append(digits.data(), result.ptr - digits.data());
    }
    void string(const char *key, const QString &value)
    {
        this->key(key);
        appendJsonString(m_out, value.toUtf8());
    }
    void bytes(const char *key, const QByteArray &value)
    {
        this->key(key);
        appendJsonString(m_out, value);
    }
    void hex(const char *key, const QByteArray &bytes)
    {
        this->key(key);
        m_out += '"';
        qsizetype at = m_out.size();
        m_out.resize(at + 2 * bytes.size());
        char *out = m_out.data();
        for (const char byte : bytes) {
            out[at++] = HexDigits[quint8(byte) >> BitsPerHexDigit];
            out[at++] = HexDigits[quint8(byte) & HexDigitMask];
        }
        m_out += '"';
    }
    void raw(const char *key, const QByteArray &json)
    {
        this->key(key);
        m_out += json;
    }
    const QByteArray &finish()
    {
        m_out += '}';
        return m_out;
    }

private:
    void key(const char *name)
    {
        m_out += ",\"";
        m_out += name;
        m_out += "\":";
    }
    QByteArray &m_out;
};

// The URL as the journal keeps it: credentials and secret query values masked,
// percent-encoded (so plain ASCII).
QByteArray journalUrl(const QUrl &url)
{
    return redactedUrl(url).toUtf8();
}

// A validator goes back into an If-Range header as it came: printable ASCII only (an ETag or an
// HTTP date), so that the JSON round trip cannot change a byte of it.
constexpr char FirstPrintable = ' ';
constexpr char LastPrintable = '~';

bool isJournalableValidator(const QByteArray &validator)
{
    return !validator.isEmpty() && std::all_of(validator.cbegin(), validator.cend(), [](char c) {
        return c >= FirstPrintable && c <= LastPrintable;
    });
}

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

constexpr int JobStateCount = int(JobState::Cancelled) + 1;

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

// Makes a rename or a newly created file survive a power cut: the directory entry is data too.
bool syncDirectory(const QString &directory)
{
#ifdef Q_OS_UNIX
    const int fd = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
#else
    Q_UNUSED(directory);
    return true;
#endif
}

bool syncData(QFile &file)
{
#if defined(Q_OS_LINUX)
    return ::fdatasync(file.handle()) == 0;
#elif defined(Q_OS_UNIX)
    return ::fsync(file.handle()) == 0;
#else
    return file.flush(); // no portable data sync: the system writes it back soon enough
#endif
}

} // namespace

// Owns the file. Everything it does happens in its own thread, in the order it was asked for;
// the model's thread only queues byte arrays and, rarely, waits for them. Standard threads and
// locks rather than Qt's: ThreadSanitizer sees through these (pthreads), not through QMutex's
// futexes inside an uninstrumented Qt, so a sanitizer run can vouch for this class.
class JournalWriter final
{
public:
    enum class Op : quint8 { Replace, Append, Remove };
    using FailureHandler = std::function<void(const QString &message)>;

    struct Counters
    {
        qint64 writes = 0;
        qint64 syncs = 0;
        qint64 failures = 0;
    };

    JournalWriter(const QString &path, FailureHandler onFailure)
        : m_path(path)
        , m_onFailure(std::move(onFailure))
    {
        m_thread = std::thread([this] { run(); });
    }

    // Everything queued is still written: this is how the last records of a run reach the disk.
    ~JournalWriter()
    {
        {
            const std::lock_guard locker(m_mutex);
            m_stopping = true;
        }
        m_workAvailable.notify_one();
        m_thread.join();
    }

    Q_DISABLE_COPY_MOVE(JournalWriter)

    quint64 enqueue(Op op, QByteArray bytes)
    {
        quint64 sequence = 0;
        {
            const std::lock_guard locker(m_mutex);
            m_queue.append({ op, std::move(bytes) });
            sequence = ++m_enqueued;
        }
        m_workAvailable.notify_one();
        return sequence;
    }

    // True once everything up to that sequence number has been done (or failed).
    bool waitFor(quint64 sequence, int timeoutMs)
    {
        std::unique_lock locker(m_mutex);
        return m_progress.wait_for(locker, std::chrono::milliseconds(timeoutMs),
                                   [this, sequence] { return m_completed >= sequence; });
    }

    Counters counters() const
    {
        const std::lock_guard locker(m_mutex);
        return m_counters;
    }

private:
    struct Command
    {
        Op op;
        QByteArray bytes;
    };

    void run()
    {
        std::unique_lock locker(m_mutex);
        for (;;) {
            m_workAvailable.wait(locker, [this] { return !m_queue.isEmpty() || m_stopping; });
            if (m_queue.isEmpty())
                break; // stopping, and nothing is left to write
            QList<Command> batch;
            batch.swap(m_queue);
            locker.unlock();
            process(batch);
            locker.lock();
            m_counters.writes += m_local.writes;
            m_counters.syncs += m_local.syncs;
            m_counters.failures += m_local.failures;
            m_local = {};
            m_completed += quint64(batch.size());
            m_progress.notify_all();
        }
        locker.unlock();
        m_file.reset();
    }

    // Appends queued back to back become one write and one sync.
    void process(QList<Command> &batch)
    {
        for (qsizetype i = 0; i < batch.size(); ++i) {
            Command &command = batch[i];
            switch (command.op) {
            case Op::Replace:
                replace(command.bytes);
                break;
            case Op::Remove:
                remove();
                break;
            case Op::Append: {
                QByteArray bytes = std::move(command.bytes);
                while (i + 1 < batch.size() && batch.at(i + 1).op == Op::Append)
                    bytes += batch[++i].bytes;
                append(bytes);
                break;
            }
            }
        }
    }

    void replace(const QByteArray &bytes)
    {
        m_file.reset();
        const QString directory = QFileInfo(m_path).absolutePath();
        if (!QDir().mkpath(directory))
            return fail(RunJournal::tr("Could not create the folder %1")
                            .arg(QDir::toNativeSeparators(directory)));
        // A new journal replaces the old one whole or not at all, so a crash right now leaves
        // either the previous run's journal or this one's, never a mix.
        QSaveFile save(m_path);
        if (!save.open(QIODevice::WriteOnly))
            return fail(describe(save, RunJournal::tr("open")));
        if (save.write(bytes) != bytes.size())
            return fail(describe(save, RunJournal::tr("write")));
        if (!save.commit()) // QSaveFile syncs the data before it renames
            return fail(describe(save, RunJournal::tr("save")));
        ++m_local.writes;
        ++m_local.syncs;
        if (syncDirectory(directory))
            ++m_local.syncs;
        auto file = std::make_unique<QFile>(m_path);
        // Unbuffered: each batch is one write() straight to the file, not copies through
        // QFile's buffer in 16 KiB pieces.
        if (!file->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
            return fail(describe(*file, RunJournal::tr("open")));
        m_file = std::move(file);
        m_broken = false;
    }

    void append(const QByteArray &bytes)
    {
        // After a failure the file may end in a partial line and miss records; appending to it
        // would make it lie. The model's thread rewrites it whole instead (a Replace).
        if (m_broken || !m_file)
            return;
        if (m_file->write(bytes) != bytes.size())
            return fail(describe(*m_file, RunJournal::tr("write")));
        ++m_local.writes;
        if (!syncData(*m_file))
            return fail(describe(*m_file, RunJournal::tr("sync")));
        ++m_local.syncs;
    }

    void remove()
    {
        m_file.reset();
        m_broken = true; // nothing may be appended until a new journal is begun
        if (QFile::exists(m_path) && !QFile::remove(m_path))
            fail(RunJournal::tr("Could not remove %1").arg(QDir::toNativeSeparators(m_path)));
    }

    QString describe(const QFileDevice &file, const QString &action) const
    {
        return RunJournal::tr("Could not %1 the run journal %2: %3")
            .arg(action, QDir::toNativeSeparators(m_path), file.errorString());
    }

    void fail(const QString &message)
    {
        m_broken = true;
        m_file.reset();
        ++m_local.failures;
        if (m_onFailure)
            m_onFailure(message);
    }

    const QString m_path;
    const FailureHandler m_onFailure;

    mutable std::mutex m_mutex;
    std::condition_variable m_workAvailable;
    std::condition_variable m_progress;
    QList<Command> m_queue; // guarded by m_mutex
    quint64 m_enqueued = 0; // guarded by m_mutex
    quint64 m_completed = 0; // guarded by m_mutex
    Counters m_counters; // guarded by m_mutex
    bool m_stopping = false; // guarded by m_mutex

    // The writer thread's own.
    std::unique_ptr<QFile> m_file;
    Counters m_local;
    bool m_broken = false;

    std::thread m_thread; // started in the constructor's body, once every member exists
};

QString RunJournal::defaultPath()
{
    const QString directory = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (directory.isEmpty())
        return {};
    return QDir(directory).filePath(JournalFileName);
}

quint32 RunJournal::lineChecksum(QByteArrayView json)
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

namespace {
bool removeStalePart(const QString &path);
} // namespace

QString RunJournal::fileLogPath(const QString &journalPath)
{
    return journalPath + QLatin1String(".files");
}

RunJournal::RunJournal(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_runToken(QByteArray::number(QRandomGenerator::global()->generate64(), 16))
    , m_fileLog(std::make_shared<FileLog>(fileLogPath(path)))
{
    m_writer = std::make_unique<JournalWriter>(path, [this](const QString &message) {
        // From the writer's thread; the event is dropped if this object is gone by then.
        QMetaObject::invokeMethod(
            this, [this, message] { onWriteFailed(message); }, Qt::QueuedConnection);
    });
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(FlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &RunJournal::flush);
}

RunJournal::~RunJournal()
{
    handOff();
    m_writer.reset();
    m_lock.reset();
}

bool RunJournal::claim(QString *error)
{
    const auto failed = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (m_lock)
        return true;
    const QString directory = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(directory))
        return failed(
            tr("Could not create the folder %1").arg(QDir::toNativeSeparators(directory)));
    auto lock = std::make_unique<QLockFile>(m_path + LockSuffix);
    // Held for the whole session: only a lock whose process is gone counts as stale, never an
    // old one (a download monitor may run for days).
    lock->setStaleLockTime(0);
    if (lock->tryLock(0)) {
        m_lock = std::move(lock);
        return true;
    }
    if (lock->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host, application;
        lock->getLockInfo(&pid, &host, &application);
        return failed(tr("Another Parafetch (process %1) is using the run journal %2.")
                          .arg(pid)
                          .arg(QDir::toNativeSeparators(m_path)));
    }
    return failed(tr("Could not lock the run journal %1.").arg(QDir::toNativeSeparators(m_path)));
}

void RunJournal::attach(JobQueueModel *model, FetchEngine *engine)
{
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    if (m_engine) {
        disconnect(m_engine, nullptr, this, nullptr);
        m_engine->setFileLog(nullptr);
    }
    m_model = model;
    m_engine = engine;
    m_journaled.clear();
    m_parts.clear();
    if (!model)
        return;
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onRowsInserted(first, last); });
    connect(
        model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
        [this](const QModelIndex &, int first, int last) { onRowsAboutToBeRemoved(first, last); });
    connect(model, &QAbstractItemModel::modelReset, this, &RunJournal::onModelReset);
    connect(model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                onDataChanged(topLeft.row(), bottomRight.row());
            });
    if (engine) {
        connect(engine, &FetchEngine::runFinished, this, &RunJournal::flush);
        connect(engine, &FetchEngine::partialStarted, this, &RunJournal::onPartialStarted);
        engine->setFileLog(m_fileLog);
    }
    if (model->rowCount() > 0)
        onRowsInserted(0, model->rowCount() - 1);
}

void RunJournal::onRowsInserted(int first, int last)
{
    beginSession();
    m_buffer.reserve(m_buffer.size() + qsizetype(last - first + 1) * TypicalAddBytes);
    m_journaled.insert(first, last - first + 1, JobState::Queued);
    for (int row = first; row <= last; ++row) {
        const Job &job = m_model->jobAt(row);
        appendAdd(job);
        writeStateIfChanged(row); // restored rows arrive finished
        if (job.resumeFrom && !job.isFinished())
            recordPart(job.id, *job.resumeFrom); // restored, its .part still to be continued
    }
    requestUrgentFlush();
}

void RunJournal::onRowsAboutToBeRemoved(int first, int last)
{
    beginSession();
    // Ids grow with the rows, so the removed ones are mostly runs of consecutive ids: written
    // as ranges, removing a whole finished list costs a few bytes, not one number per row.
    QByteArray ranges = "[";
    quint64 rangeFirst = 0, rangeLast = 0;
    const auto closeRange = [&] {
        if (rangeFirst == 0)
            return;
        if (ranges.size() > 1)
            ranges += ',';
        ranges += '[' + QByteArray::number(rangeFirst) + ',' + QByteArray::number(rangeLast) + ']';
    };
    for (int row = first; row <= last; ++row) {
        const quint64 id = m_model->jobAt(row).id;
        if (!m_parts.isEmpty())
            m_parts.remove(id);
        if (rangeFirst != 0 && id == rangeLast + 1) {
            rangeLast = id;
            continue;
        }
        closeRange();
        rangeFirst = rangeLast = id;
    }
    closeRange();
    ranges += ']';
    JsonLine line(m_json, "remove");
    line.raw("ids", ranges);
    appendRecord(line.finish());
    m_journaled.remove(first, last - first + 1);
    requestUrgentFlush();
}

void RunJournal::onModelReset()
{
    beginSession();
    JsonLine line(m_json, "clear");
    appendRecord(line.finish());
    m_journaled.clear();
    m_parts.clear();
    if (m_model->rowCount() > 0)
        onRowsInserted(0, m_model->rowCount() - 1);
    requestUrgentFlush();
}

void RunJournal::onDataChanged(int first, int last)
{
    // Live progress is announced ten times a second for the running rows: the check below is a
    // comparison per row, and a record is written only when a row finishes or is queued again.
    const qint64 before = m_recordsInFile;
    for (int row = std::max(first, 0); row <= last && row < m_journaled.size(); ++row)
        writeStateIfChanged(row);
    if (m_recordsInFile != before)
        requestLazyFlush();
}

void RunJournal::writeStateIfChanged(int row)
{
    const Job &job = m_model->jobAt(row);
    const JobState state = job.isFinished() ? job.state : JobState::Queued;
    if (m_journaled.at(row) == state)
        return;
    beginSession();
    appendState(job);
    m_journaled[row] = state;
    if (!m_parts.isEmpty())
        m_parts.remove(job.id); // a state record voids the part (see replay)
}

void RunJournal::onPartialStarted(quint64 id, const PartialDownload &part)
{
    // Announced from the engine's queue, possibly after the job's result: only a job that is
    // still unfinished has a part worth continuing.
    const int row = m_model ? m_model->rowForId(id) : -1;
    if (row < 0 || m_model->jobAt(row).isFinished() || part.path.isEmpty()
        || !isJournalableValidator(part.validator))
        return;
    const qint64 before = m_recordsInFile;
    recordPart(id, part);
    if (m_recordsInFile != before)
        requestLazyFlush();
}

void RunJournal::recordPart(quint64 id, const PartialDownload &part)
{
    const auto known = m_parts.constFind(id);
    if (known != m_parts.cend() && known->path == part.path && known->validator == part.validator)
        return; // a retry that continues the same part
    beginSession();
    m_parts.insert(id, part);
    appendPart(id, part);
}

void RunJournal::beginSession()
{
    if (m_sessionStarted)
        return;
    m_sessionStarted = true;
    m_replacePending = true;
    m_buffer.clear();
    m_recordsInFile = 0;
    JsonLine line(m_json, "begin");
    line.number("v", FormatVersion);
    line.bytes("run", m_runToken);
    appendRecord(line.finish());
    // The previous run's file log is read by now (replay), and this run's begins: from here
    // on, its records belong to this journal.
    if (!m_fileLogStarted)
        m_fileLogStarted = m_fileLog->begin(m_runToken);
}

void RunJournal::appendRecord(const QByteArray &json)
{
    const quint32 crc = lineChecksum(json);
    std::array<char, CheckDigits + 1> check {};
    for (int digit = 0; digit < CheckDigits; ++digit)
        check[std::size_t(CheckDigits - 1 - digit)] =
            HexDigits[(crc >> (digit * BitsPerHexDigit)) & HexDigitMask];
    check[CheckDigits] = CheckSeparator;
    m_buffer.append(check.data(), qsizetype(check.size()));
    m_buffer += json;
    m_buffer += '\n';
    ++m_recordsInFile;
    ++m_statistics.records;
}

void RunJournal::appendAdd(const Job &job)
{
    JsonLine line(m_json, "add");
    line.number("id", qint64(job.id));
    line.bytes("url", journalUrl(job.url));
    if (!job.fileName.isEmpty())
        line.string("file", job.fileName);
    if (job.sourceLine > 0)
        line.number("line", job.sourceLine);
    appendRecord(line.finish());
}

void RunJournal::appendState(const Job &job)
{
    JsonLine line(m_json, "state");
    line.number("id", qint64(job.id));
    if (!job.isFinished()) {
        line.bytes("state", stateNames()[JobState::Queued]);
        appendRecord(line.finish());
        return;
    }
    line.bytes("state", stateNames()[job.state]);
    if (job.httpStatus > 0)
        line.number("http", job.httpStatus);
    if (job.attempts > 0)
        line.number("tries", job.attempts);
    if (job.bytesReceived > 0)
        line.number("bytes", job.bytesReceived);
    if (const qint64 durationNs = job.resultDurationNs(); durationNs >= 0)
        line.number("us", durationNs / NsPerUs);
    if (!job.sha256.isEmpty())
        line.hex("sha256", job.sha256);
    if (!job.savedPath.isEmpty())
        line.string("path", job.savedPath);
    if (job.errorKind != ErrorKind::None)
        line.bytes("error", errorKindNames()[job.errorKind]);
    if (!job.errorString.isEmpty())
        line.string("msg", job.errorString);
    if (!job.finalUrl.isEmpty())
        line.bytes("final", journalUrl(job.finalUrl));
    if (!job.protocol.isEmpty())
        line.bytes("proto", job.protocol);
    appendRecord(line.finish());
}

void RunJournal::appendPart(quint64 id, const PartialDownload &part)
{
    JsonLine line(m_json, "part");
    line.number("id", qint64(id));
    line.string("path", part.path);
    line.bytes("validator", part.validator);
    appendRecord(line.finish());
}

void RunJournal::requestUrgentFlush()
{
    // At the end of the current event, not now: a removed selection arrives as one signal per
    // row, and should still be one write and one sync.
    if (m_urgentPosted)
        return;
    m_urgentPosted = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_urgentPosted = false;
            flush();
        },
        Qt::QueuedConnection);
}

void RunJournal::requestLazyFlush()
{
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

bool RunJournal::compactionDue() const
{
    if (!m_model)
        return false;
    const qint64 live = m_model->rowCount();
    return m_recordsInFile > std::max<qint64>(CompactionMinRecords, CompactionFactor * live);
}

void RunJournal::compact()
{
    m_buffer.clear();
    m_sessionStarted = false;
    beginSession(); // a whole new file: header first, then one add (and state) per row
    for (int row = 0; row < m_journaled.size(); ++row) {
        const Job &job = m_model->jobAt(row);
        appendAdd(job);
        m_journaled[row] = JobState::Queued;
        writeStateIfChanged(row);
        const auto part = m_parts.constFind(job.id);
        if (part != m_parts.cend())
            appendPart(job.id, *part);
    }
}

void RunJournal::flush()
{
    if (!m_sessionStarted)
        return;
    if (m_rewriteAfterFailure) {
        if (m_sinceFailure.elapsed() < RetryAfterFailureMs) {
            // The rewrite will contain all of it; keeping it would only grow the buffer.
            m_buffer.clear();
            requestLazyFlush();
            return;
        }
        if (!m_model)
            return;
        m_rewriteAfterFailure = false;
        compact();
    } else if (compactionDue()) {
        compact();
        ++m_statistics.compactions;
    }
    handOff();
}

void RunJournal::handOff()
{
    if (m_buffer.isEmpty())
        return;
    m_statistics.bytes += m_buffer.size();
    const auto op = m_replacePending ? JournalWriter::Op::Replace : JournalWriter::Op::Append;
    m_lastHandOff = m_writer->enqueue(op, std::exchange(m_buffer, {}));
    m_replacePending = false;
    m_flushTimer.stop();
}

bool RunJournal::sync(int timeoutMs)
{
    const qint64 failuresBefore = m_writer->counters().failures;
    flush();
    return m_writer->waitFor(m_lastHandOff, timeoutMs)
        && m_writer->counters().failures == failuresBefore;
}

void RunJournal::markCleanExit()
{
    attach(nullptr, nullptr);
    // A run that journaled nothing leaves the previous journal as it found it: if that one
    // was offered back and the person closed the window without answering, it is offered again.
    if (!m_sessionStarted)
        return;
    // Nothing will be offered back, so the list need not stay on disk (the last list keeps what
    // the person had): the journal becomes a small file that the next start reads in no time.
    m_rewriteAfterFailure = false;
    m_sessionStarted = false;
    beginSession();
    JsonLine line(m_json, "clean-exit");
    appendRecord(line.finish());
    handOff();
    m_writer->waitFor(m_lastHandOff, CleanExitTimeoutMs);
    m_fileLog->remove(); // nothing left to reconcile
}

void RunJournal::markKeptExit()
{
    if (!m_sessionStarted) {
        attach(nullptr, nullptr);
        return;
    }
    flush(); // a compaction, if due, comes before the marker: it rewrites the file whole
    JsonLine line(m_json, "kept-exit");
    appendRecord(line.finish());
    handOff();
    attach(nullptr, nullptr);
    m_writer->waitFor(m_lastHandOff, CleanExitTimeoutMs);
}

void RunJournal::discardPrevious(const QList<JournaledJob> &jobs)
{
    for (const JournaledJob &job : jobs) {
        if (job.partial && !job.isFinished())
            removeStalePart(job.partial->path);
    }
    if (m_sessionStarted)
        return; // the file is already this run's journal
    m_lastHandOff = m_writer->enqueue(JournalWriter::Op::Remove, {});
    QFile::remove(fileLogPath(m_path));
}

RunJournal::Statistics RunJournal::statistics() const
{
    Statistics statistics = m_statistics;
    const JournalWriter::Counters counters = m_writer->counters();
    statistics.writes = counters.writes;
    statistics.syncs = counters.syncs;
    statistics.failures = counters.failures;
    return statistics;
}

void RunJournal::onWriteFailed(const QString &message)
{
    m_errorString = message;
    if (!m_rewriteAfterFailure) {
        m_rewriteAfterFailure = true;
        m_sinceFailure.start();
    }
    if (m_sessionStarted)
        requestLazyFlush();
    emit writeFailed(message);
}

namespace {

enum class LineOutcome { Applied, Bad, TooNew };

// Applies journal records to a list, in order.
class Replayer final
{
public:
    LineOutcome apply(QByteArrayView line)
    {
        if (line.size() <= CheckDigits + 1 || line.at(CheckDigits) != CheckSeparator)
            return LineOutcome::Bad;
        bool ok = false;
        const quint32 expected = line.first(CheckDigits).toByteArray().toUInt(&ok, 16);
        const QByteArrayView json = line.sliced(CheckDigits + 1);
        if (!ok || RunJournal::lineChecksum(json) != expected)
            return LineOutcome::Bad;
        QJsonParseError parseError;
        const QJsonDocument document =
            QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), json.size()), &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject())
            return LineOutcome::Bad;
        const QJsonObject record = document.object();
        const QString kind = record.value(QLatin1String("k")).toString();
        if (kind == QLatin1String("begin"))
            return begin(record);
        if (kind == QLatin1String("clean-exit")) {
            m_cleanExit = true;
            m_keptExit = false;
            return LineOutcome::Applied;
        }
        m_cleanExit = false;
        m_keptExit = false;
        if (kind == QLatin1String("kept-exit")) {
            m_keptExit = true;
            return LineOutcome::Applied;
        }
        if (kind == QLatin1String("add"))
            return add(record);
        if (kind == QLatin1String("state"))
            return state(record);
        if (kind == QLatin1String("part"))
            return part(record);
        if (kind == QLatin1String("remove"))
            return remove(record);
        if (kind == QLatin1String("clear")) {
            m_jobs.clear();
            m_index.clear();
            return LineOutcome::Applied;
        }
        return LineOutcome::Bad;
    }

    QList<JournaledJob> takeJobs()
    {
        QList<JournaledJob> jobs;
        jobs.reserve(m_index.size());
        for (JournaledJob &job : m_jobs) {
            if (job.id != 0)
                jobs.append(std::move(job));
        }
        return jobs;
    }
    bool cleanExit() const { return m_cleanExit; }
    bool keptExit() const { return m_keptExit; }
    QByteArray runToken() const { return m_runToken; }

private:
    LineOutcome begin(const QJsonObject &record)
    {
        const qint64 version = record.value(QLatin1String("v")).toInteger();
        if (version > RunJournal::FormatVersion)
            return LineOutcome::TooNew;
        if (version < 1)
            return LineOutcome::Bad;
        // Every journal file starts with it; seen again, a new file begins.
        m_jobs.clear();
        m_index.clear();
        m_cleanExit = false;
        m_keptExit = false;
        m_runToken = record.value(QLatin1String("run")).toString().toLatin1();
        return LineOutcome::Applied;
    }

    LineOutcome add(const QJsonObject &record)
    {
        const qint64 id = record.value(QLatin1String("id")).toInteger();
        const QString url = record.value(QLatin1String("url")).toString();
        if (id <= 0 || url.isEmpty() || m_index.contains(quint64(id)))
            return LineOutcome::Bad;
        JournaledJob job;
        job.id = quint64(id);
        job.url = QUrl(url);
        job.fileName = record.value(QLatin1String("file")).toString();
        job.sourceLine = int(record.value(QLatin1String("line")).toInteger());
        m_index.insert(job.id, m_jobs.size());
        m_jobs.append(std::move(job));
        return LineOutcome::Applied;
    }

    LineOutcome state(const QJsonObject &record)
    {
        const auto it = m_index.constFind(quint64(record.value(QLatin1String("id")).toInteger()));
        JobState state = JobState::Queued;
        ErrorKind errorKind = ErrorKind::None;
        const QString errorName = record.value(QLatin1String("error")).toString();
        if (it == m_index.cend()
            || !stateFromName(record.value(QLatin1String("state")).toString(), &state)
            || state == JobState::Running
            || (!errorName.isEmpty() && !errorKindFromName(errorName, &errorKind)))
            return LineOutcome::Bad;
        JournaledJob &job = m_jobs[*it];
        JournaledJob result;
        result.id = job.id;
        result.url = std::move(job.url);
        result.fileName = std::move(job.fileName);
        result.sourceLine = job.sourceLine;
        result.state = state;
        result.errorKind = errorKind;
        result.httpStatus = int(record.value(QLatin1String("http")).toInteger());
        result.attempts = int(record.value(QLatin1String("tries")).toInteger());
        result.bytesReceived = record.value(QLatin1String("bytes")).toInteger();
        const qint64 durationUs = record.value(QLatin1String("us")).toInteger(-1);
        if (durationUs >= 0 && durationUs <= std::numeric_limits<qint64>::max() / NsPerUs)
            result.durationNs = durationUs * NsPerUs;
        result.sha256 =
            QByteArray::fromHex(record.value(QLatin1String("sha256")).toString().toLatin1());
        result.savedPath = record.value(QLatin1String("path")).toString();
        result.errorString = record.value(QLatin1String("msg")).toString();
        const QString finalUrl = record.value(QLatin1String("final")).toString();
        if (!finalUrl.isEmpty())
            result.finalUrl = QUrl(finalUrl);
        result.protocol = record.value(QLatin1String("proto")).toString().toLatin1();
        job = std::move(result);
        return LineOutcome::Applied;
    }

    LineOutcome part(const QJsonObject &record)
    {
        const auto it = m_index.constFind(quint64(record.value(QLatin1String("id")).toInteger()));
        auto part = std::make_shared<PartialDownload>();
        part->path = record.value(QLatin1String("path")).toString();
        part->validator = record.value(QLatin1String("validator")).toString().toLatin1();
        if (it == m_index.cend() || part->path.isEmpty()
            || !isJournalableValidator(part->validator))
            return LineOutcome::Bad;
        JournaledJob &job = m_jobs[*it];
        // Announced from another thread, a part may follow its job's result: nothing to continue.
        if (!job.isFinished())
            job.partial = std::move(part);
        return LineOutcome::Applied;
    }

    LineOutcome remove(const QJsonObject &record)
    {
        const QJsonValue ids = record.value(QLatin1String("ids"));
        if (!ids.isArray())
            return LineOutcome::Bad;
        for (const QJsonValue &range : ids.toArray()) {
            const QJsonArray bounds = range.toArray();
            if (bounds.size() != 2)
                return LineOutcome::Bad;
            const qint64 first = bounds.at(0).toInteger();
            const qint64 last = bounds.at(1).toInteger();
            if (first <= 0 || last < first)
                return LineOutcome::Bad;
            if (quint64(last - first) < quint64(m_index.size())) {
                for (qint64 id = first; id <= last; ++id)
                    drop(quint64(id));
            } else {
                // A range wider than the list: walk the list, not the range.
                QList<quint64> inRange;
                for (auto it = m_index.cbegin(); it != m_index.cend(); ++it) {
                    if (it.key() >= quint64(first) && it.key() <= quint64(last))
                        inRange.append(it.key());
                }
                for (quint64 id : std::as_const(inRange))
                    drop(id);
            }
        }
        return LineOutcome::Applied;
    }

    void drop(quint64 id)
    {
        const auto it = m_index.constFind(id);
        if (it == m_index.cend())
            return;
        m_jobs[*it].id = 0; // left out by takeJobs()
        m_index.erase(it);
    }

    QList<JournaledJob> m_jobs; // in the order they were added; id 0 = removed
    QHash<quint64, qsizetype> m_index;
    bool m_cleanExit = true; // an empty journal needs nothing restored
    bool m_keptExit = false;
    QByteArray m_runToken;
};

// Whether path is a regular file (not a link) of size bytes whose SHA-256 is digest. With no
// digest (SHA-256 switched off for the run) the size has to do: the name was one the run
// reserved for this body, never a name a file already had.
bool fileMatches(const QString &path, qint64 size, const QByteArray &digest)
{
    constexpr qint64 ChunkBytes = 1 << 20;
    const QFileInfo info(path);
    if (path.isEmpty() || info.isSymLink() || !info.isFile() || info.size() != size)
        return false;
    if (digest.isEmpty())
        return true;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    Sha256 hash;
    while (!file.atEnd()) {
        const QByteArray chunk = file.read(ChunkBytes);
        if (chunk.isEmpty())
            return false;
        hash.addData(chunk);
    }
    return hash.result() == digest;
}

// A body the file log says was about to be renamed: done if it stands under its final name,
// or still under its .part name (the rename is then made now, never replacing anything).
bool adoptSaved(const FileRecord &saved)
{
    if (saved.size < 0 || saved.savedPath.isEmpty())
        return false;
    if (fileMatches(saved.savedPath, saved.size, saved.sha256))
        return true;
    // QFile::rename refuses an existing target.
    return fileMatches(saved.partPath, saved.size, saved.sha256)
        && !QFileInfo(saved.savedPath).isSymLink()
        && QFile::rename(saved.partPath, saved.savedPath);
}

// A .part of the run that nothing will continue. Only a regular file named like ours: the log
// is a file on disk, and must not steer removals elsewhere.
bool removeStalePart(const QString &path)
{
    const QFileInfo info(path);
    if (!info.fileName().endsWith(FileNames::PartSuffix) || info.isSymLink() || !info.isFile())
        return false;
    return QFile::remove(path);
}

// Applies the file log of the run to its replayed list (see RunJournal's class comment).
void reconcile(const QList<FileRecord> &records, QList<JournaledJob> *jobs,
               JournalReplayReport *report)
{
    struct Files
    {
        QStringList parts; // every .part the job had, oldest first
        FileRecord lastPart;
        qint64 keptSize = -1; // of lastPart, if the window closed keeping it
        QList<FileRecord> saved;
    };
    QHash<quint64, Files> byId;
    for (const FileRecord &record : records) {
        Files &files = byId[record.id];
        switch (record.kind) {
        case FileRecord::Kind::Part:
            if (!files.parts.contains(record.partPath))
                files.parts.append(record.partPath);
            if (record.partPath != files.lastPart.partPath)
                files.keptSize = -1;
            files.lastPart = record;
            break;
        case FileRecord::Kind::Kept:
            if (record.partPath == files.lastPart.partPath)
                files.keptSize = record.size;
            break;
        case FileRecord::Kind::Saved:
            files.saved.append(record);
            break;
        }
    }
    QHash<quint64, qsizetype> index;
    for (qsizetype i = 0; i < jobs->size(); ++i)
        index.insert(jobs->at(i).id, i);
    for (auto it = byId.cbegin(); it != byId.cend(); ++it) {
        const Files &files = it.value();
        const auto found = index.constFind(it.key());
        JournaledJob *job = found == index.cend() ? nullptr : &(*jobs)[*found];
        if (job && !job->isFinished()) {
            for (auto saved = files.saved.crbegin(); saved != files.saved.crend(); ++saved) {
                if (!adoptSaved(*saved))
                    continue;
                job->state = JobState::Succeeded;
                job->errorKind = ErrorKind::None;
                job->errorString.clear();
                job->httpStatus = saved->httpStatus;
                job->bytesReceived = saved->size;
                job->sha256 = saved->sha256;
                job->savedPath = saved->savedPath;
                job->partial.reset();
                ++report->adoptedFiles;
                break;
            }
        }
        if (job && !job->isFinished() && !files.lastPart.partPath.isEmpty()) {
            // The log is written as each .part is made, the journal later and only for parts
            // with a validator: the log's last part is the job's current one.
            job->partial.reset();
            if (isJournalableValidator(files.lastPart.validator)) {
                auto part = std::make_shared<PartialDownload>();
                part->path = files.lastPart.partPath;
                part->validator = files.lastPart.validator;
                job->partial = std::move(part);
            }
        }
        if (job && job->partial && !job->isFinished()) {
            // Continued only as it was left: a file changed (or emptied) since is not.
            const QFileInfo info(job->partial->path);
            const bool usable = info.isFile() && !info.isSymLink() && info.size() > 0
                && (files.keptSize < 0 || job->partial->path != files.lastPart.partPath
                    || info.size() == files.keptSize);
            if (!usable)
                job->partial.reset();
        }
        const QString keep =
            job && job->partial && !job->isFinished() ? job->partial->path : QString();
        for (const QString &path : files.parts) {
            if (path != keep && removeStalePart(path))
                ++report->removedParts;
        }
    }
}

} // namespace

bool RunJournal::replay(const QString &path, QList<JournaledJob> *jobs, bool *cleanExit,
                        QString *error, JournalReplayReport *report, bool reconcileFiles)
{
    jobs->clear();
    *cleanExit = true;
    JournalReplayReport counts;
    if (report)
        *report = counts;
    if (!QFileInfo::exists(path))
        return true;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("Could not open the run journal %1: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    // Compaction keeps the file within a few times the list's size: reading it whole is fine.
    const QByteArray content = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        if (error)
            *error = tr("Could not read the run journal %1: %2")
                         .arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }

    Replayer replayer;
    qsizetype position = 0;
    while (position < content.size()) {
        qsizetype end = content.indexOf('\n', position);
        if (end < 0)
            end = content.size();
        const QByteArrayView line(content.constData() + position, end - position);
        position = end + 1;
        const bool last = position >= content.size();
        switch (replayer.apply(line)) {
        case LineOutcome::Applied:
            ++counts.records;
            break;
        case LineOutcome::Bad:
            // A crash in mid-write tears the last line only; anything else is damage.
            if (last)
                counts.tornTail = true;
            else
                ++counts.skippedLines;
            break;
        case LineOutcome::TooNew:
            if (error)
                *error = tr("The run journal %1 was written by a newer version of Parafetch.")
                             .arg(QDir::toNativeSeparators(path));
            return false;
        }
    }
    *jobs = replayer.takeJobs();
    *cleanExit = replayer.cleanExit();
    counts.keptExit = replayer.keptExit();
    if (reconcileFiles && !*cleanExit)
        reconcile(FileLog::read(fileLogPath(path), replayer.runToken()), jobs, &counts);
    if (report)
        *report = counts;
    return true;
}

QList<Job> RunJournal::restorableJobs(const QList<JournaledJob> &jobs)
{
    QList<Job> restored;
    restored.reserve(jobs.size());
    for (const JournaledJob &journaled : jobs) {
        Job job;
        job.id = journaled.id;
        job.url = journaled.url;
        job.fileName = journaled.fileName;
        job.sourceLine = journaled.sourceLine;
        if (journaled.isFinished()) {
            job.state = journaled.state;
            job.errorKind = journaled.errorKind;
            job.httpStatus = journaled.httpStatus;
            job.attempts = journaled.attempts;
            job.bytesReceived = journaled.bytesReceived;
            job.restored = true;
            job.restoredDurationNs = journaled.durationNs;
            job.sha256 = journaled.sha256;
            job.savedPath = journaled.savedPath;
            job.errorString = journaled.errorString;
            job.finalUrl = journaled.finalUrl;
            job.protocol = journaled.protocol;
        } else if (hasMaskedSecrets(journaled.url)) {
            job.state = JobState::Cancelled;
            job.errorKind = ErrorKind::Cancelled;
            job.errorString = tr("not restored: the run journal does not keep user names, "
                                 "passwords or secret query values; add this URL again with them");
        } else {
            job.resumeFrom = journaled.partial;
        }
        restored.append(std::move(job));
    }
    return restored;
}

} // namespace Parafetch
