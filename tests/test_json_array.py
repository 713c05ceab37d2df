"""sources/json_array.py: the incremental reader of a gcloud JSON array, called directly with a ledger."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from logscan.errors import InputError
from logscan.sources.json_array import read_json_array


class Ledger:
    """Records what the reader reports, as FileSource would count it."""

    name = "export.json"

    def __init__(self) -> None:
        self.skips: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()

    def skip(self, reason: str, n: int = 1) -> None:
        self.skips[reason] += n

    def note(self, note: str, n: int = 1) -> None:
        self.notes[note] += n


def _read(data: bytes) -> tuple[list[object], Ledger]:
    ledger = Ledger()
    return list(read_json_array(io.BytesIO(data), ledger)), ledger


def test_entries_come_out_in_order_and_a_scalar_element_is_counted_not_read() -> None:
    data = b'[\n  {"insertId": "a", "textPayload": "one"},\n  42,\n  {"insertId": "b", "textPayload": "two"}\n]\n'
    entries, ledger = _read(data)
    assert entries == [{"insertId": "a", "textPayload": "one"}, {"insertId": "b", "textPayload": "two"}]
    assert sum(ledger.skips.values()) == 1


def test_an_empty_array_is_no_entries_and_no_skips() -> None:
    entries, ledger = _read(b"[]\n")
    assert entries == [] and not ledger.skips


def test_a_cut_array_keeps_the_whole_entries_before_the_cut() -> None:
    data = b'[{"insertId": "a"}, {"insertId": "b"}, {"insertId": "c", "textPay'
    entries, ledger = _read(data)
    assert entries == [{"insertId": "a"}, {"insertId": "b"}]
    assert sum(ledger.skips.values()) == 1


def test_entries_nested_inside_an_entry_are_not_taken_for_entries() -> None:
    data = b'[{"insertId": "a", "jsonPayload": {"items": [{"insertId": "inner"}]}}]'
    entries, _ = _read(data)
    assert len(entries) == 1 and entries[0]["insertId"] == "a"  # type: ignore[index]


def test_what_is_not_an_array_is_an_error_naming_the_file() -> None:
    with pytest.raises(InputError) as raised:
        _read(b'{"insertId": "a"}')
    assert str(raised.value) == "export.json: expected a JSON array of log entries."
