"""Folding classified events: entries without text are counted and used as evidence, never findings."""

from __future__ import annotations

import json
from pathlib import Path

from logscan.config import Config
from logscan.sources.files import open_source

from .factories import triaged

_RESOURCE = {
    "type": "cloud_run_revision",
    "labels": {"service_name": "api", "revision_name": "api-00003-kuz", "location": "us-central1"},
}


def _entry(n: int, log: str, **fields: object) -> dict[str, object]:
    return {
        "insertId": f"id{n:04d}",
        "logName": f"projects/p/logs/{log}",
        "resource": _RESOURCE,
        "timestamp": f"2025-05-02T10:00:{n:02d}.000000Z",
        **fields,
    }


def test_textless_request_and_audit_entries_are_counted_not_findings(tmp_path: Path) -> None:
    entries = [
        _entry(1, "run.googleapis.com%2Fstdout", textPayload="INFO:     Application startup complete."),
        _entry(2, "run.googleapis.com%2Frequests", httpRequest={"status": 200, "requestMethod": "GET"}),
        _entry(3, "run.googleapis.com%2Frequests", httpRequest={"status": 503, "requestMethod": "POST"}),
        _entry(
            4,
            "cloudaudit.googleapis.com%2Fsystem_event",
            severity="NOTICE",
            protoPayload={
                "methodName": "/Services.ReplaceService",
                "resourceName": "namespaces/p/revisions/x",
            },
        ),
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    report = triaged([open_source(str(path))], Config())
    assert report.counts.records == 4
    assert dict(report.counts.by_class)["noise"] == 4
    assert [f.example for f in report.findings] == ["INFO:     Application startup complete."]
    assert all(t.template.strip() for t in report.templates)
    assert report.verdict.served.served is True
    assert any("1 request(s) failed with 5xx" in line for line in report.verdict.served.evidence)
