"""verdict.certainty: when logscan watch may stop, and with which exit code."""

from __future__ import annotations

import pytest

from logscan.model import Reason, Served, Verdict
from logscan.verdict.certainty import Outcome, certainty, clean, final_exit

STARTED_SERVING = Served(True, True, ("1 startup success signal(s)", "12 request(s) answered below 500"))
STARTED_ONLY = Served(True, None, ("1 startup success signal(s)", "no request logs in the input"))


def _verdict(level: str, served: Served = STARTED_SERVING) -> Verdict:
    return Verdict(level, (Reason("why"),), served)


@pytest.mark.parametrize(
    ("level", "served", "expected"),
    [
        ("PASS", STARTED_SERVING, True),
        ("WARN", STARTED_SERVING, True),
        ("EXPECTED_CONFIG", STARTED_SERVING, True),
        ("PASS", STARTED_ONLY, False),  # started, never answered a request: not yet healthy
        ("PASS", Served(False, True, ()), False),
        ("FAIL", STARTED_SERVING, False),
        ("INCONCLUSIVE", STARTED_SERVING, False),
    ],
)
def test_clean_needs_start_service_and_no_failure(level: str, served: Served, expected: bool) -> None:
    assert clean(_verdict(level, served)) is expected


def test_a_fail_is_certain_at_once_even_before_the_timeout() -> None:
    assert certainty(_verdict("FAIL"), None, 120.0, timed_out=False) is Outcome.FAILED


def test_healthy_only_after_the_healthy_period() -> None:
    verdict = _verdict("PASS")
    assert certainty(verdict, 119.9, 120.0, timed_out=False) is None
    assert certainty(verdict, 120.0, 120.0, timed_out=False) is Outcome.HEALTHY


def test_the_timeout_ends_what_is_still_uncertain() -> None:
    assert certainty(_verdict("PASS", STARTED_ONLY), None, 120.0, timed_out=True) is Outcome.TIMED_OUT
    assert certainty(_verdict("INCONCLUSIVE"), None, 120.0, timed_out=False) is None


def test_exit_codes_and_a_fail_in_the_final_report_wins() -> None:
    assert [o.exit_code for o in Outcome] == [1, 0, 3]
    assert final_exit(Outcome.HEALTHY, "PASS") == 0
    assert final_exit(Outcome.TIMED_OUT, "PASS") == 3
    assert final_exit(Outcome.HEALTHY, "FAIL") == 1  # the tail the live fold held back failed
