"""The HTML report: one self-contained, autoescaped file with the verdict on top, findings filterable by
class and an inline SVG timeline of entries per class per minute since the revision started.

Geometry, sorting and wording are decided here; reports/report.html.j2 only prints them. The page loads
nothing from the network, and its Content-Security-Policy allows only its own inline script (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jinja2
from markupsafe import Markup

from logscan.model import EventClass, Finding, Report
from logscan.report.assemble import IMPORTANCE, engine_line, instances_text, status_text
from logscan.resources import data_dir

SECTION_TITLES = {
    EventClass.REGRESSION: "Regressions",
    EventClass.PLATFORM: "Platform failures",
    EventClass.EXPECTED_CONFIG: "Expected configuration gaps",
    EventClass.DEPRECATION: "Deprecation warnings",
    EventClass.NOISE: "Noise",
}
_LANE_LABELS = {
    EventClass.REGRESSION: "Regressions",
    EventClass.PLATFORM: "Platform",
    EventClass.EXPECTED_CONFIG: "Config gaps",
    EventClass.DEPRECATION: "Deprecations",
    EventClass.NOISE: "Noise",
}
_PLOT_WIDTH = 760
_LEFT = 150
_LANE = 44
_LANE_GAP = 10
_TOP = 10
_AXIS = 34
_MAX_BUCKETS = 240
_NICE_SECONDS = (1, 2, 5, 10, 15, 30, 60, 120, 300)
_NICE_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
_EXPLORER = "https://console.cloud.google.com/"


@dataclass(frozen=True)
class Bar:
    """One bar of the timeline: the entries of one class in one bucket of minutes."""

    x: float
    """Left edge, in SVG units."""
    y: float
    """Top edge."""
    width: float
    """Bar width."""
    height: float
    """Bar height."""
    klass: str
    """Class (picks the colour through CSS)."""
    title: str
    """Tooltip: when, which class, how many."""


@dataclass(frozen=True)
class Lane:
    """One class's row of the chart, scaled to its own peak."""

    klass: str
    """The class."""
    label: str
    """Row label."""
    y: float
    """Top of the lane."""
    peak: int
    """Largest bucket count in the lane."""
    total: int
    """Entries of the class in the timeline."""
    bars: tuple[Bar, ...]
    """The lane's bars."""


@dataclass(frozen=True)
class Mark:
    """A moment drawn as a vertical line across the lanes, with its label."""

    x: float
    """Where, in SVG units."""
    label: str
    """What happened then, and when (UTC)."""
    klass: str
    """first-failure or exit (picks the colour through CSS)."""


@dataclass(frozen=True)
class Chart:
    """The timeline as shapes to draw."""

    width: int
    """SVG width."""
    height: int
    """SVG height."""
    left: int
    """Left edge of the plot area."""
    right: int
    """Right edge of the plot area."""
    axis_y: float
    """Where the time axis sits."""
    lanes: tuple[Lane, ...]
    """One lane per class with entries."""
    ticks: tuple[tuple[float, str], ...]
    """Time-axis ticks: x and label (minutes since start)."""
    lane_height: int
    """Height of a lane."""
    caption: str
    """What the chart shows, in words."""
    marks: tuple[Mark, ...] = ()
    """Moments drawn across every lane: the first failure, the platform's exit."""


def _when(label: str) -> datetime:
    return datetime.strptime(
        label, "%Y-%m-%dT%H:%M:%SZ" if label.count(":") == 2 else "%Y-%m-%dT%H:%MZ"
    ).replace(tzinfo=UTC)


def timeline_chart(report: Report) -> Chart | None:
    """Lanes of bars per class since the first entry, None when no entry had a timestamp. Buckets fit the
    window: seconds when it lasts ten minutes or less (a crash loop lives seconds), minutes beyond. The
    first failure and the platform's report of the container's end are marked."""
    fine = bool(report.timeline_seconds)
    series = report.timeline_seconds if fine else report.timeline
    if not series:
        return None
    unit = timedelta(seconds=1) if fine else timedelta(minutes=1)
    nice = _NICE_SECONDS if fine else _NICE_MINUTES
    points = [(_when(label), dict(counts)) for label, counts in series]
    start = points[0][0]
    span = int((points[-1][0] - start) / unit) + 1
    bucket = next((n for n in nice if math.ceil(span / n) <= _MAX_BUCKETS), nice[-1])
    buckets = math.ceil(span / bucket)
    step = _PLOT_WIDTH / buckets
    sums: dict[str, list[int]] = {k: [0] * buckets for k in IMPORTANCE}
    for when, counts in points:
        index = int((when - start) / unit) // bucket
        for klass, n in counts.items():
            if klass in sums:
                sums[klass][index] += n
    lanes = []
    y = float(_TOP)
    for klass in IMPORTANCE:
        lane = sums[klass]
        peak = max(lane)
        if peak == 0:
            continue
        bars = []
        for i, n in enumerate(lane):
            if n == 0:
                continue
            height = max(1.5, (_LANE - 4) * n / peak)
            when = start + unit * (i * bucket)
            bars.append(
                Bar(
                    x=round(_LEFT + i * step, 2),
                    y=round(y + _LANE - height, 2),
                    width=round(max(1.0, step * 0.85), 2),
                    height=round(height, 2),
                    klass=klass,
                    title=f"{when:{'%H:%M:%S' if fine else '%H:%M'}} UTC ({_offset(i * bucket, fine)}): {n} {klass}",
                )
            )
        lanes.append(Lane(klass, _LANE_LABELS[klass], y, peak, sum(lane), tuple(bars)))
        y += _LANE + _LANE_GAP
    axis_y = y
    every = next((n for n in nice if span / n <= 10), nice[-1])
    ticks = tuple(
        (round(_LEFT + (m / bucket) * step, 2), _offset(m, fine))
        for m in range(0, span + 1, every)
        if m / bucket <= buckets
    )
    word = "second" if fine else "minute"
    per = word if bucket == 1 else f"{bucket} {word}s"
    caption = (
        f"Entries per class per {per} since the first entry at {start:%Y-%m-%d %H:%M:%S} UTC "
        f"({span} {word}{'s' if span != 1 else ''}); each row is scaled to its own peak."
    )

    def x_of(when: datetime) -> float:
        return round(_LEFT + min(max((when - start) / unit, 0), span) / bucket * step, 2)

    marks = _marks(report, x_of)
    return Chart(
        width=_LEFT + _PLOT_WIDTH + 20,
        height=int(axis_y + _AXIS + 13 * len(marks)),
        left=_LEFT,
        right=_LEFT + _PLOT_WIDTH,
        axis_y=axis_y,
        lanes=tuple(lanes),
        ticks=ticks,
        lane_height=_LANE,
        caption=caption,
        marks=marks,
    )


def _marks(report: Report, x_of: Callable[[datetime], float]) -> tuple[Mark, ...]:
    """The first failure (regression or platform, not suppressed) and the platform's exit, as x positions."""
    failing = [
        f.first_seen
        for f in report.findings
        if f.klass in (EventClass.REGRESSION, EventClass.PLATFORM) and not f.suppressed and f.first_seen
    ]
    marks = []
    if failing:
        first = min(failing)
        marks.append(Mark(x_of(first), f"first failure {first:%H:%M:%S}", "first-failure"))
    if report.exited_at is not None:
        marks.append(Mark(x_of(report.exited_at), f"platform exit {report.exited_at:%H:%M:%S}", "exit"))
    return tuple(marks)


def _offset(n: int, seconds: bool) -> str:
    return f"+{n} s" if seconds else f"+{n} min"


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "klass": f.klass,
        "rule": f.rule,
        "key": f.key,
        "count": f"{f.count:,}",
        "severity": f.severity,
        "first_seen": _ts(f.first_seen),
        "last_seen": _ts(f.last_seen),
        "instances": instances_text(f),
        "example": f.example,
        "template": f.template,
        "hint": f.hint,
        "description": f.description,
        "signature": f.signature,
        "status": status_text(f),
        "suppression": _suppression(f),
        "suppressed": f.suppressed,
        "context": [(link.label, link.signature, f"{link.count:,}") for link in f.context],
    }


def _suppression(f: Finding) -> str:
    s = f.suppression
    if s is None:
        return ""
    who = f"{s.reason} (owner {s.owner}, issue {s.issue}, {s.where})"
    if s.expired:
        return f"Suppression expired on {s.expires.isoformat()}, so this counts again: {who}"
    return f"Suppressed until {s.expires.isoformat()}: {who}" if f.suppressed else ""


def _ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "n/a"


def build_view(report: Report, script: str, css: str) -> dict[str, Any]:
    """Everything report.html.j2 prints."""
    counts = {k: sum(1 for f in report.findings if f.klass == k) for k in IMPORTANCE}
    url = report.provenance.logs_explorer_url or ""
    return {
        "r": report,
        "level": report.verdict.level,
        "started": {True: "yes", False: "no", None: "unknown"}[report.verdict.served.started],
        "served": {True: "yes", False: "no", None: "unknown"}[report.verdict.served.served],
        "window": f"{_ts(report.provenance.window_start)} to {_ts(report.provenance.window_end)}",
        "generated_at": _ts(report.provenance.generated_at),
        "filters": [(k, SECTION_TITLES[k], counts[k]) for k in IMPORTANCE if counts[k]],
        "findings": [_finding(f) for f in report.findings],
        "open_classes": [k for k in IMPORTANCE if k != EventClass.NOISE],
        "chart": timeline_chart(report),
        "explorer": url if url.startswith(_EXPLORER) else "",
        "engine": engine_line(report.provenance),
        "script": Markup(script),
        "script_hash": _csp_hash(script),
        "css": Markup(css),
        "css_hash": _csp_hash(css),
    }


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def render_html(report: Report, env: jinja2.Environment) -> str:
    """The self-contained HTML page."""
    folder = data_dir("reports")
    script = (folder / "report.js").read_text(encoding="utf-8")
    css = (folder / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(**build_view(report, script, css))
