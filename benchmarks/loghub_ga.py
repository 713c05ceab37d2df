"""Grouping accuracy (GA) of logscan's templates on the Loghub-2k samples, against Drain's published figures.

    python benchmarks/loghub_ga.py [--corpus DIR] [--patterns DIR] [DATASET ...]

The measure lives in tests/loghub.py (the tests use it too). Prints ``dataset | our GA | Drain published GA``.
Exit 0 when no dataset is below Drain's figure, 1 when one is, 2 when the corpus cannot be read. Datasets
without a published figure are shown, not judged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.loghub import DEFAULT_CORPUS, datasets, format_table, measure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("names", nargs="*", help="datasets to measure (default: every folder in the corpus)")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of Loghub-2k dataset folders"
    )
    parser.add_argument(
        "--patterns", type=Path, default=None, help="pattern library folder (default: shipped)"
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(
            f"loghub_ga: {args.corpus}: not found. Pass --corpus DIR holding Loghub-2k folders.",
            file=sys.stderr,
        )
        return 2
    folders = [args.corpus / n for n in args.names] if args.names else datasets(args.corpus)
    try:
        results = [measure(f, args.patterns) for f in folders]
    except (OSError, RuntimeError) as exc:
        print(f"loghub_ga: {exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    return 1 if any(r.below for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
