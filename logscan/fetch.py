"""Fetch a Cloud Run revision's entries from Cloud Logging into a gcloud-style export, through the cache.

The verb is fetch_to_file; fetch_baseline reads the baseline of a live triage (logscan.previous). The
parts of a read live in their own modules, and their public names are re-exported here, where the rest
of logscan and the tests import them:

- logscan.query: what is read (RevisionQuery, revision_query, the exact filter sent);
- logscan.fetch_options: how it is read (FetchOptions: endpoint, quota, caps, retry timing);
- logscan.cloud_logging: the google-cloud-logging client, the only module that imports ``google.cloud``,
  and what its failures mean (the FetchError subclasses);
- logscan.cloud_source: CloudLoggingSource, the paced, resumable page loop (retries, --settle);
- logscan.window, logscan.quota and logscan.cache: the time window, the pacer and the saved exports.

Nothing is left to the library's defaults: the filter always carries the time window (the client adds a
24-hour window to any filter without one), the page size is 1000 and the order is ascending time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import Cache, CacheMeta, SavedSource, cache_key, write_export
from .cloud_logging import (
    CredentialsError,
    NoEntriesError,
    PermissionDeniedError,
    ReadFailedError,
    Transport,
    UnknownProjectError,
    client_transport,
    make_client,
)
from .cloud_source import ORDER_BY, SETTLE_MAX_ROUNDS, SETTLE_TAIL_SECONDS, CloudLoggingSource
from .fetch_options import DEFAULT_ENDPOINT, DEFAULT_QUOTA_RPM, ENDPOINT_ENV, PAGE_SIZE, FetchOptions
from .query import CLOUD_RUN_LOGS, SEVERITIES, RevisionQuery, cloud_run_logs_clause, revision_query
from .quota import FetchProgress
from .sources import EntrySource, RawEntry
from .window import rfc3339

if TYPE_CHECKING:
    from .pipeline import SourceInfo

__all__ = [
    "CACHE_GRACE_SECONDS",
    "CLOUD_RUN_LOGS",
    "DEFAULT_ENDPOINT",
    "DEFAULT_QUOTA_RPM",
    "ENDPOINT_ENV",
    "ORDER_BY",
    "PAGE_SIZE",
    "SETTLE_MAX_ROUNDS",
    "SETTLE_TAIL_SECONDS",
    "SEVERITIES",
    "CloudLoggingSource",
    "CredentialsError",
    "FetchOptions",
    "Fetched",
    "NoEntriesError",
    "PermissionDeniedError",
    "ReadFailedError",
    "RevisionQuery",
    "Transport",
    "UnknownProjectError",
    "client_transport",
    "cloud_run_logs_clause",
    "fetch_baseline",
    "fetch_to_file",
    "make_client",
    "revision_query",
]

# --- the verb: a revision's entries into a file, through the cache --------------------------------------

CACHE_GRACE_SECONDS = 300.0
"""A window is cached only when it ended at least this long before the read (late ingestion)."""


@dataclass(frozen=True)
class Fetched:
    """What fetch_to_file wrote and how the read went."""

    path: Path
    """The JSON array export written."""
    count: int
    """Entries written."""
    truncated: bool
    """A cap or a failure stopped the read early."""
    failure: str | None
    """Why the read gave up, when it did."""
    from_cache: bool
    """Served from the local cache without an API call."""
    requests: int = 0
    """entries.list requests sent."""
    pages: int = 0
    """Pages received."""
    retries: int = 0
    """Requests retried after a transient failure."""


def fetch_to_file(
    query: RevisionQuery,
    options: FetchOptions,
    dest: Path,
    *,
    now: datetime,
    cache: Cache | None = None,
    refresh: bool = False,
    progress: FetchProgress | None = None,
    transport: Transport | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """Write the revision's entries to ``dest`` as a gcloud-style export, from the cache when it holds this
    exact query (unless ``refresh``), else from Cloud Logging, caching a complete read of a closed window."""
    key = cache_key(options.api_endpoint, query.resource_names, query.filter)
    hit = cache.get(key) if cache is not None and not refresh else None
    if hit is not None:
        saved = SavedSource(hit[0], query.source_name, options.max_entries)
        count = write_export(_mappings(saved.entries()), dest)
        return Fetched(dest, count, saved.truncated, None, from_cache=True)
    source = CloudLoggingSource(
        query, options, transport=transport, progress=progress, clock=clock, sleep=sleep
    )
    count = write_export(_mappings(source.entries()), dest)
    closed = query.window.end.timestamp() <= now.timestamp() - CACHE_GRACE_SECONDS
    if cache is not None and closed and not source.truncated and source.failure is None:
        meta = CacheMeta(
            filter=query.filter,
            endpoint=options.api_endpoint,
            resource_names=query.resource_names,
            count=count,
            fetched_at=rfc3339(now),
        )
        cache.put(key, dest, meta)
    return Fetched(
        dest,
        count,
        source.truncated,
        source.failure,
        from_cache=False,
        requests=source.requests,
        pages=source.pages,
        retries=source.retries,
    )


def _mappings(entries: Iterator[RawEntry]) -> Iterator[Mapping[str, Any]]:
    for entry in entries:
        if isinstance(entry, Mapping):
            yield entry


def fetch_baseline(
    params: Mapping[str, Any], revision: str | None, **kwargs: Any
) -> tuple[EntrySource, SourceInfo]:
    """The baseline of a live triage (``params``: the triage command's options): ``revision`` read over the
    target's window, or with None the revision that served before the target. See logscan.previous."""
    from .previous import fetch_baseline as fetch

    return fetch(params, revision, **kwargs)
