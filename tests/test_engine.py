"""The matching engine: the prefiltered Matcher gives the plain engine's answers, faster and safely."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscan.classify import engine
from logscan.classify.engine import Matcher, PlainMatcher
from logscan.classify.library import Library, load_library
from logscan.classify.literal_table import TABLE_TEXTS
from logscan.classify.prefilter import Literals, required_literals, required_prefix
from logscan.ingest.normalize import normalize
from logscan.model import SEVERITIES
from logscan.sources.files import FileSource

from . import generated


def _answer(found: Any) -> tuple[str, tuple[int, int], tuple[Any, ...]] | None:
    if found is None:
        return None
    rule, match = found
    return rule.id, match.span(), match.groups()


def _backends() -> list[str]:
    return ["python", "re2"]


def _generated_texts(count: int) -> list[tuple[str, str]]:
    out = io.BytesIO()
    generated.write(out, count, seed=11, fmt="jsonl")
    source = FileSource("-", stdin=io.BytesIO(out.getvalue()))
    return [
        (r.clean, r.severity)
        for i, raw in enumerate(source.entries())
        for r in [normalize(raw, i, "-", 65_536)]
    ]


def _example_texts(library: Library) -> list[str]:
    return [ex.text for rule in library.rules for ex in (*rule.match, *rule.no_match, *rule.known_miss)]


@pytest.mark.parametrize("backend", _backends())
def test_same_answers_as_plain_engine_on_rule_examples_at_every_severity(
    library: Library, backend: str
) -> None:
    plain, fast = PlainMatcher(library), Matcher(library, backend)
    texts = _example_texts(library)
    assert len(texts) > 50
    for text in texts:
        for severity in SEVERITIES:
            assert _answer(fast.first(text, severity)) == _answer(plain.first(text, severity)), (
                text,
                severity,
            )


@pytest.mark.parametrize("backend", _backends())
def test_dotted_capital_i_does_not_hide_a_case_insensitive_rule(library: Library, backend: str) -> None:
    plain, fast = PlainMatcher(library), Matcher(library, backend)
    texts = [t.replace("i", "\u0130").replace("I", "\u0130") for t in _example_texts(library)]
    differing = [t for t in texts if _answer(fast.first(t)) != _answer(plain.first(t))]
    assert differing == []


@pytest.mark.parametrize("backend", _backends())
def test_same_answers_as_plain_engine_on_a_generated_export(library: Library, backend: str) -> None:
    plain, fast = PlainMatcher(library), Matcher(library, backend)
    lines = _generated_texts(1500)
    claimed = 0
    for text, severity in lines:
        want = _answer(plain.first(text, severity))
        assert _answer(fast.first(text, severity)) == want, text
        claimed += want is not None
    assert claimed > 300  # the corpus exercises many rules, not only the no-match path


def test_most_rules_get_a_literal_prefilter(library: Library) -> None:
    fast = Matcher(library)
    assert len(fast.always) <= len(library.rules) // 5
    assert fast.engine.startswith("prefilter+")


def test_candidates_are_few_on_a_routine_line(library: Library) -> None:
    fast = Matcher(library)
    line = "Connection pool size=10 overflow=0"
    assert len(fast.candidates(line)) <= len(fast.always) + 3


@pytest.mark.parametrize(
    ("pattern", "strings", "folded"),
    [
        (r"Container called exit\((?P<code>[1-9]\d*)\)", {"Container called exit("}, False),
        (
            r"(?i)\bSTARTUP (?:TCP|HTTP|gRPC) probe failed",
            {"startup tcp probe failed", "startup http probe failed", "startup grpc probe failed"},
            True,
        ),
        (r"colou?r", {"color", "colour"}, False),
        (r"[Tt]imeout after \d+s", {"Timeout after ", "timeout after "}, False),
        (r"(?:Error|Exception): ", {"Error: ", "Exception: "}, False),
        (r"Traceback|^\s*\w+Error: ", {"Traceback", "Error: "}, False),
        (r"(?<!no )module named '(?P<m>[\w.]+)'", {"module named '"}, False),
        (r"x(?=yz)", {"x"}, False),
        (r"(?s)os\.environ\[.*?KeyError", {"os.environ["}, False),
        (r"abc++d", {"ab"}, False),  # c++ is one or more c: only "ab" is certain
        (r"(?>ab|a)c", {"abc", "ac"}, False),
        (r"\p{Lu}{3,}_KEY", {"_KEY"}, False),
    ],
)
def test_required_literals(pattern: str, strings: set[str], folded: bool) -> None:
    found = required_literals(pattern)
    assert found is not None
    assert (found.strings, found.folded) == (frozenset(strings), folded)


@pytest.mark.parametrize(
    ("pattern", "strongest", "also"),
    [
        (r"(?s)os\.environ\[.*?KeyError", {"os.environ["}, [{"KeyError"}]),
        (
            r'"(?:GET|POST) [^"\s]{1,200} HTTP/[\d.]+" 5\d\d\b',
            {" HTTP/"},
            [{'"GET ', '"POST '}, {'" 5'}],
        ),
        (r"Memory limit of \d+ MiB exceeded", {"Memory limit of "}, [{" MiB exceeded"}]),
        (r"(?:abc|abd)x\d+yz", {"abcx", "abdx"}, [{"yz"}]),
        (r"abc\d+y", {"abc"}, []),  # a one-character piece rules out almost nothing: not kept
    ],
)
def test_every_required_piece_of_a_sequence_is_kept(
    pattern: str, strongest: set[str], also: list[set[str]]
) -> None:
    found = required_literals(pattern)
    assert found is not None
    assert found.strings == frozenset(strongest)
    assert sorted(map(sorted, found.also)) == sorted(map(sorted, also))


@pytest.mark.parametrize(
    ("pattern", "flags", "prefix"),
    [
        (r"\A  (?=\S)(?!File )", 0, "  "),
        (r"^Traceback \(most", 0, "Traceback "),
        (r"^ab*c", 0, "a"),  # b may repeat or be absent: only "a" is certain
        (r"\AINFO:\s", 0, "INFO:"),
        (r"^INFO", regex.M, None),  # multi-line ^ matches after any newline
        (r"\Aabc|xyz", 0, None),  # the anchor binds the first branch only
        (r"\A(?:abc)", 0, None),
        (r"\Aabc(?i)", 0, None),  # an inline flag applies to the whole pattern
        (r"\Aabc", regex.I, None),
        (r"x\Aabc", 0, None),
        (r"\A[|]abc", 0, None),
    ],
)
def test_required_prefix(pattern: str, flags: int, prefix: str | None) -> None:
    assert required_prefix(pattern, flags) == prefix


_ACCESS_RULES = """
rules:
  - id: access-5xx
    class: regression
    description: A 5xx in an access line.
    hint: Read it.
    regex: '"(?:GET|POST) [^"\\s]{1,200} HTTP/[\\d.]+" (?P<status>5\\d\\d)\\b'
    examples:
      match: ['1.2.3.4 - "GET /a HTTP/1.1" 503']
  - id: access-ok
    class: noise
    description: Any other access line.
    hint: Nothing to do.
    regex: '"(?:GET|POST) [^"\\s]{1,200} HTTP/[\\d.]+" (?P<status>[1-4]\\d\\d)\\b'
    examples:
      match: ['1.2.3.4 - "GET /a HTTP/1.1" 200']
  - id: indented-source
    class: noise
    description: An indented source line.
    hint: Nothing to do.
    regex: '\\A    \\w+ = '
    examples:
      match: ['    x = 1']
"""


@pytest.mark.parametrize("backend", _backends())
def test_a_rule_is_tried_only_when_the_text_holds_every_required_piece(tmp_path: Path, backend: str) -> None:
    library = _library_with(tmp_path, _ACCESS_RULES)
    fast, plain = Matcher(library, backend), PlainMatcher(library)
    ids = [r.id for r in library.rules]
    ok, failed = '10.0.0.5:45 - "GET /v1/x HTTP/1.1" 200', '10.0.0.5:45 - "POST /v1/x HTTP/1.1" 502'
    assert [ids[i] for i in fast.candidates(ok)] == ["access-ok"]  # no '" 5' in it, though a 5
    assert [ids[i] for i in fast.candidates(failed)] == ["access-5xx", "access-ok"]
    assert [ids[i] for i in fast.candidates("x    y = 2")] == []  # indented, but not at the start
    assert [ids[i] for i in fast.candidates("    y = 2")] == ["indented-source"]
    for text in (ok, failed, "x    y = 2", "    y = 2", '"GET /x HTTP/1.1" 5'):
        assert _answer(fast.first(text)) == _answer(plain.first(text)), text


def test_matchers_of_one_library_share_its_literal_set(tmp_path: Path, library: Library) -> None:
    """Building the RE2 set costs milliseconds of every run's start-up: it is built only when more texts
    come than the table serves (literal_table.py), and the chain roots' Matcher (verdict/aggregate.py)
    reuses the classifier's; another library gets its own."""
    engine._re2_set.cache_clear()
    first, second = Matcher(library), Matcher(library)
    texts = _example_texts(library)[: TABLE_TEXTS + 80]
    for text in texts[:TABLE_TEXTS]:
        assert first.candidates(text) == second.candidates(text), text
    ascii_texts = sum(text.isascii() for text in texts[:TABLE_TEXTS])
    assert engine._re2_set.cache_info().misses == (0 if ascii_texts == TABLE_TEXTS else 1)
    for text in texts[TABLE_TEXTS:]:  # a non-ASCII text builds the second (probe) set once
        assert first.candidates(text) == second.candidates(text), text
    built = engine._re2_set.cache_info().misses
    assert 1 <= built <= 2
    other = Matcher(_library_with(tmp_path, _ACCESS_RULES))
    for _ in range(TABLE_TEXTS + 1):
        found = [other.library.rules[i].id for i in other.candidates('"POST /v1/x HTTP/1.1" 502')]
        assert found == ["access-5xx", "access-ok"]
    assert engine._re2_set.cache_info().misses == built + 1


_CASE_RULES = """
rules:
  - id: shouted
    class: noise
    description: Upper case, case-sensitive.
    hint: Nothing to do.
    regex: 'INFO started'
    examples:
      match: ['INFO started']
  - id: quiet
    class: noise
    description: Lower case, case-sensitive.
    hint: Nothing to do.
    regex: 'info started'
    examples:
      match: ['info started']
  - id: any-case
    class: noise
    description: Case-insensitive.
    hint: Nothing to do.
    regex: '(?i)info started'
    examples:
      match: ['Info Started']
"""


def test_an_ascii_text_holds_a_case_sensitive_literal_only_as_written(tmp_path: Path) -> None:
    library = _library_with(tmp_path, _CASE_RULES)
    fast, plain = Matcher(library), PlainMatcher(library)
    ids = [r.id for r in library.rules]
    assert [ids[i] for i in fast.candidates("INFO started")] == ["shouted", "any-case"]
    assert [ids[i] for i in fast.candidates("Info STARTED")] == ["any-case"]
    assert [ids[i] for i in fast.candidates("info started")] == ["quiet", "any-case"]
    texts = ["INFO started", "Info STARTED", "info started", "\u0130NFO started", "INFO started \u2713"]
    texts += ["\u212aINFO started", "info \ud800 started", "INFO st\u017farted"]  # Kelvin, surrogate, long s
    for text in texts:
        matching = [r.id for r in library.rules if r.compiled.search(text)]
        assert set(matching) <= {ids[i] for i in fast.candidates(text)}, text  # every rule that matches
        assert _answer(fast.first(text)) == _answer(plain.first(text)), text


@pytest.mark.parametrize("backend", _backends())
def test_remembered_candidates_still_check_each_texts_own_prefix(tmp_path: Path, backend: str) -> None:
    # Both texts hold the same literals, so the second is answered from what the first left behind.
    library = _library_with(tmp_path, _ACCESS_RULES)
    ids = [r.id for r in library.rules]
    for order in (("x    y = 2", "    y = 2"), ("    y = 2", "x    y = 2")):
        fast = Matcher(library, backend)
        got = {text: [ids[i] for i in fast.candidates(text)] for text in order}
        assert got == {"x    y = 2": [], "    y = 2": ["indented-source"]}, order


def test_remembered_candidates_are_bounded_and_equal_fresh_ones(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [text for text, _ in _generated_texts(600)] + _example_texts(library)
    roomy = Matcher(library)
    want = [list(roomy.candidates(text)) for text in texts]
    assert len(roomy._by_hits) > 3  # the texts give the literal search several different answers
    monkeypatch.setattr(engine, "HITS_CACHE_SIZE", 3)
    tight = Matcher(library)
    got = []
    for text in texts:
        got.append(list(tight.candidates(text)))
        assert len(tight._by_hits) <= 3
    assert got == want
    sample = range(0, len(texts), 37)  # and each equals what a matcher that saw nothing else gives
    assert [want[i] for i in sample] == [list(Matcher(library).candidates(texts[i])) for i in sample]


@pytest.mark.parametrize(
    "pattern",
    [
        r".",  # nothing required
        r"\d+ items",  # fine, but check below that short pieces still count
        r"(?x) verbose \s mode",  # whitespace is not literal in verbose mode: not modelled
        r"(?:colour){e<=1}",  # fuzzy matching
        r"(?(1)a|b)",  # conditional
        r"a(?R)?b",  # recursion
        r"(?V1)[[a-z]--[aeiou]]x",  # version-1 set operations
        r"(a)\1",  # backreference by number
        r"caf\xe9",  # numeric escape
        r"a|.",  # one branch needs nothing
        r"(?:foo)?",  # optional
    ],
)
def test_unsure_or_literal_free_patterns_run_on_every_line(pattern: str) -> None:
    found = required_literals(pattern)
    if pattern == r"\d+ items":
        assert found == Literals(frozenset({" items"}), False)
    else:
        assert found is None


def test_compile_time_flags_are_honoured() -> None:
    assert required_literals("abc", regex.I) == Literals(frozenset({"abc"}), True)
    assert required_literals("a b c", regex.X) is None


def test_casefold_maps_every_case_variant_of_an_ascii_letter_onto_it() -> None:
    """The prefilter compares lower-case ASCII literals with casefold(line): sound only if this holds."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    pattern = regex.compile(r"(?i)[a-z]")
    full = regex.compile(r"(?fi)[a-z]")
    for code in range(0x80, 0x10000):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        if pattern.fullmatch(ch) or full.fullmatch(ch):
            matches = {
                x for x in letters if regex.fullmatch(f"(?i){x}", ch) or regex.fullmatch(f"(?fi){x}", ch)
            }
            assert all(x in ch.casefold() for x in matches), (hex(code), ch, matches, ch.casefold())


_ALPHABET = "abAB:-_ .(\nK\u212a\u017f\u0130\u0131\u00df"
_atoms = st.sampled_from(
    [
        "a",
        "b",
        "A",
        "B",
        ":",
        "-",
        " ",
        "ab",
        r"\.",
        ".",
        r"\d",
        r"\w",
        r"\s",
        r"\b",
        "[ab]",
        "[^a]",
        "[A-B]",
        "^",
        "$",
        "\u212a",
        "ss",
        r"\A",
    ]
)


def _regexes() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, inner).map("".join),
            st.tuples(inner, inner).map(lambda t: f"(?:{t[0]}|{t[1]})"),
            st.tuples(inner, st.sampled_from(["*", "+", "?", "{2}", "{1,3}", "+?", "*+", "{0,2}"])).map(
                lambda t: f"(?:{t[0]}){t[1]}"
            ),
            inner.map(lambda s: f"(?P<g>{s})"),
            inner.map(lambda s: f"(?={s})"),
            inner.map(lambda s: f"(?<!{s})"),
            inner.map(lambda s: f"(?>{s})"),
        )

    body = st.recursive(_atoms, extend, max_leaves=8)
    return st.tuples(st.sampled_from(["", "(?i)", "(?s)", "(?fi)", "(?m)"]), body).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=_regexes(), texts=st.lists(st.text(alphabet=_ALPHABET, max_size=12), min_size=1, max_size=6))
def test_prefilter_never_drops_a_rule_that_matches(pattern: str, texts: list[str]) -> None:
    """Whenever the regex matches a text, it holds a string of every required set and starts with the prefix."""
    try:
        compiled = regex.compile(pattern, regex.VERSION0)
    except regex.error:
        return
    need = required_literals(pattern, compiled.flags)
    prefix = required_prefix(pattern, compiled.flags)
    for text in texts:
        if compiled.search(text) is None:
            continue
        if prefix is not None:
            assert text.startswith(prefix), (pattern, text, prefix)
        if need is not None:
            probe = text.casefold() if need.folded else text
            for strings in (need.strings, *need.also):
                assert any(s in probe for s in strings), (pattern, text, need)


def _library_with(tmp_path: Path, rules_yaml: str) -> Library:
    (tmp_path / "10-test.yaml").write_text(rules_yaml, encoding="utf-8")
    return load_library(tmp_path)


_SLOW_RULE = """
rules:
  - id: catastrophic
    class: regression
    description: A rule whose regex backtracks exponentially on a run of a's.
    hint: Rewrite it.
    regex: '(a|a)+b'
    examples:
      match: ["aab"]
  - id: any-error
    class: regression
    description: Anything with error in it.
    hint: Read it.
    regex: 'error'
    examples:
      match: ["an error"]
"""


@pytest.mark.parametrize("kind", [PlainMatcher, Matcher])
def test_a_catastrophic_rule_times_out_and_is_retired_after_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: type[PlainMatcher]
) -> None:
    monkeypatch.setattr(engine, "MATCH_TIMEOUT_S", 0.02)
    monkeypatch.setattr(engine, "RULE_TIMEOUT_BUDGET_S", 0.1)
    matcher = kind(_library_with(tmp_path, _SLOW_RULE))
    answers = [matcher.first("a" * 40 + f" error {i}") for i in range(20)]
    assert matcher.timeouts == 5  # 5 x 0.02 s used the budget up; the rule is not tried after that
    assert matcher.disabled == {"catastrophic"}
    assert all(a is not None and a[0].id == "any-error" for a in answers)


def test_repeated_text_is_answered_from_the_cache(library: Library) -> None:
    fast = Matcher(library)
    line = "ModuleNotFoundError: No module named 'app.reporting'"
    first = fast.first(line, "ERROR")
    for _ in range(100):
        assert fast.first(line, "ERROR") is first
    info = fast.cache_info()
    assert info.hits == 100 and info.misses == 1
    assert fast.first(line, "INFO") is not first  # the severity is part of the key


def test_uncached_answers_as_first_and_leaves_the_cache_alone(library: Library) -> None:
    fast, plain = Matcher(library), PlainMatcher(library)
    lines = _generated_texts(300)
    for text, severity in lines:
        assert _answer(fast.uncached(text, severity)) == _answer(plain.uncached(text, severity)), text
        assert _answer(fast.uncached(text, severity)) == _answer(plain.first(text, severity)), text
    assert fast.cache_info().currsize == 0


def test_long_texts_bypass_the_cache(library: Library) -> None:
    fast = Matcher(library)
    line = "x" * (engine.CACHE_MAX_CHARS + 1)
    fast.first(line)
    fast.first(line)
    assert fast.cache_info().currsize == 0


def test_abandoned_searches_are_reported_in_provenance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from logscan.config import Config

    from .factories import triaged

    monkeypatch.setattr(engine, "MATCH_TIMEOUT_S", 0.02)
    monkeypatch.setattr(engine, "RULE_TIMEOUT_BUDGET_S", 0.1)
    library = _library_with(tmp_path, _SLOW_RULE)
    export = tmp_path / "paste.txt"
    export.write_text("".join("a" * 40 + f" error {i}\n" for i in range(20)), encoding="utf-8")
    report = triaged([FileSource(str(export))], Config(), library=library)
    notes = [line for line in report.provenance.skipped_detail if line.startswith("matching:")]
    assert notes == [
        "matching: 5 rule searches abandoned on the time bound; rules retired for the rest of the run: catastrophic"
    ]


def test_the_chosen_literals_do_not_depend_on_string_hashing() -> None:
    """Sets iterate in hash order, which changes per process: the choice among equal sets must not."""
    probe = (
        "from logscan.classify.prefilter import required_literals as r\n"
        "for p in ['(a|a)+b', 'x\\\\d+y', '(?:ab|cd)\\\\d(?:ef|gh)\\\\s(?:ij|kl)', '\\\\w+ (?:Error|Fault) \\\\d+ (?:on|at) ']:\n"
        "    found = r(p)\n"
        "    print(sorted(found.strings), [sorted(s) for s in found.also])\n"
    )
    answers = {
        subprocess.run(
            [sys.executable, "-c", probe],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(answers) == 1, answers


@pytest.mark.parametrize("kind", [PlainMatcher, Matcher])
def test_a_rule_matches_whole_not_partially_and_its_unless_still_vetoes(
    tmp_path: Path, kind: type[PlainMatcher]
) -> None:
    rules = """
rules:
  - id: worker-timeout
    class: regression
    description: A worker timed out.
    hint: Raise the timeout.
    regex: 'WORKER TIMEOUT \\(pid:\\d+\\)'
    unless: 'expected during shutdown'
    examples:
      match: ["[CRITICAL] WORKER TIMEOUT (pid:12)"]
"""
    matcher = kind(_library_with(tmp_path, rules))
    assert matcher.first("[CRITICAL] WORKER TIMEOUT (pid:") is None  # a partial match is no match
    assert matcher.first("[CRITICAL] WORKER TIMEOUT (pid:12) expected during shutdown") is None
    found = matcher.first("[CRITICAL] WORKER TIMEOUT (pid:12)")
    assert found is not None and found[1].group(0) == "WORKER TIMEOUT (pid:12)"


def test_an_unknown_literal_search_backend_is_refused(library: Library) -> None:
    # google-re2 is a dependency: no fallback backend is chosen silently
    with pytest.raises(ValueError, match=r"unknown literal search backend 'aho'; use re2 or python"):
        Matcher(library, "aho")
    assert Matcher(library).engine == "prefilter+re2"
