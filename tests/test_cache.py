"""logscan.sources.cloud.cache: where fetches are kept, how an export is written, and when the cache answers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from logscan.cache_folder import cache_dir
from logscan.sources.cloud.cache import Cache, CacheMeta, SavedSource, cache_key, write_export
from logscan.sources.cloud.fetch import fetch_to_file
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.window import parse_window
from logscan.sources.files import FileSource

from .fake_logging import UNAVAILABLE, FakeLogging, cloud_run_entries

FAST = FetchOptions(backoff_base=0.001, backoff_max=0.01, timeout=5.0)
AFTER = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
"""A clock long after the window closed."""


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("LOGSCAN_CACHE_DIR", raising=False)
    assert cache_dir() == platformdirs.user_cache_path("logscan", appauthor=False)
    if sys.platform.startswith("linux"):
        assert cache_dir() == home / ".cache" / "logscan"
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache_dir() == tmp_path / "xdg" / "logscan"
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", "")
    assert cache_dir() == platformdirs.user_cache_path("logscan", appauthor=False)  # empty: not set
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_cache_key_depends_on_endpoint_resources_and_filter() -> None:
    base = cache_key("https://logging.googleapis.com", ["projects/a"], 'resource.type="cloud_run_revision"')
    assert base == cache_key(
        "https://logging.googleapis.com", ("projects/a",), 'resource.type="cloud_run_revision"'
    )
    assert len(base) == 32
    others = {
        cache_key("http://127.0.0.1:9", ["projects/a"], 'resource.type="cloud_run_revision"'),
        cache_key("https://logging.googleapis.com", ["projects/b"], 'resource.type="cloud_run_revision"'),
        cache_key("https://logging.googleapis.com", ["projects/a"], 'resource.type="cloud_run_job"'),
    }
    assert base not in others and len(others) == 3


def test_write_export_is_a_gcloud_style_array_read_back_by_the_file_source(tmp_path: Path) -> None:
    entries = cloud_run_entries(25)
    path = tmp_path / "export.json"
    assert write_export(entries, path) == 25
    text = path.read_text(encoding="utf-8")
    assert text.startswith('[\n  {\n    "insertId": "') and text.endswith("\n]\n")
    assert json.loads(text) == entries
    source = FileSource(str(path))
    assert list(source.entries()) == entries and source.format == "json-array" and source.skipped == 0


def test_write_export_of_nothing_is_an_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    assert write_export([], path) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == []


def test_a_failure_midway_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("[]\n", encoding="utf-8")

    def broken() -> Iterator[dict[str, Any]]:
        yield from cloud_run_entries(3)
        raise RuntimeError("the read failed")

    with pytest.raises(RuntimeError):
        write_export(broken(), path)
    assert path.read_text(encoding="utf-8") == "[]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json"]


def test_write_export_to_a_missing_folder_creates_it_and_to_a_file_as_folder_fails(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "out.json"
    assert write_export(cloud_run_entries(1), nested) == 1
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(Exception, match=r"cannot be written"):
        write_export(cloud_run_entries(1), blocker / "out.json")


def _meta(count: int) -> CacheMeta:
    return CacheMeta(
        filter="f",
        endpoint="http://e",
        resource_names=("projects/p",),
        count=count,
        fetched_at="2025-03-02T08:00:00Z",
    )


def test_put_then_get_round_trips(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    export = tmp_path / "x.json"
    write_export(cloud_run_entries(5), export)
    assert cache.get("k1") is None
    stored = cache.put("k1", export, _meta(5))
    hit = cache.get("k1", AFTER)
    assert hit is not None and hit[0] == stored and hit[1] == _meta(5)
    assert stored.read_bytes() == export.read_bytes()


def test_data_without_metadata_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    write_export(cloud_run_entries(2), tmp_path / "k2.json")
    assert cache.get("k2") is None
    (tmp_path / "k2.meta.json").write_text("{not json", encoding="utf-8")
    assert cache.get("k2") is None
    (tmp_path / "k3.meta.json").write_text(
        json.dumps({**_meta(2).__dict__, "resource_names": ["p"]}), encoding="utf-8"
    )
    assert cache.get("k3") is None  # metadata, but its data file is gone


def test_saved_source_caps_and_reports_truncation(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    write_export(cloud_run_entries(10), path)
    capped = SavedSource(path, "cloud-logging:demo-proj/orders-api-00007-qaz", max_entries=4)
    assert len(list(capped.entries())) == 4 and capped.truncated
    exact = SavedSource(path, "n", max_entries=10)
    assert len(list(exact.entries())) == 10 and not exact.truncated
    assert capped.name == "cloud-logging:demo-proj/orders-api-00007-qaz" and capped.skipped == 0


# --- fetch_to_file: when the cache answers and when it is filled ----------------------------------------


def _query(until: str = "2025-03-01T12:00:00Z") -> Any:
    window = parse_window("2025-03-01T09:00:00Z", until, AFTER)
    return revision_query("demo-proj", "orders-api-00007-qaz", window)


def test_a_closed_window_is_cached_and_served_without_a_call(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    entries = cloud_run_entries(2500, step_ms=2000)
    with FakeLogging(entries=entries) as server:
        options = replace(FAST, endpoint=server.url)
        first = fetch_to_file(_query(), options, tmp_path / "a.json", now=AFTER, cache=cache)
        calls = len(server.requests)
        second = fetch_to_file(_query(), options, tmp_path / "b.json", now=AFTER, cache=cache)
        assert len(server.requests) == calls == 3
        refreshed = fetch_to_file(
            _query(), options, tmp_path / "c.json", now=AFTER, cache=cache, refresh=True
        )
        assert len(server.requests) == 2 * calls
        capped = fetch_to_file(
            _query(), replace(options, max_entries=100), tmp_path / "d.json", now=AFTER, cache=cache
        )
        assert len(server.requests) == 2 * calls
    assert (first.from_cache, second.from_cache, refreshed.from_cache, capped.from_cache) == (
        False,
        True,
        False,
        True,
    )
    assert (
        (tmp_path / "a.json").read_bytes()
        == (tmp_path / "b.json").read_bytes()
        == (tmp_path / "c.json").read_bytes()
    )
    assert json.loads((tmp_path / "b.json").read_text(encoding="utf-8")) == entries
    assert capped.count == 100 and capped.truncated
    assert first.requests == 3 and first.pages == 3 and second.requests == 0


def test_an_open_window_a_cap_or_a_failure_is_not_cached(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    entries = cloud_run_entries(1500, step_ms=2000)
    with FakeLogging(entries=entries) as server:
        options = replace(FAST, endpoint=server.url)
        just_closed = AFTER.replace(day=1, hour=12, minute=2)  # the window ended two minutes ago
        fetch_to_file(_query(), options, tmp_path / "a.json", now=just_closed, cache=cache)
        capped = fetch_to_file(
            _query(), replace(options, max_entries=10), tmp_path / "b.json", now=AFTER, cache=cache
        )
        server.faults = {len(server.requests) + n: UNAVAILABLE for n in range(1, 5)}
        failed = fetch_to_file(
            _query(), replace(options, max_attempts=2), tmp_path / "c.json", now=AFTER, cache=cache
        )
    assert capped.truncated and failed.failure is not None and failed.count == 1000
    assert list((tmp_path / "cache").glob("*.json")) == []


def test_the_cache_refuses_an_unwritable_folder_with_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    export = tmp_path / "x.json"
    write_export(cloud_run_entries(1), export)
    with pytest.raises(
        Exception, match=r"cannot write the fetch cache .* Set LOGSCAN_CACHE_DIR to a writable folder"
    ):
        Cache(blocker).put("k", export, _meta(1))


def test_cache_grace_window(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    with FakeLogging(entries=cloud_run_entries(10, step_ms=2000)) as server:
        options = replace(FAST, endpoint=server.url)
        closed_long_ago = _query("2025-03-01T09:10:00Z").window.end + timedelta(minutes=6)
        fetch_to_file(
            _query("2025-03-01T09:10:00Z"), options, tmp_path / "a.json", now=closed_long_ago, cache=cache
        )
    assert len(list((tmp_path / "cache").glob("*.meta.json"))) == 1
