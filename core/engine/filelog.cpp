// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal's side file of files (see filelog.h).
#include "engine/filelog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>

namespace Parafetch {

namespace {

constexpr QLatin1String HeaderKind("files");

QLatin1String kindName(FileRecord::Kind kind)
{
    switch (kind) {
    case FileRecord::Kind::Part:
        return QLatin1String("part");
    case FileRecord::Kind::Saved:
        return QLatin1String("saved");
    case FileRecord::Kind::Kept:
        return QLatin1String("kept");
    }
    return QLatin1String("part");
}

bool kindFromName(const QString &name, FileRecord::Kind *kind)
{
    for (const auto candidate :
         { FileRecord::Kind::Part, FileRecord::Kind::Saved, FileRecord::Kind::Kept }) {
        if (name == kindName(candidate)) {
            *kind = candidate;
            return true;
        }
    }
    return false;
}

} // namespace

FileLog::FileLog(QString path)
    : m_path(std::move(path))
{ }

bool FileLog::begin(const QByteArray &token)
{
    QMutexLocker locker(&m_mutex);
    m_file.close();
    m_file.setFileName(m_path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered))
        return false;
    QJsonObject header;
    header.insert(QLatin1String("k"), HeaderKind);
    header.insert(QLatin1String("run"), QString::fromLatin1(token));
    const QByteArray line = QJsonDocument(header).toJson(QJsonDocument::Compact) + '\n';
    if (m_file.write(line) == line.size())
        return true;
    m_file.close();
    return false;
}

void FileLog::append(const FileRecord &record)
{
    QJsonObject object;
    object.insert(QLatin1String("k"), kindName(record.kind));
    object.insert(QLatin1String("id"), qint64(record.id));
    if (!record.partPath.isEmpty())
        object.insert(QLatin1String("part"), record.partPath);
    if (!record.savedPath.isEmpty())
        object.insert(QLatin1String("path"), record.savedPath);
    if (!record.validator.isEmpty())
        object.insert(QLatin1String("validator"), QString::fromLatin1(record.validator));
    if (record.size >= 0)
        object.insert(QLatin1String("size"), record.size);
    if (!record.sha256.isEmpty())
        object.insert(QLatin1String("sha256"), QString::fromLatin1(record.sha256.toHex()));
    if (record.httpStatus > 0)
        object.insert(QLatin1String("http"), record.httpStatus);
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    QMutexLocker locker(&m_mutex);
    if (m_file.isOpen())
        m_file.write(line); // unbuffered: one write(2) in append order
}

void FileLog::remove()
{
    QMutexLocker locker(&m_mutex);
    m_file.close();
    QFile::remove(m_path);
}

QList<FileRecord> FileLog::read(const QString &path, const QByteArray &token)
{
    QList<FileRecord> records;
    QFile file(path);
    if (token.isEmpty() || !file.open(QIODevice::ReadOnly))
        return records;
    const QList<QByteArray> lines = file.readAll().split('\n');
    bool ours = false;
    for (const QByteArray &line : lines) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        const QString kind = object.value(QLatin1String("k")).toString();
        if (!ours) {
            // The header, or nothing of this file applies.
            if (kind != HeaderKind
                || object.value(QLatin1String("run")).toString().toLatin1() != token)
                return records;
            ours = true;
            continue;
        }
        FileRecord record;
        const qint64 id = object.value(QLatin1String("id")).toInteger();
        if (!kindFromName(kind, &record.kind) || id <= 0)
            continue; // a torn last line, or damage
        record.id = quint64(id);
        record.partPath = object.value(QLatin1String("part")).toString();
        record.savedPath = object.value(QLatin1String("path")).toString();
        record.validator = object.value(QLatin1String("validator")).toString().toLatin1();
        record.size = object.value(QLatin1String("size")).toInteger(-1);
        record.sha256 =
            QByteArray::fromHex(object.value(QLatin1String("sha256")).toString().toLatin1());
        record.httpStatus = int(object.value(QLatin1String("http")).toInteger());
        records.append(std::move(record));
    }
    return records;
}

} // namespace Parafetch
