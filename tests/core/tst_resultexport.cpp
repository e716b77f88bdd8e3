// SPDX-License-Identifier: GPL-3.0-or-later
// CSV/JSON export and import: layout, secrets, round trips, validation and atomic writes.
#include "formats/csvformat.h"
#include "formats/jsonformat.h"
#include "redact.h"
#include "runsummary.h"
#include "samplejobs.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Parafetch;
using namespace Parafetch::ExportSamples;
using Parafetch::TestSupport::differingFields;

namespace {

constexpr double UsPerMs = 1000;
constexpr int MaxFileNameBytes = 255; // NAME_MAX of the usual Linux file systems

QStringList entriesOf(const QString &directory)
{
    return QDir(directory).entryList(QDir::AllEntries | QDir::Hidden | QDir::System
                                     | QDir::NoDotAndDotDot);
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

// A one-job CSV whose `field` column holds `value` (raw CSV text), for the validation tests.
QByteArray csvWith(const QString &field, const QByteArray &value, int rows = 1)
{
    const QByteArray csv = CsvFormat::toCsv(QList<Job>(rows, jobOfKind(ErrorKind::None, 1)));
    QList<QByteArray> lines = csv.split('\n');
    const QList<QByteArray> header = lines.at(0).trimmed().split(',');
    const qsizetype column = header.indexOf(field.toUtf8());
    if (column < 0)
        return csv;
    const qsizetype last = lines.size() - 2; // the last row; the final element is empty
    QList<QByteArray> cells = lines.at(last).trimmed().split(',');
    cells[column] = value;
    lines[last] = cells.join(',') + '\r';
    return lines.join('\n');
}

// A one-job JSON document with `field` of the first job set to `value`.
QByteArray jsonWith(const QString &field, const QJsonValue &value, int jobCount = 1)
{
    const QList<Job> jobs(jobCount, jobOfKind(ErrorKind::None, 1));
    QJsonObject root =
        QJsonDocument::fromJson(JsonFormat::toJson(jobs, RunSummary::compute(jobs), sampleInfo()))
            .object();
    QJsonArray array = root.value(QLatin1String("jobs")).toArray();
    QJsonObject job = array.last().toObject();
    if (value.isUndefined())
        job.remove(field);
    else
        job.insert(field, value);
    array.replace(array.size() - 1, job);
    root.insert(QLatin1String("jobs"), array);
    return QJsonDocument(root).toJson();
}

QByteArray jsonRootWith(const QString &key, const QJsonValue &value)
{
    QJsonObject root =
        QJsonDocument::fromJson(JsonFormat::toJson({}, RunSummary(), sampleInfo())).object();
    if (value.isUndefined())
        root.remove(key);
    else
        root.insert(key, value);
    return QJsonDocument(root).toJson();
}

} // namespace

class TestResultExport : public QObject
{
    Q_OBJECT

private slots:
    void formatForPath_data();
    void formatForPath();
    void jsonLayout();
    void jsonNumbers();
    void csvLayout();
    void csvNeutralisesFormulas();
    void credentialsNeverExported();
    void roundTrip_data();
    void roundTrip();
    void roundTripThroughFiles_data();
    void roundTripThroughFiles();
    void emptyRun();
    void subMicrosecondTimesRound();
    void csvImportIsLenientAboutLayout();
    void exportsFromBeforeThePhaseFieldsImport_data();
    void exportsFromBeforeThePhaseFieldsImport();
    void loneSurrogatesImportAsReplacementCharacters();
    void importRejectsMalformed_data();
    void importRejectsMalformed();
    void readNamesThePath();
    void writeFailures_data();
    void writeFailures();
    void existingFileReplacedOnSuccess();
    void existingFileKeptOnFailure();
};

void TestResultExport::formatForPath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("format"); // -1 = none

    QTest::newRow("run.csv") << QStringLiteral("run.csv") << int(ExportFormat::Csv);
    QTest::newRow("upper case RUN.CSV") << QStringLiteral("/tmp/RUN.CSV") << int(ExportFormat::Csv);
    QTest::newRow("run.json") << QStringLiteral("run.json") << int(ExportFormat::Json);
    QTest::newRow("mixed case Run.Json") << QStringLiteral("a/Run.Json") << int(ExportFormat::Json);
    QTest::newRow("last suffix counts: run.tar.json")
        << QStringLiteral("run.tar.json") << int(ExportFormat::Json);
    QTest::newRow("run.csv.txt is not csv") << QStringLiteral("run.csv.txt") << -1;
    QTest::newRow("no suffix") << QStringLiteral("results") << -1;
    QTest::newRow("a directory named x.csv does not make the file csv")
        << QStringLiteral("x.csv/results") << -1;
    QTest::newRow("run.har") << QStringLiteral("run.har") << int(ExportFormat::Har);
    QTest::newRow("upper case RUN.HAR") << QStringLiteral("/tmp/RUN.HAR") << int(ExportFormat::Har);
}

void TestResultExport::formatForPath()
{
    QFETCH(QString, path);
    QFETCH(int, format);
    const std::optional<ExportFormat> found = RunFile::formatForPath(path);
    QCOMPARE(found ? int(*found) : -1, format);
}

void TestResultExport::jsonLayout()
{
    const QList<Job> jobs = sampleJobs();
    const RunSummary summary = RunSummary::compute(jobs);
    const QByteArray json = JsonFormat::toJson(jobs, summary, sampleInfo());

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));
    const QJsonObject root = document.object();
    QCOMPARE(root.value(QLatin1String("format")).toString(), QStringLiteral("parafetch-run"));
    QCOMPARE(root.value(QLatin1String("formatVersion")).toInteger(), 1);
    const QJsonObject tool = root.value(QLatin1String("tool")).toObject();
    QCOMPARE(tool.value(QLatin1String("name")).toString(), QStringLiteral("parafetch"));
    QCOMPARE(tool.value(QLatin1String("version")).toString(), QStringLiteral("0.1.0"));
    QCOMPARE(root.value(QLatin1String("startedAt")).toString(),
             QStringLiteral("2024-05-01T12:00:00.123+02:00"));
    QCOMPARE(root.value(QLatin1String("concurrency")).toInteger(), 16);
    QCOMPARE(root.value(QLatin1String("method")).toString(), QStringLiteral("HEAD"));

    const QJsonObject s = root.value(QLatin1String("summary")).toObject();
    QCOMPARE(s.value(QLatin1String("total")).toInteger(), summary.total);
    QCOMPARE(s.value(QLatin1String("succeeded")).toInteger(), summary.succeeded);
    QCOMPARE(s.value(QLatin1String("failed")).toInteger(), summary.failed);
    QCOMPARE(s.value(QLatin1String("cancelled")).toInteger(), summary.cancelled);
    QCOMPARE(s.value(QLatin1String("queued")).toInteger(), 1);
    QCOMPARE(s.value(QLatin1String("running")).toInteger(), 1);
    QCOMPARE(s.value(QLatin1String("bytes")).toInteger(), summary.bytes);
    QCOMPARE(s.value(QLatin1String("wallMs")).toDouble(), double(summary.wallNs) / NsPerMs);
    QCOMPARE(s.value(QLatin1String("serialMs")).toDouble(), double(summary.serialNs) / NsPerMs);
    QCOMPARE(s.value(QLatin1String("speedup")).toDouble(), summary.speedup);
    QCOMPARE(s.value(QLatin1String("bytesPerSecond")).toDouble(), summary.bytesPerSecond);
    QCOMPARE(s.value(QLatin1String("requestsPerSecond")).toDouble(), summary.requestsPerSecond);
    QCOMPARE(s.value(QLatin1String("p50Ms")).toDouble(), double(summary.p50Ns) / NsPerMs);
    QCOMPARE(s.value(QLatin1String("p90Ms")).toDouble(), double(summary.p90Ns) / NsPerMs);
    QCOMPARE(s.value(QLatin1String("p99Ms")).toDouble(), double(summary.p99Ns) / NsPerMs);
    QCOMPARE(s.value(QLatin1String("ttfbP50Ms")).toDouble(), summary.ttfbP50Us / UsPerMs);
    QCOMPARE(s.value(QLatin1String("ttfbP90Ms")).toDouble(), summary.ttfbP90Us / UsPerMs);
    const QJsonObject byKind = s.value(QLatin1String("byErrorKind")).toObject();
    for (int kind = int(ErrorKind::None) + 1; kind < ErrorKindCount; ++kind) {
        const int count = summary.byErrorKind[std::size_t(kind)];
        const QString name = errorKindName(ErrorKind(kind));
        QVERIFY2(byKind.contains(name) == (count != 0), qPrintable(name));
        if (count)
            QCOMPARE(byKind.value(name).toInteger(), count);
    }
    QVERIFY(!byKind.contains(QString())); // successes are `succeeded`, not a nameless kind

    const QJsonArray array = root.value(QLatin1String("jobs")).toArray();
    QCOMPARE(array.size(), jobs.size());
    for (const QJsonValue &value : array) {
        const QJsonObject job = value.toObject();
        QCOMPARE(job.size(), ExportFieldCount);
        for (int f = 0; f < ExportFieldCount; ++f) {
            const QJsonValue field = job.value(exportFieldName(ExportField(f)));
            QVERIFY2(isTextField(ExportField(f)) ? field.isString() : field.isDouble(),
                     qPrintable(exportFieldName(ExportField(f))));
        }
    }

    // Keys in the documented order, one job per line.
    const QList<QByteArray> lines = json.split('\n');
    const auto firstJob = std::find_if(lines.cbegin(), lines.cend(), [](const QByteArray &line) {
        return line.trimmed().startsWith("{\"line\":");
    });
    QVERIFY(firstJob != lines.cend());
    qsizetype previous = -1;
    for (int f = 0; f < ExportFieldCount; ++f) {
        const QByteArray key = '"' + QByteArray(exportFieldName(ExportField(f)).data()) + "\":";
        const qsizetype at = firstJob->indexOf(key);
        QVERIFY2(at > previous, key.constData());
        previous = at;
    }
    QCOMPARE(std::count_if(
                 lines.cbegin(), lines.cend(),
                 [](const QByteArray &line) { return line.trimmed().startsWith("{\"line\":"); }),
             jobs.size());
}

void TestResultExport::jsonNumbers()
{
    Job job = jobOfKind(ErrorKind::None, 1);
    job.queuedAtNs = -1;
    job.startedAtNs = 1'500 * NsPerUs; // 1.5 ms
    job.finishedAtNs = 12'345'678 * NsPerUs; // 12345.678 ms
    job.connectUs = -1;
    job.waitUs = 7; // 0.007 ms
    job.receiveUs = 250'000; // 250 ms
    const QByteArray json = JsonFormat::toJson({ job }, RunSummary::compute({ job }), {});
    QVERIFY2(json.contains("\"queuedAtMs\": -1,"), json.constData());
    QVERIFY(json.contains("\"startedAtMs\": 1.500,"));
    QVERIFY(json.contains("\"finishedAtMs\": 12345.678,"));
    QVERIFY(json.contains("\"durationMs\": 12344.178,"));
    QVERIFY(json.contains("\"connectMs\": -1,"));
    QVERIFY(json.contains("\"ttfbMs\": 0.007,"));
    QVERIFY(json.contains("\"receiveMs\": 250.000,"));
    QVERIFY(json.contains("\"startedAt\": null,")); // an unknown date is not a number
    QVERIFY(!json.contains("e+")); // no exponents, whatever the magnitude
    const QByteArray lower = job.sha256.toHex();
    QVERIFY(json.contains("\"sha256\": \"" + lower + '"'));
}

void TestResultExport::csvLayout()
{
    const QList<Job> jobs = sampleJobs();
    const QByteArray csv = CsvFormat::toCsv(jobs);

    QByteArray header;
    for (int f = 0; f < ExportFieldCount; ++f)
        header += (f ? "," : "") + QByteArray(exportFieldName(ExportField(f)).data());
    QVERIFY(csv.startsWith(header + "\r\n"));
    QCOMPARE(header,
             QByteArray("line,url,fileName,state,errorKind,error,httpStatus,attempts,worker,bytes,"
                        "bytesTotal,queuedAtMs,startedAtMs,finishedAtMs,durationMs,connectMs,"
                        "ttfbMs,receiveMs,finalUrl,sha256,savedPath,protocol,thread,"
                        "attemptStartedAtMs,tlsMs,sendMs,restored,restoredDurationMs,connection,"
                        "connectionReused,etag,lastModified,dnsMs,serverAddress"));
    QVERIFY(csv.endsWith("\r\n"));
    QVERIFY(!csv.contains("summary"));

    // Quoting: doubled quotes, and the CR LF inside the message kept inside the field.
    QVERIFY(csv.contains("\"HTTP 500, \"\"Internal Server Error\"\"\r\nsecond line\nthird, "
                         "\"\"quoted\"\" \"\"\"\" ends with a quote\"\"\""));
    QVERIFY(csv.contains(",\"comma, \"\"and\"\" quotes.txt\","));
    // UTF-8, unquoted when nothing calls for quotes.
    QVERIFY(csv.contains(QStringLiteral(",Ünïcödé 文件 📦 «naïve».bin,").toUtf8()));
    // Unknown numbers are -1 and never neutralised.
    QVERIFY(csv.contains(",-1,"));

    // Every record ends with CR LF: outside quotes there is no bare LF.
    bool quoted = false;
    for (qsizetype i = 0; i < csv.size(); ++i) {
        if (csv.at(i) == '"')
            quoted = !quoted;
        else if (!quoted && csv.at(i) == '\n')
            QVERIFY2(i > 0 && csv.at(i - 1) == '\r', qPrintable(QString::number(i)));
    }
    QVERIFY(!quoted);
}

void TestResultExport::csvNeutralisesFormulas()
{
    const QList<Job> jobs = sampleJobs();
    const QByteArray csv = CsvFormat::toCsv(jobs);
    QVERIFY(csv.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","));
    QVERIFY(csv.contains(",'+1 more failure,"));
    QVERIFY(csv.contains(",'-1,"));
    QVERIFY(csv.contains(",'@SUM(A1:A2),"));
    QVERIFY(csv.contains(",'\tstarts with a tab,"));
    QVERIFY(csv.contains(",\"'\rstarts with a CR\","));
    QVERIFY(csv.contains(",''already quoted,"));
    QVERIFY(csv.contains(",'''twice,"));
    // No field starts with a formula character once the quotes are taken off.
    for (const char *bad : { ",=", ",+", ",@", ",\"=", ",\"+", ",\"@", ",\"-" })
        QVERIFY2(!csv.contains(bad), bad);
    // JSON is not opened by spreadsheets: texts stay as they are.
    const QByteArray json = JsonFormat::toJson(jobs, RunSummary::compute(jobs), {});
    QVERIFY(json.contains("\"error\": \"+1 more failure\""));
}

void TestResultExport::credentialsNeverExported()
{
    Job job = jobOfKind(ErrorKind::None, 1);
    job.url = QUrl(SecretUrl);
    job.setFinalUrl(QUrl(SecretRedirect));
    const QList<Job> jobs = { job };
    const QByteArray json = JsonFormat::toJson(jobs, RunSummary::compute(jobs), sampleInfo());
    const QByteArray csv = CsvFormat::toCsv(jobs);
    for (const QByteArray &data : { json, csv }) {
        QVERIFY(!data.contains("secret"));
        QVERIFY(!data.contains("hunter2"));
        QVERIFY(!data.contains("user:"));
        QVERIFY(!data.contains("admin"));
        QVERIFY(data.contains("https://***@example.com/x"));
        QVERIFY(data.contains("https://***@mirror.example.net/y"));
    }

    // The same through the files a user saves.
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    for (const ExportFormat format : { ExportFormat::Csv, ExportFormat::Json }) {
        const QString path = directory.filePath(QStringLiteral("run%1").arg(int(format)));
        QString error;
        QVERIFY2(
            RunFile::write(path, format, jobs, RunSummary::compute(jobs), sampleInfo(), &error),
            qPrintable(error));
        QVERIFY(!readAll(path).contains("secret"));
        QVERIFY(!readAll(path).contains("hunter2"));

        ImportedRun run;
        QVERIFY2(RunFile::read(path, &run, &error), qPrintable(error));
        QCOMPARE(run.jobs.size(), 1);
        QCOMPARE(run.jobs.at(0).url.userInfo(), QStringLiteral("***"));
        QCOMPARE(run.jobs.at(0).url.password(), QString());
        QCOMPARE(run.jobs.at(0).finalUrl().userInfo(), QStringLiteral("***"));
    }
}

void TestResultExport::roundTrip_data()
{
    QTest::addColumn<int>("format");
    QTest::newRow("json") << int(ExportFormat::Json);
    QTest::newRow("csv") << int(ExportFormat::Csv);
}

void TestResultExport::roundTrip()
{
    QFETCH(int, format);
    const QList<Job> jobs = sampleJobs();
    const RunSummary summary = RunSummary::compute(jobs);
    const RunInfo info = sampleInfo();

    ImportedRun run;
    QString error;
    const bool ok = format == int(ExportFormat::Json)
        ? JsonFormat::fromJson(JsonFormat::toJson(jobs, summary, info), &run, &error)
        : CsvFormat::fromCsv(CsvFormat::toCsv(jobs), &run, &error);
    QVERIFY2(ok, qPrintable(error));
    compareJobs(jobs, run.jobs);

    const QStringList differing = differingFields(summary, run.summary);
    QVERIFY2(differing.isEmpty(), qPrintable(differing.join(u',')));

    if (format == int(ExportFormat::Json)) {
        QCOMPARE(run.info.startedAt, info.startedAt);
        QCOMPARE(run.info.startedAt.offsetFromUtc(), info.startedAt.offsetFromUtc());
        QCOMPARE(run.info.concurrency, info.concurrency);
        QCOMPARE(run.info.method, info.method);
        QCOMPARE(run.info.toolVersion, info.toolVersion);
        QCOMPARE(run.info.perHost, 0); // not written without a cap
        RunInfo polite = info;
        polite.perHost = 3;
        ImportedRun politeRun;
        QVERIFY2(
            JsonFormat::fromJson(JsonFormat::toJson(jobs, summary, polite), &politeRun, &error),
            qPrintable(error));
        QCOMPARE(politeRun.info.perHost, 3); // --what-if replays the run with its own cap
    } else {
        QVERIFY(!run.info.startedAt.isValid()); // CSV carries no run information
    }
}

void TestResultExport::roundTripThroughFiles_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<int>("format");
    QTest::newRow("run.json") << QStringLiteral("run.json") << int(ExportFormat::Json);
    QTest::newRow("run.CSV") << QStringLiteral("run.CSV") << int(ExportFormat::Csv);
    QTest::newRow("JSON without a suffix is sniffed")
        << QStringLiteral("run") << int(ExportFormat::Json);
    QTest::newRow("CSV under another suffix is sniffed")
        << QStringLiteral("run.txt") << int(ExportFormat::Csv);
    QTest::newRow("unicode file name")
        << QStringLiteral("Läufe 文件.json") << int(ExportFormat::Json);
}

void TestResultExport::roundTripThroughFiles()
{
    QFETCH(QString, fileName);
    QFETCH(int, format);
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(fileName);
    const QList<Job> jobs = sampleJobs();
    const RunSummary summary = RunSummary::compute(jobs);

    QString error;
    QVERIFY2(RunFile::write(path, ExportFormat(format), jobs, summary, sampleInfo(), &error),
             qPrintable(error));
    QCOMPARE(entriesOf(directory.path()), QStringList { fileName }); // no temporary left over
    QCOMPARE(readAll(path),
             format == int(ExportFormat::Json) ? JsonFormat::toJson(jobs, summary, sampleInfo())
                                               : CsvFormat::toCsv(jobs));

    ImportedRun run;
    QVERIFY2(RunFile::read(path, &run, &error), qPrintable(error));
    compareJobs(jobs, run.jobs);
    QCOMPARE(run.info.concurrency, format == int(ExportFormat::Json) ? 16 : 0);
}

void TestResultExport::emptyRun()
{
    const QByteArray json = JsonFormat::toJson({}, RunSummary(), RunInfo());
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));
    QVERIFY(document.object().value(QLatin1String("jobs")).isArray());
    QCOMPARE(document.object()
                 .value(QLatin1String("summary"))
                 .toObject()
                 .value(QLatin1String("p50Ms"))
                 .toDouble(),
             -1.0);

    const QByteArray csv = CsvFormat::toCsv({});
    QCOMPARE(csv.count('\n'), 1); // the header alone

    ImportedRun run;
    run.jobs.append(Job());
    QString error;
    QVERIFY2(JsonFormat::fromJson(json, &run, &error), qPrintable(error));
    QVERIFY(run.jobs.isEmpty());
    run.jobs.append(Job());
    QVERIFY2(CsvFormat::fromCsv(csv, &run, &error), qPrintable(error));
    QVERIFY(run.jobs.isEmpty());
    QCOMPARE(run.summary.total, 0);
}

void TestResultExport::subMicrosecondTimesRound()
{
    Job job = jobOfKind(ErrorKind::None, 1);
    job.queuedAtNs = 499; // rounds down to 0.000 ms: still known, not -1
    job.startedAtNs = 1'234'567'890; // 1234567.890 µs -> 1234.568 ms
    job.finishedAtNs = 2'000'000'500; // halves round up -> 2000.001 ms
    for (int format = 0; format < 2; ++format) {
        ImportedRun run;
        QString error;
        const bool ok = format == 0
            ? JsonFormat::fromJson(JsonFormat::toJson({ job }, RunSummary(), {}), &run, &error)
            : CsvFormat::fromCsv(CsvFormat::toCsv({ job }), &run, &error);
        QVERIFY2(ok, qPrintable(error));
        QCOMPARE(run.jobs.at(0).queuedAtNs, 0);
        QCOMPARE(run.jobs.at(0).startedAtNs, 1'234'568'000);
        QCOMPARE(run.jobs.at(0).finishedAtNs, 2'000'001'000);
        // The exported duration is the difference of the exported instants.
        QCOMPARE(run.jobs.at(0).durationNs(), 765'433'000);
    }
    QVERIFY(CsvFormat::toCsv({ job }).contains(",765.433,"));
}

void TestResultExport::csvImportIsLenientAboutLayout()
{
    // What a spreadsheet may hand back: a BOM, LF line ends, columns reordered, an extra column,
    // a blank line, emptied numeric cells, no quotes where none are needed.
    const QByteArray csv = "\xEF\xBB\xBF"
                           "state,notes,url,httpStatus,fileName,startedAtMs\n"
                           "succeeded,mine,https://example.com/a,200,a.bin,1.5\n"
                           "\n"
                           "failed,,https://example.com/b,,'=b.bin,\n";
    ImportedRun run;
    QString error;
    QVERIFY2(CsvFormat::fromCsv(csv, &run, &error), qPrintable(error));
    QCOMPARE(run.jobs.size(), 2);
    QCOMPARE(stateName(run.jobs.at(0).state), stateName(JobState::Succeeded));
    QCOMPARE(run.jobs.at(0).url, QUrl(QStringLiteral("https://example.com/a")));
    QCOMPARE(run.jobs.at(0).httpStatus, 200);
    QCOMPARE(run.jobs.at(0).fileName(), QStringLiteral("a.bin"));
    QCOMPARE(run.jobs.at(0).startedAtNs, 1'500'000);
    QCOMPARE(stateName(run.jobs.at(1).state), stateName(JobState::Failed));
    QCOMPARE(run.jobs.at(1).httpStatus, 0); // emptied: Job's default
    QCOMPARE(run.jobs.at(1).startedAtNs, -1); // emptied: unknown
    QCOMPARE(run.jobs.at(1).fileName(), QStringLiteral("=b.bin"));
    QCOMPARE(run.summary.total, 2);
    QCOMPARE(run.summary.failed, 1);
}

void TestResultExport::exportsFromBeforeThePhaseFieldsImport_data()
{
    QTest::addColumn<bool>("json");
    QTest::addColumn<QByteArray>("data");

    // Written by the version before thread, attemptStartedAtMs, tlsMs and sendMs existed.
    QTest::newRow("CSV without the new columns")
        << false
        << QByteArray("line,url,fileName,state,errorKind,error,httpStatus,attempts,worker,bytes,"
                      "bytesTotal,queuedAtMs,startedAtMs,finishedAtMs,durationMs,connectMs,"
                      "ttfbMs,receiveMs,finalUrl,sha256,savedPath,protocol\r\n"
                      "1,https://example.com/a,,succeeded,,,200,1,3,10,10,0.000,1.000,5.000,"
                      "4.000,0.500,2.000,1.000,,,,h2\r\n");
    QTest::newRow("JSON without the new keys")
        << true
        << QByteArray("{\"format\": \"parafetch-run\", \"formatVersion\": 1, \"jobs\": [{"
                      "\"line\": 1, \"url\": \"https://example.com/a\", \"state\": "
                      "\"succeeded\", \"httpStatus\": 200, \"attempts\": 1, \"worker\": 3, "
                      "\"bytes\": 10, \"queuedAtMs\": 0.000, \"startedAtMs\": 1.000, "
                      "\"finishedAtMs\": 5.000, \"connectMs\": 0.500, \"ttfbMs\": 2.000, "
                      "\"receiveMs\": 1.000, \"protocol\": \"h2\"}]}");
}

void TestResultExport::exportsFromBeforeThePhaseFieldsImport()
{
    QFETCH(bool, json);
    QFETCH(QByteArray, data);
    ImportedRun run;
    QString error;
    const bool ok =
        json ? JsonFormat::fromJson(data, &run, &error) : CsvFormat::fromCsv(data, &run, &error);
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(run.jobs.size(), 1);
    const Job &job = run.jobs.constFirst();
    QCOMPARE(job.worker, 3);
    QCOMPARE(job.connectUs, 500);
    QCOMPARE(job.waitUs, 2000);
    // What the old file did not have is unknown, not zero.
    QCOMPARE(job.thread, -1);
    QCOMPARE(job.attemptStartedAtNs, -1);
    QCOMPARE(job.tlsUs, -1);
    QCOMPARE(job.sendUs, -1);
}

void TestResultExport::loneSurrogatesImportAsReplacementCharacters()
{
    // A lone surrogate is valid JSON but not text UTF-8 can carry: an export would write '?'.
    // It imports as U+FFFD, like bytes that are not UTF-8 in CSV, so export -> import gives the
    // same job back.
    const QByteArray data =
        jsonWith(QStringLiteral("fileName"), QStringLiteral("x"))
            .replace("\"fileName\": \"x\"", "\"fileName\": \"\\udc00a\\ud83d\"");
    ImportedRun first;
    QString error;
    QVERIFY2(JsonFormat::fromJson(data, &first, &error), qPrintable(error));
    QCOMPARE(first.jobs.constFirst().fileName(),
             QString(QChar::ReplacementCharacter) + u'a' + QChar::ReplacementCharacter);

    ImportedRun second;
    QVERIFY2(JsonFormat::fromJson(JsonFormat::toJson(first.jobs, first.summary, first.info),
                                  &second, &error),
             qPrintable(error));
    compareJobs(first.jobs, second.jobs);
}

void TestResultExport::importRejectsMalformed_data()
{
    QTest::addColumn<bool>("json");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("message");

    const auto csv = [](const char *name, const QByteArray &data, const char *message) {
        QTest::newRow(name) << false << data << QString::fromUtf8(message);
    };
    csv("CSV: a word where httpStatus should be", csvWith(QStringLiteral("httpStatus"), "abc"),
        "row 2: httpStatus is not a number");
    csv("CSV: the second job's error names row 3", csvWith(QStringLiteral("httpStatus"), "abc", 2),
        "row 3: httpStatus is not a number");
    csv("CSV: a fraction of an attempt", csvWith(QStringLiteral("attempts"), "1.5"),
        "row 2: attempts is not a whole number");
    csv("CSV: status out of range", csvWith(QStringLiteral("httpStatus"), "1200"),
        "row 2: httpStatus is out of range: 1200");
    csv("CSV: negative byte count", csvWith(QStringLiteral("bytes"), "-5"),
        "row 2: bytes is out of range: -5");
    csv("CSV: an unknown state", csvWith(QStringLiteral("state"), "done"),
        "row 2: state “done” is not a known state");
    csv("CSV: an empty state", csvWith(QStringLiteral("state"), ""),
        "row 2: state “” is not a known state");
    csv("CSV: an unknown error kind", csvWith(QStringLiteral("errorKind"), "oops"),
        "row 2: errorKind “oops” is not a known error kind");
    csv("CSV: a negative time other than -1", csvWith(QStringLiteral("startedAtMs"), "-5"),
        "row 2: startedAtMs must be -1 (unknown) or not negative: -5");
    csv("CSV: a phase beyond what Job can hold", csvWith(QStringLiteral("ttfbMs"), "1e300"),
        "row 2: ttfbMs is out of range: 1e+300");
    csv("CSV: infinity is not a number", csvWith(QStringLiteral("connectMs"), "inf"),
        "row 2: connectMs is not a number");
    csv("CSV: a short digest", csvWith(QStringLiteral("sha256"), "abc"),
        "row 2: sha256 is not 64 hexadecimal digits");
    csv("CSV: an empty url", csvWith(QStringLiteral("url"), ""), "row 2: url is empty");
    // --if-changed sends them back as request headers: checked as every header value is.
    csv("CSV: an etag that would split a request",
        csvWith(QStringLiteral("etag"), "\"\"\"v1\"\"\r\nX-Injected: 1\""),
        "row 2: etag cannot contain a line break (CR): it is sent as a header");
    csv("CSV: a lastModified beyond Latin-1",
        csvWith(QStringLiteral("lastModified"), "\"Mon, 07 Dec 2026 10:00:00 \xe2\x82\xac\""),
        "row 2: lastModified cannot contain a character outside Latin-1");
    csv("CSV: a row with too few fields",
        CsvFormat::toCsv({ jobOfKind(ErrorKind::None, 1) }) + "1,2,3\r\n",
        "row 3: 3 fields, but the header has 34");
    csv("CSV: an unclosed quote",
        CsvFormat::toCsv({ jobOfKind(ErrorKind::None, 1) }) + "\"never closed,2\r\n",
        "row 3: a quoted field is not closed");
    csv("CSV: text after a closing quote", CsvFormat::toCsv({}) + "\"a\"b,c\r\n",
        "row 2: a closing quote is followed by more text");
    csv("CSV: no url column", "state,httpStatus\r\nsucceeded,200\r\n",
        "the header has no “url” column");
    csv("CSV: a column named twice", "url,state,url\r\n",
        "the header names the column “url” twice");
    csv("CSV: an empty file", "", "the file is empty: no header row");

    const auto json = [](const char *name, const QByteArray &data, const char *message) {
        QTest::newRow(name) << true << data << QString::fromUtf8(message);
    };
    json("JSON: not JSON", "url,state\r\n", "not valid JSON");
    json("JSON: an array at the top", "[]", "the top level is not a JSON object");
    json("JSON: another format", jsonRootWith(QStringLiteral("format"), QStringLiteral("har")),
         "not a Parafetch run: format is “har”, expected “parafetch-run”");
    json("JSON: no format", jsonRootWith(QStringLiteral("format"), QJsonValue::Undefined),
         "not a Parafetch run: format is “”");
    json("JSON: a newer formatVersion", jsonRootWith(QStringLiteral("formatVersion"), 2),
         "formatVersion 2 is newer than this version of Parafetch reads (1)");
    json("JSON: a bad startedAt", jsonRootWith(QStringLiteral("startedAt"), QStringLiteral("May")),
         "startedAt “May” is not an ISO 8601 date and time");
    json("JSON: no jobs", jsonRootWith(QStringLiteral("jobs"), QJsonValue::Undefined),
         "jobs is missing or not an array");
    json("JSON: httpStatus as a string names jobs[1]",
         jsonWith(QStringLiteral("httpStatus"), QStringLiteral("200"), 2),
         "jobs[1]: httpStatus is not a number");
    json("JSON: a number where text belongs", jsonWith(QStringLiteral("fileName"), 5),
         "jobs[0]: fileName is not a string");
    json("JSON: no state", jsonWith(QStringLiteral("state"), QJsonValue::Undefined),
         "jobs[0]: state is missing");
    json("JSON: a null url", jsonWith(QStringLiteral("url"), QJsonValue::Null),
         "jobs[0]: url is missing");
    json("JSON: a fractional worker", jsonWith(QStringLiteral("worker"), 1.5),
         "jobs[0]: worker is not a whole number");
    json("JSON: an unknown error kind", jsonWith(QStringLiteral("errorKind"), QStringLiteral("x")),
         "jobs[0]: errorKind “x” is not a known error kind");
    json("JSON: a job that is not an object",
         jsonRootWith(QStringLiteral("jobs"), QJsonArray { 1 }), "jobs[0]: not an object");
    json("JSON: a thread below -1", jsonWith(QStringLiteral("thread"), -2),
         "jobs[0]: thread is out of range: -2");
    json("JSON: a negative TLS time other than -1", jsonWith(QStringLiteral("tlsMs"), -0.5),
         "jobs[0]: tlsMs must be -1 (unknown) or not negative: -0.5");
    json("JSON: sendMs as text", jsonWith(QStringLiteral("sendMs"), QStringLiteral("1")),
         "jobs[0]: sendMs is not a number");
    csv("CSV: an attempt start that is not a number",
        csvWith(QStringLiteral("attemptStartedAtMs"), "soon"),
        "row 2: attemptStartedAtMs is not a number");
}

void TestResultExport::importRejectsMalformed()
{
    QFETCH(bool, json);
    QFETCH(QByteArray, data);
    QFETCH(QString, message);

    ImportedRun run;
    Job sentinel;
    sentinel.sourceLine = 42;
    run.jobs.append(sentinel);
    QString error;
    const bool ok =
        json ? JsonFormat::fromJson(data, &run, &error) : CsvFormat::fromCsv(data, &run, &error);
    QVERIFY2(!ok, data.constData());
    QVERIFY2(error.contains(message), qPrintable(error));
    QCOMPARE(run.jobs.size(), 1); // untouched on failure
    QCOMPARE(run.jobs.at(0).sourceLine, 42);
}

void TestResultExport::readNamesThePath()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    ImportedRun run;
    QString error;

    const QString missing = directory.filePath(QStringLiteral("missing.json"));
    QVERIFY(!RunFile::read(missing, &run, &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(missing)), qPrintable(error));

    const QString broken = directory.filePath(QStringLiteral("broken.csv"));
    QVERIFY(writeFile(broken, csvWith(QStringLiteral("httpStatus"), "abc")));
    QVERIFY(!RunFile::read(broken, &run, &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(broken)), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("row 2: httpStatus is not a number")), qPrintable(error));

    QVERIFY(!RunFile::read(directory.path(), &run, &error)); // a directory
    QVERIFY2(error.contains(QDir::toNativeSeparators(directory.path())), qPrintable(error));
}

void TestResultExport::writeFailures_data()
{
    QTest::addColumn<QString>("relativePath");
    QTest::addColumn<QString>("makeDirectory");
    QTest::newRow("a directory that does not exist")
        << QStringLiteral("no/such/dir/run.csv") << QString();
    QTest::newRow("a path that is a directory")
        << QStringLiteral("taken.json") << QStringLiteral("taken.json");
}

void TestResultExport::writeFailures()
{
    QFETCH(QString, relativePath);
    QFETCH(QString, makeDirectory);
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    if (!makeDirectory.isEmpty())
        QVERIFY(QDir(directory.path()).mkpath(makeDirectory));
    const QStringList before = entriesOf(directory.path());
    const QString path = directory.filePath(relativePath);
    const QList<Job> jobs = sampleJobs();

    for (const ExportFormat format : { ExportFormat::Csv, ExportFormat::Json }) {
        QString error;
        QVERIFY(
            !RunFile::write(path, format, jobs, RunSummary::compute(jobs), sampleInfo(), &error));
        QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
        QCOMPARE(entriesOf(directory.path()), before); // nothing left behind
        QVERIFY(!RunFile::write(path, format, jobs, RunSummary(), {}, nullptr));
    }
    if (!makeDirectory.isEmpty()) {
        QVERIFY(QFileInfo(path).isDir());
        QVERIFY(entriesOf(path).isEmpty());
    }
}

void TestResultExport::existingFileReplacedOnSuccess()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("run.csv"));
    QVERIFY(writeFile(path, "an older export, much longer than the new one will be\n"));
    const QList<Job> jobs = { jobOfKind(ErrorKind::None, 1) };
    QString error;
    QVERIFY2(RunFile::write(path, ExportFormat::Csv, jobs, RunSummary::compute(jobs), {}, &error),
             qPrintable(error));
    QCOMPARE(readAll(path),
             CsvFormat::toCsv(jobs)); // replaced whole, not overwritten in place
    QCOMPARE(entriesOf(directory.path()), QStringList { QStringLiteral("run.csv") });
}

void TestResultExport::existingFileKeptOnFailure()
{
    // A failure after the user chose an existing file: the old file must survive intact. A file
    // name of exactly NAME_MAX bytes exists happily, but QSaveFile's temporary sibling (the name
    // plus a suffix) cannot, whatever the process's privileges, so the save fails.
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString suffix = QStringLiteral(".csv");
    const QString fileName = QString(MaxFileNameBytes - suffix.size(), u'r') + suffix;
    const QString path = directory.filePath(fileName);
    const QByteArray old = "the export from yesterday\r\n";
    if (!writeFile(path, old))
        QSKIP("this file system does not take a file name of NAME_MAX bytes");

    // The premise, checked apart from the code under test, so that a bug cannot skip the test.
    constexpr int TemporarySuffixBytes = 7; // QSaveFile adds ".XXXXXX"
    const QString longerName = QString(MaxFileNameBytes + TemporarySuffixBytes, u'p');
    if (writeFile(directory.filePath(longerName), old))
        QSKIP("this file system takes names longer than NAME_MAX; cannot provoke a failure");

    const QList<Job> jobs = sampleJobs();
    QString error;
    QVERIFY(!RunFile::write(path, ExportFormat::Csv, jobs, RunSummary::compute(jobs), {}, &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
    QCOMPARE(readAll(path), old);
    QCOMPARE(entriesOf(directory.path()), QStringList { fileName });
}

QTEST_GUILESS_MAIN(TestResultExport)
#include "tst_resultexport.moc"
