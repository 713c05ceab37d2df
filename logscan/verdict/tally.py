"""Counts over input records (not events): streams, services, revisions, regions, the window, requests.

Every record passes here once, so the work per record is one dict update keyed by the labels that are
counted, plus the window's bounds; the per-label counters are made from those keys once, at the end.
A tally depends on nothing but the records, so it can be kept wherever the records are (see
ingest/reader.py) and folded into the Aggregator of their subject.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection
from datetime import datetime

from logscan.ingest.textless import Group
from logscan.model import Record

_Labels = tuple[str, str | None, str | None, str | None]
"""(stream, service, revision, region) of a record."""
_REQUEST_STREAMS = ("requests", "other")
"""Streams whose records' httpRequest counts as a request served (the load balancer's, or a bare one)."""


class Tally:
    """Per-record counts of one subject; add() each record once, then read the counters."""

    def __init__(self) -> None:
        self.records = 0
        self.truncated_lines = 0
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.requests = 0
        self.requests_ok = 0
        self._labels: dict[_Labels, int] = {}
        self._content = hashlib.blake2b(digest_size=16)

    def add_all(self, records: Collection[Record]) -> None:
        """Count records (each once)."""
        self.records += len(records)
        labels = self._labels
        start, end = self.start, self.end
        for record in records:
            key = (record.stream, record.service, record.revision, record.region)
            labels[key] = labels.get(key, 0) + 1
            if record.truncated:
                self.truncated_lines += 1
            if not record.revision:  # nothing names this input's subject: its content will (a report marker)
                self._content.update(record.text.encode("utf-8", "replace") + b"\n")
            ts = record.timestamp
            if ts is not None:
                if start is None or ts < start:
                    start = ts
                if end is None or ts > end:
                    end = ts
            req = record.http_request
            if req is not None and record.stream in _REQUEST_STREAMS:
                self.requests += 1
                if req.status is not None and 0 < req.status < 500:
                    self.requests_ok += 1
        self.start, self.end = start, end

    def add_group(self, group: Group) -> None:
        """Count the records of a group of folded events (ingest/textless.py) as add_all would count them
        one by one; they all name a revision, so the content digest is not theirs."""
        record = group.sample.records[0]
        n = group.entries
        self.count((record.stream, record.service, record.revision, record.region), n)
        self.truncated_lines += group.truncated
        if group.first is not None and group.last is not None:
            self.absorb_window(group.first, group.last)
        if record.stream in _REQUEST_STREAMS:
            for status, requests in group.statuses.items():
                self.requests += requests
                if status is not None and 0 < status < 500:
                    self.requests_ok += requests

    def absorb(self, other: Tally) -> None:
        """Fold in another tally's counts (its content digest is not combinable: the caller keeps one)."""
        self.records += other.records
        self.truncated_lines += other.truncated_lines
        self.requests += other.requests
        self.requests_ok += other.requests_ok
        for key, n in other._labels.items():
            self._labels[key] = self._labels.get(key, 0) + n
        if other.start is not None and other.end is not None:
            self.absorb_window(other.start, other.end)

    def absorb_window(self, first: datetime, last: datetime) -> None:
        """Widen the window to hold first..last."""
        if self.start is None or first < self.start:
            self.start = first
        if self.end is None or last > self.end:
            self.end = last

    def count(self, labels: _Labels, n: int) -> None:
        """Count n records with these labels that were counted elsewhere (no text, no timestamp here)."""
        self.records += n
        self._labels[labels] = self._labels.get(labels, 0) + n

    def content_digest(self) -> str:
        """Hex digest of the text of the records that named no revision."""
        return self._content.hexdigest()

    def by(self, position: int) -> Counter[str]:
        """Records per stream (0), service (1), revision (2) or region (3); records without one not counted."""
        counter: Counter[str] = Counter()
        for key, n in self._labels.items():
            value = key[position]
            if value or (position == 0 and value is not None):  # every record has a stream, even ""
                counter[value] += n
        return counter
