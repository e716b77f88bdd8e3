// SPDX-License-Identifier: GPL-3.0-or-later
// Reads a URL list from standard input on a thread, so that a silent pipe never blocks the loop.
#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace Parafetch {

class UrlListParser;

// The parser reads standard input as it reads a file (UrlListParser::addDevice: the same
// decoding, the same lines), but on a thread of its own, from a device that waits in poll():
// for data, for the end of the input, for stop(), or until the input has been silent for the
// limit. The caller's event loop goes on meanwhile, so signals and timers are served.
class StdinReader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StdinReader)
public:
    enum class Outcome {
        Reading,
        Complete, // the input ended (end of file: the pipe's writer closed it)
        Silent, // nothing arrived for the silence limit; what came before is in the parser
        Stopped, // stop() was called
        Failed, // a read failed: errorString()
    };

    explicit StdinReader(int silenceLimitMs, QObject *parent = nullptr);
    ~StdinReader() override; // stops the read and waits for the thread

    // Feeds standard input to parser on the thread; finished() follows the outcome. The
    // parser must not be touched until then.
    void start(UrlListParser *parser);
    // From the caller's thread: the read ends at its next wait or read, with Stopped.
    void stop();

    Outcome outcome() const; // valid after finished()
    QString errorString() const;

Q_SIGNALS:
    void finished();

private:
    class Device;

    std::unique_ptr<Device> m_device;
    std::unique_ptr<QThread> m_thread;
};

} // namespace Parafetch
