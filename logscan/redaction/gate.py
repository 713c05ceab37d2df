"""A quick RE2 look at whether any detector could find something in a text: most texts hold nothing, and regex's
TRIGGER (every anchor in one alternation, no literal to skip ahead by) takes ~25 us for a 50-character text.

RE2 answers no only where no detector finds anything; where it answers yes, TRIGGER and the detectors decide
as before, so redaction and the scan give the same answers with it or without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import re2

from logscan.redaction.detector import Detector
from logscan.redaction.detectors import DETECTORS

FOLD = {0x130: "i"}
"""What regex's case-insensitive match takes for an ASCII letter and RE2's does not (a test checks every
character): made that letter before RE2 reads a text."""
_ANY_DIGIT = r"[0-9\x{80}-\x{10FFFF}]"
"""Wider than regex's \\d: RE2's Unicode tables are older than regex's (some digits are missing from \\p{Nd})."""


def encoded(text: str) -> bytes:
    """text as RE2 reads it here: UTF-8, FOLD applied, a lone surrogate as ?; one character stays one (a line
    stays a line)."""
    if text.isascii():
        return text.encode("ascii")
    return text.translate(FOLD).encode("utf-8", "replace")


def may_hold_secret(text: str) -> bool:
    """False only when no detector finds anything in text."""
    if "[REDACTED:" in text:  # detectors read placeholders blanked (detector.blanked): leave this one to them
        return True
    match = _gate()
    return match is None or bool(match(encoded(text)))


def _source(d: Detector) -> str | None:
    """An RE2 regex found in every text in which d finds something: its Reach's screen (which holds on every
    match of its pattern), else its anchor (with \\d widened), else None (an anchor RE2 cannot read)."""
    if d.reach is not None:
        return d.reach.screen
    if "(?<" in d.anchor_source or "(?=" in d.anchor_source or "(?!" in d.anchor_source:
        return None
    return d.anchor_source.replace(r"\d", _ANY_DIGIT)


@cache
def _gate() -> Callable[[bytes], list[int]] | None:
    sources = [_source(d) for d in DETECTORS]
    if None in sources:
        return None
    gate = re2.Set.SearchSet(re2.Options())
    for source in sources:
        gate.Add(str(source).encode())
    gate.Compile()
    # The native set, given UTF-8 bytes (as classify/engine.py uses it): the wrapper only adds a list copy.
    return gate._set.Match  # type: ignore[no-any-return]
