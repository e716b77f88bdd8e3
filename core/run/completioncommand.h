// SPDX-License-Identifier: GPL-3.0-or-later
// --on-complete CMD: a command run for each URL that finishes, with what it needs to know in its
// environment. The command line is split into a program and its arguments once, by the user's
// own quoting (QProcess::splitCommand), and started without a shell: nothing a server sends can
// become part of a command. A script that wants a shell says so (`sh -c '…"$PARAFETCH_PATH"…'`)
// and reads the values from the environment, where they are only data.
#pragma once

#include <QList>
#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <deque>

namespace Parafetch {

struct Job;

class CompletionCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompletionCommand)
public:
    // At most this many commands run at once; later ones wait their turn, in finishing order.
    static int defaultParallel();

    // The program and its arguments of a command line, split by ShellWords::split(); false and
    // *error (naming --on-complete) when it is empty, has an unclosed quote, or names a program
    // that cannot be run.
    static bool parse(const QString &commandLine, QStringList *programAndArguments, QString *error);

    // The environment a command gets for a job, beside the process's own:
    //   PARAFETCH_URL          the URL as the table shows it (a password masked)
    //   PARAFETCH_STATUS       succeeded | failed (the export's state names)
    //   PARAFETCH_PATH         the saved file (absolute), empty when the body was not saved
    //   PARAFETCH_SHA256       lower-case hex of the body, empty if not computed
    //   PARAFETCH_HTTP_STATUS  the final HTTP status, 0 if there was no answer
    //   PARAFETCH_BYTES        body bytes received
    //   PARAFETCH_ERROR        the error kind (export names), empty on success
    static QProcessEnvironment environmentFor(const Job &job, const QProcessEnvironment &base);

    explicit CompletionCommand(QStringList programAndArguments, QObject *parent = nullptr);
    ~CompletionCommand() override;

    const QStringList &command() const { return m_command; }
    void setParallel(int parallel);
    // Runs the command for a finished job (succeeded or failed; a cancelled one is skipped).
    void jobFinished(const Job &job);

    bool isIdle() const { return m_waiting.empty() && m_running == 0; }
    int started() const { return m_started; }
    int failures() const { return m_failures; }

Q_SIGNALS:
    // A command could not start, crashed or exited non-zero; the message names the URL.
    void commandFailed(const QString &message);
    // Every command started so far has ended and none waits.
    void idle();

private:
    struct Pending
    {
        QProcessEnvironment environment;
        QString url; // as shown
    };
    void startNext();

    QStringList m_command;
    QProcessEnvironment m_base;
    std::deque<Pending> m_waiting;
    int m_parallel;
    int m_running = 0;
    int m_started = 0;
    int m_failures = 0;
};

} // namespace Parafetch
