// SPDX-License-Identifier: GPL-3.0-or-later
// Expected SHA-256 checksums by file name, read from sha256sum's output (--checksums FILE).
#pragma once

#include "sha256.h"

#include <QCoreApplication>
#include <QHash>
#include <QString>

#include <optional>

namespace Parafetch {

// Reads what `sha256sum FILES > SHA256SUMS` writes, and what `sha256sum --tag` and the BSD tools
// write:
//   HEX  NAME        (text mode)          HEX *NAME   (binary mode)
//   \HEX  NAME       (a name with \n or \\ in it, escaped as sha256sum escapes it)
//   SHA256 (NAME) = HEX
// Blank lines and '#' comments are skipped. A NAME with a directory ("./iso/a.iso") is matched
// by its last component, the name a download is saved under. The same name twice with two
// different checksums is an error, as is any other line: the message names the line.
class ChecksumFile
{
    Q_DECLARE_TR_FUNCTIONS(Parafetch::ChecksumFile)
public:
    using ByName = QHash<QString, Sha256Digest>;

    static std::optional<ByName> parse(QByteArrayView text, QString *error);
    static std::optional<ByName> read(const QString &path, QString *error);
};

} // namespace Parafetch
