// SPDX-License-Identifier: GPL-3.0-or-later
// What a task does with its URL (the seed's action_type): the table of actions, in one place.
#pragma once

#include "fetchoptions.h"

#include <QNetworkAccessManager>
#include <QString>

#include <memory>

namespace Parafetch {

class BodySink;
class OutputDirectory;

// Every task is one URL and one action. The engine picks the action from the run's options
// (actionFor()); the task asks the table what to send and what to do with the body. Adding an
// action is adding an enumerator and its row in fetchaction.cpp: nothing else branches on it.
enum class FetchAction : quint8 {
    Fetch, // GET; the body is read, counted and hashed, then dropped
    Check, // HEAD: status and headers only
    Download, // GET into a file of the output directory (NAME.part, renamed when whole)
};

struct ActionTraits
{
    FetchAction action;
    const char *name; // lower case, as logs and tests say it
    QNetworkAccessManager::Operation operation; // GetOperation or HeadOperation
    bool readsBody; // a body is expected, read to its end, hashed when hashing is on
    bool savesBody; // the body goes into the output directory
};

const ActionTraits &traitsOf(FetchAction action);
// The action every URL of a run with these options gets.
FetchAction actionFor(const FetchOptions &options);
// The sink a task of this action writes its body to; directory is null unless the action saves.
std::unique_ptr<BodySink> makeSink(FetchAction action,
                                   const std::shared_ptr<OutputDirectory> &directory,
                                   const QString &requestedName);

} // namespace Parafetch
