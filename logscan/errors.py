"""Errors the library raises; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
"""PASS, EXPECTED_CONFIG or WARN."""
EXIT_FAIL: Final = 1
"""The verdict is FAIL."""
EXIT_USAGE: Final = 2
"""logscan could not run: bad input, bad arguments, unreachable API."""
EXIT_INCONCLUSIVE: Final = 3
"""The verdict is INCONCLUSIVE."""
EXIT_SUMMARY_FAILED: Final = 4
"""The report was written, but the GitHub step summary (and its annotations) was not: the error line says why."""


class LogscanError(Exception):
    """Base of every error logscan raises on purpose. Its text is one line a user can act on."""


class InputError(LogscanError):
    """An input file is missing, unreadable or not a log export."""


class PatternError(LogscanError):
    """A rule in the pattern library is broken."""


class PolicyError(LogscanError):
    """The policy file is invalid."""


class FetchError(LogscanError):
    """Reading from Cloud Logging failed."""


class NoEntries(LogscanError):
    """The input holds no entries at all: as for an empty file, the answer is INCONCLUSIVE (exit 3)."""


class ReportError(LogscanError):
    """A report could not be rendered or written safely."""


class PublishError(LogscanError):
    """Posting the report to GitHub failed."""
