"""What every language module of ``traces`` provides: one ``Shape``, its regexes as data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from logscan import regexes


@dataclass(frozen=True)
class Found:
    """What a shape read from a text."""

    type: str
    """The outermost exception's type."""
    message: str
    """Its message (first line)."""
    frames: tuple[tuple[str, str], ...]
    """(file, function) of each frame, in printed order."""


@dataclass(frozen=True)
class Shape:
    """How one language prints an uncaught failure.

    Line regexes (``opener``, ``continuation``, ``exception``, ``frame``) are matched at a line's
    start and written RE2-compatible (no look-around, no back-references). ``exception`` alternatives have the
    named groups ``type`` and ``message``; ``frame`` has ``function`` and may have ``file``. Chained causes
    are read by templates/causes.py.
    """

    language: str
    """The language's name in reports."""
    opener: str
    """A line that starts a trace."""
    continuation: str
    """A line that continues a trace (frames, cause separators, trailers)."""
    exception: tuple[str, ...]
    """Ways the line naming the thrown exception looks, tried in order."""
    frame: str
    """One frame (may span two lines, as Go's function and file lines do)."""
    library: str
    """Matches ``"function file"`` of a frame that is not the application's own code."""
    detect: str
    """Matches anywhere in a text that holds this language's trace (multi-line mode)."""

    def read(self, text: str) -> Found | None:
        """Exception and frames of this language's trace in the text; None without an exception."""
        head = None
        for pattern in self.exception:
            head = _lines(pattern).search(text)
            if head is not None:
                break
        if head is None:
            return None
        frames = tuple(
            (m.groupdict().get("file") or "", (m.groupdict().get("function") or "").strip())
            for m in _lines(self.frame).finditer(text)
        )
        return Found(head.group("type"), (head.group("message") or "").strip(), frames)

    def own(self, function: str, file: str) -> bool:
        """True for a frame of the application's own code."""
        return _compiled(self.library).search(f"{function} {file}") is None

    def holds(self, text: str) -> bool:
        """True when the text shows this language's trace."""
        return _compiled(f"(?m){self.detect}").search(text) is not None


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regexes.compile(pattern)


def _lines(pattern: str) -> regex.Pattern[str]:
    return _compiled(f"(?m)^(?:{pattern})")
