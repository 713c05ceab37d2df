"""Saved fetches: entries written as a gcloud-style JSON array, and a local cache of them keyed by the query.

The cache lives in $LOGSCAN_CACHE_DIR, else $XDG_CACHE_HOME/logscan, else ~/.cache/logscan. An entry is
the export file ``<key>.json`` plus ``<key>.meta.json``, written after it; a read needs both. Only a
complete read of a window that had closed is stored, so a cached answer is the answer.

The entries are raw, unredacted logs: the folder is made private (0700, files 0600), and an entry older
than the cache's time to live (DEFAULT_TTL, ``--cache-ttl``) is neither served nor kept; each write
removes the expired ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

from logscan.cache_folder import CACHE_ENV, cache_dir
from logscan.errors import InputError
from logscan.sources import RawEntry
from logscan.sources.files import FileSource

DEFAULT_TTL = timedelta(hours=24)
"""How long a cached fetch is served and kept, unless --cache-ttl says otherwise."""
_FORMAT = 1


def cache_key(endpoint: str, resource_names: Sequence[str], filter_text: str) -> str:
    """A stable key for one query: the endpoint, the resources read and the exact filter."""
    basis = orjson.dumps({"endpoint": endpoint, "resources": list(resource_names), "filter": filter_text})
    return hashlib.sha256(basis).hexdigest()[:32]


@dataclass(frozen=True)
class CacheMeta:
    """What a cached fetch was, stored beside its entries."""

    filter: str
    """The exact filter that was read."""
    endpoint: str
    """The API endpoint it was read from."""
    resource_names: tuple[str, ...]
    """projects/P it was read from."""
    count: int
    """Entries in the file."""
    fetched_at: str
    """When the read finished (RFC 3339)."""
    format: int = _FORMAT
    """Layout version of the cache entry."""


class Cache:
    """A folder of saved fetches, each served and kept for ttl after it was read."""

    def __init__(self, root: Path, ttl: timedelta = DEFAULT_TTL) -> None:
        self.root = root
        self.ttl = ttl

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.json", self.root / f"{key}.meta.json"

    def get(self, key: str, now: datetime | None = None) -> tuple[Path, CacheMeta] | None:
        """The saved export and its metadata, or None when absent, unreadable or expired (then it is refetched,
        and an expired one removed)."""
        data, meta_path = self._paths(key)
        meta = _read_meta(meta_path)
        if meta is None or meta.format != _FORMAT or not data.is_file():
            return None
        if self._expired(meta, now):
            self._remove(key)
            return None
        return data, meta

    def prune(self, now: datetime | None = None) -> int:
        """Remove every expired entry (and unreadable metadata); return how many entries went."""
        removed = 0
        for meta_path in self.root.glob("*.meta.json"):
            meta = _read_meta(meta_path)
            if meta is None or self._expired(meta, now):
                self._remove(meta_path.name.removesuffix(".meta.json"))
                removed += 1
        return removed

    def _expired(self, meta: CacheMeta, now: datetime | None) -> bool:
        try:
            fetched = datetime.fromisoformat(meta.fetched_at.replace("Z", "+00:00"))
        except ValueError:
            return True
        return (now or datetime.now(UTC)) - fetched > self.ttl

    def _remove(self, key: str) -> None:
        for path in self._paths(key):
            with contextlib.suppress(OSError):
                path.unlink()

    def put(self, key: str, export: Path, meta: CacheMeta) -> Path:
        """Copy a finished export into the cache; the metadata is written last, so a half copy is never read."""
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            if stat.S_IMODE(self.root.stat().st_mode) & 0o077:  # made by an older logscan, or by hand
                self.root.chmod(0o700)
            self.prune(_fetched(meta))
            data, meta_path = self._paths(key)
            with _atomic(data) as out, export.open("rb") as src:
                shutil.copyfileobj(src, out)
            with _atomic(meta_path) as out:
                out.write(orjson.dumps(asdict(meta), option=orjson.OPT_INDENT_2))
        except OSError as exc:
            raise InputError(
                f"{self.root}: cannot write the fetch cache ({exc.strerror}). "
                f"Set {CACHE_ENV} to a writable folder, or pass --refresh."
            ) from None
        return data


def cache_for(no_cache: bool, ttl: str | None) -> Cache | None:
    """The cache the command line asks for: none with --no-cache, else cache_dir() with --cache-ttl."""
    if no_cache:
        return None
    from logscan.sources.cloud.window import parse_duration

    return Cache(cache_dir(), parse_duration(ttl, "--cache-ttl") if ttl else DEFAULT_TTL)


def _read_meta(meta_path: Path) -> CacheMeta | None:
    try:
        raw = orjson.loads(meta_path.read_bytes())
        return CacheMeta(**{**raw, "resource_names": tuple(raw["resource_names"])})
    except (OSError, orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
        return None


def _fetched(meta: CacheMeta) -> datetime | None:
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(meta.fetched_at.replace("Z", "+00:00"))
    return None


def write_export(entries: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write entries as ``gcloud logging read --format=json`` does (a JSON array, API form); return the count.

    The file appears only when every entry is written: an error midway leaves the old file, or none.
    """
    count = 0
    try:
        with _atomic(path) as out:
            out.write(b"[")
            for entry in entries:
                out.write(b"\n" if count == 0 else b",\n")
                out.write(_indented(entry))
                count += 1
            out.write(b"\n]\n" if count else b"]\n")
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be written ({exc.strerror}). Check the folder exists and is writable."
        ) from None
    return count


def _indented(entry: Mapping[str, Any]) -> bytes:
    text = orjson.dumps(entry, option=orjson.OPT_INDENT_2)
    return b"  " + text.replace(b"\n", b"\n  ")


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class SavedSource:
    """Entries of a saved export, under the name of the query that produced them, optionally capped."""

    def __init__(self, path: Path, name: str, max_entries: int | None = None) -> None:
        self.name = name
        self.path = path
        self._file = FileSource(str(path))
        self._max = max_entries
        self.truncated = False

    @property
    def skipped(self) -> int:
        return self._file.skipped

    @property
    def skip_reasons(self) -> tuple[str, ...]:
        return self._file.skip_reasons

    def entries(self) -> Iterator[RawEntry]:
        for n, entry in enumerate(self._file.entries()):
            if self._max is not None and n >= self._max:
                self.truncated = True
                return
            yield entry
