"""logscan triage --engine bigquery, through the real google-cloud-bigquery client against a local fake of
BigQuery's REST API whose rows come from DuckDB running the same queries on a test export: the report equals
the one from the file, the downloaded rows are reported, and each failure is one line with its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from logscan.classify.library import Library
from logscan.cli import cli
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.window import Window, rfc3339
from logscan.sql.export import export_source
from logscan.sql.query import Table, to_sql
from logscan.sql.triage import triage_queries

from .conftest import REPO
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


def _fake(library: Library, export: Path, table: str = VIEW, bytes_scanned: int = 123_456) -> FakeBigQuery:
    """A fake whose view is the export mapped to Log Analytics' columns, knowing the triage's two queries."""
    connection = duckdb.connect()
    view = to_sql(export_source([export]), "duckdb").rstrip().rstrip(";")
    connection.execute(f'CREATE VIEW "{table}" AS {view}')
    where = revision_query(PROJECT, REVISION, Window(SINCE, UNTIL))
    queries: dict[str, str] = {}
    for_bigquery = triage_queries(library, "bigquery", Table(table), where)
    for_duckdb = triage_queries(library, "duckdb", Table(table), where)
    for name in ("download", "counts"):
        queries[to_sql(getattr(for_bigquery, name), "bigquery")] = to_sql(getattr(for_duckdb, name), "duckdb")
    return FakeBigQuery(connection=connection, queries=queries, bytes_scanned=bytes_scanned)


def _triage(*args: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "triage",
            "--project",
            PROJECT,
            "--revision",
            REVISION,
            "--since",
            rfc3339(SINCE),
            "--until",
            rfc3339(UNTIL),
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
    library: Library, export: Path, table: str, status: int, reason: str, expected: str
) -> None:
    state = _fake(library, export, table=table)
    state.fail_with = (status, reason, f"Not found: Table {table}" if status == 404 else "Access Denied")
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
