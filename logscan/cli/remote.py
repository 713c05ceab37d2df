"""Commands that talk to services: fetch (Cloud Logging) and publish (GitHub)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from logscan.cli.common import guarded
from logscan.cli.live import fetch_options, live_fetch, live_target
from logscan.errors import InputError


@click.command()
@fetch_options
@click.option("-o", "--output", metavar="FILE", help="Write the entries here (default: standard output).")
@guarded
def fetch(output: str | None, **live: Any) -> None:
    """Read a revision's entries from Cloud Logging and save them as gcloud logging read --format=json does."""
    import shutil
    import tempfile

    from logscan.sources.cloud.client import ReadFailedError

    target = live_target(live)
    if target is None:
        raise InputError(
            "--project is missing. Pass both, e.g. --project my-project --revision orders-api-00007-qaz."
        )
    query = target.query
    with tempfile.TemporaryDirectory(prefix="logscan-") as scratch:
        fetched = live_fetch(target, Path(scratch) / "entries.json")
        if fetched.failure is not None:
            raise ReadFailedError(
                f"Reading the logs of revision {query.revision} failed: {fetched.failure}; {fetched.count} entries "
                f"were read before it and nothing was written. {fetched.tip}"
            )
        if output:
            try:
                shutil.move(str(fetched.path), output)
            except OSError as exc:
                raise InputError(
                    f"{output}: cannot be written ({exc.strerror}). Check the folder exists and is writable."
                ) from None
        else:
            with fetched.path.open("rb") as saved:
                for line in saved:  # JSON: a ##[ sits in a string, and \u0023 is the same # to a reader
                    sys.stdout.buffer.write(line.replace(b"##[", b"\\u0023#["))
            sys.stdout.buffer.flush()
    where = f"written to {output}" if output else "written to standard output"
    cached = " (from the local cache)" if fetched.from_cache else ""
    click.echo(f"logscan: {fetched.count} entries of {query.revision} {where}{cached}.", err=True)


@click.command()
@click.argument("report_file", metavar="REPORT", type=click.Path(path_type=Path))
@click.option(
    "--repo", required=True, metavar="OWNER/NAME", help="Repository of the issue, e.g. acme/billing-api."
)
@click.option(
    "--issue", required=True, type=int, metavar="N", help="Issue (or pull request) number to comment on."
)
@click.option(
    "--api-url",
    envvar="GITHUB_API_URL",
    default="https://api.github.com",
    show_default=True,
    help="GitHub REST API root; for GitHub Enterprise https://HOST/api/v3 (env GITHUB_API_URL).",
)
@guarded
def publish(report_file: Path, repo: str, issue: int, api_url: str) -> None:
    """Post a Markdown report as an issue comment (token from GH_TOKEN or GITHUB_TOKEN); a re-run for the same
    service and revision updates that comment instead of adding another."""
    from logscan.publish.github import publish_file
    from logscan.report.render.workflow import inert_for_actions

    for result in publish_file(report_file, repo, issue, api_url=api_url):
        click.echo(inert_for_actions(f"{result.action} comment {result.comment_id}: {result.url}"))
