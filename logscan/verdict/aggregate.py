"""Fold classified events into findings, counts and evidence, one event at a time.

Memory holds one accumulator per signature (counts, first and last seen, one example), never the events, and
at most 2 x MAX_FINDINGS_PER_CLASS of them per class: past that the least frequent are folded into one counted
"other" finding of their class, and the report says how many were folded.
A finding whose first event came without a template (``classify(..., templates="needed")`` mines only
the events that need one) shows the template of that event alone (``cluster.template_of``), computed once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from logscan.classify.classify import extract_key
from logscan.classify.engine import Matcher
from logscan.classify.library import Library
from logscan.ingest.normalize import stream_of
from logscan.ingest.textless import Group
from logscan.model import (
    CLASSES,
    SEVERITIES,
    CauseChain,
    Classified,
    CountedEntries,
    Counts,
    EventClass,
    Evidence,
    Finding,
    Link,
    Occurrence,
    Record,
)
from logscan.redaction.redact import clip
from logscan.templates.causes import parse_causes
from logscan.templates.miner import Masker, template_of
from logscan.templates.signature import headline, templated
from logscan.verdict.tally import Tally

FINE_SPAN = timedelta(minutes=10)
"""A window this short or shorter also gets a per-second timeline (a crash loop lives seconds)."""
_MAX_INSTANCES = 20
MAX_FINDINGS_PER_CLASS = 500
"""Findings kept per class. Each distinct message can be a finding of ~2 KB: without a cap, a log of millions
of distinct lines takes gigabytes and writes a report of hundreds of megabytes."""
_LATEST = datetime.max.replace(tzinfo=UTC)
MAX_OCCURRENCES = 100_000
"""Timestamped non-noise events kept for linking symptoms to causes (verdict/chains.py); the rest are counted."""
_TRACE_HINTS = ('File "', "Traceback", "\tat ", "\n    at ", " ---> ", "[cause]:", "Caused by: ")
_EXAMPLE_CHARS = 4000
_UNLINKED = frozenset((EventClass.NOISE, EventClass.DEPRECATION))
"""Classes whose events are not linked into failure chains (no Occurrence)."""
_PerClass = dict[EventClass, int]
"""Events per class (of a minute, a second, the whole input)."""
_ONE_MINUTE = timedelta(minutes=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
"""severity_rank as a dict look-up (unknown names rank as DEFAULT, 0)."""


@dataclass(slots=True)
class _Acc:
    klass: EventClass
    rule: str
    signature: str
    key: str | None
    example: str
    template: str
    count: int = 0
    records: int = 0
    first: datetime | None = None
    last: datetime | None = None
    instances: set[str] = field(default_factory=set)
    severity: str = "DEFAULT"
    rank: int = 0
    causes: CauseChain | None = None
    root: Link | None = None


@dataclass(slots=True)
class _Minute:
    """One minute of the timeline: consecutive events mostly share it, so add() finds its counter and a
    timestamp's second with two comparisons instead of formatting a label and reading the clock."""

    start: datetime
    end: datetime
    epoch: int
    """Seconds since the epoch at start."""
    per_class: _PerClass


@dataclass(frozen=True)
class Summary:
    """Everything decide and render need, folded from the classified stream."""

    findings: tuple[Finding, ...]
    """One finding per signature, in first-seen order."""
    counts: Counts
    """Input and class counts."""
    evidence: Evidence
    """Start, crash and serving evidence."""
    window_start: datetime | None
    """Earliest timestamp seen."""
    window_end: datetime | None
    """Latest timestamp seen."""
    service: str | None
    """Most common service name."""
    revision: str | None
    """Most common revision name."""
    timeline: tuple[tuple[str, tuple[tuple[EventClass, int], ...]], ...]
    """Events per class per minute (UTC, ISO minute labels), sorted by minute."""
    notes: tuple[str, ...] = ()
    """What the run had to give up on while classifying (abandoned searches), for the report's provenance."""
    occurrences: tuple[Occurrence, ...] = ()
    """Timestamped non-noise, non-deprecation events in input order (at most MAX_OCCURRENCES)."""
    region: str | None = None
    """Most common Cloud Run region."""
    timeline_seconds: tuple[tuple[str, tuple[tuple[EventClass, int], ...]], ...] = ()
    """Events per class per second (ISO second labels), when every entry lies within FINE_SPAN of the first."""
    exited_at: datetime | None = None
    """When the platform first reported the container's end (a crash signal: exit, signal, OOM kill)."""
    content_digest: str = ""
    """Hex digest of the text of the records that named no revision (a paste): what identifies it."""


class Aggregator:
    """Streaming fold of classified events; call add() per event, then summary()."""

    def __init__(self, library: Library, max_findings: int = MAX_FINDINGS_PER_CLASS) -> None:
        self._max = max_findings
        self._kept: Counter[EventClass] = Counter()
        self._others: dict[EventClass, _Acc] = {}
        self._folded: Counter[EventClass] = Counter()
        self._signals = {
            rule.id: tuple(signal.replace("-", "_") for signal in rule.signals)
            for rule in library.rules
            if rule.signals
        }
        """Evidence counter names (started, start_failed, crashed, served) per rule that signals any."""
        self._rules = {rule.id: rule for rule in library.rules}
        self._config_symptoms = frozenset(rule.id for rule in library.rules if rule.config_symptom)
        self._accs: dict[str, _Acc] = {}
        self.tally = Tally()
        """Per-record counts (streams, services, revisions, regions, window, requests)."""
        self._classes = _per_class()
        self._timeline: dict[str, _PerClass] = {}
        self._minutes: dict[tuple[int, int, int, int, int], str] = {}
        self._masker = Masker(library.masks)
        self._library = library
        self._matcher: Matcher | None = None
        self._occurrences: list[Occurrence] = []
        self.occurrences_dropped = 0
        self._instance_names: dict[str, str] = {}
        """One string per instance id for the occurrences: each entry decodes its own copy of the id (over 100
        bytes in Cloud Run's), and 100,000 kept copies were most of what a large input's run held at its end."""
        self._evidence: dict[str, int] = {}
        self._seconds: dict[int, _PerClass] | None = {}
        self._now = _Minute(_LATEST, _LATEST, 0, _per_class())
        """The minute of the last timestamp add() read (none yet: nothing is in it)."""
        self._exited: datetime | None = None

    @property
    def events(self) -> int:
        """Events folded so far (every add counts one in its class)."""
        return sum(self._classes.values())

    def add_record(self, record: Record) -> None:
        """Count one input record (called by the pipeline as records stream past)."""
        self.tally.add_all((record,))

    def add_counted(self, batch: CountedEntries) -> None:
        """Fold entries counted where they live (sql/triage.py), as add_event would fold them one by one: each
        is an event of one record, of class noise. Those with text belong to the finding of their rule and key,
        which the first of them made (it was downloaded): call this after the events."""
        n = batch.entries
        self._classes[EventClass.NOISE] += n
        tally = self.tally
        stream = stream_of(batch.log_name)
        tally.count((stream, batch.service, batch.revision, batch.region), n)
        tally.truncated_lines += batch.truncated
        tally.absorb_window(batch.first, batch.last)
        if stream in ("requests", "other"):
            tally.requests += batch.requests
            tally.requests_ok += batch.requests_ok
        for signal in self._signals.get(batch.rule, ()):
            self._evidence[signal] = self._evidence.get(signal, 0) + n
            if signal == "crashed":
                self._exited = _earliest(self._exited, batch.first)
        if not batch.silent:
            self._count_in_finding(batch)

    def add_textless(self, item: Classified, group: Group) -> None:
        """Fold a group of events with no text counted where they were read (ingest/textless.py), as
        add_event would fold them one by one; item is the group's sample, classified as each of them would
        be. An event with no text makes no finding, occurrence or timeline entry: only its counts and
        the evidence its rule signals."""
        n = group.entries
        self._classes[item.klass] += n
        self.tally.add_group(group)
        signals = self._signals.get(item.rule)
        if signals:
            for signal in signals:
                self._evidence[signal] = self._evidence.get(signal, 0) + n
            if "crashed" in signals and group.first is not None:
                self._exited = _earliest(self._exited, group.first)

    def _count_in_finding(self, batch: CountedEntries) -> None:
        """add()'s share of counted entries with text: their finding, the timeline and the per-second one."""
        n = batch.entries
        signature = f"{batch.rule}:{batch.key}" if batch.key else batch.rule
        acc = self._accs.get(signature) or self._others.get(EventClass.NOISE)
        if acc is None:
            raise ValueError(f"counted entries of {signature} came without the first one of them")
        acc.count += n
        acc.records += n
        rank = _RANK.get(batch.severity, 0)
        if rank > acc.rank:
            acc.rank, acc.severity = rank, batch.severity
        acc.first = _earliest(acc.first, batch.first)
        acc.last = _latest(acc.last, batch.last)
        self._timeline.setdefault(self._minute(batch.minute), _per_class())[EventClass.NOISE] += n
        seconds = self._seconds
        if seconds is None:
            return
        if batch.second is None:
            self._seconds = None  # the revision's window is longer than FINE_SPAN: minutes will do
            return
        second = epoch_second(batch.second)
        if second not in seconds:
            if len(seconds) > FINE_SPAN.total_seconds():
                self._seconds = None
                return
            seconds[second] = _per_class()
        seconds[second][EventClass.NOISE] += n

    def add_event(self, item: Classified) -> None:
        """Count the event's records (add_record), then fold it (add): for a stream whose events hold every
        input record once, as join and single's do."""
        self.tally.add_all(item.event.records)
        self.add(item)

    def add(self, item: Classified) -> None:
        """Fold one classified event."""
        klass = item.klass
        self._classes[klass] += 1
        event = item.event
        records = event.records
        first = records[0]
        ts = first.timestamp
        signals = self._signals.get(item.rule)
        if signals:
            evidence = self._evidence
            for signal in signals:
                evidence[signal] = evidence.get(signal, 0) + 1
            if "crashed" in signals and ts is not None and (self._exited is None or ts < self._exited):
                self._exited = ts
        clean = event.clean
        if not clean or clean.isspace():
            return  # a request log or audit entry with no text: counted (and evidence), not a finding
        signature = item.signature
        acc = self._accs.get(signature)
        if acc is None:
            acc = self._new_acc(item)
        if ts is not None and klass not in _UNLINKED:
            if len(self._occurrences) < MAX_OCCURRENCES:
                instance = first.instance
                if instance is not None:
                    instance = self._instance_names.setdefault(instance, instance)
                self._occurrences.append(Occurrence(signature, instance, ts))
            else:
                self.occurrences_dropped += 1
        acc.count += 1
        acc.records += len(records)
        instances = acc.instances
        for record in records:
            severity = record.severity
            if severity != acc.severity:  # an equal name has an equal rank: no look-up
                rank = _RANK.get(severity, 0)
                if rank > acc.rank:
                    acc.rank = rank
                    acc.severity = severity
            if record.instance and len(instances) < _MAX_INSTANCES:
                instances.add(record.instance)
        if ts is None:
            return
        if acc.first is None or ts < acc.first:
            acc.first = ts
        if acc.last is None or ts > acc.last:
            acc.last = ts
        now = self._now
        if ts.tzinfo is UTC and now.start <= ts < now.end:
            per_class, second = now.per_class, now.epoch + ts.second
        else:
            per_class, second = self._moment(ts)
        per_class[klass] += 1
        seconds = self._seconds
        if seconds is not None:
            per_second = seconds.get(second)
            if per_second is None:
                if len(seconds) > FINE_SPAN.total_seconds():
                    self._seconds = None  # the window is longer than FINE_SPAN: minutes will do
                    return
                per_second = seconds[second] = _per_class()
            per_second[klass] += 1

    def _moment(self, ts: datetime) -> tuple[_PerClass, int]:
        """The timeline counter of a timestamp's minute and its second since the epoch. A UTC timestamp's
        minute becomes the one add() tries first, where ts.second gives the same second."""
        label = self._minute(ts)
        per_class = self._timeline.get(label)
        if per_class is None:
            per_class = self._timeline[label] = _per_class()
        second = epoch_second(ts)
        epoch = second - ts.second
        if ts.tzinfo is UTC:
            start = ts.replace(second=0, microsecond=0)
            end = start + _ONE_MINUTE if _LATEST - start >= _ONE_MINUTE else _LATEST  # datetime ends at 9999
            self._now = _Minute(start, end, epoch, per_class)
        return per_class, second

    def _new_acc(self, item: Classified) -> _Acc:
        """The accumulator of a signature seen for the first time (compacting its class when it is full)."""
        if self._kept[item.klass] >= 2 * self._max:
            self._compact(item.klass)
        self._kept[item.klass] += 1
        event = item.event
        acc = _Acc(
            klass=item.klass,
            rule=item.rule,
            signature=item.signature,
            key=item.key,
            example=clip(event.clean, _EXAMPLE_CHARS),  # redacted before it is cut
            template=item.template or (template_of(headline(event), self._masker) if event.clean else ""),
        )
        if any(hint in event.clean for hint in _TRACE_HINTS):
            acc.causes = parse_causes(event.clean)
            acc.root = self._root(acc.causes, item.signature, event.records[0].severity)
        self._accs[item.signature] = acc
        return acc

    def _compact(self, klass: EventClass) -> None:
        """Keep the class's max most frequent findings (earliest first among equals); fold the rest into its
        "other" finding. Run every max new signatures, so a finding that is frequent survives however late
        it starts."""
        mine = sorted(
            (a for a in self._accs.values() if a.klass == klass), key=lambda a: (-a.count, a.first or _LATEST)
        )
        for acc in mine[self._max :]:
            del self._accs[acc.signature]
            self._fold(acc)
        self._kept[klass] = min(len(mine), self._max)

    def _fold(self, acc: _Acc) -> None:
        other = self._others.get(acc.klass)
        if other is None:
            other = self._others[acc.klass] = _Acc(
                klass=acc.klass,
                rule="other",
                signature=f"other:{acc.klass}",
                key=None,
                example=acc.example,
                template=f"(less frequent {acc.klass} findings, folded)",
            )
        self._folded[acc.klass] += 1
        other.count += acc.count
        other.records += acc.records
        if acc.rank > other.rank:
            other.rank, other.severity = acc.rank, acc.severity
        other.instances.update(list(acc.instances)[: max(0, _MAX_INSTANCES - len(other.instances))])
        if acc.first is not None and (other.first is None or acc.first < other.first):
            other.first = acc.first
        if acc.last is not None and (other.last is None or acc.last > other.last):
            other.last = acc.last

    def _folded_notes(self) -> tuple[str, ...]:
        return tuple(
            f"findings: {self._folded[c]:,} less frequent {c} findings ({self._others[c].count:,} events) were "
            f"folded into one 'other' finding; the {self._max:,} most frequent are listed"
            for c in CLASSES
            if self._folded[c]
        )

    def _root(self, causes: CauseChain | None, signature: str, severity: str) -> Link | None:
        """The root cause's exception line as the library classifies it, when that names another finding."""
        if causes is None:
            return None
        root = causes.root
        line = f"{root.exception}: {root.message}" if root.message else root.exception
        if self._matcher is None:  # PlainMatcher's answers, but only candidate rules are tried (and compiled)
            self._matcher = Matcher(self._library)
        found = self._matcher.first(line, severity)
        if found is None or found[0].klass == EventClass.NOISE:
            return None
        rule = found[0]
        key = extract_key(rule, found[1])
        sig = f"{rule.id}:{key}" if key else templated(rule.id, template_of(line, self._masker))
        if sig == signature:
            return None
        return Link(klass=rule.klass, rule=rule.id, signature=sig, count=0, label=line[:200])

    def _minute(self, ts: datetime) -> str:
        """The ISO minute label of a timestamp (its own wall-clock fields, as strftime reads them)."""
        fields = (ts.year, ts.month, ts.day, ts.hour, ts.minute)
        label = self._minutes.get(fields)
        if label is None:
            label = self._minutes[fields] = ts.strftime("%Y-%m-%dT%H:%MZ")
        return label

    def absorb(self, other: Aggregator) -> None:
        """Fold in what another Aggregator of the same library folded (the entries of an input that named
        no revision, when the rest of it is one revision's)."""
        for sig, theirs in other._accs.items():
            acc = self._accs.get(sig)
            if acc is None:
                self._accs[sig] = theirs
                self._kept[theirs.klass] += 1  # summary() keeps the cap
                continue
            acc.count += theirs.count
            acc.records += theirs.records
            acc.first = _earliest(acc.first, theirs.first)
            acc.last = _latest(acc.last, theirs.last)
            acc.instances |= set(sorted(theirs.instances)[: max(0, _MAX_INSTANCES - len(acc.instances))])
            if theirs.rank > acc.rank:
                acc.rank, acc.severity = theirs.rank, theirs.severity
        for klass, folded in other._others.items():
            self._fold(folded)
            self._folded[klass] += other._folded[klass] - 1  # _fold counted the folded finding as one
        _add_counts(self._classes, other._classes)
        for signal, n in other._evidence.items():
            self._evidence[signal] = self._evidence.get(signal, 0) + n
        self.tally.absorb(other.tally)
        for minute, counter in other._timeline.items():
            _add_counts(self._timeline.setdefault(minute, _per_class()), counter)
        room = max(0, MAX_OCCURRENCES - len(self._occurrences))
        self._occurrences.extend(other._occurrences[:room])
        self.occurrences_dropped += other.occurrences_dropped + max(0, len(other._occurrences) - room)
        self._exited = _earliest(self._exited, other._exited)
        if self._seconds is not None and other._seconds is not None:
            for second, counter in other._seconds.items():
                _add_counts(self._seconds.setdefault(second, _per_class()), counter)
        else:
            self._seconds = None

    def _fine_timeline(self) -> tuple[tuple[str, tuple[tuple[EventClass, int], ...]], ...]:
        seconds = self._seconds
        start, end = self.tally.start, self.tally.end
        if not seconds or start is None or end is None or end - start > FINE_SPAN:
            return ()
        return tuple(
            (_second_label(second), tuple((c, counter.get(c, 0)) for c in CLASSES))
            for second, counter in sorted(seconds.items())
        )

    def summary(self, skipped: int) -> Summary:
        """The folded result; skipped is the sources' count of unreadable entries."""
        for klass in CLASSES:
            if self._kept[klass] > self._max:
                self._compact(klass)
        findings = tuple(
            Finding(
                klass=a.klass,
                rule=a.rule,
                signature=a.signature,
                key=a.key,
                count=a.count,
                records=a.records,
                first_seen=a.first,
                last_seen=a.last,
                instances=tuple(sorted(a.instances)),
                example=a.example,
                template=a.template,
                hint=rule.hint if (rule := self._rules.get(a.rule)) else "",
                description=rule.description if rule else "",
                config_symptom=a.rule in self._config_symptoms,
                severity=a.severity,
                causes=a.causes,
                root=a.root,
            )
            for a in (*self._accs.values(), *self._others.values())
        )
        tally = self.tally
        counts = Counts(
            records=tally.records,
            events=self.events,
            skipped=skipped,
            truncated_lines=tally.truncated_lines,
            by_stream=tuple(sorted(tally.by(0).items())),
            by_class=tuple((c, self._classes.get(c, 0)) for c in CLASSES),
        )
        ev = self._evidence
        evidence = Evidence(
            started=ev.get("started", 0),
            start_failed=ev.get("start_failed", 0),
            crashed=ev.get("crashed", 0),
            requests=tally.requests,
            requests_ok=tally.requests_ok,
            requests_5xx=tally.requests - tally.requests_ok,
            served_lines=ev.get("served", 0),
        )
        timeline = tuple(
            (minute, tuple((c, counter.get(c, 0)) for c in CLASSES))
            for minute, counter in sorted(self._timeline.items())
        )
        return Summary(
            findings=findings,
            counts=counts,
            evidence=evidence,
            window_start=tally.start,
            window_end=tally.end,
            service=_most_common(tally.by(1)),
            revision=_most_common(tally.by(2)),
            timeline=timeline,
            occurrences=tuple(self._occurrences),
            region=_most_common(tally.by(3)),
            notes=(
                *self._folded_notes(),
                *(
                    (
                        f"chains: {self.occurrences_dropped} events past the first {MAX_OCCURRENCES:,} not linked",
                    )
                    if self.occurrences_dropped
                    else ()
                ),
            ),
            timeline_seconds=self._fine_timeline(),
            exited_at=self._exited,
            content_digest=tally.content_digest(),
        )


def _per_class() -> _PerClass:
    """Counts per class, every class present: a plain dict's `+=` is about twice as fast as a Counter's."""
    return dict.fromkeys(CLASSES, 0)


def _add_counts(into: _PerClass, counts: _PerClass) -> None:
    for klass, n in counts.items():
        into[klass] += n


def epoch_second(ts: datetime) -> int:
    """The whole second since the epoch that a timestamp lies in (a naive one read as UTC, as its minute
    label is). Integer arithmetic: int(ts.timestamp()) goes through a float, which rounds the last
    microseconds of 9999-12-31 into a year datetime cannot hold, and truncates toward zero before 1970."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return (ts - _EPOCH) // _ONE_SECOND


def _second_label(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _most_common(counter: Counter[str]) -> str | None:
    if not counter:
        return None
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)
