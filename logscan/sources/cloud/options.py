"""How a fetch reads: the endpoint, the quota, the caps and the retry timing, each with its default written
out here rather than left to the client library's.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ENDPOINT = "https://logging.googleapis.com"
ENDPOINT_ENV = "LOGSCAN_LOGGING_ENDPOINT"
PAGE_SIZE = 1000
"""The API's largest page."""
DEFAULT_QUOTA_RPM = 60
"""entries.list requests per minute per project, Cloud Logging's default quota."""


@dataclass(frozen=True)
class FetchOptions:
    """How to read: endpoint, quota, caps and retry timing (short timings are injected by tests)."""

    endpoint: str | None = None
    """Logging API endpoint; None means the public one with Application Default Credentials."""
    quota_rpm: int = DEFAULT_QUOTA_RPM
    """entries.list requests allowed per quota period."""
    quota_period: float = 60.0
    """Length of the quota period in seconds (a benchmark scales the minute down)."""
    quota_margin: float = 0.01
    """Extra fraction of the period waited beyond the quota, against clock skew and latency jitter."""
    page_size: int = PAGE_SIZE
    """pageSize of every request."""
    max_entries: int | None = None
    """Stop after this many entries and mark the read truncated."""
    settle: float = 0.0
    """Seconds to wait between re-reads of the window's tail; 0 disables."""
    timeout: float = 60.0
    """Seconds to wait for one page."""
    max_attempts: int = 6
    """Consecutive failed requests tolerated before the read is given up."""
    backoff_base: float = 1.0
    """Bound of the first back-off delay in seconds; the bound doubles per consecutive failure, and each
    delay is drawn below it (google.api_core's exponential back-off with full jitter)."""
    backoff_max: float = 32.0
    """Largest back-off delay (a Retry-After header is honoured up to this)."""

    @property
    def api_endpoint(self) -> str:
        return (self.endpoint or DEFAULT_ENDPOINT).rstrip("/")
