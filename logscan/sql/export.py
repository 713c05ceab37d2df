"""A gcloud export (JSON array or JSONL) read by DuckDB itself, as rows of Log Analytics' schema.

``logscan sql --dialect duckdb --export FILE`` puts this in front of the classification query, so the
query runs anywhere DuckDB does: ``logscan sql --dialect duckdb --export logs.json | duckdb``. The mapping
follows ingest.normalize: camelCase or snake_case keys, a bare structured object as the JSON payload,
the Python client's ``payload``, and the severity as normalize reads it (aliases such as WARN, numbers,
the JSON payload's ``severity``/``level``/``levelname`` when the entry has none). Elements that are not
objects are left out, as the file readers skip them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlglot
from sqlglot import exp

from logscan.ingest.payload import SEVERITY_NAMES
from logscan.model import SEVERITIES
from logscan.sql.message import expression

ENTRY_INDEX = "entry_index"
"""Column numbering each export file's entries in file order (0-based)."""
EXPORT_FILE = "export_file"
"""Column naming the export file an entry came from."""
ENTRY_ORDER = "entry_order"
"""Column ordering the entries of all the files as read (files in the order given)."""

_ENTRIES = """
SELECT
  entry_order,
  export_file,
  entry_index,
  e,
  CASE json_type(e, '$.timestamp') WHEN 'VARCHAR' THEN TRY_CAST(json_extract_string(e, '$.timestamp') AS TIMESTAMPTZ) END AS timestamp,
  COALESCE(NULLIF(json_extract_string(e, '$.logName'), ''), json_extract_string(e, '$.log_name')) AS log_name,
  COALESCE(NULLIF(json_extract_string(e, '$.insertId'), ''), json_extract_string(e, '$.insert_id')) AS insert_id,
  json_extract(e, '$.resource') AS resource,
  json_extract(e, '$.labels') AS labels,
  json_extract_string(e, '$.trace') AS trace,
  COALESCE(json_extract(e, '$.httpRequest'), json_extract(e, '$.http_request')) AS http_request,
  CASE WHEN kind = 'text' THEN
    CASE json_type(v) WHEN 'VARCHAR' THEN json_extract_string(v, '$') WHEN 'OBJECT' THEN NULL
      WHEN 'UBIGINT' THEN json_extract_string(v, '$') WHEN 'BIGINT' THEN json_extract_string(v, '$') WHEN 'DOUBLE' THEN json_extract_string(v, '$') ELSE '' END
  END AS text_payload,
  CASE WHEN kind = 'json' OR (kind = 'text' AND json_type(v) = 'OBJECT') THEN COALESCE(v, 'null') END AS json_payload,
  CASE WHEN kind = 'proto' THEN v END AS proto_payload,
  CASE WHEN json_type(e, '$.severity') <> 'NULL' THEN json_extract(e, '$.severity')
    WHEN kind = 'json' AND json_type(v) = 'OBJECT' THEN COALESCE(:truthy_severity, :truthy_level, :truthy_levelname)
  END AS severity_value
FROM (
  SELECT
    entry_order,
    export_file,
    entry_index,
    e,
    CASE
      WHEN COALESCE(json_type(e, '$.textPayload'), 'NULL') <> 'NULL' THEN 'text'
      WHEN COALESCE(json_type(e, '$.text_payload'), 'NULL') <> 'NULL' THEN 'text'
      WHEN COALESCE(json_type(e, '$.jsonPayload'), 'NULL') <> 'NULL' THEN 'json'
      WHEN COALESCE(json_type(e, '$.json_payload'), 'NULL') <> 'NULL' THEN 'json'
      WHEN COALESCE(json_type(e, '$.protoPayload'), 'NULL') <> 'NULL' THEN 'proto'
      WHEN COALESCE(json_type(e, '$.proto_payload'), 'NULL') <> 'NULL' THEN 'proto'
      WHEN json_type(e, '$.payload') = 'VARCHAR' THEN 'text'
      WHEN json_type(e, '$.payload') = 'OBJECT' AND (json_type(e, '$.payload."@type"') IS NOT NULL
        OR json_type(e, '$.payload.methodName') IS NOT NULL) THEN 'proto'
      WHEN json_type(e, '$.payload') IS NOT NULL THEN 'json'
      WHEN json_type(e, '$.logName') IS NULL AND json_type(e, '$.log_name') IS NULL
        AND json_type(e, '$.resource') IS NULL AND json_type(e, '$.insertId') IS NULL
        AND json_type(e, '$.insert_id') IS NULL THEN 'json'
      ELSE 'none'
    END AS kind,
    CASE
      WHEN COALESCE(json_type(e, '$.textPayload'), 'NULL') <> 'NULL' THEN json_extract(e, '$.textPayload')
      WHEN COALESCE(json_type(e, '$.text_payload'), 'NULL') <> 'NULL' THEN json_extract(e, '$.text_payload')
      WHEN COALESCE(json_type(e, '$.jsonPayload'), 'NULL') <> 'NULL' THEN json_extract(e, '$.jsonPayload')
      WHEN COALESCE(json_type(e, '$.json_payload'), 'NULL') <> 'NULL' THEN json_extract(e, '$.json_payload')
      WHEN COALESCE(json_type(e, '$.protoPayload'), 'NULL') <> 'NULL' THEN json_extract(e, '$.protoPayload')
      WHEN COALESCE(json_type(e, '$.proto_payload'), 'NULL') <> 'NULL' THEN json_extract(e, '$.proto_payload')
      WHEN json_type(e, '$.payload') IS NOT NULL THEN json_extract(e, '$.payload')
      ELSE e
    END AS v
  FROM (
    SELECT entry_order, export_file, entry_order - min(entry_order) OVER (PARTITION BY export_file) AS entry_index, e
    FROM (
      SELECT row_number() OVER () AS entry_order, filename AS export_file, json AS e
      FROM read_json_objects(:files, format = 'auto', filename = true)
      WHERE json_type(json) = 'OBJECT'
    )
  )
)
"""
_TRUTHY = """
CASE
  WHEN json_type(v, '$.{k}') IN ('NULL', 'BOOLEAN') THEN NULL
  WHEN json_type(v, '$.{k}') = 'VARCHAR' AND (json_extract_string(v, '$.{k}')) = '' THEN NULL
  WHEN json_type(v, '$.{k}') IN ('UBIGINT', 'BIGINT', 'DOUBLE') AND CAST(json_extract_string(v, '$.{k}') AS DOUBLE) = 0 THEN NULL
  WHEN json_type(v, '$.{k}') = 'OBJECT' AND CAST(json(json_extract(v, '$.{k}')) AS VARCHAR) = '{{}}' THEN NULL
  WHEN json_type(v, '$.{k}') = 'ARRAY' AND json_array_length(v, '$.{k}') = 0 THEN NULL
  ELSE json_extract(v, '$.{k}')
END
"""
"""A payload key's value when Python would find it true (``payload.get(k) or ...``), else NULL."""
_SEVERITY = """
SELECT *,
  CASE
    WHEN json_type(sv) = 'VARCHAR' THEN COALESCE(
      :names_exact,
      CASE WHEN regexp_full_match(upper(trim(json_extract_string(sv, '$'))), '[0-9]+') THEN :numbered_text END,
      :names_upper,
      'DEFAULT')
    WHEN json_type(sv) IN ('UBIGINT', 'BIGINT') THEN :numbered_int
    ELSE 'DEFAULT'
  END AS severity
FROM (
  SELECT *,
    CASE WHEN json_type(severity_value) = 'OBJECT' THEN json_extract(severity_value, '$.name') ELSE severity_value END AS sv
  FROM entries
)
"""


def export_source(paths: Sequence[Path]) -> exp.Select:
    """SELECT over the export files giving export_file, entry_index and the Log Analytics columns."""
    truthy = {
        f"truthy_{k}": expression(_TRUTHY.format(k=k), "duckdb") for k in ("severity", "level", "levelname")
    }
    entries = sqlglot.parse_one(_ENTRIES, read="duckdb")
    entries = exp.replace_placeholders(
        entries, files=exp.Array(expressions=[exp.Literal.string(str(p)) for p in paths]), **truthy
    )
    sv_text = expression("json_extract_string(sv, '$')", "duckdb")
    sv_upper = expression("upper(trim(json_extract_string(sv, '$')))", "duckdb")
    sv_number = expression("TRY_CAST(upper(trim(json_extract_string(sv, '$'))) AS HUGEINT)", "duckdb")
    sv_int = expression("TRY_CAST(json_extract_string(sv, '$') AS HUGEINT)", "duckdb")
    shaped = sqlglot.parse_one(_SEVERITY, read="duckdb")
    shaped = exp.replace_placeholders(
        shaped,
        names_exact=_names(sv_text),
        names_upper=_names(sv_upper),
        numbered_text=_numbered(sv_number),
        numbered_int=_numbered(sv_int),
    )
    assert isinstance(shaped, exp.Select)
    return shaped.with_("entries", as_=entries, copy=False)


def _names(name: exp.Expr) -> exp.Expr:
    """The LogSeverity a name stands for (normalize's aliases), or NULL."""
    return exp.Case(
        this=name,
        ifs=[
            exp.If(this=exp.Literal.string(alias), true=exp.Literal.string(level))
            for alias, level in SEVERITY_NAMES.items()
        ],
    )


def _numbered(number: exp.Expr) -> exp.Expr:
    """The LogSeverity of a number as normalize reads one: DEFAULT 0, DEBUG 100 ... EMERGENCY 800 and up."""
    ifs = [
        exp.If(
            this=exp.LT(this=number, expression=exp.Literal.number(100 * (i + 1))),
            true=exp.Literal.string(name),
        )
        for i, name in enumerate(SEVERITIES[:-1])
    ]
    return exp.Case(ifs=ifs, default=exp.Literal.string(SEVERITIES[-1]))
