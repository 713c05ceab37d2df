"""CloudLoggingSource: a revision's entries read page by page from entries.list, as an EntrySource.

Each request is paced to the quota (pacing.py) before it goes out. A transient failure is backed off
and the read resumes from the newest timestamp seen rather than from a page token, dropping entries
already yielded at that instant, so none is lost and none arrives twice. With ``settle`` the window's tail
is held back and re-read until Cloud Logging's late ingestion stops adding to it. The request body is
written out in full (filter with its window, page size, ascending order); nothing is left to defaults.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from logscan.sources import RawEntry
from logscan.sources.cloud.client import (
    NOT_JSON,
    REFUSED_ATTEMPTS,
    REFUSED_PAUSE,
    NoEntriesError,
    ReadFailedError,
    Transport,
    classify_failure,
    client_transport,
    make_client,
    refused,
    refused_error,
)
from logscan.sources.cloud.guard import DEDUPE_HORIZON_NS, PageGuard, RecentIds
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.pacing import FetchProgress, NullProgress, QuotaPacer
from logscan.sources.cloud.query import RevisionQuery
from logscan.sources.cloud.window import rfc3339

ORDER_BY = "timestamp asc"
_QUOTA_TIP = "Tip: rerun in a minute, or lower --quota-rpm (now {rpm})."
_ENDPOINT_TIP = (
    "Tip: check --endpoint (now {endpoint}): it must be Cloud Logging's API, reached without a proxy that "
    "answers in its place."
)
SETTLE_TAIL_SECONDS = 120.0
"""At least this much of the window's end is re-read by --settle."""
SETTLE_MAX_ROUNDS = 10

_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")


class _GaveUp(Exception):
    """The retries of one request ran out."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"{reason} ({attempts} attempts in a row)")
        self.reason = reason
        """Why the last attempt failed."""


@dataclass
class _Resume:
    """Where a read stands: the newest timestamp seen and the entries seen at exactly that instant."""

    since: str
    last_ns: int = -1
    at_last: set[tuple[str, str]] = field(default_factory=set)


class CloudLoggingSource:
    """Entries of one revision read live from Cloud Logging (an EntrySource).

    After iteration: ``count``, ``pages``, ``requests``, ``retries``, ``truncated`` (a cap or a failure
    stopped the read), ``failure`` (why retries were given up, or None), ``failure_tip`` (what to do about
    it), ``repeated`` (entries the server sent again, dropped) and ``notes`` (waits cut short, and such).
    """

    def __init__(
        self,
        query: RevisionQuery,
        options: FetchOptions | None = None,
        *,
        transport: Transport | None = None,
        progress: FetchProgress | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        pacer: QuotaPacer | None = None,
    ) -> None:
        self.query = query
        self.options = options or FetchOptions()
        self.name = query.source_name
        self._transport = transport
        self._progress = progress or NullProgress()
        self._clock = clock
        self._sleep = sleep
        # A follower reads window after window: it passes one pacer so that the quota spans them all.
        self._pacer = pacer or QuotaPacer(
            self.options.quota_rpm, self.options.quota_period, self.options.quota_margin, clock, sleep
        )
        self.count = 0
        self.pages = 0
        self.requests = 0
        self.retries = 0
        self.truncated = False
        self.failure: str | None = None
        self.failure_tip = _QUOTA_TIP.format(rpm=self.options.quota_rpm)
        self.notes: list[str] = []
        self._recent = RecentIds()
        self._started = 0.0

    @property
    def repeated(self) -> int:
        return self._recent.repeated

    @property
    def skipped(self) -> int:
        return self._recent.stale

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        stale = self._recent.stale
        if not stale:
            return ()
        return (
            f"{stale} entries came out of time order, more than {DEDUPE_HORIZON_NS // 10**9}s behind the newest "
            "one read: a repeat cannot be told from a new entry there, so they were not used",
        )

    def entries(self) -> Iterator[RawEntry]:
        """The revision's entries in ascending time, each exactly once."""
        send = self._transport or client_transport(make_client(self.query.project, self.options.endpoint))
        self._started = self._clock()
        cap = self.options.max_entries
        settle = self.options.settle
        end_ns = _ns(rfc3339(self.query.window.end))
        tail_ns = end_ns - int(max(SETTLE_TAIL_SECONDS, 2 * settle) * 1e9) if settle > 0 else None
        # the re-read tail must stay within what is remembered, or late entries there would look stale
        self._recent = RecentIds(DEDUPE_HORIZON_NS + (end_ns - tail_ns if tail_ns is not None else 0))
        held: list[Mapping[str, Any]] = []
        held_keys: set[tuple[str, str]] = set()
        try:
            for entry in self._read(send, rfc3339(self.query.window.start)):
                if cap is not None and self.count >= cap:
                    self.truncated = True
                    break
                self.count += 1
                if tail_ns is not None and entry_ns(entry) >= tail_ns:
                    held.append(entry)
                    held_keys.add(entry_key(entry))
                else:
                    yield entry
            if tail_ns is not None and not self.truncated and self.failure is None:
                self._settle(send, max(tail_ns, _ns(rfc3339(self.query.window.start))), held, held_keys)
            held.sort(key=entry_ns)
            yield from held
        finally:
            self._progress.close()
        if self.count == 0:
            self._raise_empty()

    def _settle(
        self, send: Transport, tail_ns: int, held: list[Mapping[str, Any]], keys: set[tuple[str, str]]
    ) -> None:
        """Re-read the window's tail every ``settle`` seconds until a re-read finds nothing new."""
        cap = self.options.max_entries
        for _ in range(SETTLE_MAX_ROUNDS):
            self._progress.waiting(self.options.settle, "settling: Cloud Logging ingests with a delay")
            self._sleep(self.options.settle)
            grew = 0
            for entry in self._read(send, _ns_text(tail_ns)):
                key = entry_key(entry)
                if key in keys:
                    continue
                if cap is not None and self.count >= cap:
                    self.truncated = True
                    return
                keys.add(key)
                held.append(entry)
                self.count += 1
                grew += 1
            if self.failure is not None or not grew:
                return

    def _read(self, send: Transport, since: str) -> Iterator[Mapping[str, Any]]:
        """Page through the filter from ``since``; on a transient failure back off and resume from the
        newest timestamp seen, skipping what was already yielded at that instant."""
        state = _Resume(since=since)
        query_since = since
        token: str | None = None
        guard = PageGuard(f"revision {self.query.revision}")

        def page(failures: int) -> dict[str, Any]:
            nonlocal query_since, token
            if failures:  # resume by time, not by a page token the failure may have spoiled
                query_since, token = state.since, None
                guard.restart()
            body: dict[str, Any] = {
                "resourceNames": list(self.query.resource_names),
                "filter": self.query.filter_from(query_since),
                "orderBy": ORDER_BY,
                "pageSize": self.options.page_size,
            }
            if token:
                body["pageToken"] = token
            return body

        while True:
            try:
                response = self._call(send, page)
            except _GaveUp as exc:
                self.failure = str(exc)
                if exc.reason.startswith(NOT_JSON):
                    self.failure_tip = _ENDPOINT_TIP.format(endpoint=self.options.api_endpoint)
                self.truncated = True
                return
            self.pages += 1
            new = 0
            for entry in response.get("entries") or ():
                if not isinstance(entry, Mapping):
                    continue
                ts = entry_ns(entry)
                key = entry_key(entry)
                if not self._recent.first_time(ts, key):
                    continue  # sent before (another page, a resumed read): the whole read sees each entry once
                if ts == state.last_ns and key in state.at_last:
                    continue
                new += 1
                if ts > state.last_ns:
                    state.last_ns = ts
                    state.since = str(entry["timestamp"])
                    state.at_last = set()
                state.at_last.add(key)
                yield entry
            elapsed = max(self._clock() - self._started, 1e-9)
            self._progress.page(self.count, self.pages, self.count / elapsed)
            token = response.get("nextPageToken") or None
            guard.page(new, token)
            if not token:
                return

    def request(self, send: Transport, body: dict[str, Any]) -> Mapping[str, Any]:
        """Send one entries.list body (a probe outside the read), paced and retried like a page of the read;
        raises ReadFailedError when the retries run out."""
        try:
            return self._call(send, lambda failures: body)
        except _GaveUp as exc:
            raise ReadFailedError(
                f"A query for revision {self.query.revision} in project {self.query.project} failed: "
                f"{exc}. Tip: rerun in a minute, or lower --quota-rpm (now {self.options.quota_rpm})."
            ) from None

    def _call(self, send: Transport, body: Callable[[int], dict[str, Any]]) -> Mapping[str, Any]:
        """The one retry loop of a read: send ``body(failures so far)``, paced to the quota; on a transient
        failure wait (google.api_core's exponential back-off with jitter, or the server's Retry-After when
        longer) and send again; after ``max_attempts`` failures in a row raise _GaveUp. Fatal failures raise
        a FetchError (classify_failure)."""
        from google.api_core.retry import exponential_sleep_generator

        delays = exponential_sleep_generator(self.options.backoff_base, self.options.backoff_max)
        failures = 0
        while True:
            request = body(failures)
            self._pacer.wait(lambda s: self._progress.waiting(s, "waiting for quota"))
            self.requests += 1
            try:
                return send(request, self.options.timeout)
            except Exception as exc:
                reason = classify_failure(exc, self.query.project, self.options)
                failures += 1
                if failures >= REFUSED_ATTEMPTS and refused(exc):  # not a quota problem: no long backoff
                    raise refused_error(self.options.api_endpoint, failures) from None
                if failures >= self.options.max_attempts:
                    raise _GaveUp(reason, failures) from exc
                self.retries += 1
                pause = REFUSED_PAUSE if refused(exc) else max(next(delays), self._retry_after(exc))
                self._progress.waiting(pause, f"{reason}; retrying")
                self._sleep(pause)

    def _retry_after(self, exc: Exception) -> float:
        """The wait a failed response's Retry-After header asks for, up to backoff_max (noted when cut), or 0."""
        cap = self.options.backoff_max
        response = getattr(exc, "response", None)
        retry_after = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
        if not retry_after:
            return 0.0
        try:
            asked = float(retry_after)
        except ValueError:
            return 0.0
        if asked > cap:
            note = (
                f"Cloud Logging asked to wait {asked:g}s before retrying (Retry-After); logscan waits at "
                f"most {cap:g}s, so it retried sooner"
            )
            if note not in self.notes:
                self.notes.append(note)
            self._progress.waiting(cap, f"Retry-After {asked:g}s capped to {cap:g}s")
        return min(asked, cap)

    def _raise_empty(self) -> None:
        q = self.query
        if self.failure is not None:
            raise ReadFailedError(
                f"Reading the logs of revision {q.revision} failed: {self.failure}. {self.failure_tip}"
            )
        floor = f" at or above {q.severity}" if q.severity else ""
        raise NoEntriesError(
            f"No log entries{floor} for revision {q.revision} of service {q.service} in project {q.project} "
            f"{q.window.describe()}. Check --revision and the window. "
            f"Tip: gcloud run revisions list --service {q.service} --region REGION --project {q.project}"
        )


def entry_key(entry: Mapping[str, Any]) -> tuple[str, str]:
    """What makes an entry unique: its log and insertId (the whole entry when it has no insertId)."""
    insert_id = entry.get("insertId")
    if insert_id is None:
        import orjson

        insert_id = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS).decode()
    return (str(entry.get("logName", "")), str(insert_id))


def _ns(text: str) -> int:
    m = _TIMESTAMP.fullmatch(text)
    if not m:
        raise ValueError(text)
    zone = m.group(8)
    base = datetime.fromisoformat(
        f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{m.group(4)}:{m.group(5)}:{m.group(6)}"
        + ("+00:00" if zone == "Z" else zone)
    )
    return int(base.timestamp()) * 1_000_000_000 + int((m.group(7) or "").ljust(9, "0"))


def entry_ns(entry: Mapping[str, Any]) -> int:
    """Nanoseconds of an entry's timestamp; an entry without a readable one sorts first."""
    try:
        return _ns(str(entry.get("timestamp", "")))
    except ValueError:
        return -1


def _ns_text(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z" if nanos else f"{stamp}Z"
