"""Redact text: every secret a detector finds, in the text as written or in any decoded form of it, becomes
``[REDACTED:kind:hash]``, where the hash is a short digest of the secret, so equal secrets still group."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from logscan import regexes
from logscan.redaction.decode import decodings
from logscan.redaction.detectors import DETECTORS, TRIGGER
from logscan.redaction.gate import may_hold_secret

PLACEHOLDER: Final = regexes.compile(r"\[REDACTED:[a-z0-9-]+:[0-9a-f]{6}\]")
"""What a redacted secret looks like."""


@dataclass(frozen=True)
class Hit:
    """A secret found in text."""

    kind: str
    """The detector that found it."""
    start: int
    """Where it starts in the text searched."""
    end: int
    """Where it ends."""
    secret: str
    """The secret as the detector read it (decoded when it was found in a decoded reading)."""


def placeholder(kind: str, secret: str) -> str:
    """The stable placeholder for a secret: equal secrets get equal placeholders."""
    digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:6]
    return f"[REDACTED:{kind}:{digest}]"


def hits(text: str) -> Iterator[Hit]:
    """Every secret the detectors find in text as it is written (no decoding)."""
    if not (may_hold_secret(text) and TRIGGER.search(text)):
        return
    for d in DETECTORS:
        for start, end, secret in d.find(text):
            yield Hit(d.kind, start, end, secret)


def redact_text(text: str, found: dict[str, str] | None = None) -> str:
    """Text with every detected secret replaced by its placeholder; found collects value -> placeholder.

    Detectors run in order on the text (each sees the earlier ones' placeholders), then on each decoded form of
    what is left, and a secret found there replaces its encoded original.
    """
    seen = found if found is not None else {}
    if may_hold_secret(text) and TRIGGER.search(text):
        for d in DETECTORS:
            found_here = [(start, end, d.kind, secret) for start, end, secret in d.find(text)]
            text = _replace(text, found_here, seen)
    for _ in range(3):
        spans: list[tuple[int, int, str, str]] = []
        for decoded in decodings(text):
            for hit in hits(decoded.text):
                start, end = decoded.original_span(hit.start, hit.end)
                if not PLACEHOLDER.search(text, start, end):
                    spans.append((start, end, hit.kind, hit.secret))
        if not spans:
            break
        text = _replace(text, spans, seen)
    return text


def _replace(text: str, spans: list[tuple[int, int, str, str]], found: dict[str, str]) -> str:
    """Text with each span replaced by its placeholder (overlapping spans become one, the first kind wins)."""
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, kind, secret in sorted(spans):
        if start < pos:
            continue
        marker = placeholder(kind, secret)
        found.setdefault(secret, marker)
        out.append(text[pos:start])
        out.append(marker)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def clip(text: str, limit: int) -> str:
    """Text cut to at most limit characters without leaving part of a secret: redact first, then cut, and never
    through a placeholder."""
    if len(text) <= limit:
        return text
    text = redact_text(text)
    for m in PLACEHOLDER.finditer(text, max(0, limit - 40), limit + 40):
        if m.start() < limit < m.end():
            return text[: m.start()]
    return text[:limit]
