"""Guards of the page loop against a broken or hostile server: a page token that comes back (the loop would
never end), pages that bring nothing new, and entries sent more than once.

Kept apart from the loop in source.py so that the loop itself stays about pacing and resuming.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Hashable

from logscan.sources.cloud.client import ReadFailedError

MAX_IDLE_PAGES = 100
"""Pages in a row that bring no new entry before a read is given up. Cloud Logging may answer a page with
no entries and a next token while it scans, but not a hundred times over."""
DEDUPE_HORIZON_NS = 300 * 1_000_000_000
"""How far behind the newest entry read the insertIds are remembered. The API answers in time order and a
read resumes from its newest timestamp, so a repeat lands within this; memory holds only this much."""


class ReadLoopError(ReadFailedError):
    """The server would keep a read going forever."""


class PageGuard:
    """Watches one chain of pages: a token seen before, or too many pages without a new entry, ends it."""

    def __init__(self, what: str, max_idle: int = MAX_IDLE_PAGES) -> None:
        self._what = what
        self._max_idle = max_idle
        self._tokens: set[bytes] = set()
        self._idle = 0
        self._pages = 0

    def restart(self) -> None:
        """A new chain (a read resumed by time after a failure): its tokens are new."""
        self._tokens.clear()

    def page(self, new_entries: int, token: str | None) -> None:
        """Account for one page; raises ReadLoopError when the server is going round in circles."""
        self._pages += 1
        self._idle = 0 if new_entries else self._idle + 1
        if token is not None:
            digest = hashlib.blake2b(token.encode("utf-8", "replace"), digest_size=16).digest()
            if digest in self._tokens:
                raise ReadLoopError(
                    f"Cloud Logging sent a page token it had already sent, after {self._pages} pages of {self._what}: "
                    "following it would never end, so the read stopped. Tip: rerun; if it happens again, check "
                    "--endpoint (it must be Cloud Logging's API) and any proxy in between."
                )
            self._tokens.add(digest)
        if self._idle >= self._max_idle:
            raise ReadLoopError(
                f"Cloud Logging sent {self._idle} pages in a row with no new entry while reading {self._what}: "
                "the read stopped instead of going on forever. Tip: rerun; if it happens again, check "
                "--endpoint (it must be Cloud Logging's API) and any proxy in between."
            )


class RecentIds:
    """The (logName, insertId) keys of the entries read in the last DEDUPE_HORIZON_NS of log time.

    Entries arrive in time order, so a repeat has the timestamp of an entry already read; keys are kept per
    timestamp and forgotten once the read has moved past them by the horizon. An entry older than that is
    out of the API's order: a repeat cannot be told from a new entry, so it is counted and not used.
    """

    def __init__(self, horizon_ns: int = DEDUPE_HORIZON_NS) -> None:
        self._horizon = horizon_ns
        self._by_ns: dict[int, set[int]] = {}
        self._times: list[int] = []  # a heap of the timestamps in _by_ns
        self._newest = -1
        self.repeated = 0
        """Entries dropped because the same entry had been read already."""
        self.stale = 0
        """Entries dropped because they came older than the horizon behind the newest one."""

    def first_time(self, ts_ns: int, key: Hashable) -> bool:
        """Whether this entry is new to the read (and remember it); an entry without a timestamp always is."""
        if ts_ns < 0:
            return True
        if ts_ns < self._newest - self._horizon:
            self.stale += 1
            return False
        ids = self._by_ns.get(ts_ns)
        if ids is None:
            ids = self._by_ns[ts_ns] = set()
            heapq.heappush(self._times, ts_ns)
        digest = hash(key)
        if digest in ids:
            self.repeated += 1
            return False
        ids.add(digest)
        if ts_ns > self._newest:
            self._newest = ts_ns
            while self._times and self._times[0] < self._newest - self._horizon:
                del self._by_ns[heapq.heappop(self._times)]
        return True

    @property
    def remembered(self) -> int:
        """Keys held now (bounded by the entries of one horizon)."""
        return sum(len(ids) for ids in self._by_ns.values())
