"""Run the stages in order: source -> normalize -> join -> classify -> aggregate -> decide -> assemble."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from . import __version__
from .aggregate import Aggregator
from .classify import classify
from .config import Config
from .decide import decide, policy_for
from .join import join, single
from .library import Library, load_library
from .model import Classified, Provenance, Record, Report
from .normalize import normalize
from .report import assemble
from .sources import EntrySource


@dataclass(frozen=True)
class SourceInfo:
    """What a fetching source knows beyond its entries (filter, window, whether it stopped early)."""

    filter: str | None = None
    """The Cloud Logging filter."""
    logs_explorer_url: str | None = None
    """A Logs Explorer link for the same query."""
    window_start: datetime | None = None
    """Requested window start."""
    window_end: datetime | None = None
    """Requested window end."""
    truncated: bool = False
    """The read stopped early."""


def records(sources: Sequence[EntrySource], config: Config) -> Iterator[Record]:
    """Normalized records of all sources in order, indexed from 0."""
    index = 0
    for source in sources:
        for raw in source.entries():
            yield normalize(raw, index, source.name, config.max_line_chars)
            index += 1


def classify_stream(
    sources: Sequence[EntrySource], config: Config, library: Library | None = None
) -> Iterator[Classified]:
    """Classified events of the sources, in input order."""
    lib = library if library is not None else load_library(config.patterns_dir)
    stream = records(sources, config)
    events = join(stream) if config.join else single(stream)
    yield from classify(events, lib)


def triage(
    sources: Sequence[EntrySource],
    config: Config,
    library: Library | None = None,
    info: SourceInfo | None = None,
) -> Report:
    """The whole job: read every source and return the decided, assembled Report."""
    lib = library if library is not None else load_library(config.patterns_dir)
    info = info or SourceInfo()
    acc = Aggregator(lib)

    def counted() -> Iterator[Record]:
        for record in records(sources, config):
            acc.add_record(record)
            yield record

    events = join(counted()) if config.join else single(counted())
    for item in classify(events, lib):
        acc.add(item)
    skipped = sum(s.skipped for s in sources)
    summary = acc.summary(skipped)
    verdict = decide(summary, policy_for(config.env), truncated=info.truncated)
    provenance = Provenance(
        version=config.version or __version__,
        patterns_hash=lib.digest,
        generated_at=config.now or datetime.now(UTC),
        sources=tuple(s.name for s in sources),
        window_start=info.window_start or summary.window_start,
        window_end=info.window_end or summary.window_end,
        filter=info.filter,
        logs_explorer_url=info.logs_explorer_url,
        env=config.env,
        truncated=info.truncated,
        redacted=config.redact,
        skipped_detail=tuple(
            f"{s.name}: {', '.join(s.skip_reasons)}" for s in sources if s.skipped
        ),
    )
    return assemble(summary, verdict, provenance)
