"""Options and helpers for reading a revision live from Cloud Logging (fetch, triage, baselines)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from logscan.cli.common import file_sources
from logscan.errors import InputError, NoEntries
from logscan.sources import EntrySource

if TYPE_CHECKING:
    from logscan.model import SourceInfo
    from logscan.sources.cloud.fetch import Fetched
    from logscan.sources.cloud.target import LiveTarget


def baseline_sources(
    files: Sequence[str], revision: str | None, live: LiveTarget | None
) -> tuple[list[EntrySource] | None, SourceInfo | None]:
    """Baseline sources: export files, or a revision fetched live beside the live target (--baseline-revision
    R, --baseline previous)."""
    if revision is not None and files:
        raise InputError("--baseline and --baseline-revision both given. Pass one of them.")
    if revision is None and "previous" not in files:
        return (list(file_sources(files)) if files else None), None
    if revision is None and len(files) > 1:
        raise InputError("--baseline previous cannot be mixed with export files. Pass one or the other.")
    from logscan.sources.cloud.baseline.fetch import fetch_baseline

    source, info = fetch_baseline(live, revision)
    return [source], info


def fetch_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options that read a revision from Cloud Logging (logscan fetch, and logscan triage without files)."""
    from logscan.model import SEVERITIES  # the query module's too; it is imported only for a live read
    from logscan.sources.cloud.options import DEFAULT_QUOTA_RPM, ENDPOINT_ENV

    options = [
        click.option("--project", metavar="P", help="Google Cloud project to read the logs from."),
        click.option("--revision", metavar="R", help="Cloud Run revision, e.g. orders-api-00007-qaz."),
        click.option(
            "--service", metavar="S", help="Cloud Run service (default: taken from the revision name)."
        ),
        click.option(
            "--since",
            metavar="TIME",
            help="Window start: RFC 3339 or relative (90m, 2h, 1d). Default: 1h before --until.",
        ),
        click.option("--until", metavar="TIME", help="Window end: RFC 3339 or relative. Default: now."),
        click.option(
            "--severity",
            type=click.Choice(SEVERITIES, case_sensitive=False),
            help="Only entries at or above this severity.",
        ),
        click.option(
            "--quota-rpm",
            type=click.IntRange(min=1),
            default=DEFAULT_QUOTA_RPM,
            show_default=True,
            help="entries.list requests per minute to stay within.",
        ),
        click.option(
            "--max-entries",
            type=click.IntRange(min=1),
            help="Stop after this many entries; the read is marked truncated.",
        ),
        click.option(
            "--settle",
            type=click.FloatRange(min=0),
            default=0.0,
            metavar="SECONDS",
            help="Re-read the window's tail every SECONDS until no new entries arrive.",
        ),
        click.option("--refresh", is_flag=True, help="Ignore the local cache and read Cloud Logging again."),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Neither read nor write the local cache (it holds raw, unredacted logs).",
        ),
        click.option(
            "--cache-ttl",
            metavar="DURATION",
            help="Serve and keep cached reads this long (90m, 24h, 7d). Default: 24h.",
        ),
        click.option(
            "--endpoint",
            envvar=ENDPOINT_ENV,
            metavar="URL",
            help=f"Logging API endpoint (env {ENDPOINT_ENV}); http:// uses anonymous credentials.",
        ),
        click.option(
            "-v", "--verbose", is_flag=True, help="Print the exact filter and how the read went on stderr."
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def live_target(live: Mapping[str, Any], now: datetime | None = None) -> LiveTarget | None:
    """The LiveTarget the fetch options name, or None when they name none (neither --project nor --revision).

    The window is parsed here, once: every read of the run (target and baseline) uses it.
    """
    if not live.get("project") and not live.get("revision"):
        return None  # export files: nothing of Cloud Logging's to import
    from logscan.sources.cloud.options import FetchOptions
    from logscan.sources.cloud.query import revision_query
    from logscan.sources.cloud.target import LiveTarget
    from logscan.sources.cloud.window import parse_window

    if not live.get("project") or not live.get("revision"):
        missing = "--project" if not live.get("project") else "--revision"
        raise InputError(
            f"{missing} is missing. Pass both, e.g. --project my-project --revision orders-api-00007-qaz."
        )
    window = parse_window(live["since"], live["until"], now or datetime.now(UTC))
    query = revision_query(live["project"], live["revision"], window, live["service"], live["severity"])
    options = FetchOptions(
        endpoint=live["endpoint"] or None,
        quota_rpm=live["quota_rpm"],
        max_entries=live["max_entries"],
        settle=live["settle"],
    )
    return LiveTarget(
        query,
        options,
        refresh=bool(live["refresh"]),
        no_cache=bool(live["no_cache"]),
        cache_ttl=live["cache_ttl"],
        verbose=bool(live["verbose"]),
    )


def live_fetch(live: LiveTarget, dest: Path, now: datetime | None = None) -> Fetched:
    """Read the live target's revision into dest."""
    from logscan.sources.cloud.cache import cache_for
    from logscan.sources.cloud.fetch import fetch_to_file
    from logscan.sources.cloud.pacing import console_progress

    query = live.query
    if live.verbose:
        click.echo(f"logscan: filter: {query.filter}", err=True)
    progress = console_progress(f"Reading {query.revision}")
    fetched = fetch_to_file(
        query,
        live.options,
        dest,
        now=now or datetime.now(UTC),
        cache=cache_for(live.no_cache, live.cache_ttl),
        refresh=live.refresh,
        progress=progress,
    )
    if live.verbose:
        how = (
            "from the local cache (--refresh reads again)"
            if fetched.from_cache
            else (f"in {fetched.pages} pages, {fetched.requests} requests, {fetched.retries} retries")
        )
        click.echo(f"logscan: read {fetched.count} entries {how}", err=True)
    if fetched.repeated:
        click.echo(
            f"logscan: note: Cloud Logging sent {fetched.repeated} entries more than once; each was kept once.",
            err=True,
        )
    for note in fetched.notes:
        click.echo(f"logscan: note: {note}.", err=True)
    if fetched.truncated:
        why = fetched.failure or f"--max-entries {live.options.max_entries} reached"
        click.echo(f"logscan: warning: the read of {query.revision} stopped early ({why}).", err=True)
    return fetched


def live_inputs(paths: Sequence[str], live: LiveTarget | None) -> tuple[list[EntrySource], SourceInfo | None]:
    """For triage --project/--revision: the fetched entries as a source, and the SourceInfo for the report."""
    if live is None:
        return [], None
    import tempfile

    from logscan.model import SourceInfo
    from logscan.sources.cloud.cache import SavedSource

    if paths:
        raise InputError("pass export files or --project/--revision, not both.")
    scratch = tempfile.TemporaryDirectory(prefix="logscan-")
    click.get_current_context().call_on_close(scratch.cleanup)
    query = live.query
    try:
        fetched = live_fetch(live, Path(scratch.name) / "entries.json")
    except NoEntries as exc:
        # As for an empty export: an INCONCLUSIVE report (exit 3) that records the query and the window.
        from logscan.sources.cloud.baseline.read import EmptySource

        click.echo(f"logscan: {exc}", err=True)
        empty = SourceInfo(
            filter=query.filter,
            logs_explorer_url=query.logs_explorer_url,
            window_start=query.window.start,
            window_end=query.window.end,
            severity=query.severity,
        )
        return [EmptySource(query.source_name)], empty
    info = SourceInfo(
        filter=query.filter,
        logs_explorer_url=query.logs_explorer_url,
        window_start=query.window.start,
        window_end=query.window.end,
        truncated=fetched.truncated,
        severity=query.severity,
    )
    return [SavedSource(fetched.path, query.source_name)], info


def bigquery_inputs(
    paths: Sequence[str],
    live: dict[str, Any],
    table: str | None,
    max_bytes: int | None,
    patterns: Path | None,
) -> tuple[list[Any], Any, tuple[Any, ...]]:
    """For triage --engine bigquery: the downloaded entries as a source, the SourceInfo, the counted entries."""
    import os
    import tempfile
    from datetime import UTC, datetime

    from logscan.classify.library import load_library
    from logscan.sources.cloud.bigquery import ENDPOINT_ENV
    from logscan.sources.cloud.query import revision_query
    from logscan.sources.cloud.window import parse_window
    from logscan.sql.query import default_table
    from logscan.sql.query import table as checked_table
    from logscan.sql.triage import run_on_bigquery

    if paths:
        raise InputError(
            "--engine bigquery reads a revision where its logs live: pass --project and --revision, not files."
        )
    if not live.get("project") or not live.get("revision"):
        missing = "--project" if not live.get("project") else "--revision"
        raise InputError(
            f"{missing} is missing. --engine bigquery needs both, e.g. --project my-project --revision orders-api-00007-qaz."
        )
    window = parse_window(live["since"], live["until"], datetime.now(UTC))
    query = revision_query(live["project"], live["revision"], window, live["service"], live["severity"])
    view = checked_table(table) if table else default_table(query.project)
    source = click.get_current_context().get_parameter_source("endpoint")
    given = live["endpoint"] if source == click.core.ParameterSource.COMMANDLINE else None
    endpoint = given or os.environ.get(ENDPOINT_ENV) or None
    scratch = tempfile.TemporaryDirectory(prefix="logscan-")
    click.get_current_context().call_on_close(scratch.cleanup)
    found = run_on_bigquery(
        load_library(patterns),
        query,
        view,
        Path(scratch.name),
        endpoint=endpoint,
        max_bytes=max_bytes,
        say=lambda line: click.echo(line, err=True),
    )
    return list(found.sources), found.info, found.counted
