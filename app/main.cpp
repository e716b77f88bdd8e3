// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch: the command line. Terminal modes (--headless, --demo-server, --sweep, --compare,
// --merge, --what-if, --help, --version) run here, on Qt Core and Network only; everything else
// is the window, which lives in parafetch-window beside this program and is started with exec:
// loading Qt Widgets, Gui and their libraries (X11, EGL, fonts…) took ≈ 4 ms of every headless
// start.
#include "appsupport.h"
#include "commandline.h"
#include "headlessrunner.h"
#include "whatifcommand.h"

#include <QCoreApplication>
#include <QNetworkProxyFactory>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool Sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif
#else
constexpr bool Sanitized = false;
#endif

// A headless run has written all it promised by now: the summary on stdout, the export through
// QSaveFile. Tearing the engine down joins one Qt HTTP thread per six workers, one after the
// other (about 25 ms at 128 workers) for nothing a script can see: the kernel closes the
// sockets, as compilers leave their memory to it (clang's -disable-free). Sanitizer builds
// tear down fully, so that the sanitizers keep checking the whole path.
int finishHeadless(int exitCode)
{
    if (Sanitized)
        return exitCode;
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(exitCode);
}

// A standard stream that was closed (`<&-`) would be taken by the next descriptor opened (the
// signal socket pair, a download) and read or written as if it were that stream: `-i -` would
// wait on the signal socket. Each closed one gets /dev/null; open() takes the lowest free number.
void openClosedStandardStreams()
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (opened >= 0 && opened != fd)
            ::close(opened);
    }
}

// Replaces this process with parafetch-window from the same directory, with the same arguments.
int execWindow(char *argv[])
{
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
    std::string path = length > 0 ? std::string(self, std::size_t(length)) : std::string(argv[0]);
    const std::size_t slash = path.rfind('/');
    path = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1))
        + "parafetch-window";
    ::execv(path.c_str(), argv);
    std::fprintf(stderr, "parafetch: cannot start the window (%s): %s\n", path.c_str(),
                 std::strerror(errno));
    return Parafetch::HeadlessRunner::BadInput;
}

} // namespace

int main(int argc, char *argv[])
{
    openClosedStandardStreams();
    QCoreApplication app(argc, argv);
    Parafetch::setApplicationNames();
    Parafetch::CommandLine line;
    int exitCode = 0;
    // Parsed here even for the window: a mistyped option is a usage error whether or not there
    // is a display, and is told without loading the window's libraries.
    if (!Parafetch::CommandLine::parse(app, &line, &exitCode))
        return exitCode;
    if (line.mode == Parafetch::CommandLine::Mode::Window) {
        if (!Parafetch::displayAvailable()) {
            std::fputs(qUtf8Printable(Parafetch::noDisplayMessage()), stderr);
            return Parafetch::HeadlessRunner::BadInput;
        }
        return execWindow(argv);
    }
    QNetworkProxyFactory::setUseSystemConfiguration(line.useSystemProxy);

    if (line.mode == Parafetch::CommandLine::Mode::DemoServer) {
        Parafetch::installSignalHandlers(app, {});
        return Parafetch::runDemoServer(line);
    }
    if (line.mode == Parafetch::CommandLine::Mode::Compare)
        return Parafetch::runCompare(line);
    if (line.mode == Parafetch::CommandLine::Mode::Merge)
        return Parafetch::runMerge(line);
    if (line.mode == Parafetch::CommandLine::Mode::WhatIf)
        return Parafetch::runWhatIf(line);

    Parafetch::HeadlessRunner runner(line);
    // Every signal goes to the runner: it tells a repeat of the same request from "quit now".
    const auto interrupt = [&runner](int signalNumber) { runner.interrupt(signalNumber); };
    Parafetch::installSignalHandlers(app, interrupt, interrupt);
    QObject::connect(&runner, &Parafetch::HeadlessRunner::finished, &app, &QCoreApplication::exit);
    if (!runner.start())
        return Parafetch::HeadlessRunner::BadInput;
    return finishHeadless(QCoreApplication::exec());
}
