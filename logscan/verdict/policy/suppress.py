"""Suppressions: reading one [[suppressions]] table, and marking a run's findings with those that match.

A suppression accepts findings of one signature or one rule id until its expiry date. Reading and applying
sit together so its whole meaning (docs/policy.md, "Suppressions") is in one place.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import regex

from logscan.errors import PolicyError
from logscan.model import Finding, Suppression
from logscan.verdict.policy.lines import Lines
from logscan.verdict.policy.settings import Policy
from logscan.verdict.policy.values import as_names, as_table, no_unknown_keys

SIGNATURE = r"(?P<rule>[A-Za-z0-9][A-Za-z0-9._-]*)(?::\S|\Z)"
"""How every signature starts: the rule id that claimed the event, then a colon and its detail (or nothing).
The patterns here are compiled when a policy with suppressions is read (regex's cache keeps them), not by
every run."""
_INVISIBLE = r"[\p{Cf}\p{Cc}]"
_SUPPRESSION_KEYS = ("rule", "signature", "reason", "owner", "issue", "expires", "environments")


def read_suppression(
    item: Any, index: int, lines: Lines, environments: Mapping[str, Any]
) -> tuple[tuple[str, ...], Suppression]:
    """Check the index-th [[suppressions]] table: the environments it is limited to (empty: all) and the Suppression."""
    at: tuple[str | int, ...] = ("suppressions", index)
    table = as_table(item, at, lines)
    no_unknown_keys(table, _SUPPRESSION_KEYS, at, lines)
    rule, signature = table.get("rule"), table.get("signature")
    if (rule is None) == (signature is None):
        raise lines.error(
            at, 'give exactly one of rule = "<rule id>" or signature = "<signature>" to say what it accepts.'
        )
    key = "rule" if rule is not None else "signature"
    if not isinstance(rule if rule is not None else signature, str) or not (rule or signature or "").strip():
        raise lines.error((*at, key), "must be a non-empty string (a rule id, or a signature from a report).")
    _well_formed(key, str(rule if rule is not None else signature).strip(), (*at, key), lines)
    texts = {}
    for field_name, hint in (
        ("reason", "why the finding is accepted"),
        ("owner", "who answers for it"),
        ("issue", "a link to the issue that tracks the fix"),
    ):
        value = table.get(field_name)
        if not isinstance(value, str) or not value.strip():
            raise lines.error((*at, field_name), f"is required: a non-empty string saying {hint}.")
        texts[field_name] = value.strip()
    expires = table.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, date) or hasattr(expires, "hour"):
        raise lines.error(
            (*at, "expires"), "is required: a date such as expires = 2026-03-31 (the last day it applies)."
        )
    envs: tuple[str, ...] = ()
    if "environments" in table:
        envs = as_names(table["environments"], (*at, "environments"), lines)
        unknown = [e for e in envs if e not in environments]
        if unknown:
            raise lines.error(
                (*at, "environments"),
                f"{unknown[0]!r} is not an environment of this file (environments: {', '.join(environments)}).",
            )
    suppression = Suppression(
        rule=rule.strip() if isinstance(rule, str) else None,
        signature=signature.strip() if isinstance(signature, str) else None,
        reason=texts["reason"],
        owner=texts["owner"],
        issue=texts["issue"],
        expires=expires,
        where=lines.where(at),
    )
    return envs, suppression


def _well_formed(key: str, text: str, at: tuple[str | int, ...], lines: Lines) -> None:
    """A rule id or signature as a report prints it: no invisible characters (a copy from rendered text
    can carry them), and a signature starts with a rule id and a colon."""
    hidden = regex.search(_INVISIBLE, text)
    if hidden:
        raise lines.error(
            at,
            f"{key} {text!r} holds an invisible character (U+{ord(hidden.group(0)):04X}). "
            "Copy it from a report's code span, or type it.",
        )
    if key == "signature" and not regex.match(SIGNATURE, text):
        raise lines.error(
            at,
            f"signature {text!r} is not a signature (RULE:DETAIL, as a report shows it). "
            "Copy it from a report's code span.",
        )


def check_rule_ids(suppressions: Iterable[Suppression], rule_ids: Collection[str]) -> None:
    """Raise PolicyError at the first suppression whose rule id (or its signature's rule id) the pattern
    library does not have: it could never match, and a typo would otherwise pass as merely stale."""
    for s in suppressions:
        if s.rule is not None and s.rule not in rule_ids:
            raise PolicyError(
                f"{s.where}: suppressions: rule {s.rule!r} is not a rule of the pattern library. "
                "Copy the rule id from a report (logscan patterns test lists the library)."
            )
        found = regex.match(SIGNATURE, s.signature or "")
        if found and found.group("rule") not in rule_ids:
            raise PolicyError(
                f"{s.where}: suppressions: signature {s.signature!r} starts with {found.group('rule')!r}, "
                "which is not a rule of the pattern library. Copy it from a report's code span."
            )


def apply_suppressions(
    findings: Iterable[Finding], policy: Policy, today: date
) -> tuple[tuple[Finding, ...], tuple[Suppression, ...]]:
    """Mark each finding with the suppression that matches it (signature first, then rule id) and list the stale ones.

    A matching suppression past its expiry date stays on the finding with expired=True, and the finding counts
    again. A suppression that matched no finding of the run is stale.
    """
    current = tuple(replace(s, expired=today > s.expires) for s in policy.suppressions)
    by_signature = {s.signature: s for s in reversed(current) if s.signature}
    by_rule: dict[str, list[Suppression]] = {}
    for s in current:
        if s.rule:
            by_rule.setdefault(s.rule, []).append(s)
    used: set[int] = set()
    out = []
    for f in findings:
        match = by_signature.get(f.signature)
        if match is None or match.expired:
            candidates = by_rule.get(f.rule, [])
            active = [s for s in candidates if not s.expired]
            if active or (match is None and candidates):
                match = (active or candidates)[0]
        if match is None:
            out.append(f)
            continue
        used.add(id(match))
        out.append(replace(f, suppression=match, suppressed=not match.expired))
    stale = tuple(s for s in current if id(s) not in used)
    return tuple(out), stale
