// SPDX-License-Identifier: GPL-3.0-or-later
// Everything known about the selected URL: attempts, redirects, headers, digest, saved path,
// phases, and the request as a curl command line.
#pragma once

#include "job.h"

#include <QTextBrowser>

class QToolButton;

namespace Parafetch {

class DetailPane final : public QTextBrowser
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DetailPane)
public:
    explicit DetailPane(QWidget *parent = nullptr);

    void showJob(const Job &job);
    void clearJob();
    quint64 jobId() const { return m_jobId; }
    QToolButton *copyAsCurlButton() const { return m_copyAsCurl; }

    static QString html(const Job &job);
    // The request as a curl command line, secrets masked as everywhere on screen.
    static QString curlCommand(const Job &job);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void placeButton();

    Job m_job;
    quint64 m_jobId = 0;
    QToolButton *m_copyAsCurl = nullptr;
};

} // namespace Parafetch
