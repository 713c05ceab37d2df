"""Reading a chosen baseline (a logscan.baseline_choice.Choice) into an EntrySource and its SourceInfo.

The entries are fetched, through the fetch cache, into a scratch file that lives as long as the source. A
baseline without entries (no revision qualified, or none in the window) comes back as an empty source, so
the comparison becomes INCONCLUSIVE, never as an error; its note goes into the SourceInfo (the report's
comparison shows it) and to ``notify``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from logscan.model import SourceInfo
from logscan.sources import EntrySource, RawEntry
from logscan.sources.cloud.baseline.choice import Choice
from logscan.sources.cloud.cache import Cache, SavedSource
from logscan.sources.cloud.client import NoEntriesError, Transport
from logscan.sources.cloud.fetch import fetch_to_file
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.pacing import FetchProgress

Notify = Callable[[str], None]


class EmptySource:
    """A baseline with no entries (an EntrySource): the comparison with it is INCONCLUSIVE."""

    def __init__(self, name: str) -> None:
        self.name = name

    def entries(self) -> Iterator[RawEntry]:
        yield from ()

    @property
    def skipped(self) -> int:
        return 0

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        return ()


class _ScratchSource(SavedSource):
    """A saved baseline read that keeps its scratch folder alive as long as the source is (then removes it)."""

    def __init__(self, path: Path, name: str, scratch: tempfile.TemporaryDirectory[str]) -> None:
        super().__init__(path, name)
        self._scratch = scratch


def read(
    choice: Choice,
    options: FetchOptions,
    send: Transport,
    *,
    now: datetime,
    cache: Cache | None,
    refresh: bool = False,
    progress: FetchProgress | None = None,
    notify: Notify | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[EntrySource, SourceInfo]:
    """The chosen baseline's entries as a source, and its SourceInfo. No revision, or no entries in the
    window, gives an empty source with a note."""
    say = notify or (lambda _text: None)
    query = choice.query
    if query is None:
        return EmptySource(choice.name), SourceInfo(notes=choice.notes)
    scratch = tempfile.TemporaryDirectory(prefix="logscan-baseline-")
    info = SourceInfo(
        filter=query.filter,
        logs_explorer_url=query.logs_explorer_url,
        window_start=query.window.start,
        window_end=query.window.end,
    )
    try:
        fetched = fetch_to_file(
            query,
            options,
            Path(scratch.name) / "baseline.json",
            now=now,
            cache=cache,
            refresh=refresh,
            progress=progress,
            transport=send,
            sleep=sleep,
        )
    except NoEntriesError:
        scratch.cleanup()
        floor = f" at or above {query.severity}" if query.severity else ""
        empty = f"{query.revision} has no entries{floor} {query.window.describe()}.{choice.if_empty}"
        say(empty)
        return EmptySource(choice.name), replace(info, notes=(*choice.notes, empty))
    if fetched.truncated:
        why = fetched.failure or f"--max-entries {options.max_entries} reached"
        say(f"warning: the read of baseline {query.revision} stopped early ({why}).")
    source = _ScratchSource(fetched.path, choice.name, scratch)
    return source, replace(info, truncated=fetched.truncated, notes=choice.notes)
