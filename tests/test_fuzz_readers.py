"""Fuzzing the readers: any bytes give entries or an InputError; valid exports read back exactly."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscan.errors import InputError
from logscan.ingest.normalize import normalize
from logscan.model import SEVERITIES
from logscan.sources.files import FileSource

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_JSON = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["},\n  {", "}, {", "\n]", "[", '"', "\\", "---", "\x1b[31m", "\x00"]),
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_entries = st.dictionaries(
    st.sampled_from(
        [
            "insertId",
            "logName",
            "textPayload",
            "jsonPayload",
            "severity",
            "timestamp",
            "resource",
            "labels",
            "httpRequest",
            "x",
        ]
    ),
    _json_values,
    min_size=1,
    max_size=6,
)


def _read(data: bytes) -> tuple[list[Any], FileSource]:
    source = FileSource("-", stdin=io.BytesIO(data))
    return list(source.entries()), source


def _read_or_refuse(data: bytes) -> list[Any]:
    try:
        entries, source = _read(data)
    except InputError as exc:
        message = str(exc)
        assert message.startswith("-: ") and "\n" not in message
        return []
    assert source.skipped >= 0
    for i, raw in enumerate(entries):
        record = normalize(raw, i, "-", 4096)
        assert record.severity in SEVERITIES
        assert len(record.text) <= 4096
        record.text.encode("utf-8")  # nothing unencodable leaks through (lone surrogates, ...)
    return entries


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_a_reader(data: bytes) -> None:
    _read_or_refuse(data)


@FUZZ
@given(
    st.sampled_from(
        [b"[", b"[\n  {", b"{", b'{"insertId": ', b"---\n", b"insertId: x\n", b"\x1f\x8b", b"\xff\xfe"]
    ),
    st.binary(max_size=1500),
)
def test_bytes_after_every_format_prefix_never_crash_a_reader(prefix: bytes, rest: bytes) -> None:
    _read_or_refuse(prefix + rest)


@FUZZ_JSON
@given(st.lists(_entries, max_size=12), st.sampled_from(["gcloud", "compact", "spaced", "jsonl"]))
def test_valid_exports_read_back_exactly(entries: list[dict[str, Any]], layout: str) -> None:
    if layout == "gcloud":
        data = json.dumps(entries, indent=2, sort_keys=True).encode()
    elif layout == "compact":
        data = orjson.dumps(entries)
    elif layout == "spaced":
        data = json.dumps(entries).encode()
    else:
        data = b"".join(orjson.dumps(e) + b"\n" for e in entries)
    if layout == "jsonl" and not entries:
        return
    read, source = _read(data)
    assert source.skipped == 0
    assert read == entries


@FUZZ_JSON
@given(st.lists(_entries, min_size=1, max_size=10), st.data())
def test_a_cut_export_yields_only_whole_entries_in_order(
    entries: list[dict[str, Any]], data: st.DataObject
) -> None:
    whole = json.dumps(entries, indent=2).encode()
    cut = data.draw(st.integers(0, len(whole)))
    try:
        read, _source = _read(whole[:cut])
    except InputError:
        return  # too little left to recognise
    assert read == entries[: len(read)]


@FUZZ_JSON
@given(st.lists(_entries, min_size=1, max_size=8), st.data())
def test_a_corrupted_byte_never_crashes_and_never_invents_entries(
    entries: list[dict[str, Any]], data: st.DataObject
) -> None:
    whole = bytearray(json.dumps(entries, indent=2).encode())
    where = data.draw(st.integers(0, len(whole) - 1))
    whole[where] = data.draw(st.sampled_from([ord("{"), ord("}"), ord('"'), ord(","), 0, 0xFF, ord("]")]))
    for packed in (bytes(whole), gzip.compress(bytes(whole))):
        read = _read_or_refuse(packed)  # a broken first bracket can make it plain text: lines, not entries
        assert sum(isinstance(r, dict) for r in read) <= len(entries) + 1
