"""verdict/policy/values.py: each value check returns the form a Policy holds or a one-line error at file:line."""

from __future__ import annotations

import pytest

from logscan.errors import PolicyError
from logscan.model import EventClass
from logscan.verdict.policy.lines import Lines
from logscan.verdict.policy.values import as_classes, as_count, as_names, as_number, as_table, no_unknown_keys

TEXT = """[environments.staging]
fail_on = ["regression"]
required = ["POSTGRES_*"]
"""
LINES = Lines(TEXT, "logscan.toml")
AT = ("environments", "staging", "fail_on")


def _message(call: object) -> str:
    with pytest.raises(PolicyError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value)


def test_classes_become_event_classes_and_noise_is_refused_with_why() -> None:
    assert as_classes(["regression", "platform"], AT, LINES) == (EventClass.REGRESSION, EventClass.PLATFORM)
    message = _message(lambda: as_classes(["noise"], AT, LINES))
    assert message.startswith(
        "logscan.toml:2: environments.staging.fail_on: 'noise' is not a class (noise never counts)."
    )


def test_names_take_globs_and_refuse_what_is_no_name() -> None:
    at = ("environments", "staging", "required")
    assert as_names(["POSTGRES_*", "JWT-KEY?"], at, LINES) == ("POSTGRES_*", "JWT-KEY?")
    assert "is not a name" in _message(lambda: as_names(["DB URL"], at, LINES))
    assert "must be an array of strings" in _message(lambda: as_names("POSTGRES_HOST", at, LINES))
    assert _message(lambda: as_names([], at, LINES, allow_empty=False)).endswith("must not be empty.")
    assert _message(lambda: as_names([], at, LINES, allow_empty=False)).startswith("logscan.toml:3:")


@pytest.mark.parametrize("value", [True, 1, 0.5, "3", None])
def test_a_growth_factor_must_be_a_number_above_one(value: object) -> None:
    assert "must be a number above 1" in _message(lambda: as_number(value, AT, LINES))


def test_numbers_and_counts_in_the_form_a_policy_holds() -> None:
    assert as_number(3, AT, LINES) == 3.0 and isinstance(as_number(3, AT, LINES), float)
    assert as_count(5, AT, LINES) == 5
    for bad in (0, -1, 2.5, True):
        assert "whole number of at least 1" in _message(lambda bad=bad: as_count(bad, AT, LINES))


def test_an_unknown_key_names_the_closest_known_one_or_lists_them() -> None:
    table = {"fail_onn": []}
    assert _message(lambda: no_unknown_keys(table, ("fail_on", "warn_on"), AT[:2], LINES)).endswith(
        "environments.staging.fail_onn: unknown key. Did you mean fail_on?"
    )
    assert _message(lambda: no_unknown_keys({"zzz": 1}, ("fail_on", "warn_on"), AT[:2], LINES)).endswith(
        "unknown key. Known keys: fail_on, warn_on."
    )


def test_a_table_must_be_a_table() -> None:
    assert as_table({"a": 1}, AT, LINES) == {"a": 1}
    assert "must be a table" in _message(lambda: as_table([1], AT, LINES))
