"""A failure chain as the verdict states it: one line from root cause to symptom, the evidence folded under it."""

from __future__ import annotations

from datetime import datetime

from logscan.model import Chain, FindingStatus, Link, Reason

ARROW = " -> "


IMPLIED = {
    "gunicorn-worker-exited-code": "gunicorn-worker-boot-failed",
    "gunicorn-master-shutdown-error": "gunicorn-worker-boot-failed",
}
"""Links the line leaves out when the link they are part of is in the chain (the JSON keeps them)."""


def chain_line(chain: Chain) -> str:
    """``did not start: <root> -> <link> -> ... -> <symptom>``, with its status against a baseline."""
    rules = {link.rule for link in chain.links}
    words: list[str] = [chain.root.label]
    for link in chain.links:
        if IMPLIED.get(link.rule) in rules:
            continue
        if link.label != words[-1]:
            words.append(link.label)
    text = f"{chain.outcome}: {ARROW.join(words)}"
    if chain.status == FindingStatus.NEW:
        text += " (first seen in this revision)"
    elif chain.status == FindingStatus.PERSISTING:
        text += f" (also in the baseline, {chain.baseline_count or 0}x there)"
    return text


def chain_reason(chain: Chain, policy: tuple[str, ...] = (), notes: tuple[str, ...] = ()) -> Reason:
    """The chain as a verdict reason: its line, and under it the counts, links, fix, command and policy."""
    times = "1 time" if chain.count == 1 else f"{chain.count:,} times"
    where = len(chain.instances)
    instances = f", on {where} instance{'s' if where != 1 else ''}" if where else ""
    evidence = [f"{times}, first seen {_ts(chain.first_seen)}, last seen {_ts(chain.last_seen)}{instances}"]
    counted = [f"{chain.root.signature} x{chain.root.count} (root)"]
    counted += [f"{link.signature} x{link.count}" for link in _distinct(chain)]
    evidence.append("signatures: " + ", ".join(counted))
    if chain.fix:
        evidence.append(f"fix: {chain.fix}")
    if chain.command:
        evidence.append(f"command: {chain.command}")
    evidence.extend(notes)
    if policy:
        evidence.append(f"policy: {'; '.join(policy)}")
    return Reason(chain_line(chain), chain.signatures, policy, tuple(evidence))


def _distinct(chain: Chain) -> list[Link]:
    seen = {chain.root.signature}
    out: list[Link] = []
    for link in chain.links:
        if link.signature not in seen:
            seen.add(link.signature)
            out.append(link)
    return out


def _ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "unknown"


def lead_reasons(
    chains: tuple[Chain, ...],
    failing: dict[str, str],
    explained: set[str],
    tolerated_refs: tuple[str, ...],
    explained_note: str,
    persisting: tuple[set[str], tuple[str, ...]] = (set(), ()),
) -> tuple[list[Reason], list[Reason], list[Reason], set[str]]:
    """The chain lines of a verdict: those holding a failing finding (failing maps its signature to the
    policy line that made it fail), those holding a failure a tolerated gap explains, and those holding a
    failure the baseline also had (persisting: their signatures and policy lines); and every signature
    those chains hold, which the per-class reasons then leave out."""
    fails: list[Reason] = []
    explains: list[Reason] = []
    persists: list[Reason] = []
    members: set[str] = set()
    for chain in chains:
        sigs = set(chain.signatures)
        refs = tuple(dict.fromkeys(failing[s] for s in chain.signatures if s in failing))
        if refs:
            fails.append(chain_reason(chain, refs))
        elif sigs & explained:
            explains.append(chain_reason(chain, tolerated_refs, (explained_note,)))
        elif sigs & persisting[0]:
            note = "also in the baseline at a similar rate: not this deploy's regression"
            persists.append(chain_reason(chain, persisting[1], (note,)))
        else:
            continue
        members |= sigs
    return fails, explains, persists, members
