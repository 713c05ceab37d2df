"""The exception an event reports, whatever the language: type, message and the causes chained to it.

Python tracebacks are read by ``signature.parse_traceback``, every other language by ``ingest.traces``;
the chain of causes by ``causes.parse_causes``.
"""

from __future__ import annotations

from functools import lru_cache

from logscan.model import Raised
from logscan.templates.causes import parse_causes
from logscan.templates.miner import Literals
from logscan.templates.signature import may_hold_trace, parse_trace, parse_traceback

_MAX_CHARS = 64 * 1024
_CACHE_CHARS = 32 * 1024
"""Longer texts are read every time (bounds the cache's memory)."""


def raised(text: str, literals: Literals | None = None) -> Raised | None:
    """The exception the text reports (the one that propagated), or None when it reports none.

    literals: classify's literal analysis (``Masker.literals``), which rules out most texts holding no trace
    without the shapes' search (``signature.may_hold_trace``). Recent texts are remembered: a crash loop
    logs the same trace thousands of times.
    """
    return _remembered(text, literals) if len(text) <= _CACHE_CHARS else _raised(text, literals)


def _raised(text: str, literals: Literals | None) -> Raised | None:
    body = text[:_MAX_CHARS]
    found: Raised | None = None
    if 'File "' in body or "Traceback (most recent call last)" in body:
        info = parse_traceback(body)
        if info is not None and info.chain:
            found = Raised("python", info.chain[-1], _message(body, info.chain[-1]))
    if found is None:
        trace = parse_trace(body) if may_hold_trace(body, literals) else None
        if trace is None:
            return None
        found = trace.raised
    chain = parse_causes(body)
    if chain is None or len(chain.causes) < 2:
        return found
    return Raised(found.language, found.type, found.message, tuple(c.exception for c in chain.causes[:-1]))


def _message(text: str, kind: str) -> str:
    """The message on the last line that starts with the exception's name."""
    body = text.replace("\\n", "\n") if "\\n" in text and "\n" not in text else text
    for line in reversed(body.split("\n")):
        if line.startswith(kind) and line[len(kind) : len(kind) + 1] in (":", ""):
            return line[len(kind) + 1 :].strip()
    return ""


_remembered = lru_cache(maxsize=256)(_raised)
