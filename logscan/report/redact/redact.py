"""Redact secrets before anything is rendered, and check finished reports for any that survived.

A secret becomes ``[REDACTED:kind:hash]``, where the hash is a short digest of the secret itself, so
equal secrets still group and differ from other secrets. This module redacts a report; the detectors
and the redaction of one text are in logscan/redaction (the core: stages that cut text redact before they
cut); the fail-closed check of finished text is in scan.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

from logscan import regexes
from logscan.model import Report
from logscan.redaction.redact import PLACEHOLDER, redact_text
from logscan.templates.miner import rule_stubs

_RUN = regexes.compile(r"[A-Za-z0-9]{8,}")


T = TypeVar("T")


def redact_report(report: Report) -> Report:
    """The report with secrets replaced in every text field: examples, templates, signatures, keys, reasons,
    next steps, rule stubs, provenance. Pieces of a found secret elsewhere (a template whose masks cut it
    apart) are replaced too, and rule stubs are rebuilt from their redacted template and example."""
    found: dict[str, str] = {}
    done: dict[str, str] = {}

    def once(text: str) -> str:
        if text not in done:
            done[text] = redact_text(text, found)
        return done[text]

    first = map_strings(report, once)
    if not found:
        return first
    scrubbed = map_strings(first, _Scrubber(found))
    stubs = rule_stubs([(t.template, t.example) for t in scrubbed.templates])
    templates = tuple(
        replace(t, rule_stub=stub) if t != original else t
        for t, original, stub in zip(scrubbed.templates, report.templates, stubs, strict=True)
    )
    return replace(scrubbed, templates=templates)


def _random_looking(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    upper = sum(c.isupper() for c in text)
    lower = sum(c.islower() for c in text)
    return (digits > 0 and upper + lower > 0) or (upper >= 3 and lower >= 3)


class _Scrubber:
    """Replaces whole occurrences of found secrets, and runs of 8+ letters and digits cut from them."""

    def __init__(self, found: dict[str, str]) -> None:
        usable = [(s, p) for s, p in found.items() if len(s) >= 8 and _random_looking(s)]
        self._exact = sorted(
            ((s, p) for s, p in usable if not any(c.isspace() for c in s)), key=lambda sp: -len(sp[0])
        )
        self._pieces: dict[str, str] = {}
        for secret, marker in usable:
            for run in _RUN.findall(secret):
                for i in range(len(run) - 7):
                    for j in range(i + 8, len(run) + 1):
                        piece = run[i:j]
                        if _random_looking(piece):
                            self._pieces.setdefault(piece, marker)

    def __call__(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        for m in PLACEHOLDER.finditer(text):
            out.append(self._plain(text[pos : m.start()]))
            out.append(m.group(0))
            pos = m.end()
        out.append(self._plain(text[pos:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        for secret, marker in self._exact:
            if secret in text:
                text = text.replace(secret, marker)
        if not self._pieces:
            return text
        return str(_RUN.sub(lambda m: self._pieces.get(m.group(0), m.group(0)), text))


def map_strings(value: T, fn: Callable[[str], str]) -> T:
    """The same value with fn applied to every string inside it (frozen dataclasses rebuilt with replace)."""
    return _walk(value, fn)  # type: ignore[no-any-return]


def _walk(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(_walk(v, fn) for v in value)
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, dict):
        return {_walk(k, fn): _walk(v, fn) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), fn) for f in fields(value)}
        return replace(value, **changes)
    return value
