"""Hostile input through the CLI: a one-line error naming the file (exit 2), or a report that counts the loss.

Never a traceback, never a hang.
"""

from __future__ import annotations

import builtins
import errno
import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logscan.cli import cli
from logscan.errors import EXIT_USAGE
from logscan.ingest import reader as front
from logscan.sources import files

INPUTS = Path(__file__).resolve().parent / "fixtures" / "inputs"
GCLOUD = INPUTS / "gcloud.json"


@pytest.fixture(autouse=True, params=["inline", "reader-process"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every case runs twice: read in this process, and read by the reader process (logscan/ingest/reader.py)."""
    if request.param == "reader-process":
        monkeypatch.setattr(front, "OFFLOAD_MIN_BYTES", 0)
        monkeypatch.setattr(front, "cpus", lambda: 2)
    else:
        monkeypatch.setattr(front, "cpus", lambda: 1)
    return str(request.param)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["triage", *args])
    assert "Traceback" not in result.stderr  # stdout is the report: it may quote tracebacks from the logs
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


def _report(path: Path) -> dict[str, Any]:
    code, out, err = _run(str(path), "--format", "json", "--no-redact")
    assert code in (0, 1, 3), err
    report: dict[str, Any] = json.loads(out)
    return report


def _error(path: Path | str) -> str:
    code, out, err = _run(str(path), "--format", "json")
    assert code == EXIT_USAGE
    assert out == ""
    lines = err.strip().split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith(f"logscan: error: {path}: "), lines[0]
    return lines[0]


def _entry(i: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "insertId": f"68c854a7{i:016x}",
        "logName": "projects/acme-staging/logs/run.googleapis.com%2Fstdout",
        "resource": {
            "labels": {"service_name": "billing-api", "revision_name": "billing-api-00631-xgf"},
            "type": "cloud_run_revision",
        },
        "timestamp": f"2025-09-15T18:02:{i % 60:02d}.000000Z",
        "textPayload": f"Fetched {i} invoices",
    }
    base.update(fields)
    return base


def test_truncated_json_array_reads_the_complete_entries(tmp_path: Path) -> None:
    data = GCLOUD.read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: data.index(b'"insertId": "68c854a7000a6f3d2e1c0b9a"') + 12])
    report = _report(path)
    assert report["counts"]["records"] == 6
    assert report["counts"]["skipped"] == 1
    assert report["provenance"]["skipped_detail"] == [
        f"{path}: entries lost: the JSON array is cut off inside an entry: 1"
    ]


def test_json_nested_too_deep_inside_an_entry_is_skipped(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    body = ",\n".join(json.dumps(_entry(i), indent=2) for i in range(3))
    body = body.replace('"textPayload": "Fetched 1 invoices"', f'"jsonPayload": {{"a": {deep}}}')
    path = tmp_path / "deep.json"
    path.write_text("[\n" + body + "\n]\n", encoding="utf-8")
    report = _report(path)
    assert report["counts"]["records"] == 2
    assert report["counts"]["skipped"] == 1
    assert "nested too deeply" in report["provenance"]["skipped_detail"][0]


def test_a_file_of_nothing_but_brackets_is_read_as_one_damaged_entry(tmp_path: Path) -> None:
    path = tmp_path / "brackets.json"
    path.write_text("[" * 200_000, encoding="utf-8")
    report = _report(path)
    assert report["counts"]["records"] == 0
    assert report["counts"]["skipped"] == 1
    assert report["verdict"]["level"] == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("head", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8, "looks binary"),
        (b"PK\x03\x04\x14\x00\x00\x00", "is a zip archive"),
    ],
)
def test_binary_files_are_refused_with_one_line(tmp_path: Path, head: bytes, says: str) -> None:
    rng = random.Random(5)
    path = tmp_path / "blob.json"
    path.write_bytes(head + bytes(rng.randrange(256) for _ in range(20_000)))
    assert says in _error(path)


def test_random_bytes_without_nul_are_refused(tmp_path: Path) -> None:
    rng = random.Random(9)
    path = tmp_path / "noise.log"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(50_000)))
    assert "looks binary" in _error(path)


def test_invalid_utf8_is_read_with_replacement_characters(tmp_path: Path) -> None:
    lines = [json.dumps(_entry(i)).encode() for i in range(4)]
    lines[2] = lines[2].replace(b"Fetched 2 invoices", b"Fetched \xff\xfe invoices \xc3")
    path = tmp_path / "bad-utf8.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = _report(path)
    assert report["counts"]["records"] == 4
    assert report["counts"]["skipped"] == 0
    text_path = tmp_path / "bad-utf8.txt"
    text_path.write_bytes(b"INFO: ok\nERROR: caf\xe9 crashed\n")
    report = _report(text_path)
    assert report["counts"]["records"] == 2


def test_nul_bytes_in_text_and_json_are_read(tmp_path: Path) -> None:
    path = tmp_path / "nul.log"
    path.write_bytes(b"INFO: started\n" + b"\x00" * 300 + b"INFO: after a block of NULs\nERROR: x\x00y\n")
    report = _report(path)
    assert report["counts"]["records"] == 3
    json_path = tmp_path / "nul.json"
    entries = [json.dumps(_entry(i)) for i in range(3)]
    entries[1] = entries[1].replace("Fetched 1 invoices", "Fetched\x00 1 invoices")
    json_path.write_text("[\n" + ",\n".join(entries) + "\n]\n", encoding="utf-8")
    report = _report(json_path)
    assert report["counts"]["records"] == 3 and report["counts"]["skipped"] == 0


def test_a_20_mb_single_line_is_bounded_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    path.write_bytes(b"ERROR: " + b"x" * (20 << 20) + b"\nINFO: next line\n")
    report = _report(path)
    assert report["counts"]["records"] == 2
    assert report["counts"]["truncated_lines"] == 1
    jsonl = tmp_path / "long.jsonl"
    jsonl.write_text(
        json.dumps(_entry(1, textPayload="y" * (20 << 20))) + "\n" + json.dumps(_entry(2)) + "\n"
    )
    report = _report(jsonl)
    assert report["counts"]["records"] == 2
    assert report["counts"]["truncated_lines"] == 1


def test_wrong_shapes_and_types_are_counted_or_read_as_unknowns(tmp_path: Path) -> None:
    items: list[Any] = [
        1,
        "a string",
        None,
        [1, 2],
        _entry(1),
        _entry(
            2, severity=["ERROR"], timestamp="garbage", textPayload=5, resource=3, labels="x", httpRequest=[1]
        ),
        _entry(3, jsonPayload=[1, 2], insertId={"a": 1}, logName=7),
    ]
    path = tmp_path / "shapes.json"
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    report = _report(path)
    assert report["counts"]["records"] == 3
    assert report["counts"]["skipped"] == 4
    assert "array elements that were not log entry objects: 4" in report["provenance"]["skipped_detail"][0]


def test_broken_yaml_document_is_skipped(tmp_path: Path) -> None:
    docs = (INPUTS / "gcloud.yaml").read_text(encoding="utf-8").split("---\n")
    docs[3] = docs[3].replace("textPayload: ", 'textPayload: "unclosed ', 1) + "  : [\n"
    path = tmp_path / "broken.yaml"
    path.write_text("---\n".join(docs), encoding="utf-8")
    report = _report(path)
    assert report["counts"]["records"] == 8
    assert report["counts"]["skipped"] == 1
    assert "YAML documents that did not parse" in report["provenance"]["skipped_detail"][0]


def test_corrupt_gzip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "logs.json.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + b"\x13\x37" * 500)
    assert "gzip" in _error(path)


def test_truncated_gzip_keeps_what_was_decompressed(tmp_path: Path) -> None:
    body = "[\n" + ",\n".join(json.dumps(_entry(i), indent=2) for i in range(20_000)) + "\n]\n"
    packed = gzip.compress(body.encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    report = _report(path)
    assert 0 < report["counts"]["records"] < 20_000
    assert report["counts"]["skipped"] >= 1


def test_directory_and_missing_path_are_refused(tmp_path: Path) -> None:
    assert "is a directory" in _error(tmp_path)
    assert "no such file" in _error(tmp_path / "missing.json")


def test_empty_file_is_inconclusive_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    code, _out, _err = _run(str(path), "--format", "json")
    assert code == 3


def test_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.json"
    path.write_text("[]")
    if os.geteuid() != 0:
        path.chmod(0)
    else:
        # Root reads any file (CI runs as root): there, open() refuses this one path as the kernel refuses
        # everyone else, with EACCES; the code under test is the same either way.
        real_open = builtins.open

        def refusing(file: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(file) == str(path):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(files, "open", refusing, raising=False)
    assert _error(path) == (
        f"logscan: error: {path}: cannot be read (Permission denied). Check its permissions."
    )


def test_no_rule_and_no_line_can_hang_a_run(tmp_path: Path) -> None:
    """A catastrophically backtracking rule over many long lines still finishes (timeouts, then retired)."""
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "10-slow.yaml").write_text(
        """
rules:
  - id: catastrophic
    class: regression
    description: Backtracks exponentially on a run of a's.
    hint: Rewrite it.
    regex: '(a|a)+b'
    examples:
      match: ["aab"]
""",
        encoding="utf-8",
    )
    log = tmp_path / "aaa.log"
    log.write_text("".join("a" * 3000 + f" {i}\n" for i in range(60)), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from logscan.cli import main; main()",
            "triage",
            str(log),
            "--patterns",
            str(patterns),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 1, 3), done.stderr
    assert json.loads(done.stdout)["counts"]["records"] == 60


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "deep.yaml",
            "insertId: x\ntextPayload: " + "[" * 100_000 + "]" * 100_000 + "\n",
            "YAML documents nested too deeply",
        ),
        ("deep.jsonl", '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n", "JSONL lines nested too deeply"),
    ],
    ids=["yaml", "jsonl"],
)
def test_nesting_that_would_overflow_a_parser_stack_is_skipped(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    """Run in a subprocess: a parser that recursed in C would kill the process, not raise."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from logscan.cli import main; main()",
            "triage",
            str(path),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr  # nothing readable: INCONCLUSIVE, and no crash
    report = json.loads(done.stdout)
    assert report["counts"]["skipped"] == 1
    assert reason in report["provenance"]["skipped_detail"][0]
