// SPDX-License-Identifier: GPL-3.0-or-later
// Where a response body goes: the interface the fetch task streams chunks into.
#pragma once

#include <QByteArrayView>
#include <QDateTime>
#include <QString>

#include <functional>

namespace Parafetch {

// One sink per job, used by one engine thread at a time. An attempt calls open(), write()s the
// body, then commit() on success or discard() on failure; a retry opens again.
class BodySink
{
public:
    virtual ~BodySink();

    // suggestedName: from Content-Disposition or the URL, already sanitised.
    virtual bool open(const QString &suggestedName, QString *error) = 0;
    virtual bool write(const char *data, qint64 size, QString *error) = 0;
    virtual bool commit(QString *error) = 0;
    virtual void discard() = 0;
    // Whether open() uses the suggested name (working it out costs a header lookup and URL
    // parsing per request, wasted on a sink that keeps nothing).
    virtual bool keepsName() const { return true; }
    // Whether write() looks at the bytes. When neither the sink nor a hash does, the task drops
    // them where Qt holds them (QIODevice::skip) instead of copying them out first.
    virtual bool readsBytes() const { return true; }
    // Resuming (Range + If-Range): instead of discard(), keep what the failed attempt wrote for
    // the next one; false if this sink cannot (then it discarded). partialSize() is what is kept.
    virtual bool keepPartial()
    {
        discard();
        return false;
    }
    virtual qint64 partialSize() const { return 0; }
    // The server sent the rest (206): write() appends to the kept bytes. (On any other answer
    // the task calls open() instead, which starts over.) readPartial() feeds the kept bytes to
    // a function, e.g. a hash.
    virtual bool resume(QString *error);
    virtual bool readPartial(const std::function<void(QByteArrayView)> &consume, QString *error);
    // Takes over a .part an earlier run left (see Job::resumeFrom) as if keepPartial() had kept
    // it; false, touching nothing, if this sink cannot or the file does not qualify.
    virtual bool adoptPartial(const QString & /*partPath*/) { return false; }
    // The absolute path of the file being written, if a later run could continue it.
    virtual QString partPath() const { return {}; }
    // Where a committed body now stands; empty when bodies are not kept.
    virtual QString savedPath() const { return {}; }
    // Where commit() will put the body, asked just before it (the file log records it first);
    // empty when bodies are not kept.
    virtual QString pendingSavePath() const { return {}; }
    // --if-changed found the body changed: commit() puts it in place of this file (the earlier
    // run's, for the same URL) instead of beside it under a free name.
    virtual void replaceOnCommit(const QString & /*path*/) { }
    // The server's Last-Modified: commit() gives the saved file that modification time, as
    // wget and curl -R do, so that a later run can tell the file is the server's copy.
    virtual void setModificationTime(const QDateTime & /*time*/) { }
    // --if-exists skip: the absolute path of a regular file already standing under the name
    // open(suggestedName) would want, if its size and modification time (to the second) are
    // these; empty otherwise.
    virtual QString matchingExistingFile(const QString & /*suggestedName*/, qint64 /*size*/,
                                         const QDateTime & /*modified*/) const
    {
        return {};
    }
    // The window closes keeping partial files: what this attempt (or a kept one) wrote stays in
    // its .part for a later run to continue, and the sink forgets it. False, having discarded,
    // when there is nothing to leave (no file, or an empty one).
    virtual bool leavePartial(QString * /*path*/, qint64 * /*size*/)
    {
        discard();
        return false;
    }
};

} // namespace Parafetch
