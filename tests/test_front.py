"""The front of the pipeline in a reader process gives exactly what it gives inline."""

from __future__ import annotations

import gzip
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.errors import InputError
from logscan.ingest import reader as front
from logscan.ingest.stream import Skips
from logscan.model import Event
from logscan.sources.files import FileSource

from . import generated


@pytest.fixture
def reader_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the reader process take files of any size, on any machine."""
    monkeypatch.setattr(front, "OFFLOAD_MIN_BYTES", 0)
    monkeypatch.setattr(front, "cpus", lambda: 2)
    monkeypatch.setattr(front, "BATCH_EVENTS", 64)  # many messages even for a small file


def _export(path: Path, count: int, fmt: str = "json", seed: int = 5) -> Path:
    buffer = io.BytesIO()
    generated.write(buffer, count, seed=seed, fmt=fmt)
    path.write_bytes(buffer.getvalue())
    return path


def _read(path: Path, jobs: int, **config: Any) -> tuple[list[Event], tuple[Skips, ...]]:
    with front.events([FileSource(str(path))], Config(jobs=jobs, **config)) as stream:
        events = list(stream)
    return events, stream.skips


@pytest.mark.usefixtures("reader_for_any_size")
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("join", [True, False])
def test_the_reader_process_yields_the_same_events_as_inline(tmp_path: Path, fmt: str, join: bool) -> None:
    path = _export(tmp_path / f"export.{fmt}", 3000, fmt)
    inline, inline_tally = _read(path, jobs=1, join=join)
    offloaded, tally = _read(path, jobs=2, join=join)
    assert len(inline) > 1000
    assert any(len(e.records) > 1 for e in inline) == join  # tracebacks joined only when asked
    assert offloaded == inline
    assert tally == inline_tally
    assert [e.records[0].timestamp for e in offloaded] == [e.records[0].timestamp for e in inline]


@pytest.mark.usefixtures("reader_for_any_size")
def test_damage_is_counted_the_same_way_through_the_reader(tmp_path: Path) -> None:
    good = json.loads(_export(tmp_path / "a.json", 400).read_text())
    body = (
        ",\n".join(json.dumps(e) for e in good[:200])
        + ',\n{"broken": \n'
        + ",\n".join(json.dumps(e) for e in good[200:])
    )
    damaged = tmp_path / "damaged.json"
    damaged.write_text("[\n" + body + "\n]\n")
    cut = tmp_path / "cut.json.gz"
    packed = gzip.compress(("[\n" + ",\n".join(json.dumps(e, indent=2) for e in good * 60) + "\n]").encode())
    cut.write_bytes(packed[: len(packed) // 2])
    for path in (damaged, cut):
        inline, inline_tally = _read(path, jobs=1)
        offloaded, tally = _read(path, jobs=2)
        assert inline_tally[0].skipped >= 1, inline_tally  # something was lost and counted
        assert (offloaded, tally) == (inline, inline_tally)


@pytest.mark.usefixtures("reader_for_any_size")
def test_an_input_error_in_the_reader_comes_back_as_the_same_error(tmp_path: Path) -> None:
    path = tmp_path / "image.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises(InputError) as inline:
        _read(path, jobs=1)
    with pytest.raises(InputError) as offloaded:
        _read(path, jobs=2)
    assert str(offloaded.value) == str(inline.value)
    assert str(path) in str(offloaded.value)


@pytest.mark.usefixtures("reader_for_any_size")
def test_a_crash_in_the_reader_is_raised_here_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _export(tmp_path / "export.json", 300)

    def broken(*args: Any) -> Any:
        raise ValueError("normalize fell over")

    monkeypatch.setattr(front, "normalize", broken)  # the forked reader inherits the patch
    with pytest.raises(RuntimeError, match="reader process: ValueError: normalize fell over"):
        _read(path, jobs=2)


@pytest.mark.usefixtures("reader_for_any_size")
def test_a_reader_killed_midway_is_an_error_not_a_short_report(tmp_path: Path) -> None:
    path = _export(tmp_path / "export.json", 3000)
    stream = front.events([FileSource(str(path))], Config(jobs=2))
    assert next(iter(stream)).records
    readers = [p for p in multiprocessing.active_children() if p.name == "logscan-reader"]
    assert len(readers) == 1
    pid = readers[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="ended without a word"):
        for _ in stream:
            pass


@pytest.mark.usefixtures("reader_for_any_size")
def test_stopping_early_ends_the_reader(tmp_path: Path) -> None:
    path = _export(tmp_path / "export.json", 3000)
    stream = front.events([FileSource(str(path))], Config(jobs=2))
    next(iter(stream))
    readers = [p for p in multiprocessing.active_children() if p.name == "logscan-reader"]
    stream.close()
    assert readers and not readers[0].is_alive()


def test_the_reader_is_used_only_where_it_pays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = tmp_path / "small.json"
    small.write_text("[]")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * front.OFFLOAD_MIN_BYTES + b"[]")
    monkeypatch.setattr(front, "cpus", lambda: 2)
    assert front.offloads([FileSource(str(big))], Config())
    assert not front.offloads([FileSource(str(big))], Config(jobs=1))
    assert not front.offloads([FileSource(str(small))], Config())
    assert not front.offloads([FileSource("-", stdin=io.BytesIO(b"[]"))], Config())
    monkeypatch.setattr(front, "cpus", lambda: 1)
    assert not front.offloads([FileSource(str(big))], Config())
    assert front.offloads([FileSource(str(big))], Config(jobs=2))  # asked for explicitly


@pytest.mark.usefixtures("reader_for_any_size")
def test_triage_reports_are_the_same_with_one_process_or_two(tmp_path: Path) -> None:
    path = _export(tmp_path / "export.json", 2500)
    reports = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli, ["triage", str(path), "--format", "json", "--jobs", jobs])
        assert result.exit_code in (0, 1), result.stderr
        report = json.loads(result.stdout)
        report["provenance"].pop("generated_at")
        reports.append(report)
    assert reports[0]["counts"]["records"] == 2500
    assert reports[0] == reports[1]


@pytest.mark.usefixtures("reader_for_any_size")
def test_a_failure_after_the_reader_started_leaves_no_reader_behind(tmp_path: Path) -> None:
    path = _export(tmp_path / "export.json", 2500)
    policy = tmp_path / "logscan.toml"
    policy.write_text("[environments.staging\nfail = [", encoding="utf-8")
    result = CliRunner().invoke(cli, ["triage", str(path), "--policy", str(policy)])
    assert result.exit_code == 2
    assert str(policy) in result.stderr
    assert [p for p in multiprocessing.active_children() if p.name == "logscan-reader"] == []


@pytest.mark.usefixtures("reader_for_any_size")
def test_classify_prints_the_same_lines_with_one_process_or_two(tmp_path: Path) -> None:
    path = _export(tmp_path / "export.jsonl", 2500, "jsonl")
    outputs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli, ["classify", str(path), "--jobs", jobs])
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout.splitlines())
    assert len(outputs[0]) > 1000
    assert outputs[0] == outputs[1]


def test_the_reader_ends_when_the_main_process_is_killed(tmp_path: Path) -> None:
    """A reader whose main process died must not wait forever on a full queue."""
    path = _export(tmp_path / "export.json", 3000)
    script = (
        "import multiprocessing, os, sys, time\n"
        "from logscan.ingest import reader as front\n"
        "from logscan.config import Config\n"
        "from logscan.sources.files import FileSource\n"
        "front.OFFLOAD_MIN_BYTES = 0\n"
        "front.BATCH_EVENTS = 16\n"
        "stream = front.events([FileSource(sys.argv[1])], Config(jobs=2))\n"
        "next(iter(stream))\n"
        "print(next(p.pid for p in multiprocessing.active_children()), flush=True)\n"
        "time.sleep(60)\n"
    )
    main = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    assert main.stdout is not None
    reader = int(main.stdout.readline())
    main.kill()  # no clean-up runs in the main process
    main.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(reader):
        time.sleep(0.05)
    assert not _alive(reader)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
