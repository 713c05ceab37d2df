"""PollingFollower: a moving window over entries.list through the real client and a local fake, with an
injected wall clock, so each window's bounds and each late arrival are exact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from logscan.sources.cloud.follow import LATE_ARRIVAL, Poll, PollingFollower
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.window import Window

from .fake_logging import FakeLogging, parse_filter, ts_ns
from .rollout import PROJECT, REGION, REVISION, request, stderr, system

T0 = datetime(2026, 12, 2, 1, 0, 0, tzinfo=UTC)


def _at(seconds: float, make: Any) -> dict[str, Any]:
    return dict(make(ts_ns((T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))))


class Clock:
    """Wall and monotonic time that move only when the follower sleeps; each sleep may ingest entries."""

    def __init__(self, fake: FakeLogging, arrivals: dict[int, list[dict[str, Any]]]) -> None:
        self.fake = fake
        self.arrivals = arrivals
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds
        self.fake.ingest(self.arrivals.pop(len(self.sleeps), []))


def _follower(fake: FakeLogging, clock: Clock, since: datetime, **options: Any) -> PollingFollower:
    query = revision_query(PROJECT, REVISION, Window(since, since + timedelta(seconds=1)), region=REGION)
    return PollingFollower(
        query,
        FetchOptions(endpoint=fake.url, **options),
        interval=5.0,
        clock=clock.monotonic,
        sleep=clock.sleep,
        wall=clock.wall,
    )


def _take(polls: Iterator[Poll], n: int) -> list[Poll]:
    return [next(polls) for _ in range(n)]


def test_windows_overlap_and_every_entry_arrives_exactly_once() -> None:
    early = [_at(-50 + i, request("/healthz")) for i in range(40)]  # before the watch began
    arrivals = {
        # after the 1st sleep (t=5s): two new entries, and one stamped 2 s before the 1st window's end (t=0)
        # that Cloud Logging made visible only now
        1: [_at(3, request("/v1/orders/1")), _at(4.5, stderr("new")), _at(-2, system("late"))],
        # after the 2nd (t=10s): one stamped in the future of this machine's clock (skew): next window
        2: [_at(8, request("/v1/orders/2")), _at(10.5, stderr("skewed clock"))],
        3: [],
        4: [_at(14, request("/v1/orders/3"))],
    }
    with FakeLogging(entries=early) as fake:
        clock = Clock(fake, arrivals)
        polls = _take(_follower(fake, clock, T0 - timedelta(minutes=1)).polls(), 5)
        bodies = fake.bodies
        stored = [e["insertId"] for e in fake.entries]
    got = [e["insertId"] for p in polls for e in p.entries]
    assert Counter(got) == Counter(stored)  # each once, none skipped
    assert [len(p.entries) for p in polls] == [40, 3, 1, 1, 1]
    assert polls[1].entries[0]["textPayload"] == "late"  # found by the overlap, in ascending time
    assert polls[3].entries[0]["textPayload"] == "skewed clock"  # past the 2nd window's end: the 3rd
    # The windows: each starts LATE_ARRIVAL before the previous one's end (never after it: no gap).
    bounds = [parse_filter(b["filter"]) for b in bodies]
    for before, after in pairwise(bounds):
        assert before.upper_ns is not None and after.lower_ns is not None
        assert after.lower_ns <= before.upper_ns
        assert after.lower_ns >= before.upper_ns - int(LATE_ARRIVAL.total_seconds() * 1e9)
    assert all('resource.labels.location="europe-west1"' in b["filter"] for b in bodies)


def test_the_quota_spans_the_windows() -> None:
    with FakeLogging(entries=[_at(0, request("/healthz"))]) as fake:
        clock = Clock(fake, {})
        follower = _follower(fake, clock, T0 - timedelta(minutes=1), quota_rpm=3, quota_period=60.0)
        polls = _take(follower.polls(), 5)
    waits = [s for s in clock.sleeps if s != 5.0]
    # Five polls 5 s apart with 3 requests a minute allowed: the 4th waits for the 1st to be a minute old.
    assert polls[-1].requests == 5 and len(waits) >= 1
    assert abs(waits[0] - (60.0 * 1.01 - 15.0)) < 1e-6
