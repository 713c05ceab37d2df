"""Where raw entries come from. Every source yields the same raw shapes, so later stages run offline.

A raw entry is a mapping (a LogEntry in API or snake_case form, or any structured log object) or a
string (one line of plain text).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

RawEntry = Mapping[str, Any] | str


class EntrySource(Protocol):
    """A stream of raw entries plus an honest count of what could not be read."""

    name: str
    """A label for reports and errors: a file path, "-" or "cloud-logging:PROJECT"."""

    def entries(self) -> Iterator[RawEntry]:
        """Yield raw entries in input order. Damaged entries are counted in ``skipped``, never dropped silently."""
        ...

    @property
    def skipped(self) -> int:
        """How many entries could not be read (valid after iteration)."""
        ...

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        """One short line per kind of damage seen (valid after iteration)."""
        ...
