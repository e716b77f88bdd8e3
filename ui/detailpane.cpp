// The detail pane: one job's record as a small HTML table, secrets already masked.
#include "detailpane.h"

#include "jobqueuemodel.h"
#include "redact.h"

#include <QLocale>
#include <QScrollBar>

namespace Parafetch {

namespace {

constexpr double UsPerMs = 1000.0;

QString phase(qint64 us)
{
    return us >= 0 ? DetailPane::tr("%1 ms").arg(QLocale().toString(double(us) / UsPerMs, 'f', 1))
                   : DetailPane::tr("–", "unknown phase time");
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
    if (job.worker >= 0)
        rows += row(tr("Worker"), QString::number(job.worker));
    if (!job.protocol.isEmpty())
        rows += row(tr("Protocol"), QString::fromLatin1(job.protocol));
    rows += row(tr("Received"), tr("%1 (%2 bytes)").arg(formatBytes(job.bytesReceived)).arg(job.bytesReceived));
    if (!job.sha256.isEmpty())
        rows += row(tr("SHA-256"), QString::fromLatin1(job.sha256.toHex()));
    if (!job.savedPath.isEmpty())
        rows += row(tr("Saved to"), job.savedPath);
    const qint64 queued = job.queuedNs();
    rows += row(tr("Queued"), phase(queued >= 0 ? queued / 1000 : -1));
    rows += row(tr("Connect"), phase(job.connectUs));
    rows += row(tr("Wait (TTFB)"), phase(job.waitUs));
    rows += row(tr("Receive"), phase(job.receiveUs));
    const qint64 duration = job.durationNs();
    rows += row(tr("Duration"), phase(duration >= 0 ? duration / 1000 : -1));
    if (job.sourceLine > 0)
        rows += row(tr("Input line"), QString::number(job.sourceLine));

    QString headers;
    for (const auto &[name, value] : job.responseHeaders)
        headers += row(QString::fromLatin1(name), QString::fromUtf8(value));
    QString html = QStringLiteral("<table cellspacing=2>%1</table>").arg(rows);
    if (!headers.isEmpty())
        html += QStringLiteral("<h4>%1</h4><table cellspacing=2>%2</table>")
                    .arg(tr("Response headers").toHtmlEscaped(), headers);
    return html;
}

} // namespace Parafetch
