"""The verdict: every decision about PASS, EXPECTED_CONFIG, WARN, FAIL or INCONCLUSIVE lives here."""

from __future__ import annotations

from dataclasses import dataclass

from .aggregate import Summary
from .model import DEPRECATION, EXPECTED_CONFIG, PLATFORM, REGRESSION, Finding, Reason, Served, Verdict

PASS = "PASS"
EXPECTED_CONFIG_LEVEL = "EXPECTED_CONFIG"
WARN = "WARN"
FAIL = "FAIL"
INCONCLUSIVE = "INCONCLUSIVE"
LEVELS = (PASS, EXPECTED_CONFIG_LEVEL, WARN, FAIL, INCONCLUSIVE)

_LOG_STREAMS = ("stdout", "stderr", "varlog/system", "text", "other")
_REASONS_PER_CLASS = 5


@dataclass(frozen=True)
class Policy:
    """What an environment tolerates. The policy file (logscan.toml) builds these."""

    env: str = "staging"
    """Environment name."""
    config_fails: bool = False
    """Expected-config findings fail the verdict (production)."""


def policy_for(env: str) -> Policy:
    """The built-in policy: production fails on missing configuration, every other environment tolerates it."""
    return Policy(env=env, config_fails=env in ("production", "prod"))


def decide(summary: Summary, policy: Policy, truncated: bool = False) -> Verdict:
    """Level, reasons and served-state from the folded findings and evidence."""
    served = _served(summary)
    by_class: dict[str, list[Finding]] = {}
    for f in summary.findings:
        by_class.setdefault(f.klass, []).append(f)
    regressions = by_class.get(REGRESSION, [])
    platform = by_class.get(PLATFORM, [])
    config = by_class.get(EXPECTED_CONFIG, [])
    deprecations = by_class.get(DEPRECATION, [])

    usable = sum(n for stream, n in summary.counts.by_stream if stream in _LOG_STREAMS)
    if summary.counts.records == 0 or (usable == 0 and summary.evidence.requests == 0):
        what = "No log entries" if summary.counts.records == 0 else "No application or system log entries"
        skipped = f" ({summary.counts.skipped} unreadable entries skipped)" if summary.counts.skipped else ""
        return Verdict(
            INCONCLUSIVE,
            (Reason(f"{what} to judge{skipped}: a revision without logs is never a PASS."),),
            served,
        )

    reasons: list[Reason] = []
    if regressions:
        reasons.append(_class_reason("code regression", regressions))
    if platform and (not config or regressions or policy.config_fails):
        reasons.append(_class_reason("platform failure", platform))
    if config and policy.config_fails:
        reasons.append(_class_reason(f"configuration gap, fatal in {policy.env}", config))
    if reasons:
        return Verdict(FAIL, tuple(reasons), served)

    if truncated:
        return Verdict(
            INCONCLUSIVE,
            (Reason("The read stopped early (a cap or a failed read), and nothing read so far proves a failure."),),
            served,
        )
    if config:
        reasons.append(_class_reason(f"configuration gap, tolerated in {policy.env}", config))
        if platform:
            reasons.append(_class_reason("platform failure explained by the missing configuration", platform))
        if deprecations:
            reasons.append(_class_reason("deprecation warning", deprecations))
        return Verdict(EXPECTED_CONFIG_LEVEL, tuple(reasons), served)
    if deprecations:
        return Verdict(WARN, (_class_reason("deprecation warning", deprecations),), served)
    return Verdict(PASS, (Reason("No regression, platform failure, configuration gap or deprecation found."),), served)


def _class_reason(what: str, findings: list[Finding]) -> Reason:
    ranked = sorted(findings, key=lambda f: (-f.count, f.signature))
    names = [f"{f.rule}" + (f" ({f.key})" if f.key else "") + f" x{f.count}" for f in ranked[:_REASONS_PER_CLASS]]
    more = f" and {len(ranked) - _REASONS_PER_CLASS} more" if len(ranked) > _REASONS_PER_CLASS else ""
    plural = "s" if len(ranked) != 1 else ""
    text = f"{len(ranked)} {what}{plural}: {', '.join(names)}{more}"
    return Reason(text, tuple(f.signature for f in ranked))


def _served(summary: Summary) -> Served:
    ev = summary.evidence
    evidence: list[str] = []
    started: bool | None = None
    if ev.started:
        started = True
        evidence.append(f"{ev.started} startup success signal(s) (probe succeeded or startup complete)")
    if ev.start_failed:
        started = started if started else False
        evidence.append(f"{ev.start_failed} startup failure signal(s) (probe failed or startup failed)")
    if ev.crashed:
        evidence.append(f"{ev.crashed} crash signal(s) (non-zero exit, signal, memory limit)")
    served: bool | None = None
    ok = ev.requests_ok + ev.served_lines
    if ok:
        served = True
        evidence.append(f"{ok} request(s) answered below 500")
    if ev.requests_5xx:
        evidence.append(f"{ev.requests_5xx} request(s) failed with 5xx or no answer")
        if not ok:
            served = False
    if ev.requests == 0 and not ev.served_lines:
        evidence.append("no request logs in the input")
    if started is None and served:
        started = True
    return Served(started=started, served=served, evidence=tuple(evidence))
