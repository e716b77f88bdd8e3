// SPDX-License-Identifier: GPL-3.0-or-later
// The table of actions a fetch task can carry out.
#include "engine/fetchaction.h"

#include "engine/discardsink.h"
#include "engine/filesink.h"

#include <array>

namespace Parafetch {

namespace {

constexpr std::array<ActionTraits, 3> Actions { {
    { FetchAction::Fetch, "fetch", QNetworkAccessManager::GetOperation, true, false },
    { FetchAction::Check, "check", QNetworkAccessManager::HeadOperation, false, false },
    { FetchAction::Download, "download", QNetworkAccessManager::GetOperation, true, true },
} };

} // namespace

const ActionTraits &traitsOf(FetchAction action)
{
    const auto index = std::size_t(action);
    Q_ASSERT(index < Actions.size() && Actions[index].action == action);
    return Actions[index];
}

FetchAction actionFor(const FetchOptions &options)
{
    if (options.method == FetchOptions::Method::Head)
        return FetchAction::Check;
    return options.outputDirectory.isEmpty() ? FetchAction::Fetch : FetchAction::Download;
}

std::unique_ptr<BodySink> makeSink(FetchAction action,
                                   const std::shared_ptr<OutputDirectory> &directory,
                                   const QString &requestedName)
{
    if (traitsOf(action).savesBody && directory)
        return std::make_unique<FileSink>(directory, requestedName);
    return std::make_unique<DiscardSink>();
}

} // namespace Parafetch
