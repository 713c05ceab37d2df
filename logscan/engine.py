"""The matching engine: which rule, first in library order, claims a text.

The plain engine tries every rule in order. Rules stay plain regexes with first-match-wins order
whatever engine runs them; any faster engine must give the same answers as this one.
"""

from __future__ import annotations

from typing import Any

from .library import Library, Rule
from .model import severity_rank

MATCH_TIMEOUT_S = 0.25
"""A single rule's search is abandoned after this long (regex module timeout): no line can hang logscan."""


class Matcher:
    """Finds the first rule of a library that claims a text at a severity."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._floors = [
            severity_rank(r.severity_at_least) if r.severity_at_least else -1 for r in library.rules
        ]
        self.timeouts = 0
        """Searches abandoned on the time bound (reported, not hidden)."""

    def first(self, text: str, severity: str = "DEFAULT") -> tuple[Rule, Any] | None:
        """The winning rule and its match object, or None when no rule claims the text."""
        rank = severity_rank(severity)
        for rule, floor in zip(self.library.rules, self._floors, strict=True):
            if rank < floor:
                continue
            try:
                found = rule.compiled.search(text, timeout=MATCH_TIMEOUT_S)
            except TimeoutError:
                self.timeouts += 1
                continue
            if found is not None:
                return rule, found
        return None
