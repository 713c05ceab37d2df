"""Template quality on Loghub-2k: grouping accuracy at least Drain's published figure, dataset by dataset.

Runs the measure of benchmarks/loghub_ga.py (tests/loghub.py) (``logscan classify --no-join`` on the Content column) on every
dataset folder in ../shared/corpus/loghub; skips cleanly when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import loghub as GA
from .conftest import CORPUS

LOGHUB = CORPUS / "loghub"


FOLDERS: list[Path] = GA.datasets(LOGHUB) if LOGHUB.is_dir() else []


def test_grouping_accuracy_definition() -> None:
    """A message is right only when its predicted group is exactly its true group."""
    truth = ["E1", "E1", "E2", "E2", "E3", ""]
    assert GA.grouping_accuracy(["a", "a", "b", "b", "c", "z"], truth) == 1.0
    assert GA.grouping_accuracy(["a", "a", "b", "b", "b", "z"], truth) == pytest.approx(2 / 5)
    assert GA.grouping_accuracy(["a", "x", "b", "b", "c", "z"], truth) == pytest.approx(3 / 5)


_ABSENT = pytest.param(
    None, marks=pytest.mark.skip(reason="../shared/corpus/loghub is not present in this checkout")
)


# Without the corpus, one test says why it skips (an empty parameter set would skip with pytest's own words).
@pytest.mark.parametrize("folder", FOLDERS or [_ABSENT], ids=[f.name for f in FOLDERS] or ["absent"])
def test_grouping_accuracy_is_at_least_drains(folder: Path) -> None:
    result = GA.measure(folder)
    assert result.messages > 0
    if result.drain is None:
        pytest.skip(f"{folder.name}: no published Drain figure to compare with (GA {result.ga:.4f})")
    assert result.ga >= result.drain, f"{folder.name}: GA {result.ga:.4f} < Drain's {result.drain}"
