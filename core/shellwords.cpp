// SPDX-License-Identifier: GPL-3.0-or-later
#include "shellwords.h"

#include <utility>

namespace Parafetch::ShellWords {

bool split(QStringView text, QStringList *words)
{
    // POSIX shell quoting, without any expansion: $ and ` stay as they are, for the shell a
    // command may start (sh -c '…') to expand from the environment when it runs.
    enum class Quote { None, Single, Double };
    Quote quote = Quote::None;
    QString word;
    bool inWord = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        switch (quote) {
        case Quote::Single:
            if (c == u'\'')
                quote = Quote::None;
            else
                word += c;
            break;
        case Quote::Double:
            if (c == u'"') {
                quote = Quote::None;
            } else if (c == u'\\' && i + 1 < text.size()
                       && QStringView(u"$`\"\\").contains(text.at(i + 1))) {
                word += text.at(++i);
            } else {
                word += c;
            }
            break;
        case Quote::None:
            if (c.isSpace()) {
                if (inWord)
                    words->append(std::exchange(word, QString()));
                inWord = false;
                continue;
            }
            inWord = true;
            if (c == u'\'') {
                quote = Quote::Single;
            } else if (c == u'"') {
                quote = Quote::Double;
            } else if (c == u'\\') {
                if (++i == text.size())
                    return false; // nothing left to escape
                word += text.at(i);
            } else {
                word += c;
            }
            break;
        }
    }
    if (quote != Quote::None)
        return false;
    if (inWord)
        words->append(word);
    return true;
}

} // namespace Parafetch::ShellWords
