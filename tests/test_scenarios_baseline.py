"""Deploy-verdict scenarios, end to end on exports of one service's revisions (tests/fixtures/baseline/).

The shipped pattern library classifies; the built-in policy or a policy file decides. Signatures are read
from the reports, not written down here, so a rule renamed in patterns/ does not break what these test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.model import Finding, Report
from logscan.sources.files import open_source
from logscan.verdict.policy.load import parse_policy
from logscan.verdict.policy.settings import Policy, builtin_policy

from .conftest import FIXTURES
from .factories import triaged

BASE = FIXTURES / "baseline"
NOW = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)
BEFORE = "invoices-api-00041-rex.json"


def run(
    target: str, baseline: str | None = BEFORE, env: str = "staging", policy: Policy | None = None
) -> Report:
    return triaged(
        [open_source(str(BASE / target))],
        Config(env=env, now=NOW, version="0.0.0-test"),
        baseline=[open_source(str(BASE / baseline))] if baseline else None,
        policy=policy,
    )


def failures(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.klass in ("regression", "platform")]


def test_same_crash_in_baseline_and_target_is_not_a_new_regression() -> None:
    alone = run("invoices-api-00042-fol.json", baseline=None)
    assert (
        alone.verdict.level == "FAIL"
    )  # without a baseline the crash fails: the comparison is what clears it
    report = run("invoices-api-00042-fol.json")
    assert report.verdict.level == "PASS"
    crashes = failures(report)
    assert crashes, "the KeyError crash must still be a finding"
    assert all(f.status == "persisting" and f.count == f.baseline_count == 4 for f in crashes)
    assert all(f.rate_growth == 1.0 for f in crashes)
    persisting = [r for r in report.verdict.reasons if "not this deploy's regression" in r.text]
    assert persisting and set(persisting[0].signatures) == {f.signature for f in crashes}
    assert any("KeyError" in s for s in persisting[0].signatures)
    assert report.comparison is not None and report.comparison.status == "COMPARED"
    assert report.comparison.revision == "invoices-api-00041-rex"


def test_new_module_not_found_fails_with_its_signature_named() -> None:
    report = run("invoices-api-00043-kiv.json")
    assert report.verdict.level == "FAIL"
    (module,) = [f for f in report.findings if f.rule == "module-not-found"]
    assert module.signature == "module-not-found:weasyprint" and module.status == "new"
    assert module.baseline_count == 0 and module.count == 3
    first = report.verdict.reasons[0]
    assert module.signature in first.signatures
    # the chain leads: named by the module, the signature in the evidence folded under it
    assert first.text.startswith("did not start: ModuleNotFoundError `weasyprint`")
    assert first.text.endswith("(first seen in this revision)")
    assert any(module.signature in line for line in first.evidence)
    assert report.verdict.served.started is False
    assert report.comparison is not None
    gone = {f.signature for f in report.comparison.gone_findings}
    assert any("KeyError" in s for s in gone)  # the old crash did not happen: this revision never served
    assert all(
        f.status == "gone" and f.count == 0 and f.baseline_count for f in report.comparison.gone_findings
    )


@pytest.mark.parametrize(("env", "level"), [("staging", "EXPECTED_CONFIG"), ("production", "FAIL")])
def test_missing_postgres_settings_are_expected_in_staging_and_fail_production(env: str, level: str) -> None:
    report = run("invoices-api-00044-dap.json", env=env)
    assert report.verdict.level == level
    gaps = [f for f in report.findings if f.klass == "expected-config"]
    assert {f.key for f in gaps} == {"POSTGRES_HOST", "POSTGRES_PASSWORD"}
    reason = report.verdict.reasons[0]
    assert set(reason.signatures) == {f.signature for f in gaps}
    assert reason.policy == (f"(built-in) environments.{env}.fail_on",)
    assert report.verdict.served.served is True
    assert report.provenance.env == env


def test_missing_postgres_settings_with_the_example_policy_cite_its_required_line() -> None:
    text = (Path(__file__).resolve().parent.parent / "examples" / "logscan.toml").read_text(encoding="utf-8")
    policy = parse_policy(text, "logscan.toml").for_env("production")
    report = run("invoices-api-00044-dap.json", env="production", policy=policy)
    assert report.verdict.level == "FAIL"
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("required ="))
    assert report.verdict.reasons[0].policy == (f"logscan.toml:{line} environments.production.required",)
    assert report.verdict.reasons[0].text.startswith("2 missing settings (required in production): ")
    staging = run("invoices-api-00044-dap.json", policy=parse_policy(text, "logscan.toml").for_env("staging"))
    assert staging.verdict.level == "EXPECTED_CONFIG"


def _suppressing(websockets_expires: str, datetime_expires: str) -> Policy:
    return parse_policy(
        f"""
[environments.staging]

[[suppressions]]
signature = "python-deprecation-warning:websockets"
reason = "uvicorn pulls websockets.legacy in; gone with the uvicorn upgrade"
owner = "platform-team"
issue = "https://github.com/northwind/invoices/issues/412"
expires = {websockets_expires}

[[suppressions]]
rule = "python-deprecation-warning"
reason = "utcnow() calls are being replaced"
owner = "invoices-team"
issue = "https://github.com/northwind/invoices/issues/415"
expires = {datetime_expires}

[[suppressions]]
rule = "pydantic-deprecated-since"
reason = "SQLAlchemy 2.0 migration"
owner = "invoices-team"
issue = "https://github.com/northwind/invoices/issues/301"
expires = 2026-12-31
""",
        "logscan.toml",
    ).for_env("staging")


def test_active_suppressions_fold_findings_and_stale_ones_are_listed() -> None:
    report = run("invoices-api-00045-mub.json", policy=_suppressing("2026-06-30", "2026-06-30"))
    assert report.verdict.level == "PASS"  # both deprecations accepted; the KeyError persists at its rate
    deprecations = [f for f in report.findings if f.klass == "deprecation-warning"]
    assert len(deprecations) == 2 and all(f.suppressed for f in deprecations)
    where = {f.signature: f.suppression.where for f in deprecations if f.suppression}
    assert where["python-deprecation-warning:websockets"] == "logscan.toml:4"  # the signature one wins
    assert set(where.values()) == {"logscan.toml:4", "logscan.toml:11"}
    assert [s.where for s in report.stale_suppressions] == ["logscan.toml:18"]
    assert any("matched nothing in this run" in step for step in report.next_steps)


def test_expired_suppression_resurfaces_and_says_so() -> None:
    report = run("invoices-api-00045-mub.json", policy=_suppressing("2025-10-31", "2025-09-30"))
    websockets = next(f for f in report.findings if f.signature == "python-deprecation-warning:websockets")
    assert not websockets.suppressed
    assert websockets.suppression is not None and websockets.suppression.expired
    assert websockets.suppression.where == "logscan.toml:4"
    assert report.verdict.level == "WARN"
    (warning,) = [r for r in report.verdict.reasons if websockets.signature in r.signatures]
    assert "(suppression expired 2025-10-31, resurfaced)" in warning.text
    assert "logscan.toml:4" in warning.policy
    assert any("expired on 2025-10-31" in step for step in report.next_steps)
    assert report.stale_suppressions[0].where == "logscan.toml:18"  # only the one that matched nothing


def test_persisting_crash_whose_rate_grew_tenfold_warns() -> None:
    report = run("invoices-api-00046-sor.json")
    assert report.verdict.level == "WARN"
    grew = failures(report)
    assert grew and all(f.status == "persisting" and f.rate_growth == 10.0 for f in grew)
    assert report.verdict.reasons[0].policy == ("(built-in) environments.staging.thresholds.rate_growth",)


def test_empty_baseline_makes_the_comparison_inconclusive() -> None:
    report = run("invoices-api-00042-fol.json", baseline="empty.json")
    assert report.comparison is not None and report.comparison.status == "INCONCLUSIVE"
    assert report.comparison.records == 0
    assert report.verdict.level == "INCONCLUSIVE"  # never "everything is new" (FAIL) nor "nothing is" (PASS)
    assert all(f.status is None for f in report.findings)
    assert any("empty.json has no log entries" in r.text for r in report.verdict.reasons)


def test_json_report_carries_the_whole_comparison(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "triage",
            str(BASE / "invoices-api-00043-kiv.json"),
            "--baseline",
            str(BASE / BEFORE),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["verdict"]["level"] == "FAIL"
    assert all(f["status"] in ("new", "persisting") for f in doc["findings"])
    module = next(f for f in doc["findings"] if f["signature"] == "module-not-found:weasyprint")
    assert (module["status"], module["count"], module["baseline_count"]) == ("new", 3, 0)
    comparison = doc["comparison"]
    assert comparison["status"] == "COMPARED" and comparison["revision"] == "invoices-api-00041-rex"
    assert comparison["gone"] == len(comparison["gone_findings"]) >= 1
    assert all(
        g["status"] == "gone" and g["count"] == 0 and g["baseline_count"] > 0
        for g in comparison["gone_findings"]
    )
    assert "module-not-found:weasyprint" in doc["verdict"]["reasons"][0]["signatures"]
    assert doc["verdict"]["reasons"][0]["policy"][0] == "(built-in) environments.staging.critical_rules"


def test_cli_writes_each_findings_status_for_a_persisting_crash(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    target, baseline = str(BASE / "invoices-api-00042-fol.json"), str(BASE / BEFORE)
    result = CliRunner().invoke(cli, ["triage", target, "--baseline", baseline, "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    statuses = {f["signature"]: (f["status"], f["count"], f["baseline_count"]) for f in doc["findings"]}
    crashes = {s: v for s, v in statuses.items() if "KeyError" in s}
    assert crashes and all(v == ("persisting", 4, 4) for v in crashes.values())


def test_cli_reads_logscan_toml_from_the_working_directory_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    target = str(BASE / "invoices-api-00044-dap.json")
    monkeypatch.chdir(tmp_path)
    Path("logscan.toml").write_text(
        '[environments.staging]\nrequired = ["POSTGRES_HOST"]\n', encoding="utf-8"
    )
    result = runner.invoke(cli, ["triage", target, "-o", "r.json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert doc["provenance"]["policy"] == "logscan.toml (found in the working directory)"
    assert doc["verdict"]["reasons"][0]["policy"] == ["logscan.toml:2 environments.staging.required"]
    ignored = runner.invoke(cli, ["triage", target, "--no-policy", "-o", "r.json"])
    assert ignored.exit_code == 0, ignored.output
    assert json.loads(Path("r.json").read_text(encoding="utf-8"))["provenance"]["policy"] is None


def test_cli_policy_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "logscan.toml"
    bad.write_text('[environments.staging]\nfail_on = ["regressions"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["triage", str(BASE / BEFORE), "--policy", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"logscan: error: {bad}:2: environments.staging.fail_on: 'regressions' is not a class. "
        "Use some of: regression, platform, expected-config, deprecation-warning.\n"
    )
    unknown_env = CliRunner().invoke(cli, ["triage", str(BASE / BEFORE), "--policy", str(bad), "--env", "qa"])
    assert unknown_env.exit_code == 2


def test_cli_baseline_options_that_conflict_name_the_fix() -> None:
    target = str(BASE / "invoices-api-00042-fol.json")
    both = CliRunner().invoke(
        cli, ["triage", target, "--baseline", BEFORE, "--baseline-revision", "x-00001-abc"]
    )
    assert both.exit_code == 2
    assert both.stderr == "logscan: error: --baseline and --baseline-revision both given. Pass one of them.\n"
    mixed = CliRunner().invoke(cli, ["triage", target, "--baseline", "previous", "--baseline", BEFORE])
    assert mixed.exit_code == 2
    assert "--baseline previous cannot be mixed with export files" in mixed.stderr


def test_builtin_policy_is_what_triage_applies_without_one() -> None:
    report = run("invoices-api-00042-fol.json", baseline=None, env="production")
    assert report.provenance.policy is None
    assert builtin_policy("production").config_fails
