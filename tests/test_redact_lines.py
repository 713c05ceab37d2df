"""redaction/lines.py: the fail-closed scan searches a long text line-wise and finds exactly what a search of the
whole text finds (hits(), and find_secrets' leaks: kinds, lines, order)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
import re2
import regex
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscan.config import Config
from logscan.redaction.decode import decoded_texts, decodings
from logscan.redaction.detector import Detector, Reach, blanked
from logscan.redaction.detectors import DETECTORS
from logscan.redaction.gate import FOLD as _FOLD
from logscan.redaction.gate import may_hold_secret
from logscan.redaction.lines import _Lines, _matches, _runs, _ungated, long_text_hits
from logscan.redaction.redact import hits, redact_text
from logscan.report.redact.scan import Leak, _shown, find_secrets
from logscan.report.render.formats import render
from logscan.sources.files import open_source

from . import factories
from .conftest import FIXTURES

BY_KIND = {d.kind: d for d in DETECTORS}
REACHING = [d for d in DETECTORS if d.reach is not None]


def _reference(text: str, fmt: str | None) -> list[Leak]:
    """find_secrets the straightforward way: every detector over the whole of every reading."""
    leaks: list[Leak] = []
    seen: set[tuple[str, int]] = set()
    for shown in _shown(text, fmt):
        for reading in [shown, *(d.text for d in decodings(shown))]:
            for hit in hits(reading):
                line = reading.count("\n", 0, hit.start) + 1
                if (hit.kind, line) not in seen:
                    seen.add((hit.kind, line))
                    leaks.append(Leak(hit.kind, line))
    return leaks


def _whole(d: Detector, text: str) -> list[tuple[int, int]]:
    view = blanked(text)
    return [m.span() for m in d.pattern.finditer(view)]


def _lined(d: Detector, text: str, reach: Reach) -> list[tuple[int, int]]:
    lines = _Lines(blanked(text))
    return [m.span() for m in _matches(d.pattern, reach, lines, list(_runs(reach, lines)))]


# Pieces a text is made of: every detector's examples, and what bends lines and lookarounds: newlines, blank
# lines, braces, flags split from their values, names in other cases, characters that fold to ASCII letters.
_EXAMPLES = sorted({line for d in DETECTORS for line in (*d.matches, *d.no_match)})
_PIECES = [
    *_EXAMPLES,
    "\n",
    "\n\n",
    "  \n",
    "\t\n \n",
    " ",
    "\r",
    "\u2028",
    "\x85",
    "{{",
    "}}",
    "}",
    '"',
    "'",
    "=",
    ": ",
    'password: "{{a" b',
    "api_key='{{x\n",
    'password: "{{a" b\n}} ',
    'password: "{{a" b\npassword: c\n}} ',
    "/login?password={{a\nb}} ",
    "--password\n\n  \nHk29xLq8",
    "curl -fsS\n-u\n\ndeploy:Hk29xLq8",
    "mysqldump -h db\n-pQz81kXm0v",
    "x --password Hk29xLq8\n--token=abcdefgh",
    "--password",
    "--db-token=",
    " -p",
    " -u deploy:",
    "\n-pQz81kXm0v",
    "Hk29xLq8",
    "MYSQL -h db",
    "Curl -fsS",
    "\u212aEY=",
    "pa\u017fs",
    "AP\u0130_KEY=",
    "sess\u0130on_id: ",
    "\ud83d",
    "\u0667\u0663\u0661\u0661\u0664\u0662\u0668:AHk29xLq8Wm3Zr0pQv5Tn7Ys2Bd6Fg1Jc4e",
    "x9Lq2mN8vB6cD0eF1gH3jK5lP7rS9tU",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "SK2b7f0c9e4d1a8b3c6e5f4a3b2c1d0e9f",
    "twilio token ",
    "[REDACTED:jwt:0a1b2c]",
    "\\n",
    '\\"',
    "&quot;",
    "%3D",
    "\u200b",
]
_LINE = st.lists(st.sampled_from(_PIECES), max_size=4).map("".join)
_TEXTS = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=24).map("".join), st.lists(_LINE, max_size=12).map("\n".join)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_the_line_wise_search_finds_what_the_whole_text_search_finds(text: str) -> None:
    assert list(long_text_hits(text)) == list(hits(text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS, st.sampled_from(["md", "html", "json", None]))
def test_find_secrets_equals_the_straightforward_scan(text: str, fmt: str | None) -> None:
    assert find_secrets(text, fmt) == _reference(text, fmt)


_ESCAPED = st.lists(st.sampled_from(["a", "\n", "\\n", '\\"', "&amp;", "%41", "\\u00e9", "\u200b", "&#x25;"]))


@given(_ESCAPED.map("".join))
def test_decoded_texts_are_the_decodings_texts(text: str) -> None:
    assert decoded_texts(text) == [d.text for d in decodings(text)]


def test_every_example_alone_and_among_the_others_gives_the_same_hits() -> None:
    for line in _EXAMPLES:
        assert list(long_text_hits(line)) == list(hits(line)), line
    together = "\n".join(_EXAMPLES)
    found = list(long_text_hits(together))
    assert found == list(hits(together))
    assert {h.kind for h in found} == {d.kind for d in DETECTORS}  # every detector fired somewhere in it


# Each claim a Reach makes is needed: a text on which the search without it differs from the whole-text search.
_WEAKER = [
    ("secret-value", 'x\npassword: "{{a" b\n}} \n', {"until": None}),
    ("command-line-password", "ok\n--password Hk29xLq8\n", {"before": 0}),
    ("command-line-password", "pg_dump --password\n\n  \nHk29xLq8\n", {"blank": False}),
    ("command-line-password", "curl -fsS\n-u\n\ndeploy:Hk29xLq8\n", {"after": 0}),
    ("command-line-password", "mysqldump -h db\n-pQz81kXm0v orders\n", {"after": 0, "blank": False}),
    (
        "command-line-password",
        "curl ok\n\n\nx\nMYSQL -h db -pQz81kXm0v\n",
        {"screen": r"-(?:[a-z]+-)*pass|mysql|curl"},
    ),
    ("high-entropy-value", "ok\nMAILER_AUTH=Vx82LmQ0pZr4Tk9sWn3yBc7D\n", {"screen": "nothing"}),
    ("query-secret", "x\n/login?password={{a\nb}} \n", {"until": None}),
    ("query-secret", "x\nGET /reset?token=8f14e45fceea167a HTTP/1.1", {"screen": "nothing"}),
    (
        "telegram-bot-token",
        "bot\u0667\u0663\u0661\u0661\u0664:AHk29xLq8Wm3Zr0pQv5Tn7Ys2Bd6Fg1Jc4e",
        {"screen": "[0-9]{5}:A"},
    ),
    (
        "pem-body",
        "-\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n",
        {"screen": "x{65}"},
    ),
    ("twilio", "a\nTwilio auth token 9f8e7d6c5b4a39281706f5e4d3c2b1a0 was rejected", {"screen": "twilio"}),
]


@pytest.mark.parametrize(("kind", "text", "weaker"), _WEAKER)
def test_each_reach_claim_is_needed(kind: str, text: str, weaker: dict[str, object]) -> None:
    d = BY_KIND[kind]
    assert d.reach is not None
    whole = _whole(d, text)  # for secret-value: none, the lookahead reads to the braces on the next line
    assert _lined(d, text, d.reach) == whole
    assert _lined(d, text, replace(d.reach, **weaker)) != whole  # type: ignore[arg-type]


_ALL = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


@pytest.mark.parametrize("letter", "abcdefghijklmnopqrstuvwxyz")
def test_re2_folds_every_character_regex_folds_to_a_letter(letter: str) -> None:
    """The screens rely on it: a case-insensitive screen matches wherever the case-insensitive pattern does
    (K, the Kelvin sign and k alike); what RE2 does not fold (the dotted capital I) is made ASCII first."""
    folded = set(regex.findall(f"(?i)[{letter}]", _ALL, regex.V0))
    assert {"\u212a", "\u017f"} & folded or letter not in "ks"
    by_re2 = {m.decode() for m in re2.findall(f"(?i)[{letter}]".encode(), _ALL.translate(_FOLD).encode())}
    assert {c.translate(_FOLD) for c in folded} <= by_re2


def test_only_an_anchor_with_a_lookaround_or_a_digit_goes_without_the_re2_gate() -> None:
    assert sorted(DETECTORS[i].kind for i in _ungated()) == ["secret-value", "telegram-bot-token"]


def test_every_screen_is_re2_and_matches_on_its_detectors_examples() -> None:
    for d in REACHING:
        assert d.reach is not None
        for line in d.matches:
            assert re2.search(d.reach.screen.encode(), line.encode()), (d.kind, line)


# Finished reports: every fixture input and the secret corpus, triaged with and without redaction and
# rendered in every format, scanned both ways.
_NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
_INPUTS = sorted([*(FIXTURES / "inputs").glob("*.json*"), *(FIXTURES / "scenarios").glob("*.json")])


def _corpus_export(folder: Path) -> Path:
    entries: list[dict[str, object]] = []
    for name in ("corpus.yaml", "shapes.yaml"):
        for entry in yaml.safe_load((FIXTURES / "secrets" / name).read_text(encoding="utf-8"))["entries"]:
            text = entry["text"] if "text" in entry else entry["json"]
            entries.append(factories.log_entry(text, 3 + len(entries) * 7, stream=entry["stream"]))
    return factories.write_export(folder / "corpus.json", entries)


def test_reports_of_the_fixture_inputs_and_the_secret_corpus_scan_the_same(tmp_path: Path) -> None:
    leaks = 0
    for path in [*_INPUTS, _corpus_export(tmp_path)]:
        for redact in (True, False):
            config = Config(now=_NOW, version="0.0.0-test", redact=redact)
            report = factories.triaged([open_source(str(path))], config)
            for fmt in ("md", "html", "json"):
                text = render(report, fmt)
                found = find_secrets(text, fmt)
                assert found == _reference(text, fmt), (path.name, redact, fmt)
                leaks += len(found)
    assert leaks >= 300  # the unredacted reports hold secrets: the comparison covers hits, not only silence


# The RE2 gate in front of TRIGGER (redaction/gate.py): it says no only where no detector finds anything, so
# redact_text and hits() answer as they did without it.
def _redact_text_without_the_gate(text: str) -> str:
    with mock.patch("logscan.redaction.redact.may_hold_secret", lambda text: True):
        return redact_text(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_the_gate_says_no_only_where_no_detector_finds_anything(text: str) -> None:
    if not may_hold_secret(text):
        assert [d.kind for d in DETECTORS if list(d.find(text))] == []
    assert redact_text(text) == _redact_text_without_the_gate(text)


def test_the_gate_lets_through_every_example_and_stops_plain_text() -> None:
    for line in _EXAMPLES:
        if any(list(d.find(line)) for d in DETECTORS):
            assert may_hold_secret(line), line
    assert may_hold_secret("\u0667\u0663\u0661\u0661\u0664\u0662\u0668:AHk29xLq8Wm3Zr0pQv5Tn7Ys2Bd6Fg1Jc4e")
    assert not may_hold_secret("GET /healthz 200 in 3 ms")
