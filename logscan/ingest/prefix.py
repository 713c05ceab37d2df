"""The prefixes tools put before each line of a text paste, parsed instead of matched as text.

A pasted line may carry, outermost first:

- a compose ``service |`` prefix (``api-1  | ...``, ``web_1  | ...``): the service names the line's
  stream of origin, so interleaved services never join;
- an RFC 3339 timestamp (``docker logs -t``: ``2024-05-02T10:11:12.123456789Z ...``), maybe after a
  severity word (``ERROR 2024-05-02T10:11:12.123Z ...``, a Logs Explorer copy), after which the line is
  the container's own output, untouched;
- a ``YYYY-MM-DD HH:MM:SS`` timestamp (``gcloud run services logs read``; a fraction and an offset may
  follow), with a severity word right
  before or after it (``ERROR 2024-05-02 10:11:12 ...`` / ``2024-05-02 10:11:12 ERROR ...``). After a
  timestamp with a fraction (``10:11:12.345  INFO 1 --- [main]``, Spring Boot's console format) the
  level word is the application's own and stays in the text.

What is left is the text rules see, so a paste of prefixed lines classifies as the same lines without
the prefix. A timestamp followed by anything but a blank (``2024-05-02 10:11:12,345 - app - INFO``, a
Python logging line) is the application's own format and stays in the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from logscan import regexes

_SEVERITY_WORDS = {
    "DEFAULT": "DEFAULT",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "NOTICE": "NOTICE",
    "WARNING": "WARNING",
    "WARN": "WARNING",
    "ERROR": "ERROR",
    "CRITICAL": "CRITICAL",
    "ALERT": "ALERT",
    "EMERGENCY": "EMERGENCY",
    "FATAL": "CRITICAL",
}
_WORD = "|".join(_SEVERITY_WORDS)
_COMPOSE = regexes.compile(r"(?P<service>[a-z0-9][a-z0-9_.-]{0,62}?)\s+\|(?: |$)")
_RFC3339 = regexes.compile(
    rf"(?:(?P<before>{_WORD})\s+)?(?P<ts>\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{{1,9}})?(?:Z|[+-]\d\d:\d\d))(?: |$)"
)
_GCLOUD = regexes.compile(
    rf"(?:(?P<before>{_WORD})\s+)?(?P<ts>\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d)(?P<fraction>\.\d{{1,9}})?"
    rf"(?: (?P<offset>[+-]\d\d:?\d\d)| UTC)?(?:\s+(?P<after>{_WORD})(?=\s|$))?(?:\s+|$)"
)


@dataclass(frozen=True)
class Prefixed:
    """A text line with its tool prefixes taken off."""

    text: str
    """The line after the prefixes: what the container printed."""
    timestamp: datetime | None
    """The prefix's timestamp (UTC), when it had one."""
    severity: str | None
    """The LogSeverity name of a severity word beside a gcloud-style timestamp."""
    service: str | None
    """The compose service name, when the line had a ``service |`` prefix."""


def split_prefix(line: str) -> Prefixed | None:
    """The line without its tool prefixes, or None when it has none."""
    rest, service = line, None
    found = _COMPOSE.match(rest) if "|" in rest[:80] else None
    if found is not None:
        service, rest = found.group("service"), rest[found.end() :]
    timestamp: datetime | None = None
    severity: str | None = None
    if not _may_be_stamped(rest):
        return (
            None if service is None else Prefixed(text=rest, timestamp=None, severity=None, service=service)
        )
    stamp = _RFC3339.match(rest)
    if stamp is not None:
        timestamp = _parse(stamp.group("ts"))
        word = stamp.group("before")
        severity = _SEVERITY_WORDS[word] if word else None
        rest = rest[stamp.end() :]
    else:
        stamp = _GCLOUD.match(rest)
        if stamp is not None:
            offset = stamp.group("offset") or ""
            if len(offset) == 5:
                offset = f"{offset[:3]}:{offset[3:]}"
            timestamp = _parse(
                stamp.group("ts").replace(" ", "T", 1) + (stamp.group("fraction") or "") + offset
            )
            if stamp.group("fraction") and stamp.group("after"):
                rest = rest[stamp.start("after") :]  # the application's own level word: it stays
                word = stamp.group("before")
            else:
                rest = rest[stamp.end() :]
                word = stamp.group("before") or stamp.group("after")
            severity = _SEVERITY_WORDS[word] if word else None
    if service is None and timestamp is None:
        return None
    return Prefixed(text=rest, timestamp=timestamp, severity=severity, service=service)


def _may_be_stamped(text: str) -> bool:
    """False when the text cannot start with a timestamp or a severity word and one (the common case, cheap)."""
    if text[:1].isdigit():
        return text[4:5] == "-"
    space = text.find(" ", 0, 10)
    return space > 0 and text[:space] in _SEVERITY_WORDS and text[space + 1 : space + 2].isdigit()


def _parse(text: str) -> datetime | None:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "." in text:  # Python reads at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
