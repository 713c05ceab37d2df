"""Render a Report as Markdown (for GitHub), HTML (one self-contained page) or JSON (the same model as data).

Every format goes through the same gate: unless the run asked for --no-redact, secrets are redacted from
every text field before rendering, and the finished text is scanned again; anything secret-shaped that
survived raises ReportError, so nothing is written (fail closed).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson

from logscan.config import REPORT_FORMATS
from logscan.errors import ReportError
from logscan.model import Level, Report
from logscan.report.redact.redact import map_strings, redact_report
from logscan.report.redact.scan import assert_clean
from logscan.report.render import FULL_REPORT_HINT, GITHUB_LIMIT
from logscan.resources import data_dir

if TYPE_CHECKING:
    import jinja2

FORMATS = REPORT_FORMATS
SCHEMA_VERSION = "1"
NOT_REDACTED_NOTICE = (
    "Not redacted: this report was made with --no-redact and may contain secrets. Keep it private."
)


def render(
    report: Report, fmt: str, *, limit: int = GITHUB_LIMIT, full_report: str = FULL_REPORT_HINT
) -> str:
    """The report as text in one of FORMATS, redacted and checked unless report.provenance.redacted is False.

    limit and full_report apply to Markdown: the body is cut to limit characters, and the cut note tells
    the reader where the full report is.
    """
    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}.")
    redacting = report.provenance.redacted
    if redacting:
        report = redact_report(report)
    if fmt == "json":  # JSON keeps the data as it is; a page or a comment shows it
        text = orjson.dumps(to_json(report), option=orjson.OPT_INDENT_2).decode() + "\n"
    else:  # the renderers are imported here: a JSON report needs none of them
        from logscan.report.render.mdsafe import visible_layout

        report = map_strings(report, visible_layout)
        if fmt == "md":
            from logscan.report.render.markdown import render_markdown

            text = render_markdown(report, _environment(), limit, full_report)
        else:
            from logscan.report.render.html import render_html

            text = render_html(report, _environment(autoescape=True))
    if redacting:
        assert_clean(text, f"{fmt} report", fmt)
    return text


def to_json(report: Report) -> dict[str, Any]:
    """The JSON document: top-level verdict, findings, counts, provenance (schemas/report.schema.json).

    It shows the report as given: render() is the path that redacts.
    """
    doc = _plain(report)
    assert isinstance(doc, dict)
    doc["counts"]["by_stream"] = dict(report.counts.by_stream)
    doc["counts"]["by_class"] = {str(k): n for k, n in report.counts.by_class}
    doc["timeline"] = [{"minute": m, "counts": {str(k): n for k, n in c}} for m, c in report.timeline]
    doc["timeline_seconds"] = [
        {"second": s, "counts": {str(k): n for k, n in c}} for s, c in report.timeline_seconds
    ]
    doc["schema_version"] = SCHEMA_VERSION
    if not report.provenance.redacted:
        doc = {"notice": NOT_REDACTED_NOTICE, **doc}
    return doc


def github_annotations(report: Report) -> list[str]:
    """GitHub Actions workflow commands for the verdict: ::error:: for FAIL, ::warning:: for WARN,
    ::notice:: for EXPECTED_CONFIG (a gap the environment tolerates is still worth seeing)."""
    level = report.verdict.level
    command = {Level.FAIL: "error", Level.WARN: "warning", Level.EXPECTED_CONFIG: "notice"}.get(level)
    if command is None:
        return []
    if report.provenance.redacted:
        report = redact_report(report)
    title = _command_property(f"logscan {level} for {report.revision or 'unknown revision'}")
    lines = [f"::{command} title={title}::{_command_data(reason.text)}" for reason in report.verdict.reasons]
    return lines or [f"::{command} title={title}::{_command_data(level)}"]


def _command_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        # the model says klass (class is a keyword); the JSON says class
        return {
            ("class" if f.name == "klass" else f.name): _plain(getattr(value, f.name)) for f in fields(value)
        }
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, StrEnum):
        return str(value)
    return value


def _environment(autoescape: bool = False) -> jinja2.Environment:
    import jinja2  # here: a JSON report needs no templates, and importing jinja2 costs start-up time

    from logscan.report.render.compiled import template_cache

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.bytecode_cache = template_cache(env)  # compiled templates kept between runs (compiled.py)
    return env
