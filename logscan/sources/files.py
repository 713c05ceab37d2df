"""Offline sources: gcloud exports (JSON array, JSONL, YAML) and plain text, gzipped or not, or stdin.

The format is detected from the content, never from the name alone. Files are read incrementally:
memory holds a few megabytes of input and the entries decoded from them, not the export.

A JSON array is cut into elements without a Python loop over its bytes: the separator between the
first two elements (``",\\n  "`` in gcloud's pretty output) tells where every later element ends, so a
whole buffer of elements is decoded by one ``orjson.loads`` call. A guessed cut that is wrong cannot
decode (its brackets do not balance), so a failed batch falls back to a bracket-counting scanner for
that stretch; an element that still does not decode is skipped, counted, and reading goes on.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
import yaml

from ..errors import InputError
from . import RawEntry

_CHUNK = 4 << 20
_SNIFF = 64 * 1024
_MAX_ENTRY = 64 << 20
"""A JSON element, JSONL line or YAML document larger than this is skipped (counted), not parsed."""
_MAX_TEXT_LINE = 16 << 20
"""A plain-text line is cut here while reading (normalize then bounds it further and counts the cut)."""
_ENTRY_KEYS = frozenset(
    b"insertId logName textPayload jsonPayload protoPayload timestamp severity resource receiveTimestamp "
    b"httpRequest labels trace spanId traceSampled sourceLocation operation insert_id log_name "
    b"text_payload json_payload proto_payload receive_timestamp http_request errorGroups apphub "
    b"apphubDestination split".split()
)
_YAML_KEY = re.compile(rb"^([A-Za-z_]+):(?:\s|$)")
_WS = re.compile(rb"[ \t\r\n]*")
_SEP = re.compile(rb"[ \t\r\n]*,[ \t\r\n]*")
_TOKEN = re.compile(rb'[\[\]{}"]')
_STRING_TAIL = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(rb"[^,\]]*")
_ARCHIVES = {
    b"PK\x03\x04": "a zip archive",
    b"BZh": "a bzip2 file",
    b"\xfd7zXZ\x00": "an xz file",
    b"7z\xbc\xaf": "a 7z archive",
    b"\x28\xb5\x2f\xfd": "a zstd file",
}
_CORRUPT = (OSError, EOFError, zlib.error)
_MAX_YAML_DEPTH = 5000
"""Deeper flow or block nesting crashes libyaml's composer (C stack), so such documents are skipped."""
_YAML_DEPTH_CHECK_BYTES = 8192
"""Smaller documents cannot nest that deep and are not scanned."""
_FLOW_BRACKET = re.compile(rb"[\[\]{}]")
_INDENT = re.compile(rb"(?m)^ {5000,}")


class FileSource:
    """Entries of one file (or ``-`` for stdin), in whatever format it holds."""

    def __init__(self, path: str, stdin: IO[bytes] | None = None) -> None:
        self.name = path
        self._stdin = stdin
        self._skips: Counter[str] = Counter()
        self._notes: Counter[str] = Counter()
        self.format = "unknown"
        """Detected format: json-array, jsonl, json-object, yaml or text (after iteration starts)."""
        if path != "-":
            p = Path(path)
            if p.is_dir():
                raise InputError(
                    f"{path}: is a directory. Pass the export file itself, e.g. {path}/logs.json."
                )
            if not p.exists():
                raise InputError(f"{path}: no such file. Check the path, or pass - to read standard input.")

    @property
    def skipped(self) -> int:
        """Entries that could not be read."""
        return sum(self._skips.values())

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        """One line per kind of loss (and of repair, such as replaced invalid UTF-8)."""
        lines = [f"{n} {reason}" for reason, n in sorted(self._skips.items())]
        lines += [f"{n} {note}" for note, n in sorted(self._notes.items())]
        return tuple(lines)

    def tally(self) -> tuple[dict[str, int], dict[str, int], str]:
        """What reading found besides entries (skips, notes, format), to carry to another process."""
        return dict(self._skips), dict(self._notes), self.format

    def absorb(self, tally: tuple[dict[str, int], dict[str, int], str]) -> None:
        """Take on a tally made by a reader process that read this source."""
        skips, notes, self.format = tally
        self._skips.update(skips)
        self._notes.update(notes)

    def _skip(self, reason: str, n: int = 1) -> None:
        self._skips[reason] += n

    def _note(self, note: str, n: int = 1) -> None:
        self._notes[note] += n

    def entries(self) -> Iterator[RawEntry]:
        """Raw entries in input order; damaged ones are counted in ``skipped``."""
        raw = self._open()
        yielded = 0
        try:
            stream = _Stream(raw)
            try:
                head = stream.peek(_SNIFF)
            except _CORRUPT as exc:
                raise InputError(
                    f"{self.name}: is not a readable gzip file ({_why(exc)}). "
                    "Re-download the export or pass it uncompressed."
                ) from None
            head = self._transcode(stream, head)
            self._refuse_binary(head)
            self.format = _detect(head)
            reader = _READERS[self.format]
            try:
                for entry in reader(stream, self):
                    yielded += 1
                    yield entry
            except _CORRUPT as exc:
                if not yielded:
                    raise InputError(
                        f"{self.name}: compressed data is corrupt ({_why(exc)}). Re-download the export."
                    ) from None
                self._skip("entries lost to a corrupt or truncated gzip stream (reading stopped there)")
        finally:
            if self.name != "-":
                raw.close()

    def _open(self) -> IO[bytes]:
        if self.name == "-":
            return self._stdin if self._stdin is not None else sys.stdin.buffer
        try:
            return open(self.name, "rb")  # closed by entries()
        except OSError as exc:
            raise InputError(
                f"{self.name}: cannot be read ({exc.strerror}). Check its permissions."
            ) from None

    def _transcode(self, stream: _Stream, head: bytes) -> bytes:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            stream.decode_utf16()  # PowerShell's `>` writes UTF-16
            self._note("file was UTF-16; read as text and converted")
            head = stream.peek(_SNIFF)
        if head.startswith(codecs.BOM_UTF8):
            stream.read(len(codecs.BOM_UTF8))
            head = head[len(codecs.BOM_UTF8) :]
        return head

    def _refuse_binary(self, head: bytes) -> None:
        for magic, what in _ARCHIVES.items():
            if head.startswith(magic):
                raise InputError(
                    f"{self.name}: is {what}, not a log export. Extract the export from it first."
                )
        sample = head[:8192]
        if not sample:
            return
        text = sample.replace(b"\x00", b"").decode("utf-8", "replace")  # NUL padding is read, not refused
        bad = text.count("\ufffd") + sum(1 for c in text if c < " " and c not in "\t\n\r\x1b\x0c")
        if bad > len(text) // 10:
            raise InputError(
                f"{self.name}: looks binary (control bytes or invalid UTF-8), not a log export. "
                "Pass a gcloud logging read export (JSON, JSONL, YAML) or plain text."
            )


class _Stream:
    """Bytes of a file, gunzipped when it starts with the gzip magic, with peek and UTF-16 conversion."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw: Any = raw
        self._buf = b""
        first = self._fill_from_raw(2)
        if first.startswith(b"\x1f\x8b"):
            self._raw = gzip.GzipFile(fileobj=_Prefixed(first, raw), mode="rb")  # type: ignore[call-overload]
            self._buf = b""

    def _fill_from_raw(self, n: int) -> bytes:
        while len(self._buf) < n:
            more = self._raw.read(max(n - len(self._buf), _SNIFF))
            if not more:
                break
            self._buf += more
        return self._buf

    def peek(self, n: int) -> bytes:
        return self._fill_from_raw(n)[:n]

    def read(self, n: int) -> bytes:
        if self._buf:
            out, self._buf = self._buf[:n], self._buf[n:]
            if len(out) == n:
                return out
            return out + (self._raw.read(n - len(out)) or b"")
        return self._raw.read(n) or b""

    def decode_utf16(self) -> None:
        self._raw = _Utf16(_Prefixed(self._buf, self._raw))
        self._buf = b""


class _Prefixed:
    """A readable that first returns some already-read bytes."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self._prefix = prefix
        self._rest = rest

    def read(self, n: int = -1) -> bytes:
        if self._prefix:
            if n < 0 or n >= len(self._prefix):
                out, self._prefix = self._prefix, b""
                return out
            out, self._prefix = self._prefix[:n], self._prefix[n:]
            return out
        return bytes(self._rest.read(n) or b"")


class _Utf16:
    """UTF-16 bytes (with BOM) read as UTF-8 bytes."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")

    def read(self, n: int = -1) -> bytes:
        while True:
            data = self._raw.read(n if n > 0 else _CHUNK)
            out = self._decoder.decode(data, final=not data).encode("utf-8")
            if out or not data:
                return out


def _why(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _detect(head: bytes) -> str:
    stripped = head.lstrip(b" \t\r\n")
    if stripped.startswith(b"["):
        after = stripped[1:].lstrip(b" \t\r")
        if after[:1] in (b"{", b"]", b"[", b'"', b"\n", b""):
            return "json-array"
        return "text"  # gunicorn's "[2025-09-15 18:02:15 +0000] [1] [INFO] ..." starts with a bracket too
    if stripped.startswith(b"{"):
        first_line, newline, _ = stripped.partition(b"\n")
        first_line = first_line.strip()
        if first_line.endswith(b"}") and _loads_or_none(first_line) is not None:
            return "jsonl"
        if first_line == b"{":
            return "json-object"  # pretty-printed
        if first_line.startswith((b'{"', b'{ "')):
            return "json-object" if newline and not first_line.endswith(b"}") else "jsonl"
        return "text"
    if stripped.startswith(b"---"):
        return "yaml"
    found = _YAML_KEY.match(stripped)
    if found and found.group(1) in _ENTRY_KEYS:
        return "yaml"
    return "text"


def _loads_or_none(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _decode(data: bytes, src: FileSource) -> Any:
    """One JSON value, via orjson; stdlib fallback for invalid UTF-8, raw control characters, lone surrogates."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc):
            raise _TooDeep from None
    text = data.decode("utf-8", "replace")
    try:
        value = json.loads(text, strict=False)
    except RecursionError:
        raise _TooDeep from None
    if "\ufffd" in text:
        src._note("entries with invalid UTF-8 read with U+FFFD replacement characters")
    return _scrub(value, 0)


class _TooDeep(Exception):
    """A JSON value nested deeper than the parsers allow."""


def _scrub(value: Any, depth: int) -> Any:
    """Replace lone surrogates (valid JSON escapes, invalid text) so later encoding cannot fail."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value
    if depth > 64:
        return value
    if isinstance(value, dict):
        return {_scrub(k, depth + 1): _scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, depth + 1) for v in value]
    return value


class _Buffer:
    """A growing window over a stream's bytes; ``data[pos:]`` is what is still unread."""

    def __init__(self, stream: _Stream) -> None:
        self.stream = stream
        self.data = b""
        self.pos = 0
        self.base = 0
        """Stream offset of data[0], so positions survive the window moving."""
        self.eof = False
        self.stopped = False
        """Reading gave up (an entry cut off or too large); the rest of the input is not read."""

    def more(self, at_least: int = _CHUNK) -> bool:
        """Append at least one more read (doubling for huge elements); False at end of input."""
        if self.eof:
            return False
        chunk = self.stream.read(max(_CHUNK, at_least))
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
        if i - buf.pos > _MAX_ENTRY:
            return None
        shift = buf.pos
        if not buf.more(len(buf.data) - buf.pos):
            return None
        i -= shift


def _json_array(stream: _Stream, src: FileSource) -> Iterator[RawEntry]:
    buf = _Buffer(stream)
    if not buf.skip_ws() or buf.data[buf.pos] != 0x5B:
        raise InputError(f"{src.name}: expected a JSON array of log entries.")
    buf.pos += 1
    marker: bytes | None = None
    careful_until = 0  # stream offset: decode one element at a time until past a damaged stretch
    while True:
        if not buf.skip_ws():
            if not buf.stopped:
                src._note("JSON array had no closing ] (the file may be cut off)")
            return
        c = buf.data[buf.pos]
        if c == 0x5D:  # ]
            return
        if c == 0x2C:  # a stray comma
            buf.pos += 1
            continue
        if marker is not None and buf.base + buf.pos >= careful_until:
            batch = _batch(buf, marker, src)
            if isinstance(batch, list):
                yield from batch
                continue
            if batch is not None:
                careful_until = batch
        yield from _one_element(buf, marker, src)
        if marker is None and buf.skip_ws():
            sep = _SEP.match(buf.data, buf.pos)
            if sep is not None and sep.end() < len(buf.data) and buf.data[sep.end()] == 0x7B:
                marker = b"}" + buf.data[sep.start() : sep.end()] + b"{"


def _batch(buf: _Buffer, marker: bytes, src: FileSource) -> list[RawEntry] | int | None:
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
            src._skip("array elements that were not log entry objects")
    return out


def _one_element(buf: _Buffer, marker: bytes | None, src: FileSource) -> Iterator[RawEntry]:
    """The element at buf.pos: cut at the next separator if that decodes, else found by bracket counting."""
    start = buf.pos
    if buf.data[start] not in (0x7B, 0x5B):  # a bare number, string or literal
        scalar = _SCALAR.match(buf.data, start)
        buf.pos = max(scalar.end() if scalar else 0, start + 1)
        src._skip("array elements that were not log entry objects")
        return
    resync: int | None = None
    if marker is not None:
        cut = buf.data.find(marker, start)
        if cut >= 0:
            try:
                value = _decode(buf.data[start : cut + 1], src)
            except _TooDeep:
                buf.pos = cut + len(marker) - 1
                src._skip("entries nested too deeply to read")
                return
            except ValueError:
                resync = buf.base + cut + len(marker) - 1
            else:
                buf.pos = cut + len(marker) - 1
                yield from _entry_or_skip(value, src)
                return
    end = _value_end(buf)
    start = buf.pos  # the window may have moved
    if end is not None:
        try:
            value = _decode(buf.data[start:end], src)
        except _TooDeep:
            buf.pos = end
            src._skip("entries nested too deeply to read")
            return
        except ValueError:
            pass
        else:
            buf.pos = end
            yield from _entry_or_skip(value, src)
            return
    if resync is not None:  # a damaged element of a pretty-printed array: go on at the next one
        buf.pos = resync - buf.base
        src._skip("entries that were not valid JSON")
    elif end is not None:
        buf.pos = end
        src._skip("entries that were not valid JSON")
    else:
        if len(buf.data) - start > _MAX_ENTRY:
            src._skip(f"entries larger than {_MAX_ENTRY >> 20} MiB (reading stopped there)")
        else:
            src._skip("entries lost: the JSON array is cut off inside an entry")
        buf.pos = len(buf.data)
        buf.eof = buf.stopped = True


def _entry_or_skip(value: Any, src: FileSource) -> Iterator[RawEntry]:
    if isinstance(value, dict):
        yield value
    else:
        src._skip("array elements that were not log entry objects")


def _lines(stream: _Stream, limit: int, src: FileSource, what: str) -> Iterator[bytes]:
    """Lines of a stream without their newline; a line longer than limit is cut there and the rest dropped."""
    carry = b""
    dropping = False
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            if carry and not dropping:
                yield carry
            return
        parts = (carry + chunk).split(b"\n")
        carry = parts.pop()
        for part in parts:
            if dropping:
                dropping = False
                continue
            yield part[:limit] if len(part) > limit else part
        if len(carry) > limit:
            if not dropping:
                src._note(f"{what} longer than {limit >> 20} MiB cut while reading")
                yield carry[:limit]
            carry = b""
            dropping = True


def _jsonl(stream: _Stream, src: FileSource) -> Iterator[RawEntry]:
    for line in _lines(stream, _MAX_ENTRY + 1, src, "JSONL lines"):
        line = line.strip()
        if not line:
            continue
        if len(line) > _MAX_ENTRY:
            src._skip(f"JSONL lines larger than {_MAX_ENTRY >> 20} MiB")
            continue
        try:
            value = _decode(line, src)
        except _TooDeep:
            src._skip("JSONL lines nested too deeply to read")
            continue
        except ValueError:
            src._skip("JSONL lines that were not valid JSON")
            continue
        if isinstance(value, dict):
            entries = value.get("entries")
            if isinstance(entries, list) and not _ENTRY_KEYS.intersection(k.encode() for k in value):
                yield from _entries_of_response(entries, src)  # an entries.list response on one line
            else:
                yield value
        else:
            src._skip("JSONL lines that were not log entry objects")


def _json_object(stream: _Stream, src: FileSource) -> Iterator[RawEntry]:
    """One pretty-printed object: an entries.list response ({"entries": [...]}) or a single entry."""
    data = b""
    while len(data) <= _MAX_ENTRY:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        data += chunk
    else:
        raise InputError(
            f"{src.name}: a single JSON object over {_MAX_ENTRY >> 20} MiB. "
            "Export with: gcloud logging read ... --format=json (an array) instead."
        )
    try:
        value = _decode(data, src)
    except (_TooDeep, ValueError):
        raise InputError(
            f"{src.name}: starts like JSON but is not valid JSON. Re-export with: gcloud logging read ... --format=json"
        ) from None
    items = value.get("entries") if isinstance(value, dict) else None
    if isinstance(items, list):
        yield from _entries_of_response(items, src)
    elif isinstance(value, dict):
        yield value
    else:
        src._skip("JSON values that were not log entry objects")


def _entries_of_response(items: list[Any], src: FileSource) -> Iterator[RawEntry]:
    for item in items:
        if isinstance(item, dict):
            yield item
        else:
            src._skip("entries that were not log entry objects")


def _yaml_docs(stream: _Stream, src: FileSource) -> Iterator[RawEntry]:
    doc: list[bytes] = []
    size = 0

    def flush() -> Iterator[RawEntry]:
        if not any(line.strip() for line in doc):
            return
        if size > _MAX_ENTRY:
            src._skip("YAML documents too large to parse")
            return
        data = b"\n".join(doc)
        if len(data) > _YAML_DEPTH_CHECK_BYTES and _yaml_too_deep(data):
            src._skip("YAML documents nested too deeply to read")
            return
        text = data.decode("utf-8", "replace")
        try:
            value = yaml.load(text, Loader=_Loader)  # a safe loader, see _Loader
        except (yaml.YAMLError, RecursionError, ValueError):
            src._skip("YAML documents that did not parse")
            return
        if isinstance(value, dict):
            yield value
        else:
            src._skip("YAML documents that were not log entry mappings")

    for line in _lines(stream, _MAX_TEXT_LINE, src, "YAML lines"):
        if line.rstrip() == b"---":
            yield from flush()
            doc, size = [], 0
            continue
        if size <= _MAX_ENTRY:
            doc.append(line)
        size += len(line)
    yield from flush()


def _yaml_too_deep(data: bytes) -> bool:
    """True when flow brackets or indentation nest deeper than libyaml's C composer survives."""
    depth = 0
    for found in _FLOW_BRACKET.finditer(data):
        depth += 1 if found.group() in (b"[", b"{") else -1
        if depth > _MAX_YAML_DEPTH:
            return True
    return any(len(m.group()) > _MAX_YAML_DEPTH for m in _INDENT.finditer(data))


def _text_lines(stream: _Stream, src: FileSource) -> Iterator[RawEntry]:
    for raw in _lines(stream, _MAX_TEXT_LINE, src, "lines"):
        if b"\x00" in raw:
            src._note("lines had NUL bytes, removed")
            raw = raw.replace(b"\x00", b"")
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if "\ufffd" in line and b"\xef\xbf\xbd" not in raw:
            src._note("lines with invalid UTF-8 read with U+FFFD replacement characters")
        if line.strip():
            yield line


_READERS = {
    "json-array": _json_array,
    "jsonl": _jsonl,
    "json-object": _json_object,
    "yaml": _yaml_docs,
    "text": _text_lines,
}

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it."""


def open_source(path: str) -> FileSource:
    """A FileSource for a path, or ``-`` for stdin; raises InputError for a missing path or a directory."""
    return FileSource(path)
