"""`logscan triage --engine bigquery`: classify in BigQuery, download only what the report needs.

Two queries over the Log Analytics view, both from the classification CTEs of query.py and the join
judgement of neighbours.py:

- the counts: the entries neighbours.py finds ``counted`` (noise claimed by a noise rule that the joiner
  would leave alone, and entries with no text that no rule but a noise one claims), per log, service,
  revision, region, rule, key and minute (and second, when the revision's entries span at most
  aggregate.FINE_SPAN, for the per-second timeline), with their first and last time, highest severity,
  request statuses and cut messages: everything the report takes from them;
- the download: every other entry, as a LogEntry, oldest first. Those are the non-noise entries, the noise
  the joiner might join, their neighbours, and the first entry of each counted kind per instance (the
  report's example, template and instances come from it). They go through the local pipeline (join,
  classify, verdict), so every finding, example and template is the one the full download would give;
  the counts are folded in after them (aggregate.Aggregator.add_counted).

The report records the engine, the download query and the bytes both queries processed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from logscan.classify.library import Library
from logscan.config import MAX_LINE_CHARS
from logscan.model import SEVERITIES, CountedEntries, SourceInfo
from logscan.sources.cloud.bigquery import BigQuery, check_max_bytes
from logscan.sources.cloud.cache import SavedSource
from logscan.sources.cloud.query import RevisionQuery
from logscan.sources.cloud.window import rfc3339
from logscan.sql.message import Dialect, expression
from logscan.sql.neighbours import EVENT_ORDER, judged
from logscan.sql.query import Table, classified, resource_field, severity_rank, to_sql
from logscan.verdict.aggregate import FINE_SPAN

RAW_COLUMNS = ("text_payload", "json_payload", "proto_payload", "http_request", "trace")
"""Columns a downloaded entry needs beyond the ones the classification reads."""
DOWNLOAD_COLUMNS = (
    "insert_id",
    "timestamp",
    "severity",
    "log_name",
    "resource",
    "labels",
    *RAW_COLUMNS,
)
_HAS_REQUEST = {
    "bigquery": "http_request IS NOT NULL",
    "duckdb": "json_type(http_request) = 'OBJECT'",
}
_STATUS = {
    "bigquery": "http_request.status",
    "duckdb": (
        "CASE WHEN json_type(http_request, '$.status') IN ('UBIGINT', 'BIGINT') "
        "THEN CAST(json_extract_string(http_request, '$.status') AS BIGINT) "
        "WHEN json_type(http_request, '$.status') = 'VARCHAR' "
        "AND regexp_full_match(trim(json_extract_string(http_request, '$.status')), '[0-9]+') "
        "THEN TRY_CAST(trim(json_extract_string(http_request, '$.status')) AS BIGINT) END"
    ),
}


@dataclass(frozen=True)
class TriageQueries:
    """The two queries of a BigQuery triage."""

    download: exp.Select
    """Every entry the report needs as an entry, oldest first."""
    counts: exp.Select
    """Counts of the entries that only count, per log, service, revision, region, rule, key and minute."""


def triage_queries(
    library: Library, dialect: Dialect, source: Table, where: RevisionQuery, max_chars: int = MAX_LINE_CHARS
) -> TriageQueries:
    """The download and counts queries over source for the revision and window of ``where``."""
    base = classified(library, dialect, source, where, max_chars, raw=RAW_COLUMNS)
    subject = {
        "subject_service": _named(resource_field(dialect, "service_name")),
        "subject_revision": _named(resource_field(dialect, "revision_name")),
        "subject_region": _named(resource_field(dialect, "location")),
    }
    rows = judged(base, dialect, subject)
    counted = exp.column("counted")
    download = (
        rows.select(*DOWNLOAD_COLUMNS)  # a copy: rows is built on again below
        .where(exp.not_(counted), copy=False)
        .order_by(*(exp.column(c.strip()) for c in EVENT_ORDER.split(",")), copy=False)
    )
    status = expression(_STATUS[dialect], dialect)
    has_request = expression(_HAS_REQUEST[dialect], dialect)
    ok = exp.and_(has_request, status > 0, status < 500)
    span = expression(
        "MAX(join_us) OVER (PARTITION BY subject_service, subject_revision) "
        "- MIN(join_us) OVER (PARTITION BY subject_service, subject_revision)",
        dialect,
    )
    fine = exp.LTE(
        this=exp.column("span_us"), expression=exp.Literal.number(int(FINE_SPAN.total_seconds() * 1e6))
    )
    second = exp.TimestampTrunc(this=exp.column("timestamp"), unit=exp.var("SECOND"))
    keys = [
        exp.column("log_name"),
        exp.column("subject_service").as_("service"),
        exp.column("subject_revision").as_("revision"),
        exp.column("subject_region").as_("region"),
        exp.column("rule"),
        exp.column("key"),
        exp.column("silent"),
        exp.TimestampTrunc(this=exp.column("timestamp"), unit=exp.var("MINUTE")).as_("minute"),
        exp.If(this=fine, true=second).as_("second"),
    ]

    def tally(condition: exp.Expr) -> exp.Expr:
        return exp.Sum(this=exp.If(this=condition, true=exp.Literal.number(1), false=exp.Literal.number(0)))

    counts = (
        rows.with_("spanned", as_=exp.select("*", span.as_("span_us")).from_("judged"))
        .select(  # rows.with_ above copied rows: what follows builds on that copy in place
            *keys,
            exp.Count(this=exp.Star()).as_("entries"),
            exp.Min(this=exp.column("timestamp")).as_("first"),
            exp.Max(this=exp.column("timestamp")).as_("last"),
            exp.Max(this=severity_rank(exp.column("severity"))).as_("severity_rank"),
            tally(has_request).as_("requests"),
            tally(ok).as_("requests_ok"),
            tally(exp.column("truncated")).as_("truncated"),
            copy=False,
        )
        .from_("spanned", copy=False)
        .where(counted, copy=False)
        .group_by(*(exp.Literal.number(i + 1) for i in range(len(keys))), copy=False)
        .order_by(*(exp.Literal.number(i + 1) for i in range(len(keys))), copy=False)
    )
    return TriageQueries(download=download, counts=counts)


def _named(value: exp.Expr) -> exp.Expr:
    """The label's value, NULL when empty (as normalize reads an empty label)."""
    return exp.Nullif(this=value, expression=exp.Literal.string(""))


@dataclass(frozen=True)
class BigQueryInputs:
    """What a BigQuery triage hands the pipeline: the downloaded entries, the counts, and the provenance."""

    sources: list[SavedSource]
    """The downloaded entries, saved as a JSONL export."""
    counted: tuple[CountedEntries, ...]
    """The entries counted in the query."""
    info: SourceInfo
    """Window, filter, engine, query, bytes processed and rows downloaded, for the report."""


def run_on_bigquery(
    library: Library,
    where: RevisionQuery,
    table: Table,
    scratch: Path,
    endpoint: str | None = None,
    max_bytes: int | None = None,
    say: Callable[[str], None] = lambda _line: None,
) -> BigQueryInputs:
    """Dry-run both queries (say() prints the bytes), refuse over max_bytes, run them, save the download."""
    queries = triage_queries(library, "bigquery", table, where)
    download_sql = to_sql(queries.download, "bigquery")
    counts_sql = to_sql(queries.counts, "bigquery")
    client = BigQuery(where.project, table.name, endpoint)
    scanned = client.dry_run(counts_sql) + client.dry_run(download_sql)
    say(f"logscan: BigQuery will scan {scanned:,} bytes of {table.name} (dry run)")
    check_max_bytes(scanned, max_bytes, table.name)
    counts_run = client.run(counts_sql, max_bytes)
    counted = tuple(_counted(row) for row in counts_run.rows)
    download_run = client.run(download_sql, max_bytes)
    path = scratch / "entries.jsonl"
    rows = _save(download_run.rows, path)
    processed = counts_run.bytes_processed + download_run.bytes_processed
    say(
        f"logscan: BigQuery processed {processed:,} bytes; downloaded {rows:,} entries, counted {sum(c.entries for c in counted):,}"
    )
    info = SourceInfo(
        filter=where.filter,
        logs_explorer_url=where.logs_explorer_url,
        window_start=where.window.start,
        window_end=where.window.end,
        engine="bigquery",
        query=download_sql,
        bytes_processed=processed,
        rows_downloaded=rows,
        entries_counted=sum(c.entries for c in counted),
    )
    return BigQueryInputs(sources=[SavedSource(path, f"bigquery:{table.name}")], counted=counted, info=info)


def _counted(row: Mapping[str, Any]) -> CountedEntries:
    second = row["second"]
    return CountedEntries(
        log_name=str(row["log_name"] or ""),
        service=row["service"],
        revision=row["revision"],
        rule=str(row["rule"]),
        minute=_utc(row["minute"]),
        entries=int(row["entries"]),
        first=_utc(row["first"]),
        last=_utc(row["last"]),
        requests=int(row["requests"] or 0),
        requests_ok=int(row["requests_ok"] or 0),
        key=row["key"],
        region=row["region"],
        silent=bool(row["silent"]),
        second=None if second is None else _utc(second),
        severity=SEVERITIES[int(row["severity_rank"] or 0)],
        truncated=int(row["truncated"] or 0),
    )


def _utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    return value


def _save(rows: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write the rows as LogEntry objects (API form, one per line); return how many."""
    count = 0
    with path.open("wb") as out:
        for row in rows:
            out.write(orjson.dumps(_entry(row)) + b"\n")
            count += 1
    return count


def _entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Log Analytics row as the LogEntry gcloud would have exported."""
    stamp = row.get("timestamp")
    entry: dict[str, Any] = {
        "insertId": row.get("insert_id"),
        "timestamp": rfc3339(stamp) if isinstance(stamp, datetime) else stamp,
        "logName": row.get("log_name"),
        "resource": row.get("resource"),
        "labels": row.get("labels"),
    }
    if row.get("severity") is not None:
        entry["severity"] = row["severity"]
    for column, key in (
        ("text_payload", "textPayload"),
        ("json_payload", "jsonPayload"),
        ("proto_payload", "protoPayload"),
        ("http_request", "httpRequest"),
        ("trace", "trace"),
    ):
        if row.get(column) is not None:
            entry[key] = row[column]
    return {k: v for k, v in entry.items() if v is not None}
