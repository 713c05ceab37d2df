"""Classify events with the pattern library: class, rule, extracted key, signature and template.

Every event, claimed by a rule or not, is mined into a template (``cluster.TemplateMiner``). A mined
template can still generalize after an event was mined (the fourth user name turns ``Invalid user bob``
into ``Invalid user <*>``), so events wait in a bounded look-ahead window (``LOOKAHEAD_EVENTS`` events or
``LOOKAHEAD_CHARS`` characters of text, whichever comes first) and take their cluster's template when
they leave it. Within the window every member of a template shows the same text; a template that
generalizes later than that shows two texts in one run. Memory holds the window, never the input.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from .cluster import Cluster, TemplateMiner, masker_for
from .engine import Matcher
from .library import Library, Rule
from .model import NOISE, Classified, Event, severity_rank
from .signature import Signer, headline

UNCLAIMED = "unclaimed"
"""Rule id of events that no rule claimed and that do not look like a problem."""

LOOKAHEAD_EVENTS = 4096
"""Events mined ahead of the one being emitted."""
LOOKAHEAD_CHARS = 16 * 1024 * 1024
"""Characters of event text held in the look-ahead window at most."""


def classify(
    events: Iterable[Event],
    library: Library,
    lookahead: int = LOOKAHEAD_EVENTS,
) -> Iterator[Classified]:
    """Each event with the first rule that claims it, its mined template and its signature, in input order."""
    matcher = Matcher(library)
    masker = masker_for(library)
    miner = TemplateMiner(masker)
    signer = Signer(masker)
    window: deque[tuple[Event, Rule | None, str | None, Cluster]] = deque()
    held = 0
    for event in events:
        found = matcher.first(event.clean, _event_severity(event))
        rule, key = (found[0], extract_key(found[0], found[1])) if found is not None else (None, None)
        window.append((event, rule, key, miner.add(headline(event))))
        held += len(event.clean)
        while window and (len(window) > lookahead or held > LOOKAHEAD_CHARS):
            item = window.popleft()
            held -= len(item[0].clean)
            yield _finish(signer, *item)
    while window:
        yield _finish(signer, *window.popleft())


def _finish(signer: Signer, event: Event, rule: Rule | None, key: str | None, cluster: Cluster) -> Classified:
    template = cluster.template()
    rule_id = rule.id if rule is not None else UNCLAIMED
    return Classified(
        event=event,
        klass=rule.klass if rule is not None else NOISE,
        rule=rule_id,
        key=key,
        signature=signer.sign(event, rule_id, key, template),
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
    return max((r.severity for r in event.records), key=severity_rank)
