"""Assemble the Report: findings sorted by importance, next steps, unclaimed templates with rule stubs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath

from logscan.classify.classify import UNCLAIMED
from logscan.model import (
    Chain,
    Comparison,
    EventClass,
    Finding,
    FindingStatus,
    Level,
    Link,
    Provenance,
    Report,
    Suppression,
    Template,
    Verdict,
)
from logscan.templates.miner import rule_stubs
from logscan.verdict.aggregate import Summary
from logscan.verdict.fixes import setting_names, settings_command

IMPORTANCE = (
    EventClass.REGRESSION,
    EventClass.PLATFORM,
    EventClass.EXPECTED_CONFIG,
    EventClass.DEPRECATION,
    EventClass.NOISE,
)
"""Order of classes in reports and in cutting to size: most important first."""
_TOP_TEMPLATES = 10


def assemble(
    summary: Summary,
    verdict: Verdict,
    provenance: Provenance,
    *,
    comparison: Comparison | None = None,
    stale_suppressions: tuple[Suppression, ...] = (),
) -> Report:
    """The Report a renderer displays, with everything decided and sorted.

    Suppressed findings sort after the others of their class: a renderer shows them folded.
    """
    findings = tuple(sorted(fold_chains(summary.findings, verdict.chains), key=importance_key))
    return Report(
        service=summary.service,
        revision=summary.revision,
        verdict=verdict,
        findings=findings,
        counts=summary.counts,
        provenance=provenance,
        templates=_templates(findings),
        next_steps=_next_steps(findings, verdict, stale_suppressions, summary),
        timeline=summary.timeline,
        timeline_seconds=summary.timeline_seconds,
        exited_at=summary.exited_at,
        comparison=comparison,
        stale_suppressions=stale_suppressions,
        subject_digest=subject_digest(summary, provenance),
    )


def fold_chains(findings: Iterable[Finding], chains: tuple[Chain, ...]) -> tuple[Finding, ...]:
    """One finding per failure: a chain's links fold into the finding of its root cause as its context.

    The host is the finding with the root's signature, or else the one whose event carried the root (its
    chained exceptions); a link that belongs to several chains is context in each, listed under none.
    """
    by_sig = {f.signature: f for f in findings}
    hosts: dict[str, list[Link]] = {}
    folded: set[str] = set()
    for chain in chains:
        host = next((s for s in chain.signatures if s in by_sig), None)
        if host is None:
            continue
        context = hosts.setdefault(host, [])
        for link in (chain.root, *chain.links):
            if link.signature != host and link.signature in by_sig:
                folded.add(link.signature)
            if link.signature != host and link not in context:
                context.append(link)
    out = []
    for f in findings:
        if f.signature in hosts:
            out.append(replace(f, context=tuple(hosts[f.signature])))
        elif f.signature not in folded:
            out.append(f)
    return tuple(out)


def subject_digest(summary: Summary, provenance: Provenance) -> str:
    """12 hex digits naming a report whose entries name no service or revision: its sources' file names
    (not their folders: the same paste is the same subject wherever it is read) and the text of those
    entries ("" when service and revision are both known)."""
    if summary.service and summary.revision:
        return ""
    names = "\n".join(PurePath(name).name for name in provenance.sources)
    digest = hashlib.sha256(names.encode("utf-8", "replace"))
    digest.update(summary.content_digest.encode())
    return digest.hexdigest()[:12]


def importance_key(finding: Finding) -> tuple[int, bool, int, int, str]:
    """Sort key: class importance, unsuppressed first, new before persisting, most frequent, then signature."""
    persisting = finding.status == FindingStatus.PERSISTING
    return (
        IMPORTANCE.index(finding.klass),
        finding.suppressed,
        persisting,
        -finding.count,
        finding.signature,
    )


def status_text(finding: Finding) -> str:
    """How a finding compares with the baseline, in words for every report format ("" without a baseline)."""
    if finding.status == FindingStatus.NEW:
        return "new since the baseline"
    if finding.status == FindingStatus.PERSISTING:
        growth = f", rate ×{finding.rate_growth:.1f}" if finding.rate_growth is not None else ""
        return f"persisting: {finding.baseline_count or 0:,} in the baseline, {finding.count:,} now{growth}"
    return ""


def instances_text(finding: Finding) -> str:
    """How many container instances logged a finding; a paste names none, so that is unknown, not 0."""
    n = len(finding.instances)
    if n == 0:
        return "instances unknown"
    return f"{n:,} instance" + ("" if n == 1 else "s")


def _templates(findings: Iterable[Finding]) -> tuple[Template, ...]:
    unclaimed = [f for f in findings if f.rule == UNCLAIMED]
    unclaimed.sort(key=lambda f: (-f.count, f.template))
    top = unclaimed[:_TOP_TEMPLATES]
    stubs = rule_stubs([(f.template, f.example) for f in top])
    return tuple(
        Template(template=f.template, count=f.count, example=f.example, rule_stub=stub)
        for f, stub in zip(top, stubs, strict=True)
    )


def _next_steps(
    findings: tuple[Finding, ...],
    verdict: Verdict,
    stale: tuple[Suppression, ...] = (),
    summary: Summary | None = None,
) -> tuple[str, ...]:
    """Expired and stale suppressions, each chain's fix (with its command), every missing setting in one
    step with one command, then the hints of the findings no chain or setting step covers."""
    steps: list[str] = []
    seen: set[str] = set()
    for f in findings:
        if f.suppression is not None and f.suppression.expired:
            s = f.suppression
            steps.append(
                f"{f.signature}: its suppression ({s.where}, {s.owner}, {s.issue}) expired on "
                f"{s.expires.isoformat()}; fix it, or renew the suppression with a new date."
            )
    for s in stale:
        steps.append(
            f"{s.where}: the suppression of {s.signature or s.rule} matched nothing in this run; remove it."
        )
    covered: set[str] = set()
    for chain in verdict.chains:
        if chain.fix and chain.fix not in seen:
            seen.add(chain.fix)
            command = f" Run: {chain.command}" if chain.command else ""
            steps.append(f"{chain.root.label}: {chain.fix}{command}")
        covered.update(chain.signatures)
    names = setting_names(findings)
    service, region = (summary.service, summary.region) if summary else (None, None)
    setting = settings_command(names, service, region)
    if names and setting and not any(setting in step for step in steps):
        steps.append(f"Set every missing setting at once ({', '.join(names)}): {setting}")
    if names:
        covered.update(
            f.signature for f in findings if f.klass == EventClass.EXPECTED_CONFIG and setting_names([f])
        )
    explained = verdict.level == Level.EXPECTED_CONFIG
    # When missing configuration explains the failures, fixing it is the first step; the symptoms follow.
    ordered = (
        sorted(findings, key=lambda f: not (explained and f.klass == EventClass.EXPECTED_CONFIG))
        if explained
        else findings
    )
    for f in ordered:
        if (
            f.klass == EventClass.NOISE
            or f.suppressed
            or not f.hint
            or f.hint in seen
            or f.signature in covered
        ):
            continue
        seen.add(f.hint)
        subject = f"{f.rule}" + (f" ({f.key})" if f.key else "")
        steps.append(f"{subject}: {f.hint}")
        if len(steps) >= 10:
            break
    if verdict.level == Level.INCONCLUSIVE:
        steps.insert(
            0,
            "Check the revision name and the time window; list revisions with: "
            "gcloud run revisions list --service SERVICE --region REGION",
        )
    if not steps:
        steps.append("Nothing to do: attach this report to the deploy issue.")
    return tuple(steps)


def engine_line(p: Provenance) -> str:
    """What an engine did before the download (--engine bigquery), in one line; empty for a local run."""
    if not p.engine:
        return ""
    return (
        f"classified in {p.engine}: {p.bytes_processed or 0:,} bytes processed, {p.rows_downloaded or 0:,} "
        f"entries downloaded, {p.entries_counted or 0:,} counted in the query (the JSON report holds the query)"
    )
