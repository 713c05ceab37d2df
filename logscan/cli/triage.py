"""logscan triage: the main job."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from logscan.cli.common import (
    EXAMPLE_EXPORT,
    VERDICT_EXIT,
    file_sources,
    format_for,
    guarded,
    gunzip_options,
    jobs_option,
)
from logscan.cli.live import baseline_sources, bigquery_inputs, fetch_options, live_inputs, live_target
from logscan.cli.progress import reading_progress
from logscan.config import REPORT_FORMATS as FORMATS
from logscan.config import Config
from logscan.errors import EXIT_SUMMARY_FAILED, EXIT_USAGE, InputError, LogscanError
from logscan.resources import data_dir


@click.command()
@click.argument("sources", nargs=-1)
@click.option(
    "-o",
    "--output",
    multiple=True,
    help="Write the report here; the extension (.md, .json, .html) picks the format. Repeat for several formats.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Report format; overrides the -o extension."
)
@click.option(
    "--env", default="staging", show_default=True, help="Environment: production fails on missing config."
)
@click.option("--example", is_flag=True, help="Run on the bundled example export of a staging revision.")
@click.option(
    "--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Use this pattern library folder."
)
@click.option("--no-join", is_flag=True, help="Do not join split tracebacks and messages into events.")
@click.option(
    "--baseline",
    "baseline",
    multiple=True,
    metavar="SOURCE",
    help="Compare with this export of the revision before (repeatable); 'previous' fetches the revision that served before.",
)
@click.option("--baseline-revision", metavar="R", help="Compare with revision R, fetched from Cloud Logging.")
@click.option(
    "--policy", "policy_file", metavar="FILE", help="Policy file (default: ./logscan.toml when it exists)."
)
@click.option("--no-policy", is_flag=True, help="Ignore ./logscan.toml and apply the built-in policy.")
@click.option(
    "--no-redact",
    is_flag=True,
    help="Keep secrets in the report (private use only; the report says so at the top).",
)
@click.option(
    "--github-step-summary",
    is_flag=True,
    help="In GitHub Actions: append the Markdown report to $GITHUB_STEP_SUMMARY and print ::error::/::warning:: annotations.",
)
@click.option(
    "--engine",
    type=click.Choice(["logging", "bigquery"]),
    default="logging",
    show_default=True,
    help="With --project/--revision: read every entry through Cloud Logging, or classify in BigQuery "
    "(Log Analytics) and download only what the report needs.",
)
@click.option(
    "--table",
    metavar="NAME",
    help="--engine bigquery: the Log Analytics view (default PROJECT.global._Default._AllLogs).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    metavar="N",
    help="--engine bigquery: refuse queries that would scan more than N bytes (the dry run says).",
)
@jobs_option
@gunzip_options
@fetch_options
@guarded
def triage(
    sources: tuple[str, ...],
    output: tuple[str, ...],
    fmt: str | None,
    env: str,
    example: bool,
    patterns_dir: Path | None,
    no_join: bool,
    baseline: tuple[str, ...],
    baseline_revision: str | None,
    policy_file: str | None,
    no_policy: bool,
    no_redact: bool,
    github_step_summary: bool,
    engine: str,
    table: str | None,
    max_bytes: int | None,
    jobs: int,
    **live: Any,
) -> None:
    """Triage log exports (gcloud JSON, JSONL, YAML, text; .gz; - for stdin), or a revision read from Cloud
    Logging (--project, --revision), and print or write a report."""
    from logscan.classify.hints import MatchHints
    from logscan.ingest.reader import events

    if github_step_summary:
        _check_step_summary(no_redact)
    paths = list(sources)
    if example:
        paths.append(str(data_dir("examples") / EXAMPLE_EXPORT))
    # With export files, --revision picks the revision to report on; without, it names the one to fetch.
    selected = live.get("revision") if paths and not live.get("project") else None
    target = live_target({**live, "revision": None} if selected else live)
    counted: tuple[Any, ...] = ()
    if engine == "bigquery":
        live_sources, info, counted = bigquery_inputs(paths, live, table, max_bytes, patterns_dir)
    else:
        if table is not None or max_bytes is not None:
            raise InputError("--table and --max-bytes go with --engine bigquery. Add it, or leave them out.")
        live_sources, info = live_inputs(paths, target)
    if not paths and not live_sources:
        raise InputError(
            "no SOURCE given. Pass an export file (gcloud logging read ... --format=json > logs.json), or --example, or --project and --revision."
        )
    outputs = [(path, format_for(path, fmt)) for path in output]
    config = Config(env=env, patterns_dir=patterns_dir, join=not no_join, redact=not no_redact, jobs=jobs)
    inputs = live_sources or file_sources(paths)
    # Start reading first (a reader process, on a large file): the imports and set-up below overlap it.
    # The reader process also finds which rule claims each text (classify/hints.py).
    hints = MatchHints(config.patterns_dir)
    with events(inputs, config, hints, fold=True) as stream, reading_progress(inputs) as progress:
        from logscan.pipeline import triage_all
        from logscan.report.render.several import overall
        from logscan.verdict.policy.load import resolve_policy

        policy, policy_note = resolve_policy(
            policy_file, env, None if no_policy or policy_file else Path(".")
        )
        base_sources, base_info = baseline_sources(baseline, baseline_revision, target)
        reports = triage_all(
            stream,
            config,
            info=info,
            baseline=base_sources,
            baseline_info=base_info,
            policy=policy,
            policy_note=policy_note,
            revision=selected,
            progress=progress,
            counted=counted,
            hints=hints,
        )
    # Each output stands on its own: one refused or unwritable keeps none of the others from being written.
    targets: list[tuple[str | None, str]] = list(outputs) or [(None, format_for(None, fmt))]
    errors = [_write_report(reports, form, path) for path, form in targets]
    report_errors = [error for error in errors if error is not None]
    full = next(((path, form) for path, form in outputs if form != "md"), (None, "md"))
    summary_error = step_summary(reports, *full)() if github_step_summary else None
    for error in (*report_errors, summary_error):
        if error is not None:
            click.echo(f"logscan: error: {error}", err=True)
    if report_errors:
        raise SystemExit(EXIT_USAGE)
    if summary_error is not None:
        raise SystemExit(EXIT_SUMMARY_FAILED)
    raise SystemExit(VERDICT_EXIT[overall(reports)])


def write_report(output: str, text: str) -> None:
    """Write the report to -o; a path that cannot be written is bad input, named with the fix."""
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"{output}: cannot write the report ({exc.strerror}). Check that the folder exists and is writable."
        ) from None


def _write_report(reports: Any, report_format: str, output: str | None) -> LogscanError | None:
    """Render and write (or print) the report (a section per revision); the error that stopped it, if one did."""
    from logscan.report.render.several import overall, render_all

    try:
        text = render_all(reports, report_format)
        if output:
            write_report(output, text)
            click.echo(f"{overall(reports)}: report written to {output}", err=True)
        else:
            from logscan.report.render.workflow import inert_for_actions

            click.echo(inert_for_actions(text, json_text=report_format == "json"), nl=False)
    except LogscanError as exc:
        return exc
    return None


def _check_step_summary(no_redact: bool) -> None:
    """--github-step-summary needs $GITHUB_STEP_SUMMARY, and never takes an unredacted report."""
    if no_redact:
        raise InputError(
            "--github-step-summary with --no-redact would put unredacted log text in the job summary, which "
            "everyone who can read the repository's Actions runs sees. Drop --no-redact, or drop "
            "--github-step-summary and keep the report private with -o report.md."
        )
    if not os.environ.get("GITHUB_STEP_SUMMARY"):
        raise InputError(
            "--github-step-summary: $GITHUB_STEP_SUMMARY is not set. GitHub Actions sets it in every job step; elsewhere use -o report.md."
        )


def step_summary(reports: Any, output: str | None, report_format: str) -> Callable[[], LogscanError | None]:
    """A call that renders the step summary (it fails closed like any report), appends it and prints the
    annotations (a revision's after another's); it returns the error that stopped it, if one did."""
    from logscan.report.render.formats import github_annotations
    from logscan.report.render.several import render_all

    target = os.environ.get("GITHUB_STEP_SUMMARY", "")
    full = (
        f"see {output}"
        if output and report_format != "md"
        else "run logscan triage again with -o report.json"
    )

    def write() -> LogscanError | None:
        try:
            markdown = render_all(reports, "md", full_report=full)
            annotations = [line for report in reports for line in github_annotations(report)]
        except LogscanError as exc:
            return exc
        try:
            with open(target, "a", encoding="utf-8") as summary_file:
                summary_file.write(markdown + "\n")
        except OSError as exc:
            return InputError(f"{target}: cannot append the step summary ({exc.strerror}).")
        for line in annotations:
            click.echo(line)
        return None

    return write
