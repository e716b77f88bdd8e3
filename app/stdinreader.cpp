// SPDX-License-Identifier: GPL-3.0-or-later
// Standard input read on a thread, through a device that waits in poll() and can be stopped.
#include "stdinreader.h"

#include "urllistparser.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QIODevice>
#include <QThread>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace Parafetch {

// Reads without blocking and waits in poll() on standard input and a wake-up pipe. Standard
// input stays as it is (no O_NONBLOCK): that flag belongs to the open file, which the shell and
// other processes share, and a terminal left non-blocking breaks the shell after we exit. A
// read() right after poll() reported data does not block, as this thread is its only reader.
class StdinReader::Device final : public QIODevice
{
public:
    explicit Device(int silenceLimitMs)
        : m_silenceLimitMs(silenceLimitMs)
    {
        if (::pipe2(m_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
            fail(errno);
            m_wake[0] = m_wake[1] = -1;
        }
    }

    ~Device() override
    {
        for (int fd : m_wake) {
            if (fd >= 0)
                ::close(fd);
        }
    }

    Q_DISABLE_COPY_MOVE(Device)

    bool canStart() const { return m_outcome == Outcome::Reading; }
    Outcome outcome() const { return m_outcome; }

    void stop()
    {
        m_stopRequested.store(true, std::memory_order_release);
        const char byte = 0;
        if (m_wake[1] >= 0) {
            [[maybe_unused]] const auto written = ::write(m_wake[1], &byte, 1);
        }
    }

    bool isSequential() const override { return true; }
    // Only the end of the input is the end: "nothing yet" makes the parser wait for more.
    bool atEnd() const override { return m_outcome != Outcome::Reading; }

    // The parser passes its own limit for devices in general; standard input keeps the limit it
    // was given (the same 30 s by default; tests shorten it), and tells a silent pipe from an
    // ended one through outcome().
    bool waitForReadyRead(int /*msecs*/) override
    {
        if (m_outcome != Outcome::Reading)
            return false;
        const QDeadlineTimer deadline(m_silenceLimitMs);
        for (;;) {
            pollfd fds[] = { { STDIN_FILENO, POLLIN, 0 }, { m_wake[0], POLLIN, 0 } };
            const int ready = ::poll(fds, 2, int(deadline.remainingTime()));
            if (ready < 0 && errno == EINTR) // a signal handled on this thread
                continue;
            if (ready < 0) {
                fail(errno);
                return false;
            }
            if (fds[1].revents != 0 || m_stopRequested.load(std::memory_order_acquire)) {
                m_outcome = Outcome::Stopped;
                return false;
            }
            if (ready == 0) {
                m_outcome = Outcome::Silent;
                return false;
            }
            return true;
        }
    }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        // Checked here too: a writer that never pauses never makes the parser wait.
        if (m_stopRequested.load(std::memory_order_acquire)) {
            m_outcome = Outcome::Stopped;
            return -1;
        }
        pollfd input = { STDIN_FILENO, POLLIN, 0 };
        int ready = 0;
        do {
            ready = ::poll(&input, 1, 0);
        } while (ready < 0 && errno == EINTR);
        if (ready == 0)
            return 0;
        ssize_t count = -1;
        if (ready > 0) {
            do {
                count = ::read(STDIN_FILENO, data, std::size_t(maxSize));
            } while (count < 0 && errno == EINTR);
        }
        if (count > 0)
            return count;
        if (count == 0) {
            m_outcome = Outcome::Complete;
            return 0;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        fail(errno);
        return -1;
    }

    qint64 writeData(const char *, qint64) override { return -1; }

private:
    void fail(int error)
    {
        m_outcome = Outcome::Failed;
        setErrorString(qt_error_string(error));
    }

    const int m_silenceLimitMs;
    int m_wake[2] = { -1, -1 };
    std::atomic<bool> m_stopRequested { false };
    Outcome m_outcome = Outcome::Reading; // written by the reading thread until it ends
};

StdinReader::StdinReader(int silenceLimitMs, QObject *parent)
    : QObject(parent)
    , m_device(std::make_unique<Device>(silenceLimitMs))
{ }

StdinReader::~StdinReader()
{
    stop();
    if (m_thread)
        m_thread->wait();
}

void StdinReader::start(UrlListParser *parser)
{
    if (m_device->canStart())
        m_device->open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    m_thread.reset(QThread::create([this, parser] {
        if (m_device->isOpen())
            parser->addDevice(m_device.get());
    }));
    m_thread->setObjectName(QStringLiteral("stdin reader"));
    connect(m_thread.get(), &QThread::finished, this, [this] {
        m_thread->wait(); // the thread's writes are visible from here on
        emit finished();
    });
    m_thread->start();
}

void StdinReader::stop()
{
    m_device->stop();
}

StdinReader::Outcome StdinReader::outcome() const
{
    return m_device->outcome() == Outcome::Reading ? Outcome::Failed : m_device->outcome();
}

QString StdinReader::errorString() const
{
    return m_device->errorString();
}

} // namespace Parafetch
