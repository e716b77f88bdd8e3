// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the seed corpus of fuzz_resultimporter with the real exporter:
//   cmake --build --preset fuzz --target fuzz_make_importer_seeds
//   build/fuzz/tests/fuzz/fuzz_make_importer_seeds tests/fuzz/corpus/fuzz_resultimporter
// Exports of a few runs in all three formats (every state and error kind, unknown values,
// secrets, text that needs CSV quoting and formula escapes, non-ASCII), plus the hand-made
// variants a spreadsheet, a person or a browser produces (reordered and extra columns, LF line
// ends, a byte order mark, JSON with nulls and missing fields, a DevTools HAR, HAR with malformed
// entries). Hand-made files in that folder are left alone.
#include "formats/csvformat.h"
#include "formats/harformat.h"
#include "formats/jsonformat.h"
#include "runsummary.h"
#include "samplejobs.h"

#include <QByteArray>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTimeZone>

#include <cstdio>

using namespace Parafetch;

namespace {

using ExportSamples::jobOfKind;
using ExportSamples::NsPerMs;

// The sample jobs with the response headers the engine records (secrets already masked).
Job withHeaders(Job job)
{
    if (job.httpStatus > 0) {
        job.editDetails().responseHeaders = { { "Content-Type", "text/plain" },
                                              { "Set-Cookie", "***" },
                                              { "Location", "https://***@example.com/next" } };
    }
    return job;
}

QList<Job> everyKind()
{
    QList<Job> jobs;
    for (int kind = 0; kind < ErrorKindCount; ++kind)
        jobs.append(withHeaders(jobOfKind(ErrorKind(kind), kind + 1)));
    Job queued;
    queued.sourceLine = 40;
    queued.url = QUrl(QStringLiteral("http://127.0.0.1:8080/delay/10/bytes/5"));
    jobs.append(queued); // everything unknown
    Job running = jobOfKind(ErrorKind::None, 41);
    running.state = JobState::Running;
    running.finishedAtNs = -1;
    running.sha256.clear();
    running.editDetails().savedPath.clear();
    jobs.append(running);
    return jobs;
}

QList<Job> awkwardText()
{
    Job secret = jobOfKind(ErrorKind::HttpStatus, 7);
    secret.url = QUrl(QStringLiteral("https://user:secret@example.com/x?q=1,2#frag"));
    secret.setFinalUrl(QUrl(QStringLiteral("https://admin:hunter2@mirror.example.net/y")));
    secret.setErrorString(QStringLiteral("=HYPERLINK(\"http://evil\"), \"quoted\"\r\nsecond line"));
    secret.setFileName(QStringLiteral("+plus,comma \"quote\".txt"));

    Job formula = jobOfKind(ErrorKind::Network, 8);
    formula.setErrorString(QStringLiteral("'already quoted"));
    formula.setFileName(QStringLiteral("-minus\t@at"));
    formula.setSavedPath(QStringLiteral("@home/x"));
    formula.protocol = QByteArrayLiteral("=cmd");

    Job unicode = jobOfKind(ErrorKind::None, 9);
    unicode.url = QUrl(QStringLiteral("https://bücher.example/straße/%E2%82%AC?x=ä"));
    unicode.setFileName(QStringLiteral("Übersicht €\u202E.pdf"));
    unicode.setErrorString(QStringLiteral("tab\there, nul? no; bell \u0007"));
    unicode.setSavedPath(QStringLiteral("/tmp/日本語/ファイル.bin"));

    Job big = jobOfKind(ErrorKind::Truncated, 10);
    big.bytesReceived = 9'000'000'000LL;
    big.bytesTotal = 9'999'999'999LL;
    big.startedAtNs = 86'400'000 * NsPerMs + 999'500; // sub-microsecond: rounds
    big.finishedAtNs = big.startedAtNs + 3'600'000 * NsPerMs;
    big.httpStatus = 999;
    big.worker = -1;
    return { secret, formula, unicode, big };
}

RunInfo info(int variant)
{
    RunInfo info;
    info.toolVersion = QStringLiteral("0.1.0");
    info.concurrency = variant == 0 ? 16 : 512;
    info.method = variant == 0 ? QByteArrayLiteral("GET") : QByteArrayLiteral("HEAD");
    info.startedAt = variant == 0
        ? QDateTime(QDate(2024, 5, 1), QTime(12, 0, 0, 123), QTimeZone(2 * 3600))
        : QDateTime(QDate(1999, 12, 31), QTime(23, 59, 59, 999), QTimeZone::utc());
    return info;
}

bool write(const QDir &dir, const QString &name, const QByteArray &data)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size()) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(file.fileName()));
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
        return 2;
    }
    const QDir dir(QString::fromLocal8Bit(argv[1]));
    if (!QDir().mkpath(dir.path()))
        return 1;

    const QList<Job> kinds = everyKind();
    const QList<Job> awkward = awkwardText();
    const QList<Job> one = { jobOfKind(ErrorKind::None, 1) };
    bool ok = true;
    ok &= write(dir, QStringLiteral("every-kind.json"),
                JsonFormat::toJson(kinds, RunSummary::compute(kinds), info(0)));
    ok &= write(dir, QStringLiteral("every-kind.csv"), CsvFormat::toCsv(kinds));
    ok &= write(dir, QStringLiteral("awkward-text.json"),
                JsonFormat::toJson(awkward, RunSummary::compute(awkward), info(1)));
    ok &= write(dir, QStringLiteral("awkward-text.csv"), CsvFormat::toCsv(awkward));
    ok &= write(dir, QStringLiteral("one-job.json"),
                JsonFormat::toJson(one, RunSummary::compute(one), RunInfo()));
    ok &= write(dir, QStringLiteral("one-job.csv"), CsvFormat::toCsv(one));
    ok &= write(dir, QStringLiteral("empty-run.json"),
                JsonFormat::toJson({}, RunSummary(), RunInfo()));
    ok &= write(dir, QStringLiteral("empty-run.csv"), CsvFormat::toCsv({}));
    ok &= write(dir, QStringLiteral("every-kind.har"),
                HarFormat::toHar(kinds, RunSummary::compute(kinds), info(0)));
    ok &= write(dir, QStringLiteral("awkward-text.har"),
                HarFormat::toHar(awkward, RunSummary::compute(awkward), info(1)));
    ok &= write(dir, QStringLiteral("one-job.har"),
                HarFormat::toHar(one, RunSummary::compute(one), RunInfo()));
    ok &=
        write(dir, QStringLiteral("empty-run.har"), HarFormat::toHar({}, RunSummary(), RunInfo()));

    // What a spreadsheet makes of an export: LF line ends, a byte order mark.
    QByteArray csv = CsvFormat::toCsv(awkward);
    ok &= write(dir, QStringLiteral("lf-bom.csv"),
                "\xEF\xBB\xBF" + QByteArray(csv).replace("\r\n", "\n"));

    // Hand-made: the required columns only, reordered, an extra column, blank lines, emptied cells.
    ok &= write(dir, QStringLiteral("minimal.csv"),
                "state,url\r\nsucceeded,https://example.com/a\r\n\r\nfailed,http://x.example/\r\n");
    ok &= write(dir, QStringLiteral("reordered.csv"),
                "note,httpStatus,url,state,bytes,startedAtMs,finishedAtMs,sha256\n"
                "\"x, y\",200,https://example.com/a,succeeded, 12 ,1.5,2.0015,"
                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\n"
                "\"\",,https://example.com/b,cancelled,,-1,,\n");
    ok &= write(dir, QStringLiteral("minimal.json"),
                "{\"format\":\"parafetch-run\",\"formatVersion\":1,\"jobs\":["
                "{\"url\":\"https://example.com/a\",\"state\":\"queued\"},"
                "{\"url\":\"http://[::1]:8080/x\",\"state\":\"failed\",\"errorKind\":\"timed-out\","
                "\"httpStatus\":null,\"bytes\":1e3,\"ttfbMs\":0.0005,\"finalUrl\":\"\"}]}");
    ok &= write(dir, QStringLiteral("nulls.json"),
                "\xEF\xBB\xBF{\"format\":\"parafetch-run\",\"formatVersion\":1,\"tool\":null,"
                "\"startedAt\":null,\"concurrency\":null,\"method\":null,\"jobs\":["
                "{\"line\":null,\"url\":\"https://example.com/\\u00e9\",\"fileName\":null,"
                "\"state\":\"succeeded\",\"errorKind\":\"\",\"worker\":-1,\"bytesTotal\":-1,"
                "\"queuedAtMs\":-1,\"startedAtMs\":0,\"finishedAtMs\":9007199254.740991}]}");

    // HAR as browsers write it: no fields of ours, their own custom fields, a page, a failed
    // request with Chrome's _error, offsets other than Z, -1 timings, http/2.0.
    ok &= write(dir, QStringLiteral("browser.har"),
                "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"WebInspector\","
                "\"version\":\"537.36\"},\"pages\":[{\"id\":\"page_1\"}],\"entries\":["
                "{\"_priority\":\"High\",\"cache\":{},\"pageref\":\"page_1\",\"request\":"
                "{\"method\":\"GET\",\"url\":\"https://u:p@www.example.org/?q=1\","
                "\"httpVersion\":\"http/2.0\",\"headers\":[{\"name\":\"cookie\",\"value\":"
                "\"a=b\"}],\"queryString\":[],\"cookies\":[],\"headersSize\":-1,"
                "\"bodySize\":0},\"response\":{\"status\":200,\"statusText\":\"OK\","
                "\"httpVersion\":\"h2\",\"headers\":[{\"name\":\"set-cookie\",\"value\":"
                "\"s=1\"},{\"name\":\"location\",\"value\":\"http://a:b@x.example/\"}],"
                "\"cookies\":[],\"content\":{\"size\":-1,\"mimeType\":\"text/html\"},"
                "\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":300,\"_error\":null},"
                "\"startedDateTime\":\"2024-03-01T09:30:00.100Z\",\"time\":120.5,\"timings\":"
                "{\"blocked\":2.25,\"dns\":10,\"ssl\":20,\"connect\":30,\"send\":0.25,"
                "\"wait\":50,\"receive\":28}},"
                "{\"cache\":{},\"request\":{\"method\":\"POST\",\"url\":"
                "\"http://[::1]:8080/api\"},\"response\":{\"status\":0,\"_error\":"
                "\"net::ERR_CONNECTION_REFUSED\"},\"startedDateTime\":"
                "\"2024-03-01T10:30:00.350123+01:00\",\"time\":15,\"timings\":{\"blocked\":-1,"
                "\"send\":-1,\"wait\":-1,\"receive\":-1}}]}}");
    // One good entry among malformed ones: the import carries on past them.
    ok &= write(dir, QStringLiteral("bad-entries.har"),
                "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"Parafetch\","
                "\"version\":\"0\"},\"_concurrency\":2,\"_startedAt\":null,\"entries\":["
                "1,{},{\"request\":{\"url\":5}},"
                "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.example/\"},"
                "\"response\":{\"status\":\"200\"},\"time\":1,\"startedDateTime\":\"x\"},"
                "{\"request\":{\"method\":\"GET\",\"url\":\"https://b.example/\"},"
                "\"response\":{\"status\":404,\"headers\":[{\"name\":\"x\"}]},"
                "\"time\":1,\"startedDateTime\":\"2024-01-01T00:00:00Z\"},"
                "{\"request\":{\"method\":\"GET\",\"url\":\"https://c.example/\"},"
                "\"response\":{\"status\":204},\"time\":0.001,"
                "\"startedDateTime\":\"2024-01-01T00:00:00Z\",\"_startedAtMs\":5,"
                "\"_state\":\"succeeded\",\"_attempt\":2,\"timings\":{\"ssl\":-1}}]}}");
    return ok ? 0 : 1;
}
