"""Readers of JSONL, YAML documents and plain text, which go line by line; and of one JSON object.

Lines are split out of large reads, and a line longer than its limit is cut there and the rest of it
dropped (noted), so one endless line cannot fill memory. YAML is cut into documents at ``---`` lines and
each is parsed alone, so a damaged document costs only itself; one nested deeper than libyaml's C
composer survives is skipped before it is parsed. A pretty-printed JSON object (an entries.list
response, or a single entry) is read here too: like a JSONL line it may be a response that wraps
the entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import orjson

from logscan.errors import InputError
from logscan.sources import RawEntry
from logscan.sources.reading import CHUNK, ENTRY_KEYS, MAX_ENTRY, ByteStream, Ledger, TooDeep, decode

_MAX_TEXT_LINE = 16 << 20
"""A plain-text line is cut here while reading (normalize then bounds it further and counts the cut)."""
_MAX_YAML_DEPTH = 5000
"""Deeper flow or block nesting crashes libyaml's composer (C stack), so such documents are skipped."""
_YAML_DEPTH_CHECK_BYTES = 8192
"""Smaller documents cannot nest that deep and are not scanned."""
_FLOW_BRACKET = re.compile(rb"[\[\]{}]")
_INDENT = re.compile(rb"(?m)^ {5000,}")


def _blocks(
    stream: ByteStream, limit: int, ledger: Ledger, what: str, ends: bool = False
) -> Iterator[list[bytes]]:
    """The lines of a stream, a read's worth at a time (``_lines`` one by one): without their newline, or
    with it when ends is true (the last line may have none; found faster, with memchr).

    A line longer than limit is cut there (losing its newline) and the rest of it dropped (noted).
    """
    carry = b""
    dropping = False
    longest = limit + 1 if ends else limit
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            if carry and not dropping:
                yield [carry]
            return
        if ends:
            parts = BytesIO(carry + chunk).readlines()
            carry = parts.pop() if parts[-1][-1:] != b"\n" else b""
        else:
            parts = (carry + chunk).split(b"\n")
            carry = parts.pop()
        if dropping and parts:
            dropping = False
            del parts[0]  # the rest of a cut line
        if parts and max(map(len, parts)) > longest:
            parts = [part[:limit] if len(part) > longest else part for part in parts]
        if len(carry) > limit:
            if not dropping:
                ledger.note(f"{what} longer than {limit >> 20} MiB cut while reading")
                parts.append(carry[:limit])
            carry = b""
            dropping = True
        if parts:
            yield parts


def _lines(stream: ByteStream, limit: int, ledger: Ledger, what: str) -> Iterator[bytes]:
    """Lines of a stream without their newline; a line longer than limit is cut there and the rest dropped."""
    for block in _blocks(stream, limit, ledger, what):
        yield from block


def read_jsonl(stream: ByteStream, ledger: Ledger) -> Iterator[RawEntry]:
    loads = orjson.loads
    for block in _blocks(stream, MAX_ENTRY + 1, ledger, "JSONL lines", ends=True):
        for line in block:
            # The common case first: a line that is one entry object (orjson takes the spaces around it).
            try:
                value = loads(line)
            except orjson.JSONDecodeError:
                value = None
            if type(value) is dict and "entries" not in value and len(line) <= MAX_ENTRY:
                yield value
            else:
                yield from _jsonl_line(line[:-1] if line[-1:] == b"\n" else line, ledger)


def _jsonl_line(original: bytes, ledger: Ledger) -> Iterator[RawEntry]:
    """The entries of one JSONL line, whatever it holds (nothing, a response, text, damage)."""
    line = original.strip()
    if not line:
        return
    if len(line) > MAX_ENTRY:
        ledger.skip(f"JSONL lines larger than {MAX_ENTRY >> 20} MiB")
        return
    try:
        value = decode(line, ledger)
    except TooDeep:
        ledger.skip("JSONL lines nested too deeply to read")
        return
    except ValueError:
        if line[:1] in (b"{", b"["):
            ledger.skip("JSONL lines that were not valid JSON")
        else:
            # Containers mix structured and plain lines (a JSON log line, then its stack trace on
            # stderr): a line that never tried to be JSON is a text record, not a damaged entry.
            ledger.note("plain-text lines between the JSON lines were read as text")
            yield original.rstrip(b"\r").decode("utf-8", "replace")
        return
    if isinstance(value, dict):
        entries = value.get("entries")
        if isinstance(entries, list) and not ENTRY_KEYS.intersection(k.encode() for k in value):
            yield from _entries_of_response(entries, ledger)  # an entries.list response on one line
        else:
            yield value
    else:
        ledger.skip("JSONL lines that were not log entry objects")


def read_json_object(stream: ByteStream, ledger: Ledger) -> Iterator[RawEntry]:
    """One pretty-printed object: an entries.list response ({"entries": [...]}) or a single entry."""
    data = b""
    while len(data) <= MAX_ENTRY:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        data += chunk
    else:
        raise InputError(
            f"{ledger.name}: a single JSON object over {MAX_ENTRY >> 20} MiB. "
            "Export with: gcloud logging read ... --format=json (an array) instead."
        )
    try:
        value = decode(data, ledger)
    except (TooDeep, ValueError):
        raise InputError(
            f"{ledger.name}: starts like JSON but is not valid JSON. Re-export with: gcloud logging read ... --format=json"
        ) from None
    items = value.get("entries") if isinstance(value, dict) else None
    if isinstance(items, list):
        yield from _entries_of_response(items, ledger)
    elif isinstance(value, dict):
        yield value
    else:
        ledger.skip("JSON values that were not log entry objects")


def _entries_of_response(items: list[Any], ledger: Ledger) -> Iterator[RawEntry]:
    for item in items:
        if isinstance(item, dict):
            yield item
        else:
            ledger.skip("entries that were not log entry objects")


def read_yaml_docs(stream: ByteStream, ledger: Ledger) -> Iterator[RawEntry]:
    import yaml  # here, not at the top: a JSON or text input imports no YAML parser

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when PyYAML has it
    doc: list[bytes] = []
    size = 0

    def flush() -> Iterator[RawEntry]:
        if not any(line.strip() for line in doc):
            return
        if size > MAX_ENTRY:
            ledger.skip("YAML documents too large to parse")
            return
        data = b"\n".join(doc)
        if len(data) > _YAML_DEPTH_CHECK_BYTES and _yaml_too_deep(data):
            ledger.skip("YAML documents nested too deeply to read")
            return
        text = data.decode("utf-8", "replace")
        try:
            value = yaml.load(text, Loader=loader)  # a safe loader, see loader
        except (yaml.YAMLError, RecursionError, ValueError):
            ledger.skip("YAML documents that did not parse")
            return
        if isinstance(value, dict):
            yield value
        else:
            ledger.skip("YAML documents that were not log entry mappings")

    for line in _lines(stream, _MAX_TEXT_LINE, ledger, "YAML lines"):
        if line.rstrip() == b"---":
            yield from flush()
            doc, size = [], 0
            continue
        if size <= MAX_ENTRY:
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


def read_text_lines(stream: ByteStream, ledger: Ledger) -> Iterator[RawEntry]:
    for raw in _lines(stream, _MAX_TEXT_LINE, ledger, "lines"):
        if b"\x00" in raw:
            ledger.note("lines had NUL bytes, removed")
            raw = raw.replace(b"\x00", b"")
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if "\ufffd" in line and b"\xef\xbf\xbd" not in raw:
            ledger.note("lines with invalid UTF-8 read with U+FFFD replacement characters")
        if line.strip():
            yield line
