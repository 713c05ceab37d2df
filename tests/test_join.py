"""join(): split Cloud Run entries become whole events; instances never mix; newest-first exports work too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import regex
from hypothesis import given
from hypothesis import strategies as st

from logscan.ingest.continues import _INTRO, _fold, _may_introduce
from logscan.ingest.join import MAX_RECORDS, join, single
from logscan.ingest.normalize import strip_ansi
from logscan.model import Event, Record

from .factories import INSTANCE, T0, record

OTHER = "00f46b9285" + "d" * 30

# A gunicorn worker that fails to boot, as Cloud Run logs it: one stderr entry per printed line.
WORKER_BOOT = [
    "[2025-09-15 18:02:11 +0000] [7] [ERROR] Exception in worker process",
    "Traceback (most recent call last):",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker',
    "    worker.init_process()",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/gthread.py", line 95, in init_process',
    "    super().init_process()",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 134, in init_process',
    "    self.load_wsgi()",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/util.py", line 371, in import_app',
    "    mod = importlib.import_module(module)",
    '  File "/app/main.py", line 8, in <module>',
    "    from billing.db import engine",
    '  File "/app/billing/db.py", line 14, in <module>',
    '    DATABASE_URL = os.environ["DATABASE_URL"]',
    "                   ~~~~~~~~~~^^^^^^^^^^^^^^^^",
    '  File "<frozen os>", line 679, in __getitem__',
    "KeyError: 'DATABASE_URL'",
    "",
    "The above exception was the direct cause of the following exception:",
    "",
    "Traceback (most recent call last):",
    '  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker',
    "    worker.init_process()",
    '  File "/app/billing/db.py", line 16, in <module>',
    '    raise RuntimeError("DATABASE_URL is required") from exc',
    "RuntimeError: DATABASE_URL is required",
]
AFTER = "[2025-09-15 18:02:11 +0000] [7] [INFO] Worker exiting (pid: 7)"


def stderr(lines: list[str], instance: str, start_ms: int = 0, step_ms: int = 3) -> list[Record]:
    return [
        record(text, instance=instance, timestamp=T0 + timedelta(milliseconds=start_ms + i * step_ms))
        for i, text in enumerate(lines)
    ]


def interleave(a: list[Record], b: list[Record]) -> list[Record]:
    merged = sorted(a + b, key=lambda r: r.timestamp or T0)
    return [replace(r, index=i) for i, r in enumerate(merged)]


def texts(events: list[Event]) -> list[str]:
    return [e.text for e in events]


def test_chained_worker_boot_traceback_interleaved_with_another_instance_is_one_event_per_instance() -> None:
    ours = stderr([*WORKER_BOOT, AFTER], INSTANCE)
    theirs = stderr([*WORKER_BOOT, AFTER], OTHER, start_ms=1)
    events = list(join(interleave(ours, theirs)))

    assert len(events) == 4
    for instance in (INSTANCE, OTHER):
        mine = [e for e in events if e.first.instance == instance]
        assert all(r.instance == instance for e in mine for r in e.records)
        assert texts(mine) == ["\n".join(WORKER_BOOT), AFTER]
        assert len(mine[0].records) == len(WORKER_BOOT)


def test_events_come_out_in_the_order_their_first_records_came_in() -> None:
    events = list(
        join(interleave(stderr([*WORKER_BOOT, AFTER], INSTANCE), stderr(["GET /health 200"], OTHER, 5)))
    )
    assert [e.index for e in events] == sorted(e.index for e in events)


def test_newest_first_export_joins_the_same_events() -> None:
    records = interleave(stderr([*WORKER_BOOT, AFTER], INSTANCE), stderr([*WORKER_BOOT, AFTER], OTHER, 1))
    newest_first = [replace(r, index=i) for i, r in enumerate(reversed(records))]
    assert sorted(texts(list(join(newest_first)))) == sorted(texts(list(join(records))))


def test_blank_lines_may_be_missing_from_the_export() -> None:
    lines = [line for line in WORKER_BOOT if line]
    assert texts(list(join(stderr(lines, INSTANCE)))) == ["\n".join(lines)]


def test_text_input_without_timestamps_joins_by_adjacency() -> None:
    lines = [*WORKER_BOOT, AFTER]
    records = [record(t, i, timestamp=None, instance=None, stream="text") for i, t in enumerate(lines)]
    assert texts(list(join(records))) == ["\n".join(WORKER_BOOT), AFTER]


def test_records_more_than_two_seconds_apart_do_not_join() -> None:
    records = stderr(
        ["Traceback (most recent call last):", '  File "/app/main.py", line 3, in <module>'], INSTANCE
    )
    late = replace(records[1], timestamp=T0 + timedelta(seconds=5))
    assert len(list(join([records[0], late]))) == 2


def test_other_streams_of_the_same_instance_do_not_join() -> None:
    head = record("Traceback (most recent call last):", 0, stream="stderr")
    frame = record('  File "/app/main.py", line 3, in <module>', 1, stream="stdout")
    assert len(list(join([head, frame]))) == 2


def test_loguru_message_split_mid_line_becomes_one_event() -> None:
    first = (
        "\x1b[32m2025-09-15 18:02:12.345\x1b[0m | \x1b[31m\x1b[1mERROR   \x1b[0m | "
        "\x1b[36mbilling.db\x1b[0m:\x1b[36mconnect\x1b[0m:\x1b[36m42\x1b[0m - "
        '<red>Database connection failed: FATAL:  database "netra_dev'
    )
    second = '" does not exist</red>'
    records = [
        record(first, 0, clean=strip_ansi(first)),
        record(second, 1),
        record("2025-09-15 18:02:12.400 | INFO     | billing.main:startup:12 - retrying in 5s", 2),
    ]
    events = list(join(records))
    assert len(events) == 2
    assert events[0].clean.endswith('database "netra_dev\n" does not exist</red>')
    assert len(events[0].records) == 2


def test_deprecation_warning_joins_its_source_line_even_at_error_severity() -> None:
    records = [
        record("/app/billing/clock.py:12: DeprecationWarning: datetime.datetime.utcnow() is deprecated", 0),
        record("  now = datetime.utcnow()", 1, severity="ERROR"),
        record("[2025-09-15 18:02:12 +0000] [7] [INFO] Booting worker with pid: 7", 2),
    ]
    assert texts(list(join(records))) == [
        "/app/billing/clock.py:12: DeprecationWarning: datetime.datetime.utcnow() is deprecated\n"
        "  now = datetime.utcnow()",
        "[2025-09-15 18:02:12 +0000] [7] [INFO] Booting worker with pid: 7",
    ]


def test_indented_lines_under_a_colon_line_join_but_plain_lines_stay_apart() -> None:
    records = [
        record("Settings loaded from environment:", 0),
        record("  REGION=europe-west1", 1),
        record("  WORKERS=4", 2),
        record("Listening at: http://0.0.0.0:8080 (7)", 3),
        record("Using worker: gthread", 4),
    ]
    assert [len(e.records) for e in join(records)] == [3, 1, 1]


def test_a_traceback_flattened_onto_one_entry_stays_one_event() -> None:
    flat = (
        'Traceback (most recent call last): File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", '
        "line 609, in spawn_worker worker.init_process() ModuleNotFoundError: No module named 'billing'"
    )
    records = [record(flat, 0), record("  unrelated indented line", 1)]
    assert texts(list(join(records))) == [flat, "  unrelated indented line"]


def test_a_new_traceback_after_a_finished_one_is_a_new_event() -> None:
    one = ["Traceback (most recent call last):", '  File "/app/a.py", line 1, in f', "ValueError: one"]
    two = ["Traceback (most recent call last):", '  File "/app/b.py", line 2, in g', "TypeError: two"]
    assert texts(list(join(stderr(one + two, INSTANCE)))) == ["\n".join(one), "\n".join(two)]


def test_request_logs_never_join() -> None:
    records = [record("", i, stream="requests") for i in range(3)]
    assert len(list(join(records))) == 3


def test_a_group_is_cut_at_the_record_bound() -> None:
    lines = ["Traceback (most recent call last):"] + ["    frame"] * (MAX_RECORDS + 10)
    events = list(join(stderr(lines, INSTANCE, step_ms=0)))
    assert [len(e.records) for e in events] == [MAX_RECORDS, 11]


def test_single_makes_one_event_per_record() -> None:
    records = stderr(WORKER_BOOT, INSTANCE)
    assert texts(list(single(records))) == WORKER_BOOT


def test_an_exception_message_that_goes_on_over_several_lines_stays_with_it() -> None:
    lines = [
        "pydantic_core._pydantic_core.ValidationError: 2 validation errors for Settings",
        "postgres_password",
        "  Field required [type=missing, input_value={'postgres_host': '10.8.0.3'}, input_type=dict]",
        "    For further information visit https://errors.pydantic.dev/2.11/v/missing",
        "anthropic_api_key",
        "  Field required [type=missing, input_value={'postgres_host': '10.8.0.3'}, input_type=dict]",
        "ERROR:    Application startup failed. Exiting.",
    ]
    assert texts(list(join(stderr(lines, INSTANCE)))) == ["\n".join(lines[:-1]), lines[-1]]


def test_request_logs_keep_their_place_among_open_groups() -> None:
    records = [
        record("Settings loaded from environment:", 0),
        record("", 1, stream="requests"),
        record("  REGION=europe-west1", 2),
        record("", 3, stream="requests"),
        record("Listening at: http://0.0.0.0:8080 (7)", 4),
    ]
    events = list(join(records))
    assert [[r.index for r in e.records] for e in events] == [[0, 2], [1], [3], [4]]


def test_a_group_left_open_comes_out_once_another_instance_has_moved_on_by_more_than_the_gap() -> None:
    pulled = 0

    def feed() -> Iterator[Record]:
        nonlocal pulled
        yield record("Settings loaded from environment:", 0)
        for i, ms in enumerate((500, 1500, 2500, 3000, 3500), start=1):
            pulled = i
            # alternating sources cut the reorder runs, so each record reaches join one pull later
            source = ("b.json", "c.json")[i % 2]
            yield record(f"GET /health {i}", i, source=source, timestamp=T0 + timedelta(milliseconds=ms))

    stream = join(feed())
    first = next(stream)
    assert first.text == "Settings loaded from environment:"
    assert pulled == 4  # closed when the record 2.5 s later reached join, not at the end of the input
    assert [e.index for e in stream] == [1, 2, 3, 4, 5]


INTRO_WORDS = ("exception", "error", "traceback", "failed", "uncaught", "unhandled")
INTRO_LETTERS = sorted(set("".join(INTRO_WORDS)))


def test_every_character_the_intro_regex_takes_for_a_letter_casefolds_to_that_letter() -> None:
    """The premise of _may_introduce, checked over the Basic Multilingual Plane (no character beyond it
    matches an ASCII letter case-insensitively)."""
    any_letter = regex.compile(f"(?i)[{''.join(INTRO_LETTERS)}]")
    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or not any_letter.fullmatch(char):
            continue
        for letter in INTRO_LETTERS:
            if regex.fullmatch(f"(?i){letter}", char):
                assert _fold(char) == letter, (hex(code), letter)


@given(
    st.lists(
        st.sampled_from(
            [*INTRO_WORDS, "ERROR", "Traceback", "FAILED", "\u212a", "\u017f", "\u0130", " ", "x", "s"]
        )
        | st.text(alphabet="eErRoOaAcCkKfFiIlLdDuUnNhHtTbBgGpPxX\u212a\u017f\u0131 :", max_size=12),
        max_size=8,
    )
)
def test_the_intro_prefilter_never_hides_a_line_the_regex_would_take(parts: list[str]) -> None:
    line = "".join(parts)
    if _INTRO.search(line):
        assert _may_introduce(_fold(line))
