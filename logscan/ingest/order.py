"""Put joined events back in input order, holding only the events that arrive early.

Joining reorders: a newest-first export's records are put in time order before they are joined, so
events come out run by run. ``logscan classify`` promises input order, so its events pass through here.
Every input record belongs to exactly one event and record indexes count from 0 without gaps, so an
event can go out as soon as every index below its own has been seen: no later event can start before it.
Memory holds what the joiner held back, never the input.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from logscan.model import Event

T = TypeVar("T")


def in_input_order(items: Iterable[T], event_of: Callable[[T], Event]) -> Iterator[T]:
    """The items sorted by their event's index (its first record's), streaming."""
    waiting: list[tuple[int, int, T]] = []
    seen: set[int] = set()
    low = 0  # every record index below low has been seen
    for arrival, item in enumerate(items):
        event = event_of(item)
        heapq.heappush(waiting, (event.index, arrival, item))
        seen.update(record.index for record in event.records)
        while low in seen:
            seen.discard(low)
            low += 1
        while waiting and waiting[0][0] < low:
            yield heapq.heappop(waiting)[2]
    while waiting:
        yield heapq.heappop(waiting)[2]
