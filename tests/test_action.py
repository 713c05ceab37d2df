"""The composite action (action.yml at the repository root): its steps run here as a runner runs them
(bash --noprofile --norc -eo pipefail, one GITHUB_OUTPUT file per step, one job summary, ${{ }} values
from inputs, github, runner and earlier steps' outputs), against a fake Logging API, a fake GitHub API
(tests/test_publish.py) and a fake gcloud on PATH; action.yml and the example workflow are validated
against the schemas SchemaStore publishes (vendored by check-jsonschema)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml

from .fake_logging import FakeLogging
from .rollout import PROJECT, REGION, REVISION, SERVICE, crash, healthy_start, request
from .test_publish import ISSUE, REPO, TOKEN, FakeGitHub, _handler

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPR = regex.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STEP_OUTPUT = regex.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+)")


def _schema(name: str) -> dict[str, Any]:
    vendor = pytest.importorskip("check_jsonschema.builtin_schemas.vendor")
    return dict(json.loads(resources.files(vendor).joinpath(name).read_text(encoding="utf-8")))


def test_action_yml_is_valid_action_metadata() -> None:
    import jsonschema

    schema = _schema("github-actions.json")
    jsonschema.validate(ACTION, schema)
    broken = {**ACTION, "runs": {"using": "composite", "steps": [{"run": "echo no shell"}]}}
    with pytest.raises(jsonschema.ValidationError):  # the schema does check: a composite run step needs shell
        jsonschema.validate(broken, schema)


def test_example_workflow_is_a_valid_workflow() -> None:
    import jsonschema

    workflow = yaml.safe_load((ROOT / "examples" / "deploy-workflow.yml").read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True)  # PyYAML reads YAML 1.1, where the key `on` is the boolean true
    jsonschema.validate(workflow, _schema("github-workflows.json"))


def test_every_input_reaches_a_step_and_no_input_is_interpolated_into_a_script() -> None:
    used = {
        m for step in ACTION["runs"]["steps"] for v in step.get("env", {}).values() for m in _EXPR.findall(v)
    }
    assert {f"inputs.{name}" for name in ACTION["inputs"]} <= used
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step["run"], f"{step['name']}: pass values through env:, never into the script"


# --- running the steps ---------------------------------------------------------------------------------


@dataclass
class Job:
    """What one use of the action in a job sees and leaves."""

    inputs: dict[str, str]
    github: dict[str, str]
    temp: Path
    env: dict[str, str]
    summary: Path
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    log: str = ""
    failed_step: str | None = None

    def value(self, expression: str) -> str:
        if expression.startswith("inputs."):
            name = expression.removeprefix("inputs.")
            spec = ACTION["inputs"][name]
            given = self.inputs.get(name)
            return given if given is not None else self.evaluate(str(spec.get("default", "")))
        if expression.startswith("github."):
            return self.github[expression.removeprefix("github.")]
        if expression == "runner.temp":
            return str(self.temp)
        step = _STEP_OUTPUT.fullmatch(expression)
        if step:
            return self.outputs.get(step[1], {}).get(step[2], "")
        raise AssertionError(f"the test runner does not evaluate ${{{{ {expression} }}}}")

    def evaluate(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m[1]), text)

    @property
    def result(self) -> dict[str, str]:
        return {name: self.evaluate(spec["value"]) for name, spec in ACTION["outputs"].items()}


def run_action(job: Job) -> Job:
    """Run the action's steps in order; a step that exits non-zero fails the job and skips the rest."""
    for number, step in enumerate(ACTION["runs"]["steps"]):
        assert step["shell"] == "bash" and "uses" not in step
        script = job.temp / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        output = job.temp / f"output-{number}"
        output.write_text("")
        env = {
            **job.env,
            **{name: job.evaluate(str(value)) for name, value in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(job.summary),
            "GITHUB_ACTION_PATH": job.github["action_path"],
            "RUNNER_TEMP": str(job.temp),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=env,
            cwd=job.temp,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        job.log += done.stdout + done.stderr
        if "id" in step:
            job.outputs[step["id"]] = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
            )
        if done.returncode != 0:
            job.failed_step = step["name"]
            break
    return job


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNNER_TEMP shared by the module's jobs, so the install step builds the virtualenv once."""
    return tmp_path_factory.mktemp("runner")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def _job(runner_temp: Path, tmp_path: Path, logging: FakeLogging, github: FakeGitHub, **inputs: str) -> Job:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    gcloud = bin_dir / "gcloud"
    # gcloud as the runner has it, reduced to the one call the action makes; it records its arguments.
    gcloud.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path}/gcloud-args"\necho {REVISION}\n')
    gcloud.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_", "PYTHONPATH"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        LOGSCAN_LOGGING_ENDPOINT=logging.url,
        # This machine is offline: pip takes the dependencies and the build backend from the system
        # site-packages the virtualenv sees, instead of PyPI ("0" turns build isolation off).
        PIP_NO_INDEX="1",
        PIP_NO_BUILD_ISOLATION="0",
    )
    summary = tmp_path / "summary.md"
    summary.write_text("")
    github_context = {
        "action_path": str(ROOT),
        "token": TOKEN,
        "repository": REPO,
        "api_url": github.url,
    }
    return Job(inputs=dict(inputs), github=github_context, temp=runner_temp, env=env, summary=summary)


def _stamped(makes: list[Any], seconds_ago: float) -> list[dict[str, Any]]:
    ns = time.time_ns() - int(seconds_ago * 1e9)
    return [make(ns + i * 1_000_000) for i, make in enumerate(makes)]


BASE = {"project": PROJECT, "service": SERVICE, "region": REGION}


def test_watch_mode_fails_the_job_on_fail_and_comments_the_report(
    runner_temp: Path, tmp_path: Path, github: FakeGitHub
) -> None:
    entries = _stamped([*healthy_start(), request("/v1/orders/1"), *crash()], seconds_ago=20)
    with FakeLogging(entries=entries) as logging:
        job = run_action(
            _job(
                runner_temp, tmp_path, logging, github,
                **BASE, mode="watch", issue=str(ISSUE), timeout="30s", args="--poll-interval 0.2",
            )
        )  # fmt: skip
    result = job.result
    assert job.failed_step == "Pass or fail the job", job.log
    assert result["verdict"] == "FAIL" and result["exit-code"] == "1" and result["revision"] == REVISION
    report = Path(result["report-path"])
    assert report.name == "report.md" and (report.parent / "report.json").is_file()
    assert f"## logscan: FAIL for `{REVISION}`" in job.summary.read_text()
    assert f"::error title=logscan::{REVISION}: FAIL" in job.log
    (comment,) = github.mine(ISSUE)
    assert comment["body"].strip() == report.read_text().strip()
    # The revision input was empty: the latest created revision came from gcloud.
    args = (tmp_path / "gcloud-args").read_text().split("\n")
    assert args[:8] == ["run", "services", "describe", SERVICE, "--project", PROJECT, "--region", REGION]
    assert args[8] == "--format=value(status.latestCreatedRevisionName)"


def test_triage_mode_passes_and_a_rerun_updates_its_own_comment(
    runner_temp: Path, tmp_path: Path, github: FakeGitHub
) -> None:
    github.add("Thanks, deploying now.", user="someone", issue=ISSUE)
    entries = _stamped([*healthy_start(), *(request("/healthz") for _ in range(5))], seconds_ago=60)
    with FakeLogging(entries=entries) as logging:
        for run in ("first", "second"):
            job = run_action(
                _job(
                    runner_temp, tmp_path / run, logging, github,
                    **BASE, revision=REVISION, mode="triage", issue=str(ISSUE),
                )
            )  # fmt: skip
            assert job.failed_step is None, job.log
    assert job.result["verdict"] == "PASS" and job.result["exit-code"] == "0"
    assert len(github.mine(ISSUE)) == 1 and len(github.comments) == 2  # updated, not added
    assert not (tmp_path / "first" / "gcloud-args").exists()  # a given revision needs no gcloud


def test_fail_on_fail_off_keeps_the_job_green_and_warns(
    runner_temp: Path, tmp_path: Path, github: FakeGitHub
) -> None:
    entries = _stamped([*healthy_start(), *crash()], seconds_ago=30)
    with FakeLogging(entries=entries) as logging:
        job = run_action(
            _job(
                runner_temp, tmp_path, logging, github,
                **BASE, revision=REVISION, mode="triage", **{"fail-on-fail": "false"},
            )
        )  # fmt: skip
    assert job.failed_step is None, job.log
    assert job.result["verdict"] == "FAIL" and job.result["exit-code"] == "1"
    assert f"::warning title=logscan::{REVISION}: FAIL (fail-on-fail is off)" in job.log
    assert github.requests == []  # no issue input: nothing published


def test_could_not_run_fails_the_job_says_why_and_publishes_nothing(
    runner_temp: Path, tmp_path: Path, github: FakeGitHub
) -> None:
    with FakeLogging(denied=(PROJECT,)) as logging:
        job = run_action(
            _job(runner_temp, tmp_path, logging, github, **BASE, revision=REVISION, mode="triage", issue="7")
        )
    assert job.failed_step == "Pass or fail the job", job.log
    assert job.result == {"verdict": "", "exit-code": "2", "revision": REVISION, "report-path": ""}
    summary = job.summary.read_text()
    assert f"## logscan could not judge `{REVISION}` (exit code 2)" in summary
    assert "Permission denied reading the logs of project demo-proj" in summary
    assert github.requests == []


def test_a_bad_mode_is_refused(runner_temp: Path, tmp_path: Path, github: FakeGitHub) -> None:
    with FakeLogging() as logging:
        job = run_action(_job(runner_temp, tmp_path, logging, github, **BASE, revision=REVISION, mode="tail"))
    assert job.failed_step == "Run logscan"
    assert "::error title=logscan::mode must be triage or watch, not 'tail'." in job.log
