"""A local fake of the Cloud Logging API v2 REST method ``POST /v2/entries:list``, for tests and benchmarks.

It serves on 127.0.0.1 with an ephemeral port, evaluates the filter shapes logscan sends (and rejects any
other clause with 400 INVALID_ARGUMENT, as the real API rejects bad filters), pages with ``nextPageToken``,
records every request body, and injects faults: 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, a slow page, a
dropped connection, 403 PERMISSION_DENIED, 404 for an unknown project, and a requests-per-window quota.

Run it alone for a manual ``logscan fetch`` (or, with --control, for a benchmark):
    python tests/fake_logging.py --entries 5000 [--quota 60 --window 60]
prints ``PORT <n>`` on stdout and serves until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import re
import socket
import sys
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

SEVERITY_RANK = {
    "DEFAULT": 0,
    "DEBUG": 100,
    "INFO": 200,
    "NOTICE": 300,
    "WARNING": 400,
    "ERROR": 500,
    "CRITICAL": 600,
    "ALERT": 700,
    "EMERGENCY": 800,
}
MAX_PAGE_SIZE = 1000
_TS = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")


def ts_ns(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 UTC time with up to nine fraction digits."""
    m = _TS.fullmatch(text)
    if not m:
        raise ValueError(f"not an RFC 3339 UTC time: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    base = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    frac = (m.group(7) or "").ljust(9, "0")
    return int(base.timestamp()) * 1_000_000_000 + int(frac)


def ns_text(ns: int) -> str:
    """RFC 3339 with nine fraction digits, as the Logging API writes timestamps."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


# --- faults --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """What the fake does to one request instead of (or before) answering it."""

    kind: str
    """status | slow | drop | drop_body | body (send ``body`` as it is, with ``content_type``)."""
    status: int = 0
    """HTTP status for kind=status."""
    reason: str = ""
    """Google RPC status name (RESOURCE_EXHAUSTED...)."""
    delay: float = 0.0
    """Seconds to wait before answering (kind=slow)."""
    retry_after: float | None = None
    """Retry-After header to send with a 429."""
    body: bytes = b""
    """The raw body of kind=body."""
    content_type: str = "application/json; charset=UTF-8"
    """Its Content-Type."""


RESOURCE_EXHAUSTED = Fault("status", 429, "RESOURCE_EXHAUSTED")
UNAVAILABLE = Fault("status", 503, "UNAVAILABLE")
PERMISSION_DENIED = Fault("status", 403, "PERMISSION_DENIED")
DROP = Fault("drop")
"""Close the connection without any response."""
DROP_BODY = Fault("drop_body")
"""Send the headers and half the body, then close."""
HTML_PAGE = Fault(
    "body",
    200,
    body=b"<!DOCTYPE html>\n<html><head><title>Sign in - Corporate proxy</title></head><body>...</body></html>",
    content_type="text/html; charset=utf-8",
)
"""A proxy's sign-in page answered with 200, where JSON was expected."""
MALFORMED = Fault("body", 200, body=b'{"entries": [{"insertId": "a1", "timestamp": "2025-03-01T09:00:0')
"""A JSON body cut short."""


@dataclass
class Misbehaviour:
    """How a broken or hostile server pages: the same token forever, pages that repeat earlier entries."""

    repeat_token: bool = False
    """Every answer carries the first page's nextPageToken again (and, asked for it, the first page again)."""
    empty_pages: bool = False
    """With repeat_token or churn: pages carry no entries."""
    churn: bool = False
    """Every answer carries a new nextPageToken, forever."""
    overlap: int = 0
    """Each next page starts this many entries before where the last one ended (entries sent twice)."""


def slow(seconds: float) -> Fault:
    """Answer normally after ``seconds``."""
    return Fault("slow", delay=seconds)


# --- the filter subset ---------------------------------------------------------------------------------

Predicate = Callable[[Mapping[str, Any]], bool]


class FilterError(ValueError):
    """The filter uses a clause the fake does not understand."""


@dataclass
class ParsedFilter:
    predicate: Predicate
    lower_ns: int | None = None
    upper_ns: int | None = None


_CMP = re.compile(r'(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>>=|<=|!=|=|<|>)\s*(?:"(?P<q>[^"]*)"|(?P<w>[A-Z]+))')


def parse_filter(text: str) -> ParsedFilter:
    """Conjunctions (AND, or newlines) of field comparisons and parenthesized OR groups of them."""
    parsed = ParsedFilter(lambda _e: True)
    preds: list[Predicate] = []
    for clause in _split(text, "AND"):
        predicate = _clause(clause, parsed)
        if not clause.startswith("timestamp"):  # top-level time bounds are applied by position instead
            preds.append(predicate)
    parsed.predicate = lambda e: all(p(e) for p in preds)
    return parsed


def _split(text: str, word: str) -> list[str]:
    """Split at top-level `` word `` (and newlines for AND), ignoring quoted text and parentheses."""
    parts: list[str] = []
    depth = 0
    in_q = False
    cur: list[str] = []
    i = 0
    sep = f" {word} "
    while i < len(text):
        c = text[i]
        if c == '"':
            in_q = not in_q
        elif not in_q and c == "(":
            depth += 1
        elif not in_q and c == ")":
            depth -= 1
        if not in_q and depth == 0:
            if text.startswith(sep, i):
                parts.append("".join(cur))
                cur = []
                i += len(sep)
                continue
            if word == "AND" and c == "\n":
                parts.append("".join(cur))
                cur = []
                i += 1
                continue
        cur.append(c)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _clause(clause: str, parsed: ParsedFilter) -> Predicate:
    if clause.startswith("(") and clause.endswith(")"):
        alternatives = [_clause(c, ParsedFilter(lambda _e: True)) for c in _split(clause[1:-1], "OR")]
        return lambda e: any(p(e) for p in alternatives)
    m = _CMP.fullmatch(clause)
    if not m:
        raise FilterError(f"unparseable clause {clause!r}")
    name, op, value = (
        m.group("field"),
        m.group("op"),
        m.group("q") if m.group("q") is not None else m.group("w"),
    )
    if name == "timestamp":
        bound = ts_ns(_normalize_ts(value))
        if op == ">=":
            parsed.lower_ns = bound if parsed.lower_ns is None else max(parsed.lower_ns, bound)
            return lambda e: ts_ns(e["timestamp"]) >= bound
        if op == "<":
            parsed.upper_ns = bound if parsed.upper_ns is None else min(parsed.upper_ns, bound)
            return lambda e: ts_ns(e["timestamp"]) < bound
        raise FilterError(f"timestamp{op} is not supported by the fake")
    if name == "severity":
        if value not in SEVERITY_RANK or op not in (">=", "="):
            raise FilterError(f"bad severity clause {clause!r}")
        rank = SEVERITY_RANK[value]
        if op == "=":
            return lambda e: SEVERITY_RANK.get(e.get("severity", "DEFAULT"), 0) == rank
        return lambda e: SEVERITY_RANK.get(e.get("severity", "DEFAULT"), 0) >= rank
    if op not in ("=", "!=") or m.group("q") is None:
        raise FilterError(f'only field="value" and field!="value" comparisons are supported: {clause!r}')
    path = name.split(".")
    if op == "!=":  # as in Cloud Logging, an entry without the field is not equal to the value
        return lambda e: _lookup(e, path) != value
    return lambda e: _lookup(e, path) == value


def _normalize_ts(value: str) -> str:
    if value.endswith("+00:00"):
        value = value[:-6] + "Z"
    return value


def _lookup(entry: Mapping[str, Any], path: list[str]) -> Any:
    node: Any = entry
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


# --- the store and the server --------------------------------------------------------------------------


@dataclass
class Recorded:
    """One request as the fake saw it."""

    body: dict[str, Any]
    arrived: float
    status: int = 200
    returned: int = 0
    insert_ids: tuple[str, ...] = ()
    """insertId of every entry returned, in order."""


@dataclass
class FakeLogging:
    """The fake API. Use as a context manager; ``url`` is the endpoint to pass to ``--endpoint``."""

    entries: Sequence[Mapping[str, Any]] = ()
    """Entries of every project, any order; the fake sorts them by timestamp."""
    projects: tuple[str, ...] = ("demo-proj",)
    """Projects that exist; any other gets 404 NOT_FOUND."""
    denied: tuple[str, ...] = ()
    """Projects the caller may not read: 403 PERMISSION_DENIED."""
    faults: dict[int, Fault] = field(default_factory=dict)
    """Fault by request number (0-based, counting every entries:list request)."""
    quota: int | None = None
    """Requests accepted per quota window; beyond it, 429 RESOURCE_EXHAUSTED."""
    quota_window: float = 60.0
    """Quota window in seconds (a benchmark scales the minute down)."""
    max_page: int = MAX_PAGE_SIZE
    """Largest page the fake returns, whatever pageSize asks."""
    misbehave: Misbehaviour = field(default_factory=Misbehaviour)
    """Paging faults of a broken or hostile server."""

    def __post_init__(self) -> None:
        self._index()
        self.requests: list[Recorded] = []
        self.quota_rejections = 0
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _index(self) -> None:
        fast = getattr(self.entries, "timestamps", None)
        stamps = fast() if callable(fast) else [ts_ns(e["timestamp"]) for e in self.entries]
        self._order = sorted(range(len(stamps)), key=stamps.__getitem__)
        self._ts = [stamps[i] for i in self._order]

    def ingest(self, late: Sequence[Mapping[str, Any]]) -> None:
        """Entries that arrive late (Cloud Logging's ingestion delay): visible to later requests."""
        with self._lock:
            self.entries = [*self.entries, *late]
            self._index()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    def start(self) -> FakeLogging:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeLogging:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # The API's behaviour, independent of HTTP: (status, body dict, fault to apply).
    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], Fault | None]:
        now = time.monotonic()
        with self._lock:
            number = len(self.requests)
            record = Recorded(body=body, arrived=now)
            self.requests.append(record)
            fault = self.faults.get(number)
            status, payload = self._decide(body, fault, now)
            record.status = status
            record.returned = len(payload.get("entries", ()))
            record.insert_ids = tuple(str(e.get("insertId")) for e in payload.get("entries", ()))
        return status, payload, fault

    def _decide(self, body: dict[str, Any], fault: Fault | None, now: float) -> tuple[int, dict[str, Any]]:
        if fault is not None and fault.kind == "body":
            return fault.status, {}
        if fault is not None and fault.kind == "status":
            return fault.status, _error(fault.status, fault.reason, f"Injected {fault.reason}.")
        names = body.get("resourceNames") or []
        if not names or not all(isinstance(n, str) and n.startswith("projects/") for n in names):
            return 400, _error(400, "INVALID_ARGUMENT", "resourceNames must name projects/PROJECT_ID.")
        projects = [n.split("/", 1)[1] for n in names]
        for project in projects:
            if project in self.denied:
                return 403, _error(
                    403,
                    "PERMISSION_DENIED",
                    f"The caller does not have permission (logging.logEntries.list on {project}).",
                )
            if project not in self.projects:
                return 404, _error(404, "NOT_FOUND", f"Project {project} does not exist.")
        if self.quota is not None:
            while self._accepted and self._accepted[0] <= now - self.quota_window:
                self._accepted.popleft()
            if len(self._accepted) >= self.quota:
                self.quota_rejections += 1
                return 429, _error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' "
                    "of service 'logging.googleapis.com'.",
                )
            self._accepted.append(now)
        try:
            parsed = parse_filter(str(body.get("filter", "")))
        except (FilterError, ValueError) as exc:
            return 400, _error(400, "INVALID_ARGUMENT", f"Invalid filter: {exc}")
        page_size = int(body.get("pageSize") or 50)
        if page_size <= 0:
            return 400, _error(400, "INVALID_ARGUMENT", "pageSize must be positive.")
        order = body.get("orderBy", "timestamp asc")
        if order not in ("timestamp asc", "timestamp desc"):
            return 400, _error(400, "INVALID_ARGUMENT", f"Unsupported orderBy {order!r}.")
        descending = order == "timestamp desc"
        log_prefixes = tuple(f"projects/{p}/logs/" for p in projects)
        key = _token_key(body)
        token = body.get("pageToken")
        if token:
            try:
                token_key, position_text = str(token).split(":")[:2]
                position = int(position_text)
            except ValueError:
                return 400, _error(400, "INVALID_ARGUMENT", "Invalid page token.")
            if token_key != key:
                return 400, _error(400, "INVALID_ARGUMENT", "The page token does not belong to this query.")
        elif descending:
            position = (
                bisect_left(self._ts, parsed.upper_ns) if parsed.upper_ns is not None else len(self._ts)
            ) - 1
        else:
            position = bisect_left(self._ts, parsed.lower_ns) if parsed.lower_ns is not None else 0
        step = -1 if descending else 1
        limit = min(page_size, self.max_page)
        found: list[Mapping[str, Any]] = []
        while self._inside(position, parsed) and len(found) < limit:
            entry = self.entries[self._order[position]]
            position += step
            if str(entry.get("logName", "")).startswith(log_prefixes) and parsed.predicate(entry):
                found.append(entry)
        payload: dict[str, Any] = {"entries": found} if found else {}
        if self._inside(position, parsed):
            payload["nextPageToken"] = f"{key}:{position}"
        return 200, self._misbehave(payload, key, len(self.requests))

    def _misbehave(self, payload: dict[str, Any], key: str, number: int) -> dict[str, Any]:
        bad = self.misbehave
        if bad.empty_pages and (bad.repeat_token or bad.churn):
            payload = {k: v for k, v in payload.items() if k != "entries"}
        if bad.repeat_token:
            return {**payload, "nextPageToken": f"{key}:0"}
        if bad.churn:
            return {**payload, "nextPageToken": f"{key}:0:{number}"}
        if bad.overlap and "nextPageToken" in payload:
            position = int(payload["nextPageToken"].split(":")[1])
            return {**payload, "nextPageToken": f"{key}:{max(0, position - bad.overlap)}"}
        return payload

    def _inside(self, position: int, parsed: ParsedFilter) -> bool:
        """Whether the sorted position is within the store and the filter's time bounds."""
        if not 0 <= position < len(self._ts):
            return False
        ts = self._ts[position]
        return (parsed.lower_ns is None or ts >= parsed.lower_ns) and (
            parsed.upper_ns is None or ts < parsed.upper_ns
        )


def _token_key(body: Mapping[str, Any]) -> str:
    basis = orjson.dumps([body.get("filter"), body.get("resourceNames"), body.get("orderBy")])
    return hashlib.sha256(basis).hexdigest()[:12]


def _error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeLogging
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the recorded requests instead."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.split("?", 1)[0] != "/v2/entries:list":
            self._send(404, _error(404, "NOT_FOUND", f"No such method {self.path}."))
            return
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            self._send(400, _error(400, "INVALID_ARGUMENT", "Body is not JSON."))
            return
        status, payload, fault = self.owner.answer(body if isinstance(body, dict) else {})
        if fault is not None and fault.kind == "drop":
            self._abort()
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "body":
            self._send(fault.status, {}, fault.body, {"Content-Type": fault.content_type})
            return
        data = orjson.dumps(payload)
        headers = {}
        if status == 429 and fault is not None and fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        if fault is not None and fault.kind == "drop_body":
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
            except OSError:
                pass
            self._abort()
            return
        self._send(status, payload, data, headers)

    def _send(
        self,
        status: int,
        payload: Mapping[str, Any],
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        data = orjson.dumps(payload) if data is None else data
        try:
            headers = dict(headers or {})
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json; charset=UTF-8"))
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (a timeout test); nothing to answer
            self.close_connection = True

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


# --- realistic Cloud Run entries -----------------------------------------------------------------------

_INSTANCE = (
    "0069c7a988e8d2f1a6c6e4b3dd4bd0f02ba0d8b5c6f54b4b1e6ad5fbd0a2bb9a9cbe6c27d3e4c5a1f0e7d2b8c9a6f3e1d"
)


def cloud_run_entries(
    count: int,
    *,
    project: str = "demo-proj",
    service: str = "orders-api",
    revision: str = "orders-api-00007-qaz",
    start: str = "2025-03-01T09:00:00Z",
    step_ms: int = 1000,
    seed: int = 7,
) -> list[dict[str, Any]]:
    """``count`` entries of one revision as Cloud Logging stores them: request logs, stdout, stderr
    (Python tracebacks carrying errorGroups), and system logs, every one with receiveTimestamp."""
    return [
        cloud_run_entry(
            i, project=project, service=service, revision=revision, start=start, step_ms=step_ms, seed=seed
        )
        for i in range(count)
    ]


def cloud_run_entry(
    i: int,
    *,
    project: str = "demo-proj",
    service: str = "orders-api",
    revision: str = "orders-api-00007-qaz",
    start: str = "2025-03-01T09:00:00Z",
    step_ms: int = 1000,
    seed: int = 7,
) -> dict[str, Any]:
    """The i-th entry of the stream cloud_run_entries describes (the same i always gives the same entry)."""
    base = _stamp(i, start, step_ms)
    digest = hashlib.sha1(f"{seed}:{project}:{revision}:{i}".encode()).hexdigest()
    resource = {
        "type": "cloud_run_revision",
        "labels": {
            "configuration_name": service,
            "location": "europe-west1",
            "project_id": project,
            "revision_name": revision,
            "service_name": service,
        },
    }
    entry: dict[str, Any] = {
        "insertId": digest[:24],
        "resource": resource,
        "timestamp": ns_text(base),
        "receiveTimestamp": ns_text(base + 180_000_000 + (i % 13) * 1_000_000),
        "labels": {"instanceId": _INSTANCE},
    }
    kind = i % 10
    trace = f"projects/{project}/traces/{digest[:32]}"
    if kind in (0, 4, 8):
        status = 500 if i % 50 == 0 else 200
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Frequests",
            severity="ERROR" if status >= 500 else "INFO",
            httpRequest={
                "requestMethod": "POST" if i % 3 else "GET",
                "requestUrl": f"https://{service}-5hxq2k3l7a-ew.a.run.app/v1/orders/{i}",
                "requestSize": "412",
                "status": status,
                "responseSize": "873" if status == 200 else "191",
                "userAgent": "Go-http-client/2.0",
                "remoteIp": "203.0.113.24",
                "serverIp": "216.239.36.53",
                "latency": f"0.{(i * 37) % 900 + 20:06d}s",
                "protocol": "HTTP/1.1",
            },
            trace=trace,
            spanId=digest[24:40],
            traceSampled=bool(i % 2),
        )
    elif kind == 9 and i % 50 == 49:
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Fstderr",
            severity="ERROR",
            textPayload=(
                "Traceback (most recent call last):\n"
                '  File "/app/orders/handlers.py", line 88, in create_order\n'
                "    order = repo.insert(payload)\n"
                '  File "/app/orders/repo.py", line 41, in insert\n'
                '    raise IntegrityError("duplicate key value violates unique constraint \\"orders_pkey\\"")\n'
                'orders.repo.IntegrityError: duplicate key value violates unique constraint "orders_pkey"'
            ),
            errorGroups=[{"id": "CJvU0rCUlfCZ5QE"}],
            trace=trace,
        )
    elif kind in (1, 5):
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Fstdout",
            jsonPayload={
                "message": f"order {i} accepted",
                "logger": "orders.handlers",
                "order_id": f"ord_{digest[:10]}",
                "latency_ms": (i * 13) % 250,
            },
            severity="INFO",
            trace=trace,
        )
    elif kind in (2, 6):
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Fstdout",
            textPayload=f'INFO:     169.254.169.126:{40000 + i % 9000} - "GET /healthz HTTP/1.1" 200 OK',
        )
    elif kind == 3 and i % 100 == 3:
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Fvarlog%2Fsystem",
            severity="INFO",
            textPayload="Starting new instance. Reason: AUTOSCALING - Instance started due to configured scaling factors (e.g. CPU utilization, request throughput, etc.) or no existing capacity for current traffic.",
        )
    elif kind == 7:
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Fstderr",
            severity="WARNING",
            textPayload=f"WARNING:orders.cache:cache miss for customer cus_{digest[:8]}, falling back to the database",
        )
    else:
        entry.update(
            logName=f"projects/{project}/logs/run.googleapis.com%2Fstdout",
            textPayload=f"DEBUG orders.repo: fetched {(i * 3) % 40 + 1} rows in {(i * 7) % 30 + 1} ms",
        )
    return entry


def _stamp(i: int, start: str, step_ms: int) -> int:
    """The i-th entry's time: one every step_ms, with sub-millisecond jitter that keeps the order."""
    return ts_ns(start) + i * step_ms * 1_000_000 + (i * 7919 % 997) * 1000


class SyntheticEntries(Sequence[Mapping[str, Any]]):
    """A long stream of one revision's entries built on demand, so a benchmark need not hold them all."""

    def __init__(self, count: int, **kwargs: Any) -> None:
        self._count = count
        self._kwargs = kwargs

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._count))]
        if not 0 <= i < self._count:
            raise IndexError(i)
        return cloud_run_entry(i, **self._kwargs)

    def timestamps(self) -> list[int]:
        """Every entry's time in nanoseconds, without building the entries."""
        start = str(self._kwargs.get("start", "2025-03-01T09:00:00Z"))
        step_ms = int(self._kwargs.get("step_ms", 1000))
        return [_stamp(i, start, step_ms) for i in range(self._count)]

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for i in range(self._count):
            yield cloud_run_entry(i, **self._kwargs)


def _stats(fake: FakeLogging) -> dict[str, Any]:
    accepted = [r.arrived for r in fake.requests if r.status == 200]
    return {
        "requests": len(fake.requests),
        "accepted": len(accepted),
        "rejected": fake.quota_rejections,
        "first": accepted[0] if accepted else None,
        "last": accepted[-1] if accepted else None,
        "returned": sum(r.returned for r in fake.requests),
    }


def _main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted; with --control, until stdin closes, and a line 'stats' prints what it saw."""
    parser = argparse.ArgumentParser(description="Serve a fake Cloud Logging entries:list on 127.0.0.1.")
    parser.add_argument("--entries", type=int, default=5000, help="synthetic entries of orders-api-00007-qaz")
    parser.add_argument("--step-ms", type=int, default=1000, help="milliseconds between entries")
    parser.add_argument("--quota", type=int, default=None, help="requests per window; 429 beyond")
    parser.add_argument("--window", type=float, default=60.0, help="quota window in seconds")
    parser.add_argument(
        "--control", action="store_true", help="read commands on stdin ('stats'); stop when stdin closes"
    )
    args = parser.parse_args(argv)
    fake = FakeLogging(
        entries=SyntheticEntries(args.entries, step_ms=args.step_ms),
        quota=args.quota,
        quota_window=args.window,
    )
    with fake:
        print(f"PORT {fake.url.rsplit(':', 1)[1]}", flush=True)
        try:
            if not args.control:
                while True:
                    time.sleep(3600)
            for line in sys.stdin:
                if line.strip() == "stats":
                    print(orjson.dumps(_stats(fake)).decode(), flush=True)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    _main()
