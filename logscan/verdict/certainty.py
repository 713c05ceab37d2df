"""When a watched rollout's answer is certain (logscan watch): the one rule, kept in one small function.

A FAIL is certain as soon as decide() says FAIL on the entries read so far: a finding never goes away as
more entries arrive, and the one thing that turns failures into EXPECTED_CONFIG (a tolerated
configuration gap that explains them) is logged before the failure it causes. A healthy answer needs
the revision to have started and served, with a verdict that is neither FAIL nor INCONCLUSIVE, and to
stay so for ``healthy_after`` seconds. Anything else waits, until the timeout says the evidence was not
enough either way.
"""

from __future__ import annotations

from enum import StrEnum

from logscan.errors import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_OK
from logscan.model import Level, Verdict


class Outcome(StrEnum):
    """How a watch ended."""

    FAILED = "failed"
    """A certain FAIL."""
    HEALTHY = "healthy"
    """Started, served and stayed clean for the healthy period."""
    TIMED_OUT = "timed-out"
    """The timeout passed without enough evidence either way."""

    @property
    def exit_code(self) -> int:
        return {Outcome.FAILED: EXIT_FAIL, Outcome.HEALTHY: EXIT_OK, Outcome.TIMED_OUT: EXIT_INCONCLUSIVE}[
            self
        ]


def clean(verdict: Verdict) -> bool:
    """The revision started and served, and nothing fails (or is left undecided) so far."""
    served = verdict.served
    return bool(served.started and served.served) and verdict.level not in (Level.FAIL, Level.INCONCLUSIVE)


def certainty(
    verdict: Verdict, clean_for: float | None, healthy_after: float, timed_out: bool
) -> Outcome | None:
    """The outcome once it is certain, else None (keep watching).

    clean_for: seconds the verdict has been clean without a break (None: it is not clean now).
    """
    if verdict.level == Level.FAIL:
        return Outcome.FAILED
    if clean_for is not None and clean_for >= healthy_after:
        return Outcome.HEALTHY
    if timed_out:
        return Outcome.TIMED_OUT
    return None


def final_exit(outcome: Outcome, report_level: str) -> int:
    """The exit code of a finished watch: the outcome's, unless triage's report of every entry read (the
    tail the live fold still held back included) found a FAIL, which the report then shows."""
    return EXIT_FAIL if report_level == Level.FAIL else outcome.exit_code
