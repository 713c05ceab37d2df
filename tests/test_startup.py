"""Start-up: a run imports what its command and its report format need, and no more (issue 17).

Each test runs the real command in a fresh interpreter and lists the modules it ended with: a module
imported for nothing costs every run its import time, however small the input.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import click

import logscan

from .conftest import FIXTURES, REPO

_LIST_MODULES = """
import runpy, sys
sys.argv = ["logscan", *sys.argv[1:]]
try:
    runpy.run_module("logscan", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)), file=sys.__stdout__)
"""


def _run_cli(tmp_path: Path, script: str, *args: str) -> str:
    """What the script prints when it runs the CLI with args in a fresh interpreter on this tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["PYTHONPATH"] = str(REPO)
    env["LOGSCAN_CACHE_DIR"] = str(tmp_path / "cache")  # the memo (classify/memo.py) starts empty
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    return proc.stdout


def _modules_after(tmp_path: Path, *args: str) -> set[str]:
    return set(_run_cli(tmp_path, _LIST_MODULES, *args).split())


_LIST_PATTERNS = """
import runpy, sys
import regex
used = set()
def spy(name):
    real = getattr(regex, name)
    def call(pattern, *args, **kwargs):
        used.add(getattr(pattern, "pattern", pattern))
        return real(pattern, *args, **kwargs)
    setattr(regex, name, call)
for name in ("compile", "search", "match", "fullmatch", "finditer", "findall", "split", "sub"):
    spy(name)
sys.argv = ["logscan", *sys.argv[1:]]
try:
    runpy.run_module("logscan", run_name="__main__")
except SystemExit:
    pass
print(repr(sorted(used)), file=sys.__stdout__)
"""


def _patterns_after(tmp_path: Path, *args: str) -> set[str]:
    """Every regex a run compiled or searched with (through the regex module), by its source."""
    found = ast.literal_eval(_run_cli(tmp_path, _LIST_PATTERNS, *args))
    assert isinstance(found, list)
    return set(found)


def _sources(*patterns: object) -> set[str]:
    """The patterns' sources (a module keeps a pattern compiled, or as its source until first used)."""
    return {str(getattr(p, "pattern", p)) for p in patterns}


def _packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_a_json_report_of_a_file_imports_no_templates_no_terminal_ui_and_no_cloud_client(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    modules = _modules_after(tmp_path, "triage", "--example", "-o", str(report))
    assert report.stat().st_size > 0  # the run did write its report
    assert "logscan.report.render.formats" in modules
    assert not _packages(modules) & {"jinja2", "rich", "google", "tomllib"}  # no logscan.toml here
    assert "multiprocessing" not in modules  # a small file is read in this process
    live = {"logscan.sources.cloud.target", "logscan.sources.cloud.query", "logscan.sources.cloud.window"}
    assert not modules & live  # files: no live read to set up
    # The Markdown renderer and its escaping, and the Actions neutralizing of printed reports: not for a file.
    renderers = {
        "logscan.report.render.markdown",
        "logscan.report.render.mdsafe",
        "logscan.report.render.html",
    }
    assert not modules & {*renderers, "logscan.report.render.workflow"}
    # Only the command that ran is imported, not its siblings.
    assert not modules & {"logscan.cli.watch", "logscan.cli.sql", "logscan.cli.remote", "logscan.cli.tools"}


def test_once_the_memo_knows_the_library_a_json_triage_imports_no_yaml_parser(tmp_path: Path) -> None:
    """The rule files' parsed YAML is remembered; an input that is not YAML and a report without rule
    stubs (every message claimed) need PyYAML for nothing (about 10 ms of import)."""
    args = ("triage", "--example", "-o", str(tmp_path / "report.json"), "--jobs", "1")
    assert "yaml" in _modules_after(tmp_path, *args)  # the first run parses the rule files
    assert "yaml" not in _modules_after(tmp_path, *args)


def test_a_markdown_report_loads_its_templates(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    modules = _modules_after(tmp_path, "triage", "--example", "-o", str(report), "--jobs", "1")
    assert report.read_text(encoding="utf-8").startswith("<!-- logscan:")
    assert "jinja2" in _packages(modules)
    assert "logscan.report.render.markdown" in modules


def test_the_version_a_run_reports_is_the_installed_distributions() -> None:
    """logscan/__init__.py holds the version (pyproject.toml reads it from there): a run skips the metadata look-up."""
    assert logscan.__version__ == importlib.metadata.version("logscan")


def test_a_run_compiles_the_patterns_its_texts_need_not_every_runtimes(tmp_path: Path) -> None:
    """Compiling a regex costs start-up time: a Python crash loop's run compiles Python's chain patterns,
    not Java's, .NET's or Node's, and without a policy file none of the policy reader's."""
    from logscan.templates import causes
    from logscan.verdict.policy import lines, suppress, values

    export = FIXTURES / "scenarios" / "crash-loop-module-not-found.json"
    used = _patterns_after(tmp_path, "triage", str(export), "-o", str(tmp_path / "r.json"), "--jobs", "1")
    assert _sources(causes._PY_FRAME, causes._PY_EXC) <= used  # its traceback was read
    other_runtimes = _sources(
        causes._JAVA_HEADER,
        causes._JAVA_FRAME,
        causes._DOTNET_HEADER,
        causes._DOTNET_FRAME,
        causes._NODE_HEADER,
        causes._NODE_FRAME,
    )
    assert not used & other_runtimes
    assert not used & _sources(lines._KEY_LINE, lines._TABLE_LINE, suppress.SIGNATURE, values._NAME)


def test_the_severity_choices_are_the_ones_a_live_query_takes() -> None:
    """--severity lists model.SEVERITIES (a run over files imports no query module to list them)."""
    from logscan.cli.triage import triage
    from logscan.model import SEVERITIES
    from logscan.sources.cloud.query import SEVERITIES as QUERY_SEVERITIES

    option = next(p for p in triage.params if p.name == "severity")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == SEVERITIES == QUERY_SEVERITIES


def test_a_run_without_tracebacks_compiles_no_traceback_pattern(tmp_path: Path) -> None:
    """Missing configuration only: no traceback, frame or chained-cause pattern is compiled (each costs
    start-up time); the exception-line pattern that finds an event's headline is."""
    from logscan.templates import causes, signature

    export = FIXTURES / "scenarios" / "missing-config-only.json"
    used = _patterns_after(tmp_path, "triage", str(export), "-o", str(tmp_path / "r.json"), "--jobs", "1")
    assert _sources(signature._EXC_LINE) <= used
    tracebacks = _sources(
        signature._FRAME,
        signature._THIRD_PARTY,
        signature._EXC_INLINE,
        signature._ROOT_NAME,
        causes._PY_FRAME,
        causes._PY_SEPARATOR,
    )
    assert not used & tracebacks
