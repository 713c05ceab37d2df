"""Time and peak memory of `logscan triage` against merely parsing the same entries (the floor).

    python benchmarks/bench_triage.py [--sizes 100000,1000000] [--forms jsonl,json] [--repeat 3]
                                      [--crash-loop 100000] [--dir DIR] [--keep] [--stages] [--wire]
                                      [--balance] [--bound]

For each size and form, writes a deterministic gcloud-shaped export (benchmarks/generate.py: JSONL, one
entry a line, or a `gcloud logging read --format=json` array), then runs, each in its own subprocess,
best of --repeat (the commands take turns, one run each per round):

- floor: the strong baseline, parsing the same entries streamed with nothing after it. JSONL: orjson
  on each line; JSON array: logscan's own incremental array reader (sources/json_array.py, orjson per
  element), the least any triage of that file must do.
- whole: ``orjson.loads`` of the whole array at once (JSON form only): the old, weaker baseline, which
  builds every dict in one call (476 MB at 100k entries); shown as a second column, not a target.
- triage: ``logscan triage PATH --format json -o REPORT``, the real command with its defaults (on a
  machine with two or more CPUs, a reader process decodes large files beside the main one).
- --jobs 1: the same, everything in one process.

--crash-loop N adds a JSONL export of one crash loop: the same gunicorn worker traceback, written line by
line to stderr, with Cloud Run's exit line, repeated until N entries.

Wall time is the measure; CPU time (user + system, both processes) is shown beside it. Peak memory is
each process's own ``ru_maxrss``: for triage, the main process's plus the reader's. Targets (issue 17):
triage <= 6x the floor and --jobs 1 <= 10x at every size and form; the crash loop <= 3x; triage's peak
memory at the largest size <= 1.3x its peak at the smallest. Exit 0 when all hold, 1 otherwise.

--stages adds where the time goes on the smallest size and on the crash loop: the pipeline run in-process
up to each stage (read, normalize, join, classify, aggregate), each time from the start and with the
garbage collector set as triage sets it, so a stage's cost is the difference from the row above; CPU
seconds beside wall seconds (on a loaded machine compare the CPU column).

--wire adds what the reader process costs on the smallest size and on the crash loop: CPU seconds of its
work alone (read, normalize, join, fold the request logs), and of the two halves of crossing the pipe,
packing with marshal there and unmarshalling and rebuilding here (ingest/wire.py), with the megabytes sent.

--balance adds which of the two processes set the pace of the default triage, on the smallest size and
on the crash loop, --repeat runs each: the main process's CPU seconds, how long it waited for the
reader's batches (time blocked receiving; the wait for the first batch is shown apart, since the reader
starts reading while the main process is still setting up), and the reader process's CPU seconds. A main
process that waits for much of the run is paced by the reader: work moved out of the main process would
not shorten that run, and work moved out of the reader would.

--bound adds, on the smallest JSONL size and on the crash loop, --repeat runs each, what any design in
Python pays before logscan's own work: the floor in-process (no interpreter start), the same with the
least a triage must keep of each entry (text, severity, log name, service, revision, region, instance,
insertId and the parsed timestamp, in a tuple per entry), and logscan's start-up (a triage of the
export's first three entries, wall seconds of the whole command). With the floor's own wall time, the
budget a target leaves for the rest of the work follows.
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

TIME_TARGET = 6.0
SINGLE_TARGET = 10.0
CRASH_TARGET = 3.0
MEMORY_TARGET = 1.3
WHOLE = "import orjson, sys; orjson.loads(open(sys.argv[1], 'rb').read())"
FLOOR_JSONL = """
import orjson, sys
loads = orjson.loads
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        loads(line)
"""
FLOOR_ARRAY = """
import sys
from logscan.sources.files import open_source
for _ in open_source(sys.argv[1]).entries():
    pass
"""
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


def take_turns(commands: dict[str, list[str]], repeat: int) -> dict[str, list[Run]]:
    """Each command's repeat runs, in the order run. The commands take turns (round 1: each once, then
    round 2, ...), so a machine whose speed drifts over minutes slows the floor and triage alike instead of
    skewing their ratio (the table's last lines show every run, and so the drift)."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, args in commands.items():
            runs[name].append(measure(args))
    return runs


def fastest(runs: list[Run]) -> Run:
    """The fastest run (peak memory of that run): the least disturbed by other load."""
    return min(runs, key=lambda r: r.seconds)


STAGES = """
import gc, sys, time
from logscan.verdict.aggregate import Aggregator
from logscan.classify.classify import classify
from logscan.classify.engine import Matcher
from logscan.config import Config
from logscan.ingest.join import join
from logscan.classify.library import load_library
from logscan.ingest.reader import GC_THRESHOLD, records
from logscan.sources.files import open_source

path, upto = sys.argv[1], sys.argv[2]
lib, cfg = load_library(), Config()
extra = []
gc.freeze()  # as pipeline._fewer_collections does for the real run
gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
start, cpu = time.perf_counter(), time.process_time()
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
    # The same Matcher classify makes, counting the texts it matches and the shapes it learns (two calls
    # per distinct text: nothing to see in the times).
    matcher = Matcher(lib)
    counts = [0, 0, 0]
    uncached, learn = matcher.uncached, matcher._shapes._learn
    def counted_uncached(text, severity="DEFAULT"):
        counts[1] += 1
        return uncached(text, severity)
    def counted_learn(shape, search):
        counts[2] += 1
        return learn(shape, search)
    matcher.uncached, matcher._shapes._learn = counted_uncached, counted_learn
    for _ in classify(join(records(sources, cfg)), lib, templates="needed", matcher=matcher):
        counts[0] += 1
    extra = counts
else:
    acc = Aggregator(lib)
    def counted():
        for record in records(sources, cfg):
            acc.add_record(record)
            yield record
    for item in classify(join(counted()), lib, templates="needed"):
        acc.add(item)
    acc.summary(0)
print(time.perf_counter() - start, time.process_time() - cpu, *extra)
"""


WIRE = """
import gc, marshal, sys, time
from itertools import islice
from logscan.config import Config
from logscan.ingest import wire
from logscan.ingest.reader import BATCH_EVENTS, GC_THRESHOLD, _inline
from logscan.ingest.textless import Textless
from logscan.sources.files import open_source

gc.freeze()
gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
cpu = time.process_time()
reading = _inline([open_source(sys.argv[1])], Config(), Textless())
batches = []
while True:  # as the reader process cuts them
    batch = list(islice(reading, BATCH_EVENTS))
    batches.append(batch)
    if len(batch) < BATCH_EVENTS:
        break
work = time.process_time() - cpu
cpu = time.process_time()
sent = [marshal.dumps(wire.pack(batch)) for batch in batches]
packed = time.process_time() - cpu
cpu = time.process_time()
for message in sent:
    wire.unpack(marshal.loads(message))
unpacked = time.process_time() - cpu
print(work, packed, unpacked, sum(map(len, sent)) / 1e6)
"""


# The default triage with the main process's time blocked on the reader's pipe counted (Connection.recv_bytes
# is the only receive in a triage run), then its CPU and the reader's (RUSAGE_CHILDREN: triage waits for it).
BALANCE = """
import time
start = time.perf_counter()
import resource, sys
from multiprocessing import connection
waits = []
receive = connection.Connection.recv_bytes
def timed(self, *args):
    start = time.perf_counter()
    try:
        return receive(self, *args)
    finally:
        waits.append(time.perf_counter() - start)
connection.Connection.recv_bytes = timed
from logscan.cli import main
try:
    main()
except SystemExit:
    pass
wall = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF)
reader = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, own.ru_utime + own.ru_stime, sum(waits[1:]), waits[0] if waits else 0.0, len(waits),
      reader.ru_utime + reader.ru_stime)
"""


@dataclass(frozen=True)
class Balance:
    """One default triage run, seen from its main process."""

    seconds: float
    """Wall time from the interpreter's first line (logscan's imports included) to the command's end."""
    main_cpu: float
    waited: float
    """Seconds blocked receiving the reader's batches after the first."""
    first: float
    """Seconds blocked receiving the first batch."""
    batches: int
    reader_cpu: float

    def verdict(self) -> str:
        """Which process set the pace (a wait under a tenth of the run is noise, not a bound)."""
        if not self.batches:
            return "read in one process"
        return "paced by the reader" if self.waited > 0.1 * self.seconds else "paced by the main process"


def balance(path: Path, folder: Path, repeat: int) -> list[Balance]:
    """The default triage of path, repeat times, with what each process did."""
    report = folder / f"{path.stem}-balance.json"
    runs = []
    for _ in range(repeat):
        args = [sys.executable, "-c", BALANCE, "triage", str(path), "--format", "json", "-o", str(report)]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode != 0 or not out.stdout.strip():
            raise SystemExit(f"balance run on {path.name} failed ({out.returncode}): {out.stderr.strip()}")
        wall, main_cpu, waited, first, batches, reader_cpu = out.stdout.split()[-6:]
        runs.append(
            Balance(
                float(wall), float(main_cpu), float(waited), float(first), int(batches), float(reader_cpu)
            )
        )
    report.unlink(missing_ok=True)
    return runs


def print_balance(path: Path, runs: list[Balance]) -> None:
    print(
        f"balance of the default triage on {path.name} (seconds; the main process's wait excludes the first batch)"
    )
    for run in runs:
        print(
            f"  wall {run.seconds:5.2f}  main cpu {run.main_cpu:5.2f}  waited {run.waited:5.2f} in"
            f" {max(run.batches - 1, 0)} batches (first {run.first:.2f})  reader cpu {run.reader_cpu:5.2f}"
            f"  -> {run.verdict()}"
        )


# The floor in-process, then the same keeping the fields a triage needs of every entry (JSONL, API form),
# best of the runs given: seconds of each. The collector's threshold is triage's GC_THRESHOLD.
LEAST = """
import gc, sys, time
from datetime import datetime
import orjson
from logscan.ingest.reader import GC_THRESHOLD
gc.freeze()  # the collector as triage sets it (pipeline._fewer_collections)
gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
loads, parse = orjson.loads, datetime.fromisoformat
path, runs = sys.argv[1], int(sys.argv[2])
def floor():
    with open(path, "rb") as fh:
        for line in fh:
            loads(line)
def least():
    kept = []
    keep = kept.append
    with open(path, "rb") as fh:
        for line in fh:
            entry = loads(line)
            get = entry.get
            place = (get("resource") or {}).get("labels") or {}
            stamp = get("timestamp")
            keep((get("textPayload"), get("severity"), get("logName"), place.get("service_name"),
                  place.get("revision_name"), place.get("location"), (get("labels") or {}).get("instanceId"),
                  get("insertId"), parse(stamp) if stamp else None))
best = {}
for _ in range(runs):
    for step in (floor, least):
        start = time.perf_counter()
        step()
        took = time.perf_counter() - start
        best[step.__name__] = min(best.get(step.__name__, took), took)
print(best["floor"], best["least"])
"""


def bound(path: Path, folder: Path, repeat: int) -> None:
    """Print the least per-entry work and logscan's start-up against the floor (see --bound)."""
    out = subprocess.run(
        [sys.executable, "-c", LEAST, str(path), str(repeat)], capture_output=True, text=True, check=True
    )
    floor_in, least = (float(v) for v in out.stdout.split())
    head = folder / f"{path.stem}-head.jsonl"
    with open(path, "rb") as src, open(head, "wb") as dst:
        for _, line in zip(range(3), src, strict=False):
            dst.write(line)
    report = folder / f"{path.stem}-head.json"
    triage = [sys.executable, "-c", TRIAGE, "triage", str(head), "--format", "json", "-o", str(report)]
    runs = take_turns({"floor": [sys.executable, "-c", FLOOR_JSONL, str(path)], "start-up": triage}, repeat)
    floor, start = fastest(runs["floor"]).seconds, fastest(runs["start-up"]).seconds
    head.unlink()
    report.unlink(missing_ok=True)
    print(
        f"bound on {path.name} (seconds, best of {repeat}; the floor's command includes the interpreter's start)"
    )
    print(f"  floor, its own command {floor:6.2f}")
    print(f"  floor, in-process      {floor_in:6.2f}")
    print(f"  + the fields kept      {least:6.2f}  ({least / floor_in:.2f}x the in-process floor)")
    print(f"  logscan's start-up     {start:6.2f}  (a triage of the first 3 entries)")
    for target in (CRASH_TARGET, TIME_TARGET):
        left = target * floor - start - least
        print(f"  at {target:.0f}x the floor, left for the rest after start-up and the fields: {left:6.2f}")


def wire_cost(path: Path) -> None:
    """Print the reader process's own work and the cost of sending its events to the main process."""
    out = subprocess.run([sys.executable, "-c", WIRE, str(path)], capture_output=True, text=True, check=True)
    work, packed, unpacked, mb = (float(v) for v in out.stdout.split())
    print(
        f"wire on {path.name} (CPU seconds): the reader's work {work:.2f}, pack and marshal {packed:.2f},"
        f" unmarshal and unpack {unpacked:.2f}; {mb:.1f} MB sent"
    )


def stages(path: Path) -> None:
    """Print the in-process time of the pipeline up to each stage."""
    print(f"stages on {path.name} (in-process, cumulative; a stage costs the difference from the row above)")
    previous = previous_cpu = 0.0
    for upto in ("read", "normalize", "join", "classify", "aggregate"):
        out = subprocess.run(
            [sys.executable, "-c", STAGES, str(path), upto], capture_output=True, text=True, check=True
        )
        seconds, cpu, *counts = (float(v) for v in out.stdout.split())
        told = ""
        if counts:
            events, matched, learnt = (int(v) for v in counts)
            told = f"   ({events:,} events, {matched:,} texts matched, {learnt:,} shapes learnt)"
        print(
            f"  up to {upto:<10} {seconds:6.2f} s (+{seconds - previous:.2f})"
            f"   cpu {cpu:6.2f} s (+{cpu - previous_cpu:.2f}){told}"
        )
        previous, previous_cpu = seconds, cpu


CRASH_TRACEBACK = (
    "[2025-09-15 18:04:11 +0000] [{pid}] [ERROR] Exception in worker process",
    "Traceback (most recent call last):",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker',
    "    worker.init_process()",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 134, in init_process',
    "    self.load_wsgi()",
    '  File "/app/main.py", line 12, in <module>',
    "    from app.reporting import build_router",
    "ModuleNotFoundError: No module named 'app.reporting'",
    "[2025-09-15 18:04:11 +0000] [{pid}] [INFO] Worker exiting (pid: {pid})",
    "Container called exit(3).",
)


def write_crash_loop(path: Path, count: int) -> None:
    """count JSONL entries of one crash loop: the traceback above, line by line, on a few instances."""
    import orjson

    base = 1_757_959_451
    with open(path, "wb") as fh:
        for n in range(count):
            loop, line = divmod(n, len(CRASH_TRACEBACK))
            pid = 7 + loop % 50
            second, micro = divmod(loop * 1_700_000 + line * 150, 1_000_000)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + second)) + f".{micro:06d}Z"
            text = CRASH_TRACEBACK[line].format(pid=pid)
            entry = {
                "insertId": f"{n:016x}",
                "logName": "projects/acme-staging/logs/run.googleapis.com%2Fstderr",
                "receiveTimestamp": stamp,
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {
                        "configuration_name": "reports-api",
                        "location": "us-central1",
                        "project_id": "acme-staging",
                        "revision_name": "reports-api-00042-kov",
                        "service_name": "reports-api",
                    },
                },
                "labels": {"instanceId": f"0069c7a9883a{loop % 4:04d}"},
                "textPayload": text,
                "timestamp": stamp,
            }
            if line == len(CRASH_TRACEBACK) - 1:
                entry["severity"] = "WARNING"
                entry["logName"] = "projects/acme-staging/logs/run.googleapis.com%2Fvarlog%2Fsystem"
            fh.write(orjson.dumps(entry) + b"\n")


@dataclass(frozen=True)
class Row:
    """One export's measurements."""

    label: str
    mb: float
    floor: Run
    whole: Run | None
    triage: Run
    single: Run
    every: tuple[tuple[str, tuple[float, ...]], ...] = ()
    """Each command's wall seconds in every run, in the order run."""

    def ratio(self, run: Run) -> float:
        return run.seconds / self.floor.seconds


def measure_export(label: str, path: Path, folder: Path, repeat: int) -> Row:
    form_floor = FLOOR_JSONL if path.suffix == ".jsonl" else FLOOR_ARRAY
    report = folder / f"report-{path.stem}.json"
    command = [sys.executable, "-c", TRIAGE, "triage", str(path), "--format", "json", "-o", str(report)]
    commands = {
        "floor": [sys.executable, "-c", form_floor, str(path)],
        "triage": command,
        "single": [*command, "--jobs", "1"],
    }
    if path.suffix == ".json":
        commands["whole"] = [sys.executable, "-c", WHOLE, str(path)]
    runs = take_turns(commands, repeat)
    row = Row(
        label=label,
        mb=path.stat().st_size / 1e6,
        floor=fastest(runs["floor"]),
        whole=fastest(runs["whole"]) if "whole" in runs else None,
        triage=fastest(runs["triage"]),
        single=fastest(runs["single"]),
        every=tuple((name, tuple(r.seconds for r in done)) for name, done in runs.items()),
    )
    report.unlink(missing_ok=True)
    return row


def print_table(rows: list[Row]) -> None:
    print(f"machine: {os.cpu_count()} CPUs; best of the repeats; wall seconds")
    print(
        f"{'export':<22} {'MB':>5} {'floor s':>8} {'cpu s':>6} {'triage s':>9} {'ratio':>6} {'cpu s':>6}"
        f" {'MB peak':>8} {'--jobs 1 s':>10} {'ratio':>6} {'cpu s':>6} {'MB peak':>8} {'floor MB':>8}"
        f" {'whole-array s':>13}"
    )
    for r in rows:
        whole = f"{r.whole.seconds:>9.2f} ({r.whole.peak_mb:.0f} MB)" if r.whole else f"{'-':>13}"
        print(
            f"{r.label:<22} {r.mb:>5.0f} {r.floor.seconds:>8.2f} {r.floor.cpu:>6.2f} {r.triage.seconds:>9.2f}"
            f" {r.ratio(r.triage):>5.2f}x {r.triage.cpu:>6.2f} {r.triage.peak_mb:>8.0f}"
            f" {r.single.seconds:>10.2f} {r.ratio(r.single):>5.2f}x {r.single.cpu:>6.2f} {r.single.peak_mb:>8.0f}"
            f" {r.floor.peak_mb:>8.0f} {whole}"
        )
    print("every run, wall seconds in the order run (the spread is the machine's drift and noise):")
    names = {"floor": "floor", "triage": "triage", "single": "--jobs 1", "whole": "whole-array"}
    for r in rows:
        runs = "; ".join(f"{names[name]} {' '.join(f'{t:.2f}' for t in times)}" for name, times in r.every)
        print(f"  {r.label}: {runs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated entry counts")
    parser.add_argument("--forms", default="jsonl,json", help="jsonl, json (array) or both")
    parser.add_argument("--crash-loop", type=int, default=100_000, help="entries of the crash loop (0: none)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write exports (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated exports")
    parser.add_argument("--stages", action="store_true", help="also time the pipeline stage by stage")
    parser.add_argument(
        "--wire", action="store_true", help="also time the reader process's work and its pipe"
    )
    parser.add_argument(
        "--balance", action="store_true", help="also show which process sets the pace of the default triage"
    )
    parser.add_argument(
        "--bound", action="store_true", help="also show the least per-entry work and logscan's start-up"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    folder = args.dir or Path(tempfile.mkdtemp(prefix="logscan-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    memory: dict[str, list[float]] = {}
    for form in forms:
        for size in sizes:
            path = folder / f"export-{size}-{args.seed}.{form}"
            if not path.exists():
                t = time.perf_counter()
                with open(path, "wb") as fh:
                    generate.write(fh, size, seed=args.seed, fmt=form)
                print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s",
                      file=sys.stderr)  # fmt: skip
            row = measure_export(f"{size:,} {form}", path, folder, args.repeat)
            rows.append(row)
            memory.setdefault(form, []).append(row.triage.peak_mb)
            if args.stages and size == sizes[0]:
                stages(path)
            if args.wire and size == sizes[0]:
                wire_cost(path)
            if args.balance and size == sizes[0]:
                print_balance(path, balance(path, folder, args.repeat))
            if args.bound and size == sizes[0] and form == "jsonl":
                bound(path, folder, args.repeat)
            if not args.keep:
                path.unlink()
    crash = None
    if args.crash_loop:
        path = folder / f"crash-loop-{args.crash_loop}.jsonl"
        write_crash_loop(path, args.crash_loop)
        crash = measure_export(f"{args.crash_loop:,} crash loop", path, folder, args.repeat)
        rows.append(crash)
        if args.stages:
            stages(path)
        if args.wire:
            wire_cost(path)
        if args.balance:
            print_balance(path, balance(path, folder, args.repeat))
        if args.bound:
            bound(path, folder, args.repeat)
        if not args.keep:
            path.unlink()
    print_table(rows)
    plain = [r for r in rows if r is not crash]
    time_ok = all(r.ratio(r.triage) <= TIME_TARGET for r in plain)
    single_ok = all(r.ratio(r.single) <= SINGLE_TARGET for r in plain)
    crash_ok = crash is None or crash.ratio(crash.triage) <= CRASH_TARGET
    growth = max(peaks[-1] / peaks[0] for peaks in memory.values()) if memory else 1.0
    memory_ok = growth <= MEMORY_TARGET
    print(f"time: triage <= {TIME_TARGET}x the floor everywhere: {'yes' if time_ok else 'NO'}")
    print(f"time: --jobs 1 <= {SINGLE_TARGET}x the floor everywhere: {'yes' if single_ok else 'NO'}")
    if crash is not None:
        print(f"time: crash loop <= {CRASH_TARGET}x the floor: {crash.ratio(crash.triage):.2f}x "
              f"{'yes' if crash_ok else 'NO'}")  # fmt: skip
    print(f"memory: triage peak at the largest / smallest size = {growth:.2f}x (target <= {MEMORY_TARGET}x): "
          f"{'yes' if memory_ok else 'NO'}")  # fmt: skip
    if not args.keep and args.dir is None:
        folder.rmdir()
    return 0 if time_ok and single_ok and crash_ok and memory_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
