"""Markdown that GitHub cannot turn into anything but text: escaping and code spans for untrusted strings.

Log text goes in code: a fenced block whose fence the text cannot close, or an inline code span. Any other
untrusted string is escaped so that it cannot make an @mention, an issue reference (#123, owner/repo#123,
GH-123), a link, an autolink, an image or raw HTML: Markdown punctuation gets a backslash, and a zero-width
joiner goes after @ and # and inside URL schemes, where GitHub's own linkers look.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from logscan import regexes
from logscan.redaction.redact import PLACEHOLDER

_TEXT_CHARS = 500
_CODE_CHARS = 200
_ZWJ = "\u200d"
_BACKTICKS = regexes.compile(r"`+")
_CONTROL = regexes.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPECIAL = regexes.compile(r"[\\`*_\[\]<>!|~&$#]")
_AFTER_ZWJ = regexes.compile(
    r"(?<=[@#])|(?<=\b(?i:https?|ftp|mailto|xmpp|www|gh|javascript|vbscript))(?=[:.\-])"
)
_LEADING = regexes.compile(r"^(?:(?P<mark>[-+=])(?=[\s\-+=]|$)|(?P<num>\d{1,9})(?P<dot>[.)])(?=\s|$))")
_MARKER_UNSAFE = regexes.compile(r"[^A-Za-z0-9._-]+")
_WORD = regexes.compile(r"[\w-]")
_COMMIT_SHA = regexes.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{40}(?![0-9A-Za-z])")
_INVISIBLE_LAYOUT = regexes.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\u0085]")
"""Bidirectional overrides and isolates (they reorder what a reader sees: "Trojan Source"), and the line and
paragraph separators and NEL that some readers break lines at and others do not."""


def visible_layout(text: str) -> str:
    """Text with every bidi control and odd line separator shown as {U+202E}, so none can reorder or split
    what a reader sees. Applied to a whole finished Markdown or HTML report."""
    return str(_INVISIBLE_LAYOUT.sub(lambda m: f"{{U+{ord(m.group(0)):04X}}}", text))


def cut(text: str, limit: int) -> tuple[str, bool]:
    """Text cut to at most limit characters, never through a redaction placeholder; and whether it was cut."""
    if len(text) <= limit:
        return text, False
    end = limit
    for m in PLACEHOLDER.finditer(text, max(0, limit - 40), limit + 40):
        if m.start() < end < m.end():
            end = m.start()
    return text[:end], True


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(_CONTROL.sub("", text).split())
    short, was_cut = cut(flat, limit)
    return short + "…" if was_cut else short


def md_text(text: str, limit: int = _TEXT_CHARS) -> str:
    """Untrusted text made inert for Markdown outside code: one line, Markdown and HTML syntax escaped,
    and a zero-width joiner after @ and # and inside URL schemes so GitHub links nothing; a 40-hex commit SHA
    goes in a code span, where GitHub does not link it either."""
    return _lead(_escape(_one_line(text, limit)))


def md_text_with_code(text: str, codes: Iterable[str], limit: int = _TEXT_CHARS) -> str:
    """md_text, except that the given identifiers (signatures, rule ids) become code spans where they
    occur, so that a reader copies them exactly (code needs no escapes and no zero-width joiners)."""
    line = _one_line(text, limit)
    wanted = sorted({c for c in codes if c and c in line}, key=len, reverse=True)
    if not wanted:
        return md_text(text, limit)
    pieces = []
    last = 0
    for m in regex.finditer("|".join(regex.escape(c) for c in wanted), line):
        before = line[m.start() - 1 : m.start()]
        after = line[m.end() : m.end() + 1]
        if (before and _WORD.match(before)) or (after and _WORD.match(after)):
            continue  # part of a longer word, not the identifier itself
        pieces.append(_escape(line[last : m.start()]))
        pieces.append(md_code(m.group(0), limit))
        last = m.end()
    pieces.append(_escape(line[last:]))
    return _lead("".join(pieces))


def _escape(line: str) -> str:
    line = _SPECIAL.sub(lambda m: "\\" + m.group(0), line)
    line = _AFTER_ZWJ.sub(_ZWJ, line)
    return str(
        _COMMIT_SHA.sub(lambda m: f"`{m.group(0)}`", line)
    )  # GitHub links a bare commit SHA; not in code


def _lead(line: str) -> str:
    def lead(m: regex.Match[str]) -> str:
        if m.group("mark"):
            return "\\" + str(m.group("mark"))
        return str(m.group("num")) + "\\" + str(m.group("dot"))

    return str(_LEADING.sub(lead, line, count=1))


def md_code(text: str, limit: int = _CODE_CHARS, *, table: bool = False) -> str:
    """Untrusted text as an inline code span on one line; its own backticks cannot close the span."""
    line = _one_line(text, limit)
    if not line:
        return "(empty)"
    longest = max((len(m) for m in _BACKTICKS.findall(line)), default=0)
    ticks = "`" * (longest + 1)
    if line[0] in "` " or line[-1] in "` ":
        line = f" {line} "
    if table:
        line = line.replace("|", "\\|")
    return f"{ticks}{line}{ticks}"


def fence(text: str, lang: str = "text") -> str:
    """A fenced code block that the text itself cannot close: the fence is longer than any backtick run."""
    body = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def marker(service: str | None, revision: str | None, digest: str = "") -> str:
    """The hidden comment that identifies a report's subject (publish updates by it): service and revision,
    and when either is unknown, the digest of the sources' names and content after the revision."""
    name = _MARKER_UNSAFE.sub("_", service or "unknown")[:100]
    what = _MARKER_UNSAFE.sub("_", revision or "unknown")[:100]
    if digest and not (service and revision):
        what = f"{what}-{_MARKER_UNSAFE.sub('_', digest)[:64]}"
    return f"<!-- logscan:{name}:{what} -->"
