"""A run as pandas DataFrames, for exploring in a notebook: findings of a JSON report, or classified events.

``load_run`` gives one row per finding (from ``logscan triage -o report.json``) or one row per event (from
classified events, or the JSONL of ``logscan classify``), always with the same columns, so the same
analysis works on both. ``load_timeline`` gives a report's events per class per minute.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from logscan.errors import InputError
from logscan.model import CLASSES, Classified

COLUMNS = ("class", "rule", "signature", "key", "count", "first_seen", "last_seen", "severity", "example")
"""The columns of load_run's frame, in order."""


def load_run(run: str | Path | Iterable[Classified]) -> pd.DataFrame:
    """One row per finding of a JSON report, or per event of classified events (a .jsonl path or Classified
    items); columns COLUMNS, times as UTC timestamps, count 1 for an event."""
    if isinstance(run, str | Path):
        path = Path(run)
        rows = _jsonl_rows(path) if path.suffix == ".jsonl" else _report(path)["findings"]
    else:
        rows = [_event_row(item) for item in run]
    frame = pd.DataFrame([{c: row.get(c) for c in COLUMNS} for row in rows], columns=list(COLUMNS))
    for column in ("first_seen", "last_seen"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame["count"] = frame["count"].astype("int64")
    return frame


def load_timeline(report: str | Path) -> pd.DataFrame:
    """Events per class per minute from a JSON report: a UTC minute index with every minute from the first
    to the last (minutes without events are 0), one column per class."""
    doc = _report(Path(report))
    points = doc.get("timeline") or []
    frame = pd.DataFrame(
        [{"minute": p["minute"], **{str(c): p["counts"].get(c, 0) for c in CLASSES}} for p in points],
        columns=["minute", *(str(c) for c in CLASSES)],
    )
    frame["minute"] = pd.to_datetime(frame["minute"], utc=True, format="%Y-%m-%dT%H:%MZ")
    frame = frame.set_index("minute").astype("int64")
    if frame.empty:
        return frame
    every_minute = pd.date_range(frame.index.min(), frame.index.max(), freq="min", name="minute")
    return frame.reindex(every_minute, fill_value=0)


def _report(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such file. Write a report with: logscan triage ... -o {path.name}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path}: is not a JSON report ({exc}). Write one with: logscan triage ... -o report.json"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise InputError(
            f"{path}: has no findings list, so it is no logscan JSON report. Write one with -o report.json."
        )
    return doc


def _jsonl_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(
                f"{path}:{number}: is not JSON. Write events with: logscan classify ... > {path.name}"
            ) from None
        rows.append(
            {
                **event,
                "count": 1,
                "first_seen": event.get("timestamp"),
                "last_seen": event.get("timestamp"),
                "example": event.get("text", ""),
            }
        )
    return rows


def _event_row(item: Classified) -> dict[str, Any]:
    first = item.event.first
    when = first.timestamp.isoformat() if first.timestamp else None
    return {
        "class": item.klass,
        "rule": item.rule,
        "signature": item.signature,
        "key": item.key,
        "count": 1,
        "first_seen": when,
        "last_seen": when,
        "severity": first.severity,
        "example": item.event.clean,
    }
