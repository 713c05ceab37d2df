"""A report of several revisions: one section per revision (its own marker, verdict and findings, exactly as
a report of that revision alone) after a short overview whose verdict is the worst of theirs.

Markdown and JSON show every section; the HTML page shows one revision, so it asks for --revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from logscan.errors import ReportError
from logscan.model import Level, Report
from logscan.report.render import FULL_REPORT_HINT, GITHUB_LIMIT
from logscan.report.render.formats import SCHEMA_VERSION, render
from logscan.verdict.decide import SEVERITY


def overall(reports: Sequence[Report]) -> Level:
    """The worst verdict of the reports (README: PASS < WARN < EXPECTED_CONFIG < INCONCLUSIVE < FAIL)."""
    return max((r.verdict.level for r in reports), key=SEVERITY.index)


def render_all(
    reports: Sequence[Report], fmt: str, *, limit: int = GITHUB_LIMIT, full_report: str = FULL_REPORT_HINT
) -> str:
    """One report as render() gives it; several as an overview and a section each (limit applies to each
    Markdown section: each is one GitHub comment)."""
    if len(reports) == 1:
        return render(reports[0], fmt, limit=limit, full_report=full_report)
    names = ", ".join(r.revision or "(no revision)" for r in reports)
    if fmt == "html":
        raise ReportError(
            f"the HTML report shows one revision, and the input holds {len(reports)} ({names}). "
            "Pass --revision R, or write -o report.md or -o report.json for all of them."
        )
    parts = [render(r, fmt, limit=limit, full_report=full_report) for r in reports]
    level = overall(reports)
    if fmt == "json":
        doc = {
            "schema_version": SCHEMA_VERSION,
            "verdict": {"level": str(level)},
            "reports": [orjson.loads(part) for part in parts],
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"
    from logscan.report.render.mdsafe import md_code  # Markdown only

    rows = "".join(
        f"| {md_code(r.service or 'unknown', table=True)} | {md_code(r.revision or 'unknown', table=True)} "
        f"| {r.verdict.level} |\n"
        for r in reports
    )
    overview = (
        f"## logscan: {level} overall: {len(reports)} revisions in one input\n\n"
        "Each revision is reported on its own below (its own verdict and marker); the overall verdict is the "
        "worst of theirs.\n\n| Service | Revision | Verdict |\n|---|---|---|\n" + rows + "\n"
    )
    return overview + "\n".join(parts)
