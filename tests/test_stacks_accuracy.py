"""The issue 13 targets on the development corpus of non-Python logs (tests/fixtures/stacks/dev), and floors
for the later development sets (tests/fixtures/dev2, dev3, dev4).

`logscan score` on it, as exported and with every severity dropped (``--no-severity``): macro-F1 at least
0.90 and 0.85, regression recall at least 0.95, at most 2 problems (failure labels) called noise. The blind
part is scored only by hand, at the end of a change (see the issue's closing note). Skipped when the corpus
is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logscan.model import EventClass
from logscan.score.run import score_corpus

DEV = Path(__file__).parent / "fixtures" / "stacks" / "dev"
MACRO_F1 = {True: 0.90, False: 0.85}
"""Target macro-F1 with severities (True) and without (False)."""
REGRESSION_RECALL = 0.95
MAX_PROBLEMS_CALLED_NOISE = 2


@pytest.mark.skipif(not (DEV / "labels.jsonl").is_file(), reason="tests/fixtures/stacks/dev is absent")
@pytest.mark.parametrize("severities", [True, False], ids=["as-exported", "no-severity"])
def test_dev_corpus_meets_the_issue_targets(severities: bool) -> None:
    score = score_corpus(DEV / "labels.jsonl", DEV / "raw", severities=severities)
    assert score.macro_f1 >= MACRO_F1[severities], score.as_dict()["errors"]
    recall = score.recall_of(EventClass.REGRESSION)
    assert recall is not None and recall >= REGRESSION_RECALL, score.as_dict()["errors"]
    assert len(score.failures_called_noise) <= MAX_PROBLEMS_CALLED_NOISE, score.as_dict()[
        "failures_called_noise"
    ]
    assert not score.unmatched  # every label is scored against what it names


LATER_DEV = Path(__file__).parent / "fixtures"
LATER_FLOORS = {"dev2": (0.80, 5), "dev3": (0.90, 1), "dev4": (0.85, 3)}
"""The later development sets of real pastes: macro-F1 at least, failure labels called noise at most (the
scores the rules written against them reached, rounded down: a rule change that loses them fails here).
Most of what they still miss is labelled ambiguous (see each set's README)."""


@pytest.mark.parametrize("part", LATER_FLOORS)
@pytest.mark.parametrize("severities", [True, False], ids=["as-exported", "no-severity"])
def test_later_dev_sets_keep_what_the_rules_reached(part: str, severities: bool) -> None:
    folder = LATER_DEV / part
    score = score_corpus(folder / "labels.jsonl", folder / "raw", severities=severities)
    macro_f1, called_noise = LATER_FLOORS[part]
    assert score.macro_f1 >= macro_f1, score.as_dict()["errors"]
    assert len(score.failures_called_noise) <= called_noise, score.as_dict()["failures_called_noise"]
    assert not score.unmatched
