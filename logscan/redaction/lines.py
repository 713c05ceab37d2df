"""The detectors' hits in a long text (a finished report), found by searching each detector only on the lines its
Reach allows: a detector without a literal start is otherwise tried at every position of the whole text.

Same hits, same order as logscan/redaction/redact.py's hits(). The argument: a run of whole lines is searched as a
text of its own (regex's pos and endpos: lookbehinds still see what is before), extended below by what an attempt
begun on it can read (Reach.after, blank, until). An attempt begun in the run then reads the same characters as in
the whole text, so it ends the same way. No match starts outside the runs (Reach.screen, before), nor in an
extension: a run takes in every line whose window starts before its extension ends, so each run also begins
where the whole-text search begins afresh.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from functools import cache
from itertools import accumulate

import re2
import regex

from logscan import regexes
from logscan.redaction.detector import Reach, blanked
from logscan.redaction.detectors import DETECTORS, TRIGGER
from logscan.redaction.gate import encoded
from logscan.redaction.redact import Hit

_NOT_BLANK = regexes.compile(r"\S")


def long_text_hits(text: str) -> Iterator[Hit]:
    """Every secret the detectors find in text as it is written: hits(text), searched line-wise where it can."""
    if not TRIGGER.search(text):
        return
    view = blanked(text)
    lines = _Lines(view)
    gates, order = _gates()
    possible = {order[k] for k in gates.Match(lines.encoded) or ()}
    for i, d in enumerate(DETECTORS):
        if d.reach is not None:  # no screened line: no match, whatever the anchor says
            runs = list(_runs(d.reach, lines))
            if not runs or not d.anchor.search(view):
                continue
            matches: Iterator[regex.Match[str]] = _matches(d.pattern, d.reach, lines, runs)
        elif (i in possible or i in _ungated()) and d.anchor.search(view):
            matches = d.pattern.finditer(view)
        else:
            continue
        for start, end, secret in d.real(text, matches):
            yield Hit(d.kind, start, end, secret)


def _re2_anchor(anchor: str) -> str | None:
    """The anchor when RE2 reads it as regex does, else None: not with a lookaround (RE2 has none), nor with \\d
    (RE2's Unicode tables are older: some digits regex's \\d takes, its \\p{Nd} does not)."""
    quiet = re2.Options()
    quiet.log_errors = False
    try:
        re2.compile(anchor.encode(), quiet)
    except re2.error:
        return None
    return None if r"\d" in anchor else anchor


@cache
def _gates() -> tuple[re2.Set, tuple[int, ...]]:
    """One RE2 pass over the text for every anchor RE2 reads, and which detector each of its answers stands for:
    a detector whose anchor RE2 does not find is skipped without trying regex's anchor, which decides when RE2
    finds it. The others are _ungated()."""
    gates = re2.Set.SearchSet(re2.Options())
    order = []
    for i, d in enumerate(DETECTORS):
        anchor = _re2_anchor(d.anchor_source)
        if anchor is not None:
            gates.Add(anchor.encode())
            order.append(i)
    gates.Compile()
    return gates, tuple(order)


@cache
def _ungated() -> frozenset[int]:
    """The detectors whose anchor only regex decides."""
    return frozenset(range(len(DETECTORS))) - frozenset(_gates()[1])


class _Lines:
    """A text's line starts, in characters and in the UTF-8 bytes RE2 searches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *accumulate(len(line) + 1 for line in text.split("\n"))]
        """starts[i]: where line i starts; the last entry: len(text)."""
        self.starts[-1] = len(text)
        self.encoded = encoded(text)  # FOLD applied: a screen matches wherever its pattern does
        if text.isascii():
            self.byte_starts = self.starts
        else:
            self.byte_starts = [0, *accumulate(len(line) + 1 for line in self.encoded.split(b"\n"))]

    def count(self) -> int:
        return len(self.starts) - 1

    def start(self, line: int) -> int:
        """Where line starts; len(text) past the last line."""
        return self.starts[min(line, len(self.starts) - 1)]

    def screened(self, screen: str) -> list[int]:
        """The lines on which screen matches, in order, each once."""
        found: list[int] = []
        for m in _re2(screen).finditer(self.encoded):
            line = bisect_right(self.byte_starts, m.start()) - 1
            if not found or found[-1] != line:
                found.append(line)
        return found

    def blank(self, line: int) -> bool:
        return not _NOT_BLANK.search(self.text, self.start(line), self.start(line + 1))


@cache
def _re2(screen: str) -> re2._Regexp:
    return re2.compile(screen.encode())


def _matches(
    pattern: regex.Pattern[str], reach: Reach, lines: _Lines, runs: list[tuple[int, int]]
) -> Iterator[regex.Match[str]]:
    """The pattern's matches in lines.text, in order, found by searching its runs of lines (see the module doc)."""
    text = lines.text
    for first, last in runs:
        yield from pattern.finditer(text, lines.start(first), _read_end(reach, lines, first, last))


def _runs(reach: Reach, lines: _Lines) -> Iterator[tuple[int, int]]:
    """First and last line of each run to search: the lines a match can start on, merged while their readings
    overlap or touch."""
    run: tuple[int, int] | None = None
    for line in lines.screened(reach.screen):
        first = max(0, line - reach.before)
        if run is not None and lines.start(first) <= _read_end(reach, lines, *run):
            run = (run[0], max(run[1], line))
            continue
        if run is not None:
            yield run
        run = (first, line)
    if run is not None:
        yield run


def _read_end(reach: Reach, lines: _Lines, first: int, last: int) -> int:
    """Where the characters an attempt begun on lines first to last can read end."""
    line = min(last + reach.after, lines.count() - 1)
    if reach.blank:
        line += 1
        while line < lines.count() - 1 and lines.blank(line):
            line += 1
    end = lines.start(line + 1)
    if reach.until is not None:
        opening, closing = reach.until
        text, after = lines.text, lines.start(last + 1)
        if text.find(opening, lines.start(first), after) >= 0:
            found = text.find(closing, after)
            end = len(text) if found < 0 else max(end, min(found + 3, len(text)))
    return end
