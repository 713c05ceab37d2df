"""logscan watch: follow a revision's entries as they arrive and exit as soon as the answer is certain."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from logscan.cli.common import format_for, guarded
from logscan.config import REPORT_FORMATS as FORMATS
from logscan.errors import InputError

DEFAULT_TIMEOUT = "10m"
DEFAULT_HEALTHY_AFTER = "2m"


@click.command()
@click.option("--project", required=True, metavar="P", help="Google Cloud project to read the logs from.")
@click.option("--revision", required=True, metavar="R", help="Cloud Run revision, e.g. orders-api-00007-qaz.")
@click.option("--service", metavar="S", help="Cloud Run service (default: taken from the revision name).")
@click.option("--region", metavar="L", help="Cloud Run region, e.g. europe-west1 (default: any).")
@click.option(
    "--since",
    metavar="TIME",
    help="Read entries from this time: RFC 3339 or relative (30m, 1h). Default: 1h ago, so a revision's start is read.",
)
@click.option(
    "--timeout",
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="DURATION",
    help="Give up (exit 3) when the answer is still not certain after this long (90s, 2m, 1h).",
)
@click.option(
    "--healthy-after",
    default=DEFAULT_HEALTHY_AFTER,
    show_default=True,
    metavar="DURATION",
    help="Exit 0 once the revision has started, served and stayed clean for this long.",
)
@click.option(
    "--env",
    metavar="NAME",
    default="staging",
    show_default=True,
    help="Environment whose policy applies: production fails on missing config.",
)
@click.option(
    "--endpoint",
    envvar="LOGSCAN_LOGGING_ENDPOINT",
    metavar="URL",
    help="Logging API endpoint (env LOGSCAN_LOGGING_ENDPOINT); http:// uses anonymous credentials.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    multiple=True,
    help="Write the final report here; the extension (.md, .json, .html) picks the format. Repeat for several formats.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Report format; overrides the -o extension."
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between two entries.list polls (with --endpoint, or once the tail stream failed); paced to the quota.",
)
@guarded
def watch(output: tuple[str, ...], fmt: str | None, poll_interval: float, **args: Any) -> None:
    """Follow a revision's entries as they arrive; exit 1 on a certain FAIL, 0 once it started, served and
    stayed clean for --healthy-after, 3 at --timeout without enough evidence, 2 when it could not run."""
    from logscan.cli.watch_run import run_watch
    from logscan.sources.cloud.window import parse_duration

    timeout = parse_duration(args.pop("timeout"), "--timeout").total_seconds()
    healthy_after = parse_duration(args.pop("healthy_after"), "--healthy-after").total_seconds()
    outputs = [(path, format_for(path, fmt)) for path in output]
    for path, _form in outputs:
        if Path(path).is_dir():
            raise InputError(f"-o {path}: is a folder. Name a report file, e.g. -o report.md.")
    result = run_watch(
        args, timeout=timeout, healthy_after=healthy_after, interval=poll_interval, clock=time.monotonic
    )
    for warning in result.warnings:
        click.echo(f"logscan watch: warning: {warning}", err=True)
    if outputs:
        from logscan.cli.triage import write_report
        from logscan.report.render.formats import render

        for path, form in outputs:
            write_report(path, render(result.report, form))
            click.echo(f"logscan watch: {result.report.verdict.level}: report written to {path}", err=True)
    raise SystemExit(result.exit_code)
