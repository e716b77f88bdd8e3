// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/completioncommand.h"

#include "job.h"
#include "redact.h"
#include "shellwords.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>

#include <algorithm>
#include <utility>

#include <unistd.h>

namespace Parafetch {

int CompletionCommand::defaultParallel()
{
    return std::max(1, QThread::idealThreadCount());
}

bool CompletionCommand::parse(const QString &commandLine, QStringList *programAndArguments,
                              QString *error)
{
    const QString trimmed = commandLine.trimmed();
    if (trimmed.isEmpty()) {
        *error = tr("--on-complete needs a command");
        return false;
    }
    QStringList parts;
    if (!ShellWords::split(trimmed, &parts)) {
        *error = tr("--on-complete: the command \"%1\" has an unclosed quote").arg(trimmed);
        return false;
    }
    if (parts.isEmpty()) {
        *error = tr("--on-complete needs a command");
        return false;
    }
    const QString &program = parts.constFirst();
    const QString found =
        program.contains(u'/') ? program : QStandardPaths::findExecutable(program);
    // access(): what exec() will say, for root too (QFileInfo reads the owner's bits).
    if (found.isEmpty() || !QFileInfo(found).isFile()
        || ::access(QFile::encodeName(found).constData(), X_OK) != 0) {
        *error = program.contains(u'/')
            ? tr("--on-complete: %1 is not a program that can be run").arg(program)
            : tr("--on-complete: no program named %1 was found on PATH").arg(program);
        return false;
    }
    *programAndArguments = std::move(parts);
    return true;
}

QProcessEnvironment CompletionCommand::environmentFor(const Job &job,
                                                      const QProcessEnvironment &base)
{
    QProcessEnvironment environment = base;
    environment.insert(QStringLiteral("PARAFETCH_URL"), redactedUrl(job.url));
    environment.insert(QStringLiteral("PARAFETCH_STATUS"), stateName(job.state));
    environment.insert(QStringLiteral("PARAFETCH_PATH"),
                       job.savedPath().isEmpty() ? QString()
                                                 : QFileInfo(job.savedPath()).absoluteFilePath());
    environment.insert(QStringLiteral("PARAFETCH_SHA256"), QString::fromLatin1(job.sha256.toHex()));
    environment.insert(QStringLiteral("PARAFETCH_HTTP_STATUS"), QString::number(job.httpStatus));
    environment.insert(QStringLiteral("PARAFETCH_BYTES"), QString::number(job.bytesReceived));
    environment.insert(QStringLiteral("PARAFETCH_ERROR"),
                       job.state == JobState::Succeeded ? QString() : errorKindName(job.errorKind));
    return environment;
}

CompletionCommand::CompletionCommand(QStringList programAndArguments, QObject *parent)
    : QObject(parent)
    , m_command(std::move(programAndArguments))
    , m_base(QProcessEnvironment::systemEnvironment())
    , m_parallel(defaultParallel())
{ }

CompletionCommand::~CompletionCommand() = default; // running commands are QProcess children

void CompletionCommand::setParallel(int parallel)
{
    m_parallel = std::max(1, parallel);
    startNext();
}

void CompletionCommand::jobFinished(const Job &job)
{
    if (job.state != JobState::Succeeded && job.state != JobState::Failed)
        return;
    m_waiting.push_back({ environmentFor(job, m_base), redactedUrl(job.url) });
    startNext();
}

void CompletionCommand::startNext()
{
    while (m_running < m_parallel && !m_waiting.empty()) {
        Pending next = std::move(m_waiting.front());
        m_waiting.pop_front();
        auto *process = new QProcess(this);
        process->setProgram(m_command.constFirst());
        process->setArguments(m_command.mid(1));
        process->setProcessEnvironment(next.environment);
        process->setStandardInputFile(QProcess::nullDevice());
        process->setProcessChannelMode(QProcess::ForwardedChannels);
        ++m_running;
        ++m_started;
        const QString url = next.url;
        // Exactly one of the two ends a process: errorOccurred(FailedToStart), or finished().
        connect(process, &QProcess::errorOccurred, this,
                [this, process, url](QProcess::ProcessError error) {
                    if (error != QProcess::FailedToStart)
                        return; // finished() follows
                    ++m_failures;
                    emit commandFailed(
                        tr("--on-complete: %1 could not be started for %2: %3")
                            .arg(m_command.constFirst(), url, process->errorString()));
                    process->deleteLater();
                    --m_running;
                    startNext();
                });
        connect(
            process, &QProcess::finished, this,
            [this, process, url](int exitCode, QProcess::ExitStatus status) {
                if (status == QProcess::CrashExit) {
                    ++m_failures;
                    emit commandFailed(
                        tr("--on-complete: %1 crashed for %2").arg(m_command.constFirst(), url));
                } else if (exitCode != 0) {
                    ++m_failures;
                    emit commandFailed(tr("--on-complete: %1 exited with %2 for %3")
                                           .arg(m_command.constFirst())
                                           .arg(exitCode)
                                           .arg(url));
                }
                process->deleteLater();
                --m_running;
                startNext();
            });
        process->start();
    }
    if (isIdle())
        emit idle();
}

} // namespace Parafetch
