"""logscan.notebook.frame: a JSON report, classify's JSONL and classified events load into the same columns."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.config import Config
from logscan.errors import InputError
from logscan.notebook.frame import COLUMNS, load_run, load_timeline
from logscan.pipeline import classify_stream
from logscan.report.render.formats import render
from logscan.resources import data_dir
from logscan.sources.files import open_source

from . import factories

EXAMPLE = str(data_dir("examples") / "staging-missing-config.json")


def _report_file(tmp_path: Path) -> tuple[Path, object]:
    findings = [
        factories.finding("regression", rule="a", example="A", count=3, first_seen=factories.T0),
        factories.finding(
            "noise", rule="b", example="B", count=5, first_seen=factories.T0 + timedelta(minutes=3)
        ),
    ]
    report = factories.report(findings)
    path = tmp_path / "report.json"
    path.write_text(render(report, "json"), encoding="utf-8")
    return path, report


def test_a_report_loads_one_row_per_finding(tmp_path: Path) -> None:
    path, _ = _report_file(tmp_path)
    frame = load_run(path)
    assert list(frame.columns) == list(COLUMNS)
    assert frame["rule"].tolist() == ["a", "b"] and frame["count"].tolist() == [3, 5]
    assert frame["first_seen"].iloc[0] == pd.Timestamp(factories.T0)


def test_the_timeline_has_every_minute_and_every_class(tmp_path: Path) -> None:
    path, _ = _report_file(tmp_path)
    timeline = load_timeline(path)
    assert len(timeline) == 4  # 18:02 to 18:05, the empty minutes filled with 0
    assert timeline["regression"].tolist() == [3, 0, 0, 0]
    assert timeline["noise"].tolist() == [0, 0, 0, 5]
    assert str(timeline.index.tz) == "UTC"


def test_events_load_the_same_columns_from_the_pipeline_and_from_classify_jsonl(tmp_path: Path) -> None:
    from_pipeline = load_run(classify_stream([open_source(EXAMPLE)], Config()))
    result = CliRunner().invoke(cli, ["classify", EXAMPLE, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text(result.output, encoding="utf-8")
    from_cli = load_run(jsonl)
    assert list(from_cli.columns) == list(COLUMNS)
    assert (from_cli["count"] == 1).all()
    pd.testing.assert_series_equal(from_cli["class"], from_pipeline["class"])
    pd.testing.assert_series_equal(from_cli["first_seen"], from_pipeline["first_seen"])


def test_what_is_not_a_report_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_run(tmp_path / "missing.json")
    bad = tmp_path / "logs.json"
    bad.write_text(json.dumps([{"textPayload": "x"}]), encoding="utf-8")
    with pytest.raises(InputError, match="no logscan JSON report"):
        load_run(bad)
