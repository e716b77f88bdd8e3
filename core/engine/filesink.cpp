// SPDX-License-Identifier: GPL-3.0-or-later
// Saving bodies to a directory, atomically, without overwriting and without following links.
#include "engine/filesink.h"

#include "filenames.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QMutexLocker>

#include <cerrno>
#include <cstdio> // renameat2
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// glibc has wrapped renameat2 since 2.28; before that (or elsewhere) the system call is made
// directly where the kernel headers name it.
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 28)
#define PARAFETCH_HAVE_RENAMEAT2 1
#endif
#endif

namespace Parafetch {

namespace {

// How many names open() and commit() try when something appears under the chosen one between
// the check and the creation or the rename: each retry means something else took a name just then.
constexpr int MaxNameAttempts = 8;
// Permissions of a new .part before the umask, as QFile and most programs create files.
constexpr mode_t NewFileMode = 0666;

// (A QFile opened from a descriptor has no file name, hence path.)
QString describe(const QString &path, const QFile &file, const QString &action)
{
    return QCoreApplication::translate("FileSink", "cannot %1 %2: %3")
        .arg(action, QDir::toNativeSeparators(path), file.errorString());
}

// The failure of a POSIX call on path, in the words describe() uses.
QString describeError(const QString &path, const QString &action, int error)
{
    // "Too many levels of symbolic links" is how O_NOFOLLOW reports a link.
    const QString reason = error == ELOOP
        ? QCoreApplication::translate("FileSink", "it is a symbolic link")
        : qt_error_string(error);
    return QCoreApplication::translate("FileSink", "cannot %1 %2: %3")
        .arg(action, QDir::toNativeSeparators(path), reason);
}

QString describeReplaced(const QString &path, const QString &action)
{
    return QCoreApplication::translate("FileSink",
                                       "cannot %1 %2: it was replaced or changed by something else")
        .arg(action, QDir::toNativeSeparators(path));
}

// Which file status describes, as FileSink keeps it.
std::pair<quint64, quint64> idOf(const struct stat &status)
{
    return { quint64(status.st_dev), quint64(status.st_ino) };
}

QByteArray encoded(const QString &path)
{
    return QFile::encodeName(path);
}

// lstat, never stat: a link holds its name whether or not its target exists. A failure other
// than "no such entry" counts as taken too: a name we cannot check is not a name we may use.
bool entryExists(const QString &path)
{
    struct stat status;
    return ::lstat(encoded(path).constData(), &status) == 0 || errno != ENOENT;
}

// A regular file, not a link to one.
bool isRegularFile(const QString &path, struct stat *status)
{
    return ::lstat(encoded(path).constData(), status) == 0 && S_ISREG(status->st_mode);
}

// rename(2) that fails with EEXIST rather than replace whatever stands under to. rename works
// on directory entries: it follows a link under neither name.
int renameNoReplace(const char *from, const char *to)
{
#if defined(PARAFETCH_HAVE_RENAMEAT2)
    return ::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
#elif defined(SYS_renameat2)
    constexpr unsigned RenameNoReplace = 1; // RENAME_NOREPLACE of <linux/fs.h>
    return int(::syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RenameNoReplace));
#else
    errno = ENOSYS;
    return -1;
#endif
}

// Puts the file named from under to, never replacing anything and never copying: 0, or errno.
int moveNoReplace(const QString &fromPath, const QString &toPath)
{
    const QByteArray from = encoded(fromPath);
    const QByteArray to = encoded(toPath);
    if (renameNoReplace(from.constData(), to.constData()) == 0)
        return 0;
    const int renameError = errno;
    if (renameError != EINVAL && renameError != ENOSYS)
        return renameError;
    // A file system without RENAME_NOREPLACE (some network and FUSE ones): link() refuses any
    // entry under to as well, a dangling link included, and never follows from.
    if (::link(from.constData(), to.constData()) != 0)
        return errno;
    // The body stands under its final name now; should unlink fail, the only harm is a second
    // name for the same file.
    ::unlink(from.constData());
    return 0;
}

} // namespace

OutputDirectory::OutputDirectory(const QString &path, FetchOptions::ExistingFile existing)
    : m_dir(path)
    , m_existing(existing)
{ }

bool OutputDirectory::ensureExists(QString *error) const
{
    if (m_dir.mkpath(QStringLiteral(".")))
        return true;
    if (error)
        *error = QCoreApplication::translate("FileSink", "cannot create the directory %1")
                     .arg(QDir::toNativeSeparators(m_dir.absolutePath()));
    return false;
}

bool OutputDirectory::isReserved(const QString &name) const
{
    // Either of name's two names against either of every active download's two names: the
    // reserved set holds both of theirs.
    return m_reserved.contains(name.toCaseFolded())
        || m_reserved.contains(FileNames::partName(name).toCaseFolded());
}

bool OutputDirectory::isTaken(const QString &name) const
{
    if (isReserved(name) || entryExists(m_dir.filePath(FileNames::partName(name))))
        return true;
    const QString path = m_dir.filePath(name);
    struct stat status;
    // Overwrite: a regular file is the one the body is to replace; anything else keeps its name.
    return m_existing == FetchOptions::ExistingFile::Overwrite
        ? !isRegularFile(path, &status) && entryExists(path)
        : entryExists(path);
}

void OutputDirectory::insert(const QString &name)
{
    m_reserved.insert(name.toCaseFolded());
    m_reserved.insert(FileNames::partName(name).toCaseFolded());
}

QString OutputDirectory::reserve(const QString &wanted)
{
    QMutexLocker locker(&m_mutex);
    QString name = FileNames::uniqueName(
        wanted, [this](const QString &candidate) { return isTaken(candidate); });
    insert(name);
    return name;
}

void OutputDirectory::release(const QString &name)
{
    QMutexLocker locker(&m_mutex);
    m_reserved.remove(name.toCaseFolded());
    m_reserved.remove(FileNames::partName(name).toCaseFolded());
}

bool OutputDirectory::reserveForPart(const QString &name)
{
    QMutexLocker locker(&m_mutex);
    // A user's entry under the final name is never replaced, whatever the .part holds.
    if (isReserved(name) || entryExists(m_dir.filePath(name)))
        return false;
    insert(name);
    return true;
}

FileSink::FileSink(std::shared_ptr<OutputDirectory> directory, QString requestedName)
    : m_directory(std::move(directory))
    , m_requestedName(std::move(requestedName))
{ }

FileSink::~FileSink()
{
    discard();
}

bool FileSink::open(const QString &suggestedName, QString *error)
{
    discard();
    if (!m_directory->ensureExists(error))
        return false;
    m_wantedName = wantedName(suggestedName);
    return createPart(error);
}

QString FileSink::wantedName(const QString &suggestedName) const
{
    return m_requestedName.isEmpty() ? suggestedName : FileNames::sanitize(m_requestedName);
}

QString FileSink::matchingExistingFile(const QString &suggestedName, qint64 size,
                                       const QDateTime &modified) const
{
    const QString name = wantedName(suggestedName);
    if (name.isEmpty() || size < 0 || !modified.isValid())
        return {};
    const QString path = m_directory->filePath(name);
    struct stat status;
    if (!isRegularFile(path, &status) || status.st_size != size
        || qint64(status.st_mtime) != modified.toSecsSinceEpoch())
        return {};
    return QFileInfo(path).absoluteFilePath();
}

bool FileSink::createPart(QString *error)
{
    const QString action = QCoreApplication::translate("FileSink", "create");
    QString path;
    int fd = -1;
    int createError = 0;
    for (int attempt = 0; attempt < MaxNameAttempts; ++attempt) {
        m_finalName = m_directory->reserve(m_wantedName);
        path = m_directory->filePath(FileNames::partName(m_finalName));
        // O_EXCL: if anything appeared under the .part name since the reservation (a link
        // included, dangling or not), take another name rather than write into it. O_EXCL alone
        // refuses a link; O_NOFOLLOW says so where it is read.
        fd = ::open(encoded(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    NewFileMode);
        if (fd >= 0)
            break;
        createError = errno;
        releaseName();
        if (createError != EEXIST)
            break;
    }
    if (fd < 0) {
        if (error)
            *error = describeError(path, action, createError);
        return false;
    }
    struct stat status;
    if (::fstat(fd, &status) != 0) {
        const int statError = errno;
        ::close(fd);
        ::unlink(encoded(path).constData()); // ours: created with O_EXCL just now
        releaseName();
        if (error)
            *error = describeError(path, action, statError);
        return false;
    }
    m_partId = idOf(status);
    m_partFilePath = path;
    if (!m_part.open(fd, QIODevice::WriteOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        if (error)
            *error = describe(path, m_part, action);
        discard();
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
            ? QCoreApplication::translate("FileSink",
                                          "cannot write %1: only %2 of %3 bytes "
                                          "written (is the disk full?)")
                  .arg(QDir::toNativeSeparators(m_partFilePath))
                  .arg(written)
                  .arg(size)
            : describe(m_partFilePath, m_part, QCoreApplication::translate("FileSink", "write"));
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
    // Append to exactly what we kept: a file changed or replaced underneath must not be continued.
    const QString action = QCoreApplication::translate("FileSink", "resume");
    QString problem;
    if (m_kept <= 0 || m_part.isOpen()) {
        problem = QCoreApplication::translate("FileSink", "nothing was kept to resume");
    } else if (openOurPart(O_WRONLY | O_APPEND, QIODevice::WriteOnly | QIODevice::Append, m_part,
                           action, &problem)) {
        if (m_part.size() == m_kept) {
            m_kept = 0;
            return true;
        }
        problem = describeReplaced(m_partFilePath, action);
    }
    if (error)
        *error = problem;
    discard();
    return false;
}

bool FileSink::readPartial(const std::function<void(QByteArrayView)> &consume, QString *error)
{
    constexpr qint64 ChunkBytes = 1 << 20;
    const QString action = QCoreApplication::translate("FileSink", "read");
    QFile kept;
    if (!openOurPart(O_RDONLY, QIODevice::ReadOnly, kept, action, error))
        return false;
    QByteArray chunk;
    for (;;) {
        chunk = kept.read(ChunkBytes);
        if (chunk.isEmpty())
            break;
        consume(chunk);
    }
    if (kept.error() != QFileDevice::NoError) {
        if (error)
            *error = describe(m_partFilePath, kept, action);
        return false;
    }
    return true;
}

// Opens the .part we created or adopted again, never through a link and only if it is still
// that file.
bool FileSink::openOurPart(int flags, QIODevice::OpenMode mode, QFile &file, const QString &action,
                           QString *error) const
{
    const QString &path = m_partFilePath;
    // O_NONBLOCK until we know it is a regular file: opening a fifo put there would wait for a
    // reader or writer forever.
    const int fd = ::open(encoded(path).constData(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (error)
            *error = describeError(path, action, errno);
        return false;
    }
    struct stat status;
    if (!m_partId || ::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)
        || idOf(status) != *m_partId
        || ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        ::close(fd);
        if (error)
            *error = describeReplaced(path, action);
        return false;
    }
    if (!file.open(fd, mode, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        if (error)
            *error = describe(path, file, action);
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
            *error =
                describe(m_partFilePath, m_part, QCoreApplication::translate("FileSink", "write"));
        discard();
        return false;
    }
    // The server's date for the body, as wget and curl -R keep it (futimens on our descriptor).
    // Should it fail, the body is as good; only a later --if-exists skip will not know it.
    if (m_modified.isValid())
        m_part.setFileTime(m_modified, QFileDevice::FileModificationTime);
    m_part.close();
    // rename works on names: had something replaced our .part (a link, say), that would be
    // renamed to the final name instead of our body.
    if (!isOurPart()) {
        if (error)
            *error =
                describeReplaced(m_partFilePath, QCoreApplication::translate("FileSink", "save"));
        discard(); // removes nothing: what stands there is not ours
        return false;
    }
    if (!m_replacePath.isEmpty()) {
        // The earlier run's file of this URL, replaced in one step (rename(2) replaces
        // atomically): a reader sees the old body or the new one, never none.
        if (::rename(encoded(m_partFilePath).constData(), encoded(m_replacePath).constData())
            != 0) {
            if (error)
                *error = describeError(m_partFilePath,
                                       QCoreApplication::translate("FileSink", "save"), errno);
            discard();
            return false;
        }
        m_savedPath = QFileInfo(m_replacePath).absoluteFilePath();
    } else if (m_directory->existingFilePolicy() == FetchOptions::ExistingFile::Overwrite
                   ? !overwriteFinalName(error)
                   : !moveToFinalName(error)) {
        discard();
        return false;
    }
    m_partId.reset();
    releaseName();
    return true;
}

// --if-exists overwrite: a regular file under the reserved name is replaced in one rename(2)
// (a reader sees the old body or the new one, never none); rename replaces the directory entry
// and follows no link. Anything else there is left alone, as moveToFinalName() leaves it.
bool FileSink::overwriteFinalName(QString *error)
{
    const QString finalPath = m_directory->filePath(m_finalName);
    struct stat status;
    if (!isRegularFile(finalPath, &status))
        return moveToFinalName(error);
    if (::rename(encoded(m_partFilePath).constData(), encoded(finalPath).constData()) != 0) {
        if (error)
            *error =
                describeError(finalPath, QCoreApplication::translate("FileSink", "replace"), errno);
        return false;
    }
    m_savedPath = finalPath;
    return true;
}

bool FileSink::moveToFinalName(QString *error)
{
    const QString partPath = m_partFilePath;
    QString finalPath;
    int moveError = EEXIST;
    for (int attempt = 0; attempt < MaxNameAttempts && moveError == EEXIST; ++attempt) {
        // Something took the reserved name after open() (a user's file, a link, a directory):
        // it stays as it is, and the body goes under the next free name, found the same way.
        const QString name = attempt == 0 ? m_finalName : m_directory->reserve(m_wantedName);
        finalPath = m_directory->filePath(name);
        moveError = moveNoReplace(partPath, finalPath);
        if (name != m_finalName)
            m_directory->release(name); // on success the file itself holds the name now
        if (moveError == 0) {
            m_savedPath = finalPath;
            return true;
        }
    }
    if (error) {
        *error = moveError == EEXIST
            ? QCoreApplication::translate("FileSink",
                                          "cannot save %1: every name tried was taken meanwhile, "
                                          "the last one %2")
                  .arg(QDir::toNativeSeparators(partPath), QDir::toNativeSeparators(finalPath))
            : QCoreApplication::translate("FileSink", "cannot rename %1 to %2: %3")
                  .arg(QDir::toNativeSeparators(partPath), QDir::toNativeSeparators(finalPath),
                       qt_error_string(moveError));
    }
    return false;
}

void FileSink::discard()
{
    m_kept = 0;
    if (m_part.isOpen())
        m_part.close();
    if (!m_finalName.isEmpty()) {
        removePart();
        releaseName();
    }
    m_partId.reset();
}

bool FileSink::isOurPart() const
{
    struct stat status;
    return m_partId && ::lstat(encoded(m_partFilePath).constData(), &status) == 0
        && S_ISREG(status.st_mode) && idOf(status) == *m_partId;
}

void FileSink::removePart()
{
    // Only the file we created or adopted: whatever else stands under its name now (a link, a
    // user's file) stays. unlink removes a directory entry and never follows a link.
    if (isOurPart())
        ::unlink(encoded(m_partFilePath).constData());
    m_partId.reset();
}

void FileSink::releaseName()
{
    if (!m_finalName.isEmpty())
        m_directory->release(m_finalName);
    m_finalName.clear();
}

bool FileSink::adoptPartial(const QString &partPath)
{
    // Only a regular, non-empty "<name>.part" directly in our directory, under a name we would
    // have made ourselves: the journal is a file on disk, and must not steer writes elsewhere.
    const QFileInfo part(partPath);
    const QString partFileName = part.fileName();
    if (m_part.isOpen() || !m_finalName.isEmpty() || !partFileName.endsWith(FileNames::PartSuffix)
        || QDir(part.absolutePath()).canonicalPath() != QDir(m_directory->path()).canonicalPath())
        return false;
    const QString name = partFileName.chopped(FileNames::PartSuffix.size());
    if (name.isEmpty() || FileNames::sanitize(name) != name)
        return false;
    const QString path = m_directory->filePath(partFileName);
    struct stat status;
    // lstat: a link is never adopted, wherever it points.
    if (::lstat(encoded(path).constData(), &status) != 0 || !S_ISREG(status.st_mode)
        || status.st_size <= 0 || !m_directory->reserveForPart(name))
        return false;
    m_wantedName = name;
    m_finalName = name;
    m_partFilePath = path;
    m_partId = idOf(status);
    m_kept = status.st_size;
    return true; // resume() appends to it; discard() removes it, as it would a part of ours
}

QString FileSink::pendingSavePath() const
{
    if (!m_replacePath.isEmpty())
        return QFileInfo(m_replacePath).absoluteFilePath();
    return m_finalName.isEmpty() ? QString()
                                 : QFileInfo(m_directory->filePath(m_finalName)).absoluteFilePath();
}

bool FileSink::leavePartial(QString *path, qint64 *size)
{
    if (m_part.isOpen() && !m_part.flush()) {
        discard();
        return false;
    }
    if (m_part.isOpen())
        m_part.close();
    struct stat status;
    // Only the file we created or adopted, and only if it holds something to continue: an
    // empty .part is removed like any other unfinished one.
    if (m_finalName.isEmpty() || !m_partId
        || ::lstat(encoded(m_partFilePath).constData(), &status) != 0 || !S_ISREG(status.st_mode)
        || idOf(status) != *m_partId || status.st_size <= 0) {
        discard();
        return false;
    }
    if (path)
        *path = QFileInfo(m_partFilePath).absoluteFilePath();
    if (size)
        *size = status.st_size;
    m_partId.reset(); // no longer ours to remove: discard() leaves it
    m_kept = 0;
    releaseName();
    return true;
}

QString FileSink::partPath() const
{
    return m_part.isOpen() ? QFileInfo(m_partFilePath).absoluteFilePath() : QString();
}

} // namespace Parafetch
