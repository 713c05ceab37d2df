"""Offline sources: gcloud exports (JSON array, JSONL, YAML) and plain text, gzipped or not, or stdin.

The format is detected from the content. Files are read incrementally: a JSON array is decoded one
element at a time, so memory holds one entry, not the export.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
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

_CHUNK = 1 << 20
_SNIFF = 64 * 1024
_YAML_KEYS = (
    "insertId:",
    "logName:",
    "textPayload:",
    "jsonPayload:",
    "protoPayload:",
    "timestamp:",
    "severity:",
    "resource:",
    "receiveTimestamp:",
    "httpRequest:",
)
_MAX_YAML_DOC = 8 * 1024 * 1024


class FileSource:
    """Entries of one file (or ``-`` for stdin), in whatever format it holds."""

    def __init__(self, path: str, stdin: IO[bytes] | None = None) -> None:
        self.name = path
        self._stdin = stdin
        self._skips: Counter[str] = Counter()
        self.format = "unknown"
        if path != "-":
            p = Path(path)
            if not p.exists():
                raise InputError(f"{path}: no such file. Check the path, or pass - to read standard input.")
            if p.is_dir():
                raise InputError(
                    f"{path}: is a directory. Pass the export file itself, e.g. {path}/logs.json."
                )

    @property
    def skipped(self) -> int:
        return sum(self._skips.values())

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        return tuple(f"{n} {reason}" for reason, n in sorted(self._skips.items()))

    def _skip(self, reason: str, n: int = 1) -> None:
        self._skips[reason] += n

    def _open_binary(self) -> IO[bytes]:
        if self.name == "-":
            raw: IO[bytes] = self._stdin if self._stdin is not None else sys.stdin.buffer
        else:
            try:
                raw = open(self.name, "rb")  # noqa: SIM115 - closed by entries()
            except OSError as exc:
                raise InputError(f"{self.name}: cannot be read ({exc.strerror}). Check its permissions.") from None
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
        head = buffered.peek(2)[:2]
        if head == b"\x1f\x8b":
            return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]
        return buffered

    def entries(self) -> Iterator[RawEntry]:
        stream = self._open_binary()
        try:
            try:
                head = _read_head(stream)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(
                    f"{self.name}: is not a readable gzip file ({exc}). Re-download the export or pass it uncompressed."
                ) from None
            text = _TextStream(head, stream, self)
            self.format = _detect(text.peek_text())
            try:
                if self.format == "json-array":
                    yield from _json_array(text, self)
                elif self.format == "jsonl":
                    yield from _jsonl(text, self)
                elif self.format == "yaml":
                    yield from _yaml_docs(text, self)
                elif self.format == "json-object":
                    yield from _json_object(text, self)
                else:
                    yield from _text_lines(text, self)
            except (OSError, EOFError, zlib.error) as exc:
                self._skip("entries lost to a corrupt or truncated gzip stream")
                if not self.skipped:
                    raise InputError(f"{self.name}: gzip data is corrupt ({exc}).") from None
        finally:
            if self.name != "-":
                stream.close()


def _read_head(stream: IO[bytes]) -> bytes:
    head = stream.read(_SNIFF)
    if b"\x00" in head[:_SNIFF] and head.count(b"\x00") > len(head) // 100:
        raise InputError(
            f"{getattr(stream, 'name', 'input')}: looks binary (NUL bytes), not a log export. "
            "Pass a gcloud logging read export (JSON, JSONL, YAML) or plain text."
        )
    return head


class _TextStream:
    """Decodes bytes to text incrementally, replacing invalid UTF-8 (counted by the caller's reader)."""

    def __init__(self, head: bytes, rest: IO[bytes], owner: FileSource) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8) :]
        self._pending = self._decoder.decode(head)
        self._rest = rest
        self._owner = owner
        self._eof = False

    def peek_text(self) -> str:
        return self._pending

    def chunks(self) -> Iterator[str]:
        if self._pending:
            first, self._pending = self._pending, ""
            yield first
        while not self._eof:
            data = self._rest.read(_CHUNK)
            if not data:
                self._eof = True
                tail = self._decoder.decode(b"", final=True)
                if tail:
                    yield tail
                return
            yield self._decoder.decode(data)

    def lines(self) -> Iterator[str]:
        carry = ""
        for chunk in self.chunks():
            chunk = carry + chunk
            parts = chunk.split("\n")
            carry = parts.pop()
            yield from parts
        if carry:
            yield carry


def _detect(head: str) -> str:
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "json-array"
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0].strip()
        if first_line.endswith("}"):
            return "jsonl"
        return "json-object"
    if stripped.startswith("---"):
        return "yaml"
    first = stripped.split("\n", 1)[0]
    if first.startswith(_YAML_KEYS):
        return "yaml"
    return "text"


def _json_array(text: _TextStream, src: FileSource) -> Iterator[RawEntry]:
    """Decode a JSON array one element at a time with the stdlib's raw_decode over a sliding buffer."""
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    started = False
    chunks = text.chunks()
    exhausted = False

    def refill() -> bool:
        nonlocal buf, pos, exhausted
        if exhausted:
            return False
        try:
            more = next(chunks)
        except StopIteration:
            exhausted = True
            return False
        buf = buf[pos:] + more
        pos = 0
        return True

    while True:
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,\ufeff":
                pos += 1
            if pos < len(buf) or not refill():
                break
        if pos >= len(buf):
            if started:
                src._skip("entries lost to a truncated JSON array (no closing ])")
            return
        ch = buf[pos]
        if not started:
            if ch != "[":
                raise InputError(f"{src.name}: expected a JSON array of log entries.")
            started = True
            pos += 1
            continue
        if ch == "]":
            return
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
                break
            except RecursionError:
                src._skip("entries nested too deeply to read")
                value, end = None, _skip_value(buf, pos)
                break
            except json.JSONDecodeError:
                if refill():
                    continue
                src._skip("entries lost to truncated or invalid JSON at the end of the array")
                return
        pos = end
        if isinstance(value, dict):
            yield value
        elif value is not None:
            src._skip("array elements that were not log entry objects")


def _skip_value(buf: str, pos: int) -> int:
    """Index just past the bracketed value starting at pos (strings respected); len(buf) if unclosed."""
    depth = 0
    in_str = False
    i = pos
    while i < len(buf):
        c = buf[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(buf)


def _loads_object(line: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)  # orjson refuses deep nesting and some edge cases; the stdlib decides


def _jsonl(text: _TextStream, src: FileSource) -> Iterator[RawEntry]:
    for line in text.lines():
        line = line.strip()
        if not line:
            continue
        try:
            value = _loads_object(line)
        except (json.JSONDecodeError, RecursionError, ValueError):
            src._skip("JSONL lines that were not valid JSON")
            continue
        if isinstance(value, dict):
            yield value
        else:
            src._skip("JSONL lines that were not log entry objects")


def _json_object(text: _TextStream, src: FileSource) -> Iterator[RawEntry]:
    """A single pretty-printed object: an entries.list response ({"entries": [...]}) or one entry."""
    whole = "".join(text.chunks())
    try:
        value = _loads_object(whole)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise InputError(
            f"{src.name}: starts like JSON but is not valid JSON. Re-export with: gcloud logging read ... --format=json"
        ) from None
    items = value.get("entries") if isinstance(value, dict) else None
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                yield item
            else:
                src._skip("entries that were not log entry objects")
    elif isinstance(value, dict):
        yield value


def _yaml_docs(text: _TextStream, src: FileSource) -> Iterator[RawEntry]:
    doc: list[str] = []
    size = 0

    def flush() -> Iterator[RawEntry]:
        if not any(line.strip() for line in doc):
            return
        if size > _MAX_YAML_DOC:
            src._skip("YAML documents too large to parse")
            return
        try:
            value = yaml.load("\n".join(doc), Loader=_Loader)  # noqa: S506 - a safe loader, see _Loader
        except (yaml.YAMLError, RecursionError, ValueError):
            src._skip("YAML documents that did not parse")
            return
        if isinstance(value, dict):
            yield value
        else:
            src._skip("YAML documents that were not log entry mappings")

    for line in text.lines():
        if line.rstrip() == "---":
            yield from flush()
            doc, size = [], 0
            continue
        doc.append(line)
        size += len(line)
    yield from flush()


def _text_lines(text: _TextStream, src: FileSource) -> Iterator[RawEntry]:
    for line in text.lines():
        line = line.rstrip("\r")
        if line.strip():
            yield line


_Loader: type[yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def open_source(path: str) -> FileSource:
    """A FileSource for a path, or ``-`` for stdin; raises InputError for a missing path or a directory."""
    return FileSource(path)
