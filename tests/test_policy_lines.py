"""verdict/policy/lines.py: the file:line of each key, found in the text (tomllib gives no positions)."""

from __future__ import annotations

from logscan.verdict.policy.lines import Lines

TEXT = """# comment
[environments.staging]
fail_on = ["regression"]
thresholds.rate_growth = 3.0

[environments."production"]
required = ["JWT_SECRET_KEY"]

[[suppressions]]
rule = "python-deprecation-warning"

[[suppressions]]
signature = "http-5xx-access-line:abc"
"""
LINES = Lines(TEXT, "logscan.toml")


def test_keys_tables_and_dotted_keys_have_their_lines() -> None:
    assert LINES.line(("environments", "staging")) == 2
    assert LINES.line(("environments", "staging", "fail_on")) == 3
    assert LINES.line(("environments", "staging", "thresholds", "rate_growth")) == 4
    assert LINES.line(("environments", "production", "required")) == 7  # a quoted table name


def test_each_array_table_counts_from_zero() -> None:
    assert LINES.line(("suppressions", 0, "rule")) == 10
    assert LINES.line(("suppressions", 1, "signature")) == 13


def test_a_key_not_written_falls_back_to_its_table_and_a_file_without_it_to_the_name() -> None:
    assert LINES.where(("environments", "staging", "warn_on")) == "logscan.toml:2"
    assert LINES.where(("nothing",)) == "logscan.toml"


def test_cite_and_error_read_as_file_line_and_dotted_key() -> None:
    assert LINES.cite(("suppressions", 1, "signature")) == "logscan.toml:13 suppressions[1].signature"
    error = LINES.error(("environments", "staging", "fail_on"), "must be an array.")
    assert str(error) == "logscan.toml:3: environments.staging.fail_on: must be an array."
