"""Shipped data is found in a source checkout and in an installed wheel, from any working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from logscan.errors import LogscanError
from logscan.resources import data_dir

from .conftest import REPO


@pytest.mark.parametrize("kind", ["patterns", "reports", "schemas", "examples"])
def test_data_dir_finds_each_kind_in_checkout(kind: str) -> None:
    folder = data_dir(kind)
    assert folder.is_dir()
    assert any(folder.iterdir())


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown data kind"):
        data_dir("nope")


def test_missing_install_data_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import logscan.resources as resources

    monkeypatch.setattr(resources, "_PACKAGE_DIR", tmp_path / "logscan")
    with pytest.raises(LogscanError, match="Reinstall with: pip install --force-reinstall logscan"):
        data_dir("patterns")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("logscan-*.whl"))


def test_wheel_ships_patterns_templates_schema_and_example(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_rules = {p.name for p in (REPO / "patterns").glob("*.yaml")}
    assert shipped_rules
    for rule_file in shipped_rules:
        assert f"logscan/_data/patterns/{rule_file}" in names
    assert "logscan/_data/reports/report.md.j2" in names
    assert "logscan/_data/examples/staging-missing-config.json" in names
    assert any(n.startswith("logscan/_data/schemas/") for n in names)


def test_installed_wheel_runs_the_example_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = subprocess.run(
        [sys.executable, "-c", "import logscan.resources as r; print(r.data_dir('patterns'))"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(site)), "the wheel's own data must be used, not the checkout's"
    run = subprocess.run(
        [sys.executable, "-m", "logscan", "triage", "--example", "--format", "json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert '"level": "EXPECTED_CONFIG"' in run.stdout
