"""Hostile log text in every field a report shows: in the Markdown nothing leaves its code block (checked
with a real CommonMark parser), in the HTML nothing runs or renders as markup (checked with html.parser).

The text comes through the real pipeline (log entries in a gcloud export) and, for the fields a log
cannot reach through the shipped rules (service, key, reasons, hints ...), through model builders.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import regex
from markdown_it import MarkdownIt
from markdown_it.token import Token

from logscan.config import Config
from logscan.model import Comparison, Report, Suppression
from logscan.report.render.formats import render
from logscan.resources import data_dir
from logscan.sources.files import open_source

from . import factories
from .factories import triaged

HOSTILE = (
    "@octocat please look, cc @acme/oncall and admin@example.com",
    "Fixes #123 and acme/billing#456, see GH-789 and acme/billing@a1b2c3d",
    "```\n# injected heading\n```\n````\n~~~\n<b>bold</b>",
    "</details></summary><details open><summary>pwned</summary>",
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="alert(1)"> <svg onload=alert(1)> <a href="javascript:alert(1)">x</a>',
    "[click me](javascript:alert(1)) ![pixel](https://evil.example/p.png) <https://evil.example>",
    "{{ 7*7 }} {% for x in range(3) %}{{ x }}{% endfor %} ${7*7} #{7*7}",
    "<!-- hidden --> &#64;octocat &lt;script&gt; &#x6a;avascript:alert(1)",
    "visit https://evil.example/phish or www.evil.example today",
    "| a | b |\n|---|---|\n| c | d |",
    "- [ ] task\n> quote\n# heading\n1. list\n---\n***bold*** ~~strike~~ \\`",
)
"""Hostile texts: each tries a different way out of a code block or into markup."""
MARKERS = (
    "@octocat",
    "@acme",
    "#123",
    "#456",
    "GH-789",
    "<script",
    "</details>",
    "<img",
    "<svg",
    "javascript:",
    "](",
    "![",
    "{{ 7*7 }}",
    "https://evil",
    "www.evil",
    "<!--",
    "&#64;",
    "<b>",
)
"""Pieces of the hostile texts that must never appear outside code in the Markdown."""
_CODE = {"fence", "code_inline", "code_block"}
_OWN_HTML = regex.compile(
    r"\A(?:<!-- logscan:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+ -->|<details><summary>[^<>]*</summary>|</details>)\Z"
)
_LINKABLE = regex.compile(r"@[A-Za-z0-9]|#\d|(?i:GH-\d)|(?i:https?://)|(?i:www\.)|(?i:javascript:)")


def _hostile_report(tmp_path: Path) -> Report:
    entries = [factories.log_entry(text, second=2 + i, severity="ERROR") for i, text in enumerate(HOSTILE)]
    source = factories.write_export(tmp_path / "hostile.json", entries)
    return triaged([open_source(str(source))], Config(version="0.0.0-test"))


def _hostile_model() -> Report:
    """Hostile text in every field a renderer shows, including those only rules, policy and sources fill."""
    evil = " ".join(HOSTILE)
    suppression = Suppression(
        rule=evil, signature=None, reason=evil, owner="@octocat", issue="javascript:alert(1)",
        expires=date(2030, 1, 1), where="logscan.toml:3 #12",
    )  # fmt: skip
    findings = [
        factories.finding("regression", rule=f"rule-{i}-</details>", key=text, hint=text, description=text,
                          example=text, template=text, severity="<b>ERROR</b>")
        for i, text in enumerate(HOSTILE)
    ]  # fmt: skip
    findings.append(factories.finding("deprecation-warning", rule="dep", key="@octocat/pkg#1", example=evil))
    findings.append(
        factories.finding("platform", rule="sup", example=evil, suppression=suppression, suppressed=True)
    )
    findings += [
        factories.finding("noise", rule=f"noise-{i}", example=t, template=t) for i, t in enumerate(HOSTILE)
    ]
    built = factories.report(
        findings,
        reasons=list(HOSTILE),
        service="@octocat <script>",
        revision="rev-#1 </details>",
        next_steps=HOSTILE,
        templates=tuple(factories.template(t) for t in HOSTILE[:5]),
        provenance={
            "filter": evil,
            "sources": HOSTILE[:3],
            "env": "@prod #1",
            "policy": evil,
            "logs_explorer_url": "javascript:alert(1)",
            "skipped_detail": HOSTILE[:2],
        },
        stale_suppressions=(suppression,),
    )
    comparison = Comparison(
        status="COMPARED", reason=evil, sources=HOSTILE[:2], service=evil, revision=evil, window_start=None,
        window_end=None, records=3, events=3, new=1, notes=HOSTILE, gone_findings=tuple(findings[:3]),
    )  # fmt: skip
    served = replace(built.verdict.served, evidence=HOSTILE)
    return replace(built, comparison=comparison, verdict=replace(built.verdict, served=served))


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Report]:
    return [_hostile_report(tmp_path_factory.mktemp("hostile")), _hostile_model()]


def _tokens(markdown: str) -> list[Token]:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    flat: list[Token] = []

    def walk(tokens: list[Token]) -> None:
        for token in tokens:
            flat.append(token)
            if token.children:
                walk(token.children)

    walk(parser.parse(markdown))
    return flat


def _outside_code(tokens: list[Token]) -> list[str]:
    return [
        t.content for t in tokens if t.type not in {*_CODE, "html_block"} and t.content and not t.children
    ]


@pytest.mark.parametrize("which", ["pipeline", "model"])
def test_markdown_makes_no_markup_link_or_mention_from_hostile_text(
    reports: list[Report], which: str
) -> None:
    report = reports[0 if which == "pipeline" else 1]
    tokens = _tokens(render(report, "md"))
    assert not [t.type for t in tokens if t.type in ("link_open", "image", "html_inline")]
    own_html = [t.content.strip() for t in tokens if t.type == "html_block"]
    assert [h for h in own_html if not _OWN_HTML.match(h)] == []
    for content in _outside_code(tokens):
        # GitHub links @user, #1, owner/repo#1, GH-1 and bare URLs in text nodes: none may be left
        assert not _LINKABLE.search(content), content


def test_markdown_shows_log_text_only_inside_code(reports: list[Report]) -> None:
    """Through the pipeline, log text reaches examples, templates and keys: all of it stays in code."""
    tokens = _tokens(render(reports[0], "md"))
    for content in _outside_code(tokens):
        assert [m for m in MARKERS if m in content] == [], content
    code = "\n".join(t.content for t in tokens if t.type in _CODE)
    for text in HOSTILE:
        assert text in code, text


def test_every_example_is_exactly_one_fenced_block(reports: list[Report]) -> None:
    report = reports[0]
    fences = [t.content for t in _tokens(render(report, "md")) if t.type == "fence"]
    shown = [f for f in report.findings if f.klass != "noise"]
    assert len(shown) == len(HOSTILE)
    for finding in shown:
        assert finding.example + "\n" in fences, finding.example


@pytest.mark.parametrize("which", ["pipeline", "model"])
def test_headings_come_only_from_the_template(reports: list[Report], which: str) -> None:
    tokens = _tokens(render(reports[0 if which == "pipeline" else 1], "md"))
    headings = [(tokens[i].tag, tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings
    for tag, inline in headings:
        assert tag in ("h2", "h3", "h4")
        words = " ".join(c.content for c in inline.children or [] if c.type == "text")
        assert "injected" not in words and "heading" not in words and "pwned" not in words, words


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.data: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.data).append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append(("!--", []))


_ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "section", "ul", "ol", "li", "p",
    "strong", "table", "tr", "th", "td", "code", "pre", "figure", "figcaption", "svg", "line", "text", "rect",
    "span", "label", "input", "article", "details", "summary", "footer", "br", "script", "a",
}  # fmt: skip


@pytest.mark.parametrize("which", ["pipeline", "model"])
def test_html_runs_nothing_from_the_log(reports: list[Report], which: str) -> None:
    report = reports[0 if which == "pipeline" else 1]
    page = _Page()
    page.feed(render(report, "html"))
    assert {tag for tag, _ in page.tags} <= _ALLOWED_TAGS
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert "javascript:" not in (value or "").lower(), (tag, name, value)
            if tag == "a" and name == "href":
                assert (value or "").startswith("https://console.cloud.google.com/")
    assert page.scripts == [(data_dir("reports") / "report.js").read_text(encoding="utf-8")]
    text = "".join(page.data)
    assert "<script>alert(document.cookie)</script>" in text  # shown as text
    assert "{{ 7*7 }}" in text  # not evaluated


def test_html_fetches_nothing_and_allows_only_its_own_script(reports: list[Report]) -> None:
    page = render(reports[1], "html")
    csp = regex.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    assert "default-src 'none'" in csp.group(1)
    assert "'unsafe-inline'" not in csp.group(1)
    assert not regex.search(r'(?:src|href)="(?!https://console\.cloud\.google\.com/)[a-z]+:', page)
    assert "@import" not in page and "url(" not in page


def test_json_keeps_hostile_text_exactly(reports: list[Report]) -> None:
    doc: dict[str, Any] = json.loads(render(reports[0], "json"))
    examples = {f["example"] for f in doc["findings"]}
    for text in HOSTILE:
        assert any(text in example for example in examples), text
