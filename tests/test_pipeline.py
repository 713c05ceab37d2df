"""pipeline.LiveFold: triage's stages fed batch by batch (logscan watch) reach triage's own answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from logscan.classify.library import load_library
from logscan.config import Config
from logscan.ingest.reader import events
from logscan.pipeline import LiveFold, summarize
from logscan.sources.files import open_source
from logscan.verdict.policy.settings import builtin_policy

from .factories import triaged

SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"
NAMES = ["crash-loop-module-not-found", "healthy", "missing-config-only"]


def _ascending(name: str, tmp_path: Path) -> tuple[list[dict[str, Any]], Path]:
    """The scenario's entries in the order a live read returns them (ascending time), and that export."""
    entries = sorted(json.loads((SCENARIOS / f"{name}.json").read_text()), key=lambda e: e["timestamp"])
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(entries))
    return entries, path


@pytest.mark.parametrize("batch", [1, 3, 10])
@pytest.mark.parametrize("name", NAMES)
def test_batches_reach_triages_findings_and_verdict(name: str, batch: int, tmp_path: Path) -> None:
    entries, path = _ascending(name, tmp_path)
    config = Config()
    library = load_library(None)
    policy = builtin_policy(config.env)
    fold = LiveFold("live", config, library, policy)
    for start in range(0, len(entries), batch):
        fold.feed(entries[start : start + batch])
    fold.feed([], flush=True)  # a quiet poll: nothing more is coming for now
    summary, verdict = fold.judge()
    report = triaged([open_source(str(path))], config, library=library, policy=policy)
    assert fold.entries == len(entries)
    assert verdict == report.verdict
    assert summary.counts == report.counts
    # the report folds a chain's links into its root's finding: compare with what triage's summary held
    with events([open_source(str(path))], config) as stream:
        whole = summarize(stream, library)
    assert sorted((f.signature, f.count) for f in summary.findings) == sorted(
        (f.signature, f.count) for f in whole.findings
    )
    listed = {f.signature for f in report.findings} | {
        link.signature for f in report.findings for link in f.context
    }
    assert {f.signature for f in summary.findings} <= listed


def test_the_newest_records_wait_for_the_next_batch_so_a_traceback_is_not_cut(tmp_path: Path) -> None:
    entries, _ = _ascending("crash-loop-module-not-found", tmp_path)
    first = next(i for i, e in enumerate(entries) if "Traceback" in str(e.get("textPayload", "")))
    fold = LiveFold("live", Config(), load_library(None), builtin_policy("staging"))
    fold.feed(entries[: first + 2])  # the traceback's first two lines only
    held, _ = fold.judge()
    assert not any(f.rule != "unclaimed" and f.klass == "regression" for f in held.findings)
    fold.feed(entries[first + 2 :], flush=True)
    summary, verdict = fold.judge()
    assert verdict.level == "FAIL"
    assert any(f.signature.startswith("module-not-found:") for f in summary.findings)
