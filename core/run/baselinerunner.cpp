// SPDX-License-Identifier: GPL-3.0-or-later
// A serial baseline run with its own queue and engine, beside the user's.
#include "run/baselinerunner.h"

#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "urllistparser.h"

namespace Parafetch {

BaselineRunner::BaselineRunner(QObject *parent)
    : QObject(parent)
{ }

BaselineRunner::~BaselineRunner()
{
    m_engine.reset(); // waits for its pool before the model goes
}

qint64 BaselineRunner::meanMeasuredNs(const QList<Job> &jobs)
{
    qint64 sumNs = 0, measured = 0;
    for (const Job &job : jobs) {
        if (job.state != JobState::Succeeded && job.state != JobState::Failed)
            continue;
        const qint64 ns = job.durationNs();
        if (ns < 0)
            continue;
        sumNs += ns;
        ++measured;
    }
    return measured > 0 ? sumNs / measured : -1;
}

qint64 BaselineRunner::estimateNs(int urls, qint64 meanMeasuredNs)
{
    return urls > 0 && meanMeasuredNs >= 0 ? meanMeasuredNs * urls : -1;
}

void BaselineRunner::start(const QList<UrlEntry> &entries, FetchOptions options)
{
    m_engine.reset();
    m_model = std::make_unique<JobQueueModel>();
    m_model->addEntries(entries);
    m_engine = std::make_unique<FetchEngine>(m_model.get());
    m_cancelled = false;
    options.concurrency = 1;
    options.outputDirectory.clear();
    m_engine->setOptions(options);
    connect(m_engine.get(), &FetchEngine::jobFinished, this,
            [this] { emit progress(finishedCount(), total()); });
    connect(m_engine.get(), &FetchEngine::runFinished, this,
            [this] { emit finished(m_model->summary(), !m_cancelled); });
    m_engine->start();
}

void BaselineRunner::cancel()
{
    if (!isRunning())
        return;
    m_cancelled = true;
    m_engine->cancelAll();
}

bool BaselineRunner::isRunning() const
{
    return m_engine && m_engine->isRunning();
}

int BaselineRunner::total() const
{
    return m_model ? m_model->rowCount() : 0;
}

int BaselineRunner::finishedCount() const
{
    return m_model
        ? m_model->rowCount() - m_model->count(JobState::Queued) - m_model->count(JobState::Running)
        : 0;
}

} // namespace Parafetch
