// SPDX-License-Identifier: GPL-3.0-or-later
// The fixed list of URLs the demo run fetches from the loopback server.
#include "server/demolist.h"

#include <array>

namespace Parafetch {

namespace {

// Typical web object sizes, deliberately not all powers of two.
constexpr std::array<int, 14> smallSizes = {
    512, 1337, 2048, 4096, 7300, 12288, 18500, 32768, 48000, 65536, 98304, 131072, 180000, 262144,
};
constexpr int ordinaryCount = 52;
constexpr int minDelayMs = 20;
constexpr int delaySpanMs = 381; // delays fall in 20..400 ms
// Coprime with delaySpanMs, so every delay (and thus every URL) differs.
constexpr int delayStride = 53;
constexpr int sizeStride = 5;
// One special URL after every this many ordinary ones, so the mix shows from the start.
constexpr int specialEvery = 6;

QString ordinaryPath(int index)
{
    const int delay = minDelayMs + (index * delayStride) % delaySpanMs;
    const int size = smallSizes.at(std::size_t((index * sizeStride + index / int(smallSizes.size()))
                                               % int(smallSizes.size())));
    return QStringLiteral("/delay/%1/bytes/%2").arg(delay).arg(size);
}

} // namespace

QStringList demoPaths()
{
    const QStringList specials = {
        QStringLiteral("/bytes/2097152"), QStringLiteral("/status/404"),
        QStringLiteral("/redirect/2"),    QStringLiteral("/drip/20/50"),
        QStringLiteral("/status/500"),    QStringLiteral("/flaky/demo/1"),
        QStringLiteral("/bytes/5242880"), QStringLiteral("/status/502"),
    };
    QStringList paths;
    paths.reserve(ordinaryCount + specials.size());
    qsizetype nextSpecial = 0;
    for (int i = 0; i < ordinaryCount; ++i) {
        paths.append(ordinaryPath(i));
        if ((i + 1) % specialEvery == 0 && nextSpecial < specials.size())
            paths.append(specials.at(nextSpecial++));
    }
    while (nextSpecial < specials.size())
        paths.append(specials.at(nextSpecial++));
    return paths;
}

QStringList demoUrls(const QUrl &base)
{
    const QString root = base.toString(QUrl::FullyEncoded | QUrl::StripTrailingSlash);
    QStringList urls;
    for (const QString &path : demoPaths())
        urls.append(root + path);
    return urls;
}

} // namespace Parafetch
