"""Redact secrets before anything is rendered, and check finished reports for any that survived.

A secret becomes ``[REDACTED:kind:hash]``, where the hash is a short digest of the secret itself, so
equal secrets still group and differ from other secrets. This module redacts a report; the detectors
are data in detectors.py and the fail-closed check of finished text is in scan.py. Every
name callers used from this module is still importable from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from typing import Any, Final, TypeVar

import regex

from logscan.model import Report
from logscan.report.redact.detectors import DETECTORS, TRIGGER
from logscan.templates.miner import rule_stubs

PLACEHOLDER: Final = regex.compile(r"\[REDACTED:[a-z0-9-]+:[0-9a-f]{6}\]")
"""What a redacted secret looks like in a report."""

_RUN = regex.compile(r"[A-Za-z0-9]{8,}")


def placeholder(kind: str, secret: str) -> str:
    """The stable placeholder for a secret: equal secrets get equal placeholders."""
    digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:6]
    return f"[REDACTED:{kind}:{digest}]"


def redact_text(text: str, found: dict[str, str] | None = None) -> str:
    """Text with every detected secret replaced by its placeholder; found collects value -> placeholder."""
    if not TRIGGER.search(text):
        return text
    seen = found if found is not None else {}
    for detector in DETECTORS:
        text = detector.pattern.sub(_replacer(detector.kind, seen), text)
    return text


def _replacer(kind: str, found: dict[str, str]) -> Callable[[regex.Match[str]], str]:
    def replace_secret(m: regex.Match[str]) -> str:
        secret = m.group("secret")
        marker = placeholder(kind, secret)
        found.setdefault(secret, marker)
        start, end = m.span("secret")
        whole = str(m.group(0))
        return whole[: start - m.start()] + marker + whole[end - m.start() :]

    return replace_secret


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

    first = _map_strings(report, once)
    if not found:
        return first
    scrubbed = _map_strings(first, _Scrubber(found))
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


def _map_strings(value: T, fn: Callable[[str], str]) -> T:
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
