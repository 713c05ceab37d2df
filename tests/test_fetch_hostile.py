"""The live reader against a broken or hostile Logging API, through the real google-cloud-logging client: a
page token that comes back forever, pages that repeat entries, an HTML or malformed page, a Retry-After of an
hour; and the fetch cache that holds the raw logs (private folder, expiry, --no-cache)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.sources.cloud.cache import Cache, CacheMeta, write_export
from logscan.sources.cloud.client import ReadFailedError
from logscan.sources.cloud.guard import MAX_IDLE_PAGES, ReadLoopError, RecentIds
from logscan.sources.cloud.source import CloudLoggingSource

from .fake_logging import (
    HTML_PAGE,
    MALFORMED,
    FakeLogging,
    Fault,
    Misbehaviour,
    cloud_run_entries,
)
from .test_fetch import FAST, _query, _with_endpoint

ENTRIES = cloud_run_entries(40, step_ms=1500)
PAGED = replace(FAST, page_size=10)


def _source(fake: FakeLogging, options: Any = PAGED, **kw: Any) -> CloudLoggingSource:
    return CloudLoggingSource(_query(), _with_endpoint(options, fake.url), **kw)


@pytest.mark.parametrize("empty", [False, True], ids=["with-entries", "empty-pages"])
def test_a_page_token_that_comes_back_ends_the_read(empty: bool) -> None:
    with FakeLogging(entries=ENTRIES, misbehave=Misbehaviour(repeat_token=True, empty_pages=empty)) as fake:
        source = _source(fake)
        with pytest.raises(ReadLoopError, match="sent a page token it had already sent, after 2 pages"):
            list(source.entries())
    assert len(fake.requests) == 2


def test_pages_that_never_bring_anything_new_end_the_read() -> None:
    churning = Misbehaviour(churn=True, empty_pages=True)
    idle = f"{MAX_IDLE_PAGES} pages in a row with no new entry"
    # More pages than the default quota's 60 a minute: without a higher quota the pacer waits ~60 s.
    unpaced = replace(PAGED, quota_rpm=10 * MAX_IDLE_PAGES)
    with FakeLogging(entries=ENTRIES, misbehave=churning) as fake, pytest.raises(ReadLoopError, match=idle):
        list(_source(fake, unpaced).entries())
    assert len(fake.requests) == MAX_IDLE_PAGES


def test_fetch_against_a_looping_api_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "entries.json"
    with FakeLogging(entries=ENTRIES, misbehave=Misbehaviour(repeat_token=True)) as fake:
        result = CliRunner(env={"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}).invoke(
            cli,
            [
                "fetch",
                "--project",
                "demo-proj",
                "--revision",
                "orders-api-00007-qaz",
                "--since",
                "2025-03-01T09:00:00Z",
                "--until",
                "2025-03-01T12:00:00Z",
                "--endpoint",
                fake.url,
                "-o",
                str(out),
            ],
        )
    assert result.exit_code == 2
    assert "page token it had already sent" in result.output and result.output.count("\n") == 1
    assert not out.exists() and len(fake.requests) == 2


def test_entries_a_server_sends_again_on_later_pages_are_read_once() -> None:
    # each page starts 9 entries before the last one ended: 36 of the 40 entries come twice
    with FakeLogging(entries=ENTRIES, misbehave=Misbehaviour(overlap=9)) as fake:
        source = _source(fake)
        got = list(source.entries())
    assert sum(r.returned for r in fake.requests) >= 70
    assert [e["insertId"] for e in got] == [e["insertId"] for e in ENTRIES]  # type: ignore[index]
    assert source.repeated == sum(r.returned for r in fake.requests) - 40


def test_remembered_ids_stay_within_one_horizon() -> None:
    seen = RecentIds(horizon_ns=300 * 10**9)
    step = 10 * 10**6  # one entry every 10 ms of log time: 30,000 per horizon
    peak = 0
    for i in range(200_000):
        assert seen.first_time(i * step, ("log", f"id{i}"))
        if i % 10_000 == 0:
            peak = max(peak, seen.remembered)
    assert peak <= 30_001
    assert not seen.first_time(199_999 * step, ("log", "id199999"))  # a repeat of the newest
    assert not seen.first_time(0, ("log", "id0")) and seen.stale == 1  # too old to tell: not used, counted


@pytest.mark.parametrize(
    ("fault", "named"),
    [
        (HTML_PAGE, 'an HTML page ("Sign in - Corporate proxy") instead of JSON'),
        (MALFORMED, "JSON that is cut short or malformed"),
        (Fault("body", 200, body=b"OK"), "text that is not JSON ('OK')"),
    ],
    ids=["html", "malformed", "text"],
)
def test_a_page_that_is_not_json_is_named_with_the_right_tip(fault: Fault, named: str) -> None:
    with FakeLogging(entries=ENTRIES, faults={n: fault for n in range(3)}) as fake:
        source = _source(fake, replace(PAGED, max_attempts=3))
        with pytest.raises(ReadFailedError) as caught:
            list(source.entries())
    message = str(caught.value)
    assert named in message and "(3 attempts in a row)" in message
    assert "Tip: check --endpoint" in message and "quota" not in message and "JSONDecodeError" not in message


def test_one_html_page_is_retried_and_nothing_is_lost() -> None:
    with FakeLogging(entries=ENTRIES, faults={1: HTML_PAGE}) as fake:
        got = list(_source(fake).entries())
    assert [e["insertId"] for e in got] == [e["insertId"] for e in ENTRIES]  # type: ignore[index]


def test_a_capped_retry_after_is_said() -> None:
    slept: list[float] = []
    fault = Fault("status", 429, "RESOURCE_EXHAUSTED", retry_after=3600)
    with FakeLogging(entries=ENTRIES, faults={0: fault}) as fake:
        source = _source(fake, replace(PAGED, backoff_max=0.02), sleep=slept.append)
        assert len(list(source.entries())) == 40
    assert slept == [0.02]
    assert source.notes == [
        "Cloud Logging asked to wait 3600s before retrying (Retry-After); logscan waits at most 0.02s, so it "
        "retried sooner"
    ]


# --- the cache -----------------------------------------------------------------------------------------

NOW = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)


def _meta(fetched: datetime) -> CacheMeta:
    return CacheMeta("f", "http://x", ("projects/demo-proj",), 2, fetched.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_the_cache_folder_is_private_even_when_it_existed(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    export = tmp_path / "x.json"
    write_export(ENTRIES[:2], export)
    stored = Cache(root).put("k", export, _meta(NOW))
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    fresh = tmp_path / "new" / "cache"
    Cache(fresh).put("k", export, _meta(NOW))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700


def test_an_expired_entry_is_not_served_and_is_removed(tmp_path: Path) -> None:
    export = tmp_path / "x.json"
    write_export(ENTRIES[:2], export)
    cache = Cache(tmp_path / "cache", ttl=timedelta(hours=24))
    cache.put("old", export, _meta(NOW - timedelta(hours=30)))
    assert cache.get("old", NOW - timedelta(hours=29)) is not None
    assert cache.get("old", NOW) is None
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == []
    cache.put("a", export, _meta(NOW - timedelta(hours=25)))
    cache.put("b", export, _meta(NOW))  # writing b prunes a, expired by b's time
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["b.json", "b.meta.json"]


def _fetch(fake: FakeLogging, tmp_path: Path, *extra: str) -> Any:
    return CliRunner(env={"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}).invoke(
        cli,
        [
            "fetch",
            "--project",
            "demo-proj",
            "--revision",
            "orders-api-00007-qaz",
            "--since",
            "2025-03-01T09:00:00Z",
            "--until",
            "2025-03-01T12:00:00Z",
            "--endpoint",
            fake.url,
            "-o",
            str(tmp_path / "out.json"),
            *extra,
        ],
    )


def test_no_cache_neither_reads_nor_writes_and_cache_ttl_is_checked(tmp_path: Path) -> None:
    with FakeLogging(entries=ENTRIES) as fake:
        assert _fetch(fake, tmp_path, "--no-cache").exit_code == 0
        assert not (tmp_path / "cache").exists()
        assert _fetch(fake, tmp_path).exit_code == 0
        assert len(list((tmp_path / "cache").glob("*.meta.json"))) == 1
        calls = len(fake.requests)
        assert _fetch(fake, tmp_path).exit_code == 0 and len(fake.requests) == calls  # served from the cache
        assert _fetch(fake, tmp_path, "--no-cache").exit_code == 0 and len(fake.requests) == calls + 1
        bad = _fetch(fake, tmp_path, "--cache-ttl", "soon")
    assert bad.exit_code == 2 and "--cache-ttl 'soon': expected a duration like 90s, 2m or 1h" in bad.output
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == ENTRIES


def test_fetch_to_standard_output_holds_no_workflow_command_and_the_same_entries(tmp_path: Path) -> None:
    entries = cloud_run_entries(6, step_ms=1500)
    entries[2]["textPayload"] = "worker said ##[error]deploy blocked"
    entries[4]["textPayload"] = "::error file=app.py::forged"
    with FakeLogging(entries=entries) as fake:
        result = CliRunner(env={"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}).invoke(
            cli,
            [
                "fetch",
                "--project",
                "demo-proj",
                "--revision",
                "orders-api-00007-qaz",
                "--since",
                "2025-03-01T09:00:00Z",
                "--until",
                "2025-03-01T12:00:00Z",
                "--endpoint",
                fake.url,
                "--no-cache",
            ],
        )
    assert result.exit_code == 0, result.output
    assert "##[" not in result.stdout
    assert not any(line.strip().startswith("::") for line in result.stdout.splitlines())
    assert json.loads(result.stdout) == entries
