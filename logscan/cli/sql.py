"""logscan sql: print the pattern library compiled to one classification query (BigQuery or DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from logscan.cli.common import guarded
from logscan.errors import InputError

if TYPE_CHECKING:
    from logscan.sql.message import Dialect


@click.command()
@click.option(
    "--dialect",
    type=click.Choice(["bigquery", "duckdb"]),
    default="bigquery",
    show_default=True,
    help="SQL dialect to write.",
)
@click.option(
    "--table",
    metavar="NAME",
    help="Log Analytics view to read (PROJECT.LOCATION.BUCKET._AllLogs or PROJECT.DATASET._AllLogs). "
    "Default with --project: PROJECT.global._Default._AllLogs.",
)
@click.option(
    "--export",
    "export",
    type=click.Path(path_type=Path),
    help="gcloud JSON array or JSONL export for DuckDB to read itself (--dialect duckdb).",
)
@click.option("--project", metavar="P", help="Add the live fetch's filter for this project's Cloud Run logs.")
@click.option("--revision", metavar="R", help="Only this Cloud Run revision (with --project).")
@click.option("--service", metavar="S", help="Cloud Run service (default: taken from the revision name).")
@click.option("--since", metavar="TIME", help="Window start: RFC 3339 or relative (90m, 2h, 1d).")
@click.option("--until", metavar="TIME", help="Window end: RFC 3339 or relative. Default: now.")
@click.option(
    "--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Use this pattern library folder."
)
@guarded
def sql(
    dialect: str,
    table: str | None,
    export: Path | None,
    project: str | None,
    revision: str | None,
    service: str | None,
    since: str | None,
    until: str | None,
    patterns_dir: Path | None,
) -> None:
    """Print the query that classifies Log Analytics entries as `classify --no-join` does (insert_id, class, rule, key)."""
    from datetime import UTC, datetime

    from logscan.classify.library import load_library
    from logscan.sources.cloud.query import revision_query
    from logscan.sources.cloud.window import parse_window
    from logscan.sql.query import Export, Source, classify_query, default_table, to_sql
    from logscan.sql.query import table as checked_table

    source: Source
    if export is not None:
        if dialect != "duckdb":
            raise InputError(
                "--export is read by DuckDB: add --dialect duckdb (or use --table for BigQuery)."
            )
        if table is not None:
            raise InputError("--export and --table both given. Pass one of them.")
        if not export.is_file():
            raise InputError(f"{export}: no such export file. Pass a gcloud JSON or JSONL export.")
        source = Export((export.resolve(),))
    elif table is not None:
        source = checked_table(table)
    elif project is not None:
        source = default_table(project)
    else:
        raise InputError(
            "no input: pass --table NAME (a Log Analytics view), --project P, or --dialect duckdb --export FILE."
        )
    where = None
    if revision is not None or since is not None or until is not None:
        if project is None or revision is None:
            raise InputError("--revision/--since/--until filter one revision: pass --project and --revision.")
        window = parse_window(since, until, datetime.now(UTC))
        where = revision_query(project, revision, window, service)
    library = load_library(patterns_dir)
    written: Dialect = "duckdb" if dialect == "duckdb" else "bigquery"
    click.echo(to_sql(classify_query(library, written, source, where), written), nl=False)
