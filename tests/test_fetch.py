"""logscan.sources.cloud.fetch: the real google-cloud-logging client against a local fake of entries.list.

Every read is checked for the one property that matters: each entry of the revision arrives exactly
once, in time order, whatever the API did on the way (pages, 429, 503, a slow page, a dropped
connection), and the request that was sent is exactly the one the issue specifies.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.sources.cloud.client import (
    CredentialsError,
    NoEntriesError,
    PermissionDeniedError,
    ReadFailedError,
    UnknownProjectError,
)
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.pacing import ConsoleProgress, QuotaPacer
from logscan.sources.cloud.query import CLOUD_RUN_LOGS, RevisionQuery, revision_query
from logscan.sources.cloud.source import CloudLoggingSource
from logscan.sources.cloud.window import parse_window

from .fake_logging import (
    DROP,
    DROP_BODY,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    FakeLogging,
    Fault,
    cloud_run_entries,
    ns_text,
    slow,
    ts_ns,
)

NOW = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)
SINCE, UNTIL = "2025-03-01T09:00:00Z", "2025-03-01T12:00:00Z"
FAST = FetchOptions(backoff_base=0.001, backoff_max=0.01, timeout=5.0)
EXPECTED_FILTER = (
    'resource.type="cloud_run_revision" AND resource.labels.service_name="orders-api" '
    'AND resource.labels.revision_name="orders-api-00007-qaz" '
    'AND timestamp>="2025-03-01T09:00:00Z" AND timestamp<"2025-03-01T12:00:00Z" '
    'AND (logName="projects/demo-proj/logs/run.googleapis.com%2Fstdout" '
    'OR logName="projects/demo-proj/logs/run.googleapis.com%2Fstderr" '
    'OR logName="projects/demo-proj/logs/run.googleapis.com%2Fvarlog%2Fsystem" '
    'OR logName="projects/demo-proj/logs/run.googleapis.com%2Frequests")'
)


def _query(since: str = SINCE, until: str = UNTIL, **kw: Any) -> RevisionQuery:
    return revision_query("demo-proj", "orders-api-00007-qaz", parse_window(since, until, NOW), **kw)


@functools.cache
def _target(count: int = 5500) -> list[dict[str, Any]]:
    """The revision's entries: one per 1.5 s from 09:00, so 5500 of them end before 11:18 (shared: read only)."""
    return cloud_run_entries(count, step_ms=1500)


@functools.cache
def _noise() -> list[dict[str, Any]]:
    """Entries the filter must exclude: another revision, another service, another project, outside the
    window on both sides, and a log that is not one of Cloud Run's four."""
    other_rev = cloud_run_entries(300, revision="orders-api-00006-vex", step_ms=20_000, seed=1)
    other_svc = cloud_run_entries(
        300, service="billing-api", revision="billing-api-00031-mol", step_ms=20_000, seed=2
    )
    other_proj = cloud_run_entries(300, project="other-proj", step_ms=20_000, seed=3)
    before = cloud_run_entries(50, start="2025-03-01T08:58:00Z", step_ms=2000, seed=4)
    after = cloud_run_entries(50, start="2025-03-01T12:00:00Z", step_ms=1000, seed=5)
    audit = cloud_run_entries(40, step_ms=90_000, seed=6)
    for entry in audit:
        entry["logName"] = "projects/demo-proj/logs/cloudaudit.googleapis.com%2Factivity"
    return [*other_rev, *other_svc, *other_proj, *before, *after, *audit]


def _ids(entries: list[Mapping[str, Any]]) -> list[str]:
    return [str(e["insertId"]) for e in entries]


def _read(
    fake: FakeLogging, options: FetchOptions = FAST, query: RevisionQuery | None = None
) -> CloudLoggingSource:
    source = CloudLoggingSource(query or _query(), _with_endpoint(options, fake.url))
    source.got = list(source.entries())  # type: ignore[attr-defined]
    return source


def _with_endpoint(options: FetchOptions, url: str) -> FetchOptions:
    from dataclasses import replace

    return replace(options, endpoint=url)


def _exactly_once_in_order(got: list[Mapping[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(_ids(got)) == len(set(_ids(got))), "an entry arrived twice"
    assert _ids(got) == _ids(expected), "an entry was lost or reordered"
    assert got == expected, "an entry was changed on the way"


@pytest.fixture
def fake() -> Iterator[FakeLogging]:
    with FakeLogging(entries=[*_target(), *_noise()]) as server:
        yield server


# --- the query -----------------------------------------------------------------------------------------


def test_filter_is_written_out_in_full() -> None:
    assert _query().filter == EXPECTED_FILTER
    assert _query(severity="warning").filter == EXPECTED_FILTER + " AND severity>=WARNING"
    assert len(CLOUD_RUN_LOGS) == 4


def test_service_comes_from_the_revision_name_unless_given() -> None:
    assert _query().service == "orders-api"
    window = parse_window(SINCE, UNTIL, NOW)
    assert revision_query("p-123456", "checkout-web-v2-00142-b7t", window).service == "checkout-web-v2"
    assert revision_query("p-123456", "canary-blue", window, service="checkout").service == "checkout"
    with pytest.raises(Exception, match=r"cannot tell the service from the name .*Pass --service"):
        revision_query("p-123456", "canary-blue", window)
    with pytest.raises(Exception, match="not a Cloud Run revision name"):
        revision_query("p-123456", 'x" OR severity>=DEBUG', window)


def test_logs_explorer_link_opens_the_same_query() -> None:
    url = _query().logs_explorer_url
    assert url.startswith("https://console.cloud.google.com/logs/query;query=")
    query_part = url.split(";query=", 1)[1].split(";timeRange=", 1)[0]
    assert unquote(query_part) == EXPECTED_FILTER
    assert unquote(url.split(";timeRange=", 1)[1].split("?", 1)[0]) == f"{SINCE}/{UNTIL}"
    assert url.endswith("?project=demo-proj")


# --- reading through the real client -------------------------------------------------------------------


def test_many_pages_arrive_once_with_the_exact_request(fake: FakeLogging) -> None:
    source = _read(fake)
    _exactly_once_in_order(source.got, _target())  # type: ignore[attr-defined]
    assert source.pages == 6 and source.requests == 6 and source.retries == 0
    first = fake.bodies[0]
    assert first == {
        "resourceNames": ["projects/demo-proj"],
        "filter": EXPECTED_FILTER,
        "orderBy": "timestamp asc",
        "pageSize": 1000,
    }
    assert all(b["filter"] == EXPECTED_FILTER and b["pageSize"] == 1000 for b in fake.bodies)
    assert [("pageToken" in b) for b in fake.bodies] == [False] + [True] * 5


def test_every_field_is_kept_in_api_form(fake: FakeLogging) -> None:
    got = _read(fake).got  # type: ignore[attr-defined]
    assert all("receiveTimestamp" in e for e in got)
    with_groups = [e for e in got if "errorGroups" in e]
    assert with_groups and with_groups[0]["errorGroups"] == [{"id": "CJvU0rCUlfCZ5QE"}]
    requests = [e for e in got if "httpRequest" in e]
    assert requests[0]["httpRequest"]["requestMethod"] in ("GET", "POST")
    assert "insert_id" not in got[0] and "insertId" in got[0]


@pytest.mark.parametrize(
    "fault",
    [RESOURCE_EXHAUSTED, UNAVAILABLE, DROP, DROP_BODY],
    ids=["429-then-success", "503", "dropped-connection", "dropped-mid-body"],
)
def test_a_failed_page_resumes_from_the_last_timestamp(fake: FakeLogging, fault: Fault) -> None:
    fake.faults = {2: fault}
    source = _read(fake)
    _exactly_once_in_order(source.got, _target())  # type: ignore[attr-defined]
    assert source.retries == 1 and source.failure is None and not source.truncated
    resumed = fake.bodies[3]
    last_seen = _target()[1999]["timestamp"]  # the last entry of page two
    assert "pageToken" not in resumed
    assert f'timestamp>="{last_seen}"' in resumed["filter"]
    assert resumed["filter"] == EXPECTED_FILTER.replace(f'timestamp>="{SINCE}"', f'timestamp>="{last_seen}"')


def test_a_slow_page_within_the_timeout_is_simply_waited_for(fake: FakeLogging) -> None:
    fake.faults = {1: slow(0.3)}
    source = _read(fake)
    _exactly_once_in_order(source.got, _target())  # type: ignore[attr-defined]
    assert source.retries == 0


def test_a_page_slower_than_the_timeout_is_retried(fake: FakeLogging) -> None:
    fake.faults = {1: slow(1.0)}
    from dataclasses import replace

    source = _read(fake, replace(FAST, timeout=0.25))
    _exactly_once_in_order(source.got, _target())  # type: ignore[attr-defined]
    assert source.retries == 1


def test_entries_sharing_the_resume_instant_are_not_repeated() -> None:
    entries = cloud_run_entries(2500, step_ms=1500)
    instant = entries[995]["timestamp"]
    for entry in entries[995:1006]:  # eleven entries in one nanosecond, across the page boundary
        entry["timestamp"] = instant
    with FakeLogging(entries=entries, faults={1: UNAVAILABLE}) as server:
        source = _read(server)
    _exactly_once_in_order(source.got, entries)  # type: ignore[attr-defined]
    resumed = server.requests[2]
    assert f'timestamp>="{instant}"' in resumed.body["filter"]
    assert resumed.returned == 1000  # 995..999 came back and were dropped as duplicates


def test_retries_exhausted_after_some_pages_marks_the_read_truncated(fake: FakeLogging) -> None:
    fake.faults = {n: UNAVAILABLE for n in range(2, 20)}
    from dataclasses import replace

    source = _read(fake, replace(FAST, max_attempts=3))
    assert _ids(source.got) == _ids(_target()[:2000])  # type: ignore[attr-defined]
    assert source.truncated and source.failure is not None and "3 attempts" in source.failure


def test_retries_exhausted_before_any_entry_is_an_error(fake: FakeLogging) -> None:
    fake.faults = {n: UNAVAILABLE for n in range(10)}
    from dataclasses import replace

    with pytest.raises(
        ReadFailedError, match=r"failed: 503 ServiceUnavailable \(3 attempts in a row\).*Tip: "
    ):
        _read(fake, replace(FAST, max_attempts=3))


def test_retry_after_is_honoured() -> None:
    slept: list[float] = []
    with FakeLogging(
        entries=_target(1500), faults={0: Fault("status", 429, "RESOURCE_EXHAUSTED", retry_after=0.005)}
    ) as server:
        source = CloudLoggingSource(_query(), _with_endpoint(FAST, server.url), sleep=slept.append)
        assert len(list(source.entries())) == 1500
    assert slept == [0.005]  # Retry-After beat the 0.001 s back-off


def test_max_entries_stops_early_and_marks_truncated(fake: FakeLogging) -> None:
    from dataclasses import replace

    source = _read(fake, replace(FAST, max_entries=1500))
    assert _ids(source.got) == _ids(_target()[:1500])  # type: ignore[attr-defined]
    assert source.truncated and source.failure is None and source.requests == 2


def test_max_entries_equal_to_the_total_is_not_truncated(fake: FakeLogging) -> None:
    from dataclasses import replace

    source = _read(fake, replace(FAST, max_entries=5500))
    assert len(source.got) == 5500 and not source.truncated  # type: ignore[attr-defined]


def test_severity_floor_is_sent_and_applied(fake: FakeLogging) -> None:
    source = _read(fake, query=_query(severity="ERROR"))
    expected = [e for e in _target() if e.get("severity") in ("ERROR", "CRITICAL")]
    _exactly_once_in_order(source.got, expected)  # type: ignore[attr-defined]
    assert fake.bodies[0]["filter"].endswith(" AND severity>=ERROR")


def test_settle_rereads_the_tail_until_it_stops_growing() -> None:
    # The window ends just after the last entry; two late entries land while logscan settles.
    entries = _target(1200)  # 09:00:00 .. 09:29:58.5 (not changed: late entries are new objects)
    late = cloud_run_entries(2, start="2025-03-01T09:29:59Z", step_ms=300, seed=9)
    late_early = cloud_run_entries(1, start="2025-03-01T09:29:10Z", seed=10)  # older than the newest seen
    naps: list[float] = []
    with FakeLogging(entries=entries) as server:

        def nap(seconds: float) -> None:
            naps.append(seconds)
            if len(naps) == 1:
                server.ingest([*late, *late_early])

        query = _query(until="2025-03-01T09:30:00Z")
        from dataclasses import replace

        source = CloudLoggingSource(query, replace(FAST, endpoint=server.url, settle=5.0), sleep=nap)
        got = list(source.entries())
    expected = sorted([*entries, *late, *late_early], key=lambda e: ts_ns(e["timestamp"]))
    _exactly_once_in_order(got, expected)
    assert naps == [5.0, 5.0]  # one re-read found three more, the next found none
    tail_reads = [r.body["filter"] for r in server.requests[2:]]
    assert all('timestamp>="2025-03-01T09:28:00Z"' in f for f in tail_reads)


# --- errors: one line, a Tip, never a traceback --------------------------------------------------------


def test_permission_denied_names_the_role() -> None:
    with (
        FakeLogging(entries=_target(10), denied=("demo-proj",)) as server,
        pytest.raises(PermissionDeniedError) as err,
    ):
        _read(server)
    assert "roles/logging.viewer" in str(err.value) and "Tip: " in str(err.value)
    assert len(server.requests) == 1, "permission denied is not retried"


def test_permission_denied_as_an_injected_fault_is_not_retried(fake: FakeLogging) -> None:
    fake.faults = {1: PERMISSION_DENIED}
    with pytest.raises(PermissionDeniedError):
        _read(fake)
    assert len(fake.requests) == 2


def test_unknown_project_says_so() -> None:
    with (
        FakeLogging(entries=_target(10), projects=("someone-else",)) as server,
        pytest.raises(UnknownProjectError) as err,
    ):
        _read(server)
    assert str(err.value).startswith("Cloud Logging does not know project demo-proj")
    assert str(err.value).endswith(
        "Tip: check --project (and --endpoint); list your projects with: gcloud projects list"
    )


def test_empty_result_names_the_revision_and_how_to_list_revisions() -> None:
    with FakeLogging(entries=_noise()) as server, pytest.raises(NoEntriesError) as err:
        _read(server)
    assert str(err.value) == (
        "No log entries for revision orders-api-00007-qaz of service orders-api in project demo-proj between "
        "09:00 and 12:00 UTC on 2025-03-01. Check --revision and the window. "
        "Tip: gcloud run revisions list --service orders-api --region REGION --project demo-proj"
    )
    assert len(server.requests) == 1 and "nextPageToken" not in server.requests[0].body


def test_missing_credentials_tip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    source = CloudLoggingSource(_query(), FetchOptions())
    with pytest.raises(CredentialsError) as err:
        list(source.entries())
    assert str(err.value) == (
        "No Google Cloud credentials found to read project demo-proj's logs. "
        "Tip: gcloud auth application-default login"
    )


# --- pacing --------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_allows_a_burst_then_one_per_slot() -> None:
    clock = FakeClock()
    pacer = QuotaPacer(3, period=60.0, margin=0.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(7):
        pacer.wait()
        starts.append(clock.now)
        clock.now += 0.5  # each request takes half a second
    assert starts == [1000.0, 1000.5, 1001.0, 1060.0, 1060.5, 1061.0, 1120.0]
    for i in range(len(starts)):
        assert sum(1 for s in starts if starts[i] <= s < starts[i] + 60.0) <= 3


def test_reads_are_paced_to_the_quota(fake: FakeLogging) -> None:
    clock = FakeClock()
    from dataclasses import replace

    options = replace(FAST, endpoint=fake.url, quota_rpm=2)
    source = CloudLoggingSource(_query(), options, clock=clock, sleep=clock.sleep)
    _exactly_once_in_order(list(source.entries()), _target())
    # Six requests at two a minute: two at once, then two after each 60.6 s (the quota plus 1% margin).
    assert clock.slept == [pytest.approx(60.6), pytest.approx(60.6)]


def test_a_quota_enforcing_api_is_never_tripped_by_a_paced_read() -> None:
    with FakeLogging(entries=_target(), quota=2, quota_window=0.4) as server:
        from dataclasses import replace

        source = _read(server, replace(FAST, quota_rpm=2, quota_period=0.4, quota_margin=0.05))
    _exactly_once_in_order(source.got, _target())  # type: ignore[attr-defined]
    assert server.quota_rejections == 0 and source.retries == 0


def test_an_unpaced_read_trips_the_quota_and_still_loses_nothing() -> None:
    with FakeLogging(entries=_target(), quota=2, quota_window=0.4) as server:
        from dataclasses import replace

        options = replace(FAST, quota_rpm=1000, backoff_base=0.1, backoff_max=0.4, max_attempts=10)
        source = _read(server, options)
    _exactly_once_in_order(source.got, _target())  # type: ignore[attr-defined]
    assert server.quota_rejections > 0 and source.retries == server.quota_rejections


def test_progress_shows_entries_pages_rate_and_waits() -> None:
    import io

    stream = io.StringIO()
    progress = ConsoleProgress("Reading orders-api-00007-qaz", file=stream, force_terminal=True)
    assert progress.enabled
    progress.page(2000, 2, 950.0)
    progress.waiting(12.5, "waiting for quota")
    progress.close()
    text = stream.getvalue()
    assert "2,000 entries, 2 pages, 950 entries/s" in text
    quiet = ConsoleProgress("x", file=io.StringIO(), force_terminal=False)
    assert not quiet.enabled


# --- the commands --------------------------------------------------------------------------------------


def _cli(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def _fetch_args(fake: FakeLogging, out: Path, *extra: str) -> list[str]:
    return [
        "fetch",
        "--project",
        "demo-proj",
        "--revision",
        "orders-api-00007-qaz",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--endpoint",
        fake.url,
        "-o",
        str(out),
        *extra,
    ]


def test_fetch_command_saves_a_gcloud_style_export_and_caches_it(fake: FakeLogging, tmp_path: Path) -> None:
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out.json"
    code, _, err = _cli(_fetch_args(fake, out), env)
    assert code == 0, err
    assert err == f"logscan: 5500 entries of orders-api-00007-qaz written to {out}.\n"
    assert out.read_text(encoding="utf-8").startswith('[\n  {\n    "insertId": ')
    assert json.loads(out.read_text(encoding="utf-8")) == _target()
    sent = len(fake.requests)
    assert sent == 6

    again = tmp_path / "again.json"
    code, _, err = _cli(_fetch_args(fake, again), env)
    assert code == 0 and "(from the local cache)" in err
    assert len(fake.requests) == sent, "a cached fetch costs no API call"
    assert again.read_bytes() == out.read_bytes()

    code, _, _ = _cli(_fetch_args(fake, again, "--refresh"), env)
    assert code == 0 and len(fake.requests) == 2 * sent


def test_fetch_endpoint_from_the_environment_and_verbose_filter(fake: FakeLogging, tmp_path: Path) -> None:
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache"), "LOGSCAN_LOGGING_ENDPOINT": fake.url}
    args = [a for a in _fetch_args(fake, tmp_path / "o.json", "-v") if a not in ("--endpoint", fake.url)]
    code, _, err = _cli(args, env)
    assert code == 0
    assert f"logscan: filter: {EXPECTED_FILTER}\n" in err
    assert "logscan: read 5500 entries in 6 pages, 6 requests, 0 retries" in err


def test_fetch_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out.json"
    with FakeLogging(entries=_target(10), denied=("demo-proj",)) as server:
        code, stdout, err = _cli(_fetch_args(server, out), env)
    assert code == 2 and not out.exists()
    assert err.startswith("logscan: error: Permission denied reading the logs of project demo-proj")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in stdout + err
    with FakeLogging(entries=_noise()) as server:
        code, _, err = _cli(_fetch_args(server, out), env)
    assert code == 3 and "Tip: gcloud run revisions list --service orders-api --region REGION" in err
    code, _, err = _cli(["fetch", "--revision", "orders-api-00007-qaz"], env)
    assert code == 2 and err.startswith("logscan: error: --project is missing.")
    code, _, err = _cli(
        ["fetch", "--project", "demo-proj", "--revision", "orders-api-00007-qaz", "--since", "soon"], env
    )
    assert code == 2 and "expected an RFC 3339 time (2025-03-01T09:00:00Z) or a relative one" in err


def test_fetch_without_credentials_is_exit_2_with_the_tip(tmp_path: Path) -> None:
    env = {
        "LOGSCAN_CACHE_DIR": str(tmp_path / "cache"),
        "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "absent.json"),
        "LOGSCAN_LOGGING_ENDPOINT": "",
    }
    code, _, err = _cli(
        [
            "fetch",
            "--project",
            "demo-proj",
            "--revision",
            "orders-api-00007-qaz",
            "--since",
            SINCE,
            "--until",
            UNTIL,
        ],
        env,
    )
    assert code == 2
    assert err == (
        "logscan: error: No Google Cloud credentials found to read project demo-proj's logs. "
        "Tip: gcloud auth application-default login\n"
    )


def test_triage_reads_a_revision_live_and_records_the_query(fake: FakeLogging, tmp_path: Path) -> None:
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    report_path = tmp_path / "report.json"
    args = ["triage", "--project", "demo-proj", "--revision", "orders-api-00007-qaz", "--since", SINCE]
    args += ["--until", UNTIL, "--endpoint", fake.url, "-o", str(report_path)]
    code, _, err = _cli(args, env)
    assert code != 2, err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    provenance = report["provenance"]
    assert provenance["filter"] == EXPECTED_FILTER
    assert provenance["logs_explorer_url"] == _query().logs_explorer_url
    assert provenance["sources"] == ["cloud-logging:demo-proj/orders-api-00007-qaz"]
    assert provenance["truncated"] is False
    assert report["counts"]["records"] == 5500


def test_triage_of_a_capped_read_is_never_a_pass(tmp_path: Path) -> None:
    healthy = [e for e in _target() if e.get("severity") not in ("ERROR", "WARNING")]
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    with FakeLogging(entries=healthy) as server:
        base = ["triage", "--project", "demo-proj", "--revision", "orders-api-00007-qaz", "--since", SINCE]
        base += ["--until", UNTIL, "--endpoint", server.url, "--format", "json"]
        _, full_out, _ = _cli(base, env)
        code, out, err = _cli([*base, "--max-entries", "1000"], env)
    assert json.loads(full_out)["verdict"]["level"] != "INCONCLUSIVE"
    report = json.loads(out)
    assert report["provenance"]["truncated"] is True and report["counts"]["records"] == 1000
    assert report["verdict"]["level"] == "INCONCLUSIVE" and code == 3
    assert "stopped early (--max-entries 1000 reached)" in err


def test_triage_refuses_files_and_a_revision_together(tmp_path: Path) -> None:
    code, _, err = _cli(
        ["triage", str(tmp_path / "x.json"), "--project", "demo-proj", "--revision", "orders-api-00007-qaz"],
        {},
    )
    assert code == 2 and err == "logscan: error: pass export files or --project/--revision, not both.\n"


def test_a_fetched_export_replays_offline(fake: FakeLogging, tmp_path: Path) -> None:
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out.json"
    assert _cli(_fetch_args(fake, out), env)[0] == 0
    fake.stop()  # offline from here on
    code, stdout, err = _cli(["triage", str(out), "--format", "json"], env)
    assert code != 2, err
    assert json.loads(stdout)["counts"]["records"] == 5500


def test_resume_filter_timestamp_keeps_the_api_text() -> None:
    # The resume bound is the entry's own timestamp string, nanoseconds and all.
    stamp = ns_text(ts_ns("2025-03-01T10:00:00.123456789Z"))
    assert stamp == "2025-03-01T10:00:00.123456789Z"
    assert f'timestamp>="{stamp}"' in _query().filter_from(stamp)


def test_no_entries_exits_3_live_as_for_an_empty_file(tmp_path: Path) -> None:
    """Issue 12 item 4: one rule for "no entries": INCONCLUSIVE, exit 3, the query and the window named."""
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    empty_file = tmp_path / "empty.json"
    empty_file.write_text("[]\n", encoding="utf-8")
    code, _, _ = _cli(["triage", str(empty_file), "--format", "json"], env)
    assert code == 3
    with FakeLogging(entries=_noise()) as server:
        args = ["triage", "--project", "demo-proj", "--revision", "orders-api-00007-qaz", "--since", SINCE]
        args += ["--until", UNTIL, "--endpoint", server.url, "--format", "json"]
        code, out, err = _cli(args, env)
        fetch_code, _, fetch_err = _cli(_fetch_args(server, tmp_path / "out.json"), env)
    assert code == 3, err
    report = json.loads(out)
    assert report["verdict"]["level"] == "INCONCLUSIVE"
    assert report["provenance"]["filter"] == EXPECTED_FILTER
    assert report["provenance"]["window_start"] == SINCE
    assert err.startswith("logscan: No log entries for revision orders-api-00007-qaz")
    assert "between 09:00 and 12:00 UTC on 2025-03-01" in err
    assert fetch_code == 3 and not (tmp_path / "out.json").exists()
    assert fetch_err.startswith("logscan: No log entries for revision orders-api-00007-qaz")
    assert "between 09:00 and 12:00 UTC on 2025-03-01" in fetch_err


def test_a_severity_floor_that_hides_request_logs_leaves_served_unknown(
    fake: FakeLogging, tmp_path: Path
) -> None:
    """Issue 12 item 3: with --severity ERROR the answered requests (INFO) are filtered out: served is
    unknown, not "no", and the report says why."""
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    args = ["triage", "--project", "demo-proj", "--revision", "orders-api-00007-qaz", "--since", SINCE]
    args += ["--until", UNTIL, "--endpoint", fake.url, "--format", "json", "--severity", "ERROR"]
    code, out, err = _cli(args, env)
    assert code != 2, err
    served = json.loads(out)["verdict"]["served"]
    assert served["served"] is None
    assert (
        "--severity ERROR filtered out the request logs answered below 500 (INFO) and the startup "
        "messages: whether the revision started and served is unknown" in served["evidence"]
    )


def test_a_refused_connection_fails_fast_and_names_the_endpoint(tmp_path: Path) -> None:
    """Issue 12 item 12: nothing listens at the endpoint: a couple of quick tries, then the endpoint named,
    not 32 s of backoff and a quota tip."""
    import socket
    import time

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    env = {"LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    args = ["fetch", "--project", "demo-proj", "--revision", "orders-api-00007-qaz", "--since", SINCE]
    args += ["--until", UNTIL, "--endpoint", endpoint, "-o", str(tmp_path / "out.json")]
    began = time.monotonic()
    code, _, err = _cli(args, env)
    took = time.monotonic() - began
    assert code == 2
    assert err == (
        f"logscan: error: Nothing answers at {endpoint}: the connection was refused (3 attempts). "
        "Check --endpoint (or LOGSCAN_LOGGING_ENDPOINT), or start the emulator it names.\n"
    )
    assert "quota" not in err
    assert took < 15, f"{took:.1f}s: a refused connection must not wait out the quota backoff"
