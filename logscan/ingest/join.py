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
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache

import regex

from logscan.ingest.traces import CONTINUATION, OPENER
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
STATE_CACHE = 8192
"""Distinct texts whose opening state (``_state_of``) is remembered; forgotten all at once when full."""
STATE_CACHE_CHARS = 2048
"""Longer texts are read every time (bounds the cache's memory)."""
_NEVER_JOINED = frozenset({"requests", "audit"})

_HEADER = "Traceback (most recent call last)"
_SEPARATORS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_EXC_LINE = regex.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::\s|:?$)")
_EXCEPTION_ALONE = regex.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)(?::\s|:?$)")
_NAMED_EXCEPTION = regex.compile(
    r"^(?:Uncaught )?(?:[\w$]+(?:\.|::|\\))*(?:[A-Z][\w$]*)?(?:Error|Exception)\b"
)
_BARE_NAME = regex.compile(r"^[A-Za-z_][\w.\[\]-]*$")
_WARNING_LINE = regex.compile(r"^\S.*?\.pyw?:\d+: (?:[A-Za-z_]\w*\.)*[A-Z]\w*: ")
_INTRO = regex.compile(r"(?i)exception|error|traceback|failed|uncaught|unhandled")  # see _may_introduce
_TAG_CLOSE = regex.compile(r"^</([A-Za-z][\w-]*)>")
_PAIRS = {")": "(", "]": "[", "}": "{"}
_SPLIT_STARTS = frozenset("\"')]}<")
"""The first characters of a text that can close what the previous record left open (``_split_message``)."""

# States of an open group: what its last line allows to follow.
_LINE, _INTRO_S, _COLON, _BLOCK, _TRACE, _EXC, _SEP, _WARN, _DONE, _FTRACE, _FGAP, _FHEAD = range(12)
# _FTRACE: inside another language's trace (traces/); _FGAP: after a blank line in one; _FHEAD: after a
# heading in one (``Description:``, ``Stack trace:``), which any next line continues.


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
    # Bounds on the open groups' last timestamps (lo <= every one <= hi): a record no further than
    # MAX_GAP from both bounds cannot make a group stale, so the groups are scanned only when it is.
    lo: datetime | None = None
    hi: datetime | None = None
    opened: dict[str, int] = {}  # _state_of per distinct text: half the lines of an export repeat one
    for record in in_time_order(records):
        ts = record.timestamp
        stream = record.stream
        if stream in _NEVER_JOINED:
            # Request and audit logs never join, so they never continue or open a group.
            if not queue:
                yield _single(record)
                continue
            queue.append(_group(record, _LINE, len(record.clean), ts, None))
        else:
            key = (record.source, record.instance, stream)
            text = record.clean
            group = open_groups.get(key)
            state = None if group is None else _continue(group, text, ts)
            if state is not None:
                assert group is not None  # only an open group is continued
                group.records.append(record)
                group.state = state
                group.chars += len(text)
                if ts is not None:
                    group.last = ts
                if len(group.records) >= MAX_RECORDS or group.chars >= MAX_CHARS:
                    _close(open_groups, group)
            else:
                if group is not None:
                    group.closed = True  # the record starts something new: its key's open group is done
                    del open_groups[key]
                state = opened.get(text)
                if state is None:
                    state = _state_of(record)
                    if len(text) <= STATE_CACHE_CHARS:
                        if len(opened) >= STATE_CACHE:
                            opened.clear()
                        opened[text] = state
                if state == _DONE:
                    queue.append(_group(record, state, len(text), ts, None))
                    group = None
                else:
                    group = _group(record, state, len(text), ts, key)
                    queue.append(group)
                    open_groups[key] = group
            if ts is not None and group is not None and not group.closed:
                if lo is None or ts < lo:
                    lo = ts
                if hi is None or ts > hi:
                    hi = ts
        if ts is not None and lo is not None and hi is not None and (ts - lo > MAX_GAP or hi - ts > MAX_GAP):
            lo, hi = _expire(open_groups, ts)
        if len(queue) > MAX_OPEN:
            _close(open_groups, queue[0])
        while queue and queue[0].closed:
            yield _event(queue.popleft())
    while queue:
        yield _event(queue.popleft())


def in_time_order(records: Iterable[Record]) -> Iterator[Record]:
    """Records in time order within each run (see the module docstring); untimed records pass as they come."""
    run: list[Record] = []
    source = ""  # of the run's records
    before = _NEVER  # the run's last timestamp
    for record in records:
        ts = record.timestamp
        if ts is None:
            yield from _ordered(run)
            run = []
            yield record
            continue
        if not run:
            source = record.source
        elif len(run) >= REORDER_MAX or record.source != source or abs(ts - before) > MAX_GAP:
            yield from _ordered(run)
            run = []
            source = record.source
        run.append(record)
        before = ts
    yield from _ordered(run)


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


def _apart(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs(b - a) > MAX_GAP


def _close(open_groups: dict[tuple[str, str | None, str], _Group], group: _Group) -> None:
    group.closed = True
    if open_groups.get(group.key) is group:
        del open_groups[group.key]


def _expire(
    open_groups: dict[tuple[str, str | None, str], _Group], now: datetime
) -> tuple[datetime | None, datetime | None]:
    """Close the groups more than MAX_GAP from now; the bounds of the last timestamps of those left open."""
    stale = [g for g in open_groups.values() if _apart(g.last, now)]
    for group in stale:
        _close(open_groups, group)
    times = [g.last for g in open_groups.values() if g.last is not None]
    return (min(times), max(times)) if times else (None, None)


def _single(record: Record) -> Event:
    """Event((record,), ...) without the frozen dataclass's per-field setattr calls (one per input record)."""
    event: Event = _new(Event)
    _set(event, "__dict__", {"records": (record,), "text": record.text, "clean": record.clean})
    return event


def _event(group: _Group) -> Event:
    records = group.records
    if len(records) == 1:
        record = records[0]
        event: Event = _new(Event)
        _set(event, "__dict__", {"records": (record,), "text": record.text, "clean": record.clean})
        return event
    return Event(
        records=tuple(records),
        text="\n".join([r.text for r in records]),
        clean="\n".join([r.clean for r in records]),
    )


def _continue(group: _Group, text: str, ts: datetime | None) -> int | None:
    """The group's new state when a record with this clean text and time continues it, else None."""
    last = group.last
    if last is not None and ts is not None and (ts - last > MAX_GAP or last - ts > MAX_GAP):
        return None
    state = group.state
    if text[:1] in _SPLIT_STARTS and _split_message(group.records[-1].clean, text):
        state = state if state != _DONE else _LINE
    elif state in (_LINE, _DONE):
        return None  # only a split message continues a plain line (see _step)
    else:
        line = text if "\n" not in text else text.split("\n", 1)[0]
        after = _remembered_step(state, line) if len(line) <= STATE_CACHE_CHARS else _step(state, line)
        if after is None:
            return None
        state = after
    if "\n" not in text:
        return state
    return _through(state, text.split("\n")[1:])


def _state_of(record: Record) -> int:
    """State after a record that starts a group."""
    text = record.clean
    if "\n" not in text:
        return _opening(text)
    lines = text.split("\n")
    return _through(_opening(lines[0]), lines[1:])


def _through(state: int, lines: list[str]) -> int:
    """State after the further lines of one multi-line record."""
    for line in lines:
        after = _step(state, line)
        state = after if after is not None else _opening(line)
    return state


def _opening(line: str) -> int:
    """State after a line that starts a group."""
    stripped = line.strip()
    if _HEADER in line:
        return _TRACE if stripped.endswith((":", ")")) else _DONE  # else: flattened onto one line
    if stripped in _SEPARATORS:
        return _SEP
    if ".py" in line and _WARNING_LINE.match(line):
        return _WARN
    if OPENER.match(line):
        return _FTRACE
    if ("Error" in line or "Exception" in line) and _EXCEPTION_ALONE.match(line):
        return _EXC
    if stripped.endswith(":"):
        return _COLON
    if line[:1].isspace() and stripped:
        return _BLOCK
    if _may_introduce(_fold(line)) and _INTRO.search(line):
        return _INTRO_S
    return _LINE


def _fold(line: str) -> str:
    """The line with every character that matches an ASCII letter case-insensitively turned into that letter.

    casefold() does it for all of them (the Kelvin sign, the long s) but the dotted capital I, which it
    turns into ``i`` and a combining dot.
    """
    folded = line.casefold()
    return folded.replace("i\u0307", "i") if "\u0307" in folded else folded


def _may_introduce(folded: str) -> bool:
    """False when the folded line (``_fold``) lacks every word of ``_INTRO``, which then cannot match."""
    return (
        "error" in folded
        or "exception" in folded
        or "traceback" in folded
        or "failed" in folded
        or "uncaught" in folded
        or "unhandled" in folded
    )


def _step(state: int, line: str) -> int | None:
    """State after the line when it continues a group in ``state``; None when it starts something new."""
    # (``_remembered_step``, below, remembers the answers for recent lines: a crash loop repeats them.)
    stripped = line.strip()
    indented = bool(stripped) and line[:1].isspace()
    if state >= _FTRACE:
        return _foreign(state, line, stripped, indented)
    if state in (_EXC, _SEP, _INTRO_S) and stripped and CONTINUATION.match(line):
        return _FTRACE  # a Java/Node/.NET/... trace goes on under its exception or its log line
    if state == _INTRO_S and ("Error" in line or "Exception" in line) and _EXCEPTION_ALONE.match(line):
        return _FTRACE  # "Application run failed" and the exception it logs on the next line
    header = _HEADER in line and stripped.endswith((":", ")"))
    if state == _TRACE:
        if indented:
            return _TRACE
        if stripped and _EXC_LINE.match(line):
            return _EXC
        return None
    if state in (_EXC, _SEP):
        if stripped in _SEPARATORS or not stripped:
            return _SEP
        if header and state == _SEP:
            return _TRACE
        if state == _EXC and (indented or _BARE_NAME.match(line)):
            return _EXC  # the exception's message goes on (pydantic lists fields this way)
        return None
    if header:
        return _TRACE if state in (_INTRO_S, _COLON) else None
    if state == _WARN:
        return _BLOCK if indented else None
    if state in (_COLON, _BLOCK):
        return _BLOCK if indented else None
    return None


_remembered_step = lru_cache(maxsize=STATE_CACHE)(_step)


def _foreign(state: int, line: str, stripped: str, indented: bool) -> int | None:
    """The next state inside another language's trace (see ``traces``), or None when the line leaves it."""
    if not stripped:
        return _FHEAD if state == _FHEAD else _FGAP
    if state == _FHEAD or indented:
        return _FTRACE
    if stripped.endswith(":") and " " not in stripped and stripped[:1].isupper():
        return _FHEAD  # Spring's "Description:" and "Action:", each over a paragraph
    if CONTINUATION.match(line):
        return _FTRACE
    if ("Error" in line or "Exception" in line) and _NAMED_EXCEPTION.match(line):
        return _FTRACE  # the exception under Node's `throw err; ^` prelude, PHP's next exception
    return None


def _split_message(previous: str, text: str) -> bool:
    """True when the text closes a quote, bracket or markup tag the previous record left open."""
    if not text or not previous:
        return False
    first = text[0]
    if first in "\"'":
        return previous.count(first) % 2 == 1
    if first in _PAIRS:
        return previous.count(_PAIRS[first]) > previous.count(first)
    if first != "<":
        return False
    tag = _TAG_CLOSE.match(text)
    if tag is not None:
        name = tag.group(1)
        return previous.count(f"<{name}>") > previous.count(f"</{name}>")
    return False
