"""normalize: every format to the same Record; text, severity, stream and time read defensively."""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscan.ingest import fields as F
from logscan.ingest import normalize as N
from logscan.ingest import payload as P
from logscan.ingest.fields import parse_timestamp
from logscan.ingest.normalize import normalize, strip_ansi
from logscan.model import SEVERITIES, Record
from logscan.sources.files import open_source

INPUTS = Path(__file__).resolve().parent / "fixtures" / "inputs"
FIELDS = (
    "text",
    "clean",
    "severity",
    "stream",
    "timestamp",
    "service",
    "revision",
    "instance",
    "insert_id",
    "http_request",
)


def _records(name: str) -> list[Record]:
    source = open_source(str(INPUTS / name))
    return [normalize(raw, i, source.name, 65_536) for i, raw in enumerate(source.entries())]


def _one(raw: Any, max_chars: int = 65_536) -> Record:
    return normalize(raw, 0, "test", max_chars)


@pytest.mark.parametrize("name", ["gcloud.yaml", "api.jsonl", "client.jsonl", "proto-names.jsonl"])
def test_every_structured_format_normalizes_like_the_gcloud_json(name: str) -> None:
    expected = _records("gcloud.json")
    actual = _records(name)
    for want, got in zip(expected, actual, strict=True):
        assert {f: getattr(got, f) for f in FIELDS} == {f: getattr(want, f) for f in FIELDS}


def test_fields_of_the_gcloud_export() -> None:
    records = _records("gcloud.json")
    failed_request = records[0]
    assert failed_request.stream == "requests"
    assert failed_request.severity == "ERROR"
    assert failed_request.http_request is not None and failed_request.http_request.status == 503
    assert failed_request.http_request.latency == "4.177506864s"
    assert failed_request.service == "billing-api" and failed_request.revision == "billing-api-00631-xgf"
    audit = records[1]
    assert audit.stream == "audit"
    assert audit.text.startswith("Ready condition status changed to False for Revision billing-api-00631-xgf")
    assert audit.instance is None
    traceback_line = records[4]
    assert traceback_line.severity == "DEFAULT"  # no severity at all in the entry
    assert traceback_line.timestamp == datetime(2025, 9, 15, 18, 2, 16, 118190, tzinfo=UTC)
    probe = records[7]
    assert probe.stream == "varlog/system"
    assert probe.timestamp == datetime(2025, 9, 15, 18, 2, 11, 200000, tzinfo=UTC)  # +02:00 converted
    quiet_request = records[8]
    assert quiet_request.text == "" and quiet_request.http_request is not None


def test_ansi_codes_are_stripped_for_matching_and_kept_in_the_text() -> None:
    loguru = _records("gcloud.json")[5]
    assert "\x1b[32m" in loguru.text
    assert (
        loguru.clean
        == "2025-09-15 18:02:15.987 | INFO     | app.services.cache:warm:42 - Cache warmed in 120ms [U+2713]"
    )


def test_bare_ansi_codes_without_escape_byte_are_stripped() -> None:
    assert strip_ansi("[32mINFO[0m: ready") == "INFO: ready"
    assert strip_ansi("[INFO] listening on [::]:8080") == "[INFO] listening on [::]:8080"


def test_structured_payload_with_nested_error_gives_message_and_stack() -> None:
    record = _records("gcloud.json")[2]
    lines = record.text.split("\n")
    assert lines[0] == "payment sync failed"
    assert "[Errno 111] Connect call failed ('10.8.0.3', 5432)" in lines[1]
    assert lines[-1] == "ConnectionRefusedError: [Errno 111] Connect call failed ('10.8.0.3', 5432)"


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        ({"msg": "worker ready"}, "worker ready"),
        (
            {"message": "boom", "stack_trace": "Traceback (most recent call last):\nValueError: x"},
            "boom\nTraceback (most recent call last):\nValueError: x",
        ),
        (
            {"event": "startup failed", "exception": "Traceback (most recent call last):\nKeyError: 'A'"},
            "startup failed\nTraceback (most recent call last):\nKeyError: 'A'",
        ),
        (
            {
                "text": "loguru line\n",
                "record": {
                    "message": "loguru line",
                    "exception": {"type": "KeyError", "value": "'JWT_SECRET'"},
                },
            },
            "loguru line\nKeyError: 'JWT_SECRET'",
        ),
        ({"record": {"message": "nested only"}}, "nested only"),
        ({"error": {"message": "upstream 502"}}, "upstream 502"),
        ({"code": 7, "detail": "x"}, '{"code":7,"detail":"x"}'),
    ],
)
def test_text_of_structured_payloads(payload: dict[str, Any], text: str) -> None:
    entry = {"logName": "projects/p/logs/run.googleapis.com%2Fstdout", "jsonPayload": payload}
    assert _one(entry).text == text


def test_severity_falls_back_to_the_payload_and_accepts_aliases_and_numbers() -> None:
    base = {"logName": "projects/p/logs/run.googleapis.com%2Fstderr"}
    assert _one({**base, "jsonPayload": {"message": "m", "level": "warn"}}).severity == "WARNING"
    assert _one({**base, "jsonPayload": {"message": "m", "severity": "fatal"}}).severity == "CRITICAL"
    assert _one({**base, "textPayload": "m", "severity": 500}).severity == "ERROR"
    assert _one({**base, "textPayload": "m", "severity": "400"}).severity == "WARNING"
    assert _one({**base, "textPayload": "m"}).severity == "DEFAULT"


def test_pino_numeric_levels_in_the_payload_keep_their_meaning() -> None:
    base = {"logName": "projects/p/logs/run.googleapis.com%2Fstdout"}
    payload = {"pid": 1, "hostname": "api-7d9", "msg": "Database connection failed"}
    assert _one({**base, "jsonPayload": {**payload, "level": 50}}).severity == "ERROR"
    assert _one({**base, "jsonPayload": {**payload, "level": 60}}).severity == "CRITICAL"
    assert _one({**base, "jsonPayload": {**payload, "level": 30}}).severity == "INFO"
    # the entry's own severity wins, and a LogSeverity number stays one
    assert _one({**base, "jsonPayload": {**payload, "level": 50}, "severity": "INFO"}).severity == "INFO"
    assert _one({**base, "jsonPayload": {**payload, "level": 500}}).severity == "ERROR"


@pytest.mark.parametrize(
    "entry",
    [
        {"textPayload": 42, "severity": ["ERROR"], "timestamp": "not a time", "resource": 7, "labels": "x"},
        {"textPayload": {"message": "dict where a string belongs"}, "httpRequest": [200], "logName": 5},
        {"jsonPayload": ["a", "list"], "insertId": {"id": 1}, "trace": ["t"], "timestamp": {"seconds": "x"}},
        {"protoPayload": "text", "severity": None, "timestamp": 10**30},
        {"payload": None, "log_name": None, "resource": ["cloud_run_revision"]},
        {"httpRequest": {"status": "abc", "latency": {"seconds": 1, "nanos": 5}}, "logName": "x"},
        {},
    ],
)
def test_wrong_types_become_unknowns_never_errors(entry: dict[str, Any]) -> None:
    record = _one(entry)
    assert record.severity in SEVERITIES
    assert isinstance(record.text, str)
    assert record.timestamp is None or record.timestamp.tzinfo is not None
    assert record.insert_id is None or isinstance(record.insert_id, str)


def test_text_is_bounded_and_the_cut_is_flagged() -> None:
    record = _one("x" * 1000, max_chars=100)
    assert record.truncated and len(record.text) == 100
    assert not _one("short", max_chars=100).truncated


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-09-15T18:02:16.118213455Z", datetime(2025, 9, 15, 18, 2, 16, 118213, tzinfo=UTC)),
        ("2025-09-15T18:02:16Z", datetime(2025, 9, 15, 18, 2, 16, tzinfo=UTC)),
        ("2025-09-15T20:02:16.5+02:00", datetime(2025, 9, 15, 18, 2, 16, 500000, tzinfo=UTC)),
        ("2025-09-15t18:02:16.1z", datetime(2025, 9, 15, 18, 2, 16, 100000, tzinfo=UTC)),
        ("2025-09-15 18:02:16,250", datetime(2025, 9, 15, 18, 2, 16, 250000, tzinfo=UTC)),
        ({"seconds": 1757959336, "nanos": 500000000}, datetime(2025, 9, 15, 18, 2, 16, 500000, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (["2025-09-15"], None),
        ("0001-01-01T00:00:00+05:00", None),
    ],
)
def test_parse_timestamp(value: Any, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


def test_stream_from_unescaped_log_names_and_audit_logs() -> None:
    assert _one({"logName": "projects/p/logs/run.googleapis.com/stderr"}).stream == "stderr"
    assert _one({"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity"}).stream == "audit"
    assert _one({"logName": "projects/p/logs/my-app"}).stream == "other"


def test_fast_built_records_carry_every_field_and_equal_constructed_ones() -> None:
    raw = {
        "insertId": "abc123",
        "logName": "projects/p/logs/run.googleapis.com%2Fstderr",
        "resource": {
            "type": "cloud_run_revision",
            "labels": {"service_name": "api", "revision_name": "api-00001-abc"},
        },
        "labels": {"instanceId": "00bf4bf02d"},
        "timestamp": "2025-03-01T09:00:00.123456789Z",
        "severity": "ERROR",
        "textPayload": "KeyError: 'POSTGRES_HOST'",
    }
    record = normalize(raw, 0, "export.json", 65_536)
    values = {f.name: getattr(record, f.name) for f in fields(Record)}  # AttributeError if a field is missing
    assert record == Record(**values)
    assert hash(record) == hash(Record(**values))


def test_bracketed_text_that_only_looks_like_a_colour_code_stays() -> None:
    assert strip_ansi("SEVERE [main] org.apache.catalina.startup.Catalina.start") == (
        "SEVERE [main] org.apache.catalina.startup.Catalina.start"
    )
    assert strip_ansi("[m] [mysqld] started") == "[m] [mysqld] started"
    assert strip_ansi("\x1b[1;31mERROR\x1b[m [main] failed") == "ERROR [main] failed"
    assert strip_ansi("[1;31mERROR[0m [main]") == "ERROR [main]"


def _by_the_helpers(raw: dict[str, Any], max_chars: int) -> Record:
    """What normalize must give for a LogEntry mapping, composed from its defensive helpers alone: normalize
    writes the common case out for speed, and every shortcut it takes must land where these do."""
    kind, payload = P.payload_of(raw)
    text = P.payload_text(kind, payload)[:max_chars]
    resource_labels = F.labels_of(raw.get("resource"))
    request = F.either(raw, "httpRequest", "http_request")
    return Record(
        index=0,
        text=text,
        clean=strip_ansi(text),
        severity=P.severity_of(raw.get("severity"), kind, payload),
        stream=N.stream_of(F.either(raw, "logName", "log_name")),
        timestamp=parse_timestamp(raw.get("timestamp")),
        source="test",
        service=F.label(resource_labels, "service_name"),
        revision=F.label(resource_labels, "revision_name"),
        instance=F.label(raw.get("labels"), "instanceId") or F.label(raw.get("labels"), "instance_id"),
        insert_id=F.str_or_none(F.either(raw, "insertId", "insert_id")),
        http_request=None if request is None else F.any_http_request(request),
        truncated=len(P.payload_text(kind, payload)) > max_chars,
        region=F.label(resource_labels, "location"),
    )


_REQUEST_LOG: dict[str, Any] = {
    "insertId": "000000c701f344828d8505eb",
    "logName": "projects/acme-staging/logs/run.googleapis.com%2Frequests",
    "resource": {
        "labels": {"location": "europe-west1", "revision_name": "api-00631-xgf", "service_name": "api"},
        "type": "cloud_run_revision",
    },
    "timestamp": "2025-09-15T18:05:59.465595Z",
    "labels": {"instanceId": "0069c7a9883a0ed99531"},
    "severity": "INFO",
    "httpRequest": {
        "latency": "0.535542000s",
        "requestMethod": "PUT",
        "requestUrl": "https://api/v1/c/1",
        "status": 200,
    },
    "trace": "projects/acme-staging/traces/c10bb8ed5a1d0922408ecdacb55173fe",
    "textPayload": "\x1b[32mGET /v1/c/1\x1b[0m 200",
}
_FIELD_PATHS = [
    ("textPayload",),
    ("text_payload",),
    ("jsonPayload",),
    ("json_payload",),
    ("protoPayload",),
    ("proto_payload",),
    ("payload",),
    ("severity",),
    ("logName",),
    ("log_name",),
    ("resource",),
    ("resource", "labels"),
    ("resource", "labels", "service_name"),
    ("resource", "labels", "revision_name"),
    ("resource", "labels", "location"),
    ("labels",),
    ("labels", "instanceId"),
    ("insertId",),
    ("insert_id",),
    ("httpRequest",),
    ("httpRequest", "status"),
    ("httpRequest", "requestMethod"),
    ("httpRequest", "requestUrl"),
    ("httpRequest", "latency"),
    ("http_request",),
    ("trace",),
    ("timestamp",),
]
_DELETE = object()
_ODD_VALUES: list[Any] = [
    _DELETE,
    None,
    True,
    False,
    0,
    7,
    250,
    10**12,
    1.5,
    "",
    " ",
    "ERROR",
    " warn ",
    "500",
    "x",
    "\x1b[31mred\x1b[0m",
    "[1;31mred[0m",
    "2025-09-15T18:02:16+02:00",
    "2025-09-15 18:02:16,250",
    "2025-09-15T18:02:16",
    "projects/p/logs/run.googleapis.com/stderr",
    ["a", "b"],
    {},
    {"message": "m", "level": 50},
    {"seconds": 1, "nanos": 5},
    {"labels": {"service_name": "api"}},
]


def _changed(changes: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    raw = copy.deepcopy(_REQUEST_LOG)
    for path, value in changes:
        parent: Any = raw
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            if value is _DELETE:
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = copy.deepcopy(value)
    return raw


def _agrees(raw: dict[str, Any], max_chars: int) -> None:
    record = normalize(raw, 0, "test", max_chars)
    expected = _by_the_helpers(raw, max_chars)
    assert record == expected, raw
    assert [type(v) for v in record.__dict__.values()] == [type(v) for v in expected.__dict__.values()], raw


def test_the_written_out_common_case_gives_what_the_defensive_helpers_give_field_by_field() -> None:
    for path in _FIELD_PATHS:
        for value in _ODD_VALUES:
            _agrees(_changed([(path, value)]), 65_536)
            _agrees(_changed([(path, value), (("textPayload",), _DELETE)]), 8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(_FIELD_PATHS), st.sampled_from(_ODD_VALUES)), max_size=5),
    st.integers(1, 40),
)
def test_the_written_out_common_case_gives_what_the_defensive_helpers_give(
    changes: list[tuple[tuple[str, ...], Any]], max_chars: int
) -> None:
    _agrees(_changed(changes), max_chars)


def test_a_repeated_text_is_cleaned_once_and_its_records_share_it() -> None:
    first = _one({"textPayload": "\x1b[31mdisk full\x1b[0m on /data"})
    again = _one({"textPayload": "".join(["\x1b[31mdisk full", "\x1b[0m on /data"])})  # an equal, new string
    assert again.clean == "disk full on /data"
    assert again.text is first.text and again.clean is first.clean
    long_text = "y" * (N.CLEAN_CACHE_CHARS + 1)
    assert _one({"textPayload": long_text}).clean == long_text
