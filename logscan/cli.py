"""The command line: a thin layer that parses arguments, calls the library and turns errors into exits."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from . import __version__
from .config import Config
from .errors import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_USAGE, InputError, LogscanError
from .library import load_library
from .policy import resolve_policy
from .render import FORMATS, render
from .resources import data_dir
from .sources import EntrySource
from .sources.files import FileSource, open_source

if TYPE_CHECKING:
    from .pipeline import SourceInfo

VERDICT_EXIT = {"PASS": EXIT_OK, "EXPECTED_CONFIG": EXIT_OK, "WARN": EXIT_OK, "FAIL": EXIT_FAIL, "INCONCLUSIVE": EXIT_INCONCLUSIVE}
EXAMPLE_EXPORT = "staging-missing-config.json"


def _fail(message: str) -> None:
    click.echo(f"logscan: error: {message}", err=True)
    raise SystemExit(EXIT_USAGE)


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; LogscanError and unexpected errors become one line on stderr and exit 2."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LogscanError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted.")
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # no traceback reaches a user
            if os.environ.get("LOGSCAN_DEBUG"):
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}). Rerun with LOGSCAN_DEBUG=1 and report it.")

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _sources(paths: Sequence[str]) -> list[FileSource]:
    return [open_source(p) for p in paths]


def _baseline(files: Sequence[str], revision: str | None) -> tuple[list[EntrySource] | None, SourceInfo | None]:
    """Baseline sources: export files, or a revision fetched live (--baseline-revision R, --baseline previous)."""
    if revision is not None and files:
        raise InputError("--baseline and --baseline-revision both given. Pass one of them.")
    if revision is None and "previous" not in files:
        return (list(_sources(files)) if files else None), None
    if revision is None and len(files) > 1:
        raise InputError("--baseline previous cannot be mixed with export files. Pass one or the other.")
    from .fetch import fetch_baseline

    params = click.get_current_context().params
    source, info = fetch_baseline(params, revision)
    return [source], info


def _format_for(output: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if output:
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
        if suffix == "markdown":
            return "md"
        if suffix == "htm":
            return "html"
        raise InputError(f"{output}: cannot tell the report format from '.{suffix}'. Use .md, .json or .html, or pass --format.")
    return "md"


def _step_summary(report: Any, output: str | None, report_format: str) -> Callable[[], None]:
    """Render the step summary now (it fails closed like any report); the returned call writes it and the annotations."""
    from .render import github_annotations

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        raise InputError(
            "--github-step-summary: $GITHUB_STEP_SUMMARY is not set. GitHub Actions sets it in every job step; elsewhere use -o report.md."
        )
    full = f"see {output}" if output and report_format != "md" else "run logscan triage again with -o report.json"
    markdown = render(report, "md", full_report=full)

    def write() -> None:
        try:
            with open(target, "a", encoding="utf-8") as summary_file:
                summary_file.write(markdown + "\n")
        except OSError as exc:
            raise InputError(f"{target}: cannot append the step summary ({exc.strerror}).") from None
        for line in github_annotations(report):
            click.echo(line)

    return write


def _fetch_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options that read a revision from Cloud Logging (logscan fetch, and logscan triage without files)."""
    from .fetch import DEFAULT_QUOTA_RPM, ENDPOINT_ENV, SEVERITIES

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


def _live_fetch(live: dict[str, Any], dest: Path) -> tuple[Any, Any]:
    """Read the revision named by the fetch options into dest; returns (Fetched, RevisionQuery)."""
    from datetime import UTC, datetime

    from .cache import Cache, cache_dir
    from .fetch import FetchOptions, fetch_to_file, revision_query
    from .quota import console_progress
    from .window import parse_window

    if not live.get("project") or not live.get("revision"):
        missing = "--project" if not live.get("project") else "--revision"
        raise InputError(
            f"{missing} is missing. Pass both, e.g. --project my-project --revision orders-api-00007-qaz."
        )
    now = datetime.now(UTC)
    window = parse_window(live["since"], live["until"], now)
    query = revision_query(live["project"], live["revision"], window, live["service"], live["severity"])
    if live["verbose"]:
        click.echo(f"logscan: filter: {query.filter}", err=True)
    options = FetchOptions(
        endpoint=live["endpoint"] or None,
        quota_rpm=live["quota_rpm"],
        max_entries=live["max_entries"],
        settle=live["settle"],
    )
    progress = console_progress(f"Reading {query.revision}")
    fetched = fetch_to_file(
        query, options, dest, now=now, cache=Cache(cache_dir()), refresh=live["refresh"], progress=progress
    )
    if live["verbose"]:
        how = (
            "from the local cache (--refresh reads again)"
            if fetched.from_cache
            else (f"in {fetched.pages} pages, {fetched.requests} requests, {fetched.retries} retries")
        )
        click.echo(f"logscan: read {fetched.count} entries {how}", err=True)
    if fetched.truncated:
        why = fetched.failure or f"--max-entries {live['max_entries']} reached"
        click.echo(f"logscan: warning: the read of {query.revision} stopped early ({why}).", err=True)
    return fetched, query


def _live_inputs(paths: Sequence[str], live: dict[str, Any]) -> tuple[list[Any], Any]:
    """For triage --project/--revision: the fetched entries as a source, and the SourceInfo for the report."""
    import tempfile

    from .cache import SavedSource
    from .pipeline import SourceInfo

    if not live.get("project") and not live.get("revision"):
        return [], None
    if paths:
        raise InputError("pass export files or --project/--revision, not both.")
    scratch = tempfile.TemporaryDirectory(prefix="logscan-")
    click.get_current_context().call_on_close(scratch.cleanup)
    fetched, query = _live_fetch(live, Path(scratch.name) / "entries.json")
    info = SourceInfo(
        filter=query.filter,
        logs_explorer_url=query.logs_explorer_url,
        window_start=query.window.start,
        window_end=query.window.end,
        truncated=fetched.truncated,
    )
    return [SavedSource(fetched.path, query.source_name)], info


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logscan")
def cli() -> None:
    """Triage a Cloud Run revision's logs: classify every entry, decide a verdict, render a report."""


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("-o", "--output", help="Write the report here; the extension (.md, .json, .html) picks the format.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Report format; overrides the -o extension.")
@click.option("--env", default="staging", show_default=True, help="Environment: production fails on missing config.")
@click.option("--example", is_flag=True, help="Run on the bundled example export of a staging revision.")
@click.option("--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Use this pattern library folder.")
@click.option("--no-join", is_flag=True, help="Do not join split tracebacks and messages into events.")
@click.option(
    "--baseline",
    "baseline",
    multiple=True,
    metavar="SOURCE",
    help="Compare with this export of the revision before (repeatable); 'previous' fetches the revision that served before.",
)
@click.option("--baseline-revision", metavar="R", help="Compare with revision R, fetched from Cloud Logging.")
@click.option("--policy", "policy_file", metavar="FILE", help="Policy file (default: ./logscan.toml when it exists).")
@click.option("--no-policy", is_flag=True, help="Ignore ./logscan.toml and apply the built-in policy.")
@click.option("--no-redact", is_flag=True, help="Keep secrets in the report (private use only; the report says so at the top).")
@click.option(
    "--github-step-summary",
    is_flag=True,
    help="In GitHub Actions: append the Markdown report to $GITHUB_STEP_SUMMARY and print ::error::/::warning:: annotations.",
)
@_fetch_options
@_guarded
def triage(
    sources: tuple[str, ...],
    output: str | None,
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
    **live: Any,
) -> None:
    """Triage log exports (gcloud JSON, JSONL, YAML, text; .gz; - for stdin), or a revision read from Cloud
    Logging (--project, --revision), and print or write a report."""
    from .pipeline import triage as run_triage

    paths = list(sources)
    if example:
        paths.append(str(data_dir("examples") / EXAMPLE_EXPORT))
    live_sources, info = _live_inputs(paths, live)
    if not paths and not live_sources:
        raise InputError("no SOURCE given. Pass an export file (gcloud logging read ... --format=json > logs.json), or --example, or --project and --revision.")
    report_format = _format_for(output, fmt)
    config = Config(env=env, patterns_dir=patterns_dir, join=not no_join, redact=not no_redact)
    policy, policy_note = resolve_policy(policy_file, env, None if no_policy or policy_file else Path("."))
    base_sources, base_info = _baseline(baseline, baseline_revision)
    report = run_triage(
        live_sources or _sources(paths), config, info=info, baseline=base_sources, baseline_info=base_info, policy=policy, policy_note=policy_note
    )
    text = render(report, report_format)
    summary = _step_summary(report, output, report_format) if github_step_summary else None
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{report.verdict.level}: report written to {output}", err=True)
    else:
        click.echo(text, nl=False)
    if summary is not None:
        summary()
    raise SystemExit(VERDICT_EXIT[report.verdict.level])


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--no-join", is_flag=True, help="One output object per input record.")
@click.option("--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Use this pattern library folder.")
@_guarded
def classify(sources: tuple[str, ...], fmt: str, no_join: bool, patterns_dir: Path | None) -> None:
    """Print one JSON object per event: index, insert_id, class, rule, key, signature, template, records, text."""
    from .pipeline import classify_stream

    config = Config(patterns_dir=patterns_dir, join=not no_join)
    out = sys.stdout.buffer
    for item in classify_stream(_sources(sources), config):
        event = item.event
        out.write(
            orjson.dumps(
                {
                    "index": event.index,
                    "insert_id": event.first.insert_id,
                    "class": item.klass,
                    "rule": item.rule,
                    "key": item.key,
                    "signature": item.signature,
                    "template": item.template,
                    "records": len(event.records),
                    "severity": event.first.severity,
                    "timestamp": event.first.timestamp.isoformat() if event.first.timestamp else None,
                    "text": event.clean,
                }
            )
            + b"\n"
        )
    out.flush()


@cli.group()
def patterns() -> None:
    """Work with the pattern library."""


@patterns.command("test")
@click.option("--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Test this pattern library folder.")
@_guarded
def patterns_test(patterns_dir: Path | None) -> None:
    """Run every rule's examples against the whole library; exit 1 if any fails."""
    from .selftest import check_examples

    library = load_library(patterns_dir)
    checks = list(check_examples(library))
    failures = [c for c in checks if not c.passed]
    for check in failures:
        click.echo(f"FAIL {check.explain()}")
    click.echo(
        f"{len(library.rules)} rules, {len(checks)} examples: {len(checks) - len(failures)} passed, "
        f"{len(failures)} failed (library {library.digest})"
    )
    raise SystemExit(EXIT_FAIL if failures else EXIT_OK)


@cli.command()
@click.argument("labels", type=click.Path(path_type=Path))
@click.option("--raw", "raw_dir", type=click.Path(path_type=Path), help="Folder of the raw files (default: raw/ beside LABELS).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Score this pattern library folder.")
@click.option("--target", type=float, default=None, help="Macro-F1 to reach (default 0.95).")
@_guarded
def score(labels: Path, raw_dir: Path | None, fmt: str, patterns_dir: Path | None, target: float | None) -> None:
    """Score classify --no-join against a labels.jsonl: per-class F1, macro-F1, confusion; exit 1 if targets are missed."""
    from .score import MACRO_F1_TARGET, format_table, score_corpus

    result = score_corpus(labels, raw_dir or labels.parent / "raw", patterns_dir=patterns_dir)
    if fmt == "json":
        click.echo(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(format_table(result), nl=False)
    raise SystemExit(EXIT_OK if result.meets_targets(target or MACRO_F1_TARGET) else EXIT_FAIL)


@cli.command()
@_fetch_options
@click.option("-o", "--output", metavar="FILE", help="Write the entries here (default: standard output).")
@_guarded
def fetch(output: str | None, **live: Any) -> None:
    """Read a revision's entries from Cloud Logging and save them as gcloud logging read --format=json does."""
    import shutil
    import tempfile

    from .fetch import ReadFailedError

    with tempfile.TemporaryDirectory(prefix="logscan-") as scratch:
        fetched, query = _live_fetch(live, Path(scratch) / "entries.json")
        if fetched.failure is not None:
            raise ReadFailedError(
                f"Reading the logs of revision {query.revision} failed: {fetched.failure}; {fetched.count} entries "
                f"were read before it and nothing was written. Tip: rerun in a minute, or lower --quota-rpm."
            )
        if output:
            try:
                shutil.move(str(fetched.path), output)
            except OSError as exc:
                raise InputError(
                    f"{output}: cannot be written ({exc.strerror}). Check the folder exists and is writable."
                ) from None
        else:
            with fetched.path.open("rb") as saved:
                shutil.copyfileobj(saved, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    where = f"written to {output}" if output else "written to standard output"
    cached = " (from the local cache)" if fetched.from_cache else ""
    click.echo(f"logscan: {fetched.count} entries of {query.revision} {where}{cached}.", err=True)


@cli.command()
@click.argument("report_file", metavar="REPORT", type=click.Path(path_type=Path))
@click.option(
    "--repo", required=True, metavar="OWNER/NAME", help="Repository of the issue, e.g. acme/billing-api."
)
@click.option(
    "--issue", required=True, type=int, metavar="N", help="Issue (or pull request) number to comment on."
)
@click.option(
    "--api-url",
    envvar="GITHUB_API_URL",
    default="https://api.github.com",
    show_default=True,
    help="GitHub REST API root; for GitHub Enterprise https://HOST/api/v3 (env GITHUB_API_URL).",
)
@_guarded
def publish(report_file: Path, repo: str, issue: int, api_url: str) -> None:
    """Post a Markdown report as an issue comment (token from GH_TOKEN or GITHUB_TOKEN); a re-run for the same
    service and revision updates that comment instead of adding another."""
    from .publish import publish_file

    result = publish_file(report_file, repo, issue, api_url=api_url)
    click.echo(f"{result.action} comment {result.comment_id}: {result.url}")


def main() -> None:
    """Console entry point."""
    cli(prog_name="logscan")
