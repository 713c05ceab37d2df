"""The literal screen in front of the trace shapes' search (signature.may_hold_trace) never hides a trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscan.classify.classify import _mask_literals
from logscan.classify.library import Library
from logscan.config import Config
from logscan.ingest.join import join
from logscan.ingest.reader import records
from logscan.sources.files import open_source
from logscan.templates import signature
from logscan.templates.exception import raised
from logscan.templates.miner import Masker

from . import traces_samples

FIXTURES = Path(__file__).parent / "fixtures"


def _event_texts(path: Path) -> list[str]:
    return [event.clean for event in join(records([open_source(str(path))], Config())) if event.clean]


def _texts(library: Library) -> list[str]:
    samples = [v for k, v in vars(traces_samples).items() if k.isupper() and isinstance(v, str)]
    stacks = [p for part in ("dev", "blind") for p in sorted((FIXTURES / "stacks" / part / "raw").iterdir())]
    inputs = [p for p in sorted((FIXTURES / "inputs").iterdir()) if p.suffix in (".jsonl", ".json", ".txt")]
    texts = [*samples, *(p.read_text(encoding="utf-8") for p in stacks)]
    for path in (*stacks, *inputs):
        texts.extend(_event_texts(path))
    texts.extend(ex.text for rule in library.rules for ex in (*rule.match, *rule.no_match))
    return texts


def test_every_text_holding_a_trace_passes_the_screen(library: Library) -> None:
    texts = _texts(library)
    traced = [t for t in texts if signature.parse_trace(t) is not None]
    assert len(traced) > 50
    assert all(signature.may_hold_trace(t, _mask_literals) for t in traced)
    assert [raised(t, _mask_literals) for t in texts] == [raised(t) for t in texts]


def test_signatures_are_the_same_with_and_without_the_screen(library: Library) -> None:
    screened, plain = Masker(library.masks, _mask_literals), Masker(library.masks)
    texts = _texts(library)
    assert [signature.identify(screened, t) for t in texts] == [signature.identify(plain, t) for t in texts]


@pytest.mark.parametrize(
    "line",
    [
        'INFO:     169.254.169.126:40923 - "POST /v1/invoices HTTP/1.1" 500',
        "Slow query took 838ms: SELECT invoices.id FROM invoices WHERE customer_id = $1",
    ],
)
def test_a_plain_line_is_screened_out_without_the_shapes_search(line: str) -> None:
    assert not signature.may_hold_trace(line, _mask_literals)
    assert signature.may_hold_trace(line, None)  # no analysis: every text may hold one
