"""Offline sources: gcloud exports (JSON array, JSONL, YAML) and plain text, gzipped or not, or stdin.

The format is detected from the content, never from the name alone. Files are read incrementally:
memory holds a few megabytes of input and the entries decoded from them, not the export.

This module opens the bytes (gunzipped, UTF-16 converted, a BOM dropped), refuses archives and binary
files, detects the format and hands the stream to its reader: json_array.py reads arrays, lines.py
JSONL, YAML, plain text and a single JSON object. Readers report what they skip or repair to the
FileSource through the small interface in reading.py.
"""

from __future__ import annotations

import codecs
import re
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from logscan.errors import InputError
from logscan.sources import RawEntry
from logscan.sources.gunzip import GunzipLimits, LimitedGunzip
from logscan.sources.json_array import read_json_array
from logscan.sources.lines import read_json_object, read_jsonl, read_text_lines, read_yaml_docs
from logscan.sources.reading import CHUNK, ENTRY_KEYS, STOPPED_THERE

_SNIFF = 64 * 1024
_YAML_KEY = re.compile(rb"^([A-Za-z_]+):(?:\s|$)")
_ARCHIVES = {
    b"PK\x03\x04": "a zip archive",
    b"BZh": "a bzip2 file",
    b"\xfd7zXZ\x00": "an xz file",
    b"7z\xbc\xaf": "a 7z archive",
    b"\x28\xb5\x2f\xfd": "a zstd file",
}
_CORRUPT = (OSError, EOFError, zlib.error)


class FileSource:
    """Entries of one file (or ``-`` for stdin), in whatever format it holds."""

    def __init__(self, path: str, stdin: IO[bytes] | None = None, gunzip: GunzipLimits | None = None) -> None:
        self.name = path
        self._stdin = stdin
        self._gunzip = gunzip or GunzipLimits()
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
        """One line per kind of loss (and of repair, such as replaced invalid UTF-8), the count last
        ("entries that were not valid JSON: 1"), so that the words read right for any count."""
        lines = [f"{reason}: {n:,}" for reason, n in sorted(self._skips.items())]
        lines += [f"{note}: {n:,}" for note, n in sorted(self._notes.items())]
        return tuple(lines)

    def skip(self, reason: str, n: int = 1) -> None:
        """Count n entries that could not be read, for this reason (a line of ``skip_reasons``)."""
        self._skips[reason] += n

    def note(self, note: str, n: int = 1) -> None:
        """Count n repairs of this kind: the input was read, but changed (a line of ``skip_reasons``)."""
        self._notes[note] += n

    def entries(self) -> Iterator[RawEntry]:
        """Raw entries in input order; damaged ones are counted in ``skipped``."""
        raw = self._open()
        yielded = False
        try:
            stream = _Stream(raw, self.name, self._gunzip)
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
            entries = _READERS[self.format](stream, self)
            try:
                first = next(entries, None)
                if first is not None:
                    yielded = True
                    yield first
                    yield from entries  # the rest, handed on without a loop here
            except _CORRUPT as exc:
                if not yielded:
                    raise InputError(
                        f"{self.name}: compressed data is corrupt ({_why(exc)}). Re-download the export."
                    ) from None
                self.skip(f"entries lost to a corrupt or truncated gzip stream {STOPPED_THERE}")
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
            self.note("file was UTF-16; read as text and converted")
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

    def __init__(self, raw: IO[bytes], name: str, limits: GunzipLimits) -> None:
        self._raw: Any = raw
        self._buf = b""
        first = self._fill_from_raw(2)
        if first.startswith(b"\x1f\x8b"):
            self._raw = LimitedGunzip(_Prefixed(first, raw), name, limits)
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
            data = self._raw.read(n if n > 0 else CHUNK)
            out = self._decoder.decode(data, final=not data).encode("utf-8")
            if out or not data:
                return out


def _why(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _detect(head: bytes) -> str:
    stripped = head.lstrip(b" \t\r\n")
    if stripped.startswith(b"["):
        after = stripped[1:].lstrip(b" \t\r")
        if after[:1] == b"]":  # "[]" is an empty export; "[] [main] INFO ..." is a logback line
            rest = after[1:].lstrip(b" \t\r")
            return "json-array" if rest[:1] in (b"\n", b"") else "text"
        if after[:1] in (b"{", b"[", b'"', b"\n", b""):
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
    if found and found.group(1) in ENTRY_KEYS:
        return "yaml"
    return "text"


def _loads_or_none(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


_READERS = {
    "json-array": read_json_array,
    "jsonl": read_jsonl,
    "json-object": read_json_object,
    "yaml": read_yaml_docs,
    "text": read_text_lines,
}


def open_source(path: str, gunzip: GunzipLimits | None = None) -> FileSource:
    """A FileSource for a path, or ``-`` for stdin; raises InputError for a missing path or a directory.
    gunzip bounds how far a .gz may expand (defaults: gunzip.py)."""
    return FileSource(path, gunzip=gunzip)
