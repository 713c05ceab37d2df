"""Pacing reads to the entries.list quota, and showing how a read is going on a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Protocol

from logscan.errors import InputError


class QuotaPacer:
    """Keeps requests within N per period: the (N+1)-th request waits until the 1st is a period old.

    A short read of a few pages therefore never waits, and a long one runs at the quota's ceiling.
    """

    def __init__(
        self,
        rpm: int,
        period: float = 60.0,
        margin: float = 0.01,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rpm < 1:
            raise InputError(f"--quota-rpm {rpm}: must be at least 1.")
        self._starts: list[float] = []
        self._rpm = rpm
        self._period = period * (1 + margin)
        self._clock = clock
        self._sleep = sleep

    def delay(self) -> float:
        """Seconds until the next request may start."""
        if len(self._starts) < self._rpm:
            return 0.0
        return max(0.0, self._starts[-self._rpm] + self._period - self._clock())

    def wait(self, on_wait: Callable[[float], None] | None = None) -> float:
        """Sleep until the quota allows one more request, record its start, and return the seconds slept."""
        pause = self.delay()
        if pause > 0:
            if on_wait is not None:
                on_wait(pause)
            self._sleep(pause)
        self._starts.append(self._clock())
        del self._starts[: -self._rpm]
        return pause


class FetchProgress(Protocol):
    """Where a read reports how it is going (a terminal status line, or nothing)."""

    def page(self, entries: int, pages: int, rate: float) -> None:
        """A page arrived: entries so far, pages so far, entries per second."""

    def waiting(self, seconds: float, why: str) -> None:
        """The read sleeps ``seconds`` (for the quota, a back-off, or settling)."""

    def close(self) -> None:
        """The read is over."""


class NullProgress:
    """Reports nothing."""

    def page(self, entries: int, pages: int, rate: float) -> None:
        pass

    def waiting(self, seconds: float, why: str) -> None:
        pass

    def close(self) -> None:
        pass


class ConsoleProgress:
    """One rich status line on stderr: entries, pages, rate, and what the read is waiting for."""

    def __init__(self, label: str, file: IO[str] | None = None, force_terminal: bool | None = None) -> None:
        from rich.console import Console

        self._console = Console(file=file, stderr=file is None, force_terminal=force_terminal)
        self._label = label
        self._status = self._console.status(f"{label}: connecting")
        self._counts = f"{label}: 0 entries"
        self._started = False

    @property
    def enabled(self) -> bool:
        """False when the stream is not a terminal: then nothing is shown."""
        return self._console.is_terminal

    def _show(self, text: str) -> None:
        if not self.enabled:
            return
        if not self._started:
            self._status.start()
            self._started = True
        self._status.update(text)

    def page(self, entries: int, pages: int, rate: float) -> None:
        self._counts = f"{self._label}: {entries:,} entries, {pages:,} pages, {rate:,.0f} entries/s"
        self._show(self._counts)

    def waiting(self, seconds: float, why: str) -> None:
        self._show(f"{self._counts}; {why} ({seconds:.1f}s)")

    def close(self) -> None:
        if self._started:
            self._status.stop()
            self._started = False
            self._console.print(self._counts, highlight=False)


def console_progress(label: str) -> FetchProgress:
    """A ConsoleProgress on stderr when it is a terminal, else a NullProgress."""
    progress = ConsoleProgress(label)
    return progress if progress.enabled else NullProgress()
