"""Required literals of a rule's regex: strings one of which every match must contain.

The matching engine asks a multi-string searcher which of these literals a line holds, and tries only
the rules whose literals it found (plus the rules that have none). That is sound only if no match can
lack the literals, so the analysis is conservative: any construct it does not fully understand
(verbose mode, fuzzy matching, conditionals, recursion, version-1 set syntax...) gives up on the
whole rule, which then runs on every line, exactly as in the plain engine.

Under case-insensitive matching (``(?i)`` anywhere in the pattern: in the regex module's version 0 an
inline flag applies to the whole pattern) literals are kept only as lower-case ASCII and compared with
the line's ``casefold()``, which maps every character that matches an ASCII letter case-insensitively
(the Kelvin sign, the long s, ...) onto that letter.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from logscan import regexes
from logscan.classify.literal_tree import FLAGS, MAX_ALSO, Parser, Unsupported, needs, score

_MIN_ALSO_LEN = 2
"""Shortest string a further set may hold: shorter ones are in nearly every line and rule out nothing."""
_SAFE_FLAGS = set("aimsfuw-")
_UNSAFE_COMPILED = regex.X | regex.V1 | regex.B | regex.E | regex.P | regex.R | regex.L
_PLAIN_RUN = regexes.compile(r"[^\\.^$*+?{}\[\]|()]+")
"""Characters that stand for themselves outside a set (verbose mode is refused before this is used)."""


@dataclass(frozen=True)
class Literals:
    """A rule's requirement: every match contains at least one of ``strings`` (and one of each ``also`` set)."""

    strings: frozenset[str]
    """The alternatives, each non-empty: the strongest requirement."""
    folded: bool
    """Compare against the line's casefold() (the rule is case-insensitive)."""
    also: tuple[frozenset[str], ...] = ()
    """Further sets a match must hold one string of, each (a line missing any one cannot match)."""


def required_literals(pattern: str, flags: int = 0) -> Literals | None:
    """The rule's required literals, or None when every line must be tried (no literal, or unsure).

    flags are the compiled pattern's flags (``compiled.flags``), which include flags given at compile time.
    """
    if flags & _UNSAFE_COMPILED:
        return None
    try:
        folded = _global_flags(pattern) or bool(flags & (regex.I | regex.F))
        parser = Parser(pattern, folded)
        info = parser.alternation()
        if parser.i != len(pattern):
            raise Unsupported("unbalanced parenthesis")
    except (Unsupported, RecursionError, IndexError):
        return None
    need = sorted(needs(info), key=score, reverse=True)
    if not need:
        return None
    also = tuple(n for n in need[1:] if score(n)[0] >= _MIN_ALSO_LEN)  # a lone "5" is in most lines
    return Literals(strings=need[0], folded=folded, also=also[:MAX_ALSO])


def required_prefix(pattern: str, flags: int = 0) -> str | None:
    """Literal text every match starts the string with (a pattern anchored by ``\\A`` or ``^``), or None.

    Only the simplest shape counts: an anchor, then plain characters, in a pattern with no top-level
    alternation, case-sensitive, and no multi-line ``^``. A character followed by a quantifier is not
    part of the prefix.
    """
    if flags & (_UNSAFE_COMPILED | regex.I | regex.F) or _top_level_bar(pattern):
        return None
    if any(set(f.group(1)) & set("xifmV") for f in FLAGS.finditer(pattern)):
        return None  # an inline flag anywhere applies to the whole pattern
    if pattern.startswith("\\A"):
        i = 2
    elif pattern.startswith("^") and not flags & regex.M:
        i = 1
    else:
        return None
    found = _PLAIN_RUN.match(pattern, i)
    prefix = found.group(0) if found else ""
    if prefix and pattern.startswith(("*", "+", "?", "{"), i + len(prefix)):
        prefix = prefix[:-1]
    return prefix or None


def _top_level_bar(pattern: str) -> bool:
    """Whether the pattern has a | outside every group and set (or could: anything unclear counts)."""
    depth = 0
    in_set = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_set:
            in_set = c != "]"
        elif c == "[":
            in_set = True
            if pattern.startswith(("[]", "[^]"), i):
                i += 2 if pattern[i + 1] == "]" else 3
                continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth <= 0:
            return True
        i += 1
    return in_set or depth != 0


def _global_flags(pattern: str) -> bool:
    folded = False
    for found in FLAGS.finditer(pattern):
        flags = found.group(1).replace("V0", "")
        if not set(flags) <= _SAFE_FLAGS:
            raise Unsupported(f"flags {flags}")
        folded = folded or "i" in flags or "f" in flags
    return folded
