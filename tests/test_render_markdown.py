"""report/render/markdown.py: the Markdown page, its marker first, cut to a limit by leaving out findings."""

from __future__ import annotations

from logscan.model import Report
from logscan.report.render.formats import render
from logscan.report.render.mdsafe import marker

from . import factories


def _big_report(n: int = 40) -> Report:
    findings = [
        factories.finding(rule=f"python-traceback-{i}", signature=f"python-traceback:{i:04d}", count=n - i)
        for i in range(n)
    ]
    return factories.report(findings)


def test_the_marker_is_the_first_line_and_names_service_and_revision() -> None:
    text = render(factories.report([factories.finding()]), "md")
    assert text.splitlines()[0] == marker(factories.SERVICE, factories.REVISION)
    assert text.splitlines()[0] == "<!-- logscan:billing-api:billing-api-00631-xgf -->"


def test_a_paste_without_service_or_revision_is_marked_by_its_digest() -> None:
    assert marker(None, None, "3f2a9c") == "<!-- logscan:unknown:unknown-3f2a9c -->"
    assert (
        marker("api", "api-00001-abc", "3f2a9c") == "<!-- logscan:api:api-00001-abc -->"
    )  # known: no digest


def test_a_report_over_the_limit_leaves_out_the_least_important_findings_and_says_so() -> None:
    report = _big_report()
    whole = render(report, "md", limit=1_000_000)
    assert "python-traceback-39" in whole
    cut = render(report, "md", limit=len(whole) // 3, full_report="the job's artifacts")
    assert len(cut) <= len(whole) // 3
    assert "**`python-traceback-0`** · 40×" in cut  # the most frequent finding stays
    assert "python-traceback-39" not in cut  # the rarest goes first
    notes = [line for line in cut.splitlines() if line.startswith("**Cut to fit:**")]
    assert len(notes) == 1 and "of 40 findings" in notes[0] and notes[0].endswith("the job's artifacts.")
