#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed's pattern, as a benchmark peer: N threading.Thread workers take URLs off a
queue.Queue and call urllib.request.urlopen(url).read().

    seed_threads.py [-j N] [-q] [-i FILE|-] [URL...]

Prints one `getData for="URL" takes time=0.047s` line per URL (unless -q), then
`main takes time=…s` and `serial exec time would be time=…s`. Exit status 1 when any URL
failed. Deliberately naive: urllib opens a new connection per request (it sends
`Connection: close`) and .read() holds the whole body in memory — that is the pattern.
"""
import argparse
import queue
import sys
import threading
import time
import urllib.request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=16)
    parser.add_argument("-i", "--input")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("urls", nargs="*")
    args = parser.parse_args()

    urls = list(args.urls)
    if args.input:
        stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
        with stream:
            urls += [line.strip() for line in stream
                     if line.strip() and not line.lstrip().startswith("#")]

    # Honour no proxy at all: the benchmark only ever talks to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    work: "queue.Queue[str]" = queue.Queue()
    for url in urls:
        work.put(url)

    lock = threading.Lock()
    durations = []
    failures = 0

    def worker() -> None:
        nonlocal failures
        while True:
            try:
                url = work.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            error = None
            try:
                with opener.open(url) as response:
                    response.read()
            except Exception as exc:  # noqa: BLE001 - report every failure by URL
                error = exc
            took = time.perf_counter() - start
            with lock:
                durations.append(took)
                if error is not None:
                    failures += 1
                if not args.quiet:
                    suffix = f" error={error!r}" if error is not None else ""
                    print(f'getData for="{url}" takes time={took:.3f}s{suffix}')

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start

    print(f"main takes time={wall:.3f}s")
    print(f"serial exec time would be time={sum(durations):.3f}s")
    print(f"urls={len(urls)} failed={failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
