"""The one place that finds the data logscan ships: patterns, report templates, schemas, examples.

In a wheel they live in ``logscan/_data/``; in a source checkout, at the repository root.
"""

from __future__ import annotations

from pathlib import Path

from logscan.errors import LogscanError

_PACKAGE_DIR = Path(__file__).resolve().parent
KINDS = ("patterns", "reports", "schemas", "examples")
"""The kinds of data logscan ships, each a folder."""


def data_dir(kind: str) -> Path:
    """Folder of shipped data of one kind; raises LogscanError if the install is incomplete."""
    if kind not in KINDS:
        raise ValueError(f"unknown data kind {kind!r}; expected one of {KINDS}")
    for candidate in (_PACKAGE_DIR / "_data" / kind, _PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise LogscanError(
        f"logscan's {kind}/ folder is missing from the installation at {_PACKAGE_DIR}. "
        "Reinstall with: pip install --force-reinstall logscan"
    )
