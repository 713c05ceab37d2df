"""Compare matching engines on the same lines with the shipped pattern library, and check their answers.

    python benchmarks/bench_engine.py [--entries 200000] [--plain-lines 20000] [--seed 7] [--hyperscan]

Lines are the normalized texts of a generated export (benchmarks/generate.py) plus every rule example.
Every engine answers "which rule, first in library order, claims this text at this severity" and all
but the plain one confirm their candidates with the regex module in library order:

- plain: every rule's regex on every line (logscan.classify.engine.PlainMatcher), the reference.
- prefilter+python / +re2: logscan.classify.engine.Matcher, required literals of each rule searched with
  Python's ``in`` or one RE2 set; rules without literals are always candidates.
- re2-set-full: the rules' whole regexes in one RE2 set (rules RE2 cannot compile are always
  candidates). RE2's \\w, \\d and \\b are ASCII-only where the regex module's are Unicode, so this set is
  not guaranteed to find every rule that matches: a difference in answers is possible.
- hyperscan-prefilter (with --hyperscan): the whole regexes in hyperscan's prefilter mode (UTF-8,
  Unicode properties). Off by default: compiling this library takes minutes (bounded repeats such as
  ``{0,300}`` grow huge automata) and some rules are "too large" or use unsupported anchors.

Speeds are lines per second without the answer cache (the cache's effect is shown separately), so the
engines are compared on equal terms. The plain engine runs on the first --plain-lines lines only (it is
slow); every engine's answers are compared with it there, and with prefilter+re2 on all lines.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the sibling script

from logscan.classify import shapes  # noqa: E402
from logscan.classify.engine import Matcher, PlainMatcher  # noqa: E402
from logscan.classify.library import Library, load_library  # noqa: E402
from logscan.ingest.normalize import normalize  # noqa: E402
from logscan.model import severity_rank  # noqa: E402
from logscan.sources.files import FileSource  # noqa: E402

Line = tuple[str, str]


class SetMatcher(PlainMatcher):
    """A whole-regex set matcher in front of the regex module (for comparison only)."""

    def __init__(
        self, library: Library, name: str, candidates: Callable[[str], Sequence[int]], always: set[int]
    ):
        super().__init__(library)
        self.engine = name
        self._candidates = candidates
        self.always = frozenset(always)

    def candidates(self, text: str) -> list[int]:
        return sorted(self.always.union(self._candidates(text)))

    def first(self, text: str, severity: str = "DEFAULT") -> Any:
        return self._try(self.candidates(text), text, severity_rank(severity))


@contextlib.contextmanager
def quiet_stderr() -> Any:
    """Silence C libraries that log to file descriptor 2 (RE2 logs every pattern it refuses)."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def re2_full(library: Library) -> SetMatcher | None:
    try:
        import re2
    except ImportError:
        return None
    options = re2.Options()
    options.max_mem = 1 << 30  # the whole library's automata outgrow RE2's default 8 MB budget
    matcher = re2.Set.SearchSet(options)
    ids: list[int] = []
    always: set[int] = set()
    for i, rule in enumerate(library.rules):
        try:
            re2.compile(rule.regex)
            matcher.Add(rule.regex)
            ids.append(i)
        except Exception:  # any pattern RE2 refuses runs on every line
            always.add(i)
    try:
        matcher.Compile()
    except re2.error as exc:
        print(f"re2-set-full: not built ({exc}), even with 1 GB of automaton memory", file=sys.stderr)
        return None

    def candidates(text: str) -> Sequence[int]:
        found = matcher.Match(text)
        return [ids[k] for k in found] if found else ()

    return SetMatcher(library, "re2-set-full", candidates, always)


def hyperscan_prefilter(library: Library) -> SetMatcher | None:
    try:
        import hyperscan
    except ImportError:
        return None
    flags = (
        hyperscan.HS_FLAG_PREFILTER
        | hyperscan.HS_FLAG_UTF8
        | hyperscan.HS_FLAG_UCP
        | hyperscan.HS_FLAG_SINGLEMATCH
        | hyperscan.HS_FLAG_ALLOWEMPTY
    )
    usable: list[tuple[int, bytes]] = []
    always: set[int] = set()
    for i, rule in enumerate(library.rules):
        expression = rule.regex.encode("utf-8")
        try:
            hyperscan.Database().compile(expressions=[expression], ids=[i], elements=1, flags=[flags])
            usable.append((i, expression))
        except Exception:  # any pattern hyperscan refuses runs on every line
            always.add(i)
    db = hyperscan.Database()
    db.compile(
        expressions=[e for _, e in usable],
        ids=[i for i, _ in usable],
        elements=len(usable),
        flags=[flags] * len(usable),
    )

    def candidates(text: str) -> Sequence[int]:
        found: list[int] = []

        def on_match(rule_id: int, start: int, end: int, flag: int, context: Any) -> None:
            found.append(rule_id)

        db.scan(text.encode("utf-8", "replace"), match_event_handler=on_match)
        return found

    return SetMatcher(library, "hyperscan-prefilter", candidates, always)


def lines_of(entries: int, seed: int, library: Library) -> list[Line]:
    out = io.BytesIO()
    generate.write(out, entries, seed=seed, fmt="jsonl")
    source = FileSource("-", stdin=io.BytesIO(out.getvalue()))
    records = (normalize(raw, i, "-", 65_536) for i, raw in enumerate(source.entries()))
    lines = [(r.clean, r.severity) for r in records]
    examples = [
        (ex.text, ex.severity)
        for rule in library.rules
        for ex in (*rule.match, *rule.no_match, *rule.known_miss)
    ]
    return examples + lines


def answers(engine: PlainMatcher, lines: Sequence[Line], cached: bool) -> tuple[list[Any], float]:
    uncached: Callable[[str, int], Any] | None = getattr(engine, "_uncached", None)
    start = time.perf_counter()
    if cached or uncached is None:
        found = [engine.first(text, sev) for text, sev in lines]
    else:
        found = [uncached(text, severity_rank(sev)) for text, sev in lines]
    seconds = time.perf_counter() - start
    return [None if f is None else (f[0].id, f[1].span()) for f in found], seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--plain-lines", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hyperscan", action="store_true", help="also build hyperscan (takes minutes)")
    args = parser.parse_args(argv)
    library = load_library()
    lines = lines_of(args.entries, args.seed, library)
    sample = lines[: args.plain_lines]
    engines: list[PlainMatcher] = []
    for backend in ("python", "re2"):
        engines.append(Matcher(library, backend))
    setup: dict[str, float] = {}
    for engine in engines:
        start = time.perf_counter()
        Matcher(library, engine.engine.split("+")[1])
        setup[engine.engine] = time.perf_counter() - start
    builds = [re2_full] + ([hyperscan_prefilter] if args.hyperscan else [])
    for build in builds:
        start = time.perf_counter()
        with quiet_stderr():
            engine = build(library)
        if engine is not None:
            setup[engine.engine] = time.perf_counter() - start
            engines.append(engine)
    print(f"{len(library.rules)} rules; {len(lines):,} lines ({len(sample):,} for the plain engine)")
    plain = PlainMatcher(library)
    truth, plain_s = answers(plain, sample, cached=False)
    reference = (
        next(e for e in engines if e.engine == "prefilter+re2")
        if any(e.engine == "prefilter+re2" for e in engines)
        else None
    )
    full_truth = answers(reference, lines, cached=False)[0] if reference is not None else None
    n = len(library.rules)
    print(
        f"{'engine':<22} {'setup s':>8} {'lines/s':>9} {'x plain':>8} {'always':>7} {'cand/line':>10} {'same':>10}"
    )
    print(
        f"{'plain':<22} {0:>8.2f} {len(sample) / plain_s:>9,.0f} {1:>8} {n:>7} {n:>10.1f} {'reference':>10}"
    )
    ok = True
    for engine in engines:
        on_sample, _ = answers(engine, sample, cached=False)
        found, seconds = answers(engine, lines, cached=False)
        diffs = sum(a != b for a, b in zip(on_sample, truth, strict=True))
        if full_truth is not None:
            diffs += sum(a != b for a, b in zip(found, full_truth, strict=True))
        speed = len(lines) / seconds
        candidates = sum(len(engine.candidates(text)) for text, _ in sample) / len(sample)  # type: ignore[attr-defined]
        always = len(engine.always)  # type: ignore[attr-defined]
        verdict = "yes" if diffs == 0 else f"NO ({diffs})"
        ok = ok and (diffs == 0 or not engine.engine.startswith("prefilter"))
        print(
            f"{engine.engine:<22} {setup[engine.engine]:>8.2f} {speed:>9,.0f} {speed * plain_s / len(sample):>8.0f} "
            f"{always:>7} {candidates:>10.1f} {verdict:>10}"
        )
    if reference is not None:
        fresh = Matcher(library, "re2")
        _, cold = answers(fresh, lines, cached=True)
        info = fresh.cache_info()
        print(
            f"prefilter+re2 with the answer cache: {len(lines) / cold:,.0f} lines/s "
            f"({info.hits / max(1, info.hits + info.misses):.0%} of lines answered from the cache)"
        )
    if reference is not None:
        print(learning_shapes(library, lines))
    return 0 if ok else 1


def learning_shapes(library: Library, lines: Sequence[Line]) -> str:
    """prefilter+re2 on each distinct line once, in order (what classify's answer cache lets through), with
    a shape learnt on its first sighting and on its second (shapes.LEARN_ON_SIGHTING), best of three."""
    distinct = list(dict.fromkeys(lines))
    best: dict[int, float] = {}
    learnt: dict[int, int] = {}
    for _ in range(3):
        for sighting in (1, 2):
            shapes.LEARN_ON_SIGHTING = sighting
            engine = Matcher(library, "re2")
            _, seconds = answers(engine, distinct, cached=False)
            best[sighting] = min(best.get(sighting, seconds), seconds)
            learnt[sighting] = len(engine._shapes._known)
    shapes.LEARN_ON_SIGHTING = 2
    return (
        f"prefilter+re2 on the {len(distinct):,} distinct lines once each: shapes learnt at first sight "
        f"{best[1]:.3f} s ({learnt[1]:,} shapes held at the end), at the second {best[2]:.3f} s "
        f"({learnt[2]:,} held): "
        f"{best[1] / best[2]:.2f}x"
    )


if __name__ == "__main__":
    raise SystemExit(main())
