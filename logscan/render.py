"""Render a Report as Markdown (jinja2 templates in reports/) or JSON (the same model as data)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

import jinja2
import orjson
import regex

from .errors import ReportError
from .model import CLASSES, Report
from .resources import data_dir

FORMATS = ("md", "json")
SCHEMA_VERSION = "1"
_BACKTICKS = regex.compile(r"`+")


def render(report: Report, fmt: str) -> str:
    """The report as text in one of FORMATS."""
    if fmt == "json":
        return orjson.dumps(to_json(report), option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "md":
        return _environment().get_template("report.md.j2").render(**_view(report))
    raise ReportError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}.")


def to_json(report: Report) -> dict[str, Any]:
    """The JSON document: top-level verdict, findings, counts, provenance (schemas/report.schema.json)."""
    doc = _plain(report)
    assert isinstance(doc, dict)
    for finding in doc["findings"]:
        finding["class"] = finding.pop("klass")
    doc["counts"]["by_stream"] = dict(report.counts.by_stream)
    doc["counts"]["by_class"] = dict(report.counts.by_class)
    doc["timeline"] = [{"minute": m, "counts": dict(c)} for m, c in report.timeline]
    doc["schema_version"] = SCHEMA_VERSION
    return doc


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def fence(text: str) -> str:
    """A fenced code block that the text itself cannot close: the fence is longer than any backtick run."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fence"] = fence
    env.filters["ts"] = lambda d: d.strftime("%Y-%m-%d %H:%M:%S UTC") if d else "n/a"
    return env


def _view(report: Report) -> dict[str, Any]:
    by_class = {c: [f for f in report.findings if f.klass == c] for c in CLASSES}
    packages: dict[str, list[Any]] = {}
    for f in by_class["deprecation-warning"]:
        packages.setdefault(f.key or "(unknown package)", []).append(f)
    return {
        "r": report,
        "by_class": by_class,
        "deprecations_by_package": sorted(packages.items()),
        "class_titles": {
            "regression": "Regressions",
            "platform": "Platform failures",
            "expected-config": "Expected configuration gaps",
            "deprecation-warning": "Deprecation warnings",
            "noise": "Noise",
        },
    }
