"""Following a revision as its entries arrive, by paced polling of entries.list over a moving window.

Poll n reads ``[lower, now)`` and the next one ``[now - LATE_ARRIVAL, later)``: consecutive windows
overlap by LATE_ARRIVAL because Cloud Logging ingests with a delay (an entry can become visible after a
newer one), so no gap opens between windows; what the overlap reads again is dropped by its key (log
name and insertId). A key is forgotten once its timestamp falls below the next window's lower bound,
which no later request reaches, so memory holds one overlap's keys. Every request of the whole watch
goes through one QuotaPacer, and each window is read by CloudLoggingSource (paging, retries, resume).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from logscan.sources.cloud.client import (
    NoEntriesError,
    ReadFailedError,
    Transport,
    client_transport,
    make_client,
)
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.pacing import QuotaPacer
from logscan.sources.cloud.query import RevisionQuery
from logscan.sources.cloud.source import CloudLoggingSource, entry_key, entry_ns
from logscan.sources.cloud.window import Window, rfc3339

LATE_ARRIVAL = timedelta(seconds=30)
"""How far each window reaches back before the previous one's end, for entries ingested late."""
POLL_SECONDS = 5.0
"""Seconds between polls: 12 requests a minute, a fifth of the default entries.list quota."""


@dataclass(frozen=True)
class Poll:
    """What one poll brought."""

    entries: tuple[Mapping[str, Any], ...]
    """Entries not seen before, in ascending time."""
    until: datetime
    """The poll's window end: entries before it were asked for (late arrivals come in the next polls)."""
    requests: int
    """entries.list requests sent so far in the watch."""


class PollingFollower:
    """A revision's entries poll by poll, each entry exactly once (``polls()`` never ends by itself)."""

    def __init__(
        self,
        query: RevisionQuery,
        options: FetchOptions,
        *,
        interval: float = POLL_SECONDS,
        late: timedelta = LATE_ARRIVAL,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        seen: dict[tuple[str, str], int] | None = None,
    ) -> None:
        """seen: keys (and timestamps) of entries already read elsewhere (a tail that stopped), not to repeat."""
        self.query = query
        self.name = query.source_name
        self.requests = 0
        self.skipped = 0  # entries.list entries are always readable; TailFollower's can be skipped
        self.fallback: str | None = None  # TailFollower's: why it left its stream
        self._options = options
        self._interval = interval
        self._late = late
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        self._seen = seen if seen is not None else {}

    def polls(self) -> Iterator[Poll]:
        """One Poll per window, ``interval`` seconds apart (the first at once)."""
        send = self._transport or client_transport(make_client(self.query.project, self._options.endpoint))
        pacer = QuotaPacer(
            self._options.quota_rpm,
            self._options.quota_period,
            self._options.quota_margin,
            self._clock,
            self._sleep,
        )
        start = self.query.window.start
        lower = start
        seen = self._seen
        while True:
            upper = max(self._wall(), lower + timedelta(microseconds=1))
            fresh = self._read(Window(lower, upper), send, pacer, seen)
            yield Poll(tuple(fresh), upper, self.requests)
            lower = max(start, upper - self._late)
            floor = int(lower.timestamp() * 1e9)
            for key in [k for k, ns in seen.items() if ns < floor]:
                del seen[key]
            self._sleep(self._interval)

    def _read(
        self, window: Window, send: Transport, pacer: QuotaPacer, seen: dict[tuple[str, str], int]
    ) -> list[Mapping[str, Any]]:
        source = CloudLoggingSource(
            replace(self.query, window=window),
            self._options,
            transport=send,
            clock=self._clock,
            sleep=self._sleep,
            pacer=pacer,
        )
        fresh: list[Mapping[str, Any]] = []
        try:
            for entry in source.entries():
                if not isinstance(entry, Mapping):
                    continue
                key = entry_key(entry)
                if key not in seen:
                    seen[key] = entry_ns(entry)
                    fresh.append(entry)
        except NoEntriesError:
            pass  # an empty window is the usual answer while a revision is quiet
        finally:
            self.requests += source.requests
        if source.failure is not None:
            raise ReadFailedError(
                f"Following revision {self.query.revision} failed: {source.failure} while reading "
                f"{rfc3339(window.start)} to {rfc3339(window.end)}. Tip: rerun, or lower the request rate."
            )
        return fresh
