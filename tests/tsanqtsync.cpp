// SPDX-License-Identifier: GPL-3.0-or-later
// Tells ThreadSanitizer about the synchronisation inside Debian's uninstrumented Qt (tsan preset).
//
// Preloaded (LD_PRELOAD, set by tests/CMakeLists.txt for the tsan build only) into the engine
// tests and the processes they start. It wraps the Qt functions our inline Qt code calls where
// the hand-over happens inside Qt, where TSan cannot see it, and adds the acquire/release that
// Qt's own futexes and queues perform:
// - QMutex: lock() and unlock() are inline atomics (TSan sees them) until the mutex is contended;
//   then QBasicMutex::lockInternal/unlockInternal take over with a futex.
// - QSemaphore: futexes only.
// - QMetaObject::invokeMethod with a queued or blocking-queued functor: Qt posts an event under
//   its own mutex; the functor runs in the receiver's thread.
// - QThread::wait(): Qt's threads are detached and wait() returns at once for a finished thread,
//   so TSan never sees the end of the thread before what follows the wait.
// - QWaitCondition::wait(): Qt unlocks the mutex while it waits and locks it again before it
//   returns, inside the library; QMutex's inline lock and unlock tell TSan of every other
//   lock and unlock (Qt's qtsan_impl.h), so without this TSan takes the mutex for held.
// - QThreadPool: start() hands a runnable to a pool thread, and waitForDone() returns after every
//   runnable has run, both through the pool's own mutex and wait condition.
// Nothing here hides a report: it only adds the happens-before edges that Qt really provides.
// Compiled without -fsanitize=thread (the TSan functions are weak), so that a process without
// TSan loads it harmlessly.

#include <QMetaObject>
#include <QMutex>
#include <QRunnable>
#include <QSemaphore>
#include <QThread>
#include <QThreadPool>
#include <QWaitCondition>

#include <dlfcn.h>

#include <functional>

extern "C" {
// From the TSan runtime, when the process has one.
void __tsan_acquire(void *address) __attribute__((weak));
void __tsan_release(void *address) __attribute__((weak));
void __tsan_mutex_pre_lock(void *address, unsigned flags) __attribute__((weak));
void __tsan_mutex_post_lock(void *address, unsigned flags, int recursion) __attribute__((weak));
void __tsan_mutex_pre_unlock(void *address, unsigned flags) __attribute__((weak));
int __tsan_mutex_post_unlock(void *address, unsigned flags) __attribute__((weak));
}

namespace {

void acquire(const void *address)
{
    if (__tsan_acquire)
        __tsan_acquire(const_cast<void *>(address));
}

void release(const void *address)
{
    if (__tsan_release)
        __tsan_release(const_cast<void *>(address));
}

// An acquire after a successful try: passes the result on.
bool acquiredIf(bool success, const void *address)
{
    if (success)
        acquire(address);
    return success;
}

// The Qt function this file hides, by its mangled name.
template<typename Function> Function real(const char *mangled)
{
    void *symbol = dlvsym(RTLD_NEXT, mangled, "Qt_6");
    if (!symbol)
        symbol = dlsym(RTLD_NEXT, mangled);
    return reinterpret_cast<Function>(symbol);
}

// Runs a queued functor in the receiver's thread after an acquire that pairs with the release
// made where it was posted (and, for a blocking call, releases for the waiting caller).
class AnnotatedSlot final : public QtPrivate::QSlotObjectBase
{
public:
    // callerWaits: an address in the frame of a caller blocked until the call is over, or null.
    AnnotatedSlot(QtPrivate::QSlotObjectBase *inner, const void *callerWaits)
        : QSlotObjectBase(&AnnotatedSlot::impl)
        , m_inner(inner)
        , m_callerWaits(callerWaits)
    { }

private:
    static void impl(int which, QSlotObjectBase *base, QObject *receiver, void **arguments,
                     bool *result)
    {
        auto *self = static_cast<AnnotatedSlot *>(base);
        switch (which) {
        case Call:
            acquire(self->m_inner);
            self->m_inner->call(receiver, arguments);
            release(self->m_inner); // for Destroy, which may run in another thread
            if (self->m_callerWaits)
                release(self->m_callerWaits);
            break;
        case Destroy:
            acquire(self->m_inner); // also when the event is dropped without a call
            self->m_inner->destroyIfLastRef();
            delete self;
            break;
        case Compare:
            *result = false;
            break;
        default:
            break;
        }
    }

    QtPrivate::QSlotObjectBase *const m_inner;
    const void *const m_callerWaits;
};

} // namespace

void QBasicMutex::lockInternal() QT_MUTEX_LOCK_NOEXCEPT
{
    static const auto function = real<void (*)(QBasicMutex *)>("_ZN11QBasicMutex12lockInternalEv");
    function(this);
    acquire(this); // the inline fast path's atomics work on d_ptr, at this same address
}

bool QBasicMutex::lockInternal(int timeout) QT_MUTEX_LOCK_NOEXCEPT
{
    static const auto function =
        real<bool (*)(QBasicMutex *, int)>("_ZN11QBasicMutex12lockInternalEi");
    return acquiredIf(function(this, timeout), this);
}

void QBasicMutex::unlockInternal() noexcept
{
    static const auto function =
        real<void (*)(QBasicMutex *)>("_ZN11QBasicMutex14unlockInternalEv");
    release(this);
    function(this);
}

void QSemaphore::acquire(int n)
{
    static const auto function = real<void (*)(QSemaphore *, int)>("_ZN10QSemaphore7acquireEi");
    function(this, n);
    ::acquire(this);
}

bool QSemaphore::tryAcquire(int n)
{
    static const auto function = real<bool (*)(QSemaphore *, int)>("_ZN10QSemaphore10tryAcquireEi");
    return acquiredIf(function(this, n), this);
}

bool QSemaphore::tryAcquire(int n, int timeout)
{
    static const auto function =
        real<bool (*)(QSemaphore *, int, int)>("_ZN10QSemaphore10tryAcquireEii");
    return acquiredIf(function(this, n, timeout), this);
}

void QSemaphore::release(int n)
{
    static const auto function = real<void (*)(QSemaphore *, int)>("_ZN10QSemaphore7releaseEi");
    ::release(this);
    function(this, n);
}

bool QMetaObject::invokeMethodImpl(QObject *object, QtPrivate::QSlotObjectBase *slot,
                                   Qt::ConnectionType type, void *result)
{
    static const auto function =
        real<bool (*)(QObject *, QtPrivate::QSlotObjectBase *, Qt::ConnectionType, void *)>(
            "_ZN11QMetaObject16invokeMethodImplEP7QObjectPN9QtPrivate15QSlotObjectBaseEN2Qt"
            "14ConnectionTypeEPv");
    if (!slot || type == Qt::DirectConnection)
        return function(object, slot, type, result);
    const bool blocking = type == Qt::BlockingQueuedConnection;
    const char callerWaits = 0; // the functor may be gone when we wake: sync on our own frame
    auto *annotated = new AnnotatedSlot(slot, blocking ? &callerWaits : nullptr);
    release(slot);
    const bool invoked = function(object, annotated, type, result);
    if (blocking)
        acquire(&callerWaits); // the call has run: what it did happens before we go on
    return invoked;
}

void QThread::start(Priority priority)
{
    static const auto function =
        real<void (*)(QThread *, Priority)>("_ZN7QThread5startENS_8PriorityE");
    // finished() is emitted in the thread itself just before wait() would return.
    QObject::connect(
        this, &QThread::finished, this, [this] { release(this); }, Qt::DirectConnection);
    function(this, priority);
}

bool QThread::wait(QDeadlineTimer deadline)
{
    static const auto function =
        real<bool (*)(QThread *, QDeadlineTimer)>("_ZN7QThread4waitE14QDeadlineTimer");
    return acquiredIf(function(this, deadline), this); // true: the thread has finished
}

void QThreadPool::start(QRunnable *runnable, int priority)
{
    static const auto function =
        real<void (*)(QThreadPool *, QRunnable *, int)>("_ZN11QThreadPool5startEP9QRunnablei");
    if (!runnable)
        return function(this, runnable, priority);
    // Run through a wrapper that acquires what start() released, and releases for
    // waitForDone() once the runnable is over (and deleted, if the pool owns it).
    release(runnable);
    QThreadPool *const pool = this;
    QRunnable *const wrapper = QRunnable::create([runnable, pool] {
        acquire(runnable);
        const bool autoDelete = runnable->autoDelete();
        runnable->run();
        if (autoDelete)
            delete runnable;
        release(pool);
    });
    function(this, wrapper, priority);
}

// The functor overload (Qt calls its own QRunnable overload inside the library, where the wrapper
// above does not see it): the functor, made in this thread, runs in a pool thread.
void QThreadPool::start(std::function<void()> functionToRun, int priority)
{
    static const auto function = real<void (*)(QThreadPool *, std::function<void()>, int)>(
        "_ZN11QThreadPool5startESt8functionIFvvEEi");
    if (!functionToRun)
        return function(this, std::move(functionToRun), priority);
    auto *const inner = new std::function<void()>(std::move(functionToRun));
    release(inner);
    QThreadPool *const pool = this;
    function(
        this,
        [inner, pool] {
            acquire(inner);
            (*inner)();
            delete inner;
            release(pool);
        },
        priority);
}

bool QThreadPool::waitForDone(int msecs)
{
    static const auto function =
        real<bool (*)(QThreadPool *, int)>("_ZN11QThreadPool11waitForDoneEi");
    return acquiredIf(function(this, msecs), this); // true: every runnable has run
}

bool QWaitCondition::wait(QMutex *lockedMutex, QDeadlineTimer deadline)
{
    static const auto function = real<bool (*)(QWaitCondition *, QMutex *, QDeadlineTimer)>(
        "_ZN14QWaitCondition4waitEP6QMutex14QDeadlineTimer");
    if (__tsan_mutex_pre_unlock) {
        __tsan_mutex_pre_unlock(lockedMutex, 0);
        __tsan_mutex_post_unlock(lockedMutex, 0);
    }
    const bool woken = function(this, lockedMutex, deadline);
    if (__tsan_mutex_pre_lock) {
        __tsan_mutex_pre_lock(lockedMutex, 0);
        __tsan_mutex_post_lock(lockedMutex, 0, 0);
    }
    return woken;
}
