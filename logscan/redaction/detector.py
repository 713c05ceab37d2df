"""What a detector is: a kind, a regex whose ``secret`` group is the part to hide, an anchor the text must hold for
the regex to be worth running, and the examples it must and must not match (tests run them)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import regex

from logscan import regexes

NOT_PLACEHOLDER = r"(?!\[REDACTED:)(?!<[A-Za-z_*]*>)(?!\\|\(\?|\.[+*]\?)"
"""A secret never starts with a placeholder, a template mask such as <*> or <NUM>, nor a regex (a rule stub's)."""
NOT_A_VALUE = (
    r"(?!(?:None|null|nil|undefined|true|false|YES|NO|\*+|<[^>\s]*>|\$\{?\w+\}?|\{\{[^}]*\}\})"
    r"(?:[\s&\"',;)}\]]|$))"
)
"""Words that stand where a value would and are none: password=None, token=${API_TOKEN}, (using password: YES)."""
_PLACEHOLDER = regexes.compile(r"\[REDACTED:[a-z0-9-]+:[0-9a-f]{6}\]")
_MASK_OR_PLACEHOLDER = regexes.compile(r"\[REDACTED:[a-z0-9-]+:?[0-9a-f]*\]|<[A-Za-z_*]*>")
_ALNUM = regexes.compile(r"[A-Za-z0-9]")
_SEGMENTS = regexes.compile(r"[-_.]")


@dataclass(frozen=True)
class Reach:
    """Which lines of a long text a detector's matches can lie on, so the fail-closed scan of a report searches
    only those (logscan/redaction/lines.py). Each field is a claim about the detector's pattern, argued beside it;
    tests compare the scan with a search of the whole text."""

    screen: str
    """RE2 regex (no lookaround, never matching a newline) found on the line of every match of the pattern, or
    on one of the ``before`` lines below the line where the match starts: the pattern's shape with its lookarounds
    dropped, so it matches wherever the pattern does."""
    before: int = 0
    """How many lines above its screen's line a match can start (a flag's leading \\s can be the newline)."""
    after: int = 0
    """How many lines below its own an attempt to match can read (a \\s that is a newline) ..."""
    blank: bool = False
    """... and past those, across blank lines to the next line holding anything (a \\s+ before a value)."""
    until: tuple[str, str] | None = None
    """... and, from an opening (the first string) on its lines, up to two characters past the next closing (the
    second): a lookahead over ``{{ ... }}``. An attempt reads nothing else beyond its line's newline."""


@dataclass(frozen=True)
class Detector:
    """One kind of secret: how to find it and what it must and must not match."""

    kind: str
    """Short name shown in the placeholder, such as openai-key."""
    source: str
    """Regex (regex.V0) with a named group ``secret``: the text that gets replaced."""
    anchor_source: str
    """Regex of something every match contains (a prefix, a name): text without it skips this detector.
    Redaction and the fail-closed scan both go through it, so they never disagree; a test checks it on every
    example."""
    matches: tuple[str, ...]
    """Lines in which the detector must find a secret."""
    no_match: tuple[str, ...] = ()
    """Lines in which it must find nothing."""
    check: Callable[[str], bool] | None = None
    """Extra test of the secret itself (the entropy detector's randomness test)."""
    reach: Reach | None = None
    """Where in a long text its matches can lie; None: anywhere (the whole text is searched)."""

    # Compiled when first used: most runs meet few detectors' anchors, and compiling all of them took ~18 ms
    # of every run's start-up.
    @cached_property
    def pattern(self) -> regex.Pattern[str]:
        """source, compiled."""
        return regexes.compile(self.source, regex.V0)

    @cached_property
    def anchor(self) -> regex.Pattern[str]:
        """anchor_source, compiled."""
        return regexes.compile(self.anchor_source, regex.V0)

    def find(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Start, end and text of each secret found in text that is real: not a placeholder, not a template
        mask, passing check."""
        view = blanked(text)
        if not self.anchor.search(view):
            return
        yield from self.real(text, self.pattern.finditer(view))

    def real(self, text: str, matches: Iterable[regex.Match[str]]) -> Iterator[tuple[int, int, str]]:
        """Start, end and text of the secrets of matches (of the pattern in blanked(text)) that are real."""
        for m in matches:
            secret = text[m.start("secret") : m.end("secret")]
            if not _ALNUM.search(_MASK_OR_PLACEHOLDER.sub("", secret)):
                continue
            if self.check is not None and not self.check(secret):
                continue
            yield m.start("secret"), m.end("secret"), secret


def blanked(text: str) -> str:
    """The text detectors search: placeholders kept in place, their kind and hash hidden (see _blank)."""
    return _PLACEHOLDER.sub(_blank, text) if "[REDACTED:" in text else text


def _blank(m: regex.Match[str]) -> str:
    """A placeholder with its kind and hash hidden, same length: a name in it ([REDACTED:url-password:...]) is
    no name to a detector."""
    return "[REDACTED:" + "-" * (len(m.group(0)) - 11) + "]"


def detector(
    kind: str,
    pattern: str,
    anchor: str,
    matches: tuple[str, ...],
    no_match: tuple[str, ...] = (),
    check: Callable[[str], bool] | None = None,
    reach: Reach | None = None,
) -> Detector:
    """A Detector from regex source; anchor is a regex too (usually a literal prefix)."""
    return Detector(kind, pattern, anchor, matches, no_match, check, reach)


def random_looking(value: str, min_bits: float = 3.3) -> bool:
    """Whether value looks generated: letters and digits mixed, and at least min_bits of entropy per character."""
    digits = sum(c.isdigit() for c in value)
    upper = sum(c.isupper() for c in value)
    lower = sum(c.islower() for c in value)
    # mixed case with a digit (base64, base62), or two digits among letters (hex); not a word-like id
    if not ((digits and upper >= 2 and lower >= 2) or (digits >= 2 and upper + lower >= 2)):
        return False
    if all(part.isalpha() or part.isdigit() for part in _SEGMENTS.split(value) if part):
        return (
            False  # words and numbers joined by - _ . (auth-service-00012-abc): a name, not a generated value
        )
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return bool(bits >= min_bits)
