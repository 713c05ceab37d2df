"""The command line: exit codes, exact error text, and every command documented in the README."""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from logscan.cli import cli

from . import generated
from .conftest import FIXTURES, REPO


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_missing_file_is_one_line_exit_2() -> None:
    code, out, err = _run("triage", "no/such/export.json")
    assert code == 2
    assert err == (
        "logscan: error: no/such/export.json: no such file. Check the path, or pass - to read standard input.\n"
    )
    assert "Traceback" not in out + err


def test_directory_is_refused_with_the_fix(tmp_path: Path) -> None:
    code, _, err = _run("triage", str(tmp_path))
    assert code == 2
    assert err.strip() == (
        f"logscan: error: {tmp_path}: is a directory. Pass the export file itself, e.g. {tmp_path}/logs.json."
    )


def test_no_source_names_the_fix() -> None:
    code, _, err = _run("triage")
    assert code == 2
    assert err.startswith("logscan: error: no SOURCE given.")
    assert len(err.strip().splitlines()) == 1


def test_unknown_output_extension_names_the_fix(tmp_path: Path) -> None:
    code, _, err = _run(
        "triage", str(FIXTURES / "scenarios" / "healthy.json"), "-o", str(tmp_path / "r.docx")
    )
    assert code == 2
    assert "cannot tell the report format from '.docx'" in err


def test_format_comes_from_output_extension(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code, _, _ = _run("triage", str(FIXTURES / "scenarios" / "healthy.json"), "-o", str(out))
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["verdict"]["level"] == "PASS"
    assert {"verdict", "findings", "counts", "provenance"} <= set(doc)


def test_o_repeated_writes_each_format_from_one_run(tmp_path: Path) -> None:
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    code, out, err = _run(
        "triage", str(FIXTURES / "scenarios" / "healthy.json"), "-o", str(md), "-o", str(js)
    )
    assert code == 0 and out == ""
    assert json.loads(js.read_text(encoding="utf-8"))["verdict"]["level"] == "PASS"
    assert "## logscan: PASS for" in md.read_text(encoding="utf-8")
    assert err.splitlines() == [f"PASS: report written to {md}", f"PASS: report written to {js}"]


def test_stdin_is_read_with_dash() -> None:
    data = (FIXTURES / "scenarios" / "crash-loop-module-not-found.json").read_bytes()
    result = CliRunner().invoke(cli, ["triage", "-", "--format", "json"], input=data)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"]["level"] == "FAIL"


def test_production_fails_on_missing_config() -> None:
    path = str(FIXTURES / "scenarios" / "missing-config-only.json")
    assert _run("triage", path, "--env", "staging")[0] == 0
    assert _run("triage", path, "--env", "production")[0] == 1


def test_classify_no_join_is_one_object_per_record() -> None:
    path = FIXTURES / "scenarios" / "healthy.json"
    code, out, _ = _run("classify", str(path), "--format", "jsonl", "--no-join")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(json.loads(path.read_text(encoding="utf-8")))
    assert [r["index"] for r in rows] == list(range(len(rows)))
    for row in rows:
        assert {"index", "insert_id", "class", "rule", "text", "signature", "template", "records"} <= set(row)
        assert row["insert_id"]


def test_a_mistyped_command_is_refused_with_the_close_names() -> None:
    code, _, err = _run("tri")
    assert code == 2
    assert "Error: No such command 'tri'. Did you mean 'triage'?" in err


def _command_paths(group: click.Group, prefix: str = "logscan") -> list[str]:
    paths = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path))
        else:
            paths.append(path)
    return paths


@pytest.mark.parametrize("command", _command_paths(cli))
def test_every_command_is_documented_in_readme(command: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"`{command}" in readme, f"README.md does not document `{command}`"


F_SETPIPE_SZ = 1031
"""fcntl command that sets a pipe's capacity (Linux)."""


def test_output_cut_short_by_its_reader_is_not_an_error(tmp_path: Path) -> None:
    """`logscan classify big.json | head -1`: the reader leaves early; what it took is right, so no
    error line and exit 0 (it was "internal error (BrokenPipeError ...)", exit 2)."""
    export = tmp_path / "export.json"
    with export.open("wb") as out:
        generated.write(out, 4000, seed=3)
    args = [sys.executable, "-c", "from logscan.cli import main; main()", "classify", str(export)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    fcntl.fcntl(proc.stdout.fileno(), F_SETPIPE_SZ, 4096)  # smaller than any report: the write must block
    assert proc.stdout.read(100)  # take a little, then leave
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""


def test_unwritable_output_is_one_line_naming_the_path(tmp_path: Path) -> None:
    """Issue 12 item 11: -o into a folder that does not exist is bad input (exit 2), not an internal error."""
    target = tmp_path / "nonexistent" / "dir" / "r.md"
    code, out, err = _run("triage", str(FIXTURES / "scenarios" / "healthy.json"), "-o", str(target))
    assert code == 2
    assert err == (
        f"logscan: error: {target}: cannot write the report (No such file or directory). "
        "Check that the folder exists and is writable.\n"
    )
    assert "internal error" not in err and "Traceback" not in out + err


@pytest.mark.parametrize("join", [True, False])
def test_classify_prints_events_in_input_order(join: bool) -> None:
    """Issue 12 item 13: the README says input order; joined and unjoined alike (a gcloud export is newest first)."""
    example = str(REPO / "examples" / "staging-missing-config.json")
    code, out, _ = _run("classify", example, *(() if join else ("--no-join",)))
    assert code == 0
    indexes = [json.loads(line)["index"] for line in out.splitlines()]
    assert indexes == sorted(indexes) and len(indexes) == (20 if join else 22)


def test_every_reason_a_test_skips_for_is_explained_in_the_readme() -> None:
    """Issue 12 item 16: a newcomer's `make test` skips a few tests by design; the README says which and why."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Tests that skip", 1)[1].split("\n## ", 1)[0]
    reasons: set[str] = set()
    for path in (REPO / "tests").glob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        reasons.update(re.findall(r'pytest\.skip\(\s*"([^"{}]+)"', text))
        reasons.update(re.findall(r'\.skip(?:if)?\([^)]*?reason="([^"{}]+)"', text))
        reasons.update(f"`{m}`" for m in re.findall(r'importorskip\("([^"]+)"\)', text))
    reasons = {r for r in reasons if not set(r) & set("()[]\\")}  # not this test's own patterns
    assert reasons
    for reason in sorted(reasons):
        assert reason in section, f"README 'Tests that skip' does not explain: {reason}"
