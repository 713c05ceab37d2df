"""logscan watch end to end: the real google-cloud-logging client polls a local fake Logging API whose
entries appear over time (tests/rollout.py), and the command exits as soon as the answer is certain."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from logscan.cli import cli

from .fake_logging import FakeLogging
from .rollout import PROJECT, REGION, REVISION, Rollout, crash, every, healthy_start, request

POLL = "0.2"


def _watch(server: FakeLogging, *args: str) -> tuple[Result, float]:
    started = time.monotonic()
    result = CliRunner().invoke(
        cli,
        [
            "watch",
            "--project",
            PROJECT,
            "--revision",
            REVISION,
            "--region",
            REGION,
            "--since",
            "5m",
            "--endpoint",
            server.url,
            "--poll-interval",
            POLL,
            *args,
        ],
    )
    return result, time.monotonic() - started


def _served(server: FakeLogging) -> list[str]:
    """insertIds the fake returned, in order (a re-read of an overlap returns some again)."""
    return [i for r in server.requests for i in r.insert_ids]


def test_crash_loop_after_a_healthy_start_exits_1_within_seconds_of_the_first_failure() -> None:
    steps = [
        (0.0, healthy_start()),
        *every(0.3, 2.0, 0.3, lambda: [request("/v1/orders/42")]),
        *every(2.0, 30.0, 0.5, lambda: [*crash(), *healthy_start()[:2]]),
    ]
    with FakeLogging() as server, Rollout(server, steps) as rollout:
        result, _ = _watch(server, "--timeout", "40s", "--healthy-after", "60s")
        ended = time.monotonic()
    assert result.exit_code == 1, result.output
    first = rollout.first_ingest_of(lambda e: "Traceback" in e.get("textPayload", ""))
    latency = ended - first
    print(f"first certain failure to exit 1: {latency:.2f} s")  # pytest -s shows it
    # A poll + join's 2 s hold-back of the newest records + a poll (slower when the 2 cores are busy):
    # within seconds, far from --timeout.
    assert latency < 6.0, latency
    assert "FAIL" in result.stderr and "cause:" in result.stderr


def test_healthy_revision_exits_0_after_healthy_after() -> None:
    steps = [(0.0, healthy_start()), *every(0.2, 20.0, 0.2, lambda: [request("/healthz")])]
    with FakeLogging() as server, Rollout(server, steps):
        result, took = _watch(server, "--timeout", "30s", "--healthy-after", "2s")
    assert result.exit_code == 0, result.output
    assert 2.0 <= took < 8.0, took
    lines = [line for line in result.stderr.splitlines() if line.startswith("logscan watch:")]
    assert "started yes, served yes" in lines[-1] and lines[-1].endswith("healthy")


def test_silence_exits_3_at_the_timeout() -> None:
    with FakeLogging() as server:
        result, took = _watch(server, "--timeout", "2s", "--healthy-after", "1s")
    assert result.exit_code == 3, result.output
    assert 2.0 <= took < 6.0, took
    assert "INCONCLUSIVE" in result.stderr and "timed-out" in result.stderr


def test_started_but_never_served_is_not_healthy_and_times_out() -> None:
    with FakeLogging() as server, Rollout(server, [(0.0, healthy_start())]):
        result, _ = _watch(server, "--timeout", "2s", "--healthy-after", "1s")
    assert result.exit_code == 3, result.output
    assert "started yes, served unknown" in result.stderr


def test_no_entry_read_twice_or_skipped_and_the_report_equals_triage(tmp_path: Path) -> None:
    steps = [
        (0.0, healthy_start()),
        *every(0.1, 30.0, 0.1, lambda: [request("/v1/orders/7"), request("/healthz")]),
    ]
    out = tmp_path / "watch.json"
    with FakeLogging() as server, Rollout(server, steps):
        result, _ = _watch(server, "--timeout", "30s", "--healthy-after", "2s", "-o", str(out))
        served = _served(server)
        stored = {e["insertId"]: e for e in server.entries}
    assert result.exit_code == 0, result.output
    watched = json.loads(out.read_text())
    until = watched["provenance"]["window_end"]
    # Every entry before the last window's end was read once: the overlaps' repeats were dropped.
    expected = sorted(
        (e for e in stored.values() if e["timestamp"] < _z(until)), key=lambda e: e["timestamp"]
    )
    assert len(served) > len(set(served)), "the windows should overlap"
    assert set(served) == {e["insertId"] for e in expected}
    assert watched["counts"]["records"] == len(expected)
    export = tmp_path / "export.json"
    export.write_bytes(orjson.dumps(expected))
    triaged = tmp_path / "triage.json"
    done = CliRunner().invoke(cli, ["triage", str(export), "-o", str(triaged)])
    assert done.exit_code == 0, done.output
    assert _comparable(watched) == _comparable(json.loads(triaged.read_text()))
    assert watched["provenance"]["filter"].count('resource.labels.location="europe-west1"') == 1


def test_reports_in_markdown_and_json_from_one_watch(tmp_path: Path) -> None:
    steps = [(0.0, healthy_start()), *every(1.0, 10.0, 1.0, lambda: [*crash()])]
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    with FakeLogging() as server, Rollout(server, steps):
        result, _ = _watch(server, "--timeout", "20s", "-o", str(md), "-o", str(js))
    assert result.exit_code == 1, result.output
    text = md.read_text()
    assert "## logscan: FAIL for `orders-api-00008-zug`" in text and "orders.tax" in text
    assert json.loads(js.read_text())["verdict"]["level"] == "FAIL"
    assert f"FAIL: report written to {md}" in result.stderr
    assert f"FAIL: report written to {js}" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "10"], "--timeout '10': expected a duration like 90s, 2m or 1h."),
        (["--healthy-after", "0s"], "--healthy-after '0s': the duration must be longer than zero."),
        (["-o", "report.txt"], "report.txt: cannot tell the report format from '.txt'."),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["watch", "--project", PROJECT, "--revision", REVISION, "--endpoint", "http://127.0.0.1:9", *args],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"logscan: error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_denied_project_exits_2() -> None:
    with FakeLogging(denied=(PROJECT,)) as server:
        result, _ = _watch(server, "--timeout", "5s")
    assert result.exit_code == 2
    assert "Permission denied reading the logs of project demo-proj" in result.stderr


def _z(text: str) -> str:
    """The report's window end as the API writes timestamps, to compare with entries' timestamps."""
    return text.replace("+00:00", "Z")


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the provenance of its input (the watch's query against an export's path)."""
    kept = dict(report)
    prov = dict(kept.pop("provenance"))
    kept["provenance"] = {k: prov[k] for k in ("version", "patterns_hash", "env", "redacted", "truncated")}
    return kept
