// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal's record codec: a record's compact JSON (through JsonWriter) and the checked
// line it travels in, "<CRC-32, 8 hex digits> <JSON>\n". The format is in runjournal.h.
#pragma once

#include "job.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QUrl>

#include <memory>

#include <optional>
#include <utility>

QT_BEGIN_NAMESPACE
class QJsonObject;
QT_END_NAMESPACE

namespace Parafetch {

// One job as the journal last saw it.
struct JournaledJob
{
    quint64 id = 0; // the id in the run that wrote the journal (a restore gives new ones)
    QUrl url; // credentials masked (***): the journal never holds them
    QString fileName; // the name asked for in a `url,filename` list
    int sourceLine = 0;

    JobState state = JobState::Queued; // Queued for anything unfinished, running ones included
    ErrorKind errorKind = ErrorKind::None;
    int httpStatus = 0;
    int attempts = 0;
    qint64 bytesReceived = 0;
    // A finished job's duration (Job::resultDurationNs(), whole microseconds); -1 = not known:
    // not measured (a body adopted from the disk), or a journal from before the field.
    qint64 durationNs = -1;
    QByteArray sha256; // raw digest, empty if none
    QString savedPath;
    QString errorString;
    QUrl finalUrl; // credentials masked
    QByteArray protocol;
    // An unfinished job's .part, as far as the run got with it: a restore asks for the rest.
    std::shared_ptr<const PartialDownload> partial;

    bool isFinished() const
    {
        return state == JobState::Succeeded || state == JobState::Failed
            || state == JobState::Cancelled || state == JobState::Unchanged;
    }
};

namespace JournalRecord {

// The check at the start of each line: CRC-32 (IEEE 802.3, as zlib computes it) of the JSON.
quint32 checksum(QByteArrayView json);
// Appends json as one checked line.
void appendLine(QByteArray &out, QByteArrayView json);
// The JSON of a line (without its LF) whose check passes; nullopt for a damaged or torn line.
std::optional<QByteArrayView> checkedJson(QByteArrayView line);

// Each encoder writes one record's JSON into scratch, replacing what it held but keeping its
// capacity (one allocation for all the records of a run), and returns it.
// list: what the journal's list is (RunJournal::listDigest()); left out when empty.
const QByteArray &begin(QByteArray &scratch, int formatVersion, const QByteArray &runToken,
                        const QByteArray &list = {});
const QByteArray &add(QByteArray &scratch, const Job &job);
// The job's result if it is finished, otherwise "queued".
const QByteArray &state(QByteArray &scratch, const Job &job);
const QByteArray &part(QByteArray &scratch, quint64 id, const PartialDownload &part);
// Inclusive ranges of ids.
const QByteArray &remove(QByteArray &scratch, const QList<std::pair<quint64, quint64>> &ranges);
// A record with no fields but its kind: "clear", "clean-exit", "kept-exit".
const QByteArray &marker(QByteArray &scratch, const char *kind);

// Decoders of a parsed record's fields; false for a record that makes no sense.
// "add": id (> 0), url (not empty), file name and source line.
bool decodeAdd(const QJsonObject &record, JournaledJob *job);
// "state": the state (not running) and the result's fields, into *result.
bool decodeState(const QJsonObject &record, JournaledJob *result);
// "part": the path (not empty) and a validator isJournalableValidator() accepts.
bool decodePart(const QJsonObject &record, PartialDownload *part);

// A validator goes back into an If-Range header as it came: printable ASCII only (an ETag or
// an HTTP date), so that the JSON round trip cannot change a byte of it.
bool isJournalableValidator(const QByteArray &validator);

} // namespace JournalRecord

} // namespace Parafetch
