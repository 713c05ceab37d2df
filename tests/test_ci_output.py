"""What logscan prints where GitHub Actions and GitHub read it: log text never acts as a workflow command,
never reorders or links what a reader sees, an unredacted report never reaches a job summary, and each output
(the report, the step summary) succeeds or fails on its own with an exit code that says which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.errors import EXIT_SUMMARY_FAILED, ReportError
from logscan.report.render.formats import render
from logscan.report.render.workflow import inert_for_actions

from . import factories
from .conftest import FIXTURES

HOSTILE = [
    "::stop-commands::pwned",
    "  ::error file=app.py,line=1::Deploy approved by logscan",
    "worker said ##[error]fake failure and ##[set-output name=ok;]true",
    "::add-mask::ghp_nothing",
]
CRASH = FIXTURES / "scenarios" / "crash-loop-module-not-found.json"


def _export(tmp_path: Path) -> Path:
    entries = [factories.log_entry(line, 2 + i, severity="ERROR") for i, line in enumerate(HOSTILE)]
    return factories.write_export(tmp_path / "logs.json", entries)


def _commands(stdout: str) -> list[str]:
    """Lines the Actions runner would take for a workflow command."""
    return [line for line in stdout.splitlines() if line.strip().startswith("::") or "##[" in line]


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_report_on_stdout_holds_no_workflow_command(tmp_path: Path, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["triage", str(_export(tmp_path)), "--format", fmt])
    assert result.exit_code in (0, 1), result.output
    assert "stop-commands" in result.stdout  # the log text is shown ...
    assert _commands(result.stdout) == []  # ... but cannot act
    if fmt == "json":
        texts = [f["example"] for f in json.loads(result.stdout)["findings"]]
        assert any("##[error]fake failure" in t for t in texts)  # the same data once decoded


def test_classify_lines_hold_no_workflow_command_and_decode_to_the_log_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["classify", str(_export(tmp_path))])
    assert result.exit_code == 0, result.output
    assert _commands(result.stdout) == []
    assert sorted(json.loads(line)["text"].strip() for line in result.stdout.splitlines()) == sorted(
        line.strip() for line in HOSTILE
    )


def test_our_own_annotations_still_work_after_a_stop_commands_line(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    entries = [factories.log_entry(HOSTILE[0], 1, severity="ERROR")]
    crash = json.loads(CRASH.read_text(encoding="utf-8")) + entries
    source = tmp_path / "crash.json"
    source.write_text(json.dumps(crash), encoding="utf-8")
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        cli, ["triage", str(source), "--github-step-summary", "--format", "md"]
    )
    assert result.exit_code == 1, result.output
    commands = _commands(result.stdout)
    assert commands and all(line.startswith("::error title=logscan FAIL") for line in commands)


def test_inert_for_actions_keeps_json_data_exact() -> None:
    text = json.dumps({"text": "a ##[error] b"})
    assert json.loads(inert_for_actions(text, json_text=True)) == {"text": "a ##[error] b"}
    assert inert_for_actions("x\n::error::y\n\t::warning::z") == "x\n:\u2060:error::y\n\t:\u2060:warning::z"


def test_step_summary_refuses_no_redact_before_reading_anything(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    out = tmp_path / "report.json"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        cli, ["triage", str(CRASH), "--github-step-summary", "--no-redact", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "--github-step-summary with --no-redact would put unredacted log text in the job summary" in (
        result.output
    )
    assert not summary.exists() and not out.exists()


def test_a_refused_step_summary_does_not_stop_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logscan.report.render.formats as formats

    scan = formats.assert_clean

    def refuse_markdown(text: str, what: str, fmt: str | None = None) -> None:
        if fmt == "md":
            raise ReportError("the md report still holds text shaped like a secret (test)")
        scan(text, what, fmt)

    monkeypatch.setattr(formats, "assert_clean", refuse_markdown)
    summary = tmp_path / "summary.md"
    out = tmp_path / "report.json"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        cli, ["triage", str(CRASH), "--github-step-summary", "-o", str(out)]
    )
    assert result.exit_code == EXIT_SUMMARY_FAILED == 4
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"]["level"] == "FAIL"
    assert "logscan: error: the md report still holds" in result.stderr
    assert not summary.exists() and _commands(result.stdout) == []


def test_an_unwritable_step_summary_does_not_stop_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(tmp_path)}).invoke(  # a folder: cannot append
        cli, ["triage", str(CRASH), "--github-step-summary", "-o", str(out)]
    )
    assert result.exit_code == EXIT_SUMMARY_FAILED
    assert out.read_text(encoding="utf-8").startswith("<!-- logscan:")
    assert f"{tmp_path}: cannot append the step summary" in result.stderr


def test_a_refused_report_does_not_stop_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logscan.report.render.formats as formats

    scan = formats.assert_clean

    def refuse_json(text: str, what: str, fmt: str | None = None) -> None:
        if fmt == "json":
            raise ReportError("the json report still holds text shaped like a secret (test)")
        scan(text, what, fmt)

    monkeypatch.setattr(formats, "assert_clean", refuse_json)
    summary = tmp_path / "summary.md"
    out = tmp_path / "report.json"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        cli, ["triage", str(CRASH), "--github-step-summary", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert not out.exists()
    assert "### Verdict: FAIL" in summary.read_text(encoding="utf-8")


LAYOUT = "\u202e\u2066\u2028\u2029\u0085\u200f"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_bidi_and_line_separators_are_shown_not_obeyed(fmt: str) -> None:
    text = "payment ok for user \u202egnp.exe\u202c then\u2028next\u0085line \u2066x\u2069"
    f = factories.finding(example=text, template=text, hint=f"check {text}", key="k\u202eey")
    out = render(factories.report([f], reasons=[f"regression: {text}"]), fmt)
    assert [c for c in out if c in LAYOUT] == []
    assert "{U+202E}gnp.exe{U+202C} then{U+2028}next{U+0085}line" in out.replace("\\", "")


def test_a_commit_sha_from_a_log_is_no_link_in_markdown() -> None:
    sha = "9fceb02d0ae598e95dc970b74767f19372d61af8"
    out = render(factories.report([factories.finding()], reasons=[f"deploy of {sha} failed"]), "md")
    assert f"`{sha}`" in out
    assert all(f"`{sha}`" in line for line in out.splitlines() if sha in line and not line.startswith("    "))
