"""Score classification against a labels file: per-class precision/recall/F1, macro-F1, confusion.

The harness behind ``logscan score`` and benchmarks/accuracy.py. Each raw file a label names is
classified record by record, exactly as ``logscan classify --no-join`` does (``classify_stream`` with
``Config(join=False)``), then:

- match.py reads ``labels.jsonl`` and joins every label to the records it names (the rules of
  that join, and which predictions count as correct, are written there);
- score_metrics.py turns the outcomes into the figures (``Score``);
- score_table.py prints them as a plain-text table.

Every name callers used from this module is still importable from it.
"""

from __future__ import annotations

from pathlib import Path

from logscan.classify.library import Library, load_library
from logscan.config import Config
from logscan.errors import InputError
from logscan.ingest.normalize import strip_ansi
from logscan.score.match import (
    Prediction,
    load_labels,
    match_labels,
)
from logscan.score.metrics import Score, score_outcomes


def score_corpus(
    labels_path: Path,
    raw_dir: Path,
    library: Library | None = None,
    patterns_dir: Path | None = None,
    *,
    severities: bool = True,
) -> Score:
    """Classify every raw file a label names and score the labels against it.

    severities: False drops every entry's severity before classifying (``Config.severities``), to show
    what the text alone is worth.
    """
    from logscan.pipeline import classify_stream
    from logscan.sources.files import FileSource

    labels = load_labels(labels_path)
    if not raw_dir.is_dir():
        raise InputError(
            f"{raw_dir}: raw folder not found. Pass --raw DIR holding the files labels.jsonl names."
        )
    lib = library if library is not None else load_library(patterns_dir)
    config = Config(join=False, patterns_dir=patterns_dir, severities=severities)
    predictions: dict[str, list[Prediction]] = {}
    for source in sorted({label.source for label in labels}):
        path = raw_dir / source
        if not path.is_file():
            predictions[source] = []  # every label of it is reported unmatched
            continue
        predictions[source] = [
            Prediction(
                item.event.clean,
                item.klass,
                item.rule,
                item.event.first.insert_id,
                _found_text(item.event.text, item.event.clean),
            )
            for item in classify_stream([FileSource(str(path))], config, lib)
        ]
    return score_outcomes(match_labels(labels, predictions))


def _found_text(text: str, clean: str) -> str | None:
    """The text as found when a parsed prefix makes it differ from the clean text (ANSI aside), else None."""
    return None if text == clean or strip_ansi(text) == clean else text
