"""The secret corpus (tests/fixtures/secrets/*.yaml) through the real pipeline into every output that shows log
text: Markdown, HTML and JSON reports and `classify --format jsonl`. Counted: zero leaks and zero refusals."""

from __future__ import annotations

import html
import urllib.parse
from pathlib import Path
from typing import Any

import orjson
import pytest
import regex
import yaml
from click.testing import CliRunner, Result

from logscan.cli import cli

from . import factories
from .conftest import FIXTURES

FILES = ("corpus.yaml", "shapes.yaml")
CORPUS: list[dict[str, Any]] = [
    entry
    for name in FILES
    for entry in yaml.safe_load((FIXTURES / "secrets" / name).read_text(encoding="utf-8"))["entries"]
]
SECRETS = sorted({s for entry in CORPUS for s in entry["secrets"]})
_MD_UNESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")
_RUN = regex.compile(r"[A-Za-z0-9]{8,}")


def readings(text: str) -> list[str]:
    """Every way a reader could decode the output: as written, HTML-decoded, Markdown-unescaped, JSON-unescaped,
    percent-decoded, without zero-width characters."""
    plain = _MD_UNESCAPE.sub(r"\1", text)
    out = [text, html.unescape(text), plain, html.unescape(plain)]
    out += [r.replace('\\"', '"').replace("\\\\", "\\") for r in list(out)]
    out += [urllib.parse.unquote(r) for r in list(out)]
    return [r.replace("\u200b", "").replace("\u200d", "") for r in out]


def leaked(text: str) -> list[str]:
    """The corpus secrets, or runs of 8+ letters and digits cut from them, that some reading of text shows."""
    found = []
    views = readings(text)
    for secret in SECRETS:
        pieces = {secret, *_RUN.findall(secret)}
        if any(p in view for p in pieces for view in views):
            found.append(secret)
    return found


def _export(path: Path) -> Path:
    entries = [
        factories.log_entry(
            entry["text"] if "text" in entry else entry["json"],
            second=3 + i * 7,
            stream=entry["stream"],
            severity=entry.get("severity"),
        )
        for i, entry in enumerate(CORPUS)
    ]
    return factories.write_export(path / "logs.json", entries)


def _triage(export: Path, fmt: str, *extra: str) -> Result:
    """The report on standard output, through the command line as a user runs it."""
    return CliRunner().invoke(cli, ["triage", str(export), "--format", fmt, *extra])


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("corpus"))


def test_every_secret_reaches_the_unredacted_outputs(export: Path) -> None:
    """Guards the count below: without redaction every secret shows in classify's output, and all but those
    in events that share a template with an earlier one (a finding keeps one example) show in the report."""
    in_report = leaked(_triage(export, "json", "--no-redact").stdout)
    assert len(in_report) >= len(SECRETS) - 10
    out = CliRunner().invoke(cli, ["classify", "--no-redact", str(export)]).output
    assert [s for s in SECRETS if s not in leaked(out)] == []


def test_the_corpus_leaks_nothing_and_is_refused_nowhere(export: Path) -> None:
    leaks: dict[str, list[str]] = {}
    refusals: dict[str, str] = {}
    for fmt in ("md", "html", "json"):
        report = _triage(export, fmt)
        if report.exit_code in (0, 1):
            leaks[fmt] = leaked(report.stdout)
        else:
            refusals[fmt] = report.output
    result = CliRunner().invoke(cli, ["classify", str(export)])
    if result.exit_code:
        refusals["jsonl"] = result.output
    else:
        leaks["jsonl"] = leaked(result.output)
        assert len(result.output.splitlines()) >= len(CORPUS) - 5
    assert refusals == {}
    assert {fmt: found for fmt, found in leaks.items() if found} == {}
    assert len(CORPUS) >= 80 and len(SECRETS) >= 110  # the size the closing note quotes


def test_classify_jsonl_redacts_by_default_and_no_redact_keeps_the_text(tmp_path: Path) -> None:
    source = factories.write_export(
        tmp_path / "logs.json",
        [factories.log_entry("db connect failed: POSTGRES_PASSWORD=mXxY9B4bZWOz648JJn", 2, severity="ERROR")],
    )
    redacted = CliRunner().invoke(cli, ["classify", str(source)])
    row = orjson.loads(redacted.output.splitlines()[0])
    assert "mXxY9B4bZWOz648JJn" not in redacted.output
    assert row["text"].startswith("db connect failed: POSTGRES_PASSWORD=[REDACTED:secret-value:")
    kept = CliRunner().invoke(cli, ["classify", "--no-redact", str(source)])
    assert orjson.loads(kept.output.splitlines()[0])["text"].endswith("=mXxY9B4bZWOz648JJn")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_a_token_straddling_the_example_cut_leaves_no_piece(tmp_path: Path, fmt: str) -> None:
    token = "ghp_wXoIIXGvOoNZYW2mZp0zVZomHFwUbbYrEqmS"
    password = "Vq7#xR2mLp9!sT4wKz8e"
    # the example is cut at 4,000 characters: 24 of the token's before the cut
    text = "worker crashed " + "a" * 3960 + " " + token + " then more"
    # a payload with no message is shown as JSON cut at 2,000: 15 of the password's before the cut
    payload = {"note": "x" * 1962, "password": password, "user": "orders"}
    source = factories.write_export(
        tmp_path / "logs.json",
        [factories.log_entry(text, 2, severity="ERROR"), factories.log_entry(payload, 9, severity="ERROR")],
    )
    out = _triage(source, fmt).stdout
    views = readings(out)
    assert not any(token[:12] in v or password[:8] in v for v in views)
