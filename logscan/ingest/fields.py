"""The fields of a LogEntry other than its payload, read defensively: labels, httpRequest, timestamps.

An export can hold a number where an object should be, a status as text, a Duration object, a timestamp
that is garbage: such values become None ("unknown"), never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from logscan.model import HttpRequest

MAP = (dict, Mapping)
"""isinstance checks try the exact dict type first: the ABC check alone is several times slower."""
_new = object.__new__
_set = object.__setattr__


def either(raw: Mapping[str, Any], camel: str, snake: str) -> Any:
    """A field by its API (camelCase) name, else by its client library (snake_case) name."""
    value = raw.get(camel)
    return raw.get(snake) if value is None else value


def str_or_none(value: Any) -> str | None:
    """A label-like value as text: numbers spelled out, empty or structured values None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None  # a list or an object where a string belongs: unknown


def labels_of(resource: Any) -> Any:
    """A resource's labels (a mapping, or whatever stands there)."""
    if isinstance(resource, MAP):
        return resource.get("labels")
    if isinstance(resource, list | tuple) and len(resource) == 2:
        return resource[1]  # the Python client's Resource(type, labels), dumped as a list
    return None


def label(labels: Any, key: str) -> str | None:
    """One label as text, or None."""
    if isinstance(labels, MAP):
        return str_or_none(labels.get(key))
    return None


def http_request(req: Any) -> HttpRequest | None:
    """The parts of an httpRequest that triage uses; None when it is not an object."""
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
    return any_http_request(req)


def any_http_request(req: Any) -> HttpRequest | None:
    """An httpRequest of any shape (snake_case keys, a status as text, a Duration, wrong types)."""
    if not isinstance(req, MAP):
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
        method=str_or_none(either(req, "requestMethod", "request_method")),
        url=str_or_none(either(req, "requestUrl", "request_url")),
        latency=_latency(req.get("latency")),
    )


def _latency(value: Any) -> str | None:
    if isinstance(value, MAP):  # a protobuf Duration
        try:
            return f"{float(value.get('seconds', 0)) + float(value.get('nanos', 0)) / 1e9:.9f}s"
        except (TypeError, ValueError):
            return None
    return str_or_none(value)


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
    if isinstance(value, MAP) and "seconds" in value:
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
