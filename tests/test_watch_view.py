"""What logscan watch shows: the panel refreshed in place on a terminal, one line per change elsewhere."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from logscan.cli.watch_view import LineView, LiveView, Snapshot, findings_by_class
from logscan.model import CLASSES, Counts, Evidence, Finding, Reason, Served, Verdict
from logscan.verdict.aggregate import Summary

from .factories import finding

REVISION = "orders-api-00008-zug"


def _summary(*findings: Finding) -> Summary:
    return Summary(
        findings=findings,
        counts=Counts(20, 18, 0, 0, (("stderr", 20),), tuple((c, 0) for c in CLASSES)),
        evidence=Evidence(),
        window_start=datetime(2026, 12, 2, 1, 0, tzinfo=UTC),
        window_end=datetime(2026, 12, 2, 1, 1, tzinfo=UTC),
        service="orders-api",
        revision=REVISION,
        timeline=(),
    )


STARTED = Served(True, None, ("1 startup success signal(s) (probe succeeded or startup complete)",))
SERVING = Served(True, True, (*STARTED.evidence, "12 request(s) answered below 500"))
CAUSE = "1 critical finding: module-not-found:orders.tax x1"


def _snap(
    level: str, served: Served, elapsed: float, *findings: object, outcome: str | None = None
) -> Snapshot:
    reason = (
        CAUSE
        if level == "FAIL"
        else "No regression, platform failure, configuration gap or deprecation found."
    )
    return Snapshot(
        elapsed, 20, 3, _summary(*findings), Verdict(level, (Reason(reason),), served), None, outcome
    )


def test_findings_by_class_counts_findings_and_their_events() -> None:
    summary = _summary(
        finding(klass="regression", signature="a", count=3),
        finding(klass="regression", signature="b", count=1),
        finding(klass="platform", signature="c", count=1),
        finding(klass="noise", signature="d", count=40),
    )
    assert findings_by_class(summary) == "regression 2 (4 events), platform 1 (1 event)"
    assert findings_by_class(_summary()) == "none"


def test_lines_only_when_the_verdict_changes() -> None:
    out = io.StringIO()
    with LineView(REVISION, out) as view:
        view.show(_snap("PASS", STARTED, 1))
        view.show(_snap("PASS", STARTED, 2))  # same verdict, same evidence: no line
        view.show(_snap("PASS", SERVING, 3))
        view.show(_snap("FAIL", SERVING, 4, finding(klass="regression"), outcome="failed"))
    lines = out.getvalue().splitlines()
    assert lines == [
        f"logscan watch: +1s {REVISION} PASS: 20 entries, findings: none; started yes, served unknown",
        f"logscan watch: +3s {REVISION} PASS: 20 entries, findings: none; started yes, served yes",
        f"logscan watch: +4s {REVISION} FAIL: 20 entries, findings: regression 1 (1 event); started yes, "
        f"served yes; cause: {CAUSE}; failed",
    ]


def test_the_terminal_panel_is_redrawn_in_place() -> None:
    out = io.StringIO()
    with LiveView(REVISION, out, force_terminal=True) as view:
        view.show(_snap("PASS", STARTED, 1))
        view.show(_snap("FAIL", SERVING, 4, finding(klass="regression"), outcome="failed"))
    text = out.getvalue()
    assert "\x1b[1A" in text or "\x1b[2K" in text  # cursor moved back over the previous panel
    for shown in ("entries", "findings", "regression 1 (1 event)", "started", "served", "root cause"):
        assert shown in text
    assert "FAIL (failed)" in text
    assert "12 request(s) answered below 500" in text
