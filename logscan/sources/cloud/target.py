"""A live target: the revision a command reads from Cloud Logging, with its window and how to read it.

The command line builds one LiveTarget from its options (cli/live.py); the fetch, the live triage and the
baseline lookup all take it, so the window is parsed once and every read of a run uses the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.query import RevisionQuery


@dataclass(frozen=True)
class LiveTarget:
    """One revision to read live: project, service, revision and window (the query), and the read options."""

    query: RevisionQuery
    """Project, revision, service, window and severity, with the exact filter they make."""
    options: FetchOptions
    """Endpoint, quota, caps and retry timing."""
    refresh: bool = False
    """Ignore the local cache and read again."""
    no_cache: bool = False
    """Neither read nor write the local cache."""
    cache_ttl: str | None = None
    """How long cached reads are served and kept, as given (--cache-ttl); None: the default."""
    verbose: bool = False
    """Say the exact filters and how the reads went on stderr."""
