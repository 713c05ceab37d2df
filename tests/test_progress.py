"""Progress on standard error while a long triage reads: only when it is a terminal (issue 12 item 15)."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.cli.progress import ReadProgress, reading_progress

from .conftest import REPO


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_shows_entries_rate_and_elapsed_time_on_a_terminal() -> None:
    out = io.StringIO()
    clock = _Clock()
    progress = ReadProgress("Reading logs.json", file=out, force_terminal=True, clock=clock)
    assert progress.enabled
    for n in range(0, 400_001, 2048):
        clock.now = 100.0 + n / 100_000
        progress(n)
    clock.now = 104.0
    progress(400_000)
    progress.close()
    assert "Reading logs.json: 400,000 entries, 100,000 entries/s, 4.0 s" in out.getvalue()


def test_nothing_is_written_when_standard_error_is_not_a_terminal() -> None:
    out = io.StringIO()
    with reading_progress([], file=out, force_terminal=False) as progress:
        assert progress is None
    assert out.getvalue() == ""
    result = CliRunner().invoke(cli, ["triage", "--example", "-o", os.devnull + ".md"])
    assert "Reading" not in result.stderr


def test_a_stream_that_is_no_terminal_is_told_as_rich_would_tell_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    with reading_progress([], file=io.StringIO()) as progress:
        assert progress is None
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats any stream as a terminal, and so do we
    with reading_progress([], file=io.StringIO()) as progress:
        assert progress is not None


def test_triage_on_a_terminal_shows_progress_on_standard_error(tmp_path: Path) -> None:
    """Run the real command with its standard error on a pseudo-terminal and its report on a pipe."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "160", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "logscan", "triage", "--example"],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
        cwd=tmp_path,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    report, _ = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    assert b"Reading " in seen and b"22 entries" in seen and b"entries/s" in seen
    assert b"Reading" not in report and report.startswith(b"<!-- logscan:")
