"""The prefilter's candidates shared by texts that differ only in their digits.

Most distinct texts of an export differ from one another only in numbers: a uvicorn access line's
address, port, path id and status, ``Slow query took 838ms``. Which rules such a text could match (the
literal search and its resolution, ``engine.Matcher.candidates``) depends on its digits only through the
few literals and prefixes that hold a digit. So it is worked out once per *shape*, the ASCII text with
every digit turned into ``0``, and each text only pays for zeroing its digits and one dict lookup. A
shape is worked out when it comes a second time: the first text of a shape is searched itself, because
most shapes that hold an id in letters and digits (a UUID, a hash) come only once, and working one out
costs about two searches. On the 1M-entry generated export, 46,607 shapes were worked out when each was
worked out at once, and 289 now (``benchmarks/bench_triage.py --sizes 1000000 --forms jsonl --stages``).

Exact, not approximate: a literal without digits is in a text exactly when it is in the text's shape (a
zeroed digit is a ``0``, which such a literal does not hold, and the text's other characters are
unchanged), and so is a prefix without digits at the start. A set of literals holding a digit is searched
in the shape zeroed too (so it is found wherever one of its literals is in the text, and maybe where
none is): when the shape holds one such set, of ASCII literals, its candidates are worked out both with
and without it, and each text says which by looking for the set's literals itself. Anything else (two
such sets, a prefix with a digit) is left to the search of each text (``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

SHAPE_CACHE_SIZE = 8192
"""Distinct shapes whose candidates are remembered (forgotten all at once when full)."""
SHAPE_MAX_CHARS = 512
"""Longer texts are searched every time (bounds the cache's memory)."""
SHAPES_AFTER = 2048
"""Texts searched one by one before shapes are used: a short run builds no second literal search."""
LEARN_ON_SIGHTING = 2
"""A shape is learnt when a text of it comes for this time (1: at once; bench_engine.py compares the two)."""

_ZEROED: Final = bytes.maketrans(b"123456789", b"000000000")
_ZEROED_STR: Final = str.maketrans("123456789", "000000000")
DIGITS: Final = frozenset("0123456789")

LiteralSets = Sequence[tuple[frozenset[str], bool]]
"""Each set's literals and whether they are compared case-insensitively (as ``engine`` builds them)."""
Search = Callable[[str], Sequence[int]]
"""A literal search: the indexes of the sets of which a text holds a literal."""
Settle = Callable[[tuple[int, ...], str], tuple[int, ...] | None]
"""Candidates for a literal search's answer in a shape (None when a candidate's prefix holds a digit)."""


def zeroed(literal: str) -> str:
    """A literal as it reads in a shape."""
    return literal.translate(_ZEROED_STR)


class _EitherWay:
    """A shape holding one set of literals with a digit: the candidates with it and without it."""

    __slots__ = ("folded", "literals", "with_set", "without_set")

    def __init__(
        self, literals: tuple[str, ...], folded: bool, with_set: tuple[int, ...], without_set: tuple[int, ...]
    ) -> None:
        self.literals = literals
        self.folded = folded
        self.with_set = with_set
        self.without_set = without_set

    def candidates(self, text: str) -> tuple[int, ...]:
        probe = text.lower() if self.folded else text  # ASCII: RE2's (?i) of a lower-case literal
        for literal in self.literals:
            if literal in probe:
                return self.with_set
        return self.without_set


_PER_TEXT: Final = _EitherWay((), False, (), ())
"""The mark of a shape whose texts are each searched (never asked for candidates)."""


class Shapes:
    """Candidates per shape, for the ASCII texts of at most SHAPE_MAX_CHARS characters."""

    def __init__(
        self, sets: LiteralSets, search: Search, build: Callable[[LiteralSets], Search], settle: Settle
    ) -> None:
        """sets: the engine's literal sets; search: its literal search over them (a shape's answer for the
        sets without digits); build: makes such a search over given sets (here, the sets with a digit,
        zeroed); settle: the candidates an answer allows in a shape."""
        self._search = search
        self._build = build
        self._settle = settle
        self._digit_sets = {
            k: (tuple(sorted(strings)), folded)
            for k, (strings, folded) in enumerate(sets)
            if any(DIGITS.intersection(s) for s in strings)
        }
        """Sets holding a literal with a digit, which a shape's answer only says may be in the text."""
        self._digit_keys = tuple(self._digit_sets)
        self._search_zeroed: Search | None = None
        """The search over the digit sets zeroed (a few dozen literals, built in about a millisecond)."""
        self._waited = 0
        self._known: dict[bytes, tuple[int, ...] | _EitherWay] = {}
        self._wait_a_sighting = LEARN_ON_SIGHTING > 1
        self._seen_once: set[int] = set()
        """Hashes of shapes seen once and not learnt: learning a shape costs about two searches of a text, so
        a shape is learnt when it comes a second time (a hash that collides only learns one sooner)."""

    def candidates(self, text: str) -> tuple[int, ...] | None:
        """The rules that could match an ASCII text, in library order, or None: search the text itself."""
        if self._search_zeroed is None:
            self._waited += 1
            if self._waited < SHAPES_AFTER:
                return None
            self._search_zeroed = self._build(
                [(frozenset(map(zeroed, strings)), folded) for strings, folded in self._digit_sets.values()]
            )
        shape = text.encode("ascii").translate(_ZEROED)
        known = self._known.get(shape)
        if known is None:
            sighting = hash(shape)
            # Most shapes that hold an id (a UUID, a hash) come once: such a text is searched as it is.
            if self._wait_a_sighting and sighting not in self._seen_once:
                if len(self._seen_once) >= SHAPE_CACHE_SIZE:
                    self._seen_once.clear()
                self._seen_once.add(sighting)
                return None
            if len(self._known) >= SHAPE_CACHE_SIZE:
                self._known.clear()
            known = self._known[shape] = self._learn(shape.decode("ascii"), self._search_zeroed)
        if isinstance(known, tuple):
            return known
        return None if known is _PER_TEXT else known.candidates(text)

    def _learn(self, shape: str, search_zeroed: Search) -> tuple[int, ...] | _EitherWay:
        digit_sets = sorted(self._digit_keys[j] for j in search_zeroed(shape))
        hits = tuple(sorted({*(k for k in self._search(shape) if k not in self._digit_sets), *digit_sets}))
        if not digit_sets:
            found = self._settle(hits, shape)
            return found if found is not None else _PER_TEXT
        if len(digit_sets) > 1:
            return _PER_TEXT
        literals, folded = self._digit_sets[digit_sets[0]]
        with_set = self._settle(hits, shape)
        without_set = self._settle(tuple(k for k in hits if k != digit_sets[0]), shape)
        if with_set is None or without_set is None or not all(s.isascii() for s in literals):
            return _PER_TEXT
        return _EitherWay(literals, folded, with_set, without_set)
