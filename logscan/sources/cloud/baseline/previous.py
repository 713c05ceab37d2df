"""Finding the revision that served before the target (``--baseline previous``) and the window to read it
over, through Cloud Logging alone (no Cloud Run Admin API), in three steps:

1. the target's first entry: its earliest entry in the ``LOOKBACK`` before the window's end (ascending, one
   entry a page);
2. the newest entry of another revision of the same service before that instant (``revision_name!=``,
   ``timestamp<``, descending, small pages). Revisions are named ``<service>-<5 digits>-<suffix>``: one numbered
   at or after the target (a tagged preview, say) is passed over, added to the filter as another
   ``revision_name!=`` clause, and the query is asked again;
3. that revision's entries over a window as long as the target's, ending just after that newest entry. The
   window thus ends before the target's first entry, so the time in which both served is left out, and it
   holds the previous revision's last activity even when the service sat idle before the deploy.

A service without an earlier revision is not an error: the Choice has no query and a note says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from logscan.sources.cloud.baseline.choice import NUMBERED, Choice
from logscan.sources.cloud.client import Transport
from logscan.sources.cloud.query import RevisionQuery, cloud_run_logs_clause, revision_query
from logscan.sources.cloud.source import CloudLoggingSource
from logscan.sources.cloud.window import Window, parse_time, rfc3339

LOOKBACK = timedelta(days=30)
"""How far back the target's first entry and the previous revision are looked for (Cloud Logging's default
retention for the _Default bucket: older entries are gone anyway)."""
PROBE_PAGE_SIZE = 10
"""Entries per page when looking for the previous revision."""
MAX_PROBES = 10
"""entries.list requests allowed for each of the two look-ups before giving up."""

_TICK = timedelta(microseconds=1)


def previous(target: RevisionQuery, prober: CloudLoggingSource, send: Transport) -> Choice:
    """``--baseline previous``: the newest earlier revision of the target's service with entries, over a
    window as long as the target's that ends before the target's first entry."""
    lookback_start = min(target.window.start, target.window.end - LOOKBACK)
    first_query = RevisionQuery(
        target.project, target.revision, target.service, Window(lookback_start, target.window.end)
    )
    probes = [first_query.filter]
    first = _first_timestamp(prober, send, first_query)
    none_name = f"cloud-logging:{target.project}/{target.service} (no revision before {target.revision})"
    if first is None:
        note = (
            f"No baseline: {target.revision} has no entries in the {LOOKBACK.days} days before "
            f"{rfc3339(target.window.end)}, so the revision before it cannot be told."
        )
        return Choice(None, none_name, (note,), tuple(probes))
    started = parse_time(first, target.window.end)
    since = started - LOOKBACK
    passed: list[str] = []
    found: tuple[str, str] | None = None
    token: str | None = None
    gave_up = False
    for _ in range(MAX_PROBES):
        body: dict[str, Any] = {
            "resourceNames": list(target.resource_names),
            "filter": _others_filter(target, passed, since, started),
            "orderBy": "timestamp desc",
            "pageSize": PROBE_PAGE_SIZE,
        }
        if token:
            body["pageToken"] = token
        else:
            probes.append(body["filter"])
        response = prober.request(send, body)
        ruled_out = False
        for entry in response.get("entries") or ():
            name = _revision_of(entry)
            if name is None or name == target.revision or name in passed:
                continue
            if _is_earlier(name, target.revision):
                found = (name, str(entry.get("timestamp", "")))
                break
            passed.append(name)
            ruled_out = True
        token = None if ruled_out else (response.get("nextPageToken") or None)
        if found is not None or (not ruled_out and token is None):
            break
    else:
        gave_up = True
    skipped = (f"Passed over {', '.join(passed)}: numbered at or after {target.revision}.",) if passed else ()
    if found is None:
        note = (
            f"No baseline: no earlier revision of {target.service} has entries in the {LOOKBACK.days} days "
            f"before {target.revision}'s first entry ({first})"
            + (f" that {MAX_PROBES} queries could find" if gave_up else "")
            + ". Compare with an export instead: --baseline FILE."
        )
        return Choice(None, none_name, (note, *skipped), tuple(probes))
    name, last = found
    end = parse_time(last, target.window.end) + _TICK
    window = Window(end - target.window.span, end)
    query = revision_query(target.project, name, window, target.service, target.severity)
    note = (
        f"Baseline {name}: the newest earlier revision of {target.service} with entries before "
        f"{target.revision}'s first entry ({first}); read {window.describe()}, as long as the target's window "
        "and ending at its last entry before the target's first, so the time both served is left out."
    )
    return Choice(query, query.source_name, (note, *skipped), tuple(probes))


def _first_timestamp(prober: CloudLoggingSource, send: Transport, query: RevisionQuery) -> str | None:
    """The timestamp text of the query's earliest entry, or None; empty pages with a token are followed."""
    token: str | None = None
    for _ in range(MAX_PROBES):
        body: dict[str, Any] = {
            "resourceNames": list(query.resource_names),
            "filter": query.filter,
            "orderBy": "timestamp asc",
            "pageSize": 1,
        }
        if token:
            body["pageToken"] = token
        response = prober.request(send, body)
        for entry in response.get("entries") or ():
            if isinstance(entry, Mapping) and entry.get("timestamp"):
                return str(entry["timestamp"])
        token = response.get("nextPageToken") or None
        if token is None:
            return None
    return None


def _others_filter(target: RevisionQuery, passed: list[str], since: datetime, before: datetime) -> str:
    """Entries of the target's service from revisions other than the target (and those passed over)."""
    clauses = [
        'resource.type="cloud_run_revision"',
        f'resource.labels.service_name="{target.service}"',
        *(f'resource.labels.revision_name!="{name}"' for name in (target.revision, *passed)),
        f'timestamp>="{rfc3339(since)}"',
        f'timestamp<"{rfc3339(before)}"',
        cloud_run_logs_clause(target.project),
    ]
    return " AND ".join(clauses)


def _revision_of(entry: Any) -> str | None:
    if not isinstance(entry, Mapping):
        return None
    labels = (entry.get("resource") or {}).get("labels") or {}
    name = labels.get("revision_name") if isinstance(labels, Mapping) else None
    return str(name) if name else None


def _is_earlier(name: str, target: str) -> bool:
    """Whether revision ``name`` may have served before ``target``: its number is lower. When the target's
    name carries no number, any other revision qualifies."""
    mine = NUMBERED.fullmatch(target)
    if mine is None:
        return True
    theirs = NUMBERED.fullmatch(name)
    return theirs is not None and int(theirs.group("number")) < int(mine.group("number"))
