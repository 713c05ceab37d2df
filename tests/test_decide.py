"""decide(): every verdict decision, from findings, evidence, the environment's policy and the comparison."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from logscan.classify.library import Library
from logscan.model import Comparison, Evidence, Finding, Suppression
from logscan.verdict.decide import decide
from logscan.verdict.policy.load import parse_policy
from logscan.verdict.policy.settings import Thresholds, builtin_policy

from .test_baseline import finding, summary

KEYERROR = "asgi-exception:KeyError:d42227a981"
STAGING = builtin_policy("staging")
PRODUCTION = builtin_policy("production")


def config_gap(name: str) -> Finding:
    return replace(finding(f"env-var-not-set:{name}", 1, "expected-config"), key=name)


def persisting(f: Finding, before: int, growth: float) -> Finding:
    return replace(f, status="persisting", baseline_count=before, rate_growth=growth)


def new(f: Finding) -> Finding:
    return replace(f, status="new", baseline_count=0)


def compared(status: str = "COMPARED") -> Comparison:
    return Comparison(
        status=status,
        reason="Baseline base.json has no log entries: no finding can be called new or persisting.",
        sources=("base.json",),
        service=None,
        revision=None,
        window_start=None,
        window_end=None,
        records=0,
        events=0,
    )


def suppression(expires: date, expired: bool, where: str = "logscan.toml:31") -> Suppression:
    return Suppression(
        rule=None,
        signature=KEYERROR,
        reason="known bug",
        owner="invoices-team",
        issue="https://github.com/northwind/invoices/issues/377",
        expires=expires,
        where=where,
        expired=expired,
    )


def test_no_entries_is_inconclusive_never_pass() -> None:
    verdict = decide(summary(records=0, streams=()), STAGING)
    assert verdict.level == "INCONCLUSIVE"
    assert verdict.reasons[0].text == "No log entries to judge: a revision without logs is never a PASS."


def test_without_baseline_every_regression_fails_and_reason_names_signature_and_policy() -> None:
    verdict = decide(summary(finding(KEYERROR, 4)), STAGING)
    assert verdict.level == "FAIL"
    (reason,) = verdict.reasons
    assert reason.signatures == (KEYERROR,)
    assert reason.policy == ("(built-in) environments.staging.fail_on",)
    assert reason.text == (
        f"1 code regression: {KEYERROR} x4 [policy: (built-in) environments.staging.fail_on]"
    )


def test_persisting_failure_at_the_same_rate_is_not_this_deploys_regression() -> None:
    verdict = decide(summary(persisting(finding(KEYERROR, 4), 4, 1.0)), STAGING, comparison=compared())
    assert verdict.level == "PASS"
    assert verdict.reasons[1].signatures == (KEYERROR,)
    assert "not this deploy's regression" in verdict.reasons[1].text
    assert "(baseline x4, rate x1)" in verdict.reasons[1].text


def test_new_failure_fails_and_says_new() -> None:
    verdict = decide(summary(new(finding(KEYERROR, 2))), STAGING, comparison=compared())
    assert verdict.level == "FAIL"
    assert verdict.reasons[0].text.startswith(f"1 new code regression: {KEYERROR} x2")


@pytest.mark.parametrize(
    ("count", "growth", "level"),
    [(40, 10.0, "WARN"), (40, 3.0, "WARN"), (40, 2.9, "PASS"), (4, 10.0, "PASS")],  # min_count is 5
)
def test_persisting_failure_whose_rate_grew_sharply_warns(count: int, growth: float, level: str) -> None:
    verdict = decide(summary(persisting(finding(KEYERROR, count), 4, growth)), STAGING, comparison=compared())
    assert verdict.level == level
    if level == "WARN":
        assert verdict.reasons[0].policy == ("(built-in) environments.staging.thresholds.rate_growth",)


def test_thresholds_come_from_the_policy() -> None:
    strict = replace(STAGING, thresholds=Thresholds(rate_growth=1.5, min_count=2))
    verdict = decide(summary(persisting(finding(KEYERROR, 3), 1, 2.0)), strict, comparison=compared())
    assert verdict.level == "WARN"
    assert "rate grew at least 1.5x over the baseline with 2+ events" in verdict.reasons[0].text


def test_critical_rule_fails_even_when_persisting_and_suppressed() -> None:
    crash = persisting(finding("module-not-found:weasyprint", 3), 3, 1.0)
    crash = replace(crash, suppression=suppression(date(2030, 1, 1), False), suppressed=True)
    verdict = decide(summary(crash), STAGING, comparison=compared())
    assert verdict.level == "FAIL"
    assert verdict.reasons[0].signatures == ("module-not-found:weasyprint",)
    assert verdict.reasons[0].policy == ("(built-in) environments.staging.critical_rules",)


def test_missing_config_is_expected_in_staging_and_fatal_in_production() -> None:
    gaps = summary(config_gap("POSTGRES_HOST"), config_gap("POSTGRES_PASSWORD"))
    staging, production = decide(gaps, STAGING), decide(gaps, PRODUCTION)
    assert staging.level == "EXPECTED_CONFIG"
    assert staging.reasons[0].text.startswith("2 configuration gaps (tolerated in staging): ")
    assert production.level == "FAIL"
    assert production.reasons[0].text.startswith("2 configuration gaps (fatal in production): ")
    assert production.reasons[0].signatures == (
        "env-var-not-set:POSTGRES_HOST",
        "env-var-not-set:POSTGRES_PASSWORD",
    )


def test_required_names_fail_anywhere_and_optional_names_do_not_count() -> None:
    policy = replace(STAGING, required=("JWT_*",), optional=("SENTRY_DSN",))
    verdict = decide(summary(config_gap("JWT_SECRET_KEY"), config_gap("SENTRY_DSN")), policy)
    assert verdict.level == "FAIL"
    assert verdict.reasons[0].text.startswith(
        "1 missing setting (required in staging): env-var-not-set:JWT_SECRET_KEY"
    )
    assert verdict.reasons[-1].signatures == ("env-var-not-set:SENTRY_DSN",)
    only_optional = decide(summary(config_gap("SENTRY_DSN")), policy)
    assert only_optional.level == "PASS"
    assert "1 missing optional setting (ignored): env-var-not-set:SENTRY_DSN" in only_optional.reasons[1].text


def test_optional_beats_production_failing_on_config() -> None:
    policy = replace(PRODUCTION, optional=("LANGFUSE_*",))
    assert decide(summary(config_gap("LANGFUSE_SECRET_KEY")), policy).level == "PASS"


def test_platform_failure_explained_by_tolerated_config_is_not_a_fail() -> None:
    probe = replace(finding("startup-probe-failed:e421c41eae", 2, "platform"), config_symptom=True)
    staging = decide(summary(config_gap("POSTGRES_HOST"), probe), STAGING)
    assert staging.level == "EXPECTED_CONFIG"
    assert staging.reasons[1].text.startswith("1 platform failure (explained by the missing configuration)")
    with_regression = decide(summary(config_gap("POSTGRES_HOST"), probe, finding(KEYERROR, 1)), STAGING)
    assert with_regression.level == "FAIL"


@pytest.mark.parametrize("rule", ["memory-limit-exceeded", "uncaught-signal", "exec-format-error"])
def test_a_failure_no_setting_causes_is_never_explained_by_config(rule: str) -> None:
    probe = replace(finding("startup-probe-failed:e421c41eae", 2, "platform"), config_symptom=True)
    crash = finding(f"{rule}:0b1c2d3e4f", 1, "platform")
    verdict = decide(summary(config_gap("POSTGRES_HOST"), probe, crash), STAGING)
    assert verdict.level == "FAIL"
    assert f"{rule}:0b1c2d3e4f" in verdict.reasons[0].signatures


def test_config_symptom_flag_comes_from_the_rule_file(library: Library) -> None:
    flagged = {r.id for r in library.rules if r.config_symptom}
    assert {"startup-probe-failed", "container-exit-nonzero", "asgi-startup-failed"} <= flagged
    assert not flagged & {
        "memory-limit-exceeded",
        "uncaught-signal",
        "exec-format-error",
        "gunicorn-worker-killed-oom",
    }


def test_expired_suppression_resurfaces_and_says_so() -> None:
    expired = replace(
        finding(KEYERROR, 4), suppression=suppression(date(2025, 9, 30), True), suppressed=False
    )
    verdict = decide(summary(expired), STAGING)
    assert verdict.level == "FAIL"
    assert "(suppression expired 2025-09-30, resurfaced)" in verdict.reasons[0].text
    assert "logscan.toml:31" in verdict.reasons[0].policy


def test_active_suppression_is_listed_not_counted() -> None:
    active = replace(finding(KEYERROR, 4), suppression=suppression(date(2030, 1, 1), False), suppressed=True)
    verdict = decide(summary(active), STAGING)
    assert verdict.level == "PASS"
    reason = verdict.reasons[1]
    assert reason.signatures == (KEYERROR,) and reason.policy == ("logscan.toml:31",)
    assert (
        "suppressed until 2030-01-01, invoices-team, https://github.com/northwind/invoices/issues/377"
        in reason.text
    )


def test_inconclusive_comparison_makes_baseline_dependent_failures_inconclusive() -> None:
    verdict = decide(summary(finding(KEYERROR, 4)), STAGING, comparison=compared("INCONCLUSIVE"))
    assert verdict.level == "INCONCLUSIVE"
    assert verdict.reasons[0].signatures == (KEYERROR,)
    assert "cannot tell new from persisting" in verdict.reasons[0].text


def test_inconclusive_comparison_does_not_hide_a_failure_that_needs_no_baseline() -> None:
    gaps = summary(config_gap("POSTGRES_HOST"), finding(KEYERROR, 4))
    assert decide(gaps, PRODUCTION, comparison=compared("INCONCLUSIVE")).level == "FAIL"
    crash = summary(finding("module-not-found:weasyprint", 3))
    assert decide(crash, STAGING, comparison=compared("INCONCLUSIVE")).level == "FAIL"


def test_inconclusive_comparison_that_nothing_depended_on_is_said() -> None:
    verdict = decide(summary(config_gap("POSTGRES_HOST")), STAGING, comparison=compared("INCONCLUSIVE"))
    assert verdict.level == "EXPECTED_CONFIG"
    assert verdict.reasons[-1].text.startswith(
        "The comparison is INCONCLUSIVE, but no finding depended on it"
    )


def test_truncated_read_without_proof_of_failure_is_inconclusive() -> None:
    assert decide(summary(), STAGING, truncated=True).level == "INCONCLUSIVE"
    assert decide(summary(finding(KEYERROR, 1)), STAGING, truncated=True).level == "FAIL"


def test_deprecations_warn_and_a_class_neither_failing_nor_warning_is_listed() -> None:
    deprecation = finding("python-deprecation-warning:websockets", 1, "deprecation-warning")
    assert decide(summary(deprecation), STAGING).level == "WARN"
    quiet = replace(STAGING, warn_on=())
    verdict = decide(summary(deprecation), quiet)
    assert verdict.level == "PASS"
    assert "of a class staging neither fails nor warns on" in verdict.reasons[1].text


def test_policy_file_lines_are_cited() -> None:
    policy = parse_policy(
        '[environments.production]\nfail_on = ["regression", "platform", "expected-config"]\nrequired = ["POSTGRES_*"]\n',
        "logscan.toml",
    ).for_env("production")
    verdict = decide(summary(config_gap("POSTGRES_HOST"), config_gap("REDIS_URL")), policy)
    assert [r.policy for r in verdict.reasons] == [
        ("logscan.toml:3 environments.production.required",),
        ("logscan.toml:2 environments.production.fail_on",),
    ]


def test_served_state_comes_from_evidence() -> None:
    started = replace(summary(), evidence=Evidence(started=1, requests=4, requests_ok=4))
    failed = replace(summary(), evidence=Evidence(start_failed=3, crashed=3))
    assert decide(started, STAGING).served.started is True
    assert decide(started, STAGING).served.served is True
    assert decide(failed, STAGING).served.started is False


def test_builtin_critical_rules_exist_in_the_shipped_library(library: Library) -> None:
    ids = {rule.id for rule in library.rules}
    for env in ("staging", "production"):
        assert set(builtin_policy(env).critical_rules) <= ids


def test_skipped_entries_are_a_reason_without_changing_the_level(tmp_path: Path) -> None:
    from logscan.config import Config
    from logscan.sources.files import open_source

    from .factories import triaged

    damaged = tmp_path / "export.json"
    damaged.write_text(
        '[{"textPayload": "INFO:     Application startup complete.", "logName": "projects/p/logs/'
        'run.googleapis.com%2Fstderr"}, {"textPay": ,}]',
        encoding="utf-8",
    )  # a damaged entry inside the array: the read goes on (a cut-off array is INCONCLUSIVE, see below)
    verdict = triaged([open_source(str(damaged))], Config()).verdict
    assert verdict.level == "PASS"
    assert verdict.reasons[0].text.startswith("No regression")
    assert verdict.reasons[-1].text == (
        "1 input entry was unreadable and skipped: it may hold failures this verdict did not see."
    )


def test_expected_config_keeps_the_warnings_and_the_readme_states_the_order() -> None:
    """Issue 12 item 5: configuration gaps next to deprecations or a sharp rate growth: the verdict is
    EXPECTED_CONFIG as the README's order says, and its reasons still list every warning."""
    from logscan.verdict.decide import SEVERITY

    deprecation = finding("python-deprecation-warning:datetime", 2, "deprecation-warning")
    grew = persisting(finding(KEYERROR, 40), 10, 4.0)
    verdict = decide(summary(config_gap("POSTGRES_HOST"), deprecation, grew), STAGING, comparison=compared())
    assert verdict.level == "EXPECTED_CONFIG"
    texts = [r.text for r in verdict.reasons]
    assert any(t.startswith("1 configuration gap (tolerated in staging)") for t in texts)
    assert any(t.startswith("1 deprecation warning: python-deprecation-warning:datetime") for t in texts)
    assert any(t.startswith("1 persisting failure (rate grew at least 3x") for t in texts)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    stated = "least to most severe: " + ", ".join(f"`{level}`" for level in SEVERITY)
    assert stated in readme
    assert SEVERITY.index("EXPECTED_CONFIG") > SEVERITY.index("WARN")


def test_a_read_that_stopped_early_is_inconclusive_and_says_how_much_was_lost(tmp_path: Path) -> None:
    """Issue 12 item 2: `head -c 3000 logs.json`: the read stops inside an entry; nothing after it was seen."""
    from logscan.config import Config
    from logscan.resources import data_dir
    from logscan.sources.files import open_source

    from .factories import triaged

    cut = tmp_path / "t.json"
    cut.write_bytes((data_dir("examples") / "staging-missing-config.json").read_bytes()[:3000])
    report = triaged([open_source(str(cut))], Config())
    assert report.verdict.level == "INCONCLUSIVE"
    assert report.provenance.truncated
    assert report.verdict.reasons[0].text == (
        f"The read of {cut} stopped early (entries lost: the JSON array is cut off inside an entry): "
        "3 entries were read, and whatever the file held after the cut is lost; nothing read proves a failure."
    )


def test_required_matches_the_setting_the_message_names() -> None:
    """Issue 12 item 8: "JWT secret not configured: set JWT_SECRET_KEY ..." is the setting JWT_SECRET_KEY."""
    from logscan.config import Config
    from logscan.resources import data_dir
    from logscan.sources.files import open_source

    from .factories import triaged

    policy = replace(STAGING, required=("JWT_SECRET_KEY",))
    example = open_source(str(data_dir("examples") / "staging-missing-config.json"))
    report = triaged([example], Config(), policy=policy)
    jwt = [f for f in report.findings if f.rule == "jwt-secret-missing"]
    assert [f.key for f in jwt] == ["JWT_SECRET_KEY"]
    assert report.verdict.level == "FAIL"
    assert report.verdict.reasons[0].text.startswith(
        "1 missing setting (required in staging): jwt-secret-missing:JWT_SECRET_KEY x1"
    )
