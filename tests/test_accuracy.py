"""The accuracy targets of the issue on ../shared/corpus/real (skipped when the corpus is absent).

macro-F1 >= 0.95 over the five classes, no regression / expected-config / platform failure called
noise, and every label joined to a record. Also runs benchmarks/accuracy.py as a script would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from logscan.score.metrics import MACRO_F1_TARGET, Score
from logscan.score.run import score_corpus
from logscan.score.table import format_table

from .conftest import REPO, real_corpus


@pytest.fixture(scope="module")
def real_score() -> Score:
    corpus = real_corpus()
    return score_corpus(corpus / "labels.jsonl", corpus / "raw")


def test_macro_f1_meets_the_target(real_score: Score) -> None:
    assert real_score.macro_f1 >= MACRO_F1_TARGET, format_table(real_score)


def test_no_failure_is_called_noise(real_score: Score) -> None:
    assert not real_score.failures_called_noise, format_table(real_score)


def test_every_label_joins_a_record(real_score: Score) -> None:
    assert not real_score.unmatched, format_table(real_score)
    assert len(real_score.outcomes) == sum(
        1 for line in (real_corpus() / "labels.jsonl").open() if line.strip()
    )


def _accuracy_script(*args: str) -> subprocess.CompletedProcess[str]:
    """benchmarks/accuracy.py run as a user runs it (a script, not imported)."""
    script = REPO / "benchmarks" / "accuracy.py"
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=600)


def test_script_passes_on_the_real_corpus() -> None:
    corpus = real_corpus()
    run = _accuracy_script("--corpus", str(corpus), "--json")
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert figures["macro_f1"] >= MACRO_F1_TARGET
    assert figures["failures_called_noise"] == []


def test_script_fails_when_a_failure_is_called_noise(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "run.txt").write_text(
        "INFO:     Started server process [1]\nWorker bootstrap finished in 0.4s\n", encoding="utf-8"
    )
    labels = [
        {
            "source": "run.txt",
            "text": "INFO:     Started server process [1]",
            "label": "noise",
            "detail": "routine",
        },
        {
            "source": "run.txt",
            "text": "Worker bootstrap finished in 0.4s",
            "label": "regression",
            "detail": "mislabel",
        },
    ]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(x) for x in labels) + "\n", encoding="utf-8")
    run = _accuracy_script("--corpus", str(tmp_path))
    assert run.returncode == 1
    assert "failures called noise: 1" in run.stdout
    assert "TARGETS MISSED" in run.stderr


def test_script_reports_a_missing_corpus(tmp_path: Path) -> None:
    run = _accuracy_script("--corpus", str(tmp_path / "absent"))
    assert run.returncode == 2
    assert "labels.jsonl: not found" in run.stderr
