"""Which entries a BigQuery triage may count in the query instead of downloading them.

An entry may be counted when the local pipeline would make it an event of its own, of class noise, claimed
by a noise rule (whose signature is the rule and key, with no template to mine), and when leaving it out of
the download changes how no other entry joins. ingest/join.py joins records of one (instance, stream)
that are at most MAX_GAP apart, when the later one continues the group the earlier left open. The query
reads each entry as the joiner would, conservatively: every predicate below may say "might" where the
joiner would say no, never the reverse (tests/test_neighbours.py checks them against the joiner's).

- ``opens``: the entry, starting a group, might leave it open: more than one line, a line that opens a
  state (a traceback header, an exception, a line ending in ``:``, a warning, a trace opener, indented, a
  word that introduces a trace) or an unclosed quote, bracket or tag (a split message continues it).
- ``solid``: the entry's first line cannot continue a group in any open state but a foreign trace's heading
  (blank, indented, a closing quote or bracket, a trace continuation, an exception line, a bare name, an
  ``Error``/``Exception``, a header, a line ending in ``:``).
- ``trace_only``: the first line continues a group only in a Python traceback's frames (``Name: ...``, the
  exception line; uvicorn's ``INFO:     ...`` lines look like one).
- ``heady``: its last line is blank or ends in ``:``, so a foreign trace's heading might be open after it:
  then anything continues.
- ``in_trace``: a traceback's frames might be open after the entry: its last line is a traceback header
  or indented, or it starts with a closing quote or bracket (a split message keeps the state it joins).
- ``breaker``: the entry surely does not continue its predecessor: none within MAX_GAP, or ``solid`` after
  an entry that is not ``heady``, or ``trace_only`` after one neither ``heady`` nor ``in_trace``.
- ``open_after``: a group might be open after the entry: some entry since the last breaker ``opens``
  (a group can only stay open through entries that are not breakers).

An entry is ``removable`` when it is noise claimed by a noise rule (or has no text at all), does not
``open``, and its predecessor is more than MAX_GAP before it or leaves no group open. Then it is a group
of one in the full download, and nothing after it continues it. Every kept entry joins as in the full
download: when the entry before it was removed, the last kept one before it either leaves no group open
or is more than MAX_GAP away (the entry right after an open one is never removed, unless MAX_GAP apart).
Two entries of one instance and stream at the same time and insert id could come in either order: they
count as opening and ``heady``. Request and audit logs never join: theirs are removable when noise.

Of the removable entries with text, the first of each service, revision, rule, key and instance is
downloaded all the same, so that the report's example, template and instances come from real events;
the others are ``counted``. What stays approximate is what the joiner bounds by counts rather than by
time (MAX_OPEN groups waiting, MAX_RECORDS): a download without the counted entries reaches those bounds
later.
"""

from __future__ import annotations

from sqlglot import exp

from logscan.ingest.join import MAX_GAP, REORDER_MAX
from logscan.ingest.traces import CONTINUATION, OPENER
from logscan.sql.message import Dialect, expression, with_ctes
from logscan.sql.regex import SPACE, WORD, re2_pattern, unicode_classes

_GAP_US = int(MAX_GAP.total_seconds() * 1_000_000)
_WS = f"[{SPACE}]"
_W = f"[{WORD}]"
_UNIX_MICROS = {"bigquery": "UNIX_MICROS(timestamp)", "duckdb": "epoch_us(timestamp)"}
_INSTANCE = {
    "bigquery": "COALESCE(NULLIF(JSON_VALUE(labels, '$.instanceId'), ''), "
    "NULLIF(JSON_VALUE(labels, '$.instance_id'), ''))",
    "duckdb": "COALESCE(NULLIF(json_extract_string(labels, '$.instanceId'), ''), "
    "NULLIF(json_extract_string(labels, '$.instance_id'), ''))",
}
_STREAMS = (
    ("stdout", r"(?i)/logs/run\.googleapis\.com(?:%2F|/)stdout\z"),
    ("stderr", r"(?i)/logs/run\.googleapis\.com(?:%2F|/)stderr\z"),
    ("varlog/system", r"(?i)/logs/run\.googleapis\.com(?:%2F|/)varlog(?:%2F|/)system\z"),
    ("requests", r"(?i)/logs/run\.googleapis\.com(?:%2F|/)requests\z"),
    ("audit", r"/logs/cloudaudit\.googleapis\.com"),
)
"""ingest.normalize.stream_of over log_name (anything else is "other")."""
NEVER_JOINED = ("requests", "audit")

# On the first line (``first_line``): what might open a state, or continue one.
_BLANK = rf"\A{_WS}*\z"
_INDENTED = rf"\A{_WS}"
_CLOSES_SPLIT = r"""\A["')\]}<]"""
_CONTINUATION = r"\A(?:" + unicode_classes(re2_pattern(CONTINUATION.pattern)) + ")"
_OPENER = r"\A(?:" + unicode_classes(re2_pattern(OPENER.pattern)) + ")"
_NAMED = r"Error|Exception"
_HEADER = r"Traceback \(most recent call last\)"
_ENDS_COLON = rf":{_WS}*\z"
_EXCEPTION_LINE = rf"\A(?:[A-Za-z_]{_W}*\.)*[A-Z]{_W}*(?::{_WS}|:?\z)"
_BARE_NAME = rf"\A[A-Za-z_][{WORD}.\[\]-]*\z"
_WARNING = r"\.pyw?:"
_INTRO = r"(?i)exception|error|traceback|failed|uncaught|unhandled"
_TAG = r"<[A-Za-z]"
_HAS_TEXT = f"[^{SPACE}]"
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))

_WINDOW = "PARTITION BY join_stream, join_instance ORDER BY join_us, insert_id"
EVENT_ORDER = "file_run, file_chunk, join_us, insert_id"
"""The order the local pipeline reads a gcloud export (newest first) in: ingest.join.in_time_order cuts it into
runs at gaps over MAX_GAP and every REORDER_MAX records, and puts each run in time order."""


def _like(column: str, pattern: str) -> exp.Expr:
    return exp.RegexpLike(this=exp.column(column), expression=exp.Literal.string(pattern))


def _any(column: str, *patterns: str) -> exp.Expr:
    return exp.or_(*(_like(column, p) for p in patterns))


def _occurrences(char: str) -> exp.Expr:
    text = exp.column("text")
    without = exp.Anonymous(
        this="REPLACE", expressions=[text, exp.Literal.string(char), exp.Literal.string("")]
    )
    # In parentheses: sqlglot writes DuckDB's % and // after a difference without them.
    return exp.Paren(this=exp.Sub(this=exp.Length(this=text), expression=exp.Length(this=without)))


def _unbalanced() -> exp.Expr:
    """A quote, bracket or markup tag that the next record could close (continues.split_message)."""
    odd = [
        exp.EQ(
            this=exp.Mod(this=_occurrences(q), expression=exp.Literal.number(2)),
            expression=exp.Literal.number(1),
        )
        for q in ('"', "'")
    ]
    more = [exp.GT(this=_occurrences(a), expression=_occurrences(b)) for a, b in _PAIRS]
    return exp.or_(*odd, *more, _like("text", _TAG))


def _stream(dialect: Dialect) -> exp.Expr:
    return exp.Case(
        ifs=[exp.If(this=_like("log_name", p), true=exp.Literal.string(s)) for s, p in _STREAMS],
        default=exp.Literal.string("other"),
    )


def _never_joined() -> exp.Expr:
    return exp.column("join_stream").isin(*(exp.Literal.string(s) for s in NEVER_JOINED))


def _over(window: str, dialect: Dialect, **values: exp.Expr) -> exp.Expr:
    """A window function from fixed SQL, with expressions for its placeholders."""
    return exp.replace_placeholders(expression(window, dialect), **values)


def _flag(condition: exp.Expr) -> exp.Expr:
    """1 when the condition holds, else 0 (NULL counts as 0)."""
    return exp.Case(ifs=[exp.If(this=condition, true=exp.Literal.number(1))], default=exp.Literal.number(0))


def judged(base: exp.Select, dialect: Dialect, subject: dict[str, exp.Expr]) -> exp.Select:
    """``FROM judged``: base's classified entries with ``silent`` (no text), ``removable`` and ``counted``.

    base is query.classified's select (its CTEs end in ``classified``), built on in place (a copy of that
    tree costs seconds; the callers build it for this call alone); subject names the columns to add
    (``subject_service``, ``subject_revision``, ...) and their expressions. An entry without a revision is
    never counted: the report hashes such entries' text.
    """
    lines = exp.select(
        "*",
        *(value.as_(name) for name, value in subject.items()),
        _stream(dialect).as_("join_stream"),
        expression(_INSTANCE[dialect], dialect).as_("join_instance"),
        expression(_UNIX_MICROS[dialect], dialect).as_("join_us"),
        exp.RegexpExtract(this=exp.column("text"), expression=exp.Literal.string(r"\A[^\n]*")).as_(
            "first_line"
        ),
        exp.RegexpExtract(this=exp.column("text"), expression=exp.Literal.string(r"[^\n]*\z")).as_(
            "last_line"
        ),
    ).from_("classified")
    tied = exp.GT(
        this=expression(
            "COUNT(*) OVER (PARTITION BY join_stream, join_instance, join_us, insert_id)", dialect
        ),
        expression=exp.Literal.number(1),
    )
    opens = exp.or_(
        _like("text", r"\n"),
        _any("first_line", _HEADER, _ENDS_COLON, _WARNING, _OPENER, _NAMED, _INDENTED, _INTRO),
        _unbalanced(),
        tied,
    )
    continues_some = _any(
        "first_line",
        _BLANK,
        _INDENTED,
        _CLOSES_SPLIT,
        _CONTINUATION,
        _NAMED,
        _HEADER,
        _ENDS_COLON,
        _BARE_NAME,
    )
    exception_line = _like("first_line", _EXCEPTION_LINE)
    heady = exp.or_(_any("last_line", _BLANK, _ENDS_COLON), tied)
    in_trace = exp.or_(_any("last_line", _HEADER, _INDENTED), _like("first_line", _CLOSES_SPLIT), tied)
    newest_first = "ORDER BY join_us DESC, insert_id DESC"
    stepped = exp.select(
        "*",
        _flag(
            exp.GT(
                this=exp.Sub(
                    this=expression(f"LAG(join_us) OVER ({newest_first})", dialect),
                    expression=exp.column("join_us"),
                ),
                expression=exp.Literal.number(_GAP_US),
            )
        ).as_("run_starts"),
    ).from_("lines")
    runs = exp.select(
        "*",
        expression(f"SUM(run_starts) OVER ({newest_first} ROWS UNBOUNDED PRECEDING)", dialect).as_(
            "file_run"
        ),
    ).from_("stepped")
    chunks = exp.select(
        "*",
        exp.IntDiv(
            this=exp.Paren(  # see _occurrences
                this=exp.Sub(
                    this=expression(f"ROW_NUMBER() OVER (PARTITION BY file_run {newest_first})", dialect),
                    expression=exp.Literal.number(1),
                )
            ),
            expression=exp.Literal.number(REORDER_MAX),
        ).as_("file_chunk"),
    ).from_("runs")
    features = exp.select(
        "*",
        exp.and_(exp.not_(_never_joined()), opens).as_("opens"),
        exp.not_(exp.or_(continues_some, exception_line)).as_("solid"),
        exp.and_(exception_line, exp.not_(continues_some)).as_("trace_only"),
        heady.as_("heady"),
        in_trace.as_("in_trace"),
    ).from_("chunks")
    lagged = exp.select(
        "*",
        expression(f"LAG(join_us) OVER ({_WINDOW})", dialect).as_("prev_us"),
        expression(f"LAG(heady) OVER ({_WINDOW})", dialect).as_("prev_heady"),
        expression(f"LAG(in_trace) OVER ({_WINDOW})", dialect).as_("prev_in_trace"),
    ).from_("features")
    gap = exp.or_(
        exp.column("prev_us").is_(exp.null()),
        exp.GT(
            this=exp.Sub(this=exp.column("join_us"), expression=exp.column("prev_us")),
            expression=exp.Literal.number(_GAP_US),
        ),
    )
    breaker = exp.or_(
        _never_joined(),
        gap,
        exp.and_(exp.column("solid"), exp.not_(exp.column("prev_heady"))),
        exp.and_(
            exp.column("trace_only"),
            exp.not_(exp.column("prev_heady")),
            exp.not_(exp.column("prev_in_trace")),
        ),
    )
    running = f"OVER ({_WINDOW} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    segmented = exp.select(
        "*",
        gap.as_("apart"),
        _over(f"SUM(:flag) {running}", dialect, flag=_flag(breaker)).as_("segment"),
    ).from_("lagged")
    opened = exp.select(
        "*",
        _over(
            "MAX(:flag) OVER (PARTITION BY join_stream, join_instance, segment ORDER BY join_us, insert_id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
            dialect,
            flag=_flag(exp.column("opens")),
        ).as_("open_after"),
    ).from_("segmented")
    silent = exp.EQ(this=exp.column("text"), expression=exp.Literal.string(""))
    noise = exp.and_(
        exp.EQ(this=exp.column("class"), expression=exp.Literal.string("noise")),
        exp.or_(
            silent,
            exp.and_(
                exp.NEQ(this=exp.column("rule"), expression=exp.Literal.string("unclaimed")),
                _like("text", _HAS_TEXT),
            ),
        ),
        exp.column("subject_revision").is_(exp.null()).not_(),
        exp.column("join_us").is_(exp.null()).not_(),
    )
    after_closed = exp.or_(
        exp.column("apart"),
        exp.EQ(
            this=expression(f"LAG(open_after) OVER ({_WINDOW})", dialect), expression=exp.Literal.number(0)
        ),
    )
    removable = exp.and_(noise, exp.not_(exp.column("opens")), after_closed)
    flagged = exp.select("*", silent.as_("silent"), removable.as_("removable")).from_("opened")
    first_of_kind = expression(
        "ROW_NUMBER() OVER (PARTITION BY removable, silent, subject_service, subject_revision, rule, key, "
        f"join_instance ORDER BY {EVENT_ORDER})",
        dialect,
    )
    counted = exp.and_(
        exp.column("removable"),
        exp.or_(exp.column("silent"), exp.GT(this=first_of_kind, expression=exp.Literal.number(1))),
    )
    ranked = exp.select("*", counted.as_("counted")).from_("flagged")
    return with_ctes(
        base.from_("judged", copy=False),
        [
            ("lines", lines),
            ("stepped", stepped),
            ("runs", runs),
            ("chunks", chunks),
            ("features", features),
            ("lagged", lagged),
            ("segmented", segmented),
            ("opened", opened),
            ("flagged", flagged),
            ("judged", ranked),
        ],
    )
