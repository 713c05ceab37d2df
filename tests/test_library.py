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
