"""Classify events with the pattern library: class, rule, extracted key, signature and template.

Templates are mined (``cluster.TemplateMiner``) for every event with ``templates="all"`` (``logscan
classify``: each output line carries its template), or with ``templates="needed"`` (triage) only for
the events that need one: unclaimed events (the report lists their templates, and signs them by their
template unless they hold a traceback) and keyless matches of the non-noise classes that are not
tracebacks (signed by their template, see ``signature.py``). The other events carry an empty template;
``aggregate`` shows a finding's template computed once from its first event (``cluster.template_of``).
Which events are mined shapes the templates, so the two modes can give an unclaimed message different
templates (and signatures) when claimed messages of the same shape sit beside it; each mode is
deterministic. Events with no text (request logs) are neither matched nor mined: their answer depends
on their severity alone and is computed once per severity.

A mined template can still generalize after an event was mined (the fourth user name turns ``Invalid
user bob`` into ``Invalid user <*>``), so events wait in a bounded look-ahead window (``LOOKAHEAD_EVENTS``
events or ``LOOKAHEAD_CHARS`` characters of text, whichever comes first) and take their cluster's
template when they leave it. Within the window every member of a template shows the same text; a
template that generalizes later than that shows two texts in one run. Events that need no template
pass through the window already finished, so that the output keeps the input order. Memory holds the
window, never the input.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Final, Literal, NamedTuple

from logscan.classify import memo
from logscan.classify.engine import CACHE_MAX_CHARS, RANKS, Matcher, PlainMatcher
from logscan.classify.library import Library, Rule
from logscan.model import Classified, Event, EventClass, Raised
from logscan.templates.exception import raised
from logscan.templates.miner import Cluster, Masker, TemplateMiner
from logscan.templates.signature import Signer, headline, templated

UNCLAIMED = "unclaimed"
"""Rule id of events that no rule claimed and that do not look like a problem."""

LOOKAHEAD_EVENTS = 4096
"""Events mined ahead of the one being emitted."""
LOOKAHEAD_CHARS = 16 * 1024 * 1024
"""Characters of event text held in the look-ahead window at most."""

Templates = Literal["all", "needed"]
"""Which events are mined into templates: every one, or those whose signature needs one."""
TEMPLATE_MODES: Final = ("all", "needed")

ANSWER_CACHE = 16_384
"""Distinct (text, severity) answers remembered, in two generations of this many: when the newer is full it
becomes the older one and the older one is forgotten, and an answer found in the older one moves to the
newer, so the texts that keep coming stay. Half the messages of a typical export repeat an earlier one
exactly, and a crash loop repeats a handful thousands of times. On the 1M-entry generated export the
matcher is asked 344,913 times, where forgetting everything at once asked it 361,315 times
(``benchmarks/bench_triage.py --sizes 1000000 --forms jsonl --stages`` counts them)."""

_new = object.__new__
"""Classified values are built as normalize builds a Record: every field set through the instance dict,
without the frozen dataclass's per-field setattr (one per input event)."""


class _Answer(NamedTuple):
    """What a text at a severity is: every part of its classification that depends on nothing else."""

    klass: EventClass
    rule: str
    key: str | None
    signature: str | None
    """None: made from the template once the event leaves the look-ahead window."""
    raised: Raised | None
    """The exception the text reports (None for noise and for events with no text)."""
    line: str | None
    """The line to mine into a template; None when no template is needed."""
    fields: dict[str, Any] | None
    """A Classified's fields, its event left None, when no template is needed (else None): copied per event."""


def _answered(
    klass: EventClass,
    rule: str,
    key: str | None,
    signature: str | None,
    raised: Raised | None,
    line: str | None,
) -> _Answer:
    fields = None
    if line is None:
        fields = {
            "event": None,
            "klass": klass,
            "rule": rule,
            "key": key,
            "signature": signature,
            "template": "",
            "raised": raised,
        }
    return _Answer(klass, rule, key, signature, raised, line, fields)


class _Pending(NamedTuple):
    """A mined event waiting in the look-ahead window for its cluster's final template."""

    event: Event
    answer: _Answer
    cluster: Cluster


def classify(
    events: Iterable[Event],
    library: Library,
    lookahead: int = LOOKAHEAD_EVENTS,
    templates: Templates = "all",
    matcher: PlainMatcher | None = None,
) -> Iterator[Classified]:
    """Each event with the first rule that claims it, its signature and its template, in input order.

    matcher: the engine to use (default: a new Matcher); pass one to read its timeout counts afterwards.
    templates: "all" mines every event (each Classified carries its template); "needed" mines only
    unclaimed events and those whose signature is made from their template, and leaves the others'
    template empty.
    """
    if templates not in TEMPLATE_MODES:
        raise ValueError(f"templates must be one of {', '.join(TEMPLATE_MODES)}, not {templates!r}")
    mine_all = templates == "all"
    lookahead = max(lookahead, 0)  # the window below pops while it holds more than this
    matcher = matcher if matcher is not None else Matcher(library)
    masker = Masker(library.masks, _mask_literals)
    memo.shared().save()
    miner = TemplateMiner(masker)
    signer = Signer(masker)
    silent: dict[str, _Answer] = {}
    answers: dict[str, dict[str, _Answer]] = {}
    older: dict[str, dict[str, _Answer]] = {}
    """The answers remembered before the last time ``answers`` filled up: one found there moves back."""
    cached = 0
    window: deque[_Pending | Classified] = deque()
    sizes: deque[int] = deque()
    """The length of each text in the window: read back without touching the event it left long ago."""
    held = 0
    for event in events:
        text = event.clean
        records = event.records
        severity = records[0].severity if len(records) == 1 else event_severity(event)
        if not text:
            found = silent.get(severity)
            if found is None:
                found = silent[severity] = _silent(matcher, signer, event, severity)
        else:
            known = answers.get(severity)
            found = known.get(text) if known is not None else None
            if found is None:
                known = older.get(severity)
                found = known.get(text) if known is not None else None
                if found is None:
                    found = _answer(matcher, signer, event, severity, mine_all)
                if len(text) <= CACHE_MAX_CHARS:  # longer texts are matched every time, as Matcher does
                    if cached >= ANSWER_CACHE:
                        older, answers, cached = answers, {}, 0
                    answers.setdefault(severity, {})[text] = found
                    cached += 1
        item: _Pending | Classified
        fields = found.fields
        if fields is not None:
            item = _new(Classified)
            slots = item.__dict__
            slots.update(fields)
            slots["event"] = event
            if not window:
                yield item
                continue
        else:
            assert found.line is not None
            item = _Pending(event, found, miner.add(found.line))
        window.append(item)
        size = len(text)
        sizes.append(size)
        held += size
        while len(window) > lookahead or held > LOOKAHEAD_CHARS:
            done = window.popleft()
            held -= sizes.popleft()
            yield done if isinstance(done, Classified) else _finish(done)
    while window:
        done = window.popleft()
        yield done if isinstance(done, Classified) else _finish(done)


def _mask_literals(pattern: str, flags: int) -> tuple[str, ...] | None:
    """Strings one of which every match of a mask holds (prefilter.py's analysis, remembered between runs)."""
    need, _ = memo.shared().analysis(pattern, flags)
    return None if need is None or need.folded else tuple(need.strings)


def _silent(matcher: PlainMatcher, signer: Signer, event: Event, severity: str) -> _Answer:
    """The answer for an event with no text (the same for every such event of a severity): always signed,
    nothing to mine."""
    found = matcher.uncached("", severity)
    if found is None:
        return _answered(EventClass.NOISE, UNCLAIMED, None, templated(UNCLAIMED, ""), None, None)
    rule = found[0]
    key = extract_key(rule, found[1])
    fixed = signer.fixed(event, rule.id, key, noise=rule.klass == EventClass.NOISE)
    signature = fixed if fixed is not None else templated(rule.id, "")
    return _answered(rule.klass, rule.id, key, signature, None, None)


def _answer(matcher: PlainMatcher, signer: Signer, event: Event, severity: str, mine_all: bool) -> _Answer:
    """What an event's text at a severity is: every part of its classification that depends on nothing else."""
    text = event.clean
    found = matcher.uncached(text, severity)
    if found is None:
        klass, rule_id, key = EventClass.NOISE, UNCLAIMED, None
        fixed = signer.fixed(event, rule_id, key)
    else:
        rule = found[0]
        klass, rule_id, key = rule.klass, rule.id, extract_key(rule, found[1])
        fixed = signer.fixed(event, rule_id, key, noise=klass == EventClass.NOISE)
    exception = raised(text, _mask_literals) if klass != EventClass.NOISE else None
    line = headline(event) if mine_all or rule_id == UNCLAIMED or fixed is None else None
    assert line is not None or fixed is not None  # an event whose signature needs a template is mined
    return _answered(klass, rule_id, key, fixed, exception, line)


def _finish(item: _Pending) -> Classified:
    answer = item.answer
    template = item.cluster.template()
    done = _new(Classified)
    done.__dict__.update(
        event=item.event,
        klass=answer.klass,
        rule=answer.rule,
        key=answer.key,
        signature=answer.signature if answer.signature is not None else templated(answer.rule, template),
        template=template,
        raised=answer.raised,
    )
    return done


def extract_key(rule: Rule, match: Any) -> str | None:
    """The rule's key group (several: the matched ones joined by ":"), or the first named group that matched."""
    if isinstance(rule.key_group, tuple):
        values = [str(v) for v in (match.group(g) for g in rule.key_groups) if v]
        return ":".join(values) or None
    for name in rule.key_groups:
        value = match.group(name)
        if value:
            return str(value)
    return None


def event_severity(event: Event) -> str:
    """The severity the rules see for an event: its records' highest (the first of the highest)."""
    records = event.records
    if len(records) == 1:
        return records[0].severity
    return max([r.severity for r in records], key=_rank)


def _rank(severity: str) -> int:
    return RANKS.get(severity, 0)
