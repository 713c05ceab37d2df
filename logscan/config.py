"""The explicit configuration a run receives; nothing is read from globals or the working directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPORT_FORMATS = ("md", "json", "html")
"""Report formats, by their file extension (render.py renders them; here so that the CLI need not load it)."""
MAX_LINE_CHARS = 65_536
"""Longer record texts are cut to this many characters before matching (and counted)."""


@dataclass(frozen=True)
class Config:
    """Settings of one triage run."""

    env: str = "staging"
    """Environment name: decides whether expected-config is tolerated."""
    patterns_dir: Path | None = None
    """Pattern library folder; None means the shipped one."""
    join: bool = True
    """Join split records into events."""
    redact: bool = True
    """Redact secrets before rendering."""
    max_line_chars: int = MAX_LINE_CHARS
    """Bound on a record's text length."""
    now: datetime | None = None
    """Injected clock for reproducible reports; None means the real time."""
    version: str | None = None
    """Injected version for reproducible reports; None means the installed one."""
    severities: bool = True
    """False drops every entry's severity, whatever it came from (the export's field, a structured payload's
    level, a paste's severity word): every record is DEFAULT, so only the text decides. For measuring how
    well the rules do without severities (``logscan score --no-severity``)."""
    jobs: int = 0
    """Processes for a run: 1 reads and classifies in one process; 2 or more lets a reader process
    decode large files alongside; 0 decides from the CPUs available (see ingest/reader.py)."""
