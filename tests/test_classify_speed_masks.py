"""Masks that cannot tell the digits 1-9 apart (miner.digit_blind) mask a text and its shape into the same
tokens, so the miner masks each shape once."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logscan.classify.classify import _mask_literals
from logscan.classify.library import Library
from logscan.templates.miner import Masker, TemplateMiner, _tokens, digit_blind, shape

BLIND = [
    r"\d+",
    r"\b(?:0x[0-9a-fA-F]+|[0-9a-fA-F]{16,})\b",
    r"[1-90]",
    r"[^\s'\"<>]+",
    r"[!-~]{2,}",
    r"(?i)v\d{1,3}",
]
NOT_BLIND = [
    r"HTTP/1\.1",
    r"5\d\d",
    r"[0-5]",
    r"[1-8]",
    r"[+-0-9]",
    r"[0-9-5]",
    r"[/-1]",
    r"[x-0]",
    r"(\d)\1",
    r"\x31",
    r"\u0031",
    r"\061",
    r"\p{N}",
    r"[[:digit:]]",
    r"(?P<n4>\d)",
    r"(?P<n>\d)(?P=n)",
    r"(?:ab){e<=1}",
    r"(?x) \d # 1",
    r"(?ix)\d",
    r"(?(1)a|b)",
    r"[0-9",
]


def test_the_shipped_masks_are_digit_blind(library: Library) -> None:
    assert library.masks and all(digit_blind(source) for _, source in library.masks)
    assert Masker(library.masks, _mask_literals).digit_blind
    assert Masker(()).digit_blind  # the default NUM mask


@pytest.mark.parametrize("pattern", BLIND)
def test_digit_blind_patterns(pattern: str) -> None:
    assert digit_blind(pattern)


@pytest.mark.parametrize("pattern", NOT_BLIND)
def test_patterns_that_tell_digits_apart_or_are_not_modelled_are_not_digit_blind(pattern: str) -> None:
    assert not digit_blind(pattern)


def test_a_mask_placeholder_with_a_backslash_is_not_blind() -> None:
    assert not Masker([("\\g<0>", r"\d+")]).digit_blind


def test_a_mask_that_tells_digits_apart_gets_each_text_masked() -> None:
    masker = Masker([("FIVE", r"\b5\d\d\b"), ("NUM", r"\d+")])
    assert not masker.digit_blind
    miner = TemplateMiner(masker)
    assert miner.tokens("status 503")[1] == ("status", "<FIVE>")
    assert miner.tokens("status 203")[1] == ("status", "<NUM>")


def _renumbered(text: str, rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") if "0" <= c <= "9" else c for c in text)


def _mask_texts(library: Library) -> list[str]:
    import yaml

    doc = yaml.safe_load((library.root / "masks.yaml").read_text(encoding="utf-8"))
    texts = [e["text"] for m in doc["masks"] for e in m.get("examples", [])]
    texts += [t for m in doc["masks"] for t in m.get("no_match", [])]
    texts += [ex.text for rule in library.rules for ex in (*rule.match, *rule.no_match)]
    return texts


def test_a_text_and_its_shape_mask_alike(library: Library) -> None:
    masker = Masker(library.masks, _mask_literals)
    rng = random.Random(17)
    checked = 0
    for text in _mask_texts(library):
        for variant in (text, *(_renumbered(text, rng) for _ in range(3))):
            assert _tokens(masker, variant, 48) == _tokens(masker, shape(variant), 48), variant
            assert shape(masker.mask(variant)) == masker.mask(shape(variant)), variant
            checked += 1
    assert checked > 1000


_PIECES = st.sampled_from(
    [
        "0",
        "1",
        "7",
        "42",
        "0x1f",
        "2025-09-15 18:01:03,477",
        "10.0.0.7:8080",
        "838ms",
        "12 MiB",
        "3/5",
        " ",
        "-",
        ".",
        ":",
        "=",
        "v2",
        "id=",
        "deadbeef",
        "/tmp/x1",
        "Jun 17 07:07:00",
        "é",
        "٣",
        "\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=10))
def test_texts_of_numbers_and_words_and_their_shapes_mask_alike(library: Library, pieces: list[str]) -> None:
    masker = Masker(library.masks, _mask_literals)
    text = "".join(pieces)
    assert _tokens(masker, text, 48) == _tokens(masker, shape(text), 48)


def test_mining_by_shape_gives_the_templates_of_mining_each_text(library: Library) -> None:
    rng = random.Random(3)
    lines = [
        f"Slow query took {rng.randint(1, 9999)}ms: SELECT invoices.id FROM invoices WHERE customer_id = ${rng.randint(1, 3)}"
        for _ in range(200)
    ]
    lines += [
        f"Retrying request to https://api.example.com/v{rng.randint(1, 3)} in {rng.randint(1, 5000)}ms (attempt {rng.randint(1, 5)}/5)"
        for _ in range(200)
    ]
    lines += [_renumbered(t, rng) for t in _mask_texts(library)[:300]]
    rng.shuffle(lines)
    blind, plain = Masker(library.masks, _mask_literals), Masker(library.masks, _mask_literals)
    plain.digit_blind = False
    by_shape, by_text = TemplateMiner(blind), TemplateMiner(plain)
    shaped = [by_shape.add(line) for line in lines]
    each = [by_text.add(line) for line in lines]
    assert [c.template() for c in shaped] == [c.template() for c in each]
