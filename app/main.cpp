// Parafetch's entry point: parses the command line and wires the chosen front end to the core.
#include "commandline.h"
#include "headlessrunner.h"

#include <QCoreApplication>
#include <QNetworkProxyFactory>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// Turns SIGINT/SIGTERM into a quit of the event loop, so a run can end cleanly: the engine's
// destructor then cancels and waits, and no .part file is left under a final name.
int signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

void installSignalHandlers(QCoreApplication &app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier] {
        notifier->setEnabled(false);
        QCoreApplication::exit(130);
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
    installSignalHandlers(app);

    if (line.mode == Parafetch::CommandLine::Mode::DemoServer)
        return Parafetch::runDemoServer(line);

    Parafetch::HeadlessRunner runner(line);
    QObject::connect(&runner, &Parafetch::HeadlessRunner::finished, &app, &QCoreApplication::exit);
    if (!runner.start())
        return Parafetch::HeadlessRunner::BadInput;
    return QCoreApplication::exec();
}
