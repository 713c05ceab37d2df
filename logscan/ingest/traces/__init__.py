"""The trace shapes of every language Cloud Run runs, one module each, as data the joiner and signer share.

A shape (``Shape``) says how a language prints an uncaught failure: the lines that open a trace, the
lines that continue one (frames, cause separators, trailers), where the exception's type and message
sit, and which frames are the application's own. ``OPENER`` and ``CONTINUATION`` combine every
language's lines for the joiner (ingest/join.py); ``parse`` reads one event's text back into its
exception and frames, for the event's exception and its signature (templates/exception.py,
templates/signature.py; chained causes are templates/causes.py's).

Python keeps its own reader (templates/signature.py): its traceback is printed outermost frame first,
with the exception last.
"""

from __future__ import annotations

from dataclasses import dataclass

from logscan import regexes
from logscan.ingest.traces import dotnet, go, jvm, node, php, ruby
from logscan.ingest.traces.shape import Shape
from logscan.model import Raised

SHAPES: tuple[Shape, ...] = (jvm.SHAPE, dotnet.SHAPE, go.SHAPE, ruby.SHAPE, php.SHAPE, node.SHAPE)
"""Tried in this order to tell an event's language: the most distinctive frame syntax first."""

OPENER = regexes.compile("|".join(f"(?:{s.opener})" for s in SHAPES))
"""A line that starts a trace in some language (matched at the line's start)."""
CONTINUATION = regexes.compile("|".join(f"(?:{s.continuation})" for s in SHAPES))
"""A line that goes on with a trace in some language (matched at the line's start)."""

_MAX_CHARS = 64 * 1024
"""Longer texts are read in their first this many characters: a trace's identity is at its top."""


@dataclass(frozen=True)
class TraceFrame:
    """One frame of a trace: where, in which function, and whether it is the application's own code."""

    file: str
    """File or module as printed (may be empty when the language prints none)."""
    function: str
    """Function, method or class.method."""
    own: bool
    """False for the runtime's and third-party libraries' frames."""


@dataclass(frozen=True)
class Trace:
    """A non-Python trace read back from an event's text."""

    raised: Raised
    """Its exception (the outermost one, as thrown)."""
    frames: tuple[TraceFrame, ...]
    """Frames in printed order (innermost first for every language here)."""

    def app_frames(self, limit: int) -> tuple[TraceFrame, ...]:
        """The innermost ``limit`` frames of the application's own code (any frames when none are its own)."""
        own = [f for f in self.frames if f.own] or list(self.frames)
        return tuple(own[:limit])


def parse(text: str) -> Trace | None:
    """The trace in an event's text (its exception and frames), or None when it holds none."""
    body = text[:_MAX_CHARS]
    for shape in SHAPES:
        if not shape.holds(body):
            continue
        found = shape.read(body)
        if found is not None:
            return Trace(
                raised=Raised(shape.language, found.type, found.message),
                frames=tuple(
                    TraceFrame(file, function, shape.own(function, file)) for file, function in found.frames
                ),
            )
    return None
