// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal's side file of files: what the engine threads did on disk, written before they
// do it, so that a restore after a crash neither fetches a saved body again nor leaves a .part.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QMutex>
#include <QString>

namespace Parafetch {

struct FileRecord
{
    enum class Kind : quint8 {
        Part, // a .part was created (or continued) for the job: partPath, validator (may be empty)
        Saved, // the body is complete and about to be renamed: partPath -> savedPath, size, sha256
        Kept, // the window closed keeping the .part for a later run: partPath, size
    };
    Kind kind = Kind::Part;
    quint64 id = 0;
    QString partPath;
    QString savedPath;
    QByteArray validator;
    qint64 size = -1;
    QByteArray sha256; // raw digest
    int httpStatus = 0;
};

// One file next to the journal (RunJournal::fileLogPath()), one JSON object per line, appended
// with one unbuffered write per record: a kill -9 loses nothing written, and a torn last line is
// skipped. (A power cut can still lose the last records: a record costs no fdatasync, and a
// restore then fetches that URL again.) The first line names the run (the journal's begin record
// holds the same token), so the records of another run are never applied to this list.
// append() is called from the engine threads and serialised by a mutex; the order of records
// of one job is the order its thread wrote them.
class FileLog final
{
public:
    explicit FileLog(QString path);
    Q_DISABLE_COPY_MOVE(FileLog)

    QString path() const { return m_path; }
    // Starts a new, empty log for the run token names; records are dropped until then.
    bool begin(const QByteArray &token);
    void append(const FileRecord &record); // any thread
    // Ends the log and removes the file: the run closed cleanly, nothing needs reconciling.
    void remove();

    // The records of the run token names, in order; none if the file belongs to another run.
    static QList<FileRecord> read(const QString &path, const QByteArray &token);

private:
    const QString m_path;
    QMutex m_mutex;
    QFile m_file; // guarded by m_mutex
};

} // namespace Parafetch
