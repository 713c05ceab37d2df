"""Failure chains: the platform's symptoms linked to the application events that preceded them, down to the
root cause.

Per instance, the timestamped events (``Summary.occurrences``) fall into episodes: an episode collects an
instance's failures until the platform reports a symptom (a probe failed, an exit code, a signal, an OOM
kill, Ready False); the next application event after a symptom, or five minutes of silence, starts the
next one. A platform entry without an instance id (a revision-level message, a request that never reached
an instance) joins the episode that was last active within a minute before it. Each episode that ends in
a symptom gives one chain: its root cause, then what followed (the chained exceptions inside the event
that carried the root, the application's own failure lines, the platform's symptoms, in time order).
Episodes with the same root fold into one Chain, counted once per episode.

The root of an episode: an exit the platform explains by itself (memory limit, signal, image) is its own
root; else the last event that carried an exception chain, whose root cause it is; else the first
application failure (an ERROR, or a missing setting) of the episode. A finding with chained exceptions
that ended in no symptom (a request handler's) is a chain of its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntEnum

from logscan.classify.library import Library
from logscan.model import (
    Chain,
    EventClass,
    Finding,
    FindingStatus,
    Link,
    Occurrence,
    severity_rank,
)
from logscan.verdict.aggregate import Summary
from logscan.verdict.fixes import apply_fix, label

EPISODE_GAP = timedelta(minutes=5)
"""Silence on an instance longer than this ends its episode."""
ATTACH = timedelta(minutes=1)
"""An entry without an instance id joins the episode last active within this before it."""
MAX_INSTANCES = 20
_ERROR = severity_rank("ERROR")

SELF_EXPLAINED = frozenset(
    {
        "memory-limit-exceeded",
        "instance-terminated-memory",
        "uncaught-signal",
        "exec-format-error",
        "image-not-found",
        "container-import-failed",
    }
)
"""Platform symptoms that name their own cause: the application lines before them did not cause them."""

OUTCOMES = ("did not start", "crashed", "failed")
"""What a chain did to the revision, most severe first."""


class Tier(IntEnum):
    """Where an event stands between cause and symptom."""

    CAUSE = 0
    """An exception, a missing setting, an application error."""
    APP_SYMPTOM = 1
    """The application's own report that it gave up (worker failed to boot, startup failed)."""
    PLATFORM = 2
    """Cloud Run's report of what happened to the instance."""


@dataclass
class _Episode:
    instance: str | None
    items: list[tuple[Occurrence, Tier]] = field(default_factory=list)
    last: datetime | None = None
    symptom: bool = False
    closed: bool = False

    def add(self, occurrence: Occurrence, tier: Tier) -> None:
        self.items.append((occurrence, tier))
        self.last = occurrence.timestamp
        self.symptom = self.symptom or tier > Tier.CAUSE
        self.closed = self.closed or tier == Tier.PLATFORM


@dataclass
class _Fold:
    """Episodes with one root, being folded into a Chain."""

    root: Link
    host: str
    count: int = 0
    links: dict[str, tuple[float, Link]] = field(default_factory=dict)
    seen: Counter[str] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None
    instances: set[str] = field(default_factory=set)


def build_chains(summary: Summary, library: Library) -> tuple[Chain, ...]:
    """The revision's failure chains, most severe first (see the module's docstring)."""
    findings = {f.signature: f for f in summary.findings}
    signals = {rule.id: rule.signals for rule in library.rules}
    tiers = {sig: _tier(f, signals.get(f.rule, ())) for sig, f in findings.items()}
    folds: dict[str, _Fold] = {}
    roots: dict[str, Link] = {}
    for episode in _episodes(summary.occurrences, tiers):
        if episode.symptom:
            _fold(episode, findings, folds, roots)
    linked = {sig for fold in folds.values() for sig in (fold.host, *fold.links)}
    for f in summary.findings:
        if f.signature not in linked and f.klass in (EventClass.REGRESSION, EventClass.EXPECTED_CONFIG):
            _fold_alone(f, findings, folds)
    chains = [_chain(fold, findings, signals, summary) for fold in folds.values()]
    chains.sort(key=lambda c: (OUTCOMES.index(c.outcome), -c.count, c.root.signature))
    return tuple(chains)


def _fold_alone(f: Finding, findings: dict[str, Finding], folds: dict[str, _Fold]) -> None:
    """A finding with chained exceptions that ended in no symptom (a request handler's) is a chain of its own."""
    if f.causes is None or len(f.causes.causes) < 2:
        return
    root = _root_of(f, findings)
    fold = folds.setdefault(root.signature, _Fold(root=root, host=f.signature))
    fold.count += f.count
    _add_exceptions(fold, f, 0.0, root)
    fold.seen[f.signature] += f.count
    fold.first, fold.last = f.first_seen, f.last_seen
    fold.instances.update(f.instances)


def _tier(f: Finding, signals: tuple[str, ...]) -> Tier:
    if f.klass == EventClass.PLATFORM:
        return Tier.PLATFORM
    giving_up = f.config_symptom or set(signals) & {"start-failed", "crashed"}
    if f.klass == EventClass.REGRESSION and f.causes is None and giving_up:
        return Tier.APP_SYMPTOM
    return Tier.CAUSE


def _episodes(occurrences: tuple[Occurrence, ...], tiers: dict[str, Tier]) -> list[_Episode]:
    episodes: list[_Episode] = []
    open_by_instance: dict[str, _Episode] = {}
    for o in sorted(occurrences, key=lambda o: o.timestamp):
        tier = tiers.get(o.signature)
        if tier is None:
            continue
        if o.instance is None:
            recent = [e for e in episodes if e.last is not None and o.timestamp - e.last <= ATTACH]
            episode = max(recent, key=lambda e: e.last or o.timestamp) if recent else None
            if episode is None:
                episode = _Episode(None)
                episodes.append(episode)
        else:
            episode = open_by_instance.get(o.instance)
            stale = (
                episode is not None and episode.last is not None and o.timestamp - episode.last > EPISODE_GAP
            )
            if episode is None or stale or (tier < Tier.PLATFORM and episode.closed):
                episode = open_by_instance[o.instance] = _Episode(o.instance)
                episodes.append(episode)
        episode.add(o, tier)
    return episodes


def _fold(
    episode: _Episode, findings: dict[str, Finding], folds: dict[str, _Fold], roots: dict[str, Link]
) -> None:
    """Add an episode to the fold of its root cause; roots remembers each host's root (a crash loop repeats
    one host in thousands of episodes, and finding its root reads its whole exception chain)."""
    items = episode.items
    causes = [o for o, t in items if t == Tier.CAUSE]
    rest = [(o, t) for o, t in items if t > Tier.CAUSE]
    explained = next((o for o, _ in rest if findings[o.signature].rule in SELF_EXPLAINED), None)
    carrier: Occurrence | None = None
    if explained is not None:
        start = explained
        causes = []
    elif causes:
        traced = [o for o in causes if findings[o.signature].causes is not None]
        if traced:
            carrier = traced[-1]
        else:
            carrier = next((o for o in causes if _severe(findings[o.signature])), causes[-1])
        start = carrier
    else:
        start = rest[0][0]
    host = findings[start.signature]
    root = roots.get(host.signature)
    if root is None:
        root = roots[host.signature] = _root_of(host, findings)
    fold = folds.get(root.signature)
    if fold is None:
        fold = folds[root.signature] = _Fold(root=root, host=host.signature)
    fold.count += 1
    position = 0.0
    if carrier is not None:
        position = _add_exceptions(fold, host, position, root)
        after = causes[causes.index(carrier) + 1 :]
        for o in after:
            f = findings[o.signature]
            if f.klass == EventClass.REGRESSION and o.signature != host.signature:
                position += 1
                _add_link(fold, f, position)
    for o, _ in rest:
        if o.signature != start.signature:
            position += 1
            _add_link(fold, findings[o.signature], position)
    for o, _ in items:
        if o is start or o.signature in fold.links or o.signature in (host.signature, root.signature):
            fold.seen[o.signature] += 1
        if o.instance:
            fold.instances.add(o.instance)
        if fold.first is None or o.timestamp < fold.first:
            fold.first = o.timestamp
        if fold.last is None or o.timestamp > fold.last:
            fold.last = o.timestamp


def _severe(f: Finding) -> bool:
    return f.klass == EventClass.EXPECTED_CONFIG or severity_rank(f.severity) >= _ERROR


def _root_of(host: Finding, findings: dict[str, Finding]) -> Link:
    """The root cause of a host finding: its chained exceptions' root as the library classifies it (unless
    the host's own rule already names it by key), or the host itself."""
    if host.root is not None and (host.key is None or host.root.signature in findings):
        return replace(host.root, label=label(host, root=True))
    return Link(host.klass, host.rule, host.signature, 0, label(host, root=True))


def _add_exceptions(fold: _Fold, host: Finding, position: float, root: Link) -> float:
    """The exceptions the root's exception turned into, inside the host's event (a repeated type once);
    a host whose root is another signature and holds one exception is a link in its own words."""
    if host.causes is None:
        return position
    names: list[str] = []
    for cause in host.causes.causes[1:]:
        if not names or names[-1] != cause.short:
            names.append(cause.short)
    if not names and root.signature != host.signature:
        position += 1
        if host.signature not in fold.links:  # labelled once, not on every episode
            fold.links[host.signature] = (
                position,
                Link(host.klass, host.rule, host.signature, 0, label(host)),
            )
        return position
    for i, name in enumerate(names):
        position += 1
        key = host.signature if i == len(names) - 1 else f"{host.signature}#{i}"
        if key not in fold.links:
            fold.links[key] = (
                position,
                Link(host.klass, host.rule, host.signature, 0, label(host, exception=name)),
            )
    return position


def _add_link(fold: _Fold, f: Finding, position: float) -> None:
    if f.signature in fold.links or f.signature == fold.root.signature:
        return
    fold.links[f.signature] = (position, Link(f.klass, f.rule, f.signature, 0, label(f)))


def _chain(
    fold: _Fold, findings: dict[str, Finding], signals: dict[str, tuple[str, ...]], summary: Summary
) -> Chain:
    ordered = sorted(fold.links.items(), key=lambda kv: kv[1][0])
    links = tuple(replace(link, count=fold.seen.get(link.signature, 0)) for _, (_, link) in ordered)
    root = replace(fold.root, count=fold.seen.get(fold.host, 0) or fold.count)
    rules = {root.rule, *(link.rule for link in links), findings[fold.host].rule}
    flags = {s for rule in rules for s in signals.get(rule, ())}
    outcome = "did not start" if "start-failed" in flags else "crashed" if "crashed" in flags else "failed"
    chain = Chain(
        root=root,
        links=links,
        count=fold.count,
        outcome=outcome,
        first_seen=fold.first,
        last_seen=fold.last,
        instances=tuple(sorted(fold.instances))[:MAX_INSTANCES],
        fix="",
        command=None,
    )
    return apply_fix(chain, findings[fold.host], summary)


def chain_members(chains: tuple[Chain, ...]) -> dict[str, Chain]:
    """Each signature that belongs to a chain, with the first (most severe) chain it belongs to."""
    members: dict[str, Chain] = {}
    for chain in chains:
        for sig in chain.signatures:
            members.setdefault(sig, chain)
    return members


def compare_chains(target: tuple[Chain, ...], baseline: tuple[Chain, ...]) -> tuple[Chain, ...]:
    """Each target chain new (its root cause is not the root of a baseline chain) or persisting."""
    before: dict[str, int] = defaultdict(int)
    for chain in baseline:
        before[chain.root.signature] += chain.count
    return tuple(
        replace(c, status=FindingStatus.PERSISTING, baseline_count=before[c.root.signature])
        if c.root.signature in before
        else replace(c, status=FindingStatus.NEW, baseline_count=0)
        for c in target
    )
