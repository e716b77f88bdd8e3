// SPDX-License-Identifier: GPL-3.0-or-later
// HAR 1.2 export and import: the schema's required fields and types, the timing sum rule,
// secrets, unknown phases, round trips, browser HAR files and malformed entries.
#include "formats/harformat.h"
#include "redact.h"
#include "runsummary.h"
#include "samplejobs.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace Parafetch;
using namespace Parafetch::ExportSamples;
using Parafetch::TestSupport::differingFields;

namespace {

constexpr double UsPerMs = 1000;

// ---- a validator for HAR 1.2: required fields and types, from the spec and its JSON schema ----

// The pattern of the HAR schema's startedDateTime.
const QRegularExpression IsoDateTime(QStringLiteral(
    R"(^(\d{4})(-)?(\d\d)(-)?(\d\d)(T)?(\d\d)(:)?(\d\d)(:)?(\d\d)(\.\d+)?(Z|([+-])(\d\d)(:)?(\d\d))$)"));

// Pairs = an array of {name: string, value: string} (headers, queryString, cookies); Timing = a
// number of milliseconds, -1 (does not apply) or more.
enum class Type { String, Number, Integer, Object, Array, ObjectOrNull, Pairs, Timing };

struct Rule
{
    const char *key;
    Type type;
    bool required;
};

// Each object of HAR 1.2, field by field; any other key must start with "_" (a custom field).
// Objects the export never writes (pages, postData, beforeRequest...) are checked for type only.
const std::vector<Rule> LogRules = {
    { "version", Type::String, true },  { "creator", Type::Object, true },
    { "browser", Type::Object, false }, { "pages", Type::Array, false },
    { "entries", Type::Array, true },   { "comment", Type::String, false },
};
const std::vector<Rule> CreatorRules = {
    { "name", Type::String, true },
    { "version", Type::String, true },
    { "comment", Type::String, false },
};
const std::vector<Rule> EntryRules = {
    { "pageref", Type::String, false },    { "startedDateTime", Type::String, true },
    { "time", Type::Number, true },        { "request", Type::Object, true },
    { "response", Type::Object, true },    { "cache", Type::Object, true },
    { "timings", Type::Object, true },     { "serverIPAddress", Type::String, false },
    { "connection", Type::String, false }, { "comment", Type::String, false },
};
const std::vector<Rule> RequestRules = {
    { "method", Type::String, true },      { "url", Type::String, true },
    { "httpVersion", Type::String, true }, { "cookies", Type::Pairs, true },
    { "headers", Type::Pairs, true },      { "queryString", Type::Pairs, true },
    { "postData", Type::Object, false },   { "headersSize", Type::Integer, true },
    { "bodySize", Type::Integer, true },   { "comment", Type::String, false },
};
const std::vector<Rule> ResponseRules = {
    { "status", Type::Integer, true },     { "statusText", Type::String, true },
    { "httpVersion", Type::String, true }, { "cookies", Type::Pairs, true },
    { "headers", Type::Pairs, true },      { "content", Type::Object, true },
    { "redirectURL", Type::String, true }, { "headersSize", Type::Integer, true },
    { "bodySize", Type::Integer, true },   { "comment", Type::String, false },
};
const std::vector<Rule> ContentRules = {
    { "size", Type::Integer, true },     { "compression", Type::Integer, false },
    { "mimeType", Type::String, true },  { "text", Type::String, false },
    { "encoding", Type::String, false }, { "comment", Type::String, false },
};
const std::vector<Rule> CacheRules = {
    { "beforeRequest", Type::ObjectOrNull, false },
    { "afterRequest", Type::ObjectOrNull, false },
    { "comment", Type::String, false },
};
const std::vector<Rule> TimingsRules = {
    { "blocked", Type::Timing, false }, { "dns", Type::Timing, false },
    { "connect", Type::Timing, false }, { "send", Type::Timing, true },
    { "wait", Type::Timing, true },     { "receive", Type::Timing, true },
    { "ssl", Type::Timing, false },     { "comment", Type::String, false },
};

class HarValidator
{
public:
    QStringList problems;

    void validate(const QJsonDocument &document)
    {
        if (!document.isObject() || !document.object().value(QLatin1String("log")).isObject()) {
            problems.append(QStringLiteral("log is missing or not an object"));
            return;
        }
        const QJsonObject log = document.object().value(QLatin1String("log")).toObject();
        const QString at = QStringLiteral("log");
        check(log, LogRules, at);
        check(log.value(QLatin1String("creator")).toObject(), CreatorRules,
              at + QStringLiteral(".creator"));
        const QJsonArray entries = log.value(QLatin1String("entries")).toArray();
        for (qsizetype i = 0; i < entries.size(); ++i)
            entry(entries.at(i).toObject(), QStringLiteral("log.entries[%1]").arg(i));
    }

private:
    bool hasType(const QJsonValue &value, Type type, const QString &place)
    {
        switch (type) {
        case Type::String:
            return value.isString();
        case Type::Number:
            return value.isDouble();
        case Type::Integer:
            return value.isDouble() && std::floor(value.toDouble()) == value.toDouble();
        case Type::Object:
            return value.isObject();
        case Type::Array:
            return value.isArray();
        case Type::ObjectOrNull:
            return value.isObject() || value.isNull();
        case Type::Timing:
            return value.isDouble() && value.toDouble() >= -1;
        case Type::Pairs: {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                const QJsonObject pair = array.at(i).toObject();
                if (!pair.value(QLatin1String("name")).isString()
                    || !pair.value(QLatin1String("value")).isString())
                    problems.append(
                        QStringLiteral("%1[%2] has no name and value strings").arg(place).arg(i));
            }
            return value.isArray();
        }
        }
        return false;
    }

    void check(const QJsonObject &object, const std::vector<Rule> &rules, const QString &at)
    {
        for (const Rule &rule : rules) {
            const QString key = QLatin1String(rule.key);
            const QString place = at + u'.' + key;
            if (!object.contains(key)) {
                if (rule.required)
                    problems.append(place + QStringLiteral(" is missing"));
            } else if (!hasType(object.value(key), rule.type, place)) {
                problems.append(place + QStringLiteral(" has the wrong type or range"));
            }
        }
        for (const QString &key : object.keys()) {
            const bool known = std::any_of(rules.begin(), rules.end(), [&key](const Rule &rule) {
                return key == QLatin1String(rule.key);
            });
            if (!known && !key.startsWith(u'_'))
                problems.append(at + u'.' + key + QStringLiteral(" is not a HAR field"));
        }
    }

    void entry(const QJsonObject &entry, const QString &at)
    {
        check(entry, EntryRules, at);
        if (!IsoDateTime.match(entry.value(QLatin1String("startedDateTime")).toString()).hasMatch())
            problems.append(at + QStringLiteral(".startedDateTime is not ISO 8601"));
        if (entry.value(QLatin1String("time")).toDouble() < 0)
            problems.append(at + QStringLiteral(".time is negative"));

        const QJsonObject request = entry.value(QLatin1String("request")).toObject();
        check(request, RequestRules, at + QStringLiteral(".request"));
        if (!QUrl(request.value(QLatin1String("url")).toString(), QUrl::StrictMode).isValid())
            problems.append(at + QStringLiteral(".request.url is not a URL"));
        const QJsonObject response = entry.value(QLatin1String("response")).toObject();
        check(response, ResponseRules, at + QStringLiteral(".response"));
        check(response.value(QLatin1String("content")).toObject(), ContentRules,
              at + QStringLiteral(".response.content"));
        check(entry.value(QLatin1String("cache")).toObject(), CacheRules,
              at + QStringLiteral(".cache"));
        const QJsonObject timings = entry.value(QLatin1String("timings")).toObject();
        check(timings, TimingsRules, at + QStringLiteral(".timings"));
        sumRule(entry.value(QLatin1String("time")).toDouble(), timings,
                at + QStringLiteral(".timings"));
    }

    // "time is the sum of the timings that are not -1", ssl excluded (it is inside connect);
    // compared in whole microseconds, the precision of the numbers.
    void sumRule(double time, const QJsonObject &timings, const QString &at)
    {
        qint64 sumUs = 0;
        for (const char *key : { "blocked", "dns", "connect", "send", "wait", "receive" }) {
            const double ms = timings.value(QLatin1String(key)).toDouble(-1);
            if (ms >= 0)
                sumUs += qint64(std::llround(ms * UsPerMs));
        }
        const qint64 timeUs = std::llround(time * UsPerMs);
        if (sumUs != timeUs)
            problems.append(QStringLiteral("%1: the timings add up to %2 µs, time is %3 µs")
                                .arg(at)
                                .arg(sumUs)
                                .arg(timeUs));
    }
};

QStringList harProblems(const QByteArray &har)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(har, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return { parseError.errorString() };
    HarValidator validator;
    validator.validate(document);
    return validator.problems;
}

// ---- sample runs ----

// The sample jobs with response headers, as the engine records them (secrets already masked).
QList<Job> harJobs()
{
    QList<Job> jobs = sampleJobs();
    for (Job &job : jobs) {
        if (job.httpStatus == 0)
            continue;
        job.editDetails().responseHeaders = {
            { "Content-Type", "application/octet-stream" },
            { "Content-Length", QByteArray::number(job.bytesReceived) },
            { "Set-Cookie", "***" },
        };
    }
    return jobs;
}

QJsonObject entryOf(const QByteArray &har, qsizetype index = 0)
{
    return QJsonDocument::fromJson(har)
        .object()
        .value(QLatin1String("log"))
        .toObject()
        .value(QLatin1String("entries"))
        .toArray()
        .at(index)
        .toObject();
}

QJsonObject part(const QJsonObject &entry, const char *name)
{
    return entry.value(QLatin1String(name)).toObject();
}

double number(const QJsonObject &object, const char *name)
{
    return object.value(QLatin1String(name)).toDouble(-999);
}

QByteArray harOf(const QList<Job> &jobs, const RunInfo &info = sampleInfo())
{
    return HarFormat::toHar(jobs, RunSummary::compute(jobs), info);
}

// One job with every instant and phase known: queued at 10 ms, started at 12.5 ms, one attempt,
// a new TLS connection, finished at 40.25 ms.
Job measuredJob()
{
    Job job;
    job.sourceLine = 7;
    job.url = QUrl(QStringLiteral("https://example.com/data?id=5&name=a%20b"));
    job.state = JobState::Succeeded;
    job.httpStatus = 200;
    job.attempts = 1;
    job.worker = 3;
    job.thread = 1;
    job.bytesReceived = 2048;
    job.bytesTotal = 2048;
    job.queuedAtNs = 10 * NsPerMs;
    job.startedAtNs = 12'500 * NsPerUs;
    job.attemptStartedAtNs = job.startedAtNs;
    job.connectUs = 8000;
    job.tlsUs = 5000;
    job.sendUs = 250;
    job.waitUs = 15'000;
    job.receiveUs = 4500;
    job.finishedAtNs = job.startedAtNs + (8000 + 250 + 15'000 + 4500) * NsPerUs;
    job.protocol = "h2";
    job.sha256 = QByteArray(32, '\x11');
    job.setResponseHeaders({ { "content-type", "text/plain; charset=utf-8" } });
    return job;
}

// A HAR as a browser's DevTools writes it (trimmed): no custom fields of ours, Chrome's own.
QByteArray browserHar()
{
    return QByteArrayLiteral(R"({
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2024-03-01T09:30:00.000Z", "id": "page_1", "title": "x",
               "pageTimings": {"onContentLoad": 100, "onLoad": 200}}],
    "entries": [
      {"_initiator": {"type": "other"}, "_priority": "VeryHigh", "_resourceType": "document",
       "cache": {}, "connection": "4711", "pageref": "page_1",
       "request": {"method": "GET", "url": "https://www.example.org/index.html?q=1",
                   "httpVersion": "http/2.0",
                   "headers": [{"name": "cookie", "value": "session=abcdef123"}],
                   "queryString": [{"name": "q", "value": "1"}],
                   "cookies": [{"name": "session", "value": "abcdef123"}],
                   "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                    "headers": [{"name": "content-type", "value": "text/html"},
                                {"name": "set-cookie", "value": "id=secretcookie"}],
                    "cookies": [], "content": {"size": 5120, "mimeType": "text/html",
                    "compression": 2000}, "redirectURL": "", "headersSize": -1,
                    "bodySize": 3120, "_transferSize": 3300, "_error": null},
       "serverIPAddress": "93.184.216.34", "startedDateTime": "2024-03-01T09:30:00.100Z",
       "time": 120.5,
       "timings": {"blocked": 2.25, "dns": 10, "ssl": 20, "connect": 30, "send": 0.25,
                   "wait": 50, "receive": 28, "_blocked_queueing": 1.5}},
      {"cache": {}, "request": {"method": "GET", "url": "https://cdn.example.org/app.js",
                   "httpVersion": "", "headers": [], "queryString": [], "cookies": [],
                   "headersSize": -1, "bodySize": 0},
       "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [],
                    "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
                    "redirectURL": "", "headersSize": -1, "bodySize": -1,
                    "_error": "net::ERR_NAME_NOT_RESOLVED"},
       "startedDateTime": "2024-03-01T10:30:00.350+01:00", "time": 15,
       "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0,
                   "receive": 0}},
      {"cache": {}, "request": {"method": "GET", "url": "http://www.example.org/redirect",
                   "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
                   "headersSize": 100, "bodySize": 0},
       "response": {"status": 301, "statusText": "Moved Permanently",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Location", "value": "https://www.example.org/"}],
                    "cookies": [], "content": {"size": 0, "mimeType": ""},
                    "redirectURL": "https://www.example.org/", "headersSize": 120,
                    "bodySize": 0},
       "serverIPAddress": "[2001:db8::80]",
       "startedDateTime": "2024-03-01T09:30:00.050Z", "time": 5,
       "timings": {"send": 1, "wait": 3, "receive": 1}}
    ]
  }
})");
}

// A HAR whose entries are: a good one of ours, then `bad` (raw JSON), then another good one.
QByteArray harWithEntry(const QByteArray &bad)
{
    const QJsonObject good = entryOf(harOf({ measuredJob() }));
    const QByteArray goodText = QJsonDocument(good).toJson(QJsonDocument::Compact);
    return "{\"log\": {\"version\": \"1.2\", \"creator\": {\"name\": \"Parafetch\", "
           "\"version\": \"1\"}, \"entries\": ["
        + goodText + ", " + bad + ", " + goodText + "]}}";
}

// The first good entry with one change made by `edit`, as raw JSON.
template<typename Edit> QByteArray editedEntry(Edit edit)
{
    QJsonObject entry = entryOf(harOf({ measuredJob() }));
    edit(entry);
    return QJsonDocument(entry).toJson(QJsonDocument::Compact);
}

QStringList differingHeaders(const QList<Job> &expected, const QList<Job> &actual)
{
    QStringList differing;
    for (qsizetype i = 0; i < std::min(expected.size(), actual.size()); ++i) {
        HeaderList masked;
        for (const auto &[name, value] : expected.at(i).responseHeaders())
            masked.append({ name, redactedHeaderValue(name, value) });
        if (masked != actual.at(i).responseHeaders())
            differing.append(QStringLiteral("job %1").arg(i));
    }
    return differing;
}

} // namespace

class TestHar : public QObject
{
    Q_OBJECT

private slots:
    void exportPassesTheSchemaCheck();
    void validatorCatchesBrokenHar_data();
    void validatorCatchesBrokenHar();
    void entryLayout();
    void timingsAddUpToTime_data();
    void timingsAddUpToTime();
    void unknownPhasesAreMinusOne();
    void lookupAndServerAddress_data();
    void lookupAndServerAddress();
    void secretsAreMasked();
    void roundTrip();
    void readDetectsHarByContent_data();
    void readDetectsHarByContent();
    void writeIsAtomicAndChosenBySuffix();
    void browserHarImports();
    void malformedEntriesAreSkipped_data();
    void malformedEntriesAreSkipped();
    void malformedFilesFail_data();
    void malformedFilesFail();
    void problemsAreCapped();
    void httpVersionNames_data();
    void httpVersionNames();
};

void TestHar::exportPassesTheSchemaCheck()
{
    const QList<Job> jobs = harJobs();
    const QByteArray har = harOf(jobs);
    const QStringList problems = harProblems(har);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

    const QJsonObject log =
        QJsonDocument::fromJson(har).object().value(QLatin1String("log")).toObject();
    QCOMPARE(log.value(QLatin1String("version")).toString(), QStringLiteral("1.2"));
    QCOMPARE(log.value(QLatin1String("creator")).toObject().value(QLatin1String("name")).toString(),
             QStringLiteral("Parafetch"));
    QCOMPARE(
        log.value(QLatin1String("creator")).toObject().value(QLatin1String("version")).toString(),
        QStringLiteral("0.1.0"));
    QCOMPARE(log.value(QLatin1String("entries")).toArray().size(), jobs.size());

    // Also for an empty run and a run without a known start.
    QVERIFY(harProblems(harOf({})).isEmpty());
    QVERIFY(harProblems(harOf(jobs, RunInfo())).isEmpty());
}

void TestHar::validatorCatchesBrokenHar_data()
{
    QTest::addColumn<QByteArray>("har");
    QTest::addColumn<QString>("problem");

    const QByteArray good = harOf({ measuredJob() });
    const auto broken = [&good](const char *name, const char *from, const char *to,
                                const char *problem) {
        QVERIFY2(good.contains(from), from);
        QTest::newRow(name) << QByteArray(good).replace(from, to) << QString::fromUtf8(problem);
    };
    broken("no creator", "\"creator\"", "\"kreator\"", "log.creator is missing");
    broken("status as text", "\"status\": 200", "\"status\": \"200\"",
           "log.entries[0].response.status has the wrong type");
    broken("fractional body size", "\"bodySize\": 0", "\"bodySize\": 0.5",
           "log.entries[0].request.bodySize has the wrong type");
    broken("a timing below -1", "\"dns\": -1", "\"dns\": -2",
           "log.entries[0].timings.dns has the wrong type or range");
    broken("a header without a value", "\"headers\": [{\"name\": \"content-type\", \"value\"",
           "\"headers\": [{\"name\": \"content-type\", \"_value\"",
           "log.entries[0].response.headers[0] has no name and value strings");
    broken("no wait", "\"wait\": ", "\"_wait\": ", "log.entries[0].timings.wait is missing");
    broken("timings that do not add up", "\"send\": 0.250", "\"send\": 0.251",
           "the timings add up to");
    broken("a date without a time zone", "T12:00:00.121+02:00", "T12:00:00.121",
           "startedDateTime is not ISO 8601");
    broken("a custom field without an underscore", "\"_worker\"", "\"worker\"",
           "log.entries[0].worker is not a HAR field");
}

void TestHar::validatorCatchesBrokenHar()
{
    QFETCH(QByteArray, har);
    QFETCH(QString, problem);
    const QStringList problems = harProblems(har);
    QVERIFY2(!problems.filter(problem).isEmpty(), qPrintable(problems.join(u'\n')));
}

void TestHar::entryLayout()
{
    RunInfo info = sampleInfo(); // 2024-05-01 12:00:00.123 +02:00, the first start
    info.method = "GET";
    Job job = measuredJob();
    job.editDetails().responseHeaders.append(
        { QByteArray("Content-Encoding"), QByteArray("gzip") });
    const QList<Job> jobs { job };
    const QJsonObject entry = entryOf(HarFormat::toHar(jobs, RunSummary::compute(jobs), info));

    // Queued 2.5 ms before the first (and only) start; the epoch is the run's start minus the
    // first start in whole milliseconds (12), so 12:00:00.123 - 12 ms + 10 ms.
    QCOMPARE(entry.value(QLatin1String("startedDateTime")).toString(),
             QStringLiteral("2024-05-01T12:00:00.121+02:00"));
    QCOMPARE(number(entry, "time"), 30.25); // finished - queued
    const QJsonObject timings = part(entry, "timings");
    QCOMPARE(number(timings, "blocked"), 2.5); // the queue: one attempt, no redirect
    QCOMPARE(number(timings, "dns"), -1.0);
    QCOMPARE(number(timings, "connect"), 8.0);
    QCOMPARE(number(timings, "ssl"), 5.0);
    QCOMPARE(number(timings, "send"), 0.25);
    QCOMPARE(number(timings, "wait"), 15.0);
    QCOMPARE(number(timings, "receive"), 4.5);
    QCOMPARE(number(timings, "_queuedMs"), 2.5);

    const QJsonObject request = part(entry, "request");
    QCOMPARE(request.value(QLatin1String("method")).toString(), QStringLiteral("GET"));
    QCOMPARE(request.value(QLatin1String("httpVersion")).toString(), QStringLiteral("HTTP/2"));
    const QJsonArray query = request.value(QLatin1String("queryString")).toArray();
    QCOMPARE(query.size(), 2);
    QCOMPARE(query.at(1).toObject().value(QLatin1String("value")).toString(),
             QStringLiteral("a b"));

    const QJsonObject response = part(entry, "response");
    QCOMPARE(number(response, "status"), 200.0);
    QCOMPARE(response.value(QLatin1String("httpVersion")).toString(), QStringLiteral("HTTP/2"));
    QCOMPARE(part(response, "content").value(QLatin1String("mimeType")).toString(),
             QStringLiteral("text/plain; charset=utf-8"));
    QCOMPARE(number(part(response, "content"), "size"), 2048.0);
    QCOMPARE(number(response, "bodySize"), -1.0); // compressed: we only saw the decoded bytes
    QCOMPARE(response.value(QLatin1String("redirectURL")).toString(), QString());

    QCOMPARE(number(entry, "_worker"), 3.0);
    QCOMPARE(number(entry, "_thread"), 1.0);
    QCOMPARE(number(entry, "_attempt"), 1.0);
    QCOMPARE(number(entry, "_sourceLine"), 7.0);
    QCOMPARE(entry.value(QLatin1String("_state")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(entry.value(QLatin1String("_errorKind")).toString(), QString());
    QCOMPARE(entry.value(QLatin1String("_sha256")).toString(), QString(64, u'1'));
    QCOMPARE(number(entry, "_startedAtMs"), 12.5);
}

void TestHar::timingsAddUpToTime_data()
{
    QTest::addColumn<Job>("job");
    QTest::addColumn<double>("time");
    QTest::addColumn<double>("blocked");

    Job retried = measuredJob(); // a failed attempt and its backoff before the last one
    retried.attempts = 3;
    retried.attemptStartedAtNs = retried.startedAtNs + 500 * NsPerMs;
    retried.finishedAtNs += 500 * NsPerMs;
    QTest::newRow("retries and backoff go into blocked") << retried << 530.25 << 502.5;

    Job redirected = measuredJob(); // phases are the last hop's; the first hop took 7 ms
    redirected.finishedAtNs += 7 * NsPerMs;
    QTest::newRow("an earlier redirect hop goes into blocked") << redirected << 37.25 << 9.5;

    Job reused = measuredJob(); // no new connection: send starts the attempt
    reused.connectUs = reused.tlsUs = -1;
    reused.finishedAtNs -= 8 * NsPerMs;
    QTest::newRow("a reused connection") << reused << 22.25 << 2.5;

    Job refused = measuredJob(); // no answer: only the time is known
    refused.state = JobState::Failed;
    refused.connectUs = refused.tlsUs = refused.sendUs = refused.waitUs = refused.receiveUs = -1;
    QTest::newRow("no phase known: all of it is blocked") << refused << 30.25 << 30.25;

    Job odd = measuredJob(); // phases longer than the span (an edited file): time grows
    odd.finishedAtNs = odd.startedAtNs + 1 * NsPerMs;
    QTest::newRow("phases longer than the span") << odd << 27.75 << 0.0;

    Job queued; // never started
    queued.url = QUrl(QStringLiteral("http://example.com/"));
    queued.queuedAtNs = 0;
    QTest::newRow("never started") << queued << 0.0 << -1.0;

    Job noQueue = measuredJob(); // imported from a file without queue times
    noQueue.queuedAtNs = -1;
    QTest::newRow("no queue time: counted from the start") << noQueue << 27.75 << 0.0;
}

void TestHar::timingsAddUpToTime()
{
    QFETCH(Job, job);
    QFETCH(double, time);
    QFETCH(double, blocked);
    const QByteArray har = harOf({ job });
    const QStringList problems = harProblems(har);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    const QJsonObject entry = entryOf(har);
    QCOMPARE(number(entry, "time"), time);
    QCOMPARE(number(part(entry, "timings"), "blocked"), blocked);
}

void TestHar::unknownPhasesAreMinusOne()
{
    Job job = measuredJob();
    job.connectUs = job.tlsUs = job.waitUs = job.receiveUs = -1;
    job.protocol.clear();
    Job queued;
    queued.url = QUrl(QStringLiteral("http://example.com/later"));
    const QByteArray har = harOf({ job, queued });

    const QJsonObject timings = part(entryOf(har, 0), "timings");
    for (const char *key : { "dns", "connect", "ssl", "wait", "receive" })
        QCOMPARE(number(timings, key), -1.0);
    QCOMPARE(number(timings, "send"), 0.25);
    QCOMPARE(part(entryOf(har, 0), "response").value(QLatin1String("httpVersion")).toString(),
             QString());

    const QJsonObject never = entryOf(har, 1);
    for (const char *key : { "blocked", "dns", "connect", "ssl", "send", "wait", "receive" })
        QCOMPARE(number(part(never, "timings"), key), -1.0);
    QCOMPARE(number(never, "time"), 0.0);
    for (const char *key : { "_queuedAtMs", "_startedAtMs", "_attemptStartedAtMs", "_finishedAtMs",
                             "_worker", "_thread", "_bytesTotal" })
        QCOMPARE(number(never, key), -1.0);
    QCOMPARE(number(part(never, "response"), "status"), 0.0);
}

void TestHar::lookupAndServerAddress_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QJsonValue>("written");
    QTest::newRow("IPv4") << QStringLiteral("192.0.2.7") << QJsonValue(QStringLiteral("192.0.2.7"));
    QTest::newRow("IPv6") << QStringLiteral("2001:db8::1")
                          << QJsonValue(QStringLiteral("2001:db8::1"));
    QTest::newRow("unknown: left out") << QString() << QJsonValue(QJsonValue::Undefined);
}

// The lookup is a phase of HAR's own, counted in time (blocked shrinks by it), and the address
// the connection reached is serverIPAddress; both come back on import.
void TestHar::lookupAndServerAddress()
{
    QFETCH(QString, address);
    QFETCH(QJsonValue, written);
    Job job = measuredJob();
    job.dnsUs = 1500;
    job.finishedAtNs += 1500 * NsPerUs;
    job.setServerAddress(address);
    const QByteArray har = harOf({ job });
    const QStringList problems = harProblems(har);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    const QJsonObject entry = entryOf(har);
    const QJsonObject timings = part(entry, "timings");
    QCOMPARE(number(timings, "dns"), 1.5);
    QCOMPARE(number(timings, "blocked"), 2.5); // the queue alone, as without the lookup
    QCOMPARE(number(entry, "time"), 31.75);
    QCOMPARE(entry.value(QLatin1String("serverIPAddress")), written);

    ImportedRun run;
    QString error;
    QVERIFY2(HarFormat::fromHar(har, &run, &error), qPrintable(error));
    QCOMPARE(run.jobs.size(), 1);
    QCOMPARE(run.jobs.at(0).dnsUs, 1500);
    QCOMPARE(run.jobs.at(0).serverAddress(), address);
}

void TestHar::secretsAreMasked()
{
    Job job = measuredJob();
    job.url = QUrl(QStringLiteral("https://alice:s3cretpass@example.com/private?x=1"));
    job.setFinalUrl(QUrl(QStringLiteral("https://bob:hunter2hunter2@mirror.example.com/p")));
    job.httpStatus = 302;
    // As if a caller had forgotten to mask: the HAR export masks again.
    job.editDetails().responseHeaders = {
        { "Set-Cookie", "session=topsecretcookie" },
        { "Location", "https://carol:letmein99@elsewhere.example.com/" },
        { "WWW-Authenticate", "Basic realm=\"x\"" },
    };
    RunInfo info = sampleInfo();
    info.requestHeaders = { { "Authorization", "Bearer tokentokentoken" },
                            { "Cookie", "id=cookiecookie" },
                            { "X-Trace", "visible" } };
    const QByteArray har = harOf({ job }, info);

    for (const char *secret : { "alice", "s3cretpass", "bob", "hunter2hunter2", "topsecretcookie",
                                "carol", "letmein99", "tokentokentoken", "cookiecookie" })
        QVERIFY2(!har.contains(secret), secret);
    const QJsonObject entry = entryOf(har);
    QCOMPARE(part(entry, "request").value(QLatin1String("url")).toString(),
             QStringLiteral("https://***@example.com/private?x=1"));
    QCOMPARE(entry.value(QLatin1String("_finalUrl")).toString(),
             QStringLiteral("https://***@mirror.example.com/p"));
    QCOMPARE(part(entry, "response").value(QLatin1String("redirectURL")).toString(),
             QStringLiteral("https://***@elsewhere.example.com/"));
    const QJsonArray sent = part(entry, "request").value(QLatin1String("headers")).toArray();
    QCOMPARE(sent.size(), 3);
    QCOMPARE(sent.at(0).toObject().value(QLatin1String("value")).toString(), QStringLiteral("***"));
    QCOMPARE(sent.at(1).toObject().value(QLatin1String("value")).toString(), QStringLiteral("***"));
    QCOMPARE(sent.at(2).toObject().value(QLatin1String("value")).toString(),
             QStringLiteral("visible"));

    // A browser's HAR may hold real secrets: they are masked on import too.
    ImportedRun run;
    QString error;
    QVERIFY2(HarFormat::fromHar(browserHar(), &run, &error), qPrintable(error));
    for (const Job &imported : run.jobs) {
        for (const auto &[name, value] : imported.responseHeaders())
            QVERIFY2(!value.contains("secretcookie"), name.constData());
    }
}

void TestHar::roundTrip()
{
    const QList<Job> jobs = harJobs();
    const RunSummary summary = RunSummary::compute(jobs);
    const RunInfo info = sampleInfo();
    ImportedRun run;
    QString error;
    QVERIFY2(HarFormat::fromHar(HarFormat::toHar(jobs, summary, info), &run, &error),
             qPrintable(error));
    QVERIFY2(run.problems.isEmpty(), qPrintable(run.problems.join(u'\n')));
    compareJobs(jobs, run.jobs);
    const QStringList headers = differingHeaders(jobs, run.jobs);
    QVERIFY2(headers.isEmpty(), qPrintable(headers.join(u',')));
    const QStringList differing = differingFields(summary, run.summary);
    QVERIFY2(differing.isEmpty(), qPrintable(differing.join(u',')));
    QCOMPARE(run.info.startedAt, info.startedAt);
    QCOMPARE(run.info.concurrency, info.concurrency);
    QCOMPARE(run.info.method, info.method);
    QCOMPARE(run.info.toolVersion, info.toolVersion);

    // Exporting what was imported gives the same file.
    QCOMPARE(HarFormat::toHar(run.jobs, run.summary, run.info),
             HarFormat::toHar(jobs, summary, info));
}

void TestHar::readDetectsHarByContent_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<bool>("browser");
    QTest::newRow("ours as .har") << QStringLiteral("run.har") << false;
    QTest::newRow("ours saved as .json") << QStringLiteral("run.json") << false;
    QTest::newRow("ours without a suffix") << QStringLiteral("run") << false;
    QTest::newRow("a browser's as .HAR") << QStringLiteral("page.HAR") << true;
    QTest::newRow("a browser's as .txt") << QStringLiteral("page.txt") << true;
}

void TestHar::readDetectsHarByContent()
{
    QFETCH(QString, fileName);
    QFETCH(bool, browser);
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(fileName);
    const QList<Job> jobs = harJobs();
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(browser ? browserHar() : harOf(jobs));
    file.close();

    ImportedRun run;
    QString error;
    QVERIFY2(RunFile::read(path, &run, &error), qPrintable(error));
    if (browser)
        QCOMPARE(run.jobs.size(), 3);
    else
        compareJobs(jobs, run.jobs);
}

void TestHar::writeIsAtomicAndChosenBySuffix()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("run.har"));
    const QList<Job> jobs = harJobs();
    const RunSummary summary = RunSummary::compute(jobs);
    QVERIFY(RunFile::formatForPath(path) == ExportFormat::Har);
    {
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("an older, longer file that must be replaced whole, not overwritten in place");
    }
    QString error;
    QVERIFY2(RunFile::write(path, ExportFormat::Har, jobs, summary, sampleInfo(), &error),
             qPrintable(error));
    QFile written(path);
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(written.readAll(), HarFormat::toHar(jobs, summary, sampleInfo()));
    QCOMPARE(QDir(directory.path()).entryList(QDir::Files),
             QStringList { QStringLiteral("run.har") });

    // Into a directory that does not exist: an error naming the path, and no file.
    const QString missing = directory.filePath(QStringLiteral("no/such/run.har"));
    QVERIFY(!RunFile::write(missing, ExportFormat::Har, jobs, summary, sampleInfo(), &error));
    QVERIFY2(error.contains(QStringLiteral("run.har")), qPrintable(error));
    QVERIFY(!QFile::exists(missing));
}

void TestHar::browserHarImports()
{
    ImportedRun run;
    QString error;
    QVERIFY2(HarFormat::fromHar(browserHar(), &run, &error), qPrintable(error));
    QVERIFY2(run.problems.isEmpty(), qPrintable(run.problems.join(u'\n')));
    QCOMPARE(run.jobs.size(), 3);

    // The clock's zero is the earliest entry (the redirect, at 09:30:00.050 UTC).
    const Job &page = run.jobs.at(0);
    QCOMPARE(page.url, QUrl(QStringLiteral("https://www.example.org/index.html?q=1")));
    QCOMPARE(page.state, JobState::Succeeded);
    QCOMPARE(page.errorKind, ErrorKind::None);
    QCOMPARE(page.httpStatus, 200);
    QCOMPARE(page.protocol, QByteArray("h2"));
    QCOMPARE(page.connectionId, quint64(4711)); // HAR's connection, a browser's socket id
    QCOMPARE(page.bytesReceived, 5120); // content.size: the decoded body
    QCOMPARE(page.attempts, 1);
    QCOMPARE(page.worker, -1);
    QCOMPARE(page.thread, -1);
    QCOMPARE(page.queuedAtNs, 50 * NsPerMs);
    QCOMPARE(page.startedAtNs, 52'250 * NsPerUs); // + blocked
    QCOMPARE(page.attemptStartedAtNs, page.startedAtNs);
    QCOMPARE(page.finishedAtNs, 170'500 * NsPerUs); // + time
    QCOMPARE(page.dnsUs, 10'000);
    QCOMPARE(page.serverAddress(), QStringLiteral("93.184.216.34"));
    QCOMPARE(page.connectUs, 30'000);
    QCOMPARE(page.tlsUs, 20'000);
    QCOMPARE(page.sendUs, 250);
    QCOMPARE(page.waitUs, 50'000);
    QCOMPARE(page.receiveUs, 28'000);
    QVERIFY(
        page.responseHeaders().contains(qMakePair(QByteArray("set-cookie"), QByteArray("***"))));

    const Job &failed = run.jobs.at(1); // 10:30:00.350 +01:00 = 09:30:00.350 UTC
    QCOMPARE(failed.state, JobState::Failed);
    QCOMPARE(failed.errorKind, ErrorKind::Network);
    QCOMPARE(failed.errorString(), QStringLiteral("net::ERR_NAME_NOT_RESOLVED"));
    QCOMPARE(failed.httpStatus, 0);
    QCOMPARE(failed.queuedAtNs, 300 * NsPerMs);
    QCOMPARE(failed.startedAtNs, failed.queuedAtNs); // blocked -1: not queued
    QCOMPARE(failed.connectUs, -1);
    QCOMPARE(failed.protocol, QByteArray());

    const Job &redirect = run.jobs.at(2);
    QCOMPARE(redirect.state, JobState::Failed);
    QCOMPARE(redirect.errorKind, ErrorKind::HttpStatus);
    QCOMPARE(redirect.protocol, QByteArray("http/1.1"));
    QCOMPARE(redirect.queuedAtNs, 0);
    QCOMPARE(redirect.serverAddress(), QStringLiteral("2001:db8::80")); // brackets taken off

    QCOMPARE(run.info.method, QByteArray("GET"));
    QCOMPARE(run.info.toolVersion, QString()); // not ours
    // The run's start: the earliest task start on the wall clock.
    QCOMPARE(run.info.startedAt.toUTC(),
             QDateTime(QDate(2024, 3, 1), QTime(9, 30, 0, 50), Qt::UTC));
    QCOMPARE(run.summary.total, 3);
    QCOMPARE(run.summary.succeeded, 1);

    // Exported again, it is valid HAR, and it imports as the same jobs.
    const QByteArray again = HarFormat::toHar(run.jobs, run.summary, run.info);
    const QStringList problems = harProblems(again);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    ImportedRun second;
    QVERIFY2(HarFormat::fromHar(again, &second, &error), qPrintable(error));
    compareJobs(run.jobs, second.jobs);
    QCOMPARE(second.info.startedAt, run.info.startedAt);
}

void TestHar::malformedEntriesAreSkipped_data()
{
    QTest::addColumn<QByteArray>("entry");
    QTest::addColumn<QString>("problem");

    QTest::newRow("not an object")
        << QByteArray("42") << QStringLiteral("entries[1]: not an object");
    QTest::newRow("no request") << editedEntry([](QJsonObject &e) {
        e.remove(QStringLiteral("request"));
    }) << QStringLiteral("entries[1]: request is missing or not an object");
    QTest::newRow("url is a number") << editedEntry([](QJsonObject &e) {
        QJsonObject request = e.value(QLatin1String("request")).toObject();
        request.insert(QStringLiteral("url"), 5);
        e.insert(QStringLiteral("request"), request);
    }) << QStringLiteral("entries[1]: request.url is not a string");
    QTest::newRow("status as text") << editedEntry([](QJsonObject &e) {
        QJsonObject response = e.value(QLatin1String("response")).toObject();
        response.insert(QStringLiteral("status"), QStringLiteral("200"));
        e.insert(QStringLiteral("response"), response);
    }) << QStringLiteral("entries[1]: response.status is not a number");
    QTest::newRow("a header without a value")
        << editedEntry([](QJsonObject &e) {
               QJsonObject response = e.value(QLatin1String("response")).toObject();
               response.insert(
                   QStringLiteral("headers"),
                   QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("x") } } });
               e.insert(QStringLiteral("response"), response);
           })
        << QStringLiteral("entries[1]: response.headers[0] is not an object with a name and a "
                          "value string");
    QTest::newRow("wait as text") << editedEntry([](QJsonObject &e) {
        QJsonObject timings = e.value(QLatin1String("timings")).toObject();
        timings.insert(QStringLiteral("wait"), QStringLiteral("fast"));
        e.insert(QStringLiteral("timings"), timings);
    }) << QStringLiteral("entries[1]: timings.wait is not a number");
    QTest::newRow("negative time")
        << editedEntry([](QJsonObject &e) { e.insert(QStringLiteral("time"), -3); })
        << QStringLiteral("entries[1]: time is missing, not a number or negative");
    QTest::newRow("unknown state of ours") << editedEntry([](QJsonObject &e) {
        e.insert(QStringLiteral("_state"), QStringLiteral("done"));
    }) << QStringLiteral("entries[1]: _state “done” is not a known state");
    QTest::newRow("a server address that is not one") << editedEntry([](QJsonObject &e) {
        e.insert(QStringLiteral("serverIPAddress"), QStringLiteral("example.org"));
    }) << QStringLiteral("entries[1]: serverIPAddress “example.org” is not an IP address");
    QTest::newRow("a fractional attempt count")
        << editedEntry([](QJsonObject &e) { e.insert(QStringLiteral("_attempt"), 1.5); })
        << QStringLiteral("entries[1]: _attempt is not a whole number");
    QTest::newRow("a browser's entry with a bad date")
        << editedEntry([](QJsonObject &e) {
               e.remove(QStringLiteral("_startedAtMs"));
               e.insert(QStringLiteral("startedDateTime"), QStringLiteral("yesterday"));
           })
        << QStringLiteral(
               "entries[1]: startedDateTime “yesterday” is not an ISO 8601 date and time");
}

void TestHar::malformedEntriesAreSkipped()
{
    QFETCH(QByteArray, entry);
    QFETCH(QString, problem);
    ImportedRun run;
    QString error;
    QVERIFY2(HarFormat::fromHar(harWithEntry(entry), &run, &error), qPrintable(error));
    QCOMPARE(run.jobs.size(), 2); // the good ones on either side
    QCOMPARE(run.problems, QStringList { problem });
    QCOMPARE(run.summary.total, 2);
}

void TestHar::malformedFilesFail_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("message");
    QTest::newRow("not JSON") << QByteArray("log: entries") << QStringLiteral("not valid JSON");
    QTest::newRow("an array") << QByteArray("[]") << QStringLiteral("not a JSON object");
    QTest::newRow("no log") << QByteArray("{\"entries\": []}")
                            << QStringLiteral("not a HAR file: log is missing");
    QTest::newRow("entries not an array")
        << QByteArray("{\"log\": {\"entries\": {}}}")
        << QStringLiteral("log.entries is missing or not an array");
    QTest::newRow("a negative concurrency")
        << QByteArray("{\"log\": {\"_concurrency\": -2, \"entries\": []}}")
        << QStringLiteral("log._concurrency is not a whole number of workers");
    QTest::newRow("a bad run start")
        << QByteArray("{\"log\": {\"_startedAt\": \"noon\", \"entries\": []}}")
        << QStringLiteral("log._startedAt “noon” is not an ISO 8601 date and time");
    QTest::newRow("every entry malformed")
        << QByteArray("{\"log\": {\"entries\": [1, {}]}}")
        << QStringLiteral("none of the 2 entries could be read; entries[0]: not an object");
}

void TestHar::malformedFilesFail()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, message);
    ImportedRun run;
    run.info.concurrency = 4242; // untouched on failure
    QString error;
    QVERIFY(!HarFormat::fromHar(data, &run, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QCOMPARE(run.info.concurrency, 4242);
    QVERIFY(run.jobs.isEmpty());
}

void TestHar::problemsAreCapped()
{
    constexpr int Bad = HarFormat::MaxProblems + 50;
    QByteArray entries = "1";
    for (int i = 1; i < Bad; ++i)
        entries += ", 1";
    ImportedRun run;
    QString error;
    QVERIFY2(HarFormat::fromHar(harWithEntry(entries), &run, &error), qPrintable(error));
    QCOMPARE(run.jobs.size(), 2);
    QCOMPARE(run.problems.size(), HarFormat::MaxProblems + 1);
    QCOMPARE(run.problems.constFirst(), QStringLiteral("entries[1]: not an object"));
    QVERIFY2(run.problems.constLast().contains(QStringLiteral("50 more")),
             qPrintable(run.problems.constLast()));
}

void TestHar::httpVersionNames_data()
{
    QTest::addColumn<QString>("har");
    QTest::addColumn<QByteArray>("protocol");
    QTest::newRow("HTTP/2") << QStringLiteral("HTTP/2") << QByteArray("h2");
    QTest::newRow("Chrome's http/2.0") << QStringLiteral("http/2.0") << QByteArray("h2");
    QTest::newRow("ALPN h2") << QStringLiteral("h2") << QByteArray("h2");
    QTest::newRow("HTTP/1.1") << QStringLiteral("HTTP/1.1") << QByteArray("http/1.1");
    QTest::newRow("http/1.0") << QStringLiteral("http/1.0") << QByteArray("http/1.0");
    QTest::newRow("HTTP/3") << QStringLiteral("HTTP/3") << QByteArray("h3");
    QTest::newRow("unknown passes through") << QStringLiteral("spdy/3") << QByteArray("spdy/3");
    QTest::newRow("empty is unknown") << QString() << QByteArray();
}

void TestHar::httpVersionNames()
{
    QFETCH(QString, har);
    QFETCH(QByteArray, protocol);
    QCOMPARE(HarFormat::protocolFromHttpVersion(har), protocol);
    // And back: the canonical name of each protocol we know.
    const QByteArray back = HarFormat::httpVersion(protocol);
    QCOMPARE(HarFormat::protocolFromHttpVersion(QString::fromUtf8(back)), protocol);
}

QTEST_GUILESS_MAIN(TestHar)
#include "tst_har.moc"
