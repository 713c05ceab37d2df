"""The fail-closed check: a finished report that still holds anything secret-shaped is not written.

Redaction works on the report before rendering; this reads the text a reader is shown, undoing the format's own
escaping (an HTML page's markup and entities, Markdown's backslashes and zero-width joiners, JSON's string
escapes), then every decoded form redaction also reads (logscan/redaction/decode.py), with the same detectors.
A placeholder or a template mask is never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from logscan import regexes
from logscan.errors import ReportError
from logscan.redaction.decode import decoded_texts
from logscan.redaction.lines import long_text_hits


@dataclass(frozen=True)
class Leak:
    """Something secret-shaped found in a finished report."""

    kind: str
    """The detector that fired."""
    line: int
    """1-based line of the reading where it sits."""


def find_secrets(text: str, fmt: str | None = None) -> list[Leak]:
    """Secret-shaped strings in finished text, in every reading a reader could get of it. fmt is md, html or
    json; None tries every reading."""
    leaks: list[Leak] = []
    seen: set[tuple[str, int]] = set()
    for shown in _shown(text, fmt):
        for reading in [shown, *decoded_texts(shown)]:
            for hit in long_text_hits(reading):
                line = reading.count("\n", 0, hit.start) + 1
                if (hit.kind, line) not in seen:
                    seen.add((hit.kind, line))
                    leaks.append(Leak(hit.kind, line))
    return leaks


_MD_ESCAPE = regexes.compile(r"\\([!-/:-@\[-`{-~])")
_INVISIBLE = regexes.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "details",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "title",
        "style",
        "script",
    ]
)


class _Text(HTMLParser):
    """The text of an HTML page as a browser shows it: entities decoded, markup gone, blocks on their own line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        self.parts.extend(f"\n{value}\n" for _, value in attrs if value)  # titles and links are read too

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(page: str) -> str:
    """The text an HTML page shows (and its attribute values), one block per line."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


def _shown(text: str, fmt: str | None) -> list[str]:
    if fmt == "html":
        return [html_text(text)]
    readings = [text]
    if fmt in ("md", None):
        readings.append(_INVISIBLE.sub("", _MD_ESCAPE.sub(r"\1", text)))
    if fmt is None:
        readings.append(html_text(text))
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
