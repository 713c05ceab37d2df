"""Score `logscan classify --no-join` against a labelled corpus and check the issue's targets.

    python benchmarks/accuracy.py [--corpus DIR] [--json] [--no-severity]

DIR holds labels.jsonl and raw/ (default: ../shared/corpus/real beside the checkout). Prints per-class
precision/recall/F1, macro-F1, the confusion matrix, failures called noise, unmatched labels and every
misclassified label. Exit 0 when macro-F1 >= 0.95 and no failure was called noise, 1 when a target is
missed, 2 when the corpus cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from logscan.errors import EXIT_FAIL, EXIT_OK, EXIT_USAGE, LogscanError
from logscan.score.metrics import MACRO_F1_TARGET
from logscan.score.run import score_corpus
from logscan.score.table import format_table

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with labels.jsonl and raw/"
    )
    parser.add_argument(
        "--patterns", type=Path, default=None, help="pattern library folder (default: shipped)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--target", type=float, default=MACRO_F1_TARGET, help="macro-F1 to reach")
    parser.add_argument(
        "--no-severity",
        action="store_true",
        help="drop every entry's severity before classifying (what the text alone is worth)",
    )
    args = parser.parse_args(argv)
    labels = args.corpus / "labels.jsonl"
    if not labels.is_file():
        print(
            f"accuracy: {labels}: not found. Pass --corpus DIR holding labels.jsonl and raw/.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        score = score_corpus(
            labels, args.corpus / "raw", patterns_dir=args.patterns, severities=not args.no_severity
        )
    except LogscanError as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(score.as_dict(), indent=2))
    else:
        print(format_table(score), end="")
    ok = score.meets_targets(args.target)
    verdict = "targets met" if ok else "TARGETS MISSED"
    print(
        f"{verdict}: macro-F1 {score.macro_f1:.4f} (target {args.target}), "
        f"failures called noise {len(score.failures_called_noise)} (target 0)",
        file=sys.stderr,
    )
    return EXIT_OK if ok else EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
