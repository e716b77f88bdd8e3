// SPDX-License-Identifier: GPL-3.0-or-later
// A small file the user names (a checksum list, a cookies file), read whole and parsed.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace Parafetch::SmallFile {

// The file's bytes; nullopt with *error naming the path when it cannot be read or is larger than
// maxBytes ("PATH is larger than WHAT can be").
std::optional<QByteArray> read(const QString &path, qint64 maxBytes, const QString &what,
                               QString *error);
// "PATH: problem", for what a parser found wrong in the file.
QString problemIn(const QString &path, const QString &problem);

// read(), then parse(bytes, &problem), with a problem given as problemIn() says.
template<typename Parse>
auto readAndParse(const QString &path, qint64 maxBytes, const QString &what, QString *error,
                  Parse parse) -> decltype(parse(QByteArray(), error))
{
    const std::optional<QByteArray> bytes = read(path, maxBytes, what, error);
    if (!bytes)
        return std::nullopt;
    QString problem;
    auto result = parse(*bytes, &problem);
    if (!result && error)
        *error = problemIn(path, problem);
    return result;
}

} // namespace Parafetch::SmallFile
