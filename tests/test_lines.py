"""sources/lines.py: the line readers (JSONL, YAML documents, text) and the one-object reader, called directly."""

from __future__ import annotations

import io

import pytest

from logscan.errors import InputError
from logscan.sources.lines import read_json_object, read_jsonl, read_text_lines, read_yaml_docs

from .test_json_array import Ledger


def test_jsonl_reads_entries_and_unwraps_an_entries_list_response_on_one_line() -> None:
    data = b'{"insertId": "a"}\n\n{"entries": [{"insertId": "b"}, {"insertId": "c"}], "nextPageToken": "t"}\n'
    ledger = Ledger()
    assert list(read_jsonl(io.BytesIO(data), ledger)) == [
        {"insertId": "a"},
        {"insertId": "b"},
        {"insertId": "c"},
    ]
    assert not ledger.skips


def test_jsonl_counts_a_value_that_is_no_entry() -> None:
    ledger = Ledger()
    assert list(read_jsonl(io.BytesIO(b'{"insertId": "a"}\n[1, 2]\n'), ledger)) == [{"insertId": "a"}]
    assert ledger.skips == {"JSONL lines that were not log entry objects": 1}


def test_yaml_documents_are_parsed_one_by_one_and_a_broken_one_costs_only_itself() -> None:
    data = b"---\ninsertId: a\ntextPayload: one\n---\ninsertId: [b\n---\ninsertId: c\ntextPayload: three\n"
    ledger = Ledger()
    entries = list(read_yaml_docs(io.BytesIO(data), ledger))
    assert [e["insertId"] for e in entries] == ["a", "c"]  # type: ignore[index]
    assert sum(ledger.skips.values()) == 1


def test_text_lines_keep_their_text_and_lose_nul_bytes_with_a_note() -> None:
    ledger = Ledger()
    lines = list(read_text_lines(io.BytesIO(b"first line\r\nsec\x00ond\n"), ledger))
    assert lines[0].rstrip("\r") == "first line"
    assert lines[1] == "second"
    assert ledger.notes == {"lines had NUL bytes, removed": 1}


def test_a_pretty_printed_response_object_yields_its_entries_and_broken_json_is_an_error() -> None:
    data = b'{\n  "entries": [\n    {"insertId": "a"},\n    "junk"\n  ]\n}\n'
    ledger = Ledger()
    assert list(read_json_object(io.BytesIO(data), ledger)) == [{"insertId": "a"}]
    assert ledger.skips == {"entries that were not log entry objects": 1}
    with pytest.raises(InputError) as raised:
        list(read_json_object(io.BytesIO(b'{\n  "entries": [\n'), Ledger()))
    assert str(raised.value).startswith("export.json: starts like JSON but is not valid JSON.")
