// SPDX-License-Identifier: GPL-3.0-or-later
// The detail pane: one job's record as small HTML tables, secrets already masked.
#include "detailpane.h"

#include "formatting.h"
#include "jobqueuemodel.h"
#include "phases.h"
#include "redact.h"
#include "units.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QScrollBar>
#include <QToolButton>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int MsDecimals = 1;

qint64 nsToUs(qint64 ns)
{
    return ns >= 0 ? ns / Units::NsPerUs : -1;
}

QString phase(qint64 us)
{
    return us >= 0 ? formatMilliseconds(us * Units::NsPerUs, MsDecimals) : unknownValue();
}

QString row(const QString &name, const QString &value)
{
    return QStringLiteral("<tr><th align=left valign=top>%1</th><td>%2</td></tr>")
        .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
}

QString section(const QString &title, const QString &rows)
{
    return rows.isEmpty() ? QString()
                          : QStringLiteral("<h4>%1</h4><table cellspacing=2>%2</table>")
                                .arg(title.toHtmlEscaped(), rows);
}

// How an attempt ended: "HTTP 200", "HTTP 503 · server said 503", "connection refused".
QString attemptOutcome(const AttemptRecord &attempt)
{
    QStringList parts;
    if (attempt.httpStatus > 0)
        parts << DetailPane::tr("HTTP %1").arg(attempt.httpStatus);
    if (!attempt.errorString.isEmpty())
        parts << attempt.errorString;
    if (parts.isEmpty())
        parts << DetailPane::tr("no answer");
    return parts.join(QStringLiteral(" · "));
}

QString attemptTiming(const AttemptRecord &attempt, qint64 firstStartNs)
{
    QString text = attempt.startedAtNs >= 0 && attempt.finishedAtNs >= attempt.startedAtNs
        ? formatMilliseconds(attempt.finishedAtNs - attempt.startedAtNs, MsDecimals)
        : unknownValue();
    if (firstStartNs >= 0 && attempt.startedAtNs >= firstStartNs)
        text += DetailPane::tr(", from +%1")
                    .arg(formatMilliseconds(attempt.startedAtNs - firstStartNs, MsDecimals));
    if (!attempt.protocol.isEmpty())
        text += QStringLiteral(" · ") + formatProtocol(attempt.protocol);
    return text;
}

// The attempt count as the row stands: a running row is in an attempt, never at "0".
QString attemptsText(const Job &job)
{
    if (job.state != JobState::Running)
        return QString::number(job.attempts);
    const int current = std::max(job.attempts, int(job.attemptLog().size()) + 1);
    return DetailPane::tr("%1 (running)").arg(current);
}

// A word for a POSIX shell: single quotes, a single quote inside as '\''.
QString shellQuoted(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

DetailPane::DetailPane(QWidget *parent)
    : QTextBrowser(parent)
    , m_copyAsCurl(new QToolButton(this))
{
    setAccessibleName(tr("Details of the selected URL"));
    setOpenLinks(false);
    setPlaceholderText(tr("Select a URL to see its details."));
    m_copyAsCurl->setText(tr("Copy as curl"));
    m_copyAsCurl->setToolTip(tr("Copies the request as a curl command line, secrets masked"));
    m_copyAsCurl->setEnabled(false);
    connect(m_copyAsCurl, &QToolButton::clicked, this, [this] {
        if (m_jobId != 0)
            QGuiApplication::clipboard()->setText(curlCommand(m_job));
    });
    placeButton();
}

void DetailPane::resizeEvent(QResizeEvent *event)
{
    QTextBrowser::resizeEvent(event);
    placeButton();
}

// Above the text, at the right: the text never runs under it.
void DetailPane::placeButton()
{
    const QSize size = m_copyAsCurl->sizeHint();
    setViewportMargins(0, size.height(), 0, 0);
    const QRect frame = contentsRect();
    m_copyAsCurl->setGeometry(frame.right() - size.width() + 1, frame.top(), size.width(),
                              size.height());
}

QString DetailPane::curlCommand(const Job &job)
{
    QStringList words { QStringLiteral("curl"), QStringLiteral("--location") };
    for (const auto &[name, value] : job.requestHeaders())
        words << QStringLiteral("-H")
              << shellQuoted(QString::fromLatin1(name) + QStringLiteral(": ")
                             + QString::fromUtf8(redactedHeaderValue(name, value)));
    words << shellQuoted(redactedUrl(job.url));
    return words.join(QLatin1Char(' '));
}

void DetailPane::showJob(const Job &job)
{
    m_jobId = job.id;
    m_job = job;
    m_copyAsCurl->setEnabled(true);
    const int scroll = verticalScrollBar() ? verticalScrollBar()->value() : 0;
    setHtml(html(job));
    if (verticalScrollBar())
        verticalScrollBar()->setValue(scroll);
}

void DetailPane::clearJob()
{
    m_jobId = 0;
    m_job = Job();
    m_copyAsCurl->setEnabled(false);
    clear();
}

QString DetailPane::html(const Job &job)
{
    QString rows;
    rows += row(tr("URL"), redactedUrl(job.url));
    if (!job.finalUrl().isEmpty())
        rows += row(tr("Final URL"), redactedUrl(job.finalUrl()));
    rows += row(tr("Status"), stateDisplayName(job.state));
    if (job.httpStatus > 0)
        rows += row(tr("HTTP status"), QString::number(job.httpStatus));
    if (!job.errorString().isEmpty())
        rows += row(tr("Error"), job.errorString());
    rows += row(tr("Attempts"), attemptsText(job));
    rows += row(tr("Worker lane"), job.worker >= 0 ? QString::number(job.worker) : unknownValue());
    rows += row(tr("Thread"), job.thread >= 0 ? QString::number(job.thread) : unknownValue());
    rows +=
        row(tr("Protocol"), job.protocol.isEmpty() ? unknownValue() : formatProtocol(job.protocol));
    // Over h2 several rows name the same connection: their requests were multiplexed on it.
    rows += row(tr("Connection"),
                job.connectionId == 0 ? unknownValue()
                                      : formatConnection(job.connectionId, job.connectionReused));
    const QString address = job.serverAddress();
    rows += row(tr("Server address"), address.isEmpty() ? unknownValue() : address);
    rows += row(tr("Received"),
                tr("%1 (%2 bytes)").arg(formatBytes(job.bytesReceived)).arg(job.bytesReceived));
    if (!job.sha256.isEmpty())
        rows += row(tr("SHA-256"), QString::fromLatin1(job.sha256.toHex()));
    if (!job.savedPath().isEmpty())
        rows += row(tr("Saved to"), job.savedPath());
    // Every phase, in the order they happen, "–" where Qt could not tell (see job.h).
    const PhaseBreakdown phases = phaseBreakdown(job);
    rows += row(tr("Queued"), phase(nsToUs(phases.queuedNs)));
    if (job.attempts > 1)
        rows += row(tr("Earlier attempts and backoff"), phase(nsToUs(phases.earlierAttemptsNs)));
    rows += row(tr("DNS"), phase(phases.dnsUs));
    rows += row(tr("Connect"), phase(phases.connectUs));
    rows += row(tr("of which TLS"), phase(phases.tlsUs));
    rows += row(tr("Send"), phase(phases.sendUs));
    rows += row(tr("Wait (TTFB)"), phase(phases.waitUs));
    rows += row(tr("Receive"), phase(phases.receiveUs));
    rows += row(tr("Duration"), phase(nsToUs(job.resultDurationNs())));
    if (job.sourceLine > 0)
        rows += row(tr("Input line"), QString::number(job.sourceLine));

    QString attempts;
    for (qsizetype i = 0; i < job.attemptLog().size(); ++i) {
        const AttemptRecord &attempt = job.attemptLog().at(i);
        attempts += row(
            tr("#%1").arg(i + 1),
            tr("%1 · %2").arg(attemptOutcome(attempt), attemptTiming(attempt, job.startedAtNs)));
    }
    if (job.state == JobState::Running)
        attempts += row(tr("#%1").arg(job.attemptLog().size() + 1), tr("running"));

    // The chain of the last attempt: where each answer sent the request next.
    QString redirects;
    if (!job.attemptLog().isEmpty() && !job.attemptLog().constLast().redirects.isEmpty()) {
        redirects += row(tr("from"), redactedUrl(job.url));
        for (const RedirectHop &hop : job.attemptLog().constLast().redirects)
            redirects += row(tr("%1 to").arg(hop.httpStatus), redactedUrl(hop.to));
    }

    const auto headerRows = [](const HeaderList &list) {
        QString rows;
        for (const auto &[name, value] : list)
            rows +=
                row(QString::fromLatin1(name), QString::fromUtf8(redactedHeaderValue(name, value)));
        return rows;
    };
    QString html = QStringLiteral("<table cellspacing=2>%1</table>").arg(rows);
    html += section(tr("Attempts"), attempts);
    html += section(tr("Redirects"), redirects);
    html += section(tr("Request headers"), headerRows(job.requestHeaders()));
    html += section(tr("Response headers"), headerRows(job.responseHeaders()));
    return html;
}

} // namespace Parafetch
