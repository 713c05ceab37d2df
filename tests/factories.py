"""Shared builders for model values in tests: Record, Event, Finding, Report, with realistic defaults.

Every builder takes keyword overrides for any field, so a test states only what it is about.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from logscan.config import Config
from logscan.ingest.reader import events
from logscan.model import (
    CLASSES,
    Counts,
    Event,
    EventClass,
    Finding,
    Provenance,
    Reason,
    Record,
    Report,
    Served,
    Template,
    Verdict,
)
from logscan.pipeline import triage
from logscan.report.assemble import importance_key
from logscan.sources import EntrySource
from logscan.templates.miner import rule_stub

T0 = datetime(2025, 9, 15, 18, 2, 11, tzinfo=UTC)
"""Start of every built revision's life: the first entry's timestamp."""
SERVICE = "billing-api"
REVISION = "billing-api-00631-xgf"
INSTANCE = "00f46b9285" + "c" * 30


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def record(text: str, index: int = 0, **fields: Any) -> Record:
    """One normalized record of stderr text."""
    values: dict[str, Any] = {
        "index": index,
        "text": text,
        "clean": text,
        "severity": "DEFAULT",
        "stream": "stderr",
        "timestamp": T0 + timedelta(milliseconds=index),
        "source": "logs.json",
        "service": SERVICE,
        "revision": REVISION,
        "instance": INSTANCE,
        "insert_id": f"68c854a5{index:016x}",
    }
    values.update(fields)
    return Record(**values)


def event(*texts: str, first_index: int = 0) -> Event:
    """An event joined from consecutive records with these texts."""
    records = tuple(record(t, first_index + i) for i, t in enumerate(texts))
    return Event(records=records, text="\n".join(texts), clean="\n".join(texts))


def finding(klass: str = "regression", rule: str = "python-traceback", **fields: Any) -> Finding:
    """One finding; its signature defaults to rule:key or rule:example."""
    example = fields.pop("example", "ModuleNotFoundError: No module named 'billing.tasks'")
    key = fields.pop("key", None)
    values: dict[str, Any] = {
        "klass": EventClass(klass),
        "rule": rule,
        "signature": f"{rule}:{key}" if key else f"{rule}:{_digest(example)}",
        "key": key,
        "count": 1,
        "records": 1,
        "first_seen": T0 + timedelta(seconds=2),
        "last_seen": T0 + timedelta(seconds=2),
        "instances": (INSTANCE,),
        "example": example,
        "template": example.split("\n")[-1][:300],
        "hint": "Read the traceback; fix the import or the packaging.",
        "description": "A Python exception escaped to the log.",
        "severity": "ERROR",
    }
    values.update(fields)
    return Finding(**values)


def template(text: str, count: int = 2) -> Template:
    """A mined template of unclaimed messages, with its rule stub."""
    return Template(template=text, count=count, example=text, rule_stub=rule_stub(text, text))


def timeline(findings: Iterable[Finding]) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """Per-minute class counts, as the aggregator builds them, from the findings' first_seen minutes."""
    minutes: dict[str, dict[str, int]] = {}
    for f in findings:
        if f.first_seen is None:
            continue
        label = f.first_seen.strftime("%Y-%m-%dT%H:%MZ")
        per = minutes.setdefault(label, {})
        per[f.klass] = per.get(f.klass, 0) + f.count
    return tuple((label, tuple((c, minutes[label].get(c, 0)) for c in CLASSES)) for label in sorted(minutes))


def report(
    findings: Sequence[Finding] = (),
    level: str = "FAIL",
    reasons: Sequence[str] | None = None,
    **fields: Any,
) -> Report:
    """A decided report over these findings (sorted by importance, as assemble sorts them)."""
    ordered = tuple(sorted(findings, key=importance_key))
    by_class = tuple((c, sum(f.count for f in ordered if f.klass == c)) for c in CLASSES)
    events = sum(f.count for f in ordered)
    provenance: dict[str, Any] = {
        "version": "0.0.0-test",
        "patterns_hash": "cbd9f3714d53",
        "generated_at": datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        "sources": ("logs.json",),
        "window_start": T0,
        "window_end": T0 + timedelta(minutes=5),
    }
    provenance.update(fields.pop("provenance", {}))
    values: dict[str, Any] = {
        "service": SERVICE,
        "revision": REVISION,
        "verdict": Verdict(
            level=level,
            reasons=tuple(
                Reason(text) for text in (reasons if reasons is not None else [f"{level} by test"])
            ),
            served=Served(started=True, served=True, evidence=("4 request(s) answered below 500",)),
        ),
        "findings": ordered,
        "counts": Counts(
            records=events,
            events=events,
            skipped=0,
            truncated_lines=0,
            by_stream=(("stderr", events),),
            by_class=by_class,
        ),
        "provenance": Provenance(**provenance),
        "next_steps": tuple(f"{f.rule}: {f.hint}" for f in ordered if f.klass != "noise")[:10],
        "timeline": timeline(ordered),
    }
    values.update(fields)
    return Report(**values)


def unredacted(built: Report) -> Report:
    """The same report marked as made with --no-redact."""
    return replace(built, provenance=replace(built.provenance, redacted=False))


def log_entry(
    text: str | dict[str, Any],
    second: float,
    stream: str = "stderr",
    severity: str | None = None,
    revision: str = REVISION,
) -> dict[str, Any]:
    """A LogEntry as `gcloud logging read --format=json` prints it, for a Cloud Run revision."""
    ts = T0 + timedelta(seconds=second)
    entry: dict[str, Any] = {
        "insertId": f"{int(ts.timestamp()):x}{_digest(f'{text}{second}')}",
        "logName": f"projects/acme-staging/logs/run.googleapis.com%2F{stream.replace('/', '%2F')}",
        "receiveTimestamp": (ts + timedelta(milliseconds=190)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "resource": {
            "labels": {
                "configuration_name": SERVICE,
                "location": "europe-west1",
                "project_id": "acme-staging",
                "revision_name": revision,
                "service_name": SERVICE,
            },
            "type": "cloud_run_revision",
        },
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "labels": {"instanceId": INSTANCE},
    }
    if isinstance(text, dict):
        entry["jsonPayload"] = text
    else:
        entry["textPayload"] = text
    if severity:
        entry["severity"] = severity
    return entry


def write_export(path: Path, entries: Sequence[dict[str, Any]]) -> Path:
    """Write entries as gcloud does: a JSON array, newest first."""
    newest_first = sorted(entries, key=lambda e: e["timestamp"], reverse=True)
    path.write_text(json.dumps(newest_first, indent=2), encoding="utf-8")
    return path


def triaged(sources: Sequence[EntrySource], config: Config | None = None, **options: Any) -> Report:
    """pipeline.triage of the sources' events, read as the CLI reads them (options: baseline, policy ...)."""
    config = config if config is not None else Config()
    return triage(events(sources, config), config, **options)
