"""logscan.cli.live: the fetch options become one frozen LiveTarget (window parsed once), or a one-line error."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from logscan.cli.common import guarded
from logscan.cli.live import live_target
from logscan.errors import InputError
from logscan.sources.cloud.options import FetchOptions
from logscan.sources.cloud.window import Window

NOW = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)


def _options(**given: Any) -> dict[str, Any]:
    """What click hands a command for the fetch options, defaults included."""
    return {
        "project": None,
        "revision": None,
        "service": None,
        "since": None,
        "until": None,
        "severity": None,
        "quota_rpm": 60,
        "max_entries": None,
        "settle": 0.0,
        "refresh": False,
        "no_cache": False,
        "cache_ttl": None,
        "endpoint": None,
        "verbose": False,
        **given,
    }


def test_the_options_make_one_frozen_target() -> None:
    target = live_target(
        _options(
            project="demo-proj",
            revision="orders-api-00007-qaz",
            since="2h",
            severity="WARNING",
            quota_rpm=30,
            max_entries=500,
            endpoint="http://127.0.0.1:8085",
            refresh=True,
            cache_ttl="2h",
        ),
        NOW,
    )
    assert target is not None
    q = target.query
    assert (q.project, q.revision, q.service, q.severity) == (
        "demo-proj",
        "orders-api-00007-qaz",
        "orders-api",
        "WARNING",
    )
    assert q.window == Window(datetime(2025, 3, 2, 6, 0, tzinfo=UTC), NOW)
    assert target.options == FetchOptions(endpoint="http://127.0.0.1:8085", quota_rpm=30, max_entries=500)
    assert (target.refresh, target.no_cache, target.cache_ttl, target.verbose) == (True, False, "2h", False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.refresh = False  # type: ignore[misc]


def test_no_project_and_no_revision_is_no_target_and_one_of_them_is_an_error() -> None:
    assert live_target(_options(), NOW) is None
    with pytest.raises(InputError, match=r"^--revision is missing\. Pass both"):
        live_target(_options(project="demo-proj"), NOW)
    with pytest.raises(InputError, match=r"^--project is missing\. Pass both"):
        live_target(_options(revision="orders-api-00007-qaz"), NOW)


def test_guarded_keeps_the_commands_name_and_help() -> None:
    def triage_things() -> None:
        """Triage some things."""

    wrapped = guarded(triage_things)
    assert (wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__) == (  # type: ignore[attr-defined]
        "triage_things",
        "Triage some things.",
        triage_things,
    )
