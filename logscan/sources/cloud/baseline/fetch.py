"""The baseline of a live triage, read from Cloud Logging: a named revision, or the one that served before.

``fetch_baseline`` is the verb (the live triage calls it with its LiveTarget): it chooses the baseline,
says how it was chosen, and reads it. The parts live beside it:

- choice.py: the Choice (which revision, which window, the notes) and ``--baseline-revision R``, R read
  over the target's own window;
- previous.py: ``--baseline previous``, the revision that served before the target, found through Cloud
  Logging alone and read over a window that ends before the target's first entry;
- read.py: reading the chosen baseline into a source and its SourceInfo.

A baseline without entries comes back as an empty source (the comparison becomes INCONCLUSIVE), never as an
error; so does a service without an earlier revision, with a note. Notes go into the SourceInfo (the report's
comparison shows them) and to stderr.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from logscan.errors import InputError
from logscan.model import SourceInfo
from logscan.sources import EntrySource
from logscan.sources.cloud.baseline.choice import explicit
from logscan.sources.cloud.baseline.previous import previous
from logscan.sources.cloud.baseline.read import Notify, read
from logscan.sources.cloud.cache import Cache, cache_for
from logscan.sources.cloud.client import Transport, client_transport, make_client
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.pacing import NullProgress, console_progress
from logscan.sources.cloud.source import CloudLoggingSource
from logscan.sources.cloud.target import LiveTarget


def fetch_baseline(
    live: LiveTarget | None,
    revision: str | None,
    *,
    now: datetime | None = None,
    transport: Transport | None = None,
    cache: Cache | None = None,
    notify: Notify | None = None,
    options: FetchOptions | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[EntrySource, SourceInfo]:
    """The baseline of ``logscan triage --project P --revision T``: ``revision`` over T's window, or with
    None the revision that served before T. ``live`` is the triage's target (None: the triage reads files).

    ``notify`` receives the notes (default: stderr); ``cache`` defaults to the user's fetch cache; ``options``
    overrides the target's read options (tests inject short retry timings)."""
    option = f"--baseline-revision {revision}" if revision is not None else "--baseline previous"
    if live is None:
        raise InputError(
            f"{option} reads the baseline from Cloud Logging beside a live target: pass --project and "
            "--revision too, or compare with an export: --baseline FILE."
        )
    say = notify or _stderr
    now = now or datetime.now(UTC)
    target = live.query
    options = options if options is not None else live.options
    send = transport or client_transport(make_client(target.project, options.endpoint))
    verbose = live.verbose
    if revision is not None:
        choice = explicit(target, revision)
    else:
        prober = CloudLoggingSource(target, options, transport=send, sleep=sleep)
        choice = previous(target, prober, send)
    if verbose:
        for text in choice.probes:
            say(f"baseline probe filter: {text}")
        if choice.query is not None:
            say(f"baseline filter: {choice.query.filter}")
    for note in choice.notes:
        say(note)
    progress = (
        console_progress(f"Reading baseline {choice.query.revision}") if choice.query else NullProgress()
    )
    return read(
        choice,
        options,
        send,
        now=now,
        cache=cache if cache is not None else cache_for(live.no_cache, live.cache_ttl),
        refresh=live.refresh,
        progress=progress,
        notify=say,
        sleep=sleep,
    )


def _stderr(text: str) -> None:
    import click

    click.echo(f"logscan: baseline: {text}", err=True)
