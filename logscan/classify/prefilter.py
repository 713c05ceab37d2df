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

_MAX_SET = 16
"""Largest set of alternatives kept for one node (more, and the node counts as unknown)."""
_MAX_NEED = 64
"""Largest union of alternatives kept as a rule's requirement."""
_MAX_LEN = 64
_MAX_ALSO = 3
"""Further required sets kept beside the strongest one (each costs a multi-string search entry)."""
_MIN_ALSO_LEN = 2
"""Shortest string a further set may hold: shorter ones are in nearly every line and rule out nothing."""
_FLAGS = regex.compile(r"\(\?([a-zA-Z0-9-]+)[:)]")
_SAFE_FLAGS = set("aimsfuw-")
_UNSAFE_COMPILED = regex.X | regex.V1 | regex.B | regex.E | regex.P | regex.R | regex.L
_PLAIN_RUN = regex.compile(r"[^\\.^$*+?{}\[\]|()]+")
"""Characters that stand for themselves outside a set (verbose mode is refused before this is used)."""
_QUANT = regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_ASSERT_ESCAPES = set("bBAZzGmMK")
_CLASS_ESCAPES = set("dDwWsShHvVXR")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "a": "\a"}

_Need = tuple[frozenset[str], ...]
"""Sets of alternatives that every match must all hold: one string of each set (a conjunction)."""
_Info = tuple[frozenset[str] | None, _Need]
"""(exact, need): the node matches exactly one of ``exact``; or every match holds one string of each
set in ``need`` (empty: nothing is known)."""
_ANY: _Info = (None, ())
_EMPTY: _Info = (frozenset({""}), ())


@dataclass(frozen=True)
class Literals:
    """A rule's requirement: every match contains at least one of ``strings`` (and one of each ``also`` set)."""

    strings: frozenset[str]
    """The alternatives, each non-empty: the strongest requirement."""
    folded: bool
    """Compare against the line's casefold() (the rule is case-insensitive)."""
    also: tuple[frozenset[str], ...] = ()
    """Further sets a match must hold one string of, each (a line missing any one cannot match)."""


class Unsupported(Exception):
    """The pattern uses syntax the analysis does not model."""


def required_literals(pattern: str, flags: int = 0) -> Literals | None:
    """The rule's required literals, or None when every line must be tried (no literal, or unsure).

    flags are the compiled pattern's flags (``compiled.flags``), which include flags given at compile time.
    """
    if flags & _UNSAFE_COMPILED:
        return None
    try:
        folded = _global_flags(pattern) or bool(flags & (regex.I | regex.F))
        parser = _Parser(pattern, folded)
        info = parser.alternation()
        if parser.i != len(pattern):
            raise Unsupported("unbalanced parenthesis")
    except (Unsupported, RecursionError, IndexError):
        return None
    need = sorted(_needs(info), key=_score, reverse=True)
    if not need:
        return None
    also = tuple(n for n in need[1:] if _score(n)[0] >= _MIN_ALSO_LEN)  # a lone "5" is in most lines
    return Literals(strings=need[0], folded=folded, also=also[:_MAX_ALSO])


def required_prefix(pattern: str, flags: int = 0) -> str | None:
    """Literal text every match starts the string with (a pattern anchored by ``\\A`` or ``^``), or None.

    Only the simplest shape counts: an anchor, then plain characters, in a pattern with no top-level
    alternation, case-sensitive, and no multi-line ``^``. A character followed by a quantifier is not
    part of the prefix.
    """
    if flags & (_UNSAFE_COMPILED | regex.I | regex.F) or _top_level_bar(pattern):
        return None
    if any(set(f.group(1)) & set("xifmV") for f in _FLAGS.finditer(pattern)):
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
    for found in _FLAGS.finditer(pattern):
        flags = found.group(1).replace("V0", "")
        if not set(flags) <= _SAFE_FLAGS:
            raise Unsupported(f"flags {flags}")
        folded = folded or "i" in flags or "f" in flags
    return folded


def _needs(info: _Info) -> _Need:
    """What a node requires: its exact strings when none is empty, else its need."""
    exact, need = info
    if exact is not None:
        return (exact,) if exact and "" not in exact else ()
    return need


def _best(info: _Info) -> frozenset[str] | None:
    """The strongest single requirement a node gives."""
    need = _needs(info)
    return max(need, key=_score) if need else None


def _score(strings: frozenset[str]) -> tuple[int, int]:
    return (min(len(s) for s in strings), -len(strings))


def _concat(items: list[_Info]) -> _Info:
    run: set[str] | None = {""}
    candidates: list[frozenset[str]] = []
    exact_all = True
    for exact, need in items:
        if exact is not None:
            if run is None:
                run = set(exact)
                continue
            product = {a + b for a in run for b in exact}
            if len(product) <= _MAX_SET and max(map(len, product)) <= _MAX_LEN:
                run = product
                continue
            exact_all = False
            candidates.append(frozenset(run))
            run = set(exact)
            continue
        exact_all = False
        if run is not None:
            candidates.append(frozenset(run))
            run = None
        candidates.extend(need)
    if run is not None:
        candidates.append(frozenset(run))
    if exact_all and run is not None:
        return frozenset(run), ()
    # Every item of a sequence is required. Deduplicated in order, and sorted stably: among equally
    # strong sets the earliest wins, the same in every run (a set's order would follow string hashing).
    usable = list(dict.fromkeys(c for c in candidates if c and "" not in c))
    return None, tuple(sorted(usable, key=_score, reverse=True)[: 1 + _MAX_ALSO])


def _alternate(branches: list[_Info]) -> _Info:
    if all(b[0] is not None for b in branches):
        union = frozenset().union(*(b[0] for b in branches if b[0] is not None))
        if len(union) <= _MAX_SET:
            return union, ()
    needs = [_best(b) for b in branches]
    if any(n is None for n in needs):
        return _ANY
    union = frozenset().union(*(n for n in needs if n is not None))
    return (None, (union,)) if len(union) <= _MAX_NEED else _ANY


def _repeat(info: _Info, low: int, high: int | None) -> _Info:
    if low == 1 and high == 1:
        return info
    if low == 0:
        exact = info[0]
        if high == 1 and exact is not None and len(exact) < _MAX_SET:
            return exact | {""}, ()
        return _ANY
    return None, _needs(info)


class _Parser:
    """Recursive descent over the regex module's version-0 syntax, computing _Info per node."""

    def __init__(self, pattern: str, folded: bool) -> None:
        self.p = pattern
        self.i = 0
        self.folded = folded
        self.inside: list[_Info] | None = None
        """The nodes of the group atom() just read, when it had one branch (to splice into a sequence)."""

    def peek(self, n: int = 1) -> str:
        return self.p[self.i : self.i + n]

    def alternation(self) -> _Info:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else _alternate(branches)

    def sequence(self) -> _Info:
        items = self.items()
        return _concat(items) if items else _EMPTY

    def items(self) -> list[_Info]:
        """The nodes of one branch. A group of one branch, not repeated, is spliced in: ``" (5)\\d``
        then yields the literal ``" 5`` across the group's edge."""
        items: list[_Info] = []
        while self.i < len(self.p) and self.peek() not in ("|", ")"):
            self.inside = None
            info = self.atom()
            inside = self.inside
            if inside is not None and self.peek() not in ("*", "+", "?", "{"):
                items.extend(inside)
            else:
                items.append(self.quantified(info))
        return items

    def quantified(self, info: _Info) -> _Info:
        while True:
            c = self.peek()
            if c in ("*", "+", "?"):
                self.i += 1
                info = _repeat(info, 0 if c != "+" else 1, 1 if c == "?" else None)
            elif c == "{":
                found = _QUANT.match(self.p, self.i)
                if found is None:
                    raise Unsupported("a brace that is not a counted repeat (fuzzy matching?)")
                self.i = found.end()
                low = int(found.group(1) or 0)
                high = None if found.group(2) and not found.group(3) else int(found.group(3) or low)
                info = _repeat(info, low, high)
            else:
                return info
            if self.peek() in ("?", "+"):  # lazy or possessive: same strings
                self.i += 1

    def atom(self) -> _Info:
        c = self.p[self.i]
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape()
        self.i += 1
        if c == ".":
            return _ANY
        if c in ("^", "$"):
            return _EMPTY
        if c in ("*", "+", "?", "{"):
            raise Unsupported(f"{c} with nothing to repeat")
        return self.char(c)

    def char(self, c: str) -> _Info:
        if self.folded:
            if not c.isascii() or c == "\x00":
                return _ANY
            return frozenset({c.lower()}), ()
        return (frozenset({c}), ()) if c != "\x00" and not "\ud800" <= c <= "\udfff" else _ANY

    def group(self) -> _Info:
        p, i = self.p, self.i
        self.i += 1
        kind = "capture"
        if p.startswith("(?", i):
            rest = p[i + 2 : i + 4]
            if rest.startswith(":") or rest.startswith(">") or rest.startswith("|"):
                self.i = i + 3
            elif rest.startswith(("=", "!")) or rest in ("<=", "<!"):
                self.i = i + 2 + (1 if rest[0] in "=!" else 2)
                kind = "assert"
            elif rest.startswith("#"):
                end = p.index(")", i)
                self.i = end + 1
                return _EMPTY
            elif rest.startswith(("P<", "<", "'")):
                close = ">" if rest[0] != "'" else "'"
                start = i + 2 + (2 if rest.startswith("P<") else 1)
                self.i = p.index(close, start) + 1
            elif rest.startswith("P="):
                self.i = p.index(")", i) + 1
                return _ANY  # a backreference
            else:
                found = _FLAGS.match(p, i)
                if found is None:
                    raise Unsupported("conditional, recursion or other group")
                self.i = found.end()
                if p[found.end() - 1] == ")":
                    return _EMPTY  # (?i): a flag setting, applied globally already
        first: list[_Info] | None = self.items()
        if first is not None and self.peek() == "|":
            branches = [_concat(first) if first else _EMPTY]
            while self.peek() == "|":
                self.i += 1
                branches.append(self.sequence())
            inner = _alternate(branches)
            first = None
        else:
            inner = _concat(first) if first else _EMPTY
        if self.peek() != ")":
            raise Unsupported("unclosed group")
        self.i += 1
        self.inside = None if kind == "assert" else first  # a group inside it may have set it
        return _EMPTY if kind == "assert" else inner

    def escape(self) -> _Info:
        p = self.p
        c = p[self.i + 1]
        self.i += 2
        if c in _ASSERT_ESCAPES:
            return _EMPTY
        if c in _CLASS_ESCAPES:
            return _ANY
        if c in ("p", "P", "N"):
            if self.peek() == "{":
                self.i = p.index("}", self.i) + 1
            else:
                self.i += 1
            return _ANY
        if c in _CONTROL_ESCAPES:
            return self.char(_CONTROL_ESCAPES[c])
        if c.isdigit() or c in ("g", "x", "u", "U", "o"):
            raise Unsupported("backreference or numeric escape")
        if c.isalpha():
            raise Unsupported(f"escape \\{c}")
        return self.char(c)

    def char_class(self) -> _Info:
        """A [...] set: exact when it lists a few plain characters, otherwise any one character."""
        p = self.p
        i = self.i + 1
        negated = p.startswith("^", i)
        if negated:
            i += 1
        chars: set[str] = set()
        plain = not negated
        first = True
        while True:
            c = p[i]
            if c == "]" and not first:
                break
            first = False
            if c == "[":
                if p.startswith("[:", i):
                    i = p.index(":]", i + 2) + 2
                    plain = False
                    continue
                raise Unsupported("nested set")
            if c == "\\":
                e = p[i + 1]
                if e in ("p", "P", "N") and p.startswith("{", i + 2):
                    i = p.index("}", i + 2) + 1
                    plain = False
                    continue
                if e.isalnum():
                    if e in _CLASS_ESCAPES or e in ("b",):
                        plain = False
                        i += 2
                        continue
                    if e in _CONTROL_ESCAPES:
                        chars.add(_CONTROL_ESCAPES[e])
                        i += 2
                        continue
                    raise Unsupported(f"escape \\{e} in a set")
                chars.add(e)
                i += 2
                continue
            if c == "-" and chars and p[i + 1] != "]":
                plain = False  # a range
            elif c in ("&", "~", "|") and p[i + 1] == c:
                raise Unsupported("set operation")
            else:
                chars.add(c)
            i += 1
        self.i = i + 1
        if not plain or not chars or len(chars) > 8:
            return _ANY
        if self.folded:
            if not all(ch.isascii() for ch in chars):
                return _ANY
            return frozenset(ch.lower() for ch in chars), ()
        return frozenset(chars), ()
