// SPDX-License-Identifier: GPL-3.0-or-later
// Reads an earlier run's JSON export into the per-URL results that --if-changed asks against.
#include "formats/previousrun.h"

#include "formats/jsonformat.h"
#include "formats/runfile.h"
#include "redact.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>

namespace Parafetch {

std::optional<PreviousRun::Loaded> PreviousRun::read(const QString &path, QString *error)
{
    const QString shown = QDir::toNativeSeparators(path);
    const auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(tr("cannot read “%1”: %2").arg(shown, file.errorString()));
    const QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fail(tr("cannot read “%1”: %2").arg(shown, file.errorString()));
    // Only our JSON carries the validators; a CSV or HAR export, or any other file, is refused
    // by name rather than half used.
    QJsonObject root;
    QString problem;
    ImportedRun run;
    if (!ImportReading::parseObject(data, &root, &problem)
        || !JsonFormat::fromObject(root, &run, &problem))
        return fail(tr("“%1” is not a Parafetch JSON export (%2)").arg(shown, problem));
    return fromJobs(run.jobs);
}

PreviousRun::Loaded PreviousRun::fromJobs(const QList<Job> &jobs)
{
    Loaded loaded;
    for (const Job &job : jobs) {
        if (!job.isSuccess())
            continue; // a failed URL has no body to keep: fetched in full
        if (job.etag().isEmpty() && job.lastModified().isEmpty()) {
            ++loaded.withoutValidators;
            continue;
        }
        PreviousResult result;
        result.etag = job.etag();
        result.lastModified = job.lastModified();
        const QString url = redactedUrl(job.url);
        result.validatedUrl = job.finalUrl().isEmpty() ? url : redactedUrl(job.finalUrl());
        result.savedPath = job.savedPath();
        result.sha256 = job.sha256;
        result.size = job.bytesTotal;
        loaded.byUrl.insert(url, result);
    }
    return loaded;
}

QString PreviousRun::noteFor(const Loaded &loaded, const QString &path)
{
    if (loaded.withoutValidators == 0)
        return {};
    return tr("%n URL(s) of “%1” carry no ETag or Last-Modified: they are fetched in full", "",
              loaded.withoutValidators)
        .arg(QDir::toNativeSeparators(path));
}

} // namespace Parafetch
