"""The literal search of a small export: the table of literals against building the RE2 set.

    python benchmarks/bench_literal_table.py [--repeat 5]

The engine's first ``TABLE_TEXTS`` ASCII texts are searched by a table of the rules' literals
(``logscan/classify/literal_table.py``), and the RE2 set is built only when more come. This script builds a
Matcher of the shipped library and searches the first N distinct texts of the generated export with each
of the two, in one process, taking turns, best of --repeat: the table (no set built) against the set (built
when the Matcher is made, as before the table, and its cache of sets cleared each time). It also prints
how many distinct texts the bundled example holds, which is what a small export's triage searches.
No target: it shows where the two cross, which is what TABLE_TEXTS is set from.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script
from bench_startup import example_export  # noqa: E402 - the sibling script

from logscan.classify import engine  # noqa: E402
from logscan.classify.engine import Matcher  # noqa: E402
from logscan.classify.library import Library, load_library  # noqa: E402
from logscan.classify.literal_table import TABLE_TEXTS  # noqa: E402
from logscan.config import Config  # noqa: E402
from logscan.ingest.join import join  # noqa: E402
from logscan.ingest.reader import records  # noqa: E402
from logscan.sources.files import FileSource, open_source  # noqa: E402

COUNTS = (16, 50, 128, 500, 2000)


def distinct_texts(source: FileSource, limit: int) -> list[str]:
    """The first limit distinct ASCII event texts of a source, in input order."""
    seen: dict[str, None] = {}
    for event in join(records([source], Config())):
        if event.clean and event.clean.isascii():
            seen.setdefault(event.clean)
            if len(seen) >= limit:
                break
    return list(seen)


def searched(library: Library, texts: list[str], table: bool) -> float:
    """Seconds to make a Matcher and search each text, with the table first or with the set from the start."""
    engine._re2_set.cache_clear()  # a run builds its set once: no earlier Matcher's set to reuse
    names = vars(engine)  # the engine reads TABLE_TEXTS when a Matcher's search is made
    names["TABLE_TEXTS"] = len(texts) if table else 0
    try:
        started = time.perf_counter()
        search = Matcher(library)._search
        for text in texts:
            search(text)
        return time.perf_counter() - started
    finally:
        names["TABLE_TEXTS"] = TABLE_TEXTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the fastest counts")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    library = load_library()
    example = distinct_texts(open_source(str(example_export())), 10**9)
    buffer = io.BytesIO()
    generate.write(buffer, 20_000, seed=args.seed, fmt="jsonl")
    texts = distinct_texts(FileSource("-", stdin=io.BytesIO(buffer.getvalue())), max(COUNTS))
    print(f"the bundled example holds {len(example)} distinct texts; TABLE_TEXTS is {TABLE_TEXTS}")
    print(
        f"best of {args.repeat}, milliseconds: a Matcher made and the first N distinct generated texts searched"
    )
    print(f"{'N':>6} {'table':>10} {'RE2 set':>10}")
    for n in COUNTS:
        best = {True: float("inf"), False: float("inf")}
        for _ in range(args.repeat):
            for table in (True, False):
                best[table] = min(best[table], searched(library, texts[:n], table))
        print(f"{n:>6} {best[True] * 1000:>10.1f} {best[False] * 1000:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
