"""The front of the pipeline, source -> normalize -> join: in this process, or in a reader process.

Triage on one core spends about half its time reading: decoding JSON, building records and joining
them into events. With a second core, a forked reader process does that part and streams the events
back in batches while this process classifies and folds the previous batch, so the two halves overlap.
The answers are the same either way (same events, same order, same skip counts); only the wall time
changes.

The events cross the pipe as ``marshal`` data of plain lists and tuples (wire.py; pickling the frozen
dataclasses costs more than building them again), ``BATCH_EVENTS`` to a message. The reader may run
``QUEUED_BATCHES`` messages ahead, then waits: memory holds a few batches, never the export (the reader
process peaks near 50 MB). An error in the reader (a damaged file) comes back as the same
LogscanError, after the events read before it, as it would inline; a reader that dies is an error,
never a short report.

With ``fold``, a reader process counts the events with no text (Cloud Run's request logs) instead of
sending them (textless.py): a folded event costs a count there and its position in the message instead
of its record, and this process does not rebuild, classify or tally it one by one. Read inline, the
events are not folded: there the count costs what it saves (measured on a 100k-entry export).

The reader process is used only where it pays and is safe: every source is a regular file, together at
least ``OFFLOAD_MIN_BYTES``, the platform is Linux (fork), and more than one CPU is available (or
``--jobs 2`` asks for it). Anything else, standard input and live reads included, is read inline.
"""

from __future__ import annotations

import gc
import marshal
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from itertools import count, islice, repeat
from typing import Any, Protocol

from logscan import errors
from logscan.config import Config
from logscan.ingest import wire
from logscan.ingest.join import join, single
from logscan.ingest.normalize import normalize
from logscan.ingest.stream import EventStream, Reading, Skips
from logscan.ingest.textless import FOLDED, Textless
from logscan.model import Event, Record
from logscan.sources import EntrySource
from logscan.sources.files import FileSource

OFFLOAD_MIN_BYTES = 8 * 1024 * 1024
"""Smaller inputs are read inline: starting the reader costs more than it saves."""
BATCH_EVENTS = 1024
"""Events per message from the reader."""
GC_THRESHOLD = 50_000
"""Allocations between collections of the youngest generation while streaming, in the reader and in the
main process (pipeline.py): the default 700 rescans the live batches about 800 times per 100k entries."""
QUEUED_BATCHES = 16
"""Messages the reader may have ready before it waits for the main process."""
NOTE_AHEAD = 4
"""Messages ready and waiting from which the reader process also annotates the next batch (see _read)."""


class Annotator(Protocol):
    """Work per event that a reader process can do for this one (see classify/hints.py).

    Used only when the events are read in a reader process, and only on the batches it has time for
    (see _read): note() runs there, on each event of such a batch in order, and noted() here, with the
    same event and its note, just before the event is passed on. The note must be a value marshal can
    carry. An event without a note is this process's to do in full.
    """

    def prepare(self) -> None:
        """In the reader process, once, before the first note(): load what note() needs."""

    def note(self, event: Event) -> int | None:
        """In the reader process: a small value about the event."""

    def noted(self, event: Event, note: int | None) -> None:
        """In this process: the event and the note the reader process made of it."""


def events(
    sources: Sequence[EntrySource], config: Config, annotator: Annotator | None = None, *, fold: bool = False
) -> EventStream:
    """The sources' events (joined unless config.join is off), in input order, from wherever is fastest.

    A reader process, when one is used, starts at once: calling this early lets reading overlap the
    caller's own set-up. Close the stream when done with it (``with events(...) as stream``).
    annotator: work per event to do in the reader process, when there is one.
    fold: in a reader process, count the events with no text in the stream's ``textless`` and pass
    FOLDED in their place (for the pipeline's fold, which adds those counts; not for a caller that wants
    every event).
    """
    names = tuple(s.name for s in sources)
    if offloads(sources, config):
        textless = Textless() if fold else None
        # offloads() checked the sources' types
        reader = _Reader(sources, config, annotator, textless)  # type: ignore[arg-type]
        return EventStream(names, reader.received(), reader.stop, textless)
    return EventStream(names, _inline(sources, config))


def records(sources: Sequence[EntrySource], config: Config) -> Iterator[Record]:
    """Normalized records of all sources in order, indexed from 0."""
    index = count()  # map() takes the next index only for an entry it has
    cap = repeat(config.max_line_chars)
    for source in sources:
        made = map(normalize, source.entries(), index, repeat(source.name), cap)
        if config.severities:
            yield from made
        else:
            for record in made:
                yield record if record.severity == "DEFAULT" else replace(record, severity="DEFAULT")


def _inline(sources: Sequence[EntrySource], config: Config, textless: Textless | None = None) -> Reading:
    stream = records(sources, config)
    joined = join(stream) if config.join else single(stream)
    if textless is None:
        yield from joined
    else:
        take = textless.take
        for event in joined:
            yield FOLDED if take(event) else event
    return _skips(sources)


def _skips(sources: Sequence[EntrySource]) -> tuple[Skips, ...]:
    """Each source's tally, once it was read to the end."""
    return tuple(Skips(s.name, s.skipped, s.skip_reasons) for s in sources)


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a reader process can be forked safely: on Linux (macOS system libraries do not survive a
    fork reliably, and Windows cannot fork)."""
    import multiprocessing  # here: a run that reads in one process never needs it (start-up time)

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def offloads(sources: Sequence[EntrySource], config: Config) -> bool:
    """Whether events() reads these sources in a reader process."""
    jobs = config.jobs if config.jobs > 0 else cpus()
    if jobs < 2:
        return False
    size = 0
    for source in sources:
        if not isinstance(source, FileSource) or source.name == "-" or not os.path.isfile(source.name):
            return False
        size += os.path.getsize(source.name)
    return size >= OFFLOAD_MIN_BYTES and can_fork()


class _Reader:
    """A reader process, started on creation; received() yields its events, stop() ends it."""

    def __init__(
        self,
        sources: Sequence[FileSource],
        config: Config,
        annotator: Annotator | None,
        textless: Textless | None,
    ) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._annotator = annotator
        self._textless = textless
        self._receive, send = context.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # the child must not write out a copy of unflushed output
            stream.flush()
        # Daemonic: should this process exit without closing the stream, the reader ends with it.
        self.process = context.Process(
            target=_read,
            args=(self._receive, send, sources, config, annotator, textless),
            daemon=True,
            name="logscan-reader",
        )
        self.process.start()
        send.close()

    def stop(self) -> None:
        self._receive.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()

    def received(self) -> Reading:
        try:
            while True:
                try:
                    kind, payload = marshal.loads(self._receive.recv_bytes())
                except (EOFError, OSError):  # OSError: the pipe closed in the middle of a message
                    self.process.join()
                    raise RuntimeError(
                        f"the reader process ended without a word (exit code {self.process.exitcode})"
                    ) from None
                if kind == "events":
                    batch, notes = payload
                    unpacked = wire.unpack(batch)
                    if notes is None or self._annotator is None:
                        yield from unpacked
                        continue
                    noted = self._annotator.noted
                    for event, note in zip(unpacked, notes, strict=True):
                        noted(event, note)
                        yield event
                elif kind == "end":
                    tallies, groups = payload
                    if self._textless is not None:
                        for group in wire.unpack_groups(groups):
                            self._textless.add(group)
                    return tuple(Skips(name, skipped, tuple(reasons)) for name, skipped, reasons in tallies)
                else:
                    _raise(kind, payload)
        finally:
            self.stop()


def _read(
    inherited: Any,
    send: Any,
    sources: Sequence[FileSource],
    config: Config,
    annotator: Annotator | None,
    textless: Textless | None,
) -> None:
    """The reader process: read, normalize and join (and fold, with a Textless); send events in batches,
    then each source's tally and the folded counts.

    A thread writes to the pipe from a bounded queue, so that reading goes on while the main process
    is busy with an earlier batch (the pipe itself holds far less than one batch).

    The annotator's work is the main process's work done here instead, worth doing only while this
    process is ahead: a batch is annotated when at least NOTE_AHEAD earlier ones wait in the queue, and
    sent without notes when the main process is about to wait for it. So the split of the work follows
    the two processes' speeds on the machine at hand (an annotation never changes an answer).
    """
    inherited.close()  # the main process's end of the pipe: with it open here, a write could never fail
    gc.freeze()  # what the parent built stays: no collection needs to scan it (or copy its pages)
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_BATCHES)
    writer = threading.Thread(target=_write, args=(send, outbox), daemon=True)
    writer.start()
    try:
        reading = _inline(sources, config, textless)
        note: Callable[[Event], int | None] | None = None  # set for a batch to annotate
        prepared = False
        while True:
            batch = list(islice(reading, BATCH_EVENTS))
            notes = None if note is None else list(map(note, batch))
            outbox.put(_message("events", (wire.pack(batch), notes)))
            if len(batch) < BATCH_EVENTS:
                break
            note = None
            if annotator is not None and outbox.qsize() >= NOTE_AHEAD:
                if not prepared:
                    annotator.prepare()
                    prepared = True
                note = annotator.note
        skips = _skips(sources)
        tallies = [(s.source, s.skipped, s.reasons) for s in skips]
        groups = wire.groups(list(textless.groups()) if textless is not None else [])
        outbox.put(_message("end", (tallies, groups)))
    except errors.LogscanError as exc:
        outbox.put(_message(type(exc).__name__, str(exc)))
    except KeyboardInterrupt:
        pass  # the user stopped the run; the main process says so
    except Exception as exc:  # reported by the main process, which decides how to show it
        outbox.put(_message("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        outbox.put(None)
        writer.join()


def _message(kind: str, payload: Any) -> bytes:
    """A message to the main process: (kind, payload), the payload of plain values (wire.py's types)."""
    return marshal.dumps((kind, payload))


def _write(send: Any, outbox: queue.Queue[bytes | None]) -> None:
    try:
        while (message := outbox.get()) is not None:
            send.send_bytes(message)
    except OSError:
        # Nobody is listening any more (the main process finished early, failed or was killed). The
        # reading thread may be blocked on a full queue: end the whole reader process now.
        os._exit(0)
    finally:
        send.close()


def _raise(kind: str, message: str) -> None:
    error = getattr(errors, kind, None)
    if isinstance(error, type) and issubclass(error, errors.LogscanError):
        raise error(message)
    raise RuntimeError(f"reader process: {message}")
