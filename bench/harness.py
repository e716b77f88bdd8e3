#!/usr/bin/env python3
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


@dataclass
class Tool:
    name: str
    build: Callable[["Ctx", Lists, int], List[str]]
    stdin_from_list: bool = False
    scratch: bool = False          # needs an empty download dir per run (aria2c)
    main: bool = False             # the reference row (Parafetch, default options)


@dataclass
class Ctx:
    parafetch: str
    python: str
    scratch_dir: str


def parafetch_argv(extra: List[str]):
    def build(ctx: Ctx, lists: Lists, n: int) -> List[str]:
        return [ctx.parafetch, "--headless", "-q", "-j", str(n), "-i", lists.plain, *extra]
    return build


def curl_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    return ["curl", "--parallel", "--parallel-max", str(n), "--parallel-immediate",
            "-s", "-f", "-K", lists.curl_cfg]


def aria2_argv(ctx: Ctx, lists: Lists, n: int) -> List[str]:
    return ["aria2c", "-q", "-j", str(n), "-x1", "-i", lists.aria2, "-d", ctx.scratch_dir,
            "--allow-overwrite=true", "--auto-file-renaming=false"]


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


TOOLS = [
    Tool("Parafetch", parafetch_argv([]), main=True),
    Tool("Parafetch --no-hash", parafetch_argv(["--no-hash"])),
    Tool("curl --parallel", curl_argv),
    Tool("aria2c", aria2_argv, scratch=True),
    Tool("xargs -P + curl", xargs_argv, stdin_from_list=True),
    Tool("seed_threads.py", seed_argv),
]


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


def run_once(tool: Tool, ctx: Ctx, lists: Lists, n: int, timeout: int, workdir: str) -> Sample:
    if tool.scratch:
        shutil.rmtree(ctx.scratch_dir, ignore_errors=True)
        os.makedirs(ctx.scratch_dir)
    argv = tool.build(ctx, lists, n)
    timefile = os.path.join(workdir, "time.out")
    wrapped = ["/usr/bin/time", "-f", "%e %M", "-o", timefile,
               "timeout", "-k", "10", str(timeout), *argv]
    stdin = open(lists.plain, "rb") if tool.stdin_from_list else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.run(wrapped, stdin=stdin, stdout=subprocess.PIPE if not tool.stdin_from_list
                          else subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if stdin is not subprocess.DEVNULL:
        stdin.close()
    rss = 0
    try:
        with open(timefile) as f:
            last = [line for line in f.read().splitlines() if line.strip()][-1]
        rss = int(last.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout else ""
    err = proc.stderr.decode("utf-8", "replace") if proc.stderr else ""
    sample = Sample(wall=wall, rss_kib=rss, rc=proc.returncode)
    match = re.search(r"main takes time=([0-9.]+)s", out)
    if match:
        sample.own_wall = float(match.group(1))
    match = re.search(r"urls=(\d+) succeeded=(\d+)", out)
    if match and match.group(1) != match.group(2):
        sample.note = f"{match.group(2)}/{match.group(1)} succeeded"
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
    server: str
    urls: List[str]
    n: int
    delay_s: float = 0.0   # per-request latency for the ideal (workload a)
    body_bytes: int = 0    # bytes per URL (throughput, workload c)
    headline: bool = True
    samples: Dict[str, List[Sample]] = field(default_factory=dict)


def write_lists(workdir: str, name: str, urls: List[str]) -> Lists:
    base = os.path.join(workdir, name)
    with open(base + ".txt", "w") as f:
        f.write("".join(u + "\n" for u in urls))
    with open(base + ".curl", "w") as f:
        f.write("".join(f'url = "{u}"\noutput = "/dev/null"\n' for u in urls))
    with open(base + ".aria2", "w") as f:
        f.write("".join(f"{u}\n  out=f{i}\n" for i, u in enumerate(urls)))
    return Lists(base + ".txt", base + ".curl", base + ".aria2", len(urls))


def build_cases(args) -> List[Case]:
    cases: List[Case] = []
    wanted = set(args.workload.split(",")) if args.workload != "all" else {"a", "b", "c"}
    demo, nginx = args.demo_url.rstrip("/"), args.nginx_url.rstrip("/") if args.nginx_url else ""
    if "a" in wanted:
        count = 200 if args.quick else 1000
        urls = [f"{demo}/delay/50/bytes/1024?i={i}" for i in range(count)]
        for n in (8, 32, 128):
            cases.append(Case("a", f"(a) {count} × /delay/50/bytes/1024, N={n}",
                              "Parafetch demo server", urls, n, delay_s=0.050, body_bytes=1024))
    if "b" in wanted:
        count = 1000 if args.quick else 5000
        if nginx:
            cases.append(Case("b", f"(b) {count} × 1 KiB, no delay, N=32 — nginx (headline)",
                              "nginx", [f"{nginx}/1k.bin?i={i}" for i in range(count)], 32,
                              body_bytes=1024))
        cases.append(Case("b", f"(b) {count} × /bytes/1024, no delay, N=32 — demo server",
                          "Parafetch demo server",
                          [f"{demo}/bytes/1024?i={i}" for i in range(count)], 32,
                          body_bytes=1024, headline=not nginx))
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
    for tool in TOOLS:
        samples = case.samples.get(tool.name)
        if not samples:
            continue
        walls = [s.wall for s in samples]
        median = statistics.median(walls)
        own = [s.own_wall for s in samples if s.own_wall is not None]
        row = {
            "tool": tool.name,
            "runs": len(samples),
            "median_s": median,
            "min_s": min(walls),
            "max_s": max(walls),
            "own_median_s": statistics.median(own) if own else None,
            "ratio": median / ref_median if ref_median else None,
            "peak_rss_mib": max(s.rss_kib for s in samples) / 1024,
            "failed_runs": sum(1 for s in samples if s.rc != 0 or s.note),
            "notes": sorted({s.note for s in samples if s.note}),
        }
        urls = len(case.urls)
        if case.workload == "a":
            ideal = math.ceil(urls / case.n) * case.delay_s
            row["ideal_s"] = ideal
            row["efficiency"] = ideal / median
        if case.workload in ("a", "b"):
            row["req_per_s"] = urls / median
        if case.workload == "c":
            row["mb_per_s"] = urls * case.body_bytes / median / 1e6
        rows.append(row)
    return rows


def table(case: Case, rows: List[dict]) -> str:
    if case.workload == "a":
        head = ["tool", "median wall s", "min–max s", "vs Parafetch", "efficiency", "req/s",
                "peak RSS MiB", "status"]
    elif case.workload == "b":
        head = ["tool", "median wall s", "min–max s", "vs Parafetch", "req/s", "peak RSS MiB",
                "status"]
    else:
        head = ["tool", "median wall s", "min–max s", "vs Parafetch", "MB/s", "peak RSS MiB",
                "status"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        status = "ok" if not r["failed_runs"] else f"{r['failed_runs']}/{r['runs']} bad: " + "; ".join(r["notes"])
        cells = [r["tool"], fmt_s(r["median_s"]), f"{fmt_s(r['min_s'])}–{fmt_s(r['max_s'])}",
                 "–" if r["ratio"] is None else f"{r['ratio']:.2f}×"]
        if case.workload == "a":
            cells.append(f"{r['efficiency']:.2f}")
        if case.workload in ("a", "b"):
            cells.append(f"{r['req_per_s']:,.0f}")
        if case.workload == "c":
            cells.append(f"{r['mb_per_s']:,.0f}")
        cells += [f"{r['peak_rss_mib']:.1f}", status]
        lines.append("| " + " | ".join(cells) + " |")
    extra = []
    if case.workload == "a":
        extra.append(f"Ideal = ceil({len(case.urls)}/{case.n}) × {case.delay_s * 1000:.0f} ms = "
                     f"{rows[0]['ideal_s']:.3f} s.")
    own = [f"{r['tool']} {fmt_s(r['own_median_s'])} s" for r in rows if r["own_median_s"] is not None]
    if own:
        extra.append("Self-reported `main takes time` (median): " + ", ".join(own) + ".")
    return "\n".join(lines) + ("\n\n" + " ".join(extra) if extra else "")


def command_output(argv: List[str]) -> str:
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=20).stdout.decode("utf-8", "replace")
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "not found"


def machine(ctx: Ctx) -> str:
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
        f"- Parafetch: {command_output([ctx.parafetch, '--version'])} ({ctx.parafetch}); "
        f"Qt Network (libqt6network6) {qt}",
        f"- {command_output(['curl', '--version'])}",
        f"- {command_output(['aria2c', '--version'])}; {nginx}; "
        f"{command_output([ctx.python, '--version'])} ({ctx.python})",
    ])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--parafetch", required=True)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--demo-url", required=True)
    p.add_argument("--nginx-url", default="")
    p.add_argument("--workload", default="all")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--workdir", required=True)
    p.add_argument("--out", required=True, help="Markdown file to write")
    p.add_argument("--json", help="raw samples as JSON")
    p.add_argument("--tools", default="", help="comma-separated subset of tool names")
    args = p.parse_args()

    ctx = Ctx(parafetch=args.parafetch, python=args.python,
              scratch_dir=os.path.join(args.workdir, "aria2-out"))
    tools = [t for t in TOOLS if not args.tools or t.name in args.tools.split(",")]
    cases = build_cases(args)
    lists_by_urls: Dict[int, Lists] = {}

    for index, case in enumerate(cases):
        key = id(case.urls)
        if key not in lists_by_urls:
            lists_by_urls[key] = write_lists(args.workdir, f"list{index}", case.urls)
        lists = lists_by_urls[key]
        print(f"== {case.title}", file=sys.stderr, flush=True)
        # Rounds interleave the tools so slow drift (page cache, thermal, other load) spreads
        # over all of them instead of landing on one.
        for round_no in range(args.runs):
            for tool in tools:
                sample = run_once(tool, ctx, lists, case.n, args.timeout, args.workdir)
                case.samples.setdefault(tool.name, []).append(sample)
                print(f"   run {round_no + 1}/{args.runs} {tool.name:22s} {sample.wall:8.3f} s "
                      f"{sample.rss_kib / 1024:8.1f} MiB rc={sample.rc} {sample.note}",
                      file=sys.stderr, flush=True)

    parts = ["# Parafetch benchmark — latest run", "", machine(ctx), "",
             f"Runs per cell: {args.runs} (median wall time of the whole process, measured by the "
             f"harness around `/usr/bin/time -f '%e %M' timeout …`). `vs Parafetch` = the tool's "
             "median ÷ Parafetch's (default options, SHA-256 on) median in the same run: above "
             "1.00× is slower than Parafetch. Peak RSS = the largest `%M` over the runs (for "
             "xargs it is the largest single process, not the sum).", ""]
    raw = []
    for case in cases:
        rows = summarise(case)
        parts += [f"## {case.title}", "", f"Server: {case.server}.", "", table(case, rows), ""]
        raw.append({"title": case.title, "workload": case.workload, "n": case.n,
                    "urls": len(case.urls), "server": case.server, "rows": rows,
                    "samples": {k: [s.__dict__ for s in v] for k, v in case.samples.items()}})
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
    sys.exit(main())
