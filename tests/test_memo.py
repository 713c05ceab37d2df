"""memo.py: what start-up learns about each rule's regex is remembered between runs, and only what is true."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscan.classify import memo
from logscan.classify.engine import Matcher
from logscan.classify.library import Library, load_library
from logscan.classify.memo import RegexMemo, memo_path
from logscan.classify.prefilter import required_literals, required_prefix
from logscan.errors import PatternError

LOOKBEHIND_RULE = """
rules:
  - id: timeout-not-retried
    class: regression
    description: A request timed out and was not retried.
    hint: Retry it.
    regex: '(?<!retrying after )timed out'
    examples:
      match: ["upstream request timed out"]
"""


def test_a_second_run_reads_the_answers_the_first_one_learnt(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    first = RegexMemo(path)
    for rule in library.rules:
        first.passed_re2(rule.regex)
        first.analysis(rule.regex, rule.compiled.flags)
    first.save()
    second = RegexMemo(path)
    for rule in library.rules:
        flags = rule.compiled.flags
        assert second.re2_compiles(rule.regex)
        assert second.analysis(rule.regex, flags) == (
            required_literals(rule.regex, flags),
            required_prefix(rule.regex, flags),
        )
    assert not second.re2_compiles("(?<=x)y")  # only what was checked


def test_a_damaged_memo_is_ignored_and_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    path.write_bytes(
        b'{"re2": ["ok"], "analysis": {"0:x": [[["x"], "no", []], 7]}}'
    )  # a prefix that is no string
    damaged = RegexMemo(path)
    assert not damaged.re2_compiles("ok")
    damaged.passed_re2("Worker exiting")
    damaged.save()
    assert RegexMemo(path).re2_compiles("Worker exiting")


def test_a_memo_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    unwritable = RegexMemo(tmp_path / "file" / "memo.json")
    unwritable.passed_re2("Worker exiting")
    unwritable.save()  # no error
    assert unwritable.re2_compiles("Worker exiting")


def test_a_rule_re2_refuses_is_refused_on_every_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "_shared", RegexMemo(tmp_path / "memo.json"))
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "10-test.yaml").write_text(LOOKBEHIND_RULE, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(
            PatternError, match="timeout-not-retried: field 'regex' does not compile under RE2"
        ):
            load_library(patterns)
    assert not RegexMemo(tmp_path / "memo.json").re2_compiles("(?<!retrying after )timed out")


def test_the_engine_built_from_the_memo_is_the_engine_built_from_scratch(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "memo.json"
    monkeypatch.setattr(memo, "_shared", RegexMemo(path))
    fresh = Matcher(library)
    monkeypatch.setattr(memo, "_shared", RegexMemo(path))
    remembered = Matcher(library)
    lines = [example.text for rule in library.rules for example in (*rule.match, *rule.no_match)]
    assert lines
    assert [remembered.candidates(line) for line in lines] == [fresh.candidates(line) for line in lines]


def test_the_memo_lives_in_the_cache_folder_under_a_name_for_this_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    path = memo_path()
    assert path.parent == tmp_path
    assert path.name.startswith("regex-memo-") and path.name.endswith(".json")
    assert memo_path() == path
