"""The event stream carries its sources' skip tallies: known once its events are read, not asked of the sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logscan.classify.library import load_library
from logscan.config import Config
from logscan.ingest.reader import events
from logscan.ingest.stream import Skips
from logscan.pipeline import summarize
from logscan.sources.files import FileSource

STARTED = {"textPayload": "Starting gunicorn 21.2.0", "severity": "INFO", "timestamp": "2025-09-15T18:02:11Z"}
LISTENING = {
    "textPayload": "Listening at: http://0.0.0.0:8080 (1)",
    "severity": "INFO",
    "timestamp": "2025-09-15T18:02:12Z",
}


def _exports(tmp_path: Path) -> tuple[Path, Path]:
    damaged = tmp_path / "damaged.jsonl"
    cut = '{"textPayload": "Booting worker with pid: 7", "sev'  # a line cut off mid-write
    damaged.write_text(f"{json.dumps(STARTED)}\n{cut}\n{json.dumps(LISTENING)}\n", encoding="utf-8")
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps(LISTENING) + "\n", encoding="utf-8")
    return damaged, clean


def test_the_tallies_are_the_streams_once_every_event_is_read(tmp_path: Path) -> None:
    damaged, clean = _exports(tmp_path)
    with events([FileSource(str(damaged)), FileSource(str(clean))], Config()) as stream:
        assert stream.names == (str(damaged), str(clean))
        with pytest.raises(RuntimeError, match="only after every event was read"):
            _ = stream.skips
        assert len(list(stream)) == 3
    lost, kept = stream.skips
    assert (lost.source, lost.skipped, len(lost.reasons)) == (str(damaged), 1, 1)
    assert "not valid JSON" in lost.reasons[0]
    assert kept == Skips(str(clean), 0, ())
    assert stream.skipped == 1
    assert stream.skip_detail == (f"{damaged}: {lost.reasons[0]}",)


def test_a_stream_closed_early_has_no_tallies(tmp_path: Path) -> None:
    damaged, _ = _exports(tmp_path)
    with events([FileSource(str(damaged))], Config()) as stream:
        next(iter(stream))
    with pytest.raises(RuntimeError):
        _ = stream.skips  # a partial count would read as "nothing lost"


def test_summarize_counts_what_its_stream_skipped(tmp_path: Path) -> None:
    damaged, clean = _exports(tmp_path)
    with events([FileSource(str(damaged)), FileSource(str(clean))], Config()) as stream:
        summary = summarize(stream, load_library())
    assert (summary.counts.records, summary.counts.skipped) == (3, 1)
