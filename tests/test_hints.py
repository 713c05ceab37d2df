"""classify/hints.py: the reader process finds each text's rule; this process tries only that rule."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from logscan.classify import engine
from logscan.classify.classify import event_severity
from logscan.classify.engine import Matcher
from logscan.classify.hints import NO_RULE, MatchHints
from logscan.classify.library import load_library
from logscan.config import Config
from logscan.ingest import reader as front
from logscan.model import Event
from logscan.pipeline import summarize_subjects
from logscan.sources.files import FileSource
from tests import generated
from tests.factories import record


def event(text: str, severity: str) -> Event:
    return Event(records=(record(text, severity=severity),), text=text, clean=text)


@pytest.fixture
def reader_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(front, "OFFLOAD_MIN_BYTES", 0)
    monkeypatch.setattr(front, "cpus", lambda: 2)
    monkeypatch.setattr(front, "BATCH_EVENTS", 64)


def _export(path: Path, count: int) -> Path:
    buffer = io.BytesIO()
    generated.write(buffer, count, seed=11, fmt="jsonl")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.usefixtures("reader_for_any_size")
@pytest.mark.parametrize("ahead", [0, front.QUEUED_BATCHES + 1])
def test_with_hints_from_the_reader_or_without_the_summaries_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: int
) -> None:
    """NOTE_AHEAD 0: every batch is annotated; past the queue's size: none is (the reader never gets
    that far ahead). The answers never depend on it."""
    monkeypatch.setattr(front, "NOTE_AHEAD", ahead)
    path = _export(tmp_path / "export.jsonl", 3000)
    library = load_library()
    with front.events([FileSource(str(path))], Config(jobs=1)) as stream:
        plain = summarize_subjects(stream, library)
    hints = MatchHints(None)
    with front.events([FileSource(str(path))], Config(jobs=2), hints) as stream:
        hinted = summarize_subjects(stream, library, hints=hints)
    assert hinted == plain
    if ahead == 0:
        assert hints.taken > 100  # the reader's answers were taken
    else:
        assert hints.taken == 0


@pytest.mark.usefixtures("reader_for_any_size")
def test_the_reader_annotates_only_the_batches_it_is_ahead_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first NOTE_AHEAD batches go without notes (nothing waits in the queue yet); while this process
    stops reading, the queue fills, and the batches the reader makes then carry notes."""
    path = _export(tmp_path / "export.jsonl", 3000)
    hints = MatchHints(None)
    noted: set[int] = set()
    keep = hints.noted

    def noting(event: Event, note: int | None) -> None:
        noted.add(id(event))
        keep(event, note)

    monkeypatch.setattr(hints, "noted", noting)
    with front.events([FileSource(str(path))], Config(jobs=2), hints) as stream:
        events = iter(stream)
        read = [next(events)]
        time.sleep(2)  # this process is busy: the reader runs ahead until its queue is full
        read.extend(events)
    positions = [i for i, event in enumerate(read) if id(event) in noted]
    assert len(positions) > 10 * front.BATCH_EVENTS
    assert min(positions) >= front.NOTE_AHEAD * front.BATCH_EVENTS


def test_a_hint_naming_a_rule_that_does_not_match_falls_back_to_the_full_search() -> None:
    library = load_library()
    text = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'flask_cors'"
    truth = Matcher(library).first(text, "ERROR")
    assert truth is not None
    wrong = next(i for i, rule in enumerate(library.rules) if rule.compiled.search(text) is None)
    hints = MatchHints(None)
    hints.noted(event(text, severity="ERROR"), wrong)
    found = hints.matcher(library).first(text, "ERROR")
    assert found is not None and found[0].id == truth[0].id


def test_the_reader_side_notes_the_index_of_the_winning_rule_or_none() -> None:
    library = load_library()
    hints = MatchHints(None)
    hints.prepare()
    claimed = event("ModuleNotFoundError: No module named 'flask_cors'", severity="ERROR")
    index = hints.note(claimed)
    truth = Matcher(library).first(claimed.clean, "ERROR")
    assert truth is not None and index is not None and library.rules[index].id == truth[0].id
    assert hints.note(event("", severity="INFO")) is None  # no text: nothing to match
    nothing = event("zq7 xv9 wk3", severity="DEFAULT")
    assert Matcher(library).first(nothing.clean) is None
    assert hints.note(nothing) == NO_RULE
    here = MatchHints(None)
    here.noted(nothing, NO_RULE)
    matcher = here.matcher(library)
    assert matcher.first(nothing.clean) is None and here.taken == 1


def test_the_hinted_search_runs_without_the_time_bound_and_gives_the_matchers_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader process ran the hinted search under the bound to its end, so here it runs unbounded: with a
    bound no search could meet, every hinted text still gets the full matcher's answer and nothing times out."""
    path = _export(tmp_path / "export.jsonl", 600)
    library = load_library()
    with front.events([FileSource(str(path))], Config(jobs=1)) as stream:
        events = [e for e in stream if e.clean]
    truth = Matcher(library)
    expected = [truth.first(e.clean, event_severity(e)) for e in events]
    hints = MatchHints(None)
    hints.prepare()
    notes = [hints.note(e) for e in events]
    monkeypatch.setattr(engine, "MATCH_TIMEOUT_S", 1e-9)  # every bounded search is abandoned from here on
    matcher = hints.matcher(library)
    answers = []
    for e, note in zip(events, notes, strict=True):
        hints.noted(e, note)
        answers.append(matcher.uncached(e.clean, event_severity(e)))
    assert [(f[0].id, f[1].span()) if f else None for f in answers] == [
        (f[0].id, f[1].span()) if f else None for f in expected
    ]
    assert sum(f is not None for f in expected) > 200
    assert matcher.timeouts == 0
    assert hints.taken == len(events)
