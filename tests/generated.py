"""Write a deterministic, API-shaped Cloud Run log export of any size, for tests and benchmarks.

    python benchmarks/generate.py --entries 100000 --out /tmp/export.json [--seed 7] [--format json|jsonl]

It lives beside the tests' other builders (factories.py, fake_logging.py): the tests import it, and so do the
benchmarks (benchmarks/generate.py is its command line), so no test imports anything from benchmarks/.

The output looks like `gcloud logging read --format=json`: a pretty-printed JSON array (two-space indent,
sorted keys) of LogEntry objects in API form, newest first. The mix follows what a busy Python service on
Cloud Run writes in its first hour: request logs with httpRequest and no text, uvicorn access lines, app
info lines in uvicorn, gunicorn, loguru (with ANSI colours) and python-logging formats, structured
jsonPayload entries, warnings, missing-configuration errors, DeprecationWarnings, tracebacks written to
stderr one line per entry and interleaved across instances, and Cloud Run's own varlog/system lines.

The same seed and size always give the same bytes. Entries are produced in blocks, each from its own
seeded generator, so a block can be made without the ones before it and the file is written newest
first without holding it in memory.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

PROJECT = "acme-staging"
SERVICE = "billing-api"
REVISION = "billing-api-00631-xgf"
LOCATION = "europe-west1"
START = datetime(2025, 9, 15, 18, 0, 0, tzinfo=UTC)
BLOCK = 500
"""Entries per independently seeded block."""
STEP_US = 3_600
"""Mean microseconds between entries: 1M entries span about an hour."""

_PATHS = ("/v1/invoices/{id}", "/v1/customers/{id}", "/healthz", "/v1/payments", "/v1/invoices", "/metrics")
_METHODS = ("GET", "GET", "GET", "POST", "PUT")
_LOGGERS = ("app.services.cache", "app.api.invoices", "app.db.session", "app.workers.sync", "app.auth.jwt")
_INFO_TEXTS = (
    "Cache warmed in {ms}ms ({n} keys)",
    "Fetched {n} invoices for customer {id}",
    "Sync job {hex} finished: {n} records updated",
    "Token refreshed for client {hex}",
    "Connection pool size={n} overflow=0",
)
_DEPRECATIONS = (
    "/usr/local/lib/python3.11/site-packages/pydantic/_internal/_config.py:291: PydanticDeprecatedSince20: "
    "Support for class-based `config` is deprecated, use ConfigDict instead. Deprecated in Pydantic V2.0 to be "
    "removed in V3.0.",
    "/usr/local/lib/python3.11/site-packages/websockets/legacy/__init__.py:6: DeprecationWarning: "
    "websockets.legacy is deprecated; see https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
    "/app/app/main.py:{line}: DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for "
    "removal in a future version. Use timezone-aware objects to represent datetimes in UTC.",
    "/usr/local/lib/python3.11/site-packages/sqlalchemy/orm/session.py:1520: FutureWarning: "
    "The Session.autocommit parameter is deprecated and will be removed in SQLAlchemy version 2.0.",
)
_CONFIG_ERRORS = (
    "POSTGRES_HOST environment variable is not set",
    "JWT secret not configured: set JWT_SECRET_KEY",
    "OPENAI_API_KEY is not set; LLM features are disabled",
    "REDIS_URL environment variable is not set, falling back to in-memory cache",
)
_WARNINGS = (
    "WARNING:  Invalid HTTP request received.",
    "[{ts}] [1] [WARNING] Worker with pid {pid} was terminated due to signal 15",
    "Retrying request to /v1/chat/completions in {ms}ms",
    "Slow query took {ms}ms: SELECT invoices.id FROM invoices WHERE customer_id = $1",
)
_TRACEBACKS = (
    (
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.11/site-packages/uvicorn/protocols/http/httptools_impl.py", line 426, '
        "in run_asgi",
        "    result = await app(  # type: ignore[func-returns-value]",
        '  File "/app/app/api/invoices.py", line {line}, in get_invoice',
        "    total = invoice.lines[0].amount",
        "IndexError: list index out of range",
    ),
    (
        "Traceback (most recent call last):",
        '  File "/app/app/settings.py", line 22, in <module>',
        '    DATABASE_URL = os.environ["POSTGRES_PASSWORD"]',
        '  File "<frozen os>", line 679, in __getitem__',
        "KeyError: 'POSTGRES_PASSWORD'",
    ),
    (
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker',
        "    worker.init_process()",
        '  File "/app/app/main.py", line 5, in <module>',
        "    from app.reporting import exporter",
        "ModuleNotFoundError: No module named 'app.reporting'",
    ),
)
_SYSTEM = (
    "Starting new instance. Reason: AUTOSCALING - Instance started due to configured scaling factors "
    "(e.g. CPU utilization, request throughput, etc.) or no existing capacity for current traffic.",
    'Default STARTUP TCP probe succeeded after 1 attempt for container "billing-api-1" on port 8080.',
    "Shutting down user disabled instance",
    "Container called exit(1).",
    "Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit, see "
    "https://cloud.google.com/run/docs/configuring/memory-limits",
)
_ANSI_LEVEL = {"INFO": "\x1b[1m", "WARNING": "\x1b[33m\x1b[1m", "ERROR": "\x1b[31m\x1b[1m"}


class _Block:
    """Entries of one block, oldest first, from a generator seeded by (seed, block number)."""

    def __init__(self, seed: int, number: int, instances: list[str]) -> None:
        self.rng = random.Random(seed * 1_000_003 + number)
        self.number = number
        self.instances = instances
        self.clock = START + timedelta(microseconds=number * BLOCK * STEP_US)
        self.out: list[dict[str, Any]] = []
        self.serial = 0

    def tick(self) -> datetime:
        self.clock += timedelta(microseconds=self.rng.randint(1, 2 * STEP_US))
        return self.clock

    def entry(self, stream: str, when: datetime, severity: str | None, instance: str, **payload: Any) -> None:
        self.serial += 1
        entry: dict[str, Any] = {
            "insertId": f"{self.number:08x}{self.serial:04x}{self.rng.getrandbits(48):012x}",
            "logName": f"projects/{PROJECT}/logs/run.googleapis.com%2F{stream.replace('/', '%2F')}",
            "receiveTimestamp": _rfc3339(when + timedelta(microseconds=self.rng.randint(50_000, 300_000)), 9),
            "resource": {
                "labels": {
                    "configuration_name": SERVICE,
                    "location": LOCATION,
                    "project_id": PROJECT,
                    "revision_name": REVISION,
                    "service_name": SERVICE,
                },
                "type": "cloud_run_revision",
            },
            "timestamp": _rfc3339(when, 6),
            "labels": {"instanceId": instance},
        }
        if severity is not None:
            entry["severity"] = severity
        entry.update(payload)
        self.out.append(entry)

    def fill(self) -> list[dict[str, Any]]:
        while len(self.out) < BLOCK:
            self._one()
        return self.out[:BLOCK]

    def _fmt(self, template: str) -> str:
        r = self.rng
        return template.format(
            ms=r.randint(2, 4000),
            n=r.randint(1, 900),
            hex=_uuid(r),
            id=r.randint(1000, 99999),
            line=r.randint(20, 400),
            pid=r.randint(8, 90),
            ts=self.clock.strftime("%Y-%m-%d %H:%M:%S +0000"),
        )

    def _one(self) -> None:
        r = self.rng
        when = self.tick()
        instance = r.choice(self.instances)
        roll = r.random()
        if roll < 0.34:
            self._request(when, instance)
        elif roll < 0.58:
            path = self._fmt(r.choice(_PATHS))
            status = r.choice((200, 200, 200, 201, 204, 304, 404, 422, 500))
            text = f'INFO:     169.254.169.126:{r.randint(30000, 60000)} - "{r.choice(_METHODS)} {path} HTTP/1.1" {status}'
            self.entry("stdout", when, None, instance, textPayload=text)
        elif roll < 0.80:
            self._app_info(when, instance)
        elif roll < 0.87:
            self.entry("stderr", when, "WARNING", instance, textPayload=self._fmt(r.choice(_WARNINGS)))
        elif roll < 0.90:
            self.entry("stderr", when, "ERROR", instance, textPayload=r.choice(_CONFIG_ERRORS))
        elif roll < 0.94:
            self.entry("stderr", when, None, instance, textPayload=self._fmt(r.choice(_DEPRECATIONS)))
        elif roll < 0.97:
            self._traceback(when)
        else:
            sev = r.choice(("INFO", "INFO", "INFO", "ERROR", "ERROR"))
            self.entry("varlog/system", when, sev, instance, textPayload=r.choice(_SYSTEM))

    def _request(self, when: datetime, instance: str) -> None:
        r = self.rng
        status = r.choice((200, 200, 200, 200, 201, 204, 302, 404, 500, 503))
        severity = "ERROR" if status >= 500 else "WARNING" if status >= 400 else "INFO"
        latency = r.randint(1, 4_000_000) / 1e6
        http = {
            "latency": f"{latency:.9f}s",
            "protocol": "HTTP/1.1",
            "remoteIp": f"203.0.113.{r.randint(1, 254)}",
            "requestMethod": r.choice(_METHODS),
            "requestSize": str(r.randint(200, 4000)),
            "requestUrl": f"https://{SERVICE}-5x2kq7nbfa-ew.a.run.app{self._fmt(r.choice(_PATHS))}",
            "responseSize": str(r.randint(60, 90000)),
            "serverIp": "216.239.36.53",
            "status": status,
            "userAgent": r.choice(("curl/8.5.0", "python-httpx/0.28.1", "Mozilla/5.0 (X11; Linux x86_64)")),
        }
        extra: dict[str, Any] = {
            "httpRequest": http,
            "trace": f"projects/{PROJECT}/traces/{r.getrandbits(128):032x}",
        }
        if status == 503 and r.random() < 0.5:
            extra["textPayload"] = (
                "The request failed because either the HTTP response was malformed or connection to the "
                "instance had an error. Additional troubleshooting documentation can be found at: "
                "https://cloud.google.com/run/docs/troubleshooting#malformed-response-or-connection-error"
            )
        self.entry("requests", when, severity, instance, **extra)

    def _app_info(self, when: datetime, instance: str) -> None:
        r = self.rng
        message = self._fmt(r.choice(_INFO_TEXTS))
        logger = r.choice(_LOGGERS)
        style = r.randrange(6)
        if style == 0:
            text = r.choice(
                (
                    "INFO:     Started server process [1]",
                    "INFO:     Waiting for application startup.",
                    "INFO:     Application startup complete.",
                    "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)",
                )
            )
            self.entry("stderr", when, None, instance, textPayload=text)
        elif style == 1:
            text = self._fmt(
                r.choice(
                    (
                        "[{ts}] [1] [INFO] Booting worker with pid: {pid}",
                        "[{ts}] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)",
                    )
                )
            )
            self.entry("stderr", when, None, instance, textPayload=text)
        elif style == 2:
            stamp = when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"
            text = (
                f"\x1b[32m{stamp}\x1b[0m | {_ANSI_LEVEL['INFO']}INFO    \x1b[0m | "
                f"\x1b[36m{logger}\x1b[0m:\x1b[36mrun\x1b[0m:\x1b[36m{r.randint(10, 300)}\x1b[0m - "
                f"{_ANSI_LEVEL['INFO']}{message}\x1b[0m"
            )
            self.entry("stdout", when, None, instance, textPayload=text)
        elif style == 3:
            stamp = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03d}"
            self.entry(
                "stdout", when, None, instance, textPayload=f"{stamp} - billing - {logger} - INFO - {message}"
            )
        elif style == 4:
            self.entry(
                "stdout",
                when,
                "INFO",
                instance,
                jsonPayload={"message": message, "logger": logger, "request_id": f"{r.getrandbits(64):016x}"},
            )
        else:
            self.entry("stdout", when, "INFO", instance, textPayload=message)

    def _traceback(self, when: datetime) -> None:
        """A traceback written line by line to stderr by two instances at once, interleaved."""
        r = self.rng
        lines = [[self._fmt(line) for line in r.choice(_TRACEBACKS)] for _ in range(2)]
        owners = r.sample(self.instances, 2)
        cursor = [0, 0]
        while cursor[0] < len(lines[0]) or cursor[1] < len(lines[1]):
            k = (
                r.randrange(2)
                if cursor[0] < len(lines[0]) and cursor[1] < len(lines[1])
                else (0 if cursor[0] < len(lines[0]) else 1)
            )
            sev = "ERROR" if cursor[k] == len(lines[k]) - 1 else None
            self.entry("stderr", when, sev, owners[k], textPayload=lines[k][cursor[k]])
            cursor[k] += 1
            when += timedelta(microseconds=r.randint(5, 200))


def _uuid(r: random.Random) -> str:
    h = f"{r.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _rfc3339(when: datetime, digits: int) -> str:
    frac = f"{when.microsecond:06d}" + "000"
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + frac[:digits] + "Z"


def entries(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """count entries, newest first, as gcloud prints them."""
    rng = random.Random(seed)
    instances = [f"0069c7a9883a{rng.getrandbits(400):0100x}{rng.getrandbits(200):050x}" for _ in range(6)]
    blocks = (count + BLOCK - 1) // BLOCK
    emitted = 0
    first_size = count - (blocks - 1) * BLOCK
    for number in range(blocks - 1, -1, -1):
        block = _Block(seed, number, instances).fill()
        block.reverse()
        take = first_size if number == blocks - 1 else BLOCK
        for entry in block[BLOCK - take :] if number == blocks - 1 else block:
            yield entry
            emitted += 1
    assert emitted == count


def write(out: IO[bytes], count: int, seed: int = 7, fmt: str = "json") -> None:
    """Write count entries to out as a gcloud JSON array (or JSONL)."""
    if fmt == "jsonl":
        for entry in entries(count, seed):
            out.write(orjson.dumps(entry) + b"\n")
        return
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    out.write(b"[\n")
    first = True
    for entry in entries(count, seed):
        body = b"  " + orjson.dumps(entry, option=option).replace(b"\n", b"\n  ")
        out.write(body if first else b",\n" + body)
        first = False
    out.write(b"\n]\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="how many log entries")
    parser.add_argument("--out", type=Path, required=True, help="file to write; - for stdout")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same bytes)")
    parser.add_argument("--format", choices=("json", "jsonl"), default="json", help="JSON array or JSONL")
    args = parser.parse_args(argv)
    if str(args.out) == "-":
        write(sys.stdout.buffer, args.entries, args.seed, args.format)
    else:
        with open(args.out, "wb") as fh:
            write(fh, args.entries, args.seed, args.format)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
