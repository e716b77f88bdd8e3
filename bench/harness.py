#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark driver for bench/run.sh: runs every tool on the same URL lists, times each
invocation, reads its peak RSS from /usr/bin/time, and prints a Markdown table.

bench/run.sh starts (and stops) the servers and passes their addresses here; this script
only generates URL lists, runs clients and reports. Run it through run.sh.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Tools. Each builds (argv, stdin path or None) for one invocation with a URL list and N.
# --------------------------------------------------------------------------------------------

@dataclass
class Lists:
    """One URL list, in every format the tools want."""
    plain: str       # one URL per line (Parafetch, xargs, the seed)
    curl_cfg: str    # curl -K: url = "…" / output = "/dev/null"
    aria2: str       # aria2c -i: URL, then an indented out=NAME (distinct names)
    count: int
    tls: bool = False  # https URLs: the tool is told to trust the bench's CA


@dataclass
class Tool:
    name: str
    build: Callable[["Ctx", Lists, int], List[str]]
    stdin_from_list: bool = False
    scratch: bool = False          # needs an empty download dir per run (aria2c)
    main: bool = False             # the reference row (Parafetch, default options)
    workloads: str = "abc"         # where the tool takes part
    # Which of the case's URL lists the row fetches: "" the case's own, "tls" the same files
    # from nginx's https port (h2 offered by ALPN), "h2c" from its cleartext HTTP/2 port
    # (prior knowledge). A row whose variant the case lacks is left out of that case.
    variant: str = ""
    # The row runs only if `parafetch --help` lists this option (e.g. --http2, which another
    # branch adds): the harness works with binaries with and without it.
    needs_option: str = ""
    # Only in cases against this server ("nginx" or "demo"); "" in every case of its workloads.
    server: str = ""


@dataclass
class Ctx:
    parafetch: str
    python: str
    scratch_dir: str
    qnam_floor: str = ""
    ca_file: str = ""   # the bench's CA (PEM) for nginx's https port


def parafetch_argv(extra: List[str]):
    def build(ctx: Ctx, lists: Lists, n: int) -> List[str]:
        tls = ["--ca-file", ctx.ca_file] if lists.tls and ctx.ca_file else []
        return [ctx.parafetch, "--headless", "-q", "-j", str(n), "-i", lists.plain, *tls, *extra]
    return build


def curl_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    return ["curl", "--parallel", "--parallel-max", str(n), "--parallel-immediate",
            "--no-progress-meter", "-s", "-f", "-K", lists.curl_cfg]


def curl_h2_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    # As the issue writes it: curl multiplexes up to N streams (on as few connections as it
    # can; no --parallel-immediate, which would open N connections first).
    return ["curl", "--http2", "--parallel", "--parallel-max", str(n), "-k",
            "--no-progress-meter", "-s", "-f", "-K", lists.curl_cfg]


def aria2_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    tls = [f"--ca-certificate={ctx.ca_file}"] if lists.tls and ctx.ca_file else []
    return ["aria2c", "-q", "-j", str(n), "-x1", "-i", lists.aria2, "-d", ctx.scratch_dir,
            "--allow-overwrite=true", "--auto-file-renaming=false", *tls]


def wget2_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    # N download threads, each keeping its connection (h2 where TLS offers it: wget2 is built
    # with nghttp2); every body into /dev/null. HSTS/HPKP databases, cookies and extended
    # attributes are off: they write state files and have nothing to do here.
    tls = [f"--ca-certificate={ctx.ca_file}"] if lists.tls and ctx.ca_file else []
    return ["wget2", "-q", f"--max-threads={n}", "-i", lists.plain, "-O", "/dev/null",
            "--no-hsts", "--no-hpkp", "--no-cookies", "--no-xattr", *tls]


def xargs_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    # Static partition: each curl process gets ceil(URLs/N) URLs and reuses one connection
    # for them, so N processes run at once (a fixed "-n 50" would leave slots idle when
    # URLs/N < 50 and serialise 50-URL batches when it is larger). Bodies go to stdout,
    # which is /dev/null.
    per_process = max(1, math.ceil(lists.count / n))
    return ["xargs", "-P", str(n), "-n", str(per_process), "curl", "-s", "-f"]


def seed_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    return [ctx.python, os.path.join(HERE, "seed_threads.py"), "-q", "-j", str(n), "-i",
            lists.plain]


def curl_sha_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    # The same work as Parafetch's default (fetch and SHA-256, body discarded) with standard
    # tools: one `curl | openssl dgst -sha256` pipeline per URL, N at a time.
    return ["xargs", "-P", str(n), "-n", "1", "sh", "-c",
            'curl -s -f "$1" | openssl dgst -sha256 >/dev/null', "sh"]


def floor_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    tls = ["--ca-file", ctx.ca_file] if lists.tls and ctx.ca_file else []
    return [ctx.qnam_floor, "-j", str(n), *tls, lists.plain]


def floor_pipelining_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    # Qt's HTTP/1.1 pipelining (opt-in per request); qnam_floor then spreads the N requests over
    # ceil(N/18) managers, so that Qt has requests to queue behind busy connections.
    return [ctx.qnam_floor, "-j", str(n), "--pipelining", lists.plain]


TOOLS = [
    Tool("Parafetch", parafetch_argv([]), main=True, workloads="abce"),
    Tool("Parafetch --no-hash", parafetch_argv(["--no-hash"]), workloads="abce"),
    # Workload (b): the same nginx over TLS, where ALPN gives h2 (Qt's HTTP/2 underneath).
    Tool("Parafetch (h2 over TLS)", parafetch_argv([]), workloads="b", variant="tls"),
    # Rows for the protocol options (branch wip-h2); left out when the binary lacks them.
    Tool("Parafetch --http2 (h2c)", parafetch_argv(["--http2"]), workloads="b", variant="h2c",
         needs_option="--http2"),
    Tool("Parafetch --http1.1", parafetch_argv(["--http1.1"]), workloads="e",
         needs_option="--http1.1"),
    Tool("curl --parallel", curl_argv),
    Tool("curl --http2 --parallel", curl_h2_argv, workloads="e"),
    Tool("curl piped to openssl dgst -sha256", curl_sha_argv, stdin_from_list=True, workloads="c"),
    Tool("wget2", wget2_argv, workloads="abce"),
    Tool("aria2c", aria2_argv, scratch=True, workloads="abce"),
    Tool("xargs -P + curl", xargs_argv, stdin_from_list=True),
    Tool("seed_threads.py", seed_argv),
    # Not a peer: the cheapest way we know to drive Qt Network (bench/qnam_floor.cpp), i.e.
    # the floor under Parafetch's request rate while it uses QNetworkAccessManager (over TLS
    # in (e): Qt's own HTTP/2).
    Tool("(Qt floor: qnam_floor)", floor_argv, workloads="abe"),
    # What Qt offers beyond one request per connection round trip, against nginx (issue 13).
    Tool("(Qt floor: qnam_floor --pipelining)", floor_pipelining_argv, workloads="b",
         server="nginx"),
]


def extra_parafetch_rows(specs: List[str]) -> List[Tool]:
    """--parafetch-row 'WORKLOADS:FLAGS' (e.g. 'be:--http1.1'): one more Parafetch row with
    those flags, in those workloads, fetching each case's own URL list."""
    rows = []
    for spec in specs:
        workloads, _, flags = spec.partition(":")
        if not flags:
            workloads, flags = "abce", spec
        rows.append(Tool(f"Parafetch {flags}", parafetch_argv(flags.split()),
                         workloads=workloads))
    return rows


# --------------------------------------------------------------------------------------------
# Measuring one invocation.
# --------------------------------------------------------------------------------------------

@dataclass
class Sample:
    wall: float
    rss_kib: int
    rc: int
    own_wall: Optional[float] = None   # what the tool itself printed as "main takes time="
    note: str = ""
    cpu_s: float = 0.0                 # client user + system CPU (/usr/bin/time %U + %S)
    other_cores: float = 0.0           # CPU used by neither the tool nor the server, in cores
    attempts: int = 1                  # re-runs because other load disturbed the run
    server_cpu_s: Optional[float] = None  # the server's CPU during the run (/proc, all threads)
    served: Optional[int] = None       # requests nginx answered during the run (stub_status)


def cpu_jiffies():
    """(busy, total) jiffies of the whole machine, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    return user + nice + system + irq + softirq + steal, sum(values)


def wait_for_quiet(max_busy_cores: float, max_wait_s: float) -> float:
    """Wait until the machine's CPUs are (nearly) idle: other people's builds on a shared
    machine would otherwise land in the numbers. Returns the last measured load in cores."""
    ncpu = os.cpu_count() or 1
    deadline = time.monotonic() + max_wait_s
    while True:
        b0, t0 = cpu_jiffies()
        time.sleep(0.3)
        b1, t1 = cpu_jiffies()
        load = (b1 - b0) / max(1, t1 - t0) * ncpu
        if load <= max_busy_cores or time.monotonic() >= deadline:
            return load
        time.sleep(1.0)


def process_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads) and of its direct children (nginx's
    workers), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


def nginx_requests(status_url: str) -> Optional[int]:
    """nginx's count of requests so far (stub_status, on the cleartext port; h2 streams count
    one each). The status request itself is counted too."""
    try:
        out = subprocess.run(["curl", "-s", "--max-time", "5", status_url],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=10).stdout.decode()
        return int(out.splitlines()[2].split()[2])
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        return None


def run_once(tool: Tool, ctx: Ctx, lists: Lists, n: int, timeout: int, workdir: str,
             server_pid: Optional[int] = None, status_url: str = "") -> Sample:
    if tool.scratch:
        shutil.rmtree(ctx.scratch_dir, ignore_errors=True)
        os.makedirs(ctx.scratch_dir)
    argv = tool.build(ctx, lists, n)
    timefile = os.path.join(workdir, "time.out")
    wrapped = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", timefile,
               "timeout", "-k", "10", str(timeout), *argv]
    stdin = open(lists.plain, "rb") if tool.stdin_from_list else subprocess.DEVNULL
    requests_before = nginx_requests(status_url) if status_url else None
    server_before = process_cpu_s(server_pid) if server_pid else None
    busy_before, _ = cpu_jiffies()
    start = time.perf_counter()
    proc = subprocess.run(wrapped, stdin=stdin, stdout=subprocess.PIPE if not tool.stdin_from_list
                          else subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    busy_after, _ = cpu_jiffies()
    server_cpu = process_cpu_s(server_pid) - server_before if server_pid else None
    requests_after = nginx_requests(status_url) if status_url else None
    if stdin is not subprocess.DEVNULL:
        stdin.close()
    rss, cpu = 0, 0.0
    try:
        with open(timefile) as f:
            last = [line for line in f.read().splitlines() if line.strip()][-1].split()
        rss, cpu = int(last[1]), float(last[2]) + float(last[3])
    except (OSError, IndexError, ValueError):
        pass
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout else ""
    err = proc.stderr.decode("utf-8", "replace") if proc.stderr else ""
    sample = Sample(wall=wall, rss_kib=rss, rc=proc.returncode, cpu_s=cpu,
                    server_cpu_s=server_cpu)
    machine_cpu = (busy_after - busy_before) / os.sysconf("SC_CLK_TCK")
    sample.other_cores = max(0.0, machine_cpu - cpu - (server_cpu or 0.0)) / max(wall, 1e-3)
    match = re.search(r"main takes time=([0-9.]+)s", out)
    if match:
        sample.own_wall = float(match.group(1))
    match = re.search(r"urls=(\d+) succeeded=(\d+)", out)
    if match and match.group(1) != match.group(2):
        sample.note = f"{match.group(2)}/{match.group(1)} succeeded"
    if requests_before is not None and requests_after is not None:
        # Less than one request per URL means the tool skipped some (and more, that it
        # retried): either way its time is not for the same work.
        sample.served = requests_after - requests_before - 1
        if sample.served != lists.count and not sample.note:
            sample.note = f"nginx served {sample.served} requests for {lists.count} URLs"
    if proc.returncode == 124 or proc.returncode == 137:
        sample.note = f"timed out after {timeout}s"
    elif proc.returncode != 0 and not sample.note:
        tail = (err.strip().splitlines() or out.strip().splitlines() or [""])[-1][:160]
        sample.note = f"exit {proc.returncode}: {tail}"
    if tool.scratch:
        shutil.rmtree(ctx.scratch_dir, ignore_errors=True)
    return sample


# --------------------------------------------------------------------------------------------
# Workloads.
# --------------------------------------------------------------------------------------------

@dataclass
class Case:
    workload: str          # "a", "b", "c"
    title: str
    server: str            # "demo" or "nginx"
    urls: List[str]
    n: int
    delay_s: float = 0.0   # per-request latency for the ideal (workload a)
    body_bytes: int = 0    # bytes per URL (throughput, workload c)
    headline: bool = True
    hash_rates: List[float] = field(default_factory=list)  # openssl speed, bytes/s (workload c)
    samples: Dict[str, List[Sample]] = field(default_factory=dict)
    variants: Dict[str, List[str]] = field(default_factory=dict)  # see Tool.variant


def write_lists(workdir: str, name: str, urls: List[str]) -> Lists:
    tls = bool(urls) and urls[0].startswith("https:")
    base = os.path.join(workdir, name)
    with open(base + ".txt", "w") as f:
        f.write("".join(u + "\n" for u in urls))
    with open(base + ".curl", "w") as f:
        f.write("".join(f'url = "{u}"\noutput = "/dev/null"\n' for u in urls))
    with open(base + ".aria2", "w") as f:
        f.write("".join(f"{u}\n  out=f{i}\n" for i, u in enumerate(urls)))
    return Lists(base + ".txt", base + ".curl", base + ".aria2", len(urls), tls)


def sha256_speed() -> Optional[float]:
    """SHA-256's own rate on one core, bytes/s: `openssl speed -evp sha256` on 16 KiB blocks."""
    try:
        out = subprocess.run(["openssl", "speed", "-evp", "sha256", "-bytes", "16384",
                              "-seconds", "2"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=60).stdout.decode()
        last = [l for l in out.splitlines() if l.strip()][-1].split()
        return float(last[-1].rstrip("k")) * 1000
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        return None


def build_cases(args) -> List[Case]:
    cases: List[Case] = []
    wanted = (set(args.workload.split(",")) if args.workload != "all"
              else {"a", "b", "c", "d", "e"})
    demo, nginx = args.demo_url.rstrip("/"), args.nginx_url.rstrip("/") if args.nginx_url else ""
    tls, h2c = args.nginx_tls_url.rstrip("/"), args.nginx_h2c_url.rstrip("/")
    if "a" in wanted:
        count = 200 if args.quick else 1000
        urls = [f"{demo}/delay/50/bytes/1024?i={i}" for i in range(count)]
        for n in (8, 32, 128):
            cases.append(Case("a", f"(a) {count} × /delay/50/bytes/1024, N={n}",
                              "demo", urls, n, delay_s=0.050, body_bytes=1024))
    if "b" in wanted:
        count = 1000 if args.quick else 5000
        if nginx:
            paths = [f"/1k.bin?i={i}" for i in range(count)]
            case = Case("b", f"(b) {count} × 1 KiB, no delay, N=32 — nginx (headline)",
                        "nginx", [nginx + p for p in paths], 32, body_bytes=1024)
            if tls:
                case.variants["tls"] = [tls + p for p in paths]
            if h2c:
                case.variants["h2c"] = [h2c + p for p in paths]
            cases.append(case)
        cases.append(Case("b", f"(b) {count} × /bytes/1024, no delay, N=32 — demo server",
                          "demo",
                          [f"{demo}/bytes/1024?i={i}" for i in range(count)], 32,
                          body_bytes=1024, headline=not nginx))
    if "e" in wanted and tls:
        count = 1000 if args.quick else 5000
        cases.append(Case("e", f"(e) {count} × 1 KiB over HTTP/2 + TLS, N=32 — nginx",
                          "nginx", [f"{tls}/1k.bin?i={i}" for i in range(count)], 32,
                          body_bytes=1024))
    if "c" in wanted and nginx:
        cases.append(Case("c", "(c) 1 × 1 GiB body, N=1 — nginx", "nginx",
                          [f"{nginx}/1g.bin?i=0"], 1, body_bytes=1024 * MIB))
        cases.append(Case("c", "(c) 8 × 256 MiB bodies, N=8 — nginx", "nginx",
                          [f"{nginx}/256m.bin?i={i}" for i in range(8)], 8,
                          body_bytes=256 * MIB))
    return cases


# --------------------------------------------------------------------------------------------
# Reporting.
# --------------------------------------------------------------------------------------------

def fmt_s(x: Optional[float]) -> str:
    return "–" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.2f}")


def summarise(case: Case) -> List[dict]:
    rows = []
    ref = case.samples.get(next(t.name for t in TOOLS if t.main))
    ref_median = statistics.median(s.wall for s in ref) if ref else None
    for name, samples in case.samples.items():  # in the order the rows ran
        if not samples:
            continue
        walls = [s.wall for s in samples]
        median = statistics.median(walls)
        own = [s.own_wall for s in samples if s.own_wall is not None]
        row = {
            "tool": name,
            "runs": len(samples),
            "median_s": median,
            "min_s": min(walls),
            "max_s": max(walls),
            "own_median_s": statistics.median(own) if own else None,
            "ratio": median / ref_median if ref_median else None,
            "peak_rss_mib": max(s.rss_kib for s in samples) / 1024,
            "cpu_s": statistics.median(s.cpu_s for s in samples),
            # 10 ms CPU ticks make the estimate meaningless for very short runs.
            "other_cores_max": max([s.other_cores for s in samples if s.wall >= 0.2] or [0.0]),
            "reruns": sum(s.attempts - 1 for s in samples),
            "server_cpu_s": (statistics.median(s.server_cpu_s for s in samples)
                             if all(s.server_cpu_s is not None for s in samples) else None),
            "failed_runs": sum(1 for s in samples if s.rc != 0 or s.note),
            "served_ok": all(s.served == len(case.urls) for s in samples),
            "notes": sorted({s.note for s in samples if s.note}),
        }
        urls = len(case.urls)
        if case.workload == "a":
            ideal = math.ceil(urls / case.n) * case.delay_s
            row["ideal_s"] = ideal
            row["efficiency"] = ideal / median
        if case.workload in ("a", "b", "e"):
            row["req_per_s"] = urls / median
        if case.workload == "c":
            row["mb_per_s"] = urls * case.body_bytes / median / 1e6
        rows.append(row)
    return rows


def table(case: Case, rows: List[dict]) -> str:
    cpu = "client CPU µs/req" if case.workload != "c" else "client CPU s"
    if case.workload == "a":
        head = ["tool", "median wall s", "min–max s", "vs Parafetch", "efficiency", "req/s",
                "peak RSS MiB", cpu, "server CPU s", "status"]
    elif case.workload in ("b", "e"):
        head = ["tool", "median wall s", "min–max s", "vs Parafetch", "req/s", "peak RSS MiB",
                cpu, "server CPU s", "status"]
    else:
        head = ["tool", "median wall s", "min–max s", "vs Parafetch", "MB/s", "peak RSS MiB",
                cpu, "server CPU s", "status"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        status = "ok" if not r["failed_runs"] else f"{r['failed_runs']}/{r['runs']} bad: " + "; ".join(r["notes"])
        cells = [r["tool"], fmt_s(r["median_s"]), f"{fmt_s(r['min_s'])}–{fmt_s(r['max_s'])}",
                 "–" if r["ratio"] is None else f"{r['ratio']:.2f}×"]
        if case.workload == "a":
            cells.append(f"{r['efficiency']:.2f}")
        if case.workload in ("a", "b", "e"):
            cells.append(f"{r['req_per_s']:,.0f}")
        if case.workload == "c":
            cells.append(f"{r['mb_per_s']:,.0f}")
        cells.append(f"{r['peak_rss_mib']:.1f}")
        if case.workload == "c":
            cells.append(f"{r['cpu_s']:.2f}")
        else:
            cells.append(f"{r['cpu_s'] / len(case.urls) * 1e6:,.0f}")
        cells.append("–" if r["server_cpu_s"] is None else f"{r['server_cpu_s']:.2f}")
        cells.append(status)
        lines.append("| " + " | ".join(cells) + " |")
    extra = []
    if case.workload == "a":
        extra.append(f"Ideal = ceil({len(case.urls)}/{case.n}) × {case.delay_s * 1000:.0f} ms = "
                     f"{rows[0]['ideal_s']:.3f} s.")
    other = max(r["other_cores_max"] for r in rows)
    reruns = sum(r["reruns"] for r in rows)
    extra.append(f"Other processes on the machine used at most {other:.2f} CPUs during a kept "
                 f"run of 0.2 s or more ({reruns} run(s) repeated because of other load).")
    if case.server == "nginx":
        checked = [r["tool"] for r in rows if r.get("served_ok")]
        if checked:
            extra.append(f"nginx's request count (stub_status) matched the URL count in every "
                         f"run of: {', '.join(checked)}.")
    if case.hash_rates:
        rate = statistics.median(case.hash_rates)
        limit = len(case.urls) * case.body_bytes / rate
        main = next((r for r in rows if r["tool"] == "Parafetch"), None)
        text = (f"SHA-256's own limit: `openssl speed -evp sha256` (16 KiB blocks, one core, "
                f"median of {len(case.hash_rates)}, taken between rounds) {rate / 1e6:,.0f} MB/s, "
                f"so {limit:.3f} s for these bytes on one core")
        if main and case.n == 1:
            text += f"; Parafetch (SHA-256 on) took {main['median_s'] / limit:.2f}× that"
        extra.append(text + ".")
    own = [f"{r['tool']} {fmt_s(r['own_median_s'])} s" for r in rows if r["own_median_s"] is not None]
    if own:
        extra.append("Self-reported `main takes time` (median): " + ", ".join(own) + ".")
    return "\n".join(lines) + ("\n\n" + " ".join(extra) if extra else "")


# --------------------------------------------------------------------------------------------
# Workload (d): the window, through bench/guibench (a CMake target, parafetch_guibench).
# --------------------------------------------------------------------------------------------

def run_guibench(args, ctx_demo_url: str, raw: list) -> str:
    """Runs parafetch_guibench offscreen: time to paste and add a list, the GUI thread's
    lateness on a 10 ms timer while the list is fetched (p99, max), and RSS. Returns Markdown."""
    cases = [
        ("10,000 × /delay/20/bytes/1024, 128 workers (demo server)",
         ["--urls", "10000", "--jobs", "128", "--base", ctx_demo_url,
          "--path", "/delay/20/bytes/1024"]),
        ("100,000 URLs added, not fetched", ["--urls", "100000", "--add-only"]),
    ]
    if not args.quick:
        cases.append(("100,000 × /bytes/1024, 128 workers (demo server): finished rows",
                      ["--urls", "100000", "--jobs", "128", "--base", ctx_demo_url,
                       "--path", "/bytes/1024"]))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    runs = 1 if args.quick else args.runs
    rows = []
    for title, extra in cases:
        print(f"== (d) {title}", file=sys.stderr, flush=True)
        results = []
        for run in range(runs):
            wait_for_quiet(args.quiet_cores, args.quiet_wait)
            proc = subprocess.run(["timeout", "-k", "10", str(args.timeout), args.guibench, *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            line = next((l for l in proc.stdout.decode("utf-8", "replace").splitlines()
                         if l.startswith("{")), "")
            try:
                results.append(json.loads(line))
            except json.JSONDecodeError:
                results.append({"error": f"exit {proc.returncode}"})
            print(f"   run {run + 1}/{runs} {line or proc.returncode}", file=sys.stderr, flush=True)
        ok = [r for r in results if "error" not in r]
        raw.append({"title": f"(d) {title}", "workload": "d", "guibench": extra,
                    "samples": results})

        def med(key, scale=1.0):
            values = [r[key] * scale for r in ok if key in r]
            return statistics.median(values) if values else None

        def cell(value, fmt):
            return "–" if value is None else format(value, fmt)

        stall_max = [r["stallMaxMs"] for r in ok if "stallMaxMs" in r]
        peak = [r["peakRssBytes"] / MIB for r in ok if "peakRssBytes" in r]
        rows.append([title, f"{len(ok)}/{runs}",
                     cell(med("pasteMs"), ",.0f"), cell(med("addMs"), ",.0f"),
                     cell(med("runMs", 1e-3), ".2f"),
                     cell(med("stallP99Ms"), ".1f"), cell(max(stall_max, default=None), ".1f"),
                     cell(med("rssAfterAddBytes", 1 / MIB), ".0f"),
                     cell(med("rssFinishedBytes", 1 / MIB), ".0f"),
                     cell(max(peak, default=None), ".0f")])
    head = ["case", "ok runs", "paste ms", "add ms", "run s", "GUI stall p99 ms",
            "GUI stall max ms", "RSS after add MiB", "RSS finished MiB", "peak RSS MiB"]
    lines = ["## (d) The window (bench/guibench, offscreen)", "",
             "`parafetch_guibench` pastes the list into the window's input panel, adds it, and "
             "(unless add-only) starts the run with a 10 ms `Qt::PreciseTimer` on the GUI "
             "thread: its lateness is the stall a person would feel. Medians over the runs; "
             "stall max is the worst of all runs. Targets (issue 4): stall p99 < 30 ms and "
             "max < 100 ms; 100,000 URLs added in under 1 s (paste + add); RSS with 100,000 "
             "finished rows under 300 MB.", "",
             "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def command_output(argv: List[str]) -> str:
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=20).stdout.decode("utf-8", "replace")
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "not found"


def source_state() -> str:
    # A fresh machine may have no git, and a tree may come from a tarball: the table says so.
    root = os.path.dirname(HERE)
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20)
        if head.returncode != 0:
            return "not a git checkout"
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    commit = head.stdout.decode("utf-8", "replace").strip()
    return commit + (" + uncommitted changes" if dirty.stdout.strip() else "")


def machine(ctx: Ctx, origin: str, source: str) -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(l.split()[1] for l in f if l.startswith("MemTotal")))
        ram = f"{kib / MIB:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    qt = "?"
    try:
        qt = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libqt6network6"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            timeout=20).stdout.decode() or "?"
    except (OSError, subprocess.SubprocessError):
        pass
    nginx = command_output(["nginx", "-v"])
    return "\n".join([
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {ram} RAM, kernel {platform.release()}",
        f"- Parafetch: {command_output([ctx.parafetch, '--version'])} "
        f"({origin or ctx.parafetch}; source tree when the run started: {source}); "
        f"Qt Network (libqt6network6) {qt}",
        f"- {command_output(['curl', '--version'])}",
        f"- {command_output(['wget2', '--version'])}",
        f"- {command_output(['aria2c', '--version'])}; {nginx}; "
        f"{command_output([ctx.python, '--version'])} ({ctx.python})",
    ])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--parafetch", required=True)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--demo-url", required=True)
    p.add_argument("--nginx-url", default="")
    p.add_argument("--nginx-tls-url", default="", help="nginx's https port (ssl http2)")
    p.add_argument("--nginx-h2c-url", default="", help="nginx's cleartext HTTP/2 port")
    p.add_argument("--ca-file", default="", help="the CA that signed nginx's certificate")
    p.add_argument("--parafetch-row", action="append", default=[],
                   help="another Parafetch row: 'WORKLOADS:FLAGS', e.g. 'be:--http1.1'")
    p.add_argument("--workload", default="all")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--workdir", required=True)
    p.add_argument("--scratch-dir", default="",
                   help="where aria2c writes its files (emptied before and after each run)")
    p.add_argument("--out", required=True, help="Markdown file to write")
    p.add_argument("--json", help="raw samples as JSON")
    p.add_argument("--tools", default="", help="comma-separated subset of tool names")
    p.add_argument("--quiet-cores", type=float, default=0.3,
                   help="before each run wait until other processes use at most this many CPUs")
    p.add_argument("--quiet-wait", type=float, default=20,
                   help="wait at most this long (s) for that, then run anyway")
    p.add_argument("--max-other-cores", type=float, default=0.3,
                   help="re-run a sample when other processes used more CPUs than this")
    p.add_argument("--max-attempts", type=int, default=3)
    p.add_argument("--qnam-floor", default="", help="bench/qnam_floor.cpp, built")
    p.add_argument("--guibench", default="", help="parafetch_guibench, for workload (d)")
    p.add_argument("--parafetch-origin", default="",
                   help="where the (copied) Parafetch binary came from, for the report")
    p.add_argument("--demo-pid", type=int, default=0)
    p.add_argument("--nginx-pid", type=int, default=0)
    p.add_argument("--runs-b", type=int, default=0,
                   help="runs for workload (b), which is short and noisy (default: max(runs, 5), "
                        "or runs with --quick)")
    args = p.parse_args()

    ctx = Ctx(parafetch=args.parafetch, python=args.python,
              scratch_dir=args.scratch_dir or os.path.join(args.workdir, "aria2-out"),
              qnam_floor=args.qnam_floor, ca_file=args.ca_file)
    all_tools = TOOLS + extra_parafetch_rows(args.parafetch_row)
    tools = [t for t in all_tools if not args.tools or t.name in args.tools.split(",")]
    try:
        parafetch_help = subprocess.run([args.parafetch, "--help"], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, timeout=20).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        parafetch_help = ""
    for t in tools:
        if t.needs_option and not re.search(re.escape(t.needs_option) + r"\b", parafetch_help):
            print(f"harness: leaving out '{t.name}': {t.needs_option} is not an option of "
                  f"this Parafetch", file=sys.stderr)
    tools = [t for t in tools if not t.needs_option
             or re.search(re.escape(t.needs_option) + r"\b", parafetch_help)]
    tools = [t for t in tools if t.build is not wget2_argv or shutil.which("wget2")]
    if not args.qnam_floor:
        tools = [t for t in tools if t.build not in (floor_argv, floor_pipelining_argv)]
    cases = build_cases(args)
    source = source_state()
    lists_by_urls: Dict[int, Lists] = {}
    status_url = args.nginx_url.rstrip("/") + "/.status" if args.nginx_url else ""

    for index, case in enumerate(cases):
        key = id(case.urls)
        if key not in lists_by_urls:
            lists_by_urls[key] = write_lists(args.workdir, f"list{index}", case.urls)
        case_lists = {"": lists_by_urls[key]}
        for variant, urls in case.variants.items():
            case_lists[variant] = write_lists(args.workdir, f"list{index}-{variant}", urls)
        print(f"== {case.title}", file=sys.stderr, flush=True)
        if case.workload == "c":
            # Bring each big file into the page cache first; otherwise the first tool of the
            # first round pays for it (sparse files: the kernel allocates the zero pages).
            for url in sorted({u.split("?")[0] for u in case.urls}):
                subprocess.run(["timeout", str(args.timeout), "curl", "-s", "-o", "/dev/null", url],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Rounds interleave the tools so slow drift (page cache, thermal, other load) spreads
        # over all of them instead of landing on one.
        runs = args.runs
        if case.workload in ("b", "e"):
            runs = args.runs_b or (args.runs if args.quick else max(args.runs, 5))
        server_pid = {"demo": args.demo_pid, "nginx": args.nginx_pid}.get(case.server) or None
        for round_no in range(runs):
            if case.workload == "c":
                wait_for_quiet(args.quiet_cores, args.quiet_wait)
                rate = sha256_speed()
                if rate:
                    case.hash_rates.append(rate)
            for tool in tools:
                if (case.workload not in tool.workloads or tool.variant not in case_lists
                        or (tool.server and tool.server != case.server)):
                    continue
                lists = case_lists[tool.variant]
                best = None
                for attempt in range(1, args.max_attempts + 1):
                    wait_for_quiet(args.quiet_cores, args.quiet_wait)
                    sample = run_once(tool, ctx, lists, case.n, args.timeout, args.workdir,
                                      server_pid,
                                      status_url if case.server == "nginx" else "")
                    sample.attempts = attempt
                    if best is None or sample.other_cores < best.other_cores:
                        best = sample
                    # Short runs measure the other load coarsely (10 ms ticks): judge only
                    # runs long enough for it to mean something.
                    if sample.other_cores <= args.max_other_cores or sample.wall < 0.2:
                        break
                    print(f"   (other load {sample.other_cores:.2f} cores during the run: "
                          f"again)", file=sys.stderr, flush=True)
                # Keep the least disturbed attempt.
                best.attempts = sample.attempts
                sample = best
                case.samples.setdefault(tool.name, []).append(sample)
                print(f"   run {round_no + 1}/{runs} {tool.name:22s} {sample.wall:8.3f} s "
                      f"{sample.rss_kib / 1024:8.1f} MiB cpu={sample.cpu_s:.2f}s "
                      f"other={sample.other_cores:.2f} rc={sample.rc} {sample.note}",
                      file=sys.stderr, flush=True)

    fstype = subprocess.run(["stat", "-f", "-c", "%T", os.path.dirname(ctx.scratch_dir) or "/"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode().strip()
    parts = ["# Parafetch benchmark — latest run", "", machine(ctx, args.parafetch_origin, source),
             f"- aria2c writes its files into {os.path.dirname(ctx.scratch_dir)} ({fstype or '?'}); "
             "the others discard bodies", "",
             f"Runs per cell: {args.runs} ({'all workloads' if args.quick else 'workloads (b) and (e): ' + str(args.runs_b or max(args.runs, 5))}). "
             "Wall = median wall time of the whole process (start-up included), measured by the "
             "harness around `/usr/bin/time -f '%e %M %U %S' timeout …`. `vs Parafetch` = the "
             "tool's median ÷ Parafetch's (default options, SHA-256 on) median in the same run: "
             "above 1.00× is slower than Parafetch. Peak RSS = the largest `%M` over the runs "
             "(for xargs the largest single curl process, not the sum). Client CPU = median "
             "user + system time of the tool (for xargs: xargs and all its curls), per request "
             "or in total. Server CPU = the server process's CPU time during the run (all its "
             "threads and workers), to show whether the server was the bottleneck. Every tool "
             "and the servers share the same 2 CPUs.", ""]
    raw = []
    for case in cases:
        rows = summarise(case)
        server = {"demo": "the Parafetch demo server (`parafetch --demo-server`)",
                  "nginx": "nginx (1 worker, sendfile)"}[case.server]
        parts += [f"## {case.title}", "", f"Server: {server}.", "", table(case, rows), ""]
        raw.append({"title": case.title, "workload": case.workload, "n": case.n,
                    "urls": len(case.urls), "server": case.server, "rows": rows,
                    "samples": {k: [s.__dict__ for s in v] for k, v in case.samples.items()}})
    wants_d = args.workload == "all" or "d" in args.workload.split(",")
    if wants_d and args.guibench:
        parts += [run_guibench(args, args.demo_url.rstrip("/"), raw)]
    elif wants_d:
        parts += ["## (d) The window", "", "Not measured: no `parafetch_guibench` binary "
                  "(the CMake option PARAFETCH_BUILD_BENCH builds it).", ""]
    text = "\n".join(parts)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        sys.exit(130)
