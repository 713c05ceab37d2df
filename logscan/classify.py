"""Classify events with the pattern library: class, rule, extracted key, signature and template."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .engine import Matcher
from .library import Library, Rule
from .model import NOISE, Classified, Event
from .signature import Signer

UNCLAIMED = "unclaimed"
"""Rule id of events that no rule claimed and that do not look like a problem."""


def classify(events: Iterable[Event], library: Library) -> Iterator[Classified]:
    """Each event with the first rule that claims it; unclaimed routine events are noise."""
    matcher = Matcher(library)
    signer = Signer(library)
    for event in events:
        found = matcher.first(event.clean, _event_severity(event))
        if found is None:
            template = signer.template(event)
            yield Classified(
                event=event,
                klass=NOISE,
                rule=UNCLAIMED,
                key=None,
                signature=signer.sign(event, UNCLAIMED, None, template),
                template=template,
            )
            continue
        rule, match = found
        key = extract_key(rule, match)
        template = signer.template(event)
        yield Classified(
            event=event,
            klass=rule.klass,
            rule=rule.id,
            key=key,
            signature=signer.sign(event, rule.id, key, template),
            template=template,
        )


def extract_key(rule: Rule, match: Any) -> str | None:
    """The rule's key group, or the first named group that matched."""
    if rule.key_group:
        value = match.group(rule.key_group)
        return str(value) if value else None
    for name in rule.compiled.groupindex:
        value = match.group(name)
        if value:
            return str(value)
    return None


def _event_severity(event: Event) -> str:
    from .model import severity_rank

    return max((r.severity for r in event.records), key=severity_rank)
