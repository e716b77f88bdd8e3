#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-request instruction costs from two callgrind runs that differ only in the number of
URLs: (cost at LARGE − cost at SMALL) / (LARGE − SMALL) removes start-up and shutdown.

    cgsummary.py SMALL.out SMALL_URLS LARGE.out LARGE_URLS [--top 15] [--label NAME]

Needs callgrind_annotate. Prints Markdown: instructions per request, the top functions by
self and by inclusive cost per request, and fixed probes (string-based connects, SHA-256,
…). Function names without symbols (hidden in the Qt libraries; Debian ships no dbgsym
here) appear as addresses; bench/PROFILE.md says what they are.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\*|<|>)?\s*(.*?)(?:\s+\((\d[\d,]*)x\))?(?:\s+\[(.*)\])?\s*$")


RECURSION = re.compile(r"'\d+(?= \[|$)")


def annotate(path, *extra):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", *extra,
                          os.path.abspath(path)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
                         # From the source tree, callgrind_annotate splits one function into
                         # "core/x.cpp:f" and "/abs/core/x.cpp:f" entries with wrong totals.
                         cwd="/")
    return out.stdout.decode("utf-8", "replace").splitlines()


def short(name: str, obj: str) -> str:
    # "file:function" → "function"; keep the library for unnamed addresses.
    if ":" in name and not name.startswith("0x"):
        file, func = name.split(":", 1)
        name = func if file != "???" or not func.startswith("0x") else func
    if name.startswith("0x") and obj:
        name = f"{name} [{obj.rsplit('/', 1)[-1]}]"
    elif obj:
        lib = obj.rsplit("/", 1)[-1]
        if not lib.startswith("parafetch"):
            name = f"{name} [{lib.split('.so')[0]}]"
    return name


def flat(path, inclusive):
    costs = {}
    total = 0
    for line in annotate(path, f"--inclusive={'yes' if inclusive else 'no'}"):
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if not m or m.group(2):
            continue
        name = short(m.group(3), m.group(5) or "")
        if RECURSION.search(name):
            # "f'2" is a recursive activation of f: its cost is already inside f's inclusive
            # cost, and its self cost belongs to f.
            if inclusive:
                continue
            name = RECURSION.sub("", name)
        costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, costs


def edges(path):
    """(caller, callee) -> (Ir, calls) from --tree=calling."""
    result = {}
    caller = None
    for line in annotate(path, "--tree=calling", "--inclusive=yes"):
        m = LINE.match(line)
        if not m:
            continue
        kind, name = m.group(2), short(m.group(3), m.group(5) or "")
        if kind == "*":
            caller = name
        elif kind == ">" and caller:
            calls = int((m.group(4) or "0").replace(",", ""))
            ir = int(m.group(1).replace(",", ""))
            old = result.get((caller, name), (0, 0))
            result[(caller, name)] = (old[0] + ir, old[1] + calls)
    return result


def per_request(small, large, n):
    keys = set(small) | set(large)
    return {k: (large.get(k, 0) - small.get(k, 0)) / n for k in keys}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("small")
    p.add_argument("small_urls", type=int)
    p.add_argument("large")
    p.add_argument("large_urls", type=int)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--label", default="")
    a = p.parse_args()
    n = a.large_urls - a.small_urls

    t_small, self_small = flat(a.small, False)
    t_large, self_large = flat(a.large, False)
    _, inc_small = flat(a.small, True)
    _, inc_large = flat(a.large, True)
    per = (t_large - t_small) / n
    self_per = per_request(self_small, self_large, n)
    inc_per = per_request(inc_small, inc_large, n)

    out = []
    title = f" — {a.label}" if a.label else ""
    out.append(f"### Instructions per request{title}\n")
    out.append(f"- {a.small_urls} URLs: {t_small:,} Ir; {a.large_urls} URLs: {t_large:,} Ir")
    out.append(f"- **per request: {per:,.0f} Ir** (difference ÷ {n})\n")

    out.append(f"#### Top {a.top} by self cost per request\n")
    out.append("| # | function | Ir/request | % |")
    out.append("|---|---|---|---|")
    for i, (k, v) in enumerate(sorted(self_per.items(), key=lambda kv: -kv[1])[:a.top], 1):
        out.append(f"| {i} | `{k}` | {v:,.0f} | {100 * v / per:.1f} |")
    out.append("")

    out.append(f"#### Top {a.top + 10} by inclusive cost per request\n")
    out.append("| # | function | Ir/request | % |")
    out.append("|---|---|---|---|")
    skip = ("start_thread", "(below main)", "__libc_start", "0x0000000000259190", "clone")
    ranked = [kv for kv in sorted(inc_per.items(), key=lambda kv: -kv[1])
              if not any(s in kv[0] for s in skip)]
    for i, (k, v) in enumerate(ranked[:a.top + 10], 1):
        out.append(f"| {i} | `{k}` | {v:,.0f} | {100 * v / per:.1f} |")
    out.append("")

    # Probes: fixed questions, answered per request.
    e_small, e_large = edges(a.small), edges(a.large)
    probes = []

    def inc(name_part):
        return sum(v for k, v in inc_per.items() if name_part in k)

    def edge_sum(pred):
        ir = calls = 0.0
        for key in set(e_small) | set(e_large):
            if pred(*key):
                l_ir, l_calls = e_large.get(key, (0, 0))
                s_ir, s_calls = e_small.get(key, (0, 0))
                ir += (l_ir - s_ir) / n
                calls += (l_calls - s_calls) / n
        return ir, calls

    ir, calls = edge_sum(lambda c, d: d.startswith("QObject::connect(QObject const*, char const*"))
    probes.append(("string-based QObject::connect (SIGNAL/SLOT), all callers", ir, calls))
    ir, calls = edge_sum(lambda c, d: d.startswith("QMetaObject::invokeMethod(QObject*, char const*"))
    probes.append(("string-based QMetaObject::invokeMethod, all callers", ir, calls))
    sha = sum(inc_per.get(k, 0) for k in inc_per
              if k.split(" [")[0] in ("QCryptographicHash::addData(QByteArrayView)",
                                      "QCryptographicHash::result() const",
                                      "Parafetch::Sha256::addData(QByteArrayView)",
                                      "Parafetch::Sha256::result()", "Parafetch::Sha256::Sha256()",
                                      "Parafetch::Sha256::~Sha256()"))
    probes.append(("SHA-256 (Parafetch::Sha256 → libcrypto, or QCryptographicHash); under "
                   "valgrind OpenSSL cannot use the SHA extensions, and one-time per-thread "
                   "OpenSSL set-up can land differently in the two runs", sha, None))
    # Qt's status-line/header reader calls QIODevice::read(&c, 1) per byte.
    reads = defaultdict(lambda: [0.0, 0.0])
    for key in set(e_small) | set(e_large):
        c, d = key
        if d.startswith("QIODevice::read(char*") or d.startswith("QByteArray::append(char)"):
            l_ir, l_calls = e_large.get(key, (0, 0))
            s_ir, s_calls = e_small.get(key, (0, 0))
            reads[c][0] += (l_ir - s_ir) / n
            reads[c][1] += (l_calls - s_calls) / n
    if reads:
        caller, (ir, calls) = max(reads.items(), key=lambda kv: kv[1][1])
        probes.append((f"1-byte reads + append(char) from `{caller}` (Qt's status/header reader)",
                       ir, calls))
    def inc_exact(prefix):
        return sum(v for k, v in inc_per.items() if k.startswith(prefix))

    def edge(caller_prefix, callee_prefix):
        return edge_sum(lambda c, d: c.startswith(caller_prefix) and d.startswith(callee_prefix))

    # The lane engine (core/engine/fetchworker.cpp, core/engine/fetchtask.cpp): a task is a state machine on
    # a worker's pool thread; its handlers are called from Qt's queued signals.
    send = "Parafetch::FetchTask::sendRequest("
    for label, (ir, calls) in [
        ("our sendRequest → QNetworkAccessManager::get (QNetworkReplyHttpImpl + delegate setup)",
         edge(send, "QNetworkAccessManager::get(")),
        ("our sendRequest → QObject::connectImpl (our 7 functor connects)",
         edge(send, "QObject::connectImpl(")),
        ("our sendRequest → makeRequest (the request from the thread's template)",
         edge(send, "Parafetch::FetchTask::makeRequest(")),
        ("QCoreApplication::postEvent, all callers (queued calls, deleteLater)",
         edge_sum(lambda c, d: d.startswith("QCoreApplication::postEvent("))),
    ]:
        probes.append((label, ir, calls))
    for label, value in [
        # Qt's HTTP threads run QThread::exec; the engine's workers run a QEventLoop in
        # FetchWorker::run() on their pool threads.
        ("thread split: Qt HTTP threads, QThread::exec", inc_exact("QThread::exec(")),
        ("thread split: engine workers, FetchWorker::run", inc_exact("Parafetch::FetchWorker::run(")),
        ("thread split: main thread, main()",
         sum(v for k, v in inc_per.items() if k == "main" or k.startswith("main ["))),
        ("QHttpHeaderParser::parseHeaders", inc_exact("QHttpHeaderParser::parseHeaders(")),
        ("QNetworkReply::setRawHeader (copying response headers)", inc_exact("QNetworkReply::setRawHeader(")),
        ("our CachingProxyFactory::queryProxy (cached proxy lookup)", inc("CachingProxyFactory::queryProxy(")),
        ("malloc (inclusive)", inc_exact("malloc [libc")),
        ("free (inclusive)", inc_exact("free [libc")),
        ("our FetchTask::drain (read + hash + sink)", inc_exact("Parafetch::FetchTask::drain(")),
        ("our FetchTask::onMetaData", inc_exact("Parafetch::FetchTask::onMetaData(")),
        ("our FetchTask::classify (result, phases, redacted headers)", inc_exact("Parafetch::FetchTask::classify(")),
        ("our FetchTask construction + destruction",
         inc_exact("Parafetch::FetchTask::FetchTask(") + inc_exact("Parafetch::FetchTask::~FetchTask(")),
        ("our FetchEngine::report + collectReports (results to the engine's thread)",
         inc("FetchEngine::report(") + inc("FetchEngine::collectReports(")),
        ("our FetchEngine::fill (task specs for the dispatch queue)", inc("FetchEngine::fill(")),
        ("our UrlListParser::addDevice (reading the list)", inc("UrlListParser::addDevice(")),
    ]:
        probes.append((label, value, None))
    out.append("#### Probes (inclusive, per request; they overlap)\n")
    out.append("| what | Ir/request | % | calls/request |")
    out.append("|---|---|---|---|")
    for label, ir, calls in probes:
        c = "" if calls is None else f"{calls:,.1f}"
        out.append(f"| {label} | {ir:,.0f} | {100 * ir / per:.1f} | {c} |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
