"""Stable identities for events: templates (masked text) and signatures (what compares equal across runs)."""

from __future__ import annotations

import hashlib

import regex

from .library import Library
from .model import Event

_EXC_LINE = regex.compile(
    r"^(?:[\w.]+\.)?(?P<type>[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Failure|Fault))(?::|$)", regex.M
)
_FRAME = regex.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>[\w<>.]+)')
_THIRD_PARTY = regex.compile(r"(?:site-packages|dist-packages|/lib/python\d|\\lib\\python|<frozen )", regex.I)
_DEFAULT_MASKS: tuple[tuple[str, str], ...] = (("NUM", r"(?<![A-Za-z_])\d+(?![A-Za-z_])"),)
_TEMPLATE_CHARS = 300
_APP_FRAMES = 3


def _short(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:10]  # noqa: S324 - an id, not security


class Signer:
    """Masks text into templates and derives signatures, with the library's masks."""

    def __init__(self, library: Library) -> None:
        masks = library.masks or _DEFAULT_MASKS
        self._masks = [(name, regex.compile(pattern)) for name, pattern in masks]

    def mask(self, text: str) -> str:
        """Text with every variable part replaced by <NAME>."""
        for name, pattern in self._masks:
            text = pattern.sub(f"<{name}>", text)
        return text

    def template(self, event: Event) -> str:
        """The masked headline of an event: its exception line when it has one, else its first line."""
        exc = _last_exception_line(event.clean)
        headline = exc if exc is not None else event.clean.split("\n", 1)[0]
        return self.mask(headline.strip()[:_TEMPLATE_CHARS])

    def sign(self, event: Event, rule: str, key: str | None, template: str) -> str:
        """rule:key for keyed rule matches; exception type and app frames for tracebacks; else the template."""
        if key:
            return f"{rule}:{key}"
        exc = _EXC_LINE.search(event.clean)
        frames = _FRAME.findall(event.clean)
        if exc is not None and frames:
            own = [f for f in frames if not _THIRD_PARTY.search(f[0])] or frames
            top = "|".join(f"{self.mask(_basename(f[0]))}:{f[2]}" for f in own[-_APP_FRAMES:])
            return f"{rule}:{exc.group('type')}:{_short(top + exc.group('type'))}"
        return f"{rule}:{_short(template)}"


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _last_exception_line(text: str) -> str | None:
    last = None
    for found in _EXC_LINE.finditer(text):
        line_end = text.find("\n", found.start())
        last = text[found.start() : line_end if line_end >= 0 else len(text)]
    return last
