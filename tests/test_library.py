"""The pattern library loader: RE2-only rules, the unless field, and the errors for a broken rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import re2

from logscan.classify.engine import Matcher, PlainMatcher
from logscan.classify.library import Library, load_library
from logscan.errors import PatternError

_RULE = """
rules:
  - id: {rid}
    class: regression
    description: A test rule.
    hint: Read it.
    regex: '{regex}'
    examples:
      match: ["{example}"]
"""


def _write(tmp_path: Path, rid: str, regex: str, example: str = "x") -> Path:
    (tmp_path / "40-test.yaml").write_text(_RULE.format(rid=rid, regex=regex, example=example), "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("regex", "reason"),
    [
        ("cannot serve traffic(?![^\\n]{0,400}secret)", "invalid perl operator: (?!"),
        ("(?<=\\[ERROR\\] )Shutting down", "invalid perl operator: (?<="),
        ("\\b(?P<var>\\w*+): unbound variable", "bad repetition operator: *+"),
        ("(a)\\1", "invalid escape sequence: \\1"),
        ("GET [^ ]{1,2000} HTTP", "invalid repetition size: {1,2000}"),
        ("(?:\\n[^\\n]{0,300}){0,6}KeyError", "invalid repetition size: {0,6}"),
    ],
)
def test_a_rule_re2_cannot_compile_is_refused_naming_file_rule_and_reason(
    tmp_path: Path, regex: str, reason: str
) -> None:
    with pytest.raises(PatternError) as caught:
        load_library(_write(tmp_path, "needs-lookaround", regex))
    message = str(caught.value)
    assert message.startswith(
        "40-test.yaml: rule needs-lookaround: field 'regex' does not compile under RE2 ("
    )
    assert f"({reason})" in message
    assert "'unless:'" in message and "\n" not in message


def test_an_unless_pattern_re2_cannot_compile_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path, "bad-unless", "Shutting down")
    path = folder / "40-test.yaml"
    path.write_text(path.read_text().replace("    examples:", "    unless: '(?<=x)y'\n    examples:"))
    with pytest.raises(
        PatternError, match=r"^40-test\.yaml: rule bad-unless: field 'unless' does not compile under RE2"
    ):
        load_library(folder)


def test_an_empty_unless_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path, "empty-unless", "Shutting down")
    path = folder / "40-test.yaml"
    path.write_text(path.read_text().replace("    examples:", "    unless: ''\n    examples:"))
    with pytest.raises(PatternError, match="field 'unless' must be a non-empty string"):
        load_library(folder)


@pytest.mark.parametrize("kind", [PlainMatcher, Matcher])
def test_unless_vetoes_the_rule_and_the_next_rule_gets_the_text(
    tmp_path: Path, kind: type[PlainMatcher]
) -> None:
    (tmp_path / "40-test.yaml").write_text(
        """
rules:
  - id: not-ready
    class: platform
    description: Not ready.
    hint: Look.
    regex: "Revision '[^'\\\\n]{1,200}' is not ready"
    unless: 'is not ready[^\\n]{0,400}[Ss]ecret'
    examples:
      match: ["Revision 'api-1' is not ready"]
  - id: anything
    class: regression
    description: Anything.
    hint: Look.
    regex: 'Revision'
    examples:
      match: ["Revision 'api-1' failed"]
""",
        "utf-8",
    )
    matcher = kind(load_library(tmp_path))
    plain = matcher.first("Revision 'api-1' is not ready and cannot serve traffic.")
    vetoed = matcher.first(
        "Revision 'api-1' is not ready and cannot serve traffic. Secret db-pass not found."
    )
    assert plain is not None and plain[0].id == "not-ready"
    assert vetoed is not None and vetoed[0].id == "anything"


def test_every_shipped_rule_compiles_under_re2(library: Library) -> None:
    for rule in library.rules:
        for pattern in (rule.regex, rule.unless):
            if pattern is not None:
                assert re2.compile(pattern) is not None, rule.id
    assert sum(rule.unless is not None for rule in library.rules) >= 10


_GOOD = {
    "id": "db-down",
    "class": "regression",
    "description": "The database refused connections.",
    "hint": "Check the Cloud SQL instance.",
    "regex": "connection refused",
    "examples": {"match": ["psycopg2.OperationalError: connection refused"]},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"class": "bug"},
            "rule db-down: field 'class' is 'bug'; use one of expected-config, deprecation-warning",
        ),
        (
            {"id": "DB_Down"},
            "rule DB_Down: field 'id' must be lowercase words joined by '-', e.g. env-var-missing.",
        ),
        ({"hint": None}, "rule db-down: field 'hint' is missing. Every rule needs"),
        ({"owner": "sre"}, "rule db-down: unknown field(s) owner. Allowed: "),
        ({"regex": 42}, "rule db-down: field 'regex' must be a string (quote it in YAML)."),
        ({"regex": "(unclosed"}, "rule db-down: field 'regex' does not compile ("),
        (
            {"examples": {"no_match": ["fine"]}},
            "rule db-down: field 'examples' needs a non-empty 'match' list",
        ),
        ({"examples": {"match": "one line"}}, "rule db-down: examples.match must be a list of strings."),
        ({"signals": ["exploded"]}, "rule db-down: field 'signals' has 'exploded'; use one of "),
        (
            {"severity_at_least": "LOUD"},
            "rule db-down: field 'severity_at_least' is 'LOUD'; use a LogSeverity",
        ),
        (
            {"key_group": "host"},
            "rule db-down: field 'key_group' names 'host', which the regex does not define.",
        ),
        ({"config_symptom": "yes"}, "rule db-down: field 'config_symptom' must be true or false."),
    ],
)
def test_each_broken_field_is_named_with_file_rule_and_fix(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    import yaml

    rule = {k: v for k, v in {**_GOOD, **change}.items() if v is not None}
    (tmp_path / "40-test.yaml").write_text(yaml.safe_dump({"rules": [rule]}), "utf-8")
    with pytest.raises(PatternError) as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(f"40-test.yaml: {message}"), str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [unclosed", "40-test.yaml: is not valid YAML ("),
        ("- just a list\n", "40-test.yaml: must be a mapping with a 'rules:' list."),
        ("rules:\n  - a string\n", "40-test.yaml: rule #1: must be a mapping with id, class"),
    ],
)
def test_a_broken_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "40-test.yaml").write_text(text, "utf-8")
    with pytest.raises(PatternError) as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_missing_folder_an_empty_one_and_a_reused_id_are_refused(tmp_path: Path) -> None:
    import yaml

    with pytest.raises(PatternError, match=r"pattern folder not found\. Pass --patterns DIR"):
        load_library(tmp_path / "absent")
    with pytest.raises(PatternError, match=r"holds no \*\.yaml rule files"):
        load_library(tmp_path)
    for name in ("40-a.yaml", "41-b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump({"rules": [_GOOD]}), "utf-8")
    with pytest.raises(PatternError, match=r"^41-b\.yaml: rule db-down: id already used in 40-a\.yaml\."):
        load_library(tmp_path)
