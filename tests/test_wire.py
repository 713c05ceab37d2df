"""ingest/wire.py: what the reader process sends comes back as the same events, fields in order."""

from __future__ import annotations

import dataclasses
import marshal
from datetime import UTC
from typing import Any

import orjson
import pytest

from logscan.ingest import wire
from logscan.ingest.join import join
from logscan.ingest.normalize import normalize
from logscan.ingest.textless import FOLDED
from logscan.model import Event, HttpRequest, Record

_ENTRIES: list[Any] = [
    "plain text line",
    {
        "textPayload": "x",
        "severity": "ERROR",
        "timestamp": "2025-09-15T18:00:00Z",
        "httpRequest": {"status": 500},
    },
    {
        "logName": "projects/p/logs/run.googleapis.com%2Frequests",
        "resource": {"labels": {"service_name": "api", "revision_name": "api-1", "location": "eu"}},
        "labels": {"instanceId": "00ab" * 40},
        "timestamp": "2025-09-15T18:00:01.123456Z",
        "httpRequest": {"status": 200, "requestMethod": "GET", "requestUrl": "/", "latency": "0.1s"},
    },
    {"text_payload": "y", "log_name": "projects/p/logs/run.googleapis.com%2Fstderr", "insert_id": "a"},
    {"jsonPayload": {"message": "z"}, "labels": {"instanceId": "00ab"}},
    {"message": "a bare structured object", "level": "warning"},
    {"textPayload": "\x1b[31mred\x1b[0m", "trace": "projects/p/traces/1"},
]


def _sent(events: list[Event]) -> list[Event]:
    sent: Any = wire.pack(events)  # a TypedDict is a dict to marshal; mypy does not know that
    return wire.unpack(marshal.loads(marshal.dumps(sent)))


def test_every_record_and_event_comes_back_equal_with_its_fields_in_declaration_order() -> None:
    """Records are rebuilt from the dicts sent, so every way of building one must set the fields in the
    order the dataclass declares them (an instance dict's order is what the next process sees)."""
    names = [f.name for f in dataclasses.fields(Record)]
    records = [normalize(raw, i, "src", 100) for i, raw in enumerate(_ENTRIES)]
    records.append(
        Record(index=9, text="t", clean="t", severity="INFO", stream="stdout", timestamp=None, source="s")
    )
    for record in records:
        assert list(record.__dict__) == names
    events = [Event(records=(r,), text=r.text, clean=r.clean) for r in records]
    events.append(Event(records=tuple(records[:3]), text="a\nb\nc", clean="a\nb\nc"))
    back = _sent(events)
    assert back == events
    for event in back:
        for record in event.records:
            assert list(record.__dict__) == names
            if record.http_request is not None:
                assert type(record.http_request) is HttpRequest
                assert list(record.http_request.__dict__) == [f.name for f in dataclasses.fields(HttpRequest)]


def test_a_label_repeated_in_a_message_is_written_once() -> None:
    records = [normalize(orjson.loads(orjson.dumps(_ENTRIES[2])), i, "src", 100) for i in range(50)]
    assert len({id(r.instance) for r in records}) == 50  # each entry's labels are strings of its own
    sent: Any = wire.pack([Event(records=(r,), text=r.text, clean=r.clean) for r in records])
    assert marshal.dumps(sent).count(b"00ab" * 40) == 1


def test_joined_events_come_back_as_they_went() -> None:
    lines = [
        "Traceback (most recent call last):",
        '  File "/app/main.py", line 3, in <module>',
        "KeyError: 'X'",
    ]
    raws = [
        {"textPayload": line, "timestamp": f"2025-09-15T18:00:00.00{i}Z", "labels": {"instanceId": "a"}}
        for i, line in enumerate(lines)
    ]
    events = list(join(normalize(raw, i, "src", 100) for i, raw in enumerate(raws)))
    assert len(events) == 1 and len(events[0].records) == 3
    assert _sent(events) == events


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-09-15T18:05:42.001840Z",
        "2025-09-15T18:05:42Z",
        "0001-01-01T00:00:00.000001Z",
        "9999-12-31T23:59:59.999999Z",
        "2025-03-30T02:30:00.5+02:00",
    ],
)
def test_timestamps_cross_the_pipe_exactly(stamp: str) -> None:
    record = normalize({"textPayload": "x", "timestamp": stamp}, 0, "s", 100)
    assert record.timestamp is not None
    (back,) = _sent([Event(records=(record,), text="x", clean="x")])
    assert back.records[0] == record
    assert back.records[0].timestamp is not None and back.records[0].timestamp.tzinfo is UTC


def test_folded_events_keep_their_places_and_an_empty_batch_crosses() -> None:
    records = [normalize(raw, i, "src", 100) for i, raw in enumerate(_ENTRIES)]
    one, other = (Event(records=(r,), text=r.text, clean=r.clean) for r in records[:2])
    joined = Event(records=tuple(records[2:5]), text="a\nb\nc", clean="a\nb\nc")
    events = [FOLDED, one, FOLDED, FOLDED, joined, other, FOLDED]
    back = _sent(events)
    assert back == events
    assert [i for i, event in enumerate(back) if event is FOLDED] == [0, 2, 3, 6]
    assert _sent([]) == []


def test_equal_texts_of_a_batch_are_written_once_and_come_back_as_one_object() -> None:
    line = "Traceback (most recent call last): " + "x" * 40
    record = normalize({"textPayload": line, "timestamp": "2025-09-15T18:00:00Z"}, 0, "src", 1000)
    copies = [(line + ".")[:-1] for _ in range(20)]  # equal texts, each a string of its own (as read)
    records = [dataclasses.replace(record, index=i, text=text, clean=text) for i, text in enumerate(copies)]
    assert len({id(r.text) for r in records}) == 20
    events = [Event(records=(r,), text=r.text, clean=r.clean) for r in records]
    sent: Any = wire.pack(events)
    message = marshal.dumps(sent)
    assert message.count(line.encode()) == 1
    back = wire.unpack(marshal.loads(message))
    assert back == events
    assert len({id(event.text) for event in back} | {id(r.clean) for e in back for r in e.records}) == 1


def test_a_truncated_record_and_one_without_a_timestamp_keep_their_fields() -> None:
    long = normalize({"textPayload": "y" * 50, "severity": "ERROR"}, 0, "src", 10)
    assert long.truncated and long.timestamp is None
    stamped = normalize({"textPayload": "y", "timestamp": "2025-09-15T18:00:00Z"}, 1, "src", 10)
    events = [Event(records=(r,), text=r.text, clean=r.clean) for r in (long, stamped)]
    back = _sent(events)
    assert back == events
    assert [r.truncated for e in back for r in e.records] == [True, False]
