"""Progress of a long read on standard error: entries read, their rate and the time spent.

Shown only when standard error is a terminal (rich decides); in a pipe, a CI log or a test runner
nothing is written, so that logs stay clean.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from logscan.sources import EntrySource

_EVERY_S = 0.25
"""Seconds between two updates of the line at most."""


class ReadProgress:
    """One rich status line: "Reading logs.json: 412,000 entries, 98,000 entries/s, 4.2 s"."""

    def __init__(
        self,
        label: str,
        file: IO[str] | None = None,
        force_terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from rich.console import Console

        self._console = Console(file=file, stderr=file is None, force_terminal=force_terminal)
        self._label = label
        self._clock = clock
        self._start = clock()
        self._shown = self._start
        self._status = self._console.status(f"{label}: starting")
        self._running = False
        self._line = ""
        self._entries = 0

    @property
    def enabled(self) -> bool:
        """False when the stream is not a terminal: then nothing is shown."""
        return self._console.is_terminal

    def __call__(self, entries: int) -> None:
        """Entries read so far; the line is redrawn at most every quarter second."""
        if not self.enabled:
            return
        self._entries = entries
        now = self._clock()
        if now - self._shown < _EVERY_S and self._running:
            return
        self._shown = now
        self._line = _line(self._label, entries, now - self._start)
        if not self._running:
            self._status.start()
            self._running = True
        self._status.update(self._line)

    def close(self) -> None:
        """Stop the line and leave its last state on the terminal."""
        if self._running:
            self._status.stop()
            self._running = False
            line = _line(self._label, self._entries, self._clock() - self._start)
            self._console.print(line, highlight=False)


def _line(label: str, entries: int, elapsed: float) -> str:
    rate = entries / elapsed if elapsed > 0 else 0.0
    noun = "entry" if entries == 1 else "entries"
    return f"{label}: {entries:,} {noun}, {rate:,.0f} entries/s, {elapsed:.1f} s"


def _may_be_terminal(file: IO[str] | None) -> bool:
    """False only where rich's Console.is_terminal is False too: the stream is no terminal and neither
    FORCE_COLOR nor TTY_COMPATIBLE overrides that (with either set, rich decides)."""
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return True
    stream = file if file is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream: rich says no terminal too
        return False


@contextmanager
def reading_progress(
    sources: Sequence[EntrySource], file: IO[str] | None = None, force_terminal: bool | None = None
) -> Iterator[Callable[[int], None] | None]:
    """A ReadProgress for the sources while the block runs, or None when standard error is no terminal."""
    names = ", ".join(s.name for s in sources[:3]) + (
        f" and {len(sources) - 3} more" if len(sources) > 3 else ""
    )
    if force_terminal is None and not _may_be_terminal(file):
        yield None  # rich would say the same; not importing it saves start-up time on every piped run
        return
    progress = ReadProgress(f"Reading {names}", file=file, force_terminal=force_terminal)
    if not progress.enabled:
        yield None
        return
    try:
        yield progress
    finally:
        progress.close()
