// SPDX-License-Identifier: GPL-3.0-or-later
// The fixed list of URLs the demo run fetches from the loopback server.
#pragma once

#include <QStringList>
#include <QUrl>

namespace Parafetch {

// About 60 paths ("/delay/120/bytes/4096", ...), always the same, in the order a demo shows them:
// mostly small delayed downloads, a few large ones, some errors, a redirect, a slow drip and a
// flaky URL that fails once.
QStringList demoPaths();

// demoPaths() under `base` (e.g. LoopbackServer::baseUrl()), fully encoded.
QStringList demoUrls(const QUrl &base);

} // namespace Parafetch
