"""The policy file: parsing, one-line validation errors naming file:line, key and fix, and suppressions."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from logscan.errors import PolicyError
from logscan.model import Finding
from logscan.verdict.policy.load import load_policy, parse_policy, resolve_policy
from logscan.verdict.policy.settings import Policy, builtin_policy
from logscan.verdict.policy.suppress import apply_suppressions

from .conftest import REPO

FULL = """\
[defaults]
fail_on = ["regression", "platform"]
optional = ["SENTRY_DSN"]

[defaults.thresholds]
rate_growth = 4.0

[environments.staging]

[environments.production]
fail_on = ["regression", "platform", "expected-config"]
critical_rules = ["module-not-found", "startup-probe-failed"]
required = ["POSTGRES_*", "JWT_SECRET_KEY"]

[environments.production.thresholds]
min_count = 2

[[suppressions]]
signature = "python-deprecation-warning:websockets"
reason = "uvicorn pulls websockets.legacy in"
owner = "platform-team"
issue = "https://github.com/northwind/invoices/issues/412"
expires = 2026-06-30

[[suppressions]]
rule = "fallback-traceback"
reason = "known flaky handler"
owner = "invoices-team"
issue = "https://github.com/northwind/invoices/issues/377"
expires = "2025-10-31"
environments = ["staging"]
"""


def _error(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "logscan.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def _finding(rule: str, signature: str, klass: str = "regression") -> Finding:
    return Finding(
        klass=klass,
        rule=rule,
        signature=signature,
        key=None,
        count=3,
        records=3,
        first_seen=None,
        last_seen=None,
        instances=(),
        example="",
        template="",
        hint="",
        description="",
        severity="ERROR",
    )


def test_environment_overrides_defaults_key_by_key() -> None:
    policy_file = parse_policy(FULL, "logscan.toml")
    staging = policy_file.for_env("staging")
    production = policy_file.for_env("production")
    assert staging.fail_on == ("regression", "platform")
    assert staging.optional == production.optional == ("SENTRY_DSN",)
    assert production.fail_on == ("regression", "platform", "expected-config")
    assert production.config_fails and not staging.config_fails
    assert production.thresholds.rate_growth == 4.0  # from [defaults.thresholds]
    assert production.thresholds.min_count == 2  # its own
    assert staging.thresholds.min_count == 5  # the built-in default


def test_references_point_at_the_line_that_set_the_value() -> None:
    production = parse_policy(FULL, "logscan.toml").for_env("production")
    lines = FULL.splitlines()
    for setting, key in (
        ("fail_on", "fail_on ="),
        ("required", "required ="),
        ("optional", "optional ="),
        ("thresholds.rate_growth", "rate_growth ="),
        ("thresholds.min_count", "min_count ="),
    ):
        cited = production.ref(setting)
        number = int(re.match(r"logscan\.toml:(\d+) ", cited).group(1))  # type: ignore[union-attr]
        assert lines[number - 1].startswith(key), (setting, cited)
    assert production.ref("optional").endswith(" defaults.optional")
    assert production.ref("required").endswith(" environments.production.required")
    assert builtin_policy("staging").ref("fail_on") == "(built-in) environments.staging.fail_on"


def test_suppressions_are_read_with_their_line_and_environments() -> None:
    policy_file = parse_policy(FULL, "logscan.toml")
    staging, production = policy_file.for_env("staging"), policy_file.for_env("production")
    assert [s.where for s in staging.suppressions] == ["logscan.toml:18", "logscan.toml:25"]
    assert [s.where for s in production.suppressions] == ["logscan.toml:18"]  # the second is staging only
    first, second = staging.suppressions
    assert first.signature == "python-deprecation-warning:websockets" and first.rule is None
    assert first.expires == date(2026, 6, 30)
    assert second.rule == "fallback-traceback" and second.expires == date(
        2025, 10, 31
    )  # a quoted date works too


def test_builtin_policy_fails_config_only_in_production() -> None:
    assert builtin_policy("production").config_fails
    assert builtin_policy("prod").config_fails
    assert not builtin_policy("staging").config_fails
    assert not builtin_policy("preview").config_fails
    assert "startup-probe-failed" in builtin_policy("production").critical_rules
    assert "startup-probe-failed" not in builtin_policy("staging").critical_rules


def test_required_and_optional_names_take_globs() -> None:
    policy = Policy(required=("POSTGRES_*",), optional=("LANGFUSE_*", "SENTRY_DSN"))
    assert policy.is_required("POSTGRES_HOST")
    assert not policy.is_required("POSTGRES")
    assert not policy.is_required(None)
    assert policy.is_optional("LANGFUSE_PUBLIC_KEY") and policy.is_optional("SENTRY_DSN")
    assert not policy.is_optional("sentry_dsn")  # names are case-sensitive, as env vars are


def test_unknown_environment_names_the_fix() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(FULL, "logscan.toml").for_env("canary")
    assert str(caught.value) == (
        "logscan.toml: environment 'canary' is not defined (environments: staging, production). "
        "Add an [environments.canary] table, or pass --env with one of those."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[environments.staging]\nfail_onn = []\n",
            "logscan.toml:2: environments.staging.fail_onn: unknown key. Did you mean fail_on?",
        ),
        (
            '[environments.production]\nfail_on = ["regresion"]\n',
            "logscan.toml:2: environments.production.fail_on: 'regresion' is not a class. "
            "Use some of: regression, platform, expected-config, deprecation-warning.",
        ),
        (
            '[environments.staging]\nwarn_on = ["noise"]\n',
            "logscan.toml:2: environments.staging.warn_on: 'noise' is not a class (noise never counts). "
            "Use some of: regression, platform, expected-config, deprecation-warning.",
        ),
        (
            '[environments.staging]\nrequired = "POSTGRES_HOST"\n',
            "logscan.toml:2: environments.staging.required: must be an array of strings, such as "
            '["POSTGRES_*", "JWT_SECRET_KEY"].',
        ),
        (
            '[environments.staging]\nwarn_on = ["regression"]\n',
            "logscan.toml:2: environments.staging.warn_on: regression is both in fail_on and warn_on. "
            "Keep each class in one of them.",
        ),
        (
            "[environments.staging.thresholds]\nrate_growth = 0.5\n",
            "logscan.toml:2: environments.staging.thresholds.rate_growth: must be a number above 1, such as 3.0 "
            "(the factor by which a rate must grow).",
        ),
        (
            "[defaults]\nfail_on = []\n",
            "logscan.toml: no environments. Add at least one table such as [environments.staging] "
            "(docs/policy.md shows a full example).",
        ),
        (
            '[environments.staging]\n\n[[suppressions]]\nrule = "x"\nreason = "r"\nowner = "o"\n'
            'issue = "https://example.com/1"\n',
            "logscan.toml:3: suppressions[0].expires: is required: a date such as expires = 2026-03-31 "
            "(the last day it applies).",
        ),
        (
            '[environments.staging]\n\n[[suppressions]]\nrule = "x"\nsignature = "x:y"\nreason = "r"\n',
            'logscan.toml:3: suppressions[0]: give exactly one of rule = "<rule id>" or signature = "<signature>" '
            "to say what it accepts.",
        ),
        (
            '[environments.staging]\n\n[[suppressions]]\nrule = "x"\nreason = "r"\nowner = ""\n',
            "logscan.toml:6: suppressions[0].owner: is required: a non-empty string saying who answers for it.",
        ),
        (
            '[environments.staging]\n\n[[suppressions]]\nrule = "x"\nreason = "r"\nowner = "o"\n'
            'issue = "i"\nexpires = 2026-01-01\nenvironments = ["prod"]\n',
            "logscan.toml:9: suppressions[0].environments: 'prod' is not an environment of this file "
            "(environments: staging).",
        ),
    ],
)
def test_invalid_policy_is_one_line_naming_line_key_and_fix(text: str, expected: str) -> None:
    assert _error(text) == expected


def test_toml_syntax_error_names_the_file_and_position() -> None:
    message = _error("[environments.staging\nfail_on = [")
    assert message.startswith("logscan.toml: not valid TOML (")
    assert "line 1" in message
    assert message.endswith("Fix the syntax; docs/policy.md shows a full example.")


def test_missing_policy_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "nope.toml")
    assert str(caught.value) == (
        f"{tmp_path / 'nope.toml'}: no such policy file. Check --policy, or copy examples/logscan.toml."
    )


def test_resolve_reads_working_directory_file_and_says_so(tmp_path: Path) -> None:
    policy, note = resolve_policy(None, "staging", tmp_path)
    assert note is None and policy.source is None  # no file: the built-in policy
    (tmp_path / "logscan.toml").write_text(FULL, encoding="utf-8")
    policy, note = resolve_policy(None, "production", tmp_path)
    assert note == f"{tmp_path / 'logscan.toml'} (found in the working directory)"
    assert policy.required == ("POSTGRES_*", "JWT_SECRET_KEY")
    policy, note = resolve_policy(None, "staging", None)  # --no-policy: nothing is searched
    assert note is None and policy == builtin_policy("staging")


def test_suppression_by_signature_wins_over_rule_and_stale_ones_are_listed() -> None:
    policy = parse_policy(FULL, "logscan.toml").for_env("staging")
    findings = (
        _finding(
            "python-deprecation-warning", "python-deprecation-warning:websockets", "deprecation-warning"
        ),
        _finding("fallback-traceback", "fallback-traceback:KeyError:9a6d739ec5"),
        _finding("module-not-found", "module-not-found:weasyprint"),
    )
    marked, stale = apply_suppressions(findings, policy, date(2025, 10, 1))
    websockets, keyerror, module = marked
    assert websockets.suppressed and websockets.suppression is not None
    assert websockets.suppression.where == "logscan.toml:18"
    assert keyerror.suppressed and keyerror.suppression is not None
    assert keyerror.suppression.where == "logscan.toml:25"
    assert not module.suppressed and module.suppression is None
    assert stale == ()
    _, stale = apply_suppressions(findings[2:], policy, date(2025, 10, 1))
    assert [s.where for s in stale] == ["logscan.toml:18", "logscan.toml:25"]


def test_expired_suppression_stays_on_the_finding_but_no_longer_suppresses() -> None:
    policy = parse_policy(FULL, "logscan.toml").for_env("staging")
    finding = _finding("fallback-traceback", "fallback-traceback:KeyError:9a6d739ec5")
    (on_last_day,), _ = apply_suppressions((finding,), policy, date(2025, 10, 31))
    assert on_last_day.suppressed
    (day_after,), _ = apply_suppressions((finding,), policy, date(2025, 11, 1))
    assert not day_after.suppressed
    assert day_after.suppression is not None and day_after.suppression.expired


def test_an_active_rule_suppression_beats_an_expired_signature_one() -> None:
    text = FULL.replace("expires = 2026-06-30", "expires = 2025-01-01").replace(
        'rule = "fallback-traceback"', 'rule = "python-deprecation-warning"'
    )
    policy = parse_policy(text, "logscan.toml").for_env("staging")
    finding = _finding(
        "python-deprecation-warning", "python-deprecation-warning:websockets", "deprecation-warning"
    )
    (marked,), stale = apply_suppressions((finding,), policy, date(2025, 6, 1))
    assert marked.suppressed and marked.suppression is not None
    assert marked.suppression.where == "logscan.toml:25"
    assert [s.where for s in stale] == ["logscan.toml:18"]


def test_shipped_example_policy_is_valid_and_means_what_its_comments_say() -> None:
    policy_file = load_policy(REPO / "examples" / "logscan.toml")
    staging, production = policy_file.for_env("staging"), policy_file.for_env("production")
    assert not staging.config_fails and production.config_fails
    assert production.is_required("POSTGRES_PASSWORD")
    assert "startup-probe-failed" in production.critical_rules
    assert all(s.reason and s.owner and s.issue.startswith("https://") for s in staging.suppressions)


def test_documented_example_is_the_shipped_example() -> None:
    """docs/policy.md shows examples/logscan.toml verbatim, so the documentation cannot drift from a valid file."""
    doc = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, flags=re.S)
    example = (REPO / "examples" / "logscan.toml").read_text(encoding="utf-8")
    assert example in blocks
    for block in blocks:  # every TOML snippet in the docs parses, alone or completed with an environment
        text = block if "[environments." in block else block + "\n[environments.staging]\n"
        parse_policy(text, "docs/policy.md")


def test_keys_documented_are_the_keys_accepted() -> None:
    doc = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    for key in ("fail_on", "warn_on", "critical_rules", "required", "optional", "rate_growth", "min_count"):
        assert f"`{key}`" in doc, key
    for key in ("rule", "signature", "reason", "owner", "issue", "expires", "environments"):
        assert f"`{key}`" in doc, key


def _triage_with(policy_text: str, tmp_path: Path) -> tuple[int, str]:
    from click.testing import CliRunner

    from logscan.cli import cli

    policy_file = tmp_path / "logscan.toml"
    policy_file.write_text(policy_text, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["triage", "--example", "--policy", str(policy_file), "--format", "json"]
    )
    return result.exit_code, result.stderr


_SUPPRESSION = 'reason = "r"\nowner = "o"\nissue = "https://example.com/1"\nexpires = 2999-01-01\n'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'rule = "env-var-missing"',
            "rule 'env-var-missing' is not a rule of the pattern library. Copy the rule id from a report "
            "(logscan patterns test lists the library).",
        ),
        (
            'signature = "env-var-not-set OPENAI_API_KEY"',
            "signature 'env-var-not-set OPENAI_API_KEY' is not a signature (RULE:DETAIL, as a report shows "
            "it). Copy it from a report's code span.",
        ),
        (
            'signature = "http\u200d-5xx-access-line:86f11de9374e"',
            "signature 'http\\u200d-5xx-access-line:86f11de9374e' holds an invisible character (U+200D). "
            "Copy it from a report's code span, or type it.",
        ),
        (
            'signature = "no-such-rule:abc"',
            "signature 'no-such-rule:abc' starts with 'no-such-rule', which is not a rule of the pattern "
            "library. Copy it from a report's code span.",
        ),
    ],
)
def test_suppression_of_an_unknown_rule_or_malformed_signature_is_an_error(
    tmp_path: Path, line: str, expected: str
) -> None:
    """Issue 12 item 14: an unknown rule id or a malformed signature is an error at load, naming file and line."""
    code, err = _triage_with(f"[environments.staging]\n\n[[suppressions]]\n{line}\n{_SUPPRESSION}", tmp_path)
    assert code == 2
    assert err.startswith(f"logscan: error: {tmp_path / 'logscan.toml'}:")
    assert err.endswith(f"{expected}\n") and len(err.splitlines()) == 1


def test_known_rule_and_signature_suppressions_load(tmp_path: Path) -> None:
    text = (
        "[environments.staging]\n\n[[suppressions]]\n"
        f'rule = "pydantic-deprecated-since"\n{_SUPPRESSION}\n[[suppressions]]\n'
        f'signature = "env-var-not-set:OPENAI_API_KEY"\n{_SUPPRESSION}'
    )
    code, err = _triage_with(text, tmp_path)
    assert code == 0, err


def test_the_example_policys_suppressions_are_current_and_match_the_bundled_example() -> None:
    """Issue 12 item 16: the example shows suppressions at work, not only expired and stale ones."""
    from logscan.config import Config
    from logscan.resources import data_dir
    from logscan.sources.files import open_source

    from .factories import triaged

    policy = load_policy(REPO / "examples" / "logscan.toml").for_env("staging")
    assert policy.suppressions
    a_year_on = date.today().replace(year=date.today().year + 1)
    for s in policy.suppressions:
        assert s.expires >= a_year_on, f"{s.where}: expires {s.expires}; move the date at least a year on"
    example = open_source(str(data_dir("examples") / "staging-missing-config.json"))
    report = triaged([example], Config(), policy=policy)
    assert report.stale_suppressions == ()
    suppressed = {f.suppression.where for f in report.findings if f.suppressed and f.suppression}
    assert suppressed == {s.where for s in policy.suppressions}
