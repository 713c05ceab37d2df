"""logscan.sources.cloud.fetch.fetch_baseline (logscan.sources.cloud.baseline.fetch): the baseline of a live triage, read with the real
google-cloud-logging client from the local fake of entries.list.

The service orders-api has, around the deploy of orders-api-00007-qaz at 09:00: 00005 (served 01:00 to 04:20),
00006 (served 05:00 to 09:30, so it overlaps the target for half an hour), 00008 (a tagged preview numbered
after the target, busy in the last 15 seconds before 09:00), and billing-api, another service, busy too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.errors import InputError
from logscan.model import SourceInfo
from logscan.sources.cloud.baseline.fetch import fetch_baseline
from logscan.sources.cloud.cache import Cache
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.target import LiveTarget
from logscan.sources.cloud.window import parse_window
from logscan.sources.files import open_source

from .conftest import FIXTURES
from .factories import triaged
from .fake_logging import FakeLogging, cloud_run_entries, ns_text, ts_ns

NOW = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
SINCE, UNTIL = "2025-03-01T09:00:00Z", "2025-03-01T12:00:00Z"
TARGET, PREVIOUS, OLDER, NEWER = (
    "orders-api-00007-qaz",
    "orders-api-00006-vex",
    "orders-api-00005-lop",
    "orders-api-00008-tag",
)
HOUR_NS = 3600 * 10**9


@functools.cache
def _service() -> dict[str, list[dict[str, Any]]]:
    """Each revision's entries (shared: read only)."""
    return {
        TARGET: cloud_run_entries(360, revision=TARGET, start="2025-03-01T09:00:00Z", step_ms=30_000),
        PREVIOUS: cloud_run_entries(
            540, revision=PREVIOUS, start="2025-03-01T05:00:10Z", step_ms=30_000, seed=1
        ),
        OLDER: cloud_run_entries(200, revision=OLDER, start="2025-03-01T01:00:00Z", step_ms=60_000, seed=2),
        NEWER: cloud_run_entries(60, revision=NEWER, start="2025-03-01T08:59:45Z", step_ms=250, seed=3),
        "billing": cloud_run_entries(
            100, service="billing-api", revision="billing-api-00031-mol", start="2025-03-01T08:55:00Z", seed=4
        ),
    }


def _store(*names: str) -> list[dict[str, Any]]:
    return [e for name in names for e in _service()[name]]


def _target(endpoint: str, severity: str | None = None) -> LiveTarget:
    """The live target of ``triage --project demo-proj --revision TARGET --since SINCE --until UNTIL``."""
    window = parse_window(SINCE, UNTIL, NOW)
    return LiveTarget(revision_query("demo-proj", TARGET, window, severity=severity), FetchOptions(endpoint))


def _fetch(
    fake: FakeLogging, revision: str | None, tmp_path: Path, **extra: Any
) -> tuple[Any, SourceInfo, list[str]]:
    said: list[str] = []
    source, info = fetch_baseline(
        _target(fake.url, **extra), revision, now=NOW, cache=Cache(tmp_path / "cache"), notify=said.append
    )
    return source, info, said


def _ts(entry: Mapping[str, Any]) -> int:
    return ts_ns(str(entry["timestamp"]))


@pytest.fixture
def fake() -> Iterator[FakeLogging]:
    with FakeLogging(entries=_store(TARGET, PREVIOUS, OLDER, NEWER, "billing")) as server:
        yield server


# --- --baseline previous ----------------------------------------------------------------------------------


def test_previous_is_the_newest_earlier_revision_read_before_the_overlap(
    fake: FakeLogging, tmp_path: Path
) -> None:
    source, info, said = _fetch(fake, None, tmp_path)
    got = list(source.entries())

    target_first = min(_ts(e) for e in _service()[TARGET])
    before = [e for e in _service()[PREVIOUS] if _ts(e) < target_first]
    end = max(_ts(e) for e in before) + 1000  # just after its last entry before the target's first
    expected = [e for e in before if _ts(e) >= end - 3 * HOUR_NS]
    assert source.name == f"cloud-logging:demo-proj/{PREVIOUS}"
    assert got == expected and len(got) > 300
    assert any(_ts(e) >= target_first for e in _service()[PREVIOUS]), "the fixture must overlap the target"
    assert any(_ts(e) < end - 3 * HOUR_NS for e in before), "the fixture must reach beyond the window"
    assert info.window_end is not None and info.window_start is not None
    assert int(info.window_end.timestamp() * 10**6) * 1000 == end
    assert info.window_end - info.window_start == timedelta(hours=3)
    assert (
        info.truncated is False and info.filter is not None and f'revision_name="{PREVIOUS}"' in info.filter
    )
    assert info.notes[0].startswith(f"Baseline {PREVIOUS}: the newest earlier revision of orders-api")
    assert info.notes[1] == f"Passed over {NEWER}: numbered at or after {TARGET}."
    assert said == list(info.notes)


def test_previous_is_found_with_the_requests_the_rule_describes(fake: FakeLogging, tmp_path: Path) -> None:
    _fetch(fake, None, tmp_path)
    first, others, again, read = fake.bodies
    assert (first["orderBy"], first["pageSize"]) == ("timestamp asc", 1)
    assert (
        f'revision_name="{TARGET}"' in first["filter"]
        and 'timestamp<"2025-03-01T12:00:00Z"' in first["filter"]
    )
    assert (others["orderBy"], others["pageSize"]) == ("timestamp desc", 10)
    assert others["filter"].startswith(
        'resource.type="cloud_run_revision" AND resource.labels.service_name="orders-api" '
        f'AND resource.labels.revision_name!="{TARGET}" '
        'AND timestamp>="2025-01-30T09:00:00Z" AND timestamp<"2025-03-01T09:00:00Z" AND (logName='
    )
    # The first page held only the preview numbered after the target: it is ruled out and the query asked again.
    assert fake.requests[1].returned == 10
    assert again["filter"] == others["filter"].replace(
        f'revision_name!="{TARGET}"',
        f'revision_name!="{TARGET}" AND resource.labels.revision_name!="{NEWER}"',
    )
    assert "pageToken" not in again
    assert (read["orderBy"], read["pageSize"]) == ("timestamp asc", 1000)


def test_the_previous_revision_is_looked_for_before_the_targets_first_entry_not_its_window(
    tmp_path: Path,
) -> None:
    early = cloud_run_entries(500, revision=TARGET, start="2025-03-01T07:00:00Z", step_ms=30_000, seed=9)
    with FakeLogging(entries=[*early, *_store(PREVIOUS, OLDER)]) as server:
        source, info, _ = _fetch(server, None, tmp_path)
        got = list(source.entries())
        others = server.bodies[1]["filter"]
    assert 'timestamp<"2025-03-01T07:00:00Z"' in others
    assert got and all(e["resource"]["labels"]["revision_name"] == PREVIOUS for e in got)
    assert max(_ts(e) for e in got) < ts_ns("2025-03-01T07:00:00Z")
    assert info.window_end is not None and info.window_end <= datetime(2025, 3, 1, 7, 0, tzinfo=UTC)


def test_no_earlier_revision_is_an_empty_source_with_a_note(tmp_path: Path) -> None:
    with FakeLogging(entries=_store(TARGET, NEWER, "billing")) as server:
        source, info, said = _fetch(server, None, tmp_path)
        sent = len(server.requests)
    assert list(source.entries()) == [] and source.skipped == 0
    assert sent == 3, "first entry, then the service's other revisions twice (the newer one ruled out)"
    assert info.notes[0] == (
        "No baseline: no earlier revision of orders-api has entries in the 30 days before "
        f"{TARGET}'s first entry (2025-03-01T09:00:00.000000000Z). Compare with an export instead: --baseline FILE."
    )
    assert info.notes[1] == f"Passed over {NEWER}: numbered at or after {TARGET}."
    assert said == list(info.notes)
    assert source.name == f"cloud-logging:demo-proj/orders-api (no revision before {TARGET})"


def test_the_look_up_gives_up_after_ten_queries_and_says_so(tmp_path: Path) -> None:
    # Twelve previews numbered after the target, each busy in its own 20 s just before 09:00: every query
    # rules out one of them, so 00005 behind them is not reached within the cap.
    previews = [
        e
        for k in range(12)
        for e in cloud_run_entries(
            12,
            revision=f"orders-api-{8 + k:05d}-pre",
            start=ns_text(ts_ns("2025-03-01T09:00:00Z") - (k + 1) * 20 * 10**9),
            step_ms=1_500,
            seed=20 + k,
        )
    ]
    with FakeLogging(entries=[*_store(TARGET, OLDER), *previews]) as server:
        source, info, _ = _fetch(server, None, tmp_path)
        sent = len(server.requests)
    assert list(source.entries()) == []
    assert sent == 11, "one for the target's first entry, then ten"
    assert "has entries in the 30 days before" in info.notes[0]
    assert info.notes[0].endswith(
        " that 10 queries could find. Compare with an export instead: --baseline FILE."
    )
    assert info.notes[1].startswith("Passed over orders-api-00008-pre, orders-api-00009-pre, ")


def test_no_previous_revision_makes_the_comparison_inconclusive(tmp_path: Path) -> None:
    with FakeLogging(entries=_store(TARGET)) as server:
        base, base_info, _ = _fetch(server, None, tmp_path)
    target = tmp_path / "target.json"
    target.write_text(json.dumps(_service()[TARGET]), encoding="utf-8")
    config = Config(now=NOW, version="0.0.0-test")
    report = triaged([open_source(str(target))], config, baseline=[base], baseline_info=base_info)
    alone = triaged([open_source(str(target))], config)
    assert alone.verdict.level == "FAIL", "without a baseline the target's crashes fail"
    assert report.comparison is not None and report.comparison.status == "INCONCLUSIVE"
    assert report.verdict.level == "INCONCLUSIVE"
    assert all(f.status is None for f in report.findings)
    assert base_info.notes[0] in report.comparison.notes


# --- --baseline-revision R ----------------------------------------------------------------------------------


def test_an_explicit_revision_is_read_over_the_targets_window(fake: FakeLogging, tmp_path: Path) -> None:
    source, info, said = _fetch(fake, PREVIOUS, tmp_path)
    got = list(source.entries())
    lo, hi = ts_ns("2025-03-01T09:00:00Z"), ts_ns("2025-03-01T12:00:00Z")
    assert got == [e for e in _service()[PREVIOUS] if lo <= _ts(e) < hi] and got
    (body,) = fake.bodies  # no look-up: one page
    assert body["filter"] == info.filter
    assert f'revision_name="{PREVIOUS}"' in body["filter"] and f'timestamp>="{SINCE}"' in body["filter"]
    assert said == [
        "Baseline orders-api-00006-vex, read over the target's own window (between 09:00 and 12:00 UTC on 2025-03-01)."
    ]


def test_an_explicit_revision_without_entries_is_an_empty_source(fake: FakeLogging, tmp_path: Path) -> None:
    source, info, said = _fetch(fake, OLDER, tmp_path)
    assert list(source.entries()) == []
    assert info.notes[-1] == (
        f"{OLDER} has no entries between 09:00 and 12:00 UTC on 2025-03-01. An explicit baseline revision is "
        f"read over the target's window: if {OLDER} had stopped serving by then, use --baseline previous or an "
        "export (--baseline FILE)."
    )
    assert said[-1] == info.notes[-1]


def test_a_severity_floor_applies_to_the_baseline_too(fake: FakeLogging, tmp_path: Path) -> None:
    source, info, _ = _fetch(fake, PREVIOUS, tmp_path, severity="WARNING")
    got = list(source.entries())
    assert got and all(e["severity"] in ("WARNING", "ERROR") for e in got)
    assert info.filter is not None and info.filter.endswith("AND severity>=WARNING")


def test_bad_baseline_revisions_are_refused(tmp_path: Path) -> None:
    target = _target("http://127.0.0.1:9")
    with pytest.raises(
        InputError, match=r"^--baseline-revision orders-api-00007-qaz is the target revision itself\."
    ):
        fetch_baseline(target, TARGET, now=NOW, cache=Cache(tmp_path))
    with pytest.raises(InputError, match=r"^--baseline-revision 'Orders_API': not a Cloud Run revision name"):
        fetch_baseline(target, "Orders_API", now=NOW, cache=Cache(tmp_path))
    with pytest.raises(
        InputError, match=r"^--baseline previous reads the baseline from Cloud Logging beside a live"
    ):
        fetch_baseline(None, None, now=NOW, cache=Cache(tmp_path))


# --- the command ------------------------------------------------------------------------------------------

INVOICES = FIXTURES / "baseline"


def _retimed(name: str, shift: timedelta) -> list[dict[str, Any]]:
    """An export's entries moved in time (every other field kept), oldest first."""
    entries = json.loads((INVOICES / name).read_text(encoding="utf-8"))
    for entry in entries:
        for key in ("timestamp", "receiveTimestamp"):
            if key in entry:
                entry[key] = ns_text(ts_ns(entry[key]) + int(shift.total_seconds()) * 10**9)
    return sorted(entries, key=_ts)


def test_triage_baseline_previous_writes_each_findings_status(tmp_path: Path) -> None:
    target = _retimed("invoices-api-00045-mub.json", timedelta(0))
    first = min(_ts(e) for e in target)
    before = _retimed("invoices-api-00041-rex.json", timedelta(days=2, hours=17, minutes=29, seconds=20))
    assert max(_ts(e) for e in before) < first < max(_ts(e) for e in before) + 60 * 10**9
    project = "northwind-staging"
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    report_path = tmp_path / "report.json"
    with FakeLogging(entries=[*target, *before], projects=(project,)) as server:
        args = [
            "triage",
            "--project",
            project,
            "--revision",
            "invoices-api-00045-mub",
            "--baseline",
            "previous",
        ]
        args += [
            "--since",
            "2025-10-09T08:00:00Z",
            "--until",
            "2025-10-09T08:31:00Z",
            "--endpoint",
            server.url,
        ]
        result = CliRunner().invoke(cli, [*args, "-o", str(report_path)], env=env)
    assert result.exit_code in (0, 1), result.stderr
    assert "logscan: baseline: Baseline invoices-api-00041-rex: the newest earlier revision" in result.stderr
    live = json.loads(report_path.read_text(encoding="utf-8"))

    # The same comparison from exports: the live baseline must be exactly the previous revision's entries.
    (tmp_path / "target.json").write_text(json.dumps(target), encoding="utf-8")
    (tmp_path / "before.json").write_text(json.dumps(before), encoding="utf-8")
    files = ["triage", str(tmp_path / "target.json"), "--baseline", str(tmp_path / "before.json")]
    offline = CliRunner().invoke(cli, [*files, "-o", str(tmp_path / "offline.json")], env=env)
    assert offline.exit_code == result.exit_code
    exported = json.loads((tmp_path / "offline.json").read_text(encoding="utf-8"))

    def statuses(report: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
        return {f["signature"]: (f["status"], f["count"], f["baseline_count"]) for f in report["findings"]}

    assert statuses(live) == statuses(exported)
    assert {s for s, _, _ in statuses(live).values()} == {"new", "persisting"}
    assert all(f["status"] in ("new", "persisting") for f in live["findings"])
    keyerror = [f for f in live["findings"] if "KeyError" in f["signature"]]
    assert keyerror and all(f["status"] == "persisting" and f["baseline_count"] == 4 for f in keyerror)
    assert live["comparison"]["status"] == "COMPARED"
    assert live["comparison"]["revision"] == "invoices-api-00041-rex"
    assert any(n.startswith("Baseline invoices-api-00041-rex:") for n in live["comparison"]["notes"])


def test_triage_without_a_previous_revision_exits_inconclusive(tmp_path: Path) -> None:
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    report_path = tmp_path / "report.json"
    with FakeLogging(entries=_store(TARGET, NEWER)) as server:
        args = ["triage", "--project", "demo-proj", "--revision", TARGET, "--baseline", "previous"]
        args += ["--since", SINCE, "--until", UNTIL, "--endpoint", server.url, "-o", str(report_path)]
        result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 3, result.stderr
    assert "logscan: baseline: No baseline: no earlier revision of orders-api has entries" in result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["comparison"]["status"] == "INCONCLUSIVE"
    assert report["verdict"]["level"] == "INCONCLUSIVE"
    assert all(f["status"] is None for f in report["findings"])


def test_triage_baseline_previous_needs_a_live_target(tmp_path: Path) -> None:
    export = str(INVOICES / "invoices-api-00042-fol.json")
    result = CliRunner().invoke(cli, ["triage", export, "--baseline", "previous"], env={})
    assert result.exit_code == 2
    assert result.stderr == (
        "logscan: error: --baseline previous reads the baseline from Cloud Logging beside a live target: "
        "pass --project and --revision too, or compare with an export: --baseline FILE.\n"
    )
