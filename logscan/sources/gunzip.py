"""Gunzip with limits: a small .gz that expands without end (a "zip bomb", or just a file of newlines) must
end with a clear error, not run for half an hour reading nothing.

Two limits, both checked as the bytes come out: the total expanded size, and the expansion ratio (expanded
bytes per compressed byte read so far), the latter once enough has come out that a ratio means something.
Real exports gunzip at 5 to 30 times their size; only text that repeats itself reaches hundreds.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any

from logscan.errors import InputError
from logscan.sources.reading import CHUNK

DEFAULT_MAX_RATIO = 250
"""Expanded bytes per compressed byte above which reading stops."""
DEFAULT_MAX_BYTES = 16 << 30
"""Expanded bytes (16 GiB) above which reading stops."""
RATIO_AFTER = 4 << 20
"""The ratio is judged only after this many expanded bytes: a small file may be as compressible as it likes.
Small, because what comes out is read line by line: 4 MiB of newlines already take the reader seconds."""


@dataclass(frozen=True)
class GunzipLimits:
    """How far a gzip file may expand (--gzip-max-ratio, --gzip-max-size)."""

    max_ratio: float = DEFAULT_MAX_RATIO
    """Expanded bytes per compressed byte."""
    max_bytes: int = DEFAULT_MAX_BYTES
    """Expanded bytes in all."""


class _Counting:
    """A readable that counts the bytes read through it."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = bytes(self._raw.read(n) or b"")
        self.count += len(data)
        return data


class LimitedGunzip:
    """The gunzipped bytes of a readable, raising InputError once they pass a limit."""

    def __init__(self, raw: Any, name: str, limits: GunzipLimits) -> None:
        self._compressed = _Counting(raw)
        self._gzip = gzip.GzipFile(fileobj=self._compressed, mode="rb")  # type: ignore[call-overload]
        self._name = name
        self._limits = limits
        self.expanded = 0

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._gzip.read(n if n > 0 else CHUNK)
        self.expanded += len(data)
        limits = self._limits
        if self.expanded > limits.max_bytes:
            raise InputError(
                f"{self._name}: gunzips to more than {_size(limits.max_bytes)}, so reading stopped there "
                f"(from {_size(self._compressed.count)} compressed). If the export really is that large, raise the "
                "limit with --gzip-max-size (e.g. --gzip-max-size 64G)."
            )
        if self.expanded > RATIO_AFTER and self.expanded > limits.max_ratio * max(self._compressed.count, 1):
            raise InputError(
                f"{self._name}: expands more than {limits.max_ratio:g} times ({_size(self.expanded)} from "
                f"{_size(self._compressed.count)} compressed), which no log export does: it looks like a "
                "decompression bomb, so reading stopped. If it really is a log export, raise the limit with "
                "--gzip-max-ratio (e.g. --gzip-max-ratio 2000)."
            )
        return data


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):,.1f} {unit}"
    return f"{n:,} bytes"


def parse_size(text: str, option: str) -> int:
    """Bytes from 500M, 16G, 2T or a plain number."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(value[-1:], 1)
    number = value[:-1] if factor > 1 else value
    try:
        size = int(float(number) * factor)
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a size such as 500M, 16G or 2T.") from None
    if size <= 0:
        raise InputError(f"{option} {text!r}: must be more than 0.")
    return size
