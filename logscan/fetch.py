"""Read a Cloud Run revision's entries from Cloud Logging with the official client (google-cloud-logging).

The only module that imports ``google.cloud``. It talks to ``entries.list`` through the library's
JSON-over-HTTP transport (``google.cloud.logging_v2._http.Connection``) for every endpoint, because that
transport hands back each entry exactly as the API serialises it: camelCase, every field kept
(receiveTimestamp, errorGroups, split...), the same objects ``gcloud logging read --format=json`` prints.
The library's LogEntry objects drop several of those fields, so entries are taken before that conversion.

Nothing is left to the library's defaults: the filter always carries the time window (the client adds a
24-hour window to any filter without one), the page size is 1000 and the order is ascending time.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .cache import Cache, CacheMeta, SavedSource, cache_key, write_export
from .errors import FetchError, InputError
from .quota import FetchProgress, NullProgress, QuotaPacer
from .sources import EntrySource, RawEntry
from .window import Window, rfc3339

if TYPE_CHECKING:
    from .pipeline import SourceInfo

DEFAULT_ENDPOINT = "https://logging.googleapis.com"
ENDPOINT_ENV = "LOGSCAN_LOGGING_ENDPOINT"
PAGE_SIZE = 1000
"""The API's largest page."""
ORDER_BY = "timestamp asc"
DEFAULT_QUOTA_RPM = 60
"""entries.list requests per minute per project, Cloud Logging's default quota."""
CLOUD_RUN_LOGS = (
    "run.googleapis.com%2Fstdout",
    "run.googleapis.com%2Fstderr",
    "run.googleapis.com%2Fvarlog%2Fsystem",
    "run.googleapis.com%2Frequests",
)
SEVERITIES = ("DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY")
SETTLE_TAIL_SECONDS = 120.0
"""At least this much of the window's end is re-read by --settle."""
SETTLE_MAX_ROUNDS = 10

_REVISION = re.compile(r"(?P<service>[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)-\d{5}-[a-z0-9]+")
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PROJECT = re.compile(r"(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]")
_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")
_CREDENTIALS_TIP = "Tip: gcloud auth application-default login"


class CredentialsError(FetchError):
    """No usable Application Default Credentials."""


class PermissionDeniedError(FetchError):
    """The caller may not read the project's logs."""


class UnknownProjectError(FetchError):
    """Cloud Logging does not know the project."""


class NoEntriesError(FetchError):
    """The window holds no entries of the revision."""


class ReadFailedError(FetchError):
    """Retries were exhausted, or the API answered in a way that cannot be retried."""


# --- the query -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionQuery:
    """What to read: one revision's four Cloud Run logs in one project over one window."""

    project: str
    """Google Cloud project ID."""
    revision: str
    """Cloud Run revision name."""
    service: str
    """Cloud Run service name."""
    window: Window
    """The time window, always written into the filter."""
    severity: str | None = None
    """Optional severity floor (severity>=X)."""

    @property
    def resource_names(self) -> tuple[str, ...]:
        """The resourceNames of the entries.list request."""
        return (f"projects/{self.project}",)

    @property
    def filter(self) -> str:
        """The exact Cloud Logging filter sent (and shown with -v and in the report)."""
        return self.filter_from(rfc3339(self.window.start))

    def filter_from(self, since: str) -> str:
        """The filter with its lower time bound moved to ``since`` (to resume after a failed page)."""
        clauses = [
            'resource.type="cloud_run_revision"',
            f'resource.labels.service_name="{self.service}"',
            f'resource.labels.revision_name="{self.revision}"',
            f'timestamp>="{since}"',
            f'timestamp<"{rfc3339(self.window.end)}"',
            cloud_run_logs_clause(self.project),
        ]
        if self.severity:
            clauses.append(f"severity>={self.severity}")
        return " AND ".join(clauses)

    @property
    def logs_explorer_url(self) -> str:
        """A Logs Explorer link that opens the same query over the same window."""
        time_range = quote(f"{rfc3339(self.window.start)}/{rfc3339(self.window.end)}", safe="")
        return (
            f"https://console.cloud.google.com/logs/query;query={quote(self.filter, safe='')}"
            f";timeRange={time_range}?project={quote(self.project, safe='')}"
        )

    @property
    def source_name(self) -> str:
        """The label reports use for this input."""
        return f"cloud-logging:{self.project}/{self.revision}"


def cloud_run_logs_clause(project: str) -> str:
    """The parenthesized OR of Cloud Run's four logs (stdout, stderr, varlog/system, requests) in ``project``."""
    logs = " OR ".join(f'logName="projects/{project}/logs/{log}"' for log in CLOUD_RUN_LOGS)
    return f"({logs})"


def revision_query(
    project: str, revision: str, window: Window, service: str | None = None, severity: str | None = None
) -> RevisionQuery:
    """A checked RevisionQuery; the service comes from ``<service>-<5 digits>-<suffix>`` unless given."""
    if not _PROJECT.fullmatch(project):
        raise InputError(f"--project {project!r}: not a Google Cloud project ID (like my-project-123).")
    if not _NAME.fullmatch(revision):
        raise InputError(
            f"--revision {revision!r}: not a Cloud Run revision name (like orders-api-00007-qaz)."
        )
    if service is None:
        m = _REVISION.fullmatch(revision)
        if not m:
            raise InputError(
                f"--revision {revision}: cannot tell the service from the name (expected <service>-<5 digits>-<suffix>). "
                "Pass --service."
            )
        service = m.group("service")
    elif not _NAME.fullmatch(service):
        raise InputError(
            f"--service {service!r}: not a Cloud Run service name (lowercase letters, digits, -)."
        )
    if severity is not None:
        severity = severity.upper()
        if severity not in SEVERITIES:
            raise InputError(f"--severity {severity}: expected one of {', '.join(SEVERITIES)}.")
    return RevisionQuery(
        project=project, revision=revision, service=service, window=window, severity=severity
    )


# --- options -------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchOptions:
    """How to read: endpoint, quota, caps and retry timing (short timings are injected by tests)."""

    endpoint: str | None = None
    """Logging API endpoint; None means the public one with Application Default Credentials."""
    quota_rpm: int = DEFAULT_QUOTA_RPM
    """entries.list requests allowed per quota period."""
    quota_period: float = 60.0
    """Length of the quota period in seconds (a benchmark scales the minute down)."""
    quota_margin: float = 0.01
    """Extra fraction of the period waited beyond the quota, against clock skew and latency jitter."""
    page_size: int = PAGE_SIZE
    """pageSize of every request."""
    max_entries: int | None = None
    """Stop after this many entries and mark the read truncated."""
    settle: float = 0.0
    """Seconds to wait between re-reads of the window's tail; 0 disables."""
    timeout: float = 60.0
    """Seconds to wait for one page."""
    max_attempts: int = 6
    """Consecutive failed requests tolerated before the read is given up."""
    backoff_base: float = 1.0
    """First back-off delay in seconds; it doubles per consecutive failure."""
    backoff_max: float = 32.0
    """Largest back-off delay (a Retry-After header is honoured up to this)."""

    @property
    def api_endpoint(self) -> str:
        return (self.endpoint or DEFAULT_ENDPOINT).rstrip("/")


# --- the client ----------------------------------------------------------------------------------------


def make_client(project: str, endpoint: str | None) -> Any:
    """A google.cloud.logging.Client on the HTTP transport: anonymous for an http:// endpoint (an emulator
    or a local fake), Application Default Credentials otherwise."""
    import google.auth.exceptions
    import google.cloud.logging
    from google.auth.credentials import AnonymousCredentials

    api_endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
    if not api_endpoint.startswith(("http://", "https://")):
        raise InputError(f"--endpoint {endpoint}: expected an http:// or https:// URL.")
    anonymous = api_endpoint.startswith("http://")
    credentials = AnonymousCredentials() if anonymous else None  # type: ignore[no-untyped-call]
    try:
        return google.cloud.logging.Client(  # type: ignore[no-untyped-call]
            project=project,
            credentials=credentials,
            _use_grpc=False,
            client_options={"api_endpoint": api_endpoint},
        )
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            f"No Google Cloud credentials found to read project {project}'s logs. {_CREDENTIALS_TIP}"
        ) from None


Transport = Callable[[dict[str, Any], float], Mapping[str, Any]]
"""Sends one entries.list body with a timeout and returns the decoded response."""


def client_transport(client: Any) -> Transport:
    """entries.list through the client's own REST connection, which signs, retries nothing, and raises
    google.api_core exceptions for HTTP errors."""

    def send(body: dict[str, Any], timeout: float) -> Mapping[str, Any]:
        response = client._connection.api_request(
            method="POST", path="/entries:list", data=body, timeout=timeout
        )
        return response if isinstance(response, Mapping) else {}

    return send


# --- the source ----------------------------------------------------------------------------------------


@dataclass
class _Resume:
    """Where a read stands: the newest timestamp seen and the entries seen at exactly that instant."""

    since: str
    last_ns: int = -1
    at_last: set[tuple[str, str]] = field(default_factory=set)


class CloudLoggingSource:
    """Entries of one revision read live from Cloud Logging (an EntrySource).

    After iteration: ``count``, ``pages``, ``requests``, ``retries``, ``truncated`` (a cap or a failure
    stopped the read) and ``failure`` (why retries were given up, or None).
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
    ) -> None:
        self.query = query
        self.options = options or FetchOptions()
        self.name = query.source_name
        self._transport = transport
        self._progress = progress or NullProgress()
        self._clock = clock
        self._sleep = sleep
        self._pacer = QuotaPacer(
            self.options.quota_rpm, self.options.quota_period, self.options.quota_margin, clock, sleep
        )
        self.count = 0
        self.pages = 0
        self.requests = 0
        self.retries = 0
        self.truncated = False
        self.failure: str | None = None
        self._started = 0.0

    @property
    def skipped(self) -> int:
        return 0

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        return ()

    def entries(self) -> Iterator[RawEntry]:
        """The revision's entries in ascending time, each exactly once."""
        send = self._transport or client_transport(make_client(self.query.project, self.options.endpoint))
        self._started = self._clock()
        cap = self.options.max_entries
        settle = self.options.settle
        end_ns = _ns(rfc3339(self.query.window.end))
        tail_ns = end_ns - int(max(SETTLE_TAIL_SECONDS, 2 * settle) * 1e9) if settle > 0 else None
        held: list[Mapping[str, Any]] = []
        held_keys: set[tuple[str, str]] = set()
        try:
            for entry in self._read(send, rfc3339(self.query.window.start)):
                if cap is not None and self.count >= cap:
                    self.truncated = True
                    break
                self.count += 1
                if tail_ns is not None and _entry_ns(entry) >= tail_ns:
                    held.append(entry)
                    held_keys.add(_key(entry))
                else:
                    yield entry
            if tail_ns is not None and not self.truncated and self.failure is None:
                self._settle(send, max(tail_ns, _ns(rfc3339(self.query.window.start))), held, held_keys)
            held.sort(key=_entry_ns)
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
                key = _key(entry)
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
        failures = 0
        while True:
            body: dict[str, Any] = {
                "resourceNames": list(self.query.resource_names),
                "filter": self.query.filter_from(query_since),
                "orderBy": ORDER_BY,
                "pageSize": self.options.page_size,
            }
            if token:
                body["pageToken"] = token
            self._pacer.wait(lambda s: self._progress.waiting(s, "waiting for quota"))
            self.requests += 1
            try:
                response = send(body, self.options.timeout)
            except Exception as exc:
                reason = self._classify(exc)
                failures += 1
                if failures >= self.options.max_attempts:
                    self.failure = f"{reason} ({failures} attempts in a row)"
                    self.truncated = True
                    return
                self.retries += 1
                pause = self._backoff(failures, exc)
                self._progress.waiting(pause, f"{reason}; retrying")
                self._sleep(pause)
                # Resume by time, not by a page token the failure may have spoiled.
                query_since, token = state.since, None
                continue
            failures = 0
            self.pages += 1
            for entry in response.get("entries") or ():
                if not isinstance(entry, Mapping):
                    continue
                ts = _entry_ns(entry)
                key = _key(entry)
                if ts == state.last_ns and key in state.at_last:
                    continue
                if ts > state.last_ns:
                    state.last_ns = ts
                    state.since = str(entry["timestamp"])
                    state.at_last = set()
                state.at_last.add(key)
                yield entry
            elapsed = max(self._clock() - self._started, 1e-9)
            self._progress.page(self.count, self.pages, self.count / elapsed)
            token = response.get("nextPageToken") or None
            if not token:
                return

    def request(self, send: Transport, body: dict[str, Any]) -> Mapping[str, Any]:
        """Send one entries.list body (a probe outside the read), paced and retried like a page of the read;
        raises ReadFailedError when the retries run out."""
        failures = 0
        while True:
            self._pacer.wait(lambda s: self._progress.waiting(s, "waiting for quota"))
            self.requests += 1
            try:
                return send(body, self.options.timeout)
            except Exception as exc:
                reason = self._classify(exc)
                failures += 1
                if failures >= self.options.max_attempts:
                    raise ReadFailedError(
                        f"A query for revision {self.query.revision} in project {self.query.project} failed: "
                        f"{reason} ({failures} attempts in a row). "
                        f"Tip: rerun in a minute, or lower --quota-rpm (now {self.options.quota_rpm})."
                    ) from None
                self.retries += 1
                pause = self._backoff(failures, exc)
                self._progress.waiting(pause, f"{reason}; retrying")
                self._sleep(pause)

    def _classify(self, exc: Exception) -> str:
        """A short reason for a transient failure; fatal ones raise a FetchError instead."""
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc
        from requests import exceptions as rexc

        project = self.query.project
        if isinstance(exc, gexc.Forbidden):
            raise PermissionDeniedError(
                f"Permission denied reading the logs of project {project} ({_api_message(exc)}). "
                f"Tip: grant roles/logging.viewer: gcloud projects add-iam-policy-binding {project} "
                "--member=user:YOU@example.com --role=roles/logging.viewer"
            ) from None
        if isinstance(exc, gexc.NotFound):
            raise UnknownProjectError(
                f"Cloud Logging does not know project {project} ({_api_message(exc)}). "
                + (
                    "Tip: check --project (and --endpoint); "
                    if self.options.endpoint
                    else "Tip: check --project; "
                )
                + "list your projects with: gcloud projects list"
            ) from None
        if isinstance(exc, gexc.Unauthorized | auth_exc.RefreshError | auth_exc.DefaultCredentialsError):
            raise CredentialsError(
                f"The credentials were refused while reading project {project}'s logs. {_CREDENTIALS_TIP}"
            ) from None
        if isinstance(exc, gexc.TooManyRequests):
            return "429 RESOURCE_EXHAUSTED (quota)"
        if isinstance(exc, gexc.ServiceUnavailable | gexc.InternalServerError | gexc.GatewayTimeout):
            return f"{exc.code} {type(exc).__name__}"
        if isinstance(exc, gexc.BadGateway):
            return "502 BadGateway"
        if isinstance(exc, gexc.GoogleAPICallError):
            raise ReadFailedError(
                f"Cloud Logging refused the query ({exc.code}: {_api_message(exc)}). "
                "Tip: rerun with -v to see the filter, and check --project, --revision and --severity."
            ) from None
        if isinstance(exc, rexc.Timeout):
            return f"no answer within {self.options.timeout:g}s"
        if isinstance(exc, rexc.InvalidURL | rexc.MissingSchema | rexc.InvalidSchema):
            raise ReadFailedError(
                f"--endpoint {self.options.api_endpoint}: {exc}. Pass an http(s):// URL."
            ) from None
        if isinstance(exc, rexc.RequestException | auth_exc.TransportError | ConnectionError | ValueError):
            return f"connection lost ({type(exc).__name__})"
        raise exc

    def _backoff(self, failures: int, exc: Exception) -> float:
        delay = float(min(self.options.backoff_max, self.options.backoff_base * 2 ** (failures - 1)))
        response = getattr(exc, "response", None)
        retry_after = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(float(retry_after), self.options.backoff_max))
        return delay

    def _raise_empty(self) -> None:
        q = self.query
        if self.failure is not None:
            raise ReadFailedError(
                f"Reading the logs of revision {q.revision} failed: {self.failure}. "
                f"Tip: rerun in a minute, or lower --quota-rpm (now {self.options.quota_rpm})."
            )
        floor = f" at or above {q.severity}" if q.severity else ""
        raise NoEntriesError(
            f"No log entries{floor} for revision {q.revision} of service {q.service} in project {q.project} "
            f"{q.window.describe()}. Check --revision and the window. "
            f"Tip: gcloud run revisions list --service {q.service} --region REGION --project {q.project}"
        )


def _api_message(exc: Any) -> str:
    message = getattr(exc, "message", "") or str(exc)
    return str(message).rstrip(".")


def _key(entry: Mapping[str, Any]) -> tuple[str, str]:
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


def _entry_ns(entry: Mapping[str, Any]) -> int:
    """Nanoseconds of an entry's timestamp; an entry without a readable one sorts first."""
    try:
        return _ns(str(entry.get("timestamp", "")))
    except ValueError:
        return -1


def _ns_text(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z" if nanos else f"{stamp}Z"


# --- the verb: a revision's entries into a file, through the cache --------------------------------------

CACHE_GRACE_SECONDS = 300.0
"""A window is cached only when it ended at least this long before the read (late ingestion)."""


@dataclass(frozen=True)
class Fetched:
    """What fetch_to_file wrote and how the read went."""

    path: Path
    """The JSON array export written."""
    count: int
    """Entries written."""
    truncated: bool
    """A cap or a failure stopped the read early."""
    failure: str | None
    """Why the read gave up, when it did."""
    from_cache: bool
    """Served from the local cache without an API call."""
    requests: int = 0
    """entries.list requests sent."""
    pages: int = 0
    """Pages received."""
    retries: int = 0
    """Requests retried after a transient failure."""


def fetch_to_file(
    query: RevisionQuery,
    options: FetchOptions,
    dest: Path,
    *,
    now: datetime,
    cache: Cache | None = None,
    refresh: bool = False,
    progress: FetchProgress | None = None,
    transport: Transport | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """Write the revision's entries to ``dest`` as a gcloud-style export, from the cache when it holds this
    exact query (unless ``refresh``), else from Cloud Logging, caching a complete read of a closed window."""
    key = cache_key(options.api_endpoint, query.resource_names, query.filter)
    hit = cache.get(key) if cache is not None and not refresh else None
    if hit is not None:
        saved = SavedSource(hit[0], query.source_name, options.max_entries)
        count = write_export(_mappings(saved.entries()), dest)
        return Fetched(dest, count, saved.truncated, None, from_cache=True)
    source = CloudLoggingSource(
        query, options, transport=transport, progress=progress, clock=clock, sleep=sleep
    )
    count = write_export(_mappings(source.entries()), dest)
    closed = query.window.end.timestamp() <= now.timestamp() - CACHE_GRACE_SECONDS
    if cache is not None and closed and not source.truncated and source.failure is None:
        meta = CacheMeta(
            filter=query.filter,
            endpoint=options.api_endpoint,
            resource_names=query.resource_names,
            count=count,
            fetched_at=rfc3339(now),
        )
        cache.put(key, dest, meta)
    return Fetched(
        dest,
        count,
        source.truncated,
        source.failure,
        from_cache=False,
        requests=source.requests,
        pages=source.pages,
        retries=source.retries,
    )


def _mappings(entries: Iterator[RawEntry]) -> Iterator[Mapping[str, Any]]:
    for entry in entries:
        if isinstance(entry, Mapping):
            yield entry


def fetch_baseline(
    params: Mapping[str, Any], revision: str | None, **kwargs: Any
) -> tuple[EntrySource, SourceInfo]:
    """The baseline of a live triage (``params``: the triage command's options): ``revision`` read over the
    target's window, or with None the revision that served before the target. See logscan.previous."""
    from .previous import fetch_baseline as fetch

    return fetch(params, revision, **kwargs)
