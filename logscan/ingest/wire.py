"""What the reader process sends the main process: a batch of events as plain values marshal writes, and back.

A batch crosses as one ``WireBatch``: its events' records field by field (one list per field), with what
records share sent once. A record's labels, severity, stream, source, httpRequest and truncation
(``WireLabels``) are the same for every record of an event and often of the whole batch: each distinct
set goes once, and a record sends only its number. Per record go only its index, text, clean text,
timestamp (datetime's own 10-byte pickle state) and insertId. Equal texts of one batch (a crash
loop's repeated traceback lines, a message logged over and over) go as one string object, which marshal
writes once and the main process gets as one object (hashed once). An event folded into counts
(textless.py) is sent as its position alone; the counts go once, at the end (``WireGroups``).

The receiving side is the busy one (it classifies and folds while the reader reads), so the shape is
chosen for rebuilding: marshal reads a few long lists (not a dict per record), and a record's instance
dict is a copy of its label set's ready-made dict with the per-record fields set, about a third of what
building a 15-key dict costs. The packing side does its per-record work in C (attrgetter, map).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import chain, count, repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, TypedDict

from logscan.ingest.textless import FOLDED, Group
from logscan.model import Event, HttpRequest, Record


class WireHttp(TypedDict):
    """An HttpRequest's fields, as sent."""

    status: int | None
    method: str | None
    url: str | None
    latency: str | None


WireLabels = tuple[str, str, str, str | None, str | None, str | None, WireHttp | None, bool, str | None]
"""What records share, sent once per batch: (severity, stream, source, service, revision, instance,
http_request, truncated, region)."""


class WireRecords(TypedDict):
    """The records of a batch's events in order, one list per field."""

    index: list[int]
    text: list[str]
    clean: list[str]
    timestamp: list[bytes | None]
    """datetime's pickle state (UTC)."""
    insert_id: list[str | None]
    labels: list[int]
    """The record's place in WireBatch.labels."""


class WireBatch(TypedDict):
    """A batch of events as sent."""

    folded: list[int]
    """Where FOLDED stands in the batch (positions, ascending)."""
    sizes: list[int]
    """Records per event, for the events not folded, in order."""
    text: list[str]
    """Each such event's text."""
    clean: list[str]
    """Each such event's clean text."""
    labels: list[WireLabels]
    """The distinct label sets of the batch's records."""
    records: WireRecords
    """The records of those events, in order."""


WireGroupCounts = tuple[int, int, bytes | None, bytes | None, dict[int | None, int]]
"""A textless.Group's counts as sent: (entries, truncated, first, last, statuses)."""

WireGroups = tuple[WireBatch, list[WireGroupCounts]]
"""The groups of a Textless: their samples as one batch, and each one's counts."""

_new = object.__new__
_set = object.__setattr__
_datetime: Any = datetime
"""Called with a datetime's pickle state (bytes) and its tzinfo, as unpickling does: the fastest exact way
back (typeshed knows only the field-by-field signature)."""
_records = attrgetter("records")
_labels = attrgetter(
    "severity", "stream", "source", "service", "revision", "instance", "http_request", "truncated", "region"
)
_index = attrgetter("index")
_text = attrgetter("text")
_clean = attrgetter("clean")
_timestamp = attrgetter("timestamp")
_insert_id = attrgetter("insert_id")
_reduce = methodcaller("__reduce__")
_first = itemgetter(0)
_second = itemgetter(1)


def pack(events: Sequence[Event]) -> WireBatch:
    """What is sent for a batch of events (FOLDED among them)."""
    folded = [i for i, event in enumerate(events) if event is FOLDED]
    kept = [event for event in events if event is not FOLDED] if folded else events
    records = list(chain.from_iterable(map(_records, kept)))
    # Each distinct label set, in the order they first come, with the place of its first record; then
    # each record's set by number (all in C: one hash of each record's labels).
    first: dict[tuple[Any, ...], int] = {}
    firsts = list(map(first.setdefault, map(_labels, records), count()))
    numbers = {at: number for number, at in enumerate(first.values())}
    shared: dict[str, str] = {}
    same = shared.setdefault
    texts = list(map(_text, records))
    cleans = list(map(_clean, records))
    return {
        "folded": folded,
        "sizes": [len(event.records) for event in kept],
        "text": list(map(same, map(_text, kept), map(_text, kept))),
        "clean": list(map(same, map(_clean, kept), map(_clean, kept))),
        "labels": list(map(_wire_labels, first)),
        "records": {
            "index": list(map(_index, records)),
            "text": list(map(same, texts, texts)),
            "clean": list(map(same, cleans, cleans)),
            "timestamp": _states(list(map(_timestamp, records))),
            "insert_id": list(map(_insert_id, records)),
            "labels": list(map(numbers.__getitem__, firsts)),
        },
    }


def unpack(sent: WireBatch) -> list[Event]:
    """The events pack() sent (marshal's fresh copy)."""
    columns = sent["records"]
    templates = list(map(_template, sent["labels"]))
    states = columns["timestamp"]
    if all(states):  # every record has a timestamp: all in C
        stamps = list(map(_datetime, states, repeat(UTC)))
    else:
        stamps = [None if state is None else _datetime(state, UTC) for state in states]
    records: list[Record] = []
    add = records.append
    for index, text, clean, stamp, insert_id, labels in zip(
        columns["index"],
        columns["text"],
        columns["clean"],
        stamps,
        columns["insert_id"],
        columns["labels"],
        strict=True,
    ):
        fields = templates[labels].copy()  # keeps the declaration order of the template's keys
        fields["index"] = index
        fields["text"] = text
        fields["clean"] = clean
        fields["timestamp"] = stamp
        fields["insert_id"] = insert_id
        record: Record = _new(Record)
        _set(record, "__dict__", fields)
        add(record)
    events: list[Event] = []
    start = 0
    every = tuple(records)
    for size, text, clean in zip(sent["sizes"], sent["text"], sent["clean"], strict=True):
        event: Event = _new(Event)
        _set(event, "__dict__", {"records": every[start : start + size], "text": text, "clean": clean})
        events.append(event)
        start += size
    for position in sent["folded"]:
        events.insert(position, FOLDED)
    return events


def groups(folded: Sequence[Group]) -> WireGroups:
    """What is sent for the groups of a Textless."""
    counts = [
        (group.entries, group.truncated, _state(group.first), _state(group.last), group.statuses)
        for group in folded
    ]
    return pack([group.sample for group in folded]), counts


def unpack_groups(sent: WireGroups) -> list[Group]:
    """The Groups groups() sent."""
    samples, counts = sent
    built = []
    for sample, (entries, truncated, first, last, statuses) in zip(unpack(samples), counts, strict=True):
        group = Group(sample)
        group.entries = entries
        group.truncated = truncated
        group.first = None if first is None else _datetime(first, UTC)
        group.last = None if last is None else _datetime(last, UTC)
        group.statuses = statuses
        built.append(group)
    return built


def _wire_labels(labels: tuple[Any, ...]) -> WireLabels:
    severity, stream, source, service, revision, instance, http, truncated, region = labels
    sent_http = None if http is None else http.__dict__
    return (severity, stream, source, service, revision, instance, sent_http, truncated, region)


def _template(labels: WireLabels) -> dict[str, Any]:
    """A record's instance dict with a label set's fields filled in, every key in declaration order."""
    severity, stream, source, service, revision, instance, http, truncated, region = labels
    request = None
    if http is not None:
        request = _new(HttpRequest)
        _set(request, "__dict__", http)
    return {
        "index": 0,
        "text": "",
        "clean": "",
        "severity": severity,
        "stream": stream,
        "timestamp": None,
        "source": source,
        "service": service,
        "revision": revision,
        "instance": instance,
        "insert_id": None,
        "http_request": request,
        "truncated": truncated,
        "region": region,
    }


def _states(stamps: Sequence[datetime | None]) -> list[bytes | None]:
    if all(stamps):  # every record has a timestamp: all in C
        return list(map(_first, map(_second, map(_reduce, stamps))))
    return [_state(stamp) for stamp in stamps]


def _state(ts: datetime | None) -> bytes | None:
    """A UTC datetime's pickle state: 8x faster than isoformat, and exact."""
    return None if ts is None else _first(_second(_reduce(ts)))
