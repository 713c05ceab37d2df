"""Template quality on Loghub-2k: grouping accuracy at least Drain's published figure, dataset by dataset.

Runs benchmarks/loghub_ga.py's measure (``logscan classify --no-join`` on the Content column) on every
dataset folder in ../shared/corpus/loghub; skips cleanly when that folder is absent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import CORPUS, REPO

LOGHUB = CORPUS / "loghub"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loghub_ga", REPO / "benchmarks" / "loghub_ga.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("loghub_ga", module)
    spec.loader.exec_module(module)
    return module


GA = _benchmark()
FOLDERS: list[Path] = GA.datasets(LOGHUB) if LOGHUB.is_dir() else []


def test_grouping_accuracy_definition() -> None:
    """A message is right only when its predicted group is exactly its true group."""
    truth = ["E1", "E1", "E2", "E2", "E3", ""]
    assert GA.grouping_accuracy(["a", "a", "b", "b", "c", "z"], truth) == 1.0
    assert GA.grouping_accuracy(["a", "a", "b", "b", "b", "z"], truth) == pytest.approx(2 / 5)
    assert GA.grouping_accuracy(["a", "x", "b", "b", "c", "z"], truth) == pytest.approx(3 / 5)


@pytest.mark.skipif(not FOLDERS, reason="../shared/corpus/loghub is not present in this checkout")
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_grouping_accuracy_is_at_least_drains(folder: Path) -> None:
    result = GA.measure(folder)
    assert result.messages > 0
    if result.drain is None:
        pytest.skip(f"{folder.name}: no published Drain figure to compare with (GA {result.ga:.4f})")
    assert result.ga >= result.drain, f"{folder.name}: GA {result.ga:.4f} < Drain's {result.drain}"
