"""Which revision a live triage's baseline is, and over which window: the Choice value, the rule for a
revision named with ``--baseline-revision R``, and the shape of Cloud Run revision names.

``--baseline-revision R`` reads R over the target's own window. R may have served at the same time (a traffic
split, a canary), and the same window compares like with like; a revision that no longer served then has no
entries there, which makes the comparison INCONCLUSIVE with a note that says so (``if_empty``).

The revision that served before the target (``--baseline previous``) is looked up in logscan.previous_lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from logscan.errors import InputError
from logscan.sources.cloud.query import RevisionQuery, revision_query

NUMBERED = re.compile(r"(?P<service>[a-z](?:[a-z0-9-]*[a-z0-9])?)-(?P<number>\d{5})-(?P<suffix>[a-z0-9]+)")
"""A revision name as Cloud Run gives it: ``<service>-<5 digits>-<suffix>``."""
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Choice:
    """Which revision the baseline is and over which window, or why there is none."""

    query: RevisionQuery | None
    """What to read; None when no revision qualifies."""
    name: str
    """The baseline source's label (the query's, or one saying no revision was found)."""
    notes: tuple[str, ...]
    """How the revision and window were chosen, for the report and stderr."""
    probes: tuple[str, ...] = ()
    """The filters sent to find the revision (shown with -v)."""
    if_empty: str = ""
    """What to add to the note when the chosen window holds no entries."""


def explicit(target: RevisionQuery, revision: str) -> Choice:
    """``--baseline-revision R``: R over the target's own window."""
    if not _NAME.fullmatch(revision):
        raise InputError(
            f"--baseline-revision {revision!r}: not a Cloud Run revision name (like orders-api-00006-vex)."
        )
    if revision == target.revision:
        raise InputError(
            f"--baseline-revision {revision} is the target revision itself. "
            "Pass an earlier revision, or --baseline previous."
        )
    numbered = NUMBERED.fullmatch(revision)
    service = numbered.group("service") if numbered else target.service
    query = revision_query(target.project, revision, target.window, service, target.severity)
    note = f"Baseline {revision}, read over the target's own window ({target.window.describe()})."
    hint = (
        f" An explicit baseline revision is read over the target's window: if {revision} had stopped serving "
        "by then, use --baseline previous or an export (--baseline FILE)."
    )
    return Choice(query, query.source_name, (note,), if_empty=hint)
