"""verdict/tally.py: per-record counts kept as one count per label combination."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from logscan.model import HttpRequest, Record
from logscan.verdict.tally import Tally
from tests.factories import T0, record


def _records() -> list[Record]:
    out = []
    for i in range(60):
        out.append(
            record(
                f"line {i}",
                index=i,
                stream=("stderr", "stdout", "requests", "")[i % 4],
                service=("api", "api", None)[i % 3],
                revision=("api-00002-abc", None, "api-00003-def", "api-00002-abc", "")[i % 5],
                region=("us-central1", None)[i % 2],
                timestamp=None if i % 7 == 0 else T0 + timedelta(seconds=(i * 37) % 50),
                truncated=i % 9 == 0,
                http_request=HttpRequest((200, 503, None)[i % 3], "GET", "/", "0.01s")
                if i % 4 == 2
                else None,
            )
        )
    return out


def test_the_tally_counts_each_label_as_a_counter_per_label_would() -> None:
    records = _records()
    tally = Tally()
    tally.add_all(records)
    assert tally.records == len(records)
    assert tally.by(0) == Counter(r.stream for r in records)  # every record has a stream, "" included
    assert tally.by(1) == Counter(r.service for r in records if r.service)
    assert tally.by(2) == Counter(r.revision for r in records if r.revision)
    assert tally.by(3) == Counter(r.region for r in records if r.region)
    stamps = [r.timestamp for r in records if r.timestamp is not None]
    assert (tally.start, tally.end) == (min(stamps), max(stamps))
    assert tally.truncated_lines == sum(r.truncated for r in records)
    served = [r.http_request for r in records if r.http_request is not None and r.stream == "requests"]
    assert tally.requests == len(served) > 0
    assert tally.requests_ok == sum(1 for h in served if h.status == 200) > 0


def test_two_halves_absorbed_equal_the_whole() -> None:
    records = _records()
    whole, first, second = Tally(), Tally(), Tally()
    whole.add_all(records)
    first.add_all(records[:25])
    second.add_all(records[25:])
    first.absorb(second)
    for position in range(4):
        assert first.by(position) == whole.by(position)
    assert (
        first.records,
        first.start,
        first.end,
        first.requests,
        first.requests_ok,
        first.truncated_lines,
    ) == (
        whole.records,
        whole.start,
        whole.end,
        whole.requests,
        whole.requests_ok,
        whole.truncated_lines,
    )


def test_the_content_digest_covers_only_records_that_name_no_revision() -> None:
    named, unnamed = Tally(), Tally()
    named.add_all([record("a", revision="api-00002-abc")])
    unnamed.add_all([record("a", revision=None)])
    empty = Tally()
    assert named.content_digest() == empty.content_digest() != unnamed.content_digest()
