// SPDX-License-Identifier: GPL-3.0-or-later
// parafetch-docgen: writes the manual pages and shell completions from the option table at
// build time (cmake/Packaging.cmake runs it); not installed.
#include "appsupport.h"
#include "commandlineoptions.h"
#include "manpage.h"
#include "shellcompletion.h"

#include <QCoreApplication>
#include <QSaveFile>

#include <cstdio>

namespace {

constexpr int Failed = 1;
constexpr int UsageError = 2;

int usage()
{
    std::fputs("usage: parafetch-docgen man parafetch|parafetch-window DATE SUMMARY OUTPUT\n"
               "       parafetch-docgen bash|zsh OUTPUT\n",
               stderr);
    return UsageError;
}

int save(const QString &path, const QString &text)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit()) {
        std::fprintf(stderr, "parafetch-docgen: cannot write %s: %s\n", qUtf8Printable(path),
                     qUtf8Printable(file.errorString()));
        return Failed;
    }
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Parafetch::setApplicationNames();
    const QStringList arguments = QCoreApplication::arguments().mid(1);
    const Parafetch::CommandLineOptions options;
    const QString what = arguments.value(0);

    if (what == QLatin1String("man") && arguments.size() == 5) {
        Parafetch::ManPage::Page page;
        if (arguments.at(1) == QLatin1String("parafetch-window"))
            page.program = Parafetch::ManPage::Program::Window;
        else if (arguments.at(1) != QLatin1String("parafetch"))
            return usage();
        page.date = arguments.at(2);
        page.summary = arguments.at(3);
        QString error;
        const QString roff = Parafetch::ManPage::write(options, page, &error);
        if (roff.isEmpty()) {
            std::fprintf(stderr, "parafetch-docgen: %s\n", qUtf8Printable(error));
            return Failed;
        }
        return save(arguments.at(4), roff);
    }
    if (what == QLatin1String("bash") && arguments.size() == 2)
        return save(arguments.at(1), Parafetch::ShellCompletion::bash(options));
    if (what == QLatin1String("zsh") && arguments.size() == 2)
        return save(arguments.at(1), Parafetch::ShellCompletion::zsh(options));
    return usage();
}
