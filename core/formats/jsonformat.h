// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON run file (format "parafetch-run"): the writer and the reader.
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

class JsonFormat
{
    Q_DECLARE_TR_FUNCTIONS(JsonFormat)
public:
    static QByteArray toJson(const QList<Job> &jobs, const RunSummary &summary,
                             const RunInfo &info);
    // Streams the export; false as soon as a write to the device fails.
    static bool write(QIODevice *device, const QList<Job> &jobs, const RunSummary &summary,
                      const RunInfo &info);

    // The import (see RunFile for the rules), from the file's bytes or its parsed top level.
    static bool fromJson(const QByteArray &data, ImportedRun *run, QString *error);
    static bool fromObject(const QJsonObject &root, ImportedRun *run, QString *error);
};

} // namespace Parafetch
