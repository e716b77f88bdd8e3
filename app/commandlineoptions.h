// SPDX-License-Identifier: GPL-3.0-or-later
// The option table: every option of the command line, declared once for the parser and --help,
// the manual pages and the shell completions (app/docgen), so that none of them can drift.
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

namespace Parafetch {

// What a shell offers for an option's value.
struct ValueCompletion
{
    enum class Kind {
        None, // a value to type (a number, a rule, a URL): nothing to offer
        File, // a file; `choices` are the name endings offered (".json"), empty = any file
        Directory,
        Word, // one of `choices`
    };
    Kind kind = Kind::None;
    QStringList choices;
};

class CommandLineOptions final
{
public:
    struct Entry
    {
        const QCommandLineOption *option = nullptr;
        ValueCompletion value;
        bool repeatable = false; // read with values(): every occurrence counts
    };
    struct Example
    {
        QString command;
        QString what; // empty: the command says it
    };

    CommandLineOptions();
    Q_DISABLE_COPY_MOVE(CommandLineOptions)

    // The description, every option in --help's order and the positional argument.
    void addTo(QCommandLineParser *parser) const;
    // Every option in --help's order; hidden ones (QCommandLineOption::HiddenFromHelp) included.
    const QList<Entry> &entries() const { return m_entries; }

    static QString description();
    // The positional argument as --help shows it: name, description, syntax.
    static QString argumentsName();
    static QString argumentsDescription();
    static QString argumentsSyntax();
    static ValueCompletion argumentsCompletion();
    // The examples --help ends with, before the exit codes (HeadlessRunner::exitCodesHelp()).
    static QList<Example> examples();

    const QCommandLineOption help;
    const QCommandLineOption version;
    const QCommandLineOption headless;
    const QCommandLineOption jobs;
    const QCommandLineOption input;
    const QCommandLineOption exportTo;
    const QCommandLineOption timeline;
    const QCommandLineOption outputDir;
    const QCommandLineOption timeout;
    const QCommandLineOption idleTimeout;
    const QCommandLineOption retries;
    const QCommandLineOption retryDelay;
    const QCommandLineOption maxRedirects;
    const QCommandLineOption head;
    const QCommandLineOption header;
    const QCommandLineOption userAgent;
    const QCommandLineOption noHash;
    const QCommandLineOption noResume;
    const QCommandLineOption noProxy;
    const QCommandLineOption proxy;
    const QCommandLineOption quiet;
    const QCommandLineOption demo;
    const QCommandLineOption demoServer;
    const QCommandLineOption screenshot;
    const QCommandLineOption caFile;
    const QCommandLineOption perHost;
    const QCommandLineOption limitRate;
    const QCommandLineOption limitRatePerUrl;
    const QCommandLineOption checksums;
    const QCommandLineOption cookies;
    const QCommandLineOption onComplete;
    const QCommandLineOption ifChanged;
    const QCommandLineOption ifExists;
    const QCommandLineOption rate;
    const QCommandLineOption perHostInterval;
    const QCommandLineOption http11;
    const QCommandLineOption http2;
    const QCommandLineOption sweep;
    const QCommandLineOption sample;
    const QCommandLineOption compare;
    const QCommandLineOption whatIf;
    const QCommandLineOption failIf;
    const QCommandLineOption shard;
    const QCommandLineOption journal;
    const QCommandLineOption merge;
    const QCommandLineOption globOff;
    const QCommandLineOption globLimit;
    const QCommandLineOption screenshotSweep; // hidden: render the sweep dialog (the README)
    const QCommandLineOption port;

private:
    QList<Entry> m_entries;
};

} // namespace Parafetch
