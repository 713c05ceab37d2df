"""What the file readers share: the interface they report to, read sizes and limits, JSON decoding.

A reader gets the bytes of a file (already gunzipped and converted to UTF-8) and a Ledger to report to.
The Ledger (a FileSource) counts what could not be read (skips) and what was read but repaired (notes);
each reason string is shown as it is in reports and tests, so the same kind of loss always uses the
same words.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import orjson

CHUNK = 4 << 20
"""Bytes asked of the stream per read."""
MAX_ENTRY = 64 << 20
"""A JSON element, JSONL line or YAML document larger than this is skipped (counted), not parsed."""
ENTRY_KEYS = frozenset(
    b"insertId logName textPayload jsonPayload protoPayload timestamp severity resource receiveTimestamp "
    b"httpRequest labels trace spanId traceSampled sourceLocation operation insert_id log_name "
    b"text_payload json_payload proto_payload receive_timestamp http_request errorGroups apphub "
    b"apphubDestination split".split()
)
"""Top-level keys of a LogEntry, in API and snake_case form."""


STOPPED_THERE = "(reading stopped there)"
"""Ends every skip reason after which a reader gave up on the rest of the input."""
CUT_OFF = "entries lost: the JSON array is cut off inside an entry"
"""The skip reason of a JSON array that ends inside an entry (a truncated download, head -c)."""


def stop_reason(skip_reasons: tuple[str, ...]) -> str | None:
    """The reason, among a source's skip_reasons lines ("REASON: N"), that stopped its read early, or None."""
    for line in skip_reasons:
        reason = line.rsplit(": ", 1)[0]
        if reason == CUT_OFF or reason.endswith(STOPPED_THERE):
            return reason
    return None


class ByteStream(Protocol):
    """The bytes a reader reads."""

    def read(self, n: int) -> bytes:
        """Up to n bytes; empty only at the end of the input."""
        ...


class Ledger(Protocol):
    """What a reader reports to: entries it could not read and repairs it made (FileSource is one)."""

    @property
    def name(self) -> str:
        """The file's path, or ``-`` for stdin, for error messages."""
        ...

    def skip(self, reason: str, n: int = 1) -> None:
        """Count n entries lost, for this reason."""
        ...

    def note(self, note: str, n: int = 1) -> None:
        """Count n repairs of this kind (the input was read, but changed)."""
        ...


class TooDeep(Exception):
    """A JSON value nested deeper than the parsers allow."""


def decode(data: bytes, ledger: Ledger) -> Any:
    """One JSON value, via orjson; stdlib fallback for invalid UTF-8, raw control characters, lone surrogates.

    Raises TooDeep for nesting the parsers refuse, ValueError for anything else that is not JSON.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc):
            raise TooDeep from None
    text = data.decode("utf-8", "replace")
    try:
        value = json.loads(text, strict=False)
    except RecursionError:
        raise TooDeep from None
    if "\ufffd" in text:
        ledger.note("entries with invalid UTF-8 read with U+FFFD replacement characters")
    return _scrub(value, 0)


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
