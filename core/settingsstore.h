// SPDX-License-Identifier: GPL-3.0-or-later
// Persistence of the fetch settings (QSettings) and of the last URL list (a file of its own).
#pragma once

#include "fetchoptions.h"
#include "urlpattern.h"

#include <QCoreApplication>
#include <QString>

class QSettings;

namespace Parafetch {

class SettingsStore
{
    Q_DECLARE_TR_FUNCTIONS(SettingsStore)
public:
    // Ranges of the settings FetchOptions leaves open; the settings dialog uses the same ones.
    // A week matches the command line's --timeout limit: longer is a mistake, not a setting.
    static constexpr int MaxTimeoutMs = FetchOptions::MaxTimeoutMs;
    static constexpr int MaxRedirects = FetchOptions::MaxRedirects;
    // The first backoff step may not exceed the cap it doubles towards.
    static constexpr int MaxRetryBaseDelayMs = FetchOptions::DefaultRetryMaxDelayMs;

    // Missing or unreadable keys give the defaults; numbers are clamped to their ranges; header
    // lines that FetchOptions::parseHeader rejects are dropped, and a user agent that
    // FetchOptions::forbiddenInHeaderValue refuses gives the default, and an onComplete command
    // whose quotes do not close gives none (each with a warning). The cookies and checksums
    // files are read again from their stored paths.
    // Only what a person can change (the settings dialog and the concurrency) is stored; the
    // engine's tuning values (retryMaxDelayMs, maxRetryAfterMs, readBufferBytes) always come
    // back as defaults.
    static FetchOptions loadFetchOptions(const QSettings &settings);
    static void saveFetchOptions(QSettings &settings, const FetchOptions &options);

    // The Settings dialog's "Expand URL patterns" and its limit (keys "input/expandPatterns",
    // "input/patternLimit"); a limit outside 1..UrlPatternOptions::MaxLimit is clamped.
    static UrlPatternOptions loadPatternOptions(const QSettings &settings);
    static void savePatternOptions(QSettings &settings, const UrlPatternOptions &options);

    // The last URL list a person worked with, offered back on the next start. Kept as a file in
    // QStandardPaths::AppDataLocation (QSaveFile, atomic), not in QSettings, because lists can
    // be large. Saving an empty text removes the file. On failure, *error (if given) says why.
    static bool saveLastList(const QString &text, QString *error);
    static QString loadLastList(); // empty if there is none or it cannot be read
    static QString lastListPath(); // empty if the platform has no data location
};

} // namespace Parafetch
