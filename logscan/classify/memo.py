"""What start-up learns about the pattern library, kept between runs: each rule file's parsed YAML, and
for each rule's regex that it compiles (its flags and group names), that RE2 compiles it, its literals
and prefix.

Loading the library parses every rule file, compiles every pattern with the regex module and checks it
with RE2, and building the engine analyses every pattern for its required literals (prefilter.py):
about 0.25 s of every run for 260 patterns, more than reading 50,000 log entries. These answers depend
only on the file's bytes or the pattern's text (and the compiled flags), the PyYAML, regex and
google-re2 builds and the code that finds them, so they are remembered in one JSON file in the cache
folder (``$LOGSCAN_CACHE_DIR``, ``$XDG_CACHE_HOME/logscan`` or ``~/.cache/logscan``) whose name carries
a digest of all of those: another version or an edited prefilter.py, literal_tree.py, library.py or
memo.py starts a new file. With the compile remembered, a rule's regex is compiled only when the engine
first tries it (most rules are never tried on a given export). A file or pattern that is not in the
memo is parsed, compiled, checked and analysed as before, so a new or edited rule is always checked (only
what passed is remembered, and a parsed file only when JSON carries it unchanged). A memo that cannot be
read or written is ignored: the run only takes longer.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import orjson
import re2
import regex

from logscan.cache_folder import cache_dir, located, native_id, path_id, write_atomically
from logscan.classify import literal_tree, prefilter
from logscan.classify.prefilter import Literals, required_literals, required_prefix

MAX_PATTERNS = 4096
"""Patterns and files remembered at most: past it, only what the run used is written (rules edited many
times leave answers no run asks for again), and nothing when that alone is more (a huge generated library)."""

Analysis = tuple[Literals | None, str | None]
"""A pattern's required literals and required prefix (prefilter.py), None where it has none."""
Shape = tuple[int, frozenset[str]]
"""What compiling a pattern (regex module, VERSION0) tells: its flags (inline ones included) and the
names of its groups."""


class RegexMemo:
    """Answers remembered for patterns; ``save`` writes what was learnt since loading."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        """The memo file (None: remember within this process only)."""
        self._checked: set[str] = set()
        self._shapes: dict[str, Shape] = {}
        self._analysis: dict[str, Analysis] = {}
        self._documents: dict[str, Any] = {}
        self._dirty = False
        self._used: tuple[set[str], set[str], set[str], set[str]] = (set(), set(), set(), set())
        """The keys of _checked, _shapes, _analysis and _documents that this run asked for or learnt."""
        if path is not None:
            self._read(path)

    def re2_compiles(self, pattern: str) -> bool:
        """True when the pattern is known to compile under RE2 (checked in an earlier run or this one)."""
        if pattern in self._checked:
            self._used[0].add(pattern)
            return True
        return False

    def passed_re2(self, pattern: str) -> None:
        """Remember that RE2 compiled the pattern."""
        self._used[0].add(pattern)
        if pattern not in self._checked:
            self._checked.add(pattern)
            self._dirty = True

    def shape(self, pattern: str) -> Shape | None:
        """The pattern's flags and group names when it is known to compile (in an earlier run or this one)."""
        found = self._shapes.get(pattern)
        if found is not None:
            self._used[1].add(pattern)
        return found

    def compiled(self, pattern: str, compiled: Any) -> Shape:
        """Remember that the pattern compiled, as what; its shape."""
        self._used[1].add(pattern)
        found = self._shapes.get(pattern)
        if found is None:
            found = self._shapes[pattern] = (compiled.flags, frozenset(compiled.groupindex))
            self._dirty = True
        return found

    def document(self, data: bytes) -> Any | None:
        """A rule file's parsed YAML, when a file with exactly these bytes was parsed before (else None)."""
        key = _digest(data)
        found = self._documents.get(key)
        if found is not None:
            self._used[3].add(key)
        return found

    def parsed(self, data: bytes, document: Any) -> None:
        """Remember a rule file's parsed YAML, when JSON carries it unchanged (mappings with string keys,
        lists, strings, booleans, null, 64-bit integers, finite floats; a date or a set is not kept)."""
        key = _digest(data)
        self._used[3].add(key)
        if key not in self._documents and _plain(document):
            self._documents[key] = document
            self._dirty = True

    def analysis(self, pattern: str, flags: int) -> Analysis:
        """The pattern's required literals and prefix, analysed once."""
        key = f"{flags}:{pattern}"
        self._used[2].add(key)
        found = self._analysis.get(key)
        if found is None:
            found = self._analysis[key] = (required_literals(pattern, flags), required_prefix(pattern, flags))
            self._dirty = True
        return found

    def save(self) -> None:
        """Write the memo when it learnt something (atomically; any failure is ignored)."""
        if not self._dirty or self.path is None:
            return
        self._dirty = False
        if self._size() > MAX_PATTERNS:
            self._keep_used()
            if self._size() > MAX_PATTERNS:
                return  # a run over a huge generated library: not worth keeping
        data = {
            "re2": sorted(self._checked),
            "regex": {
                pattern: [flags, sorted(groups)] for pattern, (flags, groups) in sorted(self._shapes.items())
            },
            "analysis": {key: _dump(value) for key, value in sorted(self._analysis.items())},
            "yaml": dict(sorted(self._documents.items())),
        }
        write_atomically(self.path, orjson.dumps(data))

    def _size(self) -> int:
        return len(self._checked) + len(self._shapes) + len(self._analysis) + len(self._documents)

    def _keep_used(self) -> None:
        """Forget what this run did not use (a later run of it learns that again, if it is ever asked)."""
        checked, shapes, analysis, documents = self._used
        self._checked = self._checked & checked
        self._shapes = {k: v for k, v in self._shapes.items() if k in shapes}
        self._analysis = {k: v for k, v in self._analysis.items() if k in analysis}
        self._documents = {k: v for k, v in self._documents.items() if k in documents}

    def _read(self, path: Path) -> None:
        try:
            data = orjson.loads(path.read_bytes())
            checked = set(data["re2"])
            shapes = {pattern: _shape(value) for pattern, value in data["regex"].items()}
            analysis = {key: _load(value) for key, value in data["analysis"].items()}
            documents = data["yaml"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return  # none yet, or damaged: start from nothing (it is rewritten on save)
        if all(isinstance(p, str) for p in checked) and isinstance(documents, dict):
            self._checked, self._shapes, self._analysis = checked, shapes, analysis
            self._documents = documents


def _dump(value: Analysis) -> list[Any]:
    need, prefix = value
    if need is None:
        return [None, prefix]
    return [[sorted(need.strings), need.folded, [sorted(s) for s in need.also]], prefix]


def _load(value: Any) -> Analysis:
    need, prefix = value
    if prefix is not None and not isinstance(prefix, str):
        raise TypeError("prefix")
    if need is None:
        return None, prefix
    strings, folded, also = need
    literals = Literals(
        strings=frozenset(_strings(strings)),
        folded=bool(folded),
        also=tuple(frozenset(_strings(s)) for s in also),
    )
    return literals, prefix


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


_INT_RANGE = range(-(2**63), 2**64)
"""Integers orjson writes (and reads back) exactly."""


def _plain(value: Any) -> bool:
    """True when orjson writes the value and reads back an equal one of the same types."""
    if value is None or type(value) in (str, bool):
        return True
    if type(value) is int:
        return value in _INT_RANGE
    if type(value) is float:
        return math.isfinite(value)  # orjson writes NaN and infinities as null
    if type(value) is list:
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False  # dates, sets, bytes: YAML types JSON does not have


def _shape(value: Any) -> Shape:
    flags, groups = value
    if type(flags) is not int:
        raise TypeError("flags")
    return flags, frozenset(_strings(groups))


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise TypeError("literals")
    return values


def memo_path() -> Path:
    """The memo file for this build: its name holds a digest of what the answers depend on."""
    here = Path(__file__)
    analysis = (Path(prefilter.__file__), Path(literal_tree.__file__))  # what the literals depend on
    code = b"\0".join(p.read_bytes() for p in (*analysis, here.with_name("library.py"), here))
    build = f"{sys.version}|{regex.__version__}|{native_id(re2)}|{native_id(regex)}|{_yaml_id()}".encode()
    digest = hashlib.sha256(code + b"\0" + build).hexdigest()[:16]
    return cache_dir() / f"regex-memo-{digest}.json"


def _yaml_id() -> str:
    """Which PyYAML is installed, with or without libyaml, told by its files: importing it to ask its
    version would cost every run the import (with the memo, most runs parse no YAML)."""
    spec = importlib.util.find_spec("yaml")
    if spec is None or spec.origin is None:
        return "no yaml"
    folder = Path(spec.origin).parent
    files = sorted(p for p in folder.iterdir() if p.name == "__init__.py" or p.name.startswith("_yaml"))
    return ",".join(path_id(str(p)) for p in files)


_shared: RegexMemo | None = None


def shared() -> RegexMemo:
    """The process's memo, read from the cache folder on first use (in memory only when that fails)."""
    global _shared
    if _shared is None:
        _shared = RegexMemo(located(memo_path))
    return _shared
