"""The blind hold-out set (tests/fixtures/holdout): it is well formed, and the shipped library generalises to it.

The set was written without reading the rules; see tests/fixtures/holdout/README.md. It ships with the
repository, so these tests never skip.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from logscan.score.metrics import Score
from logscan.score.run import score_corpus

HOLDOUT = Path(__file__).resolve().parent / "fixtures" / "holdout"
CLASSES = {"noise", "expected-config", "deprecation-warning", "regression", "platform"}
MACRO_F1_FLOOR = 0.90


@pytest.fixture(scope="module")
def score() -> Score:
    return score_corpus(HOLDOUT / "labels.jsonl", HOLDOUT / "raw")


def _labels() -> list[dict[str, object]]:
    lines = (HOLDOUT / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_builder_output_is_committed() -> None:
    done = subprocess.run(
        [sys.executable, str(HOLDOUT / "build.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_labels_follow_the_development_format() -> None:
    labels = _labels()
    assert len(labels) >= 250
    for label in labels:
        assert label["label"] in CLASSES, label
        assert (HOLDOUT / "raw" / str(label["source"])).is_file(), label
        assert set(label) <= {"source", "text", "label", "detail", "insertId", "ambiguous"}, label
        assert str(label["source"]).endswith(".txt") or "insertId" in label, label
        if label["label"] == "platform":
            assert str(label["detail"]).startswith(("routine:", "failure:")), label
    share = Counter(str(label["label"]) for label in labels)
    assert 0.50 <= share["noise"] / len(labels) <= 0.60
    assert all(share[name] >= 25 for name in CLASSES)


def test_every_label_joins_a_record(score: Score) -> None:
    assert [outcome.label.text[:80] for outcome in score.unmatched] == []


def test_macro_f1_on_the_holdout(score: Score) -> None:
    misses = "\n".join(
        f"{o.label.source}: {o.label.label} -> {o.predicted} [{o.rule}] {o.label.text[:100]!r}"
        for o in score.errors
    )
    assert score.macro_f1 >= MACRO_F1_FLOOR, f"macro-F1 {score.macro_f1:.4f}\n{misses}"
