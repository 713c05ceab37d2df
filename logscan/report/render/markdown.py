"""The Markdown report for GitHub: every display decision is made here, in Python; the templates only print.

Every untrusted string reaches the templates already made safe by mdsafe (code spans, fences, escaped
text). The body is cut to GitHub's comment limit by leaving out the least important findings (the report's
order), and the report then says what it left out and where the full report is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from logscan.errors import ReportError
from logscan.model import EventClass, Finding, Report, Suppression
from logscan.report.assemble import IMPORTANCE, engine_line, instances_text, status_text
from logscan.report.render import FULL_REPORT_HINT, GITHUB_LIMIT
from logscan.report.render.mdsafe import cut, fence, marker, md_code, md_text, md_text_with_code

if TYPE_CHECKING:  # jinja2 costs start-up time; render_markdown is handed its Environment
    import jinja2


SECTION_TITLES = {
    EventClass.REGRESSION: "Regressions",
    EventClass.PLATFORM: "Platform failures",
    EventClass.EXPECTED_CONFIG: "Expected configuration gaps",
    EventClass.DEPRECATION: "Deprecation warnings",
    EventClass.NOISE: "Noise",
}
_OPEN_PER_GROUP = 8
_FOLD_EXAMPLE_LINES = 12
_EXAMPLE_LINES = 60
_EXAMPLE_CHARS = 3_000
_NOISE_ROWS = 20
_STUBS = 5
_REASONS = 12
_GONE = 20


def _ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "n/a"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


@dataclass(frozen=True)
class FindingView:
    """One finding, every string ready to print."""

    title: str
    """Rule and key, as code spans."""
    facts: str
    """Count, severity, first and last seen, instances, baseline status."""
    example: str
    """The example as a fenced block."""
    example_lines: int
    """Lines in the example (for the fold's summary)."""
    fold_example: bool
    """Long examples fold into <details>."""
    hint: str
    """Escaped remediation hint, or empty."""
    suppression: str
    """The suppression that applies (or expired), or empty."""
    context: str = ""
    """The other links of the failure chain folded into this finding, or empty."""


@dataclass(frozen=True)
class ReasonView:
    """One verdict reason, with its evidence folded under it."""

    text: str
    """The escaped reason."""
    summary: str
    """The fold's summary line (the first evidence line), or empty when there is no evidence."""
    evidence: tuple[str, ...]
    """The other evidence lines, escaped (a command as a code span)."""


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
    suppressed: tuple[str, ...]
    """Rendered suppressed findings, folded separately."""
    suppressed_summary: str
    """That fold's summary line."""


@dataclass(frozen=True)
class SectionView:
    """One class's findings."""

    title: str
    """Section title with the finding count."""
    groups: tuple[GroupView, ...]
    """Its groups, in order."""


def _suppression(s: Suppression | None, suppressed: bool) -> str:
    if s is None:
        return ""
    who = f"{md_text(s.reason, 200)} (owner {md_text(s.owner, 80)}, issue {md_code(s.issue, 200)}, {md_text(s.where, 120)})"
    if s.expired:
        return f"**Suppression expired** on {s.expires.isoformat()}, so this counts again: {who}"
    if suppressed:
        return f"Suppressed until {s.expires.isoformat()}: {who}"
    return ""


def _status(f: Finding) -> str:
    text = status_text(f)
    return f" · {text}" if text else ""


def _finding_view(f: Finding) -> FindingView:
    title = f"**{md_code(f.rule)}**" + (f" {md_code(f.key)}" if f.key else "")
    same_day = f.first_seen and f.last_seen and f.first_seen.date() == f.last_seen.date()
    last = f.last_seen.strftime("%H:%M:%S UTC") if same_day and f.last_seen else _ts(f.last_seen)
    facts = (
        f"{f.count:,}× · {md_text(f.severity, 20)} · first seen {_ts(f.first_seen)} · last seen {last}"
        f" · {instances_text(f)}{_status(f)}"
    )
    lines = f.example.split("\n")
    body, was_cut = cut("\n".join(lines[:_EXAMPLE_LINES]), _EXAMPLE_CHARS)
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
        suppression=_suppression(f.suppression, f.suppressed),
        context=_context(f),
    )


def _context(f: Finding) -> str:
    if not f.context:
        return ""
    links = [
        f"{md_text(link.label, 200)} ({md_code(link.signature, 200)} ×{link.count:,})" for link in f.context
    ]
    return "Same failure, folded in: " + " · ".join(links)


def _rich(text: str, codes: Iterable[str], limit: int = 2000) -> str:
    """Escaped text in which `quoted` names, the given identifiers and a gcloud command are code spans
    (copied exactly as shown)."""
    at = text.find("gcloud ")
    command = f" {md_code(text[at:], limit)}" if at >= 0 else ""
    head = text[:at] if at >= 0 else text
    parts = head.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no spans
        parts = [head]
    pieces = [md_code(part, limit) if i % 2 else _spaced(part, codes, limit) for i, part in enumerate(parts)]
    return "".join(pieces).rstrip() + command


def _spaced(text: str, codes: Iterable[str], limit: int) -> str:
    """md_text_with_code, keeping the text's leading and trailing space (it sits between code spans)."""
    if not text.strip():
        return text
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() else ""
    return lead + md_text_with_code(text.strip(), codes, limit) + trail


def _reason_view(text: str, evidence: tuple[str, ...], codes: Iterable[str]) -> ReasonView:
    return ReasonView(
        text=_rich(text, codes),
        summary=md_text(evidence[0], 400) if evidence else "",
        evidence=tuple(_rich(line, codes) for line in evidence[1:]),
    )


def _groups(
    klass: EventClass, findings: Sequence[Finding], chunk: Callable[[Finding], str]
) -> tuple[GroupView, ...]:
    if klass == EventClass.DEPRECATION:
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
    groups = []
    for heading, items in buckets:
        active = [f for f in items if not f.suppressed]
        quiet = [f for f in items if f.suppressed]
        groups.append(
            GroupView(
                heading=heading,
                shown=tuple(chunk(f) for f in active[:_OPEN_PER_GROUP]),
                folded=tuple(chunk(f) for f in active[_OPEN_PER_GROUP:]),
                folded_summary=f"{len(active) - _OPEN_PER_GROUP:,} more {noun}",
                suppressed=tuple(chunk(f) for f in quiet),
                suppressed_summary=f"{len(quiet):,} suppressed {noun} (accepted in the policy file)",
            )
        )
    return tuple(groups)


def _header(report: Report) -> dict[str, str]:
    c, p = report.counts, report.provenance
    entries = f"{c.records:,} records, {c.events:,} events"
    if c.skipped:
        entries += f", **{c.skipped:,} skipped (unreadable)**"
    if c.truncated_lines:
        entries += f", {c.truncated_lines:,} long lines cut"
    window = f"{_ts(p.window_start)} to {_ts(p.window_end)}"
    if p.truncated:
        window += " (the read stopped early)"
    return {
        "service": md_code(report.service or "unknown", table=True),
        "revision": md_code(report.revision or "unknown", table=True),
        "revision_title": md_code(report.revision or "unknown revision"),
        "window": window,
        "env": md_text(p.env, 40) + (f" (policy {md_code(p.policy, 200, table=True)})" if p.policy else ""),
        "entries": entries,
        "streams": ", ".join(f"{md_text(name, 40)} {n:,}" for name, n in c.by_stream) or "none",
    }


def _comparison(report: Report) -> dict[str, Any] | None:
    c = report.comparison
    if c is None:
        return None
    gone = [
        f"{md_code(f.rule)}"
        + (f" {md_code(f.key)}" if f.key else "")
        + f": {f.baseline_count or 0:,} in the baseline"
        for f in c.gone_findings[:_GONE]
    ]
    if len(c.gone_findings) > _GONE:
        gone.append(f"… and {len(c.gone_findings) - _GONE:,} more in the JSON report")
    return {
        "status": md_text(c.status, 40),
        "title": (
            md_code(c.revision)
            if c.revision
            else "the baseline (" + (", ".join(md_code(s) for s in c.sources) or "no source") + ")"
        ),
        "reason": md_text(c.reason),
        "notes": [md_text(n) for n in c.notes],
        "gone": gone,
    }


def _footer(report: Report) -> dict[str, Any]:
    p = report.provenance
    url = p.logs_explorer_url or ""
    safe_url = url.startswith("https://console.cloud.google.com/") and not any(
        ch in url for ch in " \t\n<>()[]`"
    )
    return {
        "version": md_text(p.version, 40),
        "patterns_hash": md_code(p.patterns_hash, 40),
        "sources": ", ".join(md_code(s) for s in p.sources) or "none",
        "filter": md_code(p.filter, 1000) if p.filter else "",
        "explorer": url if safe_url else "",
        "skipped_detail": tuple(md_text(line) for line in p.skipped_detail),
        "engine": md_text(engine_line(p)) if p.engine else "",
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
    return (
        f"**Cut to fit:** GitHub takes at most {limit:,} characters, so this report shows the "
        f"{kept:,} most important of {len(report.findings):,} findings. Left out: {', '.join(per_class)} "
        f"({_plural(sum(f.count for f in left), 'event')}). For all of them, {md_text(full_report)}."
    )


def build_view(
    report: Report, kept: int, chunk: Callable[[Finding], str], full_report: str, limit: int
) -> dict[str, Any]:
    """Everything report.md.j2 prints, for the report cut to its first kept findings."""
    shown = report.findings[:kept]
    sections = []
    for klass in IMPORTANCE:
        items = [f for f in shown if f.klass == klass]
        if klass == EventClass.NOISE or not items:
            continue
        total = sum(1 for f in report.findings if f.klass == klass)
        title = f"{SECTION_TITLES[klass]} ({len(items):,}" + (
            f" of {total:,})" if total > len(items) else ")"
        )
        sections.append(SectionView(title=title, groups=_groups(klass, items, chunk)))
    noise_all = [f for f in report.findings if f.klass == EventClass.NOISE]
    noise_rows = [
        (f"{f.count:,}", md_code(f.rule, 80, table=True), md_code(f.template, 120, table=True))
        for f in [f for f in shown if f.klass == EventClass.NOISE][:_NOISE_ROWS]
    ]
    stubs = []
    if kept == len(report.findings):
        stubs = [
            (
                f"{t.count:,}",
                md_code(t.template, 160),
                fence(cut(t.example, 600)[0]),
                fence(t.rule_stub.rstrip("\n"), "yaml"),
            )
            for t in report.templates[:_STUBS]
        ]
    # Signatures and rule ids show as code spans, so that a reader can copy them into a suppression.
    codes = {name for f in report.findings for name in (f.signature, f.rule)}
    codes.update(sig for r in report.verdict.reasons for sig in r.signatures)
    codes.update(sig for c in report.verdict.chains for sig in c.signatures)
    reasons = [_reason_view(r.text, r.evidence, codes) for r in report.verdict.reasons[:_REASONS]]
    if len(report.verdict.reasons) > _REASONS:
        more = f"… and {len(report.verdict.reasons) - _REASONS} more reasons in the JSON report"
        reasons.append(ReasonView(more, "", ()))
    stale = [
        f"{md_code(s.signature or s.rule or '?')} ({md_text(s.where, 120)}): {md_text(s.reason, 200)}"
        for s in report.stale_suppressions
    ]
    return {
        "marker": marker(report.service, report.revision, report.subject_digest),
        "redacted": report.provenance.redacted,
        "level": md_text(report.verdict.level, 40),
        "header": _header(report),
        "reasons": reasons,
        "started": _yes_no(report.verdict.served.started),
        "served": _yes_no(report.verdict.served.served),
        "evidence": [md_text(e) for e in report.verdict.served.evidence],
        "comparison": _comparison(report),
        "cut_note": _cut_note(report, kept, full_report, limit),
        "sections": sections,
        "next_steps": [_rich(s, codes) for s in report.next_steps],
        "noise_rows": noise_rows,
        "noise_summary": (
            f"Noise: {_plural(len(noise_all), 'signature')}, {_plural(sum(f.count for f in noise_all), 'event')}"
            if noise_all
            else ""
        ),
        "noise_more": max(0, len(noise_all) - len(noise_rows)),
        "stubs": stubs,
        "stale": stale,
        "footer": _footer(report),
    }


def render_markdown(
    report: Report, env: jinja2.Environment, limit: int = GITHUB_LIMIT, full_report: str = FULL_REPORT_HINT
) -> str:
    """The Markdown report, at most limit characters: the least important findings are left out first."""
    finding_template = env.get_template("finding.md.j2")
    page = env.get_template("report.md.j2")
    cache: dict[int, str] = {}

    def chunk(f: Finding) -> str:
        if id(f) not in cache:
            cache[id(f)] = finding_template.render(f=_finding_view(f))
        return cache[id(f)]

    def at(kept: int) -> str:
        return page.render(**build_view(report, kept, chunk, full_report, limit))

    total = len(report.findings)
    bound = total  # the findings' own text alone shows that no more than bound of them can fit
    size = 0
    for i, f in enumerate(report.findings):
        size += 0 if f.klass == EventClass.NOISE else len(chunk(f))
        if size > limit:
            bound = i
            break
    if bound == total:
        text = at(total)
        if len(text) <= limit:
            return text
    best = at(0)
    if len(best) > limit:
        raise ReportError(
            f"the Markdown report is {len(best):,} characters without any finding, over the {limit:,} limit. "
            "Use -o report.json or -o report.html."
        )
    low, high = 0, min(bound, total - 1)  # the most findings that fit lie in [low, high]
    while low < high:
        mid = (low + high + 1) // 2
        candidate = at(mid)
        if len(candidate) <= limit:
            low, best = mid, candidate
        else:
            high = mid - 1
    return best
