// Saving bodies to a directory, atomically and without overwriting.
#include "filesink.h"

#include "filenames.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QMutexLocker>

namespace Parafetch {

namespace {

QString describe(const QFile &file, const QString &action)
{
    return QCoreApplication::translate("FileSink", "cannot %1 %2: %3")
        .arg(action, QDir::toNativeSeparators(file.fileName()), file.errorString());
}

} // namespace

OutputDirectory::OutputDirectory(const QString &path)
    : m_dir(path)
{
}

bool OutputDirectory::ensureExists(QString *error) const
{
    if (m_dir.mkpath(QStringLiteral(".")))
        return true;
    if (error)
        *error = QCoreApplication::translate("FileSink", "cannot create the directory %1")
                     .arg(QDir::toNativeSeparators(m_dir.absolutePath()));
    return false;
}

bool OutputDirectory::isTaken(const QString &name) const
{
    return m_reserved.contains(name.toCaseFolded()) || QFileInfo::exists(m_dir.filePath(name))
        || QFileInfo::exists(m_dir.filePath(FileNames::partName(name)));
}

QString OutputDirectory::reserve(const QString &wanted)
{
    QMutexLocker locker(&m_mutex);
    const QString name = FileNames::uniqueName(
        wanted, [this](const QString &candidate) { return isTaken(candidate); });
    m_reserved.insert(name.toCaseFolded());
    return name;
}

void OutputDirectory::release(const QString &name)
{
    QMutexLocker locker(&m_mutex);
    m_reserved.remove(name.toCaseFolded());
}

FileSink::FileSink(std::shared_ptr<OutputDirectory> directory, QString requestedName)
    : m_directory(std::move(directory))
    , m_requestedName(std::move(requestedName))
{
}

FileSink::~FileSink()
{
    discard();
}

bool FileSink::open(const QString &suggestedName, QString *error)
{
    discard();
    if (!m_directory->ensureExists(error))
        return false;
    const QString wanted = m_requestedName.isEmpty() ? suggestedName
                                                     : FileNames::sanitize(m_requestedName);
    m_finalName = m_directory->reserve(wanted);
    m_part.setFileName(m_directory->filePath(FileNames::partName(m_finalName)));
    // NewOnly: if anything appeared under the .part name since the reservation, fail rather
    // than write into it.
    if (!m_part.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        if (error)
            *error = describe(m_part, QCoreApplication::translate("FileSink", "create"));
        releaseName();
        return false;
    }
    return true;
}

bool FileSink::write(const char *data, qint64 size, QString *error)
{
    const qint64 written = m_part.write(data, size);
    if (written == size)
        return true;
    if (error) {
        // A short write without an error code is what a full disk looks like to QFile.
        *error = written >= 0 && m_part.error() == QFileDevice::NoError
            ? QCoreApplication::translate("FileSink", "cannot write %1: only %2 of %3 bytes "
                                                      "written (is the disk full?)")
                  .arg(QDir::toNativeSeparators(m_part.fileName()))
                  .arg(written)
                  .arg(size)
            : describe(m_part, QCoreApplication::translate("FileSink", "write"));
    }
    return false;
}

bool FileSink::keepPartial()
{
    if (!m_part.isOpen() || m_finalName.isEmpty() || !m_part.flush()) {
        discard();
        return false;
    }
    m_kept = m_part.size();
    m_part.close();
    if (m_kept <= 0) {
        discard();
        return false;
    }
    return true; // the name stays reserved for the next attempt
}

bool FileSink::resume(QString *error)
{
    // Append to exactly what we kept: a file changed underneath must not be continued.
    if (m_kept <= 0 || m_part.isOpen() || !m_part.open(QIODevice::WriteOnly | QIODevice::Append)
        || m_part.size() != m_kept) {
        if (error)
            *error = m_kept <= 0 ? QCoreApplication::translate("FileSink", "nothing was kept to resume")
                                 : describe(m_part, QCoreApplication::translate("FileSink", "resume"));
        discard();
        return false;
    }
    m_kept = 0;
    return true;
}

bool FileSink::readPartial(const std::function<void(QByteArrayView)> &consume, QString *error)
{
    constexpr qint64 ChunkBytes = 1 << 20;
    QFile kept(m_part.fileName());
    if (!kept.open(QIODevice::ReadOnly)) {
        if (error)
            *error = describe(kept, QCoreApplication::translate("FileSink", "read"));
        return false;
    }
    QByteArray chunk;
    for (;;) {
        chunk = kept.read(ChunkBytes);
        if (chunk.isEmpty())
            break;
        consume(chunk);
    }
    if (kept.error() != QFileDevice::NoError) {
        if (error)
            *error = describe(kept, QCoreApplication::translate("FileSink", "read"));
        return false;
    }
    return true;
}

bool FileSink::commit(QString *error)
{
    if (!m_part.isOpen()) {
        if (error)
            *error = QCoreApplication::translate("FileSink", "no file is open");
        return false;
    }
    if (!m_part.flush()) {
        if (error)
            *error = describe(m_part, QCoreApplication::translate("FileSink", "write"));
        discard();
        return false;
    }
    m_part.close();
    const QString finalPath = m_directory->filePath(m_finalName);
    // QFile::rename never replaces an existing file (on Linux it uses renameat2 with
    // RENAME_NOREPLACE), so a file that appeared meanwhile is kept.
    if (!m_part.rename(finalPath)) {
        if (error)
            *error = describe(m_part, QCoreApplication::translate("FileSink", "rename"));
        discard();
        return false;
    }
    m_savedPath = finalPath;
    releaseName();
    return true;
}

void FileSink::discard()
{
    m_kept = 0;
    if (m_part.isOpen())
        m_part.close();
    if (!m_finalName.isEmpty()) {
        QFile::remove(m_part.fileName());
        releaseName();
    }
}

void FileSink::releaseName()
{
    if (!m_finalName.isEmpty())
        m_directory->release(m_finalName);
    m_finalName.clear();
}

bool OutputDirectory::reserveForPart(const QString &name)
{
    QMutexLocker locker(&m_mutex);
    const QString folded = name.toCaseFolded();
    // A user's file under the final name is never replaced, whatever the .part holds.
    if (m_reserved.contains(folded) || QFileInfo::exists(m_dir.filePath(name)))
        return false;
    m_reserved.insert(folded);
    return true;
}

bool FileSink::adoptPartial(const QString &partPath)
{
    // Only a regular, non-empty "<name>.part" directly in our directory, under a name we would
    // have made ourselves: the journal is a file on disk, and must not steer writes elsewhere.
    const QFileInfo part(partPath);
    const QString partFileName = part.fileName();
    if (m_part.isOpen() || !m_finalName.isEmpty() || !partFileName.endsWith(FileNames::PartSuffix)
        || !part.isFile() || part.isSymLink() || part.size() <= 0
        || part.canonicalPath() != QDir(m_directory->path()).canonicalPath())
        return false;
    const QString name = partFileName.chopped(FileNames::PartSuffix.size());
    if (name.isEmpty() || FileNames::sanitize(name) != name || !m_directory->reserveForPart(name))
        return false;
    m_finalName = name;
    m_part.setFileName(m_directory->filePath(partFileName));
    m_kept = part.size();
    return true; // resume() appends to it; discard() removes it, as it would a part of ours
}

QString FileSink::partPath() const
{
    return m_part.isOpen() ? QFileInfo(m_part.fileName()).absoluteFilePath() : QString();
}

} // namespace Parafetch
