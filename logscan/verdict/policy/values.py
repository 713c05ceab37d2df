"""Checks of one value read from a policy file, shared by the environment and suppression readers.

Each returns the value in the form a Policy holds, or raises a one-line PolicyError at the value's
file:line that names the key and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import regex

from logscan.model import EventClass
from logscan.verdict.policy.lines import Lines
from logscan.verdict.policy.settings import JUDGED_CLASSES

_NAME = r"^[A-Za-z0-9_*?\[\]-]+$"


def as_table(value: Any, at: tuple[str | int, ...], lines: Lines) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise lines.error(at, "must be a table. Write it as a [section] with key = value lines.")
    return value


def no_unknown_keys(
    table: Mapping[str, Any], allowed: Sequence[str], at: tuple[str | int, ...], lines: Lines
) -> None:
    for key in table:
        if key not in allowed:
            import difflib  # a mistyped key only

            close = difflib.get_close_matches(key, allowed, n=1)
            fix = f"Did you mean {close[0]}?" if close else f"Known keys: {', '.join(allowed)}."
            raise lines.error((*at, key), f"unknown key. {fix}")


def as_classes(value: Any, at: tuple[str | int, ...], lines: Lines) -> tuple[EventClass, ...]:
    names = as_names(value, at, lines, allow_empty=True)
    for name in names:
        if name not in JUDGED_CLASSES:
            hint = " (noise never counts)" if name == EventClass.NOISE else ""
            raise lines.error(at, f"{name!r} is not a class{hint}. Use some of: {', '.join(JUDGED_CLASSES)}.")
    return tuple(EventClass(name) for name in names)


def as_names(
    value: Any, at: tuple[str | int, ...], lines: Lines, allow_empty: bool = True
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise lines.error(at, 'must be an array of strings, such as ["POSTGRES_*", "JWT_SECRET_KEY"].')
    for v in value:
        if not regex.match(_NAME, v):
            raise lines.error(
                at, f"{v!r} is not a name: use letters, digits, _ and - (globs * ? [] allowed)."
            )
    if not allow_empty and not value:
        raise lines.error(at, "must not be empty.")
    return tuple(value)


def as_number(value: Any, at: tuple[str | int, ...], lines: Lines) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 1:
        raise lines.error(at, "must be a number above 1, such as 3.0 (the factor by which a rate must grow).")
    return float(value)


def as_count(value: Any, at: tuple[str | int, ...], lines: Lines) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise lines.error(at, "must be a whole number of at least 1, such as 5.")
    return value
