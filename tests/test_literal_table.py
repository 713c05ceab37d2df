"""The literal table (classify/literal_table.py) answers exactly as the engine's RE2 set: on the library's
examples in every case, on generated and real exports, and on texts made of the literals themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscan.classify import engine, memo
from logscan.classify.engine import Matcher
from logscan.classify.library import Library
from logscan.classify.literal_table import TABLE_TEXTS, LiteralTable
from logscan.config import Config
from logscan.ingest.reader import records
from logscan.sources.files import open_source

from . import generated
from .conftest import real_corpus

Search = Callable[[str], Sequence[int]]


def _searches(library: Library, monkeypatch: pytest.MonkeyPatch) -> tuple[Search, Search]:
    """The literal search of a Matcher that uses the table for every ASCII text, and of one that never does."""
    monkeypatch.setattr(engine, "TABLE_TEXTS", 10**9)
    tabled = Matcher(library)._search
    monkeypatch.setattr(engine, "TABLE_TEXTS", 0)
    return tabled, Matcher(library)._search


def _cases(text: str) -> Iterator[str]:
    yield from (text, text.upper(), text.lower(), text.swapcase(), text.title())


def _same(tabled: Search, set_search: Search, texts: Sequence[str]) -> int:
    """Compare the two searches on every ASCII text; how many held at least one literal."""
    held = 0
    for text in texts:
        if not text.isascii():
            continue
        answer = sorted(set_search(text))
        assert sorted(tabled(text)) == answer, text
        held += bool(answer)
    return held


def test_the_table_answers_as_the_set_on_the_library_examples_in_every_case(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    tabled, set_search = _searches(library, monkeypatch)
    texts = [
        case
        for rule in library.rules
        for example in (*rule.match, *rule.no_match, *rule.known_miss)
        for case in _cases(example.text)
    ]
    assert _same(tabled, set_search, texts) > 1000


def test_the_table_answers_as_the_set_on_a_generated_export(
    library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tabled, set_search = _searches(library, monkeypatch)
    path = tmp_path / "export.jsonl"
    with open(path, "wb") as out:
        generated.write(out, 3000, seed=5, fmt="jsonl")
    texts = sorted({record.clean for record in records([open_source(str(path))], Config())})
    assert _same(tabled, set_search, texts) > 100


def test_the_table_answers_as_the_set_on_the_real_corpus(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = real_corpus() / "raw"
    tabled, set_search = _searches(library, monkeypatch)
    texts: set[str] = set()
    for path in sorted(folder.iterdir()):
        texts.update(record.clean for record in records([open_source(str(path))], Config()))
    assert _same(tabled, set_search, sorted(texts)) > 50


@st.composite
def _literal_soup(draw: st.DrawFn, literals: Sequence[str]) -> str:
    """ASCII text made of some of the library's literals, cut and cased at random, with other text between."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        literal = draw(st.sampled_from(literals))
        start = draw(st.integers(0, max(len(literal) - 1, 0)))
        piece = literal[start : start + draw(st.integers(1, len(literal) + 2))]
        piece = draw(st.sampled_from([piece, piece.upper(), piece.lower(), piece.swapcase()]))
        parts.append(piece)
        parts.append(draw(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=4)))
    return "".join(parts)


def _ascii_literals(library: Library) -> list[str]:
    found: set[str] = set()
    for rule in library.rules:
        need, _ = memo.shared().analysis(rule.regex, rule.flags)
        if need is not None:
            found.update(s for strings in (need.strings, *need.also) for s in strings if s.isascii())
    return sorted(found)


def test_the_table_answers_as_the_set_on_texts_made_of_the_literals(library: Library) -> None:
    literals = _ascii_literals(library)
    assert len(literals) > 100
    with pytest.MonkeyPatch.context() as monkeypatch:
        tabled, set_search = _searches(library, monkeypatch)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_literal_soup(literals))
    def check(text: str) -> None:
        assert sorted(tabled(text)) == sorted(set_search(text)), text

    check()


def test_no_table_where_it_could_answer_otherwise() -> None:
    """RE2 folds the Kelvin sign to k: a case-insensitive non-ASCII literal is left to the set, as is an
    empty set (which RE2 finds in every text)."""
    kelvin = [(frozenset({"\u212a"}), True)]
    assert not LiteralTable.exact_for(kelvin)
    assert list(engine._re2_search(kelvin)("k")) == [0]
    assert not LiteralTable.exact_for([(frozenset(), False)])
    assert LiteralTable.exact_for([(frozenset({"caf\u00e9"}), False), (frozenset({"error"}), True)])


def test_the_table_serves_a_small_exports_texts_and_the_set_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[bool] = []
    real = engine._re2_set

    def counted(
        patterns: tuple[tuple[frozenset[str], bool], ...], folding: bool
    ) -> Callable[[bytes], list[int]]:
        built.append(folding)
        return real(patterns, folding)

    monkeypatch.setattr(engine, "_re2_set", counted)
    search = engine._re2_search([(frozenset({"Timeout"}), False), (frozenset({"error"}), True)])
    for _ in range(TABLE_TEXTS):
        assert sorted(search("ERROR: Timeout")) == [0, 1]
    assert built == []
    assert sorted(search("ERROR: Timeout")) == [0, 1]
    assert built == [True]
    assert list(search("caf\u00e9 error")) == [1]  # not ASCII: the probe set
    assert built == [True, False]
