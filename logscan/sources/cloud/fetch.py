"""Fetch a Cloud Run revision's entries from Cloud Logging into a gcloud-style export, through the cache.

The verb is fetch_to_file. The parts of a read live beside it in sources/cloud/: query (what is read, the
exact filter sent), options (FetchOptions: endpoint, quota, caps, retry timing), client (the
google-cloud-logging client and what its failures mean), source (CloudLoggingSource, the paced, resumable
page loop), window, pacing and cache; baseline/ reads the revision a live triage compares with.

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

from logscan.sources import RawEntry
from logscan.sources.cloud.cache import Cache, CacheMeta, SavedSource, cache_key, write_export
from logscan.sources.cloud.client import (
    Transport,
)
from logscan.sources.cloud.options import (
    FetchOptions,
)
from logscan.sources.cloud.pacing import FetchProgress
from logscan.sources.cloud.query import (
    RevisionQuery,
)
from logscan.sources.cloud.source import CloudLoggingSource
from logscan.sources.cloud.window import rfc3339

if TYPE_CHECKING:
    pass


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
    repeated: int = 0
    """Entries the server sent more than once, written once."""
    notes: tuple[str, ...] = ()
    """What the user should know about how the read went (a Retry-After wait that was capped)."""
    tip: str = ""
    """What to do about the failure, when there was one."""


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
    hit = cache.get(key, now) if cache is not None and not refresh else None
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
        repeated=source.repeated,
        notes=tuple(source.notes),
        tip=source.failure_tip,
    )


def _mappings(entries: Iterator[RawEntry]) -> Iterator[Mapping[str, Any]]:
    for entry in entries:
        if isinstance(entry, Mapping):
            yield entry
