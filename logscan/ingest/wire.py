"""What the reader process sends the main process: events as plain values marshal writes, and back.

A record crosses as its instance dict (``WireRecord``: the Record's fields by name, in declaration
order) with three changes that make it cheaper to send: a clean text that is the raw text goes as None,
the timestamp as datetime's own 10-byte pickle state, the httpRequest as its dict. Equal labels of one
message (instance ids run to 160 characters) are sent as one string object, which marshal writes once.
An event of one record goes as that record's dict; a joined event as (its records' dicts, text, clean);
an event folded into counts (textless.py) as None, and the counts once, at the end (``WireGroup``).

The receiving side is the busy one (it classifies and folds while the reader reads), so the shape is
chosen for rebuilding: marshal builds each dict in C, and the Record takes it as its instance dict.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypedDict, cast

from logscan.ingest.textless import FOLDED, Group
from logscan.model import Event, HttpRequest, Record


class WireHttp(TypedDict):
    """An HttpRequest's fields, as sent."""

    status: int | None
    method: str | None
    url: str | None
    latency: str | None


class WireRecord(TypedDict):
    """A Record's fields as sent: its instance dict, with the three changes the module docstring names."""

    index: int
    text: str
    clean: str | None
    """None: the same as text."""
    severity: str
    stream: str
    timestamp: bytes | None
    """datetime's pickle state (UTC)."""
    source: str
    service: str | None
    revision: str | None
    instance: str | None
    insert_id: str | None
    http_request: WireHttp | None
    trace: str | None
    truncated: bool
    region: str | None


WireEvent = WireRecord | tuple[list[WireRecord], str, str] | None
"""One event as sent: its only record, (its records, text, clean), or None for FOLDED."""

WireGroup = tuple[WireRecord, int, int, bytes | None, bytes | None, dict[int | None, int]]
"""A textless.Group as sent: (its sample's record, entries, truncated, first, last, statuses)."""

_new = object.__new__
_set = object.__setattr__
_datetime: Any = datetime
"""Called with a datetime's pickle state (bytes) and its tzinfo, as unpickling does: the fastest exact way
back (typeshed knows only the field-by-field signature)."""


def packer() -> Callable[[Event], WireEvent]:
    """A function from an event to what is sent for it (use one per message: it shares equal labels)."""
    shared: dict[str | None, str | None] = {}
    same = shared.setdefault

    def pack_record(record: Record) -> WireRecord:
        sent = cast(WireRecord, record.__dict__.copy())
        if sent["clean"] is sent["text"]:
            sent["clean"] = None
        ts = record.timestamp
        if ts is not None:
            state: bytes = cast(Any, ts.__reduce__())[1][0]  # 8x faster than isoformat
            sent["timestamp"] = state
        service, revision, instance, region = (
            sent["service"],
            sent["revision"],
            sent["instance"],
            sent["region"],
        )
        sent["service"] = same(service, service)
        sent["revision"] = same(revision, revision)
        sent["instance"] = same(instance, instance)
        sent["region"] = same(region, region)
        http = record.http_request
        if http is not None:
            sent["http_request"] = cast(WireHttp, http.__dict__)
        return sent

    def pack(event: Event) -> WireEvent:
        if event is FOLDED:
            return None
        records = event.records
        if len(records) == 1:
            return pack_record(records[0])
        return ([pack_record(r) for r in records], event.text, event.clean)

    return pack


def event(sent: WireEvent) -> Event:
    """The event pack() sent (marshal's fresh copy: its dicts become the new objects' instance dicts)."""
    if sent is None:
        return FOLDED
    built: Event = _new(Event)
    if type(sent) is dict:
        first = record(sent)
        _set(built, "__dict__", {"records": (first,), "text": first.text, "clean": first.clean})
    else:
        sent_records, text, clean = cast(tuple[list[WireRecord], str, str], sent)
        _set(built, "__dict__", {"records": tuple(map(record, sent_records)), "text": text, "clean": clean})
    return built


def record(sent: WireRecord) -> Record:
    """The Record pack_record sent (the dict is marshal's own copy: it becomes the record's instance dict)."""
    fields: dict[str, Any] = cast(dict[str, Any], sent)
    if sent["clean"] is None:
        fields["clean"] = sent["text"]
    ts = sent["timestamp"]
    if ts is not None:
        fields["timestamp"] = _datetime(ts, UTC)
    http = sent["http_request"]
    if http is not None:
        request: HttpRequest = _new(HttpRequest)
        _set(request, "__dict__", http)
        fields["http_request"] = request
    built: Record = _new(Record)
    _set(built, "__dict__", fields)
    return built


def groups(folded: list[Group]) -> list[WireGroup]:
    """What is sent for the groups of a Textless."""
    pack = packer()
    return [
        (
            cast(WireRecord, pack(group.sample)),
            group.entries,
            group.truncated,
            _state(group.first),
            _state(group.last),
            group.statuses,
        )
        for group in folded
    ]


def group(sent: WireGroup) -> Group:
    """The Group groups() sent."""
    sample, entries, truncated, first, last, statuses = sent
    built = Group(event(sample))
    built.entries = entries
    built.truncated = truncated
    built.first = None if first is None else _datetime(first, UTC)
    built.last = None if last is None else _datetime(last, UTC)
    built.statuses = statuses
    return built


def _state(ts: datetime | None) -> bytes | None:
    """A UTC datetime's pickle state: 8x faster than isoformat, and exact."""
    return None if ts is None else cast(bytes, cast(Any, ts.__reduce__())[1][0])
