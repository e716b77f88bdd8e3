// The detail pane: one job's record as a small HTML table, secrets already masked.
#include "detailpane.h"

#include "jobqueuemodel.h"
#include "redact.h"

#include <QLocale>
#include <QScrollBar>

namespace Parafetch {

namespace {

constexpr double UsPerMs = 1000.0;

constexpr qint64 NsPerUs = 1000;
constexpr int MsDecimals = 1;

QString unknown()
{
    return DetailPane::tr("–", "unknown value");
}

qint64 nsToUs(qint64 ns)
{
    return ns >= 0 ? ns / NsPerUs : -1;
}

QString phase(qint64 us)
{
    return us >= 0
        ? DetailPane::tr("%1 ms").arg(QLocale().toString(double(us) / UsPerMs, 'f', MsDecimals))
        : unknown();
}

// Time from the first attempt's start to the last one's: failed attempts and retry backoff.
qint64 earlierAttemptsNs(const Job &job)
{
    return job.startedAtNs >= 0 && job.attemptStartedAtNs >= job.startedAtNs
        ? job.attemptStartedAtNs - job.startedAtNs
        : -1;
}

// "HTTP/2" for h2, as people know it; the wire name otherwise.
QString protocolName(const QByteArray &protocol)
{
    if (protocol == "h2")
        return QStringLiteral("HTTP/2");
    if (protocol == "h3")
        return QStringLiteral("HTTP/3");
    return QString::fromLatin1(protocol).toUpper();
}

QString row(const QString &name, const QString &value)
{
    return QStringLiteral("<tr><th align=left valign=top>%1</th><td>%2</td></tr>")
        .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
}

} // namespace

DetailPane::DetailPane(QWidget *parent)
    : QTextBrowser(parent)
{
    setAccessibleName(tr("Details of the selected URL"));
    setOpenLinks(false);
    setPlaceholderText(tr("Select a URL to see its details."));
}

void DetailPane::showJob(const Job &job)
{
    m_jobId = job.id;
    const int scroll = verticalScrollBar() ? verticalScrollBar()->value() : 0;
    setHtml(html(job));
    if (verticalScrollBar())
        verticalScrollBar()->setValue(scroll);
}

void DetailPane::clearJob()
{
    m_jobId = 0;
    clear();
}

QString DetailPane::html(const Job &job)
{
    QString rows;
    rows += row(tr("URL"), redactedUrl(job.url));
    if (!job.finalUrl.isEmpty())
        rows += row(tr("Final URL"), redactedUrl(job.finalUrl));
    rows += row(tr("Status"), stateDisplayName(job.state));
    if (job.httpStatus > 0)
        rows += row(tr("HTTP status"), QString::number(job.httpStatus));
    if (!job.errorString.isEmpty())
        rows += row(tr("Error"), job.errorString);
    rows += row(tr("Attempts"), QString::number(job.attempts));
    rows += row(tr("Worker lane"), job.worker >= 0 ? QString::number(job.worker) : unknown());
    rows += row(tr("Thread"), job.thread >= 0 ? QString::number(job.thread) : unknown());
    rows += row(tr("Protocol"), job.protocol.isEmpty() ? unknown() : protocolName(job.protocol));
    rows += row(tr("Received"), tr("%1 (%2 bytes)").arg(formatBytes(job.bytesReceived)).arg(job.bytesReceived));
    if (!job.sha256.isEmpty())
        rows += row(tr("SHA-256"), QString::fromLatin1(job.sha256.toHex()));
    if (!job.savedPath.isEmpty())
        rows += row(tr("Saved to"), job.savedPath);
    // Every phase, in the order they happen, "–" where Qt could not tell (see job.h).
    rows += row(tr("Queued"), phase(nsToUs(job.queuedNs())));
    if (job.attempts > 1)
        rows += row(tr("Earlier attempts and backoff"), phase(nsToUs(earlierAttemptsNs(job))));
    rows += row(tr("Connect"), phase(job.connectUs));
    rows += row(tr("of which TLS"), phase(job.tlsUs));
    rows += row(tr("Send"), phase(job.sendUs));
    rows += row(tr("Wait (TTFB)"), phase(job.waitUs));
    rows += row(tr("Receive"), phase(job.receiveUs));
    rows += row(tr("Duration"), phase(nsToUs(job.durationNs())));
    if (job.sourceLine > 0)
        rows += row(tr("Input line"), QString::number(job.sourceLine));

    QString headers;
    for (const auto &[name, value] : job.responseHeaders)
        headers +=
            row(QString::fromLatin1(name), QString::fromUtf8(redactedHeaderValue(name, value)));
    QString html = QStringLiteral("<table cellspacing=2>%1</table>").arg(rows);
    if (!headers.isEmpty())
        html += QStringLiteral("<h4>%1</h4><table cellspacing=2>%2</table>")
                    .arg(tr("Response headers").toHtmlEscaped(), headers);
    return html;
}

} // namespace Parafetch
