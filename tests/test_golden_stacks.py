"""Golden scenarios of every Cloud Run stack through the CLI (issue 13): a crash at startup FAILs naming its
exception, a missing setting alone is EXPECTED_CONFIG in staging and FAIL in production, a healthy start
PASSes. The exports are written by tests/fixtures/build_stack_scenarios.py; the reports of the crash and
config scenarios are compared with tests/golden/stacks/ (``pytest --update-golden`` rewrites them).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.report.render.formats import render
from logscan.sources.files import open_source

from .conftest import FIXTURES
from .factories import triaged
from .test_golden import FIXED_NOW

GOLDEN = Path(__file__).resolve().parent / "golden" / "stacks"
SCENARIOS = FIXTURES / "scenarios" / "stacks"
STACKS = ("node", "jvm", "dotnet", "go", "ruby", "php")
# what the crash report must name: the exception (or the missing piece it reports)
CRASHES = {
    "node": "Cannot find module 'express'",
    "jvm": "java.lang.NoClassDefFoundError: com/stripe/net/RequestOptions",
    "dotnet": "System.IO.FileNotFoundException: Could not load file or assembly 'Npgsql",
    "go": "panic: runtime error: invalid memory address or nil pointer dereference",
    "ruby": "cannot load such file -- pg (LoadError)",
    "php": 'PHP Fatal error:  Uncaught Error: Class "Redis" not found',
}
# the setting each config scenario lacks, as the finding's key names it
SETTINGS = {
    "node": "DATABASE_URL",
    "jvm": "STRIPE_API_KEY",
    "dotnet": "connectionString",
    "go": "DATABASE_URL",
    "ruby": "secret_key_base",
    "php": "No application encryption key has been specified.",
}


def _triage(name: str, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["triage", str(SCENARIOS / f"{name}.json"), "-o", str(out), *args])
    assert out.exists(), result.output
    return result.exit_code, json.loads(out.read_text(encoding="utf-8"))


def _failing(report: dict[str, Any], klass: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["class"] == klass]


def _level(report: dict[str, Any]) -> str:
    return str(report["verdict"]["level"])


@pytest.mark.parametrize("stack", STACKS)
def test_a_crash_at_startup_fails_naming_the_exception(stack: str, tmp_path: Path) -> None:
    code, report = _triage(f"{stack}-crash", tmp_path)
    assert (code, _level(report)) == (1, "FAIL")
    regressions = _failing(report, "regression")
    assert len(regressions) == 1  # the whole trace is one finding, not one per frame
    assert CRASHES[stack] in regressions[0]["example"]


@pytest.mark.parametrize("stack", STACKS)
def test_a_missing_setting_alone_is_expected_config_in_staging_and_fails_in_production(
    stack: str, tmp_path: Path
) -> None:
    code, report = _triage(f"{stack}-config", tmp_path, "--env", "staging")
    assert (code, _level(report)) == (0, "EXPECTED_CONFIG")
    assert not _failing(report, "regression")
    gaps = _failing(report, "expected-config")
    assert any(SETTINGS[stack] in (gap["key"] or gap["example"]) for gap in gaps)
    code, report = _triage(f"{stack}-config", tmp_path, "--env", "production")
    assert (code, _level(report)) == (1, "FAIL")


@pytest.mark.parametrize("stack", STACKS)
def test_a_healthy_start_passes(stack: str, tmp_path: Path) -> None:
    code, report = _triage(f"{stack}-healthy", tmp_path)
    assert (code, _level(report)) == (0, "PASS")


@pytest.mark.parametrize("name", [f"{s}-{o}" for s in STACKS for o in ("crash", "config", "healthy")])
def test_golden_report(name: str, request: pytest.FixtureRequest) -> None:
    path = SCENARIOS / f"{name}.json"
    report = triaged([open_source(str(path))], Config(now=FIXED_NOW, version="0.0.0-golden"))
    actual = render(report, "md").replace(str(path), f"scenarios/stacks/{name}.json")
    golden = GOLDEN / f"{name}.md"
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if actual != expected:
        (GOLDEN / f"{name}.actual.md").write_text(actual, encoding="utf-8")
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), f"{name}.md", f"{name}.actual.md"
            )
        )
        pytest.fail(
            f"report for {name} differs from its golden file (pytest --update-golden rewrites it):\n{diff}"
        )
