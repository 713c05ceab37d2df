"""TailFollower: the official client's TailLogEntries stream against a local fake gRPC server (grpc's
generic handlers with the client's own request and response types), the backlog through entries.list
against FakeLogging, and the fall back to polling when the stream fails."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from concurrent import futures
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.cloud.logging_v2.types import LogEntry, TailLogEntriesRequest, TailLogEntriesResponse

from logscan.sources.cloud.client import PermissionDeniedError
from logscan.sources.cloud.follow import LATE_ARRIVAL, Poll
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.tail import TailFollower
from logscan.sources.cloud.window import Window

from .fake_logging import FakeLogging, parse_filter
from .rollout import PROJECT, REGION, REVISION, Rollout, crash, healthy_start, request

END = "end"


class FakeTail:
    """google.logging.v2.LoggingServiceV2/TailLogEntries on 127.0.0.1: each item put in ``script`` is a
    list of entries to send as one response, a response to send as it is, a grpc.StatusCode to abort with,
    or END to close the stream."""

    def __init__(self) -> None:
        self.requests: list[TailLogEntriesRequest] = []
        self.script: queue.Queue[Any] = queue.Queue()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.method_handlers_generic_handler(
            "google.logging.v2.LoggingServiceV2",
            {
                "TailLogEntries": grpc.stream_stream_rpc_method_handler(
                    self._tail,
                    request_deserializer=TailLogEntriesRequest.deserialize,
                    response_serializer=TailLogEntriesResponse.serialize,
                )
            },
        )
        self._server.add_generic_rpc_handlers((handler,))
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    def _tail(
        self, requests: Iterator[TailLogEntriesRequest], context: grpc.ServicerContext
    ) -> Iterator[Any]:
        self.requests.append(next(requests))
        deadline = time.monotonic() + 30  # bounded, whatever the test does
        while context.is_active() and time.monotonic() < deadline:
            try:
                item = self.script.get(timeout=0.05)
            except queue.Empty:
                continue
            if item == END:
                return
            if isinstance(item, grpc.StatusCode):
                context.abort(item, f"Injected {item.name}.")
            if isinstance(item, TailLogEntriesResponse):
                yield item
                continue
            yield TailLogEntriesResponse(
                entries=[e if isinstance(e, LogEntry) else LogEntry.from_json(json.dumps(e)) for e in item]
            )

    def __enter__(self) -> FakeTail:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)


def _stamped(makes: list[Any], seconds_ago: float) -> list[dict[str, Any]]:
    ns = time.time_ns() - int(seconds_ago * 1e9)
    return [make(ns + i * 1_000_000) for i, make in enumerate(makes)]


def _follower(logging: FakeLogging, tail: FakeTail, since: datetime) -> TailFollower:
    query = revision_query(PROJECT, REVISION, Window(since, since + timedelta(seconds=1)), region=REGION)
    return TailFollower(
        query,
        FetchOptions(endpoint=logging.url),
        interval=0.2,
        poll_interval=0.2,
        channel=grpc.insecure_channel(f"127.0.0.1:{tail.port}"),
    )


def _until(polls: Iterator[Poll], want: set[str], limit: float = 10.0) -> list[Poll]:
    """Polls until every insertId in ``want`` has arrived (bounded by ``limit`` seconds)."""
    got: list[Poll] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        got.append(next(polls))
        if want <= {e["insertId"] for p in got for e in p.entries}:
            break
    return got


def _ids(entries: list[dict[str, Any]]) -> set[str]:
    return {e["insertId"] for e in entries}


def test_backlog_then_the_stream_each_entry_once() -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    backlog = _stamped(healthy_start(), seconds_ago=60)
    overlap = _stamped([request("/healthz")], seconds_ago=1)  # both the list read and the stream return it
    later = _stamped([request("/v1/orders/9"), *crash()], seconds_ago=0)
    with FakeLogging(entries=[*backlog, *overlap]) as logging, FakeTail() as tail:
        tail.script.put(overlap)
        tail.script.put(later[:1])
        tail.script.put(later[1:])
        follower = _follower(logging, tail, since)
        polls = _until(follower.polls(), _ids(later))
    got = [e["insertId"] for p in polls for e in p.entries]
    assert sorted(got) == sorted(_ids([*backlog, *overlap, *later]))  # none twice, none missing
    assert _ids(list(polls[0].entries)) == _ids([*backlog, *overlap])
    assert follower.fallback is None
    (sent,) = tail.requests
    assert list(sent.resource_names) == [f"projects/{PROJECT}"]
    parsed = parse_filter(sent.filter)
    assert parsed.upper_ns is None and parsed.lower_ns == int(since.timestamp() * 1e6) * 1000
    assert f'resource.labels.revision_name="{REVISION}"' in sent.filter
    assert sent.buffer_window.seconds == 2
    # The stream's entries arrive in the API's JSON form, as entries.list returns them.
    crashed = next(e for p in polls for e in p.entries if e["insertId"] == later[-1]["insertId"])
    assert crashed == later[-1]


def test_a_failed_stream_falls_back_to_polling_without_a_gap_or_a_repeat() -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    streamed = _stamped([request("/healthz")], seconds_ago=2)
    with FakeLogging() as logging, FakeTail() as tail:
        tail.script.put(streamed)
        tail.script.put(grpc.StatusCode.UNAVAILABLE)
        follower = _follower(logging, tail, since)
        polls = follower.polls()
        first = _until(polls, _ids(streamed))
        # While the stream was down the revision crashed; Cloud Logging has those entries and the one streamed.
        crashed = _stamped(crash(), seconds_ago=0)
        logging.ingest([*streamed, *crashed])
        rest = _until(polls, _ids(crashed))
        bodies = logging.bodies
    got = [e["insertId"] for p in [*first, *rest] for e in p.entries]
    assert sorted(got) == sorted(_ids([*streamed, *crashed]))
    assert follower.fallback == "503 ServiceUnavailable"
    # bodies[0] is the backlog's read; bodies[1] the first poll, which starts LATE_ARRIVAL before the newest entry.
    newest = parse_filter(bodies[1]["filter"]).lower_ns
    streamed_ns = (
        int(datetime.fromisoformat(streamed[0]["timestamp"][:26] + "+00:00").timestamp() * 1e6) * 1000
    )
    assert newest is not None and abs(newest - (streamed_ns - LATE_ARRIVAL.total_seconds() * 1e9)) < 1e6


def test_a_denied_stream_is_the_same_error_as_a_denied_read() -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    with FakeLogging() as logging, FakeTail() as tail:
        tail.script.put(grpc.StatusCode.PERMISSION_DENIED)
        polls = _follower(logging, tail, since).polls()
        next(polls)  # the backlog (empty)
        with pytest.raises(
            PermissionDeniedError, match="Permission denied reading the logs of project demo-proj"
        ):
            for _ in range(50):
                next(polls)


def test_an_entry_the_client_cannot_print_is_counted_not_lost_silently() -> None:
    from google.protobuf.any_pb2 import Any as AnyProto

    since = datetime.now(UTC) - timedelta(minutes=5)
    readable = _stamped([request("/healthz")], seconds_ago=0)
    unknown = LogEntry(
        insert_id="proto-payload-1",
        log_name=f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout",
        proto_payload=AnyProto(type_url="type.googleapis.com/acme.orders.v1.Audit", value=b"\x08\x01"),
    )
    with FakeLogging() as logging, FakeTail() as tail:
        tail.script.put([unknown, *readable])
        follower = _follower(logging, tail, since)
        polls = _until(follower.polls(), _ids(readable))
    assert [e["insertId"] for p in polls for e in p.entries] == [readable[0]["insertId"]]
    assert follower.skipped == 1


def test_watch_without_endpoint_follows_the_tail_and_says_when_it_fell_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """logscan watch end to end on the tail path. The one seam replaced is where the clients connect
    (the public API with Application Default Credentials): to the two local fakes instead."""
    from click.testing import CliRunner

    import logscan.sources.cloud.tail as tail_module
    from logscan.cli import cli
    from logscan.sources.cloud.client import client_transport, make_client

    started = _stamped([*healthy_start(), request("/v1/orders/1")], seconds_ago=10)
    with (
        FakeLogging(entries=started) as logging,
        FakeTail() as tail,
        Rollout(logging, [(1.0, crash())]) as later,
    ):
        real = tail_module.TailFollower

        def connected(query: Any, options: Any, **kwargs: Any) -> TailFollower:
            assert options.endpoint is None  # no --endpoint: the tail
            return real(
                query,
                options,
                channel=grpc.insecure_channel(f"127.0.0.1:{tail.port}"),
                transport=client_transport(make_client(PROJECT, logging.url)),
                interval=0.2,
                **kwargs,
            )

        monkeypatch.setattr(tail_module, "TailFollower", connected)
        monkeypatch.delenv("LOGSCAN_LOGGING_ENDPOINT", raising=False)
        tail.script.put(grpc.StatusCode.UNAVAILABLE)  # the stream fails; polling finds the crash 1 s later
        out = tmp_path / "report.json"
        args = ["--since", "5m", "--timeout", "20s", "--poll-interval", "0.2", "-o", str(out)]
        result = CliRunner().invoke(cli, ["watch", "--project", PROJECT, "--revision", REVISION, *args])
        crashed = len(later.ingested)
    assert result.exit_code == 1, result.output
    assert "the tail stream stopped (503 ServiceUnavailable); the rest was read by polling" in result.stderr
    assert json.loads(out.read_text())["counts"]["records"] == len(started) + crashed


def test_entries_the_stream_suppressed_are_read_by_polling() -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    streamed = _stamped([request("/healthz")], seconds_ago=3)
    left_out = _stamped(crash(), seconds_ago=2)  # stored by Cloud Logging, never sent by the stream
    info = TailLogEntriesResponse.SuppressionInfo
    suppressed = TailLogEntriesResponse(
        suppression_info=[info(reason=info.Reason.RATE_LIMIT, suppressed_count=len(left_out))]
    )
    with FakeLogging() as logging, FakeTail() as tail:
        tail.script.put(streamed)
        follower = _follower(logging, tail, since)
        polls = follower.polls()
        first = _until(polls, _ids(streamed))
        logging.ingest([*streamed, *left_out])
        tail.script.put(suppressed)
        rest = _until(polls, _ids(left_out))
    got = [e["insertId"] for p in [*first, *rest] for e in p.entries]
    assert sorted(got) == sorted(_ids([*streamed, *left_out]))
    assert follower.fallback == f"it left out {len(left_out)} entries, which polling reads"
