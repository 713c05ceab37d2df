"""Resources under hostile input (issue 15): peak memory and report size of `logscan triage` on logs of many
distinct messages, against the same number of entries with few distinct messages (the baseline, measured in
the same run); and the time and outcome of a small gzip of newlines that expands to gigabytes.

    python benchmarks/bench_resources.py [--sizes 100000,1000000] [--bomb-mb 5] [--dir DIR] [--keep]

For each size N, two JSONL exports of N entries are written: "distinct" (every message different, letters
only, so no mask merges two of them) and "repeated" (the same N entries drawn from 100 messages). Each is
triaged in its own subprocess (`logscan triage PATH --jobs 1 --format json -o REPORT`); peak memory is the
child's own ru_maxrss (wait4). Targets: the distinct log's peak memory at the largest size <= 1.3x its peak at
the smallest (memory stays bounded: findings per class are capped and the long tail folded and counted, the
template miner starts over past its shape limit), and every distinct report <= 5 MB. The repeated log is the
baseline printed beside it. The bomb: --bomb-mb MB of
gzip holding only newlines (about 1000 times as much expanded); target: exit 2 with the
--gzip-max-ratio message within 60 s. Exit 0 when all hold, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopqrstuv")
_ROOT = Path(__file__).resolve().parent.parent


def _message(i: int) -> str:
    w = hashlib.sha1(str(i).encode()).hexdigest().translate(_LETTERS)
    return f"session {w[:7]} {w[7:14]} {w[14:21]} closed by peer"


def write_export(path: Path, n: int, distinct: bool) -> None:
    """n JSONL entries of one revision; distinct messages, or n drawn from 100."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            entry = {
                "insertId": f"{i:012x}",
                "timestamp": f"2025-03-01T{9 + i // 3_600_000:02d}:{i // 60_000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
                "severity": "INFO",
                "logName": "projects/demo-proj/logs/run.googleapis.com%2Fstdout",
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {"revision_name": "orders-api-00007-qaz"},
                },
                "textPayload": _message(i if distinct else i % 100),
            }
            out.write(json.dumps(entry) + "\n")


def _run(args: list[str]) -> tuple[int, float, int, str]:
    """Exit code, wall seconds, peak RSS in MiB (this child's own, from wait4) and stderr of one logscan run."""
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "logscan", *args], stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        err.seek(0)
        text = err.read().decode("utf-8", "replace").strip()
    return child.returncode, wall, usage.ru_maxrss // 1024, text


def memory(work: Path, sizes: list[int]) -> bool:
    ok = True
    distinct_peaks: list[int] = []
    print(f"{'entries':>10} {'kind':>9} {'peak MiB':>9} {'report MB':>10} {'seconds':>8} {'findings':>9}")
    for n in sizes:
        peaks = {}
        for kind in ("repeated", "distinct"):
            export, report = work / f"{kind}-{n}.jsonl", work / f"{kind}-{n}.json"
            write_export(export, n, distinct=kind == "distinct")
            code, wall, peak, err = _run(
                ["triage", str(export), "--jobs", "1", "--format", "json", "-o", str(report)]
            )
            if code not in (0, 1):
                print(f"  triage failed ({code}): {err}", file=sys.stderr)
                return False
            doc = json.loads(report.read_text(encoding="utf-8"))
            size = report.stat().st_size / 1e6
            peaks[kind] = peak
            print(f"{n:>10,} {kind:>9} {peak:>9,} {size:>10.2f} {wall:>8.1f} {len(doc['findings']):>9,}")
            if kind == "distinct":
                folded = [line for line in doc["provenance"]["skipped_detail"] if "folded" in line]
                print(f"{'':>10} {'':>9} folded: {folded[0] if folded else 'nothing'}")
                ok &= size <= 5
            export.unlink()
        print(f"{'':>10} {'ratio':>9} {peaks['distinct'] / peaks['repeated']:>9.2f}  (distinct / repeated)")
        distinct_peaks.append(peaks["distinct"])
    growth = distinct_peaks[-1] / distinct_peaks[0]
    print(f"distinct peak growth, largest / smallest size: {growth:.2f} (target <= 1.3)")
    return ok and growth <= 1.3


def bomb(work: Path, megabytes: int) -> bool:
    path = work / "newlines.json.gz"
    chunk = b"\n" * (16 << 20)
    expanded = 0
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as out:
        while raw.tell() < megabytes * 1_000_000:
            out.write(chunk)
            expanded += len(chunk)
    code, wall, peak, err = _run(["triage", str(path)])
    print(
        f"\ngzip of newlines: {path.stat().st_size / 1e6:.1f} MB on disk, {expanded / 2**30:.1f} GiB expanded"
    )
    print(f"  exit {code} after {wall:.1f} s, peak {peak} MiB: {err}")
    return code == 2 and "--gzip-max-ratio" in err and wall <= 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--bomb-mb", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="logscan-bench-resources-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        ok = memory(work, sorted(int(s) for s in args.sizes.split(",")))
        ok &= bomb(work, args.bomb_mb)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\nall targets hold" if ok else "\nsome target missed")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
