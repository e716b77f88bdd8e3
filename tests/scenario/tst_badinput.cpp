// SPDX-License-Identifier: GPL-3.0-or-later
// Bad input: garbage, huge lists, huge lines, odd schemes and encodings. Problems are reported
// per line, nothing crashes, and the good lines really run.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>

#include <algorithm>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr qsizetype GarbageBytes = 1024 * 1024;
constexpr quint32 GarbageSeed = 0xBADC0DE;
constexpr int HugeListLines = 100'000;
constexpr qsizetype LongLineChars = 100 * 1024;
// Under the parser's 64 KiB line limit and the server's 64 KiB request head limit.
constexpr qsizetype LongButFineQueryChars = 50'000;
constexpr int Workers = 64;
constexpr int BigRunWorkers = 256;
constexpr int ServerThreads = 8;
const QString PortMark = QStringLiteral("%PORT");

// Line breaks as the parser counts them: \n, \r\n and \r.
int lineBreaks(QStringView text)
{
    int breaks = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] == u'\n'
            || (text[i] == u'\r' && (i + 1 >= text.size() || text[i + 1] != u'\n')))
            ++breaks;
    }
    return breaks;
}

bool isUnprintable(QChar c)
{
    return c.unicode() < 0x20 || (c.unicode() >= 0x7f && c.unicode() <= 0x9f);
}

// Problems are for people: bounded, one line, no terminal or bidi tricks.
QString problemTextFault(const QList<ParseProblem> &problems)
{
    for (const ParseProblem &problem : problems) {
        if (problem.line <= 0)
            return QStringLiteral("a problem without a line: %1").arg(problem.reason);
        if (problem.text.size() > UrlListParser::MaxProblemTextLength + 1)
            return QStringLiteral("line %1: %2 characters shown")
                .arg(problem.line)
                .arg(problem.text.size());
        if (std::any_of(problem.text.cbegin(), problem.text.cend(), isUnprintable))
            return QStringLiteral("line %1: a control character is shown").arg(problem.line);
        if (problem.reason.isEmpty())
            return QStringLiteral("line %1: no reason").arg(problem.line);
    }
    return {};
}

} // namespace

class TestBadInput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void binaryGarbage_data();
    void binaryGarbage();
    void hundredThousandLinesHalfInvalid();
    void longLines();
    void oneLine_data();
    void oneLine();
    void headerValueThatWouldSplitTheRequest_data();
    void headerValueThatWouldSplitTheRequest();

private:
    // Runs the entries through the engine; every job must end in `state`.
    void runAll(const QList<UrlEntry> &entries, int workers, JobQueueModel *model);
    QString withPort(QString text) const;

    LoopbackServer m_server;
};

void TestBadInput::initTestCase()
{
    QVERIFY2(m_server.listen(0, ServerThreads), qPrintable(m_server.errorString()));
}

QString TestBadInput::withPort(QString text) const
{
    return text.replace(PortMark, QString::number(m_server.port()));
}

void TestBadInput::runAll(const QList<UrlEntry> &entries, int workers, JobQueueModel *model)
{
    QCOMPARE(model->addEntries(entries), int(entries.size()));
    FetchEngine engine(model);
    engine.setOptions(testOptions(workers));
    QSignalSpy finished(&engine, &FetchEngine::jobFinished);
    QVERIFY(runToEnd(engine));
    QCOMPARE(finished.count(), int(entries.size()));
}

void TestBadInput::binaryGarbage_data()
{
    QTest::addColumn<bool>("pasted"); // through parse(QString), else addDevice() on the bytes
    QTest::newRow("1 MiB of garbage read as a file, good lines in the middle") << false;
    QTest::newRow("1 MiB of garbage pasted, good lines in the middle") << true;
}

void TestBadInput::binaryGarbage()
{
    QFETCH(bool, pasted);

    QByteArray garbage(GarbageBytes, Qt::Uninitialized);
    QRandomGenerator random(GarbageSeed);
    random.fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / sizeof(quint32));
    const QList<QUrl> good { m_server.url(QStringLiteral("/bytes/10")),
                             m_server.url(QStringLiteral("/bytes/20")),
                             m_server.url(QStringLiteral("/delay/1/bytes/30")) };
    QByteArray goodText = "\n";
    for (const QUrl &url : good)
        goodText += url.toEncoded() + '\n';
    const QByteArray document =
        garbage.left(GarbageBytes / 2) + goodText + garbage.mid(GarbageBytes / 2);

    QList<UrlEntry> entries;
    QList<ParseProblem> problems;
    if (pasted) {
        // A paste arrives as text: what the clipboard's UTF-8 decoding made of the bytes.
        const QString text = QString::fromUtf8(document);
        const ParseResult result = UrlListParser::parse(text);
        entries = result.entries;
        problems = result.problems;
    } else {
        QBuffer buffer;
        buffer.setData(document);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        UrlListParser parser;
        QVERIFY(parser.addDevice(&buffer));
        entries = parser.takeEntries();
        problems = parser.takeProblems();
    }

    // The good lines, and only they, become entries, on their own line numbers.
    QCOMPARE(entries.size(), good.size());
    // What the parser saw before the good lines, up to the line break that ends the garbage (a
    // \r at the end of the garbage and that \n are one break).
    const QString decodedPrefix = QString::fromUtf8(garbage.left(GarbageBytes / 2)) + u'\n';
    const int firstGoodLine = lineBreaks(decodedPrefix) + 1;
    for (int i = 0; i < good.size(); ++i) {
        QCOMPARE(entries.at(i).url, good.at(i));
        QCOMPARE(entries.at(i).line, firstGoodLine + i);
    }
    QVERIFY(!problems.isEmpty());
    const QString fault = problemTextFault(problems);
    QVERIFY2(fault.isEmpty(), qPrintable(fault));
    for (const ParseProblem &problem : std::as_const(problems))
        QVERIFY(problem.line < firstGoodLine || problem.line >= firstGoodLine + good.size());

    JobQueueModel model;
    runAll(entries, Workers, &model);
    QCOMPARE(model.count(JobState::Succeeded), int(good.size()));
}

void TestBadInput::hundredThousandLinesHalfInvalid()
{
    // Every second line is bad, each in one of these ways.
    const QStringList badLines {
        QStringLiteral("not a url at all"),
        QStringLiteral("ftp://files.example/pub/x.tar.gz"),
        QStringLiteral("http://"),
        QStringLiteral("http://a..b/"),
        QStringLiteral("javascript:alert(document.cookie)"),
        QStringLiteral("http://[::1/"),
        QStringLiteral("http://127.0.0.1:99999/"),
        QStringLiteral("file:///etc/passwd"),
        QStringLiteral("data:text/html,<script>alert(1)</script>"),
    };
    QString text;
    QList<QUrl> good;
    for (int line = 1; line <= HugeListLines; ++line) {
        if (line % 2 == 0) {
            good.append(m_server.url(QStringLiteral("/bytes/%1?line=%2").arg(line % 64).arg(line)));
            text += good.constLast().toString();
        } else {
            text += badLines.at((line / 2) % badLines.size());
        }
        text += u'\n';
    }

    QElapsedTimer clock;
    clock.start();
    const ParseResult result = UrlListParser::parse(text);
    qInfo("%d lines parsed in %lld ms", HugeListLines, clock.elapsed());

    QCOMPARE(result.entries.size(), qsizetype(HugeListLines / 2));
    QCOMPARE(result.problems.size(), qsizetype(HugeListLines / 2));
    for (qsizetype i = 0; i < result.entries.size(); ++i) {
        QCOMPARE(result.entries.at(i).line, int(2 * (i + 1)));
        QCOMPARE(result.entries.at(i).url, good.at(i));
    }
    for (qsizetype i = 0; i < result.problems.size(); ++i)
        QCOMPARE(result.problems.at(i).line, int(2 * i + 1));
    const QString fault = problemTextFault(result.problems);
    QVERIFY2(fault.isEmpty(), qPrintable(fault));

    clock.restart();
    JobQueueModel model;
    runAll(result.entries, BigRunWorkers, &model);
    qInfo("%lld good lines fetched in %lld ms", qint64(result.entries.size()), clock.elapsed());
    QCOMPARE(model.count(JobState::Succeeded), HugeListLines / 2);
}

void TestBadInput::longLines()
{
    const QString hugeUrl =
        m_server.url(QStringLiteral("/bytes/1?pad=%1").arg(QString(LongLineChars, u'x')))
            .toString();
    const QString longButFine =
        m_server.url(QStringLiteral("/bytes/2?pad=%1").arg(QString(LongButFineQueryChars, u'y')))
            .toString();
    const QString text = hugeUrl + u'\n' + QString(LongLineChars, u'a') + u'\n'
        + m_server.url(QStringLiteral("/bytes/3")).toString() + u'\n' + longButFine + u'\n';

    // Fed in small pieces as well as at once: a long line may span many chunks.
    for (const qsizetype chunk : { text.size(), qsizetype(4096) }) {
        UrlListParser parser;
        for (qsizetype at = 0; at < text.size(); at += chunk)
            parser.addText(QStringView(text).sliced(at, std::min(chunk, text.size() - at)));
        parser.finish();
        const QList<UrlEntry> entries = parser.takeEntries();
        const QList<ParseProblem> problems = parser.takeProblems();

        QCOMPARE(problems.size(), 2);
        QCOMPARE(problems.at(0).line, 1);
        QCOMPARE(problems.at(0).reason,
                 QStringLiteral("line too long (%1 characters)").arg(hugeUrl.size()));
        QCOMPARE(problems.at(1).line, 2);
        QCOMPARE(problems.at(1).reason,
                 QStringLiteral("line too long (%1 characters)").arg(LongLineChars));
        const QString fault = problemTextFault(problems);
        QVERIFY2(fault.isEmpty(), qPrintable(fault));

        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries.at(0).line, 3);
        QCOMPARE(entries.at(1).line, 4);
        if (chunk != text.size())
            continue;
        // The 50,000-character URL really goes out and comes back.
        JobQueueModel model;
        runAll(entries, Workers, &model);
        QCOMPARE(model.count(JobState::Succeeded), 2);
        QCOMPARE(model.jobAt(1).bytesReceived, qint64(2));
    }
}

void TestBadInput::oneLine_data()
{
    QTest::addColumn<QString>("line"); // %PORT is the loopback server's
    QTest::addColumn<QString>("problem"); // the reason given; empty = the line is a URL
    QTest::addColumn<QByteArray>("target"); // what the server must see; empty = not ours
    QTest::addColumn<QString>("failure"); // the message of a URL that fails; empty = succeeds

    // Schemes that are not fetched: a problem on the line, never a request.
    QTest::newRow("file:") << "file:///etc/passwd"
                           << "unsupported scheme 'file' (only http and https are fetched)"
                           << QByteArray() << QString();
    QTest::newRow("ftp:") << "ftp://ftp.example/pub/file.iso"
                          << "unsupported scheme 'ftp' (only http and https are fetched)"
                          << QByteArray() << QString();
    QTest::newRow("javascript:")
        << "javascript:alert(document.cookie)"
        << "unsupported scheme 'javascript' (only http and https are fetched)" << QByteArray()
        << QString();
    QTest::newRow("JavaScript: in capitals")
        << "JavaScript:alert(1)"
        << "unsupported scheme 'javascript' (only http and https are fetched)" << QByteArray()
        << QString();
    QTest::newRow("data:") << "data:text/plain;base64,aGVsbG8="
                           << "unsupported scheme 'data' (only http and https are fetched)"
                           << QByteArray() << QString();

    // International host names go out as ACE (punycode), which also shows a homograph for
    // what it is. (.invalid never resolves.)
    QTest::newRow("an IDN host is looked up as punycode")
        << QString::fromUtf8("http://b\u00fccher.invalid/x") << QString() << QByteArray()
        << "host not found: xn--bcher-kva.invalid";
    QTest::newRow("an IDN host in capitals is the same host")
        << QString::fromUtf8("http://B\u00dcCHER.invalid/x") << QString() << QByteArray()
        << "host not found: xn--bcher-kva.invalid";
    QTest::newRow("a Cyrillic look-alike host shows as punycode")
        << QString::fromUtf8("http://\u0440\u0430\u0443\u0440\u0430l.invalid/") << QString()
        << QByteArray() << "host not found: xn--l-7sba6dbr.invalid";
    QTest::newRow("a right-to-left override in a host is not a URL")
        << QString::fromUtf8("http://\u202eevil.invalid/")
        << "not a valid URL: the host name is not valid (a space, a symbol or an empty part such "
           "as 'a..b')"
        << QByteArray() << QString();

    // Percent-encoding: what the server receives is the normalised form.
    QTest::newRow("encoded unreserved characters are decoded")
        << "http://127.0.0.1:%PORT/bytes/%31%30" << QString() << QByteArray("/bytes/10")
        << QString();
    QTest::newRow("a stray % is encoded, not an error")
        << "http://127.0.0.1:%PORT/bytes/10?q=%zz&r=%" << QString()
        << QByteArray("/bytes/10?q=%25zz&r=%25") << QString();
    QTest::newRow("an encoded NUL stays encoded")
        << "http://127.0.0.1:%PORT/bytes/10?q=%00" << QString() << QByteArray("/bytes/10?q=%00")
        << QString();
    QTest::newRow("an encoded slash stays encoded")
        << "http://127.0.0.1:%PORT/bytes/10?q=a%2Fb" << QString() << QByteArray("/bytes/10?q=a%2Fb")
        << QString();
    QTest::newRow("non-ASCII in a query is sent as UTF-8")
        << QString::fromUtf8("http://127.0.0.1:%PORT/bytes/10?q=\u00fc") << QString()
        << QByteArray("/bytes/10?q=%C3%BC") << QString();
    QTest::newRow("a fragment is never sent") << "http://127.0.0.1:%PORT/bytes/10#top" << QString()
                                              << QByteArray("/bytes/10") << QString();
    QTest::newRow("dot segments are resolved before sending")
        << "http://127.0.0.1:%PORT/status/../bytes/10" << QString() << QByteArray("/bytes/10")
        << QString();
    QTest::newRow("an encoded host is decoded")
        << "http://127.0.0.%31:%PORT/bytes/10" << QString() << QByteArray("/bytes/10") << QString();
    QTest::newRow("a port out of range is a problem")
        << "http://127.0.0.1:70000/"
        << "not a valid URL: the port must be a number from 0 to 65535" << QByteArray()
        << QString();
}

void TestBadInput::oneLine()
{
    QFETCH(QString, line);
    QFETCH(QString, problem);
    QFETCH(QByteArray, target);
    QFETCH(QString, failure);

    const ParseResult result = UrlListParser::parse(withPort(line));
    if (!problem.isEmpty()) {
        QCOMPARE(result.entries.size(), 0);
        QCOMPARE(result.problems.size(), 1);
        QCOMPARE(result.problems.at(0).line, 1);
        QCOMPARE(result.problems.at(0).reason, problem);
        const QString fault = problemTextFault(result.problems);
        QVERIFY2(fault.isEmpty(), qPrintable(fault));
        return;
    }
    QCOMPARE(result.problems.size(), 0);
    QCOMPARE(result.entries.size(), 1);

    const qint64 requestsBefore = m_server.requestCount();
    JobQueueModel model;
    runAll(result.entries, Workers, &model);
    const Job &job = model.jobAt(0);
    if (failure.isEmpty()) {
        QCOMPARE(job.state, JobState::Succeeded);
        QCOMPARE(job.bytesReceived, qint64(10));
    } else {
        QCOMPARE(job.state, JobState::Failed);
        QCOMPARE(job.errorString(), failure);
    }
    if (!target.isEmpty()) {
        QCOMPARE(m_server.requestCount(), requestsBefore + 1);
        QCOMPARE(m_server.recordedRequests().constLast().target, target);
    }
}

void TestBadInput::headerValueThatWouldSplitTheRequest_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("forbidden"); // what the check names; empty = may be sent

    QTest::newRow("a CR is refused")
        << QStringLiteral("Agent/1\rX-Injected: 1") << QStringLiteral("a line break (CR)");
    QTest::newRow("an LF is refused")
        << QStringLiteral("Agent/1\nX-Injected: 1") << QStringLiteral("a line break (LF)");
    QTest::newRow("CRLF followed by X-Injected: 1 is refused")
        << QStringLiteral("Agent/1\r\nX-Injected: 1") << QStringLiteral("a line break (CR)");
    QTest::newRow("a NUL is refused")
        << (QStringLiteral("Agent/1") + QChar(0) + QStringLiteral("X-Injected: 1"))
        << QStringLiteral("a NUL character");
    QTest::newRow("an escape is refused")
        << QStringLiteral("Agent/1\x1b[31m") << QStringLiteral("a control character (U+001B)");
    QTest::newRow("DEL is refused")
        << QStringLiteral("Agent/1\x7f") << QStringLiteral("a control character (U+007F)");
    QTest::newRow("a tab is allowed and sent") << QStringLiteral("Agent/1\t(tests)") << QString();
    QTest::newRow("non-ASCII is allowed and sent")
        << QStringLiteral("Prüfer/1 (Zürich)") << QString();
}

void TestBadInput::headerValueThatWouldSplitTheRequest()
{
    // One check serves -H, --user-agent, the settings dialog and the settings file (their own
    // tests cover each of them); here the check itself and the -H parser that uses it.
    QFETCH(QString, value);
    QFETCH(QString, forbidden);

    QCOMPARE(FetchOptions::forbiddenInHeaderValue(value), forbidden);
    QString error;
    const auto header = FetchOptions::parseHeader(QStringLiteral("X-Trace: ") + value, &error);
    if (!forbidden.isEmpty()) {
        QVERIFY(!header);
        QCOMPARE(error, QStringLiteral("the value of header 'X-Trace' contains ") + forbidden);
        return;
    }
    QVERIFY2(header, qPrintable(error));

    // What may be sent reaches the server as given, in both places a value can go.
    JobQueueModel model;
    QCOMPARE(model.addEntries(entriesFor({ m_server.url(QStringLiteral("/headers")) })), 1);
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.userAgent = value.toUtf8();
    options.headers = { *header };
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    const RecordedRequest request = m_server.recordedRequests().constLast();
    QCOMPARE(request.target, QByteArray("/headers"));
    QCOMPARE(request.header("user-agent"), value.toUtf8());
    QCOMPARE(request.header("x-trace"), value.toUtf8());
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
