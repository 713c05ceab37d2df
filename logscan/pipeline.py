"""Run the stages in order: source -> normalize -> join -> classify -> aggregate -> decide -> assemble."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from logscan import __version__
from logscan.classify.classify import classify
from logscan.classify.engine import Matcher
from logscan.classify.library import Library, load_library
from logscan.config import Config
from logscan.ingest.join import MAX_GAP, join, single
from logscan.ingest.normalize import normalize
from logscan.ingest.reader import GC_THRESHOLD, events
from logscan.ingest.stream import EventStream
from logscan.model import (
    Chain,
    Classified,
    Comparison,
    ComparisonStatus,
    Provenance,
    Record,
    Report,
    SourceInfo,
    Suppression,
    Verdict,
)
from logscan.report.assemble import assemble
from logscan.sources import EntrySource, RawEntry
from logscan.verdict.aggregate import Aggregator, Summary
from logscan.verdict.chains import build_chains, compare_chains
from logscan.verdict.compare import compare
from logscan.verdict.decide import decide
from logscan.verdict.policy.settings import Policy, builtin_policy
from logscan.verdict.policy.suppress import apply_suppressions


def classify_stream(
    sources: Sequence[EntrySource], config: Config, library: Library | None = None
) -> Iterator[Classified]:
    """Classified events of the sources, in input order, each with its mined template."""
    lib = library if library is not None else load_library(config.patterns_dir)
    with events(sources, config) as stream:
        yield from classify(stream, lib)


def summarize(stream: EventStream, library: Library) -> Summary:
    """Classify and fold every event of the stream into one Summary (templates mined only where needed).

    The stream is read to its end (its skip tallies go into the counts); closing it is the caller's.
    """
    acc = Aggregator(library)
    matcher = Matcher(library)
    with _fewer_collections():
        for item in classify(stream, library, templates="needed", matcher=matcher):
            acc.add_event(item)  # every record is in exactly one event
    summary = acc.summary(stream.skipped)
    if matcher.timeouts:
        retired = (
            f"; rules retired for the rest of the run: {', '.join(sorted(matcher.disabled))}"
            if matcher.disabled
            else ""
        )
        note = f"matching: {matcher.timeouts} rule searches abandoned on the time bound{retired}"
        summary = replace(summary, notes=(*summary.notes, note))
    return summary


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
) -> Report:
    """The whole job: read every event of the stream and return the decided, assembled Report.

    stream: the target's events (``events(sources, config)``, started as early as the caller likes); it is
    read to its end and closed here.

    baseline: the sources of the revision to compare with (None: no comparison). policy: the environment's
    policy (None: the built-in policy of config.env); policy_note says where its file came from, for the
    report's provenance.
    """
    with stream:
        lib = library if library is not None else load_library(config.patterns_dir)
        info = info or SourceInfo()
        policy = policy if policy is not None else builtin_policy(config.env)
        summary = summarize(stream, lib)
    comparison: Comparison | None = None
    base_chains: tuple[Chain, ...] | None = None
    if baseline is not None:
        with events(baseline, config) as base_stream:
            base = summarize(base_stream, lib)
        summary, comparison = compare(summary, base, base_stream.names)
        if comparison.status != ComparisonStatus.INCONCLUSIVE:
            base_chains = build_chains(base, lib)
        if baseline_info is not None and baseline_info.notes:
            comparison = replace(comparison, notes=(*comparison.notes, *baseline_info.notes))
        if baseline_info is not None and baseline_info.truncated:
            comparison = replace(
                comparison,
                notes=(*comparison.notes, "The baseline read stopped early: its counts are a lower bound."),
            )
    summary, verdict, stale = judge(summary, policy, config, info.truncated, comparison, lib, base_chains)
    provenance = Provenance(
        version=config.version or __version__,
        patterns_hash=lib.digest,
        generated_at=config.now or datetime.now(UTC),
        sources=stream.names,
        window_start=info.window_start or summary.window_start,
        window_end=info.window_end or summary.window_end,
        filter=info.filter,
        logs_explorer_url=info.logs_explorer_url,
        env=policy.env,
        truncated=info.truncated,
        redacted=config.redact,
        skipped_detail=(*stream.skip_detail, *summary.notes),
        policy=policy_note or policy.source,
    )
    return assemble(summary, verdict, provenance, comparison=comparison, stale_suppressions=stale)


def judge(
    summary: Summary,
    policy: Policy,
    config: Config,
    truncated: bool = False,
    comparison: Comparison | None = None,
    library: Library | None = None,
    base_chains: tuple[Chain, ...] | None = None,
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
    verdict = decide(summary, policy, truncated=truncated, comparison=comparison, chains=chains)
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
