"""What a detector is: a kind, a regex whose ``secret`` group is the part to hide, an anchor the text must hold for
the regex to be worth running, and the examples it must and must not match (tests run them)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

NOT_PLACEHOLDER = r"(?!\[REDACTED:)(?!<[A-Za-z_*]*>)(?!\\|\(\?|\.[+*]\?)"
"""A secret never starts with a placeholder, a template mask such as <*> or <NUM>, nor a regex (a rule stub's)."""
NOT_A_VALUE = (
    r"(?!(?:None|null|nil|undefined|true|false|YES|NO|\*+|<[^>\s]*>|\$\{?\w+\}?|\{\{[^}]*\}\})"
    r"(?:[\s&\"',;)}\]]|$))"
)
"""Words that stand where a value would and are none: password=None, token=${API_TOKEN}, (using password: YES)."""
_PLACEHOLDER = regex.compile(r"\[REDACTED:[a-z0-9-]+:[0-9a-f]{6}\]")
_MASK_OR_PLACEHOLDER = regex.compile(r"\[REDACTED:[a-z0-9-]+:?[0-9a-f]*\]|<[A-Za-z_*]*>")
_ALNUM = regex.compile(r"[A-Za-z0-9]")
_SEGMENTS = regex.compile(r"[-_.]")


@dataclass(frozen=True)
class Detector:
    """One kind of secret: how to find it and what it must and must not match."""

    kind: str
    """Short name shown in the placeholder, such as openai-key."""
    pattern: regex.Pattern[str]
    """Regex with a named group ``secret``: the text that gets replaced."""
    anchor: regex.Pattern[str]
    """Something every match contains (a prefix, a name): text without it skips this detector. Redaction and the
    fail-closed scan both go through it, so they never disagree; a test checks it on every example."""
    matches: tuple[str, ...]
    """Lines in which the detector must find a secret."""
    no_match: tuple[str, ...] = ()
    """Lines in which it must find nothing."""
    check: Callable[[str], bool] | None = None
    """Extra test of the secret itself (the entropy detector's randomness test)."""

    def find(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Start, end and text of each secret found in text that is real: not a placeholder, not a template
        mask, passing check."""
        view = _PLACEHOLDER.sub(_blank, text) if "[REDACTED:" in text else text
        if not self.anchor.search(view):
            return
        for m in self.pattern.finditer(view):
            secret = text[m.start("secret") : m.end("secret")]
            if not _ALNUM.search(_MASK_OR_PLACEHOLDER.sub("", secret)):
                continue
            if self.check is not None and not self.check(secret):
                continue
            yield m.start("secret"), m.end("secret"), secret


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
) -> Detector:
    """A Detector from regex source; anchor is a regex too (usually a literal prefix)."""
    return Detector(
        kind, regex.compile(pattern, regex.V0), regex.compile(anchor, regex.V0), matches, no_match, check
    )


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
