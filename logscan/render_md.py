"""The Markdown report for GitHub: every display decision made here, in Python; the templates only print.

Log text appears only inside code: fenced blocks the text cannot close, or inline code spans. Anything
else that a log could have written (a key, a reason, a stream name) is escaped so that it cannot make an
@mention, an issue reference, a link, an image or raw HTML. The body is cut to GitHub's comment limit by
leaving out the least important findings, and the report says what it left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
import regex

from .errors import ReportError
from .model import DEPRECATION, NOISE, Finding, Report
from .redact import PLACEHOLDER
from .report import IMPORTANCE

GITHUB_LIMIT = 65_536
"""Characters GitHub accepts in an issue comment or issue body."""
FULL_REPORT_HINT = "run logscan again with -o report.json (or -o report.html) to get every finding"
"""Where the full report is, unless the caller knows better (a CI artifact, a file it also wrote)."""

_OPEN_PER_GROUP = 8
_FOLD_EXAMPLE_LINES = 12
_EXAMPLE_LINES = 60
_EXAMPLE_CHARS = 3_000
_TEXT_CHARS = 500
_CODE_CHARS = 200
_NOISE_ROWS = 20
_STUBS = 5
_REASONS = 12
_ZWJ = "\u200d"
_BACKTICKS = regex.compile(r"`+")
_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPECIAL = regex.compile(r"[\\`*_\[\]<>!|~&$#]")
_AFTER_ZWJ = regex.compile(r"(?<=[@#])|(?<=\b(?i:https?|ftp|mailto|xmpp|www|gh))(?=[:.\-])")
_LEADING = regex.compile(r"^(?:(?P<mark>[-+=])(?=[\s\-+=]|$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=\s|$))")
_MARKER_UNSAFE = regex.compile(r"[^A-Za-z0-9._-]+")

SECTION_TITLES = {
    "regression": "Regressions",
    "platform": "Platform failures",
    "expected-config": "Expected configuration gaps",
    "deprecation-warning": "Deprecation warnings",
    "noise": "Noise",
}


# ---------------------------------------------------------------- escaping


def cut(text: str, limit: int) -> tuple[str, bool]:
    """Text cut to at most limit characters, never through a redaction placeholder; and whether it was cut."""
    if len(text) <= limit:
        return text, False
    end = limit
    for m in PLACEHOLDER.finditer(text, max(0, limit - 40), limit + 40):
        if m.start() < end < m.end():
            end = m.start()
    return text[:end], True


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(_CONTROL.sub("", text).split())
    short, was_cut = cut(flat, limit)
    return short + "…" if was_cut else short


def md_text(text: str, limit: int = _TEXT_CHARS) -> str:
    """Untrusted text made inert for Markdown outside code: one line, Markdown and HTML syntax escaped,
    and a zero-width joiner after @ and # and inside URL schemes so GitHub links nothing."""
    line = _one_line(text, limit)
    line = _SPECIAL.sub(lambda m: "\\" + m.group(0), line)
    line = _AFTER_ZWJ.sub(_ZWJ, line)

    def lead(m: regex.Match[str]) -> str:
        if m.group("mark"):
            return "\\" + str(m.group("mark"))
        return str(m.group("num")) + "\\" + str(m.group("dot"))

    return str(_LEADING.sub(lead, line, count=1))


def md_code(text: str, limit: int = _CODE_CHARS, *, table: bool = False) -> str:
    """Untrusted text as an inline code span on one line; its own backticks cannot close the span."""
    line = _one_line(text, limit)
    if not line:
        return "(empty)"
    longest = max((len(m) for m in _BACKTICKS.findall(line)), default=0)
    ticks = "`" * (longest + 1)
    if line[0] in "` " or line[-1] in "` ":
        line = f" {line} "
    if table:
        line = line.replace("|", "\\|")
    return f"{ticks}{line}{ticks}"


def fence(text: str, lang: str = "text") -> str:
    """A fenced code block that the text itself cannot close: the fence is longer than any backtick run."""
    body = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def marker(report: Report) -> str:
    """The hidden comment that identifies a report's service and revision (publish updates by it)."""
    service = _MARKER_UNSAFE.sub("_", report.service or "unknown")[:100]
    revision = _MARKER_UNSAFE.sub("_", report.revision or "unknown")[:100]
    return f"<!-- logscan:{service}:{revision} -->"


def _ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "n/a"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


# ---------------------------------------------------------------- view


@dataclass(frozen=True)
class FindingView:
    """One finding, every string ready to print."""

    title: str
    """Rule and key, as code spans."""
    facts: str
    """Count, severity, first and last seen, instances."""
    example: str
    """The example as a fenced block."""
    example_lines: int
    """Lines in the example (for the fold's summary)."""
    fold_example: bool
    """Long examples fold into <details>."""
    hint: str
    """Escaped remediation hint, or empty."""


@dataclass(frozen=True)
class GroupView:
    """Findings under one heading (a deprecations package, or the whole section)."""

    heading: str
    """Escaped sub-heading, or empty."""
    shown: tuple[str, ...]
    """Rendered findings shown open."""
    folded: tuple[str, ...]
    """Rendered findings folded into <details>."""
    folded_summary: str
    """The fold's summary line."""


@dataclass(frozen=True)
class SectionView:
    """One class's findings."""

    title: str
    """Section title with the finding count."""
    groups: tuple[GroupView, ...]
    """Its groups, in order."""


def _finding_view(f: Finding) -> FindingView:
    title = f"**{md_code(f.rule)}**" + (f" {md_code(f.key)}" if f.key else "")
    same_day = f.first_seen and f.last_seen and f.first_seen.date() == f.last_seen.date()
    last = f.last_seen.strftime("%H:%M:%S UTC") if same_day and f.last_seen else _ts(f.last_seen)
    facts = (
        f"{f.count:,}× · {md_text(f.severity, 20)} · first seen {_ts(f.first_seen)} · last seen {last}"
        f" · {_plural(len(f.instances), 'instance')}"
    )
    lines = f.example.split("\n")
    shown_lines = lines[:_EXAMPLE_LINES]
    body, was_cut = cut("\n".join(shown_lines), _EXAMPLE_CHARS)
    if was_cut or len(lines) > _EXAMPLE_LINES:
        body += (
            f"\n… (example cut at {body.count(chr(10)) + 1} of {len(lines)} lines; the JSON report has it)"
        )
    return FindingView(
        title=title,
        facts=facts,
        example=fence(body),
        example_lines=len(lines),
        fold_example=len(lines) > _FOLD_EXAMPLE_LINES,
        hint=md_text(f.hint) if f.hint else "",
    )


def _groups(
    klass: str, findings: Sequence[Finding], chunk: Callable[[Finding], str]
) -> tuple[GroupView, ...]:
    if klass == DEPRECATION:
        packages: dict[str, list[Finding]] = {}
        for f in findings:
            packages.setdefault(f.key or "", []).append(f)
        buckets = [
            (md_code(name) if name else "(package not named in the warning)", items)
            for name, items in sorted(packages.items(), key=lambda kv: (kv[0] == "", kv[0]))
        ]
    else:
        buckets = [("", list(findings))]
    noun = SECTION_TITLES[klass].lower()
    return tuple(
        GroupView(
            heading=heading,
            shown=tuple(chunk(f) for f in items[:_OPEN_PER_GROUP]),
            folded=tuple(chunk(f) for f in items[_OPEN_PER_GROUP:]),
            folded_summary=f"{len(items) - _OPEN_PER_GROUP:,} more {noun}",
        )
        for heading, items in buckets
    )


def _header(report: Report) -> dict[str, str]:
    c, p = report.counts, report.provenance
    entries = f"{c.records:,} records, {c.events:,} events"
    if c.skipped:
        entries += f", **{c.skipped:,} skipped (unreadable)**"
    if c.truncated_lines:
        entries += f", {c.truncated_lines:,} long lines cut"
    streams = ", ".join(f"{md_text(name, 40)} {n:,}" for name, n in c.by_stream) or "none"
    window = f"{_ts(p.window_start)} to {_ts(p.window_end)}"
    if p.truncated:
        window += " (the read stopped early)"
    return {
        "service": md_code(report.service or "unknown", table=True),
        "revision": md_code(report.revision or "unknown", table=True),
        "revision_title": md_code(report.revision or "unknown revision"),
        "window": window,
        "env": md_text(p.env, 40),
        "entries": entries,
        "streams": streams,
    }


def _footer(report: Report) -> dict[str, Any]:
    p = report.provenance
    url = p.logs_explorer_url or ""
    safe_url = url.startswith("https://console.cloud.google.com/") and not regex.search(r"[\s<>()\[\]`]", url)
    return {
        "version": md_text(p.version, 40),
        "patterns_hash": md_code(p.patterns_hash, 40),
        "sources": ", ".join(md_code(s) for s in p.sources) or "none",
        "filter": md_code(p.filter, 1000) if p.filter else "",
        "explorer": url if safe_url else "",
        "skipped_detail": tuple(md_text(line) for line in p.skipped_detail),
        "generated_at": _ts(p.generated_at),
    }


def _cut_note(report: Report, kept: int, full_report: str, limit: int) -> str:
    left = report.findings[kept:]
    if not left:
        return ""
    per_class = [
        f"{sum(1 for f in left if f.klass == k):,} {SECTION_TITLES[k].lower()}"
        for k in IMPORTANCE
        if any(f.klass == k for f in left)
    ]
    events = sum(f.count for f in left)
    return (
        f"**Cut to fit:** GitHub takes at most {limit:,} characters, so this report shows the "
        f"{kept:,} most important of {len(report.findings):,} findings. Left out: {', '.join(per_class)} "
        f"({_plural(events, 'event')}). For all of them, {md_text(full_report)}."
    )


def build_view(
    report: Report, kept: int, chunk: Callable[[Finding], str], full_report: str, limit: int
) -> dict[str, Any]:
    """Everything report.md.j2 prints, for a report cut to its first kept findings."""
    shown = report.findings[:kept]
    sections = []
    for klass in IMPORTANCE:
        if klass == NOISE:
            continue
        items = [f for f in shown if f.klass == klass]
        total = sum(1 for f in report.findings if f.klass == klass)
        if items:
            title = f"{SECTION_TITLES[klass]} ({len(items):,}" + (
                f" of {total:,})" if total > len(items) else ")"
            )
            sections.append(SectionView(title=title, groups=_groups(klass, items, chunk)))
    noise_all = [f for f in report.findings if f.klass == NOISE]
    noise_rows = [
        (f"{f.count:,}", md_code(f.rule, 80, table=True), md_code(f.template, 120, table=True))
        for f in [f for f in shown if f.klass == NOISE][:_NOISE_ROWS]
    ]
    stubs = []
    if kept == len(report.findings):
        stubs = [
            (f"{t.count:,}", md_code(t.template, 160), fence(t.rule_stub.rstrip("\n"), "yaml"))
            for t in report.templates[:_STUBS]
        ]
    reasons = [md_text(r.text) for r in report.verdict.reasons[:_REASONS]]
    if len(report.verdict.reasons) > _REASONS:
        reasons.append(f"… and {len(report.verdict.reasons) - _REASONS} more reasons in the JSON report")
    return {
        "marker": marker(report),
        "redacted": report.provenance.redacted,
        "level": md_text(report.verdict.level, 40),
        "header": _header(report),
        "reasons": reasons,
        "started": _yes_no(report.verdict.served.started),
        "served": _yes_no(report.verdict.served.served),
        "evidence": [md_text(e) for e in report.verdict.served.evidence],
        "cut_note": _cut_note(report, kept, full_report, limit),
        "sections": sections,
        "next_steps": [md_text(s) for s in report.next_steps],
        "noise_rows": noise_rows,
        "noise_summary": (
            f"Noise: {_plural(len(noise_all), 'signature')}, {_plural(sum(f.count for f in noise_all), 'event')}"
            if noise_all
            else ""
        ),
        "noise_more": max(0, len(noise_all) - len(noise_rows)),
        "stubs": stubs,
        "footer": _footer(report),
    }


# ---------------------------------------------------------------- rendering and cutting


def render_markdown(
    report: Report, env: jinja2.Environment, limit: int = GITHUB_LIMIT, full_report: str = FULL_REPORT_HINT
) -> str:
    """The Markdown report, at most limit characters: the least important findings are left out first."""
    finding_template = env.get_template("finding.md.j2")
    page = env.get_template("report.md.j2")
    cache: dict[int, str] = {}

    def chunk(f: Finding) -> str:
        key = id(f)
        if key not in cache:
            cache[key] = finding_template.render(f=_finding_view(f))
        return cache[key]

    def at(kept: int) -> str:
        return page.render(**build_view(report, kept, chunk, full_report, limit))

    total = len(report.findings)
    text = at(total)
    if len(text) <= limit:
        return text
    low, high = 0, total - 1  # the largest kept that fits lies in [low, high]
    best = at(0)
    if len(best) > limit:
        raise ReportError(
            f"the Markdown report is {len(best):,} characters without any finding, over the {limit:,} limit. "
            "Use -o report.json or -o report.html."
        )
    while low < high:
        mid = (low + high + 1) // 2
        candidate = at(mid)
        if len(candidate) <= limit:
            low, best = mid, candidate
        else:
            high = mid - 1
    return best
