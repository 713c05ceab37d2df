"""Severity is a hint, never the only evidence (issue 13): the stacks' failures are found by their text at
any severity, and their routine stderr lines are noise even when they arrive as ERROR."""

from __future__ import annotations

import pytest

from logscan.classify.classify import classify
from logscan.classify.library import load_library
from logscan.model import Event, EventClass
from tests.factories import record

FAILURES = {
    "panic: runtime error: index out of range [3] with length 3": EventClass.REGRESSION,
    "fatal error: concurrent map writes": EventClass.REGRESSION,
    "Error: Cannot find module 'express'": EventClass.REGRESSION,
    'Exception in thread "main" java.lang.IllegalStateException: no datasource': EventClass.REGRESSION,
    'PHP Fatal error:  Uncaught Error: Class "Redis" not found in /var/www/html/src/Cache.php:8': EventClass.REGRESSION,
    "Unhandled exception. System.InvalidOperationException: Sequence contains no elements": EventClass.REGRESSION,
    "/app/app/models/order.rb:12:in `total': undefined method `sum' for nil:NilClass (NoMethodError)": EventClass.REGRESSION,
    "Could not resolve placeholder 'JWT_SECRET' in value \"${JWT_SECRET}\"": EventClass.EXPECTED_CONFIG,
    'time=2024-05-02T10:11:12.345Z level=ERROR msg="db ping failed" err="i/o timeout"': EventClass.REGRESSION,
    "goroutine 1 [running]:": EventClass.REGRESSION,
    "Error: getaddrinfo ENOTFOUND undefined": EventClass.EXPECTED_CONFIG,
}
ROUTINE = [
    "Server listening on port 8080",
    "warn  - You have enabled experimental feature (serverActions) in next.config.js.",
    "tput: No value for $TERM and no -T specified",
    '169.254.1.1 -  06/Oct/2025:08:30:04 +0000 "GET /index.php" 200',
    "[06-Oct-2025 08:30:01] NOTICE: fpm is running, pid 1",
    "* Listening on http://0.0.0.0:8080",
    "info: Microsoft.Hosting.Lifetime[0]",
    "Hosting environment: Production",
    "Debugger listening on ws://127.0.0.1:9229/2b4e-11ee",
    'SLF4J: Failed to load class "org.slf4j.impl.StaticLoggerBinder".',
    "2024-05-02 10:11:12.345 [main] INFO  Application - Responding at http://0.0.0.0:8080",
    'time=2024-05-02T10:11:12.345Z level=INFO msg="server started" addr=:8080',
    "[02-Dec-2024 10:00:00] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it",
    "2024-05-02T10:11:12.345Z  INFO 1 --- [main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat initialized",
]
LIBRARY = load_library()


def _class(text: str, severity: str) -> str:
    one = record(text, severity=severity)
    [found] = classify([Event(records=(one,), text=text, clean=text)], LIBRARY)
    return found.klass


@pytest.mark.parametrize("severity", ["DEFAULT", "ERROR"])
@pytest.mark.parametrize("text", sorted(FAILURES))
def test_a_failure_is_found_by_its_text_at_any_severity(text: str, severity: str) -> None:
    assert _class(text, severity) == FAILURES[text]


@pytest.mark.parametrize("severity", ["DEFAULT", "ERROR", "CRITICAL"])
@pytest.mark.parametrize("text", ROUTINE)
def test_a_routine_stderr_line_is_noise_whatever_its_severity(text: str, severity: str) -> None:
    assert _class(text, severity) == EventClass.NOISE
