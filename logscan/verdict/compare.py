"""Compare a target revision's findings with a baseline revision's, signature by signature.

Every target finding becomes `new` (the baseline never logged its signature) or `persisting` (with the
baseline's count and the growth of its rate); every baseline signature the target no longer logs is
`gone`. A baseline with no usable entries gives an INCONCLUSIVE comparison: findings keep status None,
never a silent "everything is new" or "nothing is new". What the statuses mean for the verdict is
decided in decide.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from logscan.model import Comparison, ComparisonStatus, EventClass, Finding, FindingStatus
from logscan.verdict.aggregate import Summary
from logscan.verdict.decide import has_log_data

_MIN_WINDOW = timedelta(minutes=1)


def compare(target: Summary, baseline: Summary, sources: Sequence[str]) -> tuple[Summary, Comparison]:
    """The target summary with each finding's status and baseline count set, and the whole comparison."""
    base_name = baseline.revision or ", ".join(sources) or "the baseline"
    empty = Comparison(
        status=ComparisonStatus.INCONCLUSIVE,
        reason="",
        sources=tuple(sources),
        service=baseline.service,
        revision=baseline.revision,
        window_start=baseline.window_start,
        window_end=baseline.window_end,
        records=baseline.counts.records,
        events=baseline.counts.events,
        notes=_notes(target, baseline),
    )
    if not has_log_data(baseline):
        what = "no log entries" if baseline.counts.records == 0 else "no application or system log entries"
        skipped = (
            f" ({baseline.counts.skipped} unreadable entries skipped)" if baseline.counts.skipped else ""
        )
        reason = (
            f"Baseline {base_name} has {what}{skipped}: no finding can be called new or persisting. "
            "Check the baseline export or revision."
        )
        return target, replace(empty, reason=reason)

    before = {f.signature: f for f in baseline.findings}
    scale = _rate_scale(target, baseline)
    findings = []
    for f in target.findings:
        old = before.get(f.signature)
        if old is None:
            findings.append(replace(f, status=FindingStatus.NEW, baseline_count=0))
        else:
            growth = round(f.count / old.count * scale, 2)
            findings.append(
                replace(f, status=FindingStatus.PERSISTING, baseline_count=old.count, rate_growth=growth)
            )
    now = {f.signature for f in target.findings}
    gone = tuple(
        gone_finding(f)
        for f in sorted(baseline.findings, key=lambda f: (-f.count, f.signature))
        if f.signature not in now and f.klass != EventClass.NOISE
    )
    judged = [f for f in findings if f.klass != EventClass.NOISE]
    new = sum(1 for f in judged if f.status == FindingStatus.NEW)
    persisting = len(judged) - new
    window = ""
    if baseline.window_start and baseline.window_end:
        window = f", {_ts(baseline.window_start)} to {_ts(baseline.window_end)}"
    reason = (
        f"Compared with baseline {base_name} ({baseline.counts.records:,} records{window}): "
        f"{new} new, {persisting} persisting, {len(gone)} gone (noise not counted)."
    )
    comparison = replace(
        empty,
        status=ComparisonStatus.COMPARED,
        reason=reason,
        new=new,
        persisting=persisting,
        gone=len(gone),
        gone_findings=gone,
    )
    return replace(target, findings=tuple(findings)), comparison


def _rate_scale(target: Summary, baseline: Summary) -> float:
    """Factor that turns a count ratio into a rate ratio: baseline window length over target window length.

    Rates are events per unit of time over each side's window (at least a minute). When either side has no
    timestamps, counts are compared as they are.
    """
    spans = []
    for s in (target, baseline):
        if s.window_start is None or s.window_end is None:
            return 1.0
        spans.append(max(s.window_end - s.window_start, _MIN_WINDOW))
    return spans[1] / spans[0]


def _notes(target: Summary, baseline: Summary) -> tuple[str, ...]:
    notes = []
    if target.revision and target.revision == baseline.revision:
        notes.append(
            f"The baseline is the target revision itself ({target.revision}): every finding persists."
        )
    if target.service and baseline.service and target.service != baseline.service:
        notes.append(f"The baseline is another service ({baseline.service}, target {target.service}).")
    if baseline.counts.skipped:
        notes.append(f"{baseline.counts.skipped} unreadable baseline entries were skipped.")
    return tuple(notes)


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def gone_finding(finding: Finding) -> Finding:
    """A baseline finding as the report lists it once gone: count 0, the baseline's count kept."""
    return replace(finding, status=FindingStatus.GONE, count=0, records=0, baseline_count=finding.count)
