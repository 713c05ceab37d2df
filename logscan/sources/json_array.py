"""The reader of a JSON array of entries (``gcloud logging read --format=json``), read incrementally.

Memory holds a window of a few megabytes of the array (a ``_Buffer``), never the whole export.

A JSON array is cut into elements without a Python loop over its bytes: the separator between the
first two elements (``",\\n  "`` in gcloud's pretty output) tells where every later element ends, so a
whole buffer of elements is decoded by one ``orjson.loads`` call. A guessed cut that is wrong cannot
decode (its brackets do not balance), so a failed batch falls back to a bracket-counting scanner for
that stretch; an element that still does not decode is skipped, counted, and reading goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from logscan.errors import InputError
from logscan.sources import RawEntry
from logscan.sources.reading import (
    CHUNK,
    CUT_OFF,
    MAX_ENTRY,
    STOPPED_THERE,
    ByteStream,
    Ledger,
    TooDeep,
    decode,
)

_WS = re.compile(rb"[ \t\r\n]*")
_SEP = re.compile(rb"[ \t\r\n]*,[ \t\r\n]*")
_TOKEN = re.compile(rb'[\[\]{}"]')
_STRING_TAIL = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(rb"[^,\]]*")
_DAMAGED_OPENING = re.compile(rb".[ \t\r]*[{\[]", re.S)


class _Buffer:
    """A growing window over a stream's bytes; ``data[pos:]`` is what is still unread."""

    def __init__(self, stream: ByteStream) -> None:
        self.stream = stream
        self.data = b""
        self.pos = 0
        self.base = 0
        """Stream offset of data[0], so positions survive the window moving."""
        self.eof = False
        self.stopped = False
        """Reading gave up (an entry cut off or too large); the rest of the input is not read."""

    def more(self, at_least: int = CHUNK) -> bool:
        """Append at least one more read (doubling for huge elements); False at end of input."""
        if self.eof:
            return False
        chunk = self.stream.read(max(CHUNK, at_least))
        if not chunk:
            self.eof = True
            return False
        self.base += self.pos
        self.data = self.data[self.pos :] + chunk
        self.pos = 0
        return True

    def skip_ws(self) -> bool:
        """Move past whitespace; False when the input is exhausted."""
        while True:
            self.pos = _WS.match(self.data, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.data):
                return True
            if not self.more():
                return False


def _value_end(buf: _Buffer) -> int | None:
    """Offset just past the JSON object or array at buf.pos, reading more as needed; None if unclosed.

    Only brackets and strings are looked at, jumping between them with regexes, so the work is linear in
    the value's size whatever its nesting.
    """
    depth = 0
    i = buf.pos
    while True:
        data = buf.data
        found = _TOKEN.search(data, i)
        if found is None:
            i = len(data)
        else:
            c = data[found.start()]
            if c == 0x22:  # a string: jump past its closing quote
                tail = _STRING_TAIL.match(data, found.start() + 1)
                if tail is not None:
                    i = tail.end()
                    continue
                i = found.start()
            else:
                i = found.start() + 1
                depth += 1 if c in (0x5B, 0x7B) else -1
                if depth <= 0:
                    return i
                continue
        if i - buf.pos > MAX_ENTRY:
            return None
        shift = buf.pos
        if not buf.more(len(buf.data) - buf.pos):
            return None
        i -= shift


def read_json_array(stream: ByteStream, ledger: Ledger) -> Iterator[RawEntry]:
    buf = _Buffer(stream)
    if not buf.skip_ws() or buf.data[buf.pos] != 0x5B:
        raise InputError(f"{ledger.name}: expected a JSON array of log entries.")
    buf.pos += 1
    marker: bytes | None = None
    careful_until = 0  # stream offset: decode one element at a time until past a damaged stretch
    while True:
        if not buf.skip_ws():
            if not buf.stopped:
                ledger.note("JSON array had no closing ] (the file may be cut off)")
            return
        c = buf.data[buf.pos]
        if c == 0x5D:  # ]
            return
        if c == 0x2C:  # a stray comma
            buf.pos += 1
            continue
        if marker is not None and buf.base + buf.pos >= careful_until:
            batch = _batch(buf, marker, ledger)
            if isinstance(batch, list):
                yield from batch
                continue
            if batch is not None:
                careful_until = batch
        yield from _one_element(buf, marker, ledger)
        if marker is None and buf.skip_ws():
            sep = _SEP.match(buf.data, buf.pos)
            if sep is not None and sep.end() < len(buf.data) and buf.data[sep.end()] == 0x7B:
                marker = b"}" + buf.data[sep.start() : sep.end()] + b"{"


def _batch(buf: _Buffer, marker: bytes, ledger: Ledger) -> list[RawEntry] | int | None:
    """Every whole element up to the last separator in the buffer, decoded by one call.

    Returns the entries; or the stream offset of a decoding error (go element by element up to there);
    or None when no separator is left (the last element).
    """
    cut = buf.data.rfind(marker, buf.pos)
    if cut < 0:
        return [] if buf.more() else None
    end = cut + 1
    try:
        values = orjson.loads(b"[" + buf.data[buf.pos : end] + b"]")
    except orjson.JSONDecodeError as exc:
        return buf.base + buf.pos + max(exc.pos, 1)
    buf.pos = cut + len(marker) - 1
    out: list[RawEntry] = []
    for value in values:
        if isinstance(value, dict):
            out.append(value)
        else:
            ledger.skip("array elements that were not log entry objects")
    return out


def _one_element(buf: _Buffer, marker: bytes | None, ledger: Ledger) -> Iterator[RawEntry]:
    """The element at buf.pos: cut at the next separator if that decodes, else found by bracket counting."""
    start = buf.pos
    if buf.data[start] not in (0x7B, 0x5B):  # a bare number, string or literal
        scalar = _SCALAR.match(buf.data, start)
        after = max(scalar.end() if scalar else 0, start + 1)
        opening = _damaged_opening(buf.data[start:after])
        if opening is None:
            buf.pos = after
            ledger.skip("array elements that were not log entry objects")
            return
        # Not a scalar but a damaged byte before an element's bracket: read the element from its bracket.
        # Going on after the scalar instead would take objects nested inside this element for entries.
        buf.pos = start = start + opening
        ledger.note("damaged bytes before an array element passed over")
    resync: int | None = None
    if marker is not None:
        cut = buf.data.find(marker, start)
        if cut >= 0:
            try:
                value = decode(buf.data[start : cut + 1], ledger)
            except TooDeep:
                buf.pos = cut + len(marker) - 1
                ledger.skip("entries nested too deeply to read")
                return
            except ValueError:
                resync = buf.base + cut + len(marker) - 1
            else:
                buf.pos = cut + len(marker) - 1
                yield from _entry_or_skip(value, ledger)
                return
    end = _value_end(buf)
    start = buf.pos  # the window may have moved
    if end is not None:
        try:
            value = decode(buf.data[start:end], ledger)
        except TooDeep:
            buf.pos = end
            ledger.skip("entries nested too deeply to read")
            return
        except ValueError:
            pass
        else:
            buf.pos = end
            yield from _entry_or_skip(value, ledger)
            return
    if resync is not None:  # a damaged element of a pretty-printed array: go on at the next one
        buf.pos = resync - buf.base
        ledger.skip("entries that were not valid JSON")
    elif end is not None:
        buf.pos = end
        ledger.skip("entries that were not valid JSON")
    else:
        if len(buf.data) - start > MAX_ENTRY:
            ledger.skip(f"entries larger than {MAX_ENTRY >> 20} MiB {STOPPED_THERE}")
        else:
            ledger.skip(CUT_OFF)
        buf.pos = len(buf.data)
        buf.eof = buf.stopped = True


def _damaged_opening(scalar: bytes) -> int | None:
    """Where an element's bracket starts in what was read as a bare scalar, when that is not valid JSON
    and it is one stray byte, then blanks, then the bracket (``"  {`` is ``\\n  {`` with one byte
    damaged); else None. Anything longer is real content of a damaged element: it is skipped."""
    opening = _DAMAGED_OPENING.match(scalar)
    if opening is None:
        return None
    try:
        decode(scalar, _IGNORED)
    except (ValueError, TooDeep):
        return opening.end() - 1
    return None  # a real scalar (a string holding a bracket, say): skipped as such


class _Ignored:
    """A ledger for a trial decode, whose repairs are not counted (the bytes are read again)."""

    name = ""

    def skip(self, reason: str, n: int = 1) -> None:
        pass

    def note(self, note: str, n: int = 1) -> None:
        pass


_IGNORED = _Ignored()


def _entry_or_skip(value: Any, ledger: Ledger) -> Iterator[RawEntry]:
    if isinstance(value, dict):
        yield value
    else:
        ledger.skip("array elements that were not log entry objects")
