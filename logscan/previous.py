"""The baseline of a live triage, read from Cloud Logging: a named revision, or the one that served before.

``--baseline-revision R`` reads R over the target's own window. R may have served at the same time (a traffic
split, a canary), and the same window compares like with like; a revision that no longer served then has no
entries there, which makes the comparison INCONCLUSIVE with a note that says so.

``--baseline previous`` finds the revision that served before the target through Cloud Logging alone (no Cloud
Run Admin API), in three steps:

1. the target's first entry: its earliest entry in the ``LOOKBACK`` before the window's end (ascending, one
   entry a page);
2. the newest entry of another revision of the same service before that instant (``revision_name!=``,
   ``timestamp<``, descending, small pages). Revisions are named ``<service>-<5 digits>-<suffix>``: one numbered
   at or after the target (a tagged preview, say) is passed over, added to the filter as another
   ``revision_name!=`` clause, and the query is asked again;
3. that revision's entries over a window as long as the target's, ending just after that newest entry. The
   window thus ends before the target's first entry, so the time in which both served is left out, and it
   holds the previous revision's last activity even when the service sat idle before the deploy.

A baseline without entries comes back as an empty source (the comparison becomes INCONCLUSIVE), never as an
error; so does a service without an earlier revision, with a note. Notes go into the SourceInfo (the report's
comparison shows them) and to stderr.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .cache import Cache, SavedSource, cache_dir
from .errors import InputError
from .fetch import (
    DEFAULT_QUOTA_RPM,
    CloudLoggingSource,
    FetchOptions,
    NoEntriesError,
    RevisionQuery,
    Transport,
    client_transport,
    cloud_run_logs_clause,
    fetch_to_file,
    make_client,
    revision_query,
)
from .pipeline import SourceInfo
from .quota import FetchProgress, NullProgress, console_progress
from .sources import EntrySource, RawEntry
from .window import Window, parse_time, parse_window, rfc3339

LOOKBACK = timedelta(days=30)
"""How far back the target's first entry and the previous revision are looked for (Cloud Logging's default
retention for the _Default bucket: older entries are gone anyway)."""
PROBE_PAGE_SIZE = 10
"""Entries per page when looking for the previous revision."""
MAX_PROBES = 10
"""entries.list requests allowed for each of the two look-ups before giving up."""

_NUMBERED = re.compile(r"(?P<service>[a-z](?:[a-z0-9-]*[a-z0-9])?)-(?P<number>\d{5})-(?P<suffix>[a-z0-9]+)")
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TICK = timedelta(microseconds=1)

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Choice:
    """Which revision the baseline is and over which window, or why there is none."""

    query: RevisionQuery | None
    """What to read; None when no revision qualifies."""
    name: str
    """The baseline source's label (the query's, or one saying no revision was found)."""
    notes: tuple[str, ...]
    """How the revision and window were chosen, for the report and stderr."""
    probes: tuple[str, ...] = ()
    """The filters sent to find the revision (shown with -v)."""
    if_empty: str = ""
    """What to add to the note when the chosen window holds no entries."""


class EmptySource:
    """A baseline with no entries (an EntrySource): the comparison with it is INCONCLUSIVE."""

    def __init__(self, name: str) -> None:
        self.name = name

    def entries(self) -> Iterator[RawEntry]:
        yield from ()

    @property
    def skipped(self) -> int:
        return 0

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        return ()


class _ScratchSource(SavedSource):
    """A saved baseline read that keeps its scratch folder alive as long as the source is (then removes it)."""

    def __init__(self, path: Path, name: str, scratch: tempfile.TemporaryDirectory[str]) -> None:
        super().__init__(path, name)
        self._scratch = scratch


# --- choosing the baseline ------------------------------------------------------------------------------


def explicit(target: RevisionQuery, revision: str) -> Choice:
    """``--baseline-revision R``: R over the target's own window."""
    if not _NAME.fullmatch(revision):
        raise InputError(
            f"--baseline-revision {revision!r}: not a Cloud Run revision name (like orders-api-00006-vex)."
        )
    if revision == target.revision:
        raise InputError(
            f"--baseline-revision {revision} is the target revision itself. "
            "Pass an earlier revision, or --baseline previous."
        )
    numbered = _NUMBERED.fullmatch(revision)
    service = numbered.group("service") if numbered else target.service
    query = revision_query(target.project, revision, target.window, service, target.severity)
    note = f"Baseline {revision}, read over the target's own window ({target.window.describe()})."
    hint = (
        f" An explicit baseline revision is read over the target's window: if {revision} had stopped serving "
        "by then, use --baseline previous or an export (--baseline FILE)."
    )
    return Choice(query, query.source_name, (note,), if_empty=hint)


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
    mine = _NUMBERED.fullmatch(target)
    if mine is None:
        return True
    theirs = _NUMBERED.fullmatch(name)
    return theirs is not None and int(theirs.group("number")) < int(mine.group("number"))


# --- reading it -----------------------------------------------------------------------------------------


def read(
    choice: Choice,
    options: FetchOptions,
    send: Transport,
    *,
    now: datetime,
    cache: Cache | None,
    refresh: bool = False,
    progress: FetchProgress | None = None,
    notify: Notify | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[EntrySource, SourceInfo]:
    """The chosen baseline's entries as a source, and its SourceInfo. No revision, or no entries in the
    window, gives an empty source with a note."""
    say = notify or (lambda _text: None)
    query = choice.query
    if query is None:
        return EmptySource(choice.name), SourceInfo(notes=choice.notes)
    scratch = tempfile.TemporaryDirectory(prefix="logscan-baseline-")
    info = SourceInfo(
        filter=query.filter,
        logs_explorer_url=query.logs_explorer_url,
        window_start=query.window.start,
        window_end=query.window.end,
    )
    try:
        fetched = fetch_to_file(
            query,
            options,
            Path(scratch.name) / "baseline.json",
            now=now,
            cache=cache,
            refresh=refresh,
            progress=progress,
            transport=send,
            sleep=sleep,
        )
    except NoEntriesError:
        scratch.cleanup()
        floor = f" at or above {query.severity}" if query.severity else ""
        empty = f"{query.revision} has no entries{floor} {query.window.describe()}.{choice.if_empty}"
        say(empty)
        return EmptySource(choice.name), replace(info, notes=(*choice.notes, empty))
    if fetched.truncated:
        why = fetched.failure or f"--max-entries {options.max_entries} reached"
        say(f"warning: the read of baseline {query.revision} stopped early ({why}).")
    source = _ScratchSource(fetched.path, choice.name, scratch)
    return source, replace(info, truncated=fetched.truncated, notes=choice.notes)


# --- the verb --------------------------------------------------------------------------------------------


def fetch_baseline(
    params: Mapping[str, Any],
    revision: str | None,
    *,
    now: datetime | None = None,
    transport: Transport | None = None,
    cache: Cache | None = None,
    notify: Notify | None = None,
    options: FetchOptions | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[EntrySource, SourceInfo]:
    """The baseline of ``logscan triage --project P --revision T``: ``revision`` over T's window, or with
    None the revision that served before T. ``params`` are the triage command's options (project,
    revision, service, since, until, severity, endpoint, quota_rpm, max_entries, settle, refresh, verbose).

    ``notify`` receives the notes (default: stderr); ``cache`` defaults to the user's fetch cache; ``options``
    overrides the read options taken from ``params`` (tests inject short retry timings)."""
    option = f"--baseline-revision {revision}" if revision is not None else "--baseline previous"
    project, target_name = params.get("project"), params.get("revision")
    if not project or not target_name:
        raise InputError(
            f"{option} reads the baseline from Cloud Logging beside a live target: pass --project and "
            "--revision too, or compare with an export: --baseline FILE."
        )
    say = notify or _stderr
    now = now or datetime.now(UTC)
    window = parse_window(params.get("since"), params.get("until"), now)
    target = revision_query(
        str(project), str(target_name), window, params.get("service"), params.get("severity")
    )
    if options is None:
        options = FetchOptions(
            endpoint=params.get("endpoint") or None,
            quota_rpm=int(params.get("quota_rpm") or DEFAULT_QUOTA_RPM),
            max_entries=params.get("max_entries"),
            settle=float(params.get("settle") or 0.0),
        )
    send = transport or client_transport(make_client(target.project, options.endpoint))
    verbose = bool(params.get("verbose"))
    if revision is not None:
        choice = explicit(target, revision)
    else:
        prober = CloudLoggingSource(target, options, transport=send, sleep=sleep)
        choice = previous(target, prober, send)
    if verbose:
        for text in choice.probes:
            say(f"baseline probe filter: {text}")
        if choice.query is not None:
            say(f"baseline filter: {choice.query.filter}")
    for note in choice.notes:
        say(note)
    progress = (
        console_progress(f"Reading baseline {choice.query.revision}") if choice.query else NullProgress()
    )
    return read(
        choice,
        options,
        send,
        now=now,
        cache=cache if cache is not None else Cache(cache_dir()),
        refresh=bool(params.get("refresh")),
        progress=progress,
        notify=say,
        sleep=sleep,
    )


def _stderr(text: str) -> None:
    import click

    click.echo(f"logscan: baseline: {text}", err=True)
