"""logscan.sources.cloud.window: --since/--until as RFC 3339 or relative times, against an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from logscan.sources.cloud.window import DEFAULT_SPAN, Window, WindowError, parse_time, parse_window, rfc3339

NOW = datetime(2025, 3, 1, 12, 30, 15, tzinfo=UTC)


def test_default_is_the_hour_before_now() -> None:
    window = parse_window(None, None, NOW)
    assert window == Window(NOW - timedelta(hours=1), NOW)
    assert timedelta(hours=1) == DEFAULT_SPAN


def test_default_start_is_an_hour_before_an_explicit_until() -> None:
    window = parse_window(None, "2025-03-01T10:00:00Z", NOW)
    assert (rfc3339(window.start), rfc3339(window.end)) == ("2025-03-01T09:00:00Z", "2025-03-01T10:00:00Z")


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("45s", timedelta(seconds=45)),
        ("1h30m", timedelta(minutes=90)),
        ("1d2h", timedelta(hours=26)),
    ],
)
def test_relative_times_count_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_time(text, NOW) == NOW - ago


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T09:00:00Z", "2025-03-01T09:00:00Z"),
        ("2025-03-01t09:00:00z", "2025-03-01T09:00:00Z"),
        ("2025-03-01 09:00:00Z", "2025-03-01T09:00:00Z"),
        ("2025-03-01T10:00:00+01:00", "2025-03-01T09:00:00Z"),
        ("2025-03-01T04:30:00-04:30", "2025-03-01T09:00:00Z"),
        ("2025-03-01T09:00:00.250Z", "2025-03-01T09:00:00.250000Z"),
        ("2025-03-01T09:00:00.123456789Z", "2025-03-01T09:00:00.123456Z"),
    ],
)
def test_rfc3339_times_become_utc(text: str, expected: str) -> None:
    assert rfc3339(parse_time(text, NOW)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "yesterday",
            "--since 'yesterday': expected an RFC 3339 time (2025-03-01T09:00:00Z) or a relative one",
        ),
        (
            "2025-03-01T09:00:00",
            "the time has no zone. Add Z for UTC or an offset, e.g. 2025-03-01T09:00:00Z.",
        ),
        ("2025-03-01", "expected an RFC 3339 time"),
        ("2025-13-01T09:00:00Z", "month must be in 1..12"),
        ("-2h", "expected an RFC 3339 time"),
        ("2 h", "expected an RFC 3339 time"),
        ("", "expected an RFC 3339 time"),
    ],
)
def test_bad_times_name_the_option_and_the_forms(text: str, message: str) -> None:
    with pytest.raises(WindowError, match=r"^--since ") as err:
        parse_time(text, NOW)
    assert message in str(err.value)


def test_until_errors_name_until() -> None:
    with pytest.raises(WindowError, match=r"^--until 'later'"):
        parse_window(None, "later", NOW)


def test_an_empty_or_inverted_window_is_refused() -> None:
    with pytest.raises(WindowError) as err:
        parse_window("2025-03-01T12:00:00Z", "2025-03-01T09:00:00Z", NOW)
    assert str(err.value) == (
        "the window is empty: --since 2025-03-01T12:00:00Z is not before --until 2025-03-01T09:00:00Z. "
        "Pass an earlier --since or a later --until."
    )
    with pytest.raises(WindowError):
        parse_window("2025-03-01T13:00:00Z", None, NOW)  # starts after now


def test_relative_since_with_absolute_until() -> None:
    window = parse_window("2h", "2025-03-01T12:00:00Z", NOW)
    assert window.start == NOW - timedelta(hours=2)
    assert window.span == timedelta(hours=1, minutes=29, seconds=45)


def test_naive_clock_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_window(None, None, datetime(2025, 3, 1, 12, 0))


def test_describe_is_short_within_a_day() -> None:
    same_day = parse_window("2025-03-01T09:00:00Z", "2025-03-01T12:00:00Z", NOW)
    assert same_day.describe() == "between 09:00 and 12:00 UTC on 2025-03-01"
    odd = parse_window("2025-03-01T09:00:05Z", "2025-03-01T09:30:00Z", NOW)
    assert odd.describe() == "between 09:00:05 and 09:30 UTC on 2025-03-01"
    overnight = parse_window("2025-02-28T23:00:00Z", "2025-03-01T01:00:00Z", NOW)
    assert overnight.describe() == "between 2025-02-28T23:00:00Z and 2025-03-01T01:00:00Z"
