"""The pattern library compiled to one SQL query: per entry its insert_id, class, rule and key.

The query reads Log Analytics' schema (a ``_AllLogs`` view in BigQuery, or an export mapped to it by
export.py in DuckDB), finds each entry's message as ingest.normalize does (message.py), and tries the
rules in library order in one CASE, so the first rule that matches wins, exactly as ``logscan classify
--no-join``. A rule matches when its regex is found in the text, its ``unless`` is not, and the entry's
severity is at least the rule's ``severity_at_least``. Every rule's text reaches the SQL as a string
literal that sqlglot escapes for the dialect; nothing is pasted into SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from logscan.classify.classify import UNCLAIMED
from logscan.classify.library import Library, Rule
from logscan.config import MAX_LINE_CHARS
from logscan.errors import InputError
from logscan.model import SEVERITIES, EventClass
from logscan.sources.cloud.query import CLOUD_RUN_LOGS, RevisionQuery
from logscan.sources.cloud.window import rfc3339
from logscan.sql.export import ENTRY_INDEX, ENTRY_ORDER, EXPORT_FILE, export_source
from logscan.sql.message import (
    DETAILS,
    MAIN,
    Dialect,
    clean_text,
    details,
    main_message,
    message,
    with_ctes,
)
from logscan.sql.regex import capturing_only, re2_pattern

ENTRY_COLUMNS = (
    "insert_id",
    "timestamp",
    "severity",
    "log_name",
    "resource",
    "labels",
    "text_payload",
    "json_payload",
    "proto_payload",
)
"""The Log Analytics columns the query reads (BigQuery bills by the columns read)."""


@dataclass(frozen=True)
class Table:
    """A Log Analytics view in BigQuery: ``PROJECT.LOCATION.BUCKET._AllLogs`` or ``PROJECT.DATASET._AllLogs``."""

    name: str
    """The view's name as BigQuery writes it."""


@dataclass(frozen=True)
class Export:
    """gcloud exports (JSON array or JSONL) that DuckDB reads itself."""

    paths: tuple[Path, ...]
    """The export files, read in this order."""


Source = Table | Export


_TABLE_NAME = re.compile(r"[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_-]+){1,3}")


def table(name: str) -> Table:
    """A checked Table: dotted names of letters, digits, - and _ (a project may carry a domain: prefix)."""
    if not _TABLE_NAME.fullmatch(name):
        raise InputError(
            f"--table {name!r}: not a BigQuery view name. Pass PROJECT.LOCATION.BUCKET._AllLogs "
            "(the bucket's Log Analytics view) or PROJECT.DATASET._AllLogs (a linked dataset)."
        )
    return Table(name)


def default_table(project: str) -> Table:
    """The _AllLogs view of the project's _Default bucket (upgraded to Log Analytics)."""
    return Table(f"{project}.global._Default._AllLogs")


def classify_query(
    library: Library,
    dialect: Dialect,
    source: Source,
    where: RevisionQuery | None = None,
    max_chars: int = MAX_LINE_CHARS,
) -> exp.Select:
    """The classification query: insert_id, timestamp, severity, class, rule, key (and text) per entry."""
    located = [ENTRY_ORDER, EXPORT_FILE, ENTRY_INDEX] if isinstance(source, Export) else []
    result = classified(library, dialect, source, where, max_chars).select(
        *located[1:], "insert_id", "timestamp", "severity", "class", "rule", "key", "text", copy=False
    )
    order = located[:1] or ["timestamp", "insert_id"]
    return result.order_by(*order, copy=False)


def classified(
    library: Library,
    dialect: Dialect,
    source: Source,
    where: RevisionQuery | None = None,
    max_chars: int = MAX_LINE_CHARS,
    raw: tuple[str, ...] = (),
) -> exp.Select:
    """``FROM classified`` with the CTEs that classify each entry; the caller adds the SELECT list.

    classified holds the entry columns, ``text``, ``truncated`` (the message was longer than max_chars),
    ``class``, ``rule`` and ``key``, and the ``raw`` columns (payloads, http_request, ...) carried through
    for a caller that downloads entries.
    """
    entries = _entries(dialect, source, where, raw)
    parsed = exp.select("*", main_message(dialect).as_(MAIN)).from_("entries")
    detailed = exp.select("*", details(dialect).as_(DETAILS)).from_("parsed")
    located = [ENTRY_ORDER, EXPORT_FILE, ENTRY_INDEX] if isinstance(source, Export) else []
    payloads = ("text_payload", "json_payload", "proto_payload")
    columns = [*ENTRY_COLUMNS, *(c for c in raw if c not in ENTRY_COLUMNS)]
    keep = [c for c in columns if c not in payloads or c in raw]
    messages = exp.select("*", message(dialect).as_("message_text")).from_("detailed")
    said = exp.column("message_text")
    texts = exp.select(
        *keep,
        *located,
        clean_text(said, max_chars).as_("text"),
        exp.GT(this=exp.Length(this=said), expression=exp.Literal.number(max_chars)).as_("truncated"),
    ).from_("messages")
    matched = exp.select("*", _first_rule(library).as_("rule_id")).from_("texts")
    rule = exp.column("rule_id")
    labelled = exp.select(
        "*",
        _by_rule(
            rule, {r.id: exp.Literal.string(r.klass) for r in library.rules}, EventClass.NOISE.value
        ).as_("class"),
        exp.Coalesce(this=rule, expressions=[exp.Literal.string(UNCLAIMED)]).as_("rule"),
        _by_rule(rule, {r.id: k for r in library.rules if (k := _key(r)) is not None}, None).as_("key"),
    ).from_("matched")
    return with_ctes(
        exp.select().from_("classified", copy=False),
        [
            ("entries", entries),
            ("parsed", parsed),
            ("detailed", detailed),
            ("messages", messages),
            ("texts", texts),
            ("matched", matched),
            ("classified", labelled),
        ],
    )


def to_sql(query: exp.Expr, dialect: Dialect) -> str:
    """The query as text for the dialect, one statement ending in a semicolon."""
    return query.sql(dialect=dialect, pretty=True) + ";\n"


def _entries(
    dialect: Dialect, source: Source, where: RevisionQuery | None, raw: tuple[str, ...]
) -> exp.Select:
    columns = [*ENTRY_COLUMNS, *(c for c in raw if c not in ENTRY_COLUMNS)]
    if isinstance(source, Export):
        if dialect != "duckdb":
            raise ValueError("an export is read by DuckDB: use the duckdb dialect")
        base = export_source(source.paths)
        selected = exp.select(ENTRY_ORDER, EXPORT_FILE, ENTRY_INDEX, *columns).from_(base.subquery("export"))
    else:
        # One quoted identifier for the whole path: BigQuery reads `project.location.bucket._AllLogs`
        table = exp.Table(this=exp.to_identifier(source.name, quoted=True))
        selected = exp.select(*columns).from_(table)
    if where is not None:
        selected = selected.where(_revision_filter(dialect, where), copy=False)
    return selected


def _revision_filter(dialect: Dialect, query: RevisionQuery) -> exp.Expr:
    """The live fetch's filter (sources/cloud/query.py) over Log Analytics' columns."""

    logs = [exp.Literal.string(f"projects/{query.project}/logs/{log}") for log in CLOUD_RUN_LOGS]
    stamp = exp.DataType.Type.TIMESTAMPTZ  # BigQuery's TIMESTAMP
    start = exp.cast(exp.Literal.string(rfc3339(query.window.start)), stamp)
    end = exp.cast(exp.Literal.string(rfc3339(query.window.end)), stamp)
    clauses: list[exp.Expr] = [
        exp.EQ(this=resource_field(dialect, "type"), expression=exp.Literal.string("cloud_run_revision")),
        exp.EQ(this=resource_field(dialect, "service_name"), expression=exp.Literal.string(query.service)),
        exp.EQ(this=resource_field(dialect, "revision_name"), expression=exp.Literal.string(query.revision)),
        exp.GTE(this=exp.column("timestamp"), expression=start),
        exp.LT(this=exp.column("timestamp"), expression=end),
        exp.In(this=exp.column("log_name"), expressions=logs),
    ]
    if query.severity:
        clauses.append(
            exp.GTE(
                this=severity_rank(exp.column("severity")),
                expression=exp.Literal.number(SEVERITIES.index(query.severity)),
            )
        )
    return exp.and_(*clauses)


def resource_field(dialect: Dialect, path: str) -> exp.Expr:
    """resource.type, or one of resource.labels (JSON in Log Analytics), as a string."""
    if dialect == "bigquery":
        if path == "type":
            return exp.column("type", table="resource")
        return sqlglot.parse_one(f"JSON_VALUE(resource.labels.{path})", read="bigquery")
    json_path = "$.type" if path == "type" else f"$.labels.{path}"
    return exp.JSONExtractScalar(this=exp.column("resource"), expression=exp.Literal.string(json_path))


def severity_rank(severity: exp.Expr) -> exp.Expr:
    """A severity's position in SEVERITIES; an unknown name ranks as DEFAULT, as model.severity_rank."""
    return exp.Case(
        this=severity,
        ifs=[
            exp.If(this=exp.Literal.string(s), true=exp.Literal.number(i)) for i, s in enumerate(SEVERITIES)
        ],
        default=exp.Literal.number(0),
    )


def _found(pattern: str) -> exp.Expr:
    return exp.RegexpLike(this=exp.column("text"), expression=exp.Literal.string(pattern))


def _first_rule(library: Library) -> exp.Expr:
    """CASE over the rules in library order: the id of the first that claims the text, else NULL."""
    ifs = []
    for rule in library.rules:
        condition = _found(re2_pattern(rule.regex))
        if rule.unless is not None:
            condition = exp.and_(condition, exp.not_(_found(re2_pattern(rule.unless))))
        if rule.severity_at_least is not None:
            floor = exp.Literal.number(SEVERITIES.index(rule.severity_at_least))
            condition = exp.and_(
                exp.GTE(this=severity_rank(exp.column("severity")), expression=floor), condition
            )
        ifs.append(exp.If(this=condition, true=exp.Literal.string(rule.id)))
    return exp.Case(ifs=ifs) if ifs else exp.null()


def _key(rule: Rule) -> exp.Expr | None:
    """The rule's key as classify.extract_key gives it: its key_group's text (several groups: the matched
    ones joined by ":"), or else the first named group that matched; NULL when empty."""
    pattern = re2_pattern(rule.regex)

    def group_text(group: str) -> exp.Expr:
        return exp.Nullif(
            this=exp.RegexpExtract(
                this=exp.column("text"),
                expression=exp.Literal.string(capturing_only(pattern, group)),
                group=exp.Literal.number(1),
            ),
            expression=exp.Literal.string(""),
        )

    if isinstance(rule.key_group, tuple):
        joined = exp.ArrayToString(
            this=exp.Array(expressions=[group_text(g) for g in rule.key_group]),
            expression=exp.Literal.string(":"),
        )
        return exp.Nullif(this=joined, expression=exp.Literal.string(""))
    found = [group_text(g) for g in ([rule.key_group] if rule.key_group else rule.compiled.groupindex)]
    if not found:
        return None
    return found[0] if len(found) == 1 else exp.Coalesce(this=found[0], expressions=found[1:])


def _by_rule(rule: exp.Expr, values: dict[str, exp.Expr], default: str | None) -> exp.Expr:
    if not values:  # a CASE needs a WHEN
        return exp.Literal.string(default) if default is not None else exp.null()
    return exp.Case(
        this=rule,
        ifs=[exp.If(this=exp.Literal.string(rid), true=value) for rid, value in values.items()],
        default=exp.Literal.string(default) if default is not None else None,
    )
