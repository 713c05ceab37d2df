"""Where each key of a policy file is written, so that errors and verdict reasons can say file:line.

tomllib returns values without positions, so Lines finds them in the text separately.
"""

from __future__ import annotations

import regex

from logscan.errors import PolicyError

# Compiled when a policy file is read (regex keeps them in its cache): a run without one compiles neither.
_KEY_LINE = r"^\s*(?P<key>[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*="
_TABLE_LINE = r"^\s*(?P<open>\[\[?)\s*(?P<name>[A-Za-z0-9_.\s\"'-]+?)\s*\]\]?\s*(?:#.*)?$"


class Lines:
    """Finds the line where a key is written, so errors and reasons can say file:line.

    A light scan of the text, not a TOML parser: it follows [table] and [[array]] headers and bare or
    dotted key = value lines. When a key cannot be placed, the line of its table stands in.
    """

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self._at: dict[tuple[str | int, ...], int] = {}
        arrays: dict[tuple[str, ...], int] = {}
        table: tuple[str | int, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = regex.match(_TABLE_LINE, line)
            if header is not None and not regex.match(_KEY_LINE, line):
                parts = tuple(_unquote(p) for p in header.group("name").split("."))
                if header.group("open") == "[[":
                    index = arrays.get(parts, -1) + 1
                    arrays[parts] = index
                    table = (*parts, index)
                else:
                    table = parts
                self._at.setdefault(table, number)
                continue
            key = regex.match(_KEY_LINE, line)
            if key is not None:
                parts = tuple(_unquote(p) for p in key.group("key").split("."))
                for depth in range(1, len(parts) + 1):
                    self._at.setdefault((*table, *parts[:depth]), number)

    def line(self, at: tuple[str | int, ...]) -> int | None:
        """The line of a key, or of the nearest enclosing table written in the file."""
        for depth in range(len(at), 0, -1):
            number = self._at.get(at[:depth])
            if number is not None:
                return number
        return None

    def where(self, at: tuple[str | int, ...]) -> str:
        """file:line for a key (file alone when no line is known)."""
        number = self.line(at)
        return f"{self.name}:{number}" if number else self.name

    def cite(self, at: tuple[str | int, ...]) -> str:
        """file:line and the key's dotted name, as a verdict reason cites a policy line."""
        return f"{self.where(at)} {_dotted(at)}"

    def error(self, at: tuple[str | int, ...], problem: str) -> PolicyError:
        """A one-line error: file:line, the key, what is wrong and the fix."""
        return PolicyError(f"{self.where(at)}: {_dotted(at)}: {problem}")


def _dotted(at: tuple[str | int, ...]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in at).replace(".[", "[")


def _unquote(part: str) -> str:
    return part.strip().strip("\"'")
