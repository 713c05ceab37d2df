"""Matching in the reader process: which rule claims each text is found where the events are read.

With two processes, the reader process reads, normalizes and joins while this one classifies and
folds; this one was the slower by far, and most of its time went into finding the first rule that
claims each distinct text (the literal prefilter, then the regex search of every candidate). The
reader process has the same library and the same Matcher, so it finds the winning rule of each event
there and sends its index along with the event (``MatchHints.note``). Here, ``HintedMatcher`` then
runs that one rule's search (the match object gives the key) instead of all candidates': the same
answer for a fraction of the work. A text without a hint, or with a stale one, is matched in full, so
the answers never depend on the hints; a search the reader abandoned on its time bound sends no hint,
so such a text is matched (and its timeout counted) here as without a reader.

The hinted rule's search runs here without the time bound: the reader process ran that very search
(same rule, same text) under the bound, to its end, so it ends here too. The bound is not free: the
regex module reads the process's CPU clock (a system call, about 0.8 us) twice per bounded search.
"""

from __future__ import annotations

from pathlib import Path

from logscan.classify.classify import event_severity
from logscan.classify.engine import RANKS, Found, Matcher
from logscan.classify.library import Library, Rule, load_library
from logscan.model import Event

NO_RULE = -1
"""The note of a text that no rule claims."""
MAX_HINTS = 16_384
"""Hints held at most (forgotten all at once when full): an event's hint is used as soon as it arrives."""


class MatchHints:
    """The reader-process annotator (ingest/reader.py ``Annotator``) and the hints it leaves here."""

    def __init__(self, patterns_dir: Path | None) -> None:
        self._patterns_dir = patterns_dir
        self._reader_matcher: Matcher | None = None
        self._hints: dict[tuple[str, int], int] = {}
        self.taken = 0
        """Hints the matcher here took (the texts it did not have to match in full)."""

    def prepare(self) -> None:
        """In the reader process: load the library and build its Matcher."""
        library = load_library(self._patterns_dir)
        self._reader_matcher = Matcher(library)
        self._rule_index = {id(rule): i for i, rule in enumerate(library.rules)}

    def note(self, event: Event) -> int | None:
        """In the reader process: the index of the rule that claims the event's text, NO_RULE, or None (no
        text, or a search abandoned on its time bound: no hint)."""
        matcher = self._reader_matcher
        text = event.clean
        if matcher is None or not text:
            return None
        timeouts = matcher.timeouts
        found = matcher.first(text, event_severity(event))
        if matcher.timeouts != timeouts:
            return None
        return NO_RULE if found is None else self._rule_index[id(found[0])]

    def noted(self, event: Event, note: int | None) -> None:
        """In this process: keep the hint for the matcher, until it asks."""
        if note is None:
            return
        hints = self._hints
        if len(hints) >= MAX_HINTS:
            hints.clear()
        hints[(event.clean, RANKS.get(event_severity(event), 0))] = note

    def matcher(self, library: Library) -> HintedMatcher:
        """This process's Matcher, taking the hints."""
        return HintedMatcher(library, self)

    def take(self, text: str, rank: int) -> int | None:
        """The hint for a text at a severity rank (forgotten once taken), or None."""
        index = self._hints.pop((text, rank), None)
        if index is not None:
            self.taken += 1
        return index


class HintedMatcher(Matcher):
    """A Matcher that tries only the hinted rule of a text when the reader process sent a hint for it."""

    def __init__(self, library: Library, hints: MatchHints) -> None:
        super().__init__(library)
        self._hints = hints

    def _uncached(self, text: str, rank: int) -> Found:
        index = self._hints.take(text, rank)
        if index is None or not NO_RULE <= index < len(self.library.rules):
            return super()._uncached(text, rank)
        if index == NO_RULE:
            return None
        found = self._confirm(index, text, rank)
        return found if found is not None else super()._uncached(text, rank)

    def _confirm(self, index: int, text: str, rank: int) -> Found:
        """The hinted rule's match when it claims the text, searched without the time bound (see the module
        docstring); None when it does not, or may not here (below its severity floor, or retired)."""
        rule: Rule = self.library.rules[index]
        if rank < self._floors[index] or (self.disabled and rule.id in self.disabled):
            return None
        # Positional (string, pos, endpos, concurrent, partial, timeout), as the engine calls it.
        found = rule.compiled.search(text, 0, None, False, False, None)
        if found is None:
            return None
        unless = rule.unless_compiled
        if unless is not None and unless.search(text, 0, None, False, False, None) is not None:
            return None
        return rule, found
