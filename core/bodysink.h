// Where a response body goes: the interface the fetch task streams chunks into.
#pragma once

#include <QString>

namespace Parafetch {

// One sink per job, used by one pool thread at a time. An attempt calls open(), write()s the
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
    // Where a committed body now stands; empty when bodies are not kept.
    virtual QString savedPath() const { return {}; }
};

} // namespace Parafetch
