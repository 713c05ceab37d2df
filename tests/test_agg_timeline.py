"""verdict/aggregate.py's timelines: add() reuses the last UTC minute it saw (its counter and its start in
seconds) instead of formatting a label and reading the clock for every event. Each timeline must equal
the one the plain reading gives: a minute label from the timestamp's own wall-clock fields, a second
from its UTC fields (calendar.timegm: exact at any date, and the second a fraction before 1970 lies in)."""

from __future__ import annotations

import calendar
import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.classify.library import load_library
from logscan.cli import cli
from logscan.model import CLASSES, Classified, Event, EventClass
from logscan.verdict.aggregate import Aggregator

from . import factories

_KLASSES = (EventClass.NOISE, EventClass.REGRESSION, EventClass.PLATFORM)
_T = datetime(2025, 9, 15, 18, 0, 59, 999_999, tzinfo=UTC)
_IST = timezone(timedelta(hours=5, minutes=30))
_ODD = timezone(timedelta(seconds=30))  # an offset with seconds: its wall-clock second is not UTC's


def _item(i: int, ts: datetime, text: str | None = None) -> Classified:
    record = factories.record(text or f"worker {i % 3} ready", i, timestamp=ts)
    return Classified(
        event=Event(records=(record,), text=record.text, clean=record.clean),
        klass=_KLASSES[i % len(_KLASSES)],
        rule="unclaimed",
        key=None,
        signature=f"unclaimed:{i % 3}",
        template=record.text,
    )


def _expected(stamps: list[datetime]) -> tuple[list[tuple[str, tuple[tuple[EventClass, int], ...]]], ...]:
    minutes: dict[str, Counter[EventClass]] = {}
    seconds: dict[int, Counter[EventClass]] = {}
    for i, ts in enumerate(stamps):
        klass = _KLASSES[i % len(_KLASSES)]
        minutes.setdefault(ts.strftime("%Y-%m-%dT%H:%MZ"), Counter())[klass] += 1
        seconds.setdefault(calendar.timegm(ts.utctimetuple()), Counter())[klass] += 1

    def rows(counts: dict[str, Counter[EventClass]]) -> list[tuple[str, tuple[tuple[EventClass, int], ...]]]:
        return [(label, tuple((c, counter[c]) for c in CLASSES)) for label, counter in sorted(counts.items())]

    by_second = {
        datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"): counter
        for second, counter in seconds.items()
    }
    return rows(minutes), rows(by_second)


def _timelines(stamps: list[datetime]) -> tuple[list[tuple[str, tuple[tuple[EventClass, int], ...]]], ...]:
    acc = Aggregator(load_library())
    for i, ts in enumerate(stamps):
        acc.add_event(_item(i, ts))
    summary = acc.summary(0)
    assert summary.counts.events == len(stamps)
    return list(summary.timeline), list(summary.timeline_seconds)


def _around(base: datetime, offsets_ms: list[int]) -> list[datetime]:
    return [base + timedelta(milliseconds=ms) for ms in offsets_ms]


_JUMPS = [0, 1, 999, 1000, -1, 60_000, 59_999, 61_000, -60_001, 120_000, 5, -30_000, 300_000, 299_999]


@pytest.mark.parametrize(
    "stamps",
    [
        pytest.param(_around(_T, _JUMPS), id="utc-across-minutes-and-back"),
        pytest.param(
            [ts.astimezone(_IST) if i % 2 else ts for i, ts in enumerate(_around(_T, _JUMPS))],
            id="utc-and-ist",
        ),
        pytest.param(
            [ts.astimezone(_ODD) if i % 3 == 1 else ts for i, ts in enumerate(_around(_T, _JUMPS))],
            id="utc-and-an-offset-with-seconds",
        ),
        pytest.param(_around(_T.replace(tzinfo=None), _JUMPS), id="naive"),
        pytest.param(
            _around(
                datetime(1970, 1, 1, 0, 0, 30, 500_000, tzinfo=UTC), [0, -1000, -30_000, -30_500, -31_000, 10]
            ),
            id="around-the-epoch",
        ),
        pytest.param(
            _around(datetime(1969, 12, 31, 23, 59, 10, tzinfo=UTC), [49_500, 0, 500, 9_000]),
            id="before-the-epoch",
        ),
        pytest.param(
            _around(
                datetime(2106, 2, 7, 6, 27, 0, tzinfo=UTC), [0, 999, 15_999, 16_000, 16_999, 60_000, 75_999]
            ),
            id="the-year-2106",
        ),
        pytest.param(
            _around(datetime(9999, 12, 31, 23, 58, 59, 999_999, tzinfo=UTC), [0, 1, 30_000, 59_998]),
            id="the-last-minutes",
        ),
        pytest.param(
            _around(datetime.max.replace(tzinfo=UTC), [0, -1, -1000, -59_999, -60_000, 0]),
            id="the-last-microsecond",
        ),
    ],
)
def test_timelines_equal_the_plain_reading(stamps: list[datetime]) -> None:
    assert _timelines(stamps) == _expected(stamps)


def test_a_window_past_fine_span_has_minutes_only() -> None:
    stamps = _around(_T, [i * 1500 for i in range(500)])  # 750 s: past FINE_SPAN
    minutes, seconds = _timelines(stamps)
    assert minutes == _expected(stamps)[0]
    assert seconds == []


def test_class_counts_and_evidence_add_up_after_absorb() -> None:
    library = load_library()
    whole, named, unnamed = Aggregator(library), Aggregator(library), Aggregator(library)
    items = [_item(i, _T + timedelta(seconds=i)) for i in range(30)]
    crashed = _item(30, _T, "Container called exit(1).")
    crashed = Classified(
        event=crashed.event,
        klass=EventClass.PLATFORM,
        rule="container-exit-nonzero",
        key="1",
        signature="container-exit-nonzero:1",
        template="",
    )
    for i, item in enumerate([*items, crashed]):
        whole.add_event(item)
        (named if i % 2 else unnamed).add_event(item)
    named.absorb(unnamed)
    mine, theirs = named.summary(0), whole.summary(0)
    assert mine.counts.by_class == theirs.counts.by_class
    assert mine.counts.events == theirs.counts.events == 31
    assert mine.evidence == theirs.evidence
    assert mine.evidence.crashed == 1
    assert mine.timeline == theirs.timeline
    assert mine.timeline_seconds == theirs.timeline_seconds


def test_an_entry_at_the_end_of_time_is_triaged(tmp_path: Path) -> None:
    """datetime's last microsecond is a timestamp an export can hold: the per-second timeline once read it
    through a float that rounded into the year 10000, and the run ended in an internal error."""
    lines = [
        ("Traceback (most recent call last):", "9999-12-31T23:59:59.999998Z"),
        ('  File "/app/main.py", line 3, in <module>', "9999-12-31T23:59:59.999999Z"),
        ("KeyError: 'DATABASE_URL'", "9999-12-31T23:59:59.999999Z"),
    ]
    export = tmp_path / "late.jsonl"
    export.write_text(
        "".join(
            json.dumps(
                {
                    "textPayload": text,
                    "timestamp": stamp,
                    "severity": "ERROR",
                    "resource": {
                        "type": "cloud_run_revision",
                        "labels": {"service_name": "api", "revision_name": "api-00001-abc"},
                    },
                }
            )
            + "\n"
            for text, stamp in lines
        )
    )
    report = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["triage", str(export), "-o", str(report)])
    assert result.exit_code == 0, result.output  # a missing setting, tolerated in staging
    data = json.loads(report.read_text())
    assert data["verdict"]["level"] == "EXPECTED_CONFIG"
    assert [row["second"] for row in data["timeline_seconds"]] == ["9999-12-31T23:59:59Z"]


def test_occurrences_keep_one_string_per_instance_id() -> None:
    """Each entry decodes its own copy of its instance id: the occurrences kept for the chains hold one
    string per id instead (a large input's run held 100,000 copies at its end), with the same values."""
    acc = Aggregator(load_library())
    ids = ["00f4" + "9c" * 60 + str(n % 2) for n in range(40)]  # equal values, distinct objects
    assert ids[0] == ids[2] and ids[0] is not ids[2]
    for i, instance in enumerate(ids):
        record = factories.record("connection refused", i, timestamp=_T, instance=instance)
        acc.add_event(
            Classified(
                event=Event(records=(record,), text=record.text, clean=record.clean),
                klass=EventClass.REGRESSION,
                rule="unclaimed",
                key=None,
                signature="unclaimed:refused",
                template=record.text,
            )
        )
    kept = acc.summary(0).occurrences
    assert [o.instance for o in kept] == ids
    assert len({id(o.instance) for o in kept}) == 2
