"""logscan.sources.cloud.source: the one retry loop of the cloud reader, as a probe (request) meets it.

The real google-cloud-logging client talks to the local fake of entries.list; faults are injected by request
number. The read's own retries (resume by time, Retry-After) are shown in test_fetch.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from logscan.sources.cloud.client import (
    PermissionDeniedError,
    ReadFailedError,
    client_transport,
    make_client,
)
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.source import CloudLoggingSource
from logscan.sources.cloud.window import parse_window

from .fake_logging import PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAVAILABLE, FakeLogging, cloud_run_entries

NOW = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
QUERY = revision_query(
    "demo-proj", "orders-api-00007-qaz", parse_window("2025-03-01T09:00:00Z", "2025-03-01T12:00:00Z", NOW)
)


def _probe(server: FakeLogging, **options: Any) -> tuple[CloudLoggingSource, list[float], dict[str, Any]]:
    """A source set up as the baseline look-up uses it, and the first-entry probe it sends."""
    slept: list[float] = []
    opts = FetchOptions(endpoint=server.url, backoff_base=0.004, backoff_max=0.01, timeout=5.0, **options)
    source = CloudLoggingSource(QUERY, opts, sleep=slept.append)
    body = {
        "resourceNames": list(QUERY.resource_names),
        "filter": QUERY.filter,
        "orderBy": "timestamp asc",
        "pageSize": 1,
    }
    return source, slept, body


def test_a_probe_is_retried_through_transient_failures_with_a_bounded_jittered_back_off() -> None:
    entries = cloud_run_entries(20, step_ms=1000)
    faults = {0: UNAVAILABLE, 1: RESOURCE_EXHAUSTED, 2: UNAVAILABLE}
    with FakeLogging(entries=entries, faults=faults) as server:
        source, slept, body = _probe(server)
        response = source.request(client_transport(make_client("demo-proj", server.url)), body)
        assert len(server.bodies) == 4 and all(b == body for b in server.bodies)  # the same probe each time
    assert [e["insertId"] for e in response["entries"]] == [entries[0]["insertId"]]
    assert (source.requests, source.retries) == (4, 3)
    # google.api_core's exponential back-off with full jitter: below 0.004, 0.008, then the 0.01 cap
    assert len(slept) == 3
    assert all(0 <= pause <= bound for pause, bound in zip(slept, (0.004, 0.008, 0.01), strict=True))


def test_a_probe_gives_up_after_max_attempts_failures_in_a_row() -> None:
    with FakeLogging(entries=cloud_run_entries(5), faults=dict.fromkeys(range(10), UNAVAILABLE)) as server:
        source, slept, body = _probe(server, max_attempts=3)
        with pytest.raises(ReadFailedError) as failed:
            source.request(client_transport(make_client("demo-proj", server.url)), body)
        assert len(server.bodies) == 3
    assert str(failed.value) == (
        "A query for revision orders-api-00007-qaz in project demo-proj failed: 503 ServiceUnavailable "
        "(3 attempts in a row). Tip: rerun in a minute, or lower --quota-rpm (now 60)."
    )
    assert (source.retries, len(slept)) == (2, 2)


def test_a_refused_permission_is_not_retried() -> None:
    with FakeLogging(entries=cloud_run_entries(5), faults={0: PERMISSION_DENIED}) as server:
        source, slept, body = _probe(server)
        with pytest.raises(
            PermissionDeniedError, match=r"^Permission denied reading the logs of project demo-proj"
        ):
            source.request(client_transport(make_client("demo-proj", server.url)), body)
        assert len(server.bodies) == 1
    assert (source.retries, slept) == (0, [])
