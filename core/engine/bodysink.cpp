// SPDX-License-Identifier: GPL-3.0-or-later
// The sink interface's defaults: a sink that keeps nothing cannot resume.
#include "engine/bodysink.h"

#include <QCoreApplication>

namespace Parafetch {

BodySink::~BodySink() = default;

bool BodySink::resume(QString *error)
{
    if (error)
        *error = QCoreApplication::translate("BodySink", "nothing was kept to resume");
    return false;
}

bool BodySink::readPartial(const std::function<void(QByteArrayView)> &, QString *error)
{
    return resume(error);
}

} // namespace Parafetch
