"""sources/lines.py: the line readers (JSONL, YAML documents, text) and the one-object reader, called directly."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logscan.errors import InputError
from logscan.sources.lines import (
    _blocks,
    _jsonl_line,
    _lines,
    read_json_object,
    read_jsonl,
    read_text_lines,
    read_yaml_docs,
)

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


class _Trickle:
    """A stream that hands out its bytes in the given read sizes, whatever is asked."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = data
        self._sizes = sizes

    def read(self, n: int) -> bytes:
        size = self._sizes.pop(0) if self._sizes else len(self._data)
        out, self._data = self._data[:size], self._data[size:]
        return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    st.booleans(),
    st.lists(st.integers(1, 20), max_size=30),
    st.integers(1, 8),
)
def test_lines_are_split_and_cut_at_the_limit_however_the_reads_fall(
    lines: list[bytes], newline_at_end: bool, sizes: list[int], limit: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if newline_at_end and lines else b"")
    whole = data.split(b"\n")
    if whole and not whole[-1]:
        whole.pop()  # the newline that ends the last line starts none
    expected = [line[:limit] for line in whole]
    assert list(_lines(_Trickle(data, sizes), limit, Ledger(), "lines")) == expected
    ended = [
        line
        for block in _blocks(_Trickle(data, sizes), limit, Ledger(), "lines", ends=True)
        for line in block
    ]
    assert [line[:-1] if line.endswith(b"\n") else line for line in ended] == expected
    # each line keeps its newline, but for the last one when the data ends without one, and a cut line
    assert [line.endswith(b"\n") for line in ended[:-1]] == [len(line) <= limit for line in whole[:-1]]


_JSONL_LINES = [
    b'{"insertId": "a", "textPayload": "x"}',
    b'  {"insertId": "b"} \r',
    b"\x0c{}\x0c",
    b"",
    b"   ",
    b'{"entries": [{"insertId": "c"}, 3]}',
    b'{"entries": "not a list"}',
    b'{"entries": [], "insertId": "d"}',
    b"[1, 2]",
    b'"text"',
    b'{"broken": ',
    b"Traceback (most recent call last):",
    b'{"bad utf-8": "\xff"}',
    b"[" * 2000 + b"]" * 2000,
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_JSONL_LINES), max_size=10))
def test_jsonl_lines_read_as_each_would_alone(lines: list[bytes]) -> None:
    """read_jsonl takes the common line (one entry object) on a short path; every line must read as the
    general path reads it alone."""
    ledger, alone = Ledger(), Ledger()
    expected = [entry for line in lines for entry in _jsonl_line(line, alone)]
    assert list(read_jsonl(io.BytesIO(b"\n".join(lines)), ledger)) == expected
    assert (ledger.skips, ledger.notes) == (alone.skips, alone.notes)
