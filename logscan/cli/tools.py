"""Commands around classification: classify, patterns test, score."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from logscan.classify.library import load_library
from logscan.cli.common import file_sources, guarded, gunzip_options, jobs_option
from logscan.config import Config
from logscan.errors import EXIT_FAIL, EXIT_OK


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--no-join", is_flag=True, help="One output object per input record.")
@click.option(
    "--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Use this pattern library folder."
)
@click.option(
    "--no-redact", is_flag=True, help="Keep secrets in text, template, key and signature (private use only)."
)
@jobs_option
@gunzip_options
@guarded
def classify(
    sources: tuple[str, ...], fmt: str, no_join: bool, patterns_dir: Path | None, no_redact: bool, jobs: int
) -> None:
    """Print one JSON object per event: index, insert_id, class, rule, key, signature, template, exception, records,
    text. Secrets are redacted as in reports unless --no-redact is given."""
    from logscan.pipeline import classify_stream
    from logscan.redaction.redact import redact_text

    config = Config(patterns_dir=patterns_dir, join=not no_join, jobs=jobs, redact=not no_redact)
    out = sys.stdout.buffer
    shown = _keep if no_redact else redact_text
    for item in classify_stream(file_sources(sources), config):
        event = item.event
        out.write(
            orjson.dumps(
                {
                    "index": event.index,
                    "insert_id": event.first.insert_id,
                    "service": event.first.service,
                    "revision": event.first.revision,
                    "class": item.klass,
                    "rule": item.rule,
                    "key": shown(item.key) if item.key else item.key,
                    "signature": shown(item.signature),
                    "template": shown(item.template) if item.template else item.template,
                    "exception": None
                    if item.raised is None
                    else {
                        "language": item.raised.language,
                        "type": item.raised.type,
                        "message": shown(item.raised.message) if item.raised.message else item.raised.message,
                        "causes": list(item.raised.causes),
                    },
                    "records": len(event.records),
                    "severity": event.first.severity,
                    "timestamp": event.first.timestamp.isoformat() if event.first.timestamp else None,
                    "text": shown(event.clean),
                }
            ).replace(b"##[", b"\\u0023#[")  # inert for GitHub Actions, same JSON (report/render/workflow.py)
            + b"\n"
        )
    out.flush()


def _keep(text: str) -> str:
    return text


@click.group()
def patterns() -> None:
    """Work with the pattern library."""


@patterns.command("test")
@click.option(
    "--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Test this pattern library folder."
)
@guarded
def patterns_test(patterns_dir: Path | None) -> None:
    """Run every rule's examples against the whole library; exit 1 if any fails."""
    from logscan.classify.selftest import check_examples

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


@click.command()
@click.argument("labels", type=click.Path(path_type=Path))
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(path_type=Path),
    help="Folder of the raw files (default: raw/ beside LABELS).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--patterns", "patterns_dir", type=click.Path(path_type=Path), help="Score this pattern library folder."
)
@click.option("--target", type=float, default=None, help="Macro-F1 to reach (default 0.95).")
@click.option(
    "--no-severity",
    "no_severity",
    is_flag=True,
    help="Drop every entry's severity (export field, payload level, paste prefix) before classifying.",
)
@guarded
def score(
    labels: Path,
    raw_dir: Path | None,
    fmt: str,
    patterns_dir: Path | None,
    target: float | None,
    no_severity: bool,
) -> None:
    """Score classify --no-join against a labels.jsonl: per-class and per-stack F1, macro-F1, confusion; exit 1 if targets are missed."""
    from logscan.score.metrics import MACRO_F1_TARGET
    from logscan.score.run import score_corpus
    from logscan.score.table import format_table

    result = score_corpus(
        labels, raw_dir or labels.parent / "raw", patterns_dir=patterns_dir, severities=not no_severity
    )
    if fmt == "json":
        click.echo(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(format_table(result), nl=False)
    raise SystemExit(EXIT_OK if result.meets_targets(target or MACRO_F1_TARGET) else EXIT_FAIL)
