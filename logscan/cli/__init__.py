"""The command line: a thin layer that parses arguments, calls the library and turns errors into exits.

One module per group of commands; ``cli`` is the click group and ``main`` the console entry point.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import EXAMPLE_EXPORT, VERDICT_EXIT
from .remote import fetch, publish
from .tools import classify, patterns, score
from .triage import triage

__all__ = ["EXAMPLE_EXPORT", "VERDICT_EXIT", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="logscan")
def cli() -> None:
    """Triage a Cloud Run revision's logs: classify every entry, decide a verdict, render a report."""


for _command in (triage, classify, patterns, score, fetch, publish):
    cli.add_command(_command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="logscan")
