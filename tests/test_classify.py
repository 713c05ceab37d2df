"""classify(): every event gets a rule (or unclaimed), a mined template and a signature; the CLI prints them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
from click.testing import CliRunner

from logscan.classify import UNCLAIMED, classify
from logscan.cli import cli
from logscan.library import Library
from logscan.model import Event

from .factories import event
from .test_join import AFTER, WORKER_BOOT

USERS = ("bob", "carol", "dave", "erin", "frank")


def test_every_event_gets_a_template_and_a_signature_whether_claimed_or_not(library: Library) -> None:
    items = list(classify([event(*WORKER_BOOT), event(AFTER), event("cache warmed in 35 ms")], library))
    assert [i.event.text for i in items] == ["\n".join(WORKER_BOOT), AFTER, "cache warmed in 35 ms"]
    assert items[0].rule != UNCLAIMED
    assert items[0].template == "RuntimeError: DATABASE_URL is required"
    assert items[2].rule == UNCLAIMED
    assert items[2].template == "cache warmed in <DURATION>"
    assert all(i.signature.startswith(f"{i.rule}:") for i in items)


def test_events_in_the_lookahead_window_share_their_final_template(library: Library) -> None:
    events = [event(f"Invalid user {u} from 10.0.0.{i}", first_index=i) for i, u in enumerate(USERS)]
    items = list(classify(events, library))
    assert {i.template for i in items} == {"Invalid user <*> from <IP>"}
    assert len({i.signature for i in items}) == 1


def test_past_the_window_a_template_can_still_change(library: Library) -> None:
    events = [event(f"Invalid user {u} from 10.0.0.{i}", first_index=i) for i, u in enumerate(USERS)]
    items = list(classify(events, library, lookahead=1))
    assert items[0].template == "Invalid user bob from <IP>"
    assert items[-1].template == "Invalid user <*> from <IP>"


def test_classify_streams_holding_only_the_window(library: Library) -> None:
    pulled = 0

    def endless() -> Iterator[Event]:
        nonlocal pulled
        while True:
            pulled += 1
            yield event(f"request {pulled} served in 12 ms", first_index=pulled)

    first = next(iter(classify(endless(), library, lookahead=50)))
    assert first.event.index == 1
    assert pulled == 51


def write_boot_log(tmp_path: Path) -> Path:
    path = tmp_path / "stderr.txt"
    other = "[2025-09-15 18:02:10 +0000] [1] [INFO] Starting gunicorn 21.2.0"
    path.write_text("\n".join([other, *[line for line in WORKER_BOOT if line], AFTER]) + "\n")
    return path


def test_cli_classify_prints_joined_events_with_signature_template_and_records(tmp_path: Path) -> None:
    path = write_boot_log(tmp_path)
    done = CliRunner().invoke(cli, ["classify", "--format", "jsonl", str(path)])
    assert done.exit_code == 0, done.output
    items = [orjson.loads(line) for line in done.output.splitlines()]
    assert [i["records"] for i in items] == [1, len([line for line in WORKER_BOOT if line]), 1]
    boot = items[1]
    assert boot["template"] == "RuntimeError: DATABASE_URL is required"
    if boot["key"]:  # a rule extracted the missing variable
        assert boot["signature"] == f"{boot['rule']}:{boot['key']}"
    else:
        assert boot["signature"].startswith(f"{boot['rule']}:RuntimeError:")
    assert boot["text"].startswith(
        "[2025-09-15 18:02:11 +0000] [7] [ERROR] Exception in worker process\nTraceback"
    )


def test_cli_classify_no_join_prints_one_object_per_record(tmp_path: Path) -> None:
    path = write_boot_log(tmp_path)
    done = CliRunner().invoke(cli, ["classify", "--no-join", str(path)])
    assert done.exit_code == 0, done.output
    items = [orjson.loads(line) for line in done.output.splitlines()]
    assert len(items) == len(path.read_text().splitlines())
    assert all(i["records"] == 1 and i["template"] for i in items)
