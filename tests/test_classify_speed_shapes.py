"""The prefilter's candidates per text shape (classify/shapes.py) are each text's own candidates."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscan.classify import memo, shapes
from logscan.classify.engine import Matcher
from logscan.classify.library import Library
from logscan.ingest.normalize import normalize
from logscan.sources.files import FileSource

from . import generated


@pytest.fixture
def shaped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shapes from the first text on, as in a long run (not after SHAPES_AFTER texts)."""
    monkeypatch.setattr(shapes, "SHAPES_AFTER", 0)


def _own(matcher: Matcher, text: str) -> list[int]:
    return list(matcher._searched(text))


def _renumbered(text: str, rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") if c.isdigit() else c for c in text)


def _library_texts(library: Library) -> list[str]:
    return [ex.text for rule in library.rules for ex in (*rule.match, *rule.no_match, *rule.known_miss)]


def _literals(library: Library) -> list[str]:
    found: set[str] = set()
    for rule in library.rules:
        need, _ = memo.shared().analysis(rule.regex, rule.flags)
        if need is not None:
            found.update(*need.also, need.strings)
    return sorted(found)


@pytest.mark.usefixtures("shaped")
def test_every_example_and_its_renumbered_copies_get_their_own_candidates(library: Library) -> None:
    rng = random.Random(5)
    matcher = Matcher(library)
    texts = _library_texts(library)
    checked = 0
    for text in texts:
        for variant in (text, *(_renumbered(text, rng) for _ in range(4))):
            assert list(matcher.candidates(variant)) == _own(matcher, variant), variant
            checked += 1
    assert checked > 1000
    assert matcher._shapes._known  # the shapes answered


@pytest.mark.usefixtures("shaped")
def test_a_digit_literal_is_looked_for_in_each_text_of_a_shape(library: Library) -> None:
    matcher = Matcher(library)
    ok = 'INFO:     169.254.169.126:35021 - "GET /v1/invoices/72976 HTTP/1.1" 201'
    failed = ok.replace('" 201', '" 503')
    five = library.rules.index(next(r for r in library.rules if r.id == "http-5xx-access-line"))
    assert five in matcher.candidates(failed) and five not in matcher.candidates(ok)
    for text in (ok, failed, ok):
        assert list(matcher.candidates(text)) == _own(matcher, text)


@pytest.mark.usefixtures("shaped")
def test_generated_export_texts_get_their_own_candidates(library: Library) -> None:
    out = io.BytesIO()
    generated.write(out, 6000, seed=3, fmt="jsonl")
    source = FileSource("-", stdin=io.BytesIO(out.getvalue()))
    matcher = Matcher(library)
    texts = [normalize(raw, i, "-", 65_536).clean for i, raw in enumerate(source.entries())]
    assert [list(matcher.candidates(t)) for t in texts] == [_own(matcher, t) for t in texts]
    assert len(matcher._shapes._known) < len(set(texts)) / 2  # texts do share shapes


def test_shapes_wait_for_a_long_run(library: Library) -> None:
    matcher = Matcher(library)
    for i in range(shapes.SHAPES_AFTER - 1):
        matcher.candidates(f"line {i}")
    assert not matcher._shapes._known  # a short run never builds the zeroed literal search
    matcher.candidates("line 1")
    assert not matcher._shapes._known  # the first of its shape since the search was built
    matcher.candidates("line 2")
    assert matcher._shapes._known


@pytest.mark.usefixtures("shaped")
def test_a_shape_is_learnt_when_it_comes_a_second_time(library: Library) -> None:
    matcher = Matcher(library)
    first = "Sync job 0c4f9a2e-51d7-4b8e-9f03-7a1c2e6d8b90 finished: 386 records updated"
    other_id = "Sync job b7e2d1c4-9a3f-4e6b-8d05-2f7c9e1a4b63 finished: 386 records updated"
    renumbered = first.replace("386", "712")
    for text in (first, other_id):
        assert list(matcher.candidates(text)) == _own(matcher, text)
    assert not matcher._shapes._known  # two ids, two shapes, each seen once: searched as they are
    assert list(matcher.candidates(renumbered)) == _own(matcher, renumbered)
    assert len(matcher._shapes._known) == 1  # the first text's shape, seen again


_MATCHERS: dict[int, Matcher] = {}
"""One Matcher for every hypothesis example (its shapes carry over from text to text, as in a run)."""
_PIECES = st.sampled_from(
    ["", " ", "0", "5", "9", "12", "503", '" ', ":", "-", "INFO", "error", "\n", "x", "Ä"]
)


@pytest.mark.usefixtures("shaped")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_texts_built_from_library_literals_and_digits_get_their_own_candidates(
    library: Library, data: st.DataObject
) -> None:
    literals = _literals(library)
    pieces = data.draw(st.lists(st.one_of(st.sampled_from(literals), _PIECES), max_size=8))
    text = "".join(pieces)
    matcher = _MATCHERS.get(id(library))
    if matcher is None:
        matcher = _MATCHERS[id(library)] = Matcher(library)
    for variant in (text, text.upper(), text.lower()):
        assert list(matcher.candidates(variant)) == _own(matcher, variant)
