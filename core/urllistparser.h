// SPDX-License-Identifier: GPL-3.0-or-later
// Turns pasted text, files and stdin into the URLs to fetch, with a reason for every unusable line.
#pragma once

#include "compacturl.h"
#include "job.h"
#include "packedkeymap.h"
#include "sha256.h"
#include "urlpattern.h"

#include <QCoreApplication>
#include <QList>
#include <QMetaType>
#include <QSharedData>
#include <QSharedDataPointer>
#include <QString>
#include <QStringView>
#include <QUrl>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Parafetch {

// What few list lines carry besides a URL and a name, behind one pointer (a list of a million
// entries pays 8 bytes each for it, not 33).
struct UrlEntryExtras : QSharedData
{
    Sha256Digest expectedSha256; // from a `sha256=HEX` field: the body must hash to it
};

struct UrlEntry
{
    CompactUrl url; // as written, credentials included: show it only through redactedUrl()
    QString fileName; // from a `url,filename` or `url<TAB>filename` line, as given; empty = derive
    int line = 0; // 1-based line of the input it came from
    QSharedDataPointer<UrlEntryExtras> extras; // null for most lines

    Sha256Digest expectedSha256() const { return extras ? extras->expectedSha256 : Sha256Digest(); }
    // The entry a job came from, for adding it again (Retry, a sweep's sample).
    static UrlEntry of(const Job &job);
};

struct ParseProblem
{
    int line = 0; // 1-based
    QString text; // the offending input, credentials masked, unprintable characters replaced,
                  // at most UrlListParser::MaxProblemTextLength characters (ellipsis when cut)
    QString reason; // for a person: what is wrong, and where it helps, what to write instead
    bool isNote = false; // nothing is wrong: it says what became of the line (a pattern's URLs)
};

struct ParseResult
{
    QList<UrlEntry> entries;
    QList<ParseProblem> problems;
};

// Accepts, per line: a URL; text with URLs in it (trailing punctuation and unbalanced brackets
// are not part of a URL); `url,filename` (RFC 4180 quoting) and `url<TAB>filename`; a first line
// header naming a `url` column (and optionally `filename`), after which every line is a record.
// Blank lines and lines starting with '#' are skipped. Lines end at \n, \r\n or \r.
// A last field `sha256=HEX` (after a comma or a tab: `url,name,sha256=HEX`, `url,,sha256=HEX`)
// is the body's expected SHA-256; a value that is not 64 hex digits, or a line with more than
// one URL before it, is a problem and the line adds nothing.
//
// A comma on a line without quotes, tabs or header: the LAST comma splits `url,filename` when
// what follows it reads as a file name (no '/', '=' or '&'; a letter or a dot, so not all
// digits) and the URL before it has no space; otherwise the whole line is the URL
// (".../w_100,h_100/img.jpg", "?ids=1,2", "?a=1,b=2"). When the URL before that comma has a
// '?' or another comma, the comma could be the URL's: the line is read as url,filename all the
// same and reported as a problem (ambiguous) with its line number. A trailing comma gives no
// name. Quote the fields ("url","name") or add a header to be explicit.
//
// With pattern expansion on (the default), a URL with ranges or lists ("[1-120]", "{a,b}", see
// UrlPattern) becomes one entry per URL it expands to, and a note says how many; a bad pattern,
// or one that would make more URLs than the limit, adds nothing and is a problem. A comma inside
// a list is the list's, not the one that splits `url,filename`; "#1" in such a file name is the
// first pattern's value.
//
// Memory stays flat whatever the input size: lines are not kept, only the entries, the problems
// and one normalised string per distinct URL for duplicate detection (packed in large blocks).
class UrlListParser
{
    Q_DECLARE_TR_FUNCTIONS(Parafetch::UrlListParser)

public:
    // Longer lines are reported, not searched: nobody writes a 64 KiB URL on purpose, and a
    // binary file can have megabytes without a line break.
    static constexpr int MaxLineLength = 64 * 1024;
    static constexpr int MaxProblemTextLength = 120;

    UrlListParser();

    void setSkipDuplicates(bool skip); // default true; when false duplicates become entries too
    bool skipDuplicates() const;
    void setPatternOptions(const UrlPatternOptions &options);
    UrlPatternOptions patternOptions() const;

    // Splits on \n, \r\n and \r; a trailing partial line is held until more text or finish().
    // Chunks may split a line or a \r\n anywhere. A byte order mark at the very start is ignored.
    void addText(QStringView text);
    // Streams the device in chunks, decoding UTF-8 (or UTF-16/32 when it starts with a byte order
    // mark; invalid and incomplete characters become U+FFFD), then calls finish(): the device is
    // a whole document, and it reads the same whatever sizes the device's reads have.
    // Returns false if the device is not readable or a read fails; lines read so far are kept.
    bool addDevice(QIODevice *device);
    void finish(); // parses a held partial line
    // The same as addText(text) and finish() on a parser that has read nothing yet, with the text
    // cut at line ends into `blocks` blocks parsed on as many threads: for a pasted list of a
    // million lines, where one thread takes seconds. The entries, problems, line numbers, header
    // and duplicates are those of the sequential parse (the first occurrence of a URL wins).
    // A parser that has read text already, or blocks <= 1, parses on this thread.
    void addDocument(QStringView text, int blocks);

    QList<UrlEntry> takeEntries(); // in input order; clears them
    QList<ParseProblem> takeProblems();

    int linesRead() const;
    // URLs seen again after normalisation (skipped or, with setSkipDuplicates(false), kept).
    int duplicateCount() const;

    static ParseResult parse(QStringView text); // addText + finish

private:
    void holdPartialLine(QStringView piece);
    void completeLine(QStringView piece);
    void parseLine(QStringView line, qsizetype length);
    void parseContent(QStringView line);
    bool parseHeader(QStringView line);
    bool parseRecord(QStringView line);
    bool parseUnquotedRecord(QStringView line);
    void extractUrls(QStringView line);
    void addCandidate(QStringView candidate, const QString &fileName);
    void addPattern(QStringView candidate, const QString &fileName);
    void addUrl(QStringView candidate, const QString &fileName);
    qsizetype lastCommaOutsideLists(QStringView line) const;
    void addLineProblem(QStringView line, const QString &reason);
    void addProblem(QStringView candidate, const QString &reason); // one URL's text
    void addProblem(const QUrl &url, const QString &reason);
    void mergeBlock(UrlListParser &block);

    QList<UrlEntry> m_entries;
    QList<ParseProblem> m_problems;
    PackedKeyMap m_firstLineOfUrl; // normalised URL (UTF-8) -> line it first appeared on
    QString m_heldLine; // at most MaxLineLength characters of it
    qsizetype m_heldLength = 0; // the held line's real length
    int m_linesRead = 0;
    int m_duplicateCount = 0;
    int m_urlColumn = -1; // >= 0 once a header line has named the columns
    int m_nameColumn = -1;
    QChar m_headerDelimiter;
    bool m_skipDuplicates = true;
    UrlPatternOptions m_patterns;
    bool m_afterCarriageReturn =
        false; // a chunk ended in \r: a \n starting the next one is its pair
    bool m_atStart = true;
    bool m_sawContent = false; // a header is only recognised on the first line with content
    // A block of addDocument(): every URL becomes an entry, and the merge, which sees the blocks
    // in input order, finds the duplicates. For each entry, how many problems came before it, so
    // that a duplicate's problem goes where the sequential parse puts it.
    bool m_deferDuplicates = false;
    QList<int> m_problemsBefore;
};

} // namespace Parafetch

// A list of a million entries grows by moving its memory, not entry by entry (CompactUrl and
// QString are relocatable).
Q_DECLARE_TYPEINFO(Parafetch::UrlEntry, Q_RELOCATABLE_TYPE);
Q_DECLARE_TYPEINFO(Parafetch::ParseProblem, Q_RELOCATABLE_TYPE);
Q_DECLARE_METATYPE(Parafetch::UrlEntry)
Q_DECLARE_METATYPE(Parafetch::ParseProblem)
