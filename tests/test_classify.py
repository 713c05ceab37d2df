"""classify(): every event gets a rule (or unclaimed), a mined template and a signature; the CLI prints them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from logscan.classify import classify as classify_module
from logscan.classify.classify import TEMPLATE_MODES, UNCLAIMED, Templates, classify
from logscan.classify.engine import Found, Matcher
from logscan.classify.library import Library
from logscan.cli import cli
from logscan.config import Config
from logscan.ingest.join import join
from logscan.ingest.reader import events, records
from logscan.model import Event, EventClass, HttpRequest
from logscan.pipeline import summarize
from logscan.sources.files import open_source
from logscan.templates.miner import Masker
from logscan.templates.signature import Signer

from .conftest import FIXTURES
from .factories import event, record
from .test_join import AFTER, WORKER_BOOT

USERS = ("bob", "carol", "dave", "erin", "frank")


def test_every_event_gets_a_template_and_a_signature_whether_claimed_or_not(library: Library) -> None:
    items = list(classify([event(*WORKER_BOOT), event(AFTER), event("cache warmed in 35 ms")], library))
    assert [i.event.text for i in items] == ["\n".join(WORKER_BOOT), AFTER, "cache warmed in 35 ms"]
    assert items[0].rule != UNCLAIMED
    assert items[0].template == "RuntimeError: DATABASE_URL is required"
    assert items[2].rule == UNCLAIMED
    assert items[2].template == "cache warmed in <DURATION>"
    assert items[1].klass == EventClass.NOISE and items[1].rule != UNCLAIMED and not items[1].key
    assert items[1].signature == items[1].rule  # a noise rule's matches are one finding per rule
    assert items[1].template == "[<TS> <NUM>] [<NUM>] [INFO] Worker exiting (pid: <NUM>)"
    assert items[0].signature == f"{items[0].rule}:{items[0].key}"
    assert items[2].signature.startswith(f"{UNCLAIMED}:")


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


def test_the_window_holds_at_most_lookahead_chars_of_text(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classify_module, "LOOKAHEAD_CHARS", 100)
    pulled = 0
    texts = [f"request {n} served in 12 ms" if n % 3 else AFTER for n in range(1, 13)]

    def counted() -> Iterator[Event]:
        nonlocal pulled
        for n, text in enumerate(texts):
            pulled += 1
            yield event(text, first_index=n)

    seen = [pulled for _ in classify(counted(), library, lookahead=50, templates="needed")]
    # Mined and claimed (unmined) events alike count: the k-th leaves once the texts from it on pass 100 characters.
    want = []
    for k in range(len(texts)):
        end = next((e for e in range(k, len(texts)) if sum(map(len, texts[k : e + 1])) > 100), len(texts) - 1)
        want.append(end + 1)
    assert seen == want
    assert want[0] < len(texts)  # the bound was reached


def test_a_negative_lookahead_acts_as_none(library: Library) -> None:
    events = [event(f"Invalid user {u} from 10.0.0.{i}", first_index=i) for i, u in enumerate(USERS)]
    assert list(classify(events, library, lookahead=-3)) == list(classify(events, library, lookahead=0))


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


SCENARIOS = sorted((FIXTURES / "scenarios").glob("*.json"))


def scenario_events(path: Path) -> list[Event]:
    return list(join(records([open_source(str(path))], Config())))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_needed_templates_classify_and_sign_like_all_templates(path: Path, library: Library) -> None:
    events = scenario_events(path)
    every = list(classify(events, library, templates="all"))
    needed = list(classify(events, library, templates="needed"))
    assert [i.event for i in needed] == events  # input order, nothing lost
    signer = Signer(Masker(library.masks))
    for a, n in zip(every, needed, strict=True):
        assert (n.klass, n.rule, n.key, n.signature) == (a.klass, a.rule, a.key, a.signature)
        assert a.template or not a.event.clean.strip()
        fixed = signer.fixed(
            n.event, n.rule, n.key, noise=n.klass == EventClass.NOISE and n.rule != UNCLAIMED
        )
        if n.rule == UNCLAIMED or fixed is None:  # mined: the report lists it, or its signature needs it
            assert n.template or not n.event.clean.strip()
        else:
            assert n.template == ""
    if path.stem != "empty":  # only request logs and a few lines there
        assert any(not n.template for n in needed if n.event.clean)  # some were not mined at all


def test_events_without_text_are_neither_matched_nor_mined_and_sign_alike(library: Library) -> None:
    request = HttpRequest(
        status=200, method="GET", url="https://billing-api.a.run.app/health", latency="0.004s"
    )
    silent = [record("", i, stream="requests", http_request=request, severity="INFO") for i in range(3)]
    modes: tuple[Templates, ...] = ("all", "needed")
    for mode in modes:
        items = list(
            classify(
                [event("cache warmed in 35 ms"), *[Event((r,), "", "") for r in silent]],
                library,
                templates=mode,
            )
        )
        assert [(i.rule, i.template) for i in items[1:]] == [(UNCLAIMED, "")] * 3
        assert len({i.signature for i in items[1:]}) == 1


def test_an_unknown_templates_mode_is_refused(library: Library) -> None:
    with pytest.raises(ValueError, match="templates must be one of all, needed"):
        next(iter(classify([event("x")], library, templates="some")))  # type: ignore[arg-type]


def test_a_finding_shows_the_template_of_its_first_event_when_none_was_mined(
    library: Library, tmp_path: Path
) -> None:
    lines = [
        'INFO:     169.254.169.126:51100 - "GET /health HTTP/1.1" 200 OK',
        'INFO:     169.254.169.126:40856 - "GET /v1/invoices/7 HTTP/1.1" 200 OK',
        "cache warmed in 35 ms",
    ]
    path = tmp_path / "stdout.txt"
    path.write_text("\n".join(lines) + "\n")
    with events([open_source(str(path))], Config()) as stream:
        summary = summarize(stream, library)
    by_rule = {f.rule: f for f in summary.findings}
    unclaimed = by_rule.pop(UNCLAIMED)
    assert unclaimed.template == "cache warmed in <DURATION>"
    assert summary.counts.records == 3 and summary.counts.events == 3
    (access,) = by_rule.values()  # both access lines: one noise rule, one finding when it extracts no key
    if access.key is None:
        assert access.count == 2 and access.signature == access.rule
    assert access.template == 'INFO: <IP> - "GET /health HTTP/<NUM>" <NUM> OK'


def test_summarize_gives_the_collector_its_thresholds_back(library: Library) -> None:
    before = gc.get_threshold()
    with events([open_source(str(SCENARIOS[0]))], Config()) as stream:
        summarize(stream, library)
    assert gc.get_threshold() == before


class _CountingMatcher(Matcher):
    """The real engine, counting the texts it was asked about."""

    def __init__(self, library: Library) -> None:
        super().__init__(library)
        self.asked: list[tuple[str, str]] = []

    def uncached(self, text: str, severity: str = "DEFAULT") -> Found:
        self.asked.append((text, severity))
        return super().uncached(text, severity)


@pytest.mark.parametrize("mode", TEMPLATE_MODES)
def test_a_repeated_text_is_matched_once_and_answered_as_if_alone(library: Library, mode: Templates) -> None:
    crash = (*WORKER_BOOT,)
    texts = [crash, (AFTER,), ("cache warmed in 35 ms",), crash, (AFTER,), crash]
    events = [event(*t, first_index=10 * i) for i, t in enumerate(texts)]
    matcher = _CountingMatcher(library)
    items = list(classify(events, library, templates=mode, matcher=matcher))
    assert sorted(matcher.asked) == sorted({(e.clean, e.records[0].severity) for e in events})
    for got, alone in zip(
        items, (next(iter(classify([e], library, templates=mode))) for e in events), strict=True
    ):
        assert got == alone
    assert items[0].raised is not None and items[0].raised.type == "RuntimeError"
    assert items[0].raised is items[3].raised  # one answer object per distinct text


def test_a_text_that_keeps_coming_outlives_the_answers_forgotten(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classify_module, "ANSWER_CACHE", 4)
    recurring = "Worker exiting (pid: 17)"
    once = [f"Fetched {n} invoices for customer {9000 + n}" for n in range(12)]
    texts = [recurring]
    for n, text in enumerate(once):  # the recurring text after every third one-off text
        texts.append(text)
        if n % 3 == 2:
            texts.append(recurring)
    matcher = _CountingMatcher(library)
    items = list(classify([event(t, first_index=i) for i, t in enumerate(texts)], library, matcher=matcher))
    asked = [text for text, _ in matcher.asked]
    assert asked.count(recurring) == 1  # never forgotten: found in the older answers, it moved back
    assert sorted(asked) == sorted({*once, recurring})
    assert [item.event.clean for item in items] == texts
    assert len({item.signature for item in items if item.event.clean == recurring}) == 1
