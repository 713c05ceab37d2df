"""An entry's message and severity, from whichever payload it has: text, a structured (JSON) object with
its message and error details wherever a logging library put them, or an audit log's proto payload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from logscan.ingest.fields import MAP, either
from logscan.model import SEVERITIES

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


def payload_of(raw: Mapping[str, Any]) -> tuple[str, Any]:
    """Which payload the entry has (text, json, proto or none) and its value."""
    value = either(raw, "textPayload", "text_payload")
    if value is not None:
        return "text", value
    value = either(raw, "jsonPayload", "json_payload")
    if value is not None:
        return "json", value
    value = either(raw, "protoPayload", "proto_payload")
    if value is not None:
        return "proto", value
    if "payload" in raw:  # the Python client's LogEntry: payload is str, dict or a proto as dict
        value = raw["payload"]
        if isinstance(value, str):
            return "text", value
        if isinstance(value, MAP) and ("@type" in value or "methodName" in value):
            return "proto", value
        return "json", value
    if not (
        "logName" in raw or "log_name" in raw or "resource" in raw or "insertId" in raw or "insert_id" in raw
    ):
        return "json", raw  # a bare structured log object
    return "none", None


def payload_text(kind: str, value: Any) -> str:
    """The text a payload shows: itself, a structured payload's message and details, an audit log's status."""
    if kind == "text":
        if isinstance(value, str):
            return value
        return _json_text(value) if isinstance(value, MAP) else _scalar_text(value)
    if kind == "json":
        if isinstance(value, MAP):
            return _json_text(value)
        return value if isinstance(value, str) else _scalar_text(value)
    if kind == "proto" and isinstance(value, MAP):
        status = value.get("status")
        if isinstance(status, MAP):
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
            if isinstance(value, MAP):
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
        elif isinstance(value, MAP) and depth < _MAX_DEPTH:
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
        if isinstance(record, MAP):
            out += _find_details(record, depth + 1)
    return list(dict.fromkeys(out))


_PINO_LEVELS = {10: "DEBUG", 20: "DEBUG", 30: "INFO", 40: "WARNING", 50: "ERROR", 60: "CRITICAL"}
"""pino's and bunyan's numeric ``level`` (trace 10 ... fatal 60): on LogSeverity's 0-800 scale they would
all read DEFAULT, and a Node service logging with pino would lose every error's level."""


def severity_of(value: Any, kind: str, payload: Any) -> str:
    """A LogSeverity name from the entry's severity (a name, an alias, a number) or, failing that, a
    structured payload's own level; DEFAULT when nothing says."""
    if value is None and kind == "json" and isinstance(payload, MAP):
        value = payload.get("severity") or payload.get("level") or payload.get("levelname")
        if isinstance(value, MAP):  # loguru's record.level is {"name": ..., "no": ...}
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
