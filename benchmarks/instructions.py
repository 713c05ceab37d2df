"""Instructions executed by one `logscan triage --jobs 1`, at a base revision and in this working tree.

    python benchmarks/instructions.py --base REV [FILE ...] [--format json|md|html] [--keep DIR]

Wall time on the project machine drifts by up to 40% within minutes, so a change of a few percent cannot
be told from noise by timing it. The count of instructions the interpreter executes (valgrind's
cachegrind, no cache simulation) varies by about 2% from run to run (the hash seed is fixed; the clock and
the cache files still differ) and is what this script compares. The base revision is exported with
``git archive`` to a temporary folder and both trees run with the same interpreter through PYTHONPATH,
each once untimed first so that its cache files (regex memo, compiled patterns) are warm, as they are for
any run after the first. Default files: the bundled example, and 30,000 entries each of the generated
export and of the crash loop (written by the sibling scripts). Needs valgrind (``apt-get install
valgrind``); runs about 50 times slower than natively.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script
from bench_startup import example_export  # noqa: E402 - the sibling script
from bench_triage import write_crash_loop  # noqa: E402 - the sibling script

ENTRIES = 30_000
TRIAGE = "from logscan.cli import main; main()"


def count(tree: Path, path: Path, out: Path, fmt: str = "json") -> int:
    """Instructions of one --jobs 1 triage of path with the logscan in tree (after an untimed warm-up)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    args = ["triage", str(path), "--format", fmt, "-o", str(out), "--jobs", "1"]
    subprocess.run([sys.executable, "-c", TRIAGE, *args], env=env, capture_output=True, check=False)
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, os.path.realpath(sys.executable), "-c", TRIAGE, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind gave no count for {path.name}: {done.stderr.strip()[-300:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="exports to triage (default: see above)")
    parser.add_argument(
        "--base", required=True, help="git revision to compare with (a commit, a tag, HEAD~3)"
    )
    parser.add_argument(
        "--format", choices=("json", "md", "html"), default="json", help="the report's format"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the generated exports here and keep them"
    )
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print(
            "instructions.py: error: valgrind is not installed. Install it: apt-get install valgrind",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="logscan-instructions-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.base], capture_output=True, check=False
        )
        if archive.returncode != 0:
            print(
                f"instructions.py: error: git archive {args.base}: {archive.stderr.decode().strip()}",
                file=sys.stderr,
            )
            return 2
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        files = args.files or default_files(folder)
        print(
            f"instructions of one `logscan triage --jobs 1 --format {args.format}` (cachegrind), "
            f"base {args.base} -> this tree"
        )
        for path in files:
            before = count(base, path, folder / f"base.{args.format}", args.format)
            after = count(REPO, path, folder / f"tree.{args.format}", args.format)
            print(f"  {path.name:<34} {before:>16,} -> {after:>16,}  ({after / before - 1:+.1%})")
    return 0


def default_files(folder: Path) -> list[Path]:
    export = folder / f"export-{ENTRIES}.jsonl"
    if not export.exists():
        with open(export, "wb") as fh:
            generate.write(fh, ENTRIES, seed=7, fmt="jsonl")
    crash = folder / f"crash-loop-{ENTRIES}.jsonl"
    if not crash.exists():
        write_crash_loop(crash, ENTRIES)
    return [example_export(), export, crash]


if __name__ == "__main__":
    raise SystemExit(main())
