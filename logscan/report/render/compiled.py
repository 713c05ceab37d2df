"""The report templates compiled once and kept between runs (jinja2's own bytecode cache, in the cache folder).

jinja2 turns each template into Python source and compiles that, on every run: about 0.03 s, or 9% of the
instructions of a triage of the bundled example with a Markdown report (``benchmarks/instructions.py``: 111
million of 1,196 million). Its ``FileSystemBytecodeCache`` keeps the compiled code instead, keyed by the
template's path and checked against a hash of its source and against the jinja2 and Python versions, so an
edited template or another install is compiled again.

A cached file is code that the next run executes, and its header is read with pickle. So the cache is
used only in a folder that only this user can touch: ``templates`` in the cache folder, made 0700, owned by
this user, not a symlink. Anything else (another owner, a wider mode, Windows with no owners to check, no
cache folder at all) gets no cache: the templates are compiled as before. A damaged file is compiled
again, and a file that cannot be written is skipped: the cache only ever saves time.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import jinja2  # this module is imported only where a template is rendered (formats._environment)
from jinja2.bccache import Bucket

from logscan.cache_folder import cache_dir, located

FOLDER = "templates"
"""The cache folder's subfolder that holds the compiled templates."""
MAX_FILES = 48
"""Compiled templates kept at most: each install (a virtual environment, a checkout) compiles its own, so
when a new one is written past this many, the least recently written go."""


class _Kept(jinja2.FileSystemBytecodeCache):
    """jinja2's file cache, which never fails a render: a damaged file is compiled again, and one that cannot
    be written is left unwritten. Its keys hold the environment's settings, which the compiled code depends
    on (autoescaping, whitespace control) and jinja2's own key does not."""

    def __init__(self, directory: str, settings: str) -> None:
        super().__init__(directory)
        self._settings = settings

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{name}|{self._settings}", filename)

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # any damage to the header or the code: compile as without a cache
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):  # a full disk, a read-only folder: the next run compiles again
            super().dump_bytecode(bucket)
            _keep_newest(Path(self.directory))


def _keep_newest(folder: Path) -> None:
    """Remove the least recently written compiled templates past MAX_FILES (each removal may fail alone)."""
    kept = []
    for path in folder.glob("__jinja2_*.cache"):
        with contextlib.suppress(OSError):  # removed meanwhile by another run
            kept.append((path.stat().st_mtime_ns, path))
    kept.sort(reverse=True)
    for _, path in kept[MAX_FILES:]:
        with contextlib.suppress(OSError):
            path.unlink()


COMPILE_SETTINGS = (
    "autoescape",
    "trim_blocks",
    "lstrip_blocks",
    "keep_trailing_newline",
    "newline_sequence",
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "optimized",
)
"""The Environment settings that change the code a template compiles to (and its extensions, by name)."""


def template_cache(environment: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """The bytecode cache for the report templates of this environment, or None where no private folder
    can hold one."""
    settings = repr(
        [*((name, getattr(environment, name)) for name in COMPILE_SETTINGS), sorted(environment.extensions)]
    )
    found = located(cache_dir)
    if found is None:
        return None
    folder = found / FOLDER
    if not _private(folder):
        return None
    return _Kept(str(folder), settings)


def _private(folder: Path) -> bool:
    """Whether folder is (made, if missing) a real directory of this user's that nobody else may use."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: no owner and mode to check
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        held = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(held.st_mode) and held.st_uid == getuid() and stat.S_IMODE(held.st_mode) == 0o700
