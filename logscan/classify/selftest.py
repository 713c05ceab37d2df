"""Run every rule's examples against the whole library: one check per example, for pytest and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from logscan.classify.engine import Matcher
from logscan.classify.library import Example, Library


@dataclass(frozen=True)
class ExampleCheck:
    """One example of one rule, tried against the whole library."""

    rule: str
    """Rule the example belongs to."""
    kind: str
    """match, no_match or known_miss."""
    example: Example
    """The example."""
    winner: str | None
    """Rule that claimed the example's text in the whole library (None: no rule)."""

    @property
    def test_id(self) -> str:
        """pytest id: rule id, kind and position-independent prefix of the text."""
        return f"{self.rule}-{self.kind}-{self.example.text[:40]}"

    @property
    def passed(self) -> bool:
        """match: won by its own rule; no_match and known_miss: not won by it."""
        if self.kind == "match":
            return self.winner == self.rule
        return self.winner != self.rule

    def explain(self) -> str:
        """One line saying what went wrong, for failures."""
        where = f"rule {self.rule}, examples.{self.kind}: {self.example.text[:100]!r}"
        if self.kind == "match":
            got = f"claimed by {self.winner}" if self.winner else "claimed by no rule"
            return f"{where}: {got}. Fix the regex, or move the rule before {self.winner}."
        if self.kind == "known_miss":
            return f"{where}: now matched. Move it from known_miss to match."
        return f"{where}: matched by its own rule. Tighten the regex."


def check_examples(library: Library) -> Iterator[ExampleCheck]:
    """Every example of every rule, with the rule that wins it."""
    matcher = Matcher(library)
    for rule in library.rules:
        for kind, examples in (
            ("match", rule.match),
            ("no_match", rule.no_match),
            ("known_miss", rule.known_miss),
        ):
            for example in examples:
                found = matcher.first(example.text, example.severity)
                yield ExampleCheck(rule.id, kind, example, found[0].id if found else None)
