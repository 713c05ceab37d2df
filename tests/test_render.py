"""Rendering: the format from -o, JSON against its schema, Markdown cut to GitHub's limit in order of
importance, folding, the HTML page's verdict, filters and timeline, and the GitHub Actions step summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import regex
import yaml
from click.testing import CliRunner
from markdown_it import MarkdownIt

from logscan.cli import cli
from logscan.config import Config
from logscan.errors import ReportError
from logscan.model import Evidence, Finding, Reason, Report
from logscan.report.assemble import IMPORTANCE
from logscan.report.render import GITHUB_LIMIT
from logscan.report.render.formats import github_annotations, render, to_json
from logscan.report.render.html import timeline_chart
from logscan.report.render.mdsafe import fence, md_code, md_text
from logscan.resources import data_dir
from logscan.sources.files import open_source

from . import factories
from .conftest import FIXTURES
from .factories import triaged

EXAMPLE = str(data_dir("examples") / "staging-missing-config.json")
SCHEMA = json.loads((data_dir("schemas") / "report.schema.json").read_text(encoding="utf-8"))


def _example() -> Report:
    return triaged([open_source(EXAMPLE)], Config(version="0.0.0-test"))


def _many(n: int) -> Report:
    """n distinct findings across the classes, each with a short traceback, as a big crash would give."""
    classes = ("regression", "platform", "expected-config", "deprecation-warning", "noise")
    findings = [
        factories.finding(
            classes[i % 5],
            rule=f"rule-{i % 37}",
            example=(
                "Traceback (most recent call last):\n"
                f'  File "/app/billing/handlers/h{i}.py", line {10 + i % 90}, in handle_{i}\n'
                f"    result = process(payload_{i})\n"
                f"ValueError: invalid literal for int() with base 10: 'row-{i}'"
            ),
            count=1 + (i * 7919) % 50,
            first_seen=factories.T0 + timedelta(seconds=i % 900),
        )
        for i in range(n)
    ]
    return factories.report(findings)


# ---------------------------------------------------------------- format selection (issue 2)


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("report.md", "## logscan:"),
        ("report.json", '"verdict"'),
        ("report.html", "<!DOCTYPE html>"),
        ("r.htm", "<svg"),
    ],
)
def test_the_output_extension_picks_the_format(tmp_path: Path, name: str, marker: str) -> None:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["triage", EXAMPLE, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert marker in out.read_text(encoding="utf-8")


def test_format_overrides_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = CliRunner().invoke(cli, ["triage", EXAMPLE, "-o", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"]["level"] == "EXPECTED_CONFIG"


def test_an_unknown_extension_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(cli, ["triage", EXAMPLE, "-o", str(out)])
    assert result.exit_code == 2
    assert (
        "cannot tell the report format from '.pdf'. Use .md, .json or .html, or pass --format."
        in result.output
    )
    assert not out.exists()


def test_markdown_is_the_default_on_stdout() -> None:
    result = CliRunner().invoke(cli, ["triage", EXAMPLE])
    assert result.output.startswith("<!-- logscan:billing-api:billing-api-00631-xgf -->\n")


def test_an_unknown_format_raises() -> None:
    with pytest.raises(ReportError, match="unknown report format 'pdf'"):
        render(_example(), "pdf")


# ---------------------------------------------------------------- JSON and its schema


def test_json_has_the_documented_top_level_and_finding_fields() -> None:
    doc = json.loads(render(_example(), "json"))
    assert {"verdict", "findings", "counts", "provenance"} <= set(doc)
    assert set(doc["verdict"]) >= {"level", "reasons", "served"}
    for finding in doc["findings"]:
        assert {"class", "rule", "signature", "count", "first_seen", "last_seen", "example"} <= set(finding)
        assert "klass" not in finding


@pytest.mark.parametrize("source", ["example", "corpus", "model", "baseline"])
def test_real_json_output_validates_against_the_schema(source: str, tmp_path: Path) -> None:
    if source == "example":
        report = _example()
    elif source == "corpus":
        report = triaged(
            [open_source(str(FIXTURES / "scenarios" / "crash-loop-module-not-found.json"))], Config()
        )
    elif source == "baseline":
        target = FIXTURES / "baseline" / "invoices-api-00042-fol.json"
        base = FIXTURES / "baseline" / "invoices-api-00041-rex.json"
        out = tmp_path / "report.json"
        result = CliRunner().invoke(cli, ["triage", str(target), "--baseline", str(base), "-o", str(out)])
        assert result.exit_code in (0, 1), result.output
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["comparison"] is not None
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
        return
    else:
        from .test_hostile_render import _hostile_model

        report = _hostile_model()
    doc = json.loads(render(report, "json"))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_the_schema_rejects_what_the_report_never_writes() -> None:
    doc = json.loads(render(_example(), "json"))
    validator = jsonschema.Draft202012Validator(SCHEMA)
    broken = json.loads(json.dumps(doc))
    broken["verdict"]["level"] = "MAYBE"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(doc))
    broken["findings"][0]["klass"] = broken["findings"][0].pop("class")
    assert not validator.is_valid(broken)


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


# ---------------------------------------------------------------- Markdown: size, cutting, folding


def test_five_thousand_findings_fit_github_and_say_what_was_left_out() -> None:
    report = _many(5000)
    text = render(report, "md")
    assert len(text) <= GITHUB_LIMIT
    note = regex.search(r"shows the ([\d,]+) most important of ([\d,]+) findings\. Left out: ([^(]+)\(", text)
    assert note is not None, text[-2000:]
    kept, total = (int(note.group(i).replace(",", "")) for i in (1, 2))
    assert total == 5000 and 0 < kept < 5000
    left = {
        m.group(2): int(m.group(1).replace(",", ""))
        for m in regex.finditer(r"([\d,]+) ([a-z ]+?)(?:,|$)", note.group(3).strip())
    }
    assert sum(left.values()) == 5000 - kept
    assert "-o report.json" in text
    # what is shown is the most important part: the first `kept` findings in the report's order
    shown_rules = regex.findall(r"\*\*`(rule-\d+)`\*\* · ", text)
    expected = [f.rule for f in report.findings[:kept] if f.klass != "noise"]
    assert shown_rules == expected
    # and it uses the room it has: one more finding would not have fit
    assert len(text) > GITHUB_LIMIT - 4000


def test_a_small_limit_keeps_the_verdict_and_the_most_important_class() -> None:
    report = _many(200)
    text = render(report, "md", limit=8000, full_report="see the build artifact report.json")
    assert len(text) <= 8000
    assert "### Verdict: FAIL" in text and "### Regressions" in text
    assert "### Noise" not in text and "### Platform failures" not in text
    assert "For all of them, see the build artifact report.json." in text


def test_a_report_that_fits_is_not_cut() -> None:
    text = render(_example(), "md")
    assert "Cut to fit" not in text
    assert "### Expected configuration gaps (4)" in text


def test_long_sections_fold_into_details() -> None:
    findings = [factories.finding("regression", rule=f"r{i}", example=f"KeyError: 'k{i}'") for i in range(20)]
    long_example = "\n".join(f"line {i}" for i in range(30))
    findings.append(factories.finding("platform", rule="oom", example=long_example))
    text = render(factories.report(findings), "md")
    assert "<details><summary>12 more regressions</summary>" in text
    before_fold = text.split("<details><summary>12 more regressions</summary>")[0]
    assert before_fold.count("**`r") == 8
    assert "<details><summary>Example (30 lines)</summary>" in text


def test_a_huge_example_is_cut_inside_its_fence() -> None:
    example = "\n".join(f'  File "/app/x.py", line {i}, in f{i}' for i in range(500))
    text = render(factories.report([factories.finding(example=example)]), "md")
    fences = [t.content for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]
    assert any("example cut at 60 of 500 lines" in f for f in fences)


def test_markdown_starts_with_the_hidden_marker_and_a_title() -> None:
    lines = render(_example(), "md").splitlines()
    assert lines[0] == "<!-- logscan:billing-api:billing-api-00631-xgf -->"
    assert lines[1] == "## logscan: EXPECTED\\_CONFIG for `billing-api-00631-xgf`"


def test_deprecations_are_grouped_by_package() -> None:
    text = render(_example(), "md")
    section = text.split("### Deprecation warnings")[1].split("### Next steps")[0]
    assert regex.findall(r"^#### (.+)$", section, flags=regex.M) == ["`datetime`", "`pydantic`"]


def test_suppressed_findings_fold_with_their_suppression() -> None:
    from datetime import date

    from logscan.model import Suppression

    s = Suppression(rule="oom", signature=None, reason="known leak", owner="platform-team", issue="BILL-12",
                    expires=date(2030, 1, 1), where="logscan.toml:7")  # fmt: skip
    findings = [
        factories.finding("platform", rule="probe", example="STARTUP probe failed"),
        factories.finding(
            "platform", rule="oom", example="Memory limit exceeded", suppression=s, suppressed=True
        ),
    ]
    text = render(factories.report(findings), "md")
    fold = text.split(
        "<details><summary>1 suppressed platform failures (accepted in the policy file)</summary>"
    )
    assert len(fold) == 2
    assert (
        "Suppressed until 2030-01-01: known leak (owner platform-team, issue `BILL-12`, logscan.toml:7)"
        in fold[1]
    )
    assert "Memory limit exceeded" in fold[1] and "Memory limit exceeded" not in fold[0]


# ---------------------------------------------------------------- escaping helpers


@pytest.mark.parametrize("text", ["plain", "a ` b", "``` x", "````\n```", "ends with `", "`"])
def test_a_fence_is_longer_than_any_backtick_run(text: str) -> None:
    block = fence(text)
    tokens = MarkdownIt("commonmark").parse(block + "\n\nafter")
    assert tokens[0].type == "fence"
    assert tokens[0].content == text + "\n"


@pytest.mark.parametrize("text", ["KEY", "a`b", "``x``", "`lead", "trail`", " pad "])
def test_an_inline_code_span_shows_the_text_exactly(text: str) -> None:
    inline = MarkdownIt("commonmark").parseInline(md_code(text))[0].children or []
    assert [c.type for c in inline] == ["code_inline"]
    assert inline[0].content == " ".join(text.split())


def test_escaped_text_reads_the_same_and_links_nothing() -> None:
    raw = "cc @octocat about #12 at https://x.example, see [a](b) <i>x</i> & *y* 1. z"
    out = md_text(raw)
    tokens = MarkdownIt("commonmark").parseInline(out)[0].children or []
    assert [t.type for t in tokens] == ["text"]
    assert tokens[0].content.replace("\u200d", "") == raw


# ---------------------------------------------------------------- HTML


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.filters: list[str] = []
        self.articles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("h1", "h2", "section", "table", "svg"):
            self.order.append(tag + (f".{a['class']}" if a.get("class") else ""))
        if tag == "input" and a.get("data-filter"):
            self.filters.append(str(a["data-filter"]))
        if tag == "article":
            self.articles.append(str(a.get("data-class")))


def test_html_puts_the_verdict_on_top_and_filters_by_class() -> None:
    report = _example()
    outline = _Outline()
    outline.feed(render(report, "html"))
    assert outline.order[:2] == ["h1", "section.verdict EXPECTED_CONFIG"]
    present = [k for k in IMPORTANCE if any(f.klass == k for f in report.findings)]
    assert outline.filters == present
    assert outline.articles == [f.klass for f in report.findings]


def test_the_timeline_draws_each_class_per_minute_since_the_start() -> None:
    findings = [
        factories.finding("regression", rule="a", example="A", count=3, first_seen=factories.T0),
        factories.finding(
            "noise", rule="b", example="B", count=40, first_seen=factories.T0 + timedelta(minutes=4)
        ),
        factories.finding(
            "noise", rule="c", example="C", count=10, first_seen=factories.T0 + timedelta(minutes=9)
        ),
    ]
    chart = timeline_chart(factories.report(findings))
    assert chart is not None
    assert [lane.klass for lane in chart.lanes] == ["regression", "noise"]
    noise = chart.lanes[1]
    assert (noise.total, noise.peak) == (50, 40)
    assert [b.title for b in noise.bars] == ["18:06 UTC (+4 min): 40 noise", "18:11 UTC (+9 min): 10 noise"]
    assert noise.bars[0].height > noise.bars[1].height
    step = noise.bars[1].x - noise.bars[0].x
    assert step == pytest.approx((chart.right - chart.left) / 10 * 5, rel=0.01)
    assert chart.ticks[0][1] == "+0 min"


def test_a_long_timeline_groups_minutes_into_wider_bars() -> None:
    findings = [
        factories.finding(
            "noise", rule=f"n{i}", example=f"n{i}", first_seen=factories.T0 + timedelta(minutes=i * 10)
        )
        for i in range(150)
    ]
    chart = timeline_chart(factories.report(findings))
    assert chart is not None
    assert "per 10 minutes" in chart.caption
    assert all(chart.left <= b.x and b.x + b.width <= chart.right + 0.01 for b in chart.lanes[0].bars)


def test_html_without_timestamps_says_so() -> None:
    page = render(factories.report([factories.finding(first_seen=None, last_seen=None)]), "html")
    assert "no timeline" in page and "<svg" not in page


def test_html_is_self_contained() -> None:
    page = render(_example(), "html")
    assert not regex.search(r"<(?:link|img|iframe|object|embed)\b", page)
    assert not regex.search(r"\bsrc\s*=", page)


# ---------------------------------------------------------------- GitHub Actions


def _fail_report() -> Report:
    return factories.report(
        [factories.finding()], level="FAIL", reasons=["1 code regression: x 50%\nsecond line"]
    )


def test_annotations_for_fail_and_warn_only() -> None:
    lines = github_annotations(_fail_report())
    assert lines == [
        "::error title=logscan FAIL for billing-api-00631-xgf::1 code regression: x 50%25%0Asecond line"
    ]
    warn = replace(_fail_report(), verdict=replace(_fail_report().verdict, level="WARN"))
    assert github_annotations(warn)[0].startswith("::warning title=logscan WARN")
    assert github_annotations(replace(_fail_report(), verdict=replace(warn.verdict, level="PASS"))) == []


def test_step_summary_appends_markdown_and_prints_annotations(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    crash = FIXTURES / "scenarios" / "crash-loop-module-not-found.json"
    out = tmp_path / "report.json"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        cli, ["triage", str(crash), "--github-step-summary", "-o", str(out)]
    )
    assert result.exit_code == 1, result.output
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n<!-- logscan:")
    assert "### Verdict: FAIL" in written
    doc = json.loads(out.read_text(encoding="utf-8"))
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    prefix = f"::error title=logscan FAIL for {doc['revision']}::"
    assert errors == [prefix + reason["text"] for reason in doc["verdict"]["reasons"]]


def test_step_summary_outside_actions_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": ""}).invoke(
        cli, ["triage", EXAMPLE, "--github-step-summary", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "--github-step-summary: $GITHUB_STEP_SUMMARY is not set." in result.output
    assert not out.exists()


def _doc(report: Report) -> dict[str, Any]:
    return to_json(report)


def test_to_json_shows_what_it_is_given() -> None:
    """render() redacts; to_json alone is the plain model, so callers must go through render."""
    report = factories.report([factories.finding(example="POSTGRES_PASSWORD=mXxY9B4bZWOz648JJn")])
    assert "mXxY9B4bZWOz648JJn" in _doc(report)["findings"][0]["example"]
    assert "mXxY9B4bZWOz648JJn" not in render(report, "json")


def test_markdown_and_html_say_the_same_about_a_persisting_finding() -> None:
    crash = replace(
        factories.finding(), status="persisting", baseline_count=1200, count=4800, rate_growth=4.0
    )
    report = factories.report([crash])
    words = "persisting: 1,200 in the baseline, 4,800 now, rate ×4.0"
    assert words in render(report, "md")
    assert words in render(report, "html")


# ---------------------------------------------------------------- issue 12: what a new user hit


def _code_spans(markdown: str) -> list[str]:
    """The text of every inline code span GitHub would show, as a reader copies it."""
    spans = []
    for block in MarkdownIt("commonmark").parse(markdown):
        for token in block.children or ():
            if token.type == "code_inline":
                spans.append(token.content)
    return spans


def test_every_signature_of_a_report_round_trips_into_a_suppression(tmp_path: Path) -> None:
    """Item 7: a signature or rule id copied from the Markdown report matches in a suppression."""
    from logscan.verdict.policy.load import resolve_policy
    from logscan.verdict.policy.suppress import apply_suppressions

    access = factories.finding("noise", rule="http-5xx-access-line", key=None, example="GET /x 503")
    report = factories.report([*_example().findings, access], level="EXPECTED_CONFIG")
    report = replace(
        report,
        verdict=replace(
            report.verdict,
            reasons=(
                *_example().verdict.reasons,
                Reason(f"1 finding: {access.signature} x1", signatures=(access.signature,)),
            ),
        ),
    )
    markdown = render(report, "md")
    assert "\u200d" not in markdown
    spans = set(_code_spans(markdown))
    judged = [f for f in report.findings if f.klass != "noise"]
    assert judged
    for f in judged:
        assert f.signature in spans, f.signature
        assert f.rule in spans, f.rule
    policy_file = tmp_path / "logscan.toml"
    blocks = [
        f'[[suppressions]]\nsignature = "{sig}"\nreason = "r"\nowner = "o"\n'
        f'issue = "https://example.com/1"\nexpires = 2999-01-01\n'
        for sig in sorted(spans & {f.signature for f in report.findings})
    ]
    policy_file.write_text("[environments.staging]\n\n" + "\n".join(blocks), encoding="utf-8")
    policy, _ = resolve_policy(str(policy_file), "staging", None)
    findings, stale = apply_suppressions(report.findings, policy, factories.T0.date())
    assert stale == ()
    assert all(f.suppressed for f in findings if f.signature in spans)
    assert access.signature in spans


def test_rule_stub_ids_are_unique_in_a_report() -> None:
    """Item 9: three unclaimed templates that start with the same words get three rule ids."""
    from logscan.classify.classify import UNCLAIMED

    lines = [
        "WARNING netra backend app: cache miss for tenant 17",
        "WARNING netra backend app: slow query on invoices",
        "WARNING netra backend app: retrying upstream call",
    ]
    findings = [
        factories.finding("noise", rule=UNCLAIMED, example=line, template=line, count=3) for line in lines
    ]
    report = triage_report(findings)
    ids = [yaml.safe_load(t.rule_stub)["rules"][0]["id"] for t in report.templates]
    assert len(ids) == 3 and len(set(ids)) == 3, ids
    redacted = render(report, "md")
    for rule_id in ids:
        assert f"id: {rule_id}" in redacted


def triage_report(findings: list[Finding]) -> Report:
    from logscan.report.assemble import assemble
    from logscan.verdict.aggregate import Summary

    base = factories.report(findings, level="PASS")
    summary = Summary(
        findings=tuple(findings),
        counts=base.counts,
        evidence=Evidence(),
        window_start=None,
        window_end=None,
        service=base.service,
        revision=base.revision,
        timeline=(),
    )
    return assemble(summary, base.verdict, base.provenance)


def test_text_input_shows_instances_as_unknown() -> None:
    """Item 10: a finding from a paste has no instance ids: that is unknown, not 0 instances."""
    report = factories.report([factories.finding(instances=())])
    markdown = render(report, "md")
    assert "0 instances" not in markdown
    assert "instances unknown" in markdown


def test_comparison_heading_without_a_baseline_revision_and_counts_once(tmp_path: Path) -> None:
    """Item 10: no "Compared with `unknown revision`", and the new/persisting/gone line appears once."""
    target = FIXTURES / "baseline" / "invoices-api-00042-fol.json"
    base = tmp_path / "before.txt"
    base.write_text(
        "2025-03-01 09:00:01 KeyError: 'customer_id'\n2025-03-01 09:00:02 INFO started\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["triage", str(target), "--baseline", str(base)])
    assert result.exit_code in (0, 1, 3), result.output
    assert "unknown revision" not in result.stdout
    assert "### Compared with the baseline (`" in result.stdout
    assert len(regex.findall(r"\d+ new, \d+ persisting, \d+ gone", result.stdout)) == 1


def test_one_lost_entry_is_said_in_the_singular(tmp_path: Path) -> None:
    """Item 10: "1 entries lost" reads as a slip."""
    cut = tmp_path / "t.json"
    cut.write_bytes(Path(EXAMPLE).read_bytes()[:3000])
    markdown = render(triaged([open_source(str(cut))], Config(version="0.0.0-test")), "md")
    assert "1 entries" not in markdown
    assert "entries lost: the JSON array is cut off inside an entry: 1" in markdown


def test_evidence_counts_have_thousands_separators() -> None:
    """Item 10: 12,000 requests read as 12,000 in the evidence, as elsewhere in the report."""
    from logscan.verdict.decide import decide
    from logscan.verdict.policy.settings import builtin_policy

    from .test_baseline import summary

    s = summary(records=24_000)
    s = replace(s, evidence=Evidence(started=1_200, requests=12_000, requests_ok=11_000, requests_5xx=1_000))
    evidence = decide(s, builtin_policy("staging")).served.evidence
    assert "11,000 request(s) answered below 500" in evidence
    assert "1,000 request(s) failed with 5xx or no answer" in evidence
    assert "1,200 startup success signal(s) (probe succeeded or startup complete)" in evidence


def test_expected_config_gets_notice_annotations() -> None:
    """Item 10: under --github-step-summary an EXPECTED_CONFIG verdict is announced as ::notice::."""
    lines = github_annotations(_example())
    assert lines and all(line.startswith("::notice title=logscan EXPECTED_CONFIG for ") for line in lines)
    assert len(lines) == len(_example().verdict.reasons)


def test_a_crash_loop_of_seconds_is_drawn_per_second_with_the_first_failure_and_the_exit_marked() -> None:
    """Issue 12 item 17: a 13-second crash loop was one full-width bar per class; its order must show."""
    crash = triaged(
        [open_source(str(FIXTURES / "scenarios" / "crash-loop-module-not-found.json"))],
        Config(version="0.0.0-test"),
    )
    chart = timeline_chart(crash)
    assert chart is not None
    assert "per second" in chart.caption and chart.ticks[1][1].endswith(" s")
    platform = next(lane for lane in chart.lanes if lane.klass == "platform")
    assert len(platform.bars) >= 5  # each restart its own bar, in time order
    assert [b.x for b in platform.bars] == sorted(b.x for b in platform.bars)
    labels = [m.label for m in chart.marks]
    assert labels == ["first failure 09:14:04", "platform exit 09:14:04"]
    assert all(chart.left <= m.x <= chart.right for m in chart.marks)
    page = render(crash, "html")
    assert 'class="mark first-failure"' in page and "platform exit 09:14:04" in page


def test_seconds_only_for_a_window_of_ten_minutes_or_less(tmp_path: Path) -> None:
    """Issue 12 item 17: buckets adapt to the window: seconds for seconds, minutes for an hour."""
    lines = [
        "ValueError: invalid literal for int() with base 10: 'x'",
        "INFO:     Started server process [1]",
    ]
    short = factories.write_export(
        tmp_path / "short.json", [factories.log_entry(lines[i % 2], i * 0.7) for i in range(12)]
    )
    hour = factories.write_export(
        tmp_path / "hour.json", [factories.log_entry(lines[i % 2], i * 300.0) for i in range(13)]
    )
    quick = triaged([open_source(str(short))], Config(version="0.0.0-test"))
    slow = triaged([open_source(str(hour))], Config(version="0.0.0-test"))
    assert quick.timeline_seconds and not slow.timeline_seconds
    quick_chart, slow_chart = timeline_chart(quick), timeline_chart(slow)
    assert quick_chart is not None and "per second" in quick_chart.caption
    assert slow_chart is not None and "per minute" in slow_chart.caption
    assert slow_chart.ticks[1][1].endswith(" min")


def test_a_bigquery_report_says_what_the_engine_did_in_every_format() -> None:
    query = "WITH entries AS (SELECT insert_id FROM `p.global._Default._AllLogs`) SELECT * FROM entries"
    report = factories.report(
        provenance={
            "engine": "bigquery",
            "query": query,
            "bytes_processed": 2_468_000,
            "rows_downloaded": 1_234,
            "entries_counted": 5_678,
        }
    )
    line = (
        "classified in bigquery: 2,468,000 bytes processed, 1,234 entries downloaded, 5,678 counted in the "
        "query (the JSON report holds the query)"
    )
    assert line in render(report, "md")
    assert line in render(report, "html")
    doc = json.loads(render(report, "json"))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["provenance"]["query"] == query
    assert line not in render(factories.report(), "md")
