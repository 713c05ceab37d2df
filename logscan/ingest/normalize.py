"""Raw entries (LogEntry in API or snake_case form, structured objects, text lines) into Records.

Every field is read defensively: an export can hold a number where an object should be, a severity
that is a list, a timestamp that is garbage. Such values become "unknown" (None, DEFAULT), never an error.
normalize() writes the common LogEntry out for speed (one Record per input entry); anything unusual in a
field drops to the defensive readers of payload.py (message, severity) and fields.py (labels, httpRequest,
timestamps), which give the same result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from logscan import regexes
from logscan.ingest.fields import either, http_request, label, labels_of, parse_timestamp, str_or_none
from logscan.ingest.payload import SEVERITY_NAMES, payload_of, payload_text, severity_of
from logscan.ingest.prefix import split_prefix
from logscan.model import Record
from logscan.sources import RawEntry

ANSI = regexes.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\[[0-9]{1,3}(?:;[0-9]{1,3}){0,4}m")
"""ANSI escape sequences, and the bare ``[32m`` forms some exports keep after the ESC byte was lost.

A bare form needs a digit (``[0m``, ``[1;31m``): ``[m`` alone is text far more often (``SEVERE [main]``)."""

_STREAMS = {
    "run.googleapis.com/stdout": "stdout",
    "run.googleapis.com/stderr": "stderr",
    "run.googleapis.com/varlog/system": "varlog/system",
    "run.googleapis.com/requests": "requests",
}
_stream_cache: dict[str, str] = {}
CLEAN_CACHE = 8192
"""Distinct texts whose cleaned form is remembered (forgotten all at once when full): half the lines of a
typical export repeat an earlier one exactly."""
CLEAN_CACHE_CHARS = 2048
"""Longer texts are cleaned every time (bounds the cache's memory)."""
_cleaned: dict[str, tuple[str, str]] = {}
"""Text -> (the text, its clean form), the first records' objects: later repeats share them."""
_place: tuple[dict[str, Any] | None, str, dict[str, Any]] = (None, "", {})
"""The last resource labels whose service, revision and location were all plain text (a copy), the source,
and a record's fields as those give them (the rest at defaults): an export's entries mostly share them, so
a repeat costs one dict comparison and a copy of the fields, and shares the strings (hashed once later)."""
_OTHER_PAYLOADS = frozenset(
    ("text_payload", "jsonPayload", "json_payload", "protoPayload", "proto_payload", "payload")
)
"""The payload keys of an entry besides textPayload (see payload_of)."""


def strip_ansi(text: str) -> str:
    """Text with ANSI colour and cursor codes removed."""
    if "\x1b" not in text and ("[" not in text or "m" not in text):
        return text
    return str(ANSI.sub("", text))


def normalize(raw: RawEntry, index: int, source: str, max_chars: int) -> Record:
    """One raw entry as a Record; text longer than max_chars is cut and flagged."""
    if isinstance(raw, str):
        return _line(raw, index, source, max_chars)
    # The common case, written out: an API-form LogEntry (camelCase keys, plain dicts and strings).
    # Anything unusual in a field drops to the defensive helpers below, which give the same result.
    get = raw.get
    text = get("textPayload")
    severity = get("severity")
    if type(text) is str and severity is None:
        severity = "DEFAULT"  # a text payload says nothing of its severity (see severity_of)
    else:
        if type(text) is str:
            kind, payload = "text", text
        elif text is None and "logName" in raw and _OTHER_PAYLOADS.isdisjoint(raw):
            kind, payload, text = "none", None, ""  # a request or audit log: no payload at all
        else:
            kind, payload = payload_of(raw)
            text = payload_text(kind, payload)
        named = SEVERITY_NAMES.get(severity) if type(severity) is str else None
        severity = named if named is not None else severity_of(severity, kind, payload)
    cut = len(text) > max_chars
    if cut:
        text = text[:max_chars]
    known = _cleaned.get(text)
    if known is None:
        clean = strip_ansi(text)
        if len(text) <= CLEAN_CACHE_CHARS:
            if len(_cleaned) >= CLEAN_CACHE:
                _cleaned.clear()
            _cleaned[text] = (text, clean)
    else:
        text, clean = known  # the same objects as the text's earlier records: hashed once, sent once
    log_name = get("logName")
    stream = _stream_cache.get(log_name) if type(log_name) is str else None
    if stream is None:
        stream = stream_of(log_name if log_name is not None else get("log_name"))
    resource = get("resource")
    labels = resource.get("labels") if type(resource) is dict else labels_of(resource)
    place = _place
    if type(labels) is dict and labels == place[0] and source is place[1]:
        fields = place[2].copy()  # (labels equal to ones whose three names are plain text)
    else:
        fields = _placed(labels, source)
    entry_labels = get("labels")
    instance = entry_labels.get("instanceId") if type(entry_labels) is dict else None
    if type(instance) is not str or not instance:
        instance = label(entry_labels, "instanceId") or label(entry_labels, "instance_id")
    insert_id = get("insertId")
    if type(insert_id) is not str or not insert_id:
        insert_id = str_or_none(either(raw, "insertId", "insert_id"))
    request = get("httpRequest")
    if request is None:
        request = get("http_request")
    stamp = get("timestamp")
    timestamp = None
    if type(stamp) is str:
        try:
            timestamp = _fromisoformat(stamp)
        except ValueError:
            timestamp = None
    if timestamp is None or timestamp.tzinfo is not UTC:
        timestamp = parse_timestamp(stamp)  # anything but RFC 3339 in UTC: the general path
    fields["index"] = index
    fields["text"] = text
    fields["clean"] = clean
    fields["severity"] = severity
    fields["stream"] = stream
    fields["timestamp"] = timestamp
    fields["instance"] = instance
    fields["insert_id"] = insert_id
    if request is not None:
        fields["http_request"] = http_request(request)
    if cut:
        fields["truncated"] = True
    record: Record = _new(Record)
    _set(record, "__dict__", fields)
    return record


def _placed(labels: Any, source: str) -> dict[str, Any]:
    """A record's fields with those its resource labels and source give (service, revision, region) set and
    the rest at their defaults; remembered in _place when the three names are plain text."""
    if type(labels) is dict:
        service, revision, region = (
            labels.get("service_name"),
            labels.get("revision_name"),
            labels.get("location"),
        )
        plain = (
            type(service) is str
            and service
            and type(revision) is str
            and revision
            and type(region) is str
            and region
        )
        if not plain:
            service, revision, region = str_or_none(service), str_or_none(revision), str_or_none(region)
    else:
        plain = False
        service, revision = label(labels, "service_name"), label(labels, "revision_name")
        region = label(labels, "location")
    fields = {
        "index": 0,
        "text": "",
        "clean": "",
        "severity": "DEFAULT",
        "stream": "other",
        "timestamp": None,
        "source": source,
        "service": service,
        "revision": revision,
        "instance": None,
        "insert_id": None,
        "http_request": None,
        "truncated": False,
        "region": region,
    }
    if not plain:
        return fields
    global _place
    _place = (dict(labels), source, fields)  # a copy of the labels: the entry's own dict may change later
    return fields.copy()


def _line(raw: str, index: int, source: str, max_chars: int) -> Record:
    """A line of plain text (or a paste) as a Record: its prefix, when it has one, gives time and severity."""
    text, cut = _bound(raw, max_chars)
    clean = strip_ansi(text)
    pasted = split_prefix(clean)
    if pasted is None:
        return _record(
            index=index,
            text=text,
            clean=clean,
            severity="DEFAULT",
            stream="text",
            timestamp=None,
            source=source,
            service=None,
            revision=None,
            instance=None,
            insert_id=None,
            http_request=None,
            truncated=cut,
            region=None,
        )
    return _record(
        index=index,
        text=text,
        clean=pasted.text,
        severity=pasted.severity or "DEFAULT",
        stream="text",
        timestamp=pasted.timestamp,
        source=source,
        service=pasted.service,
        revision=None,
        instance=pasted.service,
        insert_id=None,
        http_request=None,
        truncated=cut,
        region=None,
    )


_new = object.__new__
_set = object.__setattr__
_fromisoformat = datetime.fromisoformat


def _record(**fields: Any) -> Record:
    """Record(**fields) without the frozen dataclass's per-field object.__setattr__ calls.

    The result is the same value (same fields, equality and hash); building it this way is about four times
    faster, which counts at one Record per input entry (normalize writes the same out in full). The price:
    the instance dict is not key-shared, so a Record takes about 170 bytes more while it lives (records
    stream through triage; peak grows ~3 MB at 100k entries). Every field must be given.
    """
    record: Record = _new(Record)
    _set(record, "__dict__", fields)
    return record


def _bound(text: str, max_chars: int) -> tuple[str, bool]:
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars], True


def stream_of(log_name: Any) -> str:
    """stdout, stderr, varlog/system, requests, audit or other, from a logName."""
    if not isinstance(log_name, str) or not log_name:
        return "other"
    found = _stream_cache.get(log_name)
    if found is not None:
        return found
    name = unquote(log_name).split("/logs/", 1)[-1]
    if name in _STREAMS:
        found = _STREAMS[name]
    elif name.startswith("cloudaudit.googleapis.com"):
        found = "audit"
    else:
        found = "other"
    if len(_stream_cache) > 1024:
        _stream_cache.clear()
    _stream_cache[log_name] = found
    return found
