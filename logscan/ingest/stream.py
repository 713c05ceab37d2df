"""The event stream a run reads: its sources' events, once, and what reading them had to skip.

Damage is found by reading, so the tallies are known only once the events are exhausted; the stream
holds them itself (it does not ask the sources afterwards), whether the events were read here or in a
reader process.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

from logscan.ingest.textless import Textless
from logscan.model import Event


@dataclass(frozen=True)
class Skips:
    """What reading one source could not read, or read only after a repair."""

    source: str
    """The source's name (a file path, "-" or "cloud-logging:PROJECT")."""
    skipped: int
    """Entries that could not be read: counted, never silently dropped."""
    reasons: tuple[str, ...]
    """One line per kind of loss or repair, such as "2 truncated JSON objects"."""


Reading = Generator[Event, None, tuple[Skips, ...]]
"""A generator of events that returns each source's Skips when it is exhausted."""


class EventStream:
    """A run's events, to iterate over once, with each source's skip tallies once they are exhausted.

    close() (or leaving a ``with`` block) releases what reading holds, such as a reader process, whether
    the events were read or not.
    """

    def __init__(
        self,
        names: tuple[str, ...],
        reading: Reading,
        stop: Callable[[], None] | None = None,
        textless: Textless | None = None,
    ):
        self.names = names
        """The sources' names, in input order."""
        self.textless = textless
        """The events with no text that reading counted instead of yielding (FOLDED stands in for each):
        complete once every event was read. None: every event is yielded."""
        self._reading = reading
        self._events = self._run()
        self._stop = stop
        self._skips: tuple[Skips, ...] | None = None

    def _run(self) -> Generator[Event, None, None]:
        self._skips = yield from self._reading

    def __iter__(self) -> Iterator[Event]:
        return self._events

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading; a reader process ends."""
        self._events.close()
        self._reading.close()
        if self._stop is not None:
            self._stop()

    @property
    def skips(self) -> tuple[Skips, ...]:
        """Each source's tally, in input order; known once every event was read."""
        if self._skips is None:
            raise RuntimeError("the skip tallies are known only after every event was read")
        return self._skips

    @property
    def skipped(self) -> int:
        """Entries of all sources that could not be read."""
        return sum(s.skipped for s in self.skips)

    @property
    def skip_detail(self) -> tuple[str, ...]:
        """One line per source with losses or repairs: "path: 2 truncated JSON objects, ..."."""
        return tuple(f"{s.source}: {', '.join(s.reasons)}" for s in self.skips if s.reasons)
