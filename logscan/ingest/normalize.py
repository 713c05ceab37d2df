"""Raw entries (LogEntry in API or snake_case form, structured objects, text lines) into Records.

Every field is read defensively: an export can hold a number where an object should be, a severity
that is a list, a timestamp that is garbage. Such values become "unknown" (None, DEFAULT), never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson
import regex

from logscan.ingest.prefix import split_prefix
from logscan.model import SEVERITIES, HttpRequest, Record
from logscan.sources import RawEntry

ANSI = regex.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\[[0-9]{1,3}(?:;[0-9]{1,3}){0,4}m")
"""ANSI escape sequences, and the bare ``[32m`` forms some exports keep after the ESC byte was lost.

A bare form needs a digit (``[0m``, ``[1;31m``): ``[m`` alone is text far more often (``SEVERE [main]``)."""

MESSAGE_KEYS = ("message", "msg", "textPayload", "text", "event", "log")
DETAIL_KEYS = (
    "error",
    "exception",
    "err",
    "exc_info",
    "stack_trace",
    "stackTrace",
    "stacktrace",
    "traceback",
)
INNER_TEXT_KEYS = ("message", "msg", "value", "repr", "stack_trace", "stackTrace", "stacktrace", "traceback")
NESTED_KEYS = ("record", "data", "payload", "jsonPayload", "json_payload", "error", "exception", "err")
_MAX_DEPTH = 4
_RAW_JSON_CHARS = 2000
SEVERITY_NAMES = {name: name for name in SEVERITIES} | {
    "WARN": "WARNING",
    "FATAL": "CRITICAL",
    "CRIT": "CRITICAL",
    "ERR": "ERROR",
    "TRACE": "DEBUG",
    "INFORMATION": "INFO",
    "SUCCESS": "INFO",  # loguru
    "EMERG": "EMERGENCY",
}
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
_OTHER_PAYLOADS = frozenset(
    ("text_payload", "jsonPayload", "json_payload", "protoPayload", "proto_payload", "payload")
)
"""The payload keys of an entry besides textPayload (see _payload)."""
_MAP = (dict, Mapping)
"""isinstance checks try the exact dict type first: the ABC check alone is several times slower."""


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
        severity = "DEFAULT"  # a text payload says nothing of its severity (see _severity)
    else:
        if type(text) is str:
            kind, payload = "text", text
        elif text is None and "logName" in raw and _OTHER_PAYLOADS.isdisjoint(raw):
            kind, payload, text = "none", None, ""  # a request or audit log: no payload at all
        else:
            kind, payload = _payload(raw)
            text = _text(kind, payload)
        named = SEVERITY_NAMES.get(severity) if type(severity) is str else None
        severity = named if named is not None else _severity(severity, kind, payload)
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
    labels = resource.get("labels") if type(resource) is dict else _labels(resource)
    if type(labels) is dict:
        service, revision, region = (
            labels.get("service_name"),
            labels.get("revision_name"),
            labels.get("location"),
        )
        if type(service) is not str or not service:
            service = _str_or_none(service)
        if type(revision) is not str or not revision:
            revision = _str_or_none(revision)
        if type(region) is not str or not region:
            region = _str_or_none(region)
    else:
        service, revision = _label(labels, "service_name"), _label(labels, "revision_name")
        region = _label(labels, "location")
    entry_labels = get("labels")
    instance = entry_labels.get("instanceId") if type(entry_labels) is dict else None
    if type(instance) is not str or not instance:
        instance = _label(entry_labels, "instanceId") or _label(entry_labels, "instance_id")
    insert_id = get("insertId")
    if type(insert_id) is not str or not insert_id:
        insert_id = _str_or_none(_either(raw, "insertId", "insert_id"))
    request = get("httpRequest")
    if request is None:
        request = get("http_request")
    trace = get("trace")
    if type(trace) is not str or not trace:
        trace = _str_or_none(trace)
    stamp = get("timestamp")
    timestamp = None
    if type(stamp) is str:
        try:
            timestamp = _fromisoformat(stamp)
        except ValueError:
            timestamp = None
    if timestamp is None or timestamp.tzinfo is not UTC:
        timestamp = parse_timestamp(stamp)  # anything but RFC 3339 in UTC: the general path
    record: Record = _new(Record)
    _set(
        record,
        "__dict__",
        {
            "index": index,
            "text": text,
            "clean": clean,
            "severity": severity,
            "stream": stream,
            "timestamp": timestamp,
            "source": source,
            "service": service,
            "revision": revision,
            "instance": instance,
            "insert_id": insert_id,
            "http_request": None if request is None else _http_request(request),
            "trace": trace,
            "truncated": cut,
            "region": region,
        },
    )
    return record


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
            trace=None,
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
        trace=None,
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


def _either(raw: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = raw.get(camel)
    return raw.get(snake) if value is None else value


def _bound(text: str, max_chars: int) -> tuple[str, bool]:
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars], True


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None  # a list or an object where a string belongs: unknown


def _labels(resource: Any) -> Any:
    if isinstance(resource, _MAP):
        return resource.get("labels")
    if isinstance(resource, list | tuple) and len(resource) == 2:
        return resource[1]  # the Python client's Resource(type, labels), dumped as a list
    return None


def _label(labels: Any, key: str) -> str | None:
    if isinstance(labels, _MAP):
        return _str_or_none(labels.get(key))
    return None


def _payload(raw: Mapping[str, Any]) -> tuple[str, Any]:
    """Which payload the entry has (text, json, proto or none) and its value."""
    value = _either(raw, "textPayload", "text_payload")
    if value is not None:
        return "text", value
    value = _either(raw, "jsonPayload", "json_payload")
    if value is not None:
        return "json", value
    value = _either(raw, "protoPayload", "proto_payload")
    if value is not None:
        return "proto", value
    if "payload" in raw:  # the Python client's LogEntry: payload is str, dict or a proto as dict
        value = raw["payload"]
        if isinstance(value, str):
            return "text", value
        if isinstance(value, _MAP) and ("@type" in value or "methodName" in value):
            return "proto", value
        return "json", value
    if not (
        "logName" in raw or "log_name" in raw or "resource" in raw or "insertId" in raw or "insert_id" in raw
    ):
        return "json", raw  # a bare structured log object
    return "none", None


def _text(kind: str, value: Any) -> str:
    if kind == "text":
        if isinstance(value, str):
            return value
        return _json_text(value) if isinstance(value, _MAP) else _scalar_text(value)
    if kind == "json":
        if isinstance(value, _MAP):
            return _json_text(value)
        return value if isinstance(value, str) else _scalar_text(value)
    if kind == "proto" and isinstance(value, _MAP):
        status = value.get("status")
        if isinstance(status, _MAP):
            message = status.get("message")
            if isinstance(message, str):
                return message
    return ""


def _scalar_text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    return _dump(value)


def _dump(value: Any) -> str:
    try:
        text = orjson.dumps(value, default=str).decode()
    except (TypeError, orjson.JSONEncodeError):
        return ""
    if len(text) <= _RAW_JSON_CHARS:
        return text
    from logscan.redaction.redact import clip  # only a long payload pays for loading the detectors

    return clip(text, _RAW_JSON_CHARS)  # redacted before it is cut, so no part of a secret is left


def _json_text(payload: Mapping[str, Any]) -> str:
    """The human text of a structured payload: its message, plus an error or stack trace when it has one.

    Keys are looked for at the top first, then in nested objects (loguru's ``record``, ``error: {message}``).
    A payload with no message-like key at all is shown as compact JSON, so rules still see it.
    """
    main = _find_message(payload, 0)
    details = _find_details(payload, 0)
    main = main.rstrip("\n")
    parts = [main] if main else []
    parts += [d for d in details if d and d not in main]
    if not parts:
        return _dump(payload)
    return "\n".join(parts)


def _find_message(obj: Mapping[str, Any], depth: int) -> str:
    for key in MESSAGE_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    if depth < _MAX_DEPTH:
        for key in NESTED_KEYS:
            value = obj.get(key)
            if isinstance(value, _MAP):
                found = _find_message(value, depth + 1)
                if found:
                    return found
    return ""


def _find_details(obj: Mapping[str, Any], depth: int) -> list[str]:
    out: list[str] = []
    for key in DETAIL_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value:
            out.append(value)
        elif isinstance(value, _MAP) and depth < _MAX_DEPTH:
            kind, said = value.get("type"), value.get("value")
            typed = isinstance(kind, str) and isinstance(said, str)
            if typed:  # loguru's and Sentry's exception shape
                out.append(f"{kind}: {said}")
            for inner in INNER_TEXT_KEYS:
                if typed and inner == "value":
                    continue
                text = value.get(inner)
                if isinstance(text, str) and text:
                    out.append(text)
            out += _find_details(value, depth + 1)
    if depth < _MAX_DEPTH and not out:
        record = obj.get("record")
        if isinstance(record, _MAP):
            out += _find_details(record, depth + 1)
    return list(dict.fromkeys(out))


_PINO_LEVELS = {10: "DEBUG", 20: "DEBUG", 30: "INFO", 40: "WARNING", 50: "ERROR", 60: "CRITICAL"}
"""pino's and bunyan's numeric ``level`` (trace 10 ... fatal 60): on LogSeverity's 0-800 scale they would
all read DEFAULT, and a Node service logging with pino would lose every error's level."""


def _severity(value: Any, kind: str, payload: Any) -> str:
    if value is None and kind == "json" and isinstance(payload, _MAP):
        value = payload.get("severity") or payload.get("level") or payload.get("levelname")
        if isinstance(value, _MAP):  # loguru's record.level is {"name": ..., "no": ...}
            value = value.get("name")
        elif type(value) is int and value in _PINO_LEVELS:
            return _PINO_LEVELS[value]
    if value is None:
        return "DEFAULT"
    if isinstance(value, str):
        name = SEVERITY_NAMES.get(value)
        if name is not None:
            return name
        name = value.strip().upper()
        if name.isdigit():
            return _severity_from_number(int(name))
        return SEVERITY_NAMES.get(name, "DEFAULT")
    if isinstance(value, int) and not isinstance(value, bool):
        return _severity_from_number(value)
    return "DEFAULT"


def _severity_from_number(value: int) -> str:
    # LogSeverity numbers: DEFAULT 0, DEBUG 100, INFO 200 ... EMERGENCY 800
    if value <= 0:
        return "DEFAULT"
    return SEVERITIES[min(value // 100, len(SEVERITIES) - 1)]


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


def _http_request(req: Any) -> HttpRequest | None:
    if type(req) is dict:  # the common case, written out; anything unusual takes the general path below
        status, method, url, latency = (
            req.get("status"),
            req.get("requestMethod"),
            req.get("requestUrl"),
            req.get("latency"),
        )
        if (
            type(status) is int
            and type(method) is type(url) is type(latency) is str
            and method
            and url
            and latency
        ):
            request: HttpRequest = _new(HttpRequest)
            _set(request, "__dict__", {"status": status, "method": method, "url": url, "latency": latency})
            return request
    return _any_http_request(req)


def _any_http_request(req: Any) -> HttpRequest | None:
    """An httpRequest of any shape (snake_case keys, a status as text, a Duration, wrong types)."""
    if not isinstance(req, _MAP):
        return None
    status = req.get("status")
    status_code: int | None
    if isinstance(status, int) and not isinstance(status, bool):
        status_code = status
    elif isinstance(status, str) and status.strip().isdigit():
        status_code = int(status)
    else:
        status_code = None
    return HttpRequest(
        status=status_code,
        method=_str_or_none(_either(req, "requestMethod", "request_method")),
        url=_str_or_none(_either(req, "requestUrl", "request_url")),
        latency=_latency(req.get("latency")),
    )


def _latency(value: Any) -> str | None:
    if isinstance(value, _MAP):  # a protobuf Duration
        try:
            return f"{float(value.get('seconds', 0)) + float(value.get('nanos', 0)) / 1e9:.9f}s"
        except (TypeError, ValueError):
            return None
    return _str_or_none(value)


def parse_timestamp(value: Any) -> datetime | None:
    """RFC 3339 (nanoseconds, Z or offsets), a datetime, or {seconds, nanos}; timezone-aware UTC or None."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)  # 3.11 reads Z, offsets and cuts nanoseconds to micro
        except ValueError:
            return _parse_loose(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        if parsed.tzinfo is UTC:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, _MAP) and "seconds" in value:
        try:
            seconds = float(value["seconds"]) + float(value.get("nanos", 0)) / 1e9
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            return None
    return None


def _parse_loose(text: str) -> datetime | None:
    """Timestamps fromisoformat refuses: lower-case z, comma decimals, odd fraction lengths."""
    text = text.strip()
    if not text or len(text) > 64:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = text.replace(",", ".", 1)
    if "." in text:  # Python takes at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[: min(digits, 6)].ljust(1, "0") + rest[digits:]
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
