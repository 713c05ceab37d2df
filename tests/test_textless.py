"""ingest/textless.py: the reader process counts events with no text (request logs) instead of sending them,
and every summary and report stays what it is when each of them is sent and folded one by one."""

from __future__ import annotations

import json
import random
import shutil
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logscan import pipeline
from logscan.classify.classify import classify
from logscan.classify.library import Library, load_library
from logscan.cli import cli
from logscan.config import Config
from logscan.ingest import reader as front
from logscan.ingest import wire
from logscan.ingest.textless import FOLDED
from logscan.model import EventClass
from logscan.pipeline import summarize, summarize_subjects
from logscan.resources import data_dir
from logscan.sources.files import FileSource
from logscan.verdict.aggregate import Summary
from tests.factories import INSTANCE, REVISION, SERVICE, log_entry

OTHER_REVISION = "billing-api-00632-kmv"
INSTANCES = (INSTANCE, "00f46b9285" + "d" * 30, "00f46b9285" + "e" * 30)
_WORDS = ("alpha", "beta", "gamma", "delta")


@pytest.fixture
def reader_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the reader process take files of any size, on any machine."""
    monkeypatch.setattr(front, "OFFLOAD_MIN_BYTES", 0)
    monkeypatch.setattr(front, "cpus", lambda: 2)
    monkeypatch.setattr(front, "BATCH_EVENTS", 64)  # many messages even for a small file


def _request(rng: random.Random, second: float, revision: str, instance: str) -> dict[str, Any]:
    """A Cloud Run request log: httpRequest, no text; 5xx among them, latency on most, severity on most."""
    status = rng.choice((200, 200, 204, 302, 404, 500, 503, None))
    entry = log_entry("", second, stream="requests", revision=revision)
    del entry["textPayload"]
    entry["labels"] = {"instanceId": instance}
    http: dict[str, Any] = {
        "requestMethod": rng.choice(("GET", "POST")),
        "requestUrl": f"https://{SERVICE}-5x2kq7nbfa-ew.a.run.app/v1/invoices/{rng.randint(1, 900)}",
        "userAgent": "python-httpx/0.28.1",
    }
    if status is not None:
        http["status"] = status
    if rng.random() < 0.8:
        http["latency"] = f"{rng.randint(1, 4_000_000) / 1e6:.9f}s"
    entry["httpRequest"] = http
    if rng.random() < 0.8:  # Cloud Run sets it from the status; some exports lack it
        entry["severity"] = "ERROR" if (status or 0) >= 500 else "WARNING" if (status or 0) >= 400 else "INFO"
    return entry


def _entries(count: int = 900, seed: int = 3) -> list[dict[str, Any]]:
    """Request logs interleaved with app lines, access lines, errors and a traceback, on three instances of
    two revisions, within a few minutes (so the summary has a per-second timeline too)."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    second = 0.0
    while len(out) < count:
        second += rng.uniform(0.05, 0.4)
        revision = rng.choice((REVISION, REVISION, OTHER_REVISION))
        instance = rng.choice(INSTANCES)
        roll = rng.random()
        if roll < 0.45:
            entry = _request(rng, second, revision, instance)
        elif roll < 0.65:
            text = f"Payment batch {rng.choice(_WORDS)} settled for account {rng.choice(_WORDS)}"
            entry = log_entry(text, second, stream="stdout", revision=revision)
        elif roll < 0.85:
            path = f"/v1/invoices/{rng.randint(1, 900)}"
            text = f'INFO:     169.254.169.126:{rng.randint(30000, 60000)} - "GET {path} HTTP/1.1" 200'
            entry = log_entry(text, second, stream="stdout", revision=revision)
        elif roll < 0.95:
            text = f"Timed out talking to ledger-{rng.choice(_WORDS)}: deadline exceeded after 30s"
            entry = log_entry(text, second, severity="ERROR", revision=revision)
        else:
            lines = (
                "Traceback (most recent call last):",
                '  File "/app/billing/settle.py", line 88, in settle',
                "    ledger.post(batch)",
                "KeyError: 'LEDGER_URL'",
            )
            for i, line in enumerate(lines):
                out.append(log_entry(line, second + i * 0.001, severity="ERROR", revision=revision))
            continue
        entry["labels"] = {"instanceId": instance}
        out.append(entry)
    return out


def _textless(entries: list[dict[str, Any]]) -> int:
    return sum(1 for e in entries if "textPayload" not in e and "jsonPayload" not in e)


def _write(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def _summaries(path: Path, library: Library, jobs: int, fold: bool) -> tuple[list[Any], Summary, int | None]:
    with front.events([FileSource(str(path))], Config(jobs=jobs), fold=fold) as stream:
        subjects = summarize_subjects(stream, library)
    folded = stream.textless.entries if stream.textless is not None else None
    with front.events([FileSource(str(path))], Config(jobs=jobs), fold=fold) as stream:
        whole = summarize(stream, library)
    return subjects, whole, folded


@pytest.mark.usefixtures("reader_for_any_size")
def test_request_logs_are_counted_in_the_reader_and_the_summaries_stay_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _entries()
    path = _write(tmp_path / "export.jsonl", entries)
    library = load_library()
    plain, plain_whole, _ = _summaries(path, library, jobs=1, fold=False)
    rebuilt = 0
    rebuild = wire.unpack

    def counted(sent: wire.WireBatch) -> Any:
        nonlocal rebuilt
        events = rebuild(sent)
        rebuilt += sum(len(event.records) for event in events if event is not FOLDED)
        return events

    monkeypatch.setattr(wire, "unpack", counted)
    folded, folded_whole, n = _summaries(path, library, jobs=2, fold=True)
    assert folded == plain
    assert folded_whole == plain_whole
    # Every request log was counted in the reader; this process rebuilt only the other records (twice:
    # two runs) and one sample per group of labels and severity.
    assert n == _textless(entries) > 300
    groups = rebuilt - 2 * (len(entries) - n)
    assert 0 < groups <= 2 * 2 * 5  # per run: two revisions, at most five severities (DEFAULT included)
    # Not vacuous: two subjects, 5xx and OK requests, a per-second timeline, request logs of every severity.
    assert [s.revision for s, _ in plain] == [REVISION, OTHER_REVISION]
    evidence = plain_whole.evidence
    assert evidence.requests_5xx > 0 and evidence.requests_ok > 0
    assert any("status" not in e.get("httpRequest", {"status": 0}) for e in entries)  # one without a status
    assert {e.get("severity") for e in entries if "httpRequest" in e} == {None, "INFO", "WARNING", "ERROR"}
    assert plain_whole.timeline and plain_whole.timeline_seconds


@pytest.mark.usefixtures("reader_for_any_size")
def test_a_rule_that_claims_empty_text_classifies_every_folded_event_as_it_would_each(tmp_path: Path) -> None:
    """A rule may claim events with no text by severity (and signal a crash): the sample's answer is the
    answer of its whole group, with its class, evidence and the time of the first crash."""
    patterns = tmp_path / "patterns"
    shutil.copytree(data_dir("patterns"), patterns)
    (patterns / "05-silent.yaml").write_text(
        "rules:\n"
        "  - id: silent-server-error\n"
        "    class: platform\n"
        "    description: A request log at ERROR with no text (the instance failed the request).\n"
        "    hint: Look at the instance's logs around the request.\n"
        "    regex: '^$'\n"
        "    severity_at_least: ERROR\n"
        "    signals: [crashed]\n"
        "    examples:\n"
        "      match:\n"
        "        - {text: '', severity: ERROR}\n"
        "      no_match:\n"
        "        - {text: '', severity: INFO}\n",
        encoding="utf-8",
    )
    library = load_library(patterns)
    path = _write(tmp_path / "export.jsonl", _entries(seed=8))
    plain, plain_whole, _ = _summaries(path, library, jobs=1, fold=False)
    folded, folded_whole, n = _summaries(path, library, jobs=2, fold=True)
    assert folded == plain
    assert folded_whole == plain_whole
    assert n
    assert dict(plain_whole.counts.by_class)[EventClass.PLATFORM] > 10
    assert plain_whole.evidence.crashed > 10
    assert plain_whole.exited_at is not None


@pytest.mark.usefixtures("reader_for_any_size")
def test_a_folded_event_keeps_its_place_in_the_look_ahead_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template is read when its event leaves classify's look-ahead window, counted in events: with
    the request logs left out of the window, lines mined after would change earlier templates."""
    monkeypatch.setattr(pipeline, "classify", partial(classify, lookahead=2))
    second = 0.0
    entries = []
    for i in range(40):
        second += 0.3
        text = f"Payment batch {_WORDS[i % 4]} settled for account {_WORDS[i // 4 % 4]}"
        entries.append(log_entry(text, second, stream="stdout"))
        for _ in range(i % 4):
            second += 0.01
            entries.append(_request(random.Random(i), second, REVISION, INSTANCE))
    path = _write(tmp_path / "export.jsonl", entries)
    library = load_library()
    plain, plain_whole, _ = _summaries(path, library, jobs=1, fold=False)
    folded, folded_whole, n = _summaries(path, library, jobs=2, fold=True)
    assert n == _textless(entries)
    assert folded == plain
    assert folded_whole == plain_whole
    assert len({f.template for f in plain_whole.findings}) > 1  # the window made a difference to templates


@pytest.mark.usefixtures("reader_for_any_size")
def test_triage_reports_with_a_baseline_are_the_same_with_one_process_or_two(tmp_path: Path) -> None:
    path = _write(tmp_path / "export.jsonl", _entries(1500, seed=5))
    baseline = _write(tmp_path / "baseline.jsonl", _entries(600, seed=6))
    reports = []
    for jobs in ("1", "2"):
        args = ["triage", str(path), "--format", "json", "--jobs", jobs, "--baseline", str(baseline)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 1), result.stderr
        report = json.loads(result.stdout)
        for one in report.get("reports", [report]):
            one["provenance"].pop("generated_at")
        reports.append(report)
    assert reports[0] == reports[1]
    assert "failed with 5xx" in json.dumps(reports[0])  # the request evidence is in the report


def test_folded_crosses_the_pipe_as_its_position_and_inline_reading_folds_nothing(tmp_path: Path) -> None:
    sent = wire.pack([FOLDED])
    assert sent["folded"] == [0] and not sent["sizes"] and not sent["records"]["index"]
    assert wire.unpack(sent) == [FOLDED] and wire.unpack(sent)[0] is FOLDED
    path = _write(tmp_path / "export.jsonl", _entries(50))
    with front.events([FileSource(str(path))], Config(jobs=1), fold=True) as stream:
        assert FOLDED not in list(stream)
    assert stream.textless is None  # read inline, counting costs what it saves
