// SPDX-License-Identifier: GPL-3.0-or-later
// What both executables share: application names and signals turned into events.
#include "appsupport.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace Parafetch {

namespace {

int signalPipe[2] = { -1, -1 };

void onSignal(int signalNumber)
{
    const char byte = char(signalNumber);
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

} // namespace

void installSignalHandlers(QCoreApplication &app, const std::function<void(int)> &onFirstSignal,
                           const std::function<void(int)> &onRepeatedSignal)
{
    constexpr int SignalExitBase = 128;
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
    const auto onReadable = [onFirstSignal, onRepeatedSignal] {
        static int received = 0;
        char byte = 0;
        if (::read(signalPipe[0], &byte, 1) != 1)
            return;
        if (++received == 1 && onFirstSignal)
            onFirstSignal(byte);
        else if (received > 1 && onRepeatedSignal)
            onRepeatedSignal(byte);
        else
            QCoreApplication::exit(SignalExitBase + byte);
    };
    QObject::connect(notifier, &QSocketNotifier::activated, &app, onReadable);
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

bool displayAvailable()
{
    for (const char *name : { "QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY" }) {
        if (!qEnvironmentVariableIsEmpty(name))
            return true;
    }
    return false;
}

QString noDisplayMessage()
{
    return QCoreApplication::translate(
        "CommandLine",
        "parafetch: no display for the window: use --headless to run in the terminal, or set "
        "DISPLAY (or WAYLAND_DISPLAY, or QT_QPA_PLATFORM=offscreen)\n");
}

void setApplicationNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("parafetch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PARAFETCH_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("Parafetch"));
}

} // namespace Parafetch
