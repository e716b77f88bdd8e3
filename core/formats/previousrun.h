// SPDX-License-Identifier: GPL-3.0-or-later
// An earlier run's JSON export read for --if-changed: each URL's validators and saved file.
#pragma once

#include "fetchoptions.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

#include <optional>

namespace Parafetch {

struct ImportedRun;

class PreviousRun
{
    Q_DECLARE_TR_FUNCTIONS(PreviousRun)
public:
    struct Loaded
    {
        PreviousResults byUrl; // the successful results that carry a validator
        int withoutValidators = 0; // successful results without one: fetched in full
    };

    // The JSON export at path (format "parafetch-run"); nullopt with *error naming the path when
    // it cannot be read, is not JSON, is not our export (a CSV or HAR file says so) or holds a
    // malformed job.
    static std::optional<Loaded> read(const QString &path, QString *error);
    // From jobs already imported or still in a table: the results that succeeded or were
    // unchanged, by redactedUrl() of their URL.
    static Loaded fromJobs(const QList<Job> &jobs);
    // For the user when some results carry no validator: "3 URLs of PATH ...", empty for none.
    static QString noteFor(const Loaded &loaded, const QString &path);
};

} // namespace Parafetch
