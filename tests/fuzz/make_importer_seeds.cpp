// Writes the seed corpus of fuzz_resultimporter with the real exporter:
//   cmake --build --preset fuzz --target fuzz_make_importer_seeds
//   build/fuzz/tests/fuzz/fuzz_make_importer_seeds tests/fuzz/corpus/fuzz_resultimporter
// Exports of a few runs in both formats (every state and error kind, unknown values, secrets,
// text that needs CSV quoting and formula escapes, non-ASCII), plus the hand-made variants a
// spreadsheet or a person produces (reordered and extra columns, LF line ends, a byte order mark,
// JSON with nulls and missing fields). Hand-made files in that folder are left alone.
#include "resultexporter.h"
#include "runsummary.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTimeZone>

#include <cstdio>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerUs = 1000;
constexpr qint64 NsPerMs = 1'000'000;

Job jobOfKind(ErrorKind kind, int line)
{
    Job job;
    job.sourceLine = line;
    job.url = QUrl(QStringLiteral("https://example.com/files/%1.bin").arg(line));
    job.errorKind = kind;
    job.state = kind == ErrorKind::None ? JobState::Succeeded
        : kind == ErrorKind::Cancelled  ? JobState::Cancelled
                                        : JobState::Failed;
    job.httpStatus = kind == ErrorKind::None ? 200 : kind == ErrorKind::HttpStatus ? 404 : 0;
    job.attempts = 1 + line % 3;
    job.worker = line % 4;
    job.bytesReceived = 1000LL * line;
    job.bytesTotal = line % 2 ? 1000LL * line : -1;
    job.queuedAtNs = line * NsPerMs;
    job.startedAtNs = job.queuedAtNs + 1234 * NsPerUs;
    job.finishedAtNs = job.startedAtNs + (10 + line) * NsPerMs + 7 * NsPerUs;
    job.connectUs = line % 3 == 0 ? -1 : 1500 + line;
    job.waitUs = 20'000 + line;
    job.receiveUs = 999 * line;
    if (kind != ErrorKind::None)
        job.errorString = QStringLiteral("failed: %1").arg(errorKindName(kind));
    job.protocol = line % 2 ? QByteArrayLiteral("h2") : QByteArrayLiteral("http/1.1");
    if (kind == ErrorKind::None) {
        job.sha256 = QCryptographicHash::hash(QByteArray::number(line), QCryptographicHash::Sha256);
        job.savedPath = QStringLiteral("/home/me/Downloads/%1.bin").arg(line);
    }
    return job;
}

QList<Job> everyKind()
{
    QList<Job> jobs;
    for (int kind = 0; kind < ErrorKindCount; ++kind)
        jobs.append(jobOfKind(ErrorKind(kind), kind + 1));
    Job queued;
    queued.sourceLine = 40;
    queued.url = QUrl(QStringLiteral("http://127.0.0.1:8080/delay/10/bytes/5"));
    jobs.append(queued); // everything unknown
    Job running = jobOfKind(ErrorKind::None, 41);
    running.state = JobState::Running;
    running.finishedAtNs = -1;
    running.sha256.clear();
    running.savedPath.clear();
    jobs.append(running);
    return jobs;
}

QList<Job> awkwardText()
{
    Job secret = jobOfKind(ErrorKind::HttpStatus, 7);
    secret.url = QUrl(QStringLiteral("https://user:secret@example.com/x?q=1,2#frag"));
    secret.finalUrl = QUrl(QStringLiteral("https://admin:hunter2@mirror.example.net/y"));
    secret.errorString = QStringLiteral("=HYPERLINK(\"http://evil\"), \"quoted\"\r\nsecond line");
    secret.fileName = QStringLiteral("+plus,comma \"quote\".txt");

    Job formula = jobOfKind(ErrorKind::Network, 8);
    formula.errorString = QStringLiteral("'already quoted");
    formula.fileName = QStringLiteral("-minus\t@at");
    formula.savedPath = QStringLiteral("@home/x");
    formula.protocol = QByteArrayLiteral("=cmd");

    Job unicode = jobOfKind(ErrorKind::None, 9);
    unicode.url = QUrl(QStringLiteral("https://bücher.example/straße/%E2%82%AC?x=ä"));
    unicode.fileName = QStringLiteral("Übersicht €\u202E.pdf");
    unicode.errorString = QStringLiteral("tab\there, nul? no; bell \u0007");
    unicode.savedPath = QStringLiteral("/tmp/日本語/ファイル.bin");

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
                ResultExporter::toJson(kinds, RunSummary::compute(kinds), info(0)));
    ok &= write(dir, QStringLiteral("every-kind.csv"), ResultExporter::toCsv(kinds));
    ok &= write(dir, QStringLiteral("awkward-text.json"),
                ResultExporter::toJson(awkward, RunSummary::compute(awkward), info(1)));
    ok &= write(dir, QStringLiteral("awkward-text.csv"), ResultExporter::toCsv(awkward));
    ok &= write(dir, QStringLiteral("one-job.json"),
                ResultExporter::toJson(one, RunSummary::compute(one), RunInfo()));
    ok &= write(dir, QStringLiteral("one-job.csv"), ResultExporter::toCsv(one));
    ok &= write(dir, QStringLiteral("empty-run.json"),
                ResultExporter::toJson({}, RunSummary(), RunInfo()));
    ok &= write(dir, QStringLiteral("empty-run.csv"), ResultExporter::toCsv({}));

    // What a spreadsheet makes of an export: LF line ends, a byte order mark.
    QByteArray csv = ResultExporter::toCsv(awkward);
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
    return ok ? 0 : 1;
}
