"""The pattern library as SQL: DuckDB runs the query on every export of the test corpora and must agree with
`logscan classify --no-join` entry by entry; every BigQuery query parses in sqlglot's BigQuery dialect and
carries each rule's regex intact; every regex compiles under RE2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import re2
import regex
import sqlglot
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlglot import exp

from logscan.classify.library import Library, Rule
from logscan.cli import cli
from logscan.config import Config
from logscan.ingest.normalize import ANSI, strip_ansi
from logscan.pipeline import classify_stream
from logscan.sources.cloud.query import revision_query
from logscan.sources.cloud.window import Window
from logscan.sources.files import open_source
from logscan.sql.query import Export, Table, classify_query, default_table, to_sql
from logscan.sql.regex import capturing_only, re2_pattern
from logscan.sql.triage import triage_queries

from .conftest import CORPUS, FIXTURES


def _exports() -> list[Path]:
    """Every gcloud JSON or JSONL export of the test corpora (text pastes and YAML are not DuckDB input)."""
    found = [p for pattern in ("*.json", "*.jsonl") for p in FIXTURES.rglob(pattern)]
    shared = CORPUS / "real" / "raw"
    if shared.is_dir():
        found += [p for pattern in ("*.json", "*.jsonl") for p in shared.glob(pattern)]
    return sorted(p for p in found if p.name != "labels.jsonl")


@pytest.fixture(scope="module")
def sql_answers(library: Library) -> dict[str, list[tuple[int, str, str, str | None]]]:
    """One DuckDB run of the duckdb query over every export: (entry_index, class, rule, key) per file."""
    exports = _exports()
    query = to_sql(classify_query(library, "duckdb", Export(tuple(exports))), "duckdb")
    rows = duckdb.connect().sql(query).fetchall()
    answers: dict[str, list[tuple[int, str, str, str | None]]] = {str(p): [] for p in exports}
    for export_file, index, _insert_id, _ts, _sev, klass, rule, key, _text in rows:
        answers[export_file].append((index, klass, rule, key))
    return answers


@pytest.mark.parametrize("path", _exports(), ids=lambda p: str(p.relative_to(p.parents[2])))
def test_duckdb_query_agrees_with_classify_no_join_entry_by_entry(
    path: Path, library: Library, sql_answers: dict[str, list[tuple[int, str, str, str | None]]]
) -> None:
    local = [
        (item.klass, item.rule, item.key)
        for item in classify_stream([open_source(str(path))], Config(join=False, jobs=1), library)
    ]
    in_sql = sql_answers[str(path)]
    assert [index for index, *_ in in_sql] == list(range(len(in_sql)))
    assert [tuple(row[1:]) for row in in_sql] == local


def test_the_corpora_exercise_what_the_sql_must_agree_on(
    sql_answers: dict[str, list[tuple[int, str, str, str | None]]], library: Library
) -> None:
    rows = [row for answers in sql_answers.values() for row in answers]
    rules = {rule for _i, _c, rule, _k in rows}
    assert len(rows) >= 1000
    assert len(rules) >= 60  # a good part of the library, not a handful of rules
    assert {"fallback-error-severity", "unclaimed"} <= rules  # the severity rule, and no rule at all
    with_unless = {r.id for r in library.rules if r.unless is not None}
    assert len(rules & with_unless) >= 5
    assert sum(key is not None for *_rest, key in rows) >= 50


def _key_groups(rule: Rule) -> list[str]:
    if isinstance(rule.key_group, tuple):
        return list(rule.key_group)
    return [rule.key_group] if rule.key_group else list(rule.compiled.groupindex)


def _bigquery_queries(library: Library) -> list[str]:
    window = Window(datetime(2025, 11, 3, 14, 0, tzinfo=UTC), datetime(2025, 11, 3, 15, 0, tzinfo=UTC))
    where = revision_query("shop-staging", "checkout-00012-vek", window)
    linked = Table("shop-staging.logs_linked._AllLogs")
    triage = triage_queries(library, "bigquery", linked, where)
    return [
        to_sql(classify_query(library, "bigquery", default_table("shop-staging")), "bigquery"),
        to_sql(classify_query(library, "bigquery", linked, where), "bigquery"),
        to_sql(triage.download, "bigquery"),  # logscan triage --engine bigquery's two queries
        to_sql(triage.counts, "bigquery"),
    ]


def test_every_bigquery_query_parses_and_carries_each_rules_text_exactly(library: Library) -> None:
    for text in _bigquery_queries(library):
        parsed = sqlglot.parse_one(text, read="bigquery")
        literals = {lit.this for lit in parsed.find_all(exp.Literal) if lit.is_string}
        for rule in library.rules:
            assert re2_pattern(rule.regex) in literals, rule.id
            if rule.unless is not None:
                assert re2_pattern(rule.unless) in literals, rule.id
            for group in _key_groups(rule):
                assert capturing_only(re2_pattern(rule.regex), group) in literals, (rule.id, group)


def test_the_revision_filter_is_the_live_fetchs(library: Library) -> None:
    text = _bigquery_queries(library)[1]
    assert "FROM `shop-staging.logs_linked._AllLogs`" in text
    for piece in (
        "resource.type = 'cloud_run_revision'",
        "JSON_VALUE(resource.labels.revision_name, '$') = 'checkout-00012-vek'",
        "JSON_VALUE(resource.labels.service_name, '$') = 'checkout'",
        "timestamp >= CAST('2025-11-03T14:00:00Z' AS TIMESTAMP)",
        "timestamp < CAST('2025-11-03T15:00:00Z' AS TIMESTAMP)",
        "'projects/shop-staging/logs/run.googleapis.com%2Fstderr'",
    ):
        assert piece in text


def test_every_regex_the_queries_use_compiles_under_re2(library: Library) -> None:
    options = re2.Options()
    options.log_errors = False
    for rule in library.rules:
        for pattern in (rule.regex, *([rule.unless] if rule.unless else [])):
            assert re2.compile(pattern, options) is not None
            assert re2.compile(re2_pattern(pattern), options) is not None
        for group in _key_groups(rule):
            assert re2.compile(capturing_only(re2_pattern(rule.regex), group), options).groups == 1


@pytest.mark.parametrize(
    "text", ["npm ERR! Invalid URL", "npm ERR! Invalid URL\n", "Invalid URL\n\n", "Invalid URLs"]
)
def test_dollar_means_in_re2_what_it_means_in_the_regex_module(text: str) -> None:
    pattern = r"Invalid URL(?:: (?:undefined|null))?$|\$TERM|[$]x"
    assert bool(re2.search(re2_pattern(pattern), text)) == bool(regex.search(pattern, text))
    assert re2_pattern(r"(?m)^x$") == r"(?m)^x$"


def test_a_key_pattern_keeps_only_its_group_capturing() -> None:
    pattern = r"(?P<a>x[(]y)|(z)(?P<b>[\]a-c]+)\((?:w)"
    assert capturing_only(pattern, "b") == r"(?:x[(]y)|(?:z)([\]a-c]+)\((?:w)"
    assert capturing_only(pattern, "a") == r"(x[(]y)|(?:z)(?:[\]a-c]+)\((?:w)"
    with pytest.raises(ValueError, match="no group named 'c'"):
        capturing_only(pattern, "c")


@given(
    st.text(alphabet=st.sampled_from(["\x1b", "[", "]", "m", "0", "3", "1", ";", "?", " ", "K", "a", "\n"]))
)
def test_the_normalizers_ansi_pattern_removes_the_same_under_re2(text: str) -> None:
    assert re2.sub(ANSI.pattern, "", text) == strip_ansi(text)  # the SQL strips ANSI codes with it


def test_sql_cli_prints_a_duckdb_query_over_an_export_that_duckdb_runs() -> None:
    export = FIXTURES / "sql" / "shapes.jsonl"
    result = CliRunner().invoke(cli, ["sql", "--dialect", "duckdb", "--export", str(export)])
    assert result.exit_code == 0, result.output
    rows = duckdb.connect().sql(result.output).fetchall()
    by_index = {row[1]: (row[5], row[6], row[7]) for row in rows}
    assert by_index[15] == ("expected-config", "keyerror-setting-name", "STRIPE_API_KEY")
    assert by_index[7] == ("regression", "fallback-error-severity", None)  # ERROR severity, no rule's text
    assert by_index[8] == ("noise", "unclaimed", None)  # the same text at INFO


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sql", "--export", "x.json"], "--export is read by DuckDB: add --dialect duckdb"),
        (
            ["sql"],
            "no input: pass --table NAME (a Log Analytics view), --project P, or --dialect duckdb --export FILE.",
        ),
        (["sql", "--dialect", "duckdb", "--export", "missing.json"], "missing.json: no such export file."),
        (["sql", "--table", "p.d._AllLogs", "--revision", "api-00001-abc"], "pass --project and --revision"),
        (
            ["sql", "--table", "p.d`; DROP TABLE x"],
            "not a BigQuery view name. Pass PROJECT.LOCATION.BUCKET._AllLogs",
        ),
    ],
)
def test_sql_cli_errors_are_one_line_with_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1
