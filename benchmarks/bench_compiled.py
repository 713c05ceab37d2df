"""Compiled Python: `logscan triage` with its per-record modules built as C extensions, against the same code
run as Python, on the same exports.

    python benchmarks/bench_compiled.py [--entries 100000] [--repeat 4] [--dir DIR] [--keep]

logscan ships as Python. Issue 17 asks for a triage within 3x of merely parsing a crash loop, and the work
per record that is left (normalize, join, the wire between the two processes, the tally and the fold) is
Python bytecode over dicts and small objects. This measures whether compiling those modules unchanged would
close the gap: it copies the installed package twice, builds MODULES in one copy with Cython (pure Python
mode: the same source, no annotations added), and times the two copies taking turns (the default jobs, the
report as JSON) on the crash loop and on the generated JSONL export. It checks that both copies write the
same report (provenance aside: it holds the run's timings) and prints wall and CPU seconds, best of
--repeat, with every run in the order run.

Needs Cython and a C compiler: ``pip install cython setuptools``. Without them it says so and exits 2.
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script
from bench_triage import TRIAGE, Run, fastest, take_turns, write_crash_loop  # noqa: E402 - the sibling script

MODULES = (
    "logscan/ingest/normalize.py",
    "logscan/ingest/join.py",
    "logscan/ingest/continues.py",
    "logscan/ingest/wire.py",
    "logscan/verdict/tally.py",
    "logscan/verdict/aggregate.py",
    "logscan/classify/classify.py",
)
"""The modules whose work is per record or per event: what a compiled build would change."""
BUILD = """
import sys
from setuptools import setup
from Cython.Build import cythonize
setup(
    ext_modules=cythonize(sys.argv[1:], compiler_directives={"language_level": 3}, quiet=True),
    script_args=["build_ext", "--inplace"],
)
"""


def copy_package(into: Path) -> Path:
    """A copy of the installed logscan under into (its data folders linked in as a wheel holds them)."""
    import logscan
    from logscan.resources import KINDS, data_dir

    source = Path(logscan.__file__).resolve().parent
    target = into / "logscan"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.so", "_data"))
    (target / "_data").mkdir()
    for kind in KINDS:
        (target / "_data" / kind).symlink_to(data_dir(kind), target_is_directory=True)
    return into


def build(root: Path) -> float:
    """Compile MODULES in place under root; the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", BUILD, *MODULES], cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"bench_compiled: the Cython build failed: {tail}")
    missing = [m for m in MODULES if not list((root / m).parent.glob(Path(m).stem + ".*.so"))]
    if missing:
        raise SystemExit(f"bench_compiled: no extension was built for {', '.join(missing)}")
    return time.perf_counter() - start


def command(root: Path, export: Path, report: Path) -> list[str]:
    """The triage of export with the copy of the package under root first on the path."""
    script = f"import sys\nsys.path.insert(0, {str(root)!r})\n" + TRIAGE
    return [sys.executable, "-c", script, "triage", str(export), "--format", "json", "-o", str(report)]


def same_reports(a: Path, b: Path) -> bool:
    """Whether two JSON reports agree on everything but their provenance (which holds timings)."""
    left, right = json.loads(a.read_text()), json.loads(b.read_text())
    left.pop("provenance", None)
    right.pop("provenance", None)
    return bool(left == right)


def compare(name: str, export: Path, roots: dict[str, Path], folder: Path, repeat: int) -> None:
    reports = {label: folder / f"{export.stem}-{label}.json" for label in roots}
    commands = {label: command(root, export, reports[label]) for label, root in roots.items()}
    runs = take_turns(commands, repeat)
    agree = same_reports(*reports.values())
    best: dict[str, Run] = {label: fastest(r) for label, r in runs.items()}
    plain, compiled = best["python"], best["compiled"]
    print(f"{name}: the same report from both: {'yes' if agree else 'NO'}")
    for label, run in best.items():
        every = " ".join(f"{r.seconds:.2f}" for r in runs[label])
        print(f"  {label:9} wall {run.seconds:5.2f} s  cpu {run.cpu:5.2f} s   every run: {every}")
    print(f"  compiled / python, best wall: {compiled.seconds / plain.seconds:.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="entries of each export")
    parser.add_argument("--repeat", type=int, default=4, help="runs of each copy; the fastest counts")
    parser.add_argument("--dir", type=Path, default=None, help="where to write exports (default: a temp dir)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the two copies (and the exports, without --dir)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        import Cython  # noqa: F401 - only its presence is checked here; the build imports it
    except ImportError:
        print("bench_compiled: needs Cython and a C compiler: pip install cython setuptools", file=sys.stderr)
        raise SystemExit(2) from None
    folder = args.dir or Path(tempfile.mkdtemp(prefix="logscan-compiled-"))
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="copies-", dir=folder))
    roots = {"python": copy_package(work / "python"), "compiled": copy_package(work / "compiled")}
    print(f"built {len(MODULES)} modules with Cython in {build(roots['compiled']):.0f} s", file=sys.stderr)
    for root in roots.values():  # neither copy's first run pays for compiling its bytecode
        compileall.compile_dir(root, quiet=1)
    crash = folder / f"crash-loop-{args.entries}.jsonl"
    if not crash.exists():
        write_crash_loop(crash, args.entries)
    generated = folder / f"export-{args.entries}-{args.seed}.jsonl"
    if not generated.exists():
        with open(generated, "wb") as fh:
            generate.write(fh, args.entries, seed=args.seed, fmt="jsonl")
    compare(f"{args.entries:,} crash loop", crash, roots, folder, args.repeat)
    compare(f"{args.entries:,} jsonl", generated, roots, folder, args.repeat)
    if not args.keep:
        shutil.rmtree(work)
        if args.dir is None:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
