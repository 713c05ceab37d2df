"""Which line may follow which in one event: the state a group's last line leaves, and the step over the next.

A group's state says what its last line allows to follow: a Python traceback's frames up to the exception
line, chained tracebacks with their separators, an exception's further message lines, a warning's source
line, an indented block under a line ending in ``:``, another language's trace (``traces/``). ``opening``
gives the state after a line that starts a group, ``step`` the state after a line that continues one (None:
it starts something new), ``split_message`` whether a record closes a quote, bracket or tag the previous one
left open. join.py drives these over the records of each source, instance and stream.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

from logscan import regexes
from logscan.ingest.traces import CONTINUATION, OPENER

STATE_CACHE = 8192
"""Distinct lines whose step from a state is remembered (``remembered_step``), and distinct texts whose
opening state join.py remembers; each forgotten all at once when full."""

_HEADER = "Traceback (most recent call last)"
_SEPARATORS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_EXC_LINE = regexes.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::\s|:?$)")
_EXCEPTION_ALONE = regexes.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)(?::\s|:?$)")
_NAMED_EXCEPTION = regexes.compile(
    r"^(?:Uncaught )?(?:[\w$]+(?:\.|::|\\))*(?:[A-Z][\w$]*)?(?:Error|Exception)\b"
)
_BARE_NAME = regexes.compile(r"^[A-Za-z_][\w.\[\]-]*$")
_WARNING_LINE = regexes.compile(r"^\S.*?\.pyw?:\d+: (?:[A-Za-z_]\w*\.)*[A-Z]\w*: ")
_INTRO = regexes.compile(r"(?i)exception|error|traceback|failed|uncaught|unhandled")  # see _may_introduce
SWITCH_AFTER = 4096
"""ASCII lines matched against a trace pattern with the regex module before a standard-library copy takes
over (see _TracePattern): compiling the copy costs a few milliseconds, repaid only by a run of many
distinct lines (an export's every distinct text is tried against OPENER)."""


class _TracePattern:
    """A trace pattern (OPENER or CONTINUATION), matched at a line's start. After SWITCH_AFTER ASCII lines,
    ASCII lines go to a copy compiled by the standard library's re (about twice as fast here). The answer
    is the same: the patterns are RE2-compatible (traces/shape.py: no look-around, no back-references) and
    carry no flags, so whether one matches depends only on what ``\\s \\w \\d`` and their complements hold,
    which on ASCII is the same in both modules (tests/test_ingest_speed_opener.py checks each character)."""

    __slots__ = ("_ascii", "_left", "_pattern")

    def __init__(self, pattern: regex.Pattern[str]) -> None:
        self._pattern = pattern
        self._ascii: re.Pattern[str] | None = None
        self._left = SWITCH_AFTER

    def match(self, line: str) -> bool:
        if line.isascii():
            fast = self._ascii
            if fast is not None:
                return fast.match(line) is not None
            self._left -= 1
            if self._left <= 0:
                self._ascii = re.compile(self._pattern.pattern, re.ASCII)
        return self._pattern.match(line) is not None


_OPENER = _TracePattern(OPENER)
_CONTINUATION = _TracePattern(CONTINUATION)
_TAG_CLOSE = regexes.compile(r"^</([A-Za-z][\w-]*)>")
_PAIRS = {")": "(", "]": "[", "}": "{"}
SPLIT_STARTS = frozenset("\"')]}<")
"""The first characters of a text that can close what the previous record left open (``split_message``)."""

# States of an open group: what its last line allows to follow.
LINE, _INTRO_S, _COLON, _BLOCK, _TRACE, _EXC, _SEP, _WARN, DONE, _FTRACE, _FGAP, _FHEAD = range(12)
# _FTRACE: inside another language's trace (traces/); _FGAP: after a blank line in one; _FHEAD: after a
# heading in one (``Description:``, ``Stack trace:``), which any next line continues.


def opening(line: str) -> int:
    """State after a line that starts a group."""
    stripped = line.strip()
    if _HEADER in line:
        return _TRACE if stripped.endswith((":", ")")) else DONE  # else: flattened onto one line
    if stripped in _SEPARATORS:
        return _SEP
    if ".py" in line and _WARNING_LINE.match(line):
        return _WARN
    if _OPENER.match(line):
        return _FTRACE
    if ("Error" in line or "Exception" in line) and _EXCEPTION_ALONE.match(line):
        return _EXC
    if stripped.endswith(":"):
        return _COLON
    if line[:1].isspace() and stripped:
        return _BLOCK
    if _may_introduce(_fold(line)) and _INTRO.search(line):
        return _INTRO_S
    return LINE


def _fold(line: str) -> str:
    """The line with every character that matches an ASCII letter case-insensitively turned into that letter.

    casefold() does it for all of them (the Kelvin sign, the long s) but the dotted capital I, which it
    turns into ``i`` and a combining dot.
    """
    folded = line.casefold()
    return folded.replace("i\u0307", "i") if "\u0307" in folded else folded


def _may_introduce(folded: str) -> bool:
    """False when the folded line (``_fold``) lacks every word of ``_INTRO``, which then cannot match."""
    return (
        "error" in folded
        or "exception" in folded
        or "traceback" in folded
        or "failed" in folded
        or "uncaught" in folded
        or "unhandled" in folded
    )


def step(state: int, line: str) -> int | None:
    """State after the line when it continues a group in ``state``; None when it starts something new."""
    # (``remembered_step``, below, remembers the answers for recent lines: a crash loop repeats them.)
    stripped = line.strip()
    indented = bool(stripped) and line[:1].isspace()
    if state >= _FTRACE:
        return _foreign(state, line, stripped, indented)
    if state in (_EXC, _SEP, _INTRO_S) and stripped and _CONTINUATION.match(line):
        return _FTRACE  # a Java/Node/.NET/... trace goes on under its exception or its log line
    if state == _INTRO_S and ("Error" in line or "Exception" in line) and _EXCEPTION_ALONE.match(line):
        return _FTRACE  # "Application run failed" and the exception it logs on the next line
    header = _HEADER in line and stripped.endswith((":", ")"))
    if state == _TRACE:
        if indented:
            return _TRACE
        if stripped and _EXC_LINE.match(line):
            return _EXC
        return None
    if state in (_EXC, _SEP):
        if stripped in _SEPARATORS or not stripped:
            return _SEP
        if header and state == _SEP:
            return _TRACE
        if state == _EXC and (indented or _BARE_NAME.match(line)):
            return _EXC  # the exception's message goes on (pydantic lists fields this way)
        return None
    if header:
        return _TRACE if state in (_INTRO_S, _COLON) else None
    if state == _WARN:
        return _BLOCK if indented else None
    if state in (_COLON, _BLOCK):
        return _BLOCK if indented else None
    return None


remembered_step = lru_cache(maxsize=STATE_CACHE)(step)


def _foreign(state: int, line: str, stripped: str, indented: bool) -> int | None:
    """The next state inside another language's trace (see ``traces``), or None when the line leaves it."""
    if not stripped:
        return _FHEAD if state == _FHEAD else _FGAP
    if state == _FHEAD or indented:
        return _FTRACE
    if stripped.endswith(":") and " " not in stripped and stripped[:1].isupper():
        return _FHEAD  # Spring's "Description:" and "Action:", each over a paragraph
    if _CONTINUATION.match(line):
        return _FTRACE
    if ("Error" in line or "Exception" in line) and _NAMED_EXCEPTION.match(line):
        return _FTRACE  # the exception under Node's `throw err; ^` prelude, PHP's next exception
    return None


def split_message(previous: str, text: str) -> bool:
    """True when the text closes a quote, bracket or markup tag the previous record left open."""
    if not text or not previous:
        return False
    first = text[0]
    if first in "\"'":
        return previous.count(first) % 2 == 1
    if first in _PAIRS:
        return previous.count(_PAIRS[first]) > previous.count(first)
    if first != "<":
        return False
    tag = _TAG_CLOSE.match(text)
    if tag is not None:
        name = tag.group(1)
        return previous.count(f"<{name}>") > previous.count(f"</{name}>")
    return False
