"""regexes.py: a pattern served from the store between runs is the pattern the regex module compiles, and a
store that is damaged, foreign or of another build is never used."""

from __future__ import annotations

import hashlib
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import regex

from logscan import regexes
from logscan.classify.library import Library
from logscan.redaction.detectors import DETECTORS
from logscan.regexes import CompiledStore


def _through_a_file(path: Path, patterns: list[tuple[str, int]]) -> CompiledStore:
    """A store that compiled the patterns and saved them, then a second one that read them back."""
    first = CompiledStore(path)
    for pattern, flags in patterns:
        first.compile(pattern, flags)
    first.save()
    return CompiledStore(path)


def _answers(compiled: Any, text: str) -> list[tuple[tuple[int, int], dict[str, Any]]]:
    return [(m.span(), m.groupdict()) for m in compiled.finditer(text, timeout=5)]


def test_every_rule_from_the_store_matches_its_examples_as_the_regex_module_does(
    library: Library, tmp_path: Path
) -> None:
    patterns = [(rule.regex, regex.VERSION0) for rule in library.rules]
    patterns += [(rule.unless, regex.VERSION0) for rule in library.rules if rule.unless is not None]
    second = _through_a_file(tmp_path / "store.bin", patterns)
    assert second._known.keys() == {(p, int(f)) for p, f in patterns}  # every one was read back
    for rule in library.rules:
        fresh = regex.compile(rule.regex, regex.VERSION0)
        stored = second.compile(rule.regex, regex.VERSION0)
        assert stored is not fresh
        assert (stored.pattern, stored.flags, stored.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groupindex,
        )
        for example in (*rule.match, *rule.no_match, *rule.known_miss):
            assert _answers(stored, example.text) == _answers(fresh, example.text), (rule.id, example.text)


def test_redaction_detectors_from_the_store_find_what_they_found(tmp_path: Path) -> None:
    patterns = [(d.source, regex.V0) for d in DETECTORS] + [(d.anchor_source, regex.V0) for d in DETECTORS]
    second = _through_a_file(tmp_path / "store.bin", patterns)
    for detector in DETECTORS:
        fresh = regex.compile(detector.source, regex.V0)
        stored = second.compile(detector.source, regex.V0)
        for line in (*detector.matches, *detector.no_match):
            assert _answers(stored, line) == _answers(fresh, line), (detector.kind, line)


def test_a_run_that_compiled_nothing_new_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.bin"
    _through_a_file(path, [(r"worker (?P<pid>\d+) exited", 0)])
    before = path.read_bytes()
    os.utime(path, ns=(1, 1))
    again = CompiledStore(path)
    again.compile(r"worker (?P<pid>\d+) exited", 0)
    again.save()
    assert path.stat().st_mtime_ns == 1 and path.read_bytes() == before
    again.compile(r"Booting worker with pid: (\d+)", 0)
    again.save()
    assert CompiledStore(path)._known.keys() == {
        (r"worker (?P<pid>\d+) exited", 0),
        (r"Booting worker with pid: (\d+)", 0),
    }


def _store_bytes(entries: Any) -> bytes:
    body = marshal.dumps(entries)
    return regexes._MAGIC + hashlib.sha256(body).digest() + body


def _saved(path: Path) -> list[Any]:
    data = path.read_bytes()
    return list(marshal.loads(data[len(regexes._MAGIC) + regexes._DIGEST_BYTES :]))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-7],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: b"logscan-regexes-0\n" + data[len(regexes._MAGIC) :],  # another format
        lambda data: b"",
    ],
)
def test_a_damaged_store_is_ignored_and_rewritten(tmp_path: Path, damage: Any) -> None:
    path = tmp_path / "store.bin"
    _through_a_file(path, [(r"timed out after (\d+)s", 0)])
    path.write_bytes(damage(path.read_bytes()))
    store = CompiledStore(path)
    assert store._known == {}
    assert store.compile(r"timed out after (\d+)s").search("request timed out after 30s")[1] == "30"
    store.save()
    assert CompiledStore(path)._known.keys() == {(r"timed out after (\d+)s", 0)}


def test_entries_that_are_not_a_patterns_compile_arguments_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "store.bin"
    _through_a_file(path, [("disk (?P<pct>[0-9]+)% full", 0), ("out of memory", 0)])
    good, other = _saved(path)
    wrong_pattern = [good[0], good[1], [other[2][0], *good[2][1:]]]  # another pattern's text inside
    wrong_types = [other[0], other[1], [*other[2][:2], list(other[2][2]), *other[2][3:]]]  # code not bytes
    path.write_bytes(_store_bytes([wrong_pattern, wrong_types, "not an entry", good]))
    store = CompiledStore(path)
    assert store._known.keys() == {("disk (?P<pct>[0-9]+)% full", 0)}
    assert store.compile("out of memory").search("fatal: out of memory") is not None


def test_another_regex_build_uses_another_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    here = regexes.store_path()
    assert here.parent == tmp_path and here.name.startswith("regexes-")
    monkeypatch.setattr(regex, "__version__", regex.__version__ + ".post1")
    assert regexes.store_path() != here


def test_flags_given_as_the_module_s_enum_or_a_number_are_one_pattern(tmp_path: Path) -> None:
    store = CompiledStore(tmp_path / "store.bin")
    assert store.compile("x+", regex.V0) is store.compile("x+", int(regex.V0))
    assert store.compile("x+", regex.V0) is not store.compile("x+", regex.V0 | regex.IGNORECASE)


def test_the_command_line_keeps_what_it_compiled_for_the_next_run(tmp_path: Path) -> None:
    env = {**os.environ, "LOGSCAN_CACHE_DIR": str(tmp_path / "cache")}
    reports = []
    for run in range(2):
        out = tmp_path / f"report-{run}.json"
        done = subprocess.run(
            [sys.executable, "-m", "logscan", "triage", "--example", "--jobs", "1", "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        reports.append(out.read_text(encoding="utf-8"))
        if run == 0:
            (store,) = (tmp_path / "cache").glob("regexes-*.bin")
            first = store.read_bytes()
            os.utime(store, ns=(1, 1))
    assert (
        store.stat().st_mtime_ns == 1 and store.read_bytes() == first
    )  # the second run compiled nothing new
    assert len(_saved(store)) > 50  # the rules it tried, masks, trace shapes, redaction detectors
    assert _without_times(reports[0]) == _without_times(reports[1])


def _without_times(report: str) -> str:
    import json

    data = json.loads(report)
    data["provenance"].pop("generated_at")
    return json.dumps(data, sort_keys=True)


def test_a_store_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    store = CompiledStore(blocker / "store.bin")
    assert store.compile(r"exit\((\d+)\)").search("Container called exit(1).")[1] == "1"
    store.save()  # mkdir fails under a file: ignored, not raised
    assert blocker.read_text(encoding="utf-8").startswith("a file")


def test_patterns_of_earlier_runs_give_way_to_this_run_s_when_the_store_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexes, "MAX_PATTERNS", 2)
    path = tmp_path / "store.bin"
    _through_a_file(path, [("old rule (one|two)", 0), ("old rule (three|four)", 0)])
    edited = CompiledStore(path)
    edited.compile("old rule (three|four)")  # still in the library
    edited.compile("new rule (five|six)")
    edited.save()
    assert {entry[0] for entry in _saved(path)} == {"old rule (three|four)", "new rule (five|six)"}


def test_past_max_patterns_new_ones_are_compiled_but_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexes, "MAX_PATTERNS", 2)
    path = tmp_path / "store.bin"
    store = CompiledStore(path)
    for n in range(4):
        assert store.compile(f"worker {n} (booted|exited)").search(f"worker {n} exited") is not None
    store.save()
    assert [entry[0] for entry in _saved(path)] == ["worker 0 (booted|exited)", "worker 1 (booted|exited)"]
