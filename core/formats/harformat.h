// SPDX-License-Identifier: GPL-3.0-or-later
// The HAR 1.2 (HTTP Archive) run file: the writer and the reader; the mapping is described in
// the .cpp.
#pragma once

#include "formats/runfile.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

QT_BEGIN_NAMESPACE
class QIODevice;
class QJsonObject;
QT_END_NAMESPACE

namespace Parafetch {

class HarFormat
{
    Q_DECLARE_TR_FUNCTIONS(HarFormat)
public:
    static constexpr QLatin1String Version { "1.2" };
    static constexpr QLatin1String CreatorName { "Parafetch" };
    // An import keeps at most this many problems (and one line saying how many more there were).
    static constexpr int MaxProblems = 100;

    static QByteArray toHar(const QList<Job> &jobs, const RunSummary &summary, const RunInfo &info);
    // Streams the export; false as soon as a write to the device fails.
    static bool write(QIODevice *device, const QList<Job> &jobs, const RunSummary &summary,
                      const RunInfo &info);

    // The import (see RunFile for the rules), from the file's bytes or its parsed top level.
    static bool fromHar(const QByteArray &data, ImportedRun *run, QString *error);
    static bool fromObject(const QJsonObject &root, ImportedRun *run, QString *error);
    // A parsed JSON document is HAR (a "log", and not our JSON's "format").
    static bool isHar(const QJsonObject &root);

    // Job::protocol ("h2") as a HAR httpVersion ("HTTP/2"), and back; text that is neither
    // passes through unchanged.
    static QByteArray httpVersion(const QByteArray &protocol);
    static QByteArray protocolFromHttpVersion(const QString &httpVersion);
};

} // namespace Parafetch
