"""The chained exceptions inside one event's text, down to the root cause.

Each runtime prints a chain its own way; ``parse_causes`` reads all four and returns the chain root first:

- Python: tracebacks separated by ``The above exception was the direct cause of the following exception:``
  (``raise ... from e``) or ``During handling of the above exception, another exception occurred:``; the
  first traceback printed is the root cause. Also read when flattened onto one line or with literal ``\\n``.
- Java (and Kotlin, Scala): the top exception, then ``Caused by:`` lines; the last ``Caused by`` is the root.
- .NET: ``Outer: message ---> Inner: message``, innermost (the root) last, its frames first, each block of
  frames closed by ``--- End of inner exception stack trace ---``.
- Node: ``Error: message`` then nested ``[cause]: Error: message``; the deepest cause is the root.

Pure text in, model values out: no rules, no I/O. A cause's frames are its frames' files (Python, Node) or
classes (Java, .NET), outermost first; line numbers never enter them.
"""

from __future__ import annotations

from functools import cache, lru_cache

import regex

from logscan import regexes
from logscan.model import Cause, CauseChain, Language

MAX_CHARS = 64 * 1024
"""Longer texts are read up to this many characters (a chain's root is printed first in Python)."""
MAX_CAUSES = 32
"""A chain longer than this keeps its root and its outermost causes (a recursion printed in a loop)."""

PYTHON_SEPARATORS = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)
_PY_SEPARATOR = "|".join(regex.escape(s) for s in PYTHON_SEPARATORS)
_TRACEBACK = "Traceback (most recent call last):"
_PY_FRAME = r'File "(?P<file>[^"\n]+)", line \d+(?:, in (?P<func>[^\s\n]+))?'
_PY_EXC = r"(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::[ \t]?(?P<msg>.*))?"
_PY_EXC_INLINE = r"(?:^|\s)(?P<type>(?:[A-Za-z_]\w*\.)*[A-Z]\w*):(?:\s(?P<msg>.*)|$)"
_EXC_SUFFIX = r"(?:Error|Exception|Warning|Exit|Interrupt|Failure|Fault|Timeout|Denied|Throwable)$"

_JAVA_HEADER = (
    r"^(?:Exception in thread \"[^\"\n]*\" |Caused by: |Wrapped by: )?"
    r"(?P<type>(?:[a-zA-Z_$][\w$]*\.)+[A-Za-z_$][\w$]*)(?::[ \t]*(?P<msg>.*))?$"
)
_JAVA_FRAME = r"^\s+at (?P<where>[\w$.<>/]+)\((?P<file>[^()\n]*)\)"
_JAVA_HINT = r"(?m)^Caused by: |^\s+at [\w$.<>/]+\([\w$]*\.(?:java|kt|scala|groovy):\d+\)|\((?:Native Method|Unknown Source)\)"

_DOTNET_HEADER = (
    r"(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Exception|Error))(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?"
    r"(?::[ \t]*(?P<msg>.*?))?$"
)
_DOTNET_FRAME = r"^\s+at (?P<where>[\w.`<>+\[\]|]+?)(?:\[[^\]\n]*\])?\("
_DOTNET_END = "--- End of inner exception stack trace ---"
_DOTNET_HINT = r"(?m) ---> |--- End of inner exception stack trace ---|^\s+at [^\n]+ in [^\n]+:line \d+"

_NODE_HEADER = (
    r"^\s*(?:\[cause\]: |Uncaught )?(?P<type>[A-Z]\w*(?:Error|Exception)|Error)(?: \[(?P<code>[A-Z0-9_]+)\])?"
    r"(?::[ \t]*(?P<msg>.*?))?(?: \{)?$"
)
_NODE_FRAME = r"^\s+at (?:[^\n(]*? \()?(?P<file>(?:node:)?[^\s():]+(?::[^\s():]+)*?):\d+:\d+\)?(?: \{)?$"
_NODE_HINT = r"(?m)^\s*\[cause\]: |^\s+at (?:[^\n(]*? \()?[^\s()]+:\d+:\d+\)?$"


@cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    """A pattern above, compiled when first used: each costs start-up time, and a run compiles only those of
    the runtimes its texts print (most exports print one, or no chain at all)."""
    return regexes.compile(pattern)


@lru_cache(maxsize=4)  # an event's signature and its exception read the same text in turn
def parse_causes(text: str) -> CauseChain | None:
    """The chain of exceptions printed in the text, root cause first; None when it holds no exception."""
    body = text[:MAX_CHARS]
    if "\\n" in body and "\n" not in body.strip():
        body = body.replace("\\n", "\n")
    if _TRACEBACK in body or _compiled(_PY_FRAME).search(body) is not None:
        return _chain(Language.PYTHON, _python(body))
    if _compiled(_DOTNET_HINT).search(body) is not None:
        return _chain(Language.DOTNET, _dotnet(body))
    if _compiled(_JAVA_HINT).search(body) is not None:
        return _chain(Language.JAVA, _java(body))
    if _compiled(_NODE_HINT).search(body) is not None:
        return _chain(Language.NODE, _node(body))
    return None


def _chain(language: Language, causes: list[Cause]) -> CauseChain | None:
    """Root first; a chain past MAX_CAUSES keeps its root and the causes closest to the surface."""
    if not causes:
        return None
    if len(causes) > MAX_CAUSES:
        causes = [causes[0], *causes[-(MAX_CAUSES - 1) :]]
    return CauseChain(language=language, causes=tuple(causes))


# Python ------------------------------------------------------------------------------------------


def _python(body: str) -> list[Cause]:
    """Python prints the root cause's traceback first: the printed order is already root first."""
    causes = []
    for part in _compiled(_PY_SEPARATOR).split(body):
        cause = _python_part(part) if "\n" in part.strip() else _python_flat(part)
        if cause is not None:
            causes.append(cause)
    return causes


def _python_part(part: str) -> Cause | None:
    lines = part.split("\n")
    frames: list[str] = []
    last_frame = -1
    for i, line in enumerate(lines):
        found = _compiled(_PY_FRAME).search(line)
        if found is not None and line[:1] in (" ", "\t"):
            frames.append(found.group("file"))
            last_frame = i
    candidates = lines[last_frame + 1 :] if last_frame >= 0 else lines
    previous = lines[last_frame] if last_frame >= 0 else ""
    for line in candidates:
        if line[:1] in (" ", "\t", "") or line.startswith((_TRACEBACK, "^", "~")):
            previous = line
            continue
        found = _compiled(_PY_EXC).fullmatch(line.rstrip())
        if found is not None and (
            _compiled(_EXC_SUFFIX).search(found.group("type")) is not None or previous[:1] in (" ", "\t")
        ):
            return Cause(found.group("type"), (found.group("msg") or "").strip(), tuple(frames))
        if last_frame >= 0:
            break  # the first unindented line after the frames is the exception, or there is none
        previous = line
    return None


def _python_flat(part: str) -> Cause | None:
    """A traceback flattened onto one line: the exception follows the last frame's source line."""
    frames = list(_compiled(_PY_FRAME).finditer(part))
    tail = part[frames[-1].end() :] if frames else part
    for found in _compiled(_PY_EXC_INLINE).finditer(tail):
        name = found.group("type")
        if _compiled(_EXC_SUFFIX).search(name) is not None or "." in name:
            msg = (found.group("msg") or "").strip()
            return Cause(name, msg, tuple(f.group("file") for f in frames))
    return None


# Java --------------------------------------------------------------------------------------------


def _java(body: str) -> list[Cause]:
    """Java prints the outermost exception first and its causes after it: reversed, root first."""
    outer_first: list[tuple[str, str, list[str]]] = []
    lines = body.split("\n")
    for i, line in enumerate(lines):
        frame = _compiled(_JAVA_FRAME).match(line)
        if frame is not None:
            if outer_first:
                outer_first[-1][2].append(frame.group("where").rsplit(".", 1)[0])
            continue
        header = _compiled(_JAVA_HEADER).match(line.strip())
        if header is None:
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        named = _compiled(_EXC_SUFFIX).search(header.group("type")) is not None
        if line.startswith("Caused by: ") or named or _compiled(_JAVA_FRAME).match(following) is not None:
            outer_first.append((header.group("type"), (header.group("msg") or "").strip(), []))
    return [Cause(t, m, tuple(dict.fromkeys(f))) for t, m, f in reversed(outer_first)]


# .NET --------------------------------------------------------------------------------------------


def _dotnet(body: str) -> list[Cause]:
    """.NET prints outer ---> inner headers, then the innermost's frames first, blocks closed by End lines."""
    headers: list[tuple[str, str]] = []
    blocks: list[list[str]] = [[]]
    for line in body.split("\n"):
        if _DOTNET_END in line:
            blocks.append([])
            continue
        frame = _compiled(_DOTNET_FRAME).match(line)
        if frame is not None:
            blocks[-1].append(frame.group("where").rsplit(".", 1)[0])
            continue
        for piece in line.split(" ---> "):
            piece = piece.strip().removeprefix("Unhandled exception. ").removeprefix("---> ").strip()
            header = _compiled(_DOTNET_HEADER).match(piece)
            if header is not None and not blocks[-1]:
                headers.append((header.group("type"), (header.group("msg") or "").strip()))
    # headers are outermost first; blocks innermost first
    root_first = list(reversed(headers))
    return [
        Cause(t, m, tuple(dict.fromkeys(blocks[i])) if i < len(blocks) else ())
        for i, (t, m) in enumerate(root_first)
    ]


# Node --------------------------------------------------------------------------------------------


def _node(body: str) -> list[Cause]:
    """Node prints the thrown error first and each ``[cause]:`` nested under it: reversed, root first."""
    outer_first: list[tuple[str, str, list[str]]] = []
    for line in body.split("\n"):
        frame = _compiled(_NODE_FRAME).match(line)
        if frame is not None:
            if outer_first:
                outer_first[-1][2].append(frame.group("file"))
            continue
        header = _compiled(_NODE_HEADER).match(line)
        if header is None:
            continue
        if outer_first and "[cause]:" not in line:
            continue  # a line that only looks like an error (a property dump), not a new cause
        msg = (header.group("msg") or "").strip()
        outer_first.append((header.group("type"), msg, []))
    return [Cause(t, m, tuple(dict.fromkeys(f))) for t, m, f in reversed(outer_first)]
