"""The verdict: every decision about PASS, EXPECTED_CONFIG, WARN, FAIL or INCONCLUSIVE lives here.

decide() sorts each finding into one role under the environment's policy (critical, failing, tolerated,
warning, persisting, suppressed ...), then the roles give the level. Each reason names the findings'
signatures and the policy lines that put them there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from logscan.model import (
    Chain,
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
from logscan.verdict.chain_text import lead_reasons
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
    summary: Summary,
    policy: Policy,
    truncated: bool = False,
    comparison: Comparison | None = None,
    chains: tuple[Chain, ...] = (),
    stopped: str | None = None,
) -> Verdict:
    """Level, reasons and served-state from the folded findings, the evidence, the policy and the comparison.

    chains (verdict/chains.py): the failure chains; each that holds a finding that set the level leads the
    reasons as one line, and its findings leave the per-class lines below it. stopped: how the read
    stopped early and how much it lost, in words (truncated without it: a generic reason).
    """
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
    roles = _sort(summary.findings, policy, inconclusive, chains, linked=bool(summary.occurrences))
    led = _Lead(chains, roles, policy)
    shown = led.roles  # the roles without the findings a leading chain line already names
    context = _context(shown, policy, comparison)
    damage = _damage(summary)
    context = [*context, *damage]

    failing: list[Reason] = []
    if shown.critical:
        note = "critical rules fail even when persisting or suppressed"
        failing.append(_reason("critical finding", shown.critical, (policy.ref("critical_rules"),), note))
    if shown.required:
        failing.append(
            _reason("missing setting", shown.required, (policy.ref("required"),), f"required in {policy.env}")
        )
    for klass, found in shown.failing.items():
        noun = _NOUNS.get(klass, klass)
        if klass == EventClass.EXPECTED_CONFIG:
            failing.append(_reason(noun, found, (policy.ref("fail_on"),), f"fatal in {policy.env}"))
        else:
            new = "new " if comparison is not None else ""
            failing.append(_reason(f"{new}{noun}", found, (policy.ref("fail_on"),)))
    if failing or led.failing:
        return Verdict(Level.FAIL, (*led.failing, *failing, *led.persisting, *context), served, chains)
    # below FAIL, a chain the baseline also had still tells the story first
    story = led.persisting

    if truncated or stopped:
        text = (
            stopped
            or "The read stopped early (a cap or a failed read), and nothing read so far proves a failure."
        )
        return Verdict(Level.INCONCLUSIVE, (*story, Reason(text), *context), served, chains)
    if roles.undecided:
        assert comparison is not None
        note = "the comparison is INCONCLUSIVE: cannot tell new from persisting"
        undecided = _reason("failure", shown.undecided or roles.undecided, (policy.ref("fail_on"),), note)
        said = (*story, undecided, Reason(comparison.reason), *context)
        return Verdict(Level.INCONCLUSIVE, said, served, chains)

    warnings: list[Reason] = []
    if shown.grew:
        t = policy.thresholds
        text = f"rate grew at least {t.rate_growth:g}x over the baseline with {t.min_count}+ events"
        warnings.append(
            _reason("persisting failure", shown.grew, (policy.ref("thresholds.rate_growth"),), text)
        )
    for klass, found in shown.warning.items():
        warnings.append(_reason(_NOUNS.get(klass, klass), found, (policy.ref("warn_on"),)))
    if roles.tolerated:
        note = f"tolerated in {policy.env}"
        reasons = list(led.explained)
        if shown.tolerated:
            reasons.append(_reason("configuration gap", shown.tolerated, (policy.ref("fail_on"),), note))
        if shown.explained:
            note = "explained by the missing configuration"
            noun = (
                "platform failure"
                if all(f.klass == EventClass.PLATFORM for f in shown.explained)
                else "startup failure"
            )
            reasons.append(_reason(noun, shown.explained, (), note))
        return Verdict(Level.EXPECTED_CONFIG, (*story, *reasons, *warnings, *context), served, chains)
    if warnings:
        return Verdict(Level.WARN, (*story, *warnings, *context), served, chains)
    text = "No regression, platform failure, configuration gap or deprecation found."
    if story or len(context) > len(damage):
        text = "Nothing new or unaccepted fails or warns."
    return Verdict(Level.PASS, (*story, Reason(text), *context), served, chains)


def _sort(
    findings: Sequence[Finding],
    policy: Policy,
    inconclusive: bool,
    chains: tuple[Chain, ...] = (),
    linked: bool = False,
) -> _Roles:
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
    # A tolerated configuration gap explains a failed start (and the exit after it) only when the chains
    # show it: every failing regression and platform finding is a link of a chain whose root is a missing
    # setting. Without timestamps to link by, only when every such finding is a symptom a missing setting
    # can cause (the rule's config_symptom flag); an OOM, a signal or a real exception still fails.
    failures = [
        f for klass in (EventClass.REGRESSION, EventClass.PLATFORM) for f in roles.failing.get(klass, [])
    ]
    from_config = {s for c in chains if c.root.klass == EventClass.EXPECTED_CONFIG for s in c.signatures}
    if linked:
        shown = all(f.signature in from_config for f in failures)
    else:
        shown = all(f.config_symptom for f in failures)
    if failures and roles.tolerated and shown:
        roles.explained.extend(failures)
        roles.failing.pop(EventClass.REGRESSION, None)
        roles.failing.pop(EventClass.PLATFORM, None)
    return roles


class _Lead:
    """The chain lines that lead the reasons (verdict/chain_text.py), and the roles without their findings."""

    def __init__(self, chains: tuple[Chain, ...], roles: _Roles, policy: Policy) -> None:
        failing = {f.signature: policy.ref("critical_rules") for f in roles.critical}
        failing.update({f.signature: policy.ref("required") for f in roles.required})
        for found in roles.failing.values():
            failing.update({f.signature: policy.ref("fail_on") for f in found})
        explained = {f.signature for f in roles.explained}
        note = f"configuration gap tolerated in {policy.env}; it explains the failed start"
        persisting = ({f.signature for f in roles.persisting}, (policy.ref("thresholds.rate_growth"),))
        self.failing, self.explained, self.persisting, members = lead_reasons(
            chains, failing, explained, (policy.ref("fail_on"),), note, persisting
        )
        self.roles = roles
        if members:
            self.roles = replace(
                roles,
                **{k: [f for f in v if f.signature not in members] for k, v in _lists(roles).items()},
                failing=_without(roles.failing, members),
                warning=_without(roles.warning, members),
            )


def _lists(roles: _Roles) -> dict[str, list[Finding]]:
    return {k: v for k, v in vars(roles).items() if isinstance(v, list)}


def _without(value: dict[EventClass, list[Finding]], members: set[str]) -> dict[EventClass, list[Finding]]:
    kept = {k: [f for f in v if f.signature not in members] for k, v in value.items()}
    return {k: v for k, v in kept.items() if v}


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
