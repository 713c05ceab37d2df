"""Masks (patterns/masks.yaml, each mask's examples are tests) and the template miner, input beside template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import regex
import yaml

from logscan.classify.classify import _mask_literals
from logscan.classify.library import compile_rule_regex
from logscan.templates.miner import (
    MAX_TOKENS,
    TOKEN_CACHE_CHARS,
    Masker,
    TemplateMiner,
    rule_stub,
    template_of,
)

MASK_FILE = Path(__file__).resolve().parent.parent / "patterns" / "masks.yaml"
MASKS: list[dict[str, Any]] = yaml.safe_load(MASK_FILE.read_text())["masks"]
MASKER = Masker([(m["name"], m["regex"]) for m in MASKS])
SCREENED = Masker([(m["name"], m["regex"]) for m in MASKS], _mask_literals)
"""As classify builds it: each mask run only on texts holding one of its required literals."""


@pytest.mark.parametrize("mask", MASKS, ids=[m["name"] for m in MASKS])
def test_mask_examples(mask: dict[str, Any]) -> None:
    """Each example, run through the whole mask list, comes out as written; no_match texts are left alone."""
    assert mask.get("examples"), f"masks.yaml: mask {mask['name']} needs examples"
    for example in mask["examples"]:
        assert MASKER.mask(example["text"]) == example["masked"], example["text"]
        assert SCREENED.mask(example["text"]) == example["masked"], example["text"]
        assert f"<{mask['name']}>" in example["masked"]
    for text in mask.get("no_match", []):
        assert regex.search(mask["regex"], text) is None, text


def test_screened_masks_mask_exactly_as_unscreened_ones() -> None:
    import io

    from tests import generated

    out = io.BytesIO()
    generated.write(out, 3000, seed=5, fmt="jsonl")
    texts = [str(v) for line in out.getvalue().splitlines() for v in _strings(yaml.safe_load(line))]
    texts += [e["text"] for m in MASKS for e in m["examples"]] + [
        t for m in MASKS for t in m.get("no_match", [])
    ]
    texts += ["took 5 µs", "Sun, Jun 17 07:07:00", "at /tmp/a/b and /var/folders/x", "3 KiB", "2 hours"]
    assert len(texts) > 3000
    assert [SCREENED.mask(t) for t in texts] == [MASKER.mask(t) for t in texts]
    assert any(need is not None for _, _, need in SCREENED._compiled)  # the screens are in use


def test_a_mask_runs_only_on_texts_holding_its_literals() -> None:
    masker = Masker([("ID", r"id-\d+")], lambda pattern, flags: ("zzz",))  # a deliberately wrong screen
    assert masker.mask("id-42") == "id-42"
    assert Masker([("ID", r"id-\d+")], lambda pattern, flags: ("id-",)).mask("id-42") == "<ID>"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def mine(lines: list[str], **options: Any) -> list[str]:
    miner = TemplateMiner(MASKER, **options)
    clusters = [miner.add(line) for line in lines]
    return [c.template() for c in clusters]


# (input lines, expected template of each): the miner's behaviour, side by side.
CASES = {
    "numbers and addresses are masked": (
        [
            "Booting worker with pid: 7",
            "Booting worker with pid: 12",
            '169.254.169.126:51100 - "GET /health HTTP/1.1" 200',
            '169.254.169.126:40856 - "GET /health HTTP/1.1" 200',
        ],
        [
            "Booting worker with pid: <NUM>",
            "Booting worker with pid: <NUM>",
            '<IP> - "GET /health HTTP/<NUM>" <NUM>',
            '<IP> - "GET /health HTTP/<NUM>" <NUM>',
        ],
    ),
    "four different words at one position make it a variable": (
        [
            "Invalid user webmaster from 173.234.31.186",
            "Invalid user test from 173.234.31.186",
            "Invalid user admin from 52.80.34.196",
            "Invalid user oracle from 52.80.34.196",
        ],
        ["Invalid user <*> from <IP>"] * 4,
    ),
    "two different words stay two templates": (
        [
            "Disconnecting: Too many authentication failures for root [preauth]",
            "Disconnecting: Too many authentication failures for admin [preauth]",
        ],
        [
            "Disconnecting: Too many authentication failures for root [preauth]",
            "Disconnecting: Too many authentication failures for admin [preauth]",
        ],
    ),
    "the first word names the message and is never a variable": (
        [
            "cupsd startup succeeded",
            "sdpd startup succeeded",
            "klogd startup succeeded",
            "hcid startup succeeded",
        ],
        [
            "cupsd startup succeeded",
            "sdpd startup succeeded",
            "klogd startup succeeded",
            "hcid startup succeeded",
        ],
    ),
    "key=value keeps its key": (
        [
            "calculateCaloriesWithCache totalCalories=126775",
            "calculateCaloriesWithCache totalCalories=126797",
        ],
        ["calculateCaloriesWithCache totalCalories=<NUM>"] * 2,
    ),
    "sizes with an optional human form are one variable": (
        [
            "proxy.example.com:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01",
            "fonts.gstatic.com:443 close, 909 bytes sent, 12593 bytes (12.2 KB) received, lifetime <1 sec",
        ],
        ["<*> close, <SIZE> sent, <SIZE> received, lifetime <*>"] * 2,
    ),
    "messages of different lengths are different templates": (
        ["Worker exiting (pid: 7)", "Worker exiting"],
        ["Worker exiting (pid: <NUM>)", "Worker exiting"],
    ),
}


@pytest.mark.parametrize("lines, templates", CASES.values(), ids=CASES.keys())
def test_templates(lines: list[str], templates: list[str]) -> None:
    assert mine(lines) == templates


# A message's template on its own (no mining), as findings whose signature needs none show it.
ALONE = {
    "Booting worker with pid: 7": "Booting worker with pid: <NUM>",
    '169.254.169.126:51100 - "GET /health HTTP/1.1" 200': '<IP> - "GET /health HTTP/<NUM>" <NUM>',
    "Connection pool size=429 overflow=0": "Connection pool size=<NUM> overflow=<NUM>",
    "Token refreshed for client 68ba52f4-f40a-4a19-a6f1-8b41f0f60c00": "Token refreshed for client <UUID>",
    "Zählung für Kunde abgeschlossen": "Zählung für Kunde abgeschlossen",
    "retry worker٣ in ٥ seconds": "retry <*> in <DURATION>",
    "": "",
}


@pytest.mark.parametrize("line", ALONE)
def test_template_of_a_lone_message_is_the_template_it_starts_a_cluster_with(line: str) -> None:
    assert template_of(line, MASKER) == ALONE[line]
    assert template_of(line, MASKER) == TemplateMiner(MASKER).add(line).template()


def test_a_repeated_message_is_remembered_and_a_long_one_is_not_but_both_mine_alike() -> None:
    miner = TemplateMiner(MASKER)
    short = "cache warmed in 35 ms"
    long = "payload" + " size=12" * (TOKEN_CACHE_CHARS // 7)
    assert len(long) > TOKEN_CACHE_CHARS
    assert miner.add(short) is miner.add(short)
    assert miner.tokens(short) is miner.tokens(short)  # the second time from the cache
    assert miner.add(long) is miner.add(long)
    assert miner.tokens(long) == miner.tokens(long) and miner.tokens(long) is not miner.tokens(long)
    assert miner.add(long).template() == "payload" + " size=<NUM>" * (MAX_TOKENS - 1)


def test_a_template_generalizes_as_words_arrive_and_earlier_members_follow() -> None:
    miner = TemplateMiner(MASKER)
    first = miner.add("Invalid user bob from 10.0.0.1")
    assert first.template() == "Invalid user bob from <IP>"
    for name in ("carol", "dave", "erin"):
        miner.add(f"Invalid user {name} from 10.0.0.1")
    assert first.template() == "Invalid user <*> from <IP>"


def test_mask_names_disagreeing_at_one_position_show_as_a_variable() -> None:
    assert mine(["lifetime 00:01 end", "lifetime <1 sec end"]) == ["lifetime <*> end"] * 2


def test_state_stays_bounded_and_mining_goes_on_after_a_reset() -> None:
    miner = TemplateMiner(MASKER, max_shapes=10)
    for i in range(50):
        miner.add(f"job {chr(97 + i % 26)}{chr(97 + i // 26)} finished")
    assert miner.resets >= 4
    assert miner.add("job zz finished").template().startswith("job ")


def test_rule_stub_is_valid_yaml_whose_regex_claims_the_example() -> None:
    example = "Invalid user oracle from 52.80.34.196"
    stub = yaml.safe_load(rule_stub("Invalid user <*> from <IP>", example, MASKER))
    rule = stub["rules"][0]
    assert rule["id"] == "unclaimed-invalid-user-from"
    assert rule["examples"]["match"] == [example]
    compiled = compile_rule_regex(rule["regex"], "stub")
    assert compiled.search(example)
    assert not compiled.search("Invalid login from 52.80.34.196")


def test_rule_stub_without_masks_still_claims_the_example() -> None:
    example = "2025-09-15 18:02:11,683 - billing - INFO - cache warmed in 35 ms"
    stub = yaml.safe_load(rule_stub("<TS> - billing - INFO - cache warmed in <DURATION>", example))
    assert regex.search(stub["rules"][0]["regex"], example)


def test_rule_stub_falls_back_to_the_example_when_the_template_does_not_match_it() -> None:
    example = "something else entirely"
    stub = yaml.safe_load(rule_stub("Invalid user <*> from <IP>", example, MASKER))
    assert regex.search(stub["rules"][0]["regex"], example)


def test_rule_stubs_of_one_run_never_share_an_id() -> None:
    """Issue 12 item 9: templates that start with the same four words get distinct ids."""
    from logscan.templates.miner import rule_stubs

    pairs = [
        ("WARNING netra backend app cache miss <NUM>", "WARNING netra backend app cache miss 17"),
        ("WARNING netra backend app slow query <*>", "WARNING netra backend app slow query invoices"),
        ("WARNING netra backend app retrying", "WARNING netra backend app retrying"),
    ]
    ids = [yaml.safe_load(stub)["rules"][0]["id"] for stub in rule_stubs(pairs)]
    assert ids == [
        "unclaimed-warning-netra-backend-app",
        "unclaimed-warning-netra-backend-app-2",
        "unclaimed-warning-netra-backend-app-3",
    ]
