"""An export of several revisions (or services) is reported per revision, never merged (issue 12 item 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.resources import data_dir

from . import factories

OLD = "billing-api-00630-rok"
NEW = factories.REVISION


def _two_revisions(path: Path) -> Path:
    """The revision before serves fine; the new one crash-loops on a missing module."""
    healthy = [
        factories.log_entry("INFO:     Application startup complete.", 1, "stdout", "INFO", OLD),
        factories.log_entry({"message": "GET /v1/invoices 200"}, 2, "stdout", "INFO", OLD),
        factories.log_entry(
            'INFO:     169.254.169.126:41234 - "GET /v1/invoices HTTP/1.1" 200 OK', 3, "stdout", "INFO", OLD
        ),
    ]
    crash = [
        factories.log_entry("Traceback (most recent call last):", 10, "stderr", "ERROR", NEW),
        factories.log_entry(
            '  File "/app/billing/main.py", line 3, in <module>', 10.001, "stderr", "ERROR", NEW
        ),
        factories.log_entry("    import stripe", 10.002, "stderr", "ERROR", NEW),
        factories.log_entry("ModuleNotFoundError: No module named 'stripe'", 10.003, "stderr", "ERROR", NEW),
        factories.log_entry("Container called exit(1).", 10.5, "varlog/system", "WARNING", NEW),
    ]
    return factories.write_export(path, healthy + crash)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_two_revisions_get_a_section_verdict_and_marker_each(tmp_path: Path) -> None:
    export = _two_revisions(tmp_path / "logs.json")
    code, out, err = _run("triage", str(export))
    assert code == 1, err  # the worst of PASS and FAIL
    assert out.count("<!-- logscan:") == 2
    assert f"<!-- logscan:billing-api:{OLD} -->" in out and f"<!-- logscan:billing-api:{NEW} -->" in out
    old, new = out.split(f"<!-- logscan:billing-api:{NEW} -->")
    assert f"## logscan: PASS for `{OLD}`" in old and "**Started:** yes · **Served:** yes" in old
    assert f"## logscan: FAIL for `{NEW}`" in new and "**Served:** yes" not in new
    assert "stripe" not in old
    assert out.startswith("## logscan: FAIL overall: 2 revisions in one input\n")


def test_json_holds_one_report_per_revision_and_the_worst_level(tmp_path: Path) -> None:
    export = _two_revisions(tmp_path / "logs.json")
    code, out, _ = _run("triage", str(export), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["verdict"]["level"] == "FAIL"
    assert [(r["revision"], r["verdict"]["level"]) for r in doc["reports"]] == [(OLD, "PASS"), (NEW, "FAIL")]
    schema = json.loads((data_dir("schemas") / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)


def test_revision_selects_one(tmp_path: Path) -> None:
    export = _two_revisions(tmp_path / "logs.json")
    code, out, _ = _run("triage", str(export), "--revision", OLD)
    assert code == 0
    assert out.count("<!-- logscan:") == 1 and out.startswith(f"<!-- logscan:billing-api:{OLD} -->")
    code, _, err = _run("triage", str(export), "--revision", "billing-api-00001-zzz")
    assert code == 2
    assert err == (
        f"logscan: error: {export}: no entries of revision billing-api-00001-zzz; it holds "
        f"{OLD}, {NEW}. Pass one of them to --revision.\n"
    )


def test_html_of_several_revisions_asks_for_one(tmp_path: Path) -> None:
    export = _two_revisions(tmp_path / "logs.json")
    code, _, err = _run("triage", str(export), "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert "the HTML report shows one revision" in err and "--revision" in err


def test_classify_carries_service_and_revision(tmp_path: Path) -> None:
    export = _two_revisions(tmp_path / "logs.json")
    code, out, _ = _run("classify", str(export))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    by_revision: dict[Any, set[str]] = {}
    for line in lines:
        assert line["service"] == "billing-api"
        by_revision.setdefault(line["revision"], set()).add(line["rule"])
    assert set(by_revision) == {OLD, NEW}
    assert "module-not-found" in by_revision[NEW] and "module-not-found" not in by_revision[OLD]


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_one_revision_renders_as_before(tmp_path: Path, fmt: str) -> None:
    """A single-revision export keeps today's report shape (the golden files hold the rest)."""
    code, out, _ = _run("triage", "--example", "--format", fmt)
    assert code == 0
    if fmt == "md":
        assert out.startswith("<!-- logscan:billing-api:billing-api-00631-xgf -->\n")
    else:
        assert "reports" not in json.loads(out)
