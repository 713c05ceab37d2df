"""join()'s shortcuts (moves per distinct text, bounds checked before a group is continued, runs as lists)
against the plain algorithm they replace, written out here: the same events for any mix of texts,
instances, streams, gaps, untimed records and newest-first runs, with the bounds made small enough to bite."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logscan.ingest import join as join_module
from logscan.ingest.continues import DONE, LINE, opening, split_message, step
from logscan.ingest.join import MAX_GAP, join
from logscan.ingest.normalize import normalize
from logscan.model import Event, Record

from .factories import T0, record

TEXTS = [
    "Traceback (most recent call last):",
    '  File "/app/main.py", line 8, in <module>',
    "    from billing.db import engine",
    "KeyError: 'DATABASE_URL'",
    "",
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
    "RuntimeError: DATABASE_URL is required",
    "ValueError:",
    "  field required (type=value_error.missing)",
    "settings",
    "Worker exiting (pid: 7)",
    "Config:",
    "    debug: true",
    'payload = {"a": "b',
    '"} sent',
    "call(1, 2",
    ") done",
    "<div>",
    "</div> rendered",
    'Exception in thread "main" java.lang.IllegalStateException: boom',
    "\tat com.acme.Main.run(Main.java:12)",
    "Caused by: java.io.IOException: closed",
    "panic: runtime error: index out of range",
    "goroutine 1 [running]:",
    "main.main()",
    "\t/app/main.go:12 +0x1d",
    "app.py:3: DeprecationWarning: old",
    "  warnings.warn('old')",
    "Application run failed",
    "java.lang.NullPointerException: x",
    "line one\nTraceback (most recent call last):",
    '  File "a.py", line 1, in f\nKeyError: 1',
    "plain line",
]


def _reference(records: Iterable[Record]) -> Iterator[list[Record]]:
    """The plain algorithm: time order per run, one open group per key, a gap closes a group."""
    queue: list[dict[str, Any]] = []
    open_groups: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for rec in _in_time_order(records):
        ts = rec.timestamp
        for group in list(open_groups.values()):
            if _apart(group["last"], ts):
                group["closed"] = True
                del open_groups[group["key"]]
        if rec.stream in ("requests", "audit"):
            queue.append({"records": [rec], "closed": True})
        else:
            key = (rec.source, rec.instance, rec.stream)
            found = open_groups.get(key)
            state = None if found is None else _continued(found, rec.clean)
            if found is not None and state is not None:
                group = found
                group["records"].append(rec)
                group["state"] = state
                group["chars"] += len(rec.clean)
                if ts is not None:
                    group["last"] = ts
                if (
                    len(group["records"]) >= join_module.MAX_RECORDS
                    or group["chars"] >= join_module.MAX_CHARS
                ):
                    group["closed"] = True
                    del open_groups[key]
            else:
                if found is not None:
                    found["closed"] = True
                    del open_groups[key]
                state = _opened(rec.clean)
                new = {"records": [rec], "state": state, "chars": len(rec.clean), "last": ts, "key": key}
                new["closed"] = state == DONE
                queue.append(new)
                if state != DONE:
                    open_groups[key] = new
        if len(queue) > join_module.MAX_OPEN:
            head = queue[0]
            head["closed"] = True
            if open_groups.get(head.get("key")) is head:  # type: ignore[arg-type]
                del open_groups[head["key"]]
        while queue and queue[0]["closed"]:
            yield queue.pop(0)["records"]
    for group in queue:
        yield group["records"]


def _in_time_order(records: Iterable[Record]) -> Iterator[Record]:
    run: list[Record] = []
    for rec in records:
        ts = rec.timestamp
        if ts is None:
            yield from _ordered(run)
            run = []
            yield rec
            continue
        if run and (
            len(run) >= join_module.REORDER_MAX
            or rec.source != run[-1].source
            or abs(ts - run[-1].timestamp) > MAX_GAP  # type: ignore[operator]
        ):
            yield from _ordered(run)
            run = []
        run.append(rec)
    yield from _ordered(run)


def _ordered(run: list[Record]) -> list[Record]:
    times = [r.timestamp for r in run]
    down = sum(map(operator.lt, times[1:], times))  # type: ignore[arg-type]
    up = sum(map(operator.gt, times[1:], times))  # type: ignore[arg-type]
    if down > up:
        run = run[::-1]
    return sorted(run, key=operator.attrgetter("timestamp"))


def _apart(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs(b - a) > MAX_GAP


def _continued(group: dict[str, Any], text: str) -> int | None:
    state: int = group["state"]
    if text[:1] in "\"')]}<" and split_message(group["records"][-1].clean, text):
        state = state if state != DONE else LINE
    elif state in (LINE, DONE):
        return None
    else:
        after = step(state, text.split("\n")[0])
        if after is None:
            return None
        state = after
    return _through(state, text.split("\n")[1:])


def _opened(text: str) -> int:
    lines = text.split("\n")
    return _through(opening(lines[0]), lines[1:])


def _through(state: int, lines: list[str]) -> int:
    for line in lines:
        after = step(state, line)
        state = after if after is not None else opening(line)
    return state


def _shape(events: Iterable[Event]) -> list[list[int]]:
    return [[r.index for r in e.records] for e in events]


_entry = st.tuples(
    st.sampled_from(TEXTS),
    st.sampled_from(["i1", "i2", "i3"]),
    st.sampled_from(["stderr", "stderr", "stdout", "requests"]),
    st.one_of(st.integers(-300, 2600), st.just(None)),  # ms after the previous entry; None: untimed
    st.sampled_from(["a.json", "a.json", "a.json", "b.json"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_entry, max_size=60), st.booleans())
def test_join_equals_the_plain_algorithm(entries: list[tuple[Any, ...]], newest_first: bool) -> None:
    records = []
    now = T0
    for index, (text, instance, stream, delta, source) in enumerate(entries):
        timestamp = None
        if delta is not None:
            now = now + timedelta(milliseconds=-delta if newest_first else delta)
            timestamp = now
        records.append(
            record(text, index, instance=instance, stream=stream, timestamp=timestamp, source=source)
        )
    saved = join_module.MAX_OPEN, join_module.REORDER_MAX, join_module.MAX_RECORDS, join_module.MAX_CHARS
    try:
        join_module.MAX_OPEN, join_module.REORDER_MAX, join_module.MAX_RECORDS, join_module.MAX_CHARS = (
            4,
            6,
            5,
            120,
        )
        got = list(join(records))
        want = [[r.index for r in group] for group in _reference(records)]
    finally:
        join_module.MAX_OPEN, join_module.REORDER_MAX, join_module.MAX_RECORDS, join_module.MAX_CHARS = saved
    assert _shape(got) == want
    for event in got:
        assert event.text == "\n".join(r.text for r in event.records)
        assert event.clean == "\n".join(r.clean for r in event.records)


@pytest.mark.parametrize("edge", [datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)])
def test_timestamps_at_the_ends_of_datetime_join_without_overflow(edge: datetime) -> None:
    ms = timedelta(milliseconds=1)
    texts = [
        "Traceback (most recent call last):",
        '  File "a.py", line 1, in f',
        "KeyError: 1",
        "Worker exiting",
    ]
    stamps = [edge + ms * i for i in range(4)] if edge.year == 1 else [edge - ms * (3 - i) for i in range(4)]
    records = [record(t, i, timestamp=stamps[i]) for i, t in enumerate(texts)]
    assert _shape(join(records)) == [[0, 1, 2], [3]]


def test_a_changed_labels_dict_is_read_again() -> None:
    labels = {"service_name": "api", "revision_name": "api-1", "location": "eu"}
    entry = {"textPayload": "x", "logName": "projects/p/logs/run.googleapis.com%2Fstderr"}
    first = normalize({**entry, "resource": {"labels": labels}}, 0, "f", 100)
    labels["service_name"] = "web"  # the same dict object, changed in place
    second = normalize({**entry, "resource": {"labels": labels}}, 1, "f", 100)
    third = normalize({**entry, "resource": {"labels": {**labels, "location": 7}}}, 2, "f", 100)
    assert (first.service, second.service, third.service) == ("api", "web", "web")
    assert third.region == "7"
    assert second.region == "eu" and second.revision == "api-1"


def test_a_group_older_than_the_gap_is_not_continued_by_an_earlier_record() -> None:
    # Newest first: the traceback's header is logged 5 s after a frame line that cannot belong to it.
    late, early = T0 + timedelta(seconds=10), T0 + timedelta(seconds=5)
    records = [
        record("Traceback (most recent call last):", 0, timestamp=late),
        record('  File "a.py", line 1, in f', 1, timestamp=early),
        record("KeyError: 1", 2, timestamp=early + timedelta(milliseconds=1)),
    ]
    assert _shape(join(records)) == [[0], [1], [2]]
    assert _shape(join(records)) == [[r.index for r in group] for group in _reference(records)]
