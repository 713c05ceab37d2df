"""Join consecutive records that belong together into events.

Cloud Run writes one entry per line a container prints, so a Python traceback arrives as many entries.
Records of the same source, instance and stream, no more than ``MAX_GAP`` apart (text input has no
timestamps: adjacency decides), form one event when the later one continues the earlier:

- traceback frames and source lines through the final exception line, and chained tracebacks with
  their separators ("During handling of the above exception, ..." / "The above exception was the
  direct cause ...") and blank lines;
- a ``file.py:12: DeprecationWarning: ...`` line and the source line Python prints under it;
- indented lines under a line that ends with ``:`` or under other indented lines, and the further lines
  of an exception's message (indented lines and bare names, as pydantic's ValidationError prints them);
- a message split mid-line (an open quote, bracket or markup tag closed at the start of the next record).

One group is open per (source, instance, stream), so interleaved instances never mix. A group closes
when a record does not continue it, when it is ``MAX_GAP`` old, or when it reaches ``MAX_RECORDS``
records or ``MAX_CHARS`` characters; events come out in the order their first records came in.

Newest-first exports (gcloud's default order): records are cut into runs wherever two neighbours are
more than ``MAX_GAP`` apart (no event can span such a cut) or after ``REORDER_MAX`` records; a run whose
timestamps mostly descend is reversed, and each run is sorted by timestamp (stable). Memory holds one
run, never the export. A run cut by the ``REORDER_MAX`` bound can split one event in two.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from logscan.ingest.continues import (
    DONE,
    LINE,
    SPLIT_STARTS,
    STATE_CACHE,
    opening,
    remembered_step,
    split_message,
    step,
)
from logscan.model import Event, Record

MAX_GAP = timedelta(seconds=2)
"""Records further apart than this never join."""
MAX_RECORDS = 1000
"""Records in one event at most; a longer group is closed and the rest starts a new one."""
MAX_CHARS = 512 * 1024
"""Characters in one event at most."""
REORDER_MAX = 5000
"""Records held to put a run of a newest-first export in time order."""
MAX_OPEN = 256
"""Groups waiting to be emitted at most; past it the oldest is closed."""
STATE_CACHE_CHARS = 2048
"""Longer texts are read every time (bounds the cache's memory)."""
_NEVER_JOINED = frozenset({"requests", "audit"})

_NO_KEY = ("", None, "")
_new = object.__new__
_set = object.__setattr__


class _Group:
    """Records joined so far, the state their last line left, and whether more may join."""

    __slots__ = ("chars", "closed", "key", "last", "records", "state")

    def __init__(
        self,
        records: list[Record],
        state: int,
        chars: int,
        last: datetime | None,
        closed: bool = False,
        key: tuple[str, str | None, str] = _NO_KEY,
    ) -> None:
        self.records = records
        self.state = state
        self.chars = chars
        self.last = last
        self.closed = closed
        self.key = key


def _group(
    record: Record, state: int, chars: int, last: datetime | None, key: tuple[str, str | None, str] | None
) -> _Group:
    """_Group([record], ...) without the call to __init__ (one group per record that starts one); a group
    without a key is closed: nothing can join it."""
    group: _Group = _new(_Group)
    group.records = [record]
    group.state = state
    group.chars = chars
    group.last = last
    if key is None:
        group.closed = True
        group.key = _NO_KEY
    else:
        group.closed = False
        group.key = key
    return group


def single(records: Iterable[Record]) -> Iterator[Event]:
    """One event per record (``--no-join``)."""
    for record in records:
        yield Event(records=(record,), text=record.text, clean=record.clean)


def join(records: Iterable[Record]) -> Iterator[Event]:
    """Events from records: split tracebacks, warnings and messages joined; streams in bounded memory."""
    queue: deque[_Group] = deque()
    open_groups: dict[tuple[str, str | None, str], _Group] = {}
    # Bounds on the open groups' last timestamps (lo <= every one <= hi; late is lo + MAX_GAP, None while
    # no open group has a timestamp). A record no further than MAX_GAP from both bounds cannot find a group
    # stale, so the groups are scanned only when it is; after that every open group is within MAX_GAP of
    # the record, so continuing one needs no check of its own. The common record costs comparisons only.
    late: datetime | None = None
    lo = hi = _NEVER
    # Per distinct clean text (half the lines of an export repeat one), its moves: the state after it
    # from each state of an open group (_STARTS: it starts something new), and after it opens one.
    known: dict[str, list[int]] = {}
    for run in _runs(records):
        for record in run:
            ts = record.timestamp
            if ts is not None and late is not None and (ts > late or (ts < hi and hi - ts > MAX_GAP)):
                late, lo, hi = _expire(open_groups, ts)
            stream = record.stream
            if stream in _NEVER_JOINED:
                # Request and audit logs never join, so they never continue or open a group.
                if not queue:
                    yield _single(record)
                    continue
                queue.append(_group(record, LINE, len(record.clean), ts, None))
            else:
                key = (record.source, record.instance, stream)
                text = record.clean
                moves = known.get(text)
                if moves is None:
                    moves = _moves(known, text)
                group = open_groups.get(key)
                if group is not None:
                    state = moves[group.state]
                    if state == _UNKNOWN:
                        state = _move(group, text, moves)
                    if state == _STARTS:
                        group.closed = True  # the record starts something new: its key's open group is done
                        del open_groups[key]
                        group = None
                    else:
                        group.records.append(record)
                        group.state = state
                        group.chars += len(text)
                        if len(group.records) >= MAX_RECORDS or group.chars >= MAX_CHARS:
                            _close(open_groups, group)
                        elif ts is not None:
                            group.last = ts
                if group is None:
                    state = moves[_OPENS]
                    if state == _UNKNOWN:
                        state = moves[_OPENS] = _state_of(text)
                    if state == DONE:
                        queue.append(_group(record, state, len(text), ts, None))
                    else:
                        group = _group(record, state, len(text), ts, key)
                        queue.append(group)
                        open_groups[key] = group
                if ts is not None and group is not None:  # the record's group is open, and now ends at ts
                    if late is None:
                        late, lo, hi = _later(ts), ts, ts
                    elif ts > hi:
                        hi = ts
                    elif ts < lo:
                        late, lo = _later(ts), ts
            if len(queue) > MAX_OPEN:
                _close(open_groups, queue[0])
            while queue and queue[0].closed:
                yield _event(queue.popleft())
    while queue:
        yield _event(queue.popleft())


def _moves(known: dict[str, list[int]], text: str) -> list[int]:
    """A new text's moves (none worked out yet), remembered unless the text is long."""
    moves = [_UNKNOWN] * _MOVES
    if len(text) <= STATE_CACHE_CHARS:
        if len(known) >= STATE_CACHE:
            known.clear()
        known[text] = moves
    return moves


def _move(group: _Group, text: str, moves: list[int]) -> int:
    """The group's state after the text (_STARTS: the text starts something new); remembered in moves
    unless the text may be a split message, whose answer depends on the previous record's text too."""
    if text[:1] in SPLIT_STARTS:
        return _continue(group, text)
    state = moves[group.state] = _step_over(group.state, text)
    return state


def in_time_order(records: Iterable[Record]) -> Iterator[Record]:
    """Records in time order within each run (see the module docstring); untimed records pass as they come."""
    for run in _runs(records):
        yield from run


def _runs(records: Iterable[Record]) -> Iterator[Sequence[Record]]:
    """in_time_order's records a run at a time (an untimed record is a run of its own).

    A record within [near, far] of the run's last one (a window MAX_GAP wide holding that record) is no
    further than MAX_GAP from it: only a record outside the window costs timedelta arithmetic.
    """
    run: list[Record] = []
    source = ""  # of the run's records
    before = near = far = _NEVER  # the run's last timestamp, and the window around it
    for record in records:
        ts = record.timestamp
        if ts is None:
            if run:
                yield _ordered(run)
                run = []
            yield (record,)
            continue
        if not run:
            source = record.source
            near, far = _around(ts)
        elif len(run) >= REORDER_MAX or record.source != source:
            yield _ordered(run)
            run = []
            source = record.source
            near, far = _around(ts)
        elif not near <= ts <= far:
            if abs(ts - before) > MAX_GAP:
                yield _ordered(run)
                run = []
            near, far = _around(ts)
        run.append(record)
        before = ts
    if run:
        yield _ordered(run)


def _around(ts: datetime) -> tuple[datetime, datetime]:
    """A window MAX_GAP wide centred on ts (just ts where that would leave datetime's range)."""
    try:
        return ts - _HALF_GAP, ts + _HALF_GAP
    except OverflowError:
        return ts, ts


def _later(ts: datetime) -> datetime:
    """ts + MAX_GAP; past datetime's range, its end (which no timestamp exceeds)."""
    try:
        return ts + MAX_GAP
    except OverflowError:
        return datetime.max.replace(tzinfo=ts.tzinfo)


def _ordered(run: list[Record]) -> list[Record]:
    """A run (every record timed) sorted by time, stably; reversed first when it mostly descends."""
    if len(run) < 2:
        return run
    times: list[datetime] = list(map(_timestamp, run))  # every record of a run is timed
    ordered = sorted(times)
    if times == ordered:
        return run  # already in order (the count below would find nothing descending)
    if times[::-1] == ordered:
        return run[::-1]  # newest first, gcloud's order: reversed, it is in order and sorting keeps it
    down = sum(map(operator.lt, times[1:], times))  # neighbours that step back in time
    up = sum(map(operator.gt, times[1:], times))
    if down > up:
        run = run[::-1]
    elif not down:
        return run  # already in order: sorting would keep it as it is
    return sorted(run, key=_timestamp)


_timestamp = operator.attrgetter("timestamp")
_NEVER = datetime.min
_HALF_GAP = MAX_GAP / 2
_PLAIN = (LINE, DONE)
"""States that only a split message continues."""
_STATES = 12
"""States of an open group (continues.py: LINE ... _FHEAD, numbered from 0)."""
_OPENS = _STATES
"""Where a text's moves (see join) keep the state after it opens a group."""
_MOVES = _STATES + 1
_STARTS = -1
"""A move: the text does not continue the group, it starts something new."""
_UNKNOWN = -2
"""A move not worked out yet."""


def _apart(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs(b - a) > MAX_GAP


def _close(open_groups: dict[tuple[str, str | None, str], _Group], group: _Group) -> None:
    group.closed = True
    if open_groups.get(group.key) is group:
        del open_groups[group.key]


def _expire(
    open_groups: dict[tuple[str, str | None, str], _Group], now: datetime
) -> tuple[datetime | None, datetime, datetime]:
    """Close the groups more than MAX_GAP from now; join's bounds (late, lo, hi) of those left open."""
    stale = [g for g in open_groups.values() if _apart(g.last, now)]
    for group in stale:
        _close(open_groups, group)
    times = [g.last for g in open_groups.values() if g.last is not None]
    if not times:
        return None, _NEVER, _NEVER
    lo = min(times)
    return _later(lo), lo, max(times)


def _single(record: Record) -> Event:
    """Event((record,), ...) without the frozen dataclass's per-field setattr calls (one per input record)."""
    event: Event = _new(Event)
    _set(event, "__dict__", {"records": (record,), "text": record.text, "clean": record.clean})
    return event


def _event(group: _Group) -> Event:
    """The group's Event, built as _single builds one."""
    records = group.records
    event: Event = _new(Event)
    if len(records) == 1:
        record = records[0]
        _set(event, "__dict__", {"records": (record,), "text": record.text, "clean": record.clean})
    else:
        text = "\n".join([r.text for r in records])
        clean = "\n".join([r.clean for r in records])
        _set(event, "__dict__", {"records": tuple(records), "text": text, "clean": clean})
    return event


def _continue(group: _Group, text: str) -> int:
    """The group's new state when a record with this clean text continues it, else _STARTS.

    The record is no further than MAX_GAP from the group's last one (join checks the bounds first)."""
    state = group.state
    if text[:1] in SPLIT_STARTS and split_message(group.records[-1].clean, text):
        state = state if state != DONE else LINE
        return state if "\n" not in text else _through(state, text.split("\n")[1:])
    return _step_over(state, text)


def _step_over(state: int, text: str) -> int:
    """The state after a text (not a split message) that continues a group in this state, else _STARTS."""
    if state in _PLAIN:
        return _STARTS  # only a split message continues a plain line (see step)
    line = text if "\n" not in text else text.split("\n", 1)[0]
    after = remembered_step(state, line) if len(line) <= STATE_CACHE_CHARS else step(state, line)
    if after is None:
        return _STARTS
    if "\n" not in text:
        return after
    return _through(after, text.split("\n")[1:])


def _state_of(text: str) -> int:
    """State after a record with this clean text that starts a group."""
    if "\n" not in text:
        return opening(text)
    lines = text.split("\n")
    return _through(opening(lines[0]), lines[1:])


def _through(state: int, lines: list[str]) -> int:
    """State after the further lines of one multi-line record."""
    for line in lines:
        after = step(state, line)
        state = after if after is not None else opening(line)
    return state
