// SPDX-License-Identifier: GPL-3.0-or-later
// One lookup per host per run, its answer handed to every request that waits for it.
#include "engine/hostresolver.h"

#include <QMutexLocker>
#include <QObject>
#include <QThread>

#include <algorithm>

namespace Parafetch {

HostResolver::HostResolver()
    : m_thread(new QThread)
    , m_context(new QObject)
{
    m_thread->setObjectName(QStringLiteral("Parafetch name lookups"));
    m_context->moveToThread(m_thread);
    // The context goes with its thread: deleted there, once its event loop has ended.
    QObject::connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
}

HostResolver::~HostResolver()
{
    // A lookup still under way is dropped with the context: QHostInfo does not call a
    // destroyed receiver, and nothing waits for it once the engine is gone.
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

bool HostResolver::resolve(const QString &host, QObject *context, Callback callback)
{
    QMutexLocker locker(&m_mutex);
    if (const auto fixed = m_fixed.constFind(host); fixed != m_fixed.constEnd()) {
        Answer answer;
        answer.addresses = *fixed;
        answer.cached = true;
        locker.unlock();
        callback(answer);
        return true;
    }
    Entry &entry = m_entries[host];
    if (entry.done) {
        Answer answer = entry.answer;
        answer.cached = true;
        locker.unlock();
        callback(answer);
        return true;
    }
    entry.waiters.push_back({ context, std::move(callback) });
    if (entry.waiters.size() == 1) {
        ++m_lookups;
        QObject *const receiver = m_context;
        QMetaObject::invokeMethod(
            receiver,
            [this, host, receiver] {
                QHostInfo::lookupHost(
                    host, receiver, [this, host](const QHostInfo &info) { lookedUp(host, info); });
            },
            Qt::QueuedConnection);
    }
    return false;
}

void HostResolver::lookedUp(const QString &host, const QHostInfo &info)
{
    QMutexLocker locker(&m_mutex);
    const auto found = m_entries.find(host);
    if (found == m_entries.end())
        return; // cleared meanwhile, with nobody waiting
    Answer answer;
    if (info.error() == QHostInfo::NoError && !info.addresses().isEmpty()) {
        answer.addresses = info.addresses();
    } else {
        answer.errorString =
            info.errorString().isEmpty() ? tr("Host %1 not found").arg(host) : info.errorString();
    }
    std::vector<Waiter> waiters = std::move(found->waiters);
    if (answer.addresses.isEmpty()) {
        m_entries.erase(found); // a later request asks again
    } else {
        found->done = true;
        found->answer = answer;
        found->waiters.clear();
    }
    // Posted while the mutex is held: a waiter that cancels (in its destructor) cannot be
    // destroyed between being found here and its event being posted, and the events posted to
    // an object are dropped when it is destroyed.
    for (Waiter &waiter : waiters) {
        QMetaObject::invokeMethod(
            waiter.context, [callback = std::move(waiter.callback), answer] { callback(answer); },
            Qt::QueuedConnection);
    }
}

void HostResolver::cancel(const QObject *context)
{
    QMutexLocker locker(&m_mutex);
    for (Entry &entry : m_entries) {
        auto &waiters = entry.waiters;
        waiters.erase(std::remove_if(waiters.begin(), waiters.end(),
                                     [context](const Waiter &w) { return w.context == context; }),
                      waiters.end());
    }
}

void HostResolver::noteReachable(const QString &host, const QHostAddress &address)
{
    QMutexLocker locker(&m_mutex);
    const auto found = m_entries.find(host);
    if (found == m_entries.end() || !found->done)
        return;
    QList<QHostAddress> &addresses = found->answer.addresses;
    const qsizetype at = addresses.indexOf(address);
    if (at > 0)
        addresses.move(at, 0);
}

void HostResolver::clear()
{
    QMutexLocker locker(&m_mutex);
    for (auto entry = m_entries.begin(); entry != m_entries.end();) {
        if (entry->done)
            entry = m_entries.erase(entry);
        else
            ++entry;
    }
}

void HostResolver::setFixed(const QString &host, const QList<QHostAddress> &addresses)
{
    QMutexLocker locker(&m_mutex);
    m_fixed.insert(host, addresses);
}

void HostResolver::clearFixed()
{
    QMutexLocker locker(&m_mutex);
    m_fixed.clear();
}

int HostResolver::lookupCount() const
{
    QMutexLocker locker(&m_mutex);
    return m_lookups;
}

} // namespace Parafetch
