// SPDX-License-Identifier: GPL-3.0-or-later
// A spin box for a bandwidth cap, typed as curl's --limit-rate takes it ("512K", "1.5M").
#pragma once

#include <QSpinBox>

namespace Parafetch {

// Holds whole KiB per second (0 = no cap, shown as the special value text); shows the rate as
// "1.5 MiB/s" and reads what --limit-rate reads: "1.5M", "512K", "2G", or bytes. The arrows
// step adaptively (1, 10, 100 … KiB/s at the value's size).
class RateSpinBox final : public QSpinBox
{
    Q_OBJECT
public:
    explicit RateSpinBox(QWidget *parent = nullptr);

    qint64 bytesPerSecond() const;
    void setBytesPerSecond(qint64 bytesPerSecond);

protected:
    QString textFromValue(int value) const override;
    int valueFromText(const QString &text) const override;
    QValidator::State validate(QString &input, int &pos) const override;

private:
    // What the user typed, without the unit's tail: "1.5 MiB/s" → "1.5M".
    QString rateText(const QString &text) const;
};

} // namespace Parafetch
