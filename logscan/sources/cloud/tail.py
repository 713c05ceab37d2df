"""Following a revision through Cloud Logging's tail API (TailLogEntries, a gRPC stream), with the official
client; what was logged before the stream opened is read once through entries.list.

The stream is opened first and the backlog (``--since`` up to now) read after it, so the two overlap
instead of leaving a gap; an entry both return is dropped by its key (log name and insertId). A thread
reads the stream into a queue; ``polls()`` hands out what arrived at least every ``interval`` seconds,
so the watch can judge and time out while the revision is quiet. When the stream fails or ends (a
transient error, the service's session limit) or says it left entries out (suppression_info: a rate
limit), the follower continues by polling entries.list from
LATE_ARRIVAL before the newest entry it saw, with the keys it already has: again no gap, no repeat.
A failure no retry can fix (credentials, permission, unknown project) is raised as the same FetchError
the list reads raise.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from logscan.sources.cloud.client import (
    CredentialsError,
    NoEntriesError,
    Transport,
    classify_failure,
    client_transport,
    make_client,
)
from logscan.sources.cloud.follow import LATE_ARRIVAL, POLL_SECONDS, Poll, PollingFollower
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import RevisionQuery
from logscan.sources.cloud.source import CloudLoggingSource, entry_key, entry_ns
from logscan.sources.cloud.window import Window, rfc3339

BUFFER_WINDOW_SECONDS = 2
"""How long the service holds entries to send them in timestamp order (TailLogEntriesRequest.buffer_window)."""
TAIL_TICK = 1.0
"""Seconds between two hand-outs of what the stream brought (the stream itself costs no quota)."""

_ENDED = object()


@dataclass(frozen=True)
class _Suppressed:
    """The stream said it left entries out (TailLogEntriesResponse.suppression_info)."""

    count: int


class TailFollower:
    """A revision's entries from the tail stream, after the backlog; ``polls()`` never ends by itself.

    interval: seconds between two Polls of the stream; poll_interval: between two entries.list polls after
    a fallback. channel: a gRPC channel to use instead of the public endpoint with Application Default
    Credentials (a local fake in tests). After a fallback, ``fallback`` says why the stream was left.
    """

    def __init__(
        self,
        query: RevisionQuery,
        options: FetchOptions,
        *,
        interval: float = TAIL_TICK,
        poll_interval: float = POLL_SECONDS,
        channel: Any = None,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.query = query
        self.name = query.source_name
        self.requests = 0
        self.skipped = 0
        self.fallback: str | None = None
        self._options = options
        self._interval = interval
        self._poll_interval = poll_interval
        self._channel = channel
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self._wall = wall

    def polls(self) -> Iterator[Poll]:
        """The backlog first, then what the stream brought every ``interval`` seconds at most."""
        send = self._transport or client_transport(make_client(self.query.project, self._options.endpoint))
        since = self.query.window.start
        seen: dict[tuple[str, str], int] = {}
        stream = _Stream(lambda done: self._open(since, done))
        try:
            now = self._wall()
            backlog = CloudLoggingSource(
                replace(self.query, window=Window(since, max(now, since))),
                self._options,
                transport=send,
                clock=self._clock,
                sleep=self._sleep,
            )
            fresh: list[Mapping[str, Any]] = []
            try:
                fresh = [e for e in backlog.entries() if isinstance(e, Mapping) and _new(e, seen)]
            except NoEntriesError:
                pass
            finally:
                self.requests += backlog.requests + 1  # and the stream's one call
            yield Poll(tuple(fresh), now, self.requests)
            while True:
                arrived, failure = stream.take(self._interval)
                fresh = sorted((e for e in arrived if _new(e, seen)), key=entry_ns)
                self.skipped = stream.skipped
                if failure is None:
                    yield Poll(tuple(fresh), self._wall(), self.requests)
                    continue
                # Raises what no retry fixes; anything else: poll on from before the newest entry seen.
                if isinstance(failure, Exception):
                    self.fallback = classify_failure(failure, self.query.project, self._options)
                elif isinstance(failure, _Suppressed):
                    self.fallback = f"it left out {failure.count} entries, which polling reads"
                else:
                    self.fallback = "the tail stream ended"
                if fresh:
                    yield Poll(tuple(fresh), self._wall(), self.requests)
                break
        finally:
            stream.close()
        newest = max(seen.values(), default=int(since.timestamp() * 1e9))
        start = max(since, datetime.fromtimestamp(newest / 1e9, UTC) - LATE_ARRIVAL)
        poller = PollingFollower(
            replace(self.query, window=Window(start, max(self._wall(), start))),
            self._options,
            interval=self._poll_interval,
            transport=send,
            clock=self._clock,
            sleep=self._sleep,
            wall=self._wall,
            seen=seen,
        )
        for poll in poller.polls():
            yield Poll(poll.entries, poll.until, self.requests + poller.requests)

    def _open(self, since: datetime, done: threading.Event) -> Any:
        """Open the stream (its responses); the request stream stays open until ``done`` is set."""
        import google.auth.exceptions
        from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2Client
        from google.cloud.logging_v2.services.logging_service_v2.transports import (
            LoggingServiceV2GrpcTransport,
        )
        from google.cloud.logging_v2.types import TailLogEntriesRequest
        from google.protobuf.duration_pb2 import Duration

        try:
            if self._channel is not None:
                transport = LoggingServiceV2GrpcTransport(channel=self._channel)
                client = LoggingServiceV2Client(transport=transport)
            else:
                client = LoggingServiceV2Client()
        except google.auth.exceptions.DefaultCredentialsError:
            raise CredentialsError(
                f"No Google Cloud credentials found to read project {self.query.project}'s logs. "
                "Tip: gcloud auth application-default login"
            ) from None
        request = TailLogEntriesRequest(
            resource_names=list(self.query.resource_names),
            filter=self.query.filter_from(rfc3339(since), bounded=False),
            buffer_window=Duration(seconds=BUFFER_WINDOW_SECONDS),
        )

        def requests() -> Iterator[Any]:
            yield request
            done.wait()

        # No retry inside the client (its default retries an unavailable stream for an hour): a failed
        # stream is the follower's to handle, by polling.
        return client.tail_log_entries(requests=requests(), retry=None, timeout=None)


def _new(entry: Mapping[str, Any], seen: dict[tuple[str, str], int]) -> bool:
    key = entry_key(entry)
    if key in seen:
        return False
    seen[key] = entry_ns(entry)
    return True


class _Stream:
    """The tail, opened and read by a daemon thread (the client waits for the first response when it
    opens a stream) into a queue of entries in API form, then the failure or the end."""

    def __init__(self, open_stream: Callable[[threading.Event], Any]) -> None:
        self._open = open_stream
        self._done = threading.Event()
        self._responses: Any = None
        self._queue: queue.Queue[Any] = queue.Queue()
        self.skipped = 0
        self._thread = threading.Thread(target=self._read, name="logscan-tail", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        from google.cloud.logging_v2.types import LogEntry

        try:
            self._responses = self._open(self._done)
            for response in self._responses:
                dropped = sum(info.suppressed_count for info in response.suppression_info)
                if dropped:
                    # The service left entries out of the stream (rate limit, slow reader): they are
                    # stored, and only a read of the store gets them, so the stream is of no more use.
                    self._queue.put(_Suppressed(dropped))
                    return
                for entry in response.entries:
                    try:
                        text = LogEntry.to_json(
                            entry,
                            use_integers_for_enums=False,
                            indent=None,
                            always_print_fields_with_no_presence=False,
                        )
                    except (TypeError, ValueError):  # a proto payload of a type this client cannot print
                        self.skipped += 1
                        continue
                    self._queue.put(orjson.loads(text))
            self._queue.put(_ENDED)
        except Exception as exc:
            self._queue.put(exc)

    def take(self, wait: float) -> tuple[list[Mapping[str, Any]], object | None]:
        """What arrived in the next ``wait`` seconds, and the failure or the end of the stream if one came
        (returned at once, None while the stream runs)."""
        got: list[Mapping[str, Any]] = []
        deadline = time.monotonic() + wait
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return got, None
            if not isinstance(item, Mapping):
                return got, item
            got.append(item)

    def close(self) -> None:
        self._done.set()
        cancel = getattr(self._responses, "cancel", None)
        if callable(cancel):
            cancel()
