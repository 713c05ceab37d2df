"""logscan triage --engine bigquery, through the real google-cloud-bigquery client against a local fake of
BigQuery's REST API whose rows come from DuckDB running the same queries on a test export: the report equals
the one from the file, the downloaded rows are reported, and each failure is one line with its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from logscan.classify.library import Library
from logscan.cli import cli
from logscan.ingest.fields import parse_timestamp
from logscan.sources.cloud.query import CLOUD_RUN_LOGS, RevisionQuery, revision_query
from logscan.sources.cloud.window import Window, rfc3339
from logscan.sources.files import open_source
from logscan.sql.export import export_source
from logscan.sql.query import Table, default_table, to_sql
from logscan.sql.triage import triage_queries

from .conftest import CORPUS, FIXTURES, REPO
from .fake_bigquery import FakeBigQuery, serve

PROJECT = "acme-staging"
REVISION = "billing-api-00631-xgf"
VIEW = f"{PROJECT}.global._Default._AllLogs"
SINCE = datetime(2025, 9, 15, 17, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(hours=2)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deterministic export of one revision (benchmarks/generate.py): requests, app lines, tracebacks."""
    path = tmp_path_factory.mktemp("bq") / "export.json"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), "--entries", "3000", "--out", str(path)],
        check=True,
    )
    return path


def _fake(
    library: Library,
    export: Path,
    table: str = VIEW,
    bytes_scanned: int = 123_456,
    where: RevisionQuery | None = None,
) -> FakeBigQuery:
    """A fake whose view is the export mapped to Log Analytics' columns, knowing the triage's two queries."""
    connection = duckdb.connect()
    view = to_sql(export_source([export]), "duckdb").rstrip().rstrip(";")
    connection.execute(f'CREATE VIEW "{table}" AS {view}')
    where = where or revision_query(PROJECT, REVISION, Window(SINCE, UNTIL))
    queries: dict[str, str] = {}
    for_bigquery = triage_queries(library, "bigquery", Table(table), where)
    for_duckdb = triage_queries(library, "duckdb", Table(table), where)
    for name in ("download", "counts"):
        queries[to_sql(getattr(for_bigquery, name), "bigquery")] = to_sql(getattr(for_duckdb, name), "duckdb")
    return FakeBigQuery(connection=connection, queries=queries, bytes_scanned=bytes_scanned)


def _triage(*args: str, where: RevisionQuery | None = None) -> Any:
    where = where or revision_query(PROJECT, REVISION, Window(SINCE, UNTIL))
    return CliRunner().invoke(
        cli,
        [
            "triage",
            "--project",
            where.project,
            "--service",
            where.service,
            "--revision",
            where.revision,
            "--since",
            rfc3339(where.window.start),
            "--until",
            rfc3339(where.window.end),
            *args,
        ],
    )


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """Everything but the provenance (which says where the input came from and when)."""
    return {k: v for k, v in report.items() if k != "provenance"}


@pytest.fixture(scope="module")
def from_file(export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("file") / "report.json"
    result = CliRunner().invoke(cli, ["triage", str(export), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


@pytest.fixture()
def fake(library: Library, export: Path) -> Iterator[tuple[FakeBigQuery, str]]:
    state = _fake(library, export)
    with serve(state) as endpoint:
        yield state, endpoint


def test_the_report_equals_the_one_from_the_file_and_says_what_was_downloaded(
    fake: tuple[FakeBigQuery, str], from_file: dict[str, Any], tmp_path: Path
) -> None:
    state, endpoint = fake
    out = tmp_path / "report.json"
    result = _triage("--engine", "bigquery", "--endpoint", endpoint, "-o", str(out))
    assert result.exit_code in (0, 1), result.output
    report = json.loads(out.read_text())
    assert _comparable(report) == _comparable(from_file)
    provenance = report["provenance"]
    assert provenance["engine"] == "bigquery"
    assert provenance["query"].startswith("WITH entries AS")
    assert provenance["bytes_processed"] == 2 * 123_456  # the counts and the download
    total = from_file["counts"]["records"]
    assert provenance["rows_downloaded"] + provenance["entries_counted"] == total
    assert 0 < provenance["rows_downloaded"] < total  # something was counted where it lives
    counts_rows = state.rows_served - provenance["rows_downloaded"]
    assert 0 < counts_rows < 200  # per log, rule and minute: a few rows for thousands of entries
    assert "BigQuery will scan 246,912 bytes" in result.output  # the dry runs, before anything runs
    paged = [path for method, path in state.requests if method == "GET" and "/queries/" in path]
    assert len(paged) > provenance["rows_downloaded"] // 50  # the client paged through getQueryResults


def test_over_max_bytes_is_refused_after_the_dry_run(fake: tuple[FakeBigQuery, str]) -> None:
    state, endpoint = fake
    result = _triage("--engine", "bigquery", "--endpoint", endpoint, "--max-bytes", "1000")
    assert result.exit_code == 2
    assert result.output == (
        f"logscan: BigQuery will scan 246,912 bytes of {VIEW} (dry run)\n"
        f"logscan: error: The query over {VIEW} would scan 246,912 bytes, over --max-bytes 1,000. "
        "Narrow --since/--until, or raise --max-bytes.\n"
    )
    assert not state.results  # no query ran


@pytest.mark.parametrize(
    ("table", "status", "reason", "expected"),
    [
        (
            VIEW,
            404,
            "notFound",
            "The log bucket _Default is not upgraded to Log Analytics. Tip: gcloud logging buckets update "
            "_Default --location=global --enable-analytics --project=acme-staging",
        ),
        (
            f"{PROJECT}.billing_logs._AllLogs",
            404,
            "notFound",
            "No linked BigQuery dataset by that name. Tip: gcloud logging links create billing_logs",
        ),
        (
            VIEW,
            403,
            "accessDenied",
            "Permission denied querying acme-staging.global._Default._AllLogs in BigQuery",
        ),
    ],
)
def test_bigquery_failures_are_one_line_with_the_fix(
    table: str, status: int, reason: str, expected: str
) -> None:
    # A fake that fails every request needs no table and knows no query.
    state = FakeBigQuery(
        connection=duckdb.connect(),
        queries={},
        bytes_scanned=0,
        fail_with=(status, reason, f"Not found: Table {table}" if status == 404 else "Access Denied"),
    )
    with serve(state) as endpoint:
        result = _triage("--engine", "bigquery", "--endpoint", endpoint, "--table", table)
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("logscan: error:")]
    assert len(errors) == 1 and expected in errors[0], result.output
    assert "Traceback" not in result.output


def test_engine_options_need_the_engine() -> None:
    result = _triage("--max-bytes", "10")
    assert result.exit_code == 2
    assert "--table and --max-bytes go with --engine bigquery" in result.output


REPORTED = (
    "baseline/invoices-api-00046-sor.json",
    "holdout/raw/h01_orders_api_fastapi_gunicorn.json",
    "scenarios/healthy.json",
    "scenarios/missing-setting-crash.json",
    "scenarios/stacks/jvm-crash.json",
    "sql/neighbours.json",
)
"""Exports whose reports are compared end to end: each run costs DuckDB a few seconds of planning, so a
selection of every family (test_sql compares the classification of every export entry by entry)."""


def _cloud_run_exports() -> list[Path]:
    """The selected exports, and the shared corpus's real ones when present."""
    found = [FIXTURES / name for name in REPORTED]
    shared = CORPUS / "real" / "raw"
    if shared.is_dir():
        found += [p for pattern in ("*.json", "*.jsonl") for p in sorted(shared.glob(pattern))]
    return [p for p in found if p.name != "labels.jsonl" and _subject(p) is not None]


def _cloud_run_key(entry: Any) -> tuple[str, str, str] | None:
    """(project, service, revision) of a Cloud Run revision's entry in one of the four logs the fetch reads."""
    if not isinstance(entry, dict):
        return None
    resource, log_name = entry.get("resource"), entry.get("logName")
    if (
        not isinstance(resource, dict)
        or resource.get("type") != "cloud_run_revision"
        or not isinstance(log_name, str)
    ):
        return None
    labels = resource.get("labels") or {}
    project, _, log = log_name.removeprefix("projects/").partition("/logs/")
    if log not in CLOUD_RUN_LOGS or not labels.get("service_name") or not labels.get("revision_name"):
        return None
    return project, labels["service_name"], labels["revision_name"]


def _subject(path: Path) -> RevisionQuery | None:
    """The revision most of the export's Cloud Run entries belong to, over a window that holds them all."""
    keys: Counter[tuple[str, str, str]] = Counter()
    times = []
    for entry in open_source(str(path)).entries():
        key = _cloud_run_key(entry)
        stamp = parse_timestamp(entry.get("timestamp")) if key and isinstance(entry, dict) else None
        if key and stamp:
            keys[key] += 1
            times.append(stamp)
    if not keys:
        return None
    (project, service, revision), _n = keys.most_common(1)[0]
    start = min(times).replace(microsecond=0)
    return revision_query(
        project, revision, Window(start, max(times) + timedelta(seconds=1)), service=service
    )


def _fetched(path: Path, where: RevisionQuery, out: Path) -> Path:
    """The export's entries the live fetch would read for where (its filter, in Python), written newest first
    as `gcloud logging read` exports them: the order the BigQuery download reproduces (docs/sql.md). A finding's
    example is the first of its events in read order, so an export written oldest first would show another
    occurrence of the same signature (the counts, findings and verdict do not depend on the order)."""
    kept: list[tuple[datetime, str, dict[str, Any]]] = []
    for entry in open_source(str(path)).entries():
        stamp = parse_timestamp(entry.get("timestamp")) if isinstance(entry, dict) else None
        if (
            _cloud_run_key(entry) == (where.project, where.service, where.revision)
            and stamp is not None
            and where.window.start <= stamp < where.window.end
        ):
            kept.append((stamp, str(entry.get("insertId") or ""), entry))
    newest_first = sorted(kept, key=lambda item: item[:2], reverse=True)
    with out.open("wb") as sink:
        for _stamp, _insert_id, entry in newest_first:
            sink.write(json.dumps(entry).encode() + b"\n")
    return out


@pytest.mark.parametrize("path", _cloud_run_exports(), ids=lambda p: p.name)
def test_every_cloud_run_export_gives_the_file_s_report_through_bigquery(
    path: Path, library: Library, tmp_path: Path
) -> None:
    where = _subject(path)
    assert where is not None
    fetched = _fetched(path, where, tmp_path / "fetched.jsonl")
    result = CliRunner().invoke(cli, ["triage", str(fetched), "-o", str(tmp_path / "file.json")])
    assert result.exit_code in (0, 1), result.output
    from_file = json.loads((tmp_path / "file.json").read_text())
    state = _fake(library, path, table=default_table(where.project).name, where=where)
    with serve(state) as endpoint:
        result = _triage(
            "--engine", "bigquery", "--endpoint", endpoint, "-o", str(tmp_path / "bq.json"), where=where
        )
    assert result.exit_code in (0, 1), result.output
    report = json.loads((tmp_path / "bq.json").read_text())
    assert _comparable(report) == _comparable(from_file)
    provenance = report["provenance"]
    assert provenance["rows_downloaded"] + provenance["entries_counted"] == from_file["counts"]["records"]


def test_noise_is_counted_in_the_query_and_what_the_joiner_needs_is_downloaded(
    library: Library, tmp_path: Path
) -> None:
    """The neighbours fixture: noise inside and beside traceback groups (see its builder)."""
    path = FIXTURES / "sql" / "neighbours.json"
    where = _subject(path)
    assert where is not None
    state = _fake(library, path, table=default_table(where.project).name, where=where)
    with serve(state) as endpoint:
        result = _triage(
            "--engine", "bigquery", "--endpoint", endpoint, "-o", str(tmp_path / "bq.json"), where=where
        )
    assert result.exit_code in (0, 1), result.output
    [(schema, rows)] = [job for job in state.results.values() if job[0][0]["name"] == "insert_id"]
    names = [field["name"] for field in schema]
    downloaded = {row[names.index("insert_id")] for row in rows}
    entries = json.loads(path.read_text())
    by_text: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_text.setdefault(entry.get("textPayload", ""), []).append(entry)

    def fetched(text: str) -> list[bool]:
        return [e["insertId"] in downloaded for e in by_text[text]]

    # Joined into the traceback (uvicorn's access line reads as its exception line): downloaded.
    assert fetched('INFO:     169.254.169.126:51230 - "GET /healthz HTTP/1.1" 200 OK') == [True]
    # The line right after the traceback's last line, on the same instance and stream: downloaded.
    assert fetched("[2025-10-06 09:14:08 +0000] [7] [INFO] Worker exiting (pid: 7)") == [True]
    # The warning's source line belongs to the warning's event: downloaded with it, on both instances.
    assert fetched("  warnings.warn(message, UserWarning)") == [True, True]
    # Health checks on stdout: the first of each status per instance is downloaded, the rest counted.
    access = [e for e in entries if e.get("textPayload", "").startswith("INFO:     169.254.169.126:4")]
    assert len(access) >= 20 and sum(e["insertId"] in downloaded for e in access) <= 4
    # The gunicorn lines that repeat after a quiet moment: only the first is downloaded.
    assert fetched("[2025-10-06 09:14:14 +0000] [9] [INFO] Autorestarting worker after current request.") == [
        False,
        False,
        False,
        False,
        False,
        True,
    ]  # newest first: the oldest is the one downloaded
    # Request logs without text are counted, the failed one too (no rule claims an entry without text).
    requests = [e for e in entries if "httpRequest" in e]
    assert len(requests) > 30 and not any(e["insertId"] in downloaded for e in requests)
    report = json.loads((tmp_path / "bq.json").read_text())
    assert report["provenance"]["rows_downloaded"] == len(downloaded) < 0.5 * len(entries)
