"""Text-paste prefixes: docker -t timestamps, gcloud's timestamp and severity, compose service names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from logscan.config import Config
from logscan.ingest.normalize import normalize
from logscan.ingest.prefix import split_prefix
from logscan.sources.files import FileSource

from .factories import triaged


@pytest.mark.parametrize(
    ("line", "text", "timestamp", "severity", "service"),
    [
        (
            "2024-05-02T10:11:12.123456789Z Error: Cannot find module 'express'",
            "Error: Cannot find module 'express'",
            datetime(2024, 5, 2, 10, 11, 12, 123456, tzinfo=UTC),
            None,
            None,
        ),
        (
            "2024-05-02T12:11:12+02:00 panic: runtime error",
            "panic: runtime error",
            datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC),
            None,
            None,
        ),
        (
            "ERROR 2024-05-02 10:11:12 PHP Fatal error:  Uncaught Error",
            "PHP Fatal error:  Uncaught Error",
            datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC),
            "ERROR",
            None,
        ),
        (
            "2024-05-02 10:11:12 WARN listening on 8080",
            "listening on 8080",
            datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC),
            "WARNING",
            None,
        ),
        (
            "api-1  | 2024-05-02T10:11:12Z SEVERE [main] stopped",
            "SEVERE [main] stopped",
            datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC),
            None,
            "api-1",
        ),
        ("web_1      | Listening on port 3000", "Listening on port 3000", None, None, "web_1"),
        # a Logs Explorer copy: the severity word before an RFC 3339 timestamp
        (
            "ERROR 2023-08-17T15:10:08.382230Z Default STARTUP TCP probe failed 1 time consecutively",
            "Default STARTUP TCP probe failed 1 time consecutively",
            datetime(2023, 8, 17, 15, 10, 8, 382230, tzinfo=UTC),
            "ERROR",
            None,
        ),
        # an offset after the time
        (
            "2022-04-23 15:04:14 +0200 [11] ERROR: No application configured, nothing to run",
            "[11] ERROR: No application configured, nothing to run",
            datetime(2022, 4, 23, 13, 4, 14, tzinfo=UTC),
            None,
            None,
        ),
        # Spring Boot's own format: the level after a timestamp with a fraction is the app's text
        (
            "2024-05-02 10:11:12.345 ERROR 1 --- [main] o.s.boot.SpringApplication : Application run failed",
            "ERROR 1 --- [main] o.s.boot.SpringApplication : Application run failed",
            datetime(2024, 5, 2, 10, 11, 12, 345000, tzinfo=UTC),
            None,
            None,
        ),
    ],
)
def test_prefixes_are_parsed(
    line: str, text: str, timestamp: datetime | None, severity: str | None, service: str | None
) -> None:
    found = split_prefix(line)
    assert found is not None
    assert (found.text, found.timestamp, found.severity, found.service) == (
        text,
        timestamp,
        severity,
        service,
    )


@pytest.mark.parametrize(
    "line",
    [
        "2025-08-28 00:20:01,683 - auth_service.main - INFO - ready",  # Python logging's own format
        "GET /healthz | 200",
        "SEVERE [main] org.apache.catalina.core.StandardService.startInternal",
        "2024/05/02 10:11:12 listening on :8080",  # Go's log package: the app's format
    ],
)
def test_text_without_a_tool_prefix_is_left_alone(line: str) -> None:
    assert split_prefix(line) is None


def test_normalize_takes_the_prefix_into_the_record_and_keeps_the_text() -> None:
    line = "ERROR 2024-05-02 10:11:12 panic: assignment to entry in nil map"
    record = normalize(line, 0, "paste.txt", 65536)
    assert record.clean == "panic: assignment to entry in nil map"
    assert record.text == line
    assert record.severity == "ERROR"
    assert record.timestamp == datetime(2024, 5, 2, 10, 11, 12, tzinfo=UTC)


_LINES = [
    "Listening on port 8080",
    "/app/server.js:12",
    "    throw err;",
    "    ^",
    "",
    "Error: Cannot find module 'express'",
    "Require stack:",
    "- /app/server.js",
    "    at Module._resolveFilename (node:internal/modules/cjs/loader:1140:15)",
    "    at Object.<anonymous> (/app/server.js:12:17)",
    "",
    "Node.js v20.11.1",
    "(node:1) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.",
]


@pytest.mark.parametrize(
    "prefix", ["2024-05-02T10:11:12.{i:06d}Z ", "api-1  | 2024-05-02T10:11:12.{i:06d}Z "]
)
def test_a_timestamped_paste_gets_the_verdict_of_the_bare_lines(tmp_path: Path, prefix: str) -> None:
    bare = tmp_path / "bare.txt"
    bare.write_text("\n".join(_LINES) + "\n")
    stamped = tmp_path / "stamped.txt"
    stamped.write_text("\n".join(prefix.format(i=i) + line for i, line in enumerate(_LINES)) + "\n")
    config = Config(jobs=1)
    plain, dated = triaged([FileSource(str(bare))], config), triaged([FileSource(str(stamped))], config)
    assert dated.verdict.level == plain.verdict.level
    assert [(f.klass, f.rule, f.count) for f in dated.findings] == [
        (f.klass, f.rule, f.count) for f in plain.findings
    ]
