"""Rule regexes as SQL wants them: one capturing group per extraction.

BigQuery's REGEXP_EXTRACT returns the text of the pattern's only capturing group and refuses a pattern
with more than one, so a key is extracted with a copy of the rule's regex in which every other group
is made non-capturing. Capturing or not does not change which match RE2 (or the regex module) finds:
the leftmost match and each group's text stay the same.
"""

from __future__ import annotations


def re2_pattern(pattern: str) -> str:
    """The rule pattern with Python's ``$`` made explicit for RE2.

    Without multi-line mode, Python's ``$`` also matches just before a newline that ends the text; RE2's
    matches only at the very end. ``(?:\\n?\\z)`` finds the same texts (it takes that newline into the match,
    which only a group ending in ``$`` could see). Patterns with ``(?m`` anywhere are left as they are.
    """
    if "(?m" in pattern or "$" not in pattern:
        return pattern
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i = end
        else:
            out.append("(?:\\n?\\z)" if c == "$" else c)
            i += 1
    return "".join(out)


def capturing_only(pattern: str, group: str) -> str:
    """The pattern with the named group ``group`` as its one capturing group (unnamed), others ``(?:``."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    found = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i = end
        elif c == "(" and pattern.startswith("(?P<", i):
            close = pattern.index(">", i)
            name = pattern[i + 4 : close]
            if name == group:
                out.append("(")
                found = True
            else:
                out.append("(?:")
            i = close + 1
        elif c == "(" and not pattern.startswith("(?", i):
            out.append("(?:")  # an unnamed capturing group
            i += 1
        else:
            out.append(c)
            i += 1
    if not found:
        raise ValueError(f"the pattern has no group named {group!r}")
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index just after the character class that opens at ``start`` (``]`` first is a literal; ``[:alpha:]``)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
        elif pattern.startswith("[:", i):
            i = pattern.index(":]", i + 2) + 2
        elif c == "]":
            return i + 1
        else:
            i += 1
    raise ValueError("unclosed character class")


WORD = r"\p{L}\p{N}\p{M}\p{Pc}\x{200c}\x{200d}"
"""What the regex module's ``\\w`` may match, as the inside of an RE2 class (RE2's ``\\w`` is ASCII)."""
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f\x{85}\p{Z}"
"""Python's whitespace (``str.isspace``, ``strip``, the regex module's ``\\s``), as the inside of an RE2 class."""
_WIDER = {"w": WORD, "s": SPACE, "d": r"\p{Nd}"}


def unicode_classes(pattern: str) -> str:
    """The pattern with ``\\w``, ``\\s`` and ``\\d`` widened to the Unicode sets the regex module gives them.

    RE2 reads them as ASCII. Widening makes the RE2 pattern match at least every text the Python one
    does (a class that only grows can only add matches); inside a negated class they are left ASCII,
    which again only adds matches. For predicates whose error may only go one way (sql/neighbours.py).
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and pattern[i + 1 : i + 2] in _WIDER:
            out.append(f"[{_WIDER[pattern[i + 1]]}]")
            i += 2
        elif c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            body = pattern[i:end]
            if not body.startswith("[^"):
                for short, wide in _WIDER.items():
                    body = _replace_escape(body, short, wide)
            out.append(body)
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _replace_escape(body: str, short: str, wide: str) -> str:
    """``\\<short>`` replaced by wide in a class's text, leaving other escapes (``\\\\w``) alone."""
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            out.append(wide if body[i + 1] == short else body[i : i + 2])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)
