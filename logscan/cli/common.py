"""What every command shares: exit codes of verdicts, the error guard, sources and report formats."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from logscan.config import REPORT_FORMATS as FORMATS
from logscan.errors import (
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_USAGE,
    InputError,
    LogscanError,
    NoEntries,
)
from logscan.model import Level
from logscan.sources.files import FileSource, open_source

VERDICT_EXIT = {
    Level.PASS: EXIT_OK,
    Level.EXPECTED_CONFIG: EXIT_OK,
    Level.WARN: EXIT_OK,
    Level.FAIL: EXIT_FAIL,
    Level.INCONCLUSIVE: EXIT_INCONCLUSIVE,
}
EXAMPLE_EXPORT = "staging-missing-config.json"


def fail(message: str) -> None:
    """Print one error line and exit 2: the only way a command reports that it could not run."""
    click.echo(f"logscan: error: {message}", err=True)
    raise SystemExit(EXIT_USAGE)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; LogscanError and unexpected errors become one line on stderr and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NoEntries as exc:  # nothing to judge is INCONCLUSIVE, for a live read as for an empty file
            click.echo(f"logscan: {exc}", err=True)
            raise SystemExit(EXIT_INCONCLUSIVE) from None
        except LogscanError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted.")
        except BrokenPipeError:
            # The reader of standard output left (`logscan classify ... | head`): what it took is correct.
            _output_closed()
            raise SystemExit(EXIT_OK) from None
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # no traceback reaches a user
            if os.environ.get("LOGSCAN_DEBUG"):
                raise
            fail(f"internal error ({type(exc).__name__}: {exc}). Rerun with LOGSCAN_DEBUG=1 and report it.")

    return wrapper


def _output_closed() -> None:
    """Point standard output at /dev/null once its reader has gone, so the exit's flush fails no more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test runner's buffer)
        pass
    finally:
        os.close(devnull)


def jobs_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The --jobs option: processes a run may use."""
    return click.option(
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Processes to use: 1 keeps everything in one; 2 lets a reader process decode large files alongside; 0 decides from the CPUs.",
    )(fn)


def gunzip_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--gzip-max-ratio and --gzip-max-size: how far a .gz input may expand (kept in the context for
    file_sources, so commands need not pass them on)."""

    def keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        ctx.meta[f"logscan.{param.name}"] = value
        return value

    fn = click.option(
        "--gzip-max-size",
        metavar="SIZE",
        expose_value=False,
        callback=keep,
        help="Stop reading a .gz input that expands past SIZE (default 16G).",
    )(fn)
    return click.option(
        "--gzip-max-ratio",
        type=click.FloatRange(min=1),
        expose_value=False,
        callback=keep,
        help="Stop reading a .gz input that expands more than this many times its size (default 250).",
    )(fn)


def file_sources(paths: Sequence[str]) -> list[FileSource]:
    """A FileSource per path (or - for stdin), with the gunzip limits the command line asked for."""
    from logscan.sources.gunzip import GunzipLimits, parse_size

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    ratio, size = meta.get("logscan.gzip_max_ratio"), meta.get("logscan.gzip_max_size")
    limits = GunzipLimits()
    if ratio is not None:
        limits = GunzipLimits(float(ratio), limits.max_bytes)
    if size is not None:
        limits = GunzipLimits(limits.max_ratio, parse_size(str(size), "--gzip-max-size"))
    return [open_source(p, limits) for p in paths]


def format_for(output: str | None, fmt: str | None) -> str:
    """The report format: --format, else the -o extension, else Markdown."""
    if fmt:
        return fmt
    if output:
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
        if suffix == "markdown":
            return "md"
        if suffix == "htm":
            return "html"
        raise InputError(
            f"{output}: cannot tell the report format from '.{suffix}'. Use .md, .json or .html, or pass --format."
        )
    return "md"
