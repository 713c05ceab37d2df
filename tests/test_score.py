"""The scoring harness: joining labels to classified records, the figures, and the score command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.errors import InputError
from logscan.score.match import UNMATCHED, Label, Outcome, Prediction, load_labels, match_labels
from logscan.score.metrics import score_outcomes
from logscan.score.run import score_corpus
from logscan.score.table import format_table

TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/app/main.py", line 4, in <module>',
    "    from app.settings import settings",
    '  File "/app/app/settings.py", line 12, in <module>',
    '    DATABASE_URL = os.environ["DATABASE_URL"]',
    '  File "/usr/local/lib/python3.12/os.py", line 714, in __getitem__',
    "    raise KeyError(key) from None",
    "KeyError: 'DATABASE_URL'",
]


def _entry(insert_id: str, text: str, severity: str | None = None, log: str = "stderr") -> dict[str, object]:
    entry: dict[str, object] = {
        "insertId": insert_id,
        "logName": f"projects/shop-staging/logs/run.googleapis.com%2F{log}",
        "resource": {
            "type": "cloud_run_revision",
            "labels": {
                "service_name": "orders",
                "revision_name": "orders-00042-kuz",
                "location": "europe-west1",
            },
        },
        "textPayload": text,
        "timestamp": "2025-06-03T08:14:02.114523Z",
    }
    if severity:
        entry["severity"] = severity
    return entry


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small labelled corpus: a gcloud JSON export and a pasted text file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    export = [
        _entry("6840a1f2000a1b2c3d4e5f60", "Container called exit(1).", "ERROR", "varlog%2Fsystem"),
        _entry(
            "6840a1f2000a1b2c3d4e5f61", "[2025-06-03 08:14:01 +0000] [7] [INFO] Booting worker with pid: 7"
        ),
        _entry(
            "6840a1f2000a1b2c3d4e5f62",
            "Starting new instance. Reason: AUTOSCALING - Instance started due to configured scaling factors.",
            "INFO",
            "varlog%2Fsystem",
        ),
        _entry("6840a1f2000a1b2c3d4e5f63", "\x1b[31mERROR\x1b[0m worker crashed: ValueError: bad page size"),
    ]
    (raw / "orders_export.json").write_text(json.dumps(export), encoding="utf-8")
    (raw / "pasted.txt").write_text(
        "\n".join(["INFO:     Waiting for application startup.", *TRACEBACK]) + "\n"
    )
    labels = [
        {
            "source": "orders_export.json",
            "insertId": "6840a1f2000a1b2c3d4e5f60",
            "text": "Container called exit(1).",
            "label": "platform",
            "detail": "failure: non-zero exit",
        },
        {
            "source": "orders_export.json",
            "insertId": "6840a1f2000a1b2c3d4e5f61",
            "text": "[2025-06-03 08:14:01 +0000] [7] [INFO] Booting worker with pid: 7",
            "label": "noise",
            "detail": "routine",
        },
        {
            "source": "orders_export.json",
            "insertId": "6840a1f2000a1b2c3d4e5f62",
            "text": "Starting new instance. Reason: AUTOSCALING - Instance started due to configured scaling factors.",
            "label": "platform",
            "detail": "routine: instance start",
        },
        {
            "source": "orders_export.json",
            "text": "ERROR worker crashed: ValueError: bad page size",
            "label": "regression",
            "detail": "exception logged",
        },
        {
            "source": "pasted.txt",
            "text": "\n".join(TRACEBACK),
            "label": "expected-config",
            "detail": "KeyError env",
        },
        {
            "source": "pasted.txt",
            "text": "INFO:     Waiting for application startup.",
            "label": "noise",
            "detail": "routine",
        },
    ]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(x) for x in labels) + "\n", encoding="utf-8")
    return tmp_path


def test_score_corpus_joins_by_insert_id_and_by_text(corpus: Path) -> None:
    result = score_corpus(corpus / "labels.jsonl", corpus / "raw")
    by_line = {o.label.line: o for o in result.outcomes}
    assert [by_line[n].how for n in range(1, 7)] == [
        "insertId",
        "insertId",
        "insertId",
        "text",
        "text",
        "text",
    ]
    assert by_line[1].predicted == "platform"
    # a routine platform line called noise counts as correct
    assert by_line[3].predicted == "noise" and by_line[3].correct
    assert by_line[4].predicted == "regression"  # label text without ANSI codes still joins
    assert by_line[5].records == len(TRACEBACK)
    assert by_line[5].predicted == "expected-config"  # most severe of the traceback's records wins
    assert result.macro_f1 == 1.0
    assert not result.errors and not result.failures_called_noise and result.meets_targets()


def test_missing_raw_file_leaves_its_labels_unmatched_and_counted(corpus: Path) -> None:
    (corpus / "raw" / "pasted.txt").unlink()
    result = score_corpus(corpus / "labels.jsonl", corpus / "raw")
    assert [o.label.line for o in result.unmatched] == [5, 6]
    config = next(c for c in result.classes if c.klass == "expected-config")
    assert (config.support, config.recall) == (1, 0.0)
    assert not result.meets_targets()
    assert dict(dict(result.confusion)["noise"])[UNMATCHED] == 1


def test_text_that_is_not_in_the_file_is_unmatched(corpus: Path) -> None:
    extra = {
        "source": "pasted.txt",
        "text": "KeyError: 'REDIS_URL'",
        "label": "expected-config",
        "detail": "x",
    }
    with (corpus / "labels.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(extra) + "\n")
    result = score_corpus(corpus / "labels.jsonl", corpus / "raw")
    assert [o.label.text for o in result.unmatched] == ["KeyError: 'REDIS_URL'"]


def _label(line: int, label: str, detail: str = "", text: str = "x") -> Label:
    return Label(line=line, source="s", text=text, label=label, detail=detail)


def test_multi_record_label_takes_most_severe_class_in_documented_order() -> None:
    records = [
        Prediction("Traceback (most recent call last):", "regression", "fallback-traceback", None),
        Prediction(
            "/app/x.py:3: DeprecationWarning: old", "deprecation-warning", "python-deprecation-warning", None
        ),
        Prediction("Container called exit(1).", "platform", "container-exit-nonzero", None),
        Prediction("plain", "noise", "unclaimed", None),
    ]
    text = "\n".join(r.text for r in records)
    [outcome] = match_labels([_label(1, "platform", "failure: x", text)], {"s": records})
    assert (outcome.predicted, outcome.rule, outcome.records) == ("platform", "container-exit-nonzero", 4)
    [outcome] = match_labels(
        [_label(1, "regression", text="\n".join(r.text for r in records[:2]))], {"s": records}
    )
    assert outcome.predicted == "regression"


def test_figures_by_hand() -> None:
    # regression: 2 labels, 1 right, 1 called noise; noise: 2 labels, both right, plus the wrong one
    outcomes = [
        Outcome(_label(1, "regression"), "regression", "r", 1, "text"),
        Outcome(_label(2, "regression"), "noise", "unclaimed", 1, "text"),
        Outcome(_label(3, "noise"), "noise", "unclaimed", 1, "text"),
        Outcome(_label(4, "noise"), "noise", "unclaimed", 1, "text"),
        Outcome(_label(5, "platform", "failure: oom"), "noise", "unclaimed", 1, "text"),
        Outcome(_label(6, "platform", "routine: start"), "noise", "instance-starting", 1, "text"),
    ]
    result = score_outcomes(outcomes)
    got = {c.klass: c for c in result.classes}
    assert (got["regression"].precision, got["regression"].recall) == (1.0, 0.5)
    assert got["regression"].f1 == pytest.approx(2 / 3)
    assert (got["noise"].precision, got["noise"].recall) == (0.5, 1.0)  # 2 right of 4 predicted noise
    assert (got["platform"].precision, got["platform"].recall, got["platform"].predicted) == (1.0, 0.5, 1)
    # classes with neither labels nor predictions do not count towards the mean
    assert result.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 2 / 3) / 3)
    assert [o.label.line for o in result.failures_called_noise] == [2, 5]
    table = format_table(result)
    assert "failures called noise: 2" in table and "labels:5 s: platform -> noise" in table


def test_load_labels_names_the_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"source": "a", "text": "t", "label": "noise"}\n{not json\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"labels\.jsonl:2: is not a JSON object"):
        load_labels(path)
    path.write_text('{"source": "a", "text": "t", "label": "bug"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"labels\.jsonl:1: label 'bug' is not one of"):
        load_labels(path)


def test_score_command_exit_codes_and_json(corpus: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["score", str(corpus / "labels.jsonl"), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["macro_f1"] == 1.0
    (corpus / "raw" / "pasted.txt").unlink()
    missed = runner.invoke(cli, ["score", str(corpus / "labels.jsonl"), "--raw", str(corpus / "raw")])
    assert missed.exit_code == 1
    assert "unmatched labels: 2" in missed.output
    bad = runner.invoke(cli, ["score", str(corpus / "nope.jsonl")])
    assert bad.exit_code == 2
    assert "nope.jsonl: cannot be read" in bad.output


def test_insert_id_label_spans_a_traceback_split_over_entries() -> None:
    lines = [
        "Traceback (most recent call last):",
        '  File "/app/main.py", line 3, in <module>',
        "KeyError: 'REDIS_URL'",
    ]
    records = [
        Prediction(lines[0], "regression", "fallback-traceback", "id-1"),
        Prediction(lines[1], "noise", "unclaimed", "id-2"),
        Prediction(lines[2], "expected-config", "keyerror-setting-name", "id-3"),
        Prediction("INFO:     Shutting down", "noise", "explicit-low-level", "id-4"),
    ]
    label = Label(
        line=1, source="s", text="\n".join(lines), label="expected-config", detail="", insert_id="id-1"
    )
    [outcome] = match_labels([label], {"s": records})
    assert (outcome.how, outcome.records, outcome.predicted) == ("insertId", 3, "expected-config")


def test_label_quoting_a_paste_prefix_joins_records_whose_clean_text_dropped_it() -> None:
    raw = ["server_1    | Exiting", "server_1    | <main>: Missing `secret_key_base` (ArgumentError)"]
    records = [
        Prediction("Exiting", "noise", "unclaimed", None, raw[0]),
        Prediction(
            "<main>: Missing `secret_key_base` (ArgumentError)", "expected-config", "rails", None, raw[1]
        ),
    ]
    whole = Label(line=1, source="s", text="\n".join(raw), label="expected-config", detail="")
    bare = Label(line=2, source="s", text="Exiting", label="noise", detail="")
    joined, plain = match_labels([whole, bare], {"s": records})
    assert (joined.how, joined.records, joined.predicted) == ("text", 2, "expected-config")
    assert (plain.how, plain.records, plain.predicted) == ("text", 1, "noise")


def test_figures_per_stack() -> None:
    def labelled(line: int, klass: str, stack: str | None) -> Label:
        return Label(line=line, source="s", text=f"t{line}", label=klass, detail="", stack=stack)

    outcomes = [
        Outcome(labelled(1, "regression", "go"), "regression", "go-panic", 1, "text"),
        Outcome(labelled(2, "regression", "go"), "noise", "unclaimed", 1, "text"),
        Outcome(labelled(3, "noise", "go"), "noise", "unclaimed", 1, "text"),
        Outcome(
            labelled(4, "expected-config", "php"), "expected-config", "laravel-app-key-missing", 1, "text"
        ),
        Outcome(labelled(5, "noise", None), "noise", "unclaimed", 1, "text"),
    ]
    result = score_outcomes(outcomes)
    go, php = result.stacks
    assert (go.stack, go.labels, go.correct, go.regression_recall, go.failures_called_noise) == (
        "go",
        3,
        2,
        0.5,
        1,
    )
    assert go.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert (php.stack, php.labels, php.correct, php.regression_recall, php.macro_f1) == (
        "php",
        1,
        1,
        None,
        1.0,
    )
    table = format_table(result)
    assert [line.split() for line in table.splitlines() if line.startswith(("go ", "php "))] == [
        ["go", "3", "2", "0.667", "0.500", "1"],
        ["php", "1", "1", "1.000", "-", "0"],
    ]
    assert result.as_dict()["stacks"]["php"] == {  # type: ignore[index]
        "labels": 1,
        "correct": 1,
        "macro_f1": 1.0,
        "regression_recall": None,
        "failures_called_noise": 0,
    }


def test_no_severity_drops_every_severity_before_classifying(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    export = [
        _entry("6840a1f2000a1b2c3d4e5f70", "payment sync gave up after 3 attempts", "ERROR"),
        _entry("6840a1f2000a1b2c3d4e5f71", "panic: assignment to entry in nil map", "ERROR"),
    ]
    (raw / "export.json").write_text(json.dumps(export), encoding="utf-8")
    labels = [
        {"source": "export.json", "text": export[0]["textPayload"], "label": "regression", "stack": "go"},
        {"source": "export.json", "text": export[1]["textPayload"], "label": "regression", "stack": "go"},
    ]
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(x) for x in labels) + "\n", encoding="utf-8")
    runner = CliRunner()
    with_severity = runner.invoke(cli, ["score", str(tmp_path / "labels.jsonl"), "--format", "json"])
    without = runner.invoke(
        cli, ["score", str(tmp_path / "labels.jsonl"), "--format", "json", "--no-severity"]
    )
    assert json.loads(with_severity.output)["classes"]["regression"]["recall"] == 1.0
    # only the severity said the first line was a failure; the panic is found by its text either way
    assert [e["text"] for e in json.loads(without.output)["failures_called_noise"]] == [
        export[0]["textPayload"]
    ]
