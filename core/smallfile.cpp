// SPDX-License-Identifier: GPL-3.0-or-later
#include "smallfile.h"

#include <QCoreApplication>
#include <QFile>

namespace Parafetch::SmallFile {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Parafetch::SmallFile", text);
}

} // namespace

std::optional<QByteArray> read(const QString &path, qint64 maxBytes, const QString &what,
                               QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (file.size() > maxBytes) {
        if (error)
            *error = tr("%1 is larger than %2 can be").arg(path, what);
        return std::nullopt;
    }
    return file.readAll();
}

QString problemIn(const QString &path, const QString &problem)
{
    return tr("%1: %2").arg(path, problem);
}

} // namespace Parafetch::SmallFile
