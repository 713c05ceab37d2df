"""The matching engine: which rule, first in library order, claims a text.

Not every rule runs on every line. Each rule's regex is analysed once for literals that every match
must contain (see prefilter.py); one multi-string search per line (RE2's set matcher over those
literals; a plain-Python substring search gives the same answers as a reference) tells which
rules could match, and only those candidates, plus the rules with no usable literal, are tried with the
regex module, in library order, so the first match wins exactly as in the plain engine. ``PlainMatcher`` is that
plain engine, kept as the reference the tests and benchmarks compare against.

Results are memoised per (text, severity) in a bounded LRU cache: a crash loop repeats the same text
thousands of times. No rule or line can hang a run: each search stops after MATCH_TIMEOUT_S, and a
rule that has lost RULE_TIMEOUT_BUDGET_S to timeouts is not tried again in that run (both counted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from logscan.classify import memo
from logscan.classify.library import Library, Rule
from logscan.classify.literal_table import TABLE_TEXTS, LiteralTable
from logscan.classify.shapes import DIGITS, SHAPE_MAX_CHARS, Shapes
from logscan.model import SEVERITIES, severity_rank

MATCH_TIMEOUT_S = 0.25
"""A single rule's search is abandoned after this long (regex module timeout): no line can hang logscan."""
RULE_TIMEOUT_BUDGET_S = 2.0
"""A rule whose searches have timed out for this long in total is no longer tried in the run."""
CACHE_SIZE = 8192
"""Distinct (text, severity) answers remembered."""
CACHE_MAX_CHARS = 2048
"""Longer texts are not cached (bounds the cache's memory at about CACHE_SIZE * this)."""

HITS_CACHE_SIZE = 4096
"""Distinct answers of the literal search remembered with the candidates they allow."""

Found = tuple[Rule, Any] | None
"""The winning rule and its match object, or None."""
_Resolved = tuple[tuple[int, ...], dict[int, str]]
"""Candidates in library order (prefixes unchecked), and the prefix each prefixed candidate needs."""

RANKS: dict[str, int] = {name: severity_rank(name) for name in SEVERITIES}
"""``severity_rank`` as a dict (``RANKS.get(name, 0)``): one lookup per text instead of a tuple search."""


class PlainMatcher:
    """Every rule, in library order, on every text: the reference engine."""

    engine = "plain"

    def __init__(self, library: Library) -> None:
        self.library = library
        self._floors = [
            severity_rank(r.severity_at_least) if r.severity_at_least else -1 for r in library.rules
        ]
        self.timeouts = 0
        """Searches abandoned on the time bound (reported, not hidden)."""
        self.disabled: set[str] = set()
        """Rules no longer tried because they used up their timeout budget."""
        self._lost = [0.0] * len(library.rules)

    def first(self, text: str, severity: str = "DEFAULT") -> Found:
        """The winning rule and its match object, or None when no rule claims the text."""
        return self._try(range(len(self.library.rules)), text, severity_rank(severity))

    def uncached(self, text: str, severity: str = "DEFAULT") -> Found:
        """``first`` past any answer cache: for a caller that remembers answers itself (classify does)."""
        return self.first(text, severity)

    def _try(self, indexes: Sequence[int] | range, text: str, rank: int) -> Found:
        rules = self.library.rules
        floors = self._floors
        for i in indexes:
            if rank < floors[i]:
                continue
            rule = rules[i]
            if self.disabled and rule.id in self.disabled:
                continue
            try:
                # Positional: (string, pos, endpos, concurrent, partial, timeout). The regex module parses
                # keyword arguments slowly: 2.4 us a search with timeout=, 0.8 us without, on short lines.
                found = rule.compiled.search(text, 0, None, False, False, MATCH_TIMEOUT_S)
                if found is not None and rule.unless is not None and self._vetoes(i, rule, text):
                    continue  # the rule's unless pattern vetoes it
            except TimeoutError:
                self._timed_out(i)
                continue
            if found is not None:
                return rule, found
        return None

    def _vetoes(self, i: int, rule: Rule, text: str) -> bool:
        """Whether the rule's unless pattern is found in the text (under the time bound)."""
        return rule.unless_compiled.search(text, 0, None, False, False, MATCH_TIMEOUT_S) is not None

    def _timed_out(self, i: int) -> None:
        self.timeouts += 1
        self._lost[i] += MATCH_TIMEOUT_S
        if self._lost[i] >= RULE_TIMEOUT_BUDGET_S:
            self.disabled.add(self.library.rules[i].id)


class Matcher(PlainMatcher):
    """Literal prefilter in front of the regex module: same answers as PlainMatcher, far fewer searches."""

    def __init__(self, library: Library, backend: str = "re2") -> None:
        super().__init__(library)
        always: list[int] = []
        sets: list[tuple[frozenset[str], bool]] = []
        owner: list[int] = []
        needed: dict[int, int] = {}
        prefixes: dict[int, str] = {}
        remembered = memo.shared()
        for i, rule in enumerate(library.rules):
            need, prefix = remembered.analysis(rule.regex, rule.flags)
            if prefix:
                prefixes[i] = prefix
            if need is None:
                always.append(i)
                continue
            for strings in (need.strings, *need.also):
                sets.append((strings, need.folded))
                owner.append(i)
            if need.also:
                needed[i] = 1 + len(need.also)
        self.always = tuple(always)
        """Indexes of rules tried on every text (no usable literal), in library order."""
        self._owner = tuple(owner)
        self._needed = needed
        """Rules with more than one required set: how many sets a text must hold for each."""
        self._prefixes = prefixes
        """Rules anchored at the start of the text by a literal: the text must start with it."""
        self._search, self.engine = _literal_search(sets, backend)
        self._by_hits: dict[tuple[int, ...], _Resolved] = {}
        """Candidates per answer of the literal search: a few dozen distinct answers cover most texts."""
        self._shapes = Shapes(
            sets, self._search, lambda some: _literal_search(some, backend)[0], self._settle
        )
        self._unless_literals: dict[int, tuple[str, ...]] = {}
        """Rules whose unless pattern has required literals (case-sensitive): a text holding none of them
        is not searched for it (it cannot be found there)."""
        for i, rule in enumerate(library.rules):
            shape = remembered.shape(rule.unless) if rule.unless is not None else None
            if rule.unless is not None and shape is not None:
                unless, _ = remembered.analysis(rule.unless, shape[0])
                if unless is not None and not unless.folded:
                    self._unless_literals[i] = tuple(sorted(unless.strings))
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._uncached)
        remembered.save()

    def candidates(self, text: str) -> Sequence[int]:
        """Indexes of the rules that could match text, in library order."""
        if text.isascii() and len(text) <= SHAPE_MAX_CHARS:
            shaped = self._shapes.candidates(text)
            if shaped is not None:
                return shaped
        return self._searched(text)

    def _searched(self, text: str) -> Sequence[int]:
        """``candidates`` from the literal search of the text itself."""
        found, prefixed = self._resolved(tuple(self._search(text)))
        if prefixed:
            return [i for i in found if i not in prefixed or text.startswith(prefixed[i])]
        return found

    def _settle(self, hits: tuple[int, ...], shape: str) -> tuple[int, ...] | None:
        """The candidates in a shape (shapes.py), or None when one of them needs a prefix with a digit."""
        found, prefixed = self._resolved(hits)
        if any(DIGITS.intersection(prefix) for prefix in prefixed.values()):
            return None
        return tuple(i for i in found if i not in prefixed or shape.startswith(prefixed[i]))

    def _resolved(self, hits: tuple[int, ...]) -> _Resolved:
        resolved = self._by_hits.get(hits)
        if resolved is None:
            if len(self._by_hits) >= HITS_CACHE_SIZE:
                self._by_hits.clear()
            resolved = self._by_hits[hits] = self._resolve(hits)
        return resolved

    def _resolve(self, hits: Sequence[int]) -> _Resolved:
        """The candidates a literal search's answer allows, before prefixes, and the prefixes to check."""
        owner, needed = self._owner, self._needed
        held = Counter(owner[k] for k in hits)  # how many of its required sets the text holds, per rule
        found = {i for i, n in held.items() if n >= needed.get(i, 1)}
        prefixed = {i: self._prefixes[i] for i in found if i in self._prefixes}
        return tuple(sorted(found.union(self.always))), prefixed

    def _vetoes(self, i: int, rule: Rule, text: str) -> bool:
        literals = self._unless_literals.get(i)
        if literals is not None and not any(literal in text for literal in literals):
            return False
        return super()._vetoes(i, rule, text)

    def first(self, text: str, severity: str = "DEFAULT") -> Found:
        rank = RANKS.get(severity, 0)
        if len(text) > CACHE_MAX_CHARS:
            return self._uncached(text, rank)
        return self._cached(text, rank)

    def uncached(self, text: str, severity: str = "DEFAULT") -> Found:
        return self._uncached(text, RANKS.get(severity, 0))

    def _uncached(self, text: str, rank: int) -> Found:
        return self._try(self.candidates(text), text, rank)

    def cache_info(self) -> Any:
        """Hits and misses of the answer cache."""
        return self._cached.cache_info()


def _literal_search(
    patterns: Sequence[tuple[frozenset[str], bool]], backend: str
) -> tuple[Callable[[str], Sequence[int]], str]:
    """A function from a text to the indexes of the sets of which it holds a string, and its name.

    patterns: each set's strings, and whether they are compared with the text casefolded (a
    case-insensitive rule's literals, lower-case). backend: "re2" (RE2 sets; google-re2 is a dependency)
    or "python" (substring search, the slow reference that tests and benchmarks compare with).
    """
    builders = {"re2": _re2_search, "python": _python_search}
    if backend not in builders:
        raise ValueError(f"unknown literal search backend {backend!r}; use re2 or python")
    return builders[backend](patterns), f"prefilter+{backend}"


def _probe(text: str) -> str:
    """The text, a NUL, and the text casefolded: one search finds both kinds of literal (a literal found
    in the half not meant for it only adds a candidate)."""
    # casefold() turns the dotted capital I into "i" plus a combining dot, which the regex module's
    # case-insensitive match treats as plain "i": fold it back so "İNFO" still holds the literal "info".
    return text + "\x00" + text.casefold().replace("i\u0307", "i")


def _re2_search(patterns: Sequence[tuple[frozenset[str], bool]]) -> Callable[[str], Sequence[int]]:
    """Two RE2 sets. An ASCII text (most lines) is searched once, as it is, by a set in which the
    case-insensitive literals match in any case: on ASCII, that is exactly finding them in the text's
    casefold(), which is its lower(). Any other text is searched as a probe (``_probe``) by a set of the
    plain literals, built when the first such text comes. The first TABLE_TEXTS ASCII texts are searched by
    a table of the literals instead (literal_table.py: the same answers), the set built when more come."""
    if not patterns:
        return lambda text: ()
    key = tuple(patterns)

    def compiled(folding: bool) -> Callable[[bytes], list[int]]:
        return _re2_set(key, folding)

    # A small export's few texts are searched by a table: the set is built when the TABLE_TEXTS+1st comes.
    table = LiteralTable(patterns) if LiteralTable.exact_for(patterns) else None
    tabled, limit = 0, TABLE_TEXTS
    ascii_match: Callable[[bytes], list[int]] | None = None
    probe_match: list[Callable[[bytes], list[int]]] = []
    probing = any(folded for _, folded in patterns)

    def search(text: str) -> Sequence[int]:
        nonlocal ascii_match, tabled
        if text.isascii():
            if ascii_match is None:
                if table is not None and tabled < limit:
                    tabled += 1
                    return table(text)
                ascii_match = compiled(folding=True)
            return ascii_match(text.encode("ascii"))
        if not probe_match:
            probe_match.append(compiled(folding=False))
        probe = _probe(text) if probing else text
        try:
            return probe_match[0](probe.encode())
        except UnicodeEncodeError:  # lone surrogates: no literal holds one, so replacing them is safe
            return probe_match[0](probe.encode("utf-8", "replace"))

    return search


@lru_cache(maxsize=8)
def _re2_set(
    patterns: tuple[tuple[frozenset[str], bool], ...], folding: bool
) -> Callable[[bytes], list[int]]:
    """The RE2 set of these literals, built once in a process (several milliseconds each time): the
    classifier's Matcher and the chain roots' (verdict/aggregate.py) share it. A compiled set is read-only."""
    import re2

    options = re2.Options()
    options.max_mem = 64 << 20
    matcher = re2.Set.SearchSet(options)
    for strings, folded in patterns:
        alternatives = "|".join(re2.escape(s) for s in sorted(strings))
        matcher.Add(f"(?i:{alternatives})" if folding and folded else alternatives)  # Add k: answer k
    matcher.Compile()
    # The native set, given UTF-8 bytes: the wrapper only encodes the text and turns [] into None.
    return matcher._set.Match  # type: ignore[no-any-return]


def _python_search(patterns: Sequence[tuple[frozenset[str], bool]]) -> Callable[[str], Sequence[int]]:
    owners: dict[str, list[int]] = {}
    for i, (strings, _) in enumerate(patterns):
        for s in strings:
            owners.setdefault(s, []).append(i)
    table = tuple((s, tuple(sets)) for s, sets in sorted(owners.items()))
    probing = any(folded for _, folded in patterns)

    def search(text: str) -> Sequence[int]:
        probe = _probe(text) if probing else text
        found: set[int] = set()
        for s, sets in table:
            if s in probe:
                found.update(sets)
        return list(found)

    return search
