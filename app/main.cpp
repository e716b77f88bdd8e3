// Parafetch's entry point: parses the command line and wires the chosen front end to the core.
#include "commandline.h"
#include "headlessrunner.h"

#include <QCoreApplication>
#include <QNetworkProxyFactory>
#include <QSocketNotifier>

#include <csignal>
#include <functional>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// Signals become events: the handler only writes the signal number to a socket pair, and the
// event loop does the rest. The first SIGINT/SIGTERM cancels the run cleanly (the summary and
// the export are still written, and no .part file is left under a final name); a second one
// quits at once, still through the engine's orderly shutdown.
int signalPipe[2] = { -1, -1 };

void onSignal(int signalNumber)
{
    const char byte = char(signalNumber);
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

void installSignalHandlers(QCoreApplication &app, const std::function<void(int)> &onFirstSignal)
{
    constexpr int SignalExitBase = 128;
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [onFirstSignal] {
        static int received = 0;
        char byte = 0;
        if (::read(signalPipe[0], &byte, 1) != 1)
            return;
        if (++received == 1 && onFirstSignal)
            onFirstSignal(byte);
        else
            QCoreApplication::exit(SignalExitBase + byte);
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parafetch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PARAFETCH_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("Parafetch"));

    Parafetch::CommandLine line;
    int exitCode = 0;
    if (!Parafetch::CommandLine::parse(app, &line, &exitCode))
        return exitCode;
    QNetworkProxyFactory::setUseSystemConfiguration(line.useSystemProxy);

    if (line.mode == Parafetch::CommandLine::Mode::DemoServer) {
        installSignalHandlers(app, {});
        return Parafetch::runDemoServer(line);
    }

    Parafetch::HeadlessRunner runner(line);
    installSignalHandlers(app, [&runner](int signalNumber) { runner.interrupt(signalNumber); });
    QObject::connect(&runner, &Parafetch::HeadlessRunner::finished, &app, &QCoreApplication::exit);
    if (!runner.start())
        return Parafetch::HeadlessRunner::BadInput;
    return QCoreApplication::exec();
}
