"""Where logscan keeps what it caches between runs, and how a cache file names the build it belongs to."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "LOGSCAN_CACHE_DIR"


def cache_dir() -> Path:
    """Where caches live: $LOGSCAN_CACHE_DIR, else the platform's user cache folder for logscan
    (platformdirs: $XDG_CACHE_HOME/logscan or ~/.cache/logscan on Linux, ~/Library/Caches/logscan on macOS,
    %LOCALAPPDATA%\\logscan\\Cache on Windows)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import platformdirs

    return platformdirs.user_cache_path("logscan", appauthor=False)


def path_id(path: str) -> str:
    """A file's path, size and mtime: another build or install of it has another."""
    try:
        stat = os.stat(path)
    except OSError:
        return path
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def native_id(module: object) -> str:
    """Which build of an extension's package is installed: its native module's path, size and mtime."""
    native = getattr(module, "_re2", None) or getattr(module, "_regex", None)
    return path_id(str(getattr(native, "__file__", None) or getattr(module, "__file__", "")))


def located(where: Callable[[], Path]) -> Path | None:
    """A cache file's path, or None when there is no folder to put a cache in (no home folder)."""
    try:
        return where()
    except (OSError, RuntimeError):
        return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a cache file at once (a reader sees the old file or the new one). A failure is ignored: a cache
    that cannot be written (read-only home, full disk) only costs the next run the work it saves."""
    import tempfile  # only a run that learnt something writes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
