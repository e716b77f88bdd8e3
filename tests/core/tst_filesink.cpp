// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of FileSink and OutputDirectory against links and other entries in the output folder.
#include "engine/filesink.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace Parafetch;

// Every row describes the folders as lines, one per directory entry, exactly as lstat sees them:
//   "out/a.txt = bytes"      a regular file and its whole content
//   "out/a.txt -> target"    a symbolic link and its target, verbatim (it is not followed)
//   "out/sub/"               a directory
//   "out/pipe |"             a fifo
// "out" is the download folder, "outside" holds what links point to. A "-path" line in a
// "meanwhile" list removes that entry.
namespace {

const QString FileMarker = u" = "_s;
const QString LinkMarker = u" -> "_s;
const QString FifoMarker = u" |"_s;
const QString RemoveMarker = u"-"_s;
const QString OutFolder = u"out"_s;
const QString OutsideFolder = u"outside"_s;

const QByteArray BodyStart = "the downloaded ";
const QByteArray BodyEnd = "body";
const QByteArray Body = BodyStart + BodyEnd;

QByteArray encoded(const QDir &root, const QString &relative)
{
    return QFile::encodeName(root.filePath(relative));
}

bool apply(const QDir &root, const QString &line, QString *problem)
{
    const auto failed = [&](const char *call) {
        *problem = u"%1 for \"%2\": %3"_s.arg(QLatin1String(call), line, qt_error_string(errno));
        return false;
    };
    if (line.startsWith(RemoveMarker)) {
        const QByteArray path = encoded(root, line.mid(RemoveMarker.size()));
        struct stat status;
        if (::lstat(path.constData(), &status) != 0)
            return failed("lstat");
        const int result =
            S_ISDIR(status.st_mode) ? ::rmdir(path.constData()) : ::unlink(path.constData());
        return result == 0 || failed("remove");
    }
    if (const qsizetype at = line.indexOf(LinkMarker); at >= 0) {
        return ::symlink(QFile::encodeName(line.mid(at + LinkMarker.size())).constData(),
                         encoded(root, line.first(at)).constData())
            == 0
            || failed("symlink");
    }
    if (const qsizetype at = line.indexOf(FileMarker); at >= 0) {
        QFile file(root.filePath(line.first(at)));
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly)
            || file.write(line.mid(at + FileMarker.size()).toUtf8()) < 0) {
            *problem = file.errorString();
            return false;
        }
        return true;
    }
    if (line.endsWith(FifoMarker))
        return ::mkfifo(encoded(root, line.chopped(FifoMarker.size())).constData(), 0600) == 0
            || failed("mkfifo");
    if (line.endsWith(u'/'))
        return ::mkdir(encoded(root, line).constData(), 0700) == 0 || failed("mkdir");
    *problem = u"cannot read the test line \"%1\""_s.arg(line);
    return false;
}

bool applyAll(const QDir &root, const QStringList &lines, QString *problem)
{
    for (const QString &line : lines) {
        if (!apply(root, line, problem))
            return false;
    }
    return true;
}

// What is on disk under folder, in the notation above; never follows a link.
void describe(const QDir &root, const QString &folder, QStringList &lines)
{
    const QStringList names =
        QDir(root.filePath(folder))
            .entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                       QDir::Name);
    for (const QString &name : names) {
        const QString relative = folder + u'/' + name;
        const QByteArray path = encoded(root, relative);
        struct stat status;
        if (::lstat(path.constData(), &status) != 0) {
            lines << relative + u" (lstat failed)"_s;
        } else if (S_ISLNK(status.st_mode)) {
            QByteArray target(PATH_MAX, '\0');
            const ssize_t size = ::readlink(path.constData(), target.data(), target.size());
            target.resize(size < 0 ? 0 : size);
            lines << relative + LinkMarker + QFile::decodeName(target);
        } else if (S_ISDIR(status.st_mode)) {
            lines << relative + u'/';
            describe(root, relative, lines);
        } else if (S_ISFIFO(status.st_mode)) {
            lines << relative + FifoMarker;
        } else if (S_ISREG(status.st_mode)) {
            QFile file(root.filePath(relative));
            lines << relative + FileMarker
                    + (file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll())
                                                      : u"(unreadable)"_s);
        } else {
            lines << relative + u" (other)"_s;
        }
    }
}

QStringList snapshot(const QDir &root)
{
    QStringList lines;
    for (const QString &folder : { OutFolder, OutsideFolder }) {
        lines << folder + u'/';
        describe(root, folder, lines);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

// Both folders and the given entries, as snapshot() would list them.
QStringList withFolders(QStringList lines)
{
    lines << OutFolder + u'/' << OutsideFolder + u'/';
    std::sort(lines.begin(), lines.end());
    return lines;
}

// The whole of both listings when they differ: which entry moved or changed is the point.
QByteArray mismatch(const QStringList &actual, const QStringList &expected)
{
    const QString indent = u"\n    "_s;
    return (u"on disk:"_s + indent + actual.join(indent) + u"\n  expected:"_s + indent
            + expected.join(indent))
        .toUtf8();
}

// A macro so that QVERIFY2 ends the test function itself.
#define VERIFY_ON_DISK(root, expected)                                                             \
    do {                                                                                           \
        const QStringList onDisk = snapshot(root);                                                 \
        QVERIFY2(onDisk == (expected), mismatch(onDisk, expected).constData());                    \
    } while (false)

struct Folders
{
    explicit Folders(FetchOptions::ExistingFile existing = FetchOptions::ExistingFile::Rename)
        : directory(std::make_shared<OutputDirectory>(root.filePath(OutFolder), existing))
    { }

    QTemporaryDir temporary;
    QDir root { temporary.path() };
    std::shared_ptr<OutputDirectory> directory;

    bool create(const QStringList &before, QString *problem)
    {
        if (!temporary.isValid()) {
            *problem = temporary.errorString();
            return false;
        }
        return applyAll(root, { OutFolder + u'/', OutsideFolder + u'/' }, problem)
            && applyAll(root, before, problem);
    }
    QString out(const QString &name) const { return root.filePath(OutFolder + u'/' + name); }
};

} // namespace

class TestFileSink : public QObject
{
    Q_OBJECT

private slots:
    void oneDownload_data();
    void oneDownload();
    void overwrite_data();
    void overwrite();
    void savedFileTakesTheServersDate();
    void matchingExistingFile_data();
    void matchingExistingFile();
    void finalNamesAndPartNamesDoNotCollide_data();
    void finalNamesAndPartNamesDoNotCollide();
    void discardRemovesOnlyOurPart_data();
    void discardRemovesOnlyOurPart();
    void adoptPartial_data();
    void adoptPartial();
};

void TestFileSink::oneDownload_data()
{
    QTest::addColumn<QStringList>("before");
    QTest::addColumn<QString>("wanted");
    QTest::addColumn<QStringList>("meanwhile"); // between open() and commit()
    QTest::addColumn<QString>("savedAs"); // empty: commit() must fail
    QTest::addColumn<QStringList>("after");

    const QString body = QString::fromUtf8(Body);
    QTest::newRow("a free name is used as it is")
        << QStringList() << u"page.html"_s << QStringList() << u"page.html"_s
        << withFolders({ u"out/page.html = "_s + body });
    QTest::newRow("dangling link under the name: saved as name (1), target not created")
        << QStringList { u"out/page.html -> ../outside/missing.html"_s } << u"page.html"_s
        << QStringList() << u"page (1).html"_s
        << withFolders(
               { u"out/page.html -> ../outside/missing.html"_s, u"out/page (1).html = "_s + body });
    QTest::newRow("link to a user's file under the name: user's file unchanged")
        << QStringList { u"outside/notes.txt = the user's notes"_s,
                         u"out/notes.txt -> ../outside/notes.txt"_s }
        << u"notes.txt"_s << QStringList() << u"notes (1).txt"_s
        << withFolders({ u"outside/notes.txt = the user's notes"_s,
                         u"out/notes.txt -> ../outside/notes.txt"_s,
                         u"out/notes (1).txt = "_s + body });
    QTest::newRow("dangling link under NAME.part: not written through, target not created")
        << QStringList { u"out/data.bin.part -> ../outside/data.bin"_s } << u"data.bin"_s
        << QStringList() << u"data (1).bin"_s
        << withFolders(
               { u"out/data.bin.part -> ../outside/data.bin"_s, u"out/data (1).bin = "_s + body });
    QTest::newRow("link to a user's file under NAME.part: user's file unchanged")
        << QStringList { u"outside/keep.bin = precious"_s,
                         u"out/data.bin.part -> ../outside/keep.bin"_s }
        << u"data.bin"_s << QStringList() << u"data (1).bin"_s
        << withFolders({ u"outside/keep.bin = precious"_s,
                         u"out/data.bin.part -> ../outside/keep.bin"_s,
                         u"out/data (1).bin = "_s + body });
    QTest::newRow("directory under the name")
        << QStringList { u"out/report/"_s } << u"report"_s << QStringList() << u"report (1)"_s
        << withFolders({ u"out/report/"_s, u"out/report (1) = "_s + body });
    QTest::newRow("directory under NAME.part")
        << QStringList { u"out/report.part/"_s } << u"report"_s << QStringList() << u"report (1)"_s
        << withFolders({ u"out/report.part/"_s, u"out/report (1) = "_s + body });
    QTest::newRow("fifo under the name")
        << QStringList { u"out/stream |"_s } << u"stream"_s << QStringList() << u"stream (1)"_s
        << withFolders({ u"out/stream |"_s, u"out/stream (1) = "_s + body });
    QTest::newRow("link to a user's file appears under the final name before commit")
        << QStringList { u"outside/victim.html = the user's page"_s } << u"page.html"_s
        << QStringList { u"out/page.html -> ../outside/victim.html"_s } << u"page (1).html"_s
        << withFolders({ u"outside/victim.html = the user's page"_s,
                         u"out/page.html -> ../outside/victim.html"_s,
                         u"out/page (1).html = "_s + body });
    QTest::newRow("dangling link appears under the final name before commit")
        << QStringList() << u"page.html"_s
        << QStringList { u"out/page.html -> ../outside/missing.html"_s } << u"page (1).html"_s
        << withFolders(
               { u"out/page.html -> ../outside/missing.html"_s, u"out/page (1).html = "_s + body });
    QTest::newRow("user's file appears under the final name before commit: unchanged")
        << QStringList() << u"a.txt"_s << QStringList { u"out/a.txt = the user's text"_s }
        << u"a (1).txt"_s
        << withFolders({ u"out/a.txt = the user's text"_s, u"out/a (1).txt = "_s + body });
    QTest::newRow("directory appears under the final name before commit")
        << QStringList() << u"a.txt"_s << QStringList { u"out/a.txt/"_s } << u"a (1).txt"_s
        << withFolders({ u"out/a.txt/"_s, u"out/a (1).txt = "_s + body });
    QTest::newRow("links appear under the final name and the next one: the one after is used")
        << QStringList() << u"a.txt"_s
        << QStringList { u"out/a.txt -> ../outside/one"_s, u"out/a (1).txt -> ../outside/two"_s }
        << u"a (2).txt"_s
        << withFolders({ u"out/a.txt -> ../outside/one"_s, u"out/a (1).txt -> ../outside/two"_s,
                         u"out/a (2).txt = "_s + body });
    QTest::newRow("our .part replaced by a link to a user's file: commit fails, link kept")
        << QStringList { u"outside/victim.txt = the user's text"_s } << u"a.txt"_s
        << QStringList { u"-out/a.txt.part"_s, u"out/a.txt.part -> ../outside/victim.txt"_s }
        << QString()
        << withFolders({ u"outside/victim.txt = the user's text"_s,
                         u"out/a.txt.part -> ../outside/victim.txt"_s });
    QTest::newRow("our .part removed before commit: commit fails, nothing saved")
        << QStringList() << u"a.txt"_s << QStringList { u"-out/a.txt.part"_s } << QString()
        << withFolders({});
}

void TestFileSink::oneDownload()
{
    QFETCH(QStringList, before);
    QFETCH(QString, wanted);
    QFETCH(QStringList, meanwhile);
    QFETCH(QString, savedAs);
    QFETCH(QStringList, after);

    Folders folders;
    QString problem;
    QVERIFY2(folders.create(before, &problem), qPrintable(problem));
    QString error;
    {
        FileSink sink(folders.directory);
        QVERIFY2(sink.open(wanted, &error), qPrintable(error));
        QVERIFY2(sink.write(BodyStart.constData(), BodyStart.size(), &error), qPrintable(error));
        QVERIFY2(applyAll(folders.root, meanwhile, &problem), qPrintable(problem));
        QVERIFY2(sink.write(BodyEnd.constData(), BodyEnd.size(), &error), qPrintable(error));
        const bool committed = sink.commit(&error);
        VERIFY_ON_DISK(folders.root, after);
        if (savedAs.isEmpty()) {
            QVERIFY(!committed);
            // The message names the file it is about.
            QVERIFY2(error.contains(wanted + u".part"_s), qPrintable(error));
            QVERIFY(sink.savedPath().isEmpty());
        } else {
            QVERIFY2(committed, qPrintable(error));
            QCOMPARE(sink.savedPath(), folders.out(savedAs));
        }
    }
    // The destructor discards, which must not remove anything after a commit either.
    VERIFY_ON_DISK(folders.root, after);
}

void TestFileSink::overwrite_data()
{
    QTest::addColumn<QStringList>("before");
    QTest::addColumn<QString>("wanted");
    QTest::addColumn<QStringList>("meanwhile"); // between open() and commit()
    QTest::addColumn<QString>("savedAs");
    QTest::addColumn<QStringList>("after");

    const QString body = QString::fromUtf8(Body);
    QTest::newRow("a user's file under the name is replaced")
        << QStringList { u"out/a.txt = the old text"_s } << u"a.txt"_s << QStringList()
        << u"a.txt"_s << withFolders({ u"out/a.txt = "_s + body });
    QTest::newRow("a free name is used as it is")
        << QStringList() << u"a.txt"_s << QStringList() << u"a.txt"_s
        << withFolders({ u"out/a.txt = "_s + body });
    QTest::newRow("link to a user's file under the name: kept, target unchanged, saved as (1)")
        << QStringList { u"outside/notes.txt = the user's notes"_s,
                         u"out/notes.txt -> ../outside/notes.txt"_s }
        << u"notes.txt"_s << QStringList() << u"notes (1).txt"_s
        << withFolders({ u"outside/notes.txt = the user's notes"_s,
                         u"out/notes.txt -> ../outside/notes.txt"_s,
                         u"out/notes (1).txt = "_s + body });
    QTest::newRow("dangling link under the name: kept, target not created")
        << QStringList { u"out/a.txt -> ../outside/missing.txt"_s } << u"a.txt"_s << QStringList()
        << u"a (1).txt"_s
        << withFolders({ u"out/a.txt -> ../outside/missing.txt"_s, u"out/a (1).txt = "_s + body });
    QTest::newRow("link under the name, an earlier (1) file: the (1) file is replaced")
        << QStringList { u"out/a.txt -> ../outside/missing.txt"_s, u"out/a (1).txt = older"_s }
        << u"a.txt"_s << QStringList() << u"a (1).txt"_s
        << withFolders({ u"out/a.txt -> ../outside/missing.txt"_s, u"out/a (1).txt = "_s + body });
    QTest::newRow("directory under the name: kept")
        << QStringList { u"out/report/"_s } << u"report"_s << QStringList() << u"report (1)"_s
        << withFolders({ u"out/report/"_s, u"out/report (1) = "_s + body });
    QTest::newRow("fifo under the name: kept")
        << QStringList { u"out/stream |"_s } << u"stream"_s << QStringList() << u"stream (1)"_s
        << withFolders({ u"out/stream |"_s, u"out/stream (1) = "_s + body });
    QTest::newRow("someone's file under NAME.part: kept, saved as (1)")
        << QStringList { u"out/a.txt = old"_s, u"out/a.txt.part = someone's"_s } << u"a.txt"_s
        << QStringList() << u"a (1).txt"_s
        << withFolders({ u"out/a.txt = old"_s, u"out/a.txt.part = someone's"_s,
                         u"out/a (1).txt = "_s + body });
    QTest::newRow("link to a user's file appears under the name before commit: kept")
        << QStringList { u"outside/victim.html = the user's page"_s } << u"page.html"_s
        << QStringList { u"out/page.html -> ../outside/victim.html"_s } << u"page (1).html"_s
        << withFolders({ u"outside/victim.html = the user's page"_s,
                         u"out/page.html -> ../outside/victim.html"_s,
                         u"out/page (1).html = "_s + body });
    QTest::newRow("the user's file is replaced by a link before commit: link kept")
        << QStringList { u"out/a.txt = old"_s, u"outside/victim.txt = the user's"_s } << u"a.txt"_s
        << QStringList { u"-out/a.txt"_s, u"out/a.txt -> ../outside/victim.txt"_s }
        << u"a (1).txt"_s
        << withFolders({ u"out/a.txt -> ../outside/victim.txt"_s,
                         u"outside/victim.txt = the user's"_s, u"out/a (1).txt = "_s + body });
    QTest::newRow("directory appears under the name before commit: kept")
        << QStringList() << u"a.txt"_s << QStringList { u"out/a.txt/"_s } << u"a (1).txt"_s
        << withFolders({ u"out/a.txt/"_s, u"out/a (1).txt = "_s + body });
}

// --if-exists overwrite: a regular file under the name is replaced in one rename; nothing else
// under it (a link above all) is replaced or followed.
void TestFileSink::overwrite()
{
    QFETCH(QStringList, before);
    QFETCH(QString, wanted);
    QFETCH(QStringList, meanwhile);
    QFETCH(QString, savedAs);
    QFETCH(QStringList, after);

    Folders folders(FetchOptions::ExistingFile::Overwrite);
    QString problem;
    QVERIFY2(folders.create(before, &problem), qPrintable(problem));
    QString error;
    FileSink sink(folders.directory);
    QVERIFY2(sink.open(wanted, &error), qPrintable(error));
    QVERIFY2(sink.write(Body.constData(), Body.size(), &error), qPrintable(error));
    QVERIFY2(applyAll(folders.root, meanwhile, &problem), qPrintable(problem));
    QVERIFY2(sink.commit(&error), qPrintable(error));
    QCOMPARE(sink.savedPath(), folders.out(savedAs));
    VERIFY_ON_DISK(folders.root, after);
}

void TestFileSink::savedFileTakesTheServersDate()
{
    Folders folders;
    QString problem;
    QVERIFY2(folders.create({}, &problem), qPrintable(problem));
    const QDateTime lastModified = QDateTime(QDate(2021, 3, 4), QTime(5, 6, 7), Qt::UTC);
    QString error;
    FileSink sink(folders.directory);
    QVERIFY2(sink.open(u"dated.bin"_s, &error), qPrintable(error));
    sink.setModificationTime(lastModified);
    QVERIFY2(sink.write(Body.constData(), Body.size(), &error), qPrintable(error));
    QVERIFY2(sink.commit(&error), qPrintable(error));
    QCOMPARE(QFileInfo(sink.savedPath()).lastModified().toUTC(), lastModified);
    // Without a date the file keeps the time it was written.
    FileSink undated(folders.directory);
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    QVERIFY2(undated.open(u"undated.bin"_s, &error), qPrintable(error));
    QVERIFY2(undated.commit(&error), qPrintable(error));
    QVERIFY(QFileInfo(undated.savedPath()).lastModified() >= before);
}

void TestFileSink::matchingExistingFile_data()
{
    QTest::addColumn<QStringList>("before");
    QTest::addColumn<QString>("requestedName"); // from a `URL,NAME` line; wins when set
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("dated"); // the file takes the server's date first
    QTest::addColumn<bool>("matches");

    const QString body = QString::fromUtf8(Body);
    const qint64 size = Body.size();
    QTest::newRow("same size and date")
        << QStringList { u"out/a.txt = "_s + body } << QString() << size << true << true;
    QTest::newRow("same size, another date (a user's own file)")
        << QStringList { u"out/a.txt = "_s + body } << QString() << size << false << false;
    QTest::newRow("same date, another size")
        << QStringList { u"out/a.txt = "_s + body } << QString() << size + 1 << true << false;
    QTest::newRow("no file") << QStringList() << QString() << size << true << false;
    QTest::newRow("a link to a file of that size and date")
        << QStringList { u"outside/a.txt = "_s + body, u"out/a.txt -> ../outside/a.txt"_s }
        << QString() << size << true << false;
    QTest::newRow("a directory") << QStringList { u"out/a.txt/"_s } << QString() << size << true
                                 << false;
    QTest::newRow("the list's name wins over the suggestion")
        << QStringList { u"out/mine.txt = "_s + body } << u"mine.txt"_s << size << true << true;
    QTest::newRow("unknown size") << QStringList { u"out/a.txt = "_s + body } << QString()
                                  << qint64(-1) << true << false;
}

// --if-exists skip: a file already there counts as the server's copy only if it is a regular file
// under the name, of the announced size, bearing the server's date.
void TestFileSink::matchingExistingFile()
{
    QFETCH(QStringList, before);
    QFETCH(QString, requestedName);
    QFETCH(qint64, size);
    QFETCH(bool, dated);
    QFETCH(bool, matches);

    Folders folders(FetchOptions::ExistingFile::Skip);
    QString problem;
    QVERIFY2(folders.create(before, &problem), qPrintable(problem));
    const QDateTime lastModified = QDateTime(QDate(2020, 1, 2), QTime(3, 4, 5), Qt::UTC);
    for (const QString &path : { folders.out(u"a.txt"_s), folders.out(u"mine.txt"_s),
                                 folders.root.filePath(u"outside/a.txt"_s) }) {
        QFile file(path);
        if (dated && QFileInfo(path).isFile() && file.open(QIODevice::ReadWrite))
            QVERIFY(file.setFileTime(lastModified, QFileDevice::FileModificationTime));
    }
    const FileSink sink(folders.directory, requestedName);
    const QString found = sink.matchingExistingFile(u"a.txt"_s, size, lastModified);
    const QString expected = requestedName.isEmpty() ? u"a.txt"_s : requestedName;
    QCOMPARE(found, matches ? folders.out(expected) : QString());
    // A date a second off does not match either.
    if (matches)
        QVERIFY(sink.matchingExistingFile(u"a.txt"_s, size, lastModified.addSecs(1)).isEmpty());
}

void TestFileSink::finalNamesAndPartNamesDoNotCollide_data()
{
    QTest::addColumn<QString>("firstWanted");
    QTest::addColumn<QString>("secondWanted");
    QTest::addColumn<bool>("secondCommitsFirst");
    QTest::addColumn<QString>("firstSavedAs");
    QTest::addColumn<QString>("secondSavedAs");

    // Whoever opens first keeps its name; the other gets a name whose .part and final name
    // touch neither of the first one's.
    QTest::newRow("X opened first, X commits first")
        << u"movie.mkv"_s << u"movie.mkv.part"_s << false << u"movie.mkv"_s
        << u"movie.mkv (1).part"_s;
    QTest::newRow("X opened first, X.part commits first")
        << u"movie.mkv"_s << u"movie.mkv.part"_s << true << u"movie.mkv"_s
        << u"movie.mkv (1).part"_s;
    QTest::newRow("X.part opened first, X.part commits first")
        << u"movie.mkv.part"_s << u"movie.mkv"_s << false << u"movie.mkv.part"_s
        << u"movie (1).mkv"_s;
    QTest::newRow("X.part opened first, X commits first")
        << u"movie.mkv.part"_s << u"movie.mkv"_s << true << u"movie.mkv.part"_s
        << u"movie (1).mkv"_s;
}

void TestFileSink::finalNamesAndPartNamesDoNotCollide()
{
    QFETCH(QString, firstWanted);
    QFETCH(QString, secondWanted);
    QFETCH(bool, secondCommitsFirst);
    QFETCH(QString, firstSavedAs);
    QFETCH(QString, secondSavedAs);

    Folders folders;
    QString problem;
    QVERIFY2(folders.create({}, &problem), qPrintable(problem));
    const QByteArray firstBody = "first body";
    const QByteArray secondBody = "second body";
    FileSink first(folders.directory);
    FileSink second(folders.directory);
    QString error;
    QVERIFY2(first.open(firstWanted, &error), qPrintable(error));
    QVERIFY2(first.write(firstBody.constData(), firstBody.size(), &error), qPrintable(error));
    QVERIFY2(second.open(secondWanted, &error), qPrintable(error));
    QVERIFY2(second.write(secondBody.constData(), secondBody.size(), &error), qPrintable(error));
    if (secondCommitsFirst)
        QVERIFY2(second.commit(&error), qPrintable(error));
    QVERIFY2(first.commit(&error), qPrintable(error));
    if (!secondCommitsFirst)
        QVERIFY2(second.commit(&error), qPrintable(error));

    QCOMPARE(first.savedPath(), folders.out(firstSavedAs));
    QCOMPARE(second.savedPath(), folders.out(secondSavedAs));
    const QStringList expected =
        withFolders({ u"out/"_s + firstSavedAs + FileMarker + QString::fromUtf8(firstBody),
                      u"out/"_s + secondSavedAs + FileMarker + QString::fromUtf8(secondBody) });
    VERIFY_ON_DISK(folders.root, expected);
}

void TestFileSink::discardRemovesOnlyOurPart_data()
{
    QTest::addColumn<QStringList>("meanwhile"); // between open() and discard()
    QTest::addColumn<QStringList>("after");

    QTest::newRow("our .part is removed") << QStringList() << withFolders({});
    QTest::newRow("a link put in place of our .part stays")
        << QStringList { u"outside/victim.txt = the user's text"_s, u"-out/a.txt.part"_s,
                         u"out/a.txt.part -> ../outside/victim.txt"_s }
        << withFolders({ u"outside/victim.txt = the user's text"_s,
                         u"out/a.txt.part -> ../outside/victim.txt"_s });
    QTest::newRow("a file put in place of our .part stays")
        << QStringList { u"-out/a.txt.part"_s, u"out/a.txt.part = the user's text"_s }
        << withFolders({ u"out/a.txt.part = the user's text"_s });
}

void TestFileSink::discardRemovesOnlyOurPart()
{
    QFETCH(QStringList, meanwhile);
    QFETCH(QStringList, after);

    Folders folders;
    QString problem;
    QVERIFY2(folders.create({}, &problem), qPrintable(problem));
    FileSink sink(folders.directory);
    QString error;
    QVERIFY2(sink.open(u"a.txt"_s, &error), qPrintable(error));
    QVERIFY2(sink.write(Body.constData(), Body.size(), &error), qPrintable(error));
    // (Its bytes may still be buffered: only that it is a regular file is certain.)
    const QStringList written = snapshot(folders.root);
    QCOMPARE(written.size(), withFolders({}).size() + 1);
    QVERIFY2(written.contains(u"out/a.txt.part = "_s)
                 || written.contains(u"out/a.txt.part = "_s + QString::fromUtf8(Body)),
             qPrintable(written.join(u'\n')));
    QVERIFY2(applyAll(folders.root, meanwhile, &problem), qPrintable(problem));
    sink.discard();
    VERIFY_ON_DISK(folders.root, after);
    QVERIFY(sink.savedPath().isEmpty());
}

void TestFileSink::adoptPartial_data()
{
    QTest::addColumn<QStringList>("before"); // holds out/big.iso.part, one way or another
    QTest::addColumn<QStringList>("meanwhile"); // between adoptPartial() and resume()
    QTest::addColumn<bool>("adopted");
    QTest::addColumn<bool>("resumed");
    QTest::addColumn<QStringList>("after");

    const QString part = u"out/big.iso.part = 0123456789"_s;
    QTest::newRow("a regular .part is adopted and continued")
        << QStringList { part } << QStringList() << true << true
        << withFolders({ u"out/big.iso = 0123456789"_s + QString::fromUtf8(Body) });
    QTest::newRow("dangling link under the final name: not adopted")
        << QStringList { part, u"out/big.iso -> ../outside/big.iso"_s } << QStringList() << false
        << false << withFolders({ part, u"out/big.iso -> ../outside/big.iso"_s });
    QTest::newRow("link to a user's file under the final name: not adopted")
        << QStringList { part, u"outside/big.iso = user"_s, u"out/big.iso -> ../outside/big.iso"_s }
        << QStringList() << false << false
        << withFolders(
               { part, u"outside/big.iso = user"_s, u"out/big.iso -> ../outside/big.iso"_s });
    QTest::newRow("directory under the final name: not adopted")
        << QStringList { part, u"out/big.iso/"_s } << QStringList() << false << false
        << withFolders({ part, u"out/big.iso/"_s });
    QTest::newRow("the .part is a link to a user's file: not adopted")
        << QStringList { u"outside/user.iso = 0123456789"_s,
                         u"out/big.iso.part -> ../outside/user.iso"_s }
        << QStringList() << false << false
        << withFolders({ u"outside/user.iso = 0123456789"_s,
                         u"out/big.iso.part -> ../outside/user.iso"_s });
    QTest::newRow("the .part is replaced by a link to a same-sized file: not continued through it")
        << QStringList { part, u"outside/user.iso = abcdefghij"_s }
        << QStringList { u"-out/big.iso.part"_s, u"out/big.iso.part -> ../outside/user.iso"_s }
        << true << false
        << withFolders({ u"outside/user.iso = abcdefghij"_s,
                         u"out/big.iso.part -> ../outside/user.iso"_s });
}

void TestFileSink::adoptPartial()
{
    QFETCH(QStringList, before);
    QFETCH(QStringList, meanwhile);
    QFETCH(bool, adopted);
    QFETCH(bool, resumed);
    QFETCH(QStringList, after);

    Folders folders;
    QString problem;
    QVERIFY2(folders.create(before, &problem), qPrintable(problem));
    QString error;
    {
        FileSink sink(folders.directory);
        QCOMPARE(sink.adoptPartial(folders.out(u"big.iso.part"_s)), adopted);
        if (adopted) {
            QCOMPARE(sink.partialSize(), 10);
            QVERIFY2(applyAll(folders.root, meanwhile, &problem), qPrintable(problem));
            QCOMPARE(sink.resume(&error), resumed);
            if (resumed) {
                QVERIFY2(sink.write(Body.constData(), Body.size(), &error), qPrintable(error));
                QVERIFY2(sink.commit(&error), qPrintable(error));
                QCOMPARE(sink.savedPath(), folders.out(u"big.iso"_s));
            } else {
                QVERIFY2(error.contains(u"big.iso.part"_s), qPrintable(error));
            }
        }
    }
    VERIFY_ON_DISK(folders.root, after);
}

QTEST_GUILESS_MAIN(TestFileSink)
#include "tst_filesink.moc"
