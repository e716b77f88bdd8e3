// SPDX-License-Identifier: GPL-3.0-or-later
// A sink that keeps nothing: the body is only counted and hashed by the task.
#pragma once

#include "engine/bodysink.h"

namespace Parafetch {

class DiscardSink final : public BodySink
{
public:
    bool keepsName() const override { return false; }
    bool readsBytes() const override { return false; }
    bool open(const QString &, QString *) override { return true; }
    bool write(const char *, qint64, QString *) override { return true; }
    bool commit(QString *) override { return true; }
    void discard() override { }
};

} // namespace Parafetch
