"""A Cloud Run rollout whose log entries appear over time in a FakeLogging store (for logscan watch tests).

A Rollout is a list of steps (seconds after the start, entries made at that moment); a thread ingests
each step into the fake when its time comes, stamping the entries with the real clock, as a revision's
container writes them and Cloud Logging makes them visible. The thread is bounded by the last step and
stops when asked. The texts are what a gunicorn service on Cloud Run prints.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .fake_logging import FakeLogging, ns_text

PROJECT = "demo-proj"
SERVICE = "orders-api"
REVISION = "orders-api-00008-zug"
REGION = "europe-west1"
INSTANCE = "0069c7a988e8d2f1a6c6e4b3dd4bd0f02ba0d8b5c6f54b4b1e6ad5fbd0a2bb9a9cbe6c27d3e4c5a1f0e7d2b8c9"

Make = Callable[[int], dict[str, Any]]
"""Builds one entry from its timestamp in nanoseconds."""


def _entry(log: str, ns: int, **fields: Any) -> dict[str, Any]:
    digest = hashlib.sha1(f"{log}:{ns}:{sorted(fields.items())!r}".encode()).hexdigest()
    return {
        "insertId": digest[:24],
        "logName": f"projects/{PROJECT}/logs/run.googleapis.com%2F{log}",
        "resource": {
            "type": "cloud_run_revision",
            "labels": {
                "configuration_name": SERVICE,
                "location": REGION,
                "project_id": PROJECT,
                "revision_name": REVISION,
                "service_name": SERVICE,
            },
        },
        "timestamp": ns_text(ns),
        "receiveTimestamp": ns_text(ns + 95_000_000),
        "labels": {"instanceId": INSTANCE},
        **fields,
    }


def system(text: str, severity: str = "INFO") -> Make:
    return lambda ns: _entry("varlog%2Fsystem", ns, textPayload=text, severity=severity)


def stdout(text: str) -> Make:
    return lambda ns: _entry("stdout", ns, textPayload=text)


def stderr(text: str, severity: str = "ERROR") -> Make:
    return lambda ns: _entry("stderr", ns, textPayload=text, severity=severity)


def request(path: str, status: int = 200) -> Make:
    return lambda ns: _entry(
        "requests",
        ns,
        severity="ERROR" if status >= 500 else "INFO",
        httpRequest={
            "requestMethod": "GET",
            "requestUrl": f"https://{SERVICE}-5hxq2k3l7a-ew.a.run.app{path}",
            "status": status,
            "responseSize": "873",
            "userAgent": "curl/8.5.0",
            "remoteIp": "203.0.113.24",
            "latency": "0.031207s",
            "protocol": "HTTP/1.1",
        },
        trace=f"projects/{PROJECT}/traces/{hashlib.sha1(str(ns).encode()).hexdigest()[:32]}",
    )


def healthy_start() -> list[Make]:
    return [
        system(
            "Starting new instance. Reason: DEPLOYMENT - Instance started due to traffic shifting between revisions due to deployment, traffic split adjustment, or deployment health check."
        ),
        stderr("[2026-12-02 01:00:00 +0000] [1] [INFO] Starting gunicorn 23.0.0", "INFO"),
        stderr("[2026-12-02 01:00:00 +0000] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)", "INFO"),
        stderr("[2026-12-02 01:00:00 +0000] [1] [INFO] Booting worker with pid: 7", "INFO"),
        system(
            'Default STARTUP TCP probe succeeded after 1 attempt for container "orders-api-1" on port 8080.'
        ),
    ]


def crash() -> list[Make]:
    """An unhandled exception on a request, one entry per line as Cloud Run stores them, then the exit."""
    lines = [
        "Traceback (most recent call last):",
        '  File "/app/orders/handlers.py", line 88, in create_order',
        "    quote = pricing.quote(payload)",
        '  File "/app/orders/pricing.py", line 17, in quote',
        "    from orders.tax import rates",
        "ModuleNotFoundError: No module named 'orders.tax'",
    ]
    return [
        *(stderr(line) for line in lines),
        system("Container called exit(1).", "ERROR"),
    ]


@dataclass
class Rollout:
    """Steps of (seconds after start, entries) ingested into ``fake`` as their time comes."""

    fake: FakeLogging
    steps: list[tuple[float, list[Make]]]
    ingested: list[tuple[float, str]] = field(default_factory=list)
    """(monotonic time, insertId) of every entry ingested, in order."""

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Rollout:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        start = time.monotonic()
        for offset, makes in sorted(self.steps, key=lambda s: s[0]):
            if self._stop.wait(max(0.0, start + offset - time.monotonic())):
                return
            ns = time.time_ns()
            entries = [make(ns + i * 1000) for i, make in enumerate(makes)]
            self.fake.ingest(entries)
            now = time.monotonic()
            self.ingested.extend((now, e["insertId"]) for e in entries)

    def first_ingest_of(self, predicate: Callable[[dict[str, Any]], bool]) -> float:
        """Monotonic time at which the first entry matching predicate was ingested."""
        ids = {e["insertId"] for e in self.fake.entries if predicate(dict(e))}
        return next(t for t, insert_id in self.ingested if insert_id in ids)


def every(
    start: float, end: float, step: float, makes: Callable[[], list[Make]]
) -> list[tuple[float, list[Make]]]:
    """Steps from start to end (exclusive) every step seconds."""
    out = []
    t = start
    while t < end:
        out.append((round(t, 3), makes()))
        t += step
    return out


def now_utc() -> datetime:
    return datetime.now(UTC)
