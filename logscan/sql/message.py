"""An entry's message in SQL, found where ingest.normalize finds it, over Log Analytics' columns.

textPayload when the entry has one; else the JSON payload's message (``message``, ``msg``, ``textPayload``,
``text``, ``event``, ``log``, at the top or one object down: ``record``, ``data``, ``error``, ...) followed
by its error details (``error``, ``exception``, ``stack_trace``... as strings, or objects with ``type`` and
``value`` and inner ``message``/``traceback``), each detail once and only when the message does not
already hold it; a payload with neither is its compact JSON; else a proto payload's ``status.message``.

Two bounds the local normalizer does not have, because SQL has no recursion over JSON: messages are
looked for two levels deep (the local one goes four) and details one level deep. No entry of the test
corpora, and no shape the Cloud Run runtimes write, nests deeper; tests/test_sql.py checks every corpus.
"""

from __future__ import annotations

from typing import Literal

import sqlglot
from sqlglot import exp

from logscan.ingest.normalize import ANSI
from logscan.ingest.payload import DETAIL_KEYS, INNER_TEXT_KEYS, MESSAGE_KEYS, NESTED_KEYS

Dialect = Literal["bigquery", "duckdb"]
DIALECTS: tuple[Dialect, ...] = ("bigquery", "duckdb")
RAW_JSON_CHARS = 2000
"""A payload shown as JSON is cut to this many characters, as locally."""

_STRING_AT = {
    "bigquery": "IF(JSON_TYPE(JSON_QUERY(:doc, :path)) = 'string', JSON_VALUE(:doc, :path), NULL)",
    "duckdb": "CASE WHEN json_type(:doc, :path) = 'VARCHAR' THEN :doc ->> :path END",
}
_TYPE_IS = {
    "bigquery": "JSON_TYPE(JSON_QUERY(:doc, :path)) = :kind",
    "duckdb": "json_type(:doc, :path) = :kind",
}
_TYPE_NAMES = {
    "bigquery": {"object": "object", "string": "string"},
    "duckdb": {"object": "OBJECT", "string": "VARCHAR"},
}
_DUMP = {
    "bigquery": "TO_JSON_STRING(:doc)",
    "duckdb": "CAST(json(:doc) AS VARCHAR)",
}
_DISTINCT_LINES = {
    # The details in order, each once, leaving out empty ones and those the message already holds.
    "bigquery": (
        "ARRAY_TO_STRING(ARRAY(SELECT d FROM UNNEST(:items) AS d WITH OFFSET AS o "
        "WHERE d IS NOT NULL AND d <> '' AND STRPOS(:main, d) = 0 GROUP BY d ORDER BY MIN(o)), '\\n')"
    ),
    "duckdb": (
        "(SELECT string_agg(d, chr(10) ORDER BY o) FROM (SELECT d, min(o) AS o FROM unnest(:items) "
        "WITH ORDINALITY AS t(d, o) WHERE d IS NOT NULL AND d <> '' AND strpos(:main, d) = 0 GROUP BY d))"
    ),
}


def with_ctes(query: exp.Select, ctes: list[tuple[str, exp.Select]]) -> exp.Select:
    """query with the named CTEs appended in order, built on in place: a builder call's default copy of the
    whole tree, once per CTE, cost seconds per query."""
    for name, body in ctes:
        query = query.with_(name, as_=body, copy=False)
    return query


def expression(text: str, dialect: Dialect) -> exp.Expr:
    """One SQL expression parsed from the dialect's text (fixed SQL; values go in through placeholders)."""
    parsed = sqlglot.parse_one(f"SELECT {text}", read=dialect)
    assert isinstance(parsed, exp.Select)
    return parsed.selects[0]


def _template(dialect: Dialect, text: str, **values: exp.Expr | str) -> exp.Expr:
    bound = {k: exp.Literal.string(v) if isinstance(v, str) else v for k, v in values.items()}
    return exp.replace_placeholders(expression(text, dialect), **bound)


def string_at(dialect: Dialect, doc: exp.Expr, path: str) -> exp.Expr:
    """The JSON value at path when it is a string, else NULL."""
    return _template(dialect, _STRING_AT[dialect], doc=doc, path=path)


def type_is(dialect: Dialect, doc: exp.Expr, path: str, kind: str) -> exp.Expr:
    """Whether the JSON value at path is of kind (object or string)."""
    return _template(dialect, _TYPE_IS[dialect], doc=doc, path=path, kind=_TYPE_NAMES[dialect][kind])


def _path(*keys: str) -> str:
    return "$" + "".join(f".{key}" for key in keys)


def _nonempty(value: exp.Expr) -> exp.Expr:
    return exp.Nullif(this=value, expression=exp.Literal.string(""))


MAIN = "message_main"
"""Column of the JSON payload's message (trailing newlines removed), computed once per entry."""
DETAILS = "message_details"
"""Column of the JSON payload's details the message lacks, one per line."""


def main_message(dialect: Dialect) -> exp.Expr:
    """The first message-like string of json_payload, depth first as payload._find_message looks."""
    payload = exp.column("json_payload")
    paths: list[tuple[str, ...]] = [(key,) for key in MESSAGE_KEYS]
    for outer in NESTED_KEYS:
        paths += [(outer, key) for key in MESSAGE_KEYS]
    found = [_nonempty(string_at(dialect, payload, _path(*p))) for p in paths]
    first = exp.Coalesce(this=found[0], expressions=[*found[1:], exp.Literal.string("")])
    return exp.Trim(this=first, expression=exp.Literal.string("\n"), position="TRAILING")


def details(dialect: Dialect) -> exp.Expr:
    """json_payload's details in payload._find_details' order, each once, those MAIN lacks, joined by lines."""
    payload = exp.column("json_payload")
    items: list[exp.Expr] = []
    for key in DETAIL_KEYS:
        items.append(string_at(dialect, payload, _path(key)))
        kind = string_at(dialect, payload, _path(key, "type"))
        said = string_at(dialect, payload, _path(key, "value"))
        typed = exp.and_(kind.is_(exp.null()).not_(), said.is_(exp.null()).not_())
        joined = exp.DPipe(this=kind, expression=exp.DPipe(this=exp.Literal.string(": "), expression=said))
        items.append(exp.If(this=typed, true=joined))
        for inner in INNER_TEXT_KEYS:
            text = string_at(dialect, payload, _path(key, inner))
            items.append(exp.If(this=typed.not_(), true=text) if inner == "value" else text)
    found = _template(
        dialect, _DISTINCT_LINES[dialect], items=exp.Array(expressions=items), main=exp.column(MAIN)
    )
    return exp.Coalesce(this=found, expressions=[exp.Literal.string("")])


def _json_text(dialect: Dialect) -> exp.Expr:
    """payload._json_text from MAIN and DETAILS: the message, then the details, else the payload as JSON."""
    main, found = exp.column(MAIN), exp.column(DETAILS)
    dump = exp.Substring(
        this=_template(dialect, _DUMP[dialect], doc=exp.column("json_payload")),
        start=exp.Literal.number(1),
        length=exp.Literal.number(RAW_JSON_CHARS),
    )
    has_main = exp.NEQ(this=main, expression=exp.Literal.string(""))
    has_details = exp.NEQ(this=found, expression=exp.Literal.string(""))
    both = exp.DPipe(this=main, expression=exp.DPipe(this=exp.Literal.string("\n"), expression=found))
    return exp.Case(
        ifs=[
            exp.If(this=exp.and_(has_main, has_details), true=both),
            exp.If(this=has_main, true=main),
            exp.If(this=has_details, true=found),
        ],
        default=dump,
    )


def message(dialect: Dialect) -> exp.Expr:
    """The entry's message from text_payload, json_payload (through MAIN and DETAILS) and proto_payload."""
    text = exp.column("text_payload")
    payload = exp.column("json_payload")
    proto = exp.column("proto_payload")
    empty = exp.Literal.string("")
    from_json = exp.Case(
        ifs=[
            exp.If(this=type_is(dialect, payload, "$", "object"), true=_json_text(dialect)),
            exp.If(this=type_is(dialect, payload, "$", "string"), true=string_at(dialect, payload, "$")),
        ],
        default=empty,
    )
    return exp.Case(
        ifs=[
            exp.If(this=text.is_(exp.null()).not_(), true=text),
            exp.If(this=payload.is_(exp.null()).not_(), true=from_json),
            exp.If(
                this=proto.is_(exp.null()).not_(),
                true=exp.Coalesce(this=string_at(dialect, proto, "$.status.message"), expressions=[empty]),
            ),
        ],
        default=empty,
    )


def clean_text(message_text: exp.Expr, max_chars: int) -> exp.Expr:
    """The message cut to max_chars and with ANSI codes removed: what the rules are matched against."""
    cut = exp.Substring(this=message_text, start=exp.Literal.number(1), length=exp.Literal.number(max_chars))
    return exp.RegexpReplace(
        this=cut, expression=exp.Literal.string(ANSI.pattern), replacement=exp.Literal.string("")
    )
