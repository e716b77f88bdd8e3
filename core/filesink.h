// Saving bodies to a directory: streamed to NAME.part, renamed to NAME only when complete.
#pragma once

#include "bodysink.h"

#include <QDir>
#include <QFile>
#include <QMutex>
#include <QSet>

#include <memory>

namespace Parafetch {

// The output directory shared by all tasks of a run. Hands out final names that no file on
// disk, no .part file and no other running download holds, so concurrent downloads of
// "index.html" become "index.html", "index (1).html", ... and a user's file is never replaced.
class OutputDirectory final
{
public:
    explicit OutputDirectory(const QString &path);
    Q_DISABLE_COPY_MOVE(OutputDirectory)

    QString path() const { return m_dir.path(); }
    bool ensureExists(QString *error) const;
    // Reserves a unique final name based on wanted (already sanitised).
    QString reserve(const QString &wanted);
    void release(const QString &name);
    // Reserves exactly name, whose .part may exist (it is being adopted); false if a file has
    // that name or another download holds it.
    bool reserveForPart(const QString &name);
    QString filePath(const QString &name) const { return m_dir.filePath(name); }

private:
    bool isTaken(const QString &name) const;

    QDir m_dir;
    mutable QMutex m_mutex;
    QSet<QString> m_reserved; // case-folded: safe on case-insensitive file systems too
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

private:
    void releaseName();

    std::shared_ptr<OutputDirectory> m_directory;
    QString m_requestedName; // from a `url,filename` list; wins over the suggestion
    QString m_finalName;
    QString m_savedPath;
    QFile m_part;
    qint64 m_kept = 0; // bytes of a kept .part, waiting for resume() or open()
};

} // namespace Parafetch
