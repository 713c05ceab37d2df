"""The fail-closed check: a finished report that still holds anything secret-shaped is not written.

Redaction (redact.py) works on the report before rendering; this looks at the rendered text itself, in
every reading a reader could get of it, with the same detectors, because escaping in a renderer must
never hide a secret from the check.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import regex

from logscan.errors import ReportError
from logscan.report.redact.detectors import DETECTORS


@dataclass(frozen=True)
class Leak:
    """Something secret-shaped found in a finished report."""

    kind: str
    """The detector that fired."""
    line: int
    """1-based line of the finished text where it sits."""


def find_secrets(text: str, fmt: str | None = None) -> list[Leak]:
    """Secret-shaped strings in finished text, looked for in every reading a reader could get of it: an HTML
    page as a browser decodes it, Markdown without its escapes and zero-width joiners, JSON unescaped (escaping
    must not hide a secret from this check). fmt is md, html or json; None tries every reading."""
    leaks: list[Leak] = []
    seen: set[tuple[str, int]] = set()
    for reading in _readings(text, fmt):
        for detector in DETECTORS:
            for m in detector.pattern.finditer(reading):
                line = reading.count("\n", 0, m.start("secret")) + 1
                if (detector.kind, line) not in seen:
                    seen.add((detector.kind, line))
                    leaks.append(Leak(detector.kind, line))
    return leaks


_MD_ESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")
_INVISIBLE = regex.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _readings(text: str, fmt: str | None) -> list[str]:
    if fmt == "html":
        return [html.unescape(text)]
    readings = [text]
    if fmt in ("md", None):
        plain = _INVISIBLE.sub("", _MD_ESCAPE.sub(r"\1", text))
        readings += [plain, html.unescape(plain)]
    if fmt in ("json", None):
        readings.append(
            text.replace("\\n", "\n").replace('\\"', '"').replace("\\/", "/").replace("\\\\", "\\")
        )
    if fmt is None:
        readings.append(html.unescape(text))
    return list(dict.fromkeys(readings))


def assert_clean(text: str, what: str, fmt: str | None = None) -> None:
    """Fail closed: raise ReportError when the finished text still holds anything secret-shaped."""
    leaks = find_secrets(text, fmt)
    if leaks:
        where = ", ".join(f"{leak.kind} on line {leak.line}" for leak in leaks[:5])
        raise ReportError(
            f"the {what} still holds text shaped like a secret ({where}) after redaction, so nothing was "
            "written. Please report this as a logscan bug; --no-redact skips redaction and this check "
            "(for private use only)."
        )
