"""verdict/chains.py, fixes.py and chain_text.py: the verdict's first line is the failure chain, from the
root cause to the platform's symptom, on exports that look like Cloud Run's (tests/fixtures/scenarios/)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.model import Finding, Report
from logscan.sources.files import open_source
from logscan.verdict import chains
from logscan.verdict.fixes import setting_names, settings_command

from .conftest import FIXTURES
from .factories import finding, triaged

SCENARIOS = FIXTURES / "scenarios"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def run(name: str, baseline: str | None = None) -> Report:
    return triaged(
        [open_source(str(SCENARIOS / f"{name}.json"))],
        Config(now=NOW, version="0.0.0-test"),
        baseline=[open_source(str(SCENARIOS / f"{baseline}.json"))] if baseline else None,
    )


@pytest.mark.parametrize(
    ("name", "line"),
    [
        (
            "chained-module-not-found",
            "did not start: ModuleNotFoundError `netra_backend.app.services.monitoring` (own module, missing "
            "from the image) -> RuntimeError in middleware_setup.py -> gunicorn worker failed to boot -> "
            "Container called exit(3) -> startup probe failed (TCP port 8080)",
        ),
        (
            "missing-setting-crash",
            "did not start: KeyError `JWT_SECRET_KEY` on os.environ (missing setting) -> gunicorn worker "
            "failed to boot -> Container called exit(3) -> startup probe failed (TCP port 8080)",
        ),
        (
            "database-unreachable-timeout",
            "did not start: backing service connection refused (10.8.0.3:5432) -> startup probe failed "
            "(TCP port 8080) -> revision Ready condition False",
        ),
        (
            "oom-during-startup",
            "did not start: memory limit exceeded -> container terminated on signal 9 -> startup probe "
            "failed (TCP port 8080)",
        ),
        (
            "crash-loop-module-not-found",
            "did not start: ModuleNotFoundError `stripe` (third-party, missing from the requirements) -> "
            "Container called exit(1) -> startup probe failed (TCP port 8080)",
        ),
    ],
)
def test_the_first_reason_is_the_chain_from_root_cause_to_symptom(name: str, line: str) -> None:
    first = run(name).verdict.reasons[0]
    assert first.text.startswith(line)
    assert first.evidence[0].startswith(("2 times, first seen", "3 times, first seen", "1 time, first seen"))


def test_a_crash_loop_labels_each_finding_once_however_many_episodes_repeat_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: Counter[tuple[str, bool, str | None]] = Counter()
    original = chains.label

    def counted(f: Finding, *, root: bool = False, exception: str | None = None) -> str:
        calls[(f.signature, root, exception)] += 1
        return original(f, root=root, exception=exception)

    monkeypatch.setattr(chains, "label", counted)
    report = run("crash-loop-module-not-found")  # three crashes of one worker: three episodes
    assert report.verdict.chains[0].count == 3
    assert calls and max(calls.values()) == 1


def test_a_healthy_start_with_deprecations_has_no_chain() -> None:
    report = run("healthy-with-deprecations")
    assert report.verdict.level == "WARN" and report.verdict.chains == ()
    assert report.verdict.reasons[0].text.startswith("2 deprecation warnings")


def test_a_chain_is_one_finding_counted_once_with_its_links_as_context() -> None:
    report = run("chained-module-not-found")
    (chain,) = report.verdict.chains
    assert chain.count == 3 and len(chain.instances) == 3
    assert (chain.root.klass, chain.root.rule, chain.root.signature) == (
        "regression",
        "module-not-found",
        "module-not-found:netra_backend.app.services.monitoring",
    )
    regressions = [f for f in report.findings if f.klass in ("regression", "platform")]
    # one failure, one finding: the worker exception that carried the root, the rest folded into it
    (host,) = regressions
    assert (
        host.signature
        == "gunicorn-worker-exception:RuntimeError<ModuleNotFoundError:netra_backend.app.services.monitoring"
    )
    folded = {link.signature: link.count for link in host.context}
    assert folded["container-exit-nonzero:3"] == 3
    assert folded["startup-probe-failed:TCP:8080"] == 3
    assert folded["gunicorn-worker-boot-failed:46a67fdacd"] == 3


def test_configuration_gaps_do_not_hide_a_crash_they_did_not_cause() -> None:
    report = run("chained-module-not-found")
    assert any(f.rule == "env-var-not-set" for f in report.findings)  # the gap is there, tolerated in staging
    assert report.verdict.level == "FAIL"
    assert report.verdict.chains[0].root.klass == "regression"


def test_a_gap_that_caused_the_crash_explains_it() -> None:
    report = run("missing-setting-crash")
    assert report.verdict.level == "EXPECTED_CONFIG"
    (chain,) = report.verdict.chains
    assert chain.root.signature == "environ-keyerror:JWT_SECRET_KEY"
    assert "explains the failed start" in " ".join(report.verdict.reasons[0].evidence)


def test_the_fix_for_missing_settings_is_one_command_naming_every_one() -> None:
    report = run("missing-setting-crash")
    command = report.verdict.chains[0].command
    assert command == (
        "gcloud run services update identity-api --region europe-west1 "
        "--update-env-vars POSTGRES_HOST=...,REDIS_URL=... --update-secrets JWT_SECRET_KEY=<secret>:latest"
    )
    assert sum(command in step for step in report.next_steps) == 1
    assert not any(step.startswith("env-var-not-set") for step in report.next_steps)


def test_the_fix_for_an_own_module_is_the_image_and_for_memory_a_bigger_limit() -> None:
    own = run("chained-module-not-found").verdict.chains[0]
    assert "not in the image" in own.fix and "PYTHONPATH" in own.fix and own.command is None
    third = run("crash-loop-module-not-found").verdict.chains[0]
    assert "Add `stripe` to the requirements" in third.fix
    oom = run("oom-during-startup").verdict.chains[0]
    assert (oom.root.rule, oom.command) == (
        "memory-limit-exceeded",
        "gcloud run services update search-api --region europe-west1 --memory 1Gi",
    )
    db = run("database-unreachable-timeout").verdict.chains[0]
    assert "could not reach 10.8.0.3:5432" in db.fix


def test_platform_entries_without_an_instance_join_the_episode_just_before_them() -> None:
    (chain,) = run("crash-loop-module-not-found").verdict.chains
    counts = {link.signature: link.count for link in chain.links}
    assert counts["container-exit-nonzero:1"] == 3  # varlog/system entries with no instanceId
    assert counts["request-failed-connection-error:bb598222ad"] == 3


def test_baseline_the_same_crash_over_another_root_module_is_new_and_fails() -> None:
    report = run("chained-module-not-found", baseline="baseline-chained-other-root")
    (chain,) = report.verdict.chains
    assert chain.status == "new" and chain.baseline_count == 0
    assert report.verdict.level == "FAIL"
    assert report.verdict.reasons[0].text.endswith("(first seen in this revision)")
    persisting = {f.signature for f in report.findings if f.status == "persisting"}
    assert "container-exit-nonzero:3" not in {f.signature for f in report.findings}  # folded, not listed
    assert chain.root.signature not in persisting


def test_baseline_the_same_root_again_is_persisting() -> None:
    report = run("chained-module-not-found", baseline="baseline-chained-same-root")
    (chain,) = report.verdict.chains
    assert (chain.status, chain.baseline_count) == ("persisting", 3)
    assert report.verdict.reasons[0].text.endswith("(also in the baseline, 3x there)")


def test_json_report_carries_verdict_chains(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["triage", str(SCENARIOS / "missing-setting-crash.json"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    (chain,) = json.loads(out.read_text(encoding="utf-8"))["verdict"]["chains"]
    assert {k: chain["root"][k] for k in ("class", "rule", "signature")} == {
        "class": "expected-config",
        "rule": "environ-keyerror",
        "signature": "environ-keyerror:JWT_SECRET_KEY",
    }
    assert [(link["rule"], link["count"]) for link in chain["links"]][-2:] == [
        ("container-exit-nonzero", 2),
        ("startup-probe-failed", 2),
    ]
    assert chain["command"].startswith("gcloud run services update identity-api --region europe-west1")
    assert chain["fix"].startswith("Set the missing settings on the service")


def test_setting_names_read_pydantic_fields_and_secrets_go_to_secret_manager() -> None:
    pydantic = finding(
        "expected-config",
        "pydantic-settings-field-required",
        key="postgres_password",
        example="1 validation error for Settings\npostgres_password\n  Field required [type=missing]\n"
        "anthropic_api_key\n  Field required [type=missing]",
    )
    plain = finding("expected-config", "env-var-not-set", key="POSTGRES_HOST")
    assert setting_names([pydantic, plain]) == ("POSTGRES_PASSWORD", "ANTHROPIC_API_KEY", "POSTGRES_HOST")
    assert settings_command(("POSTGRES_HOST", "POSTGRES_PASSWORD"), None, None) == (
        "gcloud run services update SERVICE --region REGION --update-env-vars POSTGRES_HOST=... "
        "--update-secrets POSTGRES_PASSWORD=<secret>:latest"
    )
    assert settings_command((), "api", "europe-west1") is None
