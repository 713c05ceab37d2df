"""Stable identities for events: what compares equal when the same failure happens in another revision or run.

- A rule match with an extracted key: ``rule:key`` (``env-var-missing:DATABASE_URL``).
- A match of a noise-class rule without a key: the rule id alone (``access-log-ok``). Noise is counted,
  never decided on, so one finding per noise rule (and key) is enough, and such events need no template.
- A Python traceback (multi-line, flattened onto one line, or with literal ``\\n``): the rule, the final
  exception type, and a hash of the exception types of the chain plus the innermost frames of the
  application's own code (files outside site-packages, dist-packages and the standard library), by
  file and function. Line numbers, addresses, ids and temporary paths never enter it.
- A chained traceback: the rule, ``Outer<Root`` (the exception that propagated and its root cause) and
  the root's name when it has one (a missing module, a missing key), else the hash above with the root's
  own frames in it: a chain whose root cause changed is a different failure.
- A trace of another language (Node, JVM, .NET, Go, Ruby, PHP; read by ``ingest.traces``): the same
  shape, with that language's own frames (Java package and class, Node path outside node_modules, Go
  package, .NET namespace, Ruby and PHP path outside vendor).
- Anything else (unclaimed events, keyless matches of the other classes): the rule and a hash of the
  event's mined template.

``Signer.fixed`` gives the signature when it does not depend on a template, so the classifier mines
templates only for the events that need one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache

import regex

from logscan import regexes
from logscan.ingest.traces import SHAPES, Trace, parse
from logscan.model import Cause, Event
from logscan.templates.causes import parse_causes
from logscan.templates.miner import Literals, Masker, fewest

APP_FRAMES = 3
"""Innermost frames of the application's own code that identify a failure."""
TRACEBACK_CACHE = 256
"""Texts whose traceback identity is remembered."""
TRACEBACK_CACHE_CHARS = 32 * 1024
"""Longer texts are parsed every time (bounds the cache's memory)."""

# Pattern sources, compiled on first use (``_compiled``): each costs start-up time, and a run without
# tracebacks or chained causes needs few of them.
_FRAME = r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>[\w<>.]+)'
_THIRD_PARTY = (
    r"(?i)(?:site-packages|dist-packages|[/\\]lib[/\\]python\d[\d.]*[/\\]|[/\\]Lib[/\\]|^<frozen |^<string>)"
)
_EXC_NAME = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*"
_EXC_LINE = rf"(?m)^(?P<type>{_EXC_NAME})(?::\s|:?$)"
_EXC_SUFFIX = r"(?:Error|Exception|Warning|Exit|Interrupt|Failure|Fault|Server|Timeout|Denied)$"
_EXC_INLINE = rf"(?:^|\s)(?P<type>{_EXC_NAME}):(?:\s|$)"
_TRACEBACK = "Traceback (most recent call last)"
_IMPORT_ERRORS = frozenset({"ModuleNotFoundError", "ImportError"})
_ROOT_NAME = (
    r"No module named '(?P<module>[\w.]+)'|cannot import name '\w+' from '(?P<from>[\w.]+)'"
    r"|Cannot find module '(?P<node>[^'\n]{1,200})'"
)
_QUOTED = r"""['"]([^'"\n]{1,200})['"]"""
_HEADLINE_CHARS = 2000
_PARSED = 4
"""Texts whose parse is remembered: an event's signature and its exception read the same text in turn."""
_SCREENED_CHARS = 32 * 1024
"""Texts up to this long are screened before ``parse`` (which reads whole texts this short)."""


@dataclass(frozen=True)
class Frame:
    """One frame of a Python traceback."""

    file: str
    """Path as printed."""
    line: int
    """Line number (kept for display, never for signatures)."""
    function: str
    """Function name."""

    @property
    def own(self) -> bool:
        """True for the application's own code (not site-packages, dist-packages or the standard library)."""
        return _compiled(_THIRD_PARTY).search(self.file) is None


@dataclass(frozen=True)
class TracebackInfo:
    """What a traceback says, however it was printed."""

    exception: str | None
    """Final exception type (the one that propagated), without its module path; None when cut off."""
    chain: tuple[str, ...]
    """Every exception type of a chained traceback, in printed order."""
    frames: tuple[Frame, ...]
    """All frames, outermost first, across the chain."""

    def app_frames(self, limit: int = APP_FRAMES) -> tuple[Frame, ...]:
        """The innermost frames of the application's own code (all frames when none are its own)."""
        own = [f for f in self.frames if f.own] or list(self.frames)
        return tuple(own[-limit:])


@lru_cache(maxsize=_PARSED)
def parse_traceback(text: str) -> TracebackInfo | None:
    """Exception types and frames of a Python traceback in the text; None when it holds none."""
    body = text.replace("\\n", "\n") if "\\n" in text else text
    frames = tuple(
        Frame(file=m.group("file"), line=int(m.group("line")), function=m.group("func"))
        for m in _compiled(_FRAME).finditer(body)
    )
    chain = _exception_chain(body)
    if not frames and (_TRACEBACK not in body or not chain):
        return None
    return TracebackInfo(exception=_short_type(chain[-1]) if chain else None, chain=chain, frames=frames)


def _exception_chain(body: str) -> tuple[str, ...]:
    names: list[str] = []
    lines = body.split("\n")
    if len(lines) > 1:
        for i, line in enumerate(lines):
            found = _compiled(_EXC_LINE).match(line)
            if found is None or line.startswith((" ", "\t")) or (i == 0 and _TRACEBACK in line):
                continue
            if _is_exception_name(found.group("type"), previous=lines[i - 1] if i else ""):
                names.append(found.group("type"))
        return tuple(names)
    # Flattened onto one line: the exception follows the last frame's source line.
    frames = list(_compiled(_FRAME).finditer(body))
    tail = body[frames[-1].end() :] if frames else body
    for found in _compiled(_EXC_INLINE).finditer(tail):
        if _compiled(_EXC_SUFFIX).search(found.group("type")) or "." in found.group("type"):
            names.append(found.group("type"))
    return tuple(names[-1:])


def _is_exception_name(name: str, previous: str) -> bool:
    """A line ``Name: message`` ends a traceback when the name looks like an exception or follows a frame."""
    return _compiled(_EXC_SUFFIX).search(name) is not None or previous.startswith((" ", "\t"))


def _short_type(name: str) -> str:
    """The type without its package, module or namespace (``.``, Ruby's ``::``, PHP's ``\\``)."""
    return name.replace("::", ".").replace("\\", ".").rsplit(".", 1)[-1]


@cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    """A pattern above, compiled when first used."""
    return regexes.compile(pattern)


def _joined(patterns: list[str]) -> regex.Pattern[str] | None:
    """One multi-line pattern that matches where any of the patterns does (each an alternative), or None
    when one holds what would not survive being joined (an inline flag, a named group, a backreference)."""
    if any(regex.search(r"\(\?(?![:=!]|<[=!])|\\[1-9gk]", p) for p in patterns):
        return None
    return regexes.compile("(?m)" + "|".join(f"(?:{p})" for p in patterns))


@cache
def _any_shape() -> regex.Pattern[str] | None:
    """Whether any language's trace shape holds in a text: one search instead of one per shape (matched
    under the multi-line flag, as ``Shape.holds`` matches each); built when the first text is screened."""
    return _joined([shape.detect for shape in SHAPES])


@lru_cache(maxsize=4)
def _trace_literals(literals: Literals) -> tuple[str, ...] | None:
    """Strings one of which is in every text in which some language's trace shape holds (``Shape.holds``),
    by the given literal analysis; None when it cannot tell for some shape."""
    found: set[str] = set()
    for shape in SHAPES:
        # Flags 0: shape.py compiles the pattern with none of its own; the analysis reads inline ones.
        need = literals(f"(?m){shape.detect}", 0)
        if not need:
            return None
        found.update(need)
    return fewest(found)


def may_hold_trace(text: str, literals: Literals | None) -> bool:
    """False when no language's trace shape can hold in the text (so ``parse_trace`` finds none): it holds
    none of the literals the shapes need (checked in microseconds; the shapes' search takes ~15 us a line).
    True when it may, or when literals (classify's analysis, which a Masker carries) is None."""
    need = _trace_literals(literals) if literals is not None else None
    if need is None:
        return True
    return any(literal in text for literal in need)


@lru_cache(maxsize=_PARSED)
def parse_trace(text: str) -> Trace | None:
    """``ingest.traces.parse`` of the text, screened first by one search for every shape at once."""
    screen = _any_shape() if len(text) <= _SCREENED_CHARS else None
    if screen is not None and screen.search(text) is None:
        return None  # no shape holds, so parse would try each and find none
    return parse(text)


def headline(event: Event) -> str:
    """The line that names an event: its final exception line when it holds a traceback, else its first line."""
    text = event.clean
    if _TRACEBACK in text or "\n" in text:
        body = text.replace("\\n", "\n") if "\\n" in text else text
        lines = body.split("\n")
        for i in range(len(lines) - 1, 0, -1):
            line = lines[i]
            found = _compiled(_EXC_LINE).match(line)
            if (
                found is not None
                and not line.startswith((" ", "\t"))
                and _is_exception_name(found.group("type"), lines[i - 1])
            ):
                return _clip(line)
    return _clip(text.split("\n", 1)[0])


class Signer:
    """Derives signatures; masks (patterns/masks.yaml) scrub ids and paths out of frame files.

    The traceback part of recent texts is remembered: a crash loop logs the same traceback thousands of times.
    """

    def __init__(self, masker: Masker) -> None:
        self._masker = masker

        def remember(text: str) -> str | None:
            return identify(masker, text)

        self._remembered = lru_cache(maxsize=TRACEBACK_CACHE)(remember)

    def sign(self, event: Event, rule: str, key: str | None, template: str, *, noise: bool = False) -> str:
        """rule:key for keyed rule matches; rule for a noise rule's matches (noise=True); rule:Type:hash for
        tracebacks; else rule:hash(template)."""
        fixed = self.fixed(event, rule, key, noise=noise)
        return fixed if fixed is not None else templated(rule, template)

    def fixed(self, event: Event, rule: str, key: str | None, *, noise: bool = False) -> str | None:
        """The signature when it does not depend on the event's template, else None (see ``templated``).

        noise: the event was claimed by a noise-class rule (not the unclaimed fallback).
        """
        if key:
            return f"{rule}:{key}"
        if noise:
            return rule
        text = event.clean
        if 'File "' not in text and _TRACEBACK not in text and "\n" not in text:
            return None
        found = self._remembered(text) if len(text) <= TRACEBACK_CACHE_CHARS else identify(self._masker, text)
        return f"{rule}:{found}" if found is not None else None


def _traceback_id(masker: Masker, text: str) -> str | None:
    """``Type:hash`` of the traceback in the text (exception chain and app frames), or None.

    A chained traceback signs as ``Outer<Root:...``, so a chain whose root cause changed is another
    failure; a missing module is named (``ModuleNotFoundError:app.reporting``), and so is a chained root
    that names what it lacks (``RuntimeError<KeyError:JWT_SECRET``); the rest is told apart by a hash.
    """
    info = parse_traceback(text)
    if info is None:
        return None
    frames = "|".join(f"{_frame_file(masker, f.file)}:{f.function}" for f in info.app_frames())
    kind = info.exception or "Traceback"
    causes = parse_causes(text)
    if causes is None:
        return f"{kind}:{_short('>'.join(_short_type(c) for c in info.chain) + '#' + frames)}"
    root = causes.root
    chained = len(causes.causes) > 1
    if chained:
        kind = f"{causes.outermost.short}<{root.short}"
    name = root_name(root)
    if name is not None and (chained or root.short in _IMPORT_ERRORS):
        return f"{kind}:{masker.mask(name)}"
    own = "|".join(_frame_file(masker, f) for f in root.frames if _compiled(_THIRD_PARTY).search(f) is None)
    identity = ">".join(c.short for c in causes.causes) + "#" + frames + "#" + own
    return f"{kind}:{_short(identity)}"


def identify(masker: Masker, text: str) -> str | None:
    """``Type:hash`` of the Python traceback or other language's trace in the text, or None."""
    if 'File "' in text or _TRACEBACK in text:
        return _traceback_id(masker, text)
    return _trace_id(masker, text)


def _trace_id(masker: Masker, text: str) -> str | None:
    """``Type:hash`` of a Node, JVM, .NET, Go, Ruby or PHP trace (ingest/traces) with frames, or None.

    As for Python: the exception type, the chain of causes (``Outer<Root``, the root named when it names
    what it lacks) and the innermost frames of the application's own code, by file and function.
    """
    trace = parse_trace(text) if may_hold_trace(text, masker.literals) else None
    if trace is None or not trace.frames:
        return None
    kind = _short_type(trace.raised.type)
    chain = parse_causes(text)
    types = kind
    if chain is None or len(chain.causes) < 2:
        missing = root_name(Cause(trace.raised.type, trace.raised.message, ()))
        if missing is not None:  # a missing module or class is the failure's name
            return f"{kind}:{masker.mask(missing)}"
    else:
        kind = f"{_short_type(chain.outermost.exception)}<{_short_type(chain.root.exception)}"
        name = root_name(chain.root)
        if name is not None:
            return f"{kind}:{masker.mask(name)}"
        types = ">".join(_short_type(c.exception) for c in chain.causes)
    frames = "|".join(f"{_frame_file(masker, f.file)}:{f.function}" for f in trace.app_frames(APP_FRAMES))
    return f"{kind}:{_short(trace.raised.language + '#' + types + '#' + frames)}"


def root_name(cause: Cause) -> str | None:
    """What a cause names as missing: a module, a setting (KeyError), a class; None when it names nothing."""
    found = _compiled(_ROOT_NAME).search(cause.message)
    if found is not None:
        return str(next(g for g in found.groups() if g))
    if cause.short == "KeyError":
        key = _compiled(_QUOTED).fullmatch(cause.message.strip())
        return str(key.group(1)) if key else None
    if cause.short in ("ClassNotFoundException", "NoClassDefFoundError") and cause.message:
        return cause.message.split()[0].replace("/", ".")
    return None


def _frame_file(masker: Masker, path: str) -> str:
    """The last two parts of a frame's path, masked: ``app/db.py``, never a tmp dir or a version."""
    parts = path.replace("\\", "/").rsplit("/", 2)[-2:]
    return masker.mask("/".join(parts))


@lru_cache(maxsize=4096)  # one per mined template's event otherwise: a sha1 and two strings each time
def templated(rule: str, template: str) -> str:
    """The signature of an event that ``Signer.fixed`` leaves to its template: rule:hash(template)."""
    return f"{rule}:{_short(template)}"


def _short(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:10]


def _clip(line: str) -> str:
    if len(line) <= _HEADLINE_CHARS:
        return line
    from logscan.redaction.redact import clip  # only a long line pays for loading the detectors

    return clip(line, _HEADLINE_CHARS)  # redacted before it is cut, so no part of a secret is left
