"""What logscan watch shows: a running verdict refreshed in place on a terminal, else a line per change."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Protocol

import click

from logscan.model import CLASSES, EventClass, Level, Verdict
from logscan.verdict.aggregate import Summary


@dataclass(frozen=True)
class Snapshot:
    """The state of a watch after one poll."""

    elapsed: float
    """Seconds since the watch began."""
    entries: int
    """Entries read so far."""
    requests: int
    """entries.list requests sent so far."""
    summary: Summary
    """The live fold's summary."""
    verdict: Verdict
    """The verdict of what was folded so far."""
    clean_for: float | None
    """Seconds the revision has been started, serving and clean (None: it is not)."""
    outcome: str | None
    """How the watch ends, once certain."""


def findings_by_class(summary: Summary) -> str:
    """'regression 2 (14 events), platform 1 (3 events)'; 'none' when only noise was seen."""
    parts = []
    for klass in CLASSES:
        if klass == EventClass.NOISE:
            continue
        found = [f for f in summary.findings if f.klass == klass]
        if found:
            events = sum(f.count for f in found)
            parts.append(f"{klass} {len(found)} ({events} event{'s' if events != 1 else ''})")
    return ", ".join(parts) or "none"


def root_cause(verdict: Verdict) -> str | None:
    """The verdict's first reason when it fails: what decided it."""
    return verdict.reasons[0].text if verdict.level == Level.FAIL and verdict.reasons else None


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


class View(Protocol):
    def __enter__(self) -> View: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def show(self, snap: Snapshot) -> None: ...


class LineView:
    """One line on stderr per change of verdict (level, started, served, the cause), and one at the end."""

    def __init__(self, revision: str, file: IO[str] | None = None) -> None:
        self._revision = revision
        self._file = file
        self._last: tuple[object, ...] | None = None

    def __enter__(self) -> LineView:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def show(self, snap: Snapshot) -> None:
        v = snap.verdict
        state = (v.level, v.served.started, v.served.served, root_cause(v), snap.outcome)
        if state == self._last:
            return
        self._last = state
        cause = root_cause(v)
        line = (
            f"logscan watch: +{snap.elapsed:.0f}s {self._revision} {v.level}: {snap.entries} entries, "
            f"findings: {findings_by_class(snap.summary)}; started {_yes_no(v.served.started)}, "
            f"served {_yes_no(v.served.served)}"
            + (f"; cause: {cause}" if cause else "")
            + (f"; {snap.outcome}" if snap.outcome else "")
        )
        click.echo(line, file=self._file or sys.stderr)


class LiveView:
    """A rich Live panel on stderr, redrawn after every poll."""

    def __init__(
        self, revision: str, file: IO[str] | None = None, force_terminal: bool | None = None
    ) -> None:
        from rich.console import Console
        from rich.live import Live

        self._revision = revision
        self._console = Console(file=file, stderr=file is None, force_terminal=force_terminal, width=120)
        self._live = Live(console=self._console, auto_refresh=False, transient=False)

    @property
    def enabled(self) -> bool:
        return self._console.is_terminal

    def __enter__(self) -> LiveView:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()

    def show(self, snap: Snapshot) -> None:
        from rich.table import Table

        v = snap.verdict
        table = Table(title=f"logscan watch {self._revision}", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        table.add_row("elapsed", f"{snap.elapsed:.0f}s ({snap.requests} requests)")
        table.add_row("entries", f"{snap.entries:,}")
        table.add_row("verdict", v.level + (f" ({snap.outcome})" if snap.outcome else ""))
        table.add_row("findings", findings_by_class(snap.summary))
        table.add_row("started", f"{_yes_no(v.served.started)}")
        table.add_row("served", f"{_yes_no(v.served.served)}")
        table.add_row("evidence", "; ".join(v.served.evidence) or "none yet")
        if snap.clean_for is not None:
            table.add_row("clean for", f"{snap.clean_for:.0f}s")
        cause = root_cause(v)
        if cause:
            table.add_row("root cause", cause)
        self._live.update(table, refresh=True)


def make_view(revision: str) -> View:
    """The Live panel on a terminal, else lines."""
    live = LiveView(revision)
    return live if live.enabled else LineView(revision)
