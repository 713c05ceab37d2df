"""Events with no text (Cloud Run's request logs), counted where they are read instead of passed on.

A quarter or more of a Cloud Run export can be request logs: an httpRequest and no text. Such an event
makes no finding: the Aggregator counts it (records, streams, labels, window, requests, its class and the
evidence its rule signals) and moves on, and what it counts depends only on the record's labels, severity,
timestamp, truncation and httpRequest status, never on its neighbours. So the reader process (reader.py)
counts them in a ``Textless`` per (stream, service, revision, region, severity), keeping the first event
of each group as its sample, and passes ``FOLDED`` on in their place. The fold (pipeline.py) classifies
each sample as it would classify every event of its group (an event with no text is answered by its
severity alone) and adds the counts (Aggregator.add_textless).

``FOLDED`` keeps the folded event's place in the stream: classify's look-ahead window is counted in
events, and a template is read when its event leaves that window, so the window must hold the same
events for every template (and so every signature) to stay the same. What crosses the pipe for it is
None, and the fold skips it.

Only events of one record that name a revision are folded: the Tally hashes the text of records without a
revision in input order (a paste's content digest), which a count cannot do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from logscan.model import Event, Record

FOLDED = Event((Record(0, "", "", "DEFAULT", "", None, ""),), "", "")
"""Stands in the event stream where an event was folded into a Textless: skipped by the fold."""

_Key = tuple[str, str | None, str | None, str | None, str]
"""(stream, service, revision, region, severity) of a folded event's record."""


class Group:
    """The events of one (stream, service, revision, region, severity) folded so far."""

    __slots__ = ("entries", "first", "last", "sample", "statuses", "truncated")

    def __init__(self, sample: Event) -> None:
        self.sample = sample
        """The first of them (its record carries the group's labels and severity)."""
        self.entries = 0
        """How many (each an event of one record)."""
        self.truncated = 0
        """How many had their message cut to the longest line logscan reads."""
        self.first: datetime | None = None
        """Earliest timestamp among them (None: none had one)."""
        self.last: datetime | None = None
        """Latest timestamp among them."""
        self.statuses: dict[int | None, int] = {}
        """How many carried an httpRequest, per status (None: an httpRequest without one)."""

    def absorb(self, other: Group) -> None:
        """Add another group's counts (of the same labels and severity)."""
        self.entries += other.entries
        self.truncated += other.truncated
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


class Textless:
    """Counts of the events with no text taken out of one stream, per labels and severity."""

    def __init__(self) -> None:
        self._groups: dict[_Key, Group] = {}

    def take(self, event: Event) -> bool:
        """Count the event if it is one to fold (one record, no text, a revision); whether it was."""
        if event.clean:
            return False
        records = event.records
        if len(records) != 1:
            return False
        record = records[0]
        if not record.revision:
            return False
        key = (record.stream, record.service, record.revision, record.region, record.severity)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(event)
        group.entries += 1
        if record.truncated:
            group.truncated += 1
        ts = record.timestamp
        if ts is not None:
            if group.first is None or ts < group.first:
                group.first = ts
            if group.last is None or ts > group.last:
                group.last = ts
        http = record.http_request
        if http is not None:
            statuses = group.statuses
            statuses[http.status] = statuses.get(http.status, 0) + 1
        return True

    def add(self, group: Group) -> None:
        """Add a group counted elsewhere (by a reader process)."""
        record = group.sample.records[0]
        key = (record.stream, record.service, record.revision, record.region, record.severity)
        mine = self._groups.get(key)
        if mine is None:
            self._groups[key] = group
        else:
            mine.absorb(group)

    def groups(self) -> Iterator[Group]:
        """The groups, in the order their first event came."""
        return iter(self._groups.values())

    @property
    def entries(self) -> int:
        """Events folded so far."""
        return sum(group.entries for group in self._groups.values())
