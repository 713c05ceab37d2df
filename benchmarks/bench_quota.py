"""How close a fetch runs to the entries.list quota: entries per (scaled) minute against the ceiling.

A fake Logging API in a separate process enforces a quota of N requests per window and answers 429
RESOURCE_EXHAUSTED beyond it. The minute is scaled down (a 10-second window by default), and the client
is told the same window, so the benchmark takes about a minute. logscan reads K windows' worth of pages
plus one. The figure is measured at the server, from the arrival of the first accepted request to the
last one: no schedule that respects the quota can beat N * page_size entries per window there, so
reached / ceiling is at most 100%. The target is at least 90%, with no failed fetch and every entry
exactly once.

    python benchmarks/bench_quota.py [--quota 60] [--window 10] [--windows 6] [--unpaced]

--unpaced also runs a client that ignores the quota (and relies on back-off alone) for comparison.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.source import CloudLoggingSource
from logscan.sources.cloud.window import parse_window

FAKE = Path(__file__).resolve().parent.parent / "tests" / "fake_logging.py"
PAGE = 1000
STEP_MS = 10
"""Milliseconds between synthetic entries: 361,000 entries span about an hour."""


@dataclass
class Run:
    label: str
    entries: int
    unique: int
    failure: str | None
    retries: int
    wall: float
    stats: dict[str, Any]


class FakeProcess:
    """tests/fake_logging.py serving synthetic entries of orders-api-00007-qaz with a quota."""

    def __init__(self, entries: int, quota: int, window: float) -> None:
        args = [sys.executable, str(FAKE), "--entries", str(entries), "--step-ms", str(STEP_MS)]
        args += ["--quota", str(quota), "--window", str(window), "--control"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise SystemExit(f"the fake did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def fetch_all(label: str, entries: int, quota: int, window: float, rpm: int) -> Run:
    fake = FakeProcess(entries, quota, window)
    try:
        span = parse_window("2025-03-01T09:00:00Z", "2025-03-01T11:00:00Z", datetime.now(UTC))
        query = revision_query("demo-proj", "orders-api-00007-qaz", span)
        # Back-off timings scale with the window, as the quota does.
        scale = window / 60.0
        options = FetchOptions(
            endpoint=fake.url,
            quota_rpm=rpm,
            quota_period=window,
            backoff_base=1.0 * scale,
            backoff_max=32.0 * scale,
            max_attempts=12,
        )
        source = CloudLoggingSource(query, options)
        started = time.monotonic()
        seen: set[str] = set()
        count = 0
        for entry in source.entries():
            count += 1
            seen.add(str(entry["insertId"]))
        wall = time.monotonic() - started
        return Run(label, count, len(seen), source.failure, source.retries, wall, fake.stats())
    finally:
        fake.close()


def report(run: Run, quota: int, window: float, expected: int) -> float:
    stats = run.stats
    span = (stats["last"] - stats["first"]) if stats["accepted"] > 1 else float("nan")
    reached = (stats["accepted"] - 1) * PAGE / span * window  # entries per quota window
    ceiling = quota * PAGE
    ratio = reached / ceiling
    ok = run.failure is None and run.entries == run.unique == expected
    print(f"{run.label}:")
    print(f"  entries read          {run.entries:,} ({run.unique:,} distinct, {expected:,} expected)")
    print(
        f"  requests              {stats['requests']} sent, {stats['accepted']} accepted, {stats['rejected']} refused (429)"
    )
    print(f"  retries               {run.retries}; failed fetch: {run.failure or 'no'}")
    print(f"  wall time             {run.wall:.1f} s")
    print(
        f"  rate at the server    {reached:,.0f} entries per {window:g}-second quota window "
        f"(= per minute at full scale) vs ceiling {ceiling:,} -> {ratio:.1%}"
    )
    print(
        f"  verdict               {'PASS' if ok and ratio >= 0.9 else 'FAIL'} (target >= 90%, no failed fetch)"
    )
    return ratio if ok else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quota", type=int, default=60, help="requests per quota window (Cloud Logging: 60/min)"
    )
    parser.add_argument(
        "--window", type=float, default=10.0, help="seconds standing in for the quota's minute"
    )
    parser.add_argument("--windows", type=int, default=6, help="quota windows' worth of pages to read")
    parser.add_argument("--unpaced", action="store_true", help="also run a client that ignores the quota")
    args = parser.parse_args()
    expected = (args.windows * args.quota + 1) * PAGE
    print(
        f"quota {args.quota} requests per {args.window:g} s window, {expected:,} entries in "
        f"{expected // PAGE} pages of {PAGE}"
    )
    paced = fetch_all("logscan, paced to the quota", expected, args.quota, args.window, args.quota)
    ratio = report(paced, args.quota, args.window, expected)
    if args.unpaced:
        unpaced = fetch_all(
            "comparison: no pacing, back-off only", expected, args.quota, args.window, 1_000_000
        )
        report(unpaced, args.quota, args.window, expected)
    print(f"RESULT quota_ratio={ratio:.3f}")
    raise SystemExit(0 if ratio >= 0.9 else 1)


if __name__ == "__main__":
    main()
