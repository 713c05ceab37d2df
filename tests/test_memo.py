"""memo.py: what start-up learns about each rule's regex is remembered between runs, and only what is true."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from logscan.classify import literal_tree, memo, prefilter
from logscan.classify.engine import Matcher
from logscan.classify.library import Library, load_library
from logscan.classify.memo import RegexMemo, memo_path
from logscan.classify.prefilter import required_literals, required_prefix
from logscan.errors import PatternError
from logscan.resources import data_dir

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


@pytest.mark.parametrize("module", [prefilter, literal_tree], ids=["prefilter", "literal_tree"])
def test_an_edited_literal_analysis_starts_another_memo(
    module: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Remembered literals come from these modules' code: an edit to either must not reuse them."""
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    before = memo_path()
    edited = tmp_path / Path(module.__file__).name
    edited.write_bytes(Path(module.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(module, "__file__", str(edited))
    assert memo_path() != before


def test_another_pyyaml_build_starts_another_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo keeps parsed YAML, so its name follows PyYAML's files (read without importing PyYAML)."""
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    installed = Path(yaml.__file__).parent
    assert memo._yaml_id().count(str(installed)) == 1 + any(installed.glob("_yaml*"))
    fake = tmp_path / "site" / "yaml"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '6.0.1'\n")
    monkeypatch.syspath_prepend(str(fake.parent))
    monkeypatch.delitem(sys.modules, "yaml")  # found on the path as a run finds it, not imported
    first = memo_path()
    (fake / "_yaml.so").write_bytes(b"libyaml")  # the same version, now built with libyaml
    with_libyaml = memo_path()
    (fake / "__init__.py").write_text("__version__ = '6.0.10'\n")  # another version
    assert len({first, with_libyaml, memo_path()}) == 3


def test_the_library_loaded_from_the_memo_is_the_library_loaded_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "memo.json"
    monkeypatch.setattr(memo, "_shared", RegexMemo(path))
    fresh = load_library()
    monkeypatch.setattr(memo, "_shared", RegexMemo(path))  # a second run: every answer read from the file
    remembered = load_library()
    assert remembered == fresh
    assert memo.shared().document((data_dir("patterns") / "10-platform.yaml").read_bytes()) is not None
    assert not any("compiled" in rule.__dict__ for rule in remembered.rules)  # none compiled yet
    for new, old in zip(remembered.rules, fresh.rules, strict=True):
        assert new.flags == old.compiled.flags == new.compiled.flags
        assert new.compiled.pattern == old.compiled.pattern
        assert new.compiled.groupindex == old.compiled.groupindex
        assert (new.unless_compiled is None) == (new.unless is None)


BAD_KEY_GROUP_RULE = """
rules:
  - id: env-var-missing
    class: expected-config
    description: A required environment variable was not set.
    hint: Set it.
    regex: '(?P<var>[A-Z][A-Z0-9_]{2,}) is not set'
    key_group: name
    examples:
      match: ["POSTGRES_HOST is not set"]
"""


def test_a_remembered_regex_is_still_checked_for_the_groups_the_rule_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memo, "_shared", RegexMemo(tmp_path / "memo.json"))
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    good = BAD_KEY_GROUP_RULE.replace("key_group: name", "key_group: var")
    (patterns / "10-test.yaml").write_text(good, encoding="utf-8")
    assert load_library(patterns).rules[0].key_group == "var"  # the regex is remembered now
    monkeypatch.setattr(memo, "_shared", RegexMemo(tmp_path / "memo.json"))
    (patterns / "10-test.yaml").write_text(BAD_KEY_GROUP_RULE, encoding="utf-8")
    with pytest.raises(PatternError, match="env-var-missing: field 'key_group' names 'name'"):
        load_library(patterns)


def test_a_regex_that_does_not_compile_is_refused_on_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    broken = LOOKBEHIND_RULE.replace("(?<!retrying after )timed out", "timed out (")
    (patterns / "10-test.yaml").write_text(broken, encoding="utf-8")
    for _ in range(2):
        monkeypatch.setattr(memo, "_shared", RegexMemo(tmp_path / "memo.json"))
        with pytest.raises(PatternError, match="timeout-not-retried: field 'regex' does not compile"):
            load_library(patterns)
    assert RegexMemo(tmp_path / "memo.json").shape("timed out (") is None


def test_a_damaged_compile_answer_is_not_believed(tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    path.write_bytes(b'{"re2": [], "regex": {"(?P<x>a)": ["2", ["x"]]}, "analysis": {}}')  # flags no int
    assert RegexMemo(path).shape("(?P<x>a)") is None
    path.write_bytes(b'{"re2": [], "analysis": {}}')  # a memo from before compile answers were kept
    assert RegexMemo(path).shape("(?P<x>a)") is None


def test_a_rule_file_parsed_once_is_read_back_as_yaml_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    first = RegexMemo(path)
    files = sorted(data_dir("patterns").glob("*.yaml"))
    for file in files:
        data = file.read_bytes()
        first.parsed(data, yaml.safe_load(data))
    first.save()
    second = RegexMemo(path)
    for file in files:
        data = file.read_bytes()
        assert second.document(data) == yaml.safe_load(data)
    assert second.document(b"rules: []\n") is None  # only what was parsed


def test_a_document_json_would_change_is_not_remembered(tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    first = RegexMemo(path)
    dated = b"rules: []\nreviewed: 2026-12-02\n"
    first.parsed(dated, yaml.safe_load(dated))  # a date: JSON would bring it back as a string
    huge = b"rules: []\nlimit: 100000000000000000000000\n"
    first.parsed(huge, yaml.safe_load(huge))
    plain = b"rules: []\nlimit: 3\n"
    first.parsed(plain, yaml.safe_load(plain))
    first.save()
    second = RegexMemo(path)
    assert second.document(dated) is None and second.document(huge) is None
    assert second.document(plain) == {"rules": [], "limit": 3}


def test_an_edited_rule_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    rule = BAD_KEY_GROUP_RULE.replace("key_group: name", "key_group: var")
    (patterns / "10-test.yaml").write_text(rule, encoding="utf-8")
    monkeypatch.setattr(memo, "_shared", RegexMemo(tmp_path / "memo.json"))
    assert load_library(patterns).rules[0].hint == "Set it."
    edited = rule.replace("hint: Set it.", "hint: Set it on the service.")
    (patterns / "10-test.yaml").write_text(edited, encoding="utf-8")
    monkeypatch.setattr(memo, "_shared", RegexMemo(tmp_path / "memo.json"))
    assert load_library(patterns).rules[0].hint == "Set it on the service."


def test_past_its_cap_the_memo_keeps_what_the_run_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules edited many times leave answers that no run asks for again: when they fill the memo, a run keeps
    writing what it used instead of nothing."""
    monkeypatch.setattr(memo, "MAX_PATTERNS", 11)
    path = tmp_path / "memo.json"
    earlier = RegexMemo(path)
    for n in range(5):  # an earlier library's patterns: 10 answers, under the cap
        earlier.passed_re2(f"old pattern {n}")
        earlier.analysis(f"old pattern {n}", 0)
    earlier.save()
    assert RegexMemo(path).re2_compiles("old pattern 3")
    run = RegexMemo(path)
    assert run.re2_compiles("old pattern 0")  # still in the library
    run.passed_re2("edited pattern")
    run.analysis("edited pattern", 0)
    run.save()  # 12 answers: past the cap
    later = RegexMemo(path)
    assert later.re2_compiles("edited pattern")
    assert later.re2_compiles("old pattern 0")
    assert not later.re2_compiles("old pattern 3")
    assert later.analysis("edited pattern", 0) == (required_literals("edited pattern", 0), None)


def test_a_run_that_alone_uses_more_than_the_cap_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memo, "MAX_PATTERNS", 11)
    path = tmp_path / "memo.json"
    huge = RegexMemo(path)
    for n in range(13):
        huge.passed_re2(f"generated pattern {n}")
    huge.save()
    assert not path.exists()
