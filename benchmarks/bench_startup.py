"""Start-up: `logscan triage` of a small export, on a first run and on later ones, against the interpreter
merely starting and parsing the same file.

    python benchmarks/bench_startup.py [--entries 2000] [--repeat 10] [--format json|md|html] [--dir DIR]

Most exports an on-call engineer triages are small (a revision's first minutes: the bundled example has
36 entries), so start-up is most of what they wait for. A run keeps two things in the cache folder
(``$LOGSCAN_CACHE_DIR``) for the next: the regex memo (``classify/memo.py``: each rule file's parsed YAML,
the RE2 check and literal analysis of each pattern) and the compiled patterns (``regexes.py``: the regex
module's native compile arguments, so the next run skips parsing each pattern); a Markdown or HTML report
also keeps its compiled templates (``report/render/compiled.py``). The measurements take turns, best of
--repeat, on the bundled example and on a generated JSONL export of --entries entries, writing the report in
--format (default json):

- floor: ``python -c`` importing orjson and parsing the file (the interpreter's own start-up included);
- first run: triage with an empty cache folder (emptied before each run);
- memo only: the regex memo kept, the compiled patterns removed before each run (logscan before the
  compiled-pattern store);
- templates compiled (md and html only): everything kept but the compiled templates, removed before each run
  (logscan before it kept them);
- later run: everything kept, as every run after the first on a machine.

Prints wall seconds and each one's ratio to the floor; the later run's saving over "memo only" is what the
compiled-pattern store gives (with md or html, the store and the compiled templates together), and over
"templates compiled" what keeping the compiled templates gives. No target: issue 17's targets are on large exports (bench_triage.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script
from bench_triage import TRIAGE, Run, fastest, measure  # noqa: E402 - the sibling script

from logscan.ingest.reader import cpus  # noqa: E402
from logscan.report.render.compiled import FOLDER  # noqa: E402

FLOOR = "import orjson, sys; orjson.loads(open(sys.argv[1], 'rb').read())"
FLOOR_JSONL = "import orjson, sys; [orjson.loads(line) for line in open(sys.argv[1], 'rb')]"
VARIANTS = ("floor", "first run", "memo only", "later run")
TEMPLATED = ("floor", "first run", "memo only", "templates compiled", "later run")
"""The variants of a Markdown or HTML report."""


def example_export() -> Path:
    from logscan.cli.common import EXAMPLE_EXPORT
    from logscan.resources import data_dir

    return Path(data_dir("examples")) / EXAMPLE_EXPORT


def timed(path: Path, folder: Path, repeat: int, fmt: str = "json") -> dict[str, list[Run]]:
    """Each variant's runs on one export, the variants taking turns."""
    cold, warm, memo_only = folder / "cold", folder / "warm", folder / "memo-only"
    templates_removed = folder / "templates-removed"
    report = folder / f"report.{fmt}"
    floor = FLOOR_JSONL if path.suffix == ".jsonl" else FLOOR
    triage = [sys.executable, "-c", TRIAGE, "triage", str(path), "--format", fmt, "-o", str(report)]

    def with_cache(cache: Path) -> list[str]:
        return ["env", f"LOGSCAN_CACHE_DIR={cache}", *triage]

    def empty() -> None:
        shutil.rmtree(cold, ignore_errors=True)

    def no_compiled() -> None:
        for stored in memo_only.glob("regexes-*.bin"):
            stored.unlink()
        shutil.rmtree(memo_only / FOLDER, ignore_errors=True)

    def no_templates() -> None:
        shutil.rmtree(templates_removed / FOLDER, ignore_errors=True)

    plan: dict[str, tuple[Callable[[], None] | None, list[str]]] = {
        "floor": (None, [sys.executable, "-c", floor, str(path)]),
        "first run": (empty, with_cache(cold)),
        "memo only": (no_compiled, with_cache(memo_only)),
        "templates compiled": (no_templates, with_cache(templates_removed)),
        "later run": (None, with_cache(warm)),
    }
    warmed = [warm, memo_only, templates_removed]
    if fmt == "json":  # a JSON report compiles no templates
        del plan["templates compiled"]
        warmed.remove(templates_removed)
    for cache in warmed:  # filled by a run before the timed ones, as by any earlier one
        measure(with_cache(cache))
    runs: dict[str, list[Run]] = {name: [] for name in plan}
    for _ in range(repeat):
        for name, (prepare, args) in plan.items():
            if prepare is not None:
                prepare()
            runs[name].append(measure(args))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000, help="entries of the generated JSONL export")
    parser.add_argument("--repeat", type=int, default=10, help="runs per measurement; the fastest counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--format", choices=("json", "md", "html"), default="json", help="the report's format"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to write the export and caches")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="logscan-startup-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        generated = folder / f"export-{args.entries}-{args.seed}.jsonl"
        with open(generated, "wb") as fh:
            generate.write(fh, args.entries, seed=args.seed, fmt="jsonl")
        variants = VARIANTS if args.format == "json" else TEMPLATED
        print(
            f"machine: {cpus()} CPUs; best of {args.repeat}; {args.format} report; wall seconds (ratio to the floor)"
        )
        print(f"{'export':<28}" + "".join(f"{name:>20}" for name in variants))
        every = []
        for label, path in (
            ("bundled example", example_export()),
            (f"{args.entries:,} generated jsonl", generated),
        ):
            started = time.perf_counter()
            runs = timed(path, folder / "caches" / path.stem, args.repeat, args.format)
            best = {name: fastest(found).seconds for name, found in runs.items()}
            floor = best["floor"]
            cells = "".join(f"{f'{best[n]:.3f} ({best[n] / floor:.1f}x)':>20}" for n in variants)
            print(f"{label:<28}{cells}")
            saved = f"the compiled patterns save {best['memo only'] - best['later run']:.3f} s"
            if "templates compiled" in best:
                kept = best["templates compiled"] - best["later run"]
                saved = (
                    f"the compiled patterns and templates save {best['memo only'] - best['later run']:.3f} s"
                )
                saved += f", the templates alone {kept:.3f} s"
            every.append(
                f"  {label} ({time.perf_counter() - started:.0f} s): {saved}; "
                + "; ".join(f"{n} " + " ".join(f"{r.seconds:.2f}" for r in runs[n]) for n in variants)
            )
        print("every run, wall seconds in the order run:")
        print("\n".join(every))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
