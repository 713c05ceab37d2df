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
_FLAGS = regex.compile(r"\(\?([a-zA-Z0-9-]+)[:)]")
_SAFE_FLAGS = set("aimsfuw-")
_UNSAFE_COMPILED = regex.X | regex.V1 | regex.B | regex.E | regex.P | regex.R | regex.L
_QUANT = regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_ASSERT_ESCAPES = set("bBAZzGmMK")
_CLASS_ESCAPES = set("dDwWsShHvVXR")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "a": "\a"}

_Info = tuple[frozenset[str] | None, frozenset[str] | None]
"""(exact, need): the node matches exactly one of ``exact``; or every match contains one of ``need``."""
_ANY: _Info = (None, None)
_EMPTY: _Info = (frozenset({""}), None)


@dataclass(frozen=True)
class Literals:
    """A rule's requirement: every match contains at least one of ``strings``."""

    strings: frozenset[str]
    """The alternatives, each non-empty."""
    folded: bool
    """Compare against the line's casefold() (the rule is case-insensitive)."""


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
    need = _best(info)
    if not need:
        return None
    return Literals(strings=need, folded=folded)


def _global_flags(pattern: str) -> bool:
    folded = False
    for found in _FLAGS.finditer(pattern):
        flags = found.group(1).replace("V0", "")
        if not set(flags) <= _SAFE_FLAGS:
            raise Unsupported(f"flags {flags}")
        folded = folded or "i" in flags or "f" in flags
    return folded


def _best(info: _Info) -> frozenset[str] | None:
    """The strongest requirement a node gives: its exact strings when none is empty, else its need."""
    exact, need = info
    if exact is not None:
        return exact if exact and "" not in exact else None
    return need


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
        if need:
            candidates.append(need)
    if run is not None:
        candidates.append(frozenset(run))
    if exact_all and run is not None:
        return frozenset(run), None
    usable = [c for c in candidates if c and "" not in c]
    return None, max(usable, key=_score) if usable else None


def _alternate(branches: list[_Info]) -> _Info:
    if all(b[0] is not None for b in branches):
        union = frozenset().union(*(b[0] for b in branches if b[0] is not None))
        if len(union) <= _MAX_SET:
            return union, None
    needs = [_best(b) for b in branches]
    if any(n is None for n in needs):
        return _ANY
    union = frozenset().union(*(n for n in needs if n is not None))
    return (None, union) if len(union) <= _MAX_NEED else _ANY


def _repeat(info: _Info, low: int, high: int | None) -> _Info:
    if low == 1 and high == 1:
        return info
    if low == 0:
        exact = info[0]
        if high == 1 and exact is not None and len(exact) < _MAX_SET:
            return exact | {""}, None
        return _ANY
    return None, _best(info)


class _Parser:
    """Recursive descent over the regex module's version-0 syntax, computing _Info per node."""

    def __init__(self, pattern: str, folded: bool) -> None:
        self.p = pattern
        self.i = 0
        self.folded = folded

    def peek(self, n: int = 1) -> str:
        return self.p[self.i : self.i + n]

    def alternation(self) -> _Info:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else _alternate(branches)

    def sequence(self) -> _Info:
        items: list[_Info] = []
        while self.i < len(self.p) and self.peek() not in ("|", ")"):
            items.append(self.quantified(self.atom()))
        return _concat(items) if items else _EMPTY

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
            return frozenset({c.lower()}), None
        return (frozenset({c}), None) if c != "\x00" and not "\ud800" <= c <= "\udfff" else _ANY

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
        inner = self.alternation()
        if self.peek() != ")":
            raise Unsupported("unclosed group")
        self.i += 1
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
            return frozenset(ch.lower() for ch in chars), None
        return frozenset(chars), None
