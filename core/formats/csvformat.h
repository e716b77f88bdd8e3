// SPDX-License-Identifier: GPL-3.0-or-later
// The CSV run file (RFC 4180): the writer, and the reader with its record splitter (CsvReader).
#pragma once

#include "formats/runfile.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QList>
#include <QString>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Parafetch {

class CsvFormat
{
    Q_DECLARE_TR_FUNCTIONS(CsvFormat)
public:
    static QByteArray toCsv(const QList<Job> &jobs);
    // Streams the export; false as soon as a write to the device fails.
    static bool write(QIODevice *device, const QList<Job> &jobs);
    // The import (see RunFile for the rules). CSV carries no run information.
    static bool fromCsv(const QByteArray &data, ImportedRun *run, QString *error);
};

// RFC 4180 records from UTF-8 bytes; also takes LF or CR alone as a line end.
class CsvReader
{
public:
    explicit CsvReader(QByteArrayView data)
        : m_data(data)
    { }
    bool atEnd() const { return m_pos >= m_data.size(); }

    // One record into *fields; false with *problem for broken quoting.
    bool readRecord(QList<QByteArray> *fields, QString *problem);

private:
    static bool isDelimiter(char c);
    bool readQuoted(QByteArray *field, QString *problem);

    QByteArrayView m_data;
    qsizetype m_pos = 0;
};

} // namespace Parafetch
