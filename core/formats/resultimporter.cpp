// Import of our CSV and JSON exports: strict about types and ranges, lenient about absence.
#include "formats/resultimporter.h"

#include "formats/harformat.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QLocale>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace Parafetch {

using ImportReading::withoutBom;

namespace {

constexpr qint64 NsPerUs = 1000;
constexpr double UsPerMs = 1000;
constexpr int MaxHttpStatus = 999;
constexpr int Sha256HexLength = 64;
constexpr char FormulaEscape = '\''; // see the CSV notes in resultexporter.cpp
constexpr QByteArrayView Utf8Bom = "\xEF\xBB\xBF";
constexpr qint64 MaxInt = std::numeric_limits<int>::max();
constexpr qint64 MaxInt64 = std::numeric_limits<qint64>::max();

QString tr(const char *text)
{
    return ResultImporter::tr(text);
}

// A number as read from either format, before the field decides what it may be.
struct Number
{
    double real = 0;
    bool whole = false; // real is a whole number that fits in qint64
    qint64 integer = 0; // valid when whole
};

bool numberFromText(QByteArrayView text, Number *number)
{
    const QByteArray trimmed = text.trimmed().toByteArray();
    bool ok = false;
    const qint64 integer = trimmed.toLongLong(&ok);
    if (ok) {
        *number = { double(integer), true, integer };
        return true;
    }
    const double real = trimmed.toDouble(&ok);
    if (!ok || !std::isfinite(real))
        return false;
    // 2^63 is exactly representable; anything below it converts to qint64 without overflow.
    const bool whole =
        std::trunc(real) == real && std::fabs(real) < -double(std::numeric_limits<qint64>::min());
    *number = { real, whole, whole ? qint64(real) : 0 };
    return true;
}

Number numberFromJson(const QJsonValue &value)
{
    // toInteger() answers its default unless the double is whole and fits: two defaults tell.
    const qint64 low = value.toInteger(0), high = value.toInteger(1);
    return { value.toDouble(), low == high, low };
}

// Plain digits in messages: "9999999", not the "1e+07" that %g would make of it.
QString shown(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString fieldName(ExportField field)
{
    return QString(exportFieldName(field));
}

// Each apply* returns an empty string on success, otherwise the reason (without the place).
QString wholeInRange(const QString &name, const Number &number, qint64 min, qint64 max, qint64 *out)
{
    if (!number.whole)
        return tr("%1 is not a whole number").arg(name);
    if (number.integer < min || number.integer > max)
        return tr("%1 is out of range: %2").arg(name).arg(number.integer);
    *out = number.integer;
    return QString();
}

// Milliseconds (three decimals) to whole microseconds; -1 = unknown.
QString msToUs(const QString &name, const Number &number, qint64 maxUs, qint64 *us)
{
    if (number.real == -1) {
        *us = -1;
        return QString();
    }
    if (number.real < 0)
        return tr("%1 must be -1 (unknown) or not negative: %2").arg(name, shown(number.real));
    const double rounded = std::round(number.real * UsPerMs);
    // double(maxUs) may round up past maxUs: check again once the value is an integer.
    if (!(rounded <= double(maxUs)) || qint64(rounded) > maxUs)
        return tr("%1 is out of range: %2").arg(name, shown(number.real));
    *us = qint64(rounded);
    return QString();
}

QString applyNumber(Job *job, ExportField field, const Number &number, const QString &name)
{
    qint64 value = 0;
    QString problem;
    const auto instant = [&](qint64 *ns) {
        problem = msToUs(name, number, MaxInt64 / NsPerUs, &value);
        if (problem.isEmpty())
            *ns = value < 0 ? -1 : value * NsPerUs;
    };
    const auto phase = [&](qint64 *us) {
        problem = msToUs(name, number, MaxInt64 / NsPerUs, &value);
        if (problem.isEmpty())
            *us = value;
    };
    switch (field) {
    case ExportField::Line:
        if ((problem = wholeInRange(name, number, 0, MaxInt, &value)).isEmpty())
            job->sourceLine = int(value);
        break;
    case ExportField::HttpStatus:
        if ((problem = wholeInRange(name, number, 0, MaxHttpStatus, &value)).isEmpty())
            job->httpStatus = int(value);
        break;
    case ExportField::Attempts:
        if ((problem = wholeInRange(name, number, 0, MaxInt, &value)).isEmpty())
            job->attempts = int(value);
        break;
    case ExportField::Worker:
        if ((problem = wholeInRange(name, number, -1, MaxInt, &value)).isEmpty())
            job->worker = int(value);
        break;
    case ExportField::Thread:
        if ((problem = wholeInRange(name, number, -1, MaxInt, &value)).isEmpty())
            job->thread = int(value);
        break;
    case ExportField::Bytes:
        problem = wholeInRange(name, number, 0, MaxInt64, &job->bytesReceived);
        break;
    case ExportField::BytesTotal:
        problem = wholeInRange(name, number, -1, MaxInt64, &job->bytesTotal);
        break;
    case ExportField::QueuedAtMs:
        instant(&job->queuedAtNs);
        break;
    case ExportField::StartedAtMs:
        instant(&job->startedAtNs);
        break;
    case ExportField::FinishedAtMs:
        instant(&job->finishedAtNs);
        break;
    case ExportField::AttemptStartedAtMs:
        instant(&job->attemptStartedAtNs);
        break;
    case ExportField::DurationMs:
        break; // derived; a number is all we ask of it
    case ExportField::ConnectMs:
        phase(&job->connectUs);
        break;
    case ExportField::TtfbMs:
        phase(&job->waitUs);
        break;
    case ExportField::ReceiveMs:
        phase(&job->receiveUs);
        break;
    case ExportField::TlsMs:
        phase(&job->tlsUs);
        break;
    case ExportField::SendMs:
        phase(&job->sendUs);
        break;
    case ExportField::Restored:
        if ((problem = wholeInRange(name, number, 0, 1, &value)).isEmpty())
            job->restored = value == 1;
        break;
    case ExportField::RestoredDurationMs:
        instant(&job->restoredDurationNs);
        break;
    default:
        break; // text fields never get here
    }
    return problem;
}

QString applyUrl(const QString &name, const QString &text, QUrl *url)
{
    const QUrl parsed(text);
    if (!parsed.isValid())
        return tr("%1 “%2” is not a valid URL").arg(name, text);
    *url = parsed;
    return QString();
}

QString applyText(Job *job, ExportField field, const QString &text, const QString &name)
{
    switch (field) {
    case ExportField::Url:
        if (text.isEmpty())
            return tr("%1 is empty").arg(name);
        return applyUrl(name, text, &job->url);
    case ExportField::FileName:
        job->fileName = text;
        break;
    case ExportField::State:
        if (!stateFromName(text, &job->state))
            return tr("%1 “%2” is not a known state").arg(name, text);
        break;
    case ExportField::ErrorKind:
        if (!errorKindFromName(text, &job->errorKind))
            return tr("%1 “%2” is not a known error kind").arg(name, text);
        break;
    case ExportField::Error:
        job->errorString = text;
        break;
    case ExportField::FinalUrl:
        if (text.isEmpty()) {
            job->finalUrl = QUrl();
            break;
        }
        return applyUrl(name, text, &job->finalUrl);
    case ExportField::Sha256: {
        const QByteArray hex = text.toLatin1();
        const bool allHex = std::all_of(hex.cbegin(), hex.cend(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        });
        if (!text.isEmpty() && (text.size() != Sha256HexLength || !allHex))
            return tr("%1 is not %2 hexadecimal digits").arg(name).arg(Sha256HexLength);
        job->sha256 = QByteArray::fromHex(hex);
        break;
    }
    case ExportField::SavedPath:
        job->savedPath = text;
        break;
    case ExportField::Protocol:
        job->protocol = text.toUtf8();
        break;
    default:
        break; // number fields never get here
    }
    return QString();
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

QString requiredMissing(ExportField field)
{
    return tr("%1 is missing").arg(fieldName(field));
}

bool isRequired(ExportField field)
{
    return field == ExportField::Url || field == ExportField::State;
}

// ---- JSON ----

QString jobFromJson(const QJsonObject &object, Job *job)
{
    for (int f = 0; f < ExportFieldCount; ++f) {
        const auto field = ExportField(f);
        const QJsonValue value = object.value(exportFieldName(field));
        if (value.isUndefined() || value.isNull()) {
            if (isRequired(field))
                return requiredMissing(field);
            continue;
        }
        const QString problem = ImportReading::applyJsonField(job, field, value, fieldName(field));
        if (!problem.isEmpty())
            return problem;
    }
    return QString();
}

QString runInfoFromJson(const QJsonObject &root, RunInfo *info)
{
    const QJsonValue version = root.value(QLatin1String("formatVersion"));
    if (!version.isDouble())
        return tr("formatVersion is missing or not a number");
    const Number number = numberFromJson(version);
    if (!number.whole || number.integer < 1)
        return tr("formatVersion is not a positive whole number");
    if (number.integer > ResultExporter::FormatVersion) {
        return tr("formatVersion %1 is newer than this version of Parafetch reads (%2)")
            .arg(number.integer)
            .arg(ResultExporter::FormatVersion);
    }

    const QJsonValue tool = root.value(QLatin1String("tool"));
    if (!tool.isUndefined() && !tool.isNull()) {
        const QJsonValue toolVersion = tool.toObject().value(QLatin1String("version"));
        if (!tool.isObject() || !(toolVersion.isString() || toolVersion.isUndefined()))
            return tr("tool is not an object with a version string");
        info->toolVersion = ImportReading::textFromJson(toolVersion);
    }

    const QJsonValue startedAt = root.value(QLatin1String("startedAt"));
    if (startedAt.isString()) {
        const QString text = ImportReading::textFromJson(startedAt);
        info->startedAt = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!info->startedAt.isValid())
            return tr("startedAt “%1” is not an ISO 8601 date and time").arg(text);
    } else if (!startedAt.isUndefined() && !startedAt.isNull()) {
        return tr("startedAt is not a string");
    }

    const QJsonValue concurrency = root.value(QLatin1String("concurrency"));
    if (!concurrency.isUndefined() && !concurrency.isNull()) {
        const Number count = numberFromJson(concurrency);
        if (!concurrency.isDouble() || !count.whole || count.integer < 0 || count.integer > MaxInt)
            return tr("concurrency is not a whole number of workers");
        info->concurrency = int(count.integer);
    }

    const QJsonValue method = root.value(QLatin1String("method"));
    if (method.isString())
        info->method = ImportReading::textFromJson(method).toUtf8();
    else if (!method.isUndefined() && !method.isNull())
        return tr("method is not a string");
    return QString();
}

// ---- CSV ----

// RFC 4180 records from UTF-8 bytes; also takes LF or CR alone as a line end.
class CsvReader
{
public:
    explicit CsvReader(QByteArrayView data)
        : m_data(data)
    { }
    bool atEnd() const { return m_pos >= m_data.size(); }

    // One record into *fields; false with *problem for broken quoting.
    bool readRecord(QList<QByteArray> *fields, QString *problem)
    {
        fields->clear();
        for (;;) {
            QByteArray field;
            if (m_pos < m_data.size() && m_data.at(m_pos) == '"') {
                if (!readQuoted(&field, problem))
                    return false;
            } else {
                const qsizetype start = m_pos;
                while (m_pos < m_data.size() && !isDelimiter(m_data.at(m_pos)))
                    ++m_pos;
                field = m_data.sliced(start, m_pos - start).toByteArray();
            }
            fields->append(field);
            if (atEnd())
                return true;
            const char delimiter = m_data.at(m_pos++);
            if (delimiter == ',')
                continue;
            if (delimiter == '\r' && m_pos < m_data.size() && m_data.at(m_pos) == '\n')
                ++m_pos;
            return true;
        }
    }

private:
    static bool isDelimiter(char c) { return c == ',' || c == '\r' || c == '\n'; }

    bool readQuoted(QByteArray *field, QString *problem)
    {
        ++m_pos; // the opening quote
        for (;;) {
            const qsizetype quote = m_data.indexOf('"', m_pos);
            if (quote < 0) {
                *problem = tr("a quoted field is not closed");
                return false;
            }
            field->append(m_data.sliced(m_pos, quote - m_pos));
            m_pos = quote + 1;
            if (m_pos < m_data.size() && m_data.at(m_pos) == '"') {
                field->append('"'); // a doubled quote stands for one
                ++m_pos;
                continue;
            }
            if (m_pos < m_data.size() && !isDelimiter(m_data.at(m_pos))) {
                *problem = tr("a closing quote is followed by more text");
                return false;
            }
            return true;
        }
    }

    QByteArrayView m_data;
    qsizetype m_pos = 0;
};

QString csvText(const QByteArray &field)
{
    // The exporter prefixed exactly one ' to anything a spreadsheet might run as a formula, and
    // to anything already starting with ': strip exactly one.
    return QString::fromUtf8(field.startsWith(FormulaEscape) ? field.sliced(1) : field);
}

} // namespace

namespace ImportReading {

QString textFromJson(const QJsonValue &value)
{
    // QJsonDocument keeps a lone "\udc00" as it is, but UTF-8 cannot carry it (our exporters
    // would write '?'): replace it with U+FFFD, as fromUtf8 does with bytes that are not UTF-8,
    // so that what was imported is what an export writes and a re-import reads.
    QString text = value.toString();
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        else if (text.at(i).isSurrogate())
            text[i] = QChar::ReplacementCharacter;
    }
    return text;
}

QString applyJsonField(Job *job, ExportField field, const QJsonValue &value, const QString &name)
{
    if (isTextField(field)) {
        if (!value.isString())
            return tr("%1 is not a string").arg(name);
        return applyText(job, field, textFromJson(value), name);
    }
    if (!value.isDouble())
        return tr("%1 is not a number").arg(name);
    return applyNumber(job, field, numberFromJson(value), name);
}

QByteArrayView withoutBom(QByteArrayView data)
{
    return data.startsWith(Utf8Bom) ? data.sliced(Utf8Bom.size()) : data;
}

} // namespace ImportReading

namespace {

bool parseObject(const QByteArray &data, QJsonObject *root, QString *problem)
{
    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(withoutBom(data).toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return fail(problem,
                    tr("not valid JSON (at byte %1: %2)")
                        .arg(parseError.offset)
                        .arg(parseError.errorString()));
    }
    if (!document.isObject())
        return fail(problem, tr("not a Parafetch run: the top level is not a JSON object"));
    *root = document.object();
    return true;
}

bool isHar(const QJsonObject &root)
{
    return root.contains(QLatin1String("log")) && !root.contains(QLatin1String("format"));
}

bool runFromJsonObject(const QJsonObject &root, ImportedRun *run, QString *error)
{
    const QString format = root.value(QLatin1String("format")).toString();
    if (format != ResultExporter::FormatName) {
        return fail(error,
                    tr("not a Parafetch run: format is “%1”, expected “%2”")
                        .arg(format, QString(ResultExporter::FormatName)));
    }

    ImportedRun imported;
    const QString infoProblem = runInfoFromJson(root, &imported.info);
    if (!infoProblem.isEmpty())
        return fail(error, infoProblem);

    const QJsonValue jobs = root.value(QLatin1String("jobs"));
    if (!jobs.isArray())
        return fail(error, tr("jobs is missing or not an array"));
    const QJsonArray array = jobs.toArray();
    imported.jobs.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonValue value = array.at(i);
        const QString place = QStringLiteral("jobs[%1]").arg(i);
        if (!value.isObject())
            return fail(error, tr("%1: not an object").arg(place));
        Job job;
        const QString problem = jobFromJson(value.toObject(), &job);
        if (!problem.isEmpty())
            return fail(error, tr("%1: %2").arg(place, problem));
        imported.jobs.append(std::move(job));
    }
    imported.summary = RunSummary::compute(imported.jobs);
    *run = std::move(imported);
    return true;
}

} // namespace

bool ResultImporter::fromJson(const QByteArray &data, ImportedRun *run, QString *error)
{
    QJsonObject root;
    return parseObject(data, &root, error) && runFromJsonObject(root, run, error);
}

bool ResultImporter::fromHar(const QByteArray &data, ImportedRun *run, QString *error)
{
    QJsonObject root;
    return parseObject(data, &root, error) && HarFormat::fromObject(root, run, error);
}

bool ResultImporter::fromCsv(const QByteArray &data, ImportedRun *run, QString *error)
{
    CsvReader reader(withoutBom(data));
    if (reader.atEnd())
        return fail(error, tr("the file is empty: no header row"));

    constexpr int HeaderRow = 1;
    QList<QByteArray> header;
    QString problem;
    if (!reader.readRecord(&header, &problem))
        return fail(error, tr("row %1: %2").arg(HeaderRow).arg(problem));

    // Columns by name, so that reordered or extra columns (a spreadsheet's) still import.
    QList<int> columnField(header.size(), -1);
    std::array<bool, ExportFieldCount> seen {};
    for (qsizetype column = 0; column < header.size(); ++column) {
        const QString name = QString::fromUtf8(header.at(column)).trimmed();
        for (int f = 0; f < ExportFieldCount; ++f) {
            if (name != exportFieldName(ExportField(f)))
                continue;
            if (seen[std::size_t(f)])
                return fail(error, tr("the header names the column “%1” twice").arg(name));
            seen[std::size_t(f)] = true;
            columnField[column] = f;
        }
    }
    for (int f = 0; f < ExportFieldCount; ++f) {
        if (isRequired(ExportField(f)) && !seen[std::size_t(f)]) {
            return fail(error, tr("the header has no “%1” column").arg(fieldName(ExportField(f))));
        }
    }

    ImportedRun imported;
    QList<QByteArray> fields;
    for (int row = HeaderRow + 1; !reader.atEnd(); ++row) {
        if (!reader.readRecord(&fields, &problem))
            return fail(error, tr("row %1: %2").arg(row).arg(problem));
        if (fields.size() == 1 && fields.constFirst().isEmpty())
            continue; // a blank line
        if (fields.size() != header.size()) {
            return fail(error,
                        tr("row %1: %2 fields, but the header has %3")
                            .arg(row)
                            .arg(fields.size())
                            .arg(header.size()));
        }
        Job job;
        for (qsizetype column = 0; column < fields.size(); ++column) {
            if (columnField.at(column) < 0)
                continue;
            const auto field = ExportField(columnField.at(column));
            const QByteArray &raw = fields.at(column);
            if (isTextField(field)) {
                problem = applyText(&job, field, csvText(raw), fieldName(field));
            } else if (raw.trimmed().isEmpty()) {
                problem.clear(); // an emptied cell: unknown
            } else {
                Number number;
                problem = numberFromText(raw, &number)
                    ? applyNumber(&job, field, number, fieldName(field))
                    : tr("%1 is not a number").arg(fieldName(field));
            }
            if (!problem.isEmpty())
                return fail(error, tr("row %1: %2").arg(row).arg(problem));
        }
        imported.jobs.append(std::move(job));
    }
    imported.summary = RunSummary::compute(imported.jobs);
    *run = std::move(imported);
    return true;
}

bool ResultImporter::read(const QString &path, ImportedRun *run, QString *error)
{
    const QString shownPath = QDir::toNativeSeparators(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(error, tr("Could not read “%1”: %2").arg(shownPath, file.errorString()));
    const QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fail(error, tr("Could not read “%1”: %2").arg(shownPath, file.errorString()));

    // By content first, so that a HAR saved as .json (or our JSON as .har) still imports.
    const std::optional<ExportFormat> format = ResultExporter::formatForPath(path);
    const QByteArrayView content = withoutBom(data).trimmed();
    const bool looksLikeJson = !content.isEmpty() && content.front() == '{';
    QString problem;
    bool ok = false;
    if (looksLikeJson || format == ExportFormat::Json || format == ExportFormat::Har) {
        QJsonObject root;
        ok = parseObject(data, &root, &problem)
            && (isHar(root) ? HarFormat::fromObject(root, run, &problem)
                            : runFromJsonObject(root, run, &problem));
    } else {
        ok = fromCsv(data, run, &problem);
    }
    if (!ok)
        return fail(error, tr("Could not import “%1”: %2").arg(shownPath, problem));
    return true;
}

} // namespace Parafetch
