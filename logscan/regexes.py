"""Patterns of the regex module, compiled once per build and remembered between runs.

The regex module parses a pattern in Python before its native code compiles it, and a triage compiles
a few hundred (rules it tries, redaction detectors, template masks, trace shapes): 0.07-0.13 s of each
run's start (``benchmarks/bench_startup.py``, "memo only" against "later run"). A compiled pattern
reduces, for pickling, to the native compile and the arguments it took (``copyreg``); calling the native
compile with those arguments again skips the parse. So ``compile`` keeps each pattern's
arguments in one file in the cache folder (``cache_folder.cache_dir``), written with ``marshal`` (plain
data only: strings, numbers, bytes, lists, tuples and dicts; nothing in it is ever called), under a
name that holds a digest of the Python and regex builds: another build starts a new file.

The file is checked before it is used (its own digest, then each entry's types and pattern), and one
that cannot be read, is damaged or comes from elsewhere is ignored: the run only compiles as before.
``save`` writes what was compiled since loading; the command line calls it when a command ends.
"""

from __future__ import annotations

import copyreg
import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any, Final

import regex

from logscan.cache_folder import cache_dir, located, native_id, write_atomically

MAX_PATTERNS = 4096
"""Patterns the file keeps at most: those this run compiled first, then those of earlier runs (so an edited
library's old patterns give way to its new ones)."""
_MAGIC: Final = b"logscan-regexes-1\n"
_DIGEST_BYTES: Final = 32

Arguments = tuple[Any, ...]
"""What the native compile takes: the pattern, its final flags, the compiled code and group tables."""


def _reducer() -> tuple[Any, Any]:
    """The regex module's own reduction of a pattern (registered with copyreg for pickling), and the native
    compile it reduces to."""
    probe = regex.compile("")
    reduce: Any = copyreg.dispatch_table[type(probe)]
    native, _ = reduce(probe)
    return reduce, native


class CompiledStore:
    """Compiled patterns of this process, and the native compile arguments of those compiled before."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        """The store's file (None: remember within this process only)."""
        self._reduce, self._native = _reducer()
        self._compiled: dict[tuple[str, int], regex.Pattern[str]] = {}
        self._known: dict[tuple[str, int], Arguments] = {}
        self._used: set[tuple[str, int]] = set()
        """Patterns this process compiled: the file keeps them first."""
        self._dirty = False
        if path is not None:
            self._known = _read(path)

    def compile(self, pattern: str, flags: int = 0) -> regex.Pattern[str]:
        """The pattern compiled by the regex module, as ``regex.compile(pattern, flags)`` compiles it."""
        key = (pattern, int(flags))  # the module's flags are an IntFlag: the store keeps plain numbers
        found = self._compiled.get(key)
        if found is not None:
            return found
        arguments = self._known.get(key)
        if arguments is not None:
            try:
                found = self._native(*arguments)
            except (TypeError, ValueError, OverflowError, RuntimeError, regex.error):
                del self._known[key]  # arguments another build understood: compile it afresh
        if found is None:
            found = regex.compile(pattern, flags)
            self._remember(key, found)
        if len(self._compiled) >= MAX_PATTERNS:
            self._compiled.clear()  # a run that compiles patterns without end (generated ones) stays bounded
        self._compiled[key] = found
        if len(self._used) < MAX_PATTERNS:
            self._used.add(key)
        return found

    def _remember(self, key: tuple[str, int], compiled: Any) -> None:
        if len(self._known) >= 2 * MAX_PATTERNS or compiled.flags & regex.LOCALE:
            return  # bounded memory; a locale-sensitive pattern depends on more than its text
        _, arguments = self._reduce(compiled)
        entry = [key[0], key[1], list(arguments)]
        if _well_formed(entry):  # a regex build that reduces otherwise is compiled every run, not stored
            self._known[key] = tuple(arguments)
            self._dirty = True

    def save(self) -> None:
        """Write the store when something was compiled since loading (atomically; failures are ignored)."""
        if not self._dirty or self.path is None:
            return
        self._dirty = False
        keys = list(self._known)
        if len(keys) > MAX_PATTERNS:
            keys = [k for k in keys if k in self._used] + [k for k in keys if k not in self._used]
        body = marshal.dumps([[key[0], key[1], list(self._known[key])] for key in keys[:MAX_PATTERNS]])
        write_atomically(self.path, _MAGIC + hashlib.sha256(body).digest() + body)


def _read(path: Path) -> dict[tuple[str, int], Arguments]:
    """The arguments the file holds, checked; nothing when it is missing, damaged or not one of ours."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    head = len(_MAGIC) + _DIGEST_BYTES
    body = data[head:]
    if not data.startswith(_MAGIC) or hashlib.sha256(body).digest() != data[len(_MAGIC) : head]:
        return {}
    try:
        entries = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return {}
    if type(entries) is not list:
        return {}
    known: dict[tuple[str, int], Arguments] = {}
    for entry in entries:
        if _well_formed(entry):
            pattern, flags, arguments = entry
            known[(pattern, flags)] = tuple(arguments)
    return known


_SHAPE: Final = (str, int, bytes, dict, dict, dict, list, int, tuple, int, int)
"""The types of the native compile's arguments, in order, as this regex build reduces a pattern."""


def _well_formed(entry: Any) -> bool:
    """An entry is [pattern, flags, arguments] with arguments of the native compile's types, for that pattern."""
    if type(entry) is not list or len(entry) != 3:
        return False
    pattern, flags, arguments = entry
    if type(pattern) is not str or type(flags) is not int or type(arguments) is not list:
        return False
    if len(arguments) != len(_SHAPE) or arguments[0] != pattern:
        return False
    return all(type(value) is kind for value, kind in zip(arguments, _SHAPE, strict=True))


def store_path() -> Path:
    """The store for this build: its name holds a digest of the Python and regex builds."""
    build = f"{sys.version}|{regex.__version__}|{native_id(regex)}|{_MAGIC!r}".encode()
    return cache_dir() / f"regexes-{hashlib.sha256(build).hexdigest()[:16]}.bin"


_shared: CompiledStore | None = None


def shared() -> CompiledStore:
    """The process's store, read from the cache folder on first use (in memory only when that fails)."""
    global _shared
    if _shared is None:
        _shared = CompiledStore(located(store_path))
    return _shared


def compile(pattern: str, flags: int = 0) -> regex.Pattern[str]:
    """``regex.compile(pattern, flags)``, served from the store when this build compiled it before."""
    return shared().compile(pattern, flags)


def save() -> None:
    """Write what this process compiled that the store did not hold (see ``CompiledStore.save``)."""
    if _shared is not None:
        _shared.save()
