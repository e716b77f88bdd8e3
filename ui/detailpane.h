// Everything known about the selected URL: redirects, headers, digest, saved path, phases.
#pragma once

#include "job.h"

#include <QTextBrowser>

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

    static QString html(const Job &job);

private:
    quint64 m_jobId = 0;
};

} // namespace Parafetch
