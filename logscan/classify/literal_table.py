"""The literal search of a small export's first texts, without building the RE2 set.

The engine finds which rules could match a text with one RE2 set of every rule's required literals
(engine.py). Building that set and warming it up on its first searches takes 35-50 ms, which a small
export pays for a few dozen distinct texts (the bundled example holds 16). A table of the literals,
searched with Python's ``in``, costs about 0.1 ms a text instead, so the engine asks it for the first
``TABLE_TEXTS`` texts and builds the set only when more come: 12% fewer instructions for a triage of the
bundled example (``benchmarks/instructions.py``).

Exact: for an ASCII text the table gives the set's own answer. A case-sensitive literal is in the text, and
a case-insensitive one, lower-cased, is in the text lower-cased: on ASCII that is what RE2's ``(?i)`` finds,
as long as the literal is ASCII too (RE2 folds the Kelvin sign to ``k``). A table is made only where every
case-insensitive literal is ASCII and no set is empty; other texts go to the RE2 sets as before.
"""

from __future__ import annotations

from collections.abc import Sequence

TABLE_TEXTS = 128
"""ASCII texts searched by the table before the engine builds its RE2 set. ``benchmarks/bench_literal_table.py``
(a Matcher made and the first N distinct generated texts searched): the table 8 ms for 16 texts, 21 ms for 128
and 59 ms for 500; the set 37, 51 and 54 ms. The two cross near 450 texts; past TABLE_TEXTS a large export
pays the table's 128 texts, about 20 ms, once."""
GROUP_CHARS = 4
"""Literals are grouped by their first this many characters, and a group is searched only when its start is
in the text: most groups are passed over with one substring search."""

_Groups = tuple[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]], ...]
"""(the start of the group's literals, ((literal, the sets that hold it), ...)), ..."""


class LiteralTable:
    """Which literal sets an ASCII text holds a string of, as the engine's RE2 set answers (sorted indexes)."""

    __slots__ = ("_folded", "_plain")

    def __init__(self, patterns: Sequence[tuple[frozenset[str], bool]]) -> None:
        """patterns: each set's strings, and whether they are compared case-insensitively (engine.py)."""
        plain: dict[str, list[int]] = {}
        folded: dict[str, list[int]] = {}
        for k, (strings, insensitive) in enumerate(patterns):
            for s in strings:
                if insensitive:
                    folded.setdefault(s.lower(), []).append(k)
                else:
                    plain.setdefault(s, []).append(k)
        self._plain = _grouped(plain)
        self._folded = _grouped(folded)

    @staticmethod
    def exact_for(patterns: Sequence[tuple[frozenset[str], bool]]) -> bool:
        """Whether a table of these sets answers as the RE2 set does (see the module docstring)."""
        return all(
            strings and (not insensitive or all(s.isascii() for s in strings))
            for strings, insensitive in patterns
        )

    def __call__(self, text: str) -> list[int]:
        """The indexes of the sets of which the ASCII text holds a string, ascending."""
        found: set[int] = set()
        for where, groups in ((text, self._plain), (text.lower(), self._folded)):
            for start, members in groups:
                if start in where:
                    for literal, sets in members:
                        if literal in where:
                            found.update(sets)
        return sorted(found)


def _grouped(owners: dict[str, list[int]]) -> _Groups:
    groups: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for literal, sets in owners.items():
        groups.setdefault(literal[:GROUP_CHARS], []).append((literal, tuple(sets)))
    return tuple((start, tuple(members)) for start, members in groups.items())
