"""Text printed where GitHub Actions reads it: inert, so log text cannot act as a workflow command.

The runner treats a line whose trimmed text starts with ``::`` as a command (``::error ...::``,
``::stop-commands::TOKEN`` that silences every later command, ``::add-mask::``) and, in the older syntax, a
``##[`` anywhere in a line. Everything logscan prints to standard output goes through here, except its own
annotations.
"""

from __future__ import annotations

from logscan import regexes

_WORD_JOINER = "\u2060"
"""Invisible and not whitespace: the runner's trim keeps it, so ``:\u2060:`` starts no command."""
_COMMAND_START = regexes.compile(r"(?m)^([ \t\f\v]*):(?=:)")


def inert_for_actions(text: str, *, json_text: bool = False) -> str:
    """text with no line that starts a workflow command and no ``##[``. JSON keeps its data exactly: there a
    ``##[`` can only sit in a string, and becomes ``\\u0023#[``, which decodes to the same characters."""
    if json_text:
        return text.replace("##[", "\\u0023#[")
    text = _COMMAND_START.sub(lambda m: m.group(1) + ":" + _WORD_JOINER, text)
    return text.replace("##[", "#" + _WORD_JOINER + "#[")
