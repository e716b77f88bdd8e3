// SPDX-License-Identifier: GPL-3.0-or-later
// The CSV run file, written and read. The fields and their values are runfile.cpp's.
//
// CSV: RFC 4180. A header row of the job field names, then one row per job, CRLF line ends; no
// summary and no run information. A field containing a comma, quote, CR or LF is quoted, quotes
// doubled. A text field that a spreadsheet would run as a formula (first character = + - @, tab
// or CR) gets a leading ' (OWASP's advice), and so does one that already starts with ', so that
// the importer can strip exactly one ' and get the original back. Numbers are never prefixed.
#include "formats/csvformat.h"

#include <QIODevice>

#include <array>

namespace Parafetch {

using namespace ExportWriting;
using namespace ImportReading;

namespace {

constexpr char FormulaEscape = '\'';

QString tr(const char *text)
{
    return CsvFormat::tr(text);
}

bool needsFormulaEscape(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
    case FormulaEscape:
        return true;
    default:
        return false;
    }
}

void appendCsvField(QByteArray &out, QByteArrayView value, bool isText)
{
    QByteArray text;
    if (isText && needsFormulaEscape(value)) {
        text.reserve(value.size() + 1);
        text += FormulaEscape;
    }
    text += value;
    const bool needsQuotes =
        text.contains(',') || text.contains('"') || text.contains('\r') || text.contains('\n');
    if (!needsQuotes) {
        out += text;
        return;
    }
    out += '"';
    out += text.replace("\"", "\"\"");
    out += '"';
}

QString fieldName(ExportField field)
{
    return QString(exportFieldName(field));
}

QString csvText(const QByteArray &field)
{
    // The writer prefixed exactly one ' to anything a spreadsheet might run as a formula, and
    // to anything already starting with ': strip exactly one.
    return QString::fromUtf8(field.startsWith(FormulaEscape) ? field.sliced(1) : field);
}

} // namespace

bool CsvReader::readRecord(QList<QByteArray> *fields, QString *problem)
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

bool CsvReader::isDelimiter(char c)
{
    return c == ',' || c == '\r' || c == '\n';
}

bool CsvReader::readQuoted(QByteArray *field, QString *problem)
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

bool CsvFormat::write(QIODevice *device, const QList<Job> &jobs)
{
    static constexpr char LineEnd[] = "\r\n";
    ChunkWriter writer(device);
    QByteArray &out = writer.buffer();
    for (int f = 0; f < ExportFieldCount; ++f) {
        if (f > 0)
            out += ',';
        out += exportFieldName(ExportField(f)).data();
    }
    out += LineEnd;
    for (const Job &job : jobs) {
        for (int f = 0; f < ExportFieldCount; ++f) {
            const auto field = ExportField(f);
            if (f > 0)
                out += ',';
            appendCsvField(out, QByteArrayView(fieldValue(job, field)), isTextField(field));
        }
        out += LineEnd;
        writer.flushIfFull();
    }
    return writer.flush();
}

QByteArray CsvFormat::toCsv(const QList<Job> &jobs)
{
    return collected([&](QIODevice *device) { write(device, jobs); });
}

bool CsvFormat::fromCsv(const QByteArray &data, ImportedRun *run, QString *error)
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

} // namespace Parafetch
