"""What each node of a regex requires of every match: the exact strings it matches, or sets of strings of
which every match holds one. A recursive descent over the regex module's version-0 syntax (``Parser``)
computes it node by node, combining children by sequence (``concat``), alternation (``alternate``) and
repetition (``repeat``); prefilter.py turns a whole pattern's answer into a rule's required literals.
Anything the walk does not model raises ``Unsupported``.
"""

from __future__ import annotations

from logscan import regexes

_MAX_SET = 16
"""Largest set of alternatives kept for one node (more, and the node counts as unknown)."""
_MAX_NEED = 64
"""Largest union of alternatives kept as a rule's requirement."""
_MAX_LEN = 64
MAX_ALSO = 3
"""Further required sets kept beside the strongest one (each costs a multi-string search entry)."""
FLAGS = regexes.compile(r"\(\?([a-zA-Z0-9-]+)[:)]")
"""An inline flag group, ``(?i)`` or ``(?i:...)``."""
_QUANT = regexes.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_ASSERT_ESCAPES = set("bBAZzGmMK")
_CLASS_ESCAPES = set("dDwWsShHvVXR")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "a": "\a"}

Need = tuple[frozenset[str], ...]
"""Sets of alternatives that every match must all hold: one string of each set (a conjunction)."""
Info = tuple[frozenset[str] | None, Need]
"""(exact, need): the node matches exactly one of ``exact``; or every match holds one string of each
set in ``need`` (empty: nothing is known)."""
ANY: Info = (None, ())
EMPTY: Info = (frozenset({""}), ())


class Unsupported(Exception):
    """The pattern uses syntax the analysis does not model."""


def needs(info: Info) -> Need:
    """What a node requires: its exact strings when none is empty, else its need."""
    exact, need = info
    if exact is not None:
        return (exact,) if exact and "" not in exact else ()
    return need


def best(info: Info) -> frozenset[str] | None:
    """The strongest single requirement a node gives."""
    need = needs(info)
    return max(need, key=score) if need else None


def score(strings: frozenset[str]) -> tuple[int, int]:
    return (min(len(s) for s in strings), -len(strings))


def concat(items: list[Info]) -> Info:
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
    return None, tuple(sorted(usable, key=score, reverse=True)[: 1 + MAX_ALSO])


def alternate(branches: list[Info]) -> Info:
    if all(b[0] is not None for b in branches):
        union = frozenset().union(*(b[0] for b in branches if b[0] is not None))
        if len(union) <= _MAX_SET:
            return union, ()
    needs = [best(b) for b in branches]
    if any(n is None for n in needs):
        return ANY
    union = frozenset().union(*(n for n in needs if n is not None))
    return (None, (union,)) if len(union) <= _MAX_NEED else ANY


def repeat(info: Info, low: int, high: int | None) -> Info:
    if low == 1 and high == 1:
        return info
    if low == 0:
        exact = info[0]
        if high == 1 and exact is not None and len(exact) < _MAX_SET:
            return exact | {""}, ()
        return ANY
    return None, needs(info)


class Parser:
    """Recursive descent over the regex module's version-0 syntax, computing Info per node."""

    def __init__(self, pattern: str, folded: bool) -> None:
        self.p = pattern
        self.i = 0
        self.folded = folded
        self.inside: list[Info] | None = None
        """The nodes of the group atom() just read, when it had one branch (to splice into a sequence)."""

    def peek(self, n: int = 1) -> str:
        return self.p[self.i : self.i + n]

    def alternation(self) -> Info:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else alternate(branches)

    def sequence(self) -> Info:
        items = self.items()
        return concat(items) if items else EMPTY

    def items(self) -> list[Info]:
        """The nodes of one branch. A group of one branch, not repeated, is spliced in: ``" (5)\\d``
        then yields the literal ``" 5`` across the group's edge."""
        items: list[Info] = []
        while self.i < len(self.p) and self.peek() not in ("|", ")"):
            self.inside = None
            info = self.atom()
            inside = self.inside
            if inside is not None and self.peek() not in ("*", "+", "?", "{"):
                items.extend(inside)
            else:
                items.append(self.quantified(info))
        return items

    def quantified(self, info: Info) -> Info:
        while True:
            c = self.peek()
            if c in ("*", "+", "?"):
                self.i += 1
                info = repeat(info, 0 if c != "+" else 1, 1 if c == "?" else None)
            elif c == "{":
                found = _QUANT.match(self.p, self.i)
                if found is None:
                    raise Unsupported("a brace that is not a counted repeat (fuzzy matching?)")
                self.i = found.end()
                low = int(found.group(1) or 0)
                high = None if found.group(2) and not found.group(3) else int(found.group(3) or low)
                info = repeat(info, low, high)
            else:
                return info
            if self.peek() in ("?", "+"):  # lazy or possessive: same strings
                self.i += 1

    def atom(self) -> Info:
        c = self.p[self.i]
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape()
        self.i += 1
        if c == ".":
            return ANY
        if c in ("^", "$"):
            return EMPTY
        if c in ("*", "+", "?", "{"):
            raise Unsupported(f"{c} with nothing to repeat")
        return self.char(c)

    def char(self, c: str) -> Info:
        if self.folded:
            if not c.isascii() or c == "\x00":
                return ANY
            return frozenset({c.lower()}), ()
        return (frozenset({c}), ()) if c != "\x00" and not "\ud800" <= c <= "\udfff" else ANY

    def group(self) -> Info:
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
                return EMPTY
            elif rest.startswith(("P<", "<", "'")):
                close = ">" if rest[0] != "'" else "'"
                start = i + 2 + (2 if rest.startswith("P<") else 1)
                self.i = p.index(close, start) + 1
            elif rest.startswith("P="):
                self.i = p.index(")", i) + 1
                return ANY  # a backreference
            else:
                found = FLAGS.match(p, i)
                if found is None:
                    raise Unsupported("conditional, recursion or other group")
                self.i = found.end()
                if p[found.end() - 1] == ")":
                    return EMPTY  # (?i): a flag setting, applied globally already
        first: list[Info] | None = self.items()
        if first is not None and self.peek() == "|":
            branches = [concat(first) if first else EMPTY]
            while self.peek() == "|":
                self.i += 1
                branches.append(self.sequence())
            inner = alternate(branches)
            first = None
        else:
            inner = concat(first) if first else EMPTY
        if self.peek() != ")":
            raise Unsupported("unclosed group")
        self.i += 1
        self.inside = None if kind == "assert" else first  # a group inside it may have set it
        return EMPTY if kind == "assert" else inner

    def escape(self) -> Info:
        p = self.p
        c = p[self.i + 1]
        self.i += 2
        if c in _ASSERT_ESCAPES:
            return EMPTY
        if c in _CLASS_ESCAPES:
            return ANY
        if c in ("p", "P", "N"):
            if self.peek() == "{":
                self.i = p.index("}", self.i) + 1
            else:
                self.i += 1
            return ANY
        if c in _CONTROL_ESCAPES:
            return self.char(_CONTROL_ESCAPES[c])
        if c.isdigit() or c in ("g", "x", "u", "U", "o"):
            raise Unsupported("backreference or numeric escape")
        if c.isalpha():
            raise Unsupported(f"escape \\{c}")
        return self.char(c)

    def char_class(self) -> Info:
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
            return ANY
        if self.folded:
            if not all(ch.isascii() for ch in chars):
                return ANY
            return frozenset(ch.lower() for ch in chars), ()
        return frozenset(chars), ()
