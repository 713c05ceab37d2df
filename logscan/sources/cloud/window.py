"""The time window of a fetch: RFC 3339 or relative times (90m, 2h, 1d), always explicit, always UTC.

The clock is passed in, so the same arguments always give the same window in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from logscan.errors import InputError

DEFAULT_SPAN = timedelta(hours=1)
"""The window when neither --since nor --until is given: the last hour."""

_RELATIVE = re.compile(r"(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?")
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d+)?(?P<zone>[Zz]|[+-]\d{2}:\d{2})?"
)
_EXPECTED = "an RFC 3339 time (2025-03-01T09:00:00Z) or a relative one (90m, 2h, 1d)"


class WindowError(InputError):
    """--since or --until could not be read, or they do not form a window."""


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) in UTC."""

    start: datetime
    """Inclusive start, timezone-aware UTC."""
    end: datetime
    """Exclusive end, timezone-aware UTC."""

    @property
    def span(self) -> timedelta:
        """How long the window is."""
        return self.end - self.start

    def describe(self) -> str:
        """Human text for messages: 'between 09:00 and 12:00 UTC on 2025-03-01'."""
        if self.start.date() == self.end.date():
            return (
                f"between {_clock(self.start)} and {_clock(self.end)} UTC on {self.start.date().isoformat()}"
            )
        return f"between {rfc3339(self.start)} and {rfc3339(self.end)}"


def rfc3339(moment: datetime) -> str:
    """The UTC time as the Logging API writes it: 2025-03-01T09:00:00Z, with microseconds when present."""
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, now: datetime, option: str = "--since") -> datetime:
    """An RFC 3339 time, or a duration before ``now`` (90m, 2h, 1d, 1h30m, 45s)."""
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if value and relative and any(relative.groupdict().values()):
        parts = {k: int(v) for k, v in relative.groupdict().items() if v}
        delta = timedelta(
            days=parts.get("d", 0),
            hours=parts.get("h", 0),
            minutes=parts.get("m", 0),
            seconds=parts.get("s", 0),
        )
        return now.astimezone(UTC) - delta
    match = _RFC3339.fullmatch(value)
    if not match:
        raise WindowError(f"{option} {text!r}: expected {_EXPECTED}.")
    if not match.group("zone"):
        raise WindowError(
            f"{option} {text!r}: the time has no zone. Add Z for UTC or an offset, e.g. {value}Z."
        )
    # Python keeps microseconds; Cloud Logging times may carry nanoseconds, which cannot matter for a window.
    frac = (match.group("frac") or "")[:7]
    zone = "+00:00" if match.group("zone") in ("Z", "z") else match.group("zone")
    normalized = f"{match.group('date')}T{match.group('time')}{frac}{zone}"
    try:
        return datetime.fromisoformat(normalized).astimezone(UTC)
    except ValueError as exc:
        raise WindowError(f"{option} {text!r}: {exc}. Expected {_EXPECTED}.") from None


def parse_duration(text: str, option: str) -> timedelta:
    """A duration such as 90s, 2m, 1h or 1h30m; it must be longer than zero."""
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if not value or relative is None or not any(relative.groupdict().values()):
        raise WindowError(f"{option} {text!r}: expected a duration like 90s, 2m or 1h.")
    parts = {k: int(v) for k, v in relative.groupdict().items() if v}
    delta = timedelta(
        days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0), seconds=parts.get("s", 0)
    )
    if not delta:
        raise WindowError(f"{option} {text!r}: the duration must be longer than zero.")
    return delta


def parse_window(since: str | None, until: str | None, now: datetime) -> Window:
    """The window from --since/--until; the default is the hour before ``now`` (or before --until)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    end = parse_time(until, now, "--until") if until else now.astimezone(UTC)
    start = parse_time(since, now, "--since") if since else end - DEFAULT_SPAN
    if start >= end:
        raise WindowError(
            f"the window is empty: --since {rfc3339(start)} is not before --until {rfc3339(end)}. "
            "Pass an earlier --since or a later --until."
        )
    return Window(start=start, end=end)


def _clock(moment: datetime) -> str:
    if moment.second or moment.microsecond:
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%H:%M")
