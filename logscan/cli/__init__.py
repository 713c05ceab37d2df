"""The command line: a thin layer that parses arguments, calls the library and turns errors into exits.

One module per group of commands; ``cli`` is the click group and ``main`` the console entry point. A
command's module is imported when that command runs (or when help lists it): every run pays start-up
time only for the command it runs.
"""

from __future__ import annotations

import gc

import click

from logscan import regexes
from logscan.cli.common import EXAMPLE_EXPORT, VERDICT_EXIT

__all__ = ["EXAMPLE_EXPORT", "VERDICT_EXIT", "cli", "main"]

GC_THRESHOLD = 50_000
"""Allocations between collections of the youngest generation in a logscan process (Python's default: 700).
Start-up builds objects that live until exit (modules, the pattern library, compiled rules), and at the
default the collector scanned them again and again before the first entry was read (about 5% of a run
over a small file); the pipeline streams with this threshold anyway (pipeline.py)."""

COMMANDS = ("classify", "fetch", "patterns", "publish", "score", "sql", "triage", "watch")
"""Every command's name, in the order help lists them."""


def _command(name: str) -> click.Command:
    """Import one command's module and return the command (function-level imports: the layer test sees them)."""
    match name:
        case "triage":
            from logscan.cli.triage import triage

            return triage
        case "watch":
            from logscan.cli.watch import watch

            return watch
        case "classify" | "patterns" | "score":
            from logscan.cli import tools

            return {"classify": tools.classify, "patterns": tools.patterns, "score": tools.score}[name]
        case "fetch" | "publish":
            from logscan.cli import remote

            return remote.fetch if name == "fetch" else remote.publish
        case "sql":
            from logscan.cli.sql import sql

            return sql
    raise KeyError(name)


class _Commands(click.Group):
    """A group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            return _command(cmd_name)
        # An unknown name: click suggests close ones from self.commands, so fill it (an error path only).
        for name in COMMANDS:
            self.commands.setdefault(name, _command(name))
        return None


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from logscan import __version__

    click.echo(f"logscan, version {__version__}")
    ctx.exit()


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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


def main() -> None:
    """Console entry point."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        cli(prog_name="logscan")
    finally:
        regexes.save()  # the patterns this run compiled, for the next run to skip parsing (regexes.py)
        # What is alive now dies with the process: the collections of the interpreter's shutdown need not
        # trace it all again (about 0.03 s of a run over a small file).
        gc.freeze()
