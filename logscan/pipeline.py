"""Run the stages in order: source -> normalize -> join -> classify -> aggregate -> decide -> assemble."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from logscan import __version__
from logscan.classify.classify import UNCLAIMED, classify
from logscan.classify.engine import Matcher
from logscan.classify.hints import MatchHints
from logscan.classify.library import Library, load_library
from logscan.config import Config
from logscan.errors import InputError
from logscan.ingest.join import MAX_GAP, join, single
from logscan.ingest.normalize import normalize
from logscan.ingest.order import in_input_order
from logscan.ingest.reader import GC_THRESHOLD, events
from logscan.ingest.stream import EventStream, Skips
from logscan.ingest.textless import FOLDED, Textless
from logscan.model import (
    Chain,
    Classified,
    Comparison,
    ComparisonStatus,
    CountedEntries,
    Provenance,
    Record,
    Report,
    SourceInfo,
    Subject,
    Suppression,
    Verdict,
)
from logscan.report.assemble import assemble
from logscan.sources import EntrySource, RawEntry
from logscan.sources.reading import stop_reason
from logscan.verdict.aggregate import Aggregator, Summary
from logscan.verdict.chains import build_chains, compare_chains
from logscan.verdict.compare import compare
from logscan.verdict.decide import decide
from logscan.verdict.floor import under_floor
from logscan.verdict.policy.settings import Policy, builtin_policy
from logscan.verdict.policy.suppress import apply_suppressions, check_rule_ids

Progress = Callable[[int], None]
"""Called now and then with the count of entries read so far."""
_PROGRESS_EVERY = 2048
"""Events between two progress calls."""


def classify_stream(
    sources: Sequence[EntrySource], config: Config, library: Library | None = None
) -> Iterator[Classified]:
    """Classified events of the sources, in input order, each with its mined template."""
    lib = library if library is not None else load_library(config.patterns_dir)
    with events(sources, config) as stream:
        yield from in_input_order(classify(stream, lib), lambda item: item.event)


def summarize(stream: EventStream, library: Library, counted: Sequence[CountedEntries] = ()) -> Summary:
    """Classify and fold every event of the stream into one Summary (templates mined only where needed).

    The stream is read to its end (its skip tallies go into the counts); closing it is the caller's.
    counted: entries an engine counted where they live instead of downloading them (sql/triage.py).
    """
    return _fold(stream, library, by_subject=False, counted=counted)[0][1]


def summarize_subjects(
    stream: EventStream,
    library: Library,
    progress: Progress | None = None,
    counted: Sequence[CountedEntries] = (),
    hints: MatchHints | None = None,
) -> list[tuple[Subject, Summary]]:
    """One Summary per service and revision the entries name, sorted by them: an export of several
    revisions is never judged as one. Entries that name no revision count with the revision when the
    others name one only, and form a subject of their own beside several.

    hints: the annotator the stream was opened with (``events(..., hints)``), whose matches to use."""
    return _fold(stream, library, by_subject=True, progress=progress, counted=counted, hints=hints)


def _fold(
    stream: EventStream,
    library: Library,
    *,
    by_subject: bool,
    progress: Progress | None = None,
    counted: Sequence[CountedEntries] = (),
    hints: MatchHints | None = None,
) -> list[tuple[Subject, Summary]]:
    accs = _Subjects(library)
    matcher = hints.matcher(library) if hints is not None else Matcher(library)
    read = 0
    service: str | None = None
    revision: str | None = None
    add: Callable[[Classified], None] | None = None  # the last subject's: consecutive events mostly share it
    with _fewer_collections():
        for n, item in enumerate(classify(stream, library, templates="needed", matcher=matcher)):
            event = item.event
            if event is not FOLDED:  # counted in stream.textless, added below
                if by_subject:
                    first = event.records[0]
                    if add is None or first.service != service or first.revision != revision:
                        service, revision = first.service, first.revision
                        add = accs[(service, revision)].add_event
                elif add is None:
                    add = accs[(None, None)].add_event
                add(item)  # every record is in exactly one event
            if progress is not None:
                read += len(event.records)
                if n % _PROGRESS_EVERY == 0:
                    progress(read)
    if progress is not None:
        progress(read)
    if stream.textless is not None:
        _add_textless(accs, stream.textless, library, matcher, by_subject)
    _add_counted(accs, counted, by_subject)
    unnamed = [key for key in accs if key[1] is None]
    named = [key for key in accs if key[1] is not None]
    if len(named) == 1 and unnamed:  # entries without labels (audit logs, damaged ones) of one revision
        for key in unnamed:
            accs[named[0]].absorb(accs.pop(key))
    if not accs:
        accs[(None, None)] = Aggregator(library)
    notes: tuple[str, ...] = ()
    if matcher.timeouts:
        retired = (
            f"; rules retired for the rest of the run: {', '.join(sorted(matcher.disabled))}"
            if matcher.disabled
            else ""
        )
        notes = (f"matching: {matcher.timeouts} rule searches abandoned on the time bound{retired}",)
    skipped = stream.skipped  # unreadable entries cannot say whose they were: every subject is told
    summaries = []
    for key in sorted(accs, key=lambda k: (k[0] or "", k[1] or "")):
        summary = accs[key].summary(skipped)
        summaries.append((Subject(*key), replace(summary, notes=(*summary.notes, *notes))))
    return summaries


class _Subjects(dict[tuple[str | None, str | None], Aggregator]):
    """The Aggregator of each subject, (service, revision) or (None, None), made when the subject first comes."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library

    def __missing__(self, subject: tuple[str | None, str | None]) -> Aggregator:
        acc = self[subject] = Aggregator(self._library)
        return acc


def _add_textless(
    accs: _Subjects,
    textless: Textless,
    library: Library,
    matcher: Matcher,
    by_subject: bool,
) -> None:
    """Fold the events with no text that reading counted (ingest/textless.py) into their subject's
    Aggregator: each group's sample is classified as every event of the group would be (by severity)."""
    groups = list(textless.groups())
    samples = classify((g.sample for g in groups), library, templates="needed", matcher=matcher)
    for group, item in zip(groups, samples, strict=True):
        record = group.sample.records[0]
        where = (record.service, record.revision) if by_subject else (None, None)
        accs[where].add_textless(item, group)


def _add_counted(
    accs: _Subjects,
    counted: Sequence[CountedEntries],
    by_subject: bool,
) -> None:
    """Fold the entries an engine counted into their subject's Aggregator, after the events (the first
    entry of each counted kind is among those, and makes its finding)."""
    for batch in counted:
        where = (batch.service, batch.revision) if by_subject else (None, None)
        accs[where].add_counted(batch)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector every GC_THRESHOLD allocations instead of every 700 (restored after).

    The reader decodes a few thousand entries at a time, and they stay alive until the stages have
    consumed them: at the default threshold the collector ran about 800 times per 100k entries, each
    time scanning those live batches again, which cost 15-20% of triage. The stages free what they
    build by reference counting, so a higher threshold changes when cycles would be collected, not
    how much memory the fold holds. What was built before (modules, the compiled library) is frozen
    for the duration, so that the collections that do run do not scan it again.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def triage(
    stream: EventStream,
    config: Config,
    library: Library | None = None,
    info: SourceInfo | None = None,
    *,
    baseline: Sequence[EntrySource] | None = None,
    baseline_info: SourceInfo | None = None,
    policy: Policy | None = None,
    policy_note: str | None = None,
    revision: str | None = None,
    progress: Progress | None = None,
    counted: Sequence[CountedEntries] = (),
    hints: MatchHints | None = None,
) -> Report:
    """The whole job for an input of one revision: read the stream, return the decided, assembled Report.
    An input of several revisions is an InputError (triage_all reports each; revision= selects one)."""
    reports = triage_all(
        stream,
        config,
        library,
        info,
        baseline=baseline,
        baseline_info=baseline_info,
        policy=policy,
        policy_note=policy_note,
        revision=revision,
        progress=progress,
        counted=counted,
        hints=hints,
    )
    if len(reports) > 1:
        names = ", ".join(r.revision or "(no revision)" for r in reports)
        raise InputError(
            f"{', '.join(stream.names)}: holds {len(reports)} revisions ({names}). "
            "Pass one of them to --revision."
        )
    return reports[0]


def triage_all(
    stream: EventStream,
    config: Config,
    library: Library | None = None,
    info: SourceInfo | None = None,
    *,
    baseline: Sequence[EntrySource] | None = None,
    baseline_info: SourceInfo | None = None,
    policy: Policy | None = None,
    policy_note: str | None = None,
    revision: str | None = None,
    progress: Progress | None = None,
    counted: Sequence[CountedEntries] = (),
    hints: MatchHints | None = None,
) -> tuple[Report, ...]:
    """The whole job: read every event of the stream and return one decided, assembled Report per service
    and revision the entries name (sorted by them), or only revision's when given.

    stream: the target's events (``events(sources, config)``, started as early as the caller likes); it is
    read to its end and closed here.

    baseline: the sources of the revision to compare with (None: no comparison). policy: the environment's
    policy (None: the built-in policy of config.env); policy_note says where its file came from, for the
    report's provenance. progress: called now and then with the count of entries read. hints: the
    annotator the stream was opened with, when it was (classify/hints.py: rules matched in the reader
    process).
    """
    with stream:
        lib = library if library is not None else load_library(config.patterns_dir)
        subjects = summarize_subjects(stream, lib, progress, counted, hints)
    if revision is not None:
        chosen = [(s, summary) for s, summary in subjects if s.revision == revision]
        if not chosen:
            held = ", ".join(s.revision or "(no revision)" for s, _ in subjects)
            raise InputError(
                f"{', '.join(stream.names)}: no entries of revision {revision}; it holds {held}. "
                "Pass one of them to --revision."
            )
        subjects = chosen
    policy = policy if policy is not None else builtin_policy(config.env)
    if policy.suppressions:
        check_rule_ids(policy.suppressions, {*(rule.id for rule in lib.rules), UNCLAIMED})
    base = None
    if baseline is not None:
        with events(baseline, config, fold=True) as base_stream:
            base_summary = summarize(base_stream, lib)
            base = _Baseline(base_summary, base_stream.names, baseline_info, build_chains(base_summary, lib))
    run = _Run(stream.names, stream.skips, stream.skip_detail, config, lib, info or SourceInfo(), policy)
    return tuple(_report(summary, run, policy_note, base) for _, summary in subjects)


@dataclass(frozen=True)
class _Baseline:
    summary: Summary
    names: tuple[str, ...]
    info: SourceInfo | None
    chains: tuple[Chain, ...]


@dataclass(frozen=True)
class _Run:
    """What every subject's report of one run shares."""

    names: tuple[str, ...]
    skips: tuple[Skips, ...]
    skip_detail: tuple[str, ...]
    config: Config
    lib: Library
    info: SourceInfo
    policy: Policy


def _report(summary: Summary, run: _Run, policy_note: str | None, base: _Baseline | None) -> Report:
    """One subject's report: the comparison with the baseline, the policy, the verdict and provenance."""
    config, info, policy = run.config, run.info, run.policy
    comparison: Comparison | None = None
    base_chains: tuple[Chain, ...] | None = None
    if base is not None:
        summary, comparison = compare(summary, base.summary, base.names)
        if comparison.status != ComparisonStatus.INCONCLUSIVE:
            base_chains = base.chains
        if base.info is not None and base.info.notes:
            comparison = replace(comparison, notes=(*comparison.notes, *base.info.notes))
        if base.info is not None and base.info.truncated:
            comparison = replace(
                comparison,
                notes=(*comparison.notes, "The baseline read stopped early: its counts are a lower bound."),
            )
    stopped = _stopped(run.skips, summary.counts.records)
    truncated = info.truncated or stopped is not None
    summary, verdict, stale = judge(
        summary, policy, config, truncated, comparison, run.lib, base_chains, stopped=stopped
    )
    verdict = replace(verdict, served=under_floor(verdict.served, info.severity))
    provenance = Provenance(
        version=config.version or __version__,
        patterns_hash=run.lib.digest,
        generated_at=config.now or datetime.now(UTC),
        sources=run.names,
        window_start=info.window_start or summary.window_start,
        window_end=info.window_end or summary.window_end,
        filter=info.filter,
        logs_explorer_url=info.logs_explorer_url,
        env=policy.env,
        truncated=truncated,
        redacted=config.redact,
        skipped_detail=(*run.skip_detail, *summary.notes),
        policy=policy_note or policy.source,
        engine=info.engine,
        query=info.query,
        bytes_processed=info.bytes_processed,
        rows_downloaded=info.rows_downloaded,
        entries_counted=info.entries_counted,
    )
    return assemble(summary, verdict, provenance, comparison=comparison, stale_suppressions=stale)


def _stopped(skips: tuple[Skips, ...], records: int) -> str | None:
    """Why a source's read stopped before its end and how much was read, for the verdict; None if none did."""
    for source in skips:
        why = stop_reason(source.reasons)
        if why is not None:
            read = f"{records:,} entr{'y was' if records == 1 else 'ies were'} read"
            return (
                f"The read of {source.source} stopped early ({why}): {read}, and whatever the file held "
                "after the cut is lost; nothing read proves a failure."
            )
    return None


def judge(
    summary: Summary,
    policy: Policy,
    config: Config,
    truncated: bool = False,
    comparison: Comparison | None = None,
    library: Library | None = None,
    base_chains: tuple[Chain, ...] | None = None,
    stopped: str | None = None,
) -> tuple[Summary, Verdict, tuple[Suppression, ...]]:
    """Apply the policy's suppressions, link the failure chains (with the library; against the baseline's
    chains when given) and decide: the summary as judged, the verdict and the stale suppressions."""
    stale: tuple[Suppression, ...] = ()
    if policy.suppressions:
        today = (config.now or datetime.now(UTC)).date()
        findings, stale = apply_suppressions(summary.findings, policy, today)
        summary = replace(summary, findings=findings)
    chains = build_chains(summary, library) if library is not None else ()
    if base_chains is not None:
        chains = compare_chains(chains, base_chains)
    verdict = decide(
        summary, policy, truncated=truncated, comparison=comparison, chains=chains, stopped=stopped
    )
    return summary, verdict, stale


class LiveFold:
    """triage's stages fed batch by batch as entries arrive (logscan watch): normalize, join, classify and
    the same Aggregator, whose verdict can be asked for between batches.

    Each batch runs through join and classify to its end, so nothing waits inside them between batches.
    A split traceback must not be cut at a batch's end, so the records within join's MAX_GAP of the
    newest one are held back for the next batch, unless ``flush`` says that none is coming (a quiet poll).
    The final report is triage's own run over every entry read, not this fold.
    """

    def __init__(self, name: str, config: Config, library: Library, policy: Policy) -> None:
        self.name = name
        self._config = config
        self._library = library
        self._policy = policy
        self._acc = Aggregator(library)
        self._matcher = Matcher(library)
        self._held: list[Record] = []
        self._index = 0

    @property
    def entries(self) -> int:
        """Entries received so far (fed or held back)."""
        return self._index

    def feed(self, raw: Iterable[RawEntry], flush: bool = False) -> None:
        """Fold a batch of raw entries (in ascending time); ``flush`` also folds the held-back tail."""
        pending = self._held
        for entry in raw:
            pending.append(normalize(entry, self._index, self.name, self._config.max_line_chars))
            self._index += 1
        self._held = []
        stamps = [r.timestamp for r in pending if r.timestamp is not None]
        if not flush and stamps:
            cut = max(stamps) - MAX_GAP
            self._held = [r for r in pending if r.timestamp is not None and r.timestamp >= cut]
            pending = [r for r in pending if r.timestamp is None or r.timestamp < cut]
        if not pending:
            return
        stream = join(pending) if self._config.join else single(pending)
        for item in classify(stream, self._library, templates="needed", matcher=self._matcher):
            self._acc.add_event(item)

    def judge(self) -> tuple[Summary, Verdict]:
        """The summary and the verdict of what was fed so far, under the policy, as triage decides them."""
        summary, verdict, _stale = judge(
            self._acc.summary(0), self._policy, self._config, library=self._library
        )
        return summary, verdict
