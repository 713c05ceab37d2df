"""Score classification against a labels file: per-class precision/recall/F1, macro-F1, confusion.

The harness behind ``logscan score`` and benchmarks/accuracy.py. Each raw file a label names is
classified record by record, exactly as ``logscan classify --no-join`` does (``classify_stream`` with
``Config(join=False)``), then:

- score_match.py reads ``labels.jsonl`` and joins every label to the records it names (the rules of
  that join, and which predictions count as correct, are written there);
- score_metrics.py turns the outcomes into the figures (``Score``);
- score_table.py prints them as a plain-text table.

Every name callers used from this module is still importable from it.
"""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .errors import InputError
from .library import Library, load_library
from .score_match import (
    SEVERITY_ORDER,
    UNMATCHED,
    Label,
    Outcome,
    Prediction,
    load_labels,
    match_labels,
)
from .score_metrics import MACRO_F1_TARGET, ClassScore, Score, score_outcomes
from .score_table import format_table

__all__ = [
    "MACRO_F1_TARGET",
    "SEVERITY_ORDER",
    "UNMATCHED",
    "ClassScore",
    "Label",
    "Outcome",
    "Prediction",
    "Score",
    "format_table",
    "load_labels",
    "match_labels",
    "score_corpus",
    "score_outcomes",
]


def score_corpus(
    labels_path: Path, raw_dir: Path, library: Library | None = None, patterns_dir: Path | None = None
) -> Score:
    """Classify every raw file a label names and score the labels against it."""
    from .pipeline import classify_stream
    from .sources.files import FileSource

    labels = load_labels(labels_path)
    if not raw_dir.is_dir():
        raise InputError(
            f"{raw_dir}: raw folder not found. Pass --raw DIR holding the files labels.jsonl names."
        )
    lib = library if library is not None else load_library(patterns_dir)
    config = Config(join=False, patterns_dir=patterns_dir)
    predictions: dict[str, list[Prediction]] = {}
    for source in sorted({label.source for label in labels}):
        path = raw_dir / source
        if not path.is_file():
            predictions[source] = []  # every label of it is reported unmatched
            continue
        predictions[source] = [
            Prediction(item.event.clean, item.klass, item.rule, item.event.first.insert_id)
            for item in classify_stream([FileSource(str(path))], config, lib)
        ]
    return score_outcomes(match_labels(labels, predictions))
