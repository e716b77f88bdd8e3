// SPDX-License-Identifier: GPL-3.0-or-later
#include "ratespinbox.h"

#include "fetchoptions.h"
#include "formatting.h"
#include "units.h"

#include <limits>

namespace Parafetch {

namespace {

constexpr qint64 MaxKiBPerSecond = std::numeric_limits<int>::max();

} // namespace

RateSpinBox::RateSpinBox(QWidget *parent)
    : QSpinBox(parent)
{
    setRange(0, int(std::min(MaxKiBPerSecond, FetchOptions::MaxByteRate / Units::BytesPerKiB)));
    setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    setSpecialValueText(tr("No limit", "bandwidth"));
    // Applied when the user is done (Enter, the arrows, leaving the box), not at every digit:
    // typing "1000" must not cap the run at 1 KiB/s on the way.
    setKeyboardTracking(false);
    setAccelerated(true);
}

qint64 RateSpinBox::bytesPerSecond() const
{
    return qint64(value()) * Units::BytesPerKiB;
}

void RateSpinBox::setBytesPerSecond(qint64 bytesPerSecond)
{
    // Rounded up: a cap below a KiB/s still caps.
    setValue(int(std::min<qint64>(maximum(),
                                  (bytesPerSecond + Units::BytesPerKiB - 1) / Units::BytesPerKiB)));
}

QString RateSpinBox::textFromValue(int value) const
{
    return formatRate(double(qint64(value) * Units::BytesPerKiB));
}

QString RateSpinBox::rateText(const QString &text) const
{
    QString rate = text.trimmed();
    if (rate.endsWith(QLatin1String("/s"), Qt::CaseInsensitive))
        rate.chop(2);
    if (rate.endsWith(QLatin1String("iB"), Qt::CaseInsensitive))
        rate.chop(2);
    else if (rate.endsWith(QLatin1Char('B'), Qt::CaseInsensitive))
        rate.chop(1); // "bytes" as a bare B: what remains is a number of bytes
    rate.remove(QLatin1Char(' '));
    // The locale's decimal point, as formatRate() writes it, reads as a point.
    rate.replace(locale().decimalPoint(), QLatin1String("."));
    // A bare number means KiB/s here, the box's own unit.
    if (!rate.isEmpty() && rate.back().isDigit())
        rate += QLatin1Char('K');
    return rate;
}

int RateSpinBox::valueFromText(const QString &text) const
{
    if (text.trimmed().compare(specialValueText(), Qt::CaseInsensitive) == 0)
        return 0;
    const std::optional<qint64> rate = FetchOptions::parseByteRate(rateText(text), nullptr);
    if (!rate)
        return value();
    return int(std::min<qint64>(maximum(), (*rate + Units::BytesPerKiB - 1) / Units::BytesPerKiB));
}

QValidator::State RateSpinBox::validate(QString &input, int &pos) const
{
    Q_UNUSED(pos);
    const QString trimmed = input.trimmed();
    if (trimmed.isEmpty() || specialValueText().startsWith(trimmed, Qt::CaseInsensitive))
        return trimmed.compare(specialValueText(), Qt::CaseInsensitive) == 0
            ? QValidator::Acceptable
            : QValidator::Intermediate;
    const std::optional<qint64> rate = FetchOptions::parseByteRate(rateText(input), nullptr);
    if (rate && *rate / Units::BytesPerKiB <= maximum())
        return QValidator::Acceptable;
    // A number on its way to a unit ("1.", "1.5 M"): let the user finish typing.
    for (const QChar c : trimmed) {
        if (!(c.isDigit() || c == QLatin1Char('.') || c == locale().decimalPoint().front()
              || c.isSpace() || QStringLiteral("kKmMgGiIbB/sS").contains(c)))
            return QValidator::Invalid;
    }
    return QValidator::Intermediate;
}

} // namespace Parafetch
