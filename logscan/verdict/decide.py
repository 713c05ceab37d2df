"""The verdict: every decision about PASS, EXPECTED_CONFIG, WARN, FAIL or INCONCLUSIVE lives here.

decide() sorts each finding into one role under the environment's policy (critical, failing, tolerated,
warning, persisting, suppressed ...), then the roles give the level. Each reason names the findings'
signatures and the policy lines that put them there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from logscan.model import (
    Comparison,
    ComparisonStatus,
    EventClass,
    Finding,
    FindingStatus,
    Level,
    Reason,
    Served,
    Verdict,
)
from logscan.verdict.aggregate import Summary
from logscan.verdict.policy.settings import Policy

SEVERITY = (Level.PASS, Level.WARN, Level.EXPECTED_CONFIG, Level.INCONCLUSIVE, Level.FAIL)
"""Least to most severe (README "Verdicts and exit codes"): configuration gaps outrank warnings, whose
reasons still follow theirs; the worst verdict of several revisions is the overall one."""

_LOG_STREAMS = ("stdout", "stderr", "varlog/system", "text", "other")
_REASONS_PER_LINE = 5
_NOUNS = {
    EventClass.REGRESSION: "code regression",
    EventClass.PLATFORM: "platform failure",
    EventClass.EXPECTED_CONFIG: "configuration gap",
    EventClass.DEPRECATION: "deprecation warning",
}


def has_log_data(summary: Summary) -> bool:
    """The input holds something to judge: application or system log entries, or request logs."""
    usable = sum(n for stream, n in summary.counts.by_stream if stream in _LOG_STREAMS)
    return summary.counts.records > 0 and (usable > 0 or summary.evidence.requests > 0)


@dataclass
class _Roles:
    """Findings sorted by what they do to the verdict."""

    critical: list[Finding] = field(default_factory=list)
    required: list[Finding] = field(default_factory=list)
    failing: dict[EventClass, list[Finding]] = field(default_factory=dict)
    tolerated: list[Finding] = field(default_factory=list)
    explained: list[Finding] = field(default_factory=list)
    grew: list[Finding] = field(default_factory=list)
    warning: dict[EventClass, list[Finding]] = field(default_factory=dict)
    undecided: list[Finding] = field(default_factory=list)
    persisting: list[Finding] = field(default_factory=list)
    optional: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    unjudged: list[Finding] = field(default_factory=list)


def decide(
    summary: Summary, policy: Policy, truncated: bool = False, comparison: Comparison | None = None
) -> Verdict:
    """Level, reasons and served-state from the folded findings, the evidence, the policy and the comparison."""
    served = _served(summary)
    if not has_log_data(summary):
        what = "No log entries" if summary.counts.records == 0 else "No application or system log entries"
        skipped = f" ({summary.counts.skipped} unreadable entries skipped)" if summary.counts.skipped else ""
        return Verdict(
            Level.INCONCLUSIVE,
            (Reason(f"{what} to judge{skipped}: a revision without logs is never a PASS."),),
            served,
        )
    inconclusive = comparison is not None and comparison.status == ComparisonStatus.INCONCLUSIVE
    roles = _sort(summary.findings, policy, inconclusive)
    context = _context(roles, policy, comparison)
    damage = _damage(summary)
    context = [*context, *damage]

    failing: list[Reason] = []
    if roles.critical:
        note = "critical rules fail even when persisting or suppressed"
        failing.append(_reason("critical finding", roles.critical, (policy.ref("critical_rules"),), note))
    if roles.required:
        failing.append(
            _reason("missing setting", roles.required, (policy.ref("required"),), f"required in {policy.env}")
        )
    for klass, found in roles.failing.items():
        noun = _NOUNS.get(klass, klass)
        if klass == EventClass.EXPECTED_CONFIG:
            failing.append(_reason(noun, found, (policy.ref("fail_on"),), f"fatal in {policy.env}"))
        else:
            new = "new " if comparison is not None else ""
            failing.append(_reason(f"{new}{noun}", found, (policy.ref("fail_on"),)))
    if failing:
        return Verdict(Level.FAIL, tuple(failing + context), served)

    if truncated:
        text = "The read stopped early (a cap or a failed read), and nothing read so far proves a failure."
        return Verdict(Level.INCONCLUSIVE, (Reason(text), *context), served)
    if roles.undecided:
        assert comparison is not None
        note = "the comparison is INCONCLUSIVE: cannot tell new from persisting"
        undecided = _reason("failure", roles.undecided, (policy.ref("fail_on"),), note)
        return Verdict(Level.INCONCLUSIVE, (undecided, Reason(comparison.reason), *context), served)

    warnings: list[Reason] = []
    if roles.grew:
        t = policy.thresholds
        text = f"rate grew at least {t.rate_growth:g}x over the baseline with {t.min_count}+ events"
        warnings.append(
            _reason("persisting failure", roles.grew, (policy.ref("thresholds.rate_growth"),), text)
        )
    for klass, found in roles.warning.items():
        warnings.append(_reason(_NOUNS.get(klass, klass), found, (policy.ref("warn_on"),)))
    if roles.tolerated:
        note = f"tolerated in {policy.env}"
        reasons = [_reason("configuration gap", roles.tolerated, (policy.ref("fail_on"),), note)]
        if roles.explained:
            note = "explained by the missing configuration"
            noun = (
                "platform failure"
                if all(f.klass == EventClass.PLATFORM for f in roles.explained)
                else "startup failure"
            )
            reasons.append(_reason(noun, roles.explained, (), note))
        return Verdict(Level.EXPECTED_CONFIG, tuple(reasons + warnings + context), served)
    if warnings:
        return Verdict(Level.WARN, tuple(warnings + context), served)
    text = "No regression, platform failure, configuration gap or deprecation found."
    if len(context) > len(damage):
        text = "Nothing new or unaccepted fails or warns."
    return Verdict(Level.PASS, (Reason(text), *context), served)


def _sort(findings: Sequence[Finding], policy: Policy, inconclusive: bool) -> _Roles:
    roles = _Roles()
    t = policy.thresholds
    for f in findings:
        if f.klass == EventClass.NOISE:
            continue
        if f.rule in policy.critical_rules:
            roles.critical.append(f)
        elif f.suppressed:
            roles.suppressed.append(f)
        elif f.klass == EventClass.EXPECTED_CONFIG:
            if policy.is_optional(f.key):
                roles.optional.append(f)
            elif policy.is_required(f.key):
                roles.required.append(f)
            elif policy.config_fails:
                roles.failing.setdefault(f.klass, []).append(f)
            else:
                roles.tolerated.append(f)
        elif f.klass in policy.fail_on:
            if inconclusive:
                roles.undecided.append(f)
            elif f.status == FindingStatus.PERSISTING:
                grew = (f.rate_growth or 0.0) >= t.rate_growth and f.count >= t.min_count
                (roles.grew if grew else roles.persisting).append(f)
            else:
                roles.failing.setdefault(f.klass, []).append(f)
        elif f.klass in policy.warn_on:
            roles.warning.setdefault(f.klass, []).append(f)
        else:
            roles.unjudged.append(f)
    # A tolerated configuration gap explains a failed start (and the exit after it) only when every
    # failing regression and platform finding is such a symptom; an OOM, a signal or a real exception
    # next to the gap still fails (the rule's config_symptom flag in patterns/ says which are symptoms).
    failures = [
        f for klass in (EventClass.REGRESSION, EventClass.PLATFORM) for f in roles.failing.get(klass, [])
    ]
    if failures and roles.tolerated and all(f.config_symptom for f in failures):
        roles.explained.extend(failures)
        roles.failing.pop(EventClass.REGRESSION, None)
        roles.failing.pop(EventClass.PLATFORM, None)
    return roles


def _damage(summary: Summary) -> list[Reason]:
    """A reason that says entries were lost, when the sources skipped any: they may hide a failure."""
    n = summary.counts.skipped
    if not n:
        return []
    entries = "1 input entry was" if n == 1 else f"{n} input entries were"
    pronoun = "it" if n == 1 else "they"
    return [
        Reason(f"{entries} unreadable and skipped: {pronoun} may hold failures this verdict did not see.")
    ]


def _context(roles: _Roles, policy: Policy, comparison: Comparison | None) -> list[Reason]:
    """Reasons that did not set the level but say why findings did not count."""
    out = []
    if roles.persisting:
        out.append(
            _reason(
                "persisting failure",
                roles.persisting,
                (policy.ref("thresholds.rate_growth"),),
                "also in the baseline at a similar rate: not this deploy's regression",
            )
        )
    if roles.optional:
        out.append(_reason("missing optional setting", roles.optional, (policy.ref("optional"),), "ignored"))
    if roles.suppressed:
        wheres = tuple(dict.fromkeys(f.suppression.where for f in roles.suppressed if f.suppression))
        out.append(
            _reason(
                "suppressed finding", roles.suppressed, wheres, "accepted in the policy file, not counted"
            )
        )
    if roles.unjudged:
        refs = (policy.ref("fail_on"), policy.ref("warn_on"))
        note = f"of a class {policy.env} neither fails nor warns on"
        out.append(_reason("finding", roles.unjudged, refs, note))
    if comparison is not None and comparison.status == ComparisonStatus.INCONCLUSIVE and not roles.undecided:
        out.append(
            Reason(f"The comparison is INCONCLUSIVE, but no finding depended on it: {comparison.reason}")
        )
    return out


def _reason(what: str, findings: list[Finding], policy: tuple[str, ...], note: str = "") -> Reason:
    ranked = sorted(findings, key=lambda f: (-f.count, f.signature))
    names = [_describe(f) for f in ranked[:_REASONS_PER_LINE]]
    more = f" and {len(ranked) - _REASONS_PER_LINE} more" if len(ranked) > _REASONS_PER_LINE else ""
    plural = "s" if len(ranked) != 1 else ""
    expired = tuple(f.suppression.where for f in ranked if f.suppression and f.suppression.expired)
    refs = tuple(dict.fromkeys((*policy, *expired)))
    text = f"{len(ranked)} {what}{plural}" + (f" ({note})" if note else "") + f": {', '.join(names)}{more}"
    if refs:
        text += f" [policy: {'; '.join(refs)}]"
    return Reason(text, tuple(f.signature for f in ranked), refs)


def _describe(f: Finding) -> str:
    text = f"{f.signature} x{f.count}"
    if f.status == FindingStatus.PERSISTING and f.baseline_count is not None:
        growth = f", rate x{f.rate_growth:g}" if f.rate_growth is not None else ""
        text += f" (baseline x{f.baseline_count}{growth})"
    s = f.suppression
    if s is not None and s.expired:
        text += f" (suppression expired {s.expires.isoformat()}, resurfaced)"
    elif s is not None and f.suppressed:
        text += f" (suppressed until {s.expires.isoformat()}, {s.owner}, {s.issue})"
    return text


def _served(summary: Summary) -> Served:
    ev = summary.evidence
    evidence: list[str] = []
    started: bool | None = None
    if ev.started:
        started = True
        evidence.append(f"{ev.started:,} startup success signal(s) (probe succeeded or startup complete)")
    if ev.start_failed:
        started = started if started else False
        evidence.append(f"{ev.start_failed:,} startup failure signal(s) (probe failed or startup failed)")
    if ev.crashed:
        evidence.append(f"{ev.crashed:,} crash signal(s) (non-zero exit, signal, memory limit)")
    served: bool | None = None
    ok = ev.requests_ok + ev.served_lines
    if ok:
        served = True
        evidence.append(f"{ok:,} request(s) answered below 500")
    if ev.requests_5xx:
        evidence.append(f"{ev.requests_5xx:,} request(s) failed with 5xx or no answer")
        if not ok:
            served = False
    if ev.requests == 0 and not ev.served_lines:
        evidence.append("no request logs in the input")
    if started is None and served:
        started = True
    return Served(started=started, served=served, evidence=tuple(evidence))
