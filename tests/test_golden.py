"""Golden reports: each scenario export renders to exactly its reviewed Markdown and JSON, with the right
exit code.

On a mismatch the actual output is written beside the golden file (``*.actual.md``/``.actual.json``, ignored
by git) and the diff is shown; only ``pytest --update-golden`` rewrites the golden files.
"""

from __future__ import annotations

import difflib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.report.render.formats import render
from logscan.sources.files import open_source

from .conftest import FIXTURES
from .factories import triaged

GOLDEN = Path(__file__).resolve().parent / "golden"
FIXED_NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
SCENARIOS = {
    "crash-loop-module-not-found": ("FAIL", 1),
    "missing-config-only": ("EXPECTED_CONFIG", 0),
    "healthy": ("PASS", 0),
    "empty": ("INCONCLUSIVE", 3),
    "chained-module-not-found": ("FAIL", 1),
    "missing-setting-crash": ("EXPECTED_CONFIG", 0),
    "database-unreachable-timeout": ("FAIL", 1),
    "oom-during-startup": ("FAIL", 1),
    "healthy-with-deprecations": ("WARN", 0),
}


def _render(name: str, fmt: str = "md") -> tuple[str, str]:
    path = FIXTURES / "scenarios" / f"{name}.json"
    report = triaged([open_source(str(path))], Config(now=FIXED_NOW, version="0.0.0-golden"))
    # the source path differs per checkout: show it relative to the fixtures folder
    text = render(report, fmt).replace(str(path), f"scenarios/{name}.json")
    return report.verdict.level, text


@pytest.mark.parametrize("fmt", ["md", "json"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_report(name: str, fmt: str, request: pytest.FixtureRequest) -> None:
    level, actual = _render(name, fmt)
    assert level == SCENARIOS[name][0]
    golden = GOLDEN / f"{name}.{fmt}"
    if request.config.getoption("--update-golden"):
        golden.write_text(actual, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if actual != expected:
        (GOLDEN / f"{name}.actual.{fmt}").write_text(actual, encoding="utf-8")
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True),
                actual.splitlines(True),
                f"golden/{name}.{fmt}",
                f"golden/{name}.actual.{fmt}",
            )
        )
        pytest.fail(
            f"report for {name} differs from its golden file (pytest --update-golden rewrites it):\n{diff}"
        )


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_exit_code(name: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["triage", str(FIXTURES / "scenarios" / f"{name}.json"), "-o", str(out)])
    assert result.exit_code == SCENARIOS[name][1], result.output
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"]["level"] == SCENARIOS[name][0]
