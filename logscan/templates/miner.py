"""Template mining: mask the variable parts of a message, then group messages whose remaining words agree.

Masks come first (``patterns/masks.yaml``: timestamps, ids, addresses, numbers become ``<NAME>``), then
the miner. Like Drain it groups messages of the same length and first word; unlike Drain it does not
merge two messages because they are merely *similar*. A word position becomes a variable ``<*>`` only
when the messages that agree everywhere else show at least ``min_distinct`` different words there
(four user names make ``Invalid user <*> from <IP>``; ``root`` and ``admin`` alone stay two templates).
Tokens holding digits or masks are variables from the start.

Every message is looked up by its exact token shape first, so a repeated shape costs one dict lookup;
a new shape costs a few lookups per token. The tokens of recent messages are remembered, so a repeated
message is not masked again. State is bounded: past ``max_shapes`` the indexes are
dropped and mining starts over (clusters already handed out keep their templates).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from logscan import regexes
from logscan.model import EventClass

VAR = "<*>"
"""A variable position in a mined template."""

MIN_DISTINCT = 4
"""Different words at one position (everything else equal) that make the position a variable."""
FIXED_PREFIX = 1
"""Leading word positions never turned into variables: a message's first word names its kind."""
MAX_TOKENS = 48
"""Words of a message considered; the rest is cut before mining (bounded work per message)."""
MAX_CANDIDATES = 64
"""Generalized templates of one length and first word tried for a new shape (the latest first)."""
MAX_SHAPES = 50_000
"""Distinct shapes indexed before the miner's indexes are dropped and mining starts over."""
TOKEN_CACHE = 4096
"""Messages whose tokens the miner remembers (a crash loop writes the same line thousands of times)."""
TOKEN_CACHE_CHARS = 2048
"""Longer messages are tokenized every time (bounds the cache's memory)."""

_DEFAULT_MASKS: tuple[tuple[str, str], ...] = (("NUM", r"(?<![A-Za-z_])[-+]?\d+(?:\.\d+)?(?![A-Za-z_])"),)
_SHAPED = str.maketrans("23456789", "11111111")
_SHAPED_BYTES = bytes.maketrans(b"23456789", b"11111111")
_QUANTIFIER = regexes.compile(r"\{\d*(?:,\d*)?\}")
_UNMODELLED = ("\\x", "\\u", "\\U", "\\N", "\\p", "\\P", "\\g", "\\k", "(?P=", "(?(", "[:", "(?V1")
"""Syntax whose digits ``digit_blind`` does not read (escapes of code points, properties, back-references,
conditionals, POSIX classes, version 1; and verbose mode, ``_VERBOSE``): a pattern holding any is not
digit-blind."""
_VERBOSE = regexes.compile(r"\(\?[a-zA-Z-]*[xX]")
_DIGIT = regexes.compile(r"\d")
_HAS_VARIABLE = regexes.compile(r"\d|<[A-Z][A-Z0-9_]*>|<\*>")
_KEY = regexes.compile(r"[A-Za-z_][\w.\-]*=(?=.)")
_PLACEHOLDER = regexes.compile(r"<[A-Z][A-Z0-9_]*>|<\*>")


Literals = Callable[[str, int], Collection[str] | None]
"""Strings one of which every match of a pattern (given with its compiled flags) holds, or None when unknown."""


class Masker:
    """Replaces the variable parts of a text with ``<NAME>``: each mask in file order, over the whole text.

    A later mask sees the earlier ones' placeholders (which hold no digits), so the first mask to claim
    a span wins. Given ``literals`` (classify passes its prefilter's analysis), a mask is run only on a
    text that holds one of the strings every match of it holds: most texts hold no ``://``, ``@`` or
    month name, and a search that cannot match costs as much as one that does.
    """

    def __init__(self, masks: Sequence[tuple[str, str]], literals: Literals | None = None) -> None:
        self.masks = tuple(masks) or _DEFAULT_MASKS
        self.literals = literals
        """The literal analysis it was given (signature.py screens texts for traces with it too)."""
        self._compiled: list[tuple[regex.Pattern[str], str, tuple[str, ...] | None]] = []
        for name, source in self.masks:
            pattern = regexes.compile(source, regex.VERSION0)
            need = literals(source, pattern.flags) if literals is not None else None
            self._compiled.append((pattern, f"<{name}>", fewest(need) if need else None))
        self.patterns = {name: pattern for name, pattern in self.masks}
        """Mask name -> regex, for rule stubs."""
        self.digit_blind = all(digit_blind(source) and "\\" not in name for name, source in self.masks)
        """Every mask tells the digits 1-9 apart from no other (``digit_blind``) and its placeholder holds
        no backslash (which could bring the matched text in): a text and its ``shape`` mask into the same
        tokens."""

    def mask(self, text: str) -> str:
        """Text with every variable part replaced by <NAME>."""
        for pattern, placeholder, need in self._compiled:
            if need is not None:  # checked on the text as the earlier masks left it
                for literal in need:
                    if literal in text:
                        break
                else:
                    continue
            text = pattern.sub(placeholder, text)
        return text


def shape(text: str) -> str:
    """The text with the digits 2-9 as 1 (0 is kept: a pattern may name it, as in ``0x``)."""
    if text.isascii():
        return text.encode("ascii").translate(_SHAPED_BYTES).decode("ascii")
    return text.translate(_SHAPED)


def digit_blind(pattern: str) -> bool:
    """True when the pattern provably matches a text exactly where it matches the text's ``shape``: every
    digit in it is a 0, part of a ``0-9`` or ``1-9`` range in a set, or of a ``{m,n}`` repeat, and it holds
    no syntax that names a character by number or matches text seen before (``_UNMODELLED``, ``\\1``).

    Then each of its elements (a literal, a set, ``\\d``, ``\\w``, ``\\b``, ``.``) matches 1 where it
    matches any of 1-9, so a text and its shape are matched alike position by position; masking replaces
    the same spans in both, and the placeholders are the same text. False when unsure.
    """
    if any(syntax in pattern for syntax in _UNMODELLED) or _VERBOSE.search(pattern):
        return False
    i, in_set = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern[i + 1 : i + 2].isdigit():
                return False  # a back-reference or an octal escape
            i += 2
            continue
        if in_set:
            if (
                pattern.startswith(("0-9", "1-9"), i)
                and pattern[i - 1] != "-"
                and pattern[i + 3 : i + 4] != "-"
            ):
                i += 3  # every digit but 0, or all of them (never within another range)
                continue
            if c.isdigit() and (c != "0" or pattern[i - 1] == "-" or pattern[i + 1 : i + 2] == "-"):
                return False  # a range that splits the digits (or might)
            in_set = c != "]"
        elif c == "[":
            in_set = True
            i += 1
            i += 1 if pattern.startswith("^", i) else 0
            i += 1 if pattern.startswith("]", i) else 0  # a ] first in a set is itself
            continue
        elif c == "{":
            quantifier = _QUANTIFIER.match(pattern, i)
            if quantifier is not None:
                i = quantifier.end()
                continue
            if pattern[i + 1 : i + 2].isalpha():
                return False  # fuzzy matching, {e<=1}
        elif c.isdigit() and c != "0":
            return False
        i += 1
    return not in_set


def fewest(strings: Collection[str]) -> tuple[str, ...]:
    """The strings none of the others is part of: a text holding "ms" holds "s" too."""
    return tuple(sorted(s for s in set(strings) if not any(o != s and o in s for o in strings)))


@dataclass(eq=False)
class Cluster:
    """A group of messages with one template; merged clusters point at the one that absorbed them."""

    tokens: tuple[str, ...]
    """Generalized tokens: the grouping key (variables are <*> or key=<*>)."""
    display: list[str]
    """Tokens as shown: mask names kept while every member agrees on them."""
    size: int = 0
    """Messages added to this cluster directly (not counting absorbed clusters)."""
    parent: Cluster | None = field(default=None, repr=False)
    """The cluster this one was merged into, if any."""

    def root(self) -> Cluster:
        """The cluster that currently holds this one's messages."""
        node = self
        while node.parent is not None:
            if node.parent.parent is not None:
                node.parent = node.parent.parent
            node = node.parent
        return node

    def template(self) -> str:
        """The template text of the cluster that holds this one."""
        return " ".join(self.root().display)


class _Bucket:
    """Shapes that agree everywhere except one position, and the words seen there."""

    __slots__ = ("members", "words")

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.members: set[Cluster] = set()


class TemplateMiner:
    """Streaming template miner; ``add`` returns the message's cluster, ``Cluster.template()`` its template."""

    def __init__(
        self,
        masker: Masker,
        min_distinct: int = MIN_DISTINCT,
        fixed_prefix: int = FIXED_PREFIX,
        max_tokens: int = MAX_TOKENS,
        max_shapes: int = MAX_SHAPES,
    ) -> None:
        self.masker = masker
        self.min_distinct = min_distinct
        self.fixed_prefix = fixed_prefix
        self.max_tokens = max_tokens
        self.max_shapes = max_shapes
        self.resets = 0
        """How often the indexes outgrew max_shapes and mining started over."""
        self._reset()

        def tokenize(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            return _tokens(masker, text, max_tokens)

        self._remembered = lru_cache(maxsize=TOKEN_CACHE)(tokenize)

    def _reset(self) -> None:
        self._shapes: dict[tuple[str, ...], Cluster] = {}
        self._by_tokens: dict[tuple[str, ...], Cluster] = {}
        self._buckets: dict[tuple[int, tuple[str, ...]], _Bucket] = {}
        self._general: dict[tuple[int, str], list[Cluster]] = {}

    def tokens(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(generalized, display) tokens of a message after masking."""
        if len(text) > TOKEN_CACHE_CHARS:
            return _tokens(self.masker, text, self.max_tokens)
        # Digit-blind masks give a text its shape's tokens (a token with a digit shows as a variable): the
        # texts of one shape ("Slow query took 838ms: ...") are masked once.
        return self._remembered(shape(text) if self.masker.digit_blind else text)

    def add(self, text: str) -> Cluster:
        """Mine one message; the returned cluster's template may still generalize as more messages come."""
        general, display = self.tokens(text)
        known = self._shapes.get(display)
        if known is not None:
            known.size += 1
            return known
        if len(self._shapes) >= self.max_shapes:
            self.resets += 1
            self._reset()
        cluster = self._home(general)
        if cluster is None:
            cluster = Cluster(tokens=general, display=list(display))
            self._by_tokens[general] = cluster
        else:
            _blend(cluster.display, display)
        self._shapes[display] = cluster
        cluster.size += 1
        self._watch(general, cluster)
        return cluster

    def _home(self, general: tuple[str, ...]) -> Cluster | None:
        """The existing cluster a new shape belongs to, if any."""
        exact = self._by_tokens.get(general)
        if exact is not None:
            return exact.root()
        for i in range(self.fixed_prefix, len(general)):
            word = general[i]
            if word == VAR:
                continue
            found = self._by_tokens.get((*general[:i], _variable(word), *general[i + 1 :]))
            if found is not None:
                return found.root()
        if not general:
            return None
        candidates = self._general.get((len(general), general[0]), [])
        for candidate in reversed(candidates[-MAX_CANDIDATES:]):
            if candidate.parent is None and _fits(candidate.tokens, general):
                return candidate
        return None

    def _watch(self, general: tuple[str, ...], cluster: Cluster) -> None:
        """Record the word at each position; enough different words there make it a variable."""
        for i in range(self.fixed_prefix, len(general)):
            word = general[i]
            if word == VAR or word.endswith("=<*>"):
                continue
            key = (*general[:i], _variable(word), *general[i + 1 :])
            bucket = self._buckets.get((i, key))
            if bucket is None:
                bucket = self._buckets[(i, key)] = _Bucket()
            bucket.words.add(word)
            bucket.members.add(cluster.root())
            if len(bucket.words) >= self.min_distinct and len(bucket.members) > 1:
                self._merge(i, key, bucket)
                return

    def _merge(self, position: int, key: tuple[str, ...], bucket: _Bucket) -> None:
        target = self._by_tokens.get(key)
        if target is None:
            target = Cluster(tokens=key, display=list(next(iter(bucket.members)).root().display))
            self._by_tokens[key] = target
            self._general.setdefault((len(key), key[0]), []).append(target)
        target = target.root()
        for member in bucket.members:
            root = member.root()
            if root is not target:
                _blend(target.display, root.display)
                root.parent = target
        target.display[position] = key[position]
        bucket.members = {target}


def template_of(text: str, masker: Masker, max_tokens: int = MAX_TOKENS) -> str:
    """The template of one message on its own, without mining: masked, words holding digits as ``<*>``.

    It is the template a message gets when it starts a cluster, for messages whose signature needs no
    mined template (their finding still shows one).
    """
    return " ".join(_tokens(masker, text, max_tokens)[1])


def _tokens(masker: Masker, text: str, max_tokens: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    general: list[str] = []
    display: list[str] = []
    for word in masker.mask(text).split()[:max_tokens]:
        if word.isalpha():  # letters alone hold no digit and no mask
            general.append(word)
            display.append(word)
        else:
            shown, shape = _word(word)
            general.append(shape)
            display.append(shown)
    return tuple(general), tuple(display)


@lru_cache(maxsize=1 << 16)  # masked words repeat: <NUM>, <IP>, "-", "HTTP/<NUM>"
def _word(word: str) -> tuple[str, str]:
    """How a masked word is displayed and how it is grouped: itself twice, unless it holds a digit or a
    mask (grouped as a variable, displayed as one when it holds a digit)."""
    if not _HAS_VARIABLE.search(word):
        return word, word
    variable = _variable(word)
    return (variable if _DIGIT.search(word) else word), variable


@lru_cache(maxsize=1 << 16)
def _variable(word: str) -> str:
    """The variable form of a word: ``key=<*>`` keeps a ``key=`` prefix, anything else is ``<*>``."""
    found = _KEY.match(word)
    if found is not None and not _HAS_VARIABLE.search(found.group(0)):
        return str(found.group(0)) + VAR
    return VAR


def _fits(template: tuple[str, ...], general: tuple[str, ...]) -> bool:
    return all(
        t in (g, VAR) or (t.endswith("=<*>") and _variable(g) == t)
        for t, g in zip(template, general, strict=False)
    )


def _blend(display: list[str], other: Sequence[str]) -> None:
    """Positions where the two disagree become variables (keeping a shared ``key=`` prefix)."""
    for i, (mine, theirs) in enumerate(zip(display, other, strict=False)):
        if mine != theirs:
            shared = _variable(mine)
            display[i] = shared if shared == _variable(theirs) else VAR


def rule_stubs(pairs: Sequence[tuple[str, str]], masker: Masker | None = None) -> list[str]:
    """Rule stubs for (template, example) pairs shown together: ids that would repeat get -2, -3 ...,
    so that every stub pasted from one report is a distinct rule."""
    taken: set[str] = set()
    stubs = []
    for template, example in pairs:
        base = rule_id = _stub_id(template)
        n = 1
        while rule_id in taken:
            n += 1
            rule_id = f"{base}-{n}"
        taken.add(rule_id)
        stubs.append(rule_stub(template, example, masker, rule_id=rule_id))
    return stubs


def rule_stub(
    template: str, example: str, masker: Masker | None = None, *, rule_id: str | None = None
) -> str:
    """YAML for a rule that claims a mined template; the user names it, classes it and tightens it.

    Constant words are escaped, a named mask becomes that mask's regex (``.+?`` without a masker), ``<*>``
    becomes ``\\S+``. When the
    result does not match the example (the template was cut or generalized past it), the stub falls back
    to the example's escaped first line.
    """
    first_line = example.split("\n", 1)[0]
    pattern = _stub_regex(template, masker)
    if not pattern or regex.search(pattern, first_line) is None:
        pattern = regex.escape(first_line[:120], literal_spaces=True)
    stub = {
        "rules": [
            {
                "id": rule_id or _stub_id(template),
                "class": str(EventClass.NOISE),
                "description": "What this message means.",
                "hint": "What to do when it appears.",
                "regex": pattern,
                "examples": {"match": [first_line[:300]], "no_match": []},
            }
        ]
    }
    import yaml  # only a report with unclaimed messages shows stubs: the others import no YAML library

    return yaml.safe_dump(stub, sort_keys=False, allow_unicode=True, width=1000)


def _stub_regex(template: str, masker: Masker | None) -> str:
    patterns = masker.patterns if masker is not None else {}
    parts: list[str] = []
    last = 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(_words(template[last : found.start()]))
        name = found.group(0)[1:-1]
        if name in patterns:
            parts.append(f"(?:{patterns[name]})")
        else:
            parts.append(r"\S+" if name == "*" else r".+?")
        last = found.end()
    parts.append(_words(template[last:]))
    return "".join(parts).strip()


def _words(text: str) -> str:
    return r"\s+".join(regex.escape(w) for w in text.split(" ")) if text else ""


def _stub_id(template: str) -> str:
    words = [w.lower() for w in regex.findall(r"[A-Za-z]{3,}", _PLACEHOLDER.sub(" ", template))][:4]
    return "-".join(["unclaimed", *words]) if words else "name-this-rule"
