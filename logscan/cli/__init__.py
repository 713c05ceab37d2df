"""The command line: a thin layer that parses arguments, calls the library and turns errors into exits.

One module per group of commands; ``cli`` is the click group and ``main`` the console entry point.
"""

from __future__ import annotations

import click

from logscan.cli.common import EXAMPLE_EXPORT, VERDICT_EXIT
from logscan.cli.remote import fetch, publish
from logscan.cli.sql import sql
from logscan.cli.tools import classify, patterns, score
from logscan.cli.triage import triage
from logscan.cli.watch import watch

__all__ = ["EXAMPLE_EXPORT", "VERDICT_EXIT", "cli", "main"]


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from logscan import __version__

    click.echo(f"logscan, version {__version__}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Triage a Cloud Run revision's logs: classify every entry, decide a verdict, render a report."""


for _command in (triage, watch, classify, patterns, score, fetch, publish, sql):
    cli.add_command(_command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="logscan")
