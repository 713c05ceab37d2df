"""The loop of logscan watch: poll, fold, judge, show, and stop once certain; then triage's own report."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from logscan.cli.watch_view import Snapshot, make_view
from logscan.config import Config
from logscan.model import Report, SourceInfo


@dataclass(frozen=True)
class WatchResult:
    """How a watch ended and the report of every entry it read."""

    report: Report
    """triage's report of the entries read, in the order read."""
    outcome: str
    """failed, healthy or timed-out (verdict.certainty.Outcome)."""
    exit_code: int
    """0, 1 or 3."""
    warnings: tuple[str, ...] = ()
    """What the reader of the report should know that the report cannot say."""


def run_watch(
    args: dict[str, Any],
    *,
    timeout: float,
    healthy_after: float,
    interval: float,
    clock: Callable[[], float],
) -> WatchResult:
    """Follow the revision named by args (project, revision, service, region, since, env, endpoint) until the
    answer is certain or the timeout passes."""
    from logscan.classify.library import load_library
    from logscan.ingest.reader import events
    from logscan.pipeline import LiveFold
    from logscan.pipeline import triage as run_triage
    from logscan.sources.cloud.cache import SavedSource
    from logscan.sources.cloud.follow import PollingFollower
    from logscan.sources.cloud.options import FetchOptions
    from logscan.sources.cloud.query import revision_query
    from logscan.sources.cloud.tail import TailFollower
    from logscan.sources.cloud.window import Window, parse_window
    from logscan.verdict.certainty import certainty, clean, final_exit
    from logscan.verdict.policy.load import resolve_policy

    now = datetime.now(UTC)
    window = parse_window(args["since"], None, now)
    query = revision_query(args["project"], args["revision"], window, args["service"], None, args["region"])
    env = args["env"]
    config = Config(env=env)
    policy, policy_note = resolve_policy(None, env, Path("."))
    library = load_library(None)
    options = FetchOptions(endpoint=args["endpoint"] or None)
    # The tail stream where it can (the public API); entries.list polls against any other endpoint.
    follower: PollingFollower | TailFollower = (
        PollingFollower(query, options, interval=interval)
        if options.endpoint
        else TailFollower(query, options, poll_interval=interval)
    )
    fold = LiveFold(query.source_name, config, library, policy)
    view = make_view(query.revision)
    started = clock()
    clean_since: float | None = None
    outcome = None
    until = window.end
    with tempfile.TemporaryDirectory(prefix="logscan-watch-") as scratch:
        spool = Path(scratch) / "entries.jsonl"
        with spool.open("wb") as out, view:
            for poll in follower.polls():
                for entry in poll.entries:
                    out.write(orjson.dumps(entry) + b"\n")
                until = poll.until
                fold.feed(poll.entries, flush=not poll.entries)
                summary, verdict = fold.judge()
                elapsed = clock() - started
                if not clean(verdict):
                    clean_since = None
                elif clean_since is None:
                    clean_since = elapsed
                clean_for = None if clean_since is None else elapsed - clean_since
                outcome = certainty(verdict, clean_for, healthy_after, timed_out=elapsed >= timeout)
                view.show(
                    Snapshot(elapsed, fold.entries, poll.requests, summary, verdict, clean_for, outcome)
                )
                if outcome is not None:
                    break
        read = replace(query, window=Window(window.start, until))
        info = SourceInfo(
            filter=read.filter,
            logs_explorer_url=read.logs_explorer_url,
            window_start=read.window.start,
            window_end=read.window.end,
        )
        report = run_triage(
            events([SavedSource(spool, query.source_name)], config),
            config,
            library,
            info,
            policy=policy,
            policy_note=policy_note,
        )
    assert outcome is not None  # polls() never ends by itself
    warnings: list[str] = []
    if follower.skipped:
        warnings.append(
            f"{follower.skipped} entries of the tail stream had a payload this client cannot print; "
            "they are not in the report. Read them with: gcloud logging read"
        )
    if follower.fallback:
        warnings.append(
            f"the tail stream stopped ({follower.fallback}); the rest was read by polling entries.list."
        )
    return WatchResult(report, str(outcome), final_exit(outcome, report.verdict.level), tuple(warnings))
