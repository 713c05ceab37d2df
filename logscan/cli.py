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
        except Exception as exc:  # noqa: BLE001 - no traceback reaches a user
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
    try:
        from .fetch import fetch_baseline  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        option = "--baseline previous" if revision is None else f"--baseline-revision {revision}"
        raise InputError(
            f"{option} reads Cloud Logging, which this logscan cannot do yet. "
            "Export the baseline with gcloud logging read and pass --baseline FILE."
        ) from None
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
        raise InputError(f"{output}: cannot tell the report format from '.{suffix}'. Use .md or .json, or pass --format.")
    return "md"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logscan")
def cli() -> None:
    """Triage a Cloud Run revision's logs: classify every entry, decide a verdict, render a report."""


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("-o", "--output", help="Write the report here; the extension (.md, .json) picks the format.")
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
) -> None:
    """Triage log exports (gcloud JSON, JSONL, YAML, text; .gz; - for stdin) and print or write a report."""
    from .pipeline import triage as run_triage

    paths = list(sources)
    if example:
        paths.append(str(data_dir("examples") / EXAMPLE_EXPORT))
    if not paths:
        raise InputError("no SOURCE given. Pass an export file (gcloud logging read ... --format=json > logs.json), or --example.")
    report_format = _format_for(output, fmt)
    config = Config(env=env, patterns_dir=patterns_dir, join=not no_join)
    policy, policy_note = resolve_policy(policy_file, env, None if no_policy or policy_file else Path("."))
    base_sources, base_info = _baseline(baseline, baseline_revision)
    report = run_triage(
        _sources(paths), config, baseline=base_sources, baseline_info=base_info, policy=policy, policy_note=policy_note
    )
    text = render(report, report_format)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{report.verdict.level}: report written to {output}", err=True)
    else:
        click.echo(text, nl=False)
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


def main() -> None:
    """Console entry point."""
    cli(prog_name="logscan")
