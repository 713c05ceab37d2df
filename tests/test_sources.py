"""File sources: every export format, gzip, stdin and UTF-16 read to the same entries, incrementally."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from logscan.errors import InputError
from logscan.sources.files import FileSource, open_source

from . import generated

INPUTS = Path(__file__).resolve().parent / "fixtures" / "inputs"
STRUCTURED = {
    "gcloud.json": "json-array",
    "gcloud.yaml": "yaml",
    "api.jsonl": "jsonl",
    "client.jsonl": "jsonl",
    "proto-names.jsonl": "jsonl",
}


def _generate(count: int, fmt: str = "json") -> bytes:
    out = io.BytesIO()
    generated.write(out, count, seed=3, fmt=fmt)
    return out.getvalue()


def _read(path: Path | str) -> tuple[list[Any], FileSource]:
    source = open_source(str(path))
    return list(source.entries()), source


def _insert_ids(entries: list[Any]) -> list[str]:
    return [e.get("insertId") or e.get("insert_id") for e in entries]


def test_logback_text_starting_with_empty_brackets_is_text_not_an_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "reader.log"
    path.write_text(
        "[] [main] 13:33:39.275 INFO  ReaderApplicationKt - Starting ReaderApplicationKt with PID 6\n"
        "[] [main] 13:33:39.276 INFO  ReaderApplicationKt - The following profiles are active: prod\n",
        encoding="utf-8",
    )
    entries, source = _read(path)
    assert source.format == "text"
    assert len(entries) == 2 and entries[1].endswith("prod")


def test_empty_array_export_is_still_json(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[]\n", encoding="utf-8")
    entries, source = _read(path)
    assert source.format == "json-array" and entries == []


@pytest.mark.parametrize("name", sorted(STRUCTURED))
def test_each_format_is_detected_from_content_and_read_whole(name: str, tmp_path: Path) -> None:
    # the copy has no telling extension: detection must come from the bytes
    copy = tmp_path / "export.log"
    copy.write_bytes((INPUTS / name).read_bytes())
    entries, source = _read(copy)
    assert source.format == STRUCTURED[name]
    assert source.skipped == 0
    reference = json.loads((INPUTS / "gcloud.json").read_text(encoding="utf-8"))
    assert _insert_ids(entries) == [e["insertId"] for e in reference]


def test_plain_text_is_one_entry_per_non_blank_line() -> None:
    entries, source = _read(INPUTS / "run-logs.txt")
    assert source.format == "text"
    lines = [
        line for line in (INPUTS / "run-logs.txt").read_text(encoding="utf-8").split("\n") if line.strip()
    ]
    assert entries == lines


def test_gunicorn_text_starting_with_a_bracket_is_text_not_json(tmp_path: Path) -> None:
    path = tmp_path / "gunicorn.log"
    path.write_text(
        "[2025-09-15 18:02:15 +0000] [1] [INFO] Starting gunicorn 22.0.0\n"
        "[2025-09-15 18:02:15 +0000] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)\n",
        encoding="utf-8",
    )
    entries, source = _read(path)
    assert source.format == "text"
    assert len(entries) == 2 and entries[1].endswith("(1)")


@pytest.mark.parametrize("name", sorted(STRUCTURED))
def test_gzip_of_each_format_reads_the_same(name: str, tmp_path: Path) -> None:
    plain, _ = _read(INPUTS / name)
    packed = tmp_path / (name + ".gz")
    packed.write_bytes(gzip.compress((INPUTS / name).read_bytes()))
    entries, source = _read(packed)
    assert entries == plain
    assert source.format == STRUCTURED[name]


def test_dash_reads_standard_input() -> None:
    data = (INPUTS / "api.jsonl").read_bytes()
    source = FileSource("-", stdin=io.BytesIO(data))
    entries = list(source.entries())
    assert len(entries) == 9
    assert source.name == "-"


def test_gzipped_standard_input() -> None:
    data = gzip.compress((INPUTS / "gcloud.json").read_bytes())
    entries = list(FileSource("-", stdin=io.BytesIO(data)).entries())
    assert len(entries) == 9


def test_utf16_export_from_powershell_redirect_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "logs.json"
    path.write_bytes((INPUTS / "gcloud.json").read_text(encoding="utf-8").encode("utf-16"))
    entries, source = _read(path)
    assert len(entries) == 9 and source.skipped == 0
    assert any("UTF-16" in line for line in source.skip_reasons)


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "logs.json"
    path.write_bytes(b"\xef\xbb\xbf" + (INPUTS / "gcloud.json").read_bytes())
    entries, source = _read(path)
    assert source.format == "json-array" and len(entries) == 9


def test_entries_list_response_object_is_read(tmp_path: Path) -> None:
    reference = json.loads((INPUTS / "gcloud.json").read_text(encoding="utf-8"))
    path = tmp_path / "response.json"
    path.write_text(json.dumps({"entries": reference, "nextPageToken": "EAE4AQ"}, indent=2), encoding="utf-8")
    entries, source = _read(path)
    assert source.format == "json-object"
    assert entries == reference


@pytest.mark.parametrize("layout", ["gcloud", "compact", "spaced", "indent4"])
def test_large_array_in_any_layout_equals_a_whole_file_parse(layout: str, tmp_path: Path) -> None:
    data = _generate(3000)
    values = orjson.loads(data)
    if layout == "compact":
        data = orjson.dumps(values)
    elif layout == "spaced":
        data = json.dumps(values).encode()
    elif layout == "indent4":
        data = json.dumps(values, indent=4).encode()
    path = tmp_path / "export.json"
    path.write_bytes(data)
    entries, source = _read(path)
    assert source.skipped == 0
    assert entries == values


def test_array_is_decoded_incrementally(tmp_path: Path) -> None:
    """The first entry arrives after reading a bounded prefix of a large file, not the whole file."""
    data = _generate(20_000)
    assert len(data) > 12 << 20

    class Counting(io.BytesIO):
        consumed = 0

        def read(self, n: int | None = -1) -> bytes:
            out = super().read(n)
            Counting.consumed += len(out)
            return out

    stream = Counting(data)
    entries = FileSource("-", stdin=stream).entries()
    first = next(entries)
    assert isinstance(first, dict) and first["insertId"]
    assert Counting.consumed < len(data) // 2
    assert 1 + sum(1 for _ in entries) == 20_000


def test_damaged_entry_in_the_middle_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    text = (INPUTS / "gcloud.json").read_text(encoding="utf-8")
    damaged = text.replace(
        '"severity": "ERROR",\n    "textPayload": "KeyError',
        '"severity": ERROR,\n    "textPayload": "KeyError',
        1,
    )
    assert damaged != text
    path = tmp_path / "damaged.json"
    path.write_text(damaged, encoding="utf-8")
    entries, source = _read(path)
    assert len(entries) == 8
    assert source.skipped == 1
    assert "68c854a7000c1f2a4b7e6d30" not in _insert_ids(entries)
    assert source.skip_reasons == ("entries that were not valid JSON: 1",)


def test_truncated_array_keeps_the_complete_entries(tmp_path: Path) -> None:
    data = (INPUTS / "gcloud.json").read_bytes()
    cut = data.index(b'"insertId": "68c854a7000a6f3d2e1c0b9a"') + 10
    path = tmp_path / "cut.json"
    path.write_bytes(data[:cut])
    entries, source = _read(path)
    assert len(entries) == 6
    assert source.skipped == 1
    assert "cut off" in source.skip_reasons[0]


def test_missing_path_and_directory_raise_input_errors_naming_them(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^/nowhere/logs\.json: no such file\."):
        open_source("/nowhere/logs.json")
    with pytest.raises(InputError, match=r": is a directory\. Pass the export file itself"):
        open_source(str(tmp_path))


def test_jsonl_of_generated_entries_matches_json_array(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(_generate(500))
    (tmp_path / "a.jsonl").write_bytes(_generate(500, "jsonl"))
    array, _ = _read(tmp_path / "a.json")
    lines, source = _read(tmp_path / "a.jsonl")
    assert source.format == "jsonl"
    assert lines == array


def _stdin(data: bytes) -> tuple[list[Any], FileSource]:
    source = FileSource("-", stdin=io.BytesIO(data))
    return list(source.entries()), source


def test_a_damaged_byte_before_the_first_element_loses_nothing_and_invents_nothing() -> None:
    """``[\\n  {`` with the newline damaged: the element is read from its bracket, not skipped as a
    scalar (which made the reader take the objects nested inside it for entries)."""
    entries = [
        {"insertId": "a1", "labels": {"instanceId": "00ab"}, "errorGroups": [{"id": "x"}, {"id": "y"}]}
    ]
    data = bytearray(json.dumps(entries, indent=2).encode())
    assert data[1:2] == b"\n"
    data[1] = ord('"')
    read, source = _stdin(bytes(data))
    assert read == entries
    assert source.skipped == 0
    assert source.skip_reasons == ("damaged bytes before an array element passed over: 1",)


def test_junk_after_a_damaged_element_is_skipped_not_read_as_entries() -> None:
    entries = [{"insertId": {}, "logName": {}}, {"insertId": "b2"}]
    data = bytearray(json.dumps(entries, indent=2).encode())
    data[5] = ord("}")  # "[\n  {}   \"insertId\": {}, ...": the first object closes early
    read, source = _stdin(bytes(data))
    assert {} not in read[1:]  # the nested {} values are not entries
    assert read[-1] == {"insertId": "b2"}
    assert source.skipped >= 1


def test_plain_lines_between_jsonl_lines_are_read_as_text_not_lost(tmp_path: Path) -> None:
    # A Spring Boot service logging JSON to stdout, with the JVM's stack trace written as plain lines.
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"@timestamp":"2024-03-01T10:00:01.123Z","level":"ERROR","logger_name":"o.s.boot.SpringApplication",'
        '"message":"Application run failed"}\n'
        "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource'\n"
        "\tat org.springframework.beans.factory.support.AbstractBeanFactory.getBean(AbstractBeanFactory.java:208)\n"
        '{"insertId": "broken", "textPayload": "cut off\n'
        '{"@timestamp":"2024-03-01T10:00:02.001Z","level":"INFO","message":"Shutting down"}\n',
        encoding="utf-8",
    )
    entries, source = _read(path)
    assert source.format == "jsonl"
    texts = [e for e in entries if isinstance(e, str)]
    assert texts == [
        "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'dataSource'",
        "\tat org.springframework.beans.factory.support.AbstractBeanFactory.getBean(AbstractBeanFactory.java:208)",
    ]
    assert len(entries) == 4  # two JSON objects and two text lines; the damaged JSON line is counted
    assert source.skipped == 1
    assert set(source.skip_reasons) == {
        "JSONL lines that were not valid JSON: 1",
        "plain-text lines between the JSON lines were read as text: 2",
    }
