"""Every example of every rule, run against the whole library: one test id per example."""

from __future__ import annotations

import pytest

from logscan.classify.library import load_library
from logscan.classify.selftest import ExampleCheck, check_examples

_CHECKS = list(check_examples(load_library()))


@pytest.mark.parametrize("check", [c for c in _CHECKS if c.kind != "known_miss"], ids=lambda c: c.test_id)
def test_example(check: ExampleCheck) -> None:
    assert check.passed, check.explain()


@pytest.mark.parametrize("check", [c for c in _CHECKS if c.kind == "known_miss"], ids=lambda c: c.test_id)
@pytest.mark.xfail(strict=True, reason="a known gap in the library: xpass means the rule now covers it")
def test_known_miss(check: ExampleCheck) -> None:
    assert check.winner == check.rule
