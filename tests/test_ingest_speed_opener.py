"""continues.py's standard-library copies of the trace patterns answer as the regex module's do on ASCII."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from logscan.ingest import continues
from logscan.ingest.traces import CONTINUATION, OPENER

PATTERNS = [OPENER, CONTINUATION]
ASCII = [chr(c) for c in range(128)]


@pytest.mark.parametrize("escape", [r"\s", r"\S", r"\w", r"\W", r"\d", r"\D", r".", r"[^\n]"])
def test_each_class_holds_the_same_ascii_characters_in_both_modules(escape: str) -> None:
    theirs, ours = regex.compile(escape), re.compile(escape, re.ASCII)
    assert [c for c in ASCII if theirs.fullmatch(c)] == [c for c in ASCII if ours.fullmatch(c)]


@pytest.mark.parametrize("pattern", PATTERNS, ids=["opener", "continuation"])
def test_the_patterns_carry_no_flags(pattern: regex.Pattern[str]) -> None:
    assert pattern.flags == regex.compile("").flags
    assert not re.search(r"\(\?[aiLmsuxV]", pattern.pattern)  # no inline flags either
    assert "\\b" not in pattern.pattern.replace("\\\\", "")  # word boundaries: not covered by the check above


LINES = [
    'Exception in thread "main" java.lang.IllegalStateException: boom',
    "*" * 24,
    "Unhandled exception. System.InvalidOperationException: x",
    "fail: Microsoft.AspNetCore.Server.Kestrel[13]",
    "panic: runtime error: index out of range [3] with length 3",
    "fatal error: all goroutines are asleep - deadlock!",
    "goroutine 1 [running]:",
    "app/models/user.rb:12:in `save!': Validation failed (ActiveRecord::RecordInvalid)",
    "rails aborted!",
    "[15-Sep-2025 18:02:11 UTC] PHP Fatal error:  Uncaught Exception: boom",
    "node:internal/modules/cjs/loader:1080",
    "/app/server.js:12",
    "file:///app/index.mjs:3",
    "[UnhandledPromiseRejection: This error originated",
    "    at Module._compile (node:internal/modules/cjs/loader:1256:14)",
    "\tat com.acme.Main.run(Main.java:12)",
    "Caused by: java.io.IOException: closed",
    "\t... 12 more",
    "created by main.main",
    "\t/app/main.go:12 +0x1d",
    "main.main()",
    "Stack trace:",
    "#0 /var/www/index.php(12): run()",
    "   ---> System.Exception: inner",
    "from /app/lib/x.rb:3:in `call'",
    "plain words: nothing here",
    "",
    " ",
]


@pytest.mark.parametrize("line", LINES)
def test_known_lines_match_alike(line: str) -> None:
    for pattern in PATTERNS:
        assert bool(pattern.match(line)) == bool(re.compile(pattern.pattern, re.ASCII).match(line))


_COPIES = [re.compile(p.pattern, re.ASCII) for p in PATTERNS]
_PIECES = st.sampled_from(
    [
        *ASCII,
        "at ",
        "panic: ",
        "goroutine ",
        " [",
        "]:",
        ".js",
        ".go:",
        ":12",
        "\tat ",
        "Caused by: ",
        "#1 ",
        "Exception",
        "Error",
        "in `",
        "(Foo::Bar)",
        "node:internal/",
        "file:///",
        "*" * 20,
        " more",
        "--->",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join), st.sampled_from(LINES))
def test_any_ascii_line_matches_alike(noise: str, line: str) -> None:
    for text in (noise, line + noise, noise + line, line[: len(noise)] + noise):
        for pattern, copy in zip(PATTERNS, _COPIES, strict=True):
            assert bool(pattern.match(text)) == bool(copy.match(text)), text


def test_ascii_lines_switch_to_the_copy_after_enough_lines() -> None:
    screen = continues._TracePattern(OPENER)
    for _ in range(continues.SWITCH_AFTER - 1):
        assert screen.match("plain line") is False
    assert screen._ascii is None
    assert screen.match("panic: boom") is True
    assert screen._ascii is not None
    assert screen.match("panic: boom") is True and screen.match("plain") is False
    assert screen.match("panic: bööm") is True  # not ASCII: the regex module's pattern
