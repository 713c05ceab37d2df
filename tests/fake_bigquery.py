"""A local fake of BigQuery's REST API, driven by the real google-cloud-bigquery client in tests.

It serves on 127.0.0.1 (ephemeral port): ``jobs.insert`` (``POST .../jobs``, dry runs included),
``jobs.get`` and ``jobs.getQueryResults`` (``GET .../queries/{job}``, paged with
``maxResults`` and ``pageToken``). Each query it receives must parse in sqlglot's BigQuery dialect and be
one it was given: it answers with the rows DuckDB returns for the same query written in DuckDB's dialect,
over a Log Analytics view of a test export. It records every request, and can answer 403 or 404 the way
BigQuery does for a view the caller may not read or that does not exist.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import orjson
import sqlglot

MAX_PAGE = 50
"""Rows per page at most, whatever the client asks: small, so that tests page."""


@dataclass
class FakeBigQuery:
    """The fake's state: the queries it knows (BigQuery text -> DuckDB text), the connection, the jobs."""

    connection: duckdb.DuckDBPyConnection
    queries: dict[str, str]
    bytes_scanned: int
    """What a dry run or a query reports as totalBytesProcessed."""
    fail_with: tuple[int, str, str] | None = None
    """(HTTP status, reason, message) to answer every request with instead."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request."""
    results: dict[str, tuple[list[dict[str, Any]], list[list[Any]]]] = field(default_factory=dict)
    """Per job id: the schema fields and the rows."""
    rows_served: int = 0
    """Rows sent in getQueryResults pages."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    parsed: set[str] = field(default_factory=set)
    """Query texts already parsed as BigQuery SQL (a dry run and its run send the same text; a parse of
    the triage queries takes about a second)."""


_TYPES = {
    "VARCHAR": "STRING",
    "JSON": "JSON",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "BIGINT": "INTEGER",
    "HUGEINT": "INTEGER",
    "INTEGER": "INTEGER",
    "DOUBLE": "FLOAT",
    "BOOLEAN": "BOOLEAN",
}


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "TIMESTAMP":
        assert isinstance(value, datetime)
        return str(int(value.timestamp() * 1_000_000))  # the client asks for int64 microseconds
    if kind == "BOOLEAN":
        return "true" if value else "false"
    return str(value)


def _run(state: FakeBigQuery, sql: str) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    rel = state.connection.sql(state.queries[sql])
    kinds = [_TYPES.get(str(t), "STRING") for t in rel.types]
    schema = [
        {"name": name, "type": kind, "mode": "NULLABLE"}
        for name, kind in zip(rel.columns, kinds, strict=True)
    ]
    rows = [[_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in rel.fetchall()]
    return schema, rows


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Mapping[str, Any]) -> None:
        data = orjson.dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, reason: str, message: str) -> None:
        self._send(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [{"reason": reason, "message": message}],
                }
            },
        )

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return orjson.loads(self.rfile.read(length)) if length else {}

    def _route(self, method: str) -> None:
        state = self.server.state
        url = urlparse(self.path)
        with state.lock:
            state.requests.append((method, url.path))
        if state.fail_with is not None:
            self._error(*state.fail_with)
            return
        parts = url.path.strip("/").split("/")
        if parts[:2] != ["bigquery", "v2"] or len(parts) < 5 or parts[2] != "projects":
            self._error(404, "notFound", f"Unknown path {url.path}")
            return
        project, kind, rest = parts[3], parts[4], parts[5:]
        if method == "POST" and kind == "jobs" and not rest:
            self._insert(project, self._body())
        elif method == "GET" and kind == "jobs" and len(rest) == 1:
            self._send(200, self._job(project, rest[0], done=True))
        elif method == "GET" and kind == "queries" and len(rest) == 1:
            self._results(project, rest[0], parse_qs(url.query))
        else:
            self._error(404, "notFound", f"Unknown method {method} {url.path}")

    def do_POST(self) -> None:
        self._route("POST")

    def do_GET(self) -> None:
        self._route("GET")

    def _job(self, project: str, job_id: str, done: bool, dry_run: bool = False) -> dict[str, Any]:
        stats = {"totalBytesProcessed": str(self.server.state.bytes_scanned)}
        return {
            "kind": "bigquery#job",
            "id": f"{project}:US.{job_id}",
            "jobReference": {"projectId": project, "jobId": job_id, "location": "US"},
            "configuration": {"jobType": "QUERY", "dryRun": dry_run, "query": {"useLegacySql": False}},
            "status": {"state": "DONE" if done else "RUNNING"},
            "statistics": {"totalBytesProcessed": stats["totalBytesProcessed"], "query": stats},
        }

    def _insert(self, project: str, body: Mapping[str, Any]) -> None:
        state = self.server.state
        config = body.get("configuration", {})
        query = config.get("query", {})
        sql = query.get("query", "")
        dry_run = bool(config.get("dryRun") or query.get("dryRun"))
        if sql not in state.parsed:
            try:
                sqlglot.parse_one(sql, read="bigquery")
            except sqlglot.errors.ParseError as exc:
                self._error(400, "invalidQuery", f"Syntax error: {str(exc).splitlines()[0]}")
                return
            with state.lock:
                state.parsed.add(sql)
        if sql not in state.queries:
            self._error(400, "invalidQuery", "The fake does not know this query.")
            return
        job_id = (body.get("jobReference") or {}).get("jobId") or f"job_{uuid.uuid4().hex[:12]}"
        if dry_run:
            self._send(200, self._job(project, job_id, done=True, dry_run=True))
            return
        result = _run(state, sql)
        with state.lock:
            state.results[job_id] = result
        self._send(200, self._job(project, job_id, done=True))

    def _results(self, project: str, job_id: str, params: Mapping[str, list[str]]) -> None:
        state = self.server.state
        if job_id not in state.results:
            self._error(404, "notFound", f"Not found: Job {project}:{job_id}")
            return
        schema, rows = state.results[job_id]
        start = int(params.get("pageToken", ["0"])[0])
        wanted = params.get("maxResults", [str(MAX_PAGE)])[0]
        size = min(MAX_PAGE, int(wanted)) if int(wanted) > 0 else 0
        page = rows[start : start + size]
        with state.lock:
            state.rows_served += len(page)
        body: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": {"projectId": project, "jobId": job_id, "location": "US"},
            "schema": {"fields": schema},
            "totalRows": str(len(rows)),
            "jobComplete": True,
            "totalBytesProcessed": str(state.bytes_scanned),
        }
        if size:
            body["rows"] = [{"f": [{"v": v} for v in row]} for row in page]
            if start + size < len(rows):
                body["pageToken"] = str(start + size)
        self._send(200, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeBigQuery) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextlib.contextmanager
def serve(state: FakeBigQuery) -> Iterator[str]:
    """Serve the fake on a loopback port; yields its endpoint URL."""
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
