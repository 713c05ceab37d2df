"""Compiled report templates kept between runs (report/render/compiled.py): the same text from the cache,
no compile on a later run, and no cache where the folder is not private or a file is damaged."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from logscan.cache_folder import CACHE_ENV
from logscan.config import Config
from logscan.model import Report
from logscan.report.render.compiled import FOLDER, MAX_FILES, template_cache
from logscan.report.render.formats import render
from logscan.resources import data_dir
from logscan.sources.files import open_source

from .factories import triaged

EXAMPLE = str(data_dir("examples") / "staging-missing-config.json")


@pytest.fixture(scope="module")
def report() -> Report:
    return triaged([open_source(EXAMPLE)], Config(version="0.0.0-test"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / FOLDER


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: jinja2.Environment, *args: object, **kwargs: object) -> None:
        raise AssertionError("a template was compiled")

    monkeypatch.setattr(jinja2.Environment, "compile", refuse)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_later_render_reads_the_compiled_templates_and_gives_the_same_text(
    report: Report, cache: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    first = render(report, fmt)
    kept = sorted(cache.iterdir())
    assert kept, "the first render kept nothing"
    assert all(f.stat().st_mode & 0o077 == 0 for f in kept)
    _no_compiling(monkeypatch)
    assert render(report, fmt) == first


def test_the_folder_is_made_private(report: Report, cache: Path) -> None:
    render(report, "md")
    assert cache.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="owners and modes are checked on POSIX only")
def test_a_folder_others_may_write_is_not_used(report: Report, cache: Path) -> None:
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    assert template_cache(jinja2.Environment()) is None
    render(report, "md")
    assert list(cache.iterdir()) == []


def test_a_file_where_the_folder_should_be_costs_only_the_cache(
    report: Report, cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_text("not a folder", encoding="utf-8")
    assert template_cache(jinja2.Environment()) is None
    blocked = render(report, "md")
    assert cache.read_text(encoding="utf-8") == "not a folder"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    assert render(report, "md") == blocked


@pytest.mark.parametrize("damage", [b"", b"j2", b"garbage that is no header", "keep-header"])
def test_a_damaged_file_is_compiled_again(
    report: Report, cache: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes | str
) -> None:
    expected = render(report, "md")
    for kept in cache.iterdir():
        data = kept.read_bytes()
        kept.write_bytes(data[:40] if damage == "keep-header" else damage)  # type: ignore[arg-type]
    assert render(report, "md") == expected
    _no_compiling(monkeypatch)  # the damaged files were written again, whole
    assert render(report, "md") == expected


def test_environments_that_compile_differently_do_not_share_code(cache: Path) -> None:
    loader = jinja2.DictLoader({"page.j2": "<p>{{ text }}</p>\n"})
    plain = jinja2.Environment(loader=loader)
    escaped = jinja2.Environment(loader=loader, autoescape=True)
    plain.bytecode_cache = template_cache(plain)
    escaped.bytecode_cache = template_cache(escaped)
    assert plain.get_template("page.j2").render(text="<b>") == "<p><b></p>"
    assert escaped.get_template("page.j2").render(text="<b>") == "<p>&lt;b&gt;</p>"
    assert len(list(cache.iterdir())) == 2
    again = jinja2.Environment(loader=loader, autoescape=True)
    again.bytecode_cache = template_cache(again)
    assert again.get_template("page.j2").render(text="<b>") == "<p>&lt;b&gt;</p>"


def test_the_folder_keeps_the_newest_files_only(
    report: Report, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every install compiles its own templates: past MAX_FILES, a new file pushes out the oldest."""
    cache.mkdir(parents=True, mode=0o700)
    for n in range(MAX_FILES + 5):  # other installs' files, written long ago
        old = cache / f"__jinja2_{n:040x}.cache"
        old.write_bytes(b"from another install")
        os.utime(old, ns=(n * 10**9, n * 10**9))
    render(report, "md")
    kept = sorted(cache.iterdir())
    assert len(kept) == MAX_FILES
    assert not (cache / f"__jinja2_{0:040x}.cache").exists()
    assert (cache / f"__jinja2_{MAX_FILES + 4:040x}.cache").exists()
    _no_compiling(monkeypatch)  # this install's files are the newest, so they stayed
    render(report, "md")
