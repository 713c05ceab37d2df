"""Time and peak memory of `logscan triage` against merely parsing the same export with orjson.

    python benchmarks/bench_triage.py [--sizes 100000,1000000] [--dir DIR] [--repeat N] [--keep] [--stages] [--single]

For each size, writes a deterministic gcloud-shaped export (benchmarks/generate.py), then runs, each in
its own subprocess:

- parse: ``orjson.loads(open(path, "rb").read())``, the whole file at once: the baseline.
- triage: ``logscan triage PATH --format json -o REPORT``, the real command with its defaults (on a
  machine with two or more CPUs, a reader process decodes the file beside the main one; see
  logscan/front.py).
- triage --jobs 1: the same, everything in one process (shown for comparison; not a target).

All are measured in the same run on the same machine. Wall time is the target's measure; CPU time (user
+ system, both processes) is shown beside it. Peak memory is each process's own ``ru_maxrss``: for
triage, the main process's plus the reader's (their sum bounds what both held at any one time). Targets
(issue 7): triage at most 3x the parse time at every size; triage's peak memory on the largest size at
most 1.3x its peak on the smallest. Exit 0 when both hold, 1 otherwise.

--stages adds where the time goes on the smallest size: the pipeline run in-process up to each stage
(read, normalize, join, classify, aggregate), each time from the start, so a stage's cost is the
difference from the row above.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script

TIME_TARGET = 3.0
MEMORY_TARGET = 1.3
PARSE = "import orjson, sys; orjson.loads(open(sys.argv[1], 'rb').read())"
# The real command, in-process, then each process's own peak: this one's (RUSAGE_SELF) and the largest
# of its finished children's (RUSAGE_CHILDREN: the reader process, which triage waits for), on stderr.
TRIAGE = """
import resource, sys
from logscan.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"peak-kb {own} {reader}", file=sys.stderr)
sys.exit(code)
"""


@dataclass(frozen=True)
class Run:
    """One measured subprocess."""

    seconds: float
    """Wall time."""
    cpu: float
    """User plus system time of the process and the children it waited for."""
    peak_mb: float
    """Peak resident memory: the process's own, plus its reader process's when it had one."""
    code: int


def measure(args: list[str]) -> Run:
    """Wall time, CPU time and peak resident memory of one child process (and of its reader)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr is not None else ""
    if proc.stderr is not None:
        proc.stderr.close()
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(args[:3])} failed ({proc.returncode}): {err.strip()}")
    peak_kb = float(usage.ru_maxrss)
    for line in err.splitlines():
        if line.startswith("peak-kb "):
            own, reader = (int(v) for v in line.split()[1:])
            peak_kb = own + reader
    return Run(
        seconds=seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=peak_kb / 1024,
        code=proc.returncode,
    )


def best(args: list[str], repeat: int) -> Run:
    """The fastest of repeat runs (peak memory of that run): the least disturbed by other load."""
    return min((measure(args) for _ in range(repeat)), key=lambda r: r.seconds)


STAGES = """
import sys, time
from logscan.verdict.aggregate import Aggregator
from logscan.classify.classify import classify
from logscan.config import Config
from logscan.ingest.join import join
from logscan.classify.library import load_library
from logscan.ingest.reader import records
from logscan.sources.files import open_source

path, upto = sys.argv[1], sys.argv[2]
lib, cfg = load_library(), Config()
start = time.perf_counter()
sources = [open_source(path)]
if upto == "read":
    for _ in sources[0].entries():
        pass
elif upto == "normalize":
    for _ in records(sources, cfg):
        pass
elif upto == "join":
    for _ in join(records(sources, cfg)):
        pass
elif upto == "classify":
    for _ in classify(join(records(sources, cfg)), lib, templates="needed"):
        pass
else:
    acc = Aggregator(lib)
    def counted():
        for record in records(sources, cfg):
            acc.add_record(record)
            yield record
    for item in classify(join(counted()), lib, templates="needed"):
        acc.add(item)
    acc.summary(0)
print(time.perf_counter() - start)
"""


def stages(path: Path) -> None:
    """Print the in-process time of the pipeline up to each stage."""
    print(f"stages on {path.name} (in-process, cumulative; a stage costs the difference from the row above)")
    previous = 0.0
    for upto in ("read", "normalize", "join", "classify", "aggregate"):
        out = subprocess.run(
            [sys.executable, "-c", STAGES, str(path), upto], capture_output=True, text=True, check=True
        )
        seconds = float(out.stdout.strip())
        print(f"  up to {upto:<10} {seconds:6.2f} s   (+{seconds - previous:.2f})")
        previous = seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated entry counts")
    parser.add_argument("--dir", type=Path, default=None, help="where to write exports (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the fastest counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated exports")
    parser.add_argument("--stages", action="store_true", help="also time the pipeline stage by stage")
    parser.add_argument(
        "--single", action="store_true", help="also time triage --jobs 1 (everything in one process)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = args.dir or Path(tempfile.mkdtemp(prefix="logscan-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        path = folder / f"export-{size}-{args.seed}.json"
        if not path.exists():
            t = time.perf_counter()
            with open(path, "wb") as fh:
                generate.write(fh, size, seed=args.seed)
            print(
                f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s",
                file=sys.stderr,
            )
        report = folder / f"report-{size}.json"
        command = [sys.executable, "-c", TRIAGE, "triage", str(path), "--format", "json", "-o", str(report)]
        parse = best([sys.executable, "-c", PARSE, str(path)], args.repeat)
        triage = best(command, args.repeat)
        single = best([*command, "--jobs", "1"], args.repeat) if args.single else None
        rows.append((size, path.stat().st_size / 1e6, parse, triage, single))
        if args.stages and size == sizes[0]:
            stages(path)
        if not args.keep:
            path.unlink()
            report.unlink(missing_ok=True)
    print(
        f"{'entries':>9} {'file MB':>8} {'parse s':>8} {'triage s':>9} {'ratio':>6} {'cpu s':>6}"
        f" {'parse MB':>9} {'triage MB':>10}   {'--jobs 1 s':>10} {'ratio':>6} {'MB':>5}"
    )
    for size, mb, parse, triage, single in rows:
        ratio = triage.seconds / parse.seconds
        alone = (
            f"   {single.seconds:>10.2f} {single.seconds / parse.seconds:>5.2f}x {single.peak_mb:>5.0f}"
            if single
            else ""
        )
        print(
            f"{size:>9,} {mb:>8.0f} {parse.seconds:>8.2f} {triage.seconds:>9.2f} {ratio:>5.2f}x {triage.cpu:>6.2f}"
            f" {parse.peak_mb:>9.0f} {triage.peak_mb:>10.0f}{alone}"
        )
    time_ok = all(t.seconds <= TIME_TARGET * p.seconds for _, _, p, t, _ in rows)
    growth = rows[-1][3].peak_mb / rows[0][3].peak_mb
    memory_ok = growth <= MEMORY_TARGET
    print(f"time: triage <= {TIME_TARGET}x parse at every size: {'yes' if time_ok else 'NO'}")
    print(
        f"memory: triage peak at {rows[-1][0]:,} / at {rows[0][0]:,} = {growth:.2f}x "
        f"(target <= {MEMORY_TARGET}x): {'yes' if memory_ok else 'NO'}"
    )
    if not args.keep and args.dir is None:
        folder.rmdir()
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
