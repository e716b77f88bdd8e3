// SPDX-License-Identifier: GPL-3.0-or-later
// Saving bodies to a directory: streamed to NAME.part, renamed to NAME only when complete.
#pragma once

#include "engine/bodysink.h"
#include "fetchoptions.h"

#include <QDir>
#include <QFile>
#include <QMutex>
#include <QSet>

#include <memory>
#include <optional>
#include <utility>

namespace Parafetch {

// The output directory shared by all tasks of a run. Hands out final names that no entry on
// disk, no .part file and no other running download holds, so concurrent downloads of
// "index.html" become "index.html", "index (1).html", ... and a user's file is never replaced.
// A name is held together with its .part name: "X" and "X.part" are one reservation, so a
// download whose final name is "X.part" never meets another's temporary file. Entries are looked
// up with lstat: a link of any kind, dangling or not, holds its name (no body lands where it
// points). With FetchOptions::ExistingFile::Overwrite a regular file on disk does not hold its
// name (the body replaces it on commit); everything else still does.
class OutputDirectory final
{
public:
    explicit OutputDirectory(
        const QString &path,
        FetchOptions::ExistingFile existing = FetchOptions::ExistingFile::Rename);
    Q_DISABLE_COPY_MOVE(OutputDirectory)

    QString path() const { return m_dir.path(); }
    bool ensureExists(QString *error) const;
    // Reserves a unique final name based on wanted (already sanitised), and its .part name.
    QString reserve(const QString &wanted);
    // Ends a reservation made by reserve() or reserveForPart(): the name and its .part name.
    void release(const QString &name);
    // Reserves exactly name, whose .part may exist (it is being adopted); false if any entry
    // has that name or another download holds it or its .part name.
    bool reserveForPart(const QString &name);
    QString filePath(const QString &name) const { return m_dir.filePath(name); }
    FetchOptions::ExistingFile existingFilePolicy() const { return m_existing; }

private:
    bool isReserved(const QString &name) const;
    bool isTaken(const QString &name) const;
    void insert(const QString &name);

    QDir m_dir;
    FetchOptions::ExistingFile m_existing;
    mutable QMutex m_mutex;
    // Final and .part names of every active download, case-folded: safe on case-insensitive
    // file systems too. The sets of two downloads never overlap.
    QSet<QString> m_reserved;
};

class FileSink final : public BodySink
{
public:
    explicit FileSink(std::shared_ptr<OutputDirectory> directory, QString requestedName = {});
    ~FileSink() override;
    Q_DISABLE_COPY_MOVE(FileSink)

    bool open(const QString &suggestedName, QString *error) override;
    bool write(const char *data, qint64 size, QString *error) override;
    bool commit(QString *error) override;
    void discard() override;
    bool keepPartial() override;
    qint64 partialSize() const override { return m_kept; }
    bool resume(QString *error) override;
    bool readPartial(const std::function<void(QByteArrayView)> &consume, QString *error) override;
    bool adoptPartial(const QString &partPath) override;
    QString partPath() const override;
    QString savedPath() const override { return m_savedPath; }
    QString pendingSavePath() const override;
    bool leavePartial(QString *path, qint64 *size) override;
    void replaceOnCommit(const QString &path) override { m_replacePath = path; }
    void setModificationTime(const QDateTime &time) override { m_modified = time; }
    QString matchingExistingFile(const QString &suggestedName, qint64 size,
                                 const QDateTime &modified) const override;

private:
    // Which file a .part is (st_dev, st_ino): what we may remove, continue or rename is the file
    // we created or adopted, not whatever stands under its name now.
    using FileId = std::pair<quint64, quint64>;

    bool createPart(QString *error);
    bool openOurPart(int flags, QIODevice::OpenMode mode, QFile &file, const QString &action,
                     QString *error) const;
    bool isOurPart() const;
    bool moveToFinalName(QString *error);
    bool overwriteFinalName(QString *error);
    QString wantedName(const QString &suggestedName) const;
    void removePart();
    void releaseName();

    std::shared_ptr<OutputDirectory> m_directory;
    QString m_requestedName; // from a `url,filename` list; wins over the suggestion
    QString m_wantedName; // what the numbered names of a retried reservation are based on
    QString m_finalName; // reserved in m_directory, with its .part name, while non-empty
    QString m_savedPath;
    QString m_replacePath; // replaceOnCommit(): the file the body replaces, empty = none
    QDateTime m_modified; // setModificationTime(), invalid = none
    QFile m_part; // opened from a descriptor, so without a file name: see m_partFilePath
    QString m_partFilePath;
    std::optional<FileId> m_partId; // set while a .part of ours exists
    qint64 m_kept = 0; // bytes of a kept .part, waiting for resume() or open()
};

} // namespace Parafetch
