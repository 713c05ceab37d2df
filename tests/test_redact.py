"""Redaction: every detector's examples, the secret corpus through the real pipeline into md, html and json,
stable placeholders, pieces of secrets in derived fields, and the fail-closed scan of finished text."""

from __future__ import annotations

import html
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.errors import ReportError
from logscan.model import Report
from logscan.redaction.detectors import DETECTORS
from logscan.redaction.redact import PLACEHOLDER, placeholder, redact_text
from logscan.report.redact.redact import redact_report
from logscan.report.redact.scan import assert_clean, find_secrets
from logscan.report.render.formats import render
from logscan.sources.files import open_source

from . import factories
from .conftest import FIXTURES

CORPUS = yaml.safe_load((FIXTURES / "secrets" / "corpus.yaml").read_text(encoding="utf-8"))["entries"]
SECRETS = sorted({s for entry in CORPUS for s in entry["secrets"]})
_MD_UNESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")


def _payload(entry: dict[str, Any]) -> str:
    return entry["text"] if "text" in entry else yaml.safe_dump(entry["json"])


@pytest.mark.parametrize(
    ("kind", "line"), [(d.kind, m) for d in DETECTORS for m in d.matches], ids=lambda v: str(v)[:40]
)
def test_detector_finds_its_examples(kind: str, line: str) -> None:
    out = redact_text(line)
    assert f"[REDACTED:{kind}:" in out, out


@pytest.mark.parametrize(
    ("kind", "line"), [(d.kind, m) for d in DETECTORS for m in d.no_match], ids=lambda v: str(v)[:40]
)
def test_detector_leaves_its_no_match_examples(kind: str, line: str) -> None:
    assert redact_text(line) == line


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: f"{e['where']}:{e['secrets'][0][:12]}")
def test_corpus_line_loses_every_secret(entry: dict[str, Any]) -> None:
    out = redact_text(_payload(entry))
    for secret in entry["secrets"]:
        assert secret not in out
    assert PLACEHOLDER.search(out)


def test_equal_secrets_get_equal_placeholders_and_different_secrets_differ() -> None:
    a = redact_text("POSTGRES_PASSWORD=mXxY9B4bZWOz648JJn")
    b = redact_text("dsn postgresql://billing:mXxY9B4bZWOz648JJn@10.8.0.3/billing")
    c = redact_text("POSTGRES_PASSWORD=Ufd7UACNWiP3sFd67JikEA")
    ha, hb, hc = (PLACEHOLDER.search(x).group(0).rsplit(":", 1)[1] for x in (a, b, c))  # type: ignore[union-attr]
    assert ha == hb != hc
    assert placeholder("jwt", "x") == placeholder("jwt", "x") != placeholder("jwt", "y")


def test_redaction_keeps_the_text_around_the_secret() -> None:
    out = redact_text("engine url: postgresql+psycopg2://billing:mXxY9B4bZWOz648JJn@10.8.0.3:5432/billing")
    assert out.startswith("engine url: postgresql+psycopg2://billing:[REDACTED:url-password:")
    assert out.endswith("]@10.8.0.3:5432/billing")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    if is_dataclass(value) and not isinstance(value, type):
        return [s for f in fields(value) for s in _strings(getattr(value, f.name))]
    return []


def test_redact_report_reaches_every_text_field() -> None:
    secret = "sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAjT3BlbkFJIhKtJ0RlgLKOmxgJTeKd"
    text = f"key {secret}"
    f = factories.finding(
        example=text, template=text, key=secret, hint=text, description=text, signature=f"rule:{secret}"
    )
    built = factories.report(
        [f],
        reasons=[text],
        next_steps=(text,),
        service=text,
        revision=text,
        provenance={"filter": f'textPayload:"{secret}"', "sources": (text,), "skipped_detail": (text,)},
    )
    built = replace(built, templates=(factories.template(text),))
    assert any(secret in s for s in _strings(built))
    redacted = redact_report(built)
    survivors = [s for s in _strings(redacted) if secret in s]
    assert survivors == []
    assert isinstance(redacted, Report)


def test_pieces_of_a_secret_in_a_masked_template_are_redacted_too() -> None:
    token = "xoxb-505877065894-8113114402426-26R08qzjI6GKFSufrdZSlB5e"
    # masks cut the token apart in the template, so no detector sees it whole there
    f = factories.finding(
        klass="noise",
        rule="unclaimed",
        example=f"posting with {token}",
        template="posting with xoxb<NUM>-<NUM>-26R08qzjI6GKFSufrdZSlB5e",
    )
    redacted = redact_report(factories.report([f], level="PASS"))
    assert "26R08qzjI6GKFSufrdZSlB5e" not in redacted.findings[0].template
    marker = PLACEHOLDER.search(redacted.findings[0].example)
    assert marker is not None and marker.group(0) in redacted.findings[0].template


def _readings(text: str) -> list[str]:
    return [text, html.unescape(text), _MD_UNESCAPE.sub(r"\1", text).replace("\u200d", "")]


@pytest.fixture(scope="module")
def corpus_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    entries = [
        factories.log_entry(
            entry["text"] if "text" in entry else entry["json"],
            second=3 + i * 7,
            stream=entry["stream"],
            severity=entry.get("severity"),
        )
        for i, entry in enumerate(CORPUS)
    ]
    path = factories.write_export(tmp_path_factory.mktemp("secrets") / "logs.json", entries)
    return factories.triaged([open_source(str(path))], Config(version="0.0.0-test"))


def test_the_unredacted_corpus_report_really_holds_the_secrets(corpus_report: Report) -> None:
    """Guards the test below: the secrets do reach the report's examples before redaction."""
    raw = render(factories.unredacted(corpus_report), "json")
    missing = [s for s in SECRETS if s not in raw and s.replace("/", "\\/") not in raw]
    assert missing == []
    assert find_secrets(raw)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_no_secret_survives_in_any_format(corpus_report: Report, fmt: str) -> None:
    text = render(corpus_report, fmt)
    for reading in _readings(text):
        found = [s for s in SECRETS if s in reading]
        assert found == [], f"{fmt}: {found}"
        # nor a long piece of one (a template cut apart by masks, a stub's escaped regex)
        pieces = {m for s in SECRETS if len(s) >= 16 for m in regex.findall(r"[A-Za-z0-9]{12,}", s)}
        assert [p for p in pieces if p in reading] == []
    assert PLACEHOLDER.search(text)


def test_no_secret_survives_in_any_field_of_the_redacted_report(corpus_report: Report) -> None:
    redacted = redact_report(corpus_report)
    leaks = [(s[:20], v[:60]) for v in _strings(redacted) for s in SECRETS if s in v]
    assert leaks == []


def test_the_fail_closed_scan_catches_every_corpus_line() -> None:
    for entry in CORPUS:
        with pytest.raises(ReportError, match="nothing was written"):
            assert_clean(_payload(entry), "md report")


def test_the_fail_closed_scan_sees_through_escaping() -> None:
    key = "sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAjT3BlbkFJIhKtJ0RlgLKOmxgJTeKd"
    assert find_secrets(key.replace("-", "&#45;"))  # HTML entities
    assert find_secrets(key.replace("-", "\\-"))  # Markdown escapes
    assert find_secrets('password=\\"mXxY9B4bZWOz648JJn\\"')  # JSON string escapes
    assert find_secrets("[REDACTED:openai-key:3f9a1c] and password=[REDACTED:secret-value:0a1b2c]") == []


def test_the_error_names_the_leak_without_repeating_it() -> None:
    with pytest.raises(ReportError) as caught:
        assert_clean(
            "ok\nexport OPENAI_API_KEY=sk-NnFRIBXuDL7DxtpYlSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJ", "md report"
        )
    assert "openai-key on line 2" in str(caught.value)
    assert "NnFRIB" not in str(caught.value)


def _export_with(tmp_path: Path, text: str) -> Path:
    return factories.write_export(tmp_path / "logs.json", [factories.log_entry(text, 2, severity="ERROR")])


def test_an_entity_encoded_key_is_redacted_not_refused(tmp_path: Path) -> None:
    # an entity-encoded key is a key once a browser or GitHub decodes it: redaction decodes it as the scan does
    key = "sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAjT3BlbkFJIhKtJ0RlgLKOmxgJTeKd"
    source = _export_with(tmp_path, "openai rejected " + key.replace("-", "&#45;"))
    out = tmp_path / "report.md"
    result = CliRunner().invoke(cli, ["triage", str(source), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert "[REDACTED:openai-key:" in out.read_text(encoding="utf-8")


def test_cli_fails_closed_and_writes_nothing_when_a_secret_slips_past_redaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("logscan.report.render.formats.redact_report", lambda report: report)
    source = _export_with(tmp_path, "openai rejected sk-NnFRIBXuDL7DxtpYlSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJ")
    out = tmp_path / "report.md"
    result = CliRunner().invoke(cli, ["triage", str(source), "-o", str(out)])
    assert result.exit_code == 2
    assert "shaped like a secret (openai-key" in result.output
    assert not out.exists()


def test_no_redact_keeps_secrets_and_says_so_at_the_top(tmp_path: Path) -> None:
    source = _export_with(tmp_path, "POSTGRES_PASSWORD=mXxY9B4bZWOz648JJn")
    for suffix in ("md", "json", "html"):
        out = tmp_path / f"report.{suffix}"
        result = CliRunner().invoke(cli, ["triage", str(source), "--no-redact", "-o", str(out)])
        assert result.exit_code in (0, 1), result.output
        text = out.read_text(encoding="utf-8")
        assert "mXxY9B4bZWOz648JJn" in text
        first_content = {"md": "## logscan", "html": "<h1", "json": '"service"'}[suffix]
        assert "--no-redact" in text
        assert -1 < text.find("Not redacted") < text.index(first_content)
        redacted = tmp_path / f"redacted.{suffix}"
        CliRunner().invoke(cli, ["triage", str(source), "-o", str(redacted)])
        assert "mXxY9B4bZWOz648JJn" not in redacted.read_text(encoding="utf-8")
        assert "Not redacted" not in redacted.read_text(encoding="utf-8")


def _texts() -> list[str]:
    examples = [line for d in DETECTORS for line in (*d.matches, *d.no_match)]
    return examples + [_payload(entry) for entry in CORPUS]


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.kind)
def test_a_detector_matches_only_where_its_anchor_is(detector: Any) -> None:
    """The quick filter is built from the anchors, so an anchor must be in every text its regex matches."""
    for text in _texts():
        if detector.pattern.search(text):
            assert detector.anchor.search(text), text[:80]


def test_a_node_object_print_is_redacted_in_every_format_not_refused() -> None:
    line = "connecting with { user: 'alice', password: 'Xk9#mQ2vLp7w', host: '10.8.0.3' }"
    out = redact_text(line)
    assert "Xk9#mQ2vLp7w" not in out and "password: '[REDACTED:secret-value:" in out
    report = factories.report([factories.finding(example=line, template=line)])
    for fmt in ("md", "html", "json"):
        assert "Xk9#mQ2vLp7w" not in render(report, fmt)


@pytest.mark.parametrize(
    "shown",
    [
        "<code>Authorization: Bearer &lt;*&gt;</code></td>",
        "<pre>{'Authorization': 'Bearer [REDACTED:bearer-token:0a1b2c]'}</pre>",
        "<code>Proxy-Authorization: Basic &lt;*&gt;</code>",
    ],
)
def test_the_html_scan_reads_the_shown_text_and_never_flags_a_placeholder(shown: str) -> None:
    assert find_secrets(f"<html><body><table><tr><td>{shown}</tr></table></body></html>", "html") == []


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('body: {\\"user\\":\\"bob\\",\\"password\\":\\"Hx72kq9Zr4\\"}', "Hx72kq9Zr4"),
        ("{&quot;password&quot;: &quot;Qw3rtyZx9Lm&quot;}", "Qw3rtyZx9Lm"),
        ("token ghp_4fQ9x2LmN8vB6c\u200bD0eF1gH3jK5lP7rS9tUaZ1", "D0eF1gH3jK5lP7rS9tUaZ1"),
        ("/cb%3Faccess_token%3DEAABx9Lq2mN8vB6cD0eF1gH3%26x%3D1", "EAABx9Lq2mN8vB6cD0eF1gH3"),
        ("dsn=postgres%3A%2F%2Fu%3Ax9Lq2mN8vB6c%40db%3A5432", "x9Lq2mN8vB6c"),
        ("h=Authorization%3A%20Bearer%20x9Lq2mN8vB6cD0eF1gH3", "x9Lq2mN8vB6cD0eF1gH3"),
    ],
    ids=["escaped-json", "html-entities", "zero-width", "percent-query", "percent-url", "percent-header"],
)
def test_redaction_decodes_what_the_scan_decodes(line: str, secret: str) -> None:
    assert find_secrets(line)  # the scan sees it
    out = redact_text(line)
    assert secret not in out and PLACEHOLDER.search(out)
    assert find_secrets(out) == []


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_service_named_auth_and_the_code_that_reads_a_secret_are_no_secrets(
    tmp_path: Path, fmt: str
) -> None:
    # Found while building the root-cause scenarios: the Markdown report of a service called auth-service was
    # refused (its marker looked like a high-entropy value after "auth"), and the traceback line that read the
    # missing setting lost the setting's name (os.environ[...] taken for a secret value).
    labels = '{"service_name": "auth-service", "revision_name": "auth-service-00012-abc", "location": "us-central1"}'
    crash = (
        'Traceback (most recent call last):\\n  File \\"/app/main.py\\", line 3, in <module>\\n'
        "    SECRET = os.environ[\\\"JWT_SECRET_KEY\\\"]\\nKeyError: 'JWT_SECRET_KEY'"
    )
    export = tmp_path / "auth.jsonl"
    export.write_text(
        '{"insertId": "a1", "timestamp": "2025-09-15T18:00:00Z", "severity": "ERROR", '
        '"logName": "projects/p/logs/run.googleapis.com%2Fstderr", '
        f'"resource": {{"type": "cloud_run_revision", "labels": {labels}}}, "textPayload": "{crash}"}}\n',
        encoding="utf-8",
    )
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["triage", str(export), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "auth-service-00012-abc" in text
    assert (
        'os.environ[\\"JWT_SECRET_KEY\\"]' in text
        if fmt == "json"
        else 'os.environ["JWT_SECRET_KEY"]' in html.unescape(text)
    )
    assert "REDACTED" not in text


_COMPILED_AFTER = """
import sys
from logscan.report.render import formats  # what a report's run imports: the scan, the detectors
from logscan.redaction.detectors import DETECTORS
from logscan.redaction.redact import redact_text

def compiled():
    return sorted(d.kind for d in DETECTORS if "pattern" in vars(d) or "anchor" in vars(d))

print(compiled())
print(redact_text(sys.argv[1]))
print(sorted(d.kind for d in DETECTORS if "pattern" in vars(d)))
"""


def test_a_detector_compiles_its_pattern_only_when_its_anchor_first_matches(tmp_path: Path) -> None:
    """Compiling all 37 at import cost every run ~18 ms; a run compiles the patterns its texts' anchors call for."""
    import subprocess
    import sys

    from .conftest import REPO

    text = "db connect failed: POSTGRES_PASSWORD=hunter2hunter2"
    out = subprocess.run(
        [sys.executable, "-c", _COMPILED_AFTER, text],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO)},
        cwd=tmp_path,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "[]"  # nothing compiled at import
    assert out[1] == redact_text(text) != text
    anchored = sorted(d.kind for d in DETECTORS if regex.search(d.anchor_source, text, regex.V0))
    assert out[2] == repr(anchored) and "secret-value" in anchored and len(anchored) < 6
