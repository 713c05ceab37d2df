"""Raw entries (LogEntry in API or snake_case form, structured objects, text lines) into Records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import regex

from .model import SEVERITIES, HttpRequest, Record
from .sources import RawEntry

ANSI = regex.compile(r"(?:\x1b\[|\[(?=[0-9;]*m))[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
"""ANSI escape sequences, and the bare ``[32m`` forms some exports keep after the ESC byte was lost."""

_MESSAGE_KEYS = ("message", "msg", "textPayload", "text", "error", "event", "log")
_DETAIL_KEYS = ("exception", "stack_trace", "stackTrace", "exc_info", "traceback", "error")
_SEVERITY_ALIASES = {
    "WARN": "WARNING",
    "FATAL": "CRITICAL",
    "ERR": "ERROR",
    "TRACE": "DEBUG",
    "INFORMATION": "INFO",
}
_STREAMS = {
    "run.googleapis.com/stdout": "stdout",
    "run.googleapis.com/stderr": "stderr",
    "run.googleapis.com/varlog/system": "varlog/system",
    "run.googleapis.com/requests": "requests",
}


def strip_ansi(text: str) -> str:
    """Text with ANSI colour and cursor codes removed."""
    if "[" not in text and "\x1b" not in text:
        return text
    return ANSI.sub("", text)


def normalize(raw: RawEntry, index: int, source: str, max_chars: int) -> Record:
    """One raw entry as a Record; text longer than max_chars is cut and flagged."""
    if isinstance(raw, str):
        text, cut = _bound(raw, max_chars)
        return Record(
            index=index,
            text=text,
            clean=strip_ansi(text),
            severity="DEFAULT",
            stream="text",
            timestamp=None,
            source=source,
            truncated=cut,
        )
    entry = _LogEntryView(raw)
    text, cut = _bound(entry.text(), max_chars)
    return Record(
        index=index,
        text=text,
        clean=strip_ansi(text),
        severity=entry.severity(),
        stream=entry.stream(),
        timestamp=parse_timestamp(entry.get("timestamp")),
        source=source,
        service=entry.resource_label("service_name"),
        revision=entry.resource_label("revision_name"),
        instance=entry.instance(),
        insert_id=_str_or_none(entry.get("insertId", "insert_id")),
        http_request=entry.http_request(),
        trace=_str_or_none(entry.get("trace")),
        truncated=cut,
    )


def _bound(text: str, max_chars: int) -> tuple[str, bool]:
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars], True


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


class _LogEntryView:
    """Reads a LogEntry mapping whether its keys are camelCase (API) or snake_case (Python client)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def get(self, *names: str) -> Any:
        for name in names:
            if name in self.raw:
                return self.raw[name]
        return None

    def _payload(self) -> tuple[str, Any]:
        for kind, names in (
            ("text", ("textPayload", "text_payload")),
            ("json", ("jsonPayload", "json_payload")),
            ("proto", ("protoPayload", "proto_payload")),
        ):
            value = self.get(*names)
            if value is not None:
                return kind, value
        if "payload" in self.raw:  # the Python client's LogEntry: payload is str, dict or proto dict
            value = self.raw["payload"]
            if isinstance(value, str):
                return "text", value
            if isinstance(value, Mapping) and ("@type" in value or "methodName" in value):
                return "proto", value
            return "json", value
        if not any(k in self.raw for k in ("logName", "log_name", "resource", "insertId", "insert_id")):
            return "json", self.raw  # a bare structured log object
        return "none", None

    def text(self) -> str:
        kind, value = self._payload()
        if kind == "text":
            return value if isinstance(value, str) else str(value)
        if kind == "json" and isinstance(value, Mapping):
            return _json_text(value)
        if kind == "proto" and isinstance(value, Mapping):
            status = value.get("status")
            if isinstance(status, Mapping) and status.get("message"):
                return str(status["message"])
            return ""
        return ""

    def severity(self) -> str:
        value = self.get("severity")
        if value is None:
            kind, payload = self._payload()
            if kind == "json" and isinstance(payload, Mapping):
                value = payload.get("severity") or payload.get("level") or payload.get("levelname")
        if value is None:
            return "DEFAULT"
        if isinstance(value, int):
            return _severity_from_number(value)
        name = str(value).strip().upper()
        if name.isdigit():
            return _severity_from_number(int(name))
        name = _SEVERITY_ALIASES.get(name, name)
        return name if name in SEVERITIES else "DEFAULT"

    def stream(self) -> str:
        log_name = self.get("logName", "log_name")
        if not log_name:
            return "other"
        name = unquote(str(log_name)).split("/logs/", 1)[-1]
        if name in _STREAMS:
            return _STREAMS[name]
        if name.startswith("cloudaudit.googleapis.com"):
            return "audit"
        return "other"

    def resource_label(self, key: str) -> str | None:
        resource = self.get("resource")
        if isinstance(resource, Mapping):
            labels = resource.get("labels")
            if isinstance(labels, Mapping):
                return _str_or_none(labels.get(key))
        return None

    def instance(self) -> str | None:
        labels = self.get("labels")
        if isinstance(labels, Mapping):
            return _str_or_none(labels.get("instanceId") or labels.get("instance_id"))
        return None

    def http_request(self) -> HttpRequest | None:
        req = self.get("httpRequest", "http_request")
        if not isinstance(req, Mapping):
            return None
        status = req.get("status")
        try:
            status_code = int(status) if status is not None else None
        except (TypeError, ValueError):
            status_code = None
        return HttpRequest(
            status=status_code,
            method=_str_or_none(req.get("requestMethod") or req.get("request_method")),
            url=_str_or_none(req.get("requestUrl") or req.get("request_url")),
            latency=_str_or_none(req.get("latency")),
        )


def _json_text(payload: Mapping[str, Any]) -> str:
    """The human text of a structured payload: its message, plus a stack trace when it has one."""
    main = ""
    for key in _MESSAGE_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value:
            main = value
            break
        if isinstance(value, Mapping):  # {"error": {"message": ...}}
            inner = value.get("message") or value.get("msg")
            if isinstance(inner, str) and inner:
                main = inner
                break
    for key in _DETAIL_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value and value not in main:
            main = f"{main}\n{value}" if main else value
            break
    return main


def _severity_from_number(value: int) -> str:
    # LogSeverity numbers: DEFAULT 0, DEBUG 100, INFO 200 ... EMERGENCY 800
    if value <= 0:
        return "DEFAULT"
    return SEVERITIES[min(value // 100, len(SEVERITIES) - 1)]


def parse_timestamp(value: Any) -> datetime | None:
    """RFC 3339 (nanoseconds, Z or offsets), a datetime, or {seconds, nanos}; timezone-aware UTC or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, Mapping) and "seconds" in value:
        try:
            seconds = float(value["seconds"]) + float(value.get("nanos", 0)) / 1e9
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            return None
    text = str(value).strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:  # Python takes at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[: min(digits, 6)].ljust(1, "0") + rest[digits:]
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
