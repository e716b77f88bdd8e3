// SPDX-License-Identifier: GPL-3.0-or-later
// The run's host names, each looked up once: name lookup is a phase of its own, as DevTools and
// curl -w show it, and the engine connects to the addresses it got.
#pragma once

#include <QCoreApplication>
#include <QHash>
#include <QHostAddress>
#include <QHostInfo>
#include <QList>
#include <QMutex>
#include <QString>

#include <functional>
#include <vector>

class QObject;
class QThread;

namespace Parafetch {

// Shared by the engine's threads, thread-safe. The first request for a host starts one lookup
// (QHostInfo, on a thread of the resolver's own, so that no requester's lifetime can strand
// the others); requests for that host meanwhile wait for it, and later ones are answered at
// once from the run's answers. A failed lookup is not kept: a retry asks again. The address a
// connection reached moves to the front of the host's list, so that later connections do not
// try the unreachable ones first (a "localhost" that is ::1 first on a server listening on
// 127.0.0.1 only).
class HostResolver final
{
    Q_DISABLE_COPY_MOVE(HostResolver)
    Q_DECLARE_TR_FUNCTIONS(HostResolver)
public:
    struct Answer
    {
        QList<QHostAddress> addresses; // in the order to try; empty when the lookup failed
        QString errorString; // why, when it failed
        bool cached = false; // the run had the answer already: no lookup was made for this one
    };
    using Callback = std::function<void(const Answer &answer)>;

    HostResolver();
    ~HostResolver();

    // Answers host: within this call when the run knows it already (and then true), otherwise
    // later, queued to context's thread, unless cancel(context) comes first.
    bool resolve(const QString &host, QObject *context, Callback callback);
    // context no longer waits (it is about to be destroyed, or gave up).
    void cancel(const QObject *context);
    // A connection to host reached address: it is tried first from now on.
    void noteReachable(const QString &host, const QHostAddress &address);
    // Forgets the answers (a new run looks its hosts up again); lookups under way go on.
    void clear();
    // Answers host with these addresses without a lookup, until clearFixed(): for tests.
    void setFixed(const QString &host, const QList<QHostAddress> &addresses);
    void clearFixed();
    // Lookups made since construction (not answers: those from the run's cache are not counted).
    int lookupCount() const;

private:
    struct Waiter
    {
        QObject *context;
        Callback callback;
    };
    struct Entry
    {
        bool done = false;
        Answer answer;
        std::vector<Waiter> waiters;
    };
    void lookedUp(const QString &host, const QHostInfo &info);

    mutable QMutex m_mutex;
    QHash<QString, Entry> m_entries; // by lower-case host; guarded by m_mutex
    QHash<QString, QList<QHostAddress>> m_fixed; // guarded by m_mutex
    int m_lookups = 0; // guarded by m_mutex
    QThread *m_thread = nullptr; // where lookups are started and their answers arrive
    QObject *m_context = nullptr; // lives in m_thread
};

} // namespace Parafetch
