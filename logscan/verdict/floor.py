"""What a severity floor on the read hides: the evidence that a revision started and served.

Cloud Run writes request logs answered below 500 and most startup messages at INFO (or with no
severity), so a read filtered at WARNING or above cannot see them. Seeing none of them then says
nothing: "no" becomes "unknown", and the evidence says why.
"""

from __future__ import annotations

from dataclasses import replace

from logscan.model import Served, severity_rank

_VISIBLE_UP_TO = severity_rank("INFO")


def under_floor(served: Served, floor: str | None) -> Served:
    """served as a read with this severity floor (None: no floor) can tell it."""
    if floor is None or severity_rank(floor) <= _VISIBLE_UP_TO:
        return served
    started = True if served.started else None
    answered = True if served.served else None
    if started and answered:
        return served
    note = (
        f"--severity {floor} filtered out the request logs answered below 500 (INFO) and the startup "
        "messages: whether the revision started and served is unknown"
    )
    return replace(served, started=started, served=answered, evidence=(*served.evidence, note))
